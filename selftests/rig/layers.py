#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Check that iobroker.ko's layers only call and include downward, and that
# no files call or include each other in a circle.
#
#   layers.py TOP OBJDIR [NM]
#
# TOP is the source tree, OBJDIR a tree where the module was built (the
# same layout, with the .o files), NM the cross nm. Two graphs are built:
#
#   includes  file -> header, from every #include "..." of the kernel code;
#   calls     object -> object, from each object's undefined symbols and the
#             object that defines them (what a call, or a use of data,
#             really links to; calls through ops tables do not show, which
#             is the point of them).
#
# An edge may stay in its part or go to a part below that it may use (the
# table below); any other edge, or any circle of files, is reported. Prints the findings (nothing when clean)
# and exits non-zero if there are any.

import os
import re
import subprocess
import sys

# The parts of iobroker.ko, top to bottom, and what each may use besides
# its own files. docs/architecture.rst draws the same picture. The TCE
# backends and the IO page tables both include the page-table driver
# interface and never each other: the IO page tables reach the backends
# only through the interface's ops.
PARTS = [
    ('module.c', 'entry', ['devices/', 'iommufd/', 'common/']),
    ('devices/', 'drivers', ['iommufd/', 'ppc_tce/', 'ptdrv/', 'uapi/',
                             'include/iobroker/', 'common/']),
    ('iommufd/', 'core', ['iopt/', 'ptdrv/', 'uapi/', 'include/iobroker/',
                          'common/']),
    ('include/iobroker/', 'kernel API', ['common/']),
    ('iopt/', 'IO page tables', ['ptdrv/', 'common/']),
    ('ppc_tce/', 'TCE core and backends', ['ptdrv/', 'uapi/', 'common/']),
    ('ptdrv/', 'page-table driver interface', ['common/']),
    ('uapi/', 'user ABI', []),
    ('common/', 'leaf headers', []),
]


def part_of(path):
    for prefix, name, uses in PARTS:
        if path == prefix or path.startswith(prefix):
            return prefix
    return None


def sources(top):
    out = []
    for prefix, _, _ in PARTS:
        full = os.path.join(top, prefix)
        if os.path.isfile(full):
            out.append(prefix)
            continue
        for root, _, files in os.walk(full):
            for f in files:
                if f.endswith(('.c', '.h')) and not f.endswith('.mod.c'):
                    rel = os.path.relpath(os.path.join(root, f), top)
                    out.append(rel)
    return sorted(out)


def include_edges(top, files):
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    edges = {}
    for f in files:
        targets = set()
        with open(os.path.join(top, f)) as fh:
            for line in fh:
                m = inc.match(line)
                if not m:
                    continue
                path = os.path.normpath(os.path.join(os.path.dirname(f),
                                                     m.group(1)))
                if part_of(path) is not None:
                    targets.add(path)
        edges[f] = targets
    return edges


def nm_symbols(nm, obj):
    out = subprocess.run([nm, obj], capture_output=True, text=True,
                         check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == 'U':
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in 'TDBRVW' and \
                not parts[2].startswith('__'):
            defined.add(parts[2])
    return defined, undefined


def call_edges(top, objdir, nm, files):
    objs = {}
    for f in files:
        if not f.endswith('.c'):
            continue
        o = os.path.join(objdir, f[:-2] + '.o')
        if os.path.exists(o):
            objs[f] = nm_symbols(nm, o)
    owner = {}
    for f, (defined, _) in objs.items():
        for sym in defined:
            owner[sym] = f
    edges = {}
    for f, (_, undefined) in objs.items():
        edges[f] = {owner[s] for s in undefined if s in owner and
                    owner[s] != f}
    return edges, len(objs)


def circles(edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def check(kind, edges):
    allowed = {prefix: set(uses) | {prefix} for prefix, _, uses in PARTS}
    names = {prefix: name for prefix, name, _ in PARTS}
    problems = []
    for src in sorted(edges):
        for dst in sorted(edges[src]):
            ps, pd = part_of(src), part_of(dst)
            if pd not in allowed[ps]:
                problems.append('%s against the layers: %s (%s) -> %s (%s)'
                                % (kind, src, names[ps], dst, names[pd]))
    for comp in circles(edges):
        problems.append('%s circle: %s' % (kind, ' -> '.join(comp)))
    return problems


def main():
    if len(sys.argv) < 3:
        print('usage: layers.py TOP OBJDIR [NM]', file=sys.stderr)
        return 2
    top, objdir = sys.argv[1], sys.argv[2]
    nm = sys.argv[3] if len(sys.argv) > 3 else 'nm'
    files = sources(top)
    inc = include_edges(top, files)
    calls, nobjs = call_edges(top, objdir, nm, files)
    if not nobjs:
        print('no objects under %s: build the module first' % objdir)
        return 1
    problems = check('include', inc) + check('call', calls)
    for p in problems:
        print(p)
    if os.environ.get('LAYERS_VERBOSE'):
        for src in sorted(calls):
            for dst in sorted(calls[src]):
                print('call %s -> %s' % (src, dst))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
