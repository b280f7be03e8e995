// SPDX-License-Identifier: GPL-2.0-only
/*
 * Find the early crash kernel payload and build its command line.
 *
 * Nothing here allocates kexec state or prints on success: these functions
 * only read the memory they are given, so that their KUnit tests can feed
 * them any bytes at all.
 */

#define pr_fmt(fmt) "crash_early: " fmt

#include <linux/ctype.h>
#include <linux/earlycpio.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "crash_early.h"

static void __init crash_early_take_member(struct crash_early_payload *p,
					   const struct cpio_data *cd)
{
	if (!strcmp(cd->name, "vmlinuz")) {
		p->kernel = cd->data;
		p->kernel_len = cd->size;
	} else if (!strcmp(cd->name, "initrd")) {
		/* An empty initramfs is no initramfs. */
		p->initrd = cd->size ? cd->data : NULL;
		p->initrd_len = cd->size;
	} else if (!strcmp(cd->name, "cmdline")) {
		p->cmdline = cd->data;
		p->cmdline_len = cd->size;
	} else {
		pr_warn("ignoring unknown payload member %s%s\n",
			CRASH_EARLY_DIR, cd->name);
	}
}

/**
 * crash_early_find_payload - find the crash kernel in an initrd
 * @data:	start of the initrd
 * @len:	its length
 * @p:		filled with the members found; a later copy of a member
 *		replaces an earlier one, as when the cpio is unpacked
 * @bad_off:	where a damaged cpio header starts, for -EBADMSG
 *
 * Return: 0 when kernel/kdump/vmlinuz was found, -ENOENT when there is no
 * payload, -EBADMSG when the uncompressed cpio is damaged, -ENODATA when
 * vmlinuz is empty.
 */
int __init crash_early_find_payload(void *data, size_t len,
				    struct crash_early_payload *p,
				    size_t *bad_off)
{
	struct cpio_data cd;
	size_t off = 0;
	long next, bad;

	/*
	 * find_cpio_data() would stop at a damaged header as at the end of the
	 * archives: a truncated payload would look like none, or like a crash
	 * kernel without its initramfs. Walk to the end, and say where it broke.
	 */
	for (;;) {
		cd = find_cpio_data_checked(CRASH_EARLY_DIR, data + off,
					    len - off, &next, &bad);
		if (!cd.data)
			break;
		crash_early_take_member(p, &cd);
		off += next;
	}
	if (bad >= 0) {
		*bad_off = off + bad;
		return -EBADMSG;
	}
	if (!p->kernel)
		return -ENOENT;
	return p->kernel_len ? 0 : -ENODATA;
}

/* Append this boot's console= options, so the crash kernel talks there too. */
static int __init crash_early_add_consoles(char *buf, size_t size,
					   const char *boot_args)
{
	char *args, *param, *val, *next;

	args = kstrdup(boot_args, GFP_KERNEL);
	if (!args)
		return -ENOMEM;

	next = args;
	while (*next) {
		next = next_arg(next, &param, &val);
		if (strcmp(param, "console") || !val)
			continue;
		if (strlcat(buf, " console=", size) >= size ||
		    strlcat(buf, val, size) >= size) {
			kfree(args);
			return -E2BIG;
		}
	}
	kfree(args);
	return 0;
}

/**
 * crash_early_build_cmdline - build the crash kernel's command line
 * @buf:	where to write it, NUL-terminated
 * @size:	size of @buf; the command line must be shorter
 * @src:	the payload's command line, or NULL for the default one
 *		followed by the console= options of @boot_args
 * @len:	length of @src
 * @boot_args:	this kernel's command line
 * @bad_off:	for -EINVAL, the offset of the offending byte in @src
 *
 * The payload's command line is a text file: trailing white space and
 * newlines are dropped, inner newlines and tabs become spaces. Any other
 * ASCII control character, NUL included, is refused rather than guessed at.
 *
 * Return: 0, -E2BIG when @src does not fit in @buf, -EINVAL for a control
 * character, -ENOMEM.
 */
int __init crash_early_build_cmdline(char *buf, size_t size, const char *src,
				     size_t len, const char *boot_args,
				     size_t *bad_off)
{
	static const char default_cmdline[] __initconst =
		"irqpoll nr_cpus=1 reset_devices panic=10";
	size_t i;

	if (!src) {
		strscpy(buf, default_cmdline, size);
		return crash_early_add_consoles(buf, size, boot_args);
	}

	while (len && isspace(src[len - 1]))
		len--;
	if (len >= size)
		return -E2BIG;
	for (i = 0; i < len; i++) {
		unsigned char c = src[i];

		if (c == '\n' || c == '\t')
			c = ' ';
		/* ASCII controls only: UTF-8 bytes are fine on a command line. */
		if (c < ' ' || c == 0x7f) {
			*bad_off = i;
			return -EINVAL;
		}
		buf[i] = c;
	}
	buf[len] = '\0';
	return 0;
}
