#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the early load spends its time: boot once with crashkernel=256M and
# a payload (by default this bzImage, the guest initramfs as its initrd),
# sample the guest's instruction pointer through the QEMU monitor while it
# boots, and print the functions sampled between the first and the last
# sample in the load path, with their share, then the shares of hashing,
# copying, clearing and the rest ("breakdown: hash H copy C zero Z rest R").
# Under TCG the guest clock follows the host's, so the shares are shares of
# the load's time.
#
#   harness/profile-arm.sh [SECONDS [PAYLOAD [DIR]]]
#
# SECONDS of sampling (20), PAYLOAD a payload cpio (as saveoops-mkpayload
# writes), DIR for the boot's files ($SAVEOOPS_OUT/profile-arm).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=${3:-$SAVEOOPS_OUT/profile-arm}
rm -rf "$dir"
mkdir -p "$dir"
if [ -n "${2:-}" ]; then
	cp "$2" "$dir/payload.cpio"
else
	pack_payload "$dir/payload.cpio" "$SAVEOOPS_BZIMAGE" "$SAVEOOPS_OUT/guest.cpio.gz"
fi
cat "$dir/payload.cpio" "$SAVEOOPS_OUT/guest.cpio.gz" > "$dir/initrd"
python3 "$SAVEOOPS_TOP/harness/profile-arm.py" "${1:-20}" "$dir" "$SAVEOOPS_BZIMAGE" \
	"$dir/initrd" "$SAVEOOPS_BUILD/System.map"
grep -a 'crash_early: armed' "$dir/serial.log"
