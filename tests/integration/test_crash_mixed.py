#!/usr/bin/python3
"""kill -9 of the real yrdcreditd during MIXED write traffic, then the invariants (TAP output).

usage: test_crash_mixed.py YRDCREDIT YRDCREDITD SOURCE_ROOT [--trials N]

Issue 7 item 5 (crash safety).  One data dir (`yrdcredit init`) lives through every trial, so
each restart opens a store that was killed and recovered many times before.  Clients (made with
`yrdcredit clients add`): an admin, a provider (its authority 11330782MB1A07019X), an fi and, per
trial, one subject client for each of the trial's 3 merchants (made while the server is down
after the previous kill).  Per trial:

  1. set-up, acknowledged before any kill: one NDJSON batch per merchant (B01, N06 x 2, N01,
     P01), an objection on its N01 (subject client), a repair application on an N06 (subject
     client) and an attestation (fi, purpose loan_approval);
  2. traffic: WORKERS threads, each on its own h2c connection, one request at a time, pick at
     random: POST /v1/records (provider, NDJSON batch of 2..6 new records), POST
     /v1/subjects/{id}/attestations (fi), POST /v1/attestations/{jti}/revoke (admin, or the
     subject client for its own; any trial's attestation), POST /v1/decisions (admin, a local
     联合奖惩 decision), POST /v1/me/objections (subject), POST /v1/objections/{id}/resolve
     (admin or provider: rejected, or upheld with action revoke), POST /v1/me/repairs
     (subject), POST /v1/repairs/{id}/approve|reject (admin).  A write is acknowledged when its
     complete 2xx response arrived with the expected body; any other answer is an error (the
     trial fails);
  3. SIGKILL 0..KILL_MAX_S after the first acknowledged write of the traffic; the workers see
     their connections close: whatever they were waiting for is "in flight";
  4. offline, first opener after the crash: `mdb_stat -efa` reads every database of the store;
     `yrdcredit records` and `yrdcredit score --as-of TODAY` for each merchant of the trial;
  5. restart on the same data dir and port, then the invariants:
     (records) every record of every acknowledged batch present with its posted fields and the
       acknowledged record_id; a batch in flight wholly present or wholly absent (never half);
       no record that was never posted; each record's status exactly what the acknowledged
       objections, resolutions, repairs and repair decisions make it (active, disputed,
       revoked, repaired);
     (objections, repairs) GET /v1/me/objections and /v1/me/repairs of each subject client list
       every acknowledged objection / repair with the acknowledged status and outcome; an
       unknown one only for an objection / repair filing in flight at the kill (adopted then),
       a resolution or decision in flight is either done or not (settled from the listing);
     (scores) GET /v1/subjects/{id}/score?as_of=TODAY (admin; twice, the second from the
       per-worker score cache) is byte-equal to the offline `yrdcredit score`, and equal to a
       from-scratch recomputation: the merchant's records as listed (with their statuses) are
       imported into a second, fresh data dir and scored there; score, grade, changes_on and
       the reasons (each record named by its 文书号) must match.  A stale cache, a repair
       or revocation applied to the record but not to the score (or the other way round), or
       a half-written batch all show as a difference;
     (attestations) every acknowledged attestation listed under its subject with its status list
       and index, state revoked iff its revocation was acknowledged (one in flight is settled
       from the listing), its 2-bit entry in the served status-list token 1 if revoked else 0,
       and no two attestations share (list, index);
     (decisions) GET /v1/decisions/{id} of every acknowledged decision equals its 201 body.
At the end every merchant of every trial is checked once more (records, statuses, scores, every
attestation and decision), the server stops on SIGTERM with exit 0 and no daemon wrote anything
but its start line and access log to stderr (no sanitizer report).

The seed (choices of the workers, kill delays) is printed; YC_CRASH_MIXED_SEED=N repeats the
choices (which requests are in flight at the kill depends on timing).  Trials: --trials N, else
YC_CRASH_MIXED_TRIALS, else 20.  The last line before the plan is the summary
"# crash: N trials, M invariant failures, K acknowledged writes checked" (bench/crash prints it).
"""
import base64
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from datetime import datetime, timedelta, timezone

import h2.exceptions

SRC = sys.argv[3] if len(sys.argv) > 3 else "."
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from h2client import Client, H2ClientError  # noqa: E402

WORKERS = 4  # traffic threads, one h2c connection each
KILL_MAX_S = 0.6  # the kill lands 0..KILL_MAX_S after the first acknowledged traffic write
FIRST_ACK_S = 30  # bound for the first acknowledged write of a trial (loaded ASan machine)
AUTH_USCC, AUTH_NAME = "11330782MB1A07019X", "义乌市市场监督管理局"
ISSUER = "https://attest.yiwu-credit.example"  # attest.issuer of etc/config (the default)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MATTERS = ("deposit_waiver", "government_procurement", "loan_approval",
           "administrative_licensing")
# codes of traffic batches: B01 (neutral), P01 (positive), N01 (negative, not repairable),
# N06 (negative, repairable from its decision date: the repair targets)
CODES = ("B01", "B01", "P01", "N06", "N06", "N01")
TODAY = datetime.now(timezone(timedelta(hours=8))).date()  # Asia/Shanghai, as the server
AS_OF = TODAY.isoformat()
JSON = "application/json"


# ---------------------------------------------------------------- TAP

class Tap:
    def __init__(self):
        self.n = 0
        self.failures = 0

    def ok(self, cond, desc, problems=()):
        self.n += 1
        if not cond:
            self.failures += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {desc}", flush=True)
        for p in [] if cond else list(problems)[:15]:
            print(f"#   {p}", flush=True)
        return cond

    def comment(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 0 if self.failures == 0 else 1


def bail(msg):
    print(f"Bail out! {msg}", flush=True)
    sys.exit(1)


def uscc(prefix8, body8):
    """A 统一社会信用代码: GB 11714 organisation-code check, then the GB 32100 check."""
    val = lambda c: int(c) if c.isdigit() else ord(c) - 55  # noqa: E731
    c = 11 - sum(val(ch) * w for ch, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    s17 = prefix8 + body8 + ("X" if c == 10 else "0" if c == 11 else str(c))
    c = (31 - sum(USCC_CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(s17)) % 31) % 31
    return s17 + USCC_CHARS[c]


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ---------------------------------------------------------------- processes

class Env:
    def __init__(self, cli, daemon, src):
        self.cli, self.daemon, self.src = cli, daemon, src
        self.tmp = tempfile.mkdtemp(prefix="yc-crashmix-")
        self.data = os.path.join(self.tmp, "data")
        self.fresh = os.path.join(self.tmp, "fresh")  # from-scratch recomputation
        self.proc = None
        self.starts = 0
        self.env = dict(os.environ, YRDCREDIT_ETC=os.path.join(src, "etc"))
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()

    def run_cli(self, *args, data=None, stdin=None):
        p = subprocess.run([self.cli, "--data", data or self.data, *args], input=stdin,
                           capture_output=True, env=self.env, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def client(self, role, name, *extra):
        rc, out, err = self.run_cli("clients", "add", "--role", role, "--name", name, *extra)
        if rc != 0 or len(out.strip().splitlines()) != 1:
            bail(f"yrdcredit clients add --role {role}: {rc} {err!r}")
        return out.strip().decode()

    def start(self):
        """Start yrdcreditd; None when it answers GET /readyz 200, else a reason."""
        self.starts += 1
        err = open(os.path.join(self.tmp, f"daemon{self.starts}.err"), "wb")
        self.proc = subprocess.Popen(
            [self.daemon, "--data", self.data, "--h2c-listen", f"127.0.0.1:{self.port}",
             "--listen", "off"], stdout=subprocess.DEVNULL, stderr=err, env=self.env)
        err.close()
        deadline = time.monotonic() + 30
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"exited with {self.proc.returncode}"
            try:
                with Client("127.0.0.1", self.port, timeout=5) as c:
                    r = c.request("GET", "/readyz")
                if r.status == 200:
                    return None
                last = f"GET /readyz: {r.status}"
            except (OSError, H2ClientError, h2.exceptions.ProtocolError) as e:
                last = repr(e)
            time.sleep(0.05)
        return f"not ready after 30 s ({last})"

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        rc = self.proc.wait(timeout=30)
        self.proc = None
        return rc

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        return rc

    def daemon_errors(self):
        bad = []
        for k in range(1, self.starts + 1):
            with open(os.path.join(self.tmp, f"daemon{k}.err"), "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    if line.startswith("yrdcreditd: serving h2c on ") or line.startswith("{"):
                        continue
                    bad.append(f"daemon{k}: {line}")
        return bad

    def cleanup(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def call(c, token, method, path, body=None, ctype=JSON):
    """One request on Client @c; (status, parsed JSON or None, raw body)."""
    hdrs = [("authorization", f"Bearer {token}")]
    raw = b""
    if body is not None:
        hdrs.append(("content-type", ctype))
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    r = c.request(method, path, hdrs, raw)
    if not r.complete:
        raise H2ClientError(f"{method} {path}: incomplete response (reset {r.reset})")
    try:
        doc = json.loads(r.body) if r.body else None
    except ValueError:
        doc = None
    return r.status, doc, r.body


def paged(c, token, path, member):
    """Every item of a paged listing (?limit=100, next_cursor), or raises ValueError."""
    items, cursor = [], None
    while True:
        sep = "&" if "?" in path else "?"
        p = f"{path}{sep}limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, doc, raw = call(c, token, "GET", p)
        if status != 200 or not isinstance(doc, dict):
            raise ValueError(f"GET {p}: {status} {raw[:200]!r}")
        items += doc[member]
        cursor = doc.get("next_cursor")
        if cursor is None:
            return items


def mdb_entries(env):
    """Entries of every named database (mdb_stat -efa), or a problem."""
    p = subprocess.run(["mdb_stat", "-efa", os.path.join(env.data, "lmdb")],
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        return None, f"mdb_stat exit {p.returncode}: {p.stderr[:200]!r}"
    entries, db = {}, None
    for line in p.stdout.decode().splitlines():
        if line.startswith("Status of "):
            db = line[len("Status of "):]
        elif line.strip().startswith("Entries:") and db is not None:
            entries[db] = int(line.split()[1])
    return entries, None


# ---------------------------------------------------------------- what the test knows

class Book:
    """Everything acknowledged (or in flight at a kill) so far; guarded by .lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.merchants = {}  # sid -> {"name", "token", "trial"}
        self.records = {}  # record_id -> {"dn", "rec", "sid", "busy", "trial"}
        self.posted = {}  # decision_no -> batch of every batch sent
        self.batches = []
        self.objections = {}  # id -> {"rid", "sid", "status", "outcome", "action", "busy"}
        self.repairs = {}  # id -> {"rid", "sid", "status", "busy"}
        self.atts = {}  # jti -> {"sid", "list", "index", "revoke": None|"sent"|"acked"}
        self.decisions = {}  # id -> 201 body (parsed)
        self.unacked = set()  # listed jtis whose 201 never arrived (in flight at a kill)
        self.ops = []  # the traffic ops of the current trial
        self.seq = 0
        self.first_ack = threading.Event()

    def status_of(self, rid):
        """The status the acknowledged operations give record @rid."""
        if any(r["rid"] == rid and r["status"] == "approved" for r in self.repairs.values()):
            return "repaired"
        for o in self.objections.values():
            if o["rid"] == rid and o["status"] == "resolved" and o["action"] == "revoke":
                return "revoked"
        if any(o["rid"] == rid and o["status"] == "open" for o in self.objections.values()):
            return "disputed"
        return "active"

    def pending_repair(self, rid):
        return any(r["rid"] == rid and r["status"] == "pending" for r in self.repairs.values())


class Batch:
    def __init__(self, book, trial, sids, codes):
        self.state = "unsent"  # sent, acked, error; after the check: whole, absent
        self.records = []  # (decision_no, posted record, sid)
        self.ids = {}
        for i, code in enumerate(codes):
            book.seq += 1
            sid = sids[i % len(sids)]
            dn = f"MIX-T{trial:03d}-{book.seq:06d}"
            d = TODAY - timedelta(days=5 + (book.seq * 7) % 75)  # nothing expires today
            rec = {"subject_type": "legal_person", "subject_id": sid,
                   "name": book.merchants[sid]["name"], "code": code, "decision_no": dn,
                   "decision_date": d.isoformat(), "authority_name": AUTH_NAME,
                   "authority_uscc": AUTH_USCC,
                   "legal_basis": f"《混合崩溃试验条例》第{i + 1}条"}
            if book.seq % 3:
                rec["amount"] = f"{book.seq}.5"  # as listed (no trailing zero)
            self.records.append((dn, rec, sid))
        self.body = "".join(json.dumps(r, ensure_ascii=False) + "\n"
                            for _, r, _ in self.records).encode()


class Op:
    """One write of the traffic: kind, who, what; .state unsent/sent/acked/error."""

    def __init__(self, kind, token, method, path, body, ctype=JSON, **what):
        self.kind, self.token, self.method, self.path = kind, token, method, path
        self.body, self.ctype, self.what = body, ctype, what
        self.state = "unsent"
        self.detail = ""


def make_op(book, rng, trial, tokens, sids):
    """A random write among those possible now (called with book.lock held); marks its targets
    busy.  None when nothing is possible (cannot happen: ingestion always is)."""
    recs = [(rid, r) for rid, r in book.records.items() if r["trial"] == trial and not r["busy"]]
    active = [rid for rid, r in recs if book.status_of(rid) == "active" and
              not book.pending_repair(rid)]
    n06 = [rid for rid in active if book.records[rid]["rec"]["code"] == "N06"]
    # only this trial's: what is in flight at the kill is settled from its subjects' listings
    open_obj = [oid for oid, o in book.objections.items() if o["status"] == "open" and
                not o["busy"] and not book.records[o["rid"]]["busy"] and
                book.records[o["rid"]]["trial"] == trial]
    pending = [pid for pid, p in book.repairs.items() if p["status"] == "pending" and
               not p["busy"] and not book.records[p["rid"]]["busy"] and
               book.records[p["rid"]]["trial"] == trial]
    pool = [j for j, a in book.atts.items() if a["revoke"] is None]
    choices = [("ingest", 3.0), ("issue", 2.0), ("decide", 1.0)]
    if pool:
        choices.append(("revoke", 1.5))
    if active:
        choices.append(("object", 1.5))
    if open_obj:
        choices.append(("resolve", 1.5))
    if n06:
        choices.append(("repair", 1.5))
    if pending:
        choices.append(("decide_repair", 1.5))
    kind = rng.choices([k for k, _ in choices], [w for _, w in choices])[0]
    if kind == "ingest":
        b = Batch(book, trial, rng.sample(sids, len(sids)),
                  [rng.choice(CODES) for _ in range(rng.randint(2, 6))])
        book.batches.append(b)
        for dn, _, _ in b.records:
            book.posted[dn] = b
        return Op(kind, tokens["provider"], "POST", "/v1/records", b.body,
                  "application/x-ndjson", batch=b)
    if kind == "issue":
        sid = rng.choice(sids)
        return Op(kind, tokens["fi"], "POST", f"/v1/subjects/{sid}/attestations",
                  {"purpose": "loan_approval", "disclose": ["score", "grade", "as_of"],
                   "validity_days": 30}, sid=sid)
    if kind == "decide":
        return Op(kind, tokens["admin"], "POST", "/v1/decisions",
                  {"subject_id": rng.choice(sids), "matter": rng.choice(MATTERS),
                   "as_of": AS_OF})
    if kind == "revoke":
        jti = rng.choice(sorted(pool))
        a = book.atts[jti]
        a["revoke"] = "sent"
        who = "subject" if rng.random() < 0.5 else "admin"
        token = book.merchants[a["sid"]]["token"] if who == "subject" else tokens["admin"]
        return Op(kind, token, "POST", f"/v1/attestations/{jti}/revoke",
                  {"reason": f"混合崩溃试验 {trial}"}, jti=jti, who=who)
    if kind == "object":
        rid = rng.choice(active)
        r = book.records[rid]
        r["busy"] = True
        return Op(kind, book.merchants[r["sid"]]["token"], "POST", "/v1/me/objections",
                  {"record_id": rid, "reason": "处罚事实有误，申请复核"}, rid=rid)
    if kind == "resolve":
        oid = rng.choice(open_obj)
        o = book.objections[oid]
        o["busy"] = book.records[o["rid"]]["busy"] = True
        token = tokens["admin"] if rng.random() < 0.5 else tokens["provider"]
        if rng.random() < 0.5:
            body, outcome, action = {"outcome": "upheld", "action": "revoke"}, "upheld", "revoke"
        else:
            body, outcome, action = ({"outcome": "rejected", "reason": "经复核处罚事实清楚"},
                                     "rejected", None)
        return Op(kind, token, "POST", f"/v1/objections/{oid}/resolve", body, oid=oid,
                  outcome=outcome, action=action)
    if kind == "repair":
        rid = rng.choice(n06)
        r = book.records[rid]
        r["busy"] = True
        return Op(kind, book.merchants[r["sid"]]["token"], "POST", "/v1/me/repairs",
                  {"record_id": rid, "commitment": "已整改并履行全部义务",
                   "evidence": ["缴款凭证"]}, rid=rid)
    pid = rng.choice(pending)
    p = book.repairs[pid]
    p["busy"] = book.records[p["rid"]]["busy"] = True
    if rng.random() < 0.6:
        return Op(kind, tokens["admin"], "POST", f"/v1/repairs/{pid}/approve", {}, pid=pid,
                  decision="approved")
    return Op(kind, tokens["admin"], "POST", f"/v1/repairs/{pid}/reject",
              {"reason": "材料不全"}, pid=pid, decision="rejected")


def on_answer(book, op, trial, status, doc, raw):
    """Settle @op from its complete answer (book.lock held): acknowledged or error."""
    w = op.what
    ok = False
    if op.kind == "ingest":
        b = w["batch"]
        res = doc.get("results") if status == 200 and isinstance(doc, dict) else None
        ok = (isinstance(res, list) and len(res) == len(b.records) and
              all(r.get("index") == i and r.get("status") == "imported" and
                  str(r.get("record_id", "")).isdigit() for i, r in enumerate(res)))
        b.state = "acked" if ok else "error"
        if ok:
            for (dn, rec, sid), r in zip(b.records, res):
                b.ids[dn] = r["record_id"]
                book.records[r["record_id"]] = {"dn": dn, "rec": rec, "sid": sid,
                                                "busy": False, "trial": trial}
    elif op.kind == "issue":
        st = doc.get("status") if isinstance(doc, dict) else None
        ok = (status == 201 and isinstance(st, dict) and isinstance(doc.get("jti"), str) and
              isinstance(st.get("list"), int) and isinstance(st.get("index"), int))
        if ok:
            book.atts[doc["jti"]] = {"sid": w["sid"], "list": st["list"], "index": st["index"],
                                     "revoke": None, "trial": trial}
    elif op.kind == "decide":
        ok = (status == 201 and isinstance(doc, dict) and
              str(doc.get("id", "")).startswith("dec_"))
        if ok:
            book.decisions[doc["id"]] = doc
    elif op.kind == "revoke":
        ok = (status == 200 and isinstance(doc, dict) and doc.get("jti") == w["jti"] and
              doc.get("state") == "revoked")
        book.atts[w["jti"]]["revoke"] = "acked" if ok else None
    elif op.kind == "object":
        ok = (status == 201 and isinstance(doc, dict) and doc.get("record_id") == w["rid"] and
              doc.get("status") == "open" and
              (doc.get("record") or {}).get("status") == "disputed")
        if ok:
            book.objections[doc["id"]] = {"rid": w["rid"], "sid": book.records[w["rid"]]["sid"],
                                          "status": "open", "outcome": None, "action": None,
                                          "busy": False}
        book.records[w["rid"]]["busy"] = False
    elif op.kind == "resolve":
        o = book.objections[w["oid"]]
        want_rec = "revoked" if w["action"] == "revoke" else "active"
        ok = (status == 200 and isinstance(doc, dict) and doc.get("status") == "resolved" and
              doc.get("outcome") == w["outcome"] and doc.get("action") == w["action"] and
              (doc.get("record") or {}).get("status") == want_rec)
        if ok:
            o.update(status="resolved", outcome=w["outcome"], action=w["action"])
        o["busy"] = book.records[o["rid"]]["busy"] = False
    elif op.kind == "repair":
        ok = (status == 201 and isinstance(doc, dict) and doc.get("record_id") == w["rid"] and
              doc.get("status") == "pending" and str(doc.get("id", "")).startswith("rp_"))
        if ok:
            book.repairs[doc["id"]] = {"rid": w["rid"], "sid": book.records[w["rid"]]["sid"],
                                       "status": "pending", "busy": False}
        book.records[w["rid"]]["busy"] = False
    else:  # decide_repair
        p = book.repairs[w["pid"]]
        want_rec = "repaired" if w["decision"] == "approved" else "active"
        ok = (status == 200 and isinstance(doc, dict) and doc.get("status") == w["decision"] and
              (doc.get("record") or {"status": "active"}).get("status") == want_rec)
        if ok:
            p["status"] = w["decision"]
        p["busy"] = book.records[p["rid"]]["busy"] = False
    op.state = "acked" if ok else "error"
    if not ok:
        op.detail = f"{op.kind} {op.method} {op.path}: {status} {raw[:300]!r}"


def worker(env, book, seed, trial, tokens, sids):
    rng = random.Random(seed)
    try:
        c = Client("127.0.0.1", env.port, timeout=20)
    except (OSError, H2ClientError):
        return
    try:
        while True:
            with book.lock:
                op = make_op(book, rng, trial, tokens, sids)
                op.state = "sent"
                if op.kind == "ingest":
                    op.what["batch"].state = "sent"
                book.ops.append(op)
            try:
                status, doc, raw = call(c, op.token, op.method, op.path, op.body, op.ctype)
            except (OSError, H2ClientError, h2.exceptions.ProtocolError):
                return  # the kill: op stays "sent", in flight
            with book.lock:
                on_answer(book, op, trial, status, doc, raw)
                if op.state == "acked":
                    book.first_ack.set()
                else:
                    return
    finally:
        c.close()


# ---------------------------------------------------------------- one trial

def setup_trial(env, book, trial, tokens, sids):
    """The acknowledged set-up of a trial (server up, no kill): problems."""
    problems = []
    ops = []
    with book.lock:
        for sid in sids:
            b = Batch(book, trial, [sid], ["B01", "N06", "N06", "N01", "P01"])
            book.batches.append(b)
            for dn, _, _ in b.records:
                book.posted[dn] = b
            b.state = "sent"
            ops.append(Op("ingest", tokens["provider"], "POST", "/v1/records", b.body,
                          "application/x-ndjson", batch=b))
    with Client("127.0.0.1", env.port, timeout=30) as c:
        def run(op):
            status, doc, raw = call(c, op.token, op.method, op.path, op.body, op.ctype)
            with book.lock:
                on_answer(book, op, trial, status, doc, raw)
            if op.state != "acked":
                problems.append(f"set-up: {op.detail}")
            return op.state == "acked"

        for op in ops:
            run(op)
        for op, sid in zip(ops, sids):
            if op.state != "acked":
                continue
            b = op.what["batch"]
            ids = {rec["code"]: b.ids[dn] for dn, rec, _ in b.records}  # the last N06
            tok = book.merchants[sid]["token"]
            run(Op("object", tok, "POST", "/v1/me/objections",
                   {"record_id": ids["N01"], "reason": "处罚事实有误，申请复核"}, rid=ids["N01"]))
            run(Op("repair", tok, "POST", "/v1/me/repairs",
                   {"record_id": ids["N06"], "commitment": "已整改并履行全部义务",
                    "evidence": ["缴款凭证"]}, rid=ids["N06"]))
            run(Op("issue", tokens["fi"], "POST", f"/v1/subjects/{sid}/attestations",
                   {"purpose": "loan_approval", "disclose": ["score", "grade", "as_of"],
                    "validity_days": 30}, sid=sid))
    return problems, 4 * len(sids)


def traffic_and_kill(env, book, rng, trial, tokens, sids):
    """WORKERS threads of mixed writes; SIGKILL 0..KILL_MAX_S after the first acknowledged
    one.  Returns (kill delay in s or None when no write was acknowledged in time, exit)."""
    book.ops = []
    book.first_ack.clear()
    threads = [threading.Thread(target=worker, daemon=True,
                                args=(env, book, rng.getrandbits(32), trial, tokens, sids))
               for _ in range(WORKERS)]
    delay = rng.uniform(0, KILL_MAX_S)
    for t in threads:
        t.start()
    got = book.first_ack.wait(FIRST_ACK_S)
    if got:
        time.sleep(delay)
    rc = env.kill9()
    for t in threads:
        t.join(30)
    return (delay if got else None), rc


def settle_listing(book, kind, sid, listed, inflight, problems):
    """Check the subject's listed objections / repairs against the book; adopt the in-flight
    filings that are listed and settle in-flight resolutions / decisions from the listing."""
    known = book.objections if kind == "objection" else book.repairs
    seen = {}
    for item in listed:
        seen[item["id"]] = item
    for oid, o in known.items():
        if o["sid"] != sid:
            continue
        it = seen.get(oid)
        if it is None:
            problems.append(f"acknowledged {kind} {oid} (record {o['rid']}) is not listed")
            continue
        fly = inflight.get(oid)
        if kind == "objection":
            got = (it["record_id"], it["status"], it["outcome"], it["action"])
            want = (o["rid"], o["status"], o["outcome"], o["action"])
            alt = (o["rid"], "resolved", fly.what["outcome"], fly.what["action"]) if fly else None
        else:
            got, want = (it["record_id"], it["status"]), (o["rid"], o["status"])
            alt = (o["rid"], fly.what["decision"]) if fly else None
        if got == alt:  # the in-flight resolution / decision was committed
            if kind == "objection":
                o.update(status="resolved", outcome=alt[2], action=alt[3])
            else:
                o["status"] = alt[1]
        elif got != want:
            problems.append(f"{kind} {oid}: listed {got}, expected {want}"
                            + (f" or {alt}" if alt else ""))
        o["busy"] = False
    for oid in sorted(set(seen) - set(known)):
        it = seen[oid]
        fly = inflight.get(("file", it["record_id"]))
        want = "open" if kind == "objection" else "pending"
        if fly is None or it["status"] != want:
            problems.append(f"{kind} {oid} on record {it['record_id']} ({it['status']}) was "
                            f"neither acknowledged nor in flight")
            continue
        del inflight[("file", it["record_id"])]
        if kind == "objection":
            known[oid] = {"rid": it["record_id"], "sid": sid, "status": "open",
                          "outcome": None, "action": None, "busy": False}
        else:
            known[oid] = {"rid": it["record_id"], "sid": sid, "status": "pending",
                          "busy": False}


def check_records(env, book, sids, cli):
    """@cli: sid -> `yrdcredit records` listing.  Batches whole or absent, acknowledged records
    with their fields, ids and statuses.  Returns problems."""
    problems = []
    seen = {}
    for sid in sids:
        for r in cli.get(sid, []):
            dn = r.get("decision_no")
            if dn in seen:
                problems.append(f"{dn} listed twice")
            seen[dn] = r
            b = book.posted.get(dn)
            if b is None:
                problems.append(f"{dn} (record {r.get('record_id')}) was never posted")
    for b in book.batches:
        if b.state not in ("acked", "sent", "whole") or all(
                s not in sids for _, _, s in b.records):
            continue
        n = sum(dn in seen for dn, _, _ in b.records)
        if b.state == "whole" and n != len(b.records):
            problems.append(f"batch {b.records[0][0]}.. found whole before, now {n} of "
                            f"{len(b.records)} records")
        elif b.state == "sent":
            if n == len(b.records):
                b.state = "whole"
                for dn, rec, sid in b.records:
                    rid = seen[dn]["record_id"]
                    b.ids[dn] = rid
                    book.records[rid] = {"dn": dn, "rec": rec, "sid": sid, "busy": False,
                                         "trial": int(dn[5:8])}
            elif n == 0:
                b.state = "absent"
            else:
                problems.append(f"in-flight batch {b.records[0][0]}..: {n} of "
                                f"{len(b.records)} records present - half-written")
                b.state = "error"
        elif n != len(b.records):
            problems += [f"acknowledged {dn} is missing" for dn, _, _ in b.records
                         if dn not in seen]
    for rid, r in book.records.items():
        if r["sid"] not in sids:
            continue
        got = seen.get(r["dn"])
        if got is None:
            continue  # reported above
        if got["record_id"] != rid:
            problems.append(f"{r['dn']}: record_id {got['record_id']}, acknowledged {rid}")
        diff = [k for k, v in r["rec"].items() if got.get(k) != v]
        if diff:
            problems.append(f"{r['dn']}: fields {diff} differ from the posted ones")
        want = book.status_of(rid)
        if got.get("status") != want:
            problems.append(f"record {rid} ({r['dn']}, {r['rec']['code']}): status "
                            f"{got.get('status')}, the acknowledged writes make it {want}")
    for b in book.batches:
        if b.state == "absent":
            problems += [f"{dn} of an absent batch is listed" for dn, _, _ in b.records
                         if dn in seen]
    return problems


def score_view(doc, names):
    """What a recomputation must reproduce: score, grade, changes_on, reasons by 文书号."""
    return (doc.get("score"), doc.get("grade"), doc.get("changes_on"),
            [(names.get(r.get("record_id")), r.get("code"), r.get("points_milli"),
              r.get("disputed")) for r in doc.get("reasons", [])])


def fresh_scores(env, sids, cli, tag, fresh):
    """Import the listed records (with their statuses) of @sids into the fresh data dir @fresh
    (where none of them is yet: a stored disputed, repaired or revoked record keeps its status
    when sent again as active) and score them there: {sid: (parsed score, record_id ->
    decision_no)}, problems."""
    keys = ("subject_type", "subject_id", "name", "code", "decision_no", "decision_date",
            "authority_name", "authority_uscc", "legal_basis", "amount", "status")
    path = os.path.join(env.tmp, f"fresh-{tag}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for sid in sids:
            for r in cli.get(sid, []):
                f.write(json.dumps({k: r[k] for k in keys if r.get(k) is not None},
                                   ensure_ascii=False) + "\n")
    out, problems = {}, []
    rc, _, err = env.run_cli("import", path, data=fresh)
    if rc != 0:
        return out, [f"fresh import: exit {rc}: {err[-300:]!r}"]
    for sid in sids:
        rc, sc, err = env.run_cli("score", sid, "--as-of", AS_OF, data=fresh)
        rc2, recs, _ = env.run_cli("records", sid, data=fresh)
        if rc != 0 or rc2 != 0:
            problems.append(f"fresh score {sid}: exit {rc}/{rc2} {err[-200:]!r}")
            continue
        out[sid] = (json.loads(sc), {r["record_id"]: r["decision_no"]
                                     for r in json.loads(recs)})
    return out, problems


def check_scores(env, book, sids, cli, cli_scores, tag, fresh_dir):
    problems = []
    fresh, more = fresh_scores(env, sids, cli, tag, fresh_dir)
    problems += more
    with Client("127.0.0.1", env.port, timeout=30) as c:
        for sid in sids:
            names = {r["record_id"]: r["decision_no"] for r in cli.get(sid, [])}
            served = []
            for _ in range(2):  # the second answer comes from a worker's score cache
                status, doc, raw = call(c, TOKENS["admin"], "GET",
                                        f"/v1/subjects/{sid}/score?as_of={AS_OF}")
                served.append((status, raw))
            if served[0] != (200, cli_scores.get(sid)) or served[1] != served[0]:
                problems.append(f"{sid}: served score {served[0][0]} {served[0][1][:200]!r} / "
                                f"{served[1][1][:80]!r} differs from `yrdcredit score`: "
                                f"{(cli_scores.get(sid) or b'')[:200]!r}")
                continue
            if sid in fresh:
                f_doc, f_names = fresh[sid]
                got = score_view(json.loads(served[0][1]), names)
                want = score_view(f_doc, f_names)
                if got != want:
                    problems.append(f"{sid}: served {got} but recomputed from scratch {want}")
    return problems


def check_attestations(env, book, sids, inflight_issues):
    """Listing, states, status-list bits, (list, index) unique.  Problems."""
    problems = []
    listed = {}
    with Client("127.0.0.1", env.port, timeout=30) as c:
        for sid in sids:
            try:
                for r in paged(c, TOKENS["admin"], f"/v1/subjects/{sid}/attestations",
                               "attestations"):
                    if r["jti"] in listed:
                        problems.append(f"{r['jti']} listed twice")
                    listed[r["jti"]] = dict(r, sid=sid)
            except ValueError as e:
                problems.append(str(e))
        slots = {}
        for jti, r in listed.items():
            slot = (r["status"]["list"], r["status"]["index"])
            if slot in slots:
                problems.append(f"{jti} and {slots[slot]} share status-list slot {slot}")
            slots[slot] = jti
        unknown = [j for j in listed if j not in book.atts and j not in book.unacked]
        book.unacked.update(unknown)
        if len(unknown) > inflight_issues:
            problems.append(f"{len(unknown)} attestations listed unacknowledged, only "
                            f"{inflight_issues} issues were in flight: {unknown[:5]}")
        for jti, a in book.atts.items():
            if a["sid"] not in sids:
                continue
            r = listed.get(jti)
            if r is None:
                problems.append(f"acknowledged attestation {jti} of {a['sid']} is not listed")
                continue
            if (r["status"]["list"], r["status"]["index"]) != (a["list"], a["index"]):
                problems.append(f"{jti}: listed at {r['status']}, acknowledged at list "
                                f"{a['list']} index {a['index']}")
            if a["revoke"] == "sent":  # in flight at the kill: settled from the listing
                a["revoke"] = "acked" if r["state"] == "revoked" else None
            want = "revoked" if a["revoke"] == "acked" else "valid"
            if r["state"] != want:
                problems.append(f"{jti}: listed {r['state']}, expected {want}")
        lists = sorted({a["list"] for a in book.atts.values()})
        raw = {}
        for lid in lists:
            r = c.request("GET", f"/v1/status-lists/{lid}")
            try:
                _, payload, _ = r.body.decode().split(".")
                claims = json.loads(b64url_decode(payload))
                sl = claims["status_list"]
                if r.status != 200 or sl.get("bits") != 2 or \
                        claims.get("sub") != f"{ISSUER}/v1/status-lists/{lid}":
                    raise ValueError(f"status {r.status}, bits {sl.get('bits')}")
                raw[lid] = zlib.decompress(b64url_decode(sl["lst"]))
            except (ValueError, KeyError, TypeError, zlib.error) as e:
                problems.append(f"status list {lid}: {e!r}")
    for jti, a in book.atts.items():
        if a["revoke"] == "sent":
            continue  # subject not listed this trial: settled at the end
        lst = raw.get(a["list"])
        if lst is None:
            continue
        i = a["index"]
        got = (lst[i // 4] >> (2 * (i % 4))) & 3 if i // 4 < len(lst) else None
        want = 1 if a["revoke"] == "acked" else 0
        if got != want:
            problems.append(f"{jti}: status list {a['list']} index {i} is {got}, expected "
                            f"{want}")
    return problems


def check_decisions(env, ids, book):
    problems = []
    with Client("127.0.0.1", env.port, timeout=30) as c:
        for did in ids:
            status, doc, raw = call(c, TOKENS["admin"], "GET", f"/v1/decisions/{did}")
            if status != 200 or doc != book.decisions[did]:
                problems.append(f"GET /v1/decisions/{did}: {status} {raw[:200]!r} differs "
                                f"from its 201")
    return problems


TOKENS = {}


def offline(env, sids):
    """`yrdcredit records` and `yrdcredit score` of @sids: listings, score bytes, problems."""
    cli, scores, problems = {}, {}, []
    for sid in sids:
        rc, out, err = env.run_cli("records", sid)
        if rc == 0:
            cli[sid] = json.loads(out)
        else:
            problems.append(f"yrdcredit records {sid}: exit {rc} {err[-200:]!r}")
        rc, out, err = env.run_cli("score", sid, "--as-of", AS_OF)
        if rc == 0:
            scores[sid] = out.strip()
        else:
            problems.append(f"yrdcredit score {sid}: exit {rc} {err[-200:]!r}")
    return cli, scores, problems


def new_merchants(env, book, trial):
    sids = [uscc("91330782", f"MX{trial:03d}{k:03d}") for k in range(3)]
    for k, sid in enumerate(sids):
        book.merchants[sid] = {"name": f"义乌市混合崩溃试验{trial}号{k}商行有限公司",
                               "trial": trial,
                               "token": env.client("subject", f"mix-{trial}-{k}", "--subject",
                                                   sid)}
    return sids


def main():
    args = sys.argv[1:]
    trials = int(os.environ.get("YC_CRASH_MIXED_TRIALS") or 20)
    if "--trials" in args:
        i = args.index("--trials")
        trials = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3 or trials < 1 or trials > 999:
        bail("usage: test_crash_mixed.py YRDCREDIT YRDCREDITD SOURCE_ROOT [--trials N]")
    if shutil.which("mdb_stat") is None:
        bail("mdb_stat is not installed (lmdb-utils, scripts/deps.sh)")
    seed = int(os.environ.get("YC_CRASH_MIXED_SEED") or int.from_bytes(os.urandom(4), "little"))
    rng = random.Random(seed)
    tap = Tap()
    tap.comment(f"seed {seed} (repeat with YC_CRASH_MIXED_SEED={seed}); {trials} trials; "
                f"as_of {AS_OF}")
    env = Env(*args)
    book = Book()
    t0 = time.monotonic()
    checked = 0  # acknowledged writes whose effects were checked after a kill
    kinds = {}
    try:
        for d in (env.data, env.fresh):
            rc, _, err = env.run_cli("init", d, data=d)
            if rc != 0:
                bail(f"yrdcredit init: {err!r}")
        TOKENS["admin"] = env.client("admin", "mix-admin")
        TOKENS["provider"] = env.client("provider", "mix-provider", "--authority", AUTH_USCC)
        TOKENS["fi"] = env.client("fi", "mix-fi")
        sids = new_merchants(env, book, 1)
        why = env.start()
        if why is not None:
            bail(f"yrdcreditd did not start: {why}")
        for trial in range(1, trials + 1):
            name = f"trial {trial}"
            problems, n_setup = setup_trial(env, book, trial, TOKENS, sids)
            if not tap.ok(not problems, f"{name}: set-up acknowledged (3 batches, 3 objections, "
                          f"3 repair applications, 3 attestations)", problems):
                break
            delay, rc = traffic_and_kill(env, book, rng, trial, TOKENS, sids)
            ops = book.ops
            acked = [o for o in ops if o.state == "acked"]
            inflight = [o for o in ops if o.state == "sent"]
            errors = [o for o in ops if o.state == "error"]
            tap.ok(rc == -signal.SIGKILL and delay is not None and not errors,
                   f"{name}: SIGKILL {(delay or 0) * 1000:.0f} ms after the first acknowledged "
                   f"write; {len(acked)} writes acknowledged, {len(inflight)} in flight",
                   [f"exit status {rc}, delay {delay}"] + [o.detail for o in errors])
            for o in acked:
                kinds[o.kind] = kinds.get(o.kind, 0) + 1
            # offline, first openers after the crash
            entries, why = mdb_entries(env)
            tap.ok(why is None and entries.get("records", 0) >= sum(
                       1 for r in book.records.values()),
                   f"{name}: mdb_stat reads every database of the killed store "
                   f"({(entries or {}).get('records')} records)", [why or "too few records"])
            cli, cli_scores, problems = offline(env, sids)
            nxt = new_merchants(env, book, trial + 1) if trial < trials else []
            why = env.start()
            if not tap.ok(why is None, f"{name}: yrdcreditd restarts on the killed store"):
                tap.comment(why)
                tap.comment("\n".join(env.daemon_errors()))
                break
            # objections and repairs, settling what was in flight
            with book.lock:
                fly_obj, fly_rep = {}, {}
                for o in inflight:
                    if o.kind == "object":
                        fly_obj[("file", o.what["rid"])] = o
                    elif o.kind == "resolve":
                        fly_obj[o.what["oid"]] = o
                    elif o.kind == "repair":
                        fly_rep[("file", o.what["rid"])] = o
                    elif o.kind == "decide_repair":
                        fly_rep[o.what["pid"]] = o
                with Client("127.0.0.1", env.port, timeout=30) as c:
                    for sid in sids:
                        tok = book.merchants[sid]["token"]
                        try:
                            settle_listing(book, "objection", sid,
                                           paged(c, tok, "/v1/me/objections", "objections"),
                                           fly_obj, problems)
                            settle_listing(book, "repair", sid,
                                           paged(c, tok, "/v1/me/repairs", "repairs"),
                                           fly_rep, problems)
                        except ValueError as e:
                            problems.append(str(e))
                for r in book.records.values():
                    r["busy"] = False
                problems += check_records(env, book, sids, cli)
            tap.ok(not problems,
                   f"{name}: records (acknowledged present with fields, ids and statuses; "
                   f"in-flight batches whole or absent), objections and repairs as acknowledged",
                   problems)
            problems = check_scores(env, book, sids, cli, cli_scores, f"t{trial}", env.fresh)
            tap.ok(not problems, f"{name}: served scores equal `yrdcredit score` and a "
                   f"from-scratch recomputation in a fresh data dir", problems)
            att_sids = set(sids) | {book.atts[o.what["jti"]]["sid"] for o in ops
                                    if o.kind == "revoke"}
            n_fly_issue = sum(o.kind == "issue" for o in inflight)
            problems = check_attestations(env, book, sorted(att_sids), n_fly_issue)
            tap.ok(not problems, f"{name}: attestations listed with their acknowledged state, "
                   f"status-list bits match, no shared (list, index)", problems)
            problems = check_decisions(env, [k for k in book.decisions
                                             if k not in DONE_DECISIONS], book)
            DONE_DECISIONS.update(book.decisions)
            tap.ok(not problems, f"{name}: every acknowledged decision reads back as "
                   f"its 201", problems)
            checked += n_setup + len(acked)
            tap.comment(f"{name}: {len(ops)} writes: " + ", ".join(
                f"{k} {sum(o.kind == k and o.state == 'acked' for o in ops)}/"
                f"{sum(o.kind == k for o in ops)}" for k in sorted({o.kind for o in ops}))
                + f" acknowledged/sent; {len(inflight)} in flight "
                  f"({', '.join(sorted(o.kind for o in inflight))})")
            sids = nxt
        # everything once more, every merchant of every trial
        every = sorted(book.merchants)
        every = [s for s in every if any(r["sid"] == s for r in book.records.values())]
        cli, cli_scores, problems = offline(env, every)
        with Client("127.0.0.1", env.port, timeout=30) as c:
            for sid in every:
                tok = book.merchants[sid]["token"]
                try:
                    settle_listing(book, "objection", sid,
                                   paged(c, tok, "/v1/me/objections", "objections"), {},
                                   problems)
                    settle_listing(book, "repair", sid,
                                   paged(c, tok, "/v1/me/repairs", "repairs"), {}, problems)
                except ValueError as e:
                    problems.append(str(e))
        problems += check_records(env, book, every, cli)
        final = os.path.join(env.tmp, "fresh-final")  # every merchant again: a new fresh dir
        rc, _, err = env.run_cli("init", final, data=final)
        problems += [f"yrdcredit init {final}: {err!r}"] if rc else []
        problems += check_scores(env, book, every, cli, cli_scores, "final", final)
        problems += check_attestations(env, book, every, 10 ** 6)
        problems += check_decisions(env, sorted(book.decisions), book)
        tap.ok(not problems, f"at the end: all {len(every)} merchants' records, statuses, "
               f"objections, repairs and scores, {len(book.atts)} attestations and "
               f"{len(book.decisions)} decisions as acknowledged", problems)
        rc = env.stop()
        tap.ok(rc == 0, f"SIGTERM after the last restart: exit status 0 (got {rc})")
        bad = env.daemon_errors()
        tap.ok(not bad, "no daemon wrote anything to stderr but its start line and access "
               "log (no sanitizer report)", bad)
        tap.comment("acknowledged traffic writes by kind: " + ", ".join(
            f"{k} {v}" for k, v in sorted(kinds.items())))
        tap.comment(f"{time.monotonic() - t0:.1f} s")
    finally:
        env.cleanup()
        tap.comment(f"crash: {trials} trials, {tap.failures} invariant failures, {checked} "
                    f"acknowledged writes checked")
    return tap.done()


DONE_DECISIONS = set()

if __name__ == "__main__":
    sys.exit(main())
