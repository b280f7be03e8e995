#!/bin/bash
# The initrd as update-initramfs makes it with the installed initramfs-tools
# hook: the hook, run as mkinitramfs runs it with Debian's hook-functions
# and /etc/default/saveoops (store, capture kernel, command line), adds the
# payload with prepend_earlyinitramfs after a microcode cpio an earlier hook
# put there; the compressed initramfs follows. Booted with crashkernel= and
# crash_inject=device: the early loader finds the payload behind the
# microcode archive, arms, and the capture kernel saves the device-initcall
# panic to the store named in the settings, read on the host.
. "$(dirname "$0")/../../harness/testlib.sh"

src=$TOOLS_SRC
out=$TOOLS_DIST
root=$TEST_DIR/root
tools_make DESTDIR="$root" install > "$TEST_DIR/make.log" 2>&1 ||
	{ sed 's/^/# /' "$TEST_DIR/make.log"; tap "not ok" "make install"; done_testing; }
SAVEOOPS=$root/usr/sbin/saveoops

# hook-functions: the host's, or initramfs-tools-core's unpacked once
# (tests/host/hooks.t does the same).
hook_functions=/usr/share/initramfs-tools/hook-functions
if [ ! -f "$hook_functions" ]; then
	itc=$SAVEOOPS_CACHE/initramfs-tools-core
	if [ ! -f "$itc/usr/share/initramfs-tools/hook-functions" ]; then
		rm -rf "$itc.tmp" && mkdir -p "$itc.tmp" &&
		(cd "$itc.tmp" && apt-get download -q initramfs-tools-core > /dev/null 2>&1) &&
		dpkg-deb -x "$itc.tmp"/initramfs-tools-core_*.deb "$itc.tmp/root" &&
		rm -rf "$itc" && mv "$itc.tmp/root" "$itc" && rm -rf "$itc.tmp"
	fi
	hook_functions=$itc/usr/share/initramfs-tools/hook-functions
fi
[ -f "$hook_functions" ] ||
	{ echo "1..0 # SKIP no hook-functions (initramfs-tools-core not downloadable)"; exit 0; }

disk=$TEST_DIR/disk.img
image=
"$SAVEOOPS" --help | grep -q -- '--image' && image=--image
"$SAVEOOPS" format $image --slots 2 --size 16M "$disk" > /dev/null
conf=$TEST_DIR/saveoops.conf
cat > "$conf" <<CONF
SAVEOOPS_STORE=$disk
SAVEOOPS_KERNEL=$SAVEOOPS_BZIMAGE
SAVEOOPS_CMDLINE="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10"
CONF
sed -e "s|^MKPAYLOAD=.*|MKPAYLOAD=$root/usr/sbin/saveoops-mkpayload|" \
	-e "s|^CONFIG=.*|CONFIG=$conf|" -e "s|^HOOK_FUNCTIONS=.*|HOOK_FUNCTIONS=$hook_functions|" \
	"$root/usr/share/initramfs-tools/hooks/saveoops" > "$TEST_DIR/hook"

# The early cpio as mkinitramfs builds it: the microcode hook's, then ours.
mkdir -p "$TEST_DIR/ucode/kernel/x86/microcode"
head -c 4096 /dev/urandom > "$TEST_DIR/ucode/kernel/x86/microcode/GenuineIntel.bin"
(cd "$TEST_DIR/ucode" && find kernel | LC_ALL=C sort | cpio -o -H newc --quiet) > "$TEST_DIR/early"
rc=0
env version=6.12.0-test verbose=n DESTDIR="$TEST_DIR/initramfs" TMPDIR="$TEST_DIR" \
	__TMPEARLYCPIO="$TEST_DIR/early" sh "$TEST_DIR/hook" > "$TEST_DIR/hook.out" 2>&1 || rc=$?
if [ $rc -eq 0 ] && [ ! -s "$TEST_DIR/hook.out" ] &&
   cpio -it --quiet < "$TEST_DIR/early" | grep -qx kernel/x86/microcode/GenuineIntel.bin &&
   ! cpio -it --quiet < "$TEST_DIR/early" | grep -q kernel/kdump &&
   grep -aqF kernel/kdump/vmlinuz "$TEST_DIR/early"; then
	tap ok "the hook added the payload behind the microcode cpio"
else
	tap "not ok" "the hook added the payload behind the microcode cpio"
	sed 's/^/#   /' "$TEST_DIR/hook.out"
fi

guest_script <<'GUEST'
phase_first()
{
	fail "the first kernel reached /init: the injected panic did not happen"
}
GUEST
boot_guest --payload "$TEST_DIR/early" --mem 1G \
	--append "crashkernel=256M crash_inject=device" --expect-end none -- \
	-drive "file=$disk,format=raw,if=virtio"
log_has "the early loader armed from the payload behind the microcode cpio" \
	'crash_early: armed in kernel_init: payload from the initrd'
log_has "the capture kernel has the settings' command line and the store's UUID" \
	'Command line: elfcorehdr=0x[0-9a-f]+ console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 saveoops.store=UUID=[0-9a-f-]+$'
"$SAVEOOPS" --store "$disk" list > "$TEST_DIR/list" 2>&1
if grep -q '^1 .* new .*crash_inject: stage device' "$TEST_DIR/list"; then
	tap ok "the store of /etc/default/saveoops holds the device-initcall panic"
else
	tap "not ok" "the store of /etc/default/saveoops holds the device-initcall panic"
	sed 's/^/#   /' "$TEST_DIR/list"
fi
done_testing
