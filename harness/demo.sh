#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: boot with crashkernel=256M and an early kdump payload ahead of
# the initramfs, panic in a core_initcall (crash_inject=core), long before
# any userspace could have run kexec -p, and show the crashed kernel's log
# as the capture kernel read it from /proc/vmcore.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$SAVEOOPS_OUT/demo
stage=${DEMO_STAGE:-core}
mkdir -p "$dir"
cat > "$dir/test.sh" <<'GUEST'
phase_first()
{
	fail "the first kernel reached /init: the injected panic did not happen"
}

phase_capture()
{
	echo "DEMO capture kernel up, reading /proc/vmcore" > $RESULTS
	vmcore-dmesg /proc/vmcore > /tmp/log.txt 2>&1
	grep -A 30 'crash_inject: injecting' /tmp/log.txt | sed 's/^/LOG /' > $RESULTS
}
GUEST
pack_test "$dir"
pack_payload "$dir/payload.cpio" "$SAVEOOPS_BZIMAGE" "$(capture_initrd "$dir")" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1"

echo "== payload: kernel/kdump/{vmlinuz,initrd,cmdline}, $(($(stat -c %s "$dir/payload.cpio") >> 10)) KiB, ahead of the initramfs"
echo "== booting a 1 GiB guest: crashkernel=256M crash_inject=$stage (QEMU/TCG)"
rc=0
"$SAVEOOPS_TOP/harness/qemu-run.sh" --initrd "$(guest_initrd "$dir" "$dir/payload.cpio")" \
	--mem 1G --append "crashkernel=256M crash_inject=$stage" --expect-end capture \
	--log "$dir/serial.log" --results "$dir/results.txt" || rc=$?

echo "== first kernel (console)"
grep -E "crashkernel reserved|crash_early|crash_inject|Kernel panic|Run /init" "$dir/serial.log" |
	head -n 6 || true
sed -n 's/^DEMO //p' "$dir/results.txt"
echo "== the crashed kernel's log, read from /proc/vmcore by vmcore-dmesg in the capture kernel"
sed -n 's/^LOG //p' "$dir/results.txt"
echo "== full console log: $dir/serial.log"
[ $rc -eq 0 ] || die "demo failed (status $rc)"
