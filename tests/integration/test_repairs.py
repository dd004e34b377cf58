#!/usr/bin/python3
"""Issue 6 item 6 end to end: credit repair (信用修复) against the real yrdcreditd over h2c
(python3-h2), with "auth": {"required": true} in DATA/config.json.  The data, clients and
helpers are those of test_me.py (same directory): merchant M1 with B01, N06 (repairable from its
decision date 2027-02-01), N04 (repairable from 2028-01-10) and N11 (not repairable); another
merchant M2; the server's wall clock frozen by libfaketime at T0 = 2027-06-15, then at
T1 = 2028-01-10 (a restart), so the repair dates are exact.

Lifecycle: the exact score before filing (300); filing refused with the reason (N04 too early:
repair_from 2028-01-10; N11 and B01 not repairable; another subject's record 404; limits of
the commitment and evidence at the limit and one past); the N06 application filed with a
1000-byte commitment and 8 evidence items of 200 bytes (201, location); a second one 409; an
attestation issued before; approval by the admin (subject and fi 403): the record `repaired` at
once, the score 350 = the score_if_repaired /v1/me/score showed, also through
getSubjectScore's cache; the listing marks it repaired; a second decision 409; the audit
entries exactly (`yrdcredit audit --json`); the earlier attestation still verifies valid and is
revoked by the subject (another subject: 404).  At T1: N04 filed, rejected with a reason
(required), refiled and approved: 500.  TAP.
usage: test_repairs.py YRDCREDIT YRDCREDITD SOURCE_ROOT
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_me as base  # noqa: E402  (argv: YRDCREDIT YRDCREDITD SOURCE_ROOT)
from test_me import CLI, M1, M2, PROBLEM, T0, check, eq, run  # noqa: E402

T1 = "2028-01-10 12:00:00"


def record_ids(srv, admin, sid):
    st, b, _ = srv.req("GET", f"/v1/subjects/{sid}/records", admin)
    if st != 200:
        base.bail(f"records of {sid}: {st}")
    return {x["code"]: x["record_id"] for x in b["records"]}


def audit(data, action):
    p = run([CLI, "--data", data, "audit", "--action", action, "--json"])
    if p.returncode != 0:
        return None
    out = json.loads(p.stdout)
    return out if isinstance(out, list) else out.get("entries", out)


def main():
    print("TAP version 13")
    tmp = tempfile.mkdtemp(prefix="yc_rep_")
    srv = None
    try:
        data = base.setup(tmp)
        admin, admin_id = base.client(data, "admin", "r-admin")
        fi, _ = base.client(data, "fi", "r-bank")
        m1, m1_id = base.client(data, "subject", "r-m1", M1)
        m2, _ = base.client(data, "subject", "r-m2", M2)
        # one worker: the score cache the approval must invalidate is the one every request uses
        srv = base.Server(data, tmp, T0, workers=1)
        at_t0(srv, data, admin, admin_id, fi, m1, m2)
        srv.stop()
        srv = base.Server(data, tmp, T1)
        at_t1(srv, data, admin, admin_id, m1)
        srv.stop()
        srv = None
        with open(os.path.join(data, "lmdb", "data.mdb"), "rb") as f:
            mdb = f.read()
        check(b"19581031" not in mdb and "１９５８１０３１".encode() not in mdb,
              "regression of issue 6: the refused document numbers are not in lmdb/data.mdb")
    finally:
        if srv is not None:
            srv.stop()
        logs = b""
        for name in sorted(os.listdir(tmp)):
            if name.startswith("daemon."):
                with open(os.path.join(tmp, name), "rb") as f:
                    logs += f.read()
        check(b"AddressSanitizer" not in logs and b"runtime error" not in logs,
              "no sanitizer report on the servers' stderr", logs[-2000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{base.n_tests}")
    sys.exit(1 if base.n_failed else 0)


def filing(rid, commitment="本单位已整改完毕，承诺守法经营。", evidence=("整改报告",)):
    return {"record_id": rid, "commitment": commitment, "evidence": list(evidence)}


def at_t0(srv, data, admin, admin_id, fi, m1, m2):
    ids = record_ids(srv, admin, M1)
    other = record_ids(srv, admin, M2)["N06"]
    # the score before, and what /v1/me/score promises
    st, b, _ = srv.req("GET", "/v1/me/score", m1)
    eq((st, b["score"]), (200, 300), "score before filing: 300")
    promised = {x["code"]: x["score_if_repaired"] for x in b["reasons"]}
    eq(promised, {"N04": 450, "N06": 350, "N11": None}, "score_if_repaired before filing")
    for i in range(2):  # the second answer comes from the score cache
        st, b, _ = srv.req("GET", f"/v1/subjects/{M1}/score", admin)
        eq((st, b["score"]), (200, 300), f"getSubjectScore before ({i + 1}): 300")

    # refusals, each with its reason
    st, b, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing(ids["N04"]))
    eq((st, b["type"], b["field"], b.get("repair_from")),
       (422, PROBLEM + "repair-too-early", "record_id", "2028-01-10"),
       "N04 before its minimum publication period: 422 with repair_from 2028-01-10")
    st, b, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing(ids["N11"]))
    eq((st, b["type"], b.get("code"), b["detail"]),
       (422, PROBLEM + "not-repairable", "N11",
        "失信被执行人 is removed by the court on performance, not by credit repair"),
       "N11: 422 not-repairable, removed on performance")
    st, b, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing(ids["B01"]))
    eq((st, b["type"], b.get("code")), (422, PROBLEM + "not-repairable", "B01"),
       "B01 (not negative): 422 not-repairable")
    st, b, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing(other))
    eq((st, b["type"], b["field"]), (404, PROBLEM + "unknown-record", "record_id"),
       "another subject's record: 404 record_id")
    st, b, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing("99999999"))
    eq((st, b["field"]), (404, "record_id"), "an unknown record id: 404 record_id")
    for body, field, what in (
            (filing(ids["N06"], commitment="x" * 1001), "/commitment", "commitment 1001 bytes"),
            (filing(ids["N06"], commitment=""), "/commitment", "empty commitment"),
            (filing(ids["N06"], commitment="证件号 330782199001011236"), "/commitment",
             "a document number (18 digits) in the commitment"),
            (filing(ids["N06"], evidence=["e"] * 9), "/evidence", "9 evidence items"),
            (filing(ids["N06"], evidence=[]), "/evidence", "no evidence"),
            (filing(ids["N06"], evidence=["e", "e" * 201]), "/evidence/1",
             "an evidence item of 201 bytes"),
            (filing(ids["N06"], evidence=["a\nb"]), "/evidence/0", "a control character"),
            ({"record_id": ids["N06"], "commitment": "c"}, "/evidence", "evidence missing"),
            (dict(filing(ids["N06"]), extra=1), "/extra",
             "regression of issue 6: an unknown member named by its JSON Pointer"),
            (filing(ids["N06"], commitment="负责人身份证 330782-19581031-7029 已整改"),
             "/commitment", "regression of issue 6: a document number split by '-'"),
            (filing(ids["N06"], commitment="证 3307 8219 5810 317"), "/commitment",
             "regression of issue 6: 15 digits split by spaces"),
            (filing(ids["N06"], evidence=["３３０７８２１９５８１０３１７０２９"]), "/evidence/0",
             "regression of issue 6: a document number in full-width digits"),
            (dict(filing(ids["N06"]), record_id="0"), "/record_id", "record_id 0"),
            (dict(filing(ids["N06"]), record_id="12a"), "/record_id", "record_id 12a")):
        st, b, _ = srv.req("POST", "/v1/me/repairs", m1, body=body)
        eq((st, b["type"], b["field"]), (400, PROBLEM + "invalid-field", field), f"{what}: 400")
    st, b, _ = srv.req("POST", "/v1/me/repairs", admin, body=filing(ids["N06"]))
    eq(st, 403, "an admin files no repair (binds no subject): 403")

    # the filing at the limits: 1000-byte commitment, 8 items of 200 bytes
    commitment = "承" * 333 + "x"  # 333 * 3 + 1 = 1000 bytes
    evidence = ["证" * 66 + "ab" for _ in range(8)]  # 66 * 3 + 2 = 200 bytes each
    st, rp, r = srv.req("POST", "/v1/me/repairs", m1,
                        body={"record_id": ids["N06"], "commitment": commitment,
                              "evidence": evidence})
    eq(st, 201, "N06 filed at the limits: 201")
    rid = rp["id"] if st == 201 else "rp_" + "A" * 22
    eq(r.header("location"), f"/v1/repairs/{rid}", "location /v1/repairs/{id}")
    eq({k: v for k, v in rp.items() if k not in ("id", "filed_at")},
       {"record_id": ids["N06"], "subject_id": M1, "commitment": commitment,
        "evidence": evidence, "status": "pending", "decided_by": None, "decided_at": None,
        "reason": None}, "the application's body")
    eq(rp["filed_at"], "2027-06-15T12:00:00Z", "filed_at at the server's clock")
    st, b, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing(ids["N06"]))
    eq((st, b["type"], b["field"]), (409, PROBLEM + "repair-conflict", "record_id"),
       "a second application for the same record: 409")
    st, b, _ = srv.req("GET", "/v1/me/repairs", m1)
    eq((st, [x["id"] for x in b["repairs"]], b["next_cursor"]), (200, [rid], None),
       "GET /v1/me/repairs: the one application")
    st, b, _ = srv.req("GET", "/v1/me/repairs", m2)
    eq((st, b["repairs"]), (200, []), "another subject sees none of it")
    st, b, _ = srv.req("GET", "/v1/me", m1)
    eq(b["repairs_pending"], 1, "GET /v1/me: repairs_pending 1")
    st, b, _ = srv.req("GET", "/v1/repairs?status=pending", admin)
    eq((st, [x["id"] for x in b["repairs"]]), (200, [rid]), "admin: GET /v1/repairs?status=pending")
    st, b, _ = srv.req("GET", "/v1/repairs?status=open", admin)
    eq((st, b["field"]), (400, "status"), "status=open: 400 status")
    st, b, _ = srv.req("GET", "/v1/repairs", m1)
    eq(st, 403, "a subject may not list every repair: 403")

    # an attestation issued before the decision
    st, att, _ = srv.req("POST", "/v1/me/attestations", m1, body={})
    eq(st, 201, "an attestation at the subject's request before the decision")
    token, jti = (att["token"], att["jti"]) if st == 201 else ("", "A" * 22)

    # approval
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/approve", m1, body={})
    eq(st, 403, "the subject may not approve: 403")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/approve", fi, body={})
    eq(st, 403, "an fi may not approve: 403")
    st, b, _ = srv.req("POST", "/v1/repairs/rp_short/approve", admin, body={})
    eq((st, b["field"]), (400, "id"), "a malformed repair id: 400 id")
    st, b, _ = srv.req("POST", "/v1/repairs/rp_" + "Z" * 22 + "/approve", admin, body={})
    eq((st, b["type"]), (404, PROBLEM + "unknown-repair"), "an unknown repair: 404")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/approve", admin, body={"x": 1})
    eq((st, b["type"], b["field"]), (400, PROBLEM + "invalid-field", "/x"),
       "regression of issue 6: approve with an unknown member: 400 field /x")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/reject", admin, body={"reason": "r", "x": 1})
    eq((st, b["type"], b["field"]), (400, PROBLEM + "invalid-field", "/x"),
       "regression of issue 6: reject with an unknown member: 400 field /x")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/approve", admin)
    eq((st, b["status"], b["decided_by"], b["decided_at"], b["record"]["status"],
        b["record"]["record_id"]),
       (200, "approved", admin_id, "2027-06-15T12:00:00Z", "repaired", ids["N06"]),
       "approved by the admin: the record repaired")
    st, b, _ = srv.req("GET", "/v1/me/score", m1)
    eq((st, b["score"], [x["code"] for x in b["reasons"]]), (200, promised["N06"], ["N04", "N11"]),
       "the score after approval = score_if_repaired shown before (350); N06 no longer counts")
    st, b, _ = srv.req("GET", f"/v1/subjects/{M1}/score", admin)
    eq((st, b["score"]), (200, 350), "getSubjectScore after approval: 350 (no stale cache)")
    st, b, _ = srv.req("GET", "/v1/me/records", m1)
    eq({x["code"]: x["status"] for x in b["records"]},
       {"B01": "active", "N06": "repaired", "N04": "active", "N11": "active"},
       "the listing marks N06 repaired")
    st, b, _ = srv.req("GET", "/v1/me", m1)
    eq((b["records"]["repaired"], b["records"]["active"], b["repairs_pending"]), (1, 3, 0),
       "GET /v1/me counts the repaired record")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/approve", admin, body={})
    eq((st, b["type"], b.get("repair_status")), (409, PROBLEM + "repair-conflict", "approved"),
       "a second approval: 409")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/reject", admin, body={"reason": "迟到"})
    eq((st, b.get("repair_status")), (409, "approved"), "a rejection after approval: 409")
    st, b, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing(ids["N06"]))
    eq((st, b.get("record_status")), (409, "repaired"), "filing for a repaired record: 409")

    # the audit entries
    entries = audit(data, "repair_approve")
    got = [(e["actor"], e["action"], e["outcome"], e["target"], e["detail"])
           for e in entries or []]
    eq(got, [(admin_id, "repair_approve", "refused", rid, "already approved"),
             (admin_id, "repair_approve", "ok", rid, "record repaired")],
       "audit: repair_approve ok, then the refused second approval (newest first)")
    entries = audit(data, "repair_reject")
    eq([(e["actor"], e["outcome"], e["target"], e["detail"]) for e in entries or []],
       [(admin_id, "refused", rid, "already approved")], "audit: the refused rejection")

    # the earlier attestation stays valid until the subject revokes it
    st, v, _ = srv.req("POST", "/v1/attestations/verify", None, body={"token": token})
    eq((st, v.get("valid"), v.get("reason"), v.get("status_checked")), (200, True, "valid", True),
       "the attestation issued before the approval still verifies valid")
    st, b, _ = srv.req("POST", f"/v1/attestations/{jti}/revoke", m2, body={"reason": "not mine"})
    eq((st, b["type"]), (404, PROBLEM + "unknown-attestation"),
       "another subject cannot revoke it: 404")
    st, b, _ = srv.req("POST", f"/v1/attestations/{jti}/revoke", fi, body={"reason": "x"})
    eq(st, 403, "an fi cannot revoke it: 403")
    st, b, _ = srv.req("POST", f"/v1/attestations/{jti}/revoke", m1,
                       body={"reason": "superseded by repair"})
    eq((st, b.get("state")), (200, "revoked"), "the subject revokes its own attestation")
    st, v, _ = srv.req("POST", "/v1/attestations/verify", None, body={"token": token})
    eq((st, v.get("valid"), v.get("reason")), (200, False, "revoked"),
       "after the subject's revocation: not valid, revoked")


def at_t1(srv, data, admin, admin_id, m1):
    ids = record_ids(srv, admin, M1)
    st, b, _ = srv.req("GET", "/v1/me/score", m1)
    eq((st, b["score"], {x["code"]: x["score_if_repaired"] for x in b["reasons"]}),
       (200, 350, {"N04": 500, "N11": None}), "T1: 350; N04 if repaired 500")
    st, rp, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing(ids["N04"]))
    eq((st, rp.get("status")), (201, "pending"), "T1: N04 filed on its repair_from day")
    rid = rp.get("id", "")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/reject", admin, body={})
    eq((st, b["field"]), (400, "/reason"), "a rejection without a reason: 400")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rid}/reject", admin,
                       body={"reason": "整改证明不足"})
    eq((st, b["status"], b["reason"], b["decided_by"]),
       (200, "rejected", "整改证明不足", admin_id), "rejected with its reason")
    st, b, _ = srv.req("GET", "/v1/me/score", m1)
    eq(b["score"], 350, "a rejection changes no score")
    eq([(e["actor"], e["outcome"], e["target"], e["detail"])
        for e in audit(data, "repair_reject") or []][0], (admin_id, "ok", rid, "rejected"),
       "audit: repair_reject ok")
    st, rp2, _ = srv.req("POST", "/v1/me/repairs", m1, body=filing(ids["N04"]))
    eq(st, 201, "after a rejection the record may be filed again")
    st, b, _ = srv.req("POST", f"/v1/repairs/{rp2.get('id')}/approve", admin,
                       body={"reason": "复核通过"})
    eq((st, b["status"], b["reason"]), (200, "approved", "复核通过"), "approved with a note")
    st, b, _ = srv.req("GET", "/v1/me/score", m1)
    eq((st, b["score"], [x["code"] for x in b["reasons"]]), (200, 500, ["N11"]),
       "T1 after approval: 500, only N11 counts")
    # oldest filing first; the two filings at the frozen T1 share their time (then id order)
    st, b, _ = srv.req("GET", "/v1/me/repairs?limit=2", m1)
    page1 = [(x["record_id"], x["status"]) for x in b["repairs"]]
    eq((st, page1[0], b["next_cursor"] is not None), (200, (ids["N06"], "approved"), True),
       "own applications, page of 2: the T0 filing first, a next page")
    st, b, _ = srv.req("GET", f"/v1/me/repairs?cursor={b['next_cursor']}", m1)
    page2 = [(x["record_id"], x["status"]) for x in b["repairs"]]
    eq((st, sorted(page1[1:] + page2), b["next_cursor"]),
       (200, [(ids["N04"], "approved"), (ids["N04"], "rejected")], None),
       "the two N04 filings across the pages, no further page")
    st, b, _ = srv.req("GET", "/v1/repairs?status=approved&limit=100", admin)
    eq(len(b["repairs"]), 2, "admin: two approved applications")
    # the provider's feed again (same records, status active): a repair must survive it
    p = run([CLI, "--data", data, "import", os.path.join(os.path.dirname(data), "records.jsonl")],
            env=dict(os.environ, LD_PRELOAD=base.LIBFT, TZ="UTC", FAKETIME=T1,
                     ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                                   ":verify_asan_link_order=0").lstrip(":")))
    eq(p.returncode, 0, "the same feed imported again")
    st, b, _ = srv.req("GET", "/v1/me/records", m1)
    eq({x["code"]: x["status"] for x in b["records"]}.get("N06"), "repaired",
       "regression of issue 6: a repaired record stays repaired when the same feed is imported "
       "again")


if __name__ == "__main__":
    main()
