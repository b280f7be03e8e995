#!/bin/bash
# saveoops-mkpayload's kernel modules, on a made-up module tree and sysfs:
# the release read from the bzImage header, the default tree beside a
# kernel in ROOT/boot, the common disk drivers when no store is named, the
# store's drivers from sysfs (its device's chain of parents; for
# --store UUID=, the device whose superblock has that UUID), or
# --store-driver; dependencies from modules.dep and modules.softdep in load
# order; .ko.xz, .ko.gz and .ko.zst decompressed unless the kernel config
# says the kernel does it; built-in drivers, missing modules, a modules.dep
# naming a missing file and a module for another release named on stderr.
. "$(dirname "$0")/../../harness/testlib.sh"

MKPAYLOAD=$SAVEOOPS_TOOLS/saveoops-mkpayload
rel=6.99.0-test
root=$TEST_DIR/root
tree=$root/lib/modules/$rel
kernel=$root/boot/vmlinuz-$rel

# A bzImage header: "HdrS" at 0x202, kernel_version at 0x20e pointing (less
# 0x200) at the version string.
mkdir -p "$root/boot" "$tree/kernel/drivers"
{
	head -c $((0x202)) /dev/zero
	printf 'HdrS'
	head -c $((0x20e - 0x206)) /dev/zero
	printf '\x00\x01'
	head -c $((0x300 - 0x210)) /dev/zero
	printf '%s (test@example) #1 SMP\0' "$rel"
	head -c 512 /dev/zero
} > "$kernel"

# mod PATH [VERMAGIC-RELEASE]: a "module" that names its release.
mod()
{
	mkdir -p "$tree/$(dirname "$1")"
	printf '\x7fELF %s\0vermagic=%s SMP mod_unload \0' "$1" "${2:-$rel}" > "$tree/$1"
}
d=kernel/drivers
for m in virtio/virtio virtio/virtio_ring virtio/virtio_pci block/virtio_blk \
	nvme/nvme-core nvme/nvme ata/libata ata/ahci scsi/scsi_mod scsi/sd_mod \
	lib/crc32c_generic; do
	mod "$d/$m.ko"
done
mod "$d/old/stale.ko" 6.1.0-old
xz -k "$tree/$d/nvme/nvme.ko"
gzip -k "$tree/$d/nvme/nvme-core.ko"
zstd -q "$tree/$d/ata/ahci.ko" -o "$tree/$d/ata/ahci.ko.zst"
for f in nvme/nvme.ko nvme/nvme-core.ko ata/ahci.ko; do
	cp "$tree/$d/$f" "$TEST_DIR/${f##*/}.orig"
	rm "$tree/$d/$f"
done
cat > "$tree/modules.dep" <<EOF
$d/virtio/virtio.ko:
$d/virtio/virtio_ring.ko:
$d/virtio/virtio_pci.ko: $d/virtio/virtio.ko $d/virtio/virtio_ring.ko
$d/block/virtio_blk.ko: $d/virtio/virtio.ko $d/virtio/virtio_ring.ko
$d/nvme/nvme-core.ko.gz:
$d/nvme/nvme.ko.xz: $d/nvme/nvme-core.ko.gz
$d/scsi/scsi_mod.ko:
$d/ata/libata.ko: $d/scsi/scsi_mod.ko
$d/ata/ahci.ko.zst: $d/ata/libata.ko $d/scsi/scsi_mod.ko
$d/scsi/sd_mod.ko: $d/scsi/scsi_mod.ko $d/lib/gone.ko
$d/lib/crc32c_generic.ko:
$d/old/stale.ko:
EOF
echo "kernel/drivers/scsi/virtio_scsi.ko" > "$tree/modules.builtin"
echo "alias crypto-crc32c crc32c_generic" > "$tree/modules.alias"
echo "softdep sd_mod pre: crypto-crc32c" > "$tree/modules.softdep"
printf 'CONFIG_MODULES=y\n' > "$root/boot/config-$rel"

# build NAME ARGS...: mkpayload's stderr in NAME.err, the capture
# initramfs unpacked in NAME/, its load order in NAME.order.
build()
{
	local name=$1 rc=0

	shift
	"$MKPAYLOAD" --kernel "$kernel" --capture "$MKPAYLOAD" \
		--output "$TEST_DIR/$name.cpio" "$@" 2> "$TEST_DIR/$name.err" || rc=$?
	rm -rf "${TEST_DIR:?}/$name"
	mkdir -p "$TEST_DIR/$name"
	if [ $rc -eq 0 ]; then
		(cd "$TEST_DIR/$name" && cpio -id --quiet < "../$name.cpio" &&
			cpio -id --quiet < kernel/kdump/initrd)
	fi
	sed -e '1{/^release /d}' -e 's,.*/,,' "$TEST_DIR/$name/lib/modules/saveoops.order" \
		2>/dev/null | tr '\n' ' ' > "$TEST_DIR/$name.order"
	return $rc
}

# expect DESCRIPTION TEST-COMMAND...: one TAP line; show the build's stderr on failure.
expect()
{
	local desc=$1

	shift
	if "$@"; then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		sed 's/^/#   /' "$TEST_DIR/$last.err"
		diag "  order: $(cat "$TEST_DIR/$last.order" 2>/dev/null)"
	fi
}
err_has() { grep -Eq -- "$1" "$TEST_DIR/$last.err"; }
order_is() { [ "$(cat "$TEST_DIR/$last.order")" = "$1" ]; }

last=default
build default
expect "no store: the common disk drivers and their dependencies, in load order" \
	order_is "virtio_ring.ko virtio.ko virtio_pci.ko virtio_blk.ko nvme-core.ko nvme.ko scsi_mod.ko libata.ko ahci.ko crc32c_generic.ko sd_mod.ko "
expect "the release comes from the bzImage, the tree from beside ROOT/boot" \
	err_has "capture kernel $rel, modules from $root/lib/modules/$rel\$"
expect "the order file names the release" \
	grep -qx "release $rel" "$TEST_DIR/default/lib/modules/saveoops.order"
expect "the modules sit under lib/modules/RELEASE" \
	test -f "$TEST_DIR/default/lib/modules/$rel/virtio_blk.ko"
expect "each is named with why it is there" \
	err_has "^saveoops-mkpayload: module virtio_ring: needed by virtio_pci$"
expect "a common disk driver says so" \
	err_has "^saveoops-mkpayload: module nvme: a common disk driver \(no store named\)$"
expect "a built-in driver is named and left out" \
	err_has "virtio_scsi is built into the capture kernel"
expect "a softdep's pre module comes first, through its alias, as optional" \
	grep -qx "optional lib/modules/$rel/crc32c_generic.ko" "$TEST_DIR/default/lib/modules/saveoops.order"
expect "modules.dep naming a missing file is named" \
	err_has "modules.dep names $d/lib/gone.ko \(needed by sd_mod\), which is not in $tree: left out"
expect ".ko.xz is decompressed at build time" \
	cmp -s "$TEST_DIR/nvme.ko.orig" "$TEST_DIR/default/lib/modules/$rel/nvme.ko"
expect ".ko.gz is decompressed at build time" \
	cmp -s "$TEST_DIR/nvme-core.ko.orig" "$TEST_DIR/default/lib/modules/$rel/nvme-core.ko"
expect ".ko.zst is decompressed at build time" \
	cmp -s "$TEST_DIR/ahci.ko.orig" "$TEST_DIR/default/lib/modules/$rel/ahci.ko"
expect "the summary counts the modules" \
	err_has "^saveoops-mkpayload: 11 modules, [0-9]+ KiB, in the capture initramfs"
cp "$TEST_DIR/default.cpio" "$TEST_DIR/default-1.cpio"
build default
expect "the same tree gives the same bytes" cmp -s "$TEST_DIR/default.cpio" "$TEST_DIR/default-1.cpio"

# A kernel that decompresses xz itself gets nvme.ko.xz as it is.
printf 'CONFIG_MODULES=y\nCONFIG_MODULE_DECOMPRESS=y\nCONFIG_MODULE_COMPRESS_XZ=y\n' \
	> "$TEST_DIR/config-xz"
last=xz
build xz --kernel-config "$TEST_DIR/config-xz" --store-driver nvme
expect "--kernel-config with MODULE_DECOMPRESS and xz: .ko.xz kept, .ko.gz decompressed" \
	order_is "nvme-core.ko nvme.ko.xz "
expect "  the kept .ko.xz is the file from the tree" \
	cmp -s "$tree/$d/nvme/nvme.ko.xz" "$TEST_DIR/xz/lib/modules/$rel/nvme.ko.xz"
expect "--store-driver: only that driver and what it needs" \
	err_has "module nvme: driver of the store \(--store-driver\)"

# The store's device in a made-up sysfs: an NVMe namespace under a PCI
# function whose driver is the nvme module.
sys=$TEST_DIR/sys
pci=$sys/devices/pci0000:00/0000:00:04.0
mkdir -p "$pci/nvme/nvme0/nvme0n1" "$sys/bus/pci/drivers/nvme" "$sys/module/nvme" \
	"$sys/dev/block"
ln -s ../../../bus/pci/drivers/nvme "$pci/driver"
ln -s ../../../../module/nvme "$sys/bus/pci/drivers/nvme/module"
ln -s ../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1 "$sys/dev/block/259:7"
mknod "$TEST_DIR/store-dev" b 259 7
last=sysfs
build sysfs --sysfs "$sys" --store "$TEST_DIR/store-dev"
expect "--store: the driver of its device from sysfs, with what it needs" \
	order_is "nvme-core.ko nvme.ko "
expect "and says it is the store's driver" \
	err_has "module nvme: driver of the store $TEST_DIR/store-dev\$"
mknod "$TEST_DIR/other-dev" b 259 8
last=unknown
build unknown --sysfs "$sys" --store "$TEST_DIR/other-dev"
expect "a store sysfs does not know: says so, takes the common disk drivers" \
	err_has "other-dev \(device 259:8\) is not in $sys/dev/block"
expect "  (the common disk drivers)" \
	err_has "module virtio_blk: a common disk driver \(the store's device is unknown\)"

# A store named by UUID: found by reading each device sysfs' class/block
# lists (their nodes in a made-up /dev: disk images), then its drivers as
# for a device. vda holds another store, vdb none, vdb1 (a partition of
# vdb, on virtio under PCI) the one named.
SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
usys=$TEST_DIR/usys
udev=$TEST_DIR/udev
pci=$usys/devices/pci0000:00/0000:00:05.0
blk=$pci/virtio3/block/vdb
mkdir -p "$blk/vdb1" "$usys/devices/virtual/block/vda" "$usys/class/block" \
	"$usys/dev/block" "$usys/bus/pci/drivers/virtio-pci" \
	"$usys/bus/virtio/drivers/virtio_blk" "$usys/module/virtio_pci" \
	"$usys/module/virtio_blk" "$udev"
ln -s "$usys/bus/pci/drivers/virtio-pci" "$pci/driver"
ln -s "$usys/module/virtio_pci" "$usys/bus/pci/drivers/virtio-pci/module"
ln -s "$usys/bus/virtio/drivers/virtio_blk" "$pci/virtio3/driver"
ln -s "$usys/module/virtio_blk" "$usys/bus/virtio/drivers/virtio_blk/module"
echo 253:0 > "$usys/devices/virtual/block/vda/dev"
echo 253:16 > "$blk/dev"
echo 253:17 > "$blk/vdb1/dev"
for b in "$usys/devices/virtual/block/vda" "$blk" "$blk/vdb1"; do
	ln -s "$b" "$usys/class/block/${b##*/}"
	ln -s "$b" "$usys/dev/block/$(cat "$b/dev")"
done
uuid_of() { sed -n 's/.*UUID \([0-9a-f-]*\).*/\1/p' | head -1; }
"$SAVEOOPS" format --image --slots 2 --size 1M "$udev/vda" > /dev/null
want=$("$SAVEOOPS" format --image --slots 2 --size 1M "$udev/vdb1" | uuid_of)
head -c 65536 /dev/zero > "$udev/vdb"
WANT=$(echo "$want" | tr a-f A-F)
last=uuid
build uuid --sysfs "$usys" --dev "$udev" --store "UUID=$WANT"
expect "--store UUID=: the device that holds it, from sysfs and its superblock" \
	err_has "the store UUID=$WANT is $udev/vdb1 \(device 253:17\)\$"
expect "  its drivers up the chain of parents, with what they need" \
	order_is "virtio_ring.ko virtio.ko virtio_blk.ko virtio_pci.ko "
expect "  named as the store's drivers" \
	err_has "module virtio_pci: driver of the store UUID=$WANT\$"
expect "  saveoops.store=UUID= on the capture command line, in lower case" \
	grep -q " saveoops.store=UUID=$want\$" "$TEST_DIR/uuid/kernel/kdump/cmdline"
gone=01234567-89ab-cdef-0123-456789abcdef
last=uuid-gone
build uuid-gone --sysfs "$usys" --dev "$udev" --store "UUID=$gone"
expect "a UUID no device holds: says so, takes the common disk drivers" \
	err_has "no block device holds the store UUID=$gone\$"
expect "  (the common disk drivers)" \
	err_has "module nvme: a common disk driver \(the store's device is unknown\)"
expect "  and still names it on the capture command line" \
	grep -q " saveoops.store=UUID=$gone\$" "$TEST_DIR/uuid-gone/kernel/kdump/cmdline"
last=uuid-bad
build uuid-bad --sysfs "$usys" --dev "$udev" --store "UUID=${want%?}" && rc=0 || rc=$?
expect "a UUID that is not one fails with exit 1 and says so" \
	eval '[ $rc -eq 1 ] && err_has "--store UUID=${want%?}: not a UUID"'

last=extra
build extra --store-driver virtio_blk --modules stale,no_such,"$TEST_DIR/nvme.ko.orig"
expect "--modules: a name from the tree, a .ko file as it is" \
	order_is "virtio_ring.ko virtio.ko virtio_blk.ko stale.ko nvme.ko.orig "
expect "a module built for another release is warned of" \
	err_has "warning: stale is built for 6.1.0-old, not $rel: it may not load"
expect "a module not in the tree is named" \
	err_has "no module no_such in $tree \(asked for with --modules\): left out"

last=nomod
printf '# CONFIG_MODULES is not set\n' > "$TEST_DIR/config-nomod"
build nomod --kernel-config "$TEST_DIR/config-nomod"
expect "a kernel without CONFIG_MODULES gets no modules" \
	test ! -e "$TEST_DIR/nomod/lib"
expect "  and mkpayload says so" err_has "cannot load modules \(no CONFIG_MODULES\)"

last=notbz
printf 'kernel' > "$TEST_DIR/vmlinuz"
if "$MKPAYLOAD" --kernel "$TEST_DIR/vmlinuz" --capture "$MKPAYLOAD" \
	--output "$TEST_DIR/notbz.cpio" 2> "$TEST_DIR/notbz.err"; then
	expect "a kernel with no release: a payload without modules" err_has "no release in"
else
	tap "not ok" "a kernel with no release: a payload without modules"
fi
expect "  but not when --modules-dir asks for them" \
	test "$("$MKPAYLOAD" --kernel "$TEST_DIR/vmlinuz" --modules-dir "$tree" \
		--output "$TEST_DIR/x.cpio" 2>/dev/null; echo $?)" = 1

last=nodep
mkdir -p "$TEST_DIR/nodep"
build nodep --modules-dir "$TEST_DIR/nodep" && rc=0 || rc=$?
expect "a tree without modules.dep fails and says to run depmod" \
	err_has "has no modules.dep: run depmod -b ROOT $rel"
expect "  with exit 1" test $rc -eq 1
done_testing
