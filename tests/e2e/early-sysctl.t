#!/bin/bash
# The kexec_load_* sysctls given on the command line hold for the early load,
# though do_sysctl_args() writes them only after all initcalls:
# kexec_load_disabled=1 and kexec_load_limit_panic=0 leave the system
# unarmed, with one line saying why, also when a later occurrence tries to
# undo them (the sysctl refuses that too); a limit of 1 arms, and does not
# count the kernel's own load, so userspace still has its one load.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	check_eq "kexec_crash_loaded at /init" "$EXPECT_LOADED" \
		"$(cat /sys/kernel/kexec_crash_loaded)"
	check_eq "$SYSCTL at /init" "$EXPECT_VALUE" "$(cat "/proc/sys/kernel/$SYSCTL")"
	if [ -n "${TRY_KEXEC:-}" ]; then
		check "kexec -s -p has its one load" kexec -s -p /boot/bzImage \
			--initrd="$(capture_initrd)" --command-line="$CAPTURE_CMDLINE"
		check_eq "the limit is used up" 0 "$(cat "/proc/sys/kernel/$SYSCTL")"
	fi
}
GUEST
capture=$(capture_initrd "$TEST_DIR")
pack_payload "$TEST_DIR/payload.cpio" "$SAVEOOPS_BZIMAGE" "$capture"
forbids='crash_early: not armed: kexec_load_disabled or kexec_load_limit_panic, set on the command line, forbids it'

case_begin disabled
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M \
	sysctl.kernel.kexec_load_disabled=1 saveoops.SYSCTL=kexec_load_disabled \
	saveoops.EXPECT_VALUE=1 saveoops.EXPECT_LOADED=0"
log_count "disabled: says why it is not armed" 1 "$forbids"
log_lacks "disabled: nothing armed" 'crash_early: armed'

# The path form of the parameter, as do_sysctl_args() accepts it too.
case_begin limit-0
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M \
	sysctl/kernel/kexec_load_limit_panic=0 saveoops.SYSCTL=kexec_load_limit_panic \
	saveoops.EXPECT_VALUE=0 saveoops.EXPECT_LOADED=0"
log_count "limit-0: says why it is not armed" 1 "$forbids"

case_begin limit-1
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M \
	sysctl.kernel.kexec_load_limit_panic=1 saveoops.SYSCTL=kexec_load_limit_panic \
	saveoops.EXPECT_VALUE=1 saveoops.EXPECT_LOADED=1 saveoops.TRY_KEXEC=1"
log_count "limit-1: armed" 1 'crash_early: armed in kernel_init: '
log_lacks "limit-1: the command line value was written without an error" \
	'Failed to set sysctl parameter'

# Later occurrences the sysctl handlers refuse do not count: the value at
# /init is what do_sysctl_args() left after refusing them, and the early
# load was held to the same (kexec_load_disabled only goes from 0 to 1, a
# limit only comes down and is never negative).
case_begin disabled-then-0
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M \
	sysctl.kernel.kexec_load_disabled=1 sysctl.kernel.kexec_load_disabled=0 \
	saveoops.SYSCTL=kexec_load_disabled saveoops.EXPECT_VALUE=1 saveoops.EXPECT_LOADED=0"
log_count "disabled-then-0: says why it is not armed" 1 "$forbids"

case_begin limit-0-then-5
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M \
	sysctl.kernel.kexec_load_limit_panic=0 sysctl.kernel.kexec_load_limit_panic=5 \
	saveoops.SYSCTL=kexec_load_limit_panic saveoops.EXPECT_VALUE=0 saveoops.EXPECT_LOADED=0"
log_count "limit-0-then-5: says why it is not armed" 1 "$forbids"

case_begin limit-0-then-negative
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M \
	sysctl.kernel.kexec_load_limit_panic=0 sysctl.kernel.kexec_load_limit_panic=-1 \
	saveoops.SYSCTL=kexec_load_limit_panic saveoops.EXPECT_VALUE=0 saveoops.EXPECT_LOADED=0"
log_count "limit-0-then-negative: says why it is not armed" 1 "$forbids"

# A reboot limit says nothing about crash kernels.
case_begin reboot-limit-0
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M \
	sysctl.kernel.kexec_load_limit_reboot=0 saveoops.SYSCTL=kexec_load_limit_reboot \
	saveoops.EXPECT_VALUE=0 saveoops.EXPECT_LOADED=1"
log_count "reboot-limit-0: armed" 1 'crash_early: armed in kernel_init: '
done_testing
