/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Early crash kernel loading: the parts that only read memory, shared with
 * their KUnit tests.
 */
#ifndef _KERNEL_KEXEC_CRASH_EARLY_H
#define _KERNEL_KEXEC_CRASH_EARLY_H

#include <linux/types.h>

#define CRASH_EARLY_DIR		"kernel/kdump/"

/**
 * struct crash_early_payload - a crash kernel found in memory, not owned
 * @kernel:	the bzImage, or NULL if none was found
 * @kernel_len:	its length in bytes
 * @initrd:	its initramfs, or NULL
 * @initrd_len:	its length in bytes
 * @cmdline:	its command line as stored, not NUL-terminated, or NULL
 * @cmdline_len: its length in bytes
 */
struct crash_early_payload {
	const void *kernel;
	size_t kernel_len;
	const void *initrd;
	size_t initrd_len;
	const char *cmdline;
	size_t cmdline_len;
};

/* The payload of CONFIG_CRASH_EARLY_BUILTIN, in crash_early_builtin.S. */
extern const u8 crash_early_builtin_kernel[];
extern const u8 crash_early_builtin_kernel_end[];
extern const u8 crash_early_builtin_initrd[];
extern const u8 crash_early_builtin_initrd_end[];

int crash_early_find_payload(void *data, size_t len,
			     struct crash_early_payload *p, size_t *bad_off);
int crash_early_build_cmdline(char *buf, size_t size, const char *src,
			      size_t len, const char *boot_args, size_t *bad_off);

/* The test-only crash injector, crash_inject.c. */
#ifdef CONFIG_CRASH_EARLY_INJECT
void crash_inject_at(const char *stage);
#else
static inline void crash_inject_at(const char *stage) { }
#endif

#endif /* _KERNEL_KEXEC_CRASH_EARLY_H */
