// SPDX-License-Identifier: GPL-2.0-only
/*
 * Crash the kernel at a chosen stage of boot, to test early crash capture.
 *
 * crash_inject=STAGE[,TYPE] crashes once the boot reaches STAGE:
 *
 *   armed	right after the early crash kernel load, before the initcalls
 *   early	in an early initcall, before the other CPUs are up
 *   smp	on CPU 1 as smp_init() brings it online
 *   core, postcore, arch, subsys, fs, rootfs, device, late
 *		in an initcall of that level
 *   init	in pid 1, as it executes init
 *
 * None needs a hook in init/main.c: "armed" is called by the early loader,
 * "smp" is a CPU hotplug callback, "init" a binary format handler that pid 1
 * meets first when it executes init.
 *
 * TYPE is panic (the default), oops (a NULL pointer write), bug (BUG()),
 * corrupt: change a byte of the loaded crash kernel behind the kexec code's
 * back, then panic, so that purgatory's digest check fails, fill: write
 * over the fill after a loaded segment's data, which purgatory clears, so
 * that the capture shows it did, or table: shorten that fill's entry in
 * purgatory's table of regions to clear, which the digest covers, so that
 * purgatory resets the machine.
 *
 * This is a test tool: it exists to crash the machine.
 */

#define pr_fmt(fmt) "crash_inject: " fmt

#include <linux/binfmts.h>
#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kernel.h>
/* Not crash_core.h first: it would hide x86's arch_kexec_unprotect_crashkres(). */
#include <linux/kexec.h>
#include <linux/panic.h>
#include <linux/sched/signal.h>
#include <linux/string.h>

#include "crash_early.h"

static const char * const crash_inject_stages[] = {
	"armed", "early", "smp", "core", "postcore", "arch", "subsys", "fs",
	"rootfs", "device", "late", "init",
};

enum crash_inject_type {
	CRASH_INJECT_PANIC,
	CRASH_INJECT_OOPS,
	CRASH_INJECT_BUG,
	CRASH_INJECT_CORRUPT,
	CRASH_INJECT_FILL,
	CRASH_INJECT_TABLE,
};

static const char * const crash_inject_types[] = {
	[CRASH_INJECT_PANIC]	= "panic",
	[CRASH_INJECT_OOPS]	= "oops",
	[CRASH_INJECT_BUG]	= "bug",
	[CRASH_INJECT_CORRUPT]	= "corrupt",
	[CRASH_INJECT_FILL]	= "fill",
	[CRASH_INJECT_TABLE]	= "table",
};

static const char *crash_inject_stage __ro_after_init;
static enum crash_inject_type crash_inject_type __ro_after_init;
/* Never set: the oops type writes through it. */
static int *crash_inject_null __ro_after_init;

static int __init crash_inject_setup(char *arg)
{
	char *type;
	int i;

	if (!arg)
		return -EINVAL;
	type = strchr(arg, ',');
	if (type) {
		*type++ = '\0';
		i = match_string(crash_inject_types,
				 ARRAY_SIZE(crash_inject_types), type);
		if (i < 0) {
			pr_err("unknown crash type %s, not injecting\n", type);
			return 0;
		}
		crash_inject_type = i;
	}
	i = match_string(crash_inject_stages, ARRAY_SIZE(crash_inject_stages),
			 arg);
	if (i < 0) {
		pr_err("unknown stage %s, not injecting\n", arg);
		return 0;
	}
	crash_inject_stage = crash_inject_stages[i];
	return 0;
}
early_param("crash_inject", crash_inject_setup);

/* The crash image's segment with the most data, or with @fill, fill. */
static struct kexec_segment *crash_inject_largest(struct kimage *image,
						  bool fill)
{
	struct kexec_segment *seg = NULL, *s;
	unsigned long i, size, most = 0;

	for (i = 0; i < image->nr_segments; i++) {
		s = &image->segment[i];
		size = fill ? s->memsz - s->bufsz : s->bufsz;
		if (size > most) {
			seg = s;
			most = size;
		}
	}
	if (!seg)
		pr_emerg("the crash kernel has no such segment, nothing changed\n");
	return seg;
}

/*
 * Flip a byte in the middle of the data of the crash image's largest
 * segment, the kernel or its initramfs, as a stray write would: purgatory's
 * digest covers both.
 */
static void crash_inject_corrupt(struct kimage *image)
{
	struct kexec_segment *seg = crash_inject_largest(image, false);
	unsigned long addr;

	if (!seg)
		return;
	addr = seg->mem + seg->bufsz / 2;
	*(u8 *)phys_to_virt(addr) ^= 0xff;
	pr_emerg("flipped the byte at %#lx in the loaded crash kernel's data\n",
		 addr);
}

/*
 * Write a pattern over the largest fill after a segment's data (the
 * kernel's, up to its init_size), which the load left for purgatory to
 * clear: the capture kernel must boot all the same.
 */
static void crash_inject_fill(struct kimage *image)
{
	struct kexec_segment *seg = crash_inject_largest(image, true);
	unsigned long start;

	if (!seg)
		return;
	start = seg->mem + seg->bufsz;
	memset(phys_to_virt(start), 0xa5, seg->memsz - seg->bufsz);
	pr_emerg("wrote over the loaded crash kernel's zero fill [mem %#lx-%#lx]\n",
		 start, seg->mem + seg->memsz - 1);
}

/*
 * Find the largest fill's entry in purgatory's table of regions to clear,
 * in purgatory's segment (the one the image starts in), and make it a page
 * shorter, as a stray write into the table would. The digest covers the
 * table, so purgatory must reset the machine; were it not covered,
 * purgatory would clear less and the capture kernel would boot.
 */
static void crash_inject_table(struct kimage *image)
{
	struct kexec_segment *seg = crash_inject_largest(image, true);
	struct kexec_segment *pseg = NULL;
	unsigned long i, off, want[2], *p;

	if (!seg)
		return;
	for (i = 0; i < image->nr_segments; i++) {
		struct kexec_segment *s = &image->segment[i];

		if (image->start >= s->mem && image->start < s->mem + s->memsz)
			pseg = s;
	}
	if (!pseg) {
		pr_emerg("no segment holds the entry point %#lx\n", image->start);
		return;
	}
	want[0] = seg->mem + seg->bufsz;
	want[1] = seg->memsz - seg->bufsz;
	for (off = 0; off + sizeof(want) <= pseg->bufsz; off += sizeof(long)) {
		p = phys_to_virt(pseg->mem + off);
		if (p[0] != want[0] || p[1] != want[1])
			continue;
		p[1] -= PAGE_SIZE;
		pr_emerg("shortened the zero region at %#lx in purgatory's table at %#lx\n",
			 want[0], pseg->mem + off);
		return;
	}
	pr_emerg("no zero region table in purgatory's segment\n");
}

/* Change the loaded crash image behind the kexec code's back. */
static void crash_inject_change(struct kimage *image,
				enum crash_inject_type type)
{
	if (!image) {
		pr_emerg("no crash kernel loaded, nothing to change\n");
		return;
	}
	arch_kexec_unprotect_crashkres();
	if (type == CRASH_INJECT_CORRUPT)
		crash_inject_corrupt(image);
	else if (type == CRASH_INJECT_FILL)
		crash_inject_fill(image);
	else
		crash_inject_table(image);
}

/**
 * crash_inject_at - crash here if the boot parameter names @stage
 * @stage:	name of the boot stage just reached
 *
 * Context: any; called once per stage during boot.
 */
void crash_inject_at(const char *stage)
{
	if (!crash_inject_stage || strcmp(stage, crash_inject_stage))
		return;

	pr_emerg("injecting a %s at stage %s\n",
		 crash_inject_types[crash_inject_type], stage);
	switch (crash_inject_type) {
	case CRASH_INJECT_OOPS:
		WRITE_ONCE(*crash_inject_null, 0);
		break;
	case CRASH_INJECT_BUG:
		BUG();
	case CRASH_INJECT_CORRUPT:
	case CRASH_INJECT_FILL:
	case CRASH_INJECT_TABLE:
		crash_inject_change(kexec_crash_image, crash_inject_type);
		break;
	default:
		break;
	}
	panic("crash_inject: stage %s\n", stage);
}

#define CRASH_INJECT_INITCALL(level)				\
	static int __init crash_inject_##level(void)		\
	{							\
		crash_inject_at(#level);			\
		return 0;					\
	}							\
	level##_initcall(crash_inject_##level)

CRASH_INJECT_INITCALL(early);
CRASH_INJECT_INITCALL(core);
CRASH_INJECT_INITCALL(postcore);
CRASH_INJECT_INITCALL(arch);
CRASH_INJECT_INITCALL(subsys);
CRASH_INJECT_INITCALL(fs);
CRASH_INJECT_INITCALL(rootfs);
CRASH_INJECT_INITCALL(device);
CRASH_INJECT_INITCALL(late);

static bool __init crash_inject_stage_is(const char *stage)
{
	return crash_inject_stage && !strcmp(crash_inject_stage, stage);
}

/* smp_init() runs the online callbacks of each CPU it brings up. */
static int crash_inject_cpu_online(unsigned int cpu)
{
	if (cpu == 1)
		crash_inject_at("smp");
	return 0;
}

static int __init crash_inject_smp(void)
{
	int ret;

	if (!crash_inject_stage_is("smp"))
		return 0;
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN,
					"crash_inject:online",
					crash_inject_cpu_online, NULL);
	if (ret < 0)
		pr_err("cannot add a CPU online callback (%pe), not injecting\n",
		       ERR_PTR(ret));
	return 0;
}
early_initcall(crash_inject_smp);

/* Asked first for every program executed: crash when pid 1 executes init. */
static int crash_inject_exec(struct linux_binprm *bprm)
{
	if (is_global_init(current))
		crash_inject_at("init");
	return -ENOEXEC;
}

static struct linux_binfmt crash_inject_binfmt = {
	.load_binary	= crash_inject_exec,
};

static int __init crash_inject_init(void)
{
	if (crash_inject_stage_is("init"))
		insert_binfmt(&crash_inject_binfmt);
	return 0;
}
late_initcall_sync(crash_inject_init);
