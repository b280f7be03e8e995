#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of Debian's own kernel (the bzImage of the release's
# linux-image-amd64), fetched once with apt-get download into the cache:
# a capture kernel that is not our build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$SAVEOOPS_CACHE/distro
mkdir -p "$dir"
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
[ -n "$pkg" ] || die "apt knows no linux-image-amd64; run apt-get update"
image=$(ls "$dir"/boot/vmlinuz-"${pkg#linux-image-}" 2>/dev/null || true)
if [ -z "$image" ]; then
	(cd "$dir" && rm -f ./*.deb && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		die "apt-get download $pkg failed"
	dpkg-deb --fsys-tarfile "$dir"/"$pkg"_*.deb | tar -C "$dir" -x --wildcards './boot/vmlinuz-*'
	rm -f "$dir"/*.deb
	image=$(ls "$dir"/boot/vmlinuz-"${pkg#linux-image-}")
fi
echo "$image"
