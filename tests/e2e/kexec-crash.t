#!/bin/bash
# Stock kdump: load a capture kernel with kexec -s -p (kexec_file_load) or
# kexec -c -p (kexec_load), crash with sysrq-c, and read the first kernel's
# log from /proc/vmcore in the capture kernel.
. "$(dirname "$0")/../../harness/testlib.sh"

for mode in -s -c; do
	case_begin "kexec$mode"
	{
		echo "KEXEC_MODE=$mode"
		cat <<'GUEST'
phase_first()
{
	write_marker
	check "kexec $KEXEC_MODE -p loads the capture kernel" \
		kexec $KEXEC_MODE -p /boot/bzImage --initrd="$(capture_initrd)" \
		--command-line="$CAPTURE_CMDLINE"
	check_eq "kexec_crash_loaded is 1" 1 "$(cat /sys/kernel/kexec_crash_loaded)"
	crash_now
}

phase_capture()
{
	check "/proc/vmcore is not empty" test -s /proc/vmcore
	check_vmcore_log
	check "the vmcore log has the panic line" \
		grep -q 'Kernel panic - not syncing: sysrq triggered crash' /tmp/vmcore-dmesg.txt
}
GUEST
	} | guest_script
	boot_guest --mem 1G --append "crashkernel=256M" --expect-end capture
	log_count "kexec$mode: two kernels booted" 2 'Linux version 6\.12'
	log_has "kexec$mode: capture kernel got elfcorehdr" 'Command line: .*elfcorehdr='
done
done_testing
