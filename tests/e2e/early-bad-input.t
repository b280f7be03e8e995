#!/bin/bash
# Bad payloads and parameters: each gives one clear line from the early
# loader, the boot reaches /init unarmed, and the buffers it took are given
# back (vmalloc use at /init within 256 KiB of a boot without a payload,
# where leaking a copy of the payload would add megabytes).
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	check_eq "kexec_crash_loaded" "${EXPECT_LOADED:-0}" \
		"$(cat /sys/kernel/kexec_crash_loaded)"
	echo "VMALLOC $(awk '/^VmallocUsed:/ { print $2 }' /proc/meminfo)" > $RESULTS
}
GUEST

vmalloc_kib()
{
	sed -n 's/^VMALLOC //p' "$TEST_RESULTS"
}

# expect_no_leak NAME: vmalloc use close to the baseline boot's.
expect_no_leak()
{
	local got

	got=$(vmalloc_kib)
	if [ -n "$got" ] && [ $((got - baseline)) -lt 256 ]; then
		tap ok "$1: nothing left allocated (${got} KiB vmalloc, baseline ${baseline} KiB)"
	else
		tap "not ok" "$1: nothing left allocated"
		diag "  VmallocUsed ${got:-?} KiB, baseline ${baseline} KiB"
	fi
}

# bad NAME PAYLOAD APPEND REGEX: one boot, one loader line matching REGEX.
bad()
{
	case_begin "$1"
	boot_guest --payload "$2" --append "$3"
	log_count "$1: one line says why" 1 "crash_early: $4"
	log_count "$1: and no other from the loader" 1 'crash_early: '
	expect_no_leak "$1"
}

p=$TEST_DIR/files
mkdir -p "$p"
cmdline="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1"

case_begin baseline
boot_guest --append "crashkernel=256M"
baseline=$(vmalloc_kib)
diag "baseline VmallocUsed ${baseline} KiB"

pack_payload "$p/not-bzimage.cpio" /bin/busybox "" "$cmdline"
bad not-bzimage "$p/not-bzimage.cpio" "crashkernel=256M" \
	'not armed: the kernel is not a bzImage the kexec loader accepts \(-ENOEXEC\)$'

head -c $(($(stat -c %s "$SAVEOOPS_BZIMAGE") * 2 / 3)) "$SAVEOOPS_BZIMAGE" > "$p/truncated"
pack_payload "$p/truncated.cpio" "$p/truncated" "" "$cmdline"
bad truncated "$p/truncated.cpio" "crashkernel=256M" \
	'not armed: the kernel is not a bzImage the kexec loader accepts \(-ENOEXEC\)$'
log_has "truncated: the bzImage loader says it is cut short" \
	'kexec-bzImage64: bzImage is truncated: [0-9]+ bytes, its header says [0-9]+$'

: > "$p/empty"
pack_payload "$p/empty.cpio" "$p/empty" "" "$cmdline"
bad empty "$p/empty.cpio" "crashkernel=256M" \
	'not armed: kernel/kdump/vmlinuz in the initrd is empty$'

head -c 20M /dev/urandom > "$p/big-initrd"
pack_payload "$p/oversized.cpio" "$SAVEOOPS_BZIMAGE" "$p/big-initrd" "$cmdline"
bad oversized "$p/oversized.cpio" "crashkernel=16M" \
	'not armed: the payload is [0-9]+ KiB, the crashkernel= reservation 16384 KiB$'

# The files fit, but not the memory the kernel needs to decompress.
pack_payload "$p/fits-barely.cpio" "$SAVEOOPS_BZIMAGE" "" "$cmdline"
bad small-reservation "$p/fits-barely.cpio" "crashkernel=4M" \
	'not armed: it does not fit in the crashkernel= reservation \(-EADDRNOTAVAIL\)$'

# 3000 characters and pack_payload's newline: the file's size is reported.
pack_payload "$p/long-cmdline.cpio" "$SAVEOOPS_BZIMAGE" "" "$(printf 'x%.0s' $(seq 3000))"
bad cmdline-too-long "$p/long-cmdline.cpio" "crashkernel=256M" \
	'not armed: kernel/kdump/cmdline is 3001 bytes, the limit is 2047$'

# Shorter than ours, too long for the crash kernel once elfcorehdr= is added.
pack_payload "$p/long-for-bzimage.cpio" "$SAVEOOPS_BZIMAGE" "" "$(printf 'x%.0s' $(seq 2030))"
bad cmdline-no-room "$p/long-for-bzimage.cpio" "crashkernel=256M" \
	'not armed: the loader rejected it \(-EINVAL\)$'

dir=$(mktemp -d)
(cd "$dir" && mkdir -p kernel/kdump && cp "$SAVEOOPS_BZIMAGE" kernel/kdump/vmlinuz &&
	printf 'irqpoll\0nr_cpus=1\n' > kernel/kdump/cmdline &&
	find kernel | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$p/nul-cmdline.cpio"
rm -rf "$dir"
bad cmdline-nul "$p/nul-cmdline.cpio" "crashkernel=256M" \
	'not armed: kernel/kdump/cmdline has control character 0x00 at offset 7$'

# A bit flip in the first header's unused check field: the initramfs
# unpacker does not mind, find_cpio_data() would stop there silently.
pack_payload "$p/damaged.cpio" "$SAVEOOPS_BZIMAGE" "" "$cmdline"
printf 'g' | dd of="$p/damaged.cpio" bs=1 seek=105 conv=notrunc status=none
bad damaged-cpio "$p/damaged.cpio" "crashkernel=256M" \
	'not armed: the uncompressed cpio ahead of the initramfs is damaged at offset 0$'

# Not bad input: a bzImage without build.c's CRC32 at its end, as every
# bzImage from v6.15 on (commit 9c54baab4401 dropped it), here its last
# four bytes inverted. The loader must not take it for a damaged image.
cp "$SAVEOOPS_BZIMAGE" "$p/no-crc"
size=$(stat -c %s "$p/no-crc")
tail -c 4 "$p/no-crc" | perl -pe '$_ = ~$_' |
	dd of="$p/no-crc" bs=1 seek=$((size - 4)) conv=notrunc status=none
pack_payload "$p/no-crc.cpio" "$p/no-crc" "" "$cmdline"
case_begin no-crc
boot_guest --payload "$p/no-crc.cpio" --append "crashkernel=256M saveoops.EXPECT_LOADED=1"
log_count "no-crc: armed" 1 'crash_early: armed in kernel_init'
log_lacks "no-crc: the bzImage loader does not call it damaged" 'kexec-bzImage64: '

case_begin bad-parameter
boot_guest --payload "$p/fits-barely.cpio" \
	--append "crashkernel=256M crash_early_load=maybe saveoops.EXPECT_LOADED=1"
log_count "bad-parameter: says the value is ignored" 1 \
	'crash_early: crash_early_load=maybe is not a boolean, ignored$'
log_count "bad-parameter: and arms as by default" 1 'crash_early: armed in kernel_init'
done_testing
