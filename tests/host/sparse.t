#!/bin/bash
# Sparse (make C=2) reports nothing on the new kernel files and on every C
# file the series patches, beyond three warnings init/main.c has upstream.
# A make that fails (a build error, sparse missing or crashing) fails too.
. "$(dirname "$0")/../../harness/testlib.sh"

command -v sparse >/dev/null || { echo "1..0 # SKIP sparse is not installed"; exit 0; }
[ -f "$SAVEOOPS_BUILD/.config" ] || "$SAVEOOPS_TOP/harness/build-kernel.sh" >/dev/null
kbuild_env

# Upstream's own, present in 6.12 before any patch.
known_upstream()
{
	grep -Ev "init/main\.c:[0-9:]+ warning: (symbol 'envp_init' was not declared|cast to restricted __le32)"
}

objects()
{
	sed -n 's|^+++ b/\(.*\)\.c$|\1.o|p' "$SAVEOOPS_TOP"/patches/*.patch
	(cd "$SAVEOOPS_TOP" && git ls-files --cached --others --exclude-standard 'kernel/*.c' 'arch/*.c' |
		sed 's/\.c$/.o/')
}

for obj in $(objects | sort -u); do
	# Skip objects this configuration does not build.
	# The same make variables as build-kernel.sh, so nothing is rebuilt.
	rc=0
	make -s -C "$SAVEOOPS_TREE" O="$SAVEOOPS_BUILD" CC="ccache gcc" HOSTCC="ccache gcc" C=2 "$obj" \
		> "$TEST_DIR/sparse.out" 2>&1 || rc=$?
	warnings=$(grep -E ':[0-9]+:[0-9]+: (warning|error):' "$TEST_DIR/sparse.out" | known_upstream)
	# Kbuild compiles any single object asked for, configured or not: an
	# object the kernel build did not make is not in this configuration.
	if [ ! -f "$SAVEOOPS_BUILD/$obj" ] ||
	   grep -qF "No rule to make target '$obj'" "$TEST_DIR/sparse.out"; then
		tap ok "sparse: $obj # SKIP not built in this configuration"
	elif [ $rc -ne 0 ]; then
		# A failed build or sparse run checked nothing.
		tap "not ok" "sparse: $obj"
		diag "  make C=2 exited $rc"
		tail -n 10 "$TEST_DIR/sparse.out" | sed 's/^/#   /'
	elif [ -z "$warnings" ]; then
		tap ok "sparse: $obj"
	else
		tap "not ok" "sparse: $obj"
		echo "$warnings" | head -10 | sed 's/^/#   /'
	fi
done
done_testing
