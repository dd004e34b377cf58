"""Engineer E's cases for tests/integration/test_api.py (issue 6 items 1, 7 and 8): GET
/v1/audit (getAudit: 200 paged and filtered and equal to `yrdcredit audit --json`, 400 naming
each bad parameter, 405, 503) and the 429 of POST /v1/attestations/verify (per address, without
a token).  cases(c) -> [(description, fn)], c being test_api.py's Cases instance."""

import json
import subprocess
import time

PROBLEM = "urn:yrdcredit:problem:"
JSON = [("content-type", "application/json")]
VERIFY_BURST = 40   # rate_limit.verify_burst default (YC_CONFIG_RATE_VERIFY_BURST_DEFAULT)
VERIFY_RPS = 20     # rate_limit.verify_per_address_rps default


def _eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def _cli_audit(c, *args):
    p = subprocess.run([c.ctx.cli, "--data", c.main.data, "audit", "--json", *args],
                       capture_output=True, check=True)
    out = json.loads(p.stdout)
    for e in out:
        del e["at_ms"]  # the CLI's extra member; `at` is the same instant
    return out


def audit_pages(c):
    # two more client_add entries (clients made for this case, per transport)
    c.token("fi", name=f"audit-e-{c.t}-1")
    c.token("fi", name=f"audit-e-{c.t}-2")
    want = _cli_audit(c, "--limit", "3")
    _eq(len(want), 3, "`yrdcredit audit --limit 3` entries")
    b = c.ok200(c.main, "GET", "/v1/audit?limit=2")
    _eq(b["entries"], want[:2], "GET /v1/audit?limit=2 = the CLI's newest two")
    _eq(b["next_cursor"], str(want[1]["seq"]), "next_cursor: the seq of the page's last entry")
    b2 = c.ok200(c.main, "GET", f"/v1/audit?limit=1&cursor={b['next_cursor']}")
    _eq(b2["entries"], want[2:3], "the next page starts below the cursor")
    # the default page is 20, newest first
    b = c.ok200(c.main, "GET", "/v1/audit")
    seqs = [e["seq"] for e in b["entries"]]
    _eq(seqs, sorted(seqs, reverse=True), "newest first")
    _eq(b["entries"][:3], want, "the default page starts with the newest")
    # the action filter, equal to the CLI's
    cl = _cli_audit(c, "--action", "client_add", "--limit", "100")
    b = c.ok200(c.main, "GET", "/v1/audit?action=client_add&limit=100")
    _eq(b["entries"], cl[:100], "?action=client_add = `yrdcredit audit --action client_add`")
    _eq({e["action"] for e in b["entries"]}, {"client_add"}, "only client_add")
    # HEAD as GET
    with c.main.client(c.t) as cl2:
        r = cl2.request("HEAD", "/v1/audit")
    c.spec.check(c.t, "HEAD", "/v1/audit", r)
    _eq((r.status, r.body), (200, b""), "HEAD /v1/audit")


def audit_bad_parameters(c):
    for q, field in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
                     ("action=nope", "action"), ("action=", "action"),
                     ("action=CLIENT_ADD", "action"), ("cursor=abc", "cursor"),
                     ("cursor=0", "cursor"), ("cursor=01", "cursor"),
                     ("cursor=" + "9" * 20, "cursor"), ("cursor=", "cursor"),
                     ("sort=asc", "sort"), ("limit=1&limit=2", "limit")):
        c.problem(c.main, "GET", f"/v1/audit?{q}", 400, "invalid-parameter", field)
    # the limits of limit: 100 is a page, 101 is not (above); 1 is, 0 is not
    _eq(len(c.ok200(c.main, "GET", "/v1/audit?limit=1")["entries"]), 1, "limit=1")


def audit_method_and_not_ready(c):
    r, b = c.problem(c.main, "POST", "/v1/audit", 405, "method-not-allowed", headers=JSON,
                     body=b"{}")
    _eq(r.header("allow"), "GET, HEAD", "allow")
    c.problem(c.ctx.servers["notready"], "GET", "/v1/audit", 503, "not-ready")


def verify_rate_limited_per_address(c):
    """Without a token POST /v1/attestations/verify is metered per address: at most the burst
    at once, then 429 too-many-requests with retry-after 1 (20 per second refill)."""
    body = json.dumps({"token": "x"}).encode()
    seen = []
    with c.main.client(c.t) as cl:
        # the bucket holds at most VERIFY_BURST tokens and refills 20 per second while the
        # requests run (the exact count is tests/integration/test_ratelimit.py's, with a
        # slower refill): a 429 must come, after at least VERIFY_BURST - 1 answers
        for _ in range(VERIFY_BURST * 4):
            r = cl.request("POST", "/v1/attestations/verify", JSON + c.no_auth, body)
            c.spec.check(c.t, "POST", "/v1/attestations/verify", r)
            seen.append(r.status)
            if r.status == 429:
                break
        _eq(seen[-1], 429, f"a 429 within {VERIFY_BURST * 4} anonymous requests")
        _eq((set(seen[:-1]), len(seen) > VERIFY_BURST - 1), ({200}, True), "200 before it")
        p = json.loads(r.body)
        _eq((p["type"], p["status"], r.header("retry-after")),
            (PROBLEM + "too-many-requests", 429, "1"), "the 429")
        # with a token (the admin's) the same address is not metered per address
        r = cl.request("POST", "/v1/attestations/verify", JSON, body)
        _eq(r.status, 200, "an admin's verify from the same address")
    # the refill: after 1 s at 20/s the next anonymous request passes again; then wait until
    # the bucket is full for the cases that follow
    time.sleep(VERIFY_BURST / VERIFY_RPS + 0.2)
    with c.main.client(c.t) as cl:
        r = cl.request("POST", "/v1/attestations/verify", JSON + c.no_auth, body)
    _eq(r.status, 200, "after the refill")


def cases(c):
    return [
        ("GET /v1/audit 200: newest first, paged by cursor, ?action= filter, equal to "
         "`yrdcredit audit --json`; HEAD", lambda: audit_pages(c)),
        ("GET /v1/audit: bad limit, action, cursor, unknown or repeated parameter: 400 naming it",
         lambda: audit_bad_parameters(c)),
        ("POST /v1/audit 405; GET /v1/audit on a not-ready instance 503",
         lambda: audit_method_and_not_ready(c)),
        ("POST /v1/attestations/verify without a token: 429 too-many-requests with retry-after 1 "
         "past the per-address burst; a token is not metered per address; refilled after 1 s",
         lambda: verify_rate_limited_per_address(c)),
    ]
