#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The early image is an ordinary loaded crash kernel to userspace:
# kexec -s -p replaces it and holds the reservation in its place, and
# kexec -p -u unloads it and frees the reservation. It leaves no crash
# kernel loaded, so it runs after the tests that need the early image.

DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=kexec_early_lib.sh
. "$DIR/kexec_early_lib.sh"

CMDLINE=${KEXEC_CMDLINE:-"irqpoll nr_cpus=1 reset_devices"}

ktap_print_header
require_root
require_cmd kexec
require_feature
require_early_loaded
[ -r "$KERNEL_IMAGE" ] ||
	skip_all "no kernel image $KERNEL_IMAGE to load (set KERNEL_IMAGE)"
ktap_set_plan 7

check "the early image holds the reservation" reservation_held
check "kexec -s -p loads $KERNEL_IMAGE over it" \
	kexec -s -p "$KERNEL_IMAGE" --command-line="$CMDLINE"
check "kexec_crash_loaded is still 1" [ "$(cat "$CRASH_LOADED")" = 1 ]
check "the new image holds the reservation" reservation_held
check "kexec -p -u unloads it" kexec -p -u
check "kexec_crash_loaded is 0" [ "$(cat "$CRASH_LOADED")" = 0 ]
check "nothing holds the reservation any more" rewrite_size
ktap_finished
