# SPDX-License-Identifier: GPL-2.0
# Helpers for test phases inside the guest. Results go to the second serial
# port as TAP lines without numbers; the host numbers them.

RESULTS=/dev/ttyS1

guest_start()
{
	stty -F $RESULTS raw -echo 2>/dev/null
	echo "SAVEOOPS-PHASE $PHASE" > $RESULTS
	echo "saveoops-guest: phase $PHASE" > /dev/kmsg
}

# End the VM: QEMU runs with -no-reboot, so a reboot is a clean exit.
guest_end()
{
	echo "SAVEOOPS-END $PHASE" > $RESULTS
	sync
	reboot -f
	sleep 5
	echo o > /proc/sysrq-trigger
}

diag()
{
	echo "# $*" > $RESULTS
}

pass()
{
	echo "ok - $PHASE: $*" > $RESULTS
}

fail()
{
	echo "not ok - $PHASE: $*" > $RESULTS
}

# check DESCRIPTION COMMAND...: one result from a command's exit status.
check()
{
	local desc=$1

	shift
	if "$@" > /tmp/check.out 2>&1; then
		pass "$desc"
	else
		fail "$desc"
		sed 's/^/#   /' /tmp/check.out | head -20 > $RESULTS
	fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		diag "  expected '$2', got '$3'"
	fi
}

# The capture kernel's initramfs: this one without /boot, plus the test.
capture_initrd()
{
	cat /boot/guest.cpio.gz /boot/test.cpio > /tmp/capture.cpio
	echo /tmp/capture.cpio
}

CAPTURE_CMDLINE="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 printk.time=1"

crash_now()
{
	diag "crashing with sysrq-c"
	echo c > /proc/sysrq-trigger
	fail "sysrq-c returned instead of crashing"
}

# Report every "Crash kernel" range and kexec_crash_size for the host to match.
report_crash_regions()
{
	grep 'Crash kernel' /proc/iomem | while read -r range rest; do
		echo "REGION $range" > $RESULTS
	done
	echo "CRASH_SIZE $(cat /sys/kernel/kexec_crash_size)" > $RESULTS
}

MARKER="saveoops-test: marker written before the crash"

# A line in the first kernel's log for the capture side to find.
write_marker()
{
	echo "$MARKER" > /dev/kmsg
}

# fill_log N: N numbered lines in the kernel log, to make it long or to
# wrap the printk ring.
fill_log()
{
	local i=0

	while [ $i -lt "$1" ]; do
		echo "saveoops-test: filler line $i" > /dev/kmsg
		i=$((i + 1))
	done
}

# vmcore-dmesg reads /proc/vmcore into /tmp/vmcore-dmesg.txt, as one check.
read_vmcore()
{
	check "vmcore-dmesg reads /proc/vmcore" \
		sh -c 'vmcore-dmesg /proc/vmcore > /tmp/vmcore-dmesg.txt'
}

# The capture side's common checks: /tmp/vmcore-dmesg.txt has the sysrq
# crash line and the marker.
check_vmcore_log()
{
	read_vmcore
	check "the vmcore log has the sysrq crash line" \
		grep -q 'sysrq: Trigger a crash' /tmp/vmcore-dmesg.txt
	check "the vmcore log has the marker from /dev/kmsg" \
		grep -qF "$MARKER" /tmp/vmcore-dmesg.txt
}
