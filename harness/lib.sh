# SPDX-License-Identifier: GPL-2.0
# Common settings for the saveoops harness; sourced, never run.

SAVEOOPS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SAVEOOPS_CACHE=${SAVEOOPS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/saveoops}

# The base: Debian's linux-source-6.12, unpacked once and never modified.
SAVEOOPS_SRC_PKG=linux-source-6.12
SAVEOOPS_SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
SAVEOOPS_BASE=$SAVEOOPS_CACHE/base/linux-source-6.12
# The composed tree (base + patches/series + new files) and its objects.
SAVEOOPS_TREE=$SAVEOOPS_CACHE/tree
SAVEOOPS_BUILD=${SAVEOOPS_BUILD:-$SAVEOOPS_CACHE/build}
SAVEOOPS_BZIMAGE=$SAVEOOPS_BUILD/arch/x86/boot/bzImage
# The saveoops user-space programs (tools/saveoops), built for host and guest.
SAVEOOPS_TOOLS=$SAVEOOPS_CACHE/tools
# Guest artefacts shared by the tests of one run.
SAVEOOPS_OUT=${SAVEOOPS_OUT:-$SAVEOOPS_CACHE/out}

# The directories of this repository that hold new kernel files.
SAVEOOPS_KERNEL_DIRS="arch block Documentation drivers fs include init kernel lib mm tools"
# What lives at a kernel-tree path here but is not part of the kernel
# series: the user-space capture tool, with its own build and tests, and
# its manual. Neither is composed into the tree nor mailed.
SAVEOOPS_OUTSIDE_SERIES="tools/saveoops/ Documentation/admin-guide/kdump/saveoops.rst"

# kernel_new_files: the new files of the kernel series, one per line.
kernel_new_files()
{
	local d

	(
		cd "$SAVEOOPS_TOP" || exit 1
		for d in $SAVEOOPS_KERNEL_DIRS; do
			[ -d "$d" ] && git ls-files --cached --others --exclude-standard "$d"
		done
	) | awk -v out="$SAVEOOPS_OUTSIDE_SERIES" '
		BEGIN { n = split(out, skip, " ") }
		{ for (i = 1; i <= n; i++) if (index($0, skip[i]) == 1) next; print }'
}

# kbuild_env: what every kernel build here exports: ccache in the cache,
# and a fixed build identity, so that an unchanged tree relinks nothing and
# hits in ccache. ccache's depend mode keys a result on the headers the
# compiler's own -MMD output names (Kbuild passes -Wp,-MMD) instead of
# running the preprocessor first: a miss costs what plain gcc costs (207 vs
# 296 CPU-s for kernel/ and mm/ of the sig variant with an empty cache,
# 209-225 without ccache), and hits stay direct-mode hits.
kbuild_env()
{
	export CCACHE_DIR=${CCACHE_DIR:-$SAVEOOPS_CACHE/ccache}
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
	export CCACHE_DEPEND=${CCACHE_DEPEND:-1}
	export KBUILD_BUILD_TIMESTAMP="2024-11-17 00:00:00 UTC"
	export KBUILD_BUILD_USER=saveoops KBUILD_BUILD_HOST=qemu
}

die()
{
	echo "saveoops: $*" >&2
	exit 1
}

note()
{
	echo "saveoops: $*" >&2
}

# series: the patch files of patches/series, in order, comments dropped.
series()
{
	[ -f "$SAVEOOPS_TOP/patches/series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SAVEOOPS_TOP/patches/series"
}

# copy_with_libs ROOT BIN: BIN and the shared objects ldd names for it.
copy_with_libs()
{
	local root=$1 bin=$2 lib

	install -D -m 755 "$bin" "$root$bin"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$root$lib"
	done
}

# pack_test DIR: DIR/test.sh becomes DIR/test.cpio, the cpio a guest boots
# with appended: /test.sh for the first kernel and, in /boot/test.cpio, a copy
# the first kernel hands on to the capture kernel.
pack_test()
{
	local dir=$1

	# Byte for byte the same for the same test.sh (a built-in payload).
	mkdir -p "$dir/root/boot"
	cp "$dir/test.sh" "$dir/root/test.sh"
	touch -d @0 "$dir/root/test.sh"
	(cd "$dir/root" && echo test.sh | cpio -o -H newc -R 0:0 --reproducible --quiet) \
		> "$dir/root/boot/test.cpio"
	touch -d @0 "$dir/root/boot/test.cpio" "$dir/root/boot"
	(cd "$dir/root" && printf '%s\n' test.sh boot boot/test.cpio |
		cpio -o -H newc -R 0:0 --reproducible --quiet) > "$dir/test.cpio"
}

# guest_initrd DIR [PAYLOAD]: the first kernel's initrd for the test packed
# in DIR, with an early crash payload cpio ahead of it if given.
guest_initrd()
{
	cat ${2:+"$2"} "$SAVEOOPS_OUT/guest.cpio.gz" "$SAVEOOPS_OUT/boot.cpio" \
		"$1/test.cpio" > "$1/initrd"
	echo "$1/initrd"
}

# capture_initrd DIR: the capture kernel's initrd for the test packed in DIR.
capture_initrd()
{
	cat "$SAVEOOPS_OUT/guest.cpio.gz" "$1/root/boot/test.cpio" > "$1/capture-initrd"
	echo "$1/capture-initrd"
}

# pack_payload OUT KERNEL [INITRD [CMDLINE]]: the uncompressed cpio the early
# loader looks for, kernel/kdump/{vmlinuz,initrd,cmdline}; an empty INITRD
# or CMDLINE leaves that member out.
pack_payload()
{
	local out=$1 dir

	dir=$(mktemp -d)
	mkdir -p "$dir/kernel/kdump"
	cp "$2" "$dir/kernel/kdump/vmlinuz"
	[ -z "${3:-}" ] || cp "$3" "$dir/kernel/kdump/initrd"
	[ -z "${4:-}" ] || printf '%s\n' "$4" > "$dir/kernel/kdump/cmdline"
	(cd "$dir" && find kernel | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$out"
	rm -rf "$dir"
}
