#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the tests of early crash kernel loading
# (CONFIG_CRASH_EARLY_LOAD, Documentation/admin-guide/kdump/early.rst).
# Sourced by a test after it set DIR to its own directory. Results are KTAP
# through kselftest/ktap_helpers.sh; a test that cannot run here says why
# and exits with the kselftest SKIP code.

# shellcheck disable=SC2034 # the variables here are for the tests
KTAP_HELPERS="$DIR/../kselftest/ktap_helpers.sh"
if [ ! -r "$KTAP_HELPERS" ]; then
	echo "# $KTAP_HELPERS not found [SKIP]"
	exit 4
fi
# shellcheck source=../kselftest/ktap_helpers.sh
. "$KTAP_HELPERS"

CRASH_LOADED=/sys/kernel/kexec_crash_loaded
CRASH_SIZE=/sys/kernel/kexec_crash_size
CRASH_HOTPLUG=/sys/devices/system/cpu/crash_hotplug
KERNEL_IMAGE=${KERNEL_IMAGE:-/boot/vmlinuz-$(uname -r)}
# Where the crash test leaves its flag for the test run after the reboot:
# the test directory, as selftests/pstore does, unless told otherwise.
STATE_DIR=${KEXEC_EARLY_STATE_DIR:-$DIR}
CRASH_FLAG=$STATE_DIR/kexec_early_crash.flag
EARLY_LOG=${TMPDIR:-/tmp}/kexec_early_log.$$

# The loader's own lines, read once: "crash_early: armed in ..." or
# "crash_early: not armed: <why>".
dmesg 2>/dev/null | grep 'crash_early: ' > "$EARLY_LOG"
trap 'rm -f "$EARLY_LOG"' EXIT

skip_all()
{
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

# check DESCRIPTION COMMAND...: one KTAP result from a command's status.
check()
{
	desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

require_root()
{
	[ "$(id -u)" -eq 0 ] || skip_all "must be run as root"
}

require_cmd()
{
	command -v "$1" > /dev/null 2>&1 || skip_all "$1 not found in PATH"
}

# The running kernel's config, when it exports one (CONFIG_IKCONFIG_PROC).
config_unset()
{
	[ -r /proc/config.gz ] && ! gunzip -c /proc/config.gz | grep -q "^$1=y"
}

# The kernel can arm itself: kdump and CONFIG_CRASH_EARLY_LOAD are built in.
require_feature()
{
	[ -r "$CRASH_LOADED" ] ||
		skip_all "no $CRASH_LOADED: the kernel has no kdump (CONFIG_CRASH_DUMP)"
	if config_unset CONFIG_CRASH_EARLY_LOAD; then
		skip_all "the kernel is built without CONFIG_CRASH_EARLY_LOAD"
	fi
}

# cmdline_value NAME: the last NAME= value on the kernel command line.
cmdline_value()
{
	tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n 1
}

early_off()
{
	case $(cmdline_value crash_early_load) in
	0|off|n|N|no|false) return 0 ;;
	esac
	return 1
}

# This boot was meant to arm: the switch is on, memory is reserved and the
# loader spoke (it is silent only when the boot had no payload at all).
require_armed_boot()
{
	early_off && skip_all "crash_early_load=off is on the kernel command line"
	[ "$(cat "$CRASH_SIZE")" -gt 0 ] ||
		skip_all "no crashkernel= memory is reserved"
	[ -s "$EARLY_LOG" ] ||
		skip_all "no crash_early: line in the kernel log: this boot had no early payload"
}

# The early image is still the loaded crash kernel, as far as one can tell.
require_early_loaded()
{
	require_armed_boot
	grep -q 'crash_early: armed in ' "$EARLY_LOG" ||
		skip_all "the early payload was not armed: $(head -n 1 "$EARLY_LOG")"
	[ "$(cat "$CRASH_LOADED")" = 1 ] ||
		skip_all "the early image was unloaded before this test"
}

# Writing the reservation's own size back succeeds only when no crash
# kernel is loaded in it (the kernel refuses to resize under an image).
rewrite_size()
{
	(size=$(cat "$CRASH_SIZE") && echo "$size" > "$CRASH_SIZE") 2> /dev/null
}

reservation_held()
{
	! rewrite_size
}
