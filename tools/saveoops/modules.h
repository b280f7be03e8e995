/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel modules in the capture initramfs.
 *
 * A distribution kernel builds its disk drivers as modules, so the capture
 * initramfs carries the ones that reach the store and a list saying in which
 * order to load them. saveoops-mkpayload picks them (modules.c) from the
 * capture kernel's module tree; saveoops-capture loads them (modload.c)
 * before it looks for the store.
 *
 * The list, MODULES_ORDER in the capture initramfs, is text:
 *	release 6.1.0-57-amd64
 *	lib/modules/6.1.0-57-amd64/virtio.ko
 *	...
 * the release the modules were built for, then one path per line, each
 * module after those it depends on.
 */
#ifndef SAVEOOPS_MODULES_H
#define SAVEOOPS_MODULES_H

#include <stdbool.h>
#include <stddef.h>

#define MODULES_ORDER	"lib/modules/saveoops.order"

/* What saveoops-mkpayload was told; NULL means the default. */
struct module_opts {
	const char *kernel;		/* the capture kernel's bzImage */
	const char *modules_dir;	/* its module tree */
	const char *config;		/* its .config */
	const char *store;		/* a store device, a file on one, or UUID=... */
	const char *store_driver;	/* driver list instead of sysfs' */
	const char *extra;		/* more module names or .ko files */
	const char *sysfs;		/* "/sys", another root for tests */
	const char *devdir;		/* "/dev", another one for tests */
};

/* One member of the capture initramfs, a directory or a file. */
struct module_member {
	char *name;
	unsigned int mode;		/* S_IFDIR | 0755 or S_IFREG | 0644 */
	char *data;
	size_t len;
};

struct module_set {
	struct module_member *members;
	size_t count;
	size_t bytes;			/* of module files */
	unsigned int modules;
};

/**
 * modules_collect() - pick the modules that reach the store
 * @ms: the members to put in the capture initramfs, in order
 * @o: the capture kernel and the store
 *
 * Says on stderr which modules it took and why, and what it left out.
 * A kernel whose release or module tree cannot be found gets no modules,
 * which is not an error unless the tree was named.
 *
 * Return: 0, or -1 after saying why on stderr.
 */
int modules_collect(struct module_set *ms, const struct module_opts *o);
void modules_free(struct module_set *ms);

/**
 * modules_load() - load the modules MODULES_ORDER lists, in its order
 * @say: where each failure goes, one line each
 *
 * A module that fails is reported and the next one is tried.
 *
 * Return: the number of modules that failed to load.
 */
unsigned int modules_load(void (*say)(const char *fmt, ...));

#endif /* SAVEOOPS_MODULES_H */
