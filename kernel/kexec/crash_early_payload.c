// SPDX-License-Identifier: GPL-2.0-only
/*
 * Find the early crash kernel payload and build its command line.
 *
 * Nothing here allocates kexec state or prints on success: these functions
 * only read the memory they are given, so that their KUnit tests can feed
 * them any bytes at all.
 */

#define pr_fmt(fmt) "crash_early: " fmt

#include <linux/align.h>
#include <linux/ctype.h>
#include <linux/earlycpio.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "crash_early.h"

/* A "newc" cpio header: a 6-byte magic and 13 fields of 8 hex digits. */
#define CPIO_HDR_LEN		110
#define CPIO_FIELDS		13
#define CPIO_FILESIZE		6
#define CPIO_NAMESIZE		11

/* Eight hex digits, as find_cpio_data() reads them: nothing else passes. */
static int __init cpio_field(const char *hdr, int field, u32 *val)
{
	char hex[9];
	int i;

	memcpy(hex, hdr + 6 + 8 * field, 8);
	hex[8] = '\0';
	for (i = 0; i < 8; i++)
		if (!isxdigit(hex[i]))
			return -EINVAL;
	return kstrtou32(hex, 16, val);
}

/**
 * crash_early_check_cpio - check the uncompressed cpio ahead of an initramfs
 * @data:	start of the initrd
 * @len:	its length
 * @bad_off:	where a damaged header starts, on failure
 *
 * Walk the uncompressed cpio archives at the start of @data the way the
 * early microcode loader reads them, and stop at the first thing that is
 * not a cpio header: usually the compressed initramfs. find_cpio_data()
 * stops silently at a damaged header, which would make a truncated payload
 * look like no payload, or a payload without its initramfs.
 *
 * Return: 0 if every header up to the end of the uncompressed part is sound,
 * -EBADMSG if one starts with the cpio magic but has a bad field or runs
 * past the end of @data.
 */
int __init crash_early_check_cpio(const void *data, size_t len,
				  size_t *bad_off)
{
	const char *hdr;
	size_t off = 0;
	u32 field[CPIO_FIELDS];
	int i;

	while (len - off >= CPIO_HDR_LEN) {
		hdr = data + off;
		/* Archives may be padded apart with NULs, 4 bytes at a time. */
		if (!hdr[0]) {
			off += 4;
			continue;
		}
		if (memcmp(hdr, "07070", 5))
			return 0;
		if (hdr[5] != '1' && hdr[5] != '2')
			goto bad;
		for (i = 0; i < CPIO_FIELDS; i++)
			if (cpio_field(hdr, i, &field[i]))
				goto bad;

		if (field[CPIO_NAMESIZE] > len - off - CPIO_HDR_LEN)
			goto bad;
		off = ALIGN(off + CPIO_HDR_LEN + field[CPIO_NAMESIZE], 4);
		if (off > len || field[CPIO_FILESIZE] > len - off)
			goto bad;
		off = ALIGN(off + field[CPIO_FILESIZE], 4);
		if (off > len)
			goto bad;
	}
	return 0;

bad:
	*bad_off = hdr - (const char *)data;
	return -EBADMSG;
}

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
	long next;
	int ret;

	ret = crash_early_check_cpio(data, len, bad_off);
	if (ret)
		return ret;

	for (;;) {
		cd = find_cpio_data(CRASH_EARLY_DIR, data, len, &next);
		if (!cd.data)
			break;
		crash_early_take_member(p, &cd);
		data += next;
		len -= next;
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
