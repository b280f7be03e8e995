#!/bin/bash
# make install in tools/saveoops as a distribution package runs it:
# DESTDIR installs exactly the listed files with their modes, the scripts
# have their paths substituted, the unit passes systemd-analyze verify, a
# second install keeps the administrator's /etc/default/saveoops, and the
# installed saveoops-mkpayload finds the installed saveoops-capture (under
# DESTDIR, and under another PREFIX) to put it in the payload as /init.
. "$(dirname "$0")/../../harness/testlib.sh"

src=$TOOLS_SRC
out=$TOOLS_DIST
root=$TEST_DIR/root

# The contract: every file make install puts down, with its mode.
expected()
{
	cat <<'LIST'
644 etc/default/saveoops
644 lib/systemd/system/saveoops.service
755 usr/lib/kernel/install.d/88-saveoops.install
755 usr/lib/saveoops/saveoops-capture
755 usr/sbin/saveoops
755 usr/sbin/saveoops-mkpayload
755 usr/share/initramfs-tools/hooks/saveoops
644 usr/share/man/man8/saveoops-capture.8
644 usr/share/man/man8/saveoops-mkpayload.8
644 usr/share/man/man8/saveoops.8
LIST
}

installed()
{
	(cd "$1" && find . -type f -o -type l | sed 's|^\./||' | sort |
		while read -r f; do echo "$(stat -c %a "$f") $f"; done)
}

check "make install DESTDIR= succeeds" \
	tools_make DESTDIR="$root" install
if diff -u <(expected) <(installed "$root") > "$TEST_DIR/list.diff"; then
	tap ok "exactly the listed files, with their modes"
else
	tap "not ok" "exactly the listed files, with their modes"
	sed 's/^/#   /' "$TEST_DIR/list.diff"
fi
check "make install-list names the same files" \
	diff -u <(expected | cut -d' ' -f2 | sed 's|^|/|') \
		<(tools_make install-list | sort)
check "no @PLACEHOLDER@ is left in the installed scripts" \
	bash -c '! grep -n "@[A-Z]*@" "$@"' - "$root/lib/systemd/system/saveoops.service" \
	"$root/usr/share/initramfs-tools/hooks/saveoops" \
	"$root/usr/lib/kernel/install.d/88-saveoops.install"
check "the scripts call the installed programs" \
	grep -q '^MKPAYLOAD=/usr/sbin/saveoops-mkpayload$' \
	"$root/usr/share/initramfs-tools/hooks/saveoops" \
	"$root/usr/lib/kernel/install.d/88-saveoops.install"
check "the hook and the plugin are valid sh" \
	bash -c 'for f; do sh -n "$f" || exit 1; done' - \
	"$root/usr/share/initramfs-tools/hooks/saveoops" \
	"$root/usr/lib/kernel/install.d/88-saveoops.install"
if systemd-analyze --help 2>/dev/null | grep -q -- '--root'; then
	check "systemd-analyze verify passes the unit" \
		systemd-analyze verify --man=no --root="$root" \
		"$root/lib/systemd/system/saveoops.service"
else
	tap ok "systemd-analyze verify # SKIP no systemd-analyze with --root"
fi

echo "SAVEOOPS_STORE=/dev/sdz9" >> "$root/etc/default/saveoops"
check "a second install succeeds" tools_make DESTDIR="$root" install
check "and keeps the administrator's /etc/default/saveoops" \
	grep -qx 'SAVEOOPS_STORE=/dev/sdz9' "$root/etc/default/saveoops"

# payload_init PAYLOAD: the capture initramfs' /init, on stdout.
payload_init()
{
	local d=$TEST_DIR/unpack

	rm -rf "$d" && mkdir -p "$d/inner" &&
	(cd "$d" && cpio -id --quiet kernel/kdump/initrd < "$1") &&
	(cd "$d/inner" && cpio -id --quiet init < ../kernel/kdump/initrd) &&
	cat "$d/inner/init"
}

kernel=$SAVEOOPS_BZIMAGE
check "the installed saveoops-mkpayload builds a payload" \
	"$root/usr/sbin/saveoops-mkpayload" --kernel "$kernel" --output "$TEST_DIR/p.cpio"
check "with the installed saveoops-capture as /init" \
	cmp <(payload_init "$TEST_DIR/p.cpio") "$root/usr/lib/saveoops/saveoops-capture"

local_root=$TEST_DIR/local
check "make install PREFIX=/usr/local succeeds" \
	tools_make DESTDIR="$local_root" PREFIX=/usr/local install
check "programs in /usr/local/sbin, the capture program in /usr/local/lib/saveoops" \
	test -x "$local_root/usr/local/sbin/saveoops-mkpayload" -a \
	-x "$local_root/usr/local/lib/saveoops/saveoops-capture" -a \
	-f "$local_root/usr/local/share/man/man8/saveoops.8" -a \
	! -e "$local_root/usr/sbin"
check "its saveoops-mkpayload finds the capture program there" \
	"$local_root/usr/local/sbin/saveoops-mkpayload" --kernel "$kernel" \
	--output "$TEST_DIR/local.cpio"
check "and puts it in the payload" \
	cmp <(payload_init "$TEST_DIR/local.cpio") \
	"$local_root/usr/local/lib/saveoops/saveoops-capture"

# Alone, it names the compiled-in place it looked last.
mkdir -p "$TEST_DIR/alone"
cp "$root/usr/sbin/saveoops-mkpayload" "$TEST_DIR/alone/"
"$TEST_DIR/alone/saveoops-mkpayload" --kernel "$kernel" --output "$TEST_DIR/alone/p.cpio" \
	> /dev/null 2> "$TEST_DIR/alone.err"
if [ -e /usr/lib/saveoops/saveoops-capture ]; then
	tap ok "without a capture program it names /usr/lib/saveoops # SKIP one is installed"
else
	check "without a capture program it names /usr/lib/saveoops/saveoops-capture" \
		grep -q 'capture program /usr/lib/saveoops/saveoops-capture' "$TEST_DIR/alone.err"
fi
done_testing
