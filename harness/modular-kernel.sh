#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modular variant of the guest kernel, config/modular.config over
# the project fragment and the signature variant's (config/sig.config: what
# systemd needs, memory hotplug, lockdown, IMA, kexec and module signatures,
# as a distribution kernel has them): the disk drivers, ext4 and md as
# xz-compressed modules. It is the one shared variant for every test that
# needs a kernel built as a distribution builds it. The first build starts
# from a copy of the signature variant's objects (harness/sig-kernel.sh
# builds that first), so that it compiles only the drivers again.
# The kernel, its config and its modules (with modules.dep) are installed as
# a distribution lays them out:
#   $SAVEOOPS_CACHE/modular/boot/{vmlinuz,config}-RELEASE
#   $SAVEOOPS_CACHE/modular/lib/modules/RELEASE/
# and the path of the vmlinuz is printed. The installed tree is keyed by its
# inputs (the base, the series, the new kernel files, the fragments, the
# trusted key, this script), so a second call with nothing changed returns
# at once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=$SAVEOOPS_CACHE/modular
keys=$SAVEOOPS_CACHE/sigkey
frags=("$SAVEOOPS_TOP/config/qemu-x86_64.config" "$SAVEOOPS_TOP/config/sig.config"
	"$keys/keys.config" "$SAVEOOPS_TOP/config/modular.config")

inputs()
{
	local p

	cat "$SAVEOOPS_CACHE/base.version" 2>/dev/null || true
	# keys.config is missing until sig-kernel.sh has run once.
	for p in "${frags[@]}" "$0"; do
		[ ! -f "$p" ] || cat "$p"
	done
	cat "$keys/trusted.pem" 2>/dev/null || true
	while read -r p; do
		echo "patches/$p"
		cat "$SAVEOOPS_TOP/patches/$p"
	done < <(series)
	while read -r p; do
		echo "$p"
		cat "$SAVEOOPS_TOP/$p"
	done < <(kernel_new_files | LC_ALL=C sort)
}

installed()
{
	local image

	[ "$(cat "$root/stamp" 2>/dev/null)" = "$stamp" ] || return 1
	image=$(cat "$root/image" 2>/dev/null) || return 1
	[ -f "$image" ] && [ -s "$root/lib/modules/${image##*/vmlinuz-}/modules.dep" ] &&
		echo "$image"
}

stamp=$(inputs | sha256sum | cut -d' ' -f1)
installed && exit 0
mkdir -p "$SAVEOOPS_CACHE"
exec 8> "$root.lock"
flock 8
# The signature variant first: it makes the trusted key that is part of the
# stamp, and this build starts from its objects.
sig=$("$SAVEOOPS_TOP/harness/sig-kernel.sh")
stamp=$(inputs | sha256sum | cut -d' ' -f1)
installed && exit 0

kbuild_env
export SAVEOOPS_BUILD_FROM=${sig%/arch/x86/boot/bzImage} SAVEOOPS_BUILD=$SAVEOOPS_CACHE/build-modular
"$SAVEOOPS_TOP/harness/build-kernel.sh" "${frags[@]}" >&2
exec 9> "$SAVEOOPS_BUILD.lock"
flock 9
make -s -C "$SAVEOOPS_TREE" O="$SAVEOOPS_BUILD" CC="ccache gcc" HOSTCC="ccache gcc" \
	-j"$(nproc)" modules >&2
release=$(cat "$SAVEOOPS_BUILD/include/config/kernel.release")
rm -rf "$root"
mkdir -p "$root/boot"
make -s -C "$SAVEOOPS_TREE" O="$SAVEOOPS_BUILD" INSTALL_MOD_PATH="$root" \
	DEPMOD=/sbin/depmod modules_install >&2
# Build-tree links are of no use to the tests and point into the cache.
rm -f "$root/lib/modules/$release/build" "$root/lib/modules/$release/source"
[ -s "$root/lib/modules/$release/modules.dep" ] ||
	die "modules_install made no modules.dep in $root/lib/modules/$release"
cp "$SAVEOOPS_BUILD/.config" "$root/boot/config-$release"
cp "$SAVEOOPS_BUILD/System.map" "$root/boot/System.map-$release"
cp "$SAVEOOPS_BUILD/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$release"
echo "$root/boot/vmlinuz-$release" > "$root/image"
echo "$stamp" > "$root/stamp"
note "modular kernel $release: $(find "$root/lib/modules/$release" -name '*.ko*' | wc -l) modules"
echo "$root/boot/vmlinuz-$release"
