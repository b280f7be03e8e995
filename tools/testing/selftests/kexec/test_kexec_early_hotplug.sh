#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The early image is marked for crash hotplug as a kexec_file_load(2) image
# is (crash_hotplug is 1), and CPU 1 going offline and online again leaves
# it loaded and still marked.

DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=kexec_early_lib.sh
. "$DIR/kexec_early_lib.sh"

CPU1=/sys/devices/system/cpu/cpu1/online

ktap_print_header
require_root
require_feature
require_early_loaded
[ -r "$CRASH_HOTPLUG" ] ||
	skip_all "no $CRASH_HOTPLUG: the kernel has no CONFIG_CRASH_HOTPLUG"
[ -w "$CPU1" ] || skip_all "CPU 1 is missing or cannot go offline"
[ "$(cat "$CPU1")" = 1 ] || skip_all "CPU 1 is offline"
trap 'echo 1 > $CPU1 2>/dev/null; rm -f "$EARLY_LOG"' EXIT
ktap_set_plan 6

check "crash_hotplug is 1 for the early image" \
	[ "$(cat "$CRASH_HOTPLUG")" = 1 ]
check "CPU 1 goes offline" sh -c "echo 0 > $CPU1 && [ \$(cat $CPU1) = 0 ]"
check "the image is still loaded with CPU 1 offline" [ "$(cat "$CRASH_LOADED")" = 1 ]
check "CPU 1 comes back online" sh -c "echo 1 > $CPU1 && [ \$(cat $CPU1) = 1 ]"
check "the image is still loaded" [ "$(cat "$CRASH_LOADED")" = 1 ]
check "crash_hotplug is still 1" [ "$(cat "$CRASH_HOTPLUG")" = 1 ]
ktap_finished
