/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The crash kernel built into the kernel image (CONFIG_CRASH_EARLY_BUILTIN).
 * It lives in init data: once loaded into the crashkernel= reservation it
 * is no longer needed here.
 */
#include <linux/linkage.h>

	.section .init.rodata, "a"

	.balign 16
SYM_DATA_START(crash_early_builtin_kernel)
	.incbin CRASH_EARLY_KERNEL
SYM_DATA_END_LABEL(crash_early_builtin_kernel, SYM_L_GLOBAL, crash_early_builtin_kernel_end)

	.balign 16
SYM_DATA_START(crash_early_builtin_initrd)
#ifdef CRASH_EARLY_INITRD
	.incbin CRASH_EARLY_INITRD
#endif
SYM_DATA_END_LABEL(crash_early_builtin_initrd, SYM_L_GLOBAL, crash_early_builtin_initrd_end)
