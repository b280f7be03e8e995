/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a crashed kernel's memory from an ELF core: /proc/vmcore in a
 * capture kernel, /proc/kcore of a live one, or a saved copy of either.
 */
#ifndef SAVEOOPS_VMCORE_H
#define SAVEOOPS_VMCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmcore_load {
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t offset;
	uint64_t filesz;
};

struct vmcore {
	int fd;
	struct vmcore_load *loads;
	size_t nr_loads;
	char *info;			/* VMCOREINFO text, NUL-terminated */
	size_t info_len;
	/* x86_64 translation state, from VMCOREINFO */
	uint64_t phys_base;
	uint64_t pgd_paddr;		/* init_top_pgt */
	uint64_t sme_mask;
	uint64_t image_size;		/* KERNEL_IMAGE_SIZE: the kernel map's extent */
	bool has_pgd;
	bool l5;
};

/* Bits the reader can trust about an address space it cannot see. */
#define VMCORE_KERNEL_MAP	0xffffffff80000000ULL

int vmcore_open(struct vmcore *vc, const char *path, char *err, size_t errlen);
int vmcore_open_fd(struct vmcore *vc, int fd, char *err, size_t errlen);
void vmcore_close(struct vmcore *vc);

bool vmcoreinfo_str(const struct vmcore *vc, const char *key, char *buf,
		    size_t size);
bool vmcoreinfo_num(const struct vmcore *vc, const char *key, uint64_t *val);

int vmcore_read_phys(const struct vmcore *vc, uint64_t paddr, void *buf,
		     size_t len);
int vmcore_read_virt(const struct vmcore *vc, uint64_t vaddr, void *buf,
		     size_t len);

#endif /* SAVEOOPS_VMCORE_H */
