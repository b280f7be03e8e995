// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load the crash kernel during boot, before any userspace runs.
 *
 * DOC: Early crash kernel loading
 *
 * kdump normally arms when userspace runs kexec -p, seconds into boot; a
 * panic before that is lost. Here the kernel loads the crash kernel itself,
 * in kernel_init_freeable() right before the first initcall, through the
 * same kexec_file code the system call uses. The payload is either built into the kernel image
 * (CONFIG_CRASH_EARLY_BUILTIN) or placed by the boot loader in an
 * uncompressed cpio ahead of the initramfs, as the early microcode loader
 * expects its blobs:
 *
 *   kernel/kdump/vmlinuz	the crash kernel, a bzImage (required)
 *   kernel/kdump/initrd	its initramfs (optional)
 *   kernel/kdump/cmdline	its command line, text (optional)
 *
 * A built-in payload wins over one in the initrd. Without a command line the
 * crash kernel gets a default one and the console= options of this boot.
 *
 * kexec_file.c applies the policy by origin: a built-in payload is part of
 * the verified kernel image; a payload from the initrd is a boot buffer,
 * held to the kexec_file_load(2) policy. When that policy could refuse it
 * (a signature required by KEXEC_SIG_FORCE or lockdown, an IMA appraisal
 * rule), it cannot be judged before the keyrings and IMA's policy exist:
 * loading waits for late_initcall_sync and then reads the payload from the
 * files the initramfs unpacked, as kexec_file_load(2) reads files, since
 * IMA can judge a file and not a buffer. The kexec_load_* sysctls given on
 * the command line apply as well. A payload loaded before the first initcall
 * is not unpacked into the root file system: nothing there needs it.
 *
 * A later kexec_file_load(2) or kexec_load(2) with KEXEC_ON_CRASH replaces
 * the image, as it replaces any loaded crash kernel. Nothing here may stop
 * the boot: on any problem one line says why and the system boots unarmed.
 */

#define pr_fmt(fmt) "crash_early: " fmt

#include <linux/crash_core.h>
#include <linux/crash_dump.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/initrd.h>
#include <linux/kexec.h>
#include <linux/math64.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmcore_info.h>

#include <asm/setup.h>

#include "crash_early.h"

static bool crash_early_enabled __initdata = true;

static int __init crash_early_setup(char *arg)
{
	if (kstrtobool(arg, &crash_early_enabled))
		pr_warn("crash_early_load=%s is not a boolean, ignored\n",
			arg ?: "");
	return 0;
}
early_param("crash_early_load", crash_early_setup);

/**
 * struct crash_early_image - a payload ready to load
 * @bufs:	its buffers, and their origin
 * @own_cmdline: the command line came with the payload, not by default
 * @pending:	waiting for the policy; @bufs holds only the command line
 * @has_initrd:	the payload has an initramfs
 */
struct crash_early_image {
	struct kexec_file_bufs bufs;
	bool own_cmdline;
	bool pending;
	bool has_initrd;
};

/* The payload members crash_early_find_payload() takes. */
static const char *const crash_early_members[] __initconst = {
	CRASH_EARLY_DIR "vmlinuz",
	CRASH_EARLY_DIR "initrd",
	CRASH_EARLY_DIR "cmdline",
	NULL
};

/* A payload waiting for the policy, see crash_early_load_deferred(). */
static struct crash_early_image crash_early_deferred __initdata;

#ifdef CONFIG_CRASH_EARLY_BUILTIN
static bool __init crash_early_find_builtin(struct crash_early_payload *p)
{
	static const char cmdline[] __initconst =
		CONFIG_CRASH_EARLY_BUILTIN_CMDLINE;

	p->kernel = crash_early_builtin_kernel;
	p->kernel_len = crash_early_builtin_kernel_end -
			crash_early_builtin_kernel;
	if (!p->kernel_len) {
		pr_err("not armed: the built-in crash kernel is empty\n");
		return false;
	}
	p->initrd_len = crash_early_builtin_initrd_end -
			crash_early_builtin_initrd;
	if (p->initrd_len)
		p->initrd = crash_early_builtin_initrd;
	if (cmdline[0]) {
		p->cmdline = cmdline;
		p->cmdline_len = strlen(cmdline);
	}
	return true;
}
#else
static bool __init crash_early_find_builtin(struct crash_early_payload *p)
{
	return false;
}
#endif

/* Return: true if the initrd holds a usable payload, after saying why not. */
static bool __init crash_early_find_in_initrd(struct crash_early_payload *p,
					      bool have_builtin)
{
	struct crash_early_payload found = {};
	size_t bad_off;
	int ret;

	if (!IS_ENABLED(CONFIG_BLK_DEV_INITRD) || !initrd_start)
		return false;

	ret = crash_early_find_payload((void *)initrd_start,
				       initrd_end - initrd_start, &found,
				       &bad_off);
	switch (ret) {
	case 0:
		if (!have_builtin) {
			*p = found;
			return true;
		}
		pr_info("ignoring %s in the initrd: a crash kernel is built in\n",
			CRASH_EARLY_DIR);
		break;
	case -EBADMSG:
		pr_err("%s: the uncompressed cpio ahead of the initramfs is damaged at offset %zu\n",
		       have_builtin ? "warning" : "not armed", bad_off);
		break;
	case -ENODATA:
		pr_err("%s: %svmlinuz in the initrd is empty\n",
		       have_builtin ? "warning" : "not armed", CRASH_EARLY_DIR);
		break;
	}
	return false;
}

static int __init crash_early_cmdline(struct kexec_file_bufs *bufs,
				      const struct crash_early_payload *p)
{
	size_t bad_off;
	char *buf;
	int ret;

	buf = kzalloc(COMMAND_LINE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	ret = crash_early_build_cmdline(buf, COMMAND_LINE_SIZE, p->cmdline,
					p->cmdline_len, boot_command_line,
					&bad_off);
	if (ret == -E2BIG && p->cmdline)
		pr_err("not armed: %scmdline is %zu bytes, the limit is %d\n",
		       CRASH_EARLY_DIR, p->cmdline_len, COMMAND_LINE_SIZE - 1);
	else if (ret == -E2BIG)
		pr_err("not armed: the default cmdline and this boot's console= options exceed %d bytes\n",
		       COMMAND_LINE_SIZE - 1);
	else if (ret == -EINVAL)
		pr_err("not armed: %scmdline has control character 0x%02x at offset %zu\n",
		       CRASH_EARLY_DIR, (u8)p->cmdline[bad_off], bad_off);
	if (ret) {
		kfree(buf);
		return ret;
	}
	bufs->cmdline = buf;
	bufs->cmdline_len = strlen(buf) + 1;
	return 0;
}

/*
 * The load reads the payload where it lies: the initrd is freed only once
 * it is unpacked, a built-in payload with the init memory. On failure, one
 * line has said why; the caller frees @bufs.
 */
static int __init crash_early_fill_bufs(struct kexec_file_bufs *bufs,
					const struct crash_early_payload *p)
{
	/* kexec_file_load_bufs() only reads lent buffers. */
	bufs->kernel = (void *)p->kernel;
	bufs->kernel_len = p->kernel_len;
	bufs->initrd = (void *)p->initrd;
	bufs->initrd_len = p->initrd_len;
	bufs->lent = true;
	return crash_early_cmdline(bufs, p);
}

static const char * __init crash_early_reason(int err)
{
	switch (err) {
	case -ENOEXEC:
		return "the kernel is not a bzImage the kexec loader accepts";
	case -EADDRNOTAVAIL:
		return "it does not fit in the crashkernel= reservation";
	case -ENOMEM:
		return "out of memory, or no room left in the crashkernel= reservation";
	case -ENODATA:
		return "it carries no signature, and one is required";
	case -EKEYREJECTED:
	case -ENOKEY:
	case -EBADMSG:
	case -EPERM:
	case -EACCES:
		return "the signature or security policy rejected it";
	case -EEXIST:
		return "a crash kernel loaded by userspace is kept";
	case -EBUSY:
		return "another kexec load held the lock";
	case -EINVAL:
		return "the loader rejected it";
	default:
		return "loading failed";
	}
}

/* How often, and how long apart, a load finding the kexec lock taken tries. */
#define CRASH_EARLY_TRIES	10
#define CRASH_EARLY_RETRY_MS	20

/* Load @img, consuming its buffers, and say how it went. */
static int __init crash_early_load(struct crash_early_image *img,
				   const char *stage, u64 start)
{
	struct kexec_file_bufs *bufs = &img->bufs;
	unsigned long flags = KEXEC_FILE_ON_CRASH;
	size_t kernel_len = bufs->kernel_len;
	size_t initrd_len = bufs->initrd_len;
	int ret, tries = 0;

	if (!kexec_boot_load_permitted(KEXEC_TYPE_CRASH)) {
		pr_err("not armed: kexec_load_disabled or kexec_load_limit_panic, set on the command line, forbids it\n");
		kexec_file_free_bufs(bufs);
		return -EPERM;
	}
	if (!bufs->initrd)
		flags |= KEXEC_FILE_NO_INITRAMFS;

	/* A crash hotplug update may hold the lock for a moment. */
	while ((ret = kexec_file_load_bufs(bufs, flags)) == -EBUSY &&
	       ++tries < CRASH_EARLY_TRIES)
		msleep(CRASH_EARLY_RETRY_MS);
	if (ret) {
		kexec_file_free_bufs(bufs);
		pr_err("not armed: %s (%pe)\n", crash_early_reason(ret),
		       ERR_PTR(ret));
		return ret;
	}
	pr_info("armed in %s: %s, vmlinuz %zu KiB, initrd %zu KiB, cmdline %s, in %pR, took %llu us\n",
		stage,
		bufs->origin == KEXEC_FILE_FROM_KERNEL_IMAGE ?
			"built-in payload" : "payload from the initrd",
		kernel_len >> 10, initrd_len >> 10,
		img->own_cmdline ? "from the payload" : "default", &crashk_res,
		div_u64(local_clock() - start, NSEC_PER_USEC));
	return 0;
}

static int __init crash_early_arm(const struct crash_early_payload *p,
				  bool builtin, u64 start)
{
	struct crash_early_image img = {
		.bufs = {
			.kernel_fd = -1,
			.origin = builtin ? KEXEC_FILE_FROM_KERNEL_IMAGE :
					    KEXEC_FILE_FROM_BOOT_BUFFER,
		},
		.own_cmdline = p->cmdline,
	};
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

	/*
	 * The keyrings a signature is checked against and IMA's policy are
	 * set up by initcalls. Until then only an image that no policy could
	 * refuse is loaded. Any other waits for them, and is then read from
	 * the files the initramfs unpacks, as kexec_file_load(2) would read
	 * them: IMA can judge a file, not a buffer. Only the command line,
	 * which may come from this boot's, is kept until then.
	 */
	if (kexec_file_boot_load_must_wait(img.bufs.origin)) {
		ret = crash_early_cmdline(&img.bufs, p);
		if (ret)
			return ret;
		pr_info("%svmlinuz is subject to a signature or IMA policy: waiting for it, until late_initcall_sync\n",
			CRASH_EARLY_DIR);
		img.pending = true;
		img.has_initrd = !!p->initrd;
		crash_early_deferred = img;
		return 0;
	}

	ret = crash_early_fill_bufs(&img.bufs, p);
	if (ret) {
		kexec_file_free_bufs(&img.bufs);
		return ret;
	}
	ret = crash_early_load(&img, "kernel_init", start);
	/* The crash kernel is in the reservation: rootfs needs no copy. */
	if (!ret && !builtin)
		initramfs_skip_consumed(crash_early_members);
	return ret;
}

/**
 * crash_early_init - load the crash kernel built in or found in the initrd
 *
 * Called once from kernel_init_freeable(), right before the first initcall:
 * memory management, workqueues and the LSMs are up, only the boot CPU is.
 * Never fails the boot.
 *
 * Context: pid 1, process context, before do_pre_smp_initcalls().
 */
void __init crash_early_init(void)
{
	struct crash_early_payload p = {};
	u64 start = local_clock();
	bool builtin;

	if (is_kdump_kernel())
		return;
	if (!crash_early_enabled) {
		pr_info("not armed: crash_early_load=off\n");
		return;
	}
	builtin = crash_early_find_builtin(&p);
	if (!crash_early_find_in_initrd(&p, builtin) && !builtin)
		goto out;
	if (!crashk_res.end) {
		pr_err("not armed: a crash kernel was found but no crashkernel= memory is reserved\n");
		goto out;
	}
	crash_early_arm(&p, builtin, start);
out:
	crash_inject_at("armed");
}

/* Open /kernel/kdump/@name in the root file system, or say why not. */
static struct file * __init crash_early_open(const char *name)
{
	char path[sizeof("/" CRASH_EARLY_DIR) + 8];
	struct file *file;

	snprintf(path, sizeof(path), "/%s%s", CRASH_EARLY_DIR, name);
	file = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(file))
		pr_err("not armed: cannot open %s in the initramfs (%pe)\n",
		       path, file);
	return file;
}

/*
 * The keyrings and IMA's policy are set up by late_initcall: load it now,
 * from the files the initramfs unpacked, which userspace has not seen yet.
 */
static int __init crash_early_load_deferred(void)
{
	struct crash_early_image *img = &crash_early_deferred;
	struct file *kernel, *initrd = NULL;
	u64 start = local_clock();
	int ret;

	if (!img->pending)
		return 0;
	wait_for_initramfs();
	kernel = crash_early_open("vmlinuz");
	if (IS_ERR(kernel))
		goto out_free;
	if (img->has_initrd) {
		initrd = crash_early_open("initrd");
		if (IS_ERR(initrd))
			goto out_put;
	}

	ret = kexec_file_read_files(&img->bufs, kernel, initrd);
	if (ret)
		pr_err("not armed: %s (%pe)\n", crash_early_reason(ret),
		       ERR_PTR(ret));
	else
		crash_early_load(img, "late_initcall_sync", start);

	if (initrd)
		fput(initrd);
out_put:
	fput(kernel);
out_free:
	kexec_file_free_bufs(&img->bufs);
	return 0;
}
late_initcall_sync(crash_early_load_deferred);
