#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the tests need, from Debian packages, if missing.
set -euo pipefail

packages=(
	linux-source-6.12 make build-essential bc bison flex libelf-dev libssl-dev
	dwarves cpio xz-utils zstd rsync kmod python3 perl ccache sparse
	qemu-system-x86 busybox-static kexec-tools makedumpfile openssl sbsigntool
	musl-tools clang libclang-rt-14-dev e2fsprogs python3-ply python3-git man-db
	python3-sphinx mmdebstrap fdisk
	ovmf efitools mtools systemd-boot-efi
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "saveoops: missing packages: ${missing[*]}; run as root or install them" >&2
		exit 1
	fi
	echo "saveoops: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's own kernel, unpacked into the cache, is a capture kernel we did
# not build (tests/e2e/early-distro.t).
"$(dirname "$0")/distro-kernel.sh" >/dev/null
