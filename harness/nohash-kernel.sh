#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A kernel for make bench's lever group, never for a test: the default
# kernel with the SHA-256 of the segments' data left out of the kexec_file
# digest (purgatory would refuse such a kernel's capture kernel at crash
# time). Its armed boot to /init is the best that taking the digest off the
# boot path (computed on another CPU once SMP is up, or later) could give.
#
# It builds in $SAVEOOPS_CACHE/build-nohash, from a copy of the default
# kernel's objects, with the composed tree's kernel/kexec_file.c edited for
# the build and put back afterwards with its old time stamp, so that the
# default kernel does not rebuild. It holds compose.sh's lock meanwhile; do
# not run it while another kernel builds (make check). Prints the bzImage.
#
#   harness/nohash-kernel.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kbuild_env
out=$SAVEOOPS_CACHE/build-nohash
src=$SAVEOOPS_TREE/kernel/kexec_file.c
keep=$out.kexec_file.c
line='sha256_update(&state, ksegment->kbuf, ksegment->bufsz);'

[ -f "$SAVEOOPS_BUILD/.config" ] || die "no default kernel in $SAVEOOPS_BUILD (make kernel)"
exec 8> "$SAVEOOPS_CACHE/compose.lock"
flock 8
[ "$(grep -cxF -- "		$line" "$src")" = 1 ] ||
	die "$src: the data's hash is not the one line this script expects"
if ! cmp -s "$SAVEOOPS_BUILD/.config" "$out/.config"; then
	rm -rf "$out"
	cp -a "$SAVEOOPS_BUILD" "$out"
fi
cp -p "$src" "$keep"
trap 'mv "$keep" "$src"' EXIT
grep -vxF -- "		$line" "$keep" > "$src.nohash"
mv "$src.nohash" "$src"
make -s -C "$SAVEOOPS_TREE" O="$out" CC="ccache gcc" HOSTCC="ccache gcc" \
	-j"$(nproc)" bzImage >&2
echo "$out/arch/x86/boot/bzImage"
