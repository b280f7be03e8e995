#!/bin/bash
# The store never harms a disk that is not its own, on the host: which
# block device the capture picks (by UUID, by signature, never one of two,
# never one that also carries another program's metadata), what
# saveoops-mkpayload puts on the capture command line, and what
# "saveoops format" refuses: a btrfs file system (first 4 KiB zero), an
# md 1.2 RAID member blkid -p recognises, a stale store on that member, a
# mounted file system, a device another program holds open exclusively, a
# store file on btrfs (copy-on-write: every write allocates);
# export that never overwrites, the backup superblock, and recover when
# both superblocks are gone.
# Block devices are loop devices over files in the test directory; without
# loop devices those parts are skipped.
. "$(dirname "$0")/../../harness/testlib.sh"

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
CAPTURE=$SAVEOOPS_TOOLS/saveoops-capture
MKPAYLOAD=$SAVEOOPS_TOOLS/saveoops-mkpayload
loops=()

cleanup()
{
	local l

	mountpoint -q "$TEST_DIR/mnt" 2>/dev/null && umount "$TEST_DIR/mnt"
	for l in "${loops[@]}"; do
		losetup -d "$l" 2>/dev/null
	done
}
trap cleanup EXIT

# expect_rc DESCRIPTION RC REGEX -- COMMAND...: exit status, and REGEX in
# stdout or stderr.
expect_rc()
{
	local desc=$1 want=$2 re=$3 rc=0

	shift 4
	"$@" > "$TEST_DIR/out" 2>&1 || rc=$?
	if [ $rc -eq "$want" ] && { [ -z "$re" ] || grep -Eq -- "$re" "$TEST_DIR/out"; }; then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		diag "  exit $rc (want $want), output:"
		sed 's/^/#   /' "$TEST_DIR/out"
	fi
}

# loop FILE VAR: attach FILE to a free loop device, named in VAR.
loop()
{
	local dev

	dev=$(losetup -f --show "$1") || return 1
	loops+=("$dev")
	printf -v "$2" %s "$dev"
}

# md12 FILE: an md 1.2 superblock (RAID1, 2 devices) 4 KiB into FILE, with
# its checksum, as mdadm writes it: blkid -p sees a linux_raid_member.
md12()
{
	python3 - "$1" <<'PY'
import struct, sys
sb = bytearray(256 + 2 * 2)
struct.pack_into('<IIII', sb, 0, 0xa92b4efc, 1, 0, 0)
sb[16:32] = bytes(range(1, 17))
sb[32:48] = b'saveoops-test:0'.ljust(16, b'\0')
struct.pack_into('<QIIQIIII', sb, 64, 1700000000, 1, 0, 512, 0, 2, 0, 0)
struct.pack_into('<QQQQI', sb, 128, 1024, 512, 8, 0, 0)
sb[168:184] = bytes(range(17, 33))
struct.pack_into('<QQQII', sb, 192, 1700000000, 1, 2**64 - 1, 0, 2)
struct.pack_into('<HH', sb, 256, 0, 1)
s = sum(struct.unpack_from('<I', sb, i)[0] for i in range(0, len(sb), 4))
struct.pack_into('<I', sb, 216, ((s & 0xffffffff) + (s >> 32)) & 0xffffffff)
with open(sys.argv[1], 'r+b') as f:
    f.seek(4096)
    f.write(sb)
PY
}

# fmt FILE: a new store of 2 slots in a 2 MiB FILE (blkid's md probe wants
# that much); prints its UUID.
fmt()
{
	"$SAVEOOPS" format --image --slots 2 --size 2M "$1" | sed -n 's/.*, UUID //p'
}

# Synthetic cores from the unit tests' seed writer.
out=$SAVEOOPS_CACHE/tools-test/guard
mkdir -p "$out"
make -s -C "$SAVEOOPS_TOP/tools/saveoops" OUTPUT="$out/" "$out/unit-test" > /dev/null
"$out/unit-test" --write-seeds "$TEST_DIR/seeds" > /dev/null
core=$TEST_DIR/seeds/vmcore/padded-image

# --- saveoops-mkpayload: the store's UUID on the capture command line ---
a=$TEST_DIR/a.img
uuid_a=$(fmt "$a")
[[ $uuid_a =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] &&
	tap ok "format prints the new store's UUID" ||
	tap "not ok" "format prints the new store's UUID ('$uuid_a')"
printf kernel > "$TEST_DIR/vmlinuz"
printf initrd > "$TEST_DIR/capture.cpio"
# payload_cmdline ARGS...: the cmdline member of a payload built with ARGS.
payload_cmdline()
{
	rm -rf "$TEST_DIR/p" && mkdir -p "$TEST_DIR/p"
	"$MKPAYLOAD" --kernel "$TEST_DIR/vmlinuz" --capture-initrd "$TEST_DIR/capture.cpio" \
		--output "$TEST_DIR/p.cpio" "$@" 2> "$TEST_DIR/p.err" || return 1
	(cd "$TEST_DIR/p" && cpio -id --quiet < ../p.cpio 2> /dev/null)
	cat "$TEST_DIR/p/kernel/kdump/cmdline" 2> /dev/null
}
got=$(payload_cmdline --store "$a" --cmdline "console=ttyS0 panic=1")
[ "$got" = "console=ttyS0 panic=1 saveoops.store=UUID=$uuid_a" ] &&
	tap ok "mkpayload --store IMAGE adds saveoops.store=UUID= to --cmdline" ||
	tap "not ok" "mkpayload --store IMAGE adds saveoops.store=UUID= to --cmdline: '$got'"
got=$(payload_cmdline --store "$a")
case "$got" in
"irqpoll nr_cpus=1 reset_devices panic=10"*" saveoops.store=UUID=$uuid_a")
	tap ok "without --cmdline: the kernel's default, this boot's console=, the UUID" ;;
*)
	tap "not ok" "without --cmdline: the kernel's default, this boot's console=, the UUID: '$got'" ;;
esac
got=$(payload_cmdline --store "$a" --cmdline "saveoops.store=/dev/vdb")
[ "$got" = "saveoops.store=/dev/vdb" ] &&
	tap ok "a saveoops.store= of the user's own is kept as it is" ||
	tap "not ok" "a saveoops.store= of the user's own is kept as it is: '$got'"
got=$(payload_cmdline --store "$TEST_DIR/vmlinuz" --cmdline "panic=1")
[ "$got" = "panic=1" ] && grep -q 'holds no saveoops store' "$TEST_DIR/p.err" &&
	tap ok "--store naming no store adds nothing and says so" ||
	tap "not ok" "--store naming no store adds nothing and says so: '$got'"

# --- recovery and export, on files ---
r=$TEST_DIR/r.img
uuid_r=$("$SAVEOOPS" format --image --slots 4 --size 1M "$r" | sed -n 's/.*, UUID //p')
for c in padded-image 6.12-image-wrapped scattered-walk-4k; do
	"$CAPTURE" --vmcore "$TEST_DIR/seeds/vmcore/$c" --store "$r" --tail 0 > /dev/null
done
for n in 1 2 3; do "$SAVEOOPS" --store "$r" show "$n" > "$TEST_DIR/show$n"; done
expect_rc "export names each directory by seq, time and store UUID" 0 \
	"/saveoops-1-[0-9]+-$uuid_r\$" -- "$SAVEOOPS" --store "$r" export "$TEST_DIR/ex"
[ "$(ls "$TEST_DIR/ex" | grep -c -- "-$uuid_r\$")" -eq 3 ] &&
	[ -z "$(ls -A "$TEST_DIR/ex" | grep -v "^saveoops-")" ] &&
	tap ok "three directories and no temporary one left" ||
	tap "not ok" "three directories and no temporary one left: $(ls -A "$TEST_DIR/ex" | tr '\n' ' ')"
d1=$(echo "$TEST_DIR"/ex/saveoops-1-*)
echo "edited by hand" >> "$d1/dmesg.txt"
cp "$d1/dmesg.txt" "$TEST_DIR/edited"
expect_rc "export --all again overwrites nothing and says so" 0 \
	"saveoops-1-[0-9]+-$uuid_r exists already: not overwritten" -- \
	"$SAVEOOPS" --store "$r" export "$TEST_DIR/ex" --all
cmp -s "$d1/dmesg.txt" "$TEST_DIR/edited" && tap ok "the file edited by hand is as it was" ||
	tap "not ok" "the file edited by hand is as it was"
# Block 0 wiped: the backup superblock at the end stands in, read-only.
dd if=/dev/zero of="$r" bs=4096 count=1 conv=notrunc status=none
expect_rc "block 0 wiped: list reads the backup superblock and says so" 0 \
	"block 0 is damaged: read with the backup superblock" -- "$SAVEOOPS" --store "$r" list
grep -q '^3 of 4 slots used' "$TEST_DIR/out" && tap ok "and lists the three records" ||
	tap "not ok" "and lists the three records"
expect_rc "clear refuses to write through the backup" 3 "backup superblock at byte" -- \
	"$SAVEOOPS" --store "$r" clear 1
expect_rc "the capture does not take it" 1 "block 0 is damaged" -- \
	"$CAPTURE" --vmcore "$core" --store "$r" --tail 0
# Both superblocks gone: recover finds the records by their headers.
size=$(stat -c %s "$r")
dd if=/dev/zero of="$r" bs=4096 seek=$((size / 4096 - 1)) count=1 conv=notrunc status=none
expect_rc "both superblocks gone: no store" 3 "no saveoops store" -- "$SAVEOOPS" --store "$r" list
expect_rc "recover finds the three records" 0 "^3 records found in " -- \
	"$SAVEOOPS" --store "$r" recover "$TEST_DIR/rec"
ok=1
for n in 1 2 3; do
	cmp -s "$TEST_DIR/show$n" "$TEST_DIR"/rec/saveoops-$n-*-recovered/dmesg.txt || ok=0
done
[ $ok -eq 1 ] && tap ok "each recovered log is the record's log" ||
	tap "not ok" "each recovered log is the record's log"
expect_rc "recover without --store is a usage error" 2 "usage: saveoops --store PATH recover" -- \
	env -u SAVEOOPS_STORE "$SAVEOOPS" recover "$TEST_DIR/rec2"

# --- the capture's choice among block devices ---
if ! truncate -s 2M "$TEST_DIR/probe.img" || ! loop "$TEST_DIR/probe.img" probe 2> /dev/null; then
	echo "# SKIP no loop devices: the block device parts are not run"
	done_testing
	exit
fi
b=$TEST_DIR/b.img
uuid_b=$(fmt "$b")
loop "$a" dev_a
loop "$b" dev_b
expect_rc "no UUID and two stores: refused, nothing written" 1 \
	"saveoops: [0-9]+ stores found, /dev/loop[0-9]+ and more: refusing to guess" -- \
	"$CAPTURE" --vmcore "$core" --tail 0
grep -Eq "block devices seen: .*${dev_a#/dev/} \(store $uuid_a\)" "$TEST_DIR/out" &&
	tap ok "and it lists the devices it saw with their stores" ||
	tap "not ok" "and it lists the devices it saw with their stores"
"$SAVEOOPS" --store "$a" list | grep -q '^0 of 2 slots used' &&
	"$SAVEOOPS" --store "$b" list | grep -q '^0 of 2 slots used' &&
	tap ok "neither store was written" || tap "not ok" "neither store was written"
expect_rc "saveoops.store=UUID= of the second store picks it" 0 \
	"saved record 1 .* to $dev_b slot 0" -- \
	"$CAPTURE" --vmcore "$core" --store "UUID=$uuid_b" --tail 0
"$SAVEOOPS" --store "$a" list | grep -q '^0 of 2 slots used' &&
	"$SAVEOOPS" --store "$b" list | grep -q '^1 of 2 slots used' &&
	tap ok "the record is in that store only" || tap "not ok" "the record is in that store only"
expect_rc "the CLI takes --store UUID= too" 0 "^1 of 2 slots used" -- \
	"$SAVEOOPS" --store "UUID=$uuid_b" list
expect_rc "upper-case UUIDs are the same UUID" 0 "^1 of 2 slots used" -- \
	"$SAVEOOPS" --store "UUID=${uuid_b^^}" list
nouuid=00000000-0000-4000-8000-000000000000
expect_rc "a UUID no device has: not saved, waited saveoops.wait, devices named" 1 \
	"no store with UUID $nouuid after 1 s: record not saved" -- \
	"$CAPTURE" --vmcore "$core" --store "UUID=$nouuid" --wait 1 --tail 0
grep -Eq "block devices seen: .*${dev_b#/dev/} \(store $uuid_b\)" "$TEST_DIR/out" &&
	tap ok "and it names the devices it saw" || tap "not ok" "and it names the devices it saw"
expect_rc "a malformed UUID is a usage error" 3 "bad argument" -- \
	"$CAPTURE" --vmcore "$core" --store "UUID=1234" --tail 0

# Store a becomes a stale store on an md 1.2 member: skipped, with a line.
md12 "$dev_a"
blockdev --flushbufs "$dev_a"
blkid -p "$dev_a" 2> /dev/null | grep -q 'TYPE="linux_raid_member"' &&
	tap ok "blkid -p sees the md 1.2 member" || tap "not ok" "blkid -p sees the md 1.2 member"
expect_rc "a store on an md member is skipped by the signature search" 0 \
	"$dev_a holds a saveoops store but also an md 1.2 superblock at byte 4096: skipped" -- \
	"$CAPTURE" --vmcore "$core" --tail 0
grep -q "saved record 2 .* to $dev_b" "$TEST_DIR/out" &&
	tap ok "and the record went to the other store" ||
	tap "not ok" "and the record went to the other store"
expect_rc "by UUID too: the md member's store is not written" 1 \
	"no store with UUID $uuid_a" -- \
	"$CAPTURE" --vmcore "$core" --store "UUID=$uuid_a" --tail 0
expect_rc "by path too" 1 "$dev_a holds a saveoops store but also an md 1.2 superblock" -- \
	"$CAPTURE" --vmcore "$core" --store "$dev_a" --tail 0
"$SAVEOOPS" --store "$a" list 2>/dev/null | grep -q '^0 of 2 slots used' &&
	tap ok "the md member's store holds no record" ||
	tap "not ok" "the md member's store holds no record"

# --- saveoops format refuses what is not its own ---
expect_rc "format refuses a stale store on an md 1.2 member" 1 \
	"holds a saveoops store but also an md 1.2 superblock at byte 4096" -- \
	"$SAVEOOPS" format --slots 2 "$dev_a"
m=$TEST_DIR/md.img
truncate -s 2M "$m"
md12 "$m"
expect_rc "format refuses an md 1.2 member (first 4 KiB zero)" 1 \
	"not a saveoops store: it holds an md 1.2 superblock at byte 4096" -- \
	"$SAVEOOPS" format --slots 2 "$m"
if command -v mkfs.btrfs > /dev/null; then
	bt=$TEST_DIR/btrfs.img
	truncate -s 128M "$bt"
	mkfs.btrfs -q "$bt" > /dev/null 2>&1
	cmp -s <(head -c 4096 "$bt") <(head -c 4096 /dev/zero) &&
		tap ok "a fresh btrfs image's first 4 KiB are zero" ||
		tap "not ok" "a fresh btrfs image's first 4 KiB are zero"
	expect_rc "format refuses a btrfs image" 1 \
		"not a saveoops store: it holds a btrfs superblock at byte 65600" -- \
		"$SAVEOOPS" format --slots 2 "$bt"
	blkid -p "$bt" | grep -q 'TYPE="btrfs"' && tap ok "and leaves it a btrfs image" ||
		tap "not ok" "and leaves it a btrfs image"
	# A store file on btrfs: the capture kernel would allocate on every write.
	loop "$bt" dev_bt
	mkdir -p "$TEST_DIR/mnt"
	if mount "$dev_bt" "$TEST_DIR/mnt" 2> /dev/null; then
		expect_rc "format refuses a store file on btrfs, even with --force" 1 \
			"is on btrfs, where every write allocates" -- \
			"$SAVEOOPS" format --force --slots 2 --size 1M "$TEST_DIR/mnt/store.img"
		[ ! -e "$TEST_DIR/mnt/store.img" ] && tap ok "and leaves no file behind" ||
			tap "not ok" "and leaves no file behind"
		umount "$TEST_DIR/mnt"
	else
		echo "# SKIP cannot mount btrfs here"
	fi
	losetup -d "$dev_bt"
	expect_rc "format --force formats it" 0 "saveoops store with 2 slots" -- \
		"$SAVEOOPS" format --image --force --slots 2 "$bt"
	blkid -p "$bt" > "$TEST_DIR/blkid.out" 2>&1 && tap "not ok" "no btrfs signature is left" ||
		tap ok "no btrfs signature is left (blkid -p finds nothing)"
	expect_rc "and the store is there" 0 "^0 of 2 slots used" -- "$SAVEOOPS" --store "$bt" list
else
	echo "# SKIP mkfs.btrfs is not installed (btrfs-progs): no btrfs image"
fi
expect_rc "format --force over the md member" 0 "saveoops store with 2 slots" -- \
	"$SAVEOOPS" format --image --force --slots 2 "$m"
blkid -p "$m" > /dev/null 2>&1 && tap "not ok" "wipes the md superblock" ||
	tap ok "wipes the md superblock (blkid -p finds nothing)"
# md 1.0 at the end, behind an empty first MiB.
e=$TEST_DIR/md10.img
truncate -s 4M "$e"
printf '\374\116\053\251\001\000\000\000' | dd of="$e" bs=1 seek=$((4 * 1024 * 1024 - 8192)) \
	conv=notrunc status=none
expect_rc "format refuses an md 1.0 superblock at the end" 1 \
	"it holds an md 1.0 superblock at byte 4186112" -- "$SAVEOOPS" format --slots 2 "$e"
# An ext4 file system, mounted.
fs=$TEST_DIR/fs.img
truncate -s 8M "$fs"
mke2fs -q -t ext4 "$fs"
loop "$fs" dev_fs
mkdir -p "$TEST_DIR/mnt"
if mount "$dev_fs" "$TEST_DIR/mnt" 2> /dev/null; then
	expect_rc "format refuses a mounted file system" 1 "$dev_fs is mounted; not formatting it" -- \
		"$SAVEOOPS" format --slots 2 "$dev_fs"
	expect_rc "even with --force" 1 "is mounted" -- \
		"$SAVEOOPS" format --force --slots 2 "$dev_fs"
	expect_rc "a store file on that ext4 is fine" 0 "saveoops store with 2 slots" -- \
		"$SAVEOOPS" format --slots 2 --size 1M "$TEST_DIR/mnt/store.img"
	# Its extents are recorded in it and it is immutable, so they stay.
	expect_rc "format records its extents and prints the capture command line" 0 \
		"saveoops.sector=" -- "$SAVEOOPS" format --force --slots 2 "$TEST_DIR/mnt/store.img"
	case $(lsattr "$TEST_DIR/mnt/store.img" 2> /dev/null | cut -d' ' -f1) in
	*i*) tap ok "the store file is immutable (lsattr)" ;;
	*) tap "not ok" "the store file is immutable (lsattr)" ;;
	esac
	sector=$(sed -n 's/.*saveoops.sector=\([0-9]*\)$/\1/p' "$TEST_DIR/out")
	got=$(payload_cmdline --store "$TEST_DIR/mnt/store.img" --cmdline "panic=1")
	case $got in
	"panic=1 saveoops.store=UUID="*" saveoops.sector=$sector")
		tap ok "mkpayload --store FILE adds the file's saveoops.sector= too" ;;
	*) tap "not ok" "mkpayload --store FILE adds the file's saveoops.sector= too: '$got'" ;;
	esac
	expect_rc "clear --all writes it all the same" 0 "" -- \
		"$SAVEOOPS" --store "$TEST_DIR/mnt/store.img" clear --all
	case $(lsattr "$TEST_DIR/mnt/store.img" 2> /dev/null | cut -d' ' -f1) in
	*i*) tap ok "and leaves it immutable" ;;
	*) tap "not ok" "and leaves it immutable" ;;
	esac
	expect_rc "--image leaves a disk image mutable" 0 "" -- sh -c \
		"'$SAVEOOPS' format --image --slots 2 --size 1M '$TEST_DIR/mnt/vm.img' &&
		 ! lsattr '$TEST_DIR/mnt/vm.img' | cut -d' ' -f1 | grep -q i"
	chattr -i "$TEST_DIR/mnt/store.img"
	umount "$TEST_DIR/mnt"
else
	echo "# SKIP cannot mount ext4 here"
fi
expect_rc "format refuses an ext4 file system" 1 "it holds an ext2/3/4 superblock at byte 1080" -- \
	"$SAVEOOPS" format --slots 2 "$dev_fs"
# A device another program holds with O_EXCL (as md, dm and mount do).
python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
open(sys.argv[2], "w").close()
time.sleep(30)' "$dev_fs" "$TEST_DIR/held" &
holder=$!
for _ in $(seq 50); do [ -e "$TEST_DIR/held" ] && break; sleep 0.1; done
expect_rc "format refuses a device open exclusively elsewhere, even with --force" 1 \
	"busy \(mounted, or in use by md, dm" -- \
	"$SAVEOOPS" format --force --slots 2 "$dev_fs"
kill "$holder" 2> /dev/null
wait "$holder" 2> /dev/null
blkid -p "$dev_fs" | grep -q 'TYPE="ext4"' && tap ok "the ext4 file system is intact" ||
	tap "not ok" "the ext4 file system is intact"
done_testing
