// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load the crash kernel during boot, before any userspace runs.
 *
 * DOC: Early crash kernel loading
 *
 * kdump normally arms when userspace runs kexec -p, seconds into boot; a
 * panic before that is lost. Here the kernel loads the crash kernel itself,
 * at the end of start_kernel(), through the same kexec_file code the system
 * call uses, from a payload the boot loader placed in an uncompressed cpio
 * ahead of the initramfs, as the early microcode loader expects its blobs:
 *
 *   kernel/kdump/vmlinuz	the crash kernel, a bzImage (required)
 *   kernel/kdump/initrd	its initramfs (optional)
 *   kernel/kdump/cmdline	its command line, text (optional)
 *
 * Without a command line the crash kernel gets crash_early_default_cmdline
 * and the console= options of this boot. A later kexec_file_load(2) or
 * kexec_load(2) with KEXEC_ON_CRASH replaces the image, as it replaces any
 * loaded crash kernel. Nothing here may stop the boot: on any problem one
 * line says why and the system boots unarmed.
 */

#define pr_fmt(fmt) "crash_early: " fmt

#include <linux/crash_core.h>
#include <linux/crash_dump.h>
#include <linux/ctype.h>
#include <linux/earlycpio.h>
#include <linux/init.h>
#include <linux/initrd.h>
#include <linux/kexec.h>
#include <linux/math64.h>
#include <linux/sched/clock.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/vmcore_info.h>

#include <asm/setup.h>

#define CRASH_EARLY_DIR		"kernel/kdump/"

/* What the crash kernel needs to boot into a crashed machine and save it. */
static const char crash_early_default_cmdline[] __initconst =
	"irqpoll nr_cpus=1 reset_devices panic=10";

static bool crash_early_enabled __initdata = true;

static int __init crash_early_setup(char *arg)
{
	if (kstrtobool(arg, &crash_early_enabled))
		pr_warn("crash_early_load=%s is not a boolean, ignored\n",
			arg ?: "");
	return 0;
}
early_param("crash_early_load", crash_early_setup);

/* A payload as found, pointing into the initrd; nothing is owned. */
struct crash_early_payload {
	const void *kernel;
	size_t kernel_len;
	const void *initrd;
	size_t initrd_len;
	const char *cmdline;
	size_t cmdline_len;
};

static void __init crash_early_take_member(struct crash_early_payload *p,
					   const struct cpio_data *cd)
{
	if (!strcmp(cd->name, "vmlinuz")) {
		p->kernel = cd->data;
		p->kernel_len = cd->size;
	} else if (!strcmp(cd->name, "initrd")) {
		p->initrd = cd->data;
		p->initrd_len = cd->size;
	} else if (!strcmp(cd->name, "cmdline")) {
		p->cmdline = cd->data;
		p->cmdline_len = cd->size;
	} else {
		pr_warn("ignoring unknown payload member %s%s\n",
			CRASH_EARLY_DIR, cd->name);
	}
}

/* Return: true if the initrd holds a crash kernel. */
static bool __init crash_early_find_in_initrd(struct crash_early_payload *p)
{
	void *data = (void *)initrd_start;
	size_t len = initrd_end - initrd_start;
	struct cpio_data cd;
	long next;

	if (!IS_ENABLED(CONFIG_BLK_DEV_INITRD) || !initrd_start)
		return false;

	for (;;) {
		cd = find_cpio_data(CRASH_EARLY_DIR, data, len, &next);
		if (!cd.data)
			break;
		crash_early_take_member(p, &cd);
		data += next;
		len -= next;
	}
	return p->kernel;
}

/*
 * Append the console= options of this boot, so the crash kernel talks
 * where this one does.
 */
static void __init crash_early_add_consoles(char *buf, size_t size)
{
	char *args, *param, *val, *next;

	args = kstrdup(boot_command_line, GFP_KERNEL);
	if (!args)
		return;

	next = args;
	while (*next) {
		next = next_arg(next, &param, &val);
		if (strcmp(param, "console") || !val)
			continue;
		strlcat(buf, " console=", size);
		strlcat(buf, val, size);
	}
	kfree(args);
}

/*
 * Build the crash kernel's command line from the payload's, which may end in
 * newlines and must hold no NUL or control character, or from the default.
 *
 * Return: a kmalloc()ed string, or an ERR_PTR() after saying why.
 */
static char * __init crash_early_cmdline(const struct crash_early_payload *p)
{
	size_t len = p->cmdline_len;
	char *buf;
	size_t i;

	buf = kzalloc(COMMAND_LINE_SIZE, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	if (!p->cmdline) {
		strscpy(buf, crash_early_default_cmdline, COMMAND_LINE_SIZE);
		crash_early_add_consoles(buf, COMMAND_LINE_SIZE);
		return buf;
	}

	while (len && isspace(p->cmdline[len - 1]))
		len--;
	if (len >= COMMAND_LINE_SIZE) {
		pr_err("not armed: %scmdline is %zu bytes, the limit is %d\n",
		       CRASH_EARLY_DIR, len, COMMAND_LINE_SIZE - 1);
		goto out_free;
	}
	for (i = 0; i < len; i++) {
		char c = p->cmdline[i];

		if (c == '\n' || c == '\t')
			c = ' ';
		if (iscntrl(c)) {
			pr_err("not armed: %scmdline has control character 0x%02x at offset %zu\n",
			       CRASH_EARLY_DIR, (unsigned char)c, i);
			goto out_free;
		}
		buf[i] = c;
	}
	return buf;

out_free:
	kfree(buf);
	return ERR_PTR(-EINVAL);
}

/*
 * Copy a payload member out of the initrd, which is freed once unpacked,
 * and let the LSMs judge it as they judge a buffer loaded for kexec.
 */
static void * __init crash_early_copy(const void *src, size_t len,
				      enum kernel_load_data_id id,
				      const char *name)
{
	char description[] = "crash_early";
	void *buf;
	int ret;

	ret = security_kernel_load_data(id, true);
	if (ret)
		goto out_refused;

	/* vmalloc() reports its own failure. */
	buf = vmalloc(len);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	memcpy(buf, src, len);

	ret = security_kernel_post_load_data(buf, len, id, description);
	if (!ret)
		return buf;
	vfree(buf);
out_refused:
	pr_err("not armed: the security policy refused %s%s (%d)\n",
	       CRASH_EARLY_DIR, name, ret);
	return ERR_PTR(ret);
}

/* On failure, one line has said why; the caller frees @bufs. */
static int __init crash_early_fill_bufs(struct kexec_file_bufs *bufs,
					const struct crash_early_payload *p)
{
	void *buf;

	buf = crash_early_copy(p->kernel, p->kernel_len, LOADING_KEXEC_IMAGE,
			       "vmlinuz");
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	bufs->kernel = buf;
	bufs->kernel_len = p->kernel_len;

	if (p->initrd) {
		buf = crash_early_copy(p->initrd, p->initrd_len,
				       LOADING_KEXEC_INITRAMFS, "initrd");
		if (IS_ERR(buf))
			return PTR_ERR(buf);
		bufs->initrd = buf;
		bufs->initrd_len = p->initrd_len;
	}

	buf = crash_early_cmdline(p);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	bufs->cmdline = buf;
	bufs->cmdline_len = strlen(bufs->cmdline) + 1;
	return 0;
}

static const char * __init crash_early_reason(int err)
{
	switch (err) {
	case -ENOEXEC:
		return "the kernel is not a bzImage the kexec loader accepts";
	case -EADDRNOTAVAIL:
	case -ENOMEM:
		return "it does not fit in the crashkernel= reservation";
	case -EKEYREJECTED:
	case -EPERM:
	case -EACCES:
		return "the signature or security policy rejected it";
	case -EINVAL:
		return "the loader rejected it";
	default:
		return "loading failed";
	}
}

static int __init crash_early_arm(const struct crash_early_payload *p)
{
	struct kexec_file_bufs bufs = { .kernel_fd = -1 };
	unsigned long flags = KEXEC_FILE_ON_CRASH;
	size_t need = p->kernel_len + p->initrd_len;
	int ret;

	if (need > resource_size(&crashk_res)) {
		pr_err("not armed: the payload is %zu KiB, the crashkernel= reservation %llu KiB\n",
		       need >> 10, (unsigned long long)resource_size(&crashk_res) >> 10);
		return -E2BIG;
	}

	ret = crash_save_vmcoreinfo_init();
	if (!ret)
		ret = crash_notes_memory_init();
	if (ret) {
		pr_err("not armed: no memory for VMCOREINFO or the crash notes\n");
		return ret;
	}

	ret = crash_early_fill_bufs(&bufs, p);
	if (ret) {
		kexec_file_free_bufs(&bufs);
		return ret;
	}
	if (!p->initrd)
		flags |= KEXEC_FILE_NO_INITRAMFS;

	ret = kexec_file_load_bufs(&bufs, flags);
	if (ret)
		pr_err("not armed: %s (%d)\n", crash_early_reason(ret), ret);
	return ret;
}

/**
 * crash_early_init - load the crash kernel found in the initrd
 *
 * Called once from start_kernel() when memory management, interrupts and
 * the LSMs are up and no initcall has run. Never fails the boot.
 *
 * Context: start_kernel(), single CPU, interrupts enabled.
 */
void __init crash_early_init(void)
{
	struct crash_early_payload p = {};
	u64 start = local_clock();

	if (is_kdump_kernel())
		return;
	if (!crash_early_find_in_initrd(&p))
		return;
	if (!crash_early_enabled) {
		pr_info("not armed: crash_early_load=off\n");
		return;
	}
	if (!crashk_res.end) {
		pr_err("not armed: %svmlinuz found but no crashkernel= memory reserved\n",
		       CRASH_EARLY_DIR);
		return;
	}

	if (crash_early_arm(&p))
		return;

	pr_info("armed in start_kernel: vmlinuz %zu KiB, initrd %zu KiB, cmdline %s, in %pR, took %llu us\n",
		p.kernel_len >> 10, p.initrd_len >> 10,
		p.cmdline ? "from payload" : "default",
		&crashk_res, div_u64(local_clock() - start, NSEC_PER_USEC));
}
