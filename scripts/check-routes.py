#!/usr/bin/env python3
"""Every path of api/openapi.yaml has a route in svc/api, and every route literal of the
router is (a piece of) a path in the spec; and every operation (method, path) of the spec has
its row in the issue 6 authorization table (svc/api/authz.c) marked in_spec, every row marked
in_spec is in the spec.  Prints the differences; exit 1 if any."""
import glob
import re
import sys

spec = open('api/openapi.yaml', encoding='utf-8').read()
paths = re.findall(r'^  (/[^\s:]*):\s*$', spec, re.M)
# The authorization table and the purposes name routes without routing them: not evidence.
TABLES = ('svc/api/authz.c', 'svc/api/purpose.c')
code = ''.join(open(f, encoding='utf-8').read() for f in sorted(glob.glob('svc/api/*.c'))
               if f not in TABLES)
literals = set(re.findall(r'"(/[A-Za-z0-9_./-]*)"', code))
router = set(re.findall(r'"(/[A-Za-z0-9_./-]*)"', open('svc/api/router.c', encoding='utf-8').read()))

problems = []
pieces = set()
for p in paths:
    parts = [x for x in re.split(r'\{[^}]+\}', p) if x]
    pieces.update(parts)
    missing = [x for x in parts if x not in literals]
    if missing:
        problems.append(f'spec path {p}: no route literal {missing} in svc/api/')
for lit in sorted(router):
    if lit not in paths and lit not in pieces:
        problems.append(f'router literal "{lit}" is not a path (or piece of one) in api/openapi.yaml')

# Issue 6: every operation of the spec has a row in the authorization table, and the rows
# marked in_spec are exactly the spec's operations.
ops = set()
current = None
for line in spec.split('\n'):
    m = re.match(r'^  (/[^\s:]*):\s*$', line)
    if m:
        current = m.group(1)
        continue
    if re.match(r'^  \S', line) or re.match(r'^\S', line):
        current = None
    m = re.match(r'^    (get|put|post|delete|patch|head|options|trace):\s*$', line)
    if m and current:
        ops.add((m.group(1).upper(), current))
authz = open('svc/api/authz.c', encoding='utf-8').read()
rows = re.findall(r'\[YC_AUTHZ_\w+\]\s*=\s*\{\s*"([A-Z]+)",\s*"([^"]+)",\s*"(\w+)",\s*(true|false)',
                  authz)
table = {(m, p): flag == 'true' for m, p, _, flag in rows}
if len(table) != len(rows):
    problems.append('svc/api/authz.c: a (method, path) has two rows')
for op in sorted(ops):
    if op not in table:
        problems.append(f'spec operation {op[0]} {op[1]}: no row in svc/api/authz.c')
    elif not table[op]:
        problems.append(f'svc/api/authz.c row {op[0]} {op[1]} is in the spec: mark it in_spec')
for op, in_spec in sorted(table.items()):
    if in_spec and op not in ops:
        problems.append(f'svc/api/authz.c row {op[0]} {op[1]} is marked in_spec but the spec lacks it')
if not ops or not rows:
    problems.append('no operations in api/openapi.yaml or no rows in svc/api/authz.c')
if not paths:
    problems.append('no paths found in api/openapi.yaml')
print('\n'.join(problems))
sys.exit(1 if problems else 0)
