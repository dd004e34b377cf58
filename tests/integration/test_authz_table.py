#!/usr/bin/python3
"""Issue 6 item 1: the route x role table, enforced by config auth.required (on by default).

Two real yrdcreditd servers over h2c on two data dirs made alike (init + import samples/),
one without the "auth" object (the default: on) and one with "auth": {"required": false} (the
loopback-demo switch, kept explicit here on purpose to compare against), with the same clients
(DATA/clients.json and keys/clients.key copied).  For every row of README's "Who may call
what" table (README's table equals svc/api/authz.c's, tests/unit/test_authz.c checks it) and
every identity (each role's client, no token, a revoked token, an unknown token, a malformed
field) the auth-on server answers:
  - no token, revoked or unknown token: 401 `unauthorized` with www-authenticate
    `Bearer` / `Bearer error="invalid_token"`;
  - malformed authorization: 400 `invalid-parameter` naming `authorization`;
  - a role the table refuses: 403 `forbidden`, `Bearer error="insufficient_scope"`;
  - rows of issues 3-5 (REQUESTS), a public row or a role the table allows: exactly the
    status (and problem type) the auth-off server answers without a token; the auth-off
    server answers every identity alike (nothing changes without the switch);
  - rows of issue 6 (answered by role and binding): an allowed role passes the table (none of
    the answers above) and gets exactly the status, problem kind and field of EXPECT_6.
TAP output.  usage: test_authz_table.py YRDCREDIT YRDCREDITD SOURCE_ROOT
"""
import glob
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
os.environ["YRDCREDIT_ETC"] = os.path.join(SRC, "etc")
PROBLEM = "urn:yrdcredit:problem:"
ROLES = ("admin", "provider", "partner", "fi", "subject")
SUBJECT = "92330782MA2KDDUY4M"  # a sample subject (samples/), a valid USCC
JSON = "application/json"

n_tests = 0
n_failed = 0


def check(cond, name, diag=None):
    global n_tests, n_failed
    n_tests += 1
    if cond:
        print(f"ok {n_tests} - {name}")
    else:
        n_failed += 1
        print(f"not ok {n_tests} - {name}")
        if diag is not None:
            for line in str(diag).splitlines():
                print(f"# {line}")
    sys.stdout.flush()


def bail(msg):
    print(f"Bail out! {msg}")
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, check=False, **kw)


def readme_rows():
    """(method, path template, roles allowed, public) of every README row."""
    text = open(os.path.join(SRC, "README.md"), encoding="utf-8").read()
    sec = text.split("## Who may call what", 1)[1].split("\n## ", 1)[0]
    table = sec.split("\n| Route | operationId |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        method, path = cells[0].strip("`").split(" ", 1)
        allowed = {r for r, c in zip(ROLES, cells[2:7]) if c == "✓"}
        if cells[7] not in ("✓", "—") or any(c not in ("✓", "—") for c in cells[2:7]):
            bail(f"README row not understood: {line}")
        rows.append((method, path, allowed, cells[7] == "✓"))
    return rows


# A request per row of issues 3-5 with a deterministic answer that changes no state: unknown
# ids (404), empty or invalid JSON bodies (400), the wrong media type (415), reads of a sample
# subject (200; with a purpose, which an fi must state, issue 6 item 2).  An allowed role gets
# exactly the auth-off answer.  The rows of issue 6 (routed or not yet) get generic() requests
# and only the table's own answers are checked (their handlers answer by role and binding).
PURPOSE = "purpose=loan_approval"
REQUESTS = {
    ("GET", "/healthz"): ("/healthz", None),
    ("GET", "/readyz"): ("/readyz", None),
    ("GET", "/.well-known/jwks.json"): ("/.well-known/jwks.json", None),
    ("GET", "/.well-known/jwt-vc-issuer"): ("/.well-known/jwt-vc-issuer", None),
    ("GET", "/v1/status-lists/{id}"): ("/v1/status-lists/999999", None),
    ("POST", "/v1/attestations/verify"): ("/v1/attestations/verify", b"{}"),
    ("GET", "/v1/subjects/{subject_id}/score"):
        (f"/v1/subjects/{SUBJECT}/score?as_of=2026-11-29&{PURPOSE}", None),
    ("GET", "/v1/subjects/{subject_id}/records"):
        (f"/v1/subjects/{SUBJECT}/records?{PURPOSE}", None),
    ("POST", "/v1/subjects/{subject_id}/attestations"):
        (f"/v1/subjects/{SUBJECT}/attestations", b'{"nosuch":1}'),
    ("GET", "/v1/subjects/{subject_id}/attestations"):
        (f"/v1/subjects/{SUBJECT}/attestations?{PURPOSE}", None),
    ("POST", "/v1/subjects/lookup"): ("/v1/subjects/lookup", b"{}"),
    ("POST", "/v1/records"): ("/v1/records", b"{}"),
    ("POST", "/v1/shared-records"): ("/v1/shared-records", b"{}"),  # not application/jose: 415
    ("POST", "/v1/attestations/{jti}/revoke"): ("/v1/attestations/nosuchjti/revoke", b"{}"),
    ("POST", "/v1/attestations/{jti}/suspend"): ("/v1/attestations/nosuchjti/suspend", b"{}"),
    ("POST", "/v1/attestations/{jti}/unsuspend"):
        ("/v1/attestations/nosuchjti/unsuspend", b"{}"),
    ("GET", "/v1/measures"): ("/v1/measures", None),
    ("POST", "/v1/decisions"): ("/v1/decisions", b"{}"),
    ("GET", "/v1/decisions/{id}"): ("/v1/decisions/d_nosuch", None),
}


def generic(method, tmpl):
    """A request for a row without an entry in REQUESTS: parameters filled with plausible
    segments, an empty JSON object as the body of a POST."""
    target = tmpl.replace("{subject_id}", SUBJECT)
    while "{" in target:
        a = target.index("{")
        target = target[:a] + "nosuch" + target[target.index("}", a) + 1:]
    return target, (b"{}" if method == "POST" else None)


class Server:
    def __init__(self, data, tmp, name):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.err = open(os.path.join(tmp, f"{name}.err"), "wb")
        self.proc = subprocess.Popen(
            [DAEMON, "--data", data, "--h2c-listen", f"127.0.0.1:{self.port}", "--listen",
             "off", "--workers", "1"], stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(100):
            if self.proc.poll() is not None:
                break
            if call(self, "GET", "/healthz", None, None)[0] == 200:
                return
            time.sleep(0.1)
        bail(f"yrdcreditd ({name}) did not answer /healthz")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def call(srv, method, target, auth, body):
    """(status, {header: value}, body bytes) of one request over h2c (curl)."""
    args = ["curl", "-s", "--http2-prior-knowledge", "--max-time", "10", "-X", method,
            "-D", "-", "-o", "/dev/stderr", srv.base + target]
    if method == "HEAD":
        args[args.index("-X"):args.index("-X") + 2] = ["-I"]
    if auth is not None:
        args += ["-H", f"authorization: {auth}"]
    if body is not None:
        args += ["-H", f"content-type: {JSON}", "--data-binary", "@-"]
    p = subprocess.run(args, input=body if body is not None else b"", capture_output=True,
                       check=False)
    if p.returncode != 0:
        return (0, {}, b"")
    lines = p.stdout.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    hdrs = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    return (status, hdrs, p.stderr)


def problem_type(body):
    """The problem's type, or None for a body that is no problem."""
    p = problem_of(body)
    return p[0] if p is not None else None


def problem_of(body):
    try:
        b = json.loads(body)
    except ValueError:
        return None
    if not isinstance(b, dict) or "type" not in b:
        return None
    return (b.get("type"), b.get("status"), b.get("field"))


# The detail of the table's 403 (svc/api/router.c); a handler's own 403 (e.g. /v1/me for an
# admin, who binds no subject) has another.
TABLE_403 = "the client's role may not call this route"


def detail_of(body):
    try:
        b = json.loads(body)
    except ValueError:
        return None
    return b.get("detail") if isinstance(b, dict) else None


# The exact answer of every allowed cell of the issue 6 rows to the generic() request (a
# segment "nosuch" for an id, an empty JSON object as a POST body): (status, problem kind or
# None, problem field).  The subject client is bound to the sample merchant SUBJECT; the
# provider to the authority SUBJECT.  An admin binds no subject: /v1/me... answer it 403
# from the handler (the table lets it through).
EXPECT_6 = {
    ("POST", "/v1/records/{id}/revoke", "admin"): (400, 'invalid-parameter', 'id'),
    ("POST", "/v1/records/{id}/revoke", "provider"): (400, 'invalid-parameter', 'id'),
    ("GET", "/v1/me", "admin"): (403, 'forbidden', None),
    ("GET", "/v1/me", "subject"): (200, None, None),
    ("GET", "/v1/me/score", "admin"): (403, 'forbidden', None),
    ("GET", "/v1/me/score", "subject"): (200, None, None),
    ("GET", "/v1/me/records", "admin"): (403, 'forbidden', None),
    ("GET", "/v1/me/records", "subject"): (200, None, None),
    ("GET", "/v1/me/queries", "admin"): (403, 'forbidden', None),
    ("GET", "/v1/me/queries", "subject"): (200, None, None),
    ("POST", "/v1/me/attestations", "admin"): (403, 'forbidden', None),
    ("POST", "/v1/me/attestations", "subject"): (201, None, None),
    ("POST", "/v1/me/consents", "admin"): (403, 'forbidden', None),
    ("POST", "/v1/me/consents", "subject"): (403, 'forbidden', None),
    ("GET", "/v1/me/consents", "admin"): (403, 'forbidden', None),
    ("GET", "/v1/me/consents", "subject"): (200, None, None),
    ("DELETE", "/v1/me/consents/{id}", "admin"): (403, 'forbidden', None),
    ("DELETE", "/v1/me/consents/{id}", "subject"): (404, 'unknown-consent', 'id'),
    ("POST", "/v1/me/objections", "admin"): (403, 'forbidden', None),
    ("POST", "/v1/me/objections", "subject"): (400, 'invalid-field', '/record_id'),
    ("GET", "/v1/me/objections", "admin"): (403, 'forbidden', None),
    ("GET", "/v1/me/objections", "subject"): (200, None, None),
    ("POST", "/v1/me/repairs", "admin"): (403, 'forbidden', None),
    ("POST", "/v1/me/repairs", "subject"): (400, 'invalid-field', '/record_id'),
    ("GET", "/v1/me/repairs", "admin"): (403, 'forbidden', None),
    ("GET", "/v1/me/repairs", "subject"): (200, None, None),
    ("GET", "/v1/objections", "admin"): (200, None, None),
    ("GET", "/v1/objections", "provider"): (200, None, None),
    ("POST", "/v1/objections/{id}/resolve", "admin"): (400, 'invalid-parameter', 'id'),
    ("POST", "/v1/objections/{id}/resolve", "provider"): (400, 'invalid-parameter', 'id'),
    ("GET", "/v1/repairs", "admin"): (200, None, None),
    ("POST", "/v1/repairs/{id}/approve", "admin"): (400, 'invalid-parameter', 'id'),
    ("POST", "/v1/repairs/{id}/reject", "admin"): (400, 'invalid-parameter', 'id'),
    ("GET", "/v1/audit", "admin"): (200, None, None),
}


def table_only(on, method, tmpl, allowed, public, idents):
    """A row of issue 6: the table's answers exactly (401, 400, 403 with their
    www-authenticate and the table's detail); an allowed role (or anyone on a public row)
    passes the table: no 401, no 400 naming authorization, no 403 with the table's detail,
    whatever its handler answers."""
    target, body = generic(method, tmpl)
    for who, auth in idents.items():
        st, h, b = call(on, method, target, auth, body)
        wa = h.get("www-authenticate")
        if public or who in allowed:
            p = problem_of(b)
            refused = (st == 401 or (st == 400 and p is not None and p[2] == "authorization")
                       or (st == 403 and detail_of(b) == TABLE_403))
            check(st != 0 and not refused,
                  f"{method} {tmpl} [{who}]: auth on: passes the table (the handler's {st})",
                  f"got {st} {p} {wa}")
            got = (st, None if p is None else p[0][len(PROBLEM):], None if p is None else p[2])
            want = EXPECT_6.get((method, tmpl, who))
            check(got == want, f"{method} {tmpl} [{who}]: auth on: exactly {want}",
                  f"got {got!r}")
            continue
        if who == "none":
            want = (401, (PROBLEM + "unauthorized", 401, "authorization"), "Bearer")
        elif who in ("revoked", "unknown"):
            want = (401, (PROBLEM + "unauthorized", 401, "authorization"),
                    'Bearer error="invalid_token"')
        elif who in ("malformed", "basic"):
            want = (400, (PROBLEM + "invalid-parameter", 400, "authorization"),
                    'Bearer error="invalid_request"')
        else:
            want = (403, (PROBLEM + "forbidden", 403, None), 'Bearer error="insufficient_scope"',
                    TABLE_403)
        got = (st, problem_of(b), wa) + ((detail_of(b),) if len(want) == 4 else ())
        check(got == want, f"{method} {tmpl} [{who}]: auth on: {want[0]} from the table",
              f"got {got!r}\nwant {want!r}")


def main():
    tmp = tempfile.mkdtemp(prefix="yc_authz_")
    servers = []
    try:
        dirs = {}
        for name in ("on", "off"):
            d = os.path.join(tmp, name)
            if run([CLI, "init", d]).returncode != 0:
                bail("yrdcredit init failed")
            samples = sorted(glob.glob(os.path.join(SRC, "samples", "*.csv")) +
                             glob.glob(os.path.join(SRC, "samples", "*.jsonl")))
            if run([CLI, "--data", d, "import"] + samples).returncode != 0:
                bail("yrdcredit import failed")
            dirs[name] = d
        tokens = {}
        for role in ROLES + ("revoked",):
            args = [CLI, "--data", dirs["on"], "clients", "add", "--role",
                    "fi" if role == "revoked" else role, "--name", f"t-{role}"]
            if role == "provider":
                args += ["--authority", SUBJECT]
            if role == "subject":
                args += ["--subject", SUBJECT]
            p = run(args)
            if p.returncode != 0:
                bail(f"clients add {role}: {p.stderr}")
            tokens[role] = p.stdout.strip()
            if role == "revoked":
                cid = p.stderr.split("added client ", 1)[1].split()[0]
                if run([CLI, "--data", dirs["on"], "clients", "revoke", cid]).returncode != 0:
                    bail("clients revoke failed")
        # the same clients in the auth-off dir, so that the same tokens are valid there too
        shutil.copy(os.path.join(dirs["on"], "clients.json"), dirs["off"])
        shutil.copy(os.path.join(dirs["on"], "keys", "clients.key"),
                    os.path.join(dirs["off"], "keys"))
        # "on": config.json as `yrdcredit init` wrote it, without "auth" (the default is on);
        # "off": an explicit "required": false
        cfg = json.load(open(os.path.join(dirs["on"], "config.json"), encoding="utf-8"))
        check("auth on: config.json has no \"auth\" member (the default enforces the table)",
              "auth" not in cfg, sorted(cfg))
        cfg_path = os.path.join(dirs["off"], "config.json")
        cfg = json.load(open(cfg_path, encoding="utf-8"))
        cfg["auth"] = {"required": False}
        with open(cfg_path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        on = Server(dirs["on"], tmp, "on")
        servers.append(on)
        off = Server(dirs["off"], tmp, "off")
        servers.append(off)

        idents = {r: f"Bearer {tokens[r]}" for r in ROLES}
        idents["none"] = None
        idents["revoked"] = f"Bearer {tokens['revoked']}"
        idents["unknown"] = "Bearer yc_" + "A" * 43
        idents["malformed"] = f"Bearer  {tokens['fi']}"  # two spaces (api.h: exactly one)
        idents["basic"] = "Basic dXNlcjpwYXNz"  # another scheme: malformed

        rows = readme_rows()
        named = {(m, p) for m, p, _, _ in rows}
        check(set(REQUESTS) <= named and len(rows) >= 38,
              f"README names the {len(REQUESTS)} rows of issues 3-5 this test has requests for, "
              f"and the rows of issue 6 ({len(rows)} rows)",
              sorted(set(REQUESTS) - named))
        for method, tmpl, allowed, public in rows:
            if (method, tmpl) not in REQUESTS:
                table_only(on, method, tmpl, allowed, public, idents)
                continue
            target, body = REQUESTS[(method, tmpl)]
            base_st, _, base_body = call(off, method, target, None, body)
            check(base_st in (200, 400, 404, 415),
                  f"{method} {tmpl}: auth off, no token: a deterministic status ({base_st})")
            for who, auth in idents.items():
                st_off, _, b_off = call(off, method, target, auth, body)
                check((st_off, b_off) == (base_st, base_body),
                      f"{method} {tmpl} [{who}]: auth off answers as without a token "
                      f"({base_st})", f"got {st_off}")
                st, h, b = call(on, method, target, auth, body)
                wa = h.get("www-authenticate")
                if public or who in allowed:
                    # the two dirs hold other keys and pseudonyms: the status and the problem
                    # type must be equal, not every byte
                    want = (base_st, problem_type(base_body), None)
                    got = (st, problem_type(b), wa)
                    what = f"{base_st} as auth off"
                elif who in ("none",):
                    want = (401, (PROBLEM + "unauthorized", 401, "authorization"), "Bearer")
                    got = (st, problem_of(b), wa)
                    what = "401 unauthorized, Bearer"
                elif who in ("revoked", "unknown"):
                    want = (401, (PROBLEM + "unauthorized", 401, "authorization"),
                            'Bearer error="invalid_token"')
                    got = (st, problem_of(b), wa)
                    what = "401 invalid_token"
                elif who in ("malformed", "basic"):
                    want = (400, (PROBLEM + "invalid-parameter", 400, "authorization"),
                            'Bearer error="invalid_request"')
                    got = (st, problem_of(b), wa)
                    what = "400 naming authorization"
                else:
                    want = (403, (PROBLEM + "forbidden", 403, None),
                            'Bearer error="insufficient_scope"')
                    got = (st, problem_of(b), wa)
                    what = "403 forbidden"
                check(got == want, f"{method} {tmpl} [{who}]: auth on: {what}",
                      f"got {got!r}\nwant {want!r}")

        # beside the table: HEAD finds the GET row; an escaped path is looked up decoded;
        # paths and methods the table does not know are left to the router (404 / 405)
        st, h, _ = call(on, "HEAD", "/v1/measures", None, None)
        check((st, h.get("www-authenticate")) == (401, "Bearer"),
              "HEAD /v1/measures without a token: 401 (the GET row)", f"got {st}")
        st, _, _ = call(on, "HEAD", "/v1/measures", idents["partner"], None)
        check(st == 200, "HEAD /v1/measures as partner: 200", f"got {st}")
        st, _, _ = call(on, "GET", "/v1/m%65asures", None, None)
        check(st == 401, "GET /v1/m%65asures without a token: 401 (decoded before lookup)",
              f"got {st}")
        st, _, _ = call(on, "GET", "/v1/m%65asures", idents["fi"], None)
        check(st == 403, "GET /v1/m%65asures as fi: 403", f"got {st}")
        for method, target, want in (("GET", "/v1/nosuch", 404), ("DELETE", "/v1/measures", 405),
                                     ("GET", "/v1/records", 405), ("GET", "/v1/m%zzasures", 404)):
            st_off = call(off, method, target, None, None)[0]
            st = call(on, method, target, None, None)[0]
            check((st, st_off) == (want, want),
                  f"{method} {target} without a token: {want} with auth on and off",
                  f"got on {st}, off {st_off}")
        for s in servers:
            check(s.proc.poll() is None, f"yrdcreditd on :{s.port} still runs")
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{n_tests}")
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
