#!/bin/bash
# The initramfs-tools hook and the kernel-install plugin, as installed by
# make install, on the host with fake surroundings:
# - the hook runs with Debian's own hook-functions (initramfs-tools-core,
#   unpacked from its .deb when not installed) as mkinitramfs runs hooks:
#   the early cpio it leaves is the microcode cpio that was there, then
#   the payload saveoops-mkpayload builds from /etc/default/saveoops for
#   $version; no store, a missing store or capture kernel, a failing
#   saveoops-mkpayload or SAVEOOPS_ENABLED=no leave it as it was, with a
#   warning and exit 0;
# - the plugin runs under the host's own kernel-install (systemd 252) with a
#   fake boot partition and an initrd generator: the loader entry's initrd
#   is the payload ahead of the generator's initrd, byte for byte; an initrd
#   that has a payload already, a staged symbolic link's target, an initrd
#   given on the command line, and a missing store are left alone.
. "$(dirname "$0")/../../harness/testlib.sh"

src=$TOOLS_SRC
out=$TOOLS_DIST
root=$TEST_DIR/root
kernel=$SAVEOOPS_BZIMAGE

tools_make DESTDIR="$root" install > "$TEST_DIR/make.log" 2>&1 ||
	{ sed 's/^/# /' "$TEST_DIR/make.log"; tap "not ok" "make install"; done_testing; }
MKPAYLOAD=$root/usr/sbin/saveoops-mkpayload
SAVEOOPS=$root/usr/sbin/saveoops

# A store file the payload's saveoops.store=UUID= comes from.
store=$TEST_DIR/store.img
image=
"$SAVEOOPS" --help | grep -q -- '--image' && image=--image
"$SAVEOOPS" format $image --slots 2 --size 1M "$store" > /dev/null
conf=$TEST_DIR/saveoops.conf

# hook-functions: the host's, or initramfs-tools-core's unpacked once.
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

# The installed hook and plugin, their files pointed into the test's.
relocate()
{
	sed -e "s|^MKPAYLOAD=.*|MKPAYLOAD=$MKPAYLOAD|" -e "s|^CONFIG=.*|CONFIG=$conf|" \
		-e "s|^HOOK_FUNCTIONS=.*|HOOK_FUNCTIONS=$hook_functions|" "$1" > "$2"
	chmod 755 "$2"
	[ "$(grep -c "^MKPAYLOAD=$MKPAYLOAD\$\|^CONFIG=$conf\$" "$2")" = 2 ]
}
hook=$TEST_DIR/hook
plugin_dir=$TEST_DIR/plugins
mkdir -p "$plugin_dir"
plugin=$plugin_dir/88-saveoops.install
check "the installed hook and plugin name their files in one line each" \
	bash -c "$(declare -f relocate); MKPAYLOAD='$MKPAYLOAD' conf='$conf' \
	hook_functions='$hook_functions'; \
	relocate '$root/usr/share/initramfs-tools/hooks/saveoops' '$hook' && \
	relocate '$root/usr/lib/kernel/install.d/88-saveoops.install' '$plugin'"

# The payload saveoops-mkpayload builds for these settings.
"$MKPAYLOAD" --kernel "$kernel" --store "$store" --output "$TEST_DIR/payload.cpio" 2> /dev/null

## The initramfs-tools hook

if [ ! -f "$hook_functions" ]; then
	tap ok "initramfs-tools hook # SKIP no hook-functions (initramfs-tools-core not downloadable)"
else
	# A microcode cpio, as intel-microcode's hook prepends it first.
	mkdir -p "$TEST_DIR/ucode/kernel/x86/microcode"
	head -c 3000 /dev/urandom > "$TEST_DIR/ucode/kernel/x86/microcode/GenuineIntel.bin"
	(cd "$TEST_DIR/ucode" && find kernel | LC_ALL=C sort |
		cpio -o -H newc --quiet > "$TEST_DIR/ucode.cpio")

	# run_hook VERSION: the hook as mkinitramfs runs it; the early cpio in
	# $TEST_DIR/early, stderr in $TEST_DIR/hook.err, the exit status in $rc.
	run_hook()
	{
		cp "$TEST_DIR/ucode.cpio" "$TEST_DIR/early"
		rc=0
		env version="$1" verbose=n DESTDIR="$TEST_DIR/initramfs" \
			CONFDIR="${CONFDIR:-/etc/initramfs-tools}" \
			__TMPEARLYCPIO="$TEST_DIR/early" TMPDIR="$TEST_DIR" \
			"$hook" > "$TEST_DIR/hook.out" 2> "$TEST_DIR/hook.err" || rc=$?
	}
	# unchanged DESCRIPTION WARNING: exit 0, that warning, no payload.
	unchanged()
	{
		if [ $rc -eq 0 ] && grep -q "^W: saveoops: $2" "$TEST_DIR/hook.err" &&
		   cmp -s "$TEST_DIR/early" "$TEST_DIR/ucode.cpio"; then
			tap ok "hook: $1: a warning, exit 0, no payload"
		else
			tap "not ok" "hook: $1: a warning, exit 0, no payload"
			diag "  exit $rc, stderr:"
			sed 's/^/#   /' "$TEST_DIR/hook.err"
		fi
	}

	check "hook: prereqs prints none" test -z "$("$hook" prereqs)"
	printf 'SAVEOOPS_STORE=%s\nSAVEOOPS_KERNEL=%s\n' "$store" "$kernel" > "$conf"
	run_hook 6.12.0-test
	if [ $rc -eq 0 ] && [ ! -s "$TEST_DIR/hook.err" ] &&
	   cmp -s "$TEST_DIR/early" <(cat "$TEST_DIR/ucode.cpio" "$TEST_DIR/payload.cpio"); then
		tap ok "hook: the early cpio is the microcode's, then the payload"
	else
		tap "not ok" "hook: the early cpio is the microcode's, then the payload"
		diag "  exit $rc, stderr:"
		sed 's/^/#   /' "$TEST_DIR/hook.err"
	fi
	check "hook: no temporary file left" \
		test -z "$(find "$TEST_DIR" -maxdepth 1 -name 'saveoops-payload-*')"
	# kdump-tools' mkinitramfs -d /var/lib/kdump/initramfs-tools for its
	# capture kernel: the same settings, no payload.
	CONFDIR=/var/lib/kdump/initramfs-tools run_hook 6.12.0-test
	if [ $rc -eq 0 ] && [ ! -s "$TEST_DIR/hook.err" ] &&
	   cmp -s "$TEST_DIR/early" "$TEST_DIR/ucode.cpio"; then
		tap ok "hook: kdump-tools' own initramfs gets no payload"
	else
		tap "not ok" "hook: kdump-tools' own initramfs gets no payload"
	fi

	printf 'SAVEOOPS_STORE=%s\n' "$store" > "$conf"
	run_hook 0.0.0-no-such-kernel
	unchanged "the kernel of \$version missing" \
		"the capture kernel /boot/vmlinuz-0.0.0-no-such-kernel does not exist"
	printf 'SAVEOOPS_KERNEL=%s\n' "$kernel" > "$conf"
	run_hook 6.12.0-test
	unchanged "no SAVEOOPS_STORE" "no SAVEOOPS_STORE in $conf"
	printf 'SAVEOOPS_STORE=%s\nSAVEOOPS_KERNEL=%s\n' "$TEST_DIR/gone.img" "$kernel" > "$conf"
	run_hook 6.12.0-test
	unchanged "a store that does not exist" "the store $TEST_DIR/gone.img does not exist"
	printf 'SAVEOOPS_STORE=%s\nSAVEOOPS_KERNEL=%s\n' "$store" "$TEST_DIR" > "$conf"
	run_hook 6.12.0-test
	unchanged "saveoops-mkpayload failing (the kernel is a directory)" \
		"saveoops-mkpayload failed"
	rm -f "$conf"
	run_hook 6.12.0-test
	unchanged "no /etc/default/saveoops" "no SAVEOOPS_STORE"
	printf 'SAVEOOPS_ENABLED=no\nSAVEOOPS_STORE=%s\nSAVEOOPS_KERNEL=%s\n' "$store" \
		"$kernel" > "$conf"
	run_hook 6.12.0-test
	if [ $rc -eq 0 ] && [ ! -s "$TEST_DIR/hook.err" ] &&
	   cmp -s "$TEST_DIR/early" "$TEST_DIR/ucode.cpio"; then
		tap ok "hook: SAVEOOPS_ENABLED=no: nothing, silently"
	else
		tap "not ok" "hook: SAVEOOPS_ENABLED=no: nothing, silently"
	fi
fi

## The kernel-install plugin

if ! command -v kernel-install > /dev/null ||
   ! grep -q KERNEL_INSTALL_PLUGINS "$(command -v kernel-install)" 2> /dev/null ||
   [ ! -x /usr/lib/kernel/install.d/90-loaderentry.install ]; then
	tap ok "kernel-install plugin # SKIP no kernel-install with KERNEL_INSTALL_PLUGINS"
	done_testing
fi

ver=6.12.0-saveoops-test
mid=0123456789abcdef0123456789abcdef
boot=$TEST_DIR/boot
# An initrd generator, as 50-dracut stages $KERNEL_INSTALL_STAGING_AREA/initrd
# (gen_mode copy), or as Debian's 85-initrd links it to /boot (gen_mode link).
head -c 100000 /dev/urandom | gzip -1 > "$TEST_DIR/initrd.img"
cat > "$plugin_dir/50-test-initrd.install" <<GEN
#!/bin/sh
[ "\$1" = add ] || exit 0
case \$(cat "$TEST_DIR/gen_mode") in
copy)	cp "$TEST_DIR/initrd.img" "\$KERNEL_INSTALL_STAGING_AREA/initrd" ;;
link)	ln -s "$TEST_DIR/initrd.img" "\$KERNEL_INSTALL_STAGING_AREA/initrd" ;;
esac
GEN
chmod 755 "$plugin_dir/50-test-initrd.install"
mkdir -p "$TEST_DIR/kconf"
echo layout=bls > "$TEST_DIR/kconf/install.conf"
echo "root=/dev/vda1 crashkernel=256M" > "$TEST_DIR/kconf/cmdline"

# kinstall MODE [INITRD...]: kernel-install add with these plugins; the
# entry's initrd is $entry/initrd.
entry=$boot/$mid/$ver
kinstall()
{
	echo "$1" > "$TEST_DIR/gen_mode"
	shift
	rm -rf "$boot" && mkdir -p "$boot/$mid"
	rc=0
	env BOOT_ROOT="$boot" MACHINE_ID="$mid" KERNEL_INSTALL_CONF_ROOT="$TEST_DIR/kconf" \
		KERNEL_INSTALL_PLUGINS="$plugin_dir/50-test-initrd.install $plugin \
		/usr/lib/kernel/install.d/90-loaderentry.install" \
		kernel-install add "$ver" "$kernel" "$@" > "$TEST_DIR/ki.out" 2>&1 || rc=$?
}
ki_report()
{
	diag "  kernel-install exit $rc:"
	sed 's/^/#   /' "$TEST_DIR/ki.out"
}

printf 'SAVEOOPS_STORE=%s\n' "$store" > "$conf"
"$MKPAYLOAD" --kernel "$kernel" --store "$store" --initrd "$TEST_DIR/initrd.img" \
	--output "$TEST_DIR/want.img" 2> /dev/null
kinstall copy
if [ $rc -eq 0 ] && cmp -s "$entry/initrd" "$TEST_DIR/want.img"; then
	tap ok "kernel-install add: the entry's initrd is the payload, then the staged initrd"
else
	tap "not ok" "kernel-install add: the entry's initrd is the payload, then the staged initrd"
	ki_report
fi
check "kernel-install add: the loader entry boots that initrd, once" \
	test "$(grep -c "^initrd  *\(.*/\)\?$mid/$ver/initrd\$" "$boot/loader/entries/$mid-$ver.conf")" = 1

cp "$TEST_DIR/initrd.img" "$TEST_DIR/initrd.orig"
kinstall link
if [ $rc -eq 0 ] && cmp -s "$entry/initrd" "$TEST_DIR/want.img" &&
   cmp -s "$TEST_DIR/initrd.img" "$TEST_DIR/initrd.orig"; then
	tap ok "kernel-install add: a staged link: the entry has the payload, the link's target is unchanged"
else
	tap "not ok" "kernel-install add: a staged link: the entry has the payload, the link's target is unchanged"
	ki_report
fi

cp "$TEST_DIR/want.img" "$TEST_DIR/initrd.img"
kinstall copy
if [ $rc -eq 0 ] && cmp -s "$entry/initrd" "$TEST_DIR/want.img"; then
	tap ok "kernel-install add: an initrd with a payload already (the hook's) gets no second one"
else
	tap "not ok" "kernel-install add: an initrd with a payload already (the hook's) gets no second one"
	ki_report
fi
cp "$TEST_DIR/initrd.orig" "$TEST_DIR/initrd.img"

kinstall none "$TEST_DIR/initrd.img"
if [ $rc -eq 0 ] && cmp -s "$entry/initrd.img" "$TEST_DIR/initrd.orig" &&
   grep -q 'initrds given on the command line are not changed' "$TEST_DIR/ki.out"; then
	tap ok "kernel-install add with an initrd argument: left as it is, with a warning"
else
	tap "not ok" "kernel-install add with an initrd argument: left as it is, with a warning"
	ki_report
fi

: > "$conf"
kinstall copy
if [ $rc -eq 0 ] && cmp -s "$entry/initrd" "$TEST_DIR/initrd.orig" &&
   grep -q "no SAVEOOPS_STORE in $conf" "$TEST_DIR/ki.out"; then
	tap ok "kernel-install add without a store: the initrd unchanged, a warning, exit 0"
else
	tap "not ok" "kernel-install add without a store: the initrd unchanged, a warning, exit 0"
	ki_report
fi
done_testing
