#!/bin/bash
# The kernel arms kdump itself from a payload cpio ahead of the initrd: the
# crash kernel is loaded before /init runs, a crash in userspace is captured
# and the capture kernel gets the payload's command line, or the default one
# with this boot's console. A payload so loaded is not unpacked into rootfs
# (files under kernel/kdump/ of a compressed archive still are).
# crash_early_load=off and a missing crashkernel= leave the system unarmed
# but booting, the payload unpacked.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	local unpacked=no

	check_eq "kexec_crash_loaded is ${EXPECT_LOADED:-1} when /init starts" \
		"${EXPECT_LOADED:-1}" "$(cat /sys/kernel/kexec_crash_loaded)"
	# Loaded at kernel_init, the payload is not copied into rootfs; left
	# unloaded, it is unpacked as any file. A compressed archive's files
	# under kernel/kdump/ are always unpacked.
	[ -e /kernel/kdump/vmlinuz ] && unpacked=yes
	check_eq "the payload's vmlinuz unpacked into rootfs: ${EXPECT_UNPACKED:-no}" \
		"${EXPECT_UNPACKED:-no}" "$unpacked"
	[ -z "${EXPECT_LATER:-}" ] ||
		check_eq "kernel/kdump/cmdline of a compressed archive is unpacked" \
			"$EXPECT_LATER" "$(cat /kernel/kdump/cmdline 2>&1)"
	[ -z "${EXPECT_EXTRA:-}" ] ||
		check_eq "kernel/kdump/extra, not a payload member, is unpacked" \
			"$EXPECT_EXTRA" "$(cat /kernel/kdump/extra 2>&1)"
	[ "${EXPECT_LOADED:-1}" = 1 ] || return 0
	write_marker
	crash_now
}

phase_capture()
{
	cat /proc/cmdline > $RESULTS
	check_vmcore_log
	check "the vmcore log has the armed line" \
		grep -q 'crash_early: armed in kernel_init' /tmp/vmcore-dmesg.txt
}
GUEST
capture=$(capture_initrd "$TEST_DIR")
armed='crash_early: armed in kernel_init: payload from the initrd, vmlinuz [0-9]+ KiB, initrd [0-9]+ KiB'

case_begin payload-cmdline
pack_payload "$TEST_DIR/payload.cpio" "$SAVEOOPS_BZIMAGE" "$capture" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 saveoops.from_payload"
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=256M" \
	--expect-end capture
log_count "payload-cmdline: one armed line" 1 "$armed, cmdline from the payload, in \[mem 0x[0-9a-f]+-0x[0-9a-f]+\], took [0-9]+ us"
log_has "payload-cmdline: capture kernel got the payload's command line" \
	'Command line: elfcorehdr=0x[0-9a-f]+ console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 saveoops.from_payload$'

case_begin default-cmdline
pack_payload "$TEST_DIR/payload-nocmdline.cpio" "$SAVEOOPS_BZIMAGE" "$capture"
# Followed by an uncompressed archive with a file the loader does not take,
# then a compressed one with a member's name, which the loader never reads.
mkdir -p "$TEST_DIR/lead/kernel/kdump" "$TEST_DIR/later/kernel/kdump"
echo lead > "$TEST_DIR/lead/kernel/kdump/extra"
echo later > "$TEST_DIR/later/kernel/kdump/cmdline"
(cd "$TEST_DIR/lead" && find kernel | cpio -o -H newc -R 0:0 --quiet) > "$TEST_DIR/lead.cpio"
# The uncompressed archives after it must start 4-byte aligned: pad it.
(cd "$TEST_DIR/later" && find kernel | cpio -o -H newc -R 0:0 --quiet | gzip -n) \
	> "$TEST_DIR/later.cpio.gz"
truncate -s %512 "$TEST_DIR/later.cpio.gz"
cat "$TEST_DIR/payload-nocmdline.cpio" "$TEST_DIR/lead.cpio" "$TEST_DIR/later.cpio.gz" \
	> "$TEST_DIR/payload-later.cpio"
boot_guest --payload "$TEST_DIR/payload-later.cpio" \
	--append "crashkernel=256M saveoops.EXPECT_LATER=later saveoops.EXPECT_EXTRA=lead" \
	--expect-end capture
log_has "default-cmdline: the loader ignores kernel/kdump/extra" \
	'crash_early: ignoring unknown payload member kernel/kdump/extra$'
log_has "default-cmdline: armed with the default command line" "$armed, cmdline default"
log_has "default-cmdline: capture kernel got the default and this boot's console" \
	'Command line: elfcorehdr=0x[0-9a-f]+ irqpoll nr_cpus=1 reset_devices panic=10 console=ttyS0$'

case_begin off
boot_guest --payload "$TEST_DIR/payload.cpio" \
	--append "crashkernel=256M crash_early_load=off saveoops.EXPECT_LOADED=0 saveoops.EXPECT_UNPACKED=yes"
log_count "off: says it is off" 1 'crash_early: not armed: crash_early_load=off'

case_begin no-reservation
boot_guest --payload "$TEST_DIR/payload.cpio" \
	--append "saveoops.EXPECT_LOADED=0 saveoops.EXPECT_UNPACKED=yes"
log_count "no-reservation: says why" 1 \
	'crash_early: not armed: a crash kernel was found but no crashkernel= memory is reserved'

case_begin no-payload
boot_guest --append "crashkernel=256M saveoops.EXPECT_LOADED=0"
log_lacks "no-payload: the loader stays silent" 'crash_early'
done_testing
