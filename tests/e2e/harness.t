#!/bin/bash
# The harness itself: a guest's failure, a missing phase, a hang, a crash
# with no capture kernel and a guest that runs on where it should stop must
# each give a failing verdict, or every other test could pass without
# proving anything. A rerun is never silent, and two in one test fail it.
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
if grep -q '^SAVEOOPS-RERUN the first try timed out after 20s' "$TEST_DIR/3/results.txt"; then
	tap ok "the hung guest was run twice, and the rerun is in its results"
else
	tap "not ok" "the hung guest was run twice, and the rerun is in its results"
fi
verdict "a capture phase that never comes exits 2" 2 --expect-end capture <<'GUEST'
phase_first() { pass "no crash here"; }
GUEST
verdict "--expect-end none: a guest that stops by itself exits 0" 0 --expect-end none <<'GUEST'
phase_first() { reboot -f; sleep 5; }
GUEST
verdict "--expect-end none: a guest that ends its phase exits 2" 2 --expect-end none <<'GUEST'
phase_first() { pass "ran on"; }
GUEST

# A guest that hangs on its first try only: a flag on a disk tells the
# rerun from the first try. One such boot in a test passes, with the rerun
# as a TAP diagnostic and a line in the run's list of reruns; two fail it.
mkdir -p "$TEST_DIR/$TEST_NAME"
{
	echo ". \"$SAVEOOPS_TOP/harness/testlib.sh\""
	cat <<'FLAKY'
guest_script <<'GUEST'
phase_first()
{
	if [ "$(head -c 5 /dev/vda)" != tried ]; then
		echo tried | dd of=/dev/vda conv=notrunc,fsync 2>/dev/null
		while :; do sleep 1; done
	fi
	pass "the second try ran"
}
GUEST
for n in $(seq "$1"); do
	case_begin try$n
	truncate -s 1M "$TEST_DIR/flag$n.img"
	boot_guest --timeout 20 -- -drive "file=$TEST_DIR/flag$n.img,format=raw,if=virtio"
done
done_testing
FLAKY
} > "$TEST_DIR/$TEST_NAME/flaky.t"

# flaky BOOTS: run it; its TAP in flaky-BOOTS.out, its reruns in reruns-BOOTS.
flaky()
{
	rm -f "$TEST_DIR/reruns-$1"
	SAVEOOPS_RERUNS=$TEST_DIR/reruns-$1 bash "$TEST_DIR/$TEST_NAME/flaky.t" "$1" \
		> "$TEST_DIR/flaky-$1.out" 2> /dev/null
}
if flaky 1 && grep -q '^ok 2 - guest ran to the end$' "$TEST_DIR/flaky-1.out"; then
	tap ok "a guest that hangs on the first try only passes on the rerun"
else
	tap "not ok" "a guest that hangs on the first try only passes on the rerun"
	sed 's/^/#   /' "$TEST_DIR/flaky-1.out"
fi
if grep -q '^# rerun: the first try timed out after 20s' "$TEST_DIR/flaky-1.out"; then
	tap ok "the rerun is a TAP diagnostic"
else
	tap "not ok" "the rerun is a TAP diagnostic"
fi
if [ "$(grep -c . "$TEST_DIR/reruns-1" 2> /dev/null)" = 1 ] &&
   grep -q "^$TEST_DIR/$TEST_NAME/flaky.t try1/results.txt the first try timed out" "$TEST_DIR/reruns-1"; then
	tap ok "the rerun is listed for the run's summary, with its test"
else
	tap "not ok" "the rerun is listed for the run's summary, with its test"
	sed 's/^/#   /' "$TEST_DIR/reruns-1" 2> /dev/null
fi
if ! flaky 2 &&
   grep -q '^not ok [0-9]* - the guests needed at most one rerun in all$' "$TEST_DIR/flaky-2.out"; then
	tap ok "a test whose guests needed two reruns fails"
else
	tap "not ok" "a test whose guests needed two reruns fails"
	sed 's/^/#   /' "$TEST_DIR/flaky-2.out"
fi
done_testing
