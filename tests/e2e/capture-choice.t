#!/bin/bash
# Which disk the capture kernel writes to, in a guest with the default
# capture initramfs: with two stores and no saveoops.store= it refuses and
# names both; saveoops-mkpayload --store puts the store's UUID on the
# capture command line and the record lands there only; a UUID no disk has
# is given up on after saveoops.wait with the disks it saw; a store on a
# disk that is also an md 1.2 RAID member is skipped and left byte for byte.
. "$(dirname "$0")/../../harness/testlib.sh"

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
BASE="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10"

# crash PAYLOAD DISK...: one boot that crashes and is captured with these
# disks (virtio, vda first); the capture kernel's /init ends the VM.
crash()
{
	local payload=$1 d args=()

	shift
	for d in "$@"; do
		args+=(-drive "file=$d,format=raw,if=virtio")
	done
	boot_guest --payload "$payload" --append "crashkernel=128M crash_inject=core" \
		--expect-end none -- "${args[@]}"
}

# payload NAME MKPAYLOAD-ARGS...: a payload of the test kernel.
payload()
{
	local name=$1

	shift
	"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" \
		--output "$TEST_DIR/payload-$name.cpio" "$@" 2> "$TEST_DIR/payload-$name.err"
	echo "$TEST_DIR/payload-$name.cpio"
}

# records DISK: how many records the store on DISK holds.
records()
{
	"$SAVEOOPS" --store "$1" list | sed -n 's/^\([0-9]*\) of [0-9]* slots used.*/\1/p'
}

# fmt DISK: a 2-slot store in a new 2 MiB DISK; prints its UUID.
fmt()
{
	"$SAVEOOPS" format --image --slots 2 --size 2M "$1" | sed -n 's/.*, UUID //p'
}

one=$TEST_DIR/one.img
two=$TEST_DIR/two.img
uuid_one=$(fmt "$one")
uuid_two=$(fmt "$two")

case_begin two-stores
crash "$(payload nouuid --cmdline "$BASE saveoops.wait=1")" "$one" "$two"
log_has "two-stores: refuses to guess between the two" \
	'saveoops: 2 stores found, /dev/vd[ab] and more: refusing to guess \(set saveoops.store=\)'
log_has "two-stores: names the disks and their stores" \
	"saveoops: block devices seen: .*vda \\(store $uuid_one\\).*vdb \\(store $uuid_two\\)|saveoops: block devices seen: .*vdb \\(store $uuid_two\\).*vda \\(store $uuid_one\\)"
log_has "two-stores: the capture kernel still ends" 'saveoops: rebooting'
[ "$(records "$one")" = 0 ] && [ "$(records "$two")" = 0 ] &&
	tap ok "two-stores: neither store was written" ||
	tap "not ok" "two-stores: neither store was written"

case_begin uuid
p=$(payload uuid --store "$two" --cmdline "$BASE")
grep -q "capture command line: $BASE saveoops.store=UUID=$uuid_two$" "$TEST_DIR/payload-uuid.err" &&
	tap ok "uuid: mkpayload --store put the second store's UUID on the command line" ||
	tap "not ok" "uuid: mkpayload --store put the second store's UUID on the command line"
crash "$p" "$one" "$two"
log_has "uuid: the capture kernel got it" "Command line: .*saveoops.store=UUID=$uuid_two"
log_has "uuid: it saved record 1 to the second disk" \
	'saveoops: saved record 1 \([0-9]+ bytes\) to /dev/vdb slot 0'
[ "$(records "$one")" = 0 ] && [ "$(records "$two")" = 1 ] &&
	tap ok "uuid: the record is on that disk only" ||
	tap "not ok" "uuid: the record is on that disk only"

case_begin no-such-uuid
nouuid=00000000-0000-4000-8000-000000000000
crash "$(payload nosuch --cmdline "$BASE saveoops.store=UUID=$nouuid saveoops.wait=2")" \
	"$one" "$two"
log_has "no-such-uuid: gives up after saveoops.wait" \
	"saveoops: no store with UUID $nouuid after 2 s: record not saved"
log_has "no-such-uuid: names the disks it saw" \
	"saveoops: block devices seen: .*vd[ab] \\(store [0-9a-f-]{36}\\)"
log_has "no-such-uuid: the capture kernel still ends" 'saveoops: rebooting'
[ "$(records "$one")" = 0 ] && [ "$(records "$two")" = 1 ] &&
	tap ok "no-such-uuid: neither store was written" ||
	tap "not ok" "no-such-uuid: neither store was written"

# The first store's disk becomes an md 1.2 RAID member (its superblock 4 KiB
# in, where mdadm puts it): a stale store under an array.
case_begin md-member
python3 - "$one" <<'PY'
import struct, sys
sb = bytearray(256 + 2 * 2)
struct.pack_into('<IIII', sb, 0, 0xa92b4efc, 1, 0, 0)
sb[16:32] = bytes(range(1, 17))
struct.pack_into('<QIIQIIII', sb, 64, 1700000000, 1, 0, 512, 0, 2, 0, 0)
struct.pack_into('<QQQQI', sb, 128, 1024, 512, 8, 0, 0)
struct.pack_into('<QQQII', sb, 192, 1700000000, 1, 2**64 - 1, 0, 2)
s = sum(struct.unpack_from('<I', sb, i)[0] for i in range(0, len(sb), 4))
struct.pack_into('<I', sb, 216, ((s & 0xffffffff) + (s >> 32)) & 0xffffffff)
with open(sys.argv[1], 'r+b') as f:
    f.seek(4096)
    f.write(sb)
PY
if command -v blkid > /dev/null; then
	blkid -p "$one" | grep -q 'TYPE="linux_raid_member"' &&
		tap ok "md-member: blkid -p sees an md RAID member" ||
		tap "not ok" "md-member: blkid -p sees an md RAID member"
fi
cp "$one" "$TEST_DIR/one-before.img"
crash "$(payload md --store "$one" --cmdline "$BASE saveoops.wait=1")" "$one"
log_has "md-member: the store on it is skipped, by UUID, with the reason" \
	'saveoops: /dev/vda holds a saveoops store but also an md 1.2 superblock at byte 4096: skipped'
log_has "md-member: nothing saved" "saveoops: no store with UUID $uuid_one after 1 s"
cmp -s "$one" "$TEST_DIR/one-before.img" && tap ok "md-member: the disk is byte for byte as it was" ||
	tap "not ok" "md-member: the disk is byte for byte as it was"
case_begin md-member-path
crash "$(payload mdpath --cmdline "$BASE saveoops.store=/dev/vda")" "$one"
log_has "md-member-path: named by path, it is still not written" \
	'saveoops: /dev/vda holds a saveoops store but also an md 1.2 superblock at byte 4096: record not saved'
cmp -s "$one" "$TEST_DIR/one-before.img" && tap ok "md-member-path: the disk is as it was" ||
	tap "not ok" "md-member-path: the disk is as it was"
done_testing
