#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Secure Boot test machine: Debian's OVMF (the SMM build that enforces
# Secure Boot) with our own test keys enrolled, and systemd-boot signed with
# them as the boot loader on an ESP image. Everything it makes is cached in
# $SAVEOOPS_CACHE/secureboot, keyed by its inputs.
#
#   sb-machine.sh vars [--setup-mode]   an enrolled variable store (Secure
#                                       Boot on); --setup-mode: Debian's
#                                       empty one (no keys, Secure Boot off)
#   sb-machine.sh sign FILE [KEY]       FILE signed with the db key (or with
#                                       KEY.key/KEY.pem), as a copy
#   sb-machine.sh esp OUT KERNEL [INITRD] CMDLINE
#                                       a FAT image: \EFI\BOOT\BOOTX64.EFI is
#                                       signed systemd-boot, whose one entry
#                                       boots \linux.efi (KERNEL, as given:
#                                       signed or not) with INITRD and CMDLINE
#   sb-machine.sh qemu-args VARS ESP    the QEMU arguments for a machine
#                                       booting ESP with a copy of VARS
#
# The keys: PK, KEK and db, self-signed RSA-2048, made here once
# ($SAVEOOPS_CACHE/secureboot/keys). harness/sb-vars.py writes them into a
# copy of OVMF_VARS_4M.fd as the firmware's own enrollment would.
#
# Why an ESP and not -kernel: OVMF 2022.11 (bookworm) loads a -kernel image
# that fails verification with its legacy bzImage loader instead ("for
# compatibility"), so -kernel proves nothing about the firmware's check.
# systemd-boot loads \linux.efi with the firmware's LoadImage(), which
# verifies it against db, and hands it the command line and the initrd.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
SDBOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
sb=$SAVEOOPS_CACHE/secureboot
keys=$sb/keys
# The owner GUID of our signature list entries.
OWNER=5a7e00b5-0000-4000-8000-000000000019

for f in "$OVMF_CODE" "$OVMF_VARS" "$SDBOOT"; do
	[ -f "$f" ] || die "sb-machine.sh: $f is missing (harness/deps.sh installs ovmf, systemd-boot-efi)"
done
mkdir -p "$keys" "$sb/signed"

make_keys()
{
	local k

	exec 8> "$sb/keys.lock"
	flock 8
	for k in PK KEK db; do
		[ -f "$keys/$k.esl" ] && continue
		openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 36500 \
			-subj "/CN=saveoops Secure Boot test $k/" \
			-keyout "$keys/$k.key.tmp" -out "$keys/$k.pem.tmp" 2>/dev/null
		cert-to-efi-sig-list -g "$OWNER" "$keys/$k.pem.tmp" "$keys/$k.esl.tmp"
		mv "$keys/$k.key.tmp" "$keys/$k.key"
		mv "$keys/$k.pem.tmp" "$keys/$k.pem"
		mv "$keys/$k.esl.tmp" "$keys/$k.esl"
	done
	exec 8>&-
}

# sign_cached FILE KEYBASE: a copy of FILE signed with KEYBASE.{key,pem}.
sign_cached()
{
	local in=$1 key=$2 sum out

	sum=$(cat "$in" "$key.pem" | sha256sum | cut -c1-16)
	out=$sb/signed/$(basename "$in")-$sum.efi
	if [ ! -f "$out" ]; then
		# One signed copy per file name and key: the last one made.
		find "$sb/signed" -name "$(basename "$in")-*.efi" -delete
		sbsign --key "$key.key" --cert "$key.pem" --output "$out.tmp" "$in" \
			> /dev/null 2>&1 || die "sb-machine.sh: sbsign $in failed"
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

cmd_vars()
{
	local sum out

	if [ "${1:-}" = --setup-mode ]; then
		echo "$OVMF_VARS"
		return
	fi
	make_keys
	sum=$(cat "$OVMF_VARS" "$keys"/PK.esl "$keys"/KEK.esl "$keys"/db.esl \
		"$SAVEOOPS_TOP/harness/sb-vars.py" | sha256sum | cut -c1-16)
	out=$sb/vars-$sum.fd
	if [ ! -f "$out" ]; then
		python3 "$SAVEOOPS_TOP/harness/sb-vars.py" "$OVMF_VARS" "$out.tmp" \
			"$keys/PK.esl" "$keys/KEK.esl" "$keys/db.esl"
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

cmd_sign()
{
	make_keys
	sign_cached "$1" "${2:-$keys/db}"
}

cmd_esp()
{
	local out=$1 kernel=$2 initrd= cmdline loader mib f

	if [ $# -ge 4 ]; then
		initrd=$3
		cmdline=$4
	else
		cmdline=$3
	fi
	make_keys
	loader=$(sign_cached "$SDBOOT" "$keys/db")
	# Room for the files, the FAT and 4 MiB to spare, in whole MiB.
	mib=0
	for f in "$kernel" "$loader" ${initrd:+"$initrd"}; do
		mib=$((mib + $(stat -c %s "$f")))
	done
	mib=$(((mib >> 20) + 5))
	rm -f "$out"
	mformat -i "$out" -C -T $((mib * 2048)) -h 64 -s 32 :: ||
		die "sb-machine.sh: mformat failed"
	mmd -i "$out" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
	mcopy -i "$out" "$loader" ::/EFI/BOOT/BOOTX64.EFI
	mcopy -i "$out" "$kernel" ::/linux.efi
	[ -z "$initrd" ] || mcopy -i "$out" "$initrd" ::/initrd
	printf 'timeout 0\ndefault saveoops.conf\neditor no\n' |
		mcopy -i "$out" - ::/loader/loader.conf
	{
		printf 'title saveoops\nlinux /linux.efi\n'
		[ -z "$initrd" ] || printf 'initrd /initrd\n'
		printf 'options %s\n' "$cmdline"
	} | mcopy -i "$out" - ::/loader/entries/saveoops.conf
}

cmd_qemu_args()
{
	local vars=$1 esp=$2

	printf '%s\n' -machine q35,smm=on \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive "if=pflash,format=raw,unit=0,file=$OVMF_CODE,readonly=on" \
		-drive "if=pflash,format=raw,unit=1,file=$vars" \
		-drive "if=none,id=esp,format=raw,file=$esp" \
		-device virtio-blk-pci,drive=esp -net none
}

case "${1:-}" in
vars)		shift; cmd_vars "$@" ;;
sign)		shift; cmd_sign "$@" ;;
esp)		shift; cmd_esp "$@" ;;
qemu-args)	shift; cmd_qemu_args "$@" ;;
*)		die "usage: sb-machine.sh vars|sign|esp|qemu-args ..." ;;
esac
