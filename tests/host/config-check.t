#!/bin/bash
# build-kernel.sh refuses a config fragment whose options olddefconfig drops,
# and names them; a later fragment overrides an earlier one; the real
# fragment passes.
. "$(dirname "$0")/../../harness/testlib.sh"

frag=$TEST_DIR/bad.config
cat "$SAVEOOPS_TOP/config/qemu-x86_64.config" > "$frag"
cat >> "$frag" <<'EOF2'
# Depends on KEXEC_SIG and SIGNED_PE_FILE_VERIFICATION, neither set here.
CONFIG_KEXEC_BZIMAGE_VERIFY_SIG=y
CONFIG_SAVEOOPS_NO_SUCH_OPTION=y
EOF2

rc=0
"$SAVEOOPS_TOP/harness/build-kernel.sh" --config-only "$frag" > "$TEST_DIR/bad.out" 2>&1 || rc=$?
[ $rc -ne 0 ] && tap ok "a dropped option fails the build" ||
	tap "not ok" "a dropped option fails the build"
for opt in CONFIG_KEXEC_BZIMAGE_VERIFY_SIG=y CONFIG_SAVEOOPS_NO_SUCH_OPTION=y; do
	if grep -q "'$opt' did not survive olddefconfig" "$TEST_DIR/bad.out"; then
		tap ok "names $opt"
	else
		tap "not ok" "names $opt"
		sed 's/^/#   /' "$TEST_DIR/bad.out"
	fi
done

# A later fragment may turn off what an earlier one turned on.
cat > "$TEST_DIR/off.config" <<'EOF2'
# CONFIG_CRASH_EARLY_LOAD is not set
# CONFIG_CRASH_EARLY_INJECT is not set
# CONFIG_CRASH_EARLY_KUNIT_TEST is not set
EOF2
rc=0
"$SAVEOOPS_TOP/harness/build-kernel.sh" --config-only \
	"$SAVEOOPS_TOP/config/qemu-x86_64.config" "$TEST_DIR/off.config" \
	> "$TEST_DIR/off.out" 2>&1 || rc=$?
[ $rc -eq 0 ] && tap ok "a later fragment overrides an earlier one" || {
	tap "not ok" "a later fragment overrides an earlier one"
	sed 's/^/#   /' "$TEST_DIR/off.out"
}

rc=0
"$SAVEOOPS_TOP/harness/build-kernel.sh" --config-only > "$TEST_DIR/good.out" 2>&1 || rc=$?
[ $rc -eq 0 ] && tap ok "the project fragment passes" || {
	tap "not ok" "the project fragment passes"
	sed 's/^/#   /' "$TEST_DIR/good.out"
}
done_testing
