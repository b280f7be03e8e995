# SPDX-License-Identifier: GPL-2.0
# Library for the end-to-end tests (tests/e2e/*.t). A test writes the
# guest's phase functions, boots, and asserts on what the guest reported
# and on the console log. Output is TAP; the plan comes last.
#
#   . "$(dirname "$0")/../../harness/testlib.sh"
#   guest_script <<'GUEST'
#   phase_first() { check "..." test -e /proc/iomem; }
#   GUEST
#   boot_guest --mem 1G --append "crashkernel=256M"
#   log_has "reservation" 'crashkernel reserved: .*(256 MB)'
#   done_testing

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# prove -j reads each test's standard error beside its TAP, and whenever
# there is something on it (output, or its end) it waits for that test's
# next TAP line before it looks at the other: a test that prints a build
# note and then compiles for minutes kept the other prove job from starting
# the next test (seen in a cold make check: series-build.t ended, its slot
# stayed empty while capture-distro.t built the modular kernel). make check
# hands the tests its own standard error as SAVEOOPS_TEST_STDERR: the notes
# go there, and the pipe prove reads stays open and silent until the end.
if [ -n "${SAVEOOPS_TEST_STDERR:-}" ] && { true >&"$SAVEOOPS_TEST_STDERR"; } 2> /dev/null; then
	exec {_prove_stderr}>&2 2>&"$SAVEOOPS_TEST_STDERR" {SAVEOOPS_TEST_STDERR}>&-
fi

TEST_NAME=$(basename "$(dirname "$0")")-$(basename "$0" .t)
TEST_DIR=$SAVEOOPS_OUT/tests/$TEST_NAME
TEST_LOG=$TEST_DIR/serial.log
TEST_RESULTS=$TEST_DIR/results.txt
_tap_count=0
_tap_failed=0
# Guests qemu-run.sh had to run twice, in this test and in the whole run
# (make check collects SAVEOOPS_RERUNS and prints it at the end).
_reruns=0
SAVEOOPS_RERUNS=${SAVEOOPS_RERUNS:-$SAVEOOPS_OUT/reruns}

# The tools/saveoops programs shared by the tests of the installed tool
# (install.t, hooks.t, manpages.t, saveoops-journal.t, hook-initrd.t):
# built once into one directory.
TOOLS_SRC=$SAVEOOPS_TOP/tools/saveoops
TOOLS_DIST=$SAVEOOPS_CACHE/tools-test/dist/

# tools_make ARGS...: make in tools/saveoops into $TOOLS_DIST, one make at
# a time.
tools_make()
{
	mkdir -p "$TOOLS_DIST" &&
		flock "$TOOLS_DIST.lock" make -s -C "$TOOLS_SRC" OUTPUT="$TOOLS_DIST" "$@"
}

# check DESCRIPTION COMMAND...: on the host, ok when COMMAND succeeds; its
# output follows a failure. (A guest script has its own check.)
check()
{
	local desc=$1

	shift
	if "$@" > "$TEST_DIR/check.out" 2>&1; then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		sed 's/^/#   /' "$TEST_DIR/check.out" | head -20
	fi
}

# A store file saveoops format left immutable would stop rm.
[ -d "$TEST_DIR" ] && chattr -R -f -i "$TEST_DIR" 2> /dev/null
rm -rf "$TEST_DIR"
mkdir -p "$TEST_DIR"

tap()
{
	local verdict=$1

	shift
	_tap_count=$((_tap_count + 1))
	if [ "$verdict" = ok ]; then
		echo "ok $_tap_count - $*"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_count - $*"
	fi
}

diag()
{
	echo "# $*"
}

# The guest's /test.sh, read from stdin.
guest_script()
{
	cat > "$TEST_DIR/test.sh"
	pack_test "$TEST_DIR"
}

# The time one boot gets, unless boot_guest is given --timeout. Measured
# under TCG with other tests running (guest clock, 2026-11-30): a boot that
# stays in its first kernel took at most 17 s (kselftest.t's armed boot), a
# crash and its capture at most 22 s; each limit leaves room for a busier
# host. A distro capture kernel names its own.
BOOT_TIMEOUT_FIRST=60
BOOT_TIMEOUT_CRASH=120

# boot_guest [--payload CPIO] [qemu-run.sh options]: one QEMU run, with an
# early crash payload ahead of the initrd if given; its guest results become
# TAP lines here, and the run's own verdict one more. --timeout defaults to
# BOOT_TIMEOUT_FIRST for a boot that ends in its first kernel and to
# BOOT_TIMEOUT_CRASH for one that crashes (--expect-end capture or none).
boot_guest()
{
	local rc=0 line payload= args i limit=$BOOT_TIMEOUT_FIRST

	if [ "${1:-}" = --payload ]; then
		payload=$2
		shift 2
	fi
	args=("$@")
	for ((i = 0; i < ${#args[@]}; i++)); do
		case ${args[i]} in
		--)		break ;;
		--expect-end)	[ "${args[i + 1]}" = first ] || limit=$BOOT_TIMEOUT_CRASH ;;
		esac
	done
	[ -f "$TEST_DIR/test.cpio" ] || guest_script < /dev/null
	# A --timeout in the arguments comes later and wins.
	"$SAVEOOPS_TOP/harness/qemu-run.sh" --timeout "$limit" \
		--initrd "$(guest_initrd "$TEST_DIR" "$payload")" \
		--log "$TEST_LOG" --results "$TEST_RESULTS" "$@" || rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - "*)	tap ok "${line#ok - }" ;;
		"not ok - "*)	tap "not ok" "${line#not ok - }" ;;
		"#"*)		echo "$line" ;;
		esac
	done < "$TEST_RESULTS"
	reruns_of "$TEST_RESULTS"
	case $rc in
	0|1)	tap ok "guest ran to the end" ;;
	*)	tap "not ok" "guest ran to the end"
		diag "console log tail ($TEST_LOG):"
		tail -n 25 "$TEST_LOG" | sed 's/^/#   /' ;;
	esac
}

# reruns_of RESULTS: the guest qemu-run.sh ran a second time, if it says so
# in RESULTS, is a TAP diagnostic, counts against this test and goes to the
# run's list. boot_guest calls it; so must a test that runs qemu-run.sh.
reruns_of()
{
	local line

	while IFS= read -r line; do
		case "$line" in
		"SAVEOOPS-RERUN "*)
			_reruns=$((_reruns + 1))
			diag "rerun: ${line#SAVEOOPS-RERUN }"
			echo "$0 ${1#"$TEST_DIR"/} ${line#SAVEOOPS-RERUN }" >> "$SAVEOOPS_RERUNS" ;;
		esac
	done < "$1"
}

# log_has DESCRIPTION EXTENDED-REGEX: the console log matches.
log_has()
{
	if grep -Eq -- "$2" "$TEST_LOG"; then
		tap ok "$1"
	else
		tap "not ok" "$1"
		diag "  no console line matches /$2/"
	fi
}

# log_has_after DESCRIPTION ANCHOR-REGEX EXTENDED-REGEX: a console line
# matches, after one that matches ANCHOR (the capture kernel's copy of a
# line the crashed kernel printed too, say).
log_has_after()
{
	if sed -En "/$2/,\$p" "$TEST_LOG" | grep -Eq -- "$3"; then
		tap ok "$1"
	else
		tap "not ok" "$1"
		diag "  no console line matches /$3/ after one matching /$2/"
	fi
}

# result_has DESCRIPTION EXTENDED-REGEX: a line the guest reported matches.
result_has()
{
	if grep -Eq -- "$2" "$TEST_RESULTS"; then
		tap ok "$1"
	else
		tap "not ok" "$1"
		diag "  no guest result line matches /$2/"
	fi
}

log_lacks()
{
	if grep -Eq -- "$2" "$TEST_LOG"; then
		tap "not ok" "$1"
		grep -E -- "$2" "$TEST_LOG" | head -3 | sed 's/^/#   found: /'
	else
		tap ok "$1"
	fi
}

done_testing()
{
	# One rerun is a TCG stall; more in one test is a guest that hangs.
	if [ $_reruns -gt 1 ]; then
		tap "not ok" "the guests needed at most one rerun in all"
		diag "  they needed $_reruns"
	fi
	echo "1..$_tap_count"
	[ $_tap_failed -eq 0 ]
}

# The crash regions the guest reported with report_crash_regions, one per
# line as SIZE@START, sizes in MiB, START in hex.
crash_regions()
{
	local tag range start end

	grep '^REGION ' "$TEST_RESULTS" | while read -r tag range; do
		start=$((16#${range%-*}))
		end=$((16#${range#*-}))
		printf '%dM@0x%x\n' $(((end - start + 1) >> 20)) $start
	done
}

# expect_regions DESCRIPTION [SIZE@WHERE...]: the guest's crash regions are
# exactly these, WHERE being a start address, "low" (below 4 GiB) or "high".
expect_regions()
{
	local desc=$1 got want=() r w start ok=1

	shift
	got=$(crash_regions)
	if [ "$(echo -n "$got" | grep -c .)" -ne $# ]; then
		ok=0
	fi
	for w in "$@"; do
		r=$(echo "$got" | while IFS=@ read -r size at; do
			[ "$size" = "${w%@*}" ] || continue
			start=$((at))
			case "${w#*@}" in
			low)	[ $start -lt $((1 << 32)) ] ;;
			high)	[ $start -ge $((1 << 32)) ] ;;
			*)	[ $start -eq $((${w#*@})) ] ;;
			esac && echo match
		done)
		[ -n "$r" ] || ok=0
	done
	if [ $ok -eq 1 ]; then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		diag "  want: ${*:-none}"
		diag "  got:  $(echo $got)"
	fi
}

# expect_crash_size DESCRIPTION BYTES: /sys/kernel/kexec_crash_size as reported.
expect_crash_size()
{
	local got

	got=$(sed -n 's/^CRASH_SIZE //p' "$TEST_RESULTS")
	if [ "$got" = "$2" ]; then
		tap ok "$1"
	else
		tap "not ok" "$1"
		diag "  want $2, got '${got}'"
	fi
}

# case_begin NAME: the next boot's logs go to their own directory.
case_begin()
{
	mkdir -p "$TEST_DIR/$1"
	TEST_LOG=$TEST_DIR/$1/serial.log
	TEST_RESULTS=$TEST_DIR/$1/results.txt
	diag "case $1"
}

# log_count DESCRIPTION N EXTENDED-REGEX: exactly N console lines match.
log_count()
{
	local got

	got=$(grep -Ec -- "$3" "$TEST_LOG")
	if [ "$got" -eq "$2" ]; then
		tap ok "$1"
	else
		tap "not ok" "$1"
		diag "  want $2 lines matching /$3/, got $got"
	fi
}
