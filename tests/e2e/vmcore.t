#!/bin/bash
# The vmcore itself, beyond the printk ring vmcore-dmesg reads: on an early
# capture, makedumpfile -d 31 (which walks the crashed kernel's memory map
# and page tables from VMCOREINFO) must succeed; its --dump-dmesg, of
# /proc/vmcore and of the dump it wrote, equals vmcore-dmesg; and the
# vmcore holds one PRSTATUS note per CPU online at the crash, read on the
# host with readelf -n: one for a panic in an early initcall, before
# smp_init(), both of a two-CPU guest's for a crash from /init, and one
# when CPU 1 was taken offline before that crash.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	# Only reached when no crash was injected before /init.
	if [ "${OFFLINE:-}" = 1 ]; then
		check "CPU 1 goes offline" sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online'
	fi
	echo "ONLINE $(cat /sys/devices/system/cpu/online)" > $RESULTS
	write_marker
	crash_now
}

# unwrap FILE [INDENTED]: each continuation line of a multi-line record gets
# the record's "[time] " prefix; makedumpfile indents them by its width
# (INDENTED=1), vmcore-dmesg prints them bare.
unwrap()
{
	awk -v ind="${2:-0}" '/^\[ *[0-9]+\.[0-9]+\] / { p = substr($0, 1, index($0, "] ") + 1); print; next }
		{ if (ind && substr($0, 1, length(p)) ~ /^ *$/) $0 = substr($0, length(p) + 1); print p $0 }' "$1"
}

# same_dmesg FILE: makedumpfile's FILE is vmcore-dmesg's log.
same_dmesg()
{
	unwrap /tmp/vmcore-dmesg.txt > /tmp/a.txt
	unwrap "$1" 1 > /tmp/b.txt
	[ -s /tmp/a.txt ] && diff /tmp/a.txt /tmp/b.txt
}

phase_capture()
{
	read_vmcore
	check "makedumpfile -d 31 writes a dump" \
		makedumpfile -c -d 31 /proc/vmcore /tmp/dump
	check "makedumpfile --dump-dmesg reads /proc/vmcore" \
		makedumpfile --dump-dmesg /proc/vmcore /tmp/md-vmcore.txt
	check "and prints what vmcore-dmesg prints" \
		same_dmesg /tmp/md-vmcore.txt
	check "makedumpfile --dump-dmesg reads the -d 31 dump" \
		makedumpfile --dump-dmesg /tmp/dump /tmp/md-dump.txt
	check "and prints what vmcore-dmesg prints" \
		same_dmesg /tmp/md-dump.txt
	# The ELF headers and the notes come first in /proc/vmcore.
	check "the vmcore's first MiB goes to the host on /dev/vda" \
		dd if=/proc/vmcore of=/dev/vda bs=1M count=1 conv=fsync
}
GUEST

# makedumpfile and its libraries, in a cpio after the capture initramfs.
root=$TEST_DIR/tools-root
copy_with_libs "$root" "$(command -v makedumpfile)"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	> "$TEST_DIR/tools.cpio"
cat "$(capture_initrd "$TEST_DIR")" "$TEST_DIR/tools.cpio" > "$TEST_DIR/capture-tools"
pack_payload "$TEST_DIR/payload.cpio" "$SAVEOOPS_BZIMAGE" "$TEST_DIR/capture-tools" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 printk.time=1"

# notes NAME CPUS [boot_guest options]: one early capture; the vmcore's
# PRSTATUS notes against CPUS.
notes()
{
	local name=$1 cpus=$2 disk got

	shift 2
	case_begin "$name"
	disk=$TEST_DIR/$name/head.img
	truncate -s 1M "$disk"
	boot_guest --payload "$TEST_DIR/payload.cpio" --smp 2 --expect-end capture \
		"$@" -- -drive "file=$disk,format=raw,if=virtio"
	got=$(readelf -n "$disk" 2> /dev/null | grep -c 'NT_PRSTATUS')
	if [ "$got" -eq "$cpus" ]; then
		tap ok "$name: $cpus PRSTATUS notes for $cpus CPUs online at the crash"
	else
		tap "not ok" "$name: $cpus PRSTATUS notes for $cpus CPUs online at the crash"
		diag "  readelf -n found $got"
	fi
	if readelf -n "$disk" 2> /dev/null | grep -q '^ *VMCOREINFO '; then
		tap ok "$name: and a VMCOREINFO note"
	else
		tap "not ok" "$name: and a VMCOREINFO note"
	fi
}

notes early-initcall 1 --append "crashkernel=256M crash_inject=early"
if sed '/crash_inject: injecting/q' "$TEST_LOG" | grep -q 'crash_inject: injecting' &&
   ! sed '/crash_inject: injecting/q' "$TEST_LOG" | grep -q 'smp: Bringing up secondary CPUs'; then
	tap ok "early-initcall: the crash came before smp_init() brought up CPU 1"
else
	tap "not ok" "early-initcall: the crash came before smp_init() brought up CPU 1"
fi
notes from-init 2 --append "crashkernel=256M"
result_has "from-init: both CPUs were online" '^ONLINE 0-1$'
# The elfcorehdr lists every possible CPU; an offline one saves no note.
notes cpu1-offline 1 --append "crashkernel=256M saveoops.OFFLINE=1"
result_has "cpu1-offline: only CPU 0 was online" '^ONLINE 0$'
done_testing
