#!/usr/bin/python3
"""Issue 6 items 2 and 3 end to end: purpose, consent and the query log, against the real
yrdcreditd over h2c (python3-h2), with "auth": {"required": true} in DATA/config.json.

Clients: two fi (Bank A, Bank B), an admin, a subject client for an individual of samples/
(its pseudonym from `yrdcredit lookup`) and one for a merchant.  The server's wall clock is
frozen by Debian's libfaketime at T0 (one day ahead of now, whole seconds; CLOCK_MONOTONIC is
left alone, so the committer's 10 ms window still runs), which makes every time exact: the
consent's 365-day limit at and one second past it, the entries' `at`, and expiry (a restart
at T0 + 2 h).  Checks: the six consent reasons each -> 403 with exactly that `reason`; a valid
consent -> 200 and exactly one new entry in GET /v1/me/queries with the exact client, client
name, role, purpose, label, consent, route and status; refused reads logged with 403; admin
reads logged; the subject's own read not logged; a merchant read needs a purpose and no
consent; revocation takes effect on the next request; the signed consent receipt verifies
against the JWKS; kill -9 right after a 200 read -> the entry is there after the restart;
body limit at and one past.  Regressions of issue 6 (breaker report): a partner's decision on
the individual is logged (route "decision") and readable only by that partner and admins, a
decision stored without a creator by admins only (defect 1); a consent_id for a merchant is a
400, another individual's consent is logged as none (defect 5); a merchant grants no consent:
403 (defect 12).  TAP.  usage: test_consent.py YRDCREDIT YRDCREDITD SOURCE_ROOT
"""
import base64
import datetime
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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

os.environ["YRDCREDIT_ETC"] = os.path.join(SRC, "etc")
PROBLEM = "urn:yrdcredit:problem:"
MERCHANT = "92330782MA2KDDUY4M"  # a sample 个体工商户 (samples/)
PERSON_DOC = "330782196802154703"  # a 失信被执行人 of samples/yiwu-sxbzxr.jsonl
PERSON2_DOC = "11010519491231002X"  # a valid 居民身份证号码 without records here
MAX_BODY = 4096
LIBFT = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
JSON_CT = [("content-type", "application/json")]

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


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Server:
    """yrdcreditd with its wall clock frozen at `at` (unix seconds), or auth switched off."""

    def __init__(self, data, tmp, at):
        self.data, self.tmp = data, tmp
        self.port = free_port()
        env = dict(os.environ, LD_PRELOAD=LIBFT, TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1",
                   FAKETIME_NO_CACHE="1",
                   FAKETIME=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)),
                   ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                                 ":verify_asan_link_order=0").lstrip(":"))
        self.err = open(os.path.join(tmp, f"daemon.{self.port}.err"), "wb")
        self.proc = subprocess.Popen(
            [DAEMON, "--data", data, "--h2c-listen", f"127.0.0.1:{self.port}", "--listen", "off",
             "--workers", "2"], stdout=subprocess.DEVNULL, stderr=self.err, env=env)
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
        """Stop it; after SIGTERM: exit 0 and no sanitizer report on stderr (one TAP line)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        if sig == signal.SIGTERM:
            with open(self.err.name, encoding="utf-8", errors="replace") as f:
                err = f.read()
            bad = [ln for ln in err.splitlines()
                   if "Sanitizer" in ln or "runtime error" in ln]
            eq((self.proc.returncode, bad), (0, []),
               f"yrdcreditd on :{self.port}: SIGTERM exits 0, no sanitizer report")


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


def main():
    for f in (LIBFT,):
        if not os.path.exists(f):
            bail(f"{f} missing (package faketime, scripts/deps.sh)")
    tmp = tempfile.mkdtemp(prefix="yc-consent-")
    data = os.path.join(tmp, "d")
    servers = []
    try:
        if run([CLI, "init", data]).returncode != 0:
            bail("yrdcredit init failed")
        sdir = os.path.join(SRC, "samples")
        files = sorted(os.path.join(sdir, f) for f in os.listdir(sdir)
                       if f.endswith((".csv", ".jsonl")))
        if run([CLI, "--data", data, "import", *files]).returncode != 0:
            bail("import of samples/ failed")
        set_config(data, auth={"required": True})
        with open(os.path.join(data, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        cfg.setdefault("server", {})["max_body_bytes"] = MAX_BODY
        with open(os.path.join(data, "config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        p = run([CLI, "--data", data, "lookup", "--doc-type", "resident_id", "-"],
                input=PERSON_DOC)
        person = p.stdout.strip() if p.returncode == 0 else None
        if person is None or not person.startswith("P"):
            bail(f"yrdcredit lookup: {p.stdout} {p.stderr}")
        p = run([CLI, "--data", data, "lookup", "--doc-type", "resident_id", "-"],
                input=PERSON2_DOC)
        person2 = p.stdout.strip() if p.returncode == 0 else None
        if person2 is None or not person2.startswith("P") or person2 == person:
            bail(f"yrdcredit lookup of the second person: {p.stdout} {p.stderr}")
        fi_a, fi_a_id = add_client(data, "fi", "Bank A")
        fi_b, fi_b_id = add_client(data, "fi", "Bank B")
        admin, admin_id = add_client(data, "admin", "Operator")
        subj_p, _ = add_client(data, "subject", "Person P", "--subject", person)
        subj_m, _ = add_client(data, "subject", "Merchant M", "--subject", MERCHANT)
        subj_p2, _ = add_client(data, "subject", "Person P2", "--subject", person2)
        partner_a, partner_a_id = add_client(data, "partner", "City Partner A")
        partner_b, _ = add_client(data, "partner", "City Partner B")

        t0 = int(time.time()) // 60 * 60 + 86400
        srv = Server(data, tmp, t0)
        servers.append(srv)

        def queries(token):
            st, b, _ = srv.req("GET", "/v1/me/queries?limit=100", token)
            if st != 200:
                bail(f"GET /v1/me/queries: {st} {b}")
            return b["queries"]

        def queries_grown(token, before):
            """The log once it has more than `before` entries (a refusal is answered before its
            entry is committed: within the 10 ms window), waiting at most 2 s."""
            deadline = time.monotonic() + 2
            qs = queries(token)
            while len(qs) <= before and time.monotonic() < deadline:
                time.sleep(0.02)
                qs = queries(token)
            time.sleep(0.05)  # and nothing more arrives
            return queries(token)

        def consent(body, token=subj_p):
            return srv.req("POST", "/v1/me/consents", token, body)

        # ---- createConsent, its receipt ----
        exp1 = t0 + 3600
        st, c1, r = consent({"client_id": fi_a_id, "purpose": "loan_approval",
                             "scope": ["score", "records"], "expires_at": iso(exp1)})
        eq(st, 201, "POST /v1/me/consents: 201")
        cid1 = c1["consent_id"]
        eq(r.header("location"), f"/v1/me/consents/{cid1}", "201 location")
        eq({k: v for k, v in c1.items() if k not in ("consent_id", "receipt")},
           {"client_id": fi_a_id, "client_name": "Bank A", "purpose": "loan_approval",
            "purpose_label": "贷款审批", "scope": ["score", "records"], "granted_at": iso(t0),
            "expires_at": iso(exp1), "revoked_at": None, "state": "active"},
           "the consent as granted")
        hdr_b64, pay_b64, sig_b64 = c1["receipt"].split(".")
        hdr = json.loads(b64d(hdr_b64))
        st, jwks, _ = srv.req("GET", "/.well-known/jwks.json")
        keys = [k for k in jwks["keys"] if k.get("kid") == hdr.get("kid")]
        eq((hdr.get("alg"), hdr.get("typ"), len(keys)),
           ("EdDSA", "yrdcredit-consent+jwt", 1), "receipt header: EdDSA, typ, kid in JWKS")
        try:
            Ed25519PublicKey.from_public_bytes(b64d(keys[0]["x"])).verify(
                b64d(sig_b64), f"{hdr_b64}.{pay_b64}".encode())
            good = True
        except Exception as e:  # noqa: BLE001
            good = repr(e)
        eq(good, True, "receipt signature verifies against the JWKS key")
        claims = json.loads(b64d(pay_b64))
        eq({k: v for k, v in claims.items() if k != "iss"},
           {"sub": person, "consent_id": cid1, "client_id": fi_a_id, "purpose": "loan_approval",
            "scope": ["score", "records"], "iat": t0, "granted_at": t0, "exp": exp1},
           "receipt claims")

        # ---- createConsent errors ----
        base = {"client_id": fi_a_id, "purpose": "loan_approval", "scope": ["score"],
                "expires_at": iso(t0 + 60)}
        for name, body, field in (
                ("unknown client_id", dict(base, client_id="cl_AAAAAAAAAAAAAAAA"), "/client_id"),
                ("client_id of an admin", dict(base, client_id=admin_id), "/client_id"),
                ("malformed client_id", dict(base, client_id="bank"), "/client_id"),
                ("unknown purpose", dict(base, purpose="marketing"), "/purpose"),
                ("purpose only for organisations", dict(base, purpose="supplier_qualification"),
                 "/purpose"),
                ("empty scope", dict(base, scope=[]), "/scope"),
                ("scope named twice", dict(base, scope=["score", "score"]), "/scope/1"),
                ("unknown scope", dict(base, scope=["decisions"]), "/scope/0"),
                ("expires_at in the past", dict(base, expires_at=iso(t0 - 1)), "/expires_at"),
                ("expires_at = now", dict(base, expires_at=iso(t0)), "/expires_at"),
                ("expires_at 365 days + 1 s ahead", dict(base, expires_at=iso(t0 + 365 * 86400 + 1)),
                 "/expires_at"),
                ("expires_at not a time", dict(base, expires_at="tomorrow"), "/expires_at"),
                ("unknown member", dict(base, note="x"), "/note")):
            st, b, _ = consent(body)
            eq((st, b and b.get("type"), b and b.get("field")),
               (400, PROBLEM + "invalid-field", field), f"POST /v1/me/consents {name}: 400 {field}")
        st, b, _ = consent(dict(base, expires_at=iso(t0 + 365 * 86400)))
        eq((st, b and b.get("expires_at")), (201, iso(t0 + 365 * 86400)),
           "expires_at exactly 365 days ahead: 201")
        # a date: the whole day in Asia/Shanghai, i.e. until the next midnight at UTC+8
        day = datetime.datetime.fromtimestamp(t0 + 8 * 3600 + 30 * 86400,
                                              datetime.timezone.utc).date()
        st, b, _ = consent(dict(base, expires_at=day.isoformat()))
        want = int(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(),
                                             datetime.timezone.utc).timestamp()) - 8 * 3600
        eq((st, b and b.get("expires_at")), (201, iso(want)),
           "expires_at as a date: through that day in Asia/Shanghai")
        st, b, _ = consent(dict(base, expires_at=iso(t0 + 17 * 3600).replace("Z", "+08:00")))
        eq((st, b and b.get("expires_at")), (201, iso(t0 + 9 * 3600)),
           "expires_at with a +08:00 offset: converted to UTC")
        st, b, _ = consent(dict(base, expires_at=iso(t0 + 3600)[:-1] + ".999Z"))
        eq((st, b and b.get("expires_at")), (201, iso(t0 + 3600)),
           "expires_at with a fraction: whole seconds")
        # body limit: exactly MAX_BODY bytes 201, one more 413
        raw = json.dumps(base).encode()
        pad = raw[:-1] + b" " * (MAX_BODY - len(raw)) + b"}"
        st, b, _ = consent(pad)
        eq((len(pad), st), (MAX_BODY, 201), f"body of exactly {MAX_BODY} bytes: 201")
        st, b, _ = consent(pad[:-1] + b" }")
        eq((st, b and b.get("type")), (413, PROBLEM + "payload-too-large"),
           f"body of {MAX_BODY + 1} bytes: 413")
        st, b, _ = srv.req("POST", "/v1/me/consents", admin, base)
        eq((st, b and b.get("type")), (403, PROBLEM + "forbidden"),
           "an admin has no /v1/me: 403")
        st, b, _ = srv.req("POST", "/v1/me/consents", fi_a, base)
        eq((st, b and b.get("type")), (403, PROBLEM + "forbidden"), "an fi: 403 (the table)")
        st, b, _ = srv.req("POST", "/v1/me/consents", None, base)
        eq(st, 401, "no token: 401")

        # ---- purpose ----
        score_p = f"/v1/subjects/{person}/score"
        n0 = len(queries(subj_p))
        for q, name, field, reason in (
                ("", "no purpose", "purpose", None),
                ("?purpose=marketing", "unknown purpose", "purpose", None),
                ("?purpose=supplier_qualification", "organisations-only purpose", "purpose",
                 "not_for_individuals"),
                (f"?purpose=loan_approval&consent_id=cs_bad", "malformed consent_id",
                 "consent_id", None)):
            st, b, _ = srv.req("GET", score_p + q, fi_a)
            eq((st, b and b.get("type"), b and b.get("field"), b and b.get("reason")),
               (400, PROBLEM + "invalid-parameter", field, reason),
               f"fi GET score of an individual, {name}: 400 {field}")
        eq(len(queries(subj_p)), n0, "400 answers are not logged")

        # ---- the six reasons ----
        st, c2, _ = consent({"client_id": fi_a_id, "purpose": "loan_approval",
                             "scope": ["score"], "expires_at": iso(t0 + 7200)})
        cid2 = c2["consent_id"]
        st, b, _ = srv.req("DELETE", f"/v1/me/consents/{cid2}", subj_p)
        eq((st, b and b.get("state"), b and b.get("revoked_at")), (200, "revoked", iso(t0)),
           "DELETE /v1/me/consents/{id}: 200, revoked at once")
        st, b, _ = srv.req("DELETE", f"/v1/me/consents/{cid2}", subj_p)
        eq((st, b and b.get("type")), (409, PROBLEM + "consent-revoked"), "revoked twice: 409")
        st, b, _ = srv.req("DELETE", f"/v1/me/consents/{cid1}", subj_m)
        eq((st, b and b.get("type")), (404, PROBLEM + "unknown-consent"),
           "another subject's consent: 404")
        st, b, _ = srv.req("DELETE", "/v1/me/consents/cs_AAAAAAAAAAAAAAAAAAAAAA", subj_p)
        eq(st, 404, "unknown consent: 404")
        unknown = "cs_" + "B" * 22
        cases = [
            ("missing (no consent_id)", fi_a, "?purpose=loan_approval", score_p, "missing"),
            ("missing (unknown id)", fi_a, f"?purpose=loan_approval&consent_id={unknown}",
             score_p, "missing"),
            ("wrong_client", fi_b, f"?purpose=loan_approval&consent_id={cid1}", score_p,
             "wrong_client"),
            ("wrong_purpose", fi_a, f"?purpose=credit_card_approval&consent_id={cid1}", score_p,
             "wrong_purpose"),
            ("wrong_scope", fi_a, f"?purpose=loan_approval&consent_id={cid1}",
             f"/v1/subjects/{person}/attestations", "wrong_scope"),
            ("revoked", fi_a, f"?purpose=loan_approval&consent_id={cid2}", score_p, "revoked"),
        ]
        # defect 5: the consent id is logged only when the consent is this individual's
        logged_consent = {"missing (no consent_id)": None, "missing (unknown id)": None,
                          "wrong_client": cid1, "wrong_purpose": cid1, "wrong_scope": cid1,
                          "revoked": cid2}
        for name, tok, q, path, reason in cases:
            before = len(queries(subj_p))
            st, b, _ = srv.req("GET", path + q, tok)
            eq((st, b and b.get("type"), b and b.get("reason")),
               (403, PROBLEM + "consent-refused", reason), f"consent {name}: 403 reason {reason}")
            qs = queries_grown(subj_p, before)
            eq((len(qs) - before, qs[0]["status"], qs[0]["route"]),
               (1, 403, "attestations" if "attestations" in path else "score"),
               f"consent {name}: the refused read is logged once with 403")
            eq(qs[0]["consent_id"], logged_consent[name],
               f"regression of issue 6: consent {name}: logged with consent_id "
               f"{'none' if logged_consent[name] is None else 'the id'}")

        # ---- a valid consent: 200 and exactly one entry ----
        before = len(queries(subj_p))
        st, b, _ = srv.req("GET", f"{score_p}?purpose=loan_approval&consent_id={cid1}", fi_a)
        eq((st, b and b.get("subject_id")), (200, person), "valid consent: 200 score")
        qs = queries(subj_p)
        eq(len(qs) - before, 1, "valid consent: exactly one new query-log entry")
        e = dict(qs[0])
        eq({k: e[k] for k in e if k != "seq"},
           {"at": iso(t0).replace("Z", ".000Z"), "client_id": fi_a_id, "client_name": "Bank A",
            "role": "fi", "purpose": "loan_approval", "purpose_label": "贷款审批",
            "consent_id": cid1, "route": "score", "status": 200},
           "the entry: client, name, role, purpose, label, consent, route, at, status")
        st, b, _ = srv.req("GET", f"/v1/subjects/{person}/records?purpose=loan_approval"
                           f"&consent_id={cid1}", fi_a)
        qs = queries(subj_p)
        eq((st, qs[0]["route"], qs[0]["status"], qs[0]["consent_id"]),
           (200, "records", 200, cid1), "records under the consent: 200, logged")
        # issueAttestation: body members; attestations scope needed
        st, c4, _ = consent({"client_id": fi_a_id, "purpose": "credit_card_approval",
                             "scope": ["attestations"], "expires_at": iso(t0 + 3600)})
        cid4 = c4["consent_id"]
        before = len(queries(subj_p))
        st, b, _ = srv.req("POST", f"/v1/subjects/{person}/attestations", fi_a,
                           {"purpose": "credit_card_approval", "consent_id": cid1})
        eq(len(queries_grown(subj_p, before)) - before, 1, "the refused POST is logged")
        eq((st, b and b.get("reason"), b and b.get("field")),
           (403, "wrong_purpose", "/consent_id"), "POST attestations, wrong consent: 403")
        st, b, _ = srv.req("POST", f"/v1/subjects/{person}/attestations", fi_a,
                           {"purpose": "credit_card_approval", "consent_id": cid4})
        qs = queries(subj_p)
        eq((st, qs[0]["route"], qs[0]["status"], qs[0]["consent_id"], qs[0]["purpose"]),
           (201, "attestations.issue", 201, cid4, "credit_card_approval"),
           "POST attestations under a consent: 201, logged with 201")
        st, b, _ = srv.req("GET", f"/v1/subjects/{person}/attestations?purpose="
                           f"credit_card_approval&consent_id={cid4}", fi_a)
        qs = queries(subj_p)
        eq((st, len(b["attestations"]) if b else None, qs[0]["route"]),
           (200, 1, "attestations"), "GET attestations under a consent: 200, logged")

        # ---- admin reads are logged ----
        before = len(queries(subj_p))
        st, _, _ = srv.req("GET", score_p, admin)
        qs = queries(subj_p)
        eq((st, len(qs) - before, qs[0]["client_id"], qs[0]["client_name"], qs[0]["role"],
            qs[0]["purpose"], qs[0]["consent_id"]),
           (200, 1, admin_id, "Operator", "admin", None, None), "admin read: 200, logged")
        st, _, _ = srv.req("GET", score_p + "?purpose=post_loan_management", admin)
        qs = queries(subj_p)
        eq((st, qs[0]["purpose"], qs[0]["purpose_label"]),
           (200, "post_loan_management", "贷后管理"), "admin with a purpose: logged with it")

        # ---- merchant: purpose, no consent ----
        score_m = f"/v1/subjects/{MERCHANT}/score"
        st, b, _ = srv.req("GET", score_m, fi_a)
        eq((st, b and b.get("field")), (400, "purpose"), "fi merchant read without purpose: 400")
        st, b, _ = srv.req("GET", score_m + "?purpose=credit_card_approval", fi_a)
        eq((st, b and b.get("reason")), (400, "not_for_organisations"),
           "individuals-only purpose for a merchant: 400 not_for_organisations")
        before = len(queries(subj_m))
        st, b, _ = srv.req("GET", score_m + "?purpose=trade_credit", fi_b)
        qs = queries(subj_m)
        eq((st, len(qs) - before, qs[0]["client_id"], qs[0]["purpose"], qs[0]["consent_id"],
            qs[0]["status"]), (200, 1, fi_b_id, "trade_credit", None, 200),
           "fi merchant read with a purpose, no consent: 200, logged in the merchant's log")

        # ---- regression of issue 6 (breaker report defect 5): a consent is an individual's ----
        before = len(queries(subj_m))
        st, b, _ = srv.req("GET", score_m + f"?purpose=trade_credit&consent_id={cid1}", fi_b)
        eq((st, b and b.get("type"), b and b.get("field"), b and b.get("reason")),
           (400, PROBLEM + "invalid-parameter", "consent_id", "not_for_organisations"),
           "regression of issue 6: a person's consent_id on a merchant read: 400 consent_id")
        st, b, _ = srv.req("POST", f"/v1/subjects/{MERCHANT}/attestations", fi_b,
                           {"purpose": "trade_credit", "consent_id": cid1})
        eq((st, b and b.get("type"), b and b.get("field"), b and b.get("reason")),
           (400, PROBLEM + "invalid-field", "/consent_id", "not_for_organisations"),
           "regression of issue 6: a consent_id in the body for a merchant: 400 /consent_id")
        st, b, _ = srv.req("GET", score_m + f"?consent_id={cid1}", admin)
        eq((st, b and b.get("field")), (400, "consent_id"),
           "regression of issue 6: an admin's consent_id on a merchant read: 400 consent_id")
        eq(len(queries_grown(subj_m, before)) - before, 0,
           "regression of issue 6: the merchant's log shows none of these (nothing was read)")
        st, c5, _ = consent({"client_id": fi_a_id, "purpose": "loan_approval", "scope": ["score"],
                             "expires_at": iso(t0 + 3600)}, token=subj_p2)
        eq(st, 201, "the second person grants Bank A a consent: 201")
        cid5 = c5["consent_id"]
        before = len(queries(subj_p))
        st, b, _ = srv.req("GET", f"{score_p}?purpose=loan_approval&consent_id={cid5}", fi_a)
        eq((st, b and b.get("reason")), (403, "missing"),
           "another person's consent: 403 missing")
        qs = queries_grown(subj_p, before)
        eq((len(qs) - before, qs[0]["status"], qs[0]["consent_id"]), (1, 403, None),
           "regression of issue 6: another person's consent: refusal logged with consent_id none")
        st, _, _ = srv.req("GET", f"{score_p}?consent_id={cid5}", admin)
        qs = queries(subj_p)
        eq((st, len(qs) - before, qs[0]["client_id"], qs[0]["consent_id"]),
           (200, 2, admin_id, None),
           "regression of issue 6: admin read naming another person's consent: logged without it")
        st, _, _ = srv.req("GET", f"{score_p}?consent_id={cid1}", admin)
        qs = queries(subj_p)
        eq((st, len(qs) - before, qs[0]["consent_id"]), (200, 3, cid1),
           "regression of issue 6: admin read naming the person's own consent: logged with it")
        eq(queries(subj_p2), [], "regression of issue 6: the second person's log stays empty")

        # ---- regression of issue 6 (breaker report defect 12): consents are individuals' ----
        st, b, r = consent({"client_id": fi_a_id, "purpose": "trade_credit", "scope": ["score"],
                            "expires_at": iso(t0 + 3600)}, token=subj_m)
        eq((st, b and b.get("type"), b and b.get("reason"), r.header("www-authenticate")),
           (403, PROBLEM + "forbidden", "individuals_only", 'Bearer error="insufficient_scope"'),
           "regression of issue 6: a merchant's POST /v1/me/consents: 403 individuals_only")
        st, b, _ = srv.req("GET", "/v1/me/consents", subj_m)
        eq((st, b and b.get("consents")), (200, []),
           "regression of issue 6: the merchant holds no consent")

        # ---- regression of issue 6 (breaker report defect 1): decisions on an individual ----
        dec_body = {"subject_id": person, "matter": "loan_approval"}
        before = len(queries(subj_p))
        st, d1, r_d1 = srv.req("POST", "/v1/decisions", partner_a, dec_body)
        eq((st, d1 and d1.get("subject_id"), d1 and d1["evidence"]["kind"]),
           (201, person, "local"), "partner A decides on the individual: 201, local evidence")
        qs = queries(subj_p)
        eq(len(qs) - before, 1,
           "regression of issue 6: the decision's read is in the person's log before the 201")
        e = dict(qs[0])
        eq({k: e[k] for k in e if k != "seq"},
           {"at": iso(t0).replace("Z", ".000Z"), "client_id": partner_a_id,
            "client_name": "City Partner A", "role": "partner", "purpose": None,
            "purpose_label": None, "consent_id": None, "route": "decision", "status": 201},
           "regression of issue 6: the decision's entry: partner, route decision, 201, no "
           "purpose or consent (legal basis 联合奖惩)")
        did = d1["id"]
        st, b, _ = srv.req("GET", f"/v1/decisions/{did}", partner_b)
        eq((st, b and b.get("type"), b and b.get("field")),
           (404, PROBLEM + "unknown-decision", "id"),
           "regression of issue 6: another partner's GET /v1/decisions/{id}: 404 unknown-decision")
        st, b, _ = srv.req("GET", "/v1/decisions/dec_" + "A" * 22, partner_b)
        eq((st, b and b.get("type"), b and b.get("field")),
           (404, PROBLEM + "unknown-decision", "id"),
           "regression of issue 6: ... the same answer as an id that does not exist")
        st, _, g = srv.req("GET", f"/v1/decisions/{did}", partner_a)
        eq((st, g.body), (200, r_d1.body),
           "regression of issue 6: the creator reads it: 200, same bytes")
        st, _, g = srv.req("GET", f"/v1/decisions/{did}", admin)
        eq((st, g.body), (200, r_d1.body),
           "regression of issue 6: an admin reads it: 200, same bytes")
        eq(len(queries(subj_p)) - before, 1,
           "regression of issue 6: reading a decision back reads no subject: not logged")
        st, b, _ = srv.req("POST", "/v1/decisions", partner_a,
                           {"subject_id": person2, "matter": "loan_approval"})
        eq((st, b and b.get("type"), queries(subj_p2)), (404, PROBLEM + "unknown-subject", []),
           "regression of issue 6: a decision on an individual without records: 404, not logged")

        # ---- listConsents, paging ----
        st, b, _ = srv.req("GET", "/v1/me/consents?limit=100", subj_p)
        every = [c["consent_id"] for c in b["consents"]]
        # all granted in the same (frozen) second: then in id order
        eq((st, every), (200, sorted(every)), "GET /v1/me/consents: oldest grant first, then id")
        check(cid1 in every and cid2 in every and len(every) == 8, "the 8 consents granted listed",
              every)
        st, b, _ = srv.req("GET", "/v1/me/consents?limit=1", subj_p)
        eq((st, len(b["consents"]), b["consents"][0]["consent_id"], b["next_cursor"] is not None),
           (200, 1, every[0], True), "GET /v1/me/consents?limit=1: the first, and a cursor")
        seen, cur = [], None
        while True:
            st, b, _ = srv.req("GET", "/v1/me/consents?limit=2" +
                               (f"&cursor={cur}" if cur else ""), subj_p)
            seen += [c["consent_id"] for c in b["consents"]]
            cur = b["next_cursor"]
            if not cur:
                break
        st, b, _ = srv.req("GET", "/v1/me/consents?limit=100", subj_p)
        eq(seen, [c["consent_id"] for c in b["consents"]], "paging visits every consent once")
        eq({c["consent_id"]: c["state"] for c in b["consents"]}[cid2], "revoked",
           "the revoked consent is listed as revoked")
        st, b, _ = srv.req("GET", "/v1/me/consents?cursor=nonsense", subj_p)
        eq((st, b and b.get("field")), (400, "cursor"), "bad cursor: 400")
        st, b, _ = srv.req("GET", "/v1/me/queries?limit=101", subj_p)
        eq((st, b and b.get("field")), (400, "limit"), "queries limit=101: 400")
        st, b, _ = srv.req("GET", "/v1/me/queries?limit=100", subj_p)
        eq((st, len(b["queries"])), (200, len(queries(subj_p))), "queries limit=100: 200")
        # newest first, paged by seq
        st, b1, _ = srv.req("GET", "/v1/me/queries?limit=1", subj_p)
        st, b2, _ = srv.req("GET", f"/v1/me/queries?limit=1&cursor={b1['next_cursor']}", subj_p)
        eq(b2["queries"][0]["seq"], b1["queries"][0]["seq"] - 1, "queries: newest first, paged")

        # ---- kill -9 right after a 200 read ----
        before = len(queries(subj_p))
        st, _, _ = srv.req("GET", f"{score_p}?purpose=loan_approval&consent_id={cid1}", fi_a)
        srv.stop(signal.SIGKILL)
        srv = Server(data, tmp, t0)
        servers.append(srv)
        qs = queries(subj_p)
        eq((st, len(qs) - before, qs[0]["route"], qs[0]["status"]), (200, 1, "score", 200),
           "kill -9 right after a 200 read: the entry survives the restart")

        # ---- expiry: the server restarted two hours later ----
        srv.stop()
        srv = Server(data, tmp, t0 + 7200)
        servers.append(srv)
        st, b, _ = srv.req("GET", f"{score_p}?purpose=loan_approval&consent_id={cid1}", fi_a)
        eq((st, b and b.get("reason")), (403, "expired"), "consent past expires_at: 403 expired")
        st, b, _ = srv.req("GET", "/v1/me/consents?limit=100", subj_p)
        eq({c["consent_id"]: c["state"] for c in b["consents"]}[cid1], "expired",
           "listed as expired")

        # ---- the subject's own read is not logged (auth off: a subject may read itself) ----
        srv.stop()
        set_config(data, auth={"required": False})
        srv = Server(data, tmp, t0 + 7200)
        servers.append(srv)
        before = len(queries(subj_p))
        st, _, _ = srv.req("GET", score_p, subj_p)
        eq((st, len(queries(subj_p)) - before), (200, 0), "the subject's own read: not logged")
        st, _, _ = srv.req("GET", score_p, subj_m)
        qs = queries(subj_p)
        eq((st, len(qs) - before, qs[0]["role"]), (200, 1, "subject"),
           "another subject's read: logged")
        st, _, _ = srv.req("GET", score_p)
        eq((st, len(queries(subj_p)) - before), (200, 1),
           "auth off, no token: answered, not logged (no client)")
        st, b, r = srv.req("GET", "/v1/me/queries")
        eq((st, b and b.get("type"), r.header("www-authenticate")),
           (401, PROBLEM + "unauthorized", "Bearer"), "auth off, /v1/me without a token: 401")
        before_m = len(queries(subj_m))
        st, _, _ = srv.req("GET", score_m + f"?purpose=trade_credit&consent_id={cid1}", fi_b)
        qs = queries(subj_m)
        eq((st, len(qs) - before_m, qs[0]["client_id"], qs[0]["consent_id"]),
           (200, 1, fi_b_id, None),
           "regression of issue 6: auth off, a person's consent_id on a merchant read: answered, "
           "logged without it")
        before = len(queries(subj_p))
        st, d2, r2 = srv.req("POST", "/v1/decisions", None, dec_body)
        eq((st, len(queries(subj_p)) - before), (201, 0),
           "auth off, a decision without a token: 201, not logged (no client)")
        st, _, _ = srv.req("GET", f"/v1/decisions/{did}", partner_b)
        eq(st, 200, "auth off: nothing is refused, another partner reads a decision: 200")
        srv.stop()
        # a decision stored without a creator (as before issue 6): admins only
        set_config(data, auth={"required": True})
        srv = Server(data, tmp, t0 + 7200)
        servers.append(srv)
        st, _, g = srv.req("GET", f"/v1/decisions/{d2['id']}", admin)
        eq((st, g.body), (200, r2.body),
           "regression of issue 6: a decision without a creator: an admin reads it, 200")
        for who, tok in (("partner A", partner_a), ("partner B", partner_b)):
            st, b, _ = srv.req("GET", f"/v1/decisions/{d2['id']}", tok)
            eq((st, b and b.get("type")), (404, PROBLEM + "unknown-decision"),
               f"regression of issue 6: a decision without a creator: {who} gets 404")
        st, _, g = srv.req("GET", f"/v1/decisions/{did}", partner_a)
        eq((st, g.body), (200, r_d1.body),
           "regression of issue 6: after restarts the creator still reads its decision")
        srv.stop()
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.stop(signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{n_tests}")
    sys.exit(1 if n_failed else 0)


if __name__ == "__main__":
    main()
