#!/bin/bash
# A store file written by the capture kernel without mounting its file
# system read-write. The host formats the file on a loop-mounted image
# (written whole, its extents recorded in it, immutable), unmounts it and
# boots with the image as the guest's disk. On ext4 (its journal
# included), with saveoops.store=UUID= and saveoops.sector= the capture
# finds the store on the raw device and writes only inside the file's
# extents, mounting nothing. On ext2 (the test kernel's one disk file
# system), with the saveoops.mount= fallback, it sets the device read-only,
# mounts it read-only just to map the file, unmounts and writes the same
# way. Each time every byte of the image outside the file's extents (as
# debugfs lists them) is as it was before the crash, and the record is
# read back on the host from the file (debugfs dump) with saveoops list.
# The ext4 case is repeated with the shared modular variant as the capture
# kernel, reaching the disk through the virtio_blk module.
. "$(dirname "$0")/../../harness/testlib.sh"

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
mnt=$TEST_DIR/mnt
mkdir -p "$mnt"

# make_fs TYPE: $TEST_DIR/TYPE.img, a file system of TYPE holding a store
# file formatted on the host; sets uuid, sector and attrs from format's
# output, and writes the file's bytes in the image, from the file system
# itself, to $TEST_DIR/TYPE.extents as "START LENGTH" lines.
make_fs()
{
	local img=$TEST_DIR/$1.img

	truncate -s 32M "$img"
	"mkfs.$1" -q -F -b 4096 "$img"
	mount -o loop "$img" "$mnt"
	echo "a file beside the store" > "$mnt/other.txt"
	"$SAVEOOPS" format --slots 2 --size 1M "$mnt/saveoops.img" > "$TEST_DIR/$1.format" 2>&1
	attrs=$(lsattr -d "$mnt/saveoops.img" 2> /dev/null | cut -d' ' -f1)
	umount "$mnt"
	sed 's/^/# /' "$TEST_DIR/$1.format"
	uuid=$(sed -n 's/.*saveoops.store=UUID=\([0-9a-f-]*\) .*/\1/p' "$TEST_DIR/$1.format")
	sector=$(sed -n 's/.*saveoops.sector=\([0-9]*\)$/\1/p' "$TEST_DIR/$1.format")
	debugfs -R "blocks /saveoops.img" "$img" 2> /dev/null | tr ' ' '\n' | grep -v '^$' |
		awk '{ print $1 * 4096, 4096 }' > "$TEST_DIR/$1.extents"
	if [ -n "$uuid" ] && [ -n "$sector" ] && [ -s "$TEST_DIR/$1.extents" ]; then
		tap ok "$1: format records the file's extents and prints the capture command line"
	else
		tap "not ok" "$1: format records the file's extents and prints the capture command line"
	fi
	case $attrs in
	*i*) tap ok "$1: the store file is immutable ($attrs)" ;;
	*) tap "not ok" "$1: the store file is immutable ('$attrs')" ;;
	esac
}

# same_outside DESCRIPTION BEFORE AFTER EXTENTS: the images differ only
# inside the store file's extents, and do differ there.
same_outside()
{
	if python3 - "$2" "$3" "$4" <<'PY'
import sys
a = bytearray(open(sys.argv[1], "rb").read())
b = bytearray(open(sys.argv[2], "rb").read())
inside = False
for line in open(sys.argv[3]):
    start, length = map(int, line.split())
    if a[start:start + length] != b[start:start + length]:
        inside = True
    a[start:start + length] = bytes(length)
    b[start:start + length] = bytes(length)
if len(a) != len(b) or a != b:
    diff = next(i for i in range(min(len(a), len(b))) if a[i] != b[i]) if len(a) == len(b) else -1
    print("# outside the store file: first difference at byte %d" % diff)
    sys.exit(1)
if not inside:
    print("# nothing changed inside the store file either")
    sys.exit(1)
PY
	then
		tap ok "$1"
	else
		tap "not ok" "$1"
	fi
}

# expect_records DESCRIPTION N IMAGE: the store file, dumped with debugfs,
# lists records 1..N, the newest from crash_inject=core.
expect_records()
{
	rm -f "$TEST_DIR/dumped.img"
	debugfs -R "dump /saveoops.img $TEST_DIR/dumped.img" "$3" 2> /dev/null
	if "$SAVEOOPS" --store "$TEST_DIR/dumped.img" list > "$TEST_DIR/list" 2>&1 &&
	   grep -Eq "^$2 .* new .*crash_inject: stage core$" "$TEST_DIR/list" &&
	   grep -q "^$2 of 2 slots used" "$TEST_DIR/list"; then
		tap ok "$1"
	else
		tap "not ok" "$1"
		sed 's/^/#   /' "$TEST_DIR/list"
	fi
}

payload()
{
	"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" \
		--cmdline "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 $2" \
		--output "$TEST_DIR/payload-$1.cpio"
	echo "$TEST_DIR/payload-$1.cpio"
}

# ext4 (with its journal): found by UUID and sector, nothing mounted.
make_fs ext4
img=$TEST_DIR/ext4.img
case_begin sector
cp "$img" "$TEST_DIR/before-sector.img"
boot_guest --payload "$(payload sector "saveoops.store=UUID=$uuid saveoops.sector=$sector")" \
	--append "crashkernel=128M crash_inject=core" --expect-end none \
	-- -drive "file=$img,format=raw,if=virtio"
log_has "sector: the capture wrote through the extent map" \
	"saveoops: file store: [0-9]+ extents from sector $sector of /dev/vda"
log_has "sector: it saved record 1" 'saveoops: saved record 1 \([0-9]+ bytes\) to /dev/vda slot 0'
log_lacks "sector: nothing was mounted" 'EXT[234]-fs \(vda\)|VFS: Mounted'
same_outside "sector: the image outside the store file is byte for byte as before" \
	"$TEST_DIR/before-sector.img" "$img" "$TEST_DIR/ext4.extents"
expect_records "sector: the file, dumped by debugfs, holds record 1" 1 "$img"

# The same store file, captured by our modular kernel (config/modular.config,
# issue 14's shared variant: virtio_blk and ext4 as .ko.xz modules): the
# payload carries only what reaches the disk, virtio_blk; the file is written
# through its extents, so no file system module is needed and nothing is
# mounted. Record 2 lands beside record 1.
modular=$("$SAVEOOPS_TOP/harness/modular-kernel.sh")
mrel=${modular##*/vmlinuz-}
"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$modular" --store-driver virtio_blk \
	--cmdline "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 saveoops.store=UUID=$uuid saveoops.sector=$sector" \
	--output "$TEST_DIR/payload-modular.cpio" 2> "$TEST_DIR/mkpayload-modular.txt"
if grep -q 'virtio_blk' "$TEST_DIR/mkpayload-modular.txt"; then
	tap ok "modular: the payload carries virtio_blk, the store's driver"
else
	tap "not ok" "modular: the payload carries virtio_blk, the store's driver"
	sed 's/^/#   /' "$TEST_DIR/mkpayload-modular.txt"
fi
case_begin modular
cp "$img" "$TEST_DIR/before-modular.img"
boot_guest --payload "$TEST_DIR/payload-modular.cpio" \
	--append "crashkernel=128M crash_inject=core" --expect-end none \
	-- -drive "file=$img,format=raw,if=virtio"
log_has "modular: our modular kernel is the capture kernel" "Linux version $mrel "
log_has "modular: it loaded every module of the payload" \
	'saveoops: loaded ([1-9][0-9]*) of \1 modules'
log_has "modular: the capture wrote through the extent map" \
	"saveoops: file store: [0-9]+ extents from sector $sector of /dev/vda"
log_has "modular: it saved record 2" 'saveoops: saved record 2 \([0-9]+ bytes\) to /dev/vda slot 1'
log_lacks "modular: nothing was mounted" 'EXT[234]-fs \(vda\)|VFS: Mounted'
same_outside "modular: the image outside the store file is byte for byte as before" \
	"$TEST_DIR/before-modular.img" "$img" "$TEST_DIR/ext4.extents"
expect_records "modular: the file, dumped by debugfs, holds records 1 and 2" 2 "$img"

# ext2 (the test kernel's one disk file system): the saveoops.mount= fallback.
make_fs ext2
img=$TEST_DIR/ext2.img
case_begin mount
cp "$img" "$TEST_DIR/before-mount.img"
boot_guest --payload "$(payload mount "saveoops.mount=/dev/vda:ext2 saveoops.store=/mnt/saveoops.img")" \
	--append "crashkernel=128M crash_inject=core" --expect-end none \
	-- -drive "file=$img,format=raw,if=virtio"
log_has "mount: the file system was mounted read-only only to map the file" \
	'saveoops: store /mnt/saveoops.img: [0-9]+ extents from sector [0-9]+ of /dev/vda \(mounted read-only, unmounted\)'
log_has "mount: it saved record 1" 'saveoops: saved record 1 \([0-9]+ bytes\) to /dev/vda slot 0'
same_outside "mount: the image outside the store file is byte for byte as before" \
	"$TEST_DIR/before-mount.img" "$img" "$TEST_DIR/ext2.extents"
expect_records "mount: the file, dumped by debugfs, holds record 1" 1 "$img"
done_testing
