#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A git tree for editing the series: the base as one commit tagged "base",
# then patches/series applied with git am, one commit each. Edit, commit
# (or rebase), then harness/export-patches.sh writes patches/ back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dev=${SAVEOOPS_DEV:-$SAVEOOPS_CACHE/dev}
[ ! -e "$dev" ] || die "$dev exists; remove it to start again"
"$SAVEOOPS_TOP/harness/compose.sh" >/dev/null
cp -a "$SAVEOOPS_BASE" "$dev"
cd "$dev"
git init -q
# Debian's tarball ignores "/*" for its own packaging.
git add -A -f
git -c user.name=base -c user.email=base@localhost commit -q \
	-m "Linux $(make -s kernelversion) ($SAVEOOPS_SRC_PKG $(cat "$SAVEOOPS_CACHE/base.version"))"
git tag base
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SAVEOOPS_TOP/patches/series" |
	sed "s|^|$SAVEOOPS_TOP/patches/|" | xargs -r git am -q
note "dev tree at $dev: $(git rev-list --count base..) patches on base"
