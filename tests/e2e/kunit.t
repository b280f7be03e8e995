#!/bin/bash
# The KUnit suites of saveoops, run in the guest at boot (the code under
# test is __init): each KTAP result on the console becomes a TAP line here.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	pass "booted after the KUnit run"
}
GUEST
boot_guest --append "kunit.enable=1 kunit.filter_glob=crash_early"

# Strip the printk time stamps; keep the KTAP lines and their indentation.
sed -n 's/^\[ *[0-9.]*\] //p' "$TEST_LOG" > "$TEST_DIR/ktap.txt"
# A result belongs to the "# Subtest:" declared at its own indentation.
declare -A subtest
results=0
while IFS= read -r line; do
	body=${line#"${line%%[! ]*}"}
	indent=$(( ${#line} - ${#body} ))
	case "$body" in
	"# Subtest: "*)
		subtest[$indent]=${body#"# Subtest: "} ;;
	"not ok "*)
		tap "not ok" "kunit: ${subtest[$indent]:+${subtest[$indent]}: }${body#not ok [0-9]* }"
		results=$((results + 1)) ;;
	"ok "*)
		tap ok "kunit: ${subtest[$indent]:+${subtest[$indent]}: }${body#ok [0-9]* }"
		results=$((results + 1)) ;;
	esac
done < <(grep -E '^ *(# Subtest: |(not )?ok [0-9]+ )' "$TEST_DIR/ktap.txt")

# 16 lookup cases, 16 command line cases, 3 tests, 1 suite.
if [ $results -eq 36 ]; then
	tap ok "kunit: all 36 results reported"
else
	tap "not ok" "kunit: all 36 results reported"
	diag "  got $results KTAP results (log: $TEST_LOG)"
fi
done_testing
