#!/bin/bash
# A capture that cannot finish still ends the machine in bounded time: the
# store's disk is throttled so that the record write outlasts
# saveoops.timeout, pid 1 gives up on the capture and resets the machine
# through sysrq-b instead of reboot(2), whose device shutdown may wait on
# the very disk that hangs. The capture kernel's own timestamps show the
# reset came within saveoops.timeout of its /init.
. "$(dirname "$0")/../../harness/testlib.sh"

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
TIMEOUT=5

disk=$TEST_DIR/disk.img
"$SAVEOOPS" format --image --slots 2 --size 1M "$disk" > /dev/null
"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" \
	--cmdline "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 saveoops.timeout=$TIMEOUT" \
	--output "$TEST_DIR/payload.cpio"

case_begin hang
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=128M crash_inject=core" \
	--expect-end none -- -drive "file=$disk,format=raw,if=virtio,throttling.bps-write=1024"
log_has "hang: the capture was writing" 'saveoops: writing [0-9]+ bytes to /dev/vda'
log_has "hang: pid 1 gives up after saveoops.timeout" \
	"saveoops: capture did not end within $TIMEOUT s; giving up"
log_has "hang: it resets through sysrq-b, not reboot(2)" \
	'saveoops: rebooting through sysrq-b, without shutting devices down'
log_has "hang: the kernel took sysrq-b" '\] sysrq: Resetting'
# The capture kernel's clock: from its /init (the last one on the console)
# to the reset.
start=$(grep -a 'Run /init as init process' "$TEST_LOG" | tail -n 1 |
	sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
end=$(grep -a '\] sysrq: Resetting' "$TEST_LOG" | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
if [ -n "$start" ] && [ -n "$end" ] &&
   awk -v s="$start" -v e="$end" -v t="$TIMEOUT" 'BEGIN { exit !(e - s >= t && e - s <= t + 2) }'; then
	tap ok "hang: reset ${start}..${end} s on the guest clock: within saveoops.timeout + 2 s of /init"
else
	tap "not ok" "hang: reset within saveoops.timeout + 2 s of /init (/init at '$start', reset at '$end')"
fi
# init_to LINE-REGEX: seconds on the capture kernel's clock from its /init
# to the last console line matching LINE-REGEX, "" if either is missing.
init_to()
{
	local start end

	start=$(grep -a 'Run /init as init process' "$TEST_LOG" | tail -n 1 |
		sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	end=$(grep -aE "$1" "$TEST_LOG" | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	[ -n "$start" ] && [ -n "$end" ] && awk -v s="$start" -v e="$end" 'BEGIN { print e - s }'
}

if "$SAVEOOPS" --store "$disk" list > "$TEST_DIR/list" 2>&1; then
	tap ok "hang: the store is still a store after the reset"
else
	tap "not ok" "hang: the store is still a store after the reset"
	sed 's/^/#   /' "$TEST_DIR/list"
fi

case_begin watchdog
"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" \
	--cmdline "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 unknown_nmi_panic saveoops.timeout=$TIMEOUT saveoops.end=poweroff" \
	--output "$TEST_DIR/payload-wd.cpio"
boot_guest --payload "$TEST_DIR/payload-wd.cpio" --append "crashkernel=128M crash_inject=core" \
	--expect-end none -- -drive "file=$disk,format=raw,if=virtio,throttling.bps-write=1024" \
	-device i6300esb -watchdog-action inject-nmi
log_has "watchdog: the capture armed it" \
	'saveoops: watchdog armed: it ends the machine 3 s after pid 1 last fed it'
log_has "watchdog: pid 1 gives up after saveoops.timeout" \
	"saveoops: capture did not end within $TIMEOUT s; giving up"
log_has "watchdog: and leaves the end to the watchdog instead of reboot(2)" \
	'saveoops: not powering off: reboot\(2\) would shut the hung device down first; the watchdog ends the machine'
log_lacks "watchdog: reboot(2) was not called" 'reboot: Power down'
took=$(init_to 'Kernel panic - not syncing: NMI')
if [ -n "$took" ] && awk -v d="$took" -v t="$TIMEOUT" 'BEGIN { exit !(d >= t && d <= t + 2) }'; then
	tap ok "watchdog: it fired ${took} s after /init on the guest clock: within saveoops.timeout + 2 s"
else
	tap "not ok" "watchdog: it fired within saveoops.timeout + 2 s of /init ('$took' s)"
fi
done_testing
