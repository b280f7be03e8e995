#!/bin/bash
# make demo, as a user runs it: it exits 0 and what it shows is what the
# README promises, the early armed line, the injected panic, the capture
# program saving it, and from the disk image the record with the panic line
# and the call trace of the core_initcall that panicked.
. "$(dirname "$0")/../../harness/testlib.sh"

out=$TEST_DIR/demo.out
if "$SAVEOOPS_TOP/harness/demo.sh" > "$out" 2>&1; then
	tap ok "demo.sh exits 0"
else
	tap "not ok" "demo.sh exits 0"
	tail -5 "$out" | sed 's/^/#   /'
fi

# What the demo printed is the log the checks below read.
TEST_LOG=$out
log_has "armed in kernel_init, before any initcall" \
	'crash_early: armed in kernel_init: payload from the initrd'
log_has "the panic was injected in a core_initcall" 'crash_inject: injecting a panic at stage core$'
log_has "the capture program saved record 1" 'saveoops: saved record 1 \([0-9]+ bytes\) to /dev/vda'
log_has "list names the record and its panic" \
	'^ *1 +.*Kernel panic - not syncing: crash_inject: stage core'
# The lines after the list come from the record, read on the host.
record=$(sed -n '/^\$ saveoops --store disk.img show/,$p' "$out")
for want in 'Kernel panic - not syncing: crash_inject: stage core$' 'Call Trace:' \
	'crash_inject_core'; do
	if grep -Eq -- "$want" <<< "$record"; then
		tap ok "the record shown has /$want/"
	else
		tap "not ok" "the record shown has /$want/"
	fi
done
done_testing
