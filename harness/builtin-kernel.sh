#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# builtin-kernel.sh KERNEL INITRD CMDLINE: build the guest kernel with this
# crash kernel, initramfs and command line built in (CONFIG_CRASH_EARLY_BUILTIN),
# lockdown and forced kexec signatures, and print the bzImage's path. The files are copied to the cache only when
# they change, so an unchanged payload does not relink the kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$SAVEOOPS_CACHE/builtin
mkdir -p "$dir"
cmp -s "$1" "$dir/vmlinuz" || cp "$1" "$dir/vmlinuz"
cmp -s "$2" "$dir/initrd" || cp "$2" "$dir/initrd"
cat > "$dir/paths.config" <<EOF2
CONFIG_CRASH_EARLY_BUILTIN_KERNEL="$dir/vmlinuz"
CONFIG_CRASH_EARLY_BUILTIN_INITRD="$dir/initrd"
CONFIG_CRASH_EARLY_BUILTIN_CMDLINE="$3"
EOF2

# The forced-signature variant first; this one starts from its objects.
"$SAVEOOPS_TOP/harness/sig-kernel.sh" --force > /dev/null
export SAVEOOPS_BUILD_FROM=$SAVEOOPS_CACHE/build-sigforce
export SAVEOOPS_BUILD=$SAVEOOPS_CACHE/build-builtin
"$SAVEOOPS_TOP/harness/build-kernel.sh" "$SAVEOOPS_TOP/config/qemu-x86_64.config" \
	"$SAVEOOPS_TOP/config/sig.config" "$SAVEOOPS_CACHE/sigkey/keys.config" \
	"$SAVEOOPS_TOP/config/sigforce.config" "$SAVEOOPS_TOP/config/builtin.config" \
	"$dir/paths.config" >&2
echo "$SAVEOOPS_BUILD/arch/x86/boot/bzImage"
