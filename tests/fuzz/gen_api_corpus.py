#!/usr/bin/python3
"""Write the seed corpus of tests/fuzz/fuzz_api.c into tests/fuzz/corpus/api/.

usage: /usr/bin/python3 tests/fuzz/gen_api_corpus.py [OUT_DIR]

Each seed is `METHOD TARGET`, header lines, an empty line, then the body (see fuzz_api.c).
Record bodies come from samples/ and tests/data/api/ (real rows), so the JSON record decoder of
POST /v1/records starts from accepted input.  Deterministic: running it again writes the same
files.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "api")
USCC = "91330782MA2B31FL7T"
JSON = "content-type: application/json"


def seed(name, method, target, body=b"", headers=()):
    if isinstance(body, str):
        body = body.encode()
    head = "%s %s\n%s\n" % (method, target, "".join(h + "\n" for h in headers))
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(head.encode() + body)


def first_line(path):
    with open(path, encoding="utf-8") as f:
        return json.loads(f.readline())


def main():
    os.makedirs(OUT, exist_ok=True)
    rec = first_line(os.path.join(ROOT, "samples", "yiwu-records.jsonl"))
    rec["decision_no"] = rec["decision_no"].replace("0101", "0777")
    sx = first_line(os.path.join(ROOT, "samples", "yiwu-sxbzxr.jsonl"))
    cn = first_line(os.path.join(ROOT, "samples", "yiwu-xycn.jsonl"))
    cf = first_line(os.path.join(ROOT, "tests", "data", "api", "cf-row.json"))
    xk = first_line(os.path.join(ROOT, "tests", "data", "api", "xk-row.json"))
    d = lambda o: json.dumps(o, ensure_ascii=False)
    seed("records-one", "POST", "/v1/records", d([rec]), [JSON])
    seed("records-object", "POST", "/v1/records", d(rec), [JSON])
    seed("records-kinds", "POST", "/v1/records?atomic=true", d([rec, sx, cn]), [JSON])
    seed("records-rows", "POST", "/v1/records", d([cf, xk]), [JSON])
    seed("records-ndjson", "POST", "/v1/records", d(cf) + "\n" + d(xk) + "\n",
         ["content-type: application/x-ndjson"])
    seed("records-mixed-bad", "POST", "/v1/records",
         d([{"CF_WSH": "X-1", "code": "B01"}, 5, {"CF_SY": 1}]), [JSON])
    seed("records-no-auth", "POST", "/v1/records", d([rec]), [JSON, "authorization: -"])
    seed("records-revoke", "POST", "/v1/records/1/revoke", d({"reason": "错误录入"}), [JSON])
    seed("score", "GET", "/v1/subjects/%s/score?purpose=loan_approval" % USCC)
    seed("score-etag", "GET", "/v1/subjects/%s/score" % USCC, headers=['if-none-match: "x"'])
    seed("subject-records", "GET", "/v1/subjects/%s/records?limit=2&cursor=1" % USCC)
    seed("lookup", "POST", "/v1/subjects/lookup",
         d({"doc_type": "resident_id", "number": "11010519491231002X"}), [JSON])
    seed("attest-issue", "POST", "/v1/subjects/%s/attestations" % USCC,
         d({"purpose": "loan_approval"}), [JSON])
    seed("attest-list", "GET", "/v1/subjects/%s/attestations?purpose=loan_approval" % USCC)
    seed("attest-verify", "POST", "/v1/attestations/verify",
         d({"token": "eyJhbGciOiJFZERTQSJ9.e30.AAAA~", "aud": "x"}), [JSON])
    seed("attest-revoke", "POST", "/v1/attestations/abc/revoke", d({"reason": "x"}), [JSON])
    seed("decision", "POST", "/v1/decisions",
         d({"subject_id": USCC, "matter": "public_bidding", "as_of": "2026-01-01"}), [JSON])
    seed("decision-get", "GET", "/v1/decisions/dc_AAAAAAAAAAAAAAAAAAAAAA")
    seed("shared", "POST", "/v1/shared-records", d({"records": "x"}), [JSON])
    seed("objection-resolve", "POST", "/v1/objections/ob_x/resolve",
         d({"outcome": "rejected", "reason": "经复核处罚事实清楚"}), [JSON])
    seed("repair-approve", "POST", "/v1/repairs/rp_x/approve", d({}), [JSON])
    seed("me-consent", "POST", "/v1/me/consents",
         d({"client_id": "cl_x", "purpose": "loan_approval", "days": 30}), [JSON])
    seed("measures", "GET", "/v1/measures?region=330782")
    seed("audit", "GET", "/v1/audit?limit=5&action=policy_reload")
    seed("status-list", "GET", "/v1/status-lists/1")
    seed("jwks", "GET", "/.well-known/jwks.json", headers=["authorization: -"])
    seed("healthz", "GET", "/healthz", headers=["authorization: -"])
    seed("method", "DELETE", "/v1/me/consents/cs_AAAAAAAAAAAAAAAAAAAAAA")


if __name__ == "__main__":
    main()
