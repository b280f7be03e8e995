#!/bin/bash
# The patched tree builds with the feature off, and with kexec_file and
# crash dumps off altogether: the hooks the series adds to start_kernel(),
# kexec_file and the crash code compile away cleanly. (The feature on is the
# kernel every other test boots; series-build.t builds it from the series.)
. "$(dirname "$0")/../../harness/testlib.sh"

# variant NAME DESCRIPTION: build-kernel.sh with $TEST_DIR/NAME.config in
# $SAVEOOPS_CACHE/build-NAME, started from a copy of the test kernel's
# objects (kbuild then recompiles only what sees the options that differ;
# built from nothing, the two variants were 18 of the 80 minutes of a cold
# make check); the early loader must not be in the kernel.
variant()
{
	local name=$1 desc=$2 build=$SAVEOOPS_CACHE/build-$1 rc=0

	SAVEOOPS_BUILD_FROM=$SAVEOOPS_BUILD SAVEOOPS_BUILD=$build \
		"$SAVEOOPS_TOP/harness/build-kernel.sh" "$TEST_DIR/$name.config" \
		> "$TEST_DIR/$name.out" 2>&1 || rc=$?
	if [ $rc -eq 0 ]; then
		tap ok "the kernel builds with $desc"
	else
		tap "not ok" "the kernel builds with $desc"
		tail -20 "$TEST_DIR/$name.out" | sed 's/^/#   /'
		return
	fi
	if grep -q ' crash_early_' "$build/System.map"; then
		tap "not ok" "$desc: no early loader in the kernel"
	else
		tap ok "$desc: no early loader in the kernel"
	fi
}

fragment=$SAVEOOPS_TOP/config/qemu-x86_64.config
{
	cat "$fragment"
	printf '# CONFIG_%s is not set\n' CRASH_EARLY_LOAD CRASH_EARLY_INJECT \
		CRASH_EARLY_KUNIT_TEST
} > "$TEST_DIR/off.config"
variant off "CONFIG_CRASH_EARLY_LOAD=n"

# Without kexec and crash dumps, nothing the test fragment enables for them
# can stay.
{
	grep -v -E '^CONFIG_(KEXEC|CRASH|PROC_VMCORE)' "$fragment"
	printf '# CONFIG_%s is not set\n' KEXEC KEXEC_FILE CRASH_DUMP
} > "$TEST_DIR/nokexec.config"
variant nokexec "CONFIG_KEXEC_FILE=n and CONFIG_CRASH_DUMP=n"
if [ -f "$SAVEOOPS_CACHE/build-nokexec/System.map" ] &&
	! grep -q ' kexec_file_load_bufs$' "$SAVEOOPS_CACHE/build-nokexec/System.map"; then
	tap ok "CONFIG_KEXEC_FILE=n: no kexec_file code in the kernel"
else
	tap "not ok" "CONFIG_KEXEC_FILE=n: no kexec_file code in the kernel"
fi
done_testing
