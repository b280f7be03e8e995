#!/bin/bash
# A real Debian 12 system, end to end, as a user sets saveoops up: a root
# file system from Debian's packages (harness/debian-rootfs.sh: systemd,
# udev, kmod, initramfs-tools) on a virtio disk whose second partition is
# the store; our modular kernel installed in /boot and /lib/modules; saveoops
# with `make install DESTDIR=`; /etc/default/saveoops naming the store by
# UUID and the capture kernel; `update-initramfs -c` run in a chroot on the
# host. The initrd then starts with the payload, ahead of Debian's zstd
# initramfs. Booted with crash_inject=device, the early payload captures the
# panic into the store partition; booted again, the system comes up under
# systemd, saveoops.service exports the record to /var/lib/saveoops and the
# journal, and journalctl MESSAGE_ID= in the guest shows the panic line. The
# host reads the exported files from the disk image with debugfs and the
# store partition with saveoops --store; a second update-initramfs -u keeps
# the payload.
. "$(dirname "$0")/../../harness/testlib.sh"

skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

# The kernel variant systemd can boot, with modules (issue 14's).
[ -x "$SAVEOOPS_TOP/harness/modular-kernel.sh" ] ||
	skip_all "no harness/modular-kernel.sh: the modular kernel variant is not there yet"

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
# saveoops.service's entries carry this fixed MESSAGE_ID (saveoops(8)).
MESSAGE_ID=abf7108112764e3b830368aabd8d4648
PANIC='Kernel panic - not syncing: crash_inject: stage device'
started=$SECONDS

kernel=$("$SAVEOOPS_TOP/harness/modular-kernel.sh") || { tap "not ok" "the modular kernel builds"; done_testing; exit; }
release=${kernel##*/vmlinuz-}
modules=${kernel%/boot/*}/lib/modules/$release
rootfs=$("$SAVEOOPS_TOP/harness/debian-rootfs.sh") || { tap "not ok" "mmdebstrap builds the Debian root file system"; done_testing; exit; }
diag "kernel $release, root file system $rootfs"

root=$TEST_DIR/root
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" --numeric-owner -xpf "$rootfs"

# in_root COMMAND...: COMMAND chrooted into the system, with /proc, /sys and
# /dev mounted in a mount namespace of its own (gone when it ends).
in_root()
{
	unshare -m --propagation private -- sh -c '
		r=$1; shift
		mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" &&
		mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"' sh "$root" "$@"
}

# The kernel as a distribution's package lays it out, and saveoops installed.
install -m 644 "$kernel" "$root/boot/vmlinuz-$release"
install -m 644 "${kernel%/vmlinuz-*}/config-$release" "$root/boot/config-$release"
mkdir -p "$root/lib/modules"
cp -a "$modules" "$root/lib/modules/"
# (The programs built once under a lock, as the other tests of make install
# share them.)
dist=$SAVEOOPS_CACHE/tools-test/dist/
mkdir -p "$dist"
if flock "$dist.lock" make -s -C "$SAVEOOPS_TOP/tools/saveoops" OUTPUT="$dist" \
	DESTDIR="$root" install > "$TEST_DIR/install.txt" 2>&1; then
	tap ok "make install DESTDIR= installs saveoops into the system"
else
	tap "not ok" "make install DESTDIR= installs saveoops into the system"
	sed 's/^/#   /' "$TEST_DIR/install.txt"
fi

# The store: partition 2 of the disk, formatted by saveoops.
# (--image: bytes for a disk image, not a store file of this host's.)
"$SAVEOOPS" format --image --slots 4 --size 8M "$TEST_DIR/store.img" > "$TEST_DIR/format.txt"
store_uuid=$(sed -n 's/.*, UUID \([0-9a-f-]*\)$/\1/p' "$TEST_DIR/format.txt")
root_uuid=$(cat /proc/sys/kernel/random/uuid)
diag "store UUID $store_uuid, root UUID $root_uuid"

# The settings a user writes, the rest of the system's configuration.
"$SAVEOOPS_TOP/harness/debian-rootfs.sh" settings "$root" "$release" "$store_uuid" \
	"$root_uuid" debian-system debian-system.t

# The guest's reporter: TAP lines and the journal entry on ttyS1, which the
# host reads, then power off.
cat > "$root/usr/local/sbin/debian-system-report" <<EOF
#!/bin/sh
r=/dev/ttyS1
check()
{
	d=\$1
	shift
	if "\$@" > /run/check.out 2>&1; then
		echo "ok - \$d" > \$r
	else
		echo "not ok - \$d" > \$r
		sed 's/^/#   /' /run/check.out > \$r
	fi
}
check "saveoops.service ran and succeeded" systemctl is-active saveoops.service
check "systemd reached multi-user.target with no failed unit" \
	sh -c '[ -z "\$(systemctl list-units --failed --no-legend)" ] || { systemctl list-units --failed --no-legend; exit 1; }'
journalctl -b MESSAGE_ID=$MESSAGE_ID -o cat | sed 's/^/JOURNAL /' > \$r
journalctl -b MESSAGE_ID=$MESSAGE_ID -o json --all | sed 's/^/JOURNAL-JSON /' > \$r
systemctl status --no-pager saveoops.service 2>&1 | sed 's/^/STATUS /' > \$r
echo "SAVEOOPS-END first" > \$r
systemctl --no-block poweroff
EOF
chmod 755 "$root/usr/local/sbin/debian-system-report"
cat > "$root/etc/systemd/system/debian-system-report.service" <<'EOF'
[Unit]
Description=debian-system.t: report what saveoops.service did, then power off
After=saveoops.service multi-user.target
ConditionKernelCommandLine=!crash_inject

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/debian-system-report

[Install]
WantedBy=multi-user.target
EOF
# A short boot: no logins, no timers, neither Debian's kdump nor kexec-tools'
# reboot loader (they would replace the early image with their own).
masks="serial-getty@ttyS0.service getty@tty1.service kdump-tools.service
	kexec-load.service kexec.service e2scrub_reap.service
	$(cd "$root/lib/systemd/system" && ls ./*.timer | sed 's,^\./,,')"
in_root systemctl -q mask $masks
in_root systemctl -q enable saveoops.service debian-system-report.service

# update-initramfs in the chroot, as the kernel's postinst runs it.
if in_root update-initramfs -c -k "$release" > "$TEST_DIR/update-initramfs.txt" 2>&1; then
	tap ok "update-initramfs -c -k $release succeeds in the chroot"
else
	tap "not ok" "update-initramfs -c -k $release succeeds in the chroot"
fi
sed 's/^/#   /' "$TEST_DIR/update-initramfs.txt"
initrd=$root/boot/initrd.img-$release

# expect_initrd WHEN: the initrd's first archive is the payload, with this
# kernel as capture kernel and the store on its command line; after it comes
# Debian's zstd initramfs with its /init and the root's drivers.
expect_initrd()
{
	local when=$1 dir=$TEST_DIR/initrd-$1 next

	rm -rf "$dir"
	mkdir -p "$dir/payload"
	# cpio reads the first archive only: the one the kernel looks in first.
	if (cd "$dir/payload" && cpio -id --quiet < "$initrd" 2> /dev/null) &&
	   [ "$(cd "$dir/payload" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" = \
	     "./kernel/kdump/cmdline ./kernel/kdump/initrd ./kernel/kdump/vmlinuz " ] &&
	   cmp -s "$dir/payload/kernel/kdump/vmlinuz" "$kernel" &&
	   grep -q "saveoops.store=UUID=$store_uuid" "$dir/payload/kernel/kdump/cmdline"; then
		tap ok "$when: the initrd starts with the payload: this kernel, the store's UUID"
	else
		tap "not ok" "$when: the initrd starts with the payload: this kernel, the store's UUID"
		(cd "$dir/payload" && find . -type f && cat kernel/kdump/cmdline) 2>&1 | sed 's/^/#   /'
	fi
	# What follows the first archive's trailer and its padding.
	next=$(python3 - "$initrd" <<'PY'
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
if o == 0:
    print('no-cpio-first')
    sys.exit()
while o < len(d) and d[o] == 0:
    o += 1
print(d[o:o + 4].hex())
PY
)
	if [ "$next" = 28b52ffd ]; then
		tap ok "$when: a zstd archive follows the first, uncompressed one"
	else
		tap "not ok" "$when: a zstd archive follows the first, uncompressed one"
		diag "  what follows the first archive: $next"
	fi
	# Debian's own tool finds both parts, and the main one is whole.
	rm -rf "$root/tmp/unmk"
	if in_root unmkinitramfs "/boot/initrd.img-$release" /tmp/unmk > /dev/null 2>&1 &&
	   [ -f "$root/tmp/unmk/early/kernel/kdump/vmlinuz" ] &&
	   [ -x "$root/tmp/unmk/main/init" ] &&
	   [ -n "$(find "$root/tmp/unmk/main" -name 'virtio_blk.ko*')" ] &&
	   [ -n "$(find "$root/tmp/unmk/main" -name 'ext4.ko*')" ]; then
		tap ok "$when: unmkinitramfs finds the payload early and the main initramfs with /init, virtio_blk and ext4"
	else
		tap "not ok" "$when: unmkinitramfs finds the payload early and the main initramfs with /init, virtio_blk and ext4"
		(cd "$root/tmp/unmk" 2>/dev/null && ls -d ./* ./*/init) 2>&1 | sed 's/^/#   /'
	fi
	rm -rf "$root/tmp/unmk"
}
expect_initrd "update-initramfs -c"

# The disk: the root file system and the store, as partitions 1 and 2.
disk=$TEST_DIR/disk.img
"$SAVEOOPS_TOP/harness/debian-rootfs.sh" disk "$disk" "$root" "$TEST_DIR/store.img" \
	"$root_uuid" > /dev/null
cp "$root/boot/vmlinuz-$release" "$root/boot/initrd.img-$release" "$TEST_DIR/"
diag "system ready after $((SECONDS - started)) s"

# Boot 1: the kernel and the initrd from /boot, as a boot loader hands them
# over; a panic in a device initcall, before the root is even looked for.
# The capture kernel ends the VM.
append="root=UUID=$root_uuid ro crashkernel=256M systemd.show_status=0"
case_begin crash
t=$SECONDS
"$SAVEOOPS_TOP/harness/qemu-run.sh" --timeout 240 --expect-end none \
	--kernel "$TEST_DIR/vmlinuz-$release" --initrd "$TEST_DIR/initrd.img-$release" \
	--append "$append crash_inject=device" --log "$TEST_LOG" --results "$TEST_RESULTS" \
	-- -drive "file=$disk,format=raw,if=virtio" && rc=0 || rc=$?
reruns_of "$TEST_RESULTS"
[ $rc -le 1 ] && tap ok "crash: the machine stopped by itself" ||
	{ tap "not ok" "crash: the machine stopped by itself"; tail -n 25 "$TEST_LOG" | sed 's/^/#   /'; }
diag "crash boot: $((SECONDS - t)) s"
log_has "crash: the kernel armed itself from the payload update-initramfs put first" \
	'crash_early: armed in kernel_init: payload from the initrd'
log_has "crash: the injected panic" "$PANIC"
log_has_after "crash: our kernel is the capture kernel" "$PANIC" "Linux version $release "
log_has "crash: the capture saved record 1 to the store partition" \
	'saveoops: saved record 1 \([0-9]+ bytes\) to /dev/vda2'

# Boot 2: the same system, without the injector, up under systemd.
case_begin system
t=$SECONDS
"$SAVEOOPS_TOP/harness/qemu-run.sh" --timeout 400 --expect-end first \
	--kernel "$TEST_DIR/vmlinuz-$release" --initrd "$TEST_DIR/initrd.img-$release" \
	--append "$append" --log "$TEST_LOG" --results "$TEST_RESULTS" \
	-- -drive "file=$disk,format=raw,if=virtio" && rc=0 || rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*)	tap ok "system: ${line#ok - }" ;;
	"not ok - "*)	tap "not ok" "system: ${line#not ok - }" ;;
	"#"*)		echo "$line" ;;
	esac
done < "$TEST_RESULTS"
reruns_of "$TEST_RESULTS"
[ $rc -le 1 ] && tap ok "system: booted under systemd and reported" ||
	{ tap "not ok" "system: booted under systemd and reported"; tail -n 25 "$TEST_LOG" | sed 's/^/#   /'; }
diag "system boot: $((SECONDS - t)) s"
log_has "system: systemd is pid 1" 'systemd\[1\]: systemd 252'
result_has "system: journalctl MESSAGE_ID=$MESSAGE_ID shows the panic line" \
	"^JOURNAL Linux $release crashed at .* UTC: $PANIC \\(saveoops record 1\\)\$"
# The entry's fields, from journalctl's JSON.
if grep '^JOURNAL-JSON ' "$TEST_RESULTS" | sed 's/^JOURNAL-JSON //' | python3 -c '
import json, sys
e = [json.loads(l) for l in sys.stdin if l.strip()]
assert len(e) == 1, "%d entries" % len(e)
e = e[0]
want = {"SAVEOOPS_SEQ": "1", "SAVEOOPS_RELEASE": sys.argv[1],
        "SAVEOOPS_STORE_UUID": sys.argv[2], "SAVEOOPS_REASON": sys.argv[3],
        "PRIORITY": "2", "SYSLOG_IDENTIFIER": "saveoops"}
for k, v in want.items():
    assert e.get(k) == v, "%s=%r, want %r" % (k, e.get(k), v)
log = e["SAVEOOPS_LOG"]
if isinstance(log, list):
    log = bytes(log).decode("utf-8", "replace")
assert sys.argv[3] in log and "Call Trace:" in log, "SAVEOOPS_LOG lacks the panic and its trace"
' "$release" "$store_uuid" "$PANIC" 2> "$TEST_DIR/journal-check.txt"; then
	tap ok "system: the journal entry has the record's fields and its log with the call trace"
else
	tap "not ok" "system: the journal entry has the record's fields and its log with the call trace"
	tail -n 3 "$TEST_DIR/journal-check.txt" | sed 's/^/#   /'
fi

# On the host, with tools that are not the guest's: the exported files on
# the root partition (debugfs), and the store partition (saveoops --store).
"$SAVEOOPS_TOP/harness/debian-rootfs.sh" partition "$disk" 1 "$TEST_DIR/root.part"
"$SAVEOOPS_TOP/harness/debian-rootfs.sh" partition "$disk" 2 "$TEST_DIR/store.part"
exported=$(debugfs -R "ls -p /var/lib/saveoops" "$TEST_DIR/root.part" 2>/dev/null |
	awk -F/ '$6 ~ /^saveoops-1-/ { print $6 }')
if [ "$(echo "$exported" | grep -c .)" -eq 1 ] &&
   debugfs -R "cat /var/lib/saveoops/$exported/dmesg.txt" "$TEST_DIR/root.part" 2>/dev/null |
	grep -qF "$PANIC"; then
	tap ok "host: /var/lib/saveoops/saveoops-1-*/dmesg.txt on the root partition has the panic"
else
	tap "not ok" "host: /var/lib/saveoops/saveoops-1-*/dmesg.txt on the root partition has the panic"
	debugfs -R "ls -l /var/lib/saveoops" "$TEST_DIR/root.part" 2>&1 | sed 's/^/#   /'
fi
if [ "${exported%-"$store_uuid"}" != "$exported" ] &&
   debugfs -R "cat /var/lib/saveoops/$exported/info" "$TEST_DIR/root.part" 2>/dev/null |
	grep -x -e "seq=1" -e "release=$release" -e "reason=$PANIC" | [ "$(grep -c .)" -eq 3 ]; then
	tap ok "host: the directory is named by the store's UUID, its info file has seq, release and reason"
else
	tap "not ok" "host: the directory is named by the store's UUID, its info file has seq, release and reason"
	diag "  directory: $exported"
	debugfs -R "cat /var/lib/saveoops/$exported/info" "$TEST_DIR/root.part" 2>&1 | sed 's/^/#   /'
fi
list=$("$SAVEOOPS" --store "$TEST_DIR/store.part" list 2>&1)
if echo "$list" | grep -Eq "^1 .* $release .* exported .*$PANIC\$" &&
   echo "$list" | grep -q '1 of 4 slots used, 0 not exported'; then
	tap ok "host: saveoops --store on partition 2 lists record 1, exported"
else
	tap "not ok" "host: saveoops --store on partition 2 lists record 1, exported"
	echo "$list" | sed 's/^/#   /'
fi

# A later update-initramfs -u (a package's trigger) keeps the payload.
if in_root update-initramfs -u -k "$release" > "$TEST_DIR/update-initramfs-u.txt" 2>&1; then
	tap ok "update-initramfs -u succeeds in the chroot"
else
	tap "not ok" "update-initramfs -u succeeds in the chroot"
	sed 's/^/#   /' "$TEST_DIR/update-initramfs-u.txt"
fi
expect_initrd "update-initramfs -u"

rm -rf "$root" "$TEST_DIR/root.part"
diag "debian-system.t took $((SECONDS - started)) s"
done_testing
