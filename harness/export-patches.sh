#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write the dev tree's commits since "base" to patches/ and patches/series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dev=${SAVEOOPS_DEV:-$SAVEOOPS_CACHE/dev}
cd "$SAVEOOPS_TOP/patches"
git rm -q --ignore-unmatch ./*.patch 2>/dev/null || rm -f ./*.patch
git -C "$dev" -c core.abbrev=7 format-patch -q --no-signature --zero-commit -o "$PWD" base..
ls ./*.patch | sed 's|^\./||' > series
note "exported $(wc -l < series) patches"
