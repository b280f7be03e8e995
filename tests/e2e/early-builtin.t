#!/bin/bash
# A crash kernel built into the kernel image (CONFIG_CRASH_EARLY_BUILTIN)
# arms in kernel_init, wins over a payload in the initrd, and arms on a
# boot with no initrd at all, where the first crash is pid 1 finding no root.
# It is part of the signed image: it arms in kernel_init on a kernel with
# CONFIG_KEXEC_SIG_FORCE, and under lockdown too.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	check_eq "kexec_crash_loaded at /init" 1 "$(cat /sys/kernel/kexec_crash_loaded)"
	write_marker
	crash_now
}

phase_capture()
{
	echo "CAPTURED_BY ${FROM:-unknown}" > $RESULTS
	read_vmcore
	check "the vmcore log has the built-in armed line" \
		grep -q 'crash_early: armed in kernel_init: built-in payload' /tmp/vmcore-dmesg.txt
	check "the vmcore log has the panic" grep -q 'Kernel panic - not syncing' /tmp/vmcore-dmesg.txt
}
GUEST

# The test script is part of the built-in capture initramfs: build it stably.
pack_test "$TEST_DIR"
kernel=$("$SAVEOOPS_TOP/harness/builtin-kernel.sh" "$SAVEOOPS_BZIMAGE" \
	"$(capture_initrd "$TEST_DIR")" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 saveoops.FROM=builtin")
armed='crash_early: armed in kernel_init: built-in payload, vmlinuz [0-9]+ KiB, initrd [0-9]+ KiB, cmdline from the payload'

case_begin builtin
boot_guest --kernel "$kernel" --expect-end capture --append "crashkernel=256M"
log_count "builtin: armed from the kernel image" 1 "$armed"
result_has "builtin: the built-in capture kernel ran" '^CAPTURED_BY builtin$'

if grep -qx 'CONFIG_KEXEC_SIG_FORCE=y' "$(dirname "$kernel")/../../../.config"; then
	tap ok "builtin: the kernel forces kexec signatures"
else
	tap "not ok" "builtin: the kernel forces kexec signatures"
fi

case_begin lockdown
boot_guest --kernel "$kernel" --expect-end capture --append "crashkernel=256M lockdown=integrity"
log_has "lockdown: the kernel is locked down" 'Kernel is locked down from command line'
log_count "lockdown: armed from the kernel image in start_kernel" 1 "$armed"
result_has "lockdown: the built-in capture kernel ran" '^CAPTURED_BY builtin$'

case_begin builtin-wins
pack_payload "$TEST_DIR/payload.cpio" "$SAVEOOPS_BZIMAGE" "$(capture_initrd "$TEST_DIR")" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 saveoops.FROM=initrd"
boot_guest --payload "$TEST_DIR/payload.cpio" --kernel "$kernel" --expect-end capture \
	--append "crashkernel=256M"
log_count "builtin-wins: the initrd's payload is ignored, with a note" 1 \
	'crash_early: ignoring kernel/kdump/ in the initrd: a crash kernel is built in$'
result_has "builtin-wins: the built-in capture kernel ran" '^CAPTURED_BY builtin$'

# No initrd: the kernel finds no root and pid 1 panics, after arming.
case_begin no-initrd
rc=0
"$SAVEOOPS_TOP/harness/qemu-run.sh" --kernel "$kernel" --expect-end capture \
	--log "$TEST_LOG" --results "$TEST_RESULTS" --append "crashkernel=256M" || rc=$?
reruns_of "$TEST_RESULTS"
[ $rc -eq 0 ] && tap ok "no-initrd: the capture kernel ran to the end" ||
	tap "not ok" "no-initrd: the capture kernel ran to the end (status $rc)"
log_count "no-initrd: armed from the kernel image" 1 "$armed"
log_has "no-initrd: the first kernel panicked for want of a root" 'Kernel panic - not syncing: (VFS|No working init)'
result_has "no-initrd: the built-in capture kernel ran" '^CAPTURED_BY builtin$'
# On the Secure Boot machine (harness/sb-machine.sh, as early-secureboot.t):
# the built-in payload is part of the image the firmware verified, so it
# arms before the first initcall under Secure Boot too, and a crash at every
# stage from there on is captured: right after arming, each initcall level
# (with smp, CPU 1 coming online, between early and core) and pid 1
# executing init. (A payload from the initrd waits there for
# late_initcall_sync: early-secureboot.t.) The signed copy gets its own name
# so that signing it does not replace the signature variant's. Each boot
# runs the firmware: 15-30 s under TCG.
cp "$kernel" "$TEST_DIR/builtin-bzImage"
vars=$("$SAVEOOPS_TOP/harness/sb-machine.sh" vars)
sbkernel=$("$SAVEOOPS_TOP/harness/sb-machine.sh" sign "$TEST_DIR/builtin-bzImage")
for stage in armed early smp core postcore arch subsys fs rootfs device late init; do
	c=secureboot-$stage
	case_begin "$c"
	boot_guest --kernel "$sbkernel" --uefi "$vars" --timeout 240 --expect-end capture \
		--append "crashkernel=256M crash_inject=$stage"
	if [ "$stage" = armed ]; then
		log_has "$c: the kernel says Secure boot enabled" 'secureboot: Secure boot enabled$'
		log_has "$c: and locks down" 'Kernel is locked down from EFI Secure Boot'
	fi
	log_count "$c: armed from the kernel image before the first initcall" 1 "$armed"
	log_has "$c: then crashed at stage $stage" \
		"crash_inject: injecting a panic at stage $stage\$"
	result_has "$c: the built-in capture kernel ran" '^CAPTURED_BY builtin$'
done
done_testing
