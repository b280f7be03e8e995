#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export saveoops as the patch series reviewers get:
#
#   mkseries.sh [OUTDIR]      (default $SAVEOOPS_OUT/series)
#
# Each patch of patches/series is applied to the base with git am, the new
# files patches/new-files assigns to it are added to the same commit, and
# git format-patch writes the result with the cover letter from
# patches/cover-letter. The output applies with git am to a clean 6.12.
#
# The work happens in a git repository of the base kept in the cache
# ($SAVEOOPS_CACHE/series), made once per base version; it is left at the
# last patch, one commit per patch (tests/host/series-build.t builds them).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SERIES_GIT=$SAVEOOPS_CACHE/series
IDENT_NAME="saveoops developers"
IDENT_EMAIL="saveoops@localhost"

# A git repository of the base at tag "base", and a stamp naming the base
# version it was made from.
make_base_repo()
{
	local stamp=$SERIES_GIT/.saveoops-base version

	"$SAVEOOPS_TOP/harness/compose.sh" >/dev/null
	version=$(cat "$SAVEOOPS_CACHE/base.version")
	[ "$(cat "$stamp" 2>/dev/null)" = "$version" ] && return
	note "making a git repository of the base in $SERIES_GIT (once)"
	rm -rf "$SERIES_GIT" "$SERIES_GIT.tmp"
	cp -a "$SAVEOOPS_BASE" "$SERIES_GIT.tmp"
	(
		cd "$SERIES_GIT.tmp"
		git init -q
		# Debian's tarball ignores "/*" for its own packaging.
		git add -A -f
		git -c user.name=base -c user.email=base@localhost commit -q \
			-m "Linux $(make -s kernelversion) ($SAVEOOPS_SRC_PKG $version)"
		git tag base
		# Kept as is: git status would have to look at every file.
		git config core.untrackedCache true
	)
	echo "$version" > "$SERIES_GIT.tmp/.saveoops-base"
	echo /.saveoops-base >> "$SERIES_GIT.tmp/.git/info/exclude"
	mv "$SERIES_GIT.tmp" "$SERIES_GIT"
}

# git in the series repository, as the series' author.
sgit()
{
	GIT_COMMITTER_NAME=$IDENT_NAME GIT_COMMITTER_EMAIL=$IDENT_EMAIL \
		git -C "$SERIES_GIT" -c user.name="$IDENT_NAME" -c user.email="$IDENT_EMAIL" "$@"
}

reset_to_base()
{
	sgit am --abort >/dev/null 2>&1 || true
	sgit checkout -q -f --detach base
	sgit clean -q -f -d -x -e /.saveoops-base
}

# new_files_of SUBJECT: the new files patches/new-files lists under SUBJECT;
# a path ending in / stands for every new file under it.
new_files_of()
{
	local subject=$1 entry

	while read -r entry; do
		case $entry in
		*/)	(cd "$SAVEOOPS_TOP" && git ls-files --cached --others --exclude-standard "$entry") ;;
		*)	echo "$entry" ;;
		esac
	done < <(awk -v s="$subject" '
		/^#/ || /^[[:space:]]*$/ { next }
		/^[^\t]/ { mine = ($0 == s); next }
		mine { sub(/^\t+/, ""); print }' "$SAVEOOPS_TOP/patches/new-files")
}

# The patch's commit, with the new files it brings.
apply_patch()
{
	local patch=$SAVEOOPS_TOP/patches/$1 subject f

	sgit am -q --committer-date-is-author-date "$patch" ||
		die "patches/$1 does not apply with git am"
	subject=$(sgit log -1 --format=%s)
	while read -r f; do
		[ -f "$SAVEOOPS_TOP/$f" ] || die "patches/new-files: $f does not exist"
		mkdir -p "$SERIES_GIT/$(dirname "$f")"
		cp "$SAVEOOPS_TOP/$f" "$SERIES_GIT/$f"
		sgit add -f "$f"
	done < <(new_files_of "$subject")
	sgit diff --cached --quiet ||
		GIT_COMMITTER_DATE=$(sgit log -1 --format=%aD) \
		sgit commit -q --amend --no-edit
}

# The cover letter: its first line is the subject, the rest the blurb, and
# a paragraph naming the base.
fill_cover_letter()
{
	local cover=$1 text=$SAVEOOPS_TOP/patches/cover-letter base

	base="The series is against Linux $(make -s -C "$SAVEOOPS_BASE" kernelversion) as"
	base="$base Debian ships it ($SAVEOOPS_SRC_PKG $(cat "$SAVEOOPS_CACHE/base.version"))"
	base="$base and applies with git am to a clean tree of it."
	python3 - "$cover" "$text" "$base" <<'EOF'
import sys, textwrap
cover, text, base = sys.argv[1:4]
lines = open(text).read().split('\n', 1)
subject = lines[0].strip()
blurb = lines[1].strip('\n') + '\n\n' + textwrap.fill(base, 75) + '\n'
s = open(cover).read()
assert '*** SUBJECT HERE ***' in s and '*** BLURB HERE ***' in s
s = s.replace('*** SUBJECT HERE ***', subject).replace('*** BLURB HERE ***\n', blurb)
open(cover, 'w').write(s)
EOF
}

main()
{
	local out=${1:-$SAVEOOPS_OUT/series} p

	# A caller that holds the lock already says so.
	if [ -z "${SAVEOOPS_SERIES_LOCKED:-}" ]; then
		mkdir -p "$SAVEOOPS_CACHE"
		exec 7> "$SAVEOOPS_CACHE/series.lock"
		flock 7
	fi
	make_base_repo
	reset_to_base
	while read -r p; do
		apply_patch "$p"
	done < <(series)

	rm -rf "$out"
	mkdir -p "$out"
	sgit format-patch -q --no-signature --zero-commit --cover-letter \
		-o "$out" base..HEAD
	fill_cover_letter "$out/0000-cover-letter.patch"
	note "series: $(series | wc -l) patches and a cover letter in $out"
}

main "$@"
