#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one guest under QEMU/TCG until it powers off, reboots or times out.
# Console (ttyS0) goes to --log, the guest's results (ttyS1) to --results.
# Exit status: 0 when the guest reached the end of phase --expect-end and
# reported no failure, 1 when it reported a failure, 2 when it never got there.
# With --expect-end none the guest must stop by itself (a reset, as purgatory
# does on a bad digest, or a power off) before ending any phase; a phase
# that ends makes it 2.
#
#   qemu-run.sh --kernel BZIMAGE --initrd FILE --log FILE --results FILE
#               [--append CMDLINE] [--mem SIZE] [--smp N] [--timeout SECS]
#               [--machine pc|q35] [--uefi VARS]
#               [--expect-end PHASE] [-- EXTRA-QEMU-ARGS...]
#
# --uefi VARS boots the Secure Boot machine (harness/sb-machine.sh): OVMF
# with a copy of the variable store VARS, and on an ESP image systemd-boot,
# which boots --kernel (an EFI image, signed or not) with --initrd and the
# command line. The kernel is not handed to QEMU. Firmware that finds
# nothing it will boot ("No bootable option") waits for a key forever: that
# stops the machine, as a power off would.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$SAVEOOPS_BZIMAGE initrd= log= results= append= mem=1G smp=2 machine=pc
timeout_s=180 expect_end=first uefi=

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel)	kernel=$2; shift 2 ;;
	--initrd)	initrd=$2; shift 2 ;;
	--log)		log=$2; shift 2 ;;
	--results)	results=$2; shift 2 ;;
	--append)	append=$2; shift 2 ;;
	--mem)		mem=$2; shift 2 ;;
	--smp)		smp=$2; shift 2 ;;
	--machine)	machine=$2; shift 2 ;;
	--uefi)		uefi=$2; shift 2 ;;
	--timeout)	timeout_s=$2; shift 2 ;;
	--expect-end)	expect_end=$2; shift 2 ;;
	--)		shift; break ;;
	*)		die "qemu-run.sh: unknown argument $1" ;;
	esac
done
[ -n "$log" ] && [ -n "$results" ] || die "qemu-run.sh: --log and --results are required"

cmdline="console=ttyS0 panic=1 printk.time=1 $append"
boot=(-machine "$machine" -kernel "$kernel" ${initrd:+-initrd "$initrd"} -append "$cmdline")
if [ -n "$uefi" ]; then
	"$SAVEOOPS_TOP/harness/sb-machine.sh" esp "$log.esp" "$kernel" \
		${initrd:+"$initrd"} "$cmdline"
	mapfile -t boot < <("$SAVEOOPS_TOP/harness/sb-machine.sh" qemu-args "$log.vars" "$log.esp")
fi

qemu()
{
	timeout -k 10 "$timeout_s" qemu-system-x86_64 \
		-accel tcg -m "$mem" -smp "$smp" \
		-display none -monitor none -no-reboot \
		-serial "file:$log" -serial "file:$results" \
		"${boot[@]}" "$@" </dev/null
}

run_qemu()
{
	local pid

	[ -n "$uefi" ] || { qemu "$@"; return; }
	# Each try starts from the same variable store.
	cp "$uefi" "$log.vars"
	rm -f "$log.pid"
	qemu -pidfile "$log.pid" "$@" &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		if grep -aq 'BdsDxe: No bootable option' "$log" 2>/dev/null; then
			kill "$(cat "$log.pid")" 2>/dev/null || true
			wait $pid || true
			return 0
		fi
		sleep 1
	done
	wait $pid
}

rc=0
run_qemu "$@" || rc=$?
# QEMU itself crashing (SIGSEGV, SIGBUS, SIGABRT) or a guest stuck past the
# time limit (124: timeout's TERM) is run once more: each was seen once in
# about a thousand TCG boots, once a plain boot without crashkernel= that
# never reached /init. A guest that hangs for real hangs twice. 137 is not
# retried: a test kills QEMU on purpose with SIGKILL. A rerun is never
# silent: it is noted on stderr and as a SAVEOOPS-RERUN line at the end of
# --results, which boot_guest turns into a TAP diagnostic and counts.
rerun=
case $rc in
124|134|135|139)
	cp "$log" "$log.first-try" 2>/dev/null || true
	if [ $rc -eq 124 ]; then
		rerun="the first try timed out after ${timeout_s}s"
	else
		rerun="QEMU ended with $rc on the first try"
	fi
	rerun="$rerun (console: $log.first-try)"
	note "$rerun; running the guest once more"
	rc=0
	run_qemu "$@" || rc=$? ;;
esac

touch "$log" "$results"
sed -i 's/\r$//' "$log" "$results"
[ -z "$rerun" ] || echo "SAVEOOPS-RERUN $rerun" >> "$results"
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	note "guest timed out after ${timeout_s}s (log: $log)"
	exit 2
fi
[ $rc -eq 0 ] || { note "qemu exited with $rc (log: $log)"; exit 2; }
if [ "$expect_end" = none ]; then
	# The machine must stop by itself, reset or power off, in no phase: a
	# phase that ended means the guest ran on where it should have stopped.
	if grep -q '^SAVEOOPS-END' "$results"; then
		note "the guest ended a phase ($(grep -m1 '^SAVEOOPS-END' "$results")) where it should have stopped by itself (log: $log)"
		exit 2
	fi
	grep -q '^not ok' "$results" && exit 1
	exit 0
fi
grep -qx "SAVEOOPS-END $expect_end" "$results" || exit 2
grep -q '^not ok' "$results" && exit 1
exit 0
