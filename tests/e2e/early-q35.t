#!/bin/bash
# On -machine q35, which has ECAM (MMCONFIG) as real servers do, the early
# capture kernel gets the memory map a userspace kexec -s -p gives it: the
# same E820 reserved ranges, ECAM among them, so the capture kernel uses
# ECAM. Before the fix its map lacked five reserved ranges and it said "PCI:
# not using ECAM ([mem 0xb0000000-0xbfffffff] not reserved)". Then one crash
# per group of stages is captured on q35: right after arming, in an initcall
# and in pid 1 executing init.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	if [ "${MODE:-early}" = userspace ]; then
		check_eq "nothing armed before kexec -s -p" 0 \
			"$(cat /sys/kernel/kexec_crash_loaded)"
		check "kexec -s -p loads" kexec -s -p /boot/bzImage \
			--initrd="$(capture_initrd)" --command-line="$CAPTURE_CMDLINE"
	else
		check_eq "armed when /init starts" 1 "$(cat /sys/kernel/kexec_crash_loaded)"
	fi
	[ -z "${STAGE:-}" ] || fail "crash_inject=$STAGE did not fire"
	crash_now
}

phase_capture()
{
	check "vmcore is there" test -s /proc/vmcore
}
GUEST
capture=$(capture_initrd "$TEST_DIR")
# The same capture kernel, initramfs and command line both ways.
CAPTURE_CMDLINE="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 printk.time=1"
pack_payload "$TEST_DIR/payload.cpio" "$SAVEOOPS_BZIMAGE" "$capture" "$CAPTURE_CMDLINE"

# The capture kernel's E820 map, as it printed it: the lines after the
# second "Linux version", without their timestamps. Where in the
# reservation its usable memory lies depends on where KASLR put the first
# kernel; the other entries, and how many usable ones, must not.
capture_e820()
{
	awk '/Linux version /{n++} n == 2' "$TEST_LOG" |
		sed -n 's/^\[[ 0-9.]*\] *//; s/^BIOS-e820: //p' |
		sed 's/^\[mem 0x[0-9a-f]*-0x[0-9a-f]*\] usable$/(usable)/'
}

case_begin userspace
boot_guest --machine q35 --append "crashkernel=256M crash_early_load=off saveoops.MODE=userspace" \
	--expect-end capture
capture_e820 > "$TEST_DIR/e820.userspace"
log_has "userspace: the first kernel's map has ECAM reserved" \
	'BIOS-e820: \[mem 0x00000000b0000000-0x00000000bfffffff\] reserved'
if grep -q '0x00000000b0000000-0x00000000bfffffff\] reserved' "$TEST_DIR/e820.userspace"; then
	tap ok "userspace: the capture kernel's map has ECAM reserved"
else
	tap "not ok" "userspace: the capture kernel's map has ECAM reserved"
fi

case_begin early
boot_guest --payload "$TEST_DIR/payload.cpio" --machine q35 --append "crashkernel=256M" \
	--expect-end capture
capture_e820 > "$TEST_DIR/e820.early"
log_count "early: armed before the initcalls" 1 'crash_early: armed in kernel_init: '
if [ -s "$TEST_DIR/e820.early" ] && cmp -s "$TEST_DIR/e820.userspace" "$TEST_DIR/e820.early"; then
	tap ok "early: the capture kernel's map equals kexec -s -p's ($(wc -l < "$TEST_DIR/e820.early") entries)"
else
	tap "not ok" "early: the capture kernel's map equals kexec -s -p's"
	diff "$TEST_DIR/e820.userspace" "$TEST_DIR/e820.early" | sed 's/^/#   /'
fi
log_lacks "early: the capture kernel uses ECAM" 'PCI: not using ECAM'

for stage in armed subsys init; do
	case_begin "crash-$stage"
	boot_guest --payload "$TEST_DIR/payload.cpio" --machine q35 \
		--append "crashkernel=256M crash_inject=$stage saveoops.STAGE=$stage" \
		--expect-end capture
	log_count "crash-$stage: injected once" 1 "crash_inject: injecting a panic at stage $stage\$"
	log_lacks "crash-$stage: the capture kernel uses ECAM" 'PCI: not using ECAM'
done
done_testing
