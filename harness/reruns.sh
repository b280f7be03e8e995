#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The summary make check ends with: how many guests qemu-run.sh ran a second
# time (a timeout or a QEMU crash on the first try), and in which tests.
#
#   reruns.sh FILE    FILE: one line per rerun, "TEST CASE-LOG REASON"
set -euo pipefail

file=$1
if [ ! -s "$file" ]; then
	echo "reruns: none"
	exit 0
fi
echo "reruns: $(grep -c . "$file"), in $(cut -d' ' -f1 "$file" | sort | uniq -c |
	awk '{ printf "%s%s (%d)", sep, $2, $1; sep = ", " }')"
sed 's/^/reruns:   /' "$file"
