#!/bin/bash
# The harness itself: a guest's failure, a missing phase, a hang and a crash
# with no capture kernel must each give a failing verdict, or every other
# test could pass without proving anything.
. "$(dirname "$0")/../../harness/testlib.sh"

# verdict DESCRIPTION WANT-STATUS [qemu-run.sh options]: run the guest whose
# test.sh is on stdin and compare qemu-run.sh's exit status.
verdict()
{
	local desc=$1 want=$2 dir=$TEST_DIR/$_tap_count rc=0

	shift 2
	mkdir -p "$dir"
	cat > "$dir/test.sh"
	pack_test "$dir"
	"$SAVEOOPS_TOP/harness/qemu-run.sh" --initrd "$(guest_initrd "$dir")" \
		--log "$dir/serial.log" --results "$dir/results.txt" "$@" 2>/dev/null || rc=$?
	if [ $rc -eq "$want" ]; then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		diag "  qemu-run.sh exited $rc, want $want (log: $dir/serial.log)"
	fi
}

verdict "a passing guest exits 0" 0 <<'GUEST'
phase_first() { check "true is true" true; }
GUEST
verdict "a failed check exits 1" 1 <<'GUEST'
phase_first() { check "false is true" false; }
GUEST
verdict "a test without the phase exits 1" 1 <<'GUEST'
phase_capture() { pass "never runs"; }
GUEST
verdict "a hung guest times out with 2" 2 --timeout 20 <<'GUEST'
phase_first() { while :; do sleep 1; done; }
GUEST
verdict "a crash without a capture kernel exits 2" 2 <<'GUEST'
phase_first() { crash_now; }
GUEST
verdict "a capture phase that never comes exits 2" 2 --expect-end capture <<'GUEST'
phase_first() { pass "no crash here"; }
GUEST
done_testing
