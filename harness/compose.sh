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

# The base is unpacked again, and the tree made anew, when Debian ships a
# new linux-source-6.12.
unpack_base()
{
	local stamp=$SAVEOOPS_CACHE/base.version version

	version=$(base_version)
	[ -f "$SAVEOOPS_BASE/Makefile" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ] &&
		return
	[ -f "$SAVEOOPS_SRC_TARBALL" ] || die "$SAVEOOPS_SRC_TARBALL missing (make deps)"
	note "unpacking $SAVEOOPS_SRC_TARBALL ($version)"
	rm -rf "$SAVEOOPS_CACHE/base" "$SAVEOOPS_TREE" "$SAVEOOPS_CACHE/tree.manifest"
	rm -rf "$SAVEOOPS_CACHE/base.tmp"
	mkdir -p "$SAVEOOPS_CACHE/base.tmp"
	tar -C "$SAVEOOPS_CACHE/base.tmp" -xf "$SAVEOOPS_SRC_TARBALL"
	mkdir -p "$(dirname "$SAVEOOPS_BASE")"
	mv "$SAVEOOPS_CACHE/base.tmp/linux-source-6.12" "$SAVEOOPS_BASE"
	rmdir "$SAVEOOPS_CACHE/base.tmp"
	echo "$version" > "$stamp"
}

# Hard links make the first copy cheap. The tree's files are only ever
# replaced by rename (rsync, cp --remove-destination), never written in
# place, so the base is not written through a link.
init_tree()
{
	[ -f "$SAVEOOPS_TREE/Makefile" ] && return
	note "creating the composed tree"
	rm -rf "$SAVEOOPS_TREE" "$SAVEOOPS_TREE.tmp" "$SAVEOOPS_CACHE/tree.manifest"
	cp -al "$SAVEOOPS_BASE" "$SAVEOOPS_TREE.tmp"
	mv "$SAVEOOPS_TREE.tmp" "$SAVEOOPS_TREE"
}

patched_paths()
{
	local p

	while read -r p; do
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p; s|^--- a/\([^[:space:]]*\).*|\1|p' \
			"$SAVEOOPS_TOP/patches/$p"
	done < <(series) | sort -u
}

new_files()
{
	cd "$SAVEOOPS_TOP" && kernel_new_files
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
		patch -s -p1 -N -E --fuzz=0 -d "$stage" --no-backup-if-mismatch \
			< "$SAVEOOPS_TOP/patches/$p" ||
			die "patches/$p does not apply to $SAVEOOPS_SRC_PKG"
	done < <(series)

	(cd "$SAVEOOPS_TOP" && new_files | cpio -pdm --quiet "$stage")
}

# The manifest lists every path composed: new files and patched files,
# including those a patch deletes. A path in the last manifest but not in
# this one goes back to its base content (or away, if the base lacks it).
write_manifest()
{
	{
		(cd "$stage" && find . -type f | sed 's|^\./||')
		patched_paths
	} | sort -u > "$1"
}

restore_dropped()
{
	local old=$1 new=$2 p

	[ -f "$old" ] || return 0
	comm -23 "$old" "$new" | while read -r p; do
		if [ -f "$SAVEOOPS_BASE/$p" ]; then
			mkdir -p "$(dirname "$SAVEOOPS_TREE/$p")"
			cp --remove-destination "$SAVEOOPS_BASE/$p" "$SAVEOOPS_TREE/$p"
		else
			rm -f "$SAVEOOPS_TREE/$p"
		fi
	done
}

# Files the series deletes are patched paths missing from the stage.
remove_deleted()
{
	local p

	patched_paths | while read -r p; do
		[ -e "$stage/$p" ] || rm -f "$SAVEOOPS_TREE/$p"
	done
}

main()
{
	# Parallel tests may each start a build; compose one at a time.
	mkdir -p "$SAVEOOPS_CACHE"
	exec 8> "$SAVEOOPS_CACHE/compose.lock"
	flock 8
	unpack_base
	init_tree
	stage=$(mktemp -d)
	trap 'rm -rf "$stage" "$stage.manifest"' EXIT
	stage_tree "$stage"
	write_manifest "$stage.manifest"
	restore_dropped "$SAVEOOPS_CACHE/tree.manifest" "$stage.manifest"
	remove_deleted
	rsync -rc "$stage/" "$SAVEOOPS_TREE/"
	mv "$stage.manifest" "$SAVEOOPS_CACHE/tree.manifest"
	note "tree: $(series | wc -l) patches, $(wc -l < "$SAVEOOPS_CACHE/tree.manifest") files composed"
}

base_version()
{
	dpkg-query -W -f='${Version}' "$SAVEOOPS_SRC_PKG" 2>/dev/null ||
		stat -c %Y "$SAVEOOPS_SRC_TARBALL"
}

main "$@"
