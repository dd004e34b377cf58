#!/usr/bin/python3
"""Issue 6 item 4 end to end: the self-service routes of a subject client (GET /v1/me,
/v1/me/score, /v1/me/records, POST /v1/me/attestations) against the real yrdcreditd over h2c
(python3-h2), with "auth": {"required": true} in DATA/config.json.

Data: a merchant M1 with B01, N06 (repairable from its decision date), N04 (repairable from its
pub_min_end, one year after the decision) and N11 (失信被执行人: not repairable); a natural
person P with one N03; another merchant M2.  The server's wall clock is frozen by Debian's
libfaketime at T0 = 2027-06-15 12:00:00 UTC, so that every score is exact:
  M1 at T0: 700 - 50 (N06) - 150 (N04, before its fade) - 200 (N11) = 300, grade D (N11 gate);
  if N06 were repaired 350, if N04 were repaired 450; N11 none;
  P at T0: 600 + N03's linear fade (-40 points from 2027-06-01 to 2028-03-01, truncated).
Checks: the exact bodies of /v1/me (merchant: USCC and name; person: the pseudonym only, never
the document number or the name), the score with repair_from / score_if_repaired /
repair_unavailable exactly, equal to getSubjectScore plus those members; the records equal to
listSubjectRecords; an attestation at the subject's own request verifies; 401 without a token,
403 for an admin (no subject) and by the table for other roles; 404 for a subject without
records; own reads not in the subject's query log.  TAP.
usage: test_me.py YRDCREDIT YRDCREDITD SOURCE_ROOT
"""
import datetime
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CLI, DAEMON, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from h2client import Client  # noqa: E402

os.environ["YRDCREDIT_ETC"] = os.path.join(SRC, "etc")
PROBLEM = "urn:yrdcredit:problem:"
LIBFT = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
JSON_CT = [("content-type", "application/json")]
T0 = "2027-06-15 12:00:00"
# N04's maximum publication period (3 years) ends 2030-01-10, N06's 2030-02-01, N11's
# 2028-12-01, P's N03's (1 year) 2028-03-01; B01 has none.  T2A is the last second of
# 2030-01-10 in Asia/Shanghai (UTC+8), T2 the first of 2030-01-11.
T2A = "2030-01-10 15:59:59"
T2 = "2030-01-10 16:00:00"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AUTH_USCC = "11330782MB1A07019X"
PERSON_DOC = "330782199001011236"
PERSON_NAME = "测试甲"

n_tests = 0
n_failed = 0


def check(cond, name, diag=None):
    global n_tests, n_failed
    n_tests += 1
    print(f"{'ok' if cond else 'not ok'} {n_tests} - {name}")
    if not cond:
        n_failed += 1
        if diag is not None:
            for line in str(diag).splitlines():
                print(f"# {line}")
    sys.stdout.flush()


def eq(got, want, name):
    check(got == want, name, f"got  {got!r}\nwant {want!r}")


def bail(msg):
    print(f"Bail out! {msg}")
    sys.stdout.flush()
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, check=False, **kw)


def make_uscc(seed):
    """A valid 统一社会信用代码 (GB 32100-2015 and GB 11714 checks) derived from seed."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:8]
    org = sum(int(c) * w for c, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2)))
    c = 11 - org % 11
    body = "91330782" + digits + ("X" if c == 10 else "0" if c == 11 else str(c))
    s = sum(USCC_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    return body + USCC_ALPHABET[(31 - s % 31) % 31]


def id_check(body17):
    """GB 11643-1999 check character of a 17-digit body."""
    w = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * k for c, k in zip(body17, w)) % 11]


M1, M2, NONE = make_uscc("d7-m1"), make_uscc("d7-m2"), make_uscc("d7-none")
PERSON_DOC = PERSON_DOC[:17] + id_check(PERSON_DOC[:17])


def rec(sid, code, date, n, **over):
    r = {"subject_type": "legal_person", "subject_id": sid, "name": f"义乌市测试{n}贸易有限公司",
         "code": code, "decision_no": f"义测〔2027〕第{n}号", "decision_date": date,
         "authority_name": "义乌市市场监督管理局", "authority_uscc": AUTH_USCC,
         "legal_basis": "《测试条例》"}
    r.update(over)
    return r


RECORDS = [
    rec(M1, "B01", "2024-01-10", 1),
    rec(M1, "N06", "2027-02-01", 2),
    rec(M1, "N04", "2027-01-10", 3),
    rec(M1, "N11", "2026-12-01", 4),
    rec(M2, "N06", "2027-02-01", 5, name="义乌市另一测试贸易有限公司"),
    {"subject_type": "natural_person", "doc_type": "resident_id", "doc_number": PERSON_DOC,
     "name": PERSON_NAME, "code": "N03", "decision_no": "义测罚〔2027〕第6号",
     "decision_date": "2027-03-01", "authority_name": "义乌市市场监督管理局",
     "authority_uscc": AUTH_USCC, "legal_basis": "《测试条例》"},
]


class Server:
    """yrdcreditd on h2c with its wall clock frozen at `at` ("YYYY-MM-DD HH:MM:SS" UTC)."""

    def __init__(self, data, tmp, at, workers=2):
        self.data, self.tmp = data, tmp
        self.port = free_port()
        env = dict(os.environ, LD_PRELOAD=LIBFT, TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1",
                   FAKETIME_NO_CACHE="1", FAKETIME=at,
                   ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                                 ":verify_asan_link_order=0").lstrip(":"))
        self.err = open(os.path.join(tmp, f"daemon.{self.port}.err"), "wb")
        self.proc = subprocess.Popen(
            [DAEMON, "--data", data, "--h2c-listen", f"127.0.0.1:{self.port}", "--listen", "off",
             "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=self.err, env=env)
        for _ in range(150):
            if self.proc.poll() is not None:
                break
            try:
                if self.req("GET", "/healthz")[0] == 200:
                    return
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            time.sleep(0.1)
        bail(f"yrdcreditd did not answer /healthz (see {self.err.name})")

    def req(self, method, path, token=None, body=None):
        hdrs = []
        if token is not None:
            hdrs.append(("authorization", f"Bearer {token}"))
        raw = b""
        if body is not None:
            hdrs += JSON_CT
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with Client("127.0.0.1", self.port, timeout=10) as c:
            r = c.request(method, path, hdrs, raw)
        parsed = None
        if r.body:
            try:
                parsed = json.loads(r.body)
            except ValueError:
                parsed = None
        return r.status, parsed, r

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def client(data, role, name, subject=None):
    args = [CLI, "--data", data, "clients", "add", "--role", role, "--name", name]
    if subject is not None:
        args += ["--subject", subject]
    p = run(args)
    if p.returncode != 0 or len(p.stdout.strip().splitlines()) != 1:
        bail(f"clients add {role}: {p.returncode} {p.stderr}")
    tok = p.stdout.strip()
    listing = json.loads(run([CLI, "--data", data, "clients", "list", "--json"]).stdout)
    cid = [c["id"] for c in listing if c["name"] == name][0]
    return tok, cid


def days(a, b):
    return (datetime.date.fromisoformat(b) - datetime.date.fromisoformat(a)).days


def setup(tmp):
    data = os.path.join(tmp, "data")
    p = run([CLI, "init", data])
    if p.returncode != 0:
        bail(f"init: {p.stderr}")
    cfg_path = os.path.join(data, "config.json")
    with open(cfg_path, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["auth"] = {"required": True}
    with open(cfg_path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False, indent=2)
    src = os.path.join(tmp, "records.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for r in RECORDS:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    # the importer refuses decision dates after its today: it runs at T0 too
    p = run([CLI, "--data", data, "import", src],
            env=dict(os.environ, LD_PRELOAD=LIBFT, TZ="UTC", FAKETIME=T0,
                     ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                                   ":verify_asan_link_order=0").lstrip(":")))
    if p.returncode != 0:
        bail(f"import: {p.stdout} {p.stderr}")
    return data


def pseudonym(data):
    p = subprocess.run([CLI, "--data", data, "lookup", "--doc-type", "resident_id", "-"],
                       input=PERSON_DOC, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        bail(f"lookup: {p.stderr}")
    return p.stdout.strip()


def main():
    print("TAP version 13")
    tmp = tempfile.mkdtemp(prefix="yc_me_")
    srv = None
    try:
        data = setup(tmp)
        pid = pseudonym(data)
        check(pid.startswith("P") and len(pid) == 33, "the person's pseudonym", pid)
        admin, admin_id = client(data, "admin", "d-admin")
        fi, _ = client(data, "fi", "d-bank")
        m1, m1_id = client(data, "subject", "d-m1", M1)
        person, person_id = client(data, "subject", "d-person", pid)
        nobody, nobody_id = client(data, "subject", "d-none", NONE)
        srv = Server(data, tmp, T0)
        run_checks(srv, data, admin, admin_id, fi, m1, m1_id, person, person_id, pid, nobody,
                   nobody_id)
        srv.stop()
        srv = Server(data, tmp, T2A)
        st, b, _ = srv.req("GET", "/v1/me/records", m1)
        eq((st, {x["code"]: x["status"] for x in b["records"]}),
           (200, {"B01": "active", "N06": "active", "N04": "active", "N11": "expired"}),
           "regression of issue 6: on 2030-01-10 (Asia/Shanghai), N04's last day, it is still "
           "active; N11 (ended 2028-12-01) expired")
        srv.stop()
        srv = Server(data, tmp, T2)
        expired_checks(srv, admin, m1, m1_id, person)
        srv.stop()
        srv = Server(data, tmp, T0)
        st, b, _ = srv.req("GET", "/v1/me/records", m1)
        eq((st, {x["code"]: x["status"] for x in b["records"]}),
           (200, {"B01": "active", "N06": "active", "N04": "active", "N11": "active"}),
           "regression of issue 6: back at T0 N04 and N11 are active again (expired is derived, "
           "not written)")
    finally:
        if srv is not None:
            srv.stop()
            with open(srv.err.name, "rb") as f:
                log = f.read()
            check(PERSON_DOC.encode() not in log and PERSON_NAME.encode() not in log,
                  "the server's log holds neither the document number nor the name")
            check(b"AddressSanitizer" not in log and b"runtime error" not in log,
                  "no sanitizer report on the server's stderr", log[-2000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{n_tests}")
    sys.exit(1 if n_failed else 0)


def run_checks(srv, data, admin, admin_id, fi, m1, m1_id, person, person_id, pid, nobody,
               nobody_id):
    # ---- GET /v1/me
    st, b, _ = srv.req("GET", "/v1/me", m1)
    eq((st, b), (200, {"client_id": m1_id, "subject_id": M1, "subject_type": "legal_person",
                       "known": True, "uscc": M1, "name": "义乌市测试4贸易有限公司",
                       "records": {"total": 4, "active": 4, "disputed": 0, "repaired": 0,
                                   "expired": 0, "revoked": 0},
                       "repairs_pending": 0}), "GET /v1/me (merchant): exact body")
    st, b, r = srv.req("GET", "/v1/me", person)
    eq((st, b), (200, {"client_id": person_id, "subject_id": pid, "subject_type": "natural_person",
                       "known": True, "uscc": None, "name": None,
                       "records": {"total": 1, "active": 1, "disputed": 0, "repaired": 0,
                                   "expired": 0, "revoked": 0},
                       "repairs_pending": 0}), "GET /v1/me (person): the pseudonym only")
    check(PERSON_DOC.encode() not in r.body and PERSON_NAME.encode() not in r.body,
          "GET /v1/me (person): neither document number nor name in the body")
    st, b, _ = srv.req("GET", "/v1/me", nobody)
    eq((st, b["known"], b["subject_type"], b["records"]["total"], b["uscc"]),
       (200, False, None, 0, NONE), "GET /v1/me of a subject without records: known false")
    st, b, r = srv.req("GET", "/v1/me")
    eq((st, b["type"], r.header("www-authenticate")), (401, PROBLEM + "unauthorized", "Bearer"),
       "GET /v1/me without a token: 401")
    st, b, r = srv.req("GET", "/v1/me", admin)
    eq((st, b["type"], r.header("www-authenticate")),
       (403, PROBLEM + "forbidden", 'Bearer error="insufficient_scope"'),
       "GET /v1/me as admin (binds no subject): 403")
    st, b, _ = srv.req("GET", "/v1/me", fi)
    eq((st, b["type"]), (403, PROBLEM + "forbidden"), "GET /v1/me as fi: 403 (table)")
    st, b, _ = srv.req("GET", "/v1/me?x=1", m1)
    eq((st, b["field"]), (400, "x"), "GET /v1/me?x=1: 400 naming the parameter x")
    st, b, r = srv.req("POST", "/v1/me", m1, body={})
    eq((st, r.header("allow")), (405, "GET, HEAD"), "POST /v1/me: 405")

    # ---- GET /v1/me/score: the score of getSubjectScore plus the repair members
    st, mine, _ = srv.req("GET", "/v1/me/score", m1)
    st2, theirs, _ = srv.req("GET", f"/v1/subjects/{M1}/score", admin)
    eq((st, st2), (200, 200), "GET /v1/me/score and the admin's getSubjectScore: 200")
    eq((mine["score"], mine["grade"], mine["as_of"]), (300, "D", "2027-06-15"),
       "M1 at T0: 700 - 50 - 150 - 200 = 300, grade D")
    extra = {"N06": ("2027-02-01", 350, None), "N04": ("2028-01-10", 450, None),
             "N11": (None, None, "失信被执行人: removed by the court on performance, not by "
                     "credit repair")}
    got = {x["code"]: (x.get("repair_from"), x.get("score_if_repaired"),
                       x.get("repair_unavailable")) for x in mine["reasons"]}
    eq(got, extra, "repair_from, score_if_repaired, repair_unavailable of every reason")
    stripped = json.loads(json.dumps(mine))
    for x in stripped["reasons"]:
        for k in ("repair_from", "score_if_repaired", "repair_unavailable"):
            x.pop(k, None)
    eq(stripped, theirs, "/v1/me/score without the repair members == getSubjectScore")
    eq([(x["code"], x["points_milli"], x["repairable_from"]) for x in mine["reasons"]],
       [("N04", -150000, "2028-01-10"), ("N06", -50000, "2027-02-01"), ("N11", -200000, None)],
       "reasons: code, points and repairable_from")
    st, b, _ = srv.req("GET", "/v1/me/score?as_of=2028-01-10", m1)
    eq((st, b["score"], {x["code"]: x["score_if_repaired"] for x in b["reasons"]}),
       (200, 300, {"N06": 350, "N04": 450, "N11": None}),
       "as_of=2028-01-10 (N04's fade starts): 300, N04 if repaired 450")
    st, b, _ = srv.req("GET", "/v1/me/score?as_of=2027-13-01", m1)
    eq((st, b["field"]), (400, "as_of"), "as_of=2027-13-01: 400 as_of")
    # the person: 600 + the N03 fade, truncated toward zero (score.h)
    fade = -((40000 * days(T0[:10], "2028-03-01")) // days("2027-06-01", "2028-03-01"))
    want = (600000 + fade + 500) // 1000  # a positive total: half away from zero = half up
    st, b, r = srv.req("GET", "/v1/me/score", person)
    eq((st, b["score"], b["reasons"][0]["points_milli"], b["reasons"][0]["repair_from"],
        b["reasons"][0]["score_if_repaired"]),
       (200, want, fade, "2027-06-01", 600), "GET /v1/me/score (person): exact fade and 600 if "
       "repaired")
    check(PERSON_DOC.encode() not in r.body, "the person's score names no document number")
    st, b, _ = srv.req("GET", "/v1/me/score", nobody)
    eq((st, b["type"], b["field"]), (404, PROBLEM + "unknown-subject", "subject_id"),
       "GET /v1/me/score of a subject without records: 404")
    st, b, _ = srv.req("GET", "/v1/me/score", admin)
    eq(st, 403, "GET /v1/me/score as admin: 403")

    # ---- GET /v1/me/records == listSubjectRecords
    st, mine, _ = srv.req("GET", "/v1/me/records?limit=2", m1)
    st2, theirs, _ = srv.req("GET", f"/v1/subjects/{M1}/records?limit=2", admin)
    eq((st, mine), (st2, theirs), "GET /v1/me/records?limit=2 == listSubjectRecords")
    eq(([x["code"] for x in mine["records"]], mine["next_cursor"] is not None),
       (["N11", "N04"], True), "newest first, paged")
    st, page2, _ = srv.req("GET", f"/v1/me/records?cursor={mine['next_cursor']}", m1)
    eq((st, [x["code"] for x in page2["records"]], page2["next_cursor"]),
       (200, ["N06", "B01"], None), "second page")
    st, b, _ = srv.req("GET", "/v1/me/records?limit=101", m1)
    eq((st, b["field"]), (400, "limit"), "limit=101: 400")
    st, b, _ = srv.req("GET", "/v1/me/records?limit=100", m1)
    eq((st, len(b["records"])), (200, 4), "limit=100: 200")
    st, b, r = srv.req("GET", "/v1/me/records", person)
    eq((st, b["subject_id"], [x["code"] for x in b["records"]]), (200, pid, ["N03"]),
       "GET /v1/me/records (person)")
    check(PERSON_DOC.encode() not in r.body and PERSON_NAME.encode() not in r.body,
          "the person's records name neither document number nor name")
    st, b, _ = srv.req("GET", "/v1/me/records", nobody)
    eq(st, 404, "GET /v1/me/records of a subject without records: 404")

    # ---- POST /v1/me/attestations
    st, b, _ = srv.req("POST", "/v1/me/attestations", m1, body={})
    eq(st, 201, "POST /v1/me/attestations: 201")
    token = b["token"] if st == 201 else ""
    st, v, _ = srv.req("POST", "/v1/attestations/verify", None, body={"token": token})
    eq((st, v.get("valid"), v.get("claims", {}).get("sub")), (200, True, M1),
       "the subject's own attestation verifies, sub = M1")
    st, b, _ = srv.req("POST", "/v1/me/attestations", person, body={})
    eq(st, 201, "POST /v1/me/attestations (person, own request, no consent): 201")
    st, b, _ = srv.req("POST", "/v1/me/attestations", nobody, body={})
    eq(st, 404, "POST /v1/me/attestations of a subject without records: 404")
    st, b, _ = srv.req("POST", "/v1/me/attestations", admin, body={})
    eq(st, 403, "POST /v1/me/attestations as admin: 403")
    st, b, _ = srv.req("POST", "/v1/me/attestations", m1, body=b"{")
    eq((st, b["type"]), (400, PROBLEM + "malformed-json"), "malformed body: 400")

    # ---- own reads are not query-logged (item 3)
    st, b, _ = srv.req("GET", "/v1/me/queries", m1)
    if st == 200:
        who = sorted({q.get("client_id") for q in b.get("queries", [])})
        eq(who, [admin_id], "the query log holds the admin's reads, not the subject's own")
    else:
        check(False, "GET /v1/me/queries (engineer B's route) answers 200", f"status {st}")


def expired_checks(srv, admin, m1, m1_id, person):
    """Regression of issue 6 (breaker defect 4): at T2 a record stored active whose maximum
    publication period has ended is `expired` in the listings and the counts, and a repair or
    an objection on it is refused with 409 record_status expired."""
    st, b, _ = srv.req("GET", "/v1/me/records", m1)
    got = {x["code"]: (x["status"], x["pub_max_end"]) for x in b["records"]} if st == 200 else b
    eq((st, got), (200, {"B01": ("active", None), "N06": ("active", "2030-02-01"),
                         "N04": ("expired", "2030-01-10"), "N11": ("expired", "2028-12-01")}),
       "regression of issue 6: at T2 (2030-01-11 Asia/Shanghai) GET /v1/me/records lists N04 "
       "(pub_max_end 2030-01-10) and N11 expired, N06 and B01 active")
    n04 = [x["record_id"] for x in b["records"] if x["code"] == "N04"][0] if st == 200 else "0"
    st, b2, _ = srv.req("GET", f"/v1/subjects/{M1}/records", admin)
    eq((st, b2.get("records")), (200, b.get("records")),
       "regression of issue 6: at T2 listSubjectRecords equals /v1/me/records (N04 expired)")
    st, b, _ = srv.req("GET", "/v1/me", m1)
    eq((st, b["records"]), (200, {"total": 4, "active": 2, "disputed": 0, "repaired": 0,
                                  "expired": 2, "revoked": 0}),
       "regression of issue 6: at T2 GET /v1/me counts N04 and N11 as expired")
    st, b, _ = srv.req("GET", "/v1/me", person)
    eq((st, b["records"]), (200, {"total": 1, "active": 0, "disputed": 0, "repaired": 0,
                                  "expired": 1, "revoked": 0}),
       "regression of issue 6: at T2 the person's N03 (pub_max_end 2028-03-01) counts expired")
    st, b, _ = srv.req("POST", "/v1/me/repairs", m1,
                       body={"record_id": n04, "commitment": "已整改", "evidence": ["整改报告"]})
    eq((st, b["type"], b["field"], b.get("record_status"), b["detail"]),
       (409, PROBLEM + "repair-conflict", "record_id", "expired",
        "the record is expired: only an active record can be repaired"),
       "regression of issue 6: at T2 a repair of the expired N04: 409 record_status expired")
    st, b, _ = srv.req("POST", "/v1/me/objections", m1, body={"record_id": n04, "reason": "不对"})
    eq((st, b["field"], b.get("record_status")), (409, "record_id", "expired"),
       "regression of issue 6: at T2 an objection on the expired N04: 409 record_status expired")
    st, b, _ = srv.req("GET", "/v1/me/objections", m1)
    st2, b2, _ = srv.req("GET", "/v1/me/repairs", m1)
    eq((st, len(b.get("objections", [])), st2, len(b2.get("repairs", []))), (200, 0, 200, 0),
       "regression of issue 6: nothing was filed on the expired record")


if __name__ == "__main__":
    main()
