#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: boot with crashkernel=256M, arm kdump, crash, and show the first
# kernel's log as the capture kernel read it from /proc/vmcore.
#
# Until the early loader lands this is the stock path: userspace arms kdump
# with kexec -s -p from /init, so a crash before that point is lost.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$SAVEOOPS_OUT/demo
mkdir -p "$dir"
cat > "$dir/test.sh" <<'GUEST'
phase_first()
{
	kexec -s -p /boot/bzImage --initrd="$(capture_initrd)" \
		--command-line="$CAPTURE_CMDLINE" || { fail "kexec -s -p"; return; }
	echo "DEMO armed: kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)" > $RESULTS
	echo "saveoops demo: about to crash" > /dev/kmsg
	crash_now
}

phase_capture()
{
	echo "DEMO capture kernel up, reading /proc/vmcore" > $RESULTS
	vmcore-dmesg /proc/vmcore > /tmp/log.txt 2>&1
	tail -n 25 /tmp/log.txt | sed 's/^/LOG /' > $RESULTS
}
GUEST
pack_test "$dir"

echo "== booting a 1 GiB guest with crashkernel=256M (QEMU/TCG)"
rc=0
"$SAVEOOPS_TOP/harness/qemu-run.sh" --initrd "$(guest_initrd "$dir")" --mem 1G \
	--append "crashkernel=256M" --expect-end capture \
	--log "$dir/serial.log" --results "$dir/results.txt" || rc=$?

echo "== first kernel (console)"
grep -E "crashkernel reserved|sysrq: Trigger|Kernel panic" "$dir/serial.log" | head -n 5 || true
sed -n 's/^DEMO //p' "$dir/results.txt"
echo "== the first kernel's log, read from /proc/vmcore by vmcore-dmesg in the capture kernel"
sed -n 's/^LOG //p' "$dir/results.txt"
echo "== full console log: $dir/serial.log"
[ $rc -eq 0 ] || die "demo failed (status $rc)"
