#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/bench-report.py, what `make bench` reads its numbers with, on the
# console log of a real crash boot made here (an early payload, a panic in a
# core_initcall, the capture kernel): stamping keeps every line in order
# with non-decreasing host times, and the events it finds (the armed line's
# time and cost, the panic, the capture kernel's /init) agree with grep on
# the same log.
. "$(dirname "$0")/../../harness/testlib.sh"

REPORT=$SAVEOOPS_TOP/harness/bench-report.py

guest_script <<'GUEST'
phase_first()
{
	fail "the first kernel reached /init; crash_inject=core did not fire"
}
phase_capture()
{
	check "the capture kernel has a vmcore" test -s /proc/vmcore
}
GUEST
pack_payload "$TEST_DIR/payload.cpio" "$SAVEOOPS_BZIMAGE" "$(capture_initrd "$TEST_DIR")" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 printk.time=1"
boot_guest --payload "$TEST_DIR/payload.cpio" --expect-end capture \
	--append "crashkernel=256M crash_inject=core"
log=$TEST_LOG
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
# Equal as strings, or as numbers (1.17795 is 1.177950).
check_eq_host()
{
	if [ "$2" = "$3" ] || awk -v a="$2" -v b="$3" \
		'BEGIN { exit !(a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a + 0 == b + 0) }'; then
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

# The report make bench writes, from this boot standing in for a coverage
# boot of stage core, the "on" boot of the arming runs and a memory boot.
rep=$TEST_DIR/report
mkdir -p "$rep/boot"
cp "$TEST_DIR/stamped.log" "$rep/boot/serial.log"
printf '%s\t%s\t1\ta\t%s\t%s\tcaptured\t%s\n' coverage a-core core - "$rep/boot" \
	arm on - - "$rep/boot" memory m-256 - 256 "$rep/boot" > "$rep/boots.tsv"
if python3 "$REPORT" report "$rep" --load 0 --wall 0 --delay 2 > "$rep/stdout"; then
	tap ok "report runs on a partial set of boots"
else
	tap "not ok" "report runs on a partial set of boots"
fi
panic=$(printf '%.3f' "$(event k1.panic 3)")
check_eq_host "the table has the core stage captured at the panic's time" \
	"| core | captured @ $panic | - | - |" "$(grep '^| core |' "$rep/table.md")"
check_eq_host "the table has the smallest crashkernel= that captured" 1 \
	"$(grep -c '^| smallest crashkernel= that captures | 256M ' "$rep/table.md")"
check_eq_host "results.json has the same verdict and time" "captured $(event k1.panic 3)" \
	"$(python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["detail"]["coverage"]["core"]["a"]; print(c["verdict"], c["panic_s"])' "$rep/results.json")"
check_eq_host "results.csv has the coverage row" "coverage_core_a,1,captured,$(event k1.panic 3)," \
	"$(grep '^coverage_core_a,' "$rep/results.csv")"
check_eq_host "timeline.svg is well-formed and marks the core panic" "core $(printf '%.2f' "$(event k1.panic 3)")" \
	"$(python3 -c 'import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]); print(next(x.text for x in t.iter() if (x.text or "").startswith("core ")))' "$rep/timeline.svg")"
done_testing
