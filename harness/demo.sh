#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: boot with crashkernel=256M and an early kdump payload, built by
# saveoops-mkpayload, ahead of the initramfs; panic in a core_initcall
# (crash_inject=core), long before any userspace could have run kexec -p;
# the capture kernel's /init, saveoops-capture, saves the crashed kernel's
# log to a disk and reboots; the host reads the record from the disk image.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$SAVEOOPS_OUT/demo
stage=${DEMO_STAGE:-core}
rm -rf "$dir"
mkdir -p "$dir"
cat > "$dir/test.sh" <<'GUEST'
phase_first()
{
	fail "the first kernel reached /init: the injected panic did not happen"
}
GUEST
pack_test "$dir"
"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" --output "$dir/payload.cpio"
"$SAVEOOPS_TOOLS/saveoops" format --image --slots 4 --size 16M "$dir/disk.img"

echo "== payload: capture kernel (this bzImage) and an initramfs holding only saveoops-capture,"
echo "   $(($(stat -c %s "$dir/payload.cpio") >> 10)) KiB, ahead of the initramfs"
echo "== booting a 1 GiB guest: crashkernel=256M crash_inject=$stage (QEMU/TCG)"
rc=0
"$SAVEOOPS_TOP/harness/qemu-run.sh" --initrd "$(guest_initrd "$dir" "$dir/payload.cpio")" \
	--mem 1G --append "crashkernel=256M crash_inject=$stage" --expect-end none \
	--log "$dir/serial.log" --results "$dir/results.txt" \
	-- -drive "file=$dir/disk.img,format=raw,if=virtio" || rc=$?

echo "== console, first kernel and capture kernel"
# Without the log tail the capture program prints; the record has it all.
awk '/^saveoops: last/ { tail = 1; next } /^saveoops: / { tail = 0 } !tail' "$dir/serial.log" |
	grep -E "crashkernel reserved|crash_early|crash_inject: injecting|Kernel panic|^saveoops: " || true
echo "== the saved record, read from the disk image on the host"
echo "\$ saveoops --store disk.img list"
"$SAVEOOPS_TOOLS/saveoops" --store "$dir/disk.img" list
echo "\$ saveoops --store disk.img show | sed -n '/crash_inject: injecting/,\$p'"
"$SAVEOOPS_TOOLS/saveoops" --store "$dir/disk.img" show | sed -n '/crash_inject: injecting/,$p'
echo "== full console log: $dir/serial.log"
[ $rc -eq 0 ] || die "demo failed (status $rc)"
"$SAVEOOPS_TOOLS/saveoops" --store "$dir/disk.img" show > "$dir/record.txt"
grep -q "Kernel panic - not syncing: crash_inject: stage $stage" "$dir/record.txt" ||
	die "demo failed: the record does not have the injected panic"
grep -q "Call Trace:" "$dir/record.txt" ||
	die "demo failed: the record has no call trace"
