#!/bin/bash
# libFuzzer runs of the saveoops readers (tools/saveoops/tests/fuzz-*.c),
# with ASan and UBSan, FUZZ_SECONDS each (default 20), from seeds the unit
# test program writes (valid synthetic cores and store images), the corpus
# committed in tools/saveoops/tests/corpus and the one earlier runs kept in
# the cache (new inputs go there). A crash, leak, timeout or
# out-of-memory fails the run; its input and the head of the report are
# shown.
. "$(dirname "$0")/../../harness/testlib.sh"

command -v clang > /dev/null || { echo "1..0 # SKIP clang (libFuzzer) is not installed"; exit 0; }

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
out=$SAVEOOPS_CACHE/tools-test/fuzz
corpus=$SAVEOOPS_CACHE/tools-test/corpus
mkdir -p "$out"

# step DESCRIPTION COMMAND...: one TAP line; the command's output if it fails.
step()
{
	local desc=$1 rc=0

	shift
	"$@" > "$TEST_DIR/step.out" 2>&1 || rc=$?
	if [ $rc -eq 0 ]; then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		tail -n 40 "$TEST_DIR/step.out" | sed 's/^/#   /'
	fi
	return $rc
}

if ! step "build the fuzzers and the seed writer" \
	make -s -C "$SAVEOOPS_TOP/tools/saveoops" OUTPUT="$out/" fuzz "$out/unit-test"; then
	done_testing
	exit
fi
step "write the seeds" "$out/unit-test" --write-seeds "$TEST_DIR/seeds"

# fuzz NAME: run fuzz-NAME on its corpus and seeds for FUZZ_SECONDS.
fuzz()
{
	local name=$1 dir=$TEST_DIR/$1 log=$TEST_DIR/$1.log rc=0 found runs speed

	mkdir -p "$dir" "$corpus/$name"
	(cd "$dir" && "$out/fuzz-$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/" \
		"$corpus/$name" "$TEST_DIR/seeds/$name" \
		"$SAVEOOPS_TOP/tools/saveoops/tests/corpus/$name") > "$log" 2>&1 || rc=$?
	found=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
		-name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | head -1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ $rc -eq 0 ] && [ -z "$found" ] && [ -n "$runs" ]; then
		tap ok "fuzz-$name: ${FUZZ_SECONDS}s without a crash, leak or timeout"
		diag "  $runs runs, $speed per second, corpus $(ls "$corpus/$name" | wc -l) inputs"
		return
	fi
	tap "not ok" "fuzz-$name: ${FUZZ_SECONDS}s without a crash, leak or timeout"
	diag "  exit $rc; input: ${found:-none saved}; log: $log"
	grep -m1 -A30 -E '^==[0-9]+==|runtime error:|ERROR: libFuzzer|deadly signal' "$log" |
		head -30 | sed 's/^/#   /'
}

fuzz vmcore
fuzz store
done_testing
