#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian 12 system for the tests that boot a real distribution
# (tests/e2e/debian-system.t): its root file system, built with mmdebstrap
# from the host's apt sources, and the raw disk image made from it.
#
#   debian-rootfs.sh
#       print the path of the root file system as a tarball, built once and
#       kept in $SAVEOOPS_CACHE/debian, keyed by the package list and the
#       code that builds it: it is rebuilt only when either changes
#   debian-rootfs.sh disk OUT ROOTDIR STORE-IMAGE [UUID [ROOT-SIZE]]
#       make the raw disk image OUT: an MBR partition table, partition 1 an
#       ext4 file system with ROOTDIR's files (UUID if given, ROOT-SIZE,
#       default 1G), and
#       partition 2 STORE-IMAGE's bytes (a store `saveoops format` wrote).
#       No loop device, no mount: mke2fs -d fills the file system from the
#       directory, sfdisk writes the table into the image file, dd puts the
#       partitions in place. The ext4 UUID is printed.
#   debian-rootfs.sh partition IMAGE N OUT
#       copy partition N of the disk image IMAGE to the file OUT
#   debian-rootfs.sh settings ROOTDIR RELEASE STORE-UUID ROOT-UUID NAME WHO [LINE...]
#       what a user writes into the system after `make install`: saveoops'
#       settings in /etc/default/saveoops (the store by UUID, the kernel
#       RELEASE as capture kernel; WHO in a comment above them), /etc/fstab
#       with the root by ROOT-UUID, the host NAME, and what a chroot cannot
#       tell initramfs-tools (no swap, ext4; LINEs more)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# What the system is made of, in one place. initramfs-tools builds the
# initramfs the tests prepend the payload to (zstd, as Debian 12's default);
# kdump-tools and makedumpfile are Debian's own kdump, the anchor `make
# bench` measures saveoops against.
DEBIAN_SUITE=bookworm
DEBIAN_PACKAGES=(systemd systemd-sysv udev kmod initramfs-tools e2fsprogs zstd
	kdump-tools makedumpfile)

rootfs()
{
	local dir=$SAVEOOPS_CACHE/debian key tar

	key=$({ echo "$DEBIAN_SUITE"; printf '%s\n' "${DEBIAN_PACKAGES[@]}"; declare -f rootfs; } |
		sha256sum | cut -c1-16)
	tar=$dir/rootfs-$key.tar
	mkdir -p "$dir"
	if [ ! -s "$tar" ]; then
		exec 9> "$dir.lock"
		flock 9
		if [ ! -s "$tar" ]; then
			command -v mmdebstrap > /dev/null ||
				"$SAVEOOPS_TOP/harness/deps.sh" >&2
			command -v mmdebstrap > /dev/null ||
				die "mmdebstrap is missing (harness/deps.sh installs it)"
			note "building the Debian root file system ($DEBIAN_SUITE: ${DEBIAN_PACKAGES[*]})"
			# The host's sources, on stdin: the same mirror and
			# snapshot the host's own packages come from.
			local sources=/etc/apt/sources.list.d/debian.sources
			[ -f "$sources" ] || sources=/etc/apt/sources.list
			rm -f "$dir"/rootfs-*.tar "$dir"/rootfs-*.tar.tmp
			mmdebstrap --quiet --variant=apt --format=tar \
				--aptopt='APT::Install-Recommends "false"' \
				--include="$(IFS=,; echo "${DEBIAN_PACKAGES[*]}")" \
				"$DEBIAN_SUITE" "$tar.tmp" - < "$sources" >&2 ||
				die "mmdebstrap failed"
			mv "$tar.tmp" "$tar"
		fi
		exec 9>&-
	fi
	echo "$tar"
}

# disk OUT ROOTDIR STORE-IMAGE [UUID [ROOT-SIZE]]
disk()
{
	local out=$1 root=$2 store=$3 uuid=${4:-} size=${5:-1G} rootimg
	local start=2048 rootsec storesec

	rootimg=$out.root
	rm -f "$out" "$rootimg"
	truncate -s "$size" "$rootimg"
	# The ext4 defaults of Debian's mke2fs.conf, as the installer makes it.
	mke2fs -q -F -t ext4 -L debian-root ${uuid:+-U "$uuid"} -d "$root" "$rootimg" "$size" ||
		die "mke2fs -d $root failed"
	uuid=$(blkid -p -s UUID -o value "$rootimg")
	rootsec=$(($(stat -c %s "$rootimg") / 512))
	storesec=$((($(stat -c %s "$store") + 511) / 512))
	truncate -s $(((start + rootsec + storesec + 2048) * 512)) "$out"
	printf 'label: dos\n%d,%d,L\n%d,%d,L\n' $start $rootsec \
		$((start + rootsec)) $storesec | sfdisk -q "$out" ||
		die "sfdisk on $out failed"
	dd if="$rootimg" of="$out" bs=1M seek=$((start * 512)) oflag=seek_bytes \
		conv=notrunc,sparse status=none
	dd if="$store" of="$out" bs=1M seek=$(((start + rootsec) * 512)) \
		oflag=seek_bytes conv=notrunc status=none
	rm -f "$rootimg"
	echo "$uuid"
}

# partition IMAGE N OUT: partition N of IMAGE copied to the file OUT.
partition()
{
	local line start size

	line=$(sfdisk -d "$1" | grep -E "^$1$2 :") ||
		die "$1 has no partition $2"
	start=$(echo "$line" | sed -n 's/.*start= *\([0-9]*\).*/\1/p')
	size=$(echo "$line" | sed -n 's/.*size= *\([0-9]*\).*/\1/p')
	dd if="$1" of="$3" bs=1M skip=$((start * 512)) count=$((size * 512)) \
		iflag=skip_bytes,count_bytes conv=sparse status=none
}

# settings ROOTDIR RELEASE STORE-UUID ROOT-UUID NAME WHO [LINE...]
settings()
{
	local root=$1 release=$2 store=$3 rootuuid=$4 name=$5 who=$6

	shift 6
	cat >> "$root/etc/default/saveoops" <<EOF

# $who
SAVEOOPS_STORE=UUID=$store
SAVEOOPS_KERNEL=/boot/vmlinuz-$release
SAVEOOPS_STORE_DRIVER=virtio_blk
SAVEOOPS_CMDLINE="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10"
EOF
	echo "UUID=$rootuuid / ext4 errors=remount-ro 0 1" > "$root/etc/fstab"
	echo "$name" > "$root/etc/hostname"
	# No swap to resume from; the root's file system type (for fsck in
	# the initramfs).
	mkdir -p "$root/etc/initramfs-tools/conf.d"
	printf '%s\n' RESUME=none FSTYPE=ext4 "$@" > "$root/etc/initramfs-tools/conf.d/image"
}

case ${1:-} in
"")		rootfs ;;
disk)		shift; disk "$@" ;;
partition)	shift; partition "$@" ;;
settings)	shift; settings "$@" ;;
*)		die "debian-rootfs.sh: unknown command $1" ;;
esac
