#!/bin/bash
# The early image lives with userspace kdump as any loaded crash kernel
# does: kexec -s -p and kexec -p replace it, kexec -p -u unloads it, the
# reservation cannot shrink under it; crash_hotplug reads 1 for it, and a
# crash on CPU 1 after it went offline and online is captured. (No test
# here changes memory, the only hotplug that rewrites its elfcorehdr on
# x86: that is not claimed.)
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
loaded()
{
	cat /sys/kernel/kexec_crash_loaded
}

phase_first()
{
	check_eq "the early image is loaded at /init" 1 "$(loaded)"
	case $CASE in
	replace-file|replace-legacy)
		local mode=-s

		[ $CASE = replace-legacy ] && mode=
		check "kexec $mode -p replaces the early image" \
			kexec $mode -p /boot/bzImage --initrd="$(capture_initrd)" \
			--command-line="$CAPTURE_CMDLINE saveoops.FROM=userspace"
		check_eq "still loaded" 1 "$(loaded)"
		write_marker
		crash_now ;;
	unload)
		local size

		size=$(cat /sys/kernel/kexec_crash_size)
		check "the reservation cannot shrink under the early image" \
			sh -c '! echo 0 > /sys/kernel/kexec_crash_size'
		check_eq "its size is unchanged" "$size" "$(cat /sys/kernel/kexec_crash_size)"
		check "kexec -p -u unloads the early image" kexec -p -u
		check_eq "unloaded" 0 "$(loaded)"
		check "once unloaded, the reservation shrinks" \
			sh -c 'echo 134217728 > /sys/kernel/kexec_crash_size'
		check_eq "to 128 MiB" 134217728 "$(cat /sys/kernel/kexec_crash_size)"
		check "kexec -s -p -u on nothing loaded still succeeds" kexec -s -p -u ;;
	unload-file)
		check "kexec -s -p -u unloads the early image" kexec -s -p -u
		check_eq "unloaded" 0 "$(loaded)" ;;
	hotplug)
		check_eq "crash_hotplug reads 1 for the early image" 1 \
			"$(cat /sys/devices/system/cpu/crash_hotplug)"
		check "CPU 1 goes offline" sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online'
		check "CPU 1 comes back" sh -c 'echo 1 > /sys/devices/system/cpu/cpu1/online'
		write_marker
		diag "crashing on CPU 1"
		taskset -c 1 sh -c 'echo c > /proc/sysrq-trigger'
		fail "sysrq-c on CPU 1 returned" ;;
	*)
		fail "no such case: '$CASE'" ;;
	esac
}

phase_capture()
{
	echo "CAPTURED_BY ${FROM:-unknown}" > $RESULTS
	check_vmcore_log
	if [ "$FROM" = early ]; then
		check "the crash happened on CPU 1" \
			grep -q 'CPU: 1 UID: 0 PID: [0-9]* Comm: sh' /tmp/vmcore-dmesg.txt
	fi
}
GUEST
capture=$(capture_initrd "$TEST_DIR")
pack_payload "$TEST_DIR/payload.cpio" "$SAVEOOPS_BZIMAGE" "$capture" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 saveoops.FROM=early"

for c in replace-file replace-legacy; do
	case_begin $c
	boot_guest --payload "$TEST_DIR/payload.cpio" --expect-end capture \
		--append "crashkernel=256M saveoops.CASE=$c"
	log_count "$c: two kernels booted" 2 'Linux version 6\.12'
	result_has "$c: the capture kernel is the one userspace loaded" '^CAPTURED_BY userspace$'
done

for c in unload unload-file; do
	case_begin $c
	boot_guest --payload "$TEST_DIR/payload.cpio" \
		--append "crashkernel=256M saveoops.CASE=$c"
done

case_begin hotplug
boot_guest --payload "$TEST_DIR/payload.cpio" --smp 2 --expect-end capture \
	--append "crashkernel=256M saveoops.CASE=hotplug"
result_has "hotplug: the capture kernel is the early one" '^CAPTURED_BY early$'
done_testing
