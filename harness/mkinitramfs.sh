#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs pieces into $SAVEOOPS_OUT:
#   guest.cpio.gz  busybox-static, kexec, vmcore-dmesg, the saveoops programs,
#                  the guest /init;
#                  the root of the first and of the capture kernel
#   boot.cpio      /boot/bzImage and /boot/guest.cpio.gz, for kexec -p
# A test appends its own cpio holding /test.sh (harness/testlib.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Host binaries copied with the shared objects ldd names for them.
DYNAMIC_BINS="/sbin/kexec /sbin/vmcore-dmesg"

make_root()
{
	local root=$1 applet bin

	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,boot,lib/saveoops}
	install -m 755 /bin/busybox "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	for bin in $DYNAMIC_BINS; do
		copy_with_libs "$root" "$bin"
	done
	for bin in saveoops saveoops-capture saveoops-mkpayload; do
		install -m 755 "$SAVEOOPS_TOOLS/$bin" "$root/usr/sbin/$bin"
	done
	install -m 755 "$SAVEOOPS_TOP/harness/guest/init" "$root/init"
	install -m 644 "$SAVEOOPS_TOP/harness/guest/guest.sh" "$root/lib/saveoops/guest.sh"
}

# newc archive of a directory, with stable order and owner.
pack()
{
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet)
}

main()
{
	[ -f "$SAVEOOPS_BZIMAGE" ] || die "no kernel at $SAVEOOPS_BZIMAGE (make kernel)"
	[ -x "$SAVEOOPS_TOOLS/saveoops-capture" ] || die "no saveoops programs in $SAVEOOPS_TOOLS (make tools)"
	mkdir -p "$SAVEOOPS_OUT"
	tmp=$(mktemp -d "$SAVEOOPS_OUT/.initramfs.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	make_root "$tmp/root"
	pack "$tmp/root" | gzip -1 > "$tmp/guest.cpio.gz"
	# The kernel looks for an uncompressed cpio appended after a compressed
	# one only at a 4-byte boundary; zeros in between are skipped.
	truncate -s %512 "$tmp/guest.cpio.gz"
	mkdir -p "$tmp/boot/boot"
	cp "$SAVEOOPS_BZIMAGE" "$tmp/boot/boot/bzImage"
	cp "$tmp/guest.cpio.gz" "$tmp/boot/boot/guest.cpio.gz"
	pack "$tmp/boot" > "$tmp/boot.cpio"
	# Renamed into place: a test starting meanwhile reads old or new, whole.
	mv "$tmp/guest.cpio.gz" "$tmp/boot.cpio" "$SAVEOOPS_OUT/"
	note "initramfs: guest.cpio.gz $(stat -c %s "$SAVEOOPS_OUT/guest.cpio.gz") bytes"
}

main "$@"
