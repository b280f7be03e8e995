#!/bin/bash
# Every new source file, kernel and user space, is clean under
# checkpatch.pl --strict of the base on its own; tests/host/series.t checks
# each patch of the series as mailed.
. "$(dirname "$0")/../../harness/testlib.sh"

checkpatch=$SAVEOOPS_BASE/scripts/checkpatch.pl
[ -f "$checkpatch" ] || "$SAVEOOPS_TOP/harness/compose.sh" 2>/dev/null

run()
{
	local desc=$1 out

	shift
	if out=$(perl "$checkpatch" --strict -q "$@" 2>&1); then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		echo "$out" | head -30 | sed 's/^/#   /'
	fi
}

# Exceptions, each with its reason.
ignores()
{
	case $1 in
	# The crash injector exists to call BUG() on request.
	kernel/kexec/crash_inject.c)	echo --ignore AVOID_BUG ;;
	esac
}

while read -r f; do
	run "checkpatch --strict: $f" --no-tree $(ignores "$f") -f "$SAVEOOPS_TOP/$f"
done < <(cd "$SAVEOOPS_TOP" && git ls-files --cached --others --exclude-standard \
	'kernel/*.[ch]' 'arch/*.[ch]' 'include/*.h' 'lib/*.[ch]' 'init/*.[ch]')

# User space (tools/saveoops and its tests) is C11 against libc: no kernel types or
# macros (u64, BIT(), __printf(), ARRAY_SIZE from the kernel), <inttypes.h>
# and <elf.h> names, and help texts split across lines.
userspace=PREFER_KERNEL_TYPES,BIT_MACRO,CAMELCASE,PREFER_DEFINED_ATTRIBUTE_MACRO
userspace=$userspace,SPLIT_STRING,EMBEDDED_FUNCTION_NAME
while read -r f; do
	run "checkpatch --strict: $f" --no-tree --ignore "$userspace" -f "$SAVEOOPS_TOP/$f"
done < <(cd "$SAVEOOPS_TOP" && git ls-files --cached --others --exclude-standard \
	':(glob)tools/saveoops/*.[ch]' ':(glob)tools/saveoops/tests/*.[ch]')
done_testing
