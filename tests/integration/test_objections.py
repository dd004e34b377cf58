#!/usr/bin/python3
"""Issue 6 item 5 (objections, 异议) and the provider side of item 8 end to end, against the
real yrdcreditd over h2c (python3-h2), with "auth": {"required": true} in DATA/config.json.

Clients: an admin; provider P1 bound to the tax bureau (the authority of the merchant's "tax
record", an N04), provider P3 bound to the emergency bureau (the "emergency record", an N04),
provider P2 bound to the market regulator (the "market record", an N03); subject clients of
the merchant 92330782MA2KDDUY4M and of a person of samples/ (its pseudonym from `yrdcredit
lookup`).  The server's wall clock is frozen by Debian's libfaketime at Monday 2026-01-19 10:00
Asia/Shanghai (T0), and the server is restarted at later instants to move time.  Every instant
is before 2026-03-06, when the tax record's maximum publication period ends: after it the
record is `expired` and an objection to it is refused (regression of issue 6: until the
breaker's report T0 was 2026-12-07, objecting to expired records).

Checks: the exact score (as_of 2026-01-15, when both N04s count; each also equal to `yrdcredit
score`) before filing, while disputed (the same number, the reason flagged `disputed`), after
an upheld revocation (recomputed without the record), after a rejection (back), after a
correction (recomputed with the corrected record); the record listing's status and the
`disputed_records` claim of a new attestation; the deadline (5 working days: Monday
2026-01-26) not overdue on the deadline day and overdue the day after (restarts under
faketime); every refusal (404 another subject's record, 409 an open objection or a revoked
record, 403 another provider, 409 a second resolution); the audit entries via `yrdcredit audit
--json` (exact action, actor, target, detail); durability across kill -9; POST /v1/records
refused with 403 /authority_uscc for another authority (nothing stored, also in an array);
POST /v1/records/{id}/revoke (200, 403, 404, 409, 400); the policy calendar (a filing before
the Spring Festival holidays), objections.deadline_working_days at 1, 60 and 61 and 0 (refused),
reasons at 1000 bytes and with a 14-digit run.
TAP.  usage: test_objections.py YRDCREDIT YRDCREDITD SOURCE_ROOT
"""
import base64
import calendar
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
MERCHANT = "92330782MA2KDDUY4M"  # a sample 个体工商户 (samples/), 6 records
PERSON_DOC = "330782196802154703"  # a 失信被执行人 of samples/yiwu-sxbzxr.jsonl
TAX = "11330782MB1A070519"  # 义乌市税务局: the tax record (N04)
EMERGENCY = "11330782MB1A07035K"  # 义乌市应急管理局: the emergency record (N04)
MARKET = "11330782MB1A07019X"  # 义乌市市场监督管理局: an N03, an N02, a B01
COURT = "11330782MB1A070781"  # 义乌市人民法院: the person's N11
LIBFT = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
JSON_CT = [("content-type", "application/json")]
# Monday 2026-01-19 10:00 in Asia/Shanghai (02:00 UTC)
T0 = calendar.timegm((2026, 1, 19, 2, 0, 0))
DAY = 86400
AS_OF = "2026-01-15"  # both N04s of the merchant count on this day

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


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def uscc(first16):
    """first16 + the GB 11714 check character of its organisation code (characters 9..16)
    + the GB 32100-2015 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    org = first16[8:16]
    val = lambda ch: int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10  # noqa: E731
    c = 11 - sum(val(ch) * w for ch, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    first17 = first16 + {10: "X", 11: "0"}.get(c, str(c))
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(ch) * w for ch, w in zip(first17, weights))
    return first17 + alphabet[(31 - total % 31) % 31]


NEW_CO = uscc("91330782MA2ABCDE")  # a company without records


def faketime_env(at):
    return dict(os.environ, LD_PRELOAD=LIBFT, TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1",
                FAKETIME_NO_CACHE="1",
                FAKETIME=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)),
                ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                              ":verify_asan_link_order=0").lstrip(":"))


class Server:
    """yrdcreditd with its wall clock frozen at `at` (unix seconds)."""

    def __init__(self, data, tmp, at):
        self.data, self.tmp = data, tmp
        self.port = free_port()
        self.err = open(os.path.join(tmp, f"daemon.{self.port}.err"), "wb")
        self.proc = subprocess.Popen(
            [DAEMON, "--data", data, "--h2c-listen", f"127.0.0.1:{self.port}", "--listen", "off",
             "--workers", "2"], stdout=subprocess.DEVNULL, stderr=self.err,
            env=faketime_env(at))
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

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def set_config(data, **members):
    path = os.path.join(data, "config.json")
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg.update(members)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f)


def add_client(data, role, name, *extra):
    p = run([CLI, "--data", data, "clients", "add", "--role", role, "--name", name, *extra])
    tok = p.stdout.strip()
    if p.returncode != 0 or not tok or "\n" in tok:
        bail(f"clients add {role}: {p.stderr}")
    lst = run([CLI, "--data", data, "clients", "list"])
    ids = [ln.split("\t")[0] for ln in lst.stdout.splitlines()
           if len(ln.split("\t")) > 3 and ln.split("\t")[3] == name]
    if len(ids) != 1:
        bail(f"clients list: no single client named {name}: {lst.stdout}")
    return tok, ids[0]


def make_data(tmp, name):
    data = os.path.join(tmp, name)
    # the signing key made by init is valid from its creation: make it before T0 (faketime)
    if run([CLI, "init", data], env=faketime_env(T0 - DAY)).returncode != 0:
        bail("yrdcredit init failed")
    sdir = os.path.join(SRC, "samples")
    files = sorted(os.path.join(sdir, f) for f in os.listdir(sdir)
                   if f.endswith((".csv", ".jsonl")))
    if run([CLI, "--data", data, "import", *files]).returncode != 0:
        bail("import of samples/ failed")
    set_config(data, auth={"required": True})
    return data


def audit(data):
    p = run([CLI, "--data", data, "audit", "--json", "--action", "objection_resolve",
             "--limit", "100"])
    if p.returncode != 0:
        return None
    return [(e["action"], e["actor"], e["target"], e["detail"], e["outcome"])
            for e in json.loads(p.stdout)]


def problem(got, status, kind, field=..., name=""):
    st, body, r = got
    ok = (st == status and body is not None and body.get("type") == PROBLEM + kind and
          r.header("content-type") == "application/problem+json" and
          (field is ... or body.get("field") == field))
    check(ok, f"{name}: {status} {kind}" + ("" if field is ... else f" field {field!r}"),
          f"status {st}, body {body!r}")
    return body


def main():
    if not os.path.exists(LIBFT):
        bail(f"{LIBFT} missing (package faketime, scripts/deps.sh)")
    tmp = tempfile.mkdtemp(prefix="yc-objections-")
    servers = []

    def start(data, at):
        s = Server(data, tmp, at)
        servers.append(s)
        return s

    try:
        data = make_data(tmp, "d")
        p = run([CLI, "--data", data, "lookup", "--doc-type", "resident_id", "-"],
                input=PERSON_DOC)
        person = p.stdout.strip() if p.returncode == 0 else ""
        if not person.startswith("P"):
            bail(f"yrdcredit lookup: {p.stdout} {p.stderr}")
        admin, admin_id = add_client(data, "admin", "Operator")
        p1, p1_id = add_client(data, "provider", "Tax bureau", "--authority", TAX)
        p2, p2_id = add_client(data, "provider", "Market regulator", "--authority", MARKET)
        p3, p3_id = add_client(data, "provider", "Emergency bureau", "--authority", EMERGENCY)
        subj_m, _ = add_client(data, "subject", "Merchant M", "--subject", MERCHANT)
        subj_p, _ = add_client(data, "subject", "Person P", "--subject", person)
        fi, _ = add_client(data, "fi", "Bank")

        srv = start(data, T0)
        # the merchant's records by authority (ids depend on the import order)
        st, b, _ = srv.req("GET", f"/v1/subjects/{MERCHANT}/records?limit=100", admin)
        by_auth = {}
        for x in (b["records"] if st == 200 else []):
            by_auth.setdefault((x["authority_uscc"], x["code"]), x["record_id"])
        r_tax, r_em = by_auth.get((TAX, "N04")), by_auth.get((EMERGENCY, "N04"))
        r_mkt, r_b01 = by_auth.get((MARKET, "N03")), by_auth.get((MARKET, "B01"))
        if None in (r_tax, r_em, r_mkt, r_b01):
            bail(f"the merchant's sample records changed: {sorted(by_auth)}")

        def score():
            """The API's score and reasons' disputed flags, checked against `yrdcredit score`
            on the same data dir (the store read directly, no cache)."""
            st, b, _ = srv.req("GET", f"/v1/subjects/{MERCHANT}/score?as_of={AS_OF}", admin)
            if st != 200:
                return None, {}
            p = run([CLI, "--data", data, "score", MERCHANT, "--as-of", AS_OF])
            cli = json.loads(p.stdout) if p.returncode == 0 else None
            eq(b["score"], cli["score"] if cli else None,
               f"  the API's score {b['score']} = `yrdcredit score`")
            return b["score"], {r["record_id"]: r["disputed"] for r in b["reasons"]}

        def record(rid, sid=MERCHANT):
            st, b, _ = srv.req("GET", f"/v1/subjects/{sid}/records?limit=100", admin)
            if st != 200:
                return None
            return next((r for r in b["records"] if r["record_id"] == rid), None)

        def disputed_claim():
            st, b, _ = srv.req("POST", f"/v1/subjects/{MERCHANT}/attestations", admin, {})
            if st != 201:
                return ("status", st, b)
            claims = json.loads(b64d(b["token"].split("~")[0].split(".")[1]))
            return claims.get("disputed_records")

        # ---- before filing ----
        s0, flags = score()
        eq(s0, 405, f"score of the merchant before any objection (as_of {AS_OF})")
        eq((flags.get(r_tax), flags.get(r_em)), (False, False), "no reason flagged disputed")
        eq(disputed_claim(), 0, "a new attestation: disputed_records 0")

        # ---- filing ----
        st, b, r = srv.req("POST", "/v1/me/objections", subj_m,
                           {"record_id": r_tax, "reason": "该税务处罚已被复议撤销"})
        eq(st, 201, "POST /v1/me/objections (the tax record): 201")
        ob1 = b["id"] if st == 201 else "ob_missing"
        eq(r.header("location"), f"/v1/objections/{ob1}", "location names the objection")
        eq(({k: b[k] for k in ("record_id", "subject_id", "authority_uscc", "status", "deadline",
                               "overdue", "outcome", "action", "resolution", "resolved_by",
                               "resolved_at", "filed_at")} if st == 201 else None),
           {"record_id": r_tax, "subject_id": MERCHANT, "authority_uscc": TAX, "status": "open",
            "deadline": "2026-01-26", "overdue": False, "outcome": None, "action": None,
            "resolution": None, "resolved_by": None, "resolved_at": None,
            "filed_at": "2026-01-19T02:00:00Z"},
           "the objection: open, deadline 5 working days later (Monday 2026-01-26)")
        eq((b["record"]["status"], b["record"]["version"]) if st == 201 else None,
           ("disputed", 2), "the record in the answer: disputed, version 2")
        s1, flags = score()
        eq(s1, s0, "while disputed: the same score (a disputed record still counts)")
        eq((flags.get(r_tax), flags.get(r_em)), (True, False),
           "while disputed: the tax record's reason flagged disputed, the emergency record's not")
        eq((record(r_tax) or {}).get("status"), "disputed",
           "record listing: the tax record disputed")
        eq(disputed_claim(), 1, "a new attestation: disputed_records 1")

        # ---- refusals of filing ----
        problem(srv.req("POST", "/v1/me/objections", subj_m, {"record_id": r_tax, "reason": "再"}),
                409, "objection-conflict", "record_id", "a second objection to the tax record")
        st, b, _ = srv.req("GET", f"/v1/subjects/{person}/records?limit=100", admin)
        person_rids = [x["record_id"] for x in b["records"]] if st == 200 else []
        n11 = next((x["record_id"] for x in (b["records"] if st == 200 else [])
                    if x["code"] == "N11"), "0")
        problem(srv.req("POST", "/v1/me/objections", subj_m, {"record_id": n11, "reason": "x"}),
                404, "unknown-record", "record_id", "the merchant objects to the person's record")
        problem(srv.req("POST", "/v1/me/objections", subj_p, {"record_id": r_em, "reason": "x"}),
                404, "unknown-record", "record_id", "the person objects to the merchant's record")
        problem(srv.req("POST", "/v1/me/objections", subj_m,
                        {"record_id": r_em, "reason": "身份证号330782196802154703"}),
                400, "invalid-field", "/reason", "a reason with an 18-digit number")
        for reason, what in (("身份证 330782-19680215-4703", "split by '-'"),
                             ("身份证 330782 196802 154", "15 digits split by spaces"),
                             ("身份证 ３３０７８２１９６８０２１５４７０３", "in full-width digits")):
            problem(srv.req("POST", "/v1/me/objections", subj_m,
                            {"record_id": r_em, "reason": reason}),
                    400, "invalid-field", "/reason",
                    f"regression of issue 6: a reason with a document number {what}")
        problem(srv.req("POST", "/v1/me/objections", subj_m,
                        {"record_id": r_em, "reason": "x" * 1001}),
                400, "invalid-field", "/reason", "a reason of 1001 bytes")
        problem(srv.req("POST", "/v1/me/objections", subj_m, {"record_id": r_em}),
                400, "invalid-field", "/reason", "no reason")
        problem(srv.req("POST", "/v1/me/objections", subj_m, {"reason": "x"}),
                400, "invalid-field", "/record_id", "no record_id")
        problem(srv.req("POST", "/v1/me/objections", subj_m,
                        {"record_id": r_em, "reason": "x", "extra": 1}),
                400, "invalid-field", "/extra", "an unknown member")
        problem(srv.req("POST", "/v1/me/objections", admin, {"record_id": r_em, "reason": "x"}),
                403, "forbidden", ..., "an admin binds no subject")
        problem(srv.req("POST", "/v1/me/objections", p1, {"record_id": r_em, "reason": "x"}),
                403, "forbidden", ..., "a provider may not file")
        eq((record(r_em) or {}).get("status"), "active",
           "after the refusals: the emergency record still active")

        # ---- the person files too ----
        st, b, _ = srv.req("POST", "/v1/me/objections", subj_p,
                           {"record_id": n11, "reason": "已全部履行"})
        eq((st, b["subject_id"] if st == 201 else None), (201, person),
           "the person objects to its N11 record: 201")
        ob_p = b["id"] if st == 201 else "ob_missing"
        eq((record(n11, person) or {}).get("status"), "disputed", "the person's N11 disputed")
        eq(len(person_rids) >= 1, True, "the person has records")

        # ---- lists ----
        st, b, _ = srv.req("GET", "/v1/me/objections", subj_m)
        eq((st, [(o["id"], o["status"]) for o in b["objections"]] if st == 200 else None,
            b.get("next_cursor") if st == 200 else 0),
           (200, [(ob1, "open")], None), "GET /v1/me/objections: the merchant's one objection")

        def listed(tok, q=""):
            st, b, _ = srv.req("GET", f"/v1/objections{q}", tok)
            return (st, sorted(o["id"] for o in b["objections"]) if st == 200 else b)

        eq(listed(admin, "?status=open"), (200, sorted([ob1, ob_p])), "admin: both open")
        eq(listed(p1, "?status=open"), (200, [ob1]), "P1 (tax): the objection on its record")
        eq(listed(p2), (200, []), "P2 (market regulator): none of its records")
        eq(listed(admin, "?status=overdue"), (200, []), "overdue at T0: none")
        eq(listed(admin, "?status=resolved"), (200, []), "resolved: none yet")
        problem(srv.req("GET", "/v1/objections?status=late", admin), 400, "invalid-parameter",
                "status", "status=late")
        problem(srv.req("GET", "/v1/objections", subj_m), 403, "forbidden", ..., "a subject")
        problem(srv.req("GET", "/v1/objections", fi), 403, "forbidden", ..., "an fi")

        # ---- deadline and overdue with the clock moved (kill -9 first: filings are durable) --
        srv.stop(signal.SIGKILL)
        srv = start(data, T0 + 7 * DAY)  # Monday 2026-01-26 10:00: the deadline day itself
        eq(listed(admin, "?status=open"), (200, sorted([ob1, ob_p])),
           "after kill -9 and a restart: both objections still open")
        eq((record(r_tax) or {}).get("status"), "disputed", "... and the record still disputed")
        eq(listed(admin, "?status=overdue"), (200, []), "on the deadline day: not overdue yet")
        srv.stop()
        srv = start(data, T0 + 8 * DAY)  # Tuesday 2026-01-27: 6 working days after filing
        eq(listed(admin, "?status=overdue"), (200, sorted([ob1, ob_p])),
           "6 working days later: status=overdue lists both")
        st, b, _ = srv.req("GET", "/v1/me/objections", subj_m)
        eq([(o["id"], o["overdue"]) for o in b["objections"]] if st == 200 else st,
           [(ob1, True)], "the subject sees its objection overdue")
        eq(listed(p1, "?status=overdue"), (200, [ob1]), "P1: its overdue one only")

        # ---- resolution: upheld, revoke ----
        problem(srv.req("POST", f"/v1/objections/{ob1}/resolve", p2,
                        {"outcome": "upheld", "action": "revoke"}),
                403, "forbidden", "id", "P2 resolves an objection on the tax bureau's record")
        problem(srv.req("POST", f"/v1/objections/{ob1}/resolve", subj_m,
                        {"outcome": "upheld", "action": "revoke"}),
                403, "forbidden", ..., "the subject resolves its own objection")
        problem(srv.req("POST", f"/v1/objections/{ob1}/resolve", p1, {"outcome": "upheld"}),
                400, "invalid-field", "/action", "upheld without an action")
        problem(srv.req("POST", f"/v1/objections/{ob1}/resolve", p1,
                        {"outcome": "rejected"}),
                400, "invalid-field", "/reason", "rejected without a reason")
        problem(srv.req("POST", f"/v1/objections/{ob1}/resolve", p1,
                        {"outcome": "maybe"}),
                400, "invalid-field", "/outcome", "an unknown outcome")
        problem(srv.req("POST", "/v1/objections/ob_AAAAAAAAAAAAAAAAAAAAAA/resolve", p1,
                        {"outcome": "upheld", "action": "revoke"}),
                404, "unknown-objection", "id", "an unknown objection")
        problem(srv.req("POST", "/v1/objections/nosuch/resolve", p1,
                        {"outcome": "upheld", "action": "revoke"}),
                400, "invalid-parameter", "id", "a malformed objection id")
        # regression of issue 6 (breaker2 defect 5): P2's refused resolve (403, another
        # authority) is audited, refused; the 400s, 404 and the subject's 403 by role are not
        eq(audit(data), [("objection_resolve", p2_id, ob1, "other authority", "refused")],
           "regression of issue 6: only P2's refused resolve (403 other authority) is audited")
        st, b, _ = srv.req("POST", f"/v1/objections/{ob1}/resolve", p1,
                           {"outcome": "upheld", "action": "revoke"})
        eq((st, b["status"], b["outcome"], b["action"], b["resolved_by"], b["resolved_at"],
            b["record"]["status"], b["record"]["version"]) if st == 200 else (st, b),
           (200, "resolved", "upheld", "revoke", p1_id, "2026-01-27T02:00:00Z", "revoked", 3),
           "P1 upholds with revoke: 200, the record revoked (version 3)")
        s2, flags = score()
        eq(s2, 555, "after the upheld revocation: the score recomputed without the tax record")
        eq(r_tax in flags, False, "the tax record no longer among the reasons")
        eq(audit(data), [("objection_resolve", p1_id, ob1, f"record {r_tax} upheld revoke", "ok"),
                         ("objection_resolve", p2_id, ob1, "other authority", "refused")],
           "audit: objection_resolve by P1 on the objection, the tax record upheld revoke")
        problem(srv.req("POST", f"/v1/objections/{ob1}/resolve", admin,
                        {"outcome": "rejected", "reason": "再次处理"}),
                409, "objection-conflict", "id", "a second resolution")
        eq(audit(data),
           [("objection_resolve", admin_id, ob1, "already resolved", "refused"),
            ("objection_resolve", p1_id, ob1, f"record {r_tax} upheld revoke", "ok"),
            ("objection_resolve", p2_id, ob1, "other authority", "refused")],
           "regression of issue 6: the refused second resolution is in the audit log, refused")
        # regression of issue 6: the provider sends the revoked record again (same 文书号,
        # status active): it stays revoked, and the objection still reads upheld/revoke
        cur = record(r_tax) or {}
        again = {k: cur.get(k) for k in ("subject_type", "subject_id", "name", "code",
                                          "decision_no", "decision_date", "authority_name",
                                          "authority_uscc", "legal_basis", "amount", "region")}
        again["subject_id"] = MERCHANT
        st, b, _ = srv.req("POST", "/v1/records", p1, again)
        eq((st, [(x["status"], x["record_id"]) for x in b["results"]] if st == 200 else b),
           (200, [("superseded", r_tax)]),
           "regression of issue 6: the revoked tax record posted again as active (its periods "
           "now from the rules, not the CSV): superseded")
        eq(((record(r_tax) or {}).get("status"), (record(r_tax) or {}).get("version")),
           ("revoked", 4), "regression of issue 6: the tax record stays revoked (version 4)")
        st, b, _ = srv.req("POST", "/v1/records", p1, again)
        eq((st, [(x["status"], x["record_id"]) for x in b["results"]] if st == 200 else b),
           (200, [("duplicate", r_tax)]),
           "regression of issue 6: the same copy again: duplicate (stays revoked)")
        again["legal_basis"] = "《中华人民共和国税收征收管理法》第六十三条"
        st, b, _ = srv.req("POST", "/v1/records", p1, again)
        eq((st, [(x["status"], x["record_id"]) for x in b["results"]] if st == 200 else b),
           (200, [("superseded", r_tax)]),
           "regression of issue 6: a changed copy of the revoked tax record: superseded")
        eq(((record(r_tax) or {}).get("status"), (record(r_tax) or {}).get("version")),
           ("revoked", 5), "regression of issue 6: the tax record stays revoked (version 5)")
        s2b, flags = score()
        eq((s2b, r_tax in flags), (555, False),
           "regression of issue 6: the score still without the tax record")
        st, b, _ = srv.req("GET", "/v1/me/objections", subj_m)
        eq([(o["status"], o["outcome"], o["action"], o["overdue"]) for o in b["objections"]]
           if st == 200 else st, [("resolved", "upheld", "revoke", False)],
           "the subject sees the resolution")
        problem(srv.req("POST", "/v1/me/objections", subj_m, {"record_id": r_tax, "reason": "x"}),
                409, "objection-conflict", "record_id", "an objection to the revoked record")

        # ---- resolution: rejected ----
        st, b, _ = srv.req("POST", "/v1/me/objections", subj_m,
                           {"record_id": r_em, "reason": "并非本店责任"})
        eq(st, 201, "objection to the emergency record: 201")
        ob2 = b["id"] if st == 201 else "ob_missing"
        eq(b["deadline"] if st == 201 else None, "2026-02-03",
           "filed Tuesday 2026-01-27: deadline Tuesday 2026-02-03")
        s3, flags = score()
        eq((s3, flags.get(r_em)), (s2, True),
           "the disputed emergency record: the same score, flagged")
        st, b, _ = srv.req("POST", f"/v1/objections/{ob2}/resolve", admin,
                           {"outcome": "rejected", "reason": "经复核处罚事实清楚"})
        eq((st, b["outcome"], b["action"], b["resolution"], b["record"]["status"])
           if st == 200 else (st, b),
           (200, "rejected", None, "经复核处罚事实清楚", "active"),
           "the admin rejects: 200, the record active again")
        s4, flags = score()
        eq((s4, flags.get(r_em)), (s2, False), "after the rejection: the score back, unflagged")
        eq((audit(data) or [None])[0],
           ("objection_resolve", admin_id, ob2, f"record {r_em} rejected", "ok"),
           "audit: the admin's rejection")

        # ---- resolution: upheld, correct ----
        st, b, _ = srv.req("POST", "/v1/me/objections", subj_m,
                           {"record_id": int(r_em), "reason": "罚款金额有误"})
        eq(st, 201, "a new objection to the emergency record after the rejection: 201 "
           "(record_id as a number)")
        ob3 = b["id"] if st == 201 else "ob_missing"
        cur = record(r_em) or {}
        corr = {"subject_type": "individual_business", "subject_id": MERCHANT,
                "name": cur.get("name"), "code": "N03", "decision_no": cur.get("decision_no"),
                "decision_date": cur.get("decision_date"),
                "authority_name": cur.get("authority_name"), "authority_uscc": EMERGENCY,
                "legal_basis": cur.get("legal_basis"), "amount": "0.5", "region": "330782"}
        bad = dict(corr, decision_no="义应急罚字〔2025〕9999号")
        problem(srv.req("POST", f"/v1/objections/{ob3}/resolve", p3,
                        {"outcome": "upheld", "action": "correct", "correction": bad}),
                400, "invalid-field", "/correction/decision_no", "a correction of another 文书号")
        problem(srv.req("POST", f"/v1/objections/{ob3}/resolve", p3,
                        {"outcome": "upheld", "action": "correct",
                         "correction": dict(corr, code="N99")}),
                400, "invalid-field", "/correction/code", "a correction with an unknown code")
        problem(srv.req("POST", f"/v1/objections/{ob3}/resolve", p3,
                        {"outcome": "upheld", "action": "correct"}),
                400, "invalid-field", "/correction", "correct without a correction")
        eq((record(r_em) or {}).get("version"), 4, "the refused corrections stored nothing")
        st, b, _ = srv.req("POST", f"/v1/objections/{ob3}/resolve", p3,
                           {"outcome": "upheld", "action": "correct", "correction": corr})
        eq((st, b["action"], b["record"]["status"], b["record"]["code"], b["record"]["amount"],
            b["record"]["version"]) if st == 200 else (st, b),
           (200, "correct", "active", "N03", "0.5", 6),
           "P3 upholds with a correction: the corrected version stored (v5, still disputed), "
           "then active (v6)")
        s5, flags = score()
        eq((s5, flags.get(r_em)), (667, False),
           "after the correction: the score recomputed with N03 instead of N04")
        eq((audit(data) or [None])[0],
           ("objection_resolve", p3_id, ob3, f"record {r_em} upheld correct", "ok"),
           "audit: P3's correction")
        eq(len(audit(data) or []), 5,
           "five audit entries: one per resolution and the two refused ones")

        # ---- the person's objection rejected ----
        st, b, _ = srv.req("POST", f"/v1/objections/{ob_p}/resolve", admin,
                           {"outcome": "rejected", "reason": "尚未履行"})
        eq((st, b["record"]["status"] if st == 200 else None), (200, "active"),
           "the person's objection rejected by the admin")
        st, b, _ = srv.req("GET", "/v1/me/objections", subj_p)
        eq([(o["id"], o["status"], o["outcome"], o["resolution"]) for o in b["objections"]]
           if st == 200 else st, [(ob_p, "resolved", "rejected", "尚未履行")],
           "the person sees the rejection and its reason")
        eq(listed(admin, "?status=resolved"), (200, sorted([ob1, ob2, ob3, ob_p])),
           "status=resolved: all four")

        # ---- provider side of item 8: POST /v1/records by authority ----
        mine = {"subject_type": "legal_person", "subject_id": NEW_CO,
                "name": "义乌市测试贸易有限公司", "code": "N02",
                "decision_no": "义税罚字〔2026〕7001号", "decision_date": "2026-01-02",
                "authority_name": "国家税务总局义乌市税务局", "authority_uscc": TAX,
                "legal_basis": "《中华人民共和国税收征收管理法》第六十条", "amount": "0.2",
                "region": "330782"}
        other = dict(mine, decision_no="义税罚字〔2026〕7002号", authority_uscc=MARKET,
                     authority_name="义乌市市场监督管理局")
        problem(srv.req("POST", "/v1/records", p1, other), 403, "forbidden", "/authority_uscc",
                "P1 posts a record of the market regulator")
        problem(srv.req("POST", "/v1/records", p1, [mine, other]), 403, "forbidden",
                "/1/authority_uscc", "P1 posts its record and another authority's in an array")
        problem(srv.req("GET", f"/v1/subjects/{NEW_CO}/records", admin), 404, "unknown-subject",
                "subject_id", "nothing of either request was stored")
        st, b, _ = srv.req("POST", "/v1/records", p1, mine)
        eq((st, [x["status"] for x in b["results"]] if st == 200 else b),
           (200, ["imported"]), "P1 posts a record of its own authority: imported")
        st, b, _ = srv.req("POST", "/v1/records", admin, other)
        eq((st, [x["status"] for x in b["results"]] if st == 200 else b),
           (200, ["imported"]), "an admin posts any authority's record")

        # ---- revokeRecord ----
        # regression of issue 6 (breaker2 defect 2): the market record's maximum publication
        # period ended 2024-10-14: listed expired, it cannot be revoked (README)
        b = problem(srv.req("POST", f"/v1/records/{r_mkt}/revoke", p2), 409, "record-conflict",
                    "id", "regression of issue 6: P2 revokes its expired market record")
        eq((b or {}).get("record_status"), "expired",
           "regression of issue 6: revoking an expired record: record_status expired")
        eq((record(r_mkt) or {}).get("status"), "expired",
           "regression of issue 6: the market record is not revoked (still listed expired)")
        b = problem(srv.req("POST", f"/v1/records/{r_mkt}/revoke", admin), 409, "record-conflict",
                    "id", "regression of issue 6: the admin revokes the expired market record")
        eq((b or {}).get("record_status"), "expired",
           "regression of issue 6: also for the admin: record_status expired")
        s6, flags = score()
        eq((s6, r_mkt in flags), (667, False),
           "the market record (its window ended) does not count")
        problem(srv.req("POST", f"/v1/records/{r_em}/revoke", p2), 403, "forbidden", "id",
                "P2 revokes the emergency bureau's record")
        problem(srv.req("POST", "/v1/records/99999999/revoke", p2), 404, "unknown-record", "id",
                "an unknown record")
        problem(srv.req("POST", "/v1/records/0/revoke", p2), 400, "invalid-parameter", "id",
                "record id 0")
        problem(srv.req("POST", "/v1/records/12x/revoke", p2), 400, "invalid-parameter", "id",
                "record id 12x")
        problem(srv.req("POST", f"/v1/records/{r_em}/revoke", subj_m), 403, "forbidden", ...,
                "a subject revokes")
        st, b, _ = srv.req("POST", f"/v1/records/{r_em}/revoke", admin)
        eq((st, b["status"] if st == 200 else b), (200, "revoked"),
           "the admin revokes the emergency record")
        s7, flags = score()
        eq((s7, r_em in flags), (705, False),
           "after revoking the emergency record: the score without it")
        b = problem(srv.req("POST", f"/v1/records/{r_em}/revoke", admin), 409, "record-conflict",
                    "id", "the admin revokes the emergency record again")
        eq((b or {}).get("record_status"), "revoked", "again: record_status revoked")
        st, b, _ = srv.req("POST", f"/v1/records/{r_b01}/revoke", p2)
        eq((st, b["status"], b["record_id"]) if st == 200 else (st, b), (200, "revoked", r_b01),
           "P2 revokes the market regulator's B01 record: 200, revoked")
        # regression of issue 6 (breaker2 defect 5): every revocation through the API, done
        # or refused by the record (404, 409) or the provider's binding (403), is audited
        p = run([CLI, "--data", data, "audit", "--json", "--action", "record_revoke"])
        got = [(e["actor"], e["action"], e["outcome"], e["target"], e["detail"])
               for e in json.loads(p.stdout)] if p.returncode == 0 else (p.returncode, p.stderr)
        eq(got, [(p2_id, "record_revoke", "ok", str(r_b01), "revoked"),
                 (admin_id, "record_revoke", "refused", str(r_em), "record_status revoked"),
                 (admin_id, "record_revoke", "ok", str(r_em), "revoked"),
                 (p2_id, "record_revoke", "refused", "99999999", "unknown record"),
                 (p2_id, "record_revoke", "refused", str(r_em), "other authority"),
                 (admin_id, "record_revoke", "refused", str(r_mkt), "record_status expired"),
                 (p2_id, "record_revoke", "refused", str(r_mkt), "record_status expired")],
           "regression of issue 6: record_revoke audit entries (newest first; 400s and a "
           "subject's 403 by role write none)")
        # regression of issue 6 (breaker2 defect 5): attestation revoke/suspend/unsuspend
        st, b, _ = srv.req("POST", f"/v1/subjects/{MERCHANT}/attestations", admin, {})
        jti = (json.loads(b64d(b["token"].split("~")[0].split(".")[1])).get("jti")
               if st == 201 else None)
        eq((st, isinstance(jti, str) and len(jti) == 22), (201, True), "an attestation issued")
        steps = (("suspend", {"reason": "audit"}, 200), ("suspend", {"reason": "audit"}, 409),
                 ("unsuspend", {}, 200), ("unsuspend", {}, 409),
                 ("revoke", {"reason": "audit"}, 200), ("revoke", {"reason": "audit"}, 409))
        for verb, body, want in steps:
            st, b, _ = srv.req("POST", f"/v1/attestations/{jti}/{verb}", admin, body)
            eq(st, want, f"the admin's {verb}: {want}")
        st, b, _ = srv.req("POST", "/v1/attestations/AAAAAAAAAAAAAAAAAAAAAA/revoke", admin,
                           {"reason": "audit"})
        eq(st, 404, "revoking an unknown jti: 404")
        p = run([CLI, "--data", data, "audit", "--json", "--limit", "7"])
        got = [(e["actor"], e["action"], e["outcome"], e["target"], e["detail"])
               for e in json.loads(p.stdout)] if p.returncode == 0 else (p.returncode, p.stderr)
        eq(got, [(admin_id, "attest_revoke", "refused", "AAAAAAAAAAAAAAAAAAAAAA",
                  "unknown attestation"),
                 (admin_id, "attest_revoke", "refused", jti, "state conflict"),
                 (admin_id, "attest_revoke", "ok", jti, "queued"),
                 (admin_id, "attest_unsuspend", "refused", jti, "state conflict"),
                 (admin_id, "attest_unsuspend", "ok", jti, "queued"),
                 (admin_id, "attest_suspend", "refused", jti, "state conflict"),
                 (admin_id, "attest_suspend", "ok", jti, "queued")],
           "regression of issue 6: attestation state changes audited (actor, jti, outcome)")
        srv.stop()

        # ---- the policy calendar and objections.deadline_working_days ----
        cal = make_data(tmp, "cal")
        subj_c, _ = add_client(cal, "subject", "Merchant C", "--subject", MERCHANT)
        admin_c, _ = add_client(cal, "admin", "Admin C")
        # Friday 2026-02-13: Saturday 02-14 a workday, 02-15..02-23 holidays (the Spring
        # Festival, etc/calendar.txt): 02-14, 02-24, 02-25, 02-26, 02-27
        srv = start(cal, calendar.timegm((2026, 2, 13, 2, 0, 0)))
        st, b, _ = srv.req("POST", "/v1/me/objections", subj_c, {"record_id": r_tax,
                                                                 "reason": "x"})
        eq((st, b.get("deadline") if b else None), (201, "2026-02-27"),
           "filed 2026-02-13: deadline 2026-02-27 over the Spring Festival holidays")
        srv.stop()
        # regression of issue 6: on 2026-03-07 (Asia/Shanghai) the market record (its maximum
        # publication period ended 2024-10-14) is expired: no objection; the tax record (ended
        # 2026-03-06) is under an open objection, so it stays disputed
        srv = start(cal, calendar.timegm((2026, 3, 6, 16, 0, 0)))  # 2026-03-07 00:00 +08:00
        problem(srv.req("POST", "/v1/me/objections", subj_c, {"record_id": r_mkt,
                                                              "reason": "x"}),
                409, "objection-conflict", "record_id",
                "regression of issue 6: an objection to the expired market record")
        st, b, _ = srv.req("GET", f"/v1/subjects/{MERCHANT}/records?limit=100", admin_c)
        eq((st, {x["record_id"]: x["status"] for x in b["records"]}.get(r_tax) if st == 200
            else b), (200, "disputed"),
           "regression of issue 6: the disputed tax record stays disputed past its end")
        srv.stop()
        # the reasons at their limits: 1000 bytes, a run of 14 digits
        for days, rid, want, reason in ((1, r_em, "2026-01-20", "异" * 333 + "x"),
                                        (60, r_b01, "2026-04-20", "电话12345678901234")):
            set_config(cal, objections={"deadline_working_days": days})
            srv = start(cal, T0)
            st, b, _ = srv.req("POST", "/v1/me/objections", subj_c, {"record_id": rid,
                                                                     "reason": reason})
            eq((st, b.get("deadline") if b else None, b.get("reason") if b else None),
               (201, want, reason),
               f"deadline_working_days {days}: filed 2026-01-19, deadline {want}; a reason of "
               f"{len(reason.encode())} bytes")
            srv.stop()
        for days in (61, 0):
            set_config(cal, objections={"deadline_working_days": days})
            p = subprocess.run([DAEMON, "--data", cal, "--h2c-listen",
                                f"127.0.0.1:{free_port()}", "--listen", "off"],
                               capture_output=True, text=True, timeout=20,
                               env=faketime_env(T0))
            check(p.returncode != 0 and "objections.deadline_working_days" in p.stderr,
                  f"deadline_working_days {days}: yrdcreditd refuses the configuration",
                  f"exit {p.returncode}: {p.stderr}")
    finally:
        for s in servers:
            s.stop(signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{n_tests}")
    sys.exit(1 if n_failed else 0)


if __name__ == "__main__":
    main()
