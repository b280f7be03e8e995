#!/bin/bash
# Debian's own kernel and its modules (both from the linux-image .deb) as
# the capture kernel, with the payload saveoops-mkpayload builds by default:
# its capture initramfs carries the common disk drivers as modules and
# saveoops-capture loads them before it looks for the store. A crash is
# saved to a virtio disk, to an NVMe disk and to an AHCI (SATA) disk of a
# q35 machine, each record read on the host with saveoops list. Modules
# that cannot load (not a module, built for another release, a module
# tree whose modules.dep names a missing file) are each reported in one
# console line and the capture still ends. Our own kernel built with its
# disk drivers and ext4 as xz-compressed modules (the shared modular
# variant) saves to a partition it reaches through virtio_blk and finds by
# the UUID mkpayload --store UUID= put on its command line.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	fail "the first kernel reached /init: crash_inject=device did not fire"
}
GUEST

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
MKPAYLOAD=$SAVEOOPS_TOOLS/saveoops-mkpayload
distro=$("$SAVEOOPS_TOP/harness/distro-kernel.sh")
release=${distro##*/vmlinuz-}
tree=${distro%/boot/*}/lib/modules/$release
diag "capture kernel: $distro"

# The defaults: the module tree beside the kernel, the common disk drivers.
if "$MKPAYLOAD" --kernel "$distro" --output "$TEST_DIR/payload.cpio" \
	2> "$TEST_DIR/mkpayload.txt"; then
	tap ok "mkpayload builds the default payload for $release"
else
	tap "not ok" "mkpayload builds the default payload for $release"
	sed 's/^/#   /' "$TEST_DIR/mkpayload.txt"
fi
mkdir -p "$TEST_DIR/payload"
(cd "$TEST_DIR/payload" && cpio -id --quiet < "$TEST_DIR/payload.cpio" &&
	cpio -i --quiet --to-stdout lib/modules/saveoops.order < kernel/kdump/initrd \
	> "$TEST_DIR/order")
for m in virtio_pci virtio_blk nvme ahci sd_mod; do
	if grep -q "^lib/modules/$release/$m.ko$" "$TEST_DIR/order" &&
	   grep -q "module $m: a common disk driver (no store named)" "$TEST_DIR/mkpayload.txt"; then
		tap ok "the capture initramfs has $m, and mkpayload says why"
	else
		tap "not ok" "the capture initramfs has $m, and mkpayload says why"
	fi
done
# Each module after what modules.dep says it needs.
if [ "$(grep -n "/libata.ko$" "$TEST_DIR/order" | cut -d: -f1)" -lt \
     "$(grep -n "/ahci.ko$" "$TEST_DIR/order" | cut -d: -f1)" ] &&
   [ "$(grep -n "/virtio_ring.ko$" "$TEST_DIR/order" | cut -d: -f1)" -lt \
     "$(grep -n "/virtio_blk.ko$" "$TEST_DIR/order" | cut -d: -f1)" ]; then
	tap ok "dependencies come first in the load order"
else
	tap "not ok" "dependencies come first in the load order"
fi
n=$(grep -vc '^release ' "$TEST_DIR/order")
size=$(stat -c %s "$TEST_DIR/payload/kernel/kdump/initrd")
diag "capture initramfs with Debian's modules: $n modules, $((size >> 10)) KiB"

# A boot that crashes and is captured by Debian's kernel took 20 s on an
# idle 2-core host under TCG (3 s of it arming with the 8 MiB kernel, 11 s
# the capture kernel booting); allow for a loaded CI host.
crash_timeout=180

# crash NAME PAYLOAD MACHINE DRIVE-ARGS...: one boot that crashes in a device
# initcall and is captured by Debian's kernel, which ends the VM.
crash()
{
	local name=$1 payload=$2 machine=$3

	shift 3
	case_begin "$name"
	boot_guest --payload "$payload" --machine "$machine" --timeout $crash_timeout \
		--append "crashkernel=256M crash_inject=device" --expect-end none -- "$@"
	log_has "$name: Debian's kernel is the capture kernel" "Linux version $release "
}

# expect_record NAME DISK: record 1 of DISK is the injected panic.
expect_record()
{
	local got

	got=$("$SAVEOOPS" --store "$2" list 2>&1)
	if echo "$got" | grep -Eq '^1 .* 6\.12\.[0-9]+ .* Kernel panic - not syncing: crash_inject: stage device$'; then
		tap ok "$1: saveoops list on the host shows the panic as record 1"
	else
		tap "not ok" "$1: saveoops list on the host shows the panic as record 1"
		echo "$got" | sed 's/^/#   /'
	fi
}

store()
{
	"$SAVEOOPS" format --image --slots 4 --size 8M "$TEST_DIR/$1.img" > /dev/null
	echo "$TEST_DIR/$1.img"
}

# Two modules that cannot load ride along in the virtio case: a file that is
# no module, and a module of this release made to look built for another:
# its signature cut off (a wrong one is refused before anything else), its
# vermagic's release changed and its __versions section renamed (with
# symbol CRCs the kernel does not compare the release).
head -c 4096 /dev/urandom > "$TEST_DIR/garbage.ko"
ko=$tree/kernel/lib/crc16.ko
len=$(stat -c %s "$ko")
siglen=$(od -An -tu1 -j $((len - 40 + 8)) -N 4 "$ko" |
	awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}')
other=${release/-57-/-99-}
head -c $((len - 40 - siglen)) "$ko" |
	LC_ALL=C sed -e "s/vermagic=$release /vermagic=$other /" -e 's/__versions/__versionz/g' \
	> "$TEST_DIR/other-release.ko"
"$MKPAYLOAD" --kernel "$distro" --output "$TEST_DIR/payload-extra.cpio" \
	--modules "$TEST_DIR/garbage.ko,$TEST_DIR/other-release.ko,no_such_module" \
	2> "$TEST_DIR/mkpayload-extra.txt"
if grep -q "no module no_such_module in $tree (asked for with --modules): left out" \
	"$TEST_DIR/mkpayload-extra.txt"; then
	tap ok "mkpayload names a module that is not in the tree"
else
	tap "not ok" "mkpayload names a module that is not in the tree"
	sed 's/^/#   /' "$TEST_DIR/mkpayload-extra.txt"
fi
if grep -q "warning: other_release is built for $other, not $release" "$TEST_DIR/mkpayload-extra.txt"; then
	tap ok "mkpayload warns of a module built for another release"
else
	tap "not ok" "mkpayload warns of a module built for another release"
fi

disk=$(store virtio)
crash virtio "$TEST_DIR/payload-extra.cpio" pc -drive "file=$disk,format=raw,if=virtio"
log_has "virtio: a file that is no module is reported" \
	"saveoops: module /lib/modules/$release/garbage.ko did not load: Exec format error"
log_has "virtio: the kernel refuses the module for another release" \
	"crc16: version magic '$other SMP .*' should be '$release SMP "
log_has "virtio: and the capture reports it" \
	"saveoops: module /lib/modules/$release/other-release.ko did not load: Exec format error \(built for another kernel"
log_has "virtio: the others loaded" "saveoops: loaded [0-9]+ of $((n + 2)) modules"
log_count "virtio: only those two did not load" 2 "saveoops: module .* did not load"
log_has "virtio: the record is saved" "saveoops: saved record 1 .* to /dev/vda"
expect_record virtio "$disk"

disk=$(store nvme)
crash nvme "$TEST_DIR/payload.cpio" q35 \
	-drive "file=$disk,format=raw,if=none,id=store" -device nvme,drive=store,serial=saveoops
log_has "nvme: the modules were loaded" "saveoops: loaded [0-9]+ of $n modules"
log_lacks "nvme: none failed" "saveoops: module .* did not load"
log_has "nvme: the record is saved" "saveoops: saved record 1 .* to /dev/nvme0n1"
expect_record nvme "$disk"

disk=$(store ahci)
crash ahci "$TEST_DIR/payload.cpio" q35 \
	-drive "file=$disk,format=raw,if=none,id=store" -device ide-hd,drive=store,bus=ide.0
log_has "ahci: the modules were loaded" "saveoops: loaded [0-9]+ of $n modules"
log_lacks "ahci: none failed" "saveoops: module .* did not load"
log_has "ahci: the record is saved" "saveoops: saved record 1 .* to /dev/sda"
expect_record ahci "$disk"

# A module tree whose modules.dep names a file that is not there: virtio_ring.
broken=$TEST_DIR/broken/lib/modules/$release
mkdir -p "$broken"
grep -E '^kernel/drivers/(virtio|block)/(virtio|virtio_pci|virtio_blk|virtio_pci_(legacy|modern)_dev)\.ko:' \
	"$tree/modules.dep" > "$broken/modules.dep"
for f in $(sed 's/://' "$broken/modules.dep" | tr ' ' '\n' | sort -u); do
	[ "${f##*/}" = virtio_ring.ko ] && continue
	mkdir -p "$broken/${f%/*}"
	ln -sf "$tree/$f" "$broken/$f"
done
"$MKPAYLOAD" --kernel "$distro" --modules-dir "$broken" --output "$TEST_DIR/payload-broken.cpio" \
	--cmdline "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 saveoops.wait=3" \
	2> "$TEST_DIR/mkpayload-broken.txt"
if grep -q "modules.dep names kernel/drivers/virtio/virtio_ring.ko (needed by virtio_pci), which is not in $broken: left out" \
	"$TEST_DIR/mkpayload-broken.txt"; then
	tap ok "mkpayload names the file modules.dep names that is missing"
else
	tap "not ok" "mkpayload names the file modules.dep names that is missing"
	sed 's/^/#   /' "$TEST_DIR/mkpayload-broken.txt"
fi
disk=$(store broken)
crash broken "$TEST_DIR/payload-broken.cpio" pc -drive "file=$disk,format=raw,if=virtio"
log_has "broken: a module whose dependency is missing is reported" \
	"saveoops: module /lib/modules/$release/virtio_pci.ko did not load: No such file or directory \(a symbol it needs is missing"
log_has "broken: the capture says it found no store" "saveoops: no store"
log_has "broken: and ends the machine" "saveoops: rebooting"
if [ -z "$("$SAVEOOPS" --store "$disk" list 2>/dev/null | grep -E '^1 ')" ]; then
	tap ok "broken: no record on the disk"
else
	tap "not ok" "broken: no record on the disk"
fi

# Our own kernel built as a distribution builds it (config/modular.config,
# harness/modular-kernel.sh: virtio_blk, ext4 and the rest as xz-compressed
# modules the kernel decompresses itself) as the capture kernel, its
# payload made with --store UUID=: the store is the first partition of a
# virtio disk, which the capture reaches only once it has loaded
# virtio_blk, and finds by the UUID on its command line. ext4 and what it
# needs ride along, loaded from their .ko.xz.
modular=$("$SAVEOOPS_TOP/harness/modular-kernel.sh")
mrel=${modular##*/vmlinuz-}
diag "modular capture kernel: $modular"
uuid=$("$SAVEOOPS" format --image --slots 2 --size 1M "$TEST_DIR/part.img" |
	sed -n 's/.*UUID \([0-9a-f-]*\).*/\1/p' | head -1)
sectors=$(($(stat -c %s "$TEST_DIR/part.img") / 512))
# le32 N: N as four little-endian bytes.
le32()
{
	local i

	for i in 0 8 16 24; do
		# shellcheck disable=SC2059
		printf "\\x$(printf %02x $(($1 >> i & 255)))"
	done
}
# An MBR with one Linux partition at sector 2048 holding the store.
{
	head -c 446 /dev/zero
	printf '\x00\x00\x21\x00\x83\xfe\xff\xff'
	le32 2048
	le32 "$sectors"
	head -c 48 /dev/zero
	printf '\x55\xaa'
	head -c $((2048 * 512 - 512)) /dev/zero
	cat "$TEST_DIR/part.img"
	head -c 1048576 /dev/zero
} > "$TEST_DIR/modular.img"
cp "$TEST_DIR/modular.img" "$TEST_DIR/modular-before.img"
"$MKPAYLOAD" --kernel "$modular" --store "UUID=$uuid" --store-driver virtio_blk \
	--modules ext4 --cmdline "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10" \
	--output "$TEST_DIR/payload-modular.cpio" 2> "$TEST_DIR/mkpayload-modular.txt"
mkdir -p "$TEST_DIR/modular"
(cd "$TEST_DIR/modular" && cpio -id --quiet < "$TEST_DIR/payload-modular.cpio" &&
	cpio -i --quiet --to-stdout lib/modules/saveoops.order < kernel/kdump/initrd \
	> "$TEST_DIR/modular.order")
if grep -qx "lib/modules/$mrel/virtio_blk.ko.xz" "$TEST_DIR/modular.order" &&
   grep -qx "lib/modules/$mrel/ext4.ko.xz" "$TEST_DIR/modular.order" &&
   grep -qx "lib/modules/$mrel/jbd2.ko.xz" "$TEST_DIR/modular.order"; then
	tap ok "modular: virtio_blk, ext4 and what ext4 needs, kept compressed"
else
	tap "not ok" "modular: virtio_blk, ext4 and what ext4 needs, kept compressed"
	sed 's/^/#   /' "$TEST_DIR/mkpayload-modular.txt" "$TEST_DIR/modular.order"
fi
if grep -q " saveoops.store=UUID=$uuid\$" "$TEST_DIR/modular/kernel/kdump/cmdline"; then
	tap ok "modular: --store UUID= puts saveoops.store=UUID= on the capture command line"
else
	tap "not ok" "modular: --store UUID= puts saveoops.store=UUID= on the capture command line"
fi
mn=$(grep -c '\.ko' "$TEST_DIR/modular.order")
case_begin modular
boot_guest --payload "$TEST_DIR/payload-modular.cpio" \
	--append "crashkernel=128M crash_inject=device" --expect-end none -- \
	-drive "file=$TEST_DIR/modular.img,format=raw,if=virtio"
log_has "modular: our modular kernel is the capture kernel" "Linux version $mrel "
log_has "modular: it loaded every module, from .ko.xz" "saveoops: loaded $mn of $mn modules"
log_lacks "modular: none failed" "saveoops: module .* did not load"
log_has "modular: the record is saved to the partition with the UUID" \
	"saveoops: saved record 1 .* to /dev/vda1"
dd if="$TEST_DIR/modular.img" of="$TEST_DIR/modular-part.img" bs=512 skip=2048 \
	count="$sectors" status=none
expect_record modular "$TEST_DIR/modular-part.img"
if cmp -s -n 1048576 "$TEST_DIR/modular.img" "$TEST_DIR/modular-before.img" &&
   cmp -s -i $(((2048 + sectors) * 512)) "$TEST_DIR/modular.img" \
	"$TEST_DIR/modular-before.img"; then
	tap ok "modular: nothing outside the partition changed"
else
	tap "not ok" "modular: nothing outside the partition changed"
fi
done_testing
