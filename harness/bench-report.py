#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Stamp and analyse the console logs of `make bench` (harness/bench.sh).

  bench-report.py stamp < console > serial.log
      each line prefixed with the host's monotonic time and a tab
  bench-report.py report DIR [--load L] [--wall S] [--runs N] [--delay S]
      DIR/boots.tsv and each boot's serial.log to DIR/results.json,
      DIR/results.csv, DIR/timeline.svg, and a table on stdout
  bench-report.py events SERIAL-LOG
      what the report reads from one log, one event a line
"""

import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_debian  # noqa: E402  (the debian-kdump group, beside this file)
import bench_log  # noqa: E402  (the stamped console logs)

STAGES = ["armed", "early", "core", "postcore", "arch", "subsys", "fs", "rootfs",
          "device", "late", "init", "userspace", "service"]
METHODS = {"a": "saveoops (early payload)",
           "b": "kexec -s -p first in /init",
           "c": "kdump service after delay"}


def stamp():
    """Copy stdin to stdout, each line prefixed with monotonic time and a tab."""
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        t = time.monotonic()
        out.write(b"%.6f\t" % t + line.rstrip(b"\r\n").replace(b"\r", b"") + b"\n")
        out.flush()


def parse_log(path):
    """Events of one stamped console log: a dict of name -> (host, ktime,
    value), first occurrence only; kernel 1 is the crashed (or only)
    kernel, kernel 2 the capture kernel."""
    ev = {}
    kernel = 0

    def put(name, host, kt, value=None):
        ev.setdefault(name, (host, kt, value))

    for host, kt, text, kernel in bench_log.lines(path):
        k = "k%d." % kernel
        if text.startswith("Linux version "):
            put(k + "start", host, kt)
        m = re.match(r"crash_early: armed in (\S+): .*took (\d+) us", text)
        if m:
            put(k + "armed", host, kt, int(m.group(2)))
        if text.startswith("Run /init as init process"):
            put(k + "init", host, kt)
        m = re.match(r"bench: kexec (start|armed) (\S+)", text)
        if m:
            put("%skexec-%s-%s" % (k, m.group(1), m.group(2)), host, kt)
        m = re.match(r"bench: meminfo free (\d+) vmalloc (\d+) payload (\d+)(?: pcp (\d+))?",
                     text)
        if m:
            free, vmalloc, payload, pcp = (int(x or 0) for x in m.groups())
            put(k + "meminfo", host, kt, (free + pcp, vmalloc, payload))
        if text.startswith("bench: init started"):
            put(k + "init-started", host, kt)
        if text.startswith("Kernel panic - not syncing"):
            put(k + "panic", host, kt, text)
        m = re.match(r"crash_inject: injecting a \S+ at stage (\S+)", text)
        if m:
            put(k + "inject", host, kt, m.group(1))
        if text.startswith("saveoops: saved record") or \
                text.startswith("bench-capture: saved"):
            put(k + "saved", host, kt, text)
    ev["kernels"] = (None, None, kernel)
    return ev


def kt(ev, name):
    return ev[name][1] if name in ev else None


def host(ev, name):
    return ev[name][0] if name in ev else None


def armed_took(ev):
    """Seconds the first kernel's armed line says the early load took."""
    return ev["k1.armed"][2] / 1e6 if "k1.armed" in ev else None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return a / b if a is not None and b else None


def boots(outdir):
    rows = []
    with open(os.path.join(outdir, "boots.tsv"), encoding="utf-8") as f:
        for line in f:
            group, name, run, method, stage, param, verdict, d = \
                line.rstrip("\n").split("\t")
            ev = parse_log(os.path.join(d, "serial.log"))
            rows.append(dict(group=group, name=name, run=int(run), method=method,
                             stage=stage, param=param, verdict=verdict, dir=d, ev=ev))
    return rows


def kexec_times(ev, tags=None):
    """Seconds each kexec -s -p took in kernel 1, by its markers."""
    out = []
    for name in ev:
        m = re.match(r"k1\.kexec-armed-(\S+)$", name)
        if m and (tags is None or m.group(1) in tags):
            start = kt(ev, "k1.kexec-start-" + m.group(1))
            if start is not None:
                out.append(kt(ev, name) - start)
    return out


def latency(ev):
    """Panic line to saved line, and capture /init to saved line, host clock."""
    p, s, i = host(ev, "k1.panic"), host(ev, "k2.saved"), host(ev, "k2.init")
    return (s - p if p is not None and s is not None else None,
            s - i if i is not None and s is not None else None)


def analyse(rows):
    res = {"coverage": {}, "arm": [], "latency": [], "memory": [],
           "scale_arm": [], "scale_log": [], "distro_memory": [], "lever": []}
    for r in rows:
        ev = r["ev"]
        if r["group"] == "coverage":
            cell = res["coverage"].setdefault(r["stage"], {})
            arm = {"a": kt(ev, "k1.armed"), "b": kt(ev, "k1.kexec-armed-b"),
                   "c": kt(ev, "k1.kexec-armed-c")}[r["method"]]
            cell[r["method"]] = {"verdict": r["verdict"], "panic_s": kt(ev, "k1.panic"),
                                 "armed_s": arm, "init_s": kt(ev, "k1.init")}
        elif r["group"] == "arm":
            res["arm"].append({
                "run": r["run"], "mode": r["name"],
                "armed_s": kt(ev, "k1.armed") if r["name"] == "on" else kt(ev, "k1.kexec-armed-b"),
                "took_s": armed_took(ev),
                "init_s": kt(ev, "k1.init"),
                "kexec_s": kexec_times(ev),
                "meminfo": ev["k1.meminfo"][2] if "k1.meminfo" in ev else None})
        elif r["group"] in ("latency", "scale-log"):
            total, side = latency(ev)
            res["latency" if r["group"] == "latency" else "scale_log"].append({
                "run": r["run"], "method": r["method"], "log_buf_len": r["param"],
                "verdict": r["verdict"], "panic_to_durable_s": total,
                "init_to_durable_s": side,
                "panic_to_capture_start_s": (host(ev, "k2.start") - host(ev, "k1.panic")
                                             if "k2.start" in ev and "k1.panic" in ev
                                             else None)})
        elif r["group"] in ("memory", "distro-memory"):
            res[r["group"].replace("-", "_")].append({"crashkernel_mib": int(r["param"]), "verdict": r["verdict"],
                                  "armed": "k1.armed" in ev})
        elif r["group"] == "lever":
            res["lever"].append({
                "run": r["run"], "boot": r["name"], "init_s": kt(ev, "k1.init"),
                "took_s": armed_took(ev)})
        elif r["group"] == "scale-arm":
            ks = kexec_times(ev)
            res["scale_arm"].append({
                "payload_mib": int(r["param"]),
                "took_s": armed_took(ev),
                "kexec_s": ks, "kexec_median_s": median(ks)})
    return res


def summarise(res, outdir):
    """The headline metrics: per run, then run 1 and the spread."""
    runs = sorted({a["run"] for a in res["arm"]} | {l["run"] for l in res["latency"]})
    per_run = {}
    for run in runs:
        on = next((a for a in res["arm"] if a["run"] == run and a["mode"] == "on"), None)
        off = next((a for a in res["arm"] if a["run"] == run and a["mode"] == "off"), None)
        m = {}
        if on and off:
            kx = median(on["kexec_s"] + off["kexec_s"])
            m["time_to_armed"] = (on["armed_s"], off["armed_s"], ratio(on["armed_s"], off["armed_s"]))
            m["arming_cost"] = (on["took_s"], kx, ratio(on["took_s"], kx))
            m["boot_to_init"] = (on["init_s"], off["init_s"], ratio(on["init_s"], off["init_s"]))
        stock = next((a for a in res["arm"] if a["run"] == run and a["mode"] == "stock"), None)
        if stock and off and stock["kexec_s"] and off["kexec_s"]:
            a, b = median(off["kexec_s"]), median(stock["kexec_s"])
            m["kexec_vs_stock"] = (a, b, ratio(a, b))
        distro = next((a for a in res["arm"] if a["run"] == run and a["mode"] == "distro"), None)
        if distro and off:
            m["boot_to_init_distro"] = (distro["init_s"], off["init_s"],
                                        ratio(distro["init_s"], off["init_s"]))
        for armed, key in ((on, "memory_kept"), (distro, "memory_kept_distro")):
            if armed and off and armed.get("meminfo") and off.get("meminfo"):
                m[key] = memory_kept(armed["meminfo"], off["meminfo"])
        lat = {l["method"]: l for l in res["latency"] if l["run"] == run}
        if "saveoops" in lat and "busybox" in lat:
            a, b = lat["saveoops"], lat["busybox"]
            m["capture_latency"] = (a["panic_to_durable_s"], b["panic_to_durable_s"],
                                    ratio(a["panic_to_durable_s"], b["panic_to_durable_s"]))
            m["capture_program"] = (a["init_to_durable_s"], b["init_to_durable_s"],
                                    ratio(a["init_to_durable_s"], b["init_to_durable_s"]))
        per_run[run] = m
    ok = [c["crashkernel_mib"] for c in res["memory"] if c["verdict"] == "captured"]
    smallest = min(ok) if ok else None
    payload = os.path.join(outdir, "payload-default", "payload.cpio")
    psize = os.path.getsize(payload) if os.path.exists(payload) else None
    return per_run, smallest, psize


LEVER_BOOTS = [
    ("off", "not armed"),
    ("on", "armed, default payload"),
    ("distro", "armed, Debian's kernel"),
    ("distro-unloaded", "Debian's kernel's payload in the initrd, crash_early_load=0 (so unpacked)"),
    ("on-nohash", "armed, default payload, the data not hashed"),
    ("distro-nohash", "armed, Debian's kernel, the data not hashed"),
]


def lever(res):
    """The lever group's medians: {boot: dict(init_s, took_s, n, ratio)},
    ratio being boot to /init over the boot not armed."""
    out = {}
    for name, _ in LEVER_BOOTS:
        mine = [b for b in res["lever"] if b["boot"] == name]
        if mine:
            out[name] = dict(init_s=median([b["init_s"] for b in mine]),
                             took_s=median([b["took_s"] for b in mine]), n=len(mine))
    off = out.get("off", {}).get("init_s")
    for v in out.values():
        v["ratio"] = ratio(v["init_s"], off)
    return out


def memory_kept(armed, off):
    """What an armed boot holds at /init beyond one that is not, in KiB,
    from each boot's (MemFree KiB, VmallocUsed KiB, payload files' bytes):
    (more in all, of it the payload's files, the rest, vmalloc more)."""
    more = off[0] - armed[0]
    files = (armed[2] + 1023) >> 10
    return dict(more=more, payload_files=files, rest=more - files,
                vmalloc_more=armed[1] - off[1])


def missed_notes(first, res):
    """One line for each missed target, from the figures themselves."""
    out = []
    tta, cost, init = (first.get(k) for k in ("time_to_armed", "arming_cost", "boot_to_init"))
    if tta and tta[2] is not None and tta[2] > 0.05 and cost and cost[0] is not None:
        start = tta[0] - cost[0]
        out.append("time to armed: the armed line comes after the load itself, %.3f s of "
                   "in-kernel loading under TCG (every instruction emulated); the load "
                   "starts at %.3f s, %.3f of (b)'s time to armed. A cheaper load (on "
                   "hardware it should take milliseconds; not measured here) would "
                   "close it." % (cost[0], start, start / tta[1]))
    if init and init[2] is not None and init[2] > 1.03 and cost and cost[0] is not None:
        out.append("boot to /init: the in-kernel load (%.3f s) sits on the boot path "
                   "before the first initcall (start_kernel waits for it); /init came "
                   "%.3f s later than without saveoops in this run. "
                   "Userspace kdump pays the same load (kexec -s -p %.3f s) after /init "
                   "instead. The lever group takes it apart: what armed boots lose is the "
                   "load (the digest, the copy into the reservation); its boots whose "
                   "data is not hashed show what is left without the digest."
                   % (cost[0], init[0] - init[1], cost[1] or 0))
    lat = first.get("capture_latency")
    prog = first.get("capture_program")
    if lat and lat[2] is not None and lat[2] > 0.5 and prog and prog[0] is not None:
        out.append("capture latency: panic to durable is mostly the capture kernel's own "
                   "boot to /init (%.3f s with saveoops-capture, %.3f s with makedumpfile: "
                   "the same kernel, a larger initramfs), which no capture program changes; "
                   "the capture programs alone, /init to durable, are %.3f s vs %.3f s "
                   "(ratio %.3f). A capture kernel that boots faster (fewer drivers, "
                   "no SMP bring-up) would close it."
                   % (lat[0] - prog[0], lat[1] - prog[1], prog[0], prog[1], prog[2]))
    if cost and cost[2] is not None and cost[2] > 0.6:
        out.append("arming cost: kexec -s -p loads through the same kexec_file code, so "
                   "it gains as much from hashing only the data; what separates the two "
                   "is what kexec(8) adds (exec, reading the files, the copies into "
                   "vmalloc()ed buffers) against the in-kernel load's reading the "
                   "payload in place.")
    return out


def cpio_members(path):
    """{name: (offset, size)} of the members of a newc cpio (the first archive)."""
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 110 <= len(data) and data[off:off + 6] in (b"070701", b"070702"):
        size = int(data[off + 54:off + 62], 16)
        nlen = int(data[off + 94:off + 102], 16)
        name = data[off + 110:off + 110 + nlen - 1].decode()
        doff = (off + 110 + nlen + 3) & ~3
        if name == "TRAILER!!!":
            break
        out[name] = (doff, size)
        off = (doff + size + 3) & ~3
    return out, data


def hashed_bytes(payload):
    """Bytes the digest covers for a payload's kernel and initrd: now (the
    data only) and before (each segment up to its memsz: the kernel's up to
    init_size). The boot parameters' page is left out of both."""
    if not os.path.exists(payload):
        return None
    members, data = cpio_members(payload)
    if "kernel/kdump/vmlinuz" not in members:
        return None
    koff, klen = members["kernel/kdump/vmlinuz"]
    hdr = data[koff:koff + 0x270]
    setup = hdr[0x1f1] or 4
    init_size = int.from_bytes(hdr[0x260:0x264], "little")
    page = lambda x: (x + 4095) & ~4095
    kdata = klen - (setup + 1) * 512
    ilen = members.get("kernel/kdump/initrd", (0, 0))[1]
    return dict(now=kdata + ilen, before=page(init_size) + page(ilen),
                kernel_data=kdata, init_size=init_size, initrd=ilen)


TARGETS = [
    # key, label, unit, target, compare, how the ratio reads
    ("time_to_armed", "time to armed (kernel clock)", "s", 0.05, "<="),
    ("arming_cost", "arming cost, same payload", "s", 0.60, "<="),
    ("boot_to_init", "boot to /init (on/off)", "s", 1.03, "<="),
    ("boot_to_init_distro", "boot to /init, Debian's kernel as the capture kernel (on/off)",
     "s", 1.05, "<="),
    ("kexec_vs_stock", "kexec -s -p of the same payload, the series (median of the loads)",
     "s", 1.00, "<="),
    ("capture_latency", "panic to record durable", "s", 0.50, "<="),
    ("capture_program", "capture /init to durable", "s", None, None),
]


def profiles(outdir):
    """profile-NAME.txt of the profile group: {NAME: {samples, hash, copy,
    zero, rest}}, percentages of the load's samples."""
    out = {}
    for name in ("default", "distro"):
        path = os.path.join(outdir, "profile-%s.txt" % name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        n = re.search(r"^(\d+) samples in the load", text, re.M)
        b = re.search(r"^breakdown: hash ([\d.]+) copy ([\d.]+) zero ([\d.]+) rest ([\d.]+)$",
                      text, re.M)
        if n and b:
            out[name] = dict(samples=int(n.group(1)), hash=float(b.group(1)),
                             copy=float(b.group(2)), zero=float(b.group(3)),
                             rest=float(b.group(4)))
    return out


def fmt(x, unit="s"):
    if x is None:
        return "-"
    if unit == "s":
        return "%.3f s" % x
    return str(x)


def distro_smallest(res, outdir):
    """The smallest crashkernel= that captured with Debian's capture kernel."""
    ok = [c["crashkernel_mib"] for c in res["distro_memory"] if c["verdict"] == "captured"]
    payload = os.path.join(outdir, "payload-distro", "payload.cpio")
    psize = os.path.getsize(payload) if os.path.exists(payload) else None
    return (min(ok) if ok else None), psize


def cell_csv(x):
    return "" if x is None else x


def report(outdir, load, wall, nruns, delay):
    rows = boots(outdir)
    res = analyse(rows)
    per_run, smallest, psize = summarise(res, outdir)
    lines = []
    p = lines.append
    first = per_run[min(per_run)] if per_run else {}
    p("saveoops bench (QEMU/TCG, 2 vCPUs); %d run(s) of the ratio boots; "
      "host load at the end %s; wall %s s" % (nruns, load, wall))
    p("")
    p("| metric | saveoops | alternative | ratio (run 1) | target | met | ratio spread over runs |")
    p("| --- | --- | --- | --- | --- | --- | --- |")
    summary = []
    for key, label, unit, target, _ in TARGETS:
        if key not in first:
            continue
        a, b, r = first[key]
        rs = [per_run[k][key][2] for k in per_run if key in per_run[k] and per_run[k][key][2]]
        spread = "%.3f-%.3f (n=%d)" % (min(rs), max(rs), len(rs)) if len(rs) > 1 else "n=1"
        met = "-" if target is None or r is None else ("yes" if r <= target else "no")
        alt = {"time_to_armed": "(b)", "arming_cost": "kexec -s -p",
               "boot_to_init": "off", "boot_to_init_distro": "off",
               "kexec_vs_stock": "stock 6.12",
               "capture_latency": "makedumpfile",
               "capture_program": "makedumpfile"}[key]
        p("| %s | %s | %s %s | %s | %s | %s | %s |" % (
            label, fmt(a), fmt(b), alt, "%.3f" % r if r is not None else "-",
            "<= %.2f" % target if target else "-", met, spread))
        summary.append(dict(metric=key, saveoops=a, alternative=b, ratio=r, target=target,
                            met=met, ratios=rs))
    met = "-" if smallest is None else ("yes" if smallest <= 24 else "no")
    p("| smallest crashkernel= that captures | %s | - | - | <= 24M | %s | - |" % (
        "%dM (payload %s)" % (smallest, "%d KiB" % (psize >> 10) if psize else "?")
        if smallest else "none", met))
    summary.append(dict(metric="memory", saveoops=smallest, payload_bytes=psize, target=24,
                        met=met))
    dsmallest, dpsize = distro_smallest(res, outdir)
    if res["distro_memory"]:
        dmet = "-" if dsmallest is None else ("yes" if dsmallest <= 96 else "no")
        p("| smallest crashkernel= with Debian's kernel as the capture kernel | %s "
          "| 96M stock kdump | - | <= 96M | %s | - |" % (
              "%dM (payload %s)" % (dsmallest, "%d KiB" % (dpsize >> 10) if dpsize else "?")
              if dsmallest else "none", dmet))
        summary.append(dict(metric="distro_memory", saveoops=dsmallest, payload_bytes=dpsize,
                            alternative=96, target=96, met=dmet))
    p("")
    p("Bytes the purgatory digest covers, kernel and initrd (the load hashes these; "
      "before, each segment was hashed up to its memsz, the kernel's up to init_size):")
    p("")
    p("| payload | kernel data | init_size | initrd | hashed now | hashed before | now/before |")
    p("| --- | --- | --- | --- | --- | --- | --- |")
    for name in ("default", "distro"):
        h = hashed_bytes(os.path.join(outdir, "payload-" + name, "payload.cpio"))
        if h:
            p("| %s | %d KiB | %d KiB | %d KiB | %d KiB | %d KiB | %.3f |" % (
                name, h["kernel_data"] >> 10, h["init_size"] >> 10, h["initrd"] >> 10,
                h["now"] >> 10, h["before"] >> 10, h["now"] / h["before"]))
            summary.append(dict(metric="hashed_bytes_" + name, **h))
    prof = profiles(outdir)
    if prof:
        p("")
        p("Where the early load's time goes (harness/profile-arm.sh, the guest's "
          "instruction pointer sampled through the QEMU monitor during one boot; "
          "percent of the samples in the load):")
        p("")
        p("| payload | samples | hash | copy | zero | rest |")
        p("| --- | --- | --- | --- | --- | --- |")
        for name, b in prof.items():
            p("| %s | %d | %.1f | %.1f | %.1f | %.1f |" % (
                name, b["samples"], b["hash"], b["copy"], b["zero"], b["rest"]))
            summary.append(dict(metric="load_breakdown_" + name, **b))
    lev = lever(res)
    if lev:
        p("")
        p("Boot to /init taken apart (the lever group: %d interleaved round(s), medians; "
          "nothing loaded from userspace; the boots whose data is not hashed run "
          "harness/nohash-kernel.sh's kernel, whose capture kernel purgatory would refuse: "
          "they bound what computing the digest off the boot path could save):"
          % max(v["n"] for v in lev.values()))
        p("")
        p("| boot | boot to /init | over not armed | the load (armed line) |")
        p("| --- | --- | --- | --- |")
        for name, label in LEVER_BOOTS:
            v = lev.get(name)
            if v:
                p("| %s | %s | %s | %s |" % (label, fmt(v["init_s"]),
                                            "%.3f" % v["ratio"] if v["ratio"] else "-",
                                            fmt(v["took_s"])))
                summary.append(dict(metric="lever_" + name.replace("-", "_"), **v))
        for armed, label in (("on", "default payload"), ("distro", "Debian's kernel")):
            a, b = lev.get(armed), lev.get(armed + "-nohash")
            if a and b and a["init_s"] is not None and b["init_s"] is not None:
                p("")
                p("%s: not hashing the data saves %.3f s of boot to /init (the load "
                  "%s -> %s); armed over not armed %s -> %s." % (
                      label[0].upper() + label[1:], a["init_s"] - b["init_s"],
                      fmt(a["took_s"]), fmt(b["took_s"]),
                      "%.3f" % a["ratio"] if a["ratio"] else "-",
                      "%.3f" % b["ratio"] if b["ratio"] else "-"))
    psizes = {"default": psize or 0, "distro": dpsize or 0}
    for key, name in (("memory_kept", "default"), ("memory_kept_distro", "distro")):
        mk = first.get(key)
        if not mk:
            continue
        p("")
        p("Memory at /init, armed (%s payload) vs not, run 1 (MemFree and the per-CPU "
          "free lists): the armed kernel "
          "holds %d KiB more; %d KiB of it are payload files in rootfs (none when the "
          "load before the first initcall armed: the initramfs unpacker skips them), "
          "the rest, %d KiB, "
          "is what the early load keeps (the kimage, its control pages, purgatory, the "
          "ELF headers) or noise; the payload itself is in the reservation. VmallocUsed "
          "%+d KiB (a temporary buffer left behind would show here). Target: no payload "
          "copy left at /init beyond the reservation (payload %d KiB): %s."
          % (name, mk["more"], mk["payload_files"], mk["rest"], mk["vmalloc_more"],
             psizes[name] >> 10,
             "met" if mk["payload_files"] == 0 and mk["rest"] < psizes[name] >> 10
             else "not met"))
        summary.append(dict(metric=key, **mk))
    starts = [l["panic_to_capture_start_s"] for l in res["latency"]
              if l["method"] == "saveoops" and l["panic_to_capture_start_s"] is not None]
    if starts:
        p("")
        p("Crash path: panic to the capture kernel's first line (purgatory's checks, "
          "the capture kernel's decompression), host clock: median %.3f s over %d boot(s)."
          % (median(starts), len(starts)))
        summary.append(dict(metric="panic_to_capture_start", saveoops=median(starts),
                            n=len(starts)))
    sha = {}
    if os.path.exists(os.path.join(outdir, "sha.txt")):
        with open(os.path.join(outdir, "sha.txt"), encoding="utf-8") as f:
            sha = {k: float(v) for k, v in (line.split() for line in f if line.strip())}
    if "generic" in sha:
        p("")
        p("SHA-256 on the host CPU (MiB/s): plain C (as the kernel's generic library "
          "code) %.1f" % sha["generic"] +
          ("; OpenSSL with SHA-NI %.1f (%.2fx), without %.1f" % (
              sha["openssl-sha-ni"], sha["openssl-sha-ni"] / sha["generic"],
              sha["openssl-no-sha-ni"]) if "openssl-sha-ni" in sha else "") + ".")
        summary.append(dict(metric="sha256_mib_s", **sha))
    notes = missed_notes(first, res)
    if notes:
        p("")
        p("Why a target is missed (run 1):")
        for n in notes:
            p("- " + n)
    p("")
    p("Coverage (captured: the store has a record of that panic; panic at kernel time, s):")
    p("")
    p("| stage | " + " | ".join("(%s) %s" % (k, v) for k, v in METHODS.items()) + " |")
    p("| --- | --- | --- | --- |")
    for st in STAGES:
        if st not in res["coverage"]:
            continue
        cells = []
        for m in METHODS:
            c = res["coverage"][st].get(m)
            cells.append("-" if c is None else "%s @ %s" % (
                c["verdict"], "%.3f" % c["panic_s"] if c["panic_s"] is not None else "?"))
        p("| %s | %s |" % (st, " | ".join(cells)))
    if res["coverage"]:
        arms = {}
        for m in METHODS:
            arms[m] = median([c[m]["armed_s"] for c in res["coverage"].values()
                              if m in c])
        p("")
        p("Armed at (kernel time, median over the coverage boots): " + ", ".join(
            "(%s) %s" % (m, "%.3f s" % arms[m] if arms[m] is not None else "never")
            for m in METHODS) + "; (c) after a %s s service delay." % delay)
    if res["memory"]:
        p("")
        p("Memory: " + ", ".join("crashkernel=%dM %s%s" % (
            c["crashkernel_mib"], c["verdict"], "" if c["armed"] else " (not armed)")
            for c in res["memory"]))
    if res["distro_memory"]:
        p("")
        p("Memory with Debian's kernel as the capture kernel (bisection): " + ", ".join(
            "crashkernel=%dM %s%s" % (c["crashkernel_mib"], c["verdict"],
                                      "" if c["armed"] else " (not armed)")
            for c in sorted(res["distro_memory"], key=lambda c: c["crashkernel_mib"])))
    if res["scale_arm"]:
        p("")
        p("| payload (kernel + initramfs) | in-kernel load | kexec -s -p (median) | ratio |")
        p("| --- | --- | --- | --- |")
        for s in res["scale_arm"]:
            p("| %d MiB | %s | %s | %s |" % (s["payload_mib"], fmt(s["took_s"]),
                                            fmt(s["kexec_median_s"]),
                                            "%.3f" % ratio(s["took_s"], s["kexec_median_s"])
                                            if ratio(s["took_s"], s["kexec_median_s"]) else "-"))
    if res["scale_log"]:
        p("")
        p("| log_buf_len (full) | saveoops panic->durable | makedumpfile panic->durable | ratio | saveoops /init->durable | makedumpfile /init->durable | ratio |")
        p("| --- | --- | --- | --- | --- | --- | --- |")
        sizes = []
        for s in res["scale_log"]:
            if s["log_buf_len"] not in sizes:
                sizes.append(s["log_buf_len"])
        for size in sizes:
            by = {s["method"]: s for s in res["scale_log"] if s["log_buf_len"] == size}
            a, b = by.get("saveoops", {}), by.get("busybox", {})

            def cell(d, k):
                return fmt(d.get(k)) + ("" if d.get("verdict") == "captured" else " (missed)")
            p("| %s | %s | %s | %s | %s | %s | %s |" % (
                size, cell(a, "panic_to_durable_s"), cell(b, "panic_to_durable_s"),
                "%.3f" % ratio(a.get("panic_to_durable_s"), b.get("panic_to_durable_s"))
                if ratio(a.get("panic_to_durable_s"), b.get("panic_to_durable_s")) else "-",
                cell(a, "init_to_durable_s"), cell(b, "init_to_durable_s"),
                "%.3f" % ratio(a.get("init_to_durable_s"), b.get("init_to_durable_s"))
                if ratio(a.get("init_to_durable_s"), b.get("init_to_durable_s")) else "-"))
    deb = bench_debian.section(rows)
    if deb:
        p("")
        lines.extend(deb["lines"])
        summary.extend(deb["summary"])
        res["debian_kdump"] = deb["detail"]
    table = "\n".join(lines)
    out = {"load": load, "wall_s": wall, "runs": nruns, "service_delay_s": delay,
           "summary": summary, "per_run": {str(k): v for k, v in per_run.items()},
           "detail": res}
    paths = {k: os.path.join(outdir, v) for k, v in
             (("json", "results.json"), ("csv", "results.csv"),
              ("svg", "timeline.svg"), ("table", "table.md"))}
    with open(paths["json"], "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
    with open(paths["csv"], "w", encoding="utf-8") as f:
        f.write("metric,run,saveoops,alternative,ratio\n")
        for run, m in sorted(per_run.items()):
            for key, v in m.items():
                if isinstance(v, dict):
                    # memory at /init, KiB: the rest beyond the payload's files
                    # (saveoops), all the armed kernel holds more (alternative)
                    f.write("%s_kib,%d,%s,%s,\n" % (key, run, v["rest"], v["more"]))
                    continue
                a, b, r = v
                f.write("%s,%d,%s,%s,%s\n" % (key, run, cell_csv(a), cell_csv(b),
                                                cell_csv(r)))
        f.write("smallest_crashkernel_mib,1,%s,,\n" % cell_csv(smallest))
        f.write("payload_bytes,1,%s,,\n" % cell_csv(psize))
        if res["distro_memory"]:
            f.write("smallest_crashkernel_distro_mib,1,%s,96,\n" % cell_csv(dsmallest))
            f.write("payload_distro_bytes,1,%s,,\n" % cell_csv(dpsize))
        for st, cells in res["coverage"].items():
            for m, c in cells.items():
                f.write("coverage_%s_%s,1,%s,%s,\n" % (st, m, c["verdict"], c["panic_s"]))
        for s in res["scale_arm"]:
            f.write("scale_arm_%dM,1,%s,%s,%s\n" % (s["payload_mib"], s["took_s"],
                                                  s["kexec_median_s"],
                                                  ratio(s["took_s"], s["kexec_median_s"])))
        for s in res["scale_log"]:
            f.write("scale_log_%s_%s,1,%s,%s,\n" % (s["log_buf_len"], s["method"],
                                                   s["panic_to_durable_s"],
                                                   s["init_to_durable_s"]))
        for row in deb["csv"] if deb else []:
            f.write(row + "\n")
    with open(paths["table"], "w", encoding="utf-8") as f:
        f.write(table + "\n")
    with open(paths["svg"], "w", encoding="utf-8") as f:
        f.write(svg(res, delay))
    print(table)
    print()
    for k in ("table", "json", "csv", "svg"):
        print("%s: %s" % (k, paths[k]))


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(res, delay):
    """The boot timeline: one row per method, each stage's injected panic at
    its kernel time in that method's boots, filled when captured; a bar
    where the method armed."""
    cov = res["coverage"]
    times = [c["panic_s"] for cells in cov.values() for c in cells.values() if c["panic_s"]]
    tmax = max(times + [1.0]) * 1.05
    w, left, right, rowh, top = 1100, 250, 30, 150, 60
    x = lambda t: left + (w - left - right) * t / tmax
    h = top + rowh * len(METHODS) + 60
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'font-family="sans-serif" font-size="12">' % (w, h),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="10" y="22" font-size="15">saveoops bench: where each injected panic '
         'happens on the boot timeline, and whether each method captured it</text>',
         '<text x="10" y="40" fill="#555">kernel time of the crashed kernel (s); '
         'filled green: captured, red cross: lost; blue bar: armed; grey: Run /init; '
         '(c) arms after a %s s service delay</text>' % esc(str(delay))]
    for i, (m, label) in enumerate(METHODS.items()):
        y = top + rowh * i + rowh - 35
        o.append('<text x="10" y="%d" font-weight="bold">(%s) %s</text>' % (y + 4, m, esc(label)))
        o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/>' % (left, y, w - right, y))
        arms = [c[m]["armed_s"] for c in cov.values() if m in c and c[m]["armed_s"]]
        inits = [c[m]["init_s"] for c in cov.values() if m in c and c[m]["init_s"]]
        if inits:
            xi = x(median(inits))
            o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999" '
                     'stroke-dasharray="4,3"/>' % (xi, y - 100, xi, y + 12))
            o.append('<text x="%.1f" y="%d" fill="#777" font-size="10">/init</text>'
                     % (xi + 2, y + 24))
        if arms:
            xa = x(median(arms))
            o.append('<rect x="%.1f" y="%d" width="4" height="%d" fill="#1f5fbf"/>'
                     % (xa - 2, y - 105, 120))
            o.append('<text x="%.1f" y="%d" fill="#1f5fbf" font-size="11">armed %.3f s</text>'
                     % (xa + 4, y + 24 + 12, median(arms)))
        for st in STAGES:
            c = cov.get(st, {}).get(m)
            if not c or c["panic_s"] is None:
                continue
            xs = x(c["panic_s"])
            if c["verdict"] == "captured":
                o.append('<circle cx="%.1f" cy="%d" r="5" fill="#2a9d3a"/>' % (xs, y))
            else:
                o.append('<path d="M%.1f %d l8 8 m0 -8 l-8 8" stroke="#c62828" '
                         'stroke-width="2"/>' % (xs - 4, y - 4))
            o.append('<text transform="translate(%.1f,%d) rotate(-60)" font-size="10">'
                     '%s %.2f</text>' % (xs + 3, y - 9, st, c["panic_s"]))
    ya = top + rowh * len(METHODS) + 10
    o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/>' % (left, ya, w - right, ya))
    step = 0.5 if tmax < 8 else 1.0
    t = 0.0
    while t <= tmax:
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000"/>'
                 % (x(t), ya, x(t), ya + 5))
        o.append('<text x="%.1f" y="%d" text-anchor="middle" font-size="10">%g</text>'
                 % (x(t), ya + 17, t))
        t += step
    o.append('<text x="%d" y="%d" text-anchor="middle">seconds since boot (kernel clock)</text>'
             % ((left + w) // 2, ya + 35))
    o.append("</svg>")
    return "\n".join(o) + "\n"


def main(argv):
    if argv[:1] == ["stamp"]:
        stamp()
        return 0
    if argv[:1] == ["events"] and len(argv) == 2:
        for name, (h, k, v) in sorted(parse_log(argv[1]).items()):
            print("%s\t%s\t%s\t%s" % (name, h, k, v))
        return 0
    if argv[:1] == ["report"] and len(argv) >= 2:
        opts = {"--load": "?", "--wall": "?", "--runs": "1", "--delay": "?"}
        rest = argv[2:]
        while rest:
            if rest[0] not in opts or len(rest) < 2:
                break
            opts[rest[0]] = rest[1]
            rest = rest[2:]
        report(argv[1], opts["--load"], opts["--wall"], int(opts["--runs"]), opts["--delay"])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
