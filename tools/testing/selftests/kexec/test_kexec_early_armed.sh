#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel loaded the crash kernel itself during boot: by the time
# userspace runs, kexec_crash_loaded is 1, the crashkernel= region is in
# /proc/iomem and holds the image, and the loader said so in one line.

DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=kexec_early_lib.sh
. "$DIR/kexec_early_lib.sh"

ktap_print_header
require_feature
require_armed_boot
ktap_set_plan 6

check "kexec_crash_loaded is 1" [ "$(cat "$CRASH_LOADED")" = 1 ]
check "a Crash kernel region is in /proc/iomem" grep -q ' : Crash kernel$' /proc/iomem

armed=$(grep -c 'crash_early: armed in ' "$EARLY_LOG")
check "one armed line in the kernel log (found $armed)" [ "$armed" -eq 1 ]
grep 'crash_early: ' "$EARLY_LOG" | sed 's/^/# /'
check "no line says it was not armed" sh -c "! grep -q 'crash_early: not armed' $EARLY_LOG"

# "in [mem 0x2f000000-0x3effffff]" is the region /proc/iomem lists.
mem='in \[mem 0x\([0-9a-f]*\)-0x\([0-9a-f]*\)\]'
region=$(sed -n "s/.*crash_early: armed in .* $mem.*/\\1-\\2/p" "$EARLY_LOG")
check "the armed line names the Crash kernel region ($region)" \
	grep -q "^ *0*${region:-none} : Crash kernel$" /proc/iomem
check "the image holds the reservation: kexec_crash_size cannot be rewritten" \
	reservation_held
ktap_finished
