# SPDX-License-Identifier: GPL-2.0
"""The debian-kdump group of `make bench` (harness/bench-debian.sh): saveoops
against Debian's kdump-tools in a Debian 12 system, read from each boot's
stamped console log. harness/bench-report.py calls section(); by hand:

  python3 harness/bench_debian.py SERIAL-LOG
      the events read from one log, one a line

Clocks: "kt" is the kernel time of a line ([   12.345678], printk's clock
for the kernel's lines; for the lines journald forwards to the console, as
kdump-tools' are, the journal's CLOCK_MONOTONIC, which the late crash unit
checks against /proc/uptime); "host" the host's monotonic time at which the
line was read (bench-report.py stamp), which compares across the crashed and
the capture kernel.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_log  # noqa: E402  (beside this file)

STAGES = ["early", "device", "init", "late"]
METHODS = ["saveoops", "kdump-tools"]

# name, pattern on the line's text (after the kernel time), kernel (1 the
# crashed, 2 the capture kernel; 0 either).
PATTERNS = [
    ("start", r"Linux version ", 0),
    ("armed", r"crash_early: armed in ", 1),
    ("init", r"Run /init as init process", 0),
    ("systemd", r"systemd\[1\]: systemd \d+", 0),
    ("kdump-start", r"kdump-tools\[\d+\]: Starting kdump-tools", 0),
    ("kdump-loaded", r"kdump-tools\[\d+\]: loaded kdump kernel", 1),
    ("kdump-no-trigger", r"kdump-tools\[\d+\]: .*couldn't set panic trigger", 1),
    ("unit", r"bench: late crash unit", 1),
    ("panic", r"Kernel panic - not syncing: ", 1),
    ("saved", r"saveoops: saved record ", 2),
    ("kdump-dmesg-saved", r"kdump-tools\[\d+\]: kdump-tools: saved dmesg content in ", 2),
    # printed after the sync that follows the dmesg file
    ("kdump-dmesg-synced", r"kdump-tools\[\d+\]: running makedumpfile .*\| compress", 2),
    ("kdump-refused", r"kdump-tools\[\d+\]: Cannot change symbolic links when kdump is loaded", 1),
    ("kdump-vmcore-saved", r"kdump-tools\[\d+\]: kdump-tools: saved vmcore in ", 2),
    ("kdump-unsupported", r"kdump-tools\[\d+\]: The kernel version is not supported", 2),
]


def parse(path):
    """{name: (host, kt, text)} of one stamped console log, the first
    occurrence in its kernel; "k1."/"k2." prefixes where the kernel is
    either; "kernels" the number of kernels that started."""
    ev = {}
    kernel = 0
    for host, kt, text, kernel in bench_log.lines(path):
        for name, pat, k in PATTERNS:
            if re.match(pat, text) and k in (0, kernel):
                key = "k%d.%s" % (kernel, name) if k == 0 else name
                ev.setdefault(key, (host, kt, text))
    ev["kernels"] = kernel
    return ev


def kt(ev, name):
    return ev[name][1] if name in ev else None


def since_panic(ev, name):
    if name in ev and "panic" in ev:
        return ev[name][0] - ev["panic"][0]
    return None


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(x):
    return "-" if x is None else "%.3f s" % x


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def section(rows):
    """The group's figures from the manifest rows (bench-report.py's
    boots()), or None when the group did not run: lines for the table,
    summary entries, CSV rows and the detail for results.json."""
    mine = [r for r in rows if r["group"] == "debian-kdump"]
    if not mine:
        return None
    boots = {}
    for r in mine:
        ev = parse(os.path.join(r["dir"], "serial.log"))
        m = re.search(r"uptime ([\d.]+)", ev["unit"][2]) if "unit" in ev else None
        loaded = re.search(r"kexec_crash_loaded=(\d)", ev["unit"][2]) if "unit" in ev else None
        boots[(r["method"], r["stage"])] = {
            "verdict": r["verdict"], "boot_s": int(r["param"]) if r["param"].isdigit() else None,
            "kernels": ev["kernels"],
            "armed_s": kt(ev, "armed"),
            "kdump_loaded_s": kt(ev, "kdump-loaded"),
            "kdump_service_start_s": kt(ev, "k1.kdump-start"),
            "kdump_panic_trigger_set": "kdump-no-trigger" not in ev if "kdump-loaded" in ev else None,
            "init_s": kt(ev, "k1.init"), "systemd_s": kt(ev, "k1.systemd"),
            "panic_s": kt(ev, "panic"), "panic": ev["panic"][2] if "panic" in ev else None,
            "unit_s": kt(ev, "unit"), "unit_uptime_s": float(m.group(1)) if m else None,
            "unit_kexec_crash_loaded": int(loaded.group(1)) if loaded else None,
            "capture_start_s": since_panic(ev, "k2.start"),
            "capture_init_s": since_panic(ev, "k2.init"),
            "capture_systemd_s": since_panic(ev, "k2.systemd"),
            "capture_kdump_start_s": since_panic(ev, "k2.kdump-start"),
            "saved_s": since_panic(ev, "saved"),
            "kdump_dmesg_saved_s": since_panic(ev, "kdump-dmesg-saved"),
            "kdump_dmesg_synced_s": since_panic(ev, "kdump-dmesg-synced"),
            "kdump_vmcore_saved_s": since_panic(ev, "kdump-vmcore-saved"),
            "makedumpfile_unsupported": "kdump-unsupported" in ev,
            "kdump_refused": "kdump-refused" in ev,
        }
        b = boots[(r["method"], r["stage"])]
        # The journal's clock against printk's: the late unit read
        # /proc/uptime as it wrote its line. kdump-tools' line in printk's
        # clock, from that, and from the host's time between the two lines.
        if b["unit_s"] is not None and b["unit_uptime_s"] is not None:
            b["journal_clock_behind_s"] = b["unit_s"] - b["unit_uptime_s"]
            if b["kdump_loaded_s"] is not None:
                b["kdump_loaded_journal_s"] = b["kdump_loaded_s"]
                b["kdump_loaded_s"] += b["journal_clock_behind_s"]
                b["kdump_loaded_by_host_s"] = b["unit_s"] - (ev["unit"][0] -
                                                             ev["kdump-loaded"][0])
    sv = {st: b for (m, st), b in boots.items() if m == "saveoops"}
    kd = {st: b for (m, st), b in boots.items() if m == "kdump-tools"}
    lines, summary, csv = [], [], []
    p = lines.append
    p("Debian 12 system (debian-kdump): saveoops against Debian's kdump-tools in the "
      "same image, one boot each; ratios saveoops / kdump-tools:")
    p("")
    p("| metric | saveoops | kdump-tools | ratio |")
    p("| --- | --- | --- | --- |")
    late_s, late_k = sv.get("late", {}), kd.get("late", {})
    armed_s = median(b["armed_s"] for b in sv.values())
    armed_k = late_k.get("kdump_loaded_s")
    rows_out = [
        ("armed_kernel_time", "kernel time armed (saveoops: its armed line, median of its "
         "boots; kdump-tools: its \"loaded kdump kernel\" line, in printk's clock)",
         armed_s, armed_k),
        ("panic_to_durable", "late crash, panic to durable (saveoops: \"saved record\", "
         "after fdatasync; kdump-tools: the dmesg file synced)",
         late_s.get("saved_s"), late_k.get("kdump_dmesg_synced_s")),
        ("panic_to_capture_program", "late crash, panic to the capture program starting "
         "(saveoops: the capture kernel's /init; kdump-tools: kdump-tools.service)",
         late_s.get("capture_init_s"), late_k.get("capture_kdump_start_s")),
    ]
    for key, label, a, b in rows_out:
        r = ratio(a, b)
        p("| %s | %s | %s | %s |" % (label, fmt(a), fmt(b), "-" if r is None else "%.3f" % r))
        summary.append(dict(metric="debian_kdump_" + key, saveoops=a, alternative=b, ratio=r))
        csv.append("debian_kdump_%s,1,%s,%s,%s" % (key, "" if a is None else a,
                                                  "" if b is None else b, "" if r is None else r))
    p("")
    p("| stage | saveoops | kdump-tools |")
    p("| --- | --- | --- |")
    for st in STAGES:
        cells = []
        for m in METHODS:
            b = boots.get((m, st))
            cells.append("-" if b is None else "%s @ %s" % (
                b["verdict"], "%.3f" % b["panic_s"] if b["panic_s"] is not None else "?"))
            if b is not None:
                csv.append("debian_kdump_coverage_%s_%s,1,%s,%s," % (
                    st, m, b["verdict"], "" if b["panic_s"] is None else b["panic_s"]))
        p("| %s | %s |" % ("late (sysrq-c after multi-user)" if st == "late" else st,
                           " | ".join(cells)))
    both = boots.get(("both", "late"))
    if both:
        p("")
        p("Both enabled (the payload in the initrd, kdump-tools.service as installed), "
          "late crash: %s @ %s; kexec_crash_loaded=%s before it." % (
              both["verdict"], "?" if both["panic_s"] is None else "%.3f" % both["panic_s"],
              both["unit_kexec_crash_loaded"]) +
          (" kdump-tools.service said \"Cannot change symbolic links when kdump is "
           "loaded ... failed!\" and loaded nothing (its init script still exits 0: "
           "the unit is active)." if both["kdump_refused"] else ""))
        csv.append("debian_kdump_coverage_late_both,1,%s,%s," % (
            both["verdict"], "" if both["panic_s"] is None else both["panic_s"]))
    p("")
    notes = []
    if late_k:
        notes.append("kdump-tools, late crash (from the panic, host clock): its capture "
                     "kernel started %s, ran /init %s, systemd %s, kdump-tools.service "
                     "%s; dmesg file saved %s, synced %s; the whole dump (makedumpfile -c "
                     "-d 31) saved %s" % tuple(fmt(late_k.get(k)) for k in (
                         "capture_start_s", "capture_init_s", "capture_systemd_s",
                         "capture_kdump_start_s", "kdump_dmesg_saved_s",
                         "kdump_dmesg_synced_s", "kdump_vmcore_saved_s")))
        notes.append("kdump-tools, first kernel: systemd at %s, kdump-tools.service "
                     "started at %s (journal clock), \"loaded kdump kernel\" at %s in the "
                     "journal's clock, %s in printk's (the late unit read "
                     "kexec_crash_loaded=%s at %s with /proc/uptime %s; from the host's "
                     "time between the two lines instead: %s)" % (
                         fmt(late_k.get("systemd_s")), fmt(late_k.get("kdump_service_start_s")),
                         fmt(late_k.get("kdump_loaded_journal_s")),
                         fmt(late_k.get("kdump_loaded_s")), late_k.get("unit_kexec_crash_loaded"),
                         fmt(late_k.get("unit_s")), fmt(late_k.get("unit_uptime_s")),
                         fmt(late_k.get("kdump_loaded_by_host_s"))))
        if late_k.get("kdump_panic_trigger_set") is False:
            notes.append("kdump-config could not set kernel.panic_on_oops=1 (no sysctl "
                         "binary in the image: procps is not installed)")
        if late_k.get("makedumpfile_unsupported"):
            notes.append("makedumpfile says \"The kernel version is not supported\" for "
                         "6.12 and goes on")
    if late_s:
        notes.append("saveoops, late crash (from the panic, host clock): capture kernel "
                     "started %s, its /init %s, record saved %s" % tuple(
                         fmt(late_s.get(k)) for k in ("capture_start_s", "capture_init_s",
                                                      "saved_s")))
    img = {}
    path = os.path.join(os.path.dirname(os.path.dirname(mine[0]["dir"])),
                        "debian-kdump-image.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            img = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    if img:
        notes.append("initrds: %s KiB with saveoops' payload (%s KiB of it), %s KiB "
                     "without; kdump-tools' capture initrd %s KiB%s" % (
                         int(img["initrd_bytes"]) >> 10, int(img["payload_bytes"]) >> 10,
                         int(img["initrd_nopayload_bytes"]) >> 10,
                         int(img["kdump_initrd_bytes"]) >> 10,
                         ", starting with saveoops' payload too (saveoops' initramfs-tools "
                         "hook runs for kdump-tools' mkinitramfs as well)"
                         if img.get("kdump_initrd_has_payload") == "yes" else ""))
    took = [b["boot_s"] for b in boots.values() if b["boot_s"] is not None]
    if took:
        notes.append("%d boots, %d s of boots in all (%s)" % (
            len(took), sum(took), ", ".join("%s %s %s s" % (m, st, boots[(m, st)]["boot_s"])
                                            for m in METHODS + ["both"] for st in STAGES
                                            if (m, st) in boots)))
    for n in notes:
        p("- " + n)
    return {"lines": lines, "summary": summary, "csv": csv,
            "detail": dict({"%s/%s" % k: v for k, v in boots.items()}, image=img)}


def main(argv):
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    for name, v in sorted(parse(argv[0]).items()):
        if name == "kernels":
            print("kernels\t\t\t%d" % v)
        else:
            print("%s\t%s\t%s\t%s" % (name, v[0], v[1], v[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
