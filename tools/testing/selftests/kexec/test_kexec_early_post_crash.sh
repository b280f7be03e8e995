#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The check half of test_kexec_early_crash.sh, in the boot after the crash:
# the capture kernel saved the crashed kernel's log as a record that the
# saveoops CLI finds, with the sysrq panic and the marker written just
# before it. The record is then cleared, as selftests/pstore removes what it
# checked. Without the flag the crash test leaves, it skips.

DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=kexec_early_lib.sh
. "$DIR/kexec_early_lib.sh"

SAVEOOPS=${SAVEOOPS:-saveoops}
TMP=${TMPDIR:-/tmp}/kexec_early_post_crash.$$

ktap_print_header
[ -e "$CRASH_FLAG" ] ||
	skip_all "no $CRASH_FLAG: test_kexec_early_crash.sh --crash did not run before this boot"
require_root
require_cmd "$SAVEOOPS"
id=$(cat "$CRASH_FLAG")
rm -f "$CRASH_FLAG"
mkdir -p "$TMP" || skip_all "cannot create $TMP"
trap 'rm -rf "$TMP" "$EARLY_LOG"' EXIT
ktap_set_plan 5

"$SAVEOOPS" list > "$TMP/list" 2>&1
rc=$?
sed 's/^/# /' "$TMP/list"
check "saveoops list finds the store (exit $rc)" [ $rc -eq 0 ]

# The record whose log has this crash's marker.
seq=
for s in $(sed '1d;$d' "$TMP/list" | cut -d' ' -f1); do
	"$SAVEOOPS" show "$s" > "$TMP/log" 2>/dev/null || continue
	if grep -qF "kexec_early_crash: crashing on request, id $id" "$TMP/log"; then
		seq=$s
		break
	fi
done
check "a record has the marker written before the crash (id $id)" [ -n "$seq" ]
check "the record has the sysrq crash" grep -q 'sysrq: Trigger a crash' "$TMP/log"
check "the record has the panic line" \
	grep -q 'Kernel panic - not syncing: sysrq triggered crash' "$TMP/log"
check "saveoops clear removes record ${seq:-?}" "$SAVEOOPS" clear "${seq:-none}"
ktap_finished
