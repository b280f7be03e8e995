#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# crash_early_load=off on the kernel command line: the kernel loads no
# crash kernel, says so in one line, and keeps the crashkernel= memory for
# a later kexec -p.

DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=kexec_early_lib.sh
. "$DIR/kexec_early_lib.sh"

ktap_print_header
require_feature
early_off || skip_all "crash_early_load=off is not on the kernel command line"
ktap_set_plan 4

check "kexec_crash_loaded is 0" [ "$(cat "$CRASH_LOADED")" = 0 ]
off=$(grep -c 'crash_early: not armed: crash_early_load=off$' "$EARLY_LOG")
check "one line says crash_early_load=off (found $off)" [ "$off" -eq 1 ]
check "no armed line" sh -c "! grep -q 'crash_early: armed' $EARLY_LOG"
if [ -n "$(cmdline_value crashkernel)" ]; then
	check "the crashkernel= memory is still reserved" \
		[ "$(cat "$CRASH_SIZE")" -gt 0 ]
else
	ktap_test_skip "the crashkernel= memory is still reserved: no crashkernel="
fi
ktap_finished
