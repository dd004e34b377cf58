#!/usr/bin/python3
"""`yrdcredit backup` while the real yrdcreditd serves and writes (issue 7 scope item 7; TAP).

usage: test_backup.py YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT

One data dir D: samples/ imported, an admin and a subject client, attestations issued (one of
them revoked), an objection filed by the subject.  The scores of every sample subject (every
18-character code in samples/: as a USCC; the 居民身份证 numbers also through
POST /v1/subjects/lookup, then the score of the pseudonym) are read from the serving instance.
Then a writer POSTs record batches (its own merchants) continuously over h2c while
`yrdcredit backup --with-keys B1` and `yrdcredit backup B2` run.  A second yrdcreditd starts
on B1 (the restore is starting the daemon on the copy, README.md) and must answer:

  * every sample subject's score and every lookup byte-identical to the original's;
  * every writer batch acknowledged before the backup started present, and every batch
    wholly present or wholly absent (the copy is one LMDB read transaction);
  * every attestation issued before the backup: POST /v1/attestations/verify valid, the
    revoked one invalid with reason "revoked", and each one's status-list entry (GET
    /v1/status-lists/{id}, 2 bits LSB first) 0 or 1 (revoked) as on the original;
  * sealed data: the subject's GET /v1/me/objections (its reason text) identical;
  * B1/keys mode 0700 with pseudonym.key, seal.key, master.key, signing.json, clients.key
    mode 0600, tls/key.pem 0600, lmdb/data.mdb 0600.

B2 (no --with-keys) has no key file (no keys/, no tls/key.pem), the backup warns naming the
key files, and yrdcreditd refuses to start on it (exit 4, one line naming keys/pseudonym.key);
with D's key files copied in it serves the same scores.  A DEST that exists and is not empty,
or lies inside D, is refused (exit 2, exact message).
"""
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zlib
import base64

sys.path.insert(0, os.path.join(sys.argv[3] if len(sys.argv) > 3 else ".", "tests", "support"))
from h2client import Client, H2ClientError  # noqa: E402

AS_OF = "2026-11-29"
ISSUER = "https://attest.yiwu-credit.example"  # attest.issuer of etc/config.json
AUTHORITY = ("义乌市市场监督管理局", "11330782MB1A07019X")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
START_S = 120  # bound for a yrdcreditd start on a loaded ASan build
WRITER_BATCH = 10


class Tap:
    def __init__(self):
        self.n = 0
        self.failures = 0

    def ok(self, cond, desc, detail=""):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {desc}", flush=True)
        if not cond:
            self.failures += 1
            for ln in str(detail).splitlines()[:30]:
                print(f"#   {ln}", flush=True)
        return cond

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 1 if self.failures else 0


def bail(msg):
    print(f"Bail out! {msg}", flush=True)
    sys.exit(1)


def uscc(body8):
    """A 统一社会信用代码 of a 义乌 enterprise: GB 11714 check, then GB 32100."""
    c = 11 - sum(int(ch) * w for ch, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    s17 = "91330782" + body8 + ("X" if c == 10 else "0" if c == 11 else str(c))
    c = (31 - sum(USCC_CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(s17)) % 31) % 31
    return s17 + USCC_CHARS[c]


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Daemon:
    def __init__(self, daemon, data, errpath):
        self.errpath = errpath
        self.err = open(errpath, "w")
        self.proc = subprocess.Popen(
            [daemon, "--data", data, "--h2c-listen", "127.0.0.1:0", "--listen", "off",
             "--workers", "2", "--access-log", "/dev/null"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = None
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline and self.proc.poll() is None:
            m = re.search(r"serving h2c on http://127\.0\.0\.1:(\d+)/", self.stderr())
            if m:
                self.port = int(m.group(1))
                return
            time.sleep(0.05)

    def stderr(self):
        with open(self.errpath, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        return self.proc.returncode


def client(port, token):
    return Client("127.0.0.1", port, default_headers=[("authorization", "Bearer " + token)])


def many(c, reqs, chunk=50):
    """reqs: (method, path, body-or-None); returns the responses in order."""
    out = []
    for i in range(0, len(reqs), chunk):
        ids = []
        for m, p, b in reqs[i:i + chunk]:
            hdrs = [("content-type", "application/json")] if b is not None else []
            ids.append(c.submit(m, p, headers=hdrs,
                                body=json.dumps(b).encode() if b is not None else b""))
        out += c.wait(ids)
    return out


def sample_codes(src):
    """Every 18-character code in samples/ (USCCs, ID numbers, authorities' codes)."""
    ids = set()
    sdir = os.path.join(src, "samples")
    for f in sorted(os.listdir(sdir)):
        if not f.endswith((".csv", ".jsonl")):
            continue
        raw = open(os.path.join(sdir, f), "rb").read()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        ids |= set(re.findall(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])", text))
    return sorted(ids)


def snapshot(c, codes):
    """{key: (status, body)} of every sample code's score and every ID number's lookup and
    its pseudonym's score."""
    snap = {}
    reqs = [("GET", f"/v1/subjects/{x}/score?as_of={AS_OF}", None) for x in codes]
    for x, r in zip(codes, many(c, reqs)):
        snap["score " + x] = (r.status, r.body)
    persons = [x for x in codes if re.fullmatch(r"\d{17}[\dX]", x)]
    reqs = [("POST", "/v1/subjects/lookup", {"doc_type": "resident_id", "number": x})
            for x in persons]
    pids = []
    for x, r in zip(persons, many(c, reqs)):
        snap["lookup " + x] = (r.status, r.body)
        if r.status == 200:
            pids.append(json.loads(r.body)["subject_id"])
    reqs = [("GET", f"/v1/subjects/{p}/score?as_of={AS_OF}", None) for p in pids]
    for p, r in zip(pids, many(c, reqs)):
        snap["score " + p] = (r.status, r.body)
    return snap


class Writer(threading.Thread):
    """POSTs batches of WRITER_BATCH records of its own merchants until stopped; records each
    batch's decision numbers, state and the monotonic time of its acknowledgement."""

    def __init__(self, port, token):
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.stop_ev = threading.Event()
        self.batches = []  # dict: n, sids, dns, sent, acked (time or None), status
        self.error = None
        self.subjects = [uscc(f"{70000000 + i:08d}") for i in range(4)]

    def run(self):
        try:
            with client(self.port, self.token) as c:
                n = 0
                while not self.stop_ev.is_set():
                    recs = []
                    for i in range(WRITER_BATCH):
                        sid = self.subjects[(n + i) % len(self.subjects)]
                        recs.append({
                            "subject_type": "legal_person", "subject_id": sid,
                            "name": "义乌市备份试验贸易有限公司", "code": "N01",
                            "decision_no": f"BACKUP-B{n:05d}-R{i:02d}",
                            "decision_date": "2025-06-01", "authority_name": AUTHORITY[0],
                            "authority_uscc": AUTHORITY[1],
                            "legal_basis": f"《备份试验条例》第{i + 1}条"})
                    b = {"n": n, "recs": recs, "sent": time.monotonic(), "acked": None}
                    self.batches.append(b)
                    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
                    r = c.request("POST", "/v1/records",
                                  headers=[("content-type", "application/x-ndjson")],
                                  body=body.encode())
                    b["status"] = r.status
                    res = json.loads(r.body).get("results", []) if r.status == 200 else []
                    if r.status == 200 and len(res) == WRITER_BATCH and all(
                            x.get("status") == "imported" for x in res):
                        b["acked"] = time.monotonic()
                    else:
                        self.error = f"batch {n}: {r.status} {r.body[:300]!r}"
                        return
                    n += 1
        except (H2ClientError, OSError) as e:
            self.error = f"writer: {e!r}"


def status_bits(c, lists):
    """{list id: inflated lst bytes} from GET /v1/status-lists/{id}."""
    out = {}
    for lid in sorted(lists):
        r = c.request("GET", f"/v1/status-lists/{lid}")
        if r.status != 200:
            out[lid] = None
            continue
        claims = json.loads(b64url(r.body.decode().split(".")[1]))
        out[lid] = zlib.decompress(b64url(claims["status_list"]["lst"]))
    return out


def bit_at(raw, index):
    return (raw[index // 4] >> (2 * (index % 4))) & 3 if raw and index // 4 < len(raw) else None


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def main():
    cli, daemon, src = sys.argv[1:4]
    os.environ["YRDCREDIT_ETC"] = os.path.join(src, "etc")
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="yc-backup-")
    procs = []

    def run(*args):
        return subprocess.run([cli, *args], capture_output=True, text=True, timeout=300)

    try:
        d = os.path.join(tmp, "d")
        p = run("init", d)
        if p.returncode != 0:
            bail(f"init: {p.stderr}")
        sdir = os.path.join(src, "samples")
        files = sorted(os.path.join(sdir, f) for f in os.listdir(sdir)
                       if f.endswith((".csv", ".jsonl")))
        p = run("--data", d, "import", *files)
        if p.returncode != 0:
            bail(f"import: {p.returncode} {p.stderr[-500:]}")
        merchant = "91330782MA26FY5M25"  # 行政处罚 in samples/yiwu-xzcf-2024.csv
        objector = uscc("69999999")  # its record is POSTed below, so that it still counts
        admin = run("--data", d, "clients", "add", "--role", "admin", "--name", "ops")
        subj = run("--data", d, "clients", "add", "--role", "subject", "--name", "M",
                   "--subject", objector)
        if admin.returncode != 0 or subj.returncode != 0:
            bail(f"clients add: {admin.stderr} {subj.stderr}")
        admin, subj = admin.stdout.strip(), subj.stdout.strip()

        s1 = Daemon(daemon, d, os.path.join(tmp, "s1.err"))
        procs.append(s1)
        if s1.port is None:
            bail(f"yrdcreditd on D did not serve: {s1.stderr()[-800:]}")
        c1 = client(s1.port, admin)
        cs1 = client(s1.port, subj)

        # ---- attestations (one revoked) and an objection, before the backup ----
        atts = []
        person_id = None
        r = c1.request("POST", "/v1/subjects/lookup", headers=[("content-type",
                       "application/json")], body=json.dumps(
                           {"doc_type": "resident_id", "number": "33078219690604009X"}).encode())
        if r.status == 200:
            person_id = json.loads(r.body)["subject_id"]
        t.ok(person_id is not None and person_id.startswith("P"),
             "lookup of a sample 居民身份证 number on the original: 200 with a P pseudonym",
             f"{r.status} {r.body[:200]!r}")
        for sid, disclose in ((merchant, ["score", "grade", "as_of"]),
                              (merchant, ["score", "grade", "as_of"]),
                              (person_id or merchant, ["score", "band", "as_of"])):
            r = c1.request("POST", f"/v1/subjects/{sid}/attestations",
                           headers=[("content-type", "application/json")],
                           body=json.dumps({"disclose": disclose, "validity_days": 30}).encode())
            if r.status == 201:
                atts.append(json.loads(r.body))
        t.ok(len(atts) == 3, "3 attestations issued on the original: 201 each", f"{len(atts)}")
        if len(atts) != 3:
            bail("no attestations")
        revoked = atts[1]
        r = c1.request("POST", f"/v1/attestations/{revoked['jti']}/revoke",
                       headers=[("content-type", "application/json")],
                       body=b'{"reason": "backup test"}')
        t.ok(r.status == 200 and json.loads(r.body).get("state") == "revoked",
             "the second one revoked: 200 state revoked", f"{r.status} {r.body[:200]!r}")
        rec = {"subject_type": "legal_person", "subject_id": objector,
               "name": "义乌市异议试验贸易有限公司", "code": "N01",
               "decision_no": "BACKUP-OBJ-1", "decision_date": "2026-09-01",
               "authority_name": AUTHORITY[0], "authority_uscc": AUTHORITY[1],
               "legal_basis": "《备份试验条例》第1条"}
        r = c1.request("POST", "/v1/records", headers=[("content-type", "application/x-ndjson")],
                       body=(json.dumps(rec, ensure_ascii=False) + "\n").encode())
        rid = json.loads(r.body)["results"][0].get("record_id") if r.status == 200 else None
        t.ok(isinstance(rid, str), "a record of the objector POSTed: 200 with its record_id",
             f"{r.status} {r.body[:300]!r}")
        r = cs1.request("POST", "/v1/me/objections", headers=[("content-type",
                        "application/json")], body=json.dumps(
                            {"record_id": rid or "0",
                             "reason": "该处罚决定已被复议撤销（备份试验）"},
                            ensure_ascii=False).encode())
        t.ok(r.status == 201, "the subject files an objection on the original: 201",
             f"{r.status} {r.body[:300]!r}")
        r = cs1.request("GET", "/v1/me/objections")
        obj_before = (r.status, r.body)
        t.ok(r.status == 200 and "备份试验" in r.body.decode(),
             "GET /v1/me/objections on the original: 200 with the reason text",
             f"{r.status} {r.body[:300]!r}")

        codes = sample_codes(src)
        before = snapshot(c1, codes)
        n_ok = sum(1 for k, v in before.items() if k.startswith("score ") and v[0] == 200)
        n_person = sum(1 for k, v in before.items() if k.startswith("lookup ") and v[0] == 200)
        t.ok(n_ok >= 100 and n_person >= 20,
             f"the original scores {n_ok} sample subjects (200) of {len(codes)} codes, "
             f"{n_person} of them individuals found by lookup",
             f"{n_ok} scores, {n_person} lookups")

        # ---- the backups, while the writer writes ----
        w = Writer(s1.port, admin)
        w.start()
        deadline = time.monotonic() + 120
        while (time.monotonic() < deadline and w.error is None and
               sum(1 for b in w.batches if b["acked"]) < 5):
            time.sleep(0.02)
        b1, b2 = os.path.join(tmp, "b1"), os.path.join(tmp, "b2")
        t_start = time.monotonic()
        p1 = run("--data", d, "backup", "--with-keys", b1)
        t_end1 = time.monotonic()
        p2 = run("--data", d, "backup", b2)
        # the writer goes on after the backups, then stops
        acked_at_end = sum(1 for b in w.batches if b["acked"])
        deadline = time.monotonic() + 120
        while (time.monotonic() < deadline and w.error is None and
               sum(1 for b in w.batches if b["acked"]) < acked_at_end + 3):
            time.sleep(0.02)
        w.stop_ev.set()
        w.join(120)
        acked = [b for b in w.batches if b["acked"]]
        pre = [b for b in acked if b["acked"] < t_start]
        during = [b for b in w.batches if b["sent"] < t_end1 and
                  (b["acked"] is None or b["acked"] > t_start)]
        t.ok(w.error is None and len(pre) >= 5 and len(acked) >= len(pre) + 3,
             f"the writer POSTed continuously: {len(pre)} batches acknowledged before the "
             f"backup, {len(acked) - len(pre)} after it started, {len(during)} in flight "
             f"during `backup --with-keys` ({(t_end1 - t_start) * 1000:.0f} ms)",
             f"{w.error}")
        t.ok(p1.returncode == 0 and p1.stderr == "" and
             p1.stdout == f"backup of {d} written to {b1}: lmdb/data.mdb and 17 files "
                          "(6 key files)\n",
             "backup --with-keys B1: exit 0, stdout names 17 files (6 key files), no stderr",
             f"exit {p1.returncode}\n{p1.stdout}{p1.stderr}")
        want_warn = re.compile(
            r"yrdcredit backup: warning: key files not copied \(([^)]*)\): without them the copy "
            r"cannot read sealed data and yrdcreditd refuses to start on it; keep them safe or "
            r"use --with-keys\n")
        m = want_warn.fullmatch(p2.stderr)
        t.ok(p2.returncode == 0 and m is not None and
             sorted(m.group(1).split(", ")) == sorted(
                 ["keys/pseudonym.key", "keys/seal.key", "keys/master.key",
                  "keys/signing.json", "keys/clients.key", "tls/key.pem"]) and
             p2.stdout == f"backup of {d} written to {b2}: lmdb/data.mdb and 11 files "
                          "(0 key files)\n",
             "backup B2 (no --with-keys): exit 0, one warning line naming the 6 key files "
             "not copied", f"exit {p2.returncode}\n{p2.stdout}{p2.stderr}")

        # ---- modes ----
        want_modes = {"": 0o700, "keys": 0o700, "lmdb": 0o700, "lmdb/data.mdb": 0o600,
                      "keys/pseudonym.key": 0o600, "keys/seal.key": 0o600,
                      "keys/master.key": 0o600, "keys/signing.json": 0o600,
                      "keys/clients.key": 0o600, "tls/key.pem": 0o600,
                      "config.json": mode(os.path.join(d, "config.json")),
                      "clients.json": 0o600}
        got = {k: (mode(os.path.join(b1, k)) if os.path.lexists(os.path.join(b1, k)) else None)
               for k in want_modes}
        t.ok(got == want_modes, "B1 modes (stat): B1, keys/ and lmdb/ 0700; every key file, "
             "tls/key.pem and lmdb/data.mdb 0600; config.json as in D",
             {k: (oct(v) if v is not None else None) for k, v in got.items()})
        t.ok(sorted(os.listdir(os.path.join(b1, "keys"))) == sorted(
            ["pseudonym.key", "seal.key", "master.key", "signing.json", "clients.key"]),
            "B1/keys holds exactly the 5 key files (no lock file)",
            os.listdir(os.path.join(b1, "keys")))
        keyish = [os.path.relpath(os.path.join(r, f), b2) for r, _, fs in os.walk(b2)
                  for f in fs if f.endswith((".key", ".pem")) or f == "signing.json"]
        t.ok(not os.path.exists(os.path.join(b2, "keys")) and keyish == ["tls/cert.pem"],
             "B2 has no keys/ and no key file (only tls/cert.pem)", keyish)

        # ---- restore: yrdcreditd on B1 ----
        s2 = Daemon(daemon, b1, os.path.join(tmp, "s2.err"))
        procs.append(s2)
        t.ok(s2.port is not None, "yrdcreditd starts on the copy B1",
             s2.stderr()[-800:])
        if s2.port is None:
            bail("no restored server")
        c2 = client(s2.port, admin)
        after = snapshot(c2, codes)
        diff = [k for k in before if before[k] != after.get(k)]
        t.ok(not diff and len(after) == len(before),
             f"the copy answers every one of the {len(before)} sample scores and lookups "
             "byte-identically", "\n".join(f"{k}: {before[k]} != {after.get(k)}"
                                           for k in diff[:10]))

        # writer batches: acknowledged before the start present; each all or nothing
        by_sid = {}
        for sid in w.subjects:
            seen, cursor = [], None
            while True:
                path = f"/v1/subjects/{sid}/records?limit=100" + (
                    f"&cursor={cursor}" if cursor else "")
                r = c2.request("GET", path)
                if r.status != 200:
                    break
                doc = json.loads(r.body)
                seen += [x["decision_no"] for x in doc["records"]]
                cursor = doc.get("next_cursor")
                if not cursor:
                    break
            by_sid[sid] = set(seen)
        present = set().union(*by_sid.values())
        missing_pre = [b["n"] for b in pre
                       if not all(x["decision_no"] in present for x in b["recs"])]
        partial = [b["n"] for b in w.batches
                   if 0 < sum(x["decision_no"] in present for x in b["recs"]) < WRITER_BATCH]
        in_copy = sum(1 for b in w.batches if b["recs"][0]["decision_no"] in present)
        unknown = present - {x["decision_no"] for b in w.batches for x in b["recs"]}
        t.ok(not missing_pre and not partial and not unknown and in_copy >= len(pre),
             f"writer batches in the copy: all {len(pre)} acknowledged before the backup, "
             f"{in_copy} in all, none partial, nothing unknown",
             f"missing {missing_pre[:10]} partial {partial[:10]} unknown {sorted(unknown)[:5]}")

        # attestations: verify and status lists, as on the original
        lists = {a["status"]["list"] for a in atts}
        bits1, bits2 = status_bits(c1, lists), status_bits(c2, lists)
        verdicts = []
        for a in atts:
            r = c2.request("POST", "/v1/attestations/verify",
                           headers=[("content-type", "application/json")],
                           body=json.dumps({"token": a["token"]}).encode())
            v = json.loads(r.body) if r.status == 200 else {}
            verdicts.append((r.status, v.get("valid"), v.get("reason"),
                             bit_at(bits2.get(a["status"]["list"]), a["status"]["index"]),
                             bit_at(bits1.get(a["status"]["list"]), a["status"]["index"])))
        want = [(200, True, "valid", 0, 0), (200, False, "revoked", 1, 1),
                (200, True, "valid", 0, 0)]
        t.ok(verdicts == want,
             "on the copy: the 3 attestations verify (valid, revoked, valid) and their "
             "status-list entries are 0, 1, 0 as on the original", f"{verdicts}")
        t.ok(all(bits1[x] == bits2[x] and bits2[x] is not None for x in lists),
             "every status list of the copy has the original's bits", "")

        # sealed data: the objection's reason text
        cs2 = client(s2.port, subj)
        r = cs2.request("GET", "/v1/me/objections")
        t.ok((r.status, r.body) == obj_before,
             "sealed data: GET /v1/me/objections on the copy equals the original's (reason "
             "text)", f"{r.status} {r.body[:300]!r}")
        for c in (c1, cs1, c2, cs2):
            c.close()
        rc2 = s2.stop()
        t.ok(rc2 == 0, "the restored yrdcreditd exits 0 on SIGTERM", f"exit {rc2}")

        # ---- B2: no keys, refused; with D's keys back it serves ----
        p = subprocess.run([daemon, "--data", b2, "--h2c-listen", "127.0.0.1:0", "--listen",
                            "off"], capture_output=True, text=True, timeout=START_S)
        want_line = (f"yrdcreditd: {b2}/keys/pseudonym.key: missing (rule: the key files "
                     "`yrdcredit init` made must be present; a backup made without --with-keys "
                     "has none: copy them back from where they are kept, mode 0600)\n")
        t.ok(p.returncode == 4 and p.stderr == want_line,
             "yrdcreditd on B2 (no keys): exit 4, one line naming keys/pseudonym.key",
             f"exit {p.returncode}\n{p.stderr}")
        shutil.copytree(os.path.join(d, "keys"), os.path.join(b2, "keys"),
                        ignore=shutil.ignore_patterns("*.lock"))
        shutil.copy2(os.path.join(d, "tls", "key.pem"), os.path.join(b2, "tls", "key.pem"))
        s3 = Daemon(daemon, b2, os.path.join(tmp, "s3.err"))
        procs.append(s3)
        ok3 = s3.port is not None
        if ok3:
            with client(s3.port, admin) as c3:
                after3 = snapshot(c3, codes)
            ok3 = after3 == before
        t.ok(ok3, "B2 with D's key files copied in: serves every sample score and lookup "
             "byte-identically", s3.stderr()[-500:])
        s3.stop()

        # ---- refused destinations ----
        p = run("--data", d, "backup", b1)
        t.ok(p.returncode == 2 and p.stderr == f"yrdcredit backup: {b1} exists and is not "
             "empty: choose a new directory\n" and p.stdout == "",
             "backup into an existing non-empty directory: exit 2, exact message",
             f"exit {p.returncode}\n{p.stderr}")
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty, 0o755)
        p = run("--data", d, "backup", empty)
        t.ok(p.returncode == 0 and mode(empty) == 0o700 and
             os.path.exists(os.path.join(empty, "lmdb", "data.mdb")),
             "backup into an existing empty directory: exit 0, made 0700", p.stderr)
        inside = os.path.join(d, "bk")
        p = run("--data", d, "backup", inside)
        t.ok(p.returncode == 2 and p.stderr == f"yrdcredit backup: {inside} is inside the data "
             f"directory {d}: choose a directory outside it\n" and not os.path.exists(inside),
             "backup into a directory inside D: exit 2, exact message, nothing left",
             f"exit {p.returncode}\n{p.stderr}")
        rc1 = s1.stop()
        t.ok(rc1 == 0, "the original yrdcreditd exits 0 on SIGTERM after all this", f"exit {rc1}")
    finally:
        for s in procs:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
