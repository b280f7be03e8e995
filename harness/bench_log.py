# SPDX-License-Identifier: GPL-2.0
"""The stamped console logs of `make bench` (bench-report.py stamp), line by
line, for bench-report.py and bench_debian.py."""

import re

KTIME = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")


def lines(path):
    """(host, kt, text, kernel) of each line of a stamped console log: the
    host's monotonic time, the kernel time or None, the text after it, and
    which kernel printed it (counted at each "Linux version": 1 the crashed
    or only kernel, 2 the capture kernel). The crashed kernel's log tail,
    which saveoops-capture echoes, is left out."""
    kernel = 0
    in_tail = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            host, _, line = raw.rstrip("\n").partition("\t")
            try:
                host = float(host)
            except ValueError:
                continue
            if line.startswith("saveoops: last "):
                in_tail = True
                continue
            if line.startswith("saveoops: "):
                in_tail = False
            if in_tail:
                continue
            m = KTIME.match(line)
            kt, text = (float(m.group(1)), m.group(2)) if m else (None, line)
            if text.startswith("Linux version "):
                kernel += 1
            yield host, kt, text, kernel

