#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Check that the iobroker generic netlink family's hand-written code agrees
# with its specification, docs/netlink/iobroker.yaml.
#
#   nlspec.py TOP KSRC [--c-file F] [--uapi-file F] [--spec F] [--out DIR]
#
# TOP is the source tree, KSRC a kernel source tree (its ynl-gen-c.py and
# its netlink schemas are used). The kernel's generator is run on the spec
# in a scratch directory, for the uapi header, the kernel source and the
# kernel header; that also validates the spec against the kernel's schema.
# Then:
#
#   uapi      every #define and enum constant of the generated uapi header
#             has the same value in uapi/iobroker/netlink.h, and that
#             header defines no other name with the family's prefix;
#   policies  the nla_policy arrays of iommufd/netlink.c are the
#             generator's (array size and each entry);
#   ops       the genl_split_ops entries are the generator's (cmd, doit
#             and dumpit, policy, maxattr, flags; other fields such as
#             .start or .pre_doit are ours to add);
#   family    the family struct has the generator's fields, except that
#             it is not netnsok, and it runs its ops in parallel;
#   groups    the multicast groups are the spec's, in its order, with the
#             generated kernel header's numbers (IOBROKER_NLGRP_*, which
#             the C defines in netlink.c or beside it in netlink.h), and
#             those the spec marks admin-perm need CAP_SYS_ADMIN
#             (GENL_MCAST_CAP_SYS_ADMIN; the generator renders no flags);
#   events    every op the spec gives as an event or notification is
#             a command the C sends (it names its IOBROKER_CMD_*).
#
# --c-file and --uapi-file stand in for the two files (to test this
# script), --spec for the spec, and --out keeps the generated files.
# Prints one line per mismatch (nothing when all agree) and exits 1 if
# there is any.

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print('nlspec.py: no python3 yaml module (deps.sh installs python3-yaml)')
    sys.exit(1)

GEN_TIMEOUT = 60


class Mismatch(Exception):
    pass


def c_upper(name):
    return name.upper().replace('-', '_')


# --- running the generator --------------------------------------------------

def generate(ksrc, spec, keep):
    """Run ynl-gen-c.py on @spec; return {kind: text} for uapi, src, hdr."""
    gen = os.path.join(ksrc, 'tools/net/ynl/ynl-gen-c.py')
    schemas = os.path.join(ksrc, 'Documentation/netlink')
    if not os.path.isfile(gen):
        raise Mismatch(f'no {gen}: is {ksrc} a kernel source tree?')
    out = {}
    with tempfile.TemporaryDirectory(prefix='nlspec.') as tmp:
        os.makedirs(os.path.join(tmp, 'netlink/specs'))
        name = os.path.basename(spec)
        tspec = os.path.join(tmp, 'netlink/specs', name)
        shutil.copyfile(spec, tspec)
        # The schema is looked up beside the spec's folder.
        for f in os.listdir(schemas):
            if f.endswith('.yaml'):
                shutil.copyfile(os.path.join(schemas, f),
                                os.path.join(tmp, 'netlink', f))
        # The generator looks up from the spec for the kernel's top, which
        # it knows by its MAINTAINERS file, and never stops without one.
        open(os.path.join(tmp, 'MAINTAINERS'), 'w').close()
        runs = [('uapi', ['--mode', 'uapi', '--header'], 'out.h'),
                ('src', ['--mode', 'kernel', '--source'], 'gen.c'),
                ('hdr', ['--mode', 'kernel', '--header'], 'gen.h')]
        for kind, mode, fname in runs:
            cmd = [sys.executable, gen] + mode + ['--spec', tspec,
                                                  '-o', fname]
            try:
                p = subprocess.run(cmd, cwd=tmp, capture_output=True,
                                   text=True, timeout=GEN_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise Mismatch(f'ynl-gen-c.py {" ".join(mode)} did not '
                               f'finish in {GEN_TIMEOUT}s')
            path = os.path.join(tmp, fname)
            if p.returncode != 0 or not os.path.isfile(path):
                msg = (p.stderr + p.stdout).strip().splitlines()
                raise Mismatch(f'ynl-gen-c.py {" ".join(mode)} failed on '
                               f'{spec} (exit {p.returncode}):\n' +
                               '\n'.join(msg[-20:]))
            with open(path) as f:
                out[kind] = f.read()
            if keep:
                os.makedirs(keep, exist_ok=True)
                shutil.copyfile(path, os.path.join(keep, fname))
    return out


# --- reading C ------------------------------------------------------------

def strip_comments(text):
    """Drop comments, keeping string literals and line breaks."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(' ' + '\n' * text.count('\n', i, j))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            i = n if j < 0 else j
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def join_continuations(text):
    return re.sub(r'\\\n', ' ', text)


def drop_preprocessor(text):
    return re.sub(r'(?m)^[ \t]*#.*$', '', text)


def norm(expr):
    """One spelling of an expression: no spaces but between words."""
    s = re.sub(r'\s+', ' ', expr).strip()
    s = re.sub(r'\s*([^\w\s"])\s*', r'\1', s)
    s = re.sub(r',([}\)])', r'\1', s)
    return s.rstrip(',')


def split_top(text, sep=','):
    """Split @text at @sep outside brackets and strings."""
    parts = []
    depth = 0
    cur = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        if c == sep and depth == 0:
            parts.append(''.join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append(''.join(cur))
    return [p.strip() for p in parts if p.strip()]


def braced(text, start):
    """The text inside the braces opening at or after @start, and the end."""
    i = text.index('{', start)
    depth = 0
    j = i
    while j < len(text):
        if text[j] == '{':
            depth += 1
        elif text[j] == '}':
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
        elif text[j] == '"':
            j += 1
            while text[j] != '"':
                j += 2 if text[j] == '\\' else 1
        j += 1
    raise ValueError('unbalanced braces')


def initializers(body):
    """{field: normalized value} of a designated initializer list."""
    fields = {}
    positional = []
    for item in split_top(body):
        m = re.match(r'^(\.\w+|\[[^\]]+\])\s*=\s*(.*)$', item, re.S)
        if m:
            key = m.group(1)
            key = key[1:] if key.startswith('.') else norm(key[1:-1])
            fields[key] = norm(m.group(2))
        else:
            positional.append(norm(item))
    return fields, positional


def c_arrays(text, struct):
    """[(name, size expression, body)] of the arrays of struct @struct."""
    pat = re.compile(r'(?:\bstatic\s+)?\bconst\s+struct\s+' + struct +
                     r'\s+(\w+)\s*\[([^\]]*)\]\s*(?:__\w+\s*)*=\s*\{')
    found = []
    for m in pat.finditer(text):
        body, _ = braced(text, m.end() - 1)
        found.append((m.group(1), norm(m.group(2)), body))
    return found


def c_family(text):
    """[(name, {field: value})] of the genl_family definitions."""
    pat = re.compile(r'\bstruct\s+genl_family\s+(\w+)\s*(?:__\w+\s*)*=\s*\{')
    found = []
    for m in pat.finditer(text):
        body, _ = braced(text, m.end() - 1)
        found.append((m.group(1), initializers(body)[0]))
    return found


def policies(text):
    pols = {}
    for name, size, body in c_arrays(text, 'nla_policy'):
        pols[name] = (size, initializers(body)[0])
    return pols


OP_FIELDS = ('cmd', 'doit', 'dumpit', 'policy', 'maxattr', 'flags')


def split_ops(text, where):
    arrays = c_arrays(text, 'genl_split_ops')
    if len(arrays) != 1:
        raise Mismatch(f'{where}: {len(arrays)} genl_split_ops arrays, '
                       'expected one')
    name, _, body = arrays[0]
    ops = []
    for entry in split_top(body):
        if not entry.startswith('{'):
            raise Mismatch(f'{where}: cannot read ops entry {norm(entry)}')
        fields, _ = initializers(entry[1:-1])
        flags = fields.get('flags', '0')
        terms = frozenset(t for t in flags.split('|') if t != '0')
        ops.append({
            'cmd': fields.get('cmd'),
            'doit': 'doit' in fields,
            'dumpit': 'dumpit' in fields,
            'policy': fields.get('policy'),
            'maxattr': fields.get('maxattr'),
            'flags': terms,
        })
    return name, ops


def show_op(op):
    parts = [f'cmd={op["cmd"]}']
    parts += [k for k in ('doit', 'dumpit') if op[k]]
    if op['policy']:
        parts.append(f'policy={op["policy"]}')
    if op['maxattr']:
        parts.append(f'maxattr={op["maxattr"]}')
    parts.append('flags=' + ('|'.join(sorted(op['flags'])) or '0'))
    return '{ ' + ', '.join(parts) + ' }'


def op_kind(op):
    return (op['cmd'], op['doit'], op['dumpit'])


def show_kind(kind):
    what = '+'.join(w for w, on in (('do', kind[1]), ('dump', kind[2]))
                    if on) or 'neither do nor dump'
    return f'{kind[0]} {what}'


# --- constants --------------------------------------------------------------

OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
       ast.LShift: lambda a, b: a << b, ast.BitOr: lambda a, b: a | b,
       ast.Mult: lambda a, b: a * b}


def evaluate(expr, known):
    """The integer value of a simple C expression, or None."""
    s = re.sub(r'\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b', r'\1', expr.strip())
    try:
        tree = ast.parse(s, mode='eval')
    except SyntaxError:
        return None

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            v = known.get(node.id)
            if isinstance(v, int):
                return v
            raise ValueError(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            return OPS[type(node.op)](ev(node.left), ev(node.right))
        raise ValueError(ast.dump(node))
    try:
        return ev(tree)
    except (ValueError, TypeError):
        return None


def constants(text):
    """{name: int or string} of a header's #defines and enum constants,
    without its include guard."""
    text = join_continuations(strip_comments(text))
    guards = set(re.findall(r'(?m)^\s*#\s*ifndef\s+(\w+)\s*\n'
                            r'\s*#\s*define\s+\1\s*$', text))
    known = {}
    for m in re.finditer(r'(?m)^\s*#\s*define\s+(\w+)(\([^)]*\))?(.*)$',
                         text):
        name, args, value = m.group(1), m.group(2), m.group(3).strip()
        if name in guards:
            continue
        if args:
            known[name] = f'macro{norm(args)} {norm(value)}'
            continue
        v = evaluate(value, known)
        known[name] = v if v is not None else norm(value)
    body = drop_preprocessor(text)
    for m in re.finditer(r'\benum\s*\w*\s*\{', body):
        inner, _ = braced(body, m.end() - 1)
        nxt = 0
        for item in split_top(inner):
            name, eq, value = item.partition('=')
            name = name.strip()
            if eq:
                v = evaluate(value, known)
                if v is None:
                    known[name] = norm(value)
                    nxt = None
                    continue
                nxt = v
            if nxt is None:
                known[name] = f'(after a non-constant) {name}'
                continue
            known[name] = nxt
            nxt += 1
    return known


def show_value(v):
    return str(v)


def compare_uapi(gen, ours, prefix, where):
    errs = []
    for name, v in gen.items():
        if name not in ours:
            errs.append(f'{where}: {name} is missing '
                        f'(generator: {show_value(v)})')
        elif ours[name] != v:
            errs.append(f'{where}: {name} is {show_value(ours[name])}, '
                        f'the generator has {show_value(v)}')
    for name in ours:
        if name.lstrip('_').startswith(prefix) and name not in gen:
            errs.append(f'{where}: {name} is not in the generated header')
    return errs


# --- comparing the C ------------------------------------------------------

def show_policy(size, entries):
    inner = ', '.join(f'[{a}] = {e}' for a, e in sorted(entries.items()))
    return f'[{size}] = {{ {inner} }}'


def compare_policies(gen, ours, where):
    """The policies must be the same set, by size and entries; a policy
    of ours that differs from the generator's of its name is shown in
    detail."""
    errs = []
    gen = dict(gen)
    ours = dict(ours)
    for name in [n for n in gen if ours.get(n) == gen[n]]:
        del gen[name], ours[name]
    for name in sorted(gen):
        same = [n for n in sorted(ours) if ours[n] == gen[name]]
        if same and same[0] not in gen:
            del ours[same[0]]
            continue
        p = gen[name]
        if name not in ours:
            errs.append(f'{where}: policy {name} is missing '
                        f'(generator: {show_policy(*p)})')
            continue
        size, entries = ours.pop(name)
        if size != p[0]:
            errs.append(f'{where}: policy {name} has size [{size}], '
                        f'the generator has [{p[0]}]')
        for attr in sorted(set(entries) | set(p[1])):
            mine, theirs = entries.get(attr), p[1].get(attr)
            if mine == theirs:
                continue
            if mine is None:
                errs.append(f'{where}: policy {name} lacks [{attr}] = '
                            f'{theirs}')
            elif theirs is None:
                errs.append(f'{where}: policy {name} has [{attr}] = '
                            f'{mine}, not in the generator\'s')
            else:
                errs.append(f'{where}: policy {name} has [{attr}] = '
                            f'{mine}, the generator has {theirs}')
    for name, p in sorted(ours.items()):
        errs.append(f'{where}: policy {name} is not the generator\'s '
                    f'({show_policy(*p)})')
    return errs


def compare_ops(gen, ours, where):
    errs = []
    gen_by = {}
    for op in gen:
        gen_by.setdefault(op_kind(op), []).append(op)
    our_by = {}
    for op in ours:
        our_by.setdefault(op_kind(op), []).append(op)
    for kind in gen_by:
        g, o = gen_by[kind], our_by.get(kind, [])
        if not o:
            errs.append(f'{where}: no ops entry for {show_kind(kind)} '
                        f'(generator: {show_op(g[0])})')
            continue
        if len(o) != len(g):
            errs.append(f'{where}: {len(o)} ops entries for '
                        f'{show_kind(kind)}, the generator has {len(g)}')
            continue
        for a, b in zip(g, o):
            for f in ('policy', 'maxattr', 'flags'):
                if a[f] != b[f]:
                    mine = ('|'.join(sorted(b[f])) or '0') \
                        if f == 'flags' else b[f]
                    theirs = ('|'.join(sorted(a[f])) or '0') \
                        if f == 'flags' else a[f]
                    errs.append(f'{where}: ops entry {show_kind(kind)} has '
                                f'.{f} = {mine or "(none)"}, the generator '
                                f'has {theirs or "(none)"}')
    for kind in our_by:
        if kind not in gen_by:
            errs.append(f'{where}: ops entry {show_op(our_by[kind][0])} '
                        'is not the generator\'s')
    return errs


def compare_family(gen, ours, where):
    errs = []
    if len(gen) != 1:
        raise Mismatch(f'the generator made {len(gen)} family structs')
    if len(ours) != 1:
        return [f'{where}: {len(ours)} genl_family definitions, '
                'expected one']
    _, g = gen[0]
    name, o = ours[0]
    for field, value in g.items():
        if field in ('netnsok', 'parallel_ops'):
            continue
        if o.get(field) != value:
            errs.append(f'{where}: family {name} has .{field} = '
                        f'{o.get(field, "(none)")}, the generator has '
                        f'{value}')
    if o.get('netnsok', 'false') != 'false':
        errs.append(f'{where}: family {name} has .netnsok = {o["netnsok"]}'
                    ': it must stay in the initial network namespace')
    if o.get('parallel_ops') != 'true':
        errs.append(f'{where}: family {name} needs .parallel_ops = true')
    return errs


def mcgrps(text, where, consts):
    """[(index expression or None, name, {field: value})] of the array."""
    arrays = c_arrays(text, 'genl_multicast_group')
    if len(arrays) != 1:
        raise Mismatch(f'{where}: {len(arrays)} genl_multicast_group '
                       'arrays, expected one')
    groups = []
    for item in split_top(arrays[0][2]):
        m = re.match(r'^\[([^\]]+)\]\s*=\s*(\{.*\})$', item, re.S)
        index, entry = (norm(m.group(1)), m.group(2)) if m else (None, item)
        fields, positional = initializers(entry.strip()[1:-1])
        name = fields.get('name', positional[0] if positional else None)
        if name in consts and isinstance(consts[name], str):
            name = consts[name]
        if name and name.startswith('"') and name.endswith('"'):
            name = name[1:-1]
        groups.append((index, name, fields))
    return groups


def compare_groups(spec, gen_groups, our_groups, gen_enums, our_enums,
                   where):
    errs = []
    want = [g['name'] for g in spec.get('mcast-groups', {}).get('list', [])]
    admin = {g['name'] for g in spec.get('mcast-groups', {}).get('list', [])
             if 'admin-perm' in g.get('flags', [])}
    if [g[1] for g in gen_groups] != want:
        raise Mismatch('the generator\'s multicast groups are '
                       f'{[g[1] for g in gen_groups]}, the spec\'s {want}')
    names = [g[1] for g in our_groups]
    if names != want:
        errs.append(f'{where}: multicast groups {names}, the spec has '
                    f'{want}')
    for index, name, _ in gen_groups:
        if index is None:
            continue
        # Our array is indexed by the group's number as the generator's is.
        mine = [g for g in our_groups if g[1] == name]
        if mine and mine[0][0] != index:
            errs.append(f'{where}: multicast group {name} is at '
                        f'[{mine[0][0]}], the generator has [{index}]')
    for index, name, fields in our_groups:
        flags = set(t for t in fields.get('flags', '0').split('|')
                    if t != '0')
        if name in admin and 'GENL_MCAST_CAP_SYS_ADMIN' not in flags:
            errs.append(f'{where}: multicast group {name} is admin-perm in '
                        'the spec: it needs .flags = '
                        'GENL_MCAST_CAP_SYS_ADMIN')
    for name, v in gen_enums.items():
        if name not in our_enums:
            errs.append(f'{where}: {name} is missing (generator: {v})')
        elif our_enums[name] != v:
            errs.append(f'{where}: {name} is {our_enums[name]}, the '
                        f'generator has {v}')
    return errs


def compare_spec_ops(spec, gen_uapi, our_ops, text, where):
    errs = []
    family = spec['name']
    ops = spec.get('operations', {})
    prefix = ops.get('name-prefix', f'{family}-cmd-')
    have = {op['cmd'] for op in our_ops}
    # What the C names outside its ops table: the commands it sends.
    rest = text
    for m in re.finditer(r'\bconst\s+struct\s+genl_split_ops\s+\w+\s*'
                         r'\[[^\]]*\]\s*=\s*\{', text):
        _, end = braced(text, m.end() - 1)
        rest = text[:m.start()] + text[end:]
    for op in ops.get('list', []):
        cname = c_upper(prefix + op['name'])
        if cname not in gen_uapi:
            raise Mismatch(f'op {op["name"]}: {cname} is not in the '
                           'generated header')
        if ('do' in op or 'dump' in op) and cname not in have:
            errs.append(f'{where}: operation {op["name"]} ({cname}) has '
                        'no ops entry')
        if ('event' in op or 'notify' in op) and \
                not re.search(r'\b' + cname + r'\b', rest):
            errs.append(f'{where}: event {op["name"]} is never sent '
                        f'({cname} is not used)')
    return errs


def nl_enums(text):
    """The constants of anonymous or named enums in kernel C @text."""
    return {k: v for k, v in constants(text).items()
            if re.match(r'^[A-Z_][A-Z0-9_]*$', k)}


# --- main -----------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description='Check the iobroker netlink '
                                 'family against its spec.')
    ap.add_argument('top')
    ap.add_argument('ksrc')
    ap.add_argument('--spec', help='default: TOP/docs/netlink/iobroker.yaml')
    ap.add_argument('--c-file', help='default: TOP/iommufd/netlink.c')
    ap.add_argument('--uapi-file',
                    help='default: TOP/uapi/iobroker/netlink.h')
    ap.add_argument('--out', help='keep the generated files here')
    args = ap.parse_args()

    spec_path = args.spec or os.path.join(args.top,
                                          'docs/netlink/iobroker.yaml')
    c_path = args.c_file or os.path.join(args.top, 'iommufd/netlink.c')
    uapi_path = args.uapi_file or os.path.join(args.top,
                                               'uapi/iobroker/netlink.h')
    rel = lambda p: os.path.relpath(p, args.top) \
        if os.path.abspath(p).startswith(os.path.abspath(args.top) + '/') \
        else p

    errs = []
    try:
        for p in (spec_path, uapi_path, c_path):
            if not os.path.isfile(p):
                raise Mismatch(f'{rel(p)} is missing')
        with open(spec_path) as f:
            spec = yaml.safe_load(f)
        gen = generate(args.ksrc, spec_path, args.out)

        gen_uapi = constants(gen['uapi'])
        with open(uapi_path) as f:
            our_uapi = constants(f.read())
        prefix = c_upper(spec['name']) + '_'
        errs += compare_uapi(gen_uapi, our_uapi, prefix, rel(uapi_path))

        with open(c_path) as f:
            raw = f.read()
        where = rel(c_path)
        ours = drop_preprocessor(join_continuations(strip_comments(raw)))
        theirs = drop_preprocessor(join_continuations(
            strip_comments(gen['src'])))

        errs += compare_policies(policies(theirs), policies(ours), where)
        _, gen_ops = split_ops(theirs, 'generated source')
        _, our_ops = split_ops(ours, where)
        errs += compare_ops(gen_ops, our_ops, where)
        errs += compare_family(c_family(theirs), c_family(ours), where)
        # The group numbers are in the generated kernel header; ours may
        # keep them in netlink.c.
        gen_enums = {k: v for k, v in nl_enums(gen['hdr']).items()
                     if k.startswith(prefix + 'NLGRP_')}
        our_enums = nl_enums(raw)
        c_hdr = os.path.splitext(c_path)[0] + '.h'
        if os.path.isfile(c_hdr):
            with open(c_hdr) as f:
                our_enums.update(nl_enums(f.read()))
        errs += compare_groups(spec, mcgrps(theirs, 'generated source',
                                            gen_uapi),
                               mcgrps(ours, where, gen_uapi),
                               gen_enums, our_enums, where)
        errs += compare_spec_ops(spec, gen_uapi, our_ops,
                                 join_continuations(strip_comments(raw)),
                                 where)
    except Mismatch as e:
        errs.append(str(e))
    except (OSError, yaml.YAMLError, ValueError, KeyError) as e:
        errs.append(f'nlspec.py: {type(e).__name__}: {e}')
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main())
