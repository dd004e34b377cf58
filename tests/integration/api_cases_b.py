"""Issue 6 B cases of tests/integration/test_api.py (run once per transport): createConsent,
listConsents, revokeConsent and listMyQueries, every status the spec declares for them, each
response checked against api/openapi.yaml by c.call's spec check.  The clients (subject
clients for the sample merchant and for a sample individual, an fi and an admin) are added to
the main server's data dir with the CLI; the registry is re-read by the running server within
1 s.  Requests carry only the token named here (the main server's default admin header is
replaced).  Consents are granted by the individual: the merchant's createConsent is 403
(regression of issue 6, breaker report defect 12)."""
import json
import subprocess
import sys
import time

MERCHANT = "92330782MA2KDDUY4M"
PERSON_DOC = "330782196802154703"  # an individual of samples/yiwu-sxbzxr.jsonl
JSON = [("content-type", "application/json")]
PROBLEM = "urn:yrdcredit:problem:"


def _eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


class _B:
    def __init__(self, c):
        self.c = c

    def client(self, role, name, *extra):
        """(token, client id) of a client of the main data dir, added once per test run."""
        cache = self.c.ctx.__dict__.setdefault("b_clients", {})
        if name in cache:
            return cache[name]
        data = self.c.main.data
        p = subprocess.run([self.c.ctx.cli, "--data", data, "clients", "add", "--role", role,
                            "--name", name, *extra], capture_output=True, text=True, check=False)
        tok = p.stdout.strip()
        _eq((p.returncode, bool(tok)), (0, True), f"clients add {role}: {p.stderr}")
        lst = subprocess.run([self.c.ctx.cli, "--data", data, "clients", "list"],
                             capture_output=True, text=True, check=True).stdout
        ids = [ln.split("\t")[0] for ln in lst.splitlines()
               if len(ln.split("\t")) > 3 and ln.split("\t")[3] == name]
        _eq(len(ids), 1, f"clients list: one client named {name}")
        deadline = time.monotonic() + 5
        while True:  # recognised by the running server (not 401)
            r, _ = self.call("GET", "/v1/me/queries", tok, check=False)
            if r.status != 401:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the {role} client is not recognised within 5 s")
            time.sleep(0.1)
        cache[name] = (tok, ids[0])
        return cache[name]

    def call(self, method, target, token=None, body=b"", headers=(), check=True):
        hdrs = list(headers)
        if token is not None:
            hdrs.append(("authorization", f"Bearer {token}"))
        with self.c.main.client(self.c.t, default_headers=[]) as cl:
            r = cl.request(method, target, hdrs, body)
        b = self.c.spec.check(self.c.t, method, target, r) if check else None
        return r, b

    def problem(self, method, target, token, status, kind, body=b"", headers=()):
        r, b = self.call(method, target, token, body, headers)
        _eq((r.status, r.header("content-type"), b and b.get("type")),
            (status, "application/problem+json", PROBLEM + kind), f"{method} {target}")
        return r, b

    def setup(self):
        subj, _ = self.client("subject", f"b-merchant-{self.c.t}", "--subject", MERCHANT)
        fi, fi_id = self.client("fi", f"b-bank-{self.c.t}")
        admin, _ = self.client("admin", f"b-admin-{self.c.t}")
        return subj, fi, fi_id, admin

    def person(self):
        """The token of a subject client for the sample individual (its pseudonym from
        `yrdcredit lookup`): consents are an individual's."""
        p = subprocess.run([self.c.ctx.cli, "--data", self.c.main.data, "lookup", "--doc-type",
                            "resident_id", "-"], input=PERSON_DOC, capture_output=True,
                           text=True, check=False)
        pseud = p.stdout.strip()
        _eq((p.returncode, pseud[:1]), (0, "P"), f"yrdcredit lookup: {p.stderr}")
        tok, _ = self.client("subject", f"b-person-{self.c.t}", "--subject", pseud)
        return tok

    def consent_body(self, fi_id):
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400))
        return json.dumps({"client_id": fi_id, "purpose": "loan_approval",
                           "scope": ["score", "records"], "expires_at": exp}).encode()

    # ---- cases ----

    def create(self):
        merchant, _, fi_id, admin = self.setup()
        subj = self.person()
        body = self.consent_body(fi_id)
        r, b = self.call("POST", "/v1/me/consents", subj, body, JSON)
        _eq(r.status, 201, f"createConsent: status ({r.body[:200]!r})")
        _eq(r.header("location"), f"/v1/me/consents/{b['consent_id']}", "createConsent location")
        _eq((b["client_id"], b["purpose"], b["purpose_label"], b["scope"], b["state"],
             len(b["receipt"].split("."))),
            (fi_id, "loan_approval", "贷款审批", ["score", "records"], "active", 3),
            "createConsent body")
        bad = json.loads(body)
        bad["scope"] = ["everything"]
        _, p = self.problem("POST", "/v1/me/consents", subj, 400, "invalid-field",
                            json.dumps(bad).encode(), JSON)
        _eq(p.get("field"), "/scope/0", "createConsent 400 field")
        self.problem("POST", "/v1/me/consents", None, 401, "unauthorized", body, JSON)
        self.problem("POST", "/v1/me/consents", admin, 403, "forbidden", body, JSON)
        # regression of issue 6 (defect 12): a merchant grants no consent
        r, p = self.problem("POST", "/v1/me/consents", merchant, 403, "forbidden", body, JSON)
        _eq((p.get("reason"), r.header("www-authenticate")),
            ("individuals_only", 'Bearer error="insufficient_scope"'),
            "regression of issue 6: createConsent by a merchant: 403 reason")
        limit = getattr(sys.modules.get("__main__"), "BODY_LIMIT", 1048576)
        self.problem("POST", "/v1/me/consents", subj, 413, "payload-too-large",
                     body[:-1] + b" " * (limit + 1 - len(body)) + b"}", JSON)
        self.problem("POST", "/v1/me/consents", subj, 415, "unsupported-media-type", body,
                     [("content-type", "text/plain")])

    def listing(self):
        _, _, fi_id, admin = self.setup()
        subj = self.person()
        r, b = self.call("POST", "/v1/me/consents", subj, self.consent_body(fi_id), JSON)
        _eq(r.status, 201, "a consent to list")
        r, page = self.call("GET", "/v1/me/consents?limit=100", subj)
        _eq((r.status, b["consent_id"] in [x["consent_id"] for x in page["consents"]]),
            (200, True), "listConsents: 200 with the new consent")
        _, p = self.problem("GET", "/v1/me/consents?limit=0", subj, 400, "invalid-parameter")
        _eq(p.get("field"), "limit", "listConsents 400 field")
        self.problem("GET", "/v1/me/consents", None, 401, "unauthorized")
        self.problem("GET", "/v1/me/consents", admin, 403, "forbidden")

    def revoke(self):
        _, _, fi_id, admin = self.setup()
        subj = self.person()
        r, b = self.call("POST", "/v1/me/consents", subj, self.consent_body(fi_id), JSON)
        target = f"/v1/me/consents/{b['consent_id']}"
        self.problem("DELETE", target, None, 401, "unauthorized")
        self.problem("DELETE", target, admin, 403, "forbidden")
        r, d = self.call("DELETE", target, subj)
        _eq((r.status, d["state"], d["consent_id"]), (200, "revoked", b["consent_id"]),
            "revokeConsent: 200 revoked")
        self.problem("DELETE", target, subj, 409, "consent-revoked")
        self.problem("DELETE", "/v1/me/consents/cs_" + "A" * 22, subj, 404, "unknown-consent")

    def queries(self):
        subj, fi, fi_id, admin = self.setup()
        # an fi read of the merchant's score, with a purpose: one entry in its log
        r, _ = self.call("GET", f"/v1/subjects/{MERCHANT}/score?purpose=trade_credit", fi)
        _eq(r.status, 200, "fi read of the merchant with a purpose")
        r, b = self.call("GET", "/v1/me/queries?limit=1", subj)
        e = b["queries"][0]
        _eq((r.status, b["subject_id"], e["client_id"], e["role"], e["purpose"],
             e["purpose_label"], e["route"], e["status"]),
            (200, MERCHANT, fi_id, "fi", "trade_credit", "赊销信用审查", "score", 200),
            "listMyQueries: the read, newest first")
        _, p = self.problem("GET", "/v1/me/queries?cursor=0", subj, 400, "invalid-parameter")
        _eq(p.get("field"), "cursor", "listMyQueries 400 field")
        self.problem("GET", "/v1/me/queries", None, 401, "unauthorized")
        self.problem("GET", "/v1/me/queries", admin, 403, "forbidden")


def cases(c):
    b = _B(c)
    return [
        ("createConsent (issue 6 B): 201 with location and receipt; 400 scope; 401 no token; "
         "403 admin; 403 merchant (regression of issue 6: consents are individuals'); 413 one "
         "byte past the body limit; 415", b.create),
        ("listConsents: 200; 400 limit; 401; 403", b.listing),
        ("revokeConsent: 200 revoked; 409 again; 404 unknown; 401; 403", b.revoke),
        ("listMyQueries: 200 with an fi read of the merchant (purpose, label, route); 400 "
         "cursor; 401; 403", b.queries),
    ]
