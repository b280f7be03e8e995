#!/bin/bash
# The saveoops host unit tests (tools/saveoops/tests/unit.c), built with
# ASan and UBSan: the ELF core reader, the printk ring decoder on synthetic
# cores whose ring layouts only VMCOREINFO describes, and the crash record
# store, torn writes included. Their TAP lines are numbered into this test's.
. "$(dirname "$0")/../../harness/testlib.sh"

out=$SAVEOOPS_CACHE/tools-test/unit
mkdir -p "$out"

rc=0
TMPDIR=$TEST_DIR make -s -C "$SAVEOOPS_TOP/tools/saveoops" test OUTPUT="$out/" \
	> "$TEST_DIR/unit.out" 2>&1 || rc=$?

plan=
count=0
while IFS= read -r line; do
	case "$line" in
	"ok "[0-9]*" - "*)
		tap ok "${line#ok * - }"
		count=$((count + 1)) ;;
	"not ok "[0-9]*" - "*)
		tap "not ok" "${line#not ok * - }"
		count=$((count + 1)) ;;
	1..[0-9]*)
		plan=${line#1..} ;;
	"#"*)
		echo "$line" ;;
	esac
done < "$TEST_DIR/unit.out"

# A crash or a sanitizer report ends the program early: no plan, or too few.
if [ $rc -eq 0 ] && [ -n "$plan" ] && [ "$plan" -eq $count ] && [ $count -gt 0 ]; then
	tap ok "unit-test ran its $plan tests and exited 0"
else
	tap "not ok" "unit-test ran its ${plan:-?} tests and exited 0"
	diag "  make test exited $rc after $count tests; output that is not TAP:"
	grep -Ev '^(not )?ok [0-9]+ - |^1\.\.[0-9]+$|^#' "$TEST_DIR/unit.out" | head -40 |
		sed 's/^/#   /'
fi
done_testing
