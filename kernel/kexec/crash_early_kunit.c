// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the early crash kernel payload lookup and command line.
 *
 * The functions under test are __init, so these run while the init
 * sections still exist: boot with kunit.filter_glob=crash_early*.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/kexec.h>
#include <linux/string.h>

#include "crash_early.h"

#define CPIO_REG		0100644
#define CPIO_DIR		040755

enum cpio_part_kind { CPIO_END, CPIO_ENTRY, CPIO_RAW };

/* One piece of a test archive: an entry, or bytes appended as they are. */
struct cpio_part {
	enum cpio_part_kind kind;
	const char *name;
	u32 mode;
	const char *data;
	size_t len;		/* of @data; strlen(@data) when 0 */
};

#define FILE(n, d)	{ CPIO_ENTRY, n, CPIO_REG, d }
#define DIR(n)		{ CPIO_ENTRY, n, CPIO_DIR, "" }
#define TRAILER		{ CPIO_ENTRY, "TRAILER!!!", 0, "" }
#define RAW(d, l)	{ CPIO_RAW, NULL, 0, d, l }

enum cpio_damage { DAMAGE_NONE, DAMAGE_CUT, DAMAGE_HEX, DAMAGE_NEWLINE,
		   DAMAGE_MAGIC, DAMAGE_SIZE };

struct find_case {
	const char *desc;
	struct cpio_part parts[6];
	enum cpio_damage damage;
	int damaged_part;	/* whose header is damaged, or where the cut is */
	int ret;
	const char *kernel;
	const char *initrd;	/* NULL: none expected */
	const char *cmdline;	/* NULL: none expected */
};

static const char gzip_tail[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00";
static const char zeros[16];

static const struct find_case find_cases[] = {
	{
		.desc = "all three members",
		.parts = { DIR("kernel"), DIR("kernel/kdump"),
			   FILE("kernel/kdump/vmlinuz", "bzImage"),
			   FILE("kernel/kdump/initrd", "cpio.gz"),
			   FILE("kernel/kdump/cmdline", "irqpoll\n"), TRAILER },
		.kernel = "bzImage", .initrd = "cpio.gz", .cmdline = "irqpoll\n",
	},
	{
		.desc = "vmlinuz alone, then a compressed initramfs",
		.parts = { FILE("kernel/kdump/vmlinuz", "bzImage"), TRAILER,
			   RAW(gzip_tail, sizeof(gzip_tail)) },
		.kernel = "bzImage",
	},
	{
		.desc = "after a microcode archive and padding",
		.parts = { FILE("kernel/x86/microcode/GenuineIntel.bin", "ucode"),
			   TRAILER, RAW(zeros, sizeof(zeros)),
			   FILE("kernel/kdump/vmlinuz", "bzImage"), TRAILER },
		.kernel = "bzImage",
	},
	{
		.desc = "no payload, only a compressed initramfs",
		.parts = { RAW(gzip_tail, sizeof(gzip_tail)) },
		.ret = -ENOENT,
	},
	{
		.desc = "members outside kernel/kdump/",
		.parts = { FILE("kernel/kdump2/vmlinuz", "bzImage"),
			   FILE("kernel/vmlinuz", "bzImage"),
			   FILE("kdump/vmlinuz", "bzImage"), TRAILER },
		.ret = -ENOENT,
	},
	{
		.desc = "a directory named vmlinuz",
		.parts = { DIR("kernel/kdump/vmlinuz"), TRAILER },
		.ret = -ENOENT,
	},
	{
		.desc = "initrd and cmdline without vmlinuz",
		.parts = { FILE("kernel/kdump/initrd", "cpio.gz"),
			   FILE("kernel/kdump/cmdline", "quiet"), TRAILER },
		.ret = -ENOENT,
	},
	{
		.desc = "a later copy replaces an earlier one",
		.parts = { FILE("kernel/kdump/vmlinuz", "old"),
			   FILE("kernel/kdump/vmlinuz", "new"), TRAILER },
		.kernel = "new",
	},
	{
		.desc = "an empty vmlinuz",
		.parts = { FILE("kernel/kdump/vmlinuz", ""), TRAILER },
		.ret = -ENODATA,
	},
	{
		.desc = "an empty initrd is no initrd",
		.parts = { FILE("kernel/kdump/vmlinuz", "bzImage"),
			   FILE("kernel/kdump/initrd", ""), TRAILER },
		.kernel = "bzImage",
	},
	{
		.desc = "cut short inside vmlinuz",
		.parts = { FILE("kernel/kdump/cmdline", "quiet"),
			   FILE("kernel/kdump/vmlinuz", "a bzImage of some length") },
		.damage = DAMAGE_CUT, .damaged_part = 1, .ret = -EBADMSG,
	},
	{
		.desc = "cut short before the initrd's data",
		.parts = { FILE("kernel/kdump/vmlinuz", "bzImage"),
			   FILE("kernel/kdump/initrd", "cpio.gz") },
		.damage = DAMAGE_CUT, .damaged_part = 1, .ret = -EBADMSG,
	},
	{
		.desc = "a header field that is not hex",
		.parts = { FILE("kernel/kdump/vmlinuz", "bzImage"),
			   FILE("kernel/kdump/initrd", "cpio.gz"), TRAILER },
		.damage = DAMAGE_HEX, .damaged_part = 1, .ret = -EBADMSG,
	},
	{
		.desc = "a header field ending in a newline",
		.parts = { FILE("kernel/kdump/vmlinuz", "bzImage"),
			   FILE("kernel/kdump/cmdline", "quiet"), TRAILER },
		.damage = DAMAGE_NEWLINE, .damaged_part = 1, .ret = -EBADMSG,
	},
	{
		.desc = "an unknown cpio format",
		.parts = { FILE("kernel/kdump/vmlinuz", "bzImage"), TRAILER },
		.damage = DAMAGE_MAGIC, .damaged_part = 0, .ret = -EBADMSG,
	},
	{
		.desc = "a file size past the end",
		.parts = { FILE("kernel/kdump/vmlinuz", "bzImage"), TRAILER },
		.damage = DAMAGE_SIZE, .damaged_part = 0, .ret = -EBADMSG,
	},
};

static void find_case_desc(const struct find_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(find, find_cases, find_case_desc);

static size_t part_len(const struct cpio_part *part)
{
	return part->len ?: strlen(part->data);
}

/* Append one newc entry at @off; return the offset after it. */
static size_t __init cpio_put_entry(char *buf, size_t off,
				    const struct cpio_part *part)
{
	size_t namesize = strlen(part->name) + 1;
	size_t len = part_len(part);

	off += sprintf(buf + off,
		       "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x",
		       1, part->mode, 0, 0, 1, 0, len, 0, 0, 0, 0, namesize, 0);
	memcpy(buf + off, part->name, namesize);
	off = ALIGN(off + namesize, 4);
	memcpy(buf + off, part->data, len);
	return ALIGN(off + len, 4);
}

/* Build @c's archive in @buf; return its length, and each part's offset. */
static size_t __init cpio_build(const struct find_case *c, char *buf,
				size_t *part_off)
{
	const struct cpio_part *part;
	size_t off = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(c->parts); i++) {
		part = &c->parts[i];
		part_off[i] = off;
		if (part->kind == CPIO_END)
			break;
		if (part->kind == CPIO_RAW) {
			memcpy(buf + off, part->data, part->len);
			off += part->len;
		} else {
			off = cpio_put_entry(buf, off, part);
		}
	}
	return off;
}

static void __init expect_member(struct kunit *test, const char *what,
				 const void *got, size_t got_len,
				 const char *want)
{
	if (!want) {
		KUNIT_EXPECT_NULL_MSG(test, got, "%s", what);
		return;
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, got, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, got_len, strlen(want), "%s", what);
	KUNIT_EXPECT_MEMEQ_MSG(test, got, want, strlen(want), "%s", what);
}

static void __init crash_early_find_test(struct kunit *test)
{
	const struct find_case *c = test->param_value;
	struct crash_early_payload p = {};
	size_t part_off[ARRAY_SIZE(c->parts)];
	size_t len, bad_off = SIZE_MAX;
	char *buf, *hdr;
	int ret;

	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = cpio_build(c, buf, part_off);

	hdr = buf + part_off[c->damaged_part];
	switch (c->damage) {
	case DAMAGE_CUT:
		/* Keep the header and the name, lose most of the data. */
		len = part_off[c->damaged_part] + 110 +
		      strlen(c->parts[c->damaged_part].name) + 2;
		break;
	case DAMAGE_HEX:
		hdr[6 + 8 * 11 + 3] = 'g';
		break;
	case DAMAGE_NEWLINE:
		hdr[6 + 8 * 12 + 7] = '\n';
		break;
	case DAMAGE_MAGIC:
		hdr[5] = '7';
		break;
	case DAMAGE_SIZE:
		memcpy(hdr + 6 + 8 * 6, "7ffffff0", 8);
		break;
	case DAMAGE_NONE:
		break;
	}

	ret = crash_early_find_payload(buf, len, &p, &bad_off);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret == -EBADMSG) {
		KUNIT_EXPECT_EQ(test, bad_off, part_off[c->damaged_part]);
		return;
	}
	if (ret)
		return;
	expect_member(test, "vmlinuz", p.kernel, p.kernel_len, c->kernel);
	expect_member(test, "initrd", p.initrd, p.initrd_len, c->initrd);
	expect_member(test, "cmdline", p.cmdline, p.cmdline_len, c->cmdline);
}

struct cmdline_case {
	const char *desc;
	const char *src;	/* NULL: no cmdline in the payload */
	size_t len;		/* of @src; strlen(@src) when 0 */
	size_t size;		/* of the buffer; 64 when 0 */
	const char *boot_args;
	int ret;
	const char *want;	/* for ret 0 */
	size_t bad_off;		/* for -EINVAL */
};

#define DEFAULT_CMDLINE "irqpoll nr_cpus=1 reset_devices panic=10"

static const struct cmdline_case cmdline_cases[] = {
	{ "default, no console", NULL, .boot_args = "root=/dev/vda quiet",
	  .size = 128, .want = DEFAULT_CMDLINE },
	{ "default takes every console=", NULL,
	  .boot_args = "console=tty0 crashkernel=256M console=ttyS0,115200n8 console",
	  .size = 128,
	  .want = DEFAULT_CMDLINE " console=tty0 console=ttyS0,115200n8" },
	{ "default with too many consoles", NULL,
	  .boot_args = "console=ttyS0,115200 console=tty0", .size = 64,
	  .ret = -E2BIG },
	{ "as given", "root=/dev/vda irqpoll", .want = "root=/dev/vda irqpoll" },
	{ "trailing newlines and blanks go", "irqpoll\n\n \t\r\n",
	  .want = "irqpoll" },
	{ "inner newlines and tabs become spaces", "irqpoll\nnr_cpus=1\treset_devices",
	  .want = "irqpoll nr_cpus=1 reset_devices" },
	{ "empty file, empty command line", "", .want = "" },
	{ "quotes kept", "dyndbg=\"file kexec* +p\"",
	  .want = "dyndbg=\"file kexec* +p\"" },
	{ "UTF-8 kept", "label=caf\xc3\xa9\xe2\x82\xac",
	  .want = "label=caf\xc3\xa9\xe2\x82\xac" },
	{ "a NUL is refused", "irqpoll\0nr_cpus=1", .len = 17,
	  .ret = -EINVAL, .bad_off = 7 },
	{ "a carriage return inside is refused", "a\rb", .ret = -EINVAL,
	  .bad_off = 1 },
	{ "an escape is refused", "x=\x1b[0m", .ret = -EINVAL, .bad_off = 2 },
	{ "DEL is refused", "x=\x7f", .ret = -EINVAL, .bad_off = 2 },
	{ "longest that fits", "0123456789abcde", .size = 16,
	  .want = "0123456789abcde" },
	{ "one byte too long", "0123456789abcdef", .size = 16, .ret = -E2BIG },
	{ "fits once the newline goes", "0123456789abcde\n", .size = 16,
	  .want = "0123456789abcde" },
};

static void cmdline_case_desc(const struct cmdline_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cmdline, cmdline_cases, cmdline_case_desc);

static void __init crash_early_cmdline_test(struct kunit *test)
{
	const struct cmdline_case *c = test->param_value;
	size_t size = c->size ?: 64;
	size_t bad_off = SIZE_MAX;
	size_t len = 0;
	char *buf;
	int ret;

	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	if (c->src)
		len = c->len ?: strlen(c->src);

	ret = crash_early_build_cmdline(buf, size, c->src, len,
					c->boot_args ?: "", &bad_off);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret == -EINVAL)
		KUNIT_EXPECT_EQ(test, bad_off, c->bad_off);
	if (!ret)
		KUNIT_EXPECT_STREQ(test, buf, c->want);
}

/*
 * An image of the kernel's own skips the signature check, so kexec_file.c
 * takes that origin only for buffers in the init sections during boot.
 * Neither buffer here is a bzImage: the one in the init sections gets as
 * far as the probe (-ENOEXEC), the other is refused first (-EPERM, with a
 * warning, which is expected here).
 */
static const char crash_early_init_buf[64] __initconst = "not a kernel";

static void __init crash_early_origin_test(struct kunit *test)
{
	struct kexec_file_bufs bufs = {
		.kernel_len = sizeof(crash_early_init_buf),
		.kernel_fd = -1,
		.origin = KEXEC_FILE_FROM_KERNEL_IMAGE,
		.lent = true,
	};

	bufs.kernel = kunit_kzalloc(test, bufs.kernel_len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bufs.kernel);
	KUNIT_EXPECT_EQ(test, kexec_file_load_bufs(&bufs, 0), -EPERM);

	bufs.kernel = (void *)crash_early_init_buf;
	KUNIT_EXPECT_EQ(test, kexec_file_load_bufs(&bufs, 0), -ENOEXEC);
}

static struct kunit_case __refdata crash_early_test_cases[] = {
	KUNIT_CASE_PARAM(crash_early_find_test, find_gen_params),
	KUNIT_CASE_PARAM(crash_early_cmdline_test, cmdline_gen_params),
	KUNIT_CASE(crash_early_origin_test),
	{}
};

static struct kunit_suite crash_early_test_suite = {
	.name = "crash_early",
	.test_cases = crash_early_test_cases,
};

kunit_test_init_section_suites(&crash_early_test_suite);

MODULE_DESCRIPTION("KUnit tests for early crash kernel loading");
MODULE_LICENSE("GPL");
