#!/bin/bash
# The man pages saveoops(8), saveoops-capture(8), saveoops-mkpayload(8):
# man --warnings (groff's warnings) says nothing about them, they have the
# sections a kexec(8)-style page has, and every option and setting a
# program's --help lists (--OPTION, saveoops.NAME=, the CLI's commands)
# appears in its page: a new option without documentation fails here.
. "$(dirname "$0")/../../harness/testlib.sh"

command -v man > /dev/null || { echo "1..0 # SKIP man (man-db) is not installed"; exit 0; }

src=$TOOLS_SRC
out=$TOOLS_DIST
tools_make > "$TEST_DIR/make.log" 2>&1 ||
	{ sed 's/^/# /' "$TEST_DIR/make.log"; tap "not ok" "the programs build"; done_testing; }

# The page as man shows it on an ASCII terminal, without overstrikes.
render()
{
	LC_ALL=C MANWIDTH=80 man -l "$1" 2> /dev/null | col -bx
}

# What --help lists: long options, command line settings and commands.
help_words()
{
	local prog=$1

	"$out$prog" --help | grep -oE -- '--[a-z][a-z-]*[a-z]|saveoops\.[a-z]+=' | sort -u
	[ "$prog" != saveoops ] ||
		"$out$prog" --help | sed -n '/^Commands:/,/^$/p' | grep -oE '^  [a-z]+' | sort -u
}

for prog in saveoops saveoops-capture saveoops-mkpayload; do
	page=$src/man/$prog.8
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 > /dev/null)
	if [ -z "$warnings" ]; then
		tap ok "$prog.8: man --warnings is silent"
	else
		tap "not ok" "$prog.8: man --warnings is silent"
		echo "$warnings" | head -20 | sed 's/^/#   /'
	fi
	text=$(render "$page")
	missing=
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -qx "$section" <<< "$text" || missing="$missing '$section'"
	done
	if [ -z "$missing" ]; then
		tap ok "$prog.8: has the sections of a kexec(8)-style page"
	else
		tap "not ok" "$prog.8: has the sections of a kexec(8)-style page"
		diag "  missing:$missing"
	fi
	words=$(help_words "$prog")
	missing=
	for w in $words; do
		grep -qF -- "$w" <<< "$text" || missing="$missing $w"
	done
	if [ -n "$words" ] && [ -z "$missing" ]; then
		tap ok "$prog.8: documents all $(wc -w <<< "$words") options and settings of --help"
	else
		tap "not ok" "$prog.8: documents every option and setting of --help"
		diag "  in --help but not in the page:${missing:- (none found in --help)}"
	fi
done
done_testing
