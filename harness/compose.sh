#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compose the kernel tree: Debian's 6.12 source, the patches named in
# patches/series applied in order, and this repository's new kernel files
# copied over at their tree paths.
#
# The tree is updated in place and a file is rewritten only when its content
# changes, so kbuild rebuilds no more than what the change touched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

unpack_base()
{
	[ -f "$SAVEOOPS_BASE/Makefile" ] && return
	[ -f "$SAVEOOPS_SRC_TARBALL" ] || die "$SAVEOOPS_SRC_TARBALL missing (make deps)"
	note "unpacking $SAVEOOPS_SRC_TARBALL"
	rm -rf "$SAVEOOPS_CACHE/base.tmp"
	mkdir -p "$SAVEOOPS_CACHE/base.tmp"
	tar -C "$SAVEOOPS_CACHE/base.tmp" -xf "$SAVEOOPS_SRC_TARBALL"
	mkdir -p "$(dirname "$SAVEOOPS_BASE")"
	mv "$SAVEOOPS_CACHE/base.tmp/linux-source-6.12" "$SAVEOOPS_BASE"
	rmdir "$SAVEOOPS_CACHE/base.tmp"
	chmod -R a-w "$SAVEOOPS_BASE"
}

# Hard links make the first copy cheap; rsync below replaces files by rename,
# so the base is never written through a link.
init_tree()
{
	[ -f "$SAVEOOPS_TREE/Makefile" ] && return
	note "creating the composed tree"
	rm -rf "$SAVEOOPS_TREE"
	cp -al "$SAVEOOPS_BASE" "$SAVEOOPS_TREE"
	chmod -R u+w "$SAVEOOPS_TREE"
}

patched_paths()
{
	local p

	while read -r p; do
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p; s|^--- a/\([^[:space:]]*\).*|\1|p' \
			"$SAVEOOPS_TOP/patches/$p"
	done < <(series) | sort -u
}

series()
{
	[ -f "$SAVEOOPS_TOP/patches/series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SAVEOOPS_TOP/patches/series"
}

new_files()
{
	local d

	cd "$SAVEOOPS_TOP"
	for d in $SAVEOOPS_KERNEL_DIRS; do
		[ -d "$d" ] && git ls-files --cached --others --exclude-standard "$d"
	done
	[ -f MAINTAINERS ] && echo MAINTAINERS
	true
}

stage_tree()
{
	local stage=$1 p

	while read -r p; do
		[ -f "$SAVEOOPS_BASE/$p" ] || continue
		mkdir -p "$stage/$(dirname "$p")"
		cp "$SAVEOOPS_BASE/$p" "$stage/$p"
		chmod u+w "$stage/$p"
	done < <(patched_paths)

	while read -r p; do
		patch -s -p1 -N -d "$stage" --no-backup-if-mismatch \
			< "$SAVEOOPS_TOP/patches/$p" ||
			die "patches/$p does not apply to $SAVEOOPS_SRC_PKG"
	done < <(series)

	(cd "$SAVEOOPS_TOP" && new_files | cpio -pdm --quiet "$stage")
}

# Files composed last time but not this time go back to their base content.
restore_dropped()
{
	local stage=$1 manifest=$SAVEOOPS_CACHE/tree.manifest p

	[ -f "$manifest" ] || return 0
	while read -r p; do
		[ -e "$stage/$p" ] && continue
		if [ -f "$SAVEOOPS_BASE/$p" ]; then
			cp --remove-destination "$SAVEOOPS_BASE/$p" "$SAVEOOPS_TREE/$p"
		else
			rm -f "$SAVEOOPS_TREE/$p"
		fi
	done < "$manifest"
}

main()
{
	unpack_base
	init_tree
	stage=$(mktemp -d "$SAVEOOPS_CACHE/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	stage_tree "$stage"
	restore_dropped "$stage"
	rsync -rc "$stage/" "$SAVEOOPS_TREE/"
	(cd "$stage" && find . -type f | sed 's|^\./||' | sort) > "$SAVEOOPS_CACHE/tree.manifest"
	note "tree: $(series | wc -l) patches, $(wc -l < "$SAVEOOPS_CACHE/tree.manifest") files composed"
}

main "$@"
