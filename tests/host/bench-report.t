#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/bench-report.py, what `make bench` reads its numbers with, on the
# console log of a real crash boot that an earlier e2e test or the demo left:
# stamping keeps every line in order with non-decreasing host times, and the
# events it finds (the armed line's time, the panic, the capture kernel, the
# saved record) agree with grep on the same log. Skipped when no such log
# exists yet (make check runs the e2e tests after the host tests may start).
. "$(dirname "$0")/../../harness/testlib.sh"

REPORT=$SAVEOOPS_TOP/harness/bench-report.py

log=
for f in "$SAVEOOPS_OUT"/tests/e2e-capture-store/core/serial.log \
	 "$SAVEOOPS_OUT"/demo/serial.log \
	 "$SAVEOOPS_OUT"/tests/e2e-early-inject/core-panic/serial.log; do
	if [ -s "$f" ] && grep -q 'crash_early: armed' "$f" && grep -q 'Kernel panic' "$f"; then
		log=$f
		break
	fi
done
if [ -z "$log" ]; then
	echo "1..0 # SKIP no console log of a captured crash boot yet (run make demo or the e2e tests)"
	exit 0
fi
diag "log: $log"

python3 "$REPORT" stamp < "$log" > "$TEST_DIR/stamped.log"
if [ "$(wc -l < "$TEST_DIR/stamped.log")" -eq "$(wc -l < "$log")" ] &&
   cut -f2- "$TEST_DIR/stamped.log" | cmp -s - "$log"; then
	tap ok "stamp keeps every line, in order"
else
	tap "not ok" "stamp keeps every line, in order"
fi
if cut -f1 "$TEST_DIR/stamped.log" | awk 'NR > 1 && $1 < prev { bad = 1 } { prev = $1 } END { exit bad }'; then
	tap ok "host times do not go back"
else
	tap "not ok" "host times do not go back"
fi

python3 "$REPORT" events "$TEST_DIR/stamped.log" > "$TEST_DIR/events"
# event NAME FIELD: kernel time (3) or value (4) of an event.
event()
{
	awk -F'\t' -v n="$1" -v f="$2" '$1 == n { print $f }' "$TEST_DIR/events"
}
# The console without the crashed kernel's log tail that saveoops-capture echoes.
awk '/^saveoops: last/ { tail = 1; next } /^saveoops: / { tail = 0 } !tail' "$log" > "$TEST_DIR/own.log"

want=$(grep -c 'Linux version ' "$TEST_DIR/own.log")
check_eq_host()
{
	if [ "$2" = "$3" ]; then
		tap ok "$1"
	else
		tap "not ok" "$1"
		diag "  expected '$2', got '$3'"
	fi
}
check_eq_host "kernels counted as grep counts them" "$want" "$(event kernels 4)"
want=$(grep -m1 -o 'crash_early: armed .*took [0-9]* us' "$log" | grep -o '[0-9]* us$' | cut -d' ' -f1)
check_eq_host "the armed line's cost is the first armed line's" "$want" "$(event k1.armed 4)"
want=$(grep -m1 'crash_early: armed' "$log" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
check_eq_host "the armed line's kernel time" "$want" "$(event k1.armed 3)"
want=$(grep -m1 'Kernel panic - not syncing' "$log" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
check_eq_host "the panic's kernel time is the first panic's" "$want" "$(event k1.panic 3)"
if grep -q '^saveoops: saved record' "$log"; then
	want=yes
else
	want=no
fi
got=no
[ -z "$(event k2.saved 4)" ] || got=yes
check_eq_host "a saved record is found when the capture saved one" "$want" "$got"
got=$(grep -c . <<< "$(event k2.init 3)")
check_eq_host "the capture kernel's /init is found" "$(awk '/Linux version/ { k++ } k == 2 && /Run \/init/ { print "1"; exit }' "$TEST_DIR/own.log")" "$got"
done_testing
