#!/bin/bash
# The capture program against vmcore-dmesg on the same vmcore: a crash ends
# as a record on a disk image, and the record's log, read on the host with
# the saveoops CLI, equals what vmcore-dmesg printed in the capture kernel,
# once vmcore-dmesg's continuation lines get their record's prefix. The log
# carries a multi-line record, a tab, control and non-ASCII bytes. Once more
# with kexec-tools' ELF headers (kexec -c -p) and a ring that wrapped. The
# record's crash time, release and build id match the pinned guest clock,
# the Linux version line and vmlinux. Files that are not a usable vmcore
# are refused with a reason and no record.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	if [ -n "${KEXEC_MODE:-}" ]; then
		check "kexec $KEXEC_MODE -p loads the capture kernel" \
			kexec $KEXEC_MODE -p /boot/bzImage --initrd="$(capture_initrd)" \
			--command-line="$CAPTURE_CMDLINE"
	fi
	fill_log "${FILL:-0}"
	write_marker
	printf 'saveoops-test: first line\nsecond line of the same record\n' > /dev/kmsg
	printf 'saveoops-test: tab\there, bell \007, e-acute \303\251, byte \377\n' > /dev/kmsg
	crash_now
}

phase_capture()
{
	check "saveoops-capture saves the log to /dev/vda" \
		saveoops-capture --vmcore /proc/vmcore --store /dev/vda --tail 0
	vmcore-dmesg /proc/vmcore > /dev/ttyS2
	# Bad vmcores: a file that is not one, and one cut after its headers.
	saveoops-capture --vmcore /proc/cmdline --store /dev/vda --tail 0 > /tmp/bad1 2>&1
	check_eq "a file that is no vmcore exits 2" 2 $?
	check "and says why" grep -q "cannot read the crash dump /proc/cmdline: not a 64-bit little-endian ELF file" /tmp/bad1
	head -c 65536 /proc/vmcore > /tmp/cut.core
	saveoops-capture --vmcore /tmp/cut.core --store /dev/vda --tail 0 > /tmp/bad2 2>&1
	check_eq "a vmcore cut after its headers exits 2" 2 $?
	check "and says the ring is not in it" grep -q "no log in /tmp/cut.core: prb at 0x[0-9a-f]* is not in the core" /tmp/bad2
	check "saveoops list in the capture kernel shows record 1" \
		sh -c 'saveoops --store /dev/vda list | grep -q "^1 .*sysrq triggered crash"'
}
GUEST

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
pack_payload "$TEST_DIR/payload.cpio" "$SAVEOOPS_BZIMAGE" "$(capture_initrd "$TEST_DIR")" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1"

record_has()
{
	if grep -qF -- "$2" "$CASE_DIR/record.txt"; then
		tap ok "$1"
	else
		tap "not ok" "$1"
		diag "  no line has '$2'"
	fi
}

# crash_and_compare NAME [boot_guest options]: one crash saved to a fresh
# disk; the record, read on the host, against vmcore-dmesg of the vmcore.
crash_and_compare()
{
	local name=$1 disk lines

	shift
	case_begin "$name"
	CASE_DIR=$TEST_DIR/$name
	disk=$CASE_DIR/disk.img
	"$SAVEOOPS" format --image --slots 4 --size 8M "$disk" > /dev/null
	started=$(date +%s)
	boot_guest "$@" --expect-end capture -- \
		-serial "file:$CASE_DIR/vmcore-dmesg.txt" \
		-drive "file=$disk,format=raw,if=virtio" -rtc "base=$RTC_BASE"
	elapsed=$(($(date +%s) - started))

	# vmcore-dmesg prints a record's later lines bare; give them its prefix.
	sed -i 's/\r$//' "$CASE_DIR/vmcore-dmesg.txt"
	awk '/^\[ *[0-9]+\.[0-9]+\] / { p = substr($0, 1, index($0, "] ") + 1); print; next }
	     { print p $0 }' "$CASE_DIR/vmcore-dmesg.txt" > "$CASE_DIR/expected.txt"

	if "$SAVEOOPS" --store "$disk" show 1 > "$CASE_DIR/record.txt" 2> "$CASE_DIR/show.err"; then
		tap ok "$name: the host reads record 1 from the disk image"
	else
		tap "not ok" "$name: the host reads record 1 from the disk image"
		sed 's/^/#   /' "$CASE_DIR/show.err"
	fi
	lines=$(wc -l < "$CASE_DIR/expected.txt")
	if [ "$lines" -gt 100 ] &&
	   diff -u "$CASE_DIR/expected.txt" "$CASE_DIR/record.txt" > "$CASE_DIR/diff.txt"; then
		tap ok "$name: the record's log equals vmcore-dmesg ($lines lines)"
	else
		tap "not ok" "$name: the record's log equals vmcore-dmesg ($lines lines)"
		head -20 "$CASE_DIR/diff.txt" | sed 's/^/#   /'
	fi
	record_has "$name: the record has the marker" "saveoops-test: marker written before the crash"
	# The record's metadata against sources of its own: the guest's clock
	# starts at RTC_BASE, so the crash came between that and the run's
	# length later; the release is the crashed kernel's Linux version
	# line; the build id is vmlinux's.
	"$SAVEOOPS" --store "$disk" show --info 1 > "$CASE_DIR/info.txt"
	"$SAVEOOPS" --store "$disk" list > "$CASE_DIR/list.txt"
	crashed=$(sed -n 's/^crash_time=//p' "$CASE_DIR/info.txt")
	after=$(($(date -u -d "$crashed" +%s 2> /dev/null || echo -1) - $(date -u -d "$RTC_BASE" +%s)))
	if [ "$after" -ge 0 ] && [ "$after" -le "$elapsed" ]; then
		tap ok "$name: the crash time is the guest clock's ($after s after it started)"
	else
		tap "not ok" "$name: the crash time is the guest clock's ($after s after it started)"
		diag "  crash_time '$crashed', the clock started at $RTC_BASE, the run took $elapsed s"
	fi
	release=$(sed -En '0,/Linux version / s/.*Linux version ([^ ]+) .*/\1/p' "$TEST_LOG")
	if [ -n "$release" ] && grep -qxF "release=$release" "$CASE_DIR/info.txt"; then
		tap ok "$name: the release is the crashed kernel's ($release)"
	else
		tap "not ok" "$name: the release is the crashed kernel's ($release)"
		grep '^release=' "$CASE_DIR/info.txt" | sed 's/^/#   /'
	fi
	if [ -n "$BUILD_ID" ] && grep -qxF "build_id=$BUILD_ID" "$CASE_DIR/info.txt"; then
		tap ok "$name: the build id is vmlinux's"
	else
		tap "not ok" "$name: the build id is vmlinux's"
		diag "  readelf -n vmlinux: '$BUILD_ID'; $(grep '^build_id=' "$CASE_DIR/info.txt")"
	fi
	if grep -q '^printk_records_skipped=0$' "$CASE_DIR/info.txt"; then
		tap ok "$name: the decoder skipped no printk record"
	else
		tap "not ok" "$name: the decoder skipped no printk record"
	fi
	if [ -n "$crashed" ] && grep -Eq "^1 +$crashed +${release//./\\.} +new +[0-9]+  Kernel panic - not syncing: sysrq triggered crash$" \
		"$CASE_DIR/list.txt"; then
		tap ok "$name: list shows the crash time, release and panic line"
	else
		tap "not ok" "$name: list shows the crash time, release and panic line"
		sed 's/^/#   /' "$CASE_DIR/list.txt"
	fi
}

# The guest's clock, pinned, and the build id of the kernel that crashes.
RTC_BASE=2026-01-02T03:04:05
BUILD_ID=$(readelf -n "$SAVEOOPS_BUILD/vmlinux" | sed -n 's/^ *Build ID: //p')

crash_and_compare early --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M"
record_has "early: a multi-line record keeps its second line" "] second line of the same record"
record_has "early: control and non-ASCII bytes are escaped, tabs kept" \
	"$(printf 'tab\there, bell \\x07, e-acute \\xc3\\xa9, byte \\xff')"

# kexec -c -p: kexec-tools writes the ELF headers (kexec_load), and 3000
# lines wrap the 128 KiB ring before the crash.
crash_and_compare kexec-load --append "crashkernel=256M saveoops.KEXEC_MODE=-c saveoops.FILL=3000"
if grep -q 'filler line 2999$' "$CASE_DIR/record.txt" && ! grep -q 'filler line 0$' "$CASE_DIR/record.txt" &&
   ! grep -q 'Linux version' "$CASE_DIR/record.txt"; then
	tap ok "kexec-load: the ring wrapped: the oldest lines are gone, the newest kept"
else
	tap "not ok" "kexec-load: the ring wrapped: the oldest lines are gone, the newest kept"
fi
done_testing
