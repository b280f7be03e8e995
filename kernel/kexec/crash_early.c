// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load the crash kernel during boot, before any userspace runs.
 *
 * DOC: Early crash kernel loading
 *
 * kdump normally arms when userspace runs kexec -p, seconds into boot; a
 * panic before that is lost. Here the kernel loads the crash kernel itself,
 * at the end of start_kernel(), through the same kexec_file code the system
 * call uses. The payload is either built into the kernel image
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
 * A built-in payload is part of the kernel image and needs no further
 * check. A payload from the initrd is held to the kexec_file_load(2)
 * policy; when that policy requires a signature, which can only be checked
 * once the keyrings are loaded, loading waits for late_initcall_sync.
 *
 * A later kexec_file_load(2) or kexec_load(2) with KEXEC_ON_CRASH replaces
 * the image, as it replaces any loaded crash kernel. Nothing here may stop
 * the boot: on any problem one line says why and the system boots unarmed.
 */

#define pr_fmt(fmt) "crash_early: " fmt

#include <linux/crash_core.h>
#include <linux/crash_dump.h>
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

/* A payload waiting for the keyrings, see crash_early_load_deferred(). */
static struct kexec_file_bufs crash_early_deferred __initdata;

/* For the armed line: where the payload and its command line came from. */
static bool crash_early_from_builtin __initdata;
static bool crash_early_own_cmdline __initdata;

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

/*
 * Copy a payload member out of the initrd, which is freed once unpacked,
 * and let the LSMs judge it as they judge a buffer loaded for kexec. A
 * built-in member is part of the kernel image and is only copied.
 */
static void * __init crash_early_copy(const void *src, size_t len,
				      enum kernel_load_data_id id,
				      const char *name, bool builtin)
{
	char description[] = "crash_early";
	void *buf;
	int ret = 0;

	if (!builtin)
		ret = security_kernel_load_data(id, true);
	if (ret)
		goto out_refused;

	/* vmalloc() reports its own failure. */
	buf = vmalloc(len);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	memcpy(buf, src, len);

	if (!builtin)
		ret = security_kernel_post_load_data(buf, len, id, description);
	if (!ret)
		return buf;
	vfree(buf);
out_refused:
	pr_err("not armed: the security policy refused %s%s (%d)\n",
	       CRASH_EARLY_DIR, name, ret);
	return ERR_PTR(ret);
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

/* On failure, one line has said why; the caller frees @bufs. */
static int __init crash_early_fill_bufs(struct kexec_file_bufs *bufs,
					const struct crash_early_payload *p,
					bool builtin)
{
	void *buf;

	buf = crash_early_copy(p->kernel, p->kernel_len, LOADING_KEXEC_IMAGE,
			       "vmlinuz", builtin);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	bufs->kernel = buf;
	bufs->kernel_len = p->kernel_len;

	if (p->initrd) {
		buf = crash_early_copy(p->initrd, p->initrd_len,
				       LOADING_KEXEC_INITRAMFS, "initrd",
				       builtin);
		if (IS_ERR(buf))
			return PTR_ERR(buf);
		bufs->initrd = buf;
		bufs->initrd_len = p->initrd_len;
	}

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
	case -EKEYREJECTED:
	case -ENOKEY:
	case -EBADMSG:
	case -EPERM:
	case -EACCES:
		return "the signature or security policy rejected it";
	case -EINVAL:
		return "the loader rejected it";
	default:
		return "loading failed";
	}
}

/* Load @bufs, consuming them, and say how it went. */
static int __init crash_early_load(struct kexec_file_bufs *bufs,
				   const char *stage, u64 start)
{
	unsigned long flags = KEXEC_FILE_ON_CRASH;
	size_t kernel_len = bufs->kernel_len;
	size_t initrd_len = bufs->initrd_len;
	int ret;

	if (!bufs->initrd)
		flags |= KEXEC_FILE_NO_INITRAMFS;

	ret = kexec_file_load_bufs(bufs, flags);
	if (ret) {
		pr_err("not armed: %s (%d)\n", crash_early_reason(ret), ret);
		return ret;
	}
	pr_info("armed in %s: %s, vmlinuz %zu KiB, initrd %zu KiB, cmdline %s, in %pR, took %llu us\n",
		stage,
		crash_early_from_builtin ? "built-in payload" : "payload from the initrd",
		kernel_len >> 10, initrd_len >> 10,
		crash_early_own_cmdline ? "from the payload" : "default", &crashk_res,
		div_u64(local_clock() - start, NSEC_PER_USEC));
	return 0;
}

static int __init crash_early_arm(const struct crash_early_payload *p,
				  bool builtin, u64 start)
{
	struct kexec_file_bufs bufs = { .kernel_fd = -1 };
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

	ret = crash_early_fill_bufs(&bufs, p, builtin);
	if (ret) {
		kexec_file_free_bufs(&bufs);
		return ret;
	}
	crash_early_from_builtin = builtin;
	crash_early_own_cmdline = p->cmdline;

	/*
	 * The keyrings a signature is checked against are loaded by initcalls.
	 * Until then only an image that needs no signature can be loaded.
	 */
	if (!builtin && kexec_file_sig_required()) {
		pr_info("%svmlinuz must be signed: waiting for the keyrings, until late_initcall_sync\n",
			CRASH_EARLY_DIR);
		crash_early_deferred = bufs;
		return 0;
	}
	bufs.trusted = true;
	return crash_early_load(&bufs, "start_kernel", start);
}

/**
 * crash_early_init - load the crash kernel built in or found in the initrd
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
	bool builtin;

	if (is_kdump_kernel())
		return;
	if (!crash_early_enabled) {
		pr_info("not armed: crash_early_load=off\n");
		return;
	}
	builtin = crash_early_find_builtin(&p);
	if (!crash_early_find_in_initrd(&p, builtin) && !builtin)
		return;
	if (!crashk_res.end) {
		pr_err("not armed: a crash kernel was found but no crashkernel= memory is reserved\n");
		return;
	}
	crash_early_arm(&p, builtin, start);
}

/* The keyrings are loaded at late_initcall; check the signature now. */
static int __init crash_early_load_deferred(void)
{
	if (crash_early_deferred.kernel)
		crash_early_load(&crash_early_deferred, "late_initcall_sync",
				 local_clock());
	return 0;
}
late_initcall_sync(crash_early_load_deferred);
