#!/bin/bash
# The saveoops host unit tests (tools/saveoops/tests/unit.c), built with
# ASan and UBSan: the ELF core reader, the printk ring decoder on synthetic
# cores whose ring layouts only VMCOREINFO describes, and the crash record
# store, torn writes included. Their TAP lines are numbered into this test's.
# Then the fuzzers' seeds, committed corpus and cached corpus, replayed without
# libFuzzer.
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

# The fuzzers' seeds, the corpus committed in tools/saveoops/tests/corpus
# (minimised with libFuzzer's -merge=1: a fresh clone without clang runs
# it) and the corpus saveoops-fuzz.t keeps in the cache, replayed through
# the same harnesses without libFuzzer: any compiler, the same checks and
# sanitizers.
corpus=$SAVEOOPS_CACHE/tools-test/corpus
committed=$SAVEOOPS_TOP/tools/saveoops/tests/corpus
rm -rf "$TEST_DIR/seeds"

# replay NAME WHAT DIR...: one TAP line for replay-NAME over the DIRs.
replay()
{
	local name=$1 what=$2 log=$TEST_DIR/replay-$1-${2// /-}.out

	shift 2
	if "$out/replay-$name" "$@" > "$log" 2>&1; then
		tap ok "replay-$name: $what: $(tail -n 1 "$log")"
	else
		tap "not ok" "replay-$name: $what"
		grep -m1 -A20 -E '^==[0-9]+==|runtime error:' "$log" | sed 's/^/#   /'
		grep -m1 '^replay: aborted on ' "$log" | sed 's/^/#   /'
	fi
}

if make -s -C "$SAVEOOPS_TOP/tools/saveoops" OUTPUT="$out/" "$out/replay-vmcore" \
	"$out/replay-store" > "$TEST_DIR/replay.out" 2>&1 &&
   "$out/unit-test" --write-seeds "$TEST_DIR/seeds" >> "$TEST_DIR/replay.out" 2>&1; then
	for name in vmcore store; do
		if [ -n "$(ls -A "$committed/$name" 2> /dev/null)" ]; then
			replay $name "seeds and committed corpus" "$TEST_DIR/seeds/$name" \
				"$committed/$name"
		else
			tap "not ok" "replay-$name: no committed corpus in $committed/$name"
		fi
		[ -d "$corpus/$name" ] && replay $name "cached corpus" "$corpus/$name"
	done
else
	tap "not ok" "build the replay programs and write the seeds"
	sed 's/^/#   /' "$TEST_DIR/replay.out" | head -20
fi
done_testing
