#!/usr/bin/env python3
"""Every path of api/openapi.yaml has a route in svc/api, and every route literal of the
router is (a piece of) a path in the spec.  Prints the differences; exit 1 if any."""
import glob
import re
import sys

spec = open('api/openapi.yaml', encoding='utf-8').read()
paths = re.findall(r'^  (/[^\s:]*):\s*$', spec, re.M)
code = ''.join(open(f, encoding='utf-8').read() for f in sorted(glob.glob('svc/api/*.c')))
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
if not paths:
    problems.append('no paths found in api/openapi.yaml')
print('\n'.join(problems))
sys.exit(1 if problems else 0)
