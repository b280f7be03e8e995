#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The capture program decodes the printk ring of a crashed kernel from
# VMCOREINFO alone. Run on /proc/kcore, which carries the running kernel's
# VMCOREINFO, it must print the log dmesg prints: the same records, byte
# for byte. The log grows meanwhile, so the records common to a dmesg taken
# before and one taken after are compared.

DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=kexec_early_lib.sh
. "$DIR/kexec_early_lib.sh"

CAPTURE=${SAVEOOPS_CAPTURE:-saveoops-capture}
TMP=${TMPDIR:-/tmp}/kexec_early_kcore.$$

ktap_print_header
require_root
require_cmd "$CAPTURE"
[ -r /proc/kcore ] || skip_all "no /proc/kcore (CONFIG_PROC_KCORE)"
grep -q '\[\(integrity\|confidentiality\)\]' /sys/kernel/security/lockdown 2>/dev/null &&
	skip_all "the kernel is locked down: /proc/kcore cannot be read"
mkdir -p "$TMP" || skip_all "cannot create $TMP"
trap 'rm -rf "$TMP" "$EARLY_LOG"' EXIT
ktap_set_plan 4

marker="kexec_early_kcore: marker $$ $(date +%s)"
echo "$marker" > /dev/kmsg
dmesg > "$TMP/before"
"$CAPTURE" --print --vmcore /proc/kcore > "$TMP/kcore" 2> "$TMP/err"
rc=$?
dmesg > "$TMP/after"
sed 's/^/# /' "$TMP/err"

check "$CAPTURE --print --vmcore /proc/kcore exits 0 (got $rc)" [ $rc -eq 0 ]
check "its log has the line written to /dev/kmsg before" grep -qF "$marker" "$TMP/kcore"

# From the oldest record still in the ring at the end (the ring may have
# wrapped) to the newest one dmesg showed before.
first=$(head -n 1 "$TMP/after")
at=$(grep -nxF -m 1 -e "$first" "$TMP/kcore" | cut -d: -f1)
from=$(grep -nxF -m 1 -e "$first" "$TMP/before" | cut -d: -f1)
if [ -n "$at" ] && [ -n "$from" ]; then
	tail -n "+$from" "$TMP/before" > "$TMP/want"
	tail -n "+$at" "$TMP/kcore" | head -n "$(wc -l < "$TMP/want")" > "$TMP/got"
fi
if [ -n "$at" ] && [ -n "$from" ]; then
	ktap_test_pass "the oldest record dmesg shows is in both logs"
else
	ktap_test_fail "the oldest record dmesg shows is in both logs"
	echo "# $first"
fi
lines=$(wc -l < "$TMP/want" 2>/dev/null)
if cmp -s "$TMP/want" "$TMP/got"; then
	ktap_test_pass "the ${lines:-0} records dmesg printed are the same in the kcore log"
else
	ktap_test_fail "the ${lines:-0} records dmesg printed are the same in the kcore log"
	diff "$TMP/want" "$TMP/got" 2>&1 | head -n 20 | sed 's/^/# /'
fi
ktap_finished
