#!/bin/bash
# Each patch of the series builds: after every patch, the kernel objects it
# touches compile with the test configuration, and sparse (C=2) and W=1
# (which runs kernel-doc on the file) report nothing the base did not
# already report for that file; no patch carries the user-space capture
# tool. (The whole kernel after the last patch is the composed tree every
# other test builds: series.t checks that the two are the same.)
. "$(dirname "$0")/../../harness/testlib.sh"

SERIES_GIT=$SAVEOOPS_CACHE/series
BUILD=$SAVEOOPS_CACHE/build-series

kbuild_env
kmake()
{
	make -s -j"$(nproc)" -C "$SERIES_GIT" O="$BUILD" CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

# configure REV: the test configuration, as far as the tree at REV (checked
# out) knows its options. Done again only when a Kconfig file changed since
# the last revision configured: a new .config makes the next make run
# syncconfig and the prepare stage again, 15 s a patch that changes none.
configured=
configure()
{
	if [ -n "$configured" ] &&
	   ! git -C "$SERIES_GIT" diff --name-only "$configured" "$1" | grep -q 'Kconfig'; then
		return 0
	fi
	cp "$SAVEOOPS_BUILD/.config" "$BUILD/.config"
	kmake olddefconfig > /dev/null
	configured=$1
}

# objects REV [REV2]: the kernel objects of the C and assembly files a
# commit touches, or that differ between two revisions.
objects()
{
	git -C "$SERIES_GIT" diff-tree --no-commit-id --name-only -r "$@" |
		grep -E '^(arch|block|drivers|fs|init|kernel|lib|mm)/.*\.[cS]$' |
		sed 's/\.[cS]$/.o/' | sort -u
}

# Warnings without line numbers, so that a moved line is not new.
warnings()
{
	grep -E ':[0-9]+(:[0-9]+)?: (warning|error):' "$1" |
		sed -E 's/:[0-9]+(:[0-9]+)?: /: /' | sort -u
}

# build_objects OBJ...: build with C=2 W=1, in one make, those of the
# objects the test kernel builds (kbuild would build a single object of any
# source file): their list in $built, make's status in $rc, its output in
# $TEST_DIR/obj.out. One make per patch rather than per object: each make
# starts by checking the whole prepare stage again.
build_objects()
{
	local obj

	built=
	rc=0
	: > "$TEST_DIR/obj.out"
	for obj; do
		[ -f "$SAVEOOPS_BUILD/$obj" ] && built="$built $obj"
	done
	[ -n "$built" ] || return 0
	# shellcheck disable=SC2086
	kmake -k C=2 W=1 $built > "$TEST_DIR/obj.out" 2>&1 || rc=$?
}

command -v sparse > /dev/null || { echo "1..0 # SKIP sparse is not installed"; exit 0; }
"$SAVEOOPS_TOP/harness/build-kernel.sh" > /dev/null 2>&1 ||
	{ tap "not ok" "the test kernel builds"; done_testing; exit; }

exec 7> "$SAVEOOPS_CACHE/series.lock"
flock 7
if ! SAVEOOPS_SERIES_LOCKED=1 "$SAVEOOPS_TOP/harness/mkseries.sh" "$TEST_DIR/series" \
	> "$TEST_DIR/mkseries.out" 2>&1; then
	tap "not ok" "make series"
	sed 's/^/#   /' "$TEST_DIR/mkseries.out"
	done_testing
	exit
fi
commits=$(git -C "$SERIES_GIT" rev-list --reverse base..HEAD)
last=$(git -C "$SERIES_GIT" rev-parse HEAD)
mkdir -p "$BUILD"

# What the base reports for the files the series touches.
git -C "$SERIES_GIT" checkout -q --detach base
configure base
# shellcheck disable=SC2046
build_objects $(objects base "$last")
warnings "$TEST_DIR/obj.out" > "$TEST_DIR/base.warnings"
diag "the base reports $(sort -u "$TEST_DIR/base.warnings" | wc -l) warnings on these files"

n=0
for c in $commits; do
	n=$((n + 1))
	objs=$(objects "$c")
	[ -n "$objs" ] || continue
	git -C "$SERIES_GIT" checkout -q --detach "$c"
	subject="patch $n ($(git -C "$SERIES_GIT" log -1 --format=%s "$c"))"
	configure "$c"
	# shellcheck disable=SC2086
	build_objects $objs
	for obj in $objs; do
		case " $built " in
		*" $obj "*) ;;
		*) tap ok "$subject: $obj # SKIP not in this configuration" ;;
		esac
	done
	[ -n "$built" ] || continue
	if [ $rc -ne 0 ]; then
		tap "not ok" "$subject:$built build"
		tail -20 "$TEST_DIR/obj.out" | sed 's/^/#   /'
		continue
	fi
	new=$(warnings "$TEST_DIR/obj.out" | comm -23 - "$TEST_DIR/base.warnings")
	if [ -z "$new" ]; then
		tap ok "$subject:$built build, nothing new from sparse or W=1"
	else
		tap "not ok" "$subject:$built build, nothing new from sparse or W=1"
		echo "$new" | head -10 | sed 's/^/#   /'
	fi
done

# The user-space tool has its own build and tests (tools/saveoops/Makefile,
# tests/host/saveoops-*.t): no mail carries it.
outside=$(git -C "$SERIES_GIT" diff --name-only base "$last" -- tools/saveoops \
	Documentation/admin-guide/kdump/saveoops.rst)
[ -z "$outside" ] && tap ok "the series leaves tools/saveoops and its manual out" ||
	tap "not ok" "the series leaves tools/saveoops and its manual out: $outside"

# The whole kernel after the last patch is not built again here: series.t
# checks that the applied series is the composed tree, whose kernel every
# other test builds and boots. (That build cost a full kernel compile in a
# directory of its own, the longest step of a cold `make check`.)
done_testing
