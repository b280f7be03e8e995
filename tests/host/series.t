#!/bin/bash
# The series as reviewers get it (make series): a cover letter and one mail
# per patch, each signed off; the mails apply with git am to a clean base;
# the result is exactly the tree every other test builds and boots; every
# new file belongs to one patch; checkpatch --strict is clean on each mail.
. "$(dirname "$0")/../../harness/testlib.sh"

SERIES_GIT=$SAVEOOPS_CACHE/series
out=$TEST_DIR/series
checkpatch=$SAVEOOPS_BASE/scripts/checkpatch.pl

if "$SAVEOOPS_TOP/harness/mkseries.sh" "$out" > "$TEST_DIR/mkseries.out" 2>&1; then
	tap ok "make series writes the series"
else
	tap "not ok" "make series writes the series"
	sed 's/^/#   /' "$TEST_DIR/mkseries.out"
	done_testing
	exit
fi

mails=$(ls "$out"/*.patch | grep -v '/0000-cover-letter\.patch$')
n=$(series | wc -l)
[ "$(echo "$mails" | wc -l)" -eq "$n" ] && tap ok "one mail per patch ($n)" ||
	tap "not ok" "one mail per patch ($n): $(echo "$mails" | wc -l)"

cover=$out/0000-cover-letter.patch
if grep -q "^Subject: \[PATCH 00/$n\] [a-z]" "$cover" && ! grep -q '\*\*\*' "$cover" &&
	grep -q '^Prior art' "$cover" && grep -q '^Security' "$cover"; then
	tap ok "the cover letter has its subject, no placeholder, prior art and security model"
else
	tap "not ok" "the cover letter has its subject, no placeholder, prior art and security model"
	head -8 "$cover" | sed 's/^/#   /'
fi

unsigned=
for m in $mails; do
	author=$(sed -n 's/^From: //p' "$m" | head -1)
	grep -qxF "Signed-off-by: $author" "$m" || unsigned="$unsigned $(basename "$m")"
done
[ -z "$unsigned" ] && tap ok "every patch is signed off by its author" ||
	tap "not ok" "every patch is signed off by its author:$unsigned"

# Every new kernel-tree file of the repository is in exactly one patch.
listed=$(cat $mails | sed -n 's|^ create mode [0-7]* ||p' | sort)
missing=$(kernel_new_files | sort | comm -23 - <(echo "$listed" | sort -u))
dups=$(echo "$listed" | uniq -d)
[ -z "$missing$dups" ] && tap ok "every new file is added by exactly one patch" || {
	tap "not ok" "every new file is added by exactly one patch"
	echo "$missing" | sed '/^$/d; s/^/#   in no patch: /'
	echo "$dups" | sed '/^$/d; s/^/#   in several: /'
}

# git am of the mails on a clean base, in the series repository.
exec 7> "$SAVEOOPS_CACHE/series.lock"
flock 7
git -C "$SERIES_GIT" am --abort > /dev/null 2>&1
git -C "$SERIES_GIT" checkout -q -f --detach base &&
	git -C "$SERIES_GIT" clean -q -f -d -x -e /.saveoops-base
if git -C "$SERIES_GIT" -c user.name=test -c user.email=test@localhost am -q $mails \
	> "$TEST_DIR/am.out" 2>&1; then
	tap ok "git am applies the $n mails to the clean base"
else
	tap "not ok" "git am applies the $n mails to the clean base"
	sed 's/^/#   /' "$TEST_DIR/am.out"
fi

# What git am built is what compose.sh built: the same set of changed paths,
# the same bytes.
"$SAVEOOPS_TOP/harness/compose.sh" 2>/dev/null
changed=$(git -C "$SERIES_GIT" diff --name-only base HEAD | sort)
differ=$(comm -3 <(echo "$changed") <(sort "$SAVEOOPS_CACHE/tree.manifest") | tr -d '\t')
for p in $changed; do
	if [ -e "$SERIES_GIT/$p" ]; then
		cmp -s "$SERIES_GIT/$p" "$SAVEOOPS_TREE/$p" || differ="$differ $p"
	else
		[ ! -e "$SAVEOOPS_TREE/$p" ] || differ="$differ $p"
	fi
done
[ -z "$differ" ] && tap ok "the applied series is the composed tree the tests build" || {
	tap "not ok" "the applied series is the composed tree the tests build"
	echo "$differ" | tr ' ' '\n' | sed '/^$/d; s/^/#   differs: /'
}

# The MAINTAINERS entry covers every file the series adds.
uncovered=
for f in $(echo "$listed" | uniq); do
	(cd "$SERIES_GIT" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats -f "$f" 2>/dev/null) | grep -q '^saveoops developers ' ||
		uncovered="$uncovered $f"
done
[ -z "$uncovered" ] && tap ok "MAINTAINERS names a maintainer for every new file" ||
	tap "not ok" "MAINTAINERS names a maintainer for every new file:$uncovered"
flock -u 7

# checkpatch --strict on each mail, with the exceptions and their reasons.
# The MAINTAINERS entry for the new files is the series' last patch (checked
# above), so the earlier ones may add files without touching MAINTAINERS.
ignores()
{
	# The series repository holds the base as one commit, without upstream
	# history: a Fixes: tag's commit id cannot be looked up there.
	printf -- '--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID '
	case $(sed -n 's/^Subject: \[PATCH [0-9/]*\] //p' "$1") in
	# The injector exists to call BUG() on request.
	"kexec: crash at a chosen boot stage"*)
		echo --ignore AVOID_BUG ;;
	esac
}
for m in $mails; do
	# Debian's python3 first: the SPDX check needs its python3-ply and python3-git.
	if o=$(cd "$SERIES_GIT" && PATH=/usr/bin:$PATH \
		perl "$checkpatch" --strict -q $(ignores "$m") "$m" 2>&1); then
		tap ok "checkpatch --strict: $(basename "$m")"
	else
		tap "not ok" "checkpatch --strict: $(basename "$m")"
		echo "$o" | head -20 | sed 's/^/#   /'
	fi
done
done_testing
