# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The debian-kdump group of `make bench` (sourced by harness/bench.sh):
# saveoops against Debian's own kdump-tools, both installed in the Debian 12
# system tests/e2e/debian-system.t boots (harness/debian-rootfs.sh, the
# modular kernel of harness/modular-kernel.sh), set up as a user sets them
# up, in a chroot on the host:
#   saveoops     make install DESTDIR=, /etc/default/saveoops naming the
#                store partition by UUID, update-initramfs -c (its hook puts
#                the payload ahead of the initramfs)
#   kdump-tools  its kernel postinst hook (/etc/kernel/postinst.d/kdump-tools
#                RELEASE builds /var/lib/kdump/initrd.img-RELEASE), USE_KDUMP=1,
#                kdump-tools.service enabled, crashkernel= on the command line
# The image (disk, kernel, initrd with and without the payload) is cached in
# $SAVEOOPS_CACHE/bench-debian/KEY, KEY a hash of its inputs; each boot runs
# on a copy of the disk. Boots, each once:
#   saveoops     the initrd with the payload; kdump-tools.service masked on
#                the command line (systemd.mask=), so that its kexec -p does
#                not replace the early image
#   kdump-tools  the same initrd without the payload (its first archive
#                dropped), kdump-tools.service as installed
#   both         the initrd with the payload and kdump-tools.service as
#                installed (the late crash only): which of the two captures
# for crash_inject=early, device and init, and "late": sysrq-c from a unit
# ordered after multi-user.target and kdump-tools.service. A crash is
# captured when the store partition has a record of it (saveoops) or
# /var/crash/*/dmesg.* on the root partition has its panic line
# (kdump-tools), both read on the host.

DEBIAN_KDUMP_STAGES=${DEBIAN_KDUMP_STAGES:-early device init late}
DEBIAN_KDUMP_DIR=

# debian_in_root ROOT COMMAND...: COMMAND chrooted into ROOT, with /proc,
# /sys and /dev mounted in a mount namespace of its own.
debian_in_root()
{
	unshare -m --propagation private -- sh -c '
		r=$1; shift
		mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" &&
		mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"' sh "$@"
}

# The image's inputs, for its cache key: the root file system (its name is
# a hash of its package list), the modular kernel's stamp, the saveoops
# sources that make install installs, and the code below.
debian_kdump_key()
{
	{
		echo "$1"
		cat "$SAVEOOPS_CACHE/modular/stamp"
		(cd "$SAVEOOPS_TOP" && find tools/saveoops -path tools/saveoops/tests -prune -o \
			-type f -print | LC_ALL=C sort | xargs cat)
		declare -f debian_kdump_image debian_in_root
	} | sha256sum | cut -c1-16
}

# debian_kdump_image: build (once) the image, DEBIAN_KDUMP_DIR set to it.
debian_kdump_image()
{
	local kernel release rootfs key dir root store_uuid root_uuid dist

	kernel=$("$SAVEOOPS_TOP/harness/modular-kernel.sh") || return 1
	release=${kernel##*/vmlinuz-}
	rootfs=$("$SAVEOOPS_TOP/harness/debian-rootfs.sh") || return 1
	key=$(debian_kdump_key "$rootfs")
	dir=$SAVEOOPS_CACHE/bench-debian/$key
	DEBIAN_KDUMP_DIR=$dir
	[ ! -f "$dir/done" ] || return 0
	note "debian-kdump: building the image in $dir"
	rm -rf "$SAVEOOPS_CACHE/bench-debian"
	mkdir -p "$dir"
	root=$dir/root
	mkdir -p "$root"
	tar -C "$root" --numeric-owner -xpf "$rootfs"

	# The kernel as its package lays it out, and saveoops installed.
	install -m 644 "$kernel" "$root/boot/vmlinuz-$release"
	install -m 644 "${kernel%/vmlinuz-*}/config-$release" "$root/boot/config-$release"
	install -m 644 "${kernel%/vmlinuz-*}/System.map-$release" "$root/boot/System.map-$release"
	mkdir -p "$root/lib/modules"
	cp -a "${kernel%/boot/*}/lib/modules/$release" "$root/lib/modules/"
	dist=$SAVEOOPS_CACHE/tools-test/dist/
	mkdir -p "$dist"
	flock "$dist.lock" make -s -C "$SAVEOOPS_TOP/tools/saveoops" OUTPUT="$dist" \
		DESTDIR="$root" install > "$dir/install.txt" 2>&1 ||
		{ cat "$dir/install.txt" >&2; return 1; }

	# The store, partition 2; the root's UUID chosen here.
	"$SAVEOOPS" format --image --slots 4 --size 8M "$dir/store.img" > "$dir/format.txt"
	store_uuid=$(sed -n 's/.*, UUID \([0-9a-f-]*\)$/\1/p' "$dir/format.txt")
	root_uuid=$(cat /proc/sys/kernel/random/uuid)
	# kdump-tools' hook turns MODULES=most into MODULES=dep for its
	# initramfs, and dep looks for the device under / in /proc/mounts,
	# which a chroot does not have ("failed to determine device for /"):
	# an image built in a chroot lists its modules instead, as
	# MODULES=list, for both initramfs.
	"$SAVEOOPS_TOP/harness/debian-rootfs.sh" settings "$root" "$release" "$store_uuid" \
		"$root_uuid" debian-bench "make bench (debian-kdump)" MODULES=list
	printf 'virtio_blk\next4\n' >> "$root/etc/initramfs-tools/modules"

	# kdump-tools as its README says: USE_KDUMP=1, the service enabled.
	sed -i 's/^#*USE_KDUMP=.*/USE_KDUMP=1/' "$root/etc/default/kdump-tools"

	# The late crash: after multi-user.target and kdump-tools.service,
	# on bench.crash=late only. It leaves on the console, with the kernel
	# clock, what kexec_crash_loaded says and /proc/uptime beside it (the
	# clock of the journal's timestamps, which kdump-tools' lines carry).
	cat > "$root/usr/local/sbin/bench-crash" <<'EOF'
#!/bin/sh
echo "bench: late crash unit, kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)," \
	"uptime $(cut -d' ' -f1 /proc/uptime)," \
	"kdump-tools.service $(systemctl is-active kdump-tools.service)" > /dev/kmsg
sync
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
EOF
	chmod 755 "$root/usr/local/sbin/bench-crash"
	cat > "$root/etc/systemd/system/bench-crash.service" <<'EOF'
[Unit]
Description=make bench: sysrq-c once the system is up
After=multi-user.target kdump-tools.service saveoops.service
ConditionKernelCommandLine=bench.crash=late

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/bench-crash

[Install]
WantedBy=multi-user.target
EOF
	# No logins, no timers, no kexec-tools reboot loader: a short boot.
	# kdump-tools.service stays enabled.
	debian_in_root "$root" systemctl -q mask serial-getty@ttyS0.service getty@tty1.service \
		kexec-load.service kexec.service e2scrub_reap.service \
		$(cd "$root/lib/systemd/system" && ls ./*.timer | sed 's,^\./,,')
	debian_in_root "$root" systemctl -q unmask kdump-tools.service
	debian_in_root "$root" systemctl -q enable kdump-tools.service saveoops.service \
		bench-crash.service

	# The initramfs with saveoops' payload, then kdump-tools' own.
	debian_in_root "$root" update-initramfs -c -k "$release" > "$dir/update-initramfs.txt" 2>&1 ||
		{ cat "$dir/update-initramfs.txt" >&2; return 1; }
	debian_in_root "$root" /etc/kernel/postinst.d/kdump-tools "$release" \
		> "$dir/kdump-tools-hook.txt" 2>&1 ||
		{ cat "$dir/kdump-tools-hook.txt" >&2; return 1; }
	[ -s "$root/var/lib/kdump/initrd.img-$release" ] ||
		{ note "debian-kdump: kdump-tools' hook made no initrd"; return 1; }
	# As its first load on this system leaves it: the sysctl file it
	# compares with (a difference makes kdump-config rebuild the initrd,
	# in the guest) and its links.
	cp "$root/etc/kdump/sysctl.conf" "$root/var/lib/kdump/latest_sysctls-$release"
	ln -sf "/boot/vmlinuz-$release" "$root/var/lib/kdump/vmlinuz"
	ln -sf "/var/lib/kdump/initrd.img-$release" "$root/var/lib/kdump/initrd.img"

	cp "$root/boot/vmlinuz-$release" "$dir/vmlinuz"
	cp "$root/boot/initrd.img-$release" "$dir/initrd"
	cp "$root/var/lib/kdump/initrd.img-$release" "$dir/kdump-initrd"
	# The same initrd without saveoops: what follows the payload's archive.
	python3 - "$dir/initrd" "$dir/initrd-nopayload" "$dir/payload.cpio" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
o = 0
while d[o:o + 6] == b'070701':
    namesize = int(d[o + 94:o + 102], 16)
    filesize = int(d[o + 54:o + 62], 16)
    name = d[o + 110:o + 110 + namesize - 1]
    o = (o + 110 + namesize + 3) & ~3
    o = (o + filesize + 3) & ~3
    if name == b'TRAILER!!!':
        break
end = o
while o < len(d) and d[o] == 0:
    o += 1
if end == 0 or d[o:o + 4] != b'\x28\xb5\x2f\xfd':
    sys.exit('the initrd does not start with the payload and a zstd archive')
open(sys.argv[2], 'wb').write(d[o:])
open(sys.argv[3], 'wb').write(d[:end])
PY
	"$SAVEOOPS_TOP/harness/debian-rootfs.sh" disk "$dir/disk.img" "$root" "$dir/store.img" \
		"$root_uuid" > /dev/null
	printf 'release=%s\nroot_uuid=%s\nstore_uuid=%s\n' "$release" "$root_uuid" "$store_uuid" \
		> "$dir/image.env"
	rm -rf "$root"
	touch "$dir/done"
}

# debian_boot NAME METHOD STAGE: one boot of the image, its console stamped;
# the verdict from the disk the boot left.
debian_boot()
{
	local name=$1 method=$2 stage=$3 dir append initrd want verdict=missed t
	local release root_uuid store_uuid

	. "$DEBIAN_KDUMP_DIR/image.env"
	dir=$(new_boot "$name")
	cp --sparse=always "$DEBIAN_KDUMP_DIR/disk.img" "$dir/disk.img"
	append="root=UUID=$root_uuid ro crashkernel=$CRASHKERNEL systemd.show_status=0"
	if [ "$stage" = late ]; then
		append="$append bench.crash=late"
		want='sysrq triggered crash'
	else
		append="$append crash_inject=$stage"
		want="crash_inject: stage $stage"
	fi
	case $method in
	saveoops)
		append="$append systemd.mask=kdump-tools.service"
		initrd=$DEBIAN_KDUMP_DIR/initrd ;;
	kdump-tools)
		initrd=$DEBIAN_KDUMP_DIR/initrd-nopayload ;;
	both)
		initrd=$DEBIAN_KDUMP_DIR/initrd ;;
	esac
	t=$SECONDS
	# As bench.sh's run_guest, with this kernel and a Debian boot's time.
	timeout -k 10 "${DEBIAN_KDUMP_TIMEOUT:-900}" qemu-system-x86_64 \
		-machine pc -accel tcg -m 1G -smp 2 \
		-display none -monitor none -no-reboot \
		-serial stdio -serial null \
		-kernel "$DEBIAN_KDUMP_DIR/vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 panic=1 printk.time=1 $append" \
		-drive "file=$dir/disk.img,format=raw,if=virtio" \
		< /dev/null 2> "$dir/qemu.err" |
		python3 "$REPORT" stamp > "$dir/serial.log" ||
		note "debian-kdump: boot $name ended with status $?"
	"$SAVEOOPS_TOP/harness/debian-rootfs.sh" partition "$dir/disk.img" 1 "$dir/root.part"
	"$SAVEOOPS_TOP/harness/debian-rootfs.sh" partition "$dir/disk.img" 2 "$dir/store.part"
	# What each left: saveoops' records, kdump-tools' files.
	"$SAVEOOPS" --store "$dir/store.part" list > "$dir/store.txt" 2>&1 || true
	debugfs -R "ls -l /var/crash" "$dir/root.part" > "$dir/var-crash.txt" 2>/dev/null || true
	local sub
	sub=$(debugfs -R "ls -p /var/crash" "$dir/root.part" 2>/dev/null |
		awk -F/ '$6 ~ /^2[0-9]+$/ { print $6 }' | head -n 1)
	if [ -n "$sub" ]; then
		debugfs -R "ls -l /var/crash/$sub" "$dir/root.part" >> "$dir/var-crash.txt" 2>/dev/null
		debugfs -R "cat /var/crash/$sub/dmesg.$sub" "$dir/root.part" > "$dir/kdump-dmesg.txt" \
			2>/dev/null || true
	fi
	local by_saveoops=no by_kdump=no
	grep -q -- "$want" "$dir/store.txt" && by_saveoops=yes
	grep -q -- "Kernel panic - not syncing: $want" "$dir/kdump-dmesg.txt" 2>/dev/null &&
		by_kdump=yes
	case $method/$by_saveoops/$by_kdump in
	saveoops/yes/*|kdump-tools/*/yes)	verdict=captured ;;
	both/yes/no)	verdict="captured by saveoops" ;;
	both/no/yes)	verdict="captured by kdump-tools" ;;
	both/yes/yes)	verdict="captured by both" ;;
	esac
	rm -f "$dir/disk.img" "$dir/root.part"
	record debian-kdump "$name" 1 "$method" "$stage" "$((SECONDS - t))" "$verdict" "$dir"
	note "debian-kdump: $method $stage: $verdict ($((SECONDS - t)) s)"
}

# The group: the image, then each stage under each method.
bench_debian_kdump()
{
	local stage method

	# (The report reads the manifest even when the group is skipped.)
	touch "$BENCH_OUT/boots.tsv"
	if ! debian_kdump_image; then
		note "debian-kdump: the image could not be built; group skipped"
		return 0
	fi
	# What each initrd is made of; kdump-tools' starts with saveoops' payload
	# too when saveoops' hook ran for its mkinitramfs as well.
	local d=$DEBIAN_KDUMP_DIR kdump_has_payload=no
	cmp -s -n "$(stat -c %s "$d/payload.cpio")" "$d/payload.cpio" "$d/kdump-initrd" &&
		kdump_has_payload=yes
	printf 'initrd_bytes=%s\ninitrd_nopayload_bytes=%s\npayload_bytes=%s\nkdump_initrd_bytes=%s\nkdump_initrd_has_payload=%s\n' \
		"$(stat -c %s "$d/initrd")" "$(stat -c %s "$d/initrd-nopayload")" \
		"$(stat -c %s "$d/payload.cpio")" "$(stat -c %s "$d/kdump-initrd")" \
		"$kdump_has_payload" > "$BENCH_OUT/debian-kdump-image.txt"
	for method in saveoops kdump-tools; do
		for stage in $DEBIAN_KDUMP_STAGES; do
			debian_boot "debian-$method-$stage" "$method" "$stage"
		done
	done
	# Both enabled, as installed: kdump-tools' kexec -p replaces the early
	# image once its service runs.
	debian_boot debian-both-late both late
}
