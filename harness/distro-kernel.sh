#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of Debian's own kernel (the bzImage of the release's
# linux-image-amd64), fetched once with apt-get download into the cache:
# a capture kernel that is not our build. Its modules are kept beside it,
# under lib/modules/<release>/ with the modules.dep that depmod -b makes
# (the .deb carries none), for saveoops-mkpayload --modules-dir.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$SAVEOOPS_CACHE/distro
mkdir -p "$dir"
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
[ -n "$pkg" ] || die "apt knows no linux-image-amd64; run apt-get update"
release=${pkg#linux-image-}
image=$dir/boot/vmlinuz-$release
# modules.dep is made last: with it the unpacked tree is whole.
if [ ! -f "$image" ] || [ ! -s "$dir/lib/modules/$release/modules.dep" ]; then
	exec 9> "$dir.lock"
	flock 9
	if [ ! -f "$image" ] || [ ! -s "$dir/lib/modules/$release/modules.dep" ]; then
		rm -rf "$dir/boot" "$dir/lib"
		(cd "$dir" && rm -f ./*.deb && apt-get download -q "$pkg" >/dev/null 2>&1) ||
			die "apt-get download $pkg failed"
		dpkg-deb --fsys-tarfile "$dir"/"$pkg"_*.deb |
			tar -C "$dir" -x --wildcards './boot/vmlinuz-*' './boot/config-*' \
				'./lib/modules/*'
		rm -f "$dir"/*.deb
		depmod -b "$dir" "$release" ||
			die "depmod -b $dir $release failed"
	fi
	exec 9>&-
fi
echo "$image"
