#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn tbprof snapshots into guest instructions per call, by function.

  tbprof.py PREFIX KBUILD [PREFIX KBUILD ...]

Each side is PREFIX.a and PREFIX.b, two snapshots of tbprof.c's counts
taken while the guest looped (rig.sh profile), and the kernel build it
booted. The guest's log (PREFIX's directory, results.log) gives the
modules' load addresses (B module) and the loop's own timing (B loop end);
System.map and each module's .ko name the code. A call is one ioctl: the
runs of sys_ioctl's first block between the snapshots.

Block counts matter under TCG beside instructions: a block ends at every
branch, and at each call, return and indirect jump QEMU looks up the next
block; hypercalls leave translated code altogether.
"""
import bisect
import os
import re
import subprocess
import sys

CROSS = os.environ.get("CROSS_COMPILE", "powerpc64le-linux-gnu-")
HCALLS = ("plpar_hcall", "plpar_hcall_norets", "plpar_hcall9",
          "plpar_hcall_raw", "plpar_hcall_norets_notrace")
TOP = int(os.environ.get("TBPROF_TOP", "25"))


def counts(path):
    """Runs per (address, instructions) block."""
    got = {}
    with open(path) as f:
        for line in f:
            addr, insns, runs = line.split()
            got[(int(addr, 16), int(insns))] = int(runs)
    return got


def kernel_symbols(kbuild):
    syms = []
    with open(os.path.join(kbuild, "System.map")) as f:
        for line in f:
            part = line.split()
            if len(part) >= 3 and part[1] in "tTwW":
                syms.append((int(part[0], 16), part[2]))
    return syms


def find_ko(name, kbuild):
    """The .ko of a loaded module: the kernel's, or ours (top of tree)."""
    want = name.replace("-", "_") + ".ko"
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    for root in (top, kbuild):
        for d, _, files in os.walk(root):
            for f in files:
                if f.replace("-", "_") == want:
                    return os.path.join(d, f)
            if root == top:
                break
    return None


def module_symbols(name, base, kbuild):
    """Symbols of a module's .text, which starts at its load address."""
    ko = find_ko(name, kbuild)
    if not ko:
        return []
    syms = []
    out = subprocess.run([CROSS + "nm", "--defined-only", ko],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        part = line.split()
        if len(part) == 3 and part[1] in "tT":
            syms.append((base + int(part[0], 16), name + ":" + part[2]))
    # Calls out of a module go through stubs placed after its text.
    out = subprocess.run([CROSS + "size", "-A", ko], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        part = line.split()
        if len(part) >= 2 and part[0] == ".text":
            syms.append((base + int(part[1]), name + ":[stubs]"))
    return syms


def side(prefix, kbuild):
    who = os.path.basename(prefix)
    log = os.path.join(os.path.dirname(prefix), "results.log")
    syms = kernel_symbols(kbuild)
    usec = None
    # Each loop lists the modules loaded as it starts; one boot may load
    # another module at the same address for its next loop.
    mods, loaded = [], []
    with open(log, errors="replace") as f:
        for line in f:
            m = re.match(r"B module (\S+) (0x[0-9a-f]+)", line)
            if m and int(m.group(2), 16):
                loaded.append((m.group(1), int(m.group(2), 16)))
            m = re.match(r"B loop start (\S+)", line)
            if m and m.group(1) == who:
                mods = loaded
            if m:
                loaded = []
            m = re.match(r"B loop end (\S+) (\d+) ([\d.]+)", line)
            if m and m.group(1) == who:
                usec = float(m.group(3))
    for name, base in mods:
        syms += module_symbols(name, base, kbuild)
    syms.sort()
    addrs = [s[0] for s in syms]
    a, b = counts(prefix + ".a"), counts(prefix + ".b")
    by_fn, entries = {}, {}
    insns = blocks = 0
    for (addr, n), runs in b.items():
        runs -= a.get((addr, n), 0)
        if runs <= 0 or addr < 0xc000000000000000:
            continue
        i = bisect.bisect_right(addrs, addr) - 1
        fn = syms[i][1] if i >= 0 else "?"
        insns += runs * n
        blocks += runs
        by_fn[fn] = by_fn.get(fn, 0) + runs * n
        # A function's first block: at its global or its local entry.
        if i >= 0 and addr - syms[i][0] in (0, 8):
            entries[fn] = entries.get(fn, 0) + runs
    calls = entries.get("sys_ioctl", 0)
    if not calls:
        sys.exit("tbprof: no ioctl between the snapshots of " + prefix)
    hcalls = sum(entries.get(h, 0) for h in HCALLS)
    return {"who": who, "calls": calls, "insns": insns / calls,
            "blocks": blocks / calls, "hcalls": hcalls / calls,
            "usec": usec, "fn": {k: v / calls for k, v in by_fn.items()}}


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    sides = [side(args[i], args[i + 1]) for i in range(0, len(args), 2)]
    print("Guest kernel work per ioctl, QEMU's pattern: one 4 KiB IO page per "
          "VFIO_IOMMU_MAP_DMA, then")
    print("per UNMAP_DMA, 256 of each in turn (the average of the two). "
          "Counted by tbprof.c over the same")
    print("stretch of each loop; the time is the loop's own, in that boot.")
    print("iobroker: iobroker's VFIO backend; vfio-module: "
          "vfio_iommu_spapr_tce as a module in the same")
    print("kernel; upstream: vfio_iommu_spapr_tce built into the reference "
          "kernel.\n")
    print("%-22s" % "" + "".join("%14s" % s["who"] for s in sides))
    for key, name, fmt in (("insns", "instructions", "%14.0f"),
                           ("blocks", "blocks", "%14.0f"),
                           ("hcalls", "hypercalls", "%14.2f"),
                           ("usec", "us per call", "%14.2f"),
                           ("calls", "ioctls counted", "%14d")):
        print("%-22s" % name + "".join(
            fmt % s[key] if s[key] is not None else "%14s" % "-"
            for s in sides))
    for s in sides:
        print("\n%s: instructions per ioctl by function (top %d)"
              % (s["who"], TOP))
        top = sorted(s["fn"].items(), key=lambda kv: -kv[1])[:TOP]
        for fn, n in top:
            print("  %8.1f  %s" % (n, fn))


main()
