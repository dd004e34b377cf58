"""Engineer C's cases for tests/integration/test_api.py (issue 6 items 5 and 8): the objection
routes (createObjection, listMyObjections, listObjections, resolveObjection) and revokeRecord,
every status they declare except the 401 and 403 of the route x role table (test_api.py's
auth_refusals produces those).  Each transport works on a record of its own (posted here under
a company no other case uses), so the two runs do not see each other's objections.
cases(c) -> [(description, fn)], c being test_api.py's Cases instance."""

import datetime
import json

PROBLEM = "urn:yrdcredit:problem:"
JSON = [("content-type", "application/json")]
TAX = "11330782MB1A070519"     # 义乌市税务局 (samples/)
MARKET = "11330782MB1A07019X"  # 义乌市市场监督管理局
UNKNOWN_OB = "ob_" + "A" * 22


def _eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def _uscc(first16):
    """first16 + the GB 11714 check character of its organisation code + the GB 32100-2015
    check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

    def val(ch):
        return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10

    c = 11 - sum(val(ch) * w for ch, w in zip(first16[8:16], (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    first17 = first16 + {10: "X", 11: "0"}.get(c, str(c))
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(ch) * w for ch, w in zip(first17, weights))
    return first17 + alphabet[(31 - total % 31) % 31]


COMPANY = _uscc("91330782MA2CDEFG")  # no sample record names it


def _auth(tok):
    return [("authorization", f"Bearer {tok}")]


# a decision of four weeks ago: inside every code's publication period whatever day the test
# runs (a record past its maximum period is "expired" and takes no objection, breaker defect 4)
RECENT = ((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()
          - datetime.timedelta(days=28)).isoformat()


class _State:
    """The record and clients of one transport's run."""

    def __init__(self, c):
        self.c = c
        self.subject = c.token("subject", name="objections-c-subject", subject=COMPANY)
        self.tax = c.token("provider", name="objections-c-tax", authority=TAX)
        self.market = c.token("provider", name="objections-c-market", authority=MARKET)
        rec = {"subject_type": "legal_person", "subject_id": COMPANY, "name": "义乌市异议测试有限公司",
               "code": "N02", "decision_no": f"义税罚字〔2026〕C{c.tag}号",
               "decision_date": RECENT, "authority_name": "国家税务总局义乌市税务局",
               "authority_uscc": TAX, "legal_basis": "《中华人民共和国税收征收管理法》第六十条",
               "amount": "0.2", "region": "330782"}
        b = c.ok200(c.main, "POST", "/v1/records", JSON, json.dumps(rec).encode())
        _eq([x.get("status") for x in b["results"]], ["imported"], "the case's record posted")
        self.rid = b["results"][0]["record_id"]


def _state(c):
    key = f"objections_c_{c.t}"
    if key not in c.ctx.__dict__:
        c.ctx.__dict__[key] = _State(c)
    return c.ctx.__dict__[key]


def create_and_list(c):
    s = _state(c)
    body = json.dumps({"record_id": s.rid, "reason": "处罚对象有误"}).encode()
    r, b = c.call(c.main, "POST", "/v1/me/objections", JSON + _auth(s.subject), body)
    _eq(r.status, 201, f"POST /v1/me/objections (body {r.body[:300]!r})")
    _eq(r.header("location"), f"/v1/objections/{b['id']}", "location")
    _eq((b["record_id"], b["subject_id"], b["authority_uscc"], b["status"], b["outcome"],
         b["record"]["status"]),
        (s.rid, COMPANY, TAX, "open", None, "disputed"), "the objection filed")
    s.ob = b["id"]
    c.problem(c.main, "POST", "/v1/me/objections", 409, "objection-conflict", "record_id",
              headers=JSON + _auth(s.subject), body=body)
    c.problem(c.main, "POST", "/v1/me/objections", 404, "unknown-record", "record_id",
              headers=JSON + _auth(s.subject),
              body=json.dumps({"record_id": "99999999", "reason": "x"}).encode())
    c.problem(c.main, "POST", "/v1/me/objections", 400, "invalid-field", "/reason",
              headers=JSON + _auth(s.subject),
              body=json.dumps({"record_id": s.rid, "reason": ""}).encode())
    c.problem(c.main, "POST", "/v1/me/objections", 415, "unsupported-media-type",
              headers=[("content-type", "text/plain")] + _auth(s.subject), body=body)
    # the subject's list, and the provider's
    b = c.ok200(c.main, "GET", "/v1/me/objections?limit=100", _auth(s.subject))
    _eq([(o["id"], o["status"]) for o in b["objections"]][-1], (s.ob, "open"),
        "GET /v1/me/objections: the new one last (oldest first)")
    c.problem(c.main, "GET", "/v1/me/objections?limit=0", 400, "invalid-parameter", "limit",
              headers=_auth(s.subject))
    b = c.ok200(c.main, "GET", "/v1/objections?status=open&limit=100", _auth(s.tax))
    _eq(s.ob in [o["id"] for o in b["objections"]], True, "the tax bureau lists it")
    b = c.ok200(c.main, "GET", "/v1/objections?limit=100", _auth(s.market))
    _eq(s.ob in [o["id"] for o in b["objections"]], False, "the market regulator does not")
    c.problem(c.main, "GET", "/v1/objections?status=bogus", 400, "invalid-parameter", "status")
    c.problem(c.main, "GET", "/v1/objections?cursor=ob_x", 400, "invalid-parameter", "cursor")


def resolve(c):
    s = _state(c)
    target = f"/v1/objections/{s.ob}/resolve"
    reject = json.dumps({"outcome": "rejected", "reason": "经核查无误"}).encode()
    c.problem(c.main, "POST", target, 403, "forbidden", "id", headers=JSON + _auth(s.market),
              body=reject)
    c.problem(c.main, "POST", target, 415, "unsupported-media-type",
              headers=[("content-type", "text/plain")] + _auth(s.tax), body=reject)
    c.problem(c.main, "POST", target, 400, "invalid-field", "/outcome",
              headers=JSON + _auth(s.tax), body=b'{"outcome":"maybe"}')
    c.problem(c.main, "POST", "/v1/objections/x/resolve", 400, "invalid-parameter", "id",
              headers=JSON + _auth(s.tax), body=reject)
    c.problem(c.main, "POST", f"/v1/objections/{UNKNOWN_OB}/resolve", 404, "unknown-objection",
              "id", headers=JSON + _auth(s.tax), body=reject)
    b = c.ok200(c.main, "POST", target, JSON + _auth(s.tax), reject)
    _eq((b["status"], b["outcome"], b["resolution"], b["record"]["status"]),
        ("resolved", "rejected", "经核查无误", "active"), "rejected: the record active again")
    c.problem(c.main, "POST", target, 409, "objection-conflict", "id",
              headers=JSON + _auth(s.tax), body=reject)


def revoke(c):
    s = _state(c)
    target = f"/v1/records/{s.rid}/revoke"
    c.problem(c.main, "POST", target, 403, "forbidden", "id", headers=_auth(s.market))
    c.problem(c.main, "POST", "/v1/records/99999999/revoke", 404, "unknown-record", "id",
              headers=_auth(s.tax))
    c.problem(c.main, "POST", "/v1/records/abc/revoke", 400, "invalid-parameter", "id",
              headers=_auth(s.tax))
    b = c.ok200(c.main, "POST", target, JSON + _auth(s.tax), b"{}")
    _eq((b["record_id"], b["status"]), (s.rid, "revoked"), "revoked")
    r, b = c.problem(c.main, "POST", target, 409, "record-conflict", "id", headers=_auth(s.tax))
    _eq(b.get("record_status"), "revoked", "record_status of the 409")


def methods_and_not_ready(c):
    s = _state(c)
    for method, target, allow in (("PUT", "/v1/me/objections", "GET, HEAD, POST"),
                                  ("POST", "/v1/objections", "GET, HEAD"),
                                  ("GET", f"/v1/objections/{UNKNOWN_OB}/resolve", "POST"),
                                  ("GET", f"/v1/records/{s.rid}/revoke", "POST")):
        r, _ = c.problem(c.main, method, target, 405, "method-not-allowed")
        _eq(r.header("allow"), allow, f"{method} {target}: allow")
    nr = c.ctx.servers["notready"]
    c.problem(nr, "GET", "/v1/objections", 503, "not-ready")
    c.problem(nr, "POST", f"/v1/objections/{UNKNOWN_OB}/resolve", 503, "not-ready",
              headers=JSON, body=b'{"outcome":"upheld","action":"revoke"}')
    c.problem(nr, "POST", "/v1/records/1/revoke", 503, "not-ready")


def cases(c):
    return [
        ("POST /v1/me/objections 201 (disputed), 409, 404, 400, 415; GET /v1/me/objections 200, "
         "400; GET /v1/objections 200 per provider, 400", lambda: create_and_list(c)),
        ("POST /v1/objections/{id}/resolve 403 another provider, 415, 400, 404, 200 rejected, "
         "409 a second time", lambda: resolve(c)),
        ("POST /v1/records/{id}/revoke 403 another provider, 404, 400, 200, 409 again",
         lambda: revoke(c)),
        ("405 on the objection and revoke routes; 503 on a not-ready instance",
         lambda: methods_and_not_ready(c)),
    ]
