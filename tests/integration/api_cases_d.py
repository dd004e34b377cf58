"""Engineer D's cases for tests/integration/test_api.py (issue 6 items 4 and 6): the
self-service routes (getMe, getMyScore, listMyRecords, issueMyAttestation) and credit repair
(createRepair, listMyRepairs, listRepairs, approveRepair, rejectRepair), every status the spec
declares for them except 401 and 403, which test_api.py's auth_refusals case produces for every
operation.  Per transport, a new merchant (its USCC derived from the transport's name) gets an
N06 and an N07 (repairable from their decision date), an N04 (repairable a year after it) and an
N11 (not repairable) through POST /v1/records, and a subject client of its own; another subject
client is bound to a merchant without records.  cases(c) -> [(description, fn)], c being
test_api.py's Cases instance."""

import datetime
import hashlib
import json

PROBLEM = "urn:yrdcredit:problem:"
JSON = [("content-type", "application/json")]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def _uscc(seed):
    """A valid 统一社会信用代码 (GB 32100-2015, GB 11714 checks) derived from seed."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:8]
    org = sum(int(ch) * w for ch, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2)))
    k = 11 - org % 11
    body = "91330782" + digits + ("X" if k == 10 else "0" if k == 11 else str(k))
    s = sum(USCC_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    return body + USCC_ALPHABET[(31 - s % 31) % 31]


def _days_ago(n):
    return (datetime.date.today() - datetime.timedelta(days=n)).isoformat()


class _State:
    """Per transport: the merchant, its record ids by code, the clients' headers."""

    def __init__(self, c):
        self.sid = _uscc(f"api-cases-d-{c.t}")
        self.none = _uscc(f"api-cases-d-none-{c.t}")
        recs = []
        for n, (code, ago) in enumerate((("N06", 30), ("N07", 20), ("N04", 10), ("N11", 5))):
            recs.append({"subject_type": "legal_person", "subject_id": self.sid,
                         "name": f"义乌市接口测试{c.t}贸易有限公司", "code": code,
                         "decision_no": f"义测D〔{c.t}〕第{n}号", "decision_date": _days_ago(ago),
                         "authority_name": "义乌市市场监督管理局",
                         "authority_uscc": "11330782MB1A07019X", "legal_basis": "《测试条例》"})
        body = "\n".join(json.dumps(r, ensure_ascii=False) for r in recs).encode()
        r, _ = c.call(c.main, "POST", "/v1/records", [("content-type", "application/x-ndjson")],
                      body)
        _eq(r.status, 200, "POST /v1/records of the test merchant")
        b = c.ok200(c.main, "GET", f"/v1/subjects/{self.sid}/records")
        self.ids = {x["code"]: x["record_id"] for x in b["records"]}
        self.me = [("authorization", "Bearer " + c.token("subject", name=f"d-me-{c.t}",
                                                         subject=self.sid))]
        self.nobody = [("authorization", "Bearer " + c.token("subject", name=f"d-none-{c.t}",
                                                             subject=self.none))]
        self.repairs = {}


def _state(c):
    key = f"api_cases_d_{c.t}"
    if key not in c.ctx.__dict__:
        c.ctx.__dict__[key] = _State(c)
    return c.ctx.__dict__[key]


def me_routes(c):
    s = _state(c)
    r, b = c.call(c.main, "GET", "/v1/me", s.me)
    _eq((r.status, b["subject_id"], b["uscc"], b["known"], b["records"]["total"]),
        (200, s.sid, s.sid, True, 4), "GET /v1/me")
    c.problem(c.main, "GET", "/v1/me?x=1", 400, "invalid-parameter", "x", headers=s.me)
    r, _ = c.problem(c.main, "POST", "/v1/me", 405, "method-not-allowed", headers=s.me + JSON,
                     body=b"{}")
    _eq(r.header("allow"), "GET, HEAD", "POST /v1/me: allow")
    r, b = c.call(c.main, "GET", "/v1/me/score", s.me)
    _eq((r.status, b["subject_id"], [x["code"] for x in b["reasons"]]),
        (200, s.sid, ["N04", "N06", "N07", "N11"]), "GET /v1/me/score")
    # merchant base 700 - 50 (N06) - 30 (N07) - 150 (N04) - 200 (N11) = 270, gate D
    _eq((b["score"], b["grade"], {x["code"]: x["score_if_repaired"] for x in b["reasons"]}),
        (270, "D", {"N04": 420, "N06": 320, "N07": 300, "N11": None}),
        "score and score_if_repaired")
    c.problem(c.main, "GET", "/v1/me/score?as_of=2026-02-30", 400, "invalid-parameter", "as_of",
              headers=s.me)
    c.problem(c.main, "GET", "/v1/me/score", 404, "unknown-subject", "subject_id",
              headers=s.nobody)
    r, b = c.call(c.main, "GET", "/v1/me/records?limit=1", s.me)
    _eq((r.status, b["subject_id"], len(b["records"])), (200, s.sid, 1), "GET /v1/me/records")
    c.problem(c.main, "GET", "/v1/me/records?limit=0", 400, "invalid-parameter", "limit",
              headers=s.me)
    c.problem(c.main, "GET", "/v1/me/records", 404, "unknown-subject", "subject_id",
              headers=s.nobody)


def my_attestations(c):
    s = _state(c)
    r, b = c.call(c.main, "POST", "/v1/me/attestations", s.me + JSON, b"{}")
    _eq(r.status, 201, "POST /v1/me/attestations")
    c.problem(c.main, "POST", "/v1/me/attestations", 400, "malformed-json", "",
              headers=s.me + JSON, body=b"{")
    c.problem(c.main, "POST", "/v1/me/attestations", 404, "unknown-subject", "subject_id",
              headers=s.nobody + JSON, body=b"{}")
    c.problem(c.main, "POST", "/v1/me/attestations", 415, "unsupported-media-type",
              headers=s.me + [("content-type", "text/plain")], body=b"{}")
    r, _ = c.problem(c.main, "GET", "/v1/me/attestations", 405, "method-not-allowed",
                     headers=s.me)
    _eq(r.header("allow"), "POST", "GET /v1/me/attestations: allow")


def _file(c, s, code, status=201, kind=None, field=...):
    body = json.dumps({"record_id": s.ids[code], "commitment": "承诺按期整改",
                       "evidence": ["整改报告"]}, ensure_ascii=False).encode()
    if kind is None:
        r, b = c.call(c.main, "POST", "/v1/me/repairs", s.me + JSON, body)
        _eq(r.status, status, f"POST /v1/me/repairs {code}")
        return r, b
    return c.problem(c.main, "POST", "/v1/me/repairs", status, kind, field, headers=s.me + JSON,
                     body=body)


def repair_filing(c):
    s = _state(c)
    r, b = _file(c, s, "N06")
    _eq((r.header("location"), b["status"]), (f"/v1/repairs/{b['id']}", "pending"),
        "createRepair: location and status")
    s.repairs["N06"] = b["id"]
    r, b = _file(c, s, "N07")
    s.repairs["N07"] = b["id"]
    _file(c, s, "N06", 409, "repair-conflict", "record_id")
    _, b = _file(c, s, "N04", 422, "repair-too-early", "record_id")
    d = datetime.date.fromisoformat(_days_ago(10))  # N04: pub_min_end = decision + 12 months
    try:
        want = d.replace(year=d.year + 1)
    except ValueError:  # 29 February: the last day of the month
        want = d.replace(year=d.year + 1, day=28)
    _eq(b["repair_from"], want.isoformat(), "repair_from: the N04's pub_min_end")
    _, b = _file(c, s, "N11", 422, "not-repairable", "record_id")
    _eq(b["code"], "N11", "not-repairable names the code")
    c.problem(c.main, "POST", "/v1/me/repairs", 404, "unknown-record", "record_id",
              headers=s.me + JSON,
              body=b'{"record_id":"999999999","commitment":"c","evidence":"e"}')
    c.problem(c.main, "POST", "/v1/me/repairs", 400, "invalid-field", "/evidence",
              headers=s.me + JSON, body=b'{"record_id":"1","commitment":"c","evidence":[]}')
    c.problem(c.main, "POST", "/v1/me/repairs", 415, "unsupported-media-type",
              headers=s.me + [("content-type", "text/plain")], body=b"{}")
    r, _ = c.problem(c.main, "PUT", "/v1/me/repairs", 405, "method-not-allowed",
                     headers=s.me + JSON, body=b"{}")
    _eq(r.header("allow"), "GET, HEAD, POST", "PUT /v1/me/repairs: allow")
    r, b = c.call(c.main, "GET", "/v1/me/repairs", s.me)
    _eq((r.status, sorted(x["id"] for x in b["repairs"]), b["next_cursor"]),
        (200, sorted([s.repairs["N06"], s.repairs["N07"]]), None), "listMyRepairs")
    c.problem(c.main, "GET", "/v1/me/repairs?limit=0", 400, "invalid-parameter", "limit",
              headers=s.me)


def repair_decisions(c):
    s = _state(c)
    b = c.ok200(c.main, "GET", "/v1/repairs?status=pending&limit=100")
    ids = [x["id"] for x in b["repairs"]]
    _eq(s.repairs["N06"] in ids and s.repairs["N07"] in ids, True, "listRepairs pending")
    c.problem(c.main, "GET", "/v1/repairs?status=open", 400, "invalid-parameter", "status")
    rid = s.repairs["N06"]
    b = c.ok200(c.main, "POST", f"/v1/repairs/{rid}/approve", JSON, b"{}")
    _eq((b["status"], b["record"]["status"]), ("approved", "repaired"), "approveRepair")
    c.problem(c.main, "POST", f"/v1/repairs/{rid}/approve", 409, "repair-conflict", "id",
              headers=JSON, body=b"{}")
    c.problem(c.main, "POST", "/v1/repairs/rp_x/approve", 400, "invalid-parameter", "id",
              headers=JSON, body=b"{}")
    c.problem(c.main, "POST", "/v1/repairs/rp_" + "Z" * 22 + "/approve", 404, "unknown-repair",
              "id", headers=JSON, body=b"{}")
    rid = s.repairs["N07"]
    c.problem(c.main, "POST", f"/v1/repairs/{rid}/reject", 400, "invalid-field", "/reason",
              headers=JSON, body=b"{}")
    b = c.ok200(c.main, "POST", f"/v1/repairs/{rid}/reject", JSON,
                json.dumps({"reason": "证明不足"}, ensure_ascii=False).encode())
    _eq((b["status"], b["reason"]), ("rejected", "证明不足"), "rejectRepair")
    c.problem(c.main, "POST", f"/v1/repairs/{rid}/reject", 409, "repair-conflict", "id",
              headers=JSON, body=b'{"reason":"again"}')
    c.problem(c.main, "POST", "/v1/repairs/rp_x/reject", 400, "invalid-parameter", "id",
              headers=JSON, body=b'{"reason":"r"}')
    c.problem(c.main, "POST", "/v1/repairs/rp_" + "Z" * 22 + "/reject", 404, "unknown-repair",
              "id", headers=JSON, body=b'{"reason":"r"}')
    r, b = c.call(c.main, "GET", "/v1/me/score", s.me)
    _eq((r.status, [x["code"] for x in b["reasons"]]), (200, ["N04", "N07", "N11"]),
        "after approval N06 no longer counts")


def cases(c):
    return [
        ("GET /v1/me, /v1/me/score, /v1/me/records of a subject client: 200, 400, 404, 405",
         lambda: me_routes(c)),
        ("POST /v1/me/attestations: 201, 400, 404, 405, 415", lambda: my_attestations(c)),
        ("POST and GET /v1/me/repairs: 201 with location, 409 pending, 422 too early (repair_from)"
         " and not repairable, 404 record_id, 400, 405, 415", lambda: repair_filing(c)),
        ("GET /v1/repairs, POST /v1/repairs/{id}/approve|reject: 200, 400, 404, 409",
         lambda: repair_decisions(c)),
    ]
