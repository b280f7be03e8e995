#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/bench-report.py, what `make bench` reads its numbers with, on the
# console log of a real crash boot made here (an early payload, a panic in a
# core_initcall, the capture kernel): stamping keeps every line in order
# with non-decreasing host times, and the events it finds (the armed line's
# time and cost, the panic, the capture kernel's /init) agree with grep on
# the same log. Then make bench's own saveoops latency boot (the default
# payload, a store, the console stamped live): the record saved is found,
# after the panic and the capture kernel's /init, and the report's latency
# is the time between them.
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
# A profile group's output for the default payload (harness/profile-arm.sh).
printf '%s\n' '200 samples in the load, 900 in all' ' 50.0 %  sha256_transform_blocks' \
	'breakdown: hash 50.0 copy 30.0 zero 5.0 rest 15.0' > "$rep/profile-default.txt"
if python3 "$REPORT" report "$rep" --load 0 --wall 0 --delay 2 > "$rep/stdout"; then
	tap ok "report runs on a partial set of boots"
else
	tap "not ok" "report runs on a partial set of boots"
fi
check_eq_host "the table has the load's breakdown from profile-arm.sh" \
	"| default | 200 | 50.0 | 30.0 | 5.0 | 15.0 |" "$(grep '^| default | 200 |' "$rep/table.md")"
# profile-arm.py files each sampled function under what it does for the load.
check_eq_host "profile-arm.py: hashing, copying, clearing, the rest" \
	"hash hash copy copy zero zero rest" \
	"$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); k = __import__("profile-arm").kind
print(*(k(n) for n in sys.argv[2:]))' "$SAVEOOPS_TOP/harness" sha256_transform_blocks BLEND_OP \
	memcpy_orig kimage_load_segment __memset clear_page_erms crash_early_init 2> /dev/null)"
# The lever group: boots of each kind in two rounds (console lines made up:
# /init at the round's times, the load's cost in the armed line); the
# report takes each kind's median and its ratio to the boot not armed.
lever=$TEST_DIR/lever
mkdir -p "$lever"
: > "$lever/boots.tsv"
for b in "off 1.000 1.200 -" "on 1.300 1.500 200000" "distro 1.700 1.500 400000" \
	"distro-unloaded 1.000 1.200 -" "on-nohash 1.100 1.100 50000" \
	"distro-nohash 1.100 1.300 100000"; do
	set -- $b
	for run in 1 2; do
		t=$2
		[ $run = 1 ] || t=$3
		mkdir -p "$lever/$1-$run"
		{
			printf '1.0\t[    0.000000] Linux version 6.12.0\n'
			[ "$4" = - ] || printf '1.5\t[    0.500000] crash_early: armed in kernel_init: payload from the initrd, took %s us\n' "$4"
			printf '2.0\t[    %s000] Run /init as init process\n' "$t"
		} > "$lever/$1-$run/serial.log"
		printf 'lever\t%s\t%s\t-\t-\t-\t-\t%s\n' "$1" "$run" "$lever/$1-$run" >> "$lever/boots.tsv"
	done
done
python3 "$REPORT" report "$lever" --load 0 --wall 0 --delay 2 > /dev/null 2>&1
check_eq_host "lever: each kind's median boot to /init, its ratio to not armed, the load" \
	"| armed, Debian's kernel | 1.600 s | 1.455 | 0.400 s |" \
	"$(grep "^| armed, Debian's kernel |" "$lever/table.md")"
check_eq_host "lever: what not hashing the data saves, armed over not armed before and after" \
	"Default payload: not hashing the data saves 0.300 s of boot to /init (the load 0.200 s -> 0.050 s); armed over not armed 1.273 -> 1.000." \
	"$(grep '^Default payload: ' "$lever/table.md")"
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

# make bench's own saveoops latency boot: the default payload, a store on a
# disk, the console stamped as it is read. The parser finds the capture
# program's saved line, after the panic and the capture kernel's /init, and
# the report's latency is the host time between the panic and it.
export BENCH_OUT=$TEST_DIR/bench
(
	. "$SAVEOOPS_TOP/harness/bench.sh"
	make_default_payload
	latency_boot latency-saveoops-1 1 saveoops "" 0 latency
) > "$TEST_DIR/bench.out" 2>&1
blog=$BENCH_OUT/boots/latency-saveoops-1/serial.log
python3 "$REPORT" events "$blog" > "$TEST_DIR/bench-events"
# bench_event NAME FIELD: host time (2), kernel time (3) or value (4).
bench_event()
{
	awk -F'\t' -v n="$1" -v f="$2" '$1 == n { print $f }' "$TEST_DIR/bench-events"
}
check_eq_host "saveoops boot: the store took the crash" captured \
	"$(cut -f7 "$BENCH_OUT/boots.tsv" 2> /dev/null)"
saved=$(cut -f2- "$blog" | grep -m1 '^saveoops: saved record')
if [ -n "$saved" ]; then
	tap ok "saveoops boot: the console has the saved line"
else
	tap "not ok" "saveoops boot: the console has the saved line"
	sed 's/^/#   /' "$TEST_DIR/bench.out"
fi
check_eq_host "saveoops boot: the saved event is that line" "$saved" "$(bench_event k2.saved 4)"
check_eq_host "saveoops boot: two kernels" 2 "$(bench_event kernels 4)"
# The memory mark at /init counts the bytes of files under kernel/kdump/ in
# rootfs: none, since a payload loaded before the first initcall is not
# unpacked there (early-arm.t checks the files themselves).
mi=$(bench_event k1.meminfo 4 | tr -d '(),')
check_eq_host "saveoops boot: the meminfo mark finds no payload file in rootfs" 0 \
	"$(awk '{ print $3 }' <<< "$mi")"
if awk '{ exit !($1 > 0) }' <<< "$mi"; then
	tap ok "saveoops boot: the meminfo mark has MemFree"
else
	tap "not ok" "saveoops boot: the meminfo mark has MemFree"
	diag "  meminfo event '$mi'"
fi
# MemFree leaves out the free pages parked on the per-CPU lists (freeing
# the initrd parks megabytes there): the mark has them, the report adds them.
if cut -f2- "$blog" | grep -Eq 'bench: meminfo free [0-9]+ vmalloc [0-9]+ payload [0-9]+ pcp [0-9]+$'; then
	tap ok "saveoops boot: the meminfo mark has the per-CPU free lists"
else
	tap "not ok" "saveoops boot: the meminfo mark has the per-CPU free lists"
	cut -f2- "$blog" | grep 'bench: meminfo' | sed 's/^/#   /'
fi
printf '1.0\t[    0.000000] Linux version 6.12\n1.5\t[    1.000000] bench: meminfo free 100 vmalloc 5 payload 2048 pcp 30\n' \
	> "$TEST_DIR/pcp.log"
check_eq_host "report: free is MemFree plus the per-CPU lists" "(130, 5, 2048)" \
	"$(python3 "$REPORT" events "$TEST_DIR/pcp.log" 2> /dev/null | awk -F'\t' '$1 == "k1.meminfo" { print $4 }')"
panic_h=$(bench_event k1.panic 2) init_h=$(bench_event k2.init 2) saved_h=$(bench_event k2.saved 2)
if awk -v p="$panic_h" -v i="$init_h" -v s="$saved_h" \
	'BEGIN { exit !(p ~ /^[0-9.]+$/ && i ~ /^[0-9.]+$/ && s ~ /^[0-9.]+$/ && p < i && i < s) }'; then
	tap ok "saveoops boot: panic, capture /init, saved, in that order on the host clock"
else
	tap "not ok" "saveoops boot: panic, capture /init, saved, in that order on the host clock"
	diag "  panic $panic_h, capture /init $init_h, saved $saved_h"
fi
python3 "$REPORT" report "$BENCH_OUT" --load 0 --wall 0 --delay 2 > "$TEST_DIR/bench-report.out" 2>&1
got=$(python3 -c 'import json, sys; l = json.load(open(sys.argv[1]))["detail"]["latency"][0]; print(l["method"], l["verdict"], l["panic_to_durable_s"], l["init_to_durable_s"])' \
	"$BENCH_OUT/results.json" 2> /dev/null)
want=$(awk -v p="$panic_h" -v i="$init_h" -v s="$saved_h" 'BEGIN { printf "saveoops captured %.6f %.6f", s - p, s - i }')
if [ -n "$got" ] && awk -v g="$got" -v w="$want" 'BEGIN {
	split(g, a, " "); split(w, b, " ")
	exit !(a[1] == b[1] && a[2] == b[2] && (a[3] - b[3]) ^ 2 < 1e-10 && (a[4] - b[4]) ^ 2 < 1e-10) }'; then
	tap ok "saveoops boot: results.json's latency is panic to saved, and /init to saved"
else
	tap "not ok" "saveoops boot: results.json's latency is panic to saved, and /init to saved"
	diag "  want '$want', got '$got'"
fi

# The same boot as the armed and the unarmed boot of an arming run, its
# mark claiming 2 KiB of payload files: the report writes its memory-at-/init
# row (the armed boot holds nothing more, so the rest is minus those files)
# into results.csv.
mkdir -p "$TEST_DIR/mem/boot"
sed -E 's/(bench: meminfo free [0-9]+ vmalloc [0-9]+ payload )[0-9]+/\12048/' \
	"$BENCH_OUT/boots/latency-saveoops-1/serial.log" > "$TEST_DIR/mem/boot/serial.log"
printf 'arm\t%s\t1\t-\t-\t-\t-\t%s\n' on "$TEST_DIR/mem/boot" \
	off "$TEST_DIR/mem/boot" > "$TEST_DIR/mem/boots.tsv"
if python3 "$REPORT" report "$TEST_DIR/mem" --load 0 --wall 0 --delay 2 > "$TEST_DIR/mem.out" 2>&1; then
	tap ok "report runs on an armed and an unarmed boot with their meminfo marks"
else
	tap "not ok" "report runs on an armed and an unarmed boot with their meminfo marks"
	tail -5 "$TEST_DIR/mem.out" | sed 's/^/#   /'
fi
check_eq_host "results.csv has the memory row: rest minus the payload's files, 0 more" \
	"memory_kept_kib,1,-2,0," \
	"$(grep '^memory_kept_kib,' "$TEST_DIR/mem/results.csv" 2> /dev/null)"
done_testing
