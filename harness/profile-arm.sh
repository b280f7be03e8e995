#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the early load spends its time: boot once with crashkernel=256M and
# a payload (this bzImage, the guest initramfs as its initrd), sample the
# guest's instruction pointer through the QEMU monitor while it boots, and
# print the functions sampled between the first and the last sample in the
# load path, with their share. Under TCG the guest clock follows the host's,
# so the shares are shares of the load's time.
#
#   harness/profile-arm.sh [SECONDS]    (default 20)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$SAVEOOPS_OUT/profile-arm
rm -rf "$dir"
mkdir -p "$dir"
pack_payload "$dir/payload.cpio" "$SAVEOOPS_BZIMAGE" "$SAVEOOPS_OUT/guest.cpio.gz"
cat "$dir/payload.cpio" "$SAVEOOPS_OUT/guest.cpio.gz" > "$dir/initrd"
python3 "$SAVEOOPS_TOP/harness/profile-arm.py" "${1:-20}" "$dir" "$SAVEOOPS_BZIMAGE" \
	"$dir/initrd" "$SAVEOOPS_BUILD/System.map"
grep -a 'crash_early: armed' "$dir/serial.log"
