#!/usr/bin/env python3
"""Facts about samples/ for tests/cli/test_cli.sh (stdlib only).

usage: sample_facts.py rows|pii|merchant|person|unknown SAMPLES_DIR
       sample_facts.py badfile|changed SAMPLES_DIR OUT_CSV
"""
import csv
import glob
import io
import json
import os
import sys

ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def read_text(path):
    raw = open(path, 'rb').read()
    if raw.startswith(b'\xef\xbb\xbf'):
        return raw[3:].decode('utf-8')
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError:
        return raw.decode('gb18030')


def csv_files(d):
    for p in sorted(glob.glob(os.path.join(d, '*.csv'))):
        rows = list(csv.reader(io.StringIO(read_text(p))))
        rows = [r for r in rows if any(c.strip() for c in r)]
        yield p, rows[0], rows[1:]


def jsonl_files(d):
    for p in sorted(glob.glob(os.path.join(d, '*.jsonl'))):
        yield p, [json.loads(l) for l in read_text(p).splitlines() if l.strip()]


def col(header, *names):
    for i, h in enumerate(header):
        h2 = h.strip().lstrip('*').upper()
        if h2 in names or h.strip() in names:
            return i
    return None


def uscc_check(s17):
    w = [pow(3, i, 31) for i in range(17)]
    c = 31 - sum(ALPHA.index(ch) * w[i] for i, ch in enumerate(s17)) % 31
    return ALPHA[0 if c == 31 else c]


def subjects():
    merchants, persons = set(), []
    for p, header, rows in csv_files(sys.argv[2]):
        lb = col(header, 'CF_XDR_LB', 'XK_XDR_LB', '行政相对人类别')
        sh = col(header, 'CF_XDR_SHXYM', 'XK_XDR_SHXYM', '统一社会信用代码')
        zj = col(header, 'CF_XDR_ZJHM', 'XK_XDR_ZJHM', '证件号码')
        mc = col(header, 'CF_XDR_MC', 'XK_XDR_MC', '行政相对人名称')
        for r in rows:
            if lb is not None and r[lb].strip() == '自然人':
                persons.append((r[zj].strip().upper(), r[mc].strip()))
            elif sh is not None and r[sh].strip():
                merchants.add(r[sh].strip())
    for p, objs in jsonl_files(sys.argv[2]):
        for o in objs:
            if 'iname' in o and str(o.get('type', '')) == '0':
                persons.append((o['cardNum'].upper(), o['iname']))
            elif o.get('subjectCategory') == '自然人':
                persons.append((o['identify'].upper(), o['subjectName']))
            elif o.get('subject_type') == 'natural_person':
                persons.append((o['doc_number'].upper(), o['name']))
    return merchants, persons


def main():
    cmd = sys.argv[1]
    if cmd == 'rows':
        n = sum(len(rows) for _, _, rows in csv_files(sys.argv[2]))
        n += sum(len(objs) for _, objs in jsonl_files(sys.argv[2]))
        print(n)
    elif cmd == 'pii':
        _, persons = subjects()
        out = set()
        for num, name in persons:
            if len(num) == 18:
                out.add(num)
            out.add(name)
        print('\n'.join(sorted(out)))
    elif cmd == 'merchant':
        print(sorted(subjects()[0])[0])
    elif cmd == 'person':
        print(sorted(n for n, _ in subjects()[1] if len(n) == 18)[0])
    elif cmd == 'unknown':
        known = subjects()[0]
        for i in range(1000):
            s17 = '91330782' + 'MA2' + ALPHA[i % 31] + ALPHA[(i // 31) % 31] + 'QQQ'
            # organisation-code check of positions 9-17 (GB 11714)
            body = s17[8:16]
            w = [3, 7, 9, 10, 5, 8, 4, 2]
            val = lambda ch: int(ch) if ch.isdigit() else ord(ch) - 55
            c = 11 - sum(val(ch) * w[k] for k, ch in enumerate(body)) % 11
            org = 'X' if c == 10 else '0' if c == 11 else str(c)
            s17 = s17[:16] + org
            code = s17 + uscc_check(s17)
            if code not in known:
                print(code)
                return
    elif cmd in ('badfile', 'changed'):
        for p, header, rows in csv_files(sys.argv[2]):
            if col(header, 'CF_WSH') is None or col(header, 'CF_JDRQ') is None:
                continue
            wsh, jd, yj = col(header, 'CF_WSH'), col(header, 'CF_JDRQ'), col(header, 'CF_YJ')
            lb = col(header, 'CF_XDR_LB')
            good = next(r for r in rows if r[lb].strip() != '自然人')
            with open(sys.argv[3], 'w', newline='', encoding='utf-8') as f:
                w = csv.writer(f, lineterminator='\n')
                w.writerow(header)
                if cmd == 'badfile':
                    r1 = list(good); r1[wsh] = r1[wsh] + '-bad-test-1'
                    r2 = list(good); r2[wsh] = r2[wsh] + '-bad-test-2'; r2[jd] = '2023-02-30'
                    w.writerow(r1)
                    w.writerow(r2)
                else:
                    r1 = list(good); r1[yj] = r1[yj] + '（更正）'
                    w.writerow(r1)
            return
        sys.exit('no 行政处罚 CSV with CF_ codes in samples/')
    else:
        sys.exit(__doc__)


main()
