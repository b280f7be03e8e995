#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build stock 6.12, the base without the series, with the guest fragment
# (config/qemu-x86_64.config) less the options the series adds, so that
# make bench can compare kexec -s -p on the series against the kernel it
# changes. Prints the bzImage's path. The base tree is only read: the
# objects go to $SAVEOOPS_CACHE/build-stock.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kbuild_env

build=$SAVEOOPS_CACHE/build-stock

kmake()
{
	nice -n "${SAVEOOPS_NICE:-0}" make -s -C "$SAVEOOPS_BASE" O="$1" \
		CC="ccache gcc" HOSTCC="ccache gcc" -j"$(nproc)" "${@:2}"
}

# The fragment's lines whose symbol the base's Kconfig files define.
stock_fragment()
{
	local line sym known

	known=$(grep -rhE --include='Kconfig*' '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' \
		"$SAVEOOPS_BASE" | awk '{ print "CONFIG_" $2 }' | sort -u)
	while IFS= read -r line; do
		sym=$(sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p' \
			-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' <<< "$line")
		[ -n "$sym" ] || continue
		grep -qxF "$sym" <<< "$known" && echo "$line"
	done < "$SAVEOOPS_TOP/config/qemu-x86_64.config"
	return 0
}

# The unpacked base, as every other build uses it.
"$SAVEOOPS_TOP/harness/compose.sh" >&2
mkdir -p "$build"
exec 9> "$build.lock"
flock 9
stock_fragment > "$build.fragment"
rm -rf "$build.kconfig"
mkdir -p "$build.kconfig"
kmake "$build.kconfig" tinyconfig > /dev/null
"$SAVEOOPS_BASE/scripts/kconfig/merge_config.sh" -m -Q -O "$build.kconfig" \
	"$build.kconfig/.config" "$build.fragment" > /dev/null
kmake "$build.kconfig" olddefconfig > /dev/null
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF -- "$line" "$build.kconfig/.config" ||
			die "stock: '$line' did not survive olddefconfig" ;;
	esac
done < "$build.fragment"
cmp -s "$build.kconfig/.config" "$build/.config" ||
	cp "$build.kconfig/.config" "$build/.config"
kmake "$build" bzImage >&2
note "built stock $(make -s -C "$SAVEOOPS_BASE" kernelversion) at $build"
echo "$build/arch/x86/boot/bzImage"
