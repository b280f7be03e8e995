#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The crash half of a test in two boots, as selftests/pstore does it: on
# request only, write a marker to the kernel log, leave a flag for the next
# boot and crash with sysrq-c. The early image's capture kernel is expected
# to save the log (saveoops-capture, Documentation/admin-guide/kdump/
# saveoops.rst) and reboot; test_kexec_early_post_crash.sh then checks the
# saved record. Without --crash it skips, so a plain run never crashes:
#
#   KSELFTEST_TEST_KEXEC_EARLY_CRASH_SH_ARGS=--crash \
#	./run_kselftest.sh -t kexec:test_kexec_early_crash.sh
#
# The flag lives in the test directory, or in $KEXEC_EARLY_STATE_DIR when
# the test directory does not survive a reboot.

DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=kexec_early_lib.sh
. "$DIR/kexec_early_lib.sh"

ktap_print_header
[ "${1:-}" = --crash ] ||
	skip_all "it crashes the machine: run it with --crash" \
		"(KSELFTEST_TEST_KEXEC_EARLY_CRASH_SH_ARGS=--crash)"
require_root
require_feature
require_early_loaded
[ -w /proc/sysrq-trigger ] || skip_all "no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ)"
ktap_set_plan 1

id="$$-$(date +%s)"
if ! echo "$id" > "$CRASH_FLAG"; then
	ktap_test_fail "leave the flag $CRASH_FLAG for the next boot"
	ktap_finished
fi
echo "kexec_early_crash: crashing on request, id $id" > /dev/kmsg
sync
ktap_print_msg "crashing with sysrq-c; after the reboot run test_kexec_early_post_crash.sh"
echo c > /proc/sysrq-trigger
sleep 10
rm -f "$CRASH_FLAG"
ktap_test_fail "the machine crashed"
ktap_finished
