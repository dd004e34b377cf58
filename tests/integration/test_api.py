#!/usr/bin/python3
"""Every route and every status code of api/openapi.yaml against the real yrdcreditd, over h2c
and over TLS, with a real HTTP/2 client (python3-h2, tests/support/h2client.py).

Every response is checked against the operation of api/openapi.yaml that its request matched:
its status must be declared for that operation, its content type declared for that status, its
declared headers present, and its body valid against the declared schema (python3-jsonschema,
Draft 2020-12, `#/components/...` references resolved against the whole document).  At the end
the (path, method, status) triples seen must equal those the spec declares, per transport.

Six servers on temporary data dirs: "main" (samples/ and tests/data/decisions/records.jsonl
imported; a test partner's key pinned in trust/partners.json), "notready" (its model file,
keys/signing.json and one measure catalogue are broken: 503 from /readyz, the data, the
attestation, the measures, the decisions and the shared-records routes), "full" (samples/ in a
1 MiB LMDB map: 507; its policy/measures/ emptied: no measure), "nokeys" (keys/signing.json and
policy/measures/ deleted: issuing 503, measures and decisions 503), "fulldec" (samples/ in a
1 MiB LMDB map with the catalogues and the partner: shared records 507) and "nostore" (its LMDB
file is garbage: the store does not open, GET /v1/decisions/{id} 503).

Access control is on (config auth.required, the default since issue 6 item 1): every data dir
gets an admin client (`yrdcredit clients add --role admin`) before it is broken, and every
request of this test carries that admin's token: Server.client() gives the h2client its
`authorization` as a default header, so c.call / c.problem / c.ok200 and any request on a
client from server.client() send it unless their own headers name `authorization`.  For the
cases of tests/integration/api_cases_*.py (Cases instance c):
  - c.call(..., headers=[("authorization", "Bearer " + tok)]) sends that token instead;
  - c.token(role, name=..., authority=USCC or [USCCs], subject=SID) -> a token of a new client
    of the main server's data dir (`yrdcredit clients add`), cached per arguments, returned
    once the running server recognises it (the registry is re-read within 1 s);
  - headers=c.no_auth (or JSON + c.no_auth) sends no token at all.
The case "401 without a token and 403 with a refused role" produces those two statuses for
every operation of the spec that declares them (roles from README's "Who may call what").

usage: test_api.py YRDCREDIT YRDCREDITD SOURCE_ROOT [--transports h2c,tls]   (TAP on stdout)
"""

import argparse
import base64
import datetime
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import ssl
import string
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import zlib

import jsonschema
import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BODY_LIMIT = 1048576      # server.max_body_bytes default (etc/yrdcredit.conf.example)
HEADER_BYTES_LIMIT = 16384  # server.max_header_bytes default
HEADER_FIELDS_LIMIT = 100   # server.max_header_fields default
ITEMS_LIMIT = 1000        # YC_API_RECORDS_MAX_ITEMS
PAGE_MAX = 100            # YC_API_PAGE_MAX
MERCHANT = "92330782MA2KDDUY4M"  # a sample 个体工商户 with records (README, scripts/run)
TLS_NAME = "localhost"    # the name the client verifies the server certificate for
PROBLEM = "urn:yrdcredit:problem:"
BODY_TIMEOUT_MS = 1500    # server.body_timeout_ms of the main server (config.json)

# ---------------------------------------------------------------------------------- TAP


class Tap:
    def __init__(self):
        self.n = 0
        self.failures = 0

    def line(self, ok, desc, diag=""):
        self.n += 1
        if not ok and "# TODO" not in desc:  # a TODO line is reported, not failed (TAP 13)
            self.failures += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {desc}", flush=True)
        for d in (diag if not ok else "").splitlines():
            print(f"# {d}", flush=True)

    def run(self, desc, fn, *args):
        """One TAP line: ok when fn(*args) returns, not ok (with the reason) when it raises."""
        try:
            fn(*args)
        except AssertionError as e:
            self.line(False, desc, str(e) or traceback.format_exc())
        except Exception:  # a client error, a timeout, a bad body: the case failed
            self.line(False, desc, traceback.format_exc())
        else:
            self.line(True, desc)

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 1 if self.failures else 0


def bail(msg):
    print(f"Bail out! {msg}", flush=True)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")

# ---------------------------------------------------------------------------------- the spec

UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


def pct_decode_unreserved(text):
    """The server's rule (yc_api_pct_decode(), RFC 3986 §6.2.2.2): %XX of an unreserved
    character is that character, any other escape is kept; None for a malformed escape."""
    out, i = [], 0
    while i < len(text):
        if text[i] != "%":
            out.append(text[i])
            i += 1
            continue
        hx = text[i + 1:i + 3]
        if len(hx) != 2 or any(c not in string.hexdigits for c in hx):
            return None
        c = chr(int(hx, 16))
        out.append(c if c in UNRESERVED else text[i:i + 3])
        i += 3
    return "".join(out)


def pct_encode_all(text):
    """Every character of an ASCII text percent-encoded."""
    return "".join(f"%{ord(c):02X}" for c in text)


def strict_json(raw):
    """Parse a JSON body: UTF-8, no duplicate keys, no NaN/Infinity."""
    def pairs(kv):
        d = {}
        for k, v in kv:
            if k in d:
                raise ValueError(f"duplicate key {k!r} in a response body")
            d[k] = v
        return d

    def no_constant(c):
        raise ValueError(f"{c} in a response body")
    return json.loads(raw.decode("utf-8"), object_pairs_hook=pairs, parse_constant=no_constant)


class Spec:
    """api/openapi.yaml: response checks and the coverage of (path, method, status)."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.resolver = jsonschema.RefResolver.from_schema(self.doc)
        self.templates = list(self.doc["paths"])
        self.observed = {}  # transport -> set of (path, method, status)

    def declared(self):
        out = set()
        for tmpl, item in self.doc["paths"].items():
            for m, op in item.items():
                if m in HTTP_METHODS:
                    out.update((tmpl, m, int(s)) for s in op["responses"])
        return out

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            _, obj = self.resolver.resolve(obj["$ref"])
        return obj

    def validator(self, schema):
        return jsonschema.Draft202012Validator(
            schema, resolver=self.resolver,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)

    def check_schemas(self):
        """Every schema in the document is a valid Draft 2020-12 schema whose refs resolve."""
        refs = 0

        def walk(node):
            nonlocal refs
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "schema" and isinstance(v, dict):
                        jsonschema.Draft202012Validator.check_schema(v)
                    if k == "$ref":
                        self.resolver.resolve(v)
                        refs += 1
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        for s in self.doc["components"]["schemas"].values():
            jsonschema.Draft202012Validator.check_schema(s)
        walk(self.doc)
        expect(refs > 0 and len(self.declared()) > 0, "no $ref or no operation in the spec")

    def match(self, path):
        path = pct_decode_unreserved(path)  # routed as the server routes it
        if path is None:
            return None  # a malformed escape: no resource
        segs = path.split("/")
        for tmpl in self.templates:
            t = tmpl.split("/")
            if len(t) == len(segs) and all(
                    (a.startswith("{") and a.endswith("}") and b != "") or a == b
                    for a, b in zip(t, segs)):
                return tmpl
        return None

    def check(self, transport, method, target, resp):
        """Check resp against the operation target (path?query) and method matched; record
        the coverage; return the parsed JSON body (None for HEAD)."""
        expect(resp.complete, f"{method} {target}: response not complete ({resp})")
        path = target.split("?", 1)[0]
        tmpl = self.match(path)
        head = method == "HEAD"
        m = "get" if head else method.lower()
        where = f"{method} {target}"
        keys = []
        if tmpl is None:
            # no route: the spec's NotFound response (documented, not an operation)
            expect(resp.status == 404, f"{where}: no such path in the spec, got {resp.status}")
            r = self.deref(self.doc["components"]["responses"]["NotFound"])
        else:
            ops = {k: v for k, v in self.doc["paths"][tmpl].items() if k in HTTP_METHODS}
            if m in ops:
                keys = [(tmpl, m)]
            else:
                # a method the path does not have: answered by the 405 its operations declare
                expect(resp.status == 405,
                       f"{where}: {tmpl} has no {m} operation, want 405, got {resp.status}")
                keys = [(tmpl, k) for k in ops]
            op = ops[keys[0][1]]
            st = str(resp.status)
            expect(st in op["responses"],
                   f"{where}: status {st} is not declared for {keys[0][1]} {tmpl} "
                   f"(declared: {sorted(op['responses'])}); body {resp.body[:300]!r}")
            r = self.deref(op["responses"][st])
        for name, h in (r.get("headers") or {}).items():
            h = self.deref(h)
            value = resp.header(name)
            expect(value is not None or not h.get("required"),
                   f"{where}: required header {name} missing")
            if value is not None and "schema" in h:
                errs = sorted(self.validator(h["schema"]).iter_errors(value), key=str)
                expect(not errs, f"{where}: header {name}: {[e.message for e in errs]}")
        clen = resp.header("content-length")
        if not head:
            expect(clen is None or int(clen) == len(resp.body),
                   f"{where}: content-length {clen} but {len(resp.body)} body bytes")
        else:
            eq(resp.body, b"", f"{where}: HEAD body")
        body = None
        content = r.get("content")
        if not content:
            eq(resp.body, b"", f"{where}: body of a response without content")
        else:
            ctype = resp.header("content-type")
            expect(ctype is not None, f"{where}: no content-type")
            media = ctype.split(";")[0].strip().lower()
            expect(media in content,
                   f"{where}: content-type {ctype} not declared for {resp.status} "
                   f"(declared: {sorted(content)})")
            if not head:
                # JSON media parsed; any other (application/statuslist+jwt) is a string
                body = (strict_json(resp.body) if media.endswith("json")
                        else resp.body.decode("ascii"))
                errs = sorted(self.validator(content[media]["schema"]).iter_errors(body),
                              key=lambda e: list(e.absolute_path))
                expect(not errs, f"{where}: {resp.status} body does not match the spec:\n" +
                       "\n".join(f"at /{'/'.join(map(str, e.absolute_path))}: {e.message}"
                                 for e in errs[:10]) + f"\nbody: {resp.body[:500]!r}")
                if media == "application/problem+json":
                    eq(body["status"], resp.status, f"{where}: problem status member")
        if not head:
            seen = self.observed.setdefault(transport, set())
            seen.update((t, k, resp.status) for t, k in keys)
        return body

# ---------------------------------------------------------------------------------- servers


def _stream_for(stream_id):
    """h2client's per-stream state for a stream the test drives by hand (no body queued)."""
    return sys.modules["h2client"]._Stream(stream_id, b"")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """One yrdcreditd on free loopback ports: h2c always, TLS when asked."""

    def __init__(self, name, daemon, data, tmp, tls):
        self.name = name
        self.data = data
        self.token = ADMIN_TOKENS.get(data)  # its admin's (init_data), sent by default
        self.daemon, self.tls = daemon, tls
        self.access_log = os.path.join(tmp, f"{name}.access.log")
        self.cafile = os.path.join(data, "tls", "cert.pem")
        self.errpath = os.path.join(tmp, f"{name}.err")
        self.starts = 0
        self.spawn()

    def spawn(self):
        """Start yrdcreditd on free ports (again, when another process took a port between
        free_port() and the bind)."""
        self.starts += 1
        self.ports = {"h2c": free_port()}
        args = [self.daemon, "--data", self.data, "--h2c-listen",
                f"127.0.0.1:{self.ports['h2c']}", "--access-log", self.access_log]
        if self.tls:
            self.ports["tls"] = free_port()
            args += ["--listen", f"127.0.0.1:{self.ports['tls']}"]
        else:
            args += ["--listen", "off"]
        if self.name in ("notready", "nokeys", "nostore"):  # issue 7 item 8: else refused
            args.append("--allow-not-ready")
        self.errfile = open(self.errpath, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.errfile)

    def stderr(self):
        with open(self.errpath, encoding="utf-8", errors="replace") as f:
            return f.read()

    def client(self, transport, **kw):
        if self.token is not None:
            kw.setdefault("default_headers", [("authorization", f"Bearer {self.token}")])
        if transport == "tls":
            return Client("127.0.0.1", self.ports["tls"], tls=True, cafile=self.cafile,
                          server_hostname=TLS_NAME, **kw)
        return Client("127.0.0.1", self.ports["h2c"], **kw)

    def wait_up(self):
        deadline = time.monotonic() + 15
        for t in list(self.ports):
            while True:
                if (self.proc.poll() is not None and self.starts < 3 and
                        "Address already in use" in self.stderr()):
                    self.errfile.close()
                    self.spawn()  # a port race with a concurrent test: new ports, once more
                    return self.wait_up()
                expect(self.proc.poll() is None,
                       f"{self.name}: yrdcreditd exited {self.proc.returncode}:\n{self.stderr()}")
                try:
                    with self.client(t, timeout=2) as c:
                        if c.request("GET", "/healthz").status == 200:
                            break
                except (OSError, ssl.SSLError, H2ClientError):
                    pass
                expect(time.monotonic() < deadline,
                       f"{self.name}: no 200 from /healthz over {t}:\n{self.stderr()}")
                time.sleep(0.1)

    def up(self, transport):
        """The process runs and answers GET /healthz 200 on a new connection."""
        expect(self.proc.poll() is None,
               f"{self.name}: yrdcreditd exited {self.proc.returncode}:\n{self.stderr()[-2000:]}")
        with self.client(transport) as c:
            r = c.request("GET", "/healthz")
        eq((r.status, r.body), (200, b'{"status":"ok"}'), f"{self.name}: GET /healthz afterwards")

    def log_size(self):
        return os.path.getsize(self.access_log)

    def log_lines_since(self, offset, n):
        """The access log's lines after byte offset, once there are n of them (the log may
        be buffered for LOG_FLUSH_MS)."""
        deadline = time.monotonic() + 10
        while True:
            with open(self.access_log, "rb") as f:
                f.seek(offset)
                lines = f.read().decode("utf-8").splitlines()
            if len(lines) >= n or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.errfile.close()
        return self.proc.returncode

# ---------------------------------------------------------------------------------- data


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(seed):
    """A valid 统一社会信用代码 (GB 32100-2015 check, GB 11714 organisation code check) of a
    企业 in 义乌 (330782), derived from seed."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:8]
    org = sum(int(c) * w for c, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2)))
    c = 11 - org % 11
    body = "91330782" + digits + ("X" if c == 10 else "0" if c == 11 else str(c))
    s = sum(USCC_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    return body + USCC_ALPHABET[(31 - s % 31) % 31]


def record(subject, n, tag, **over):
    """A generic record (docs/formats.md §3.3) of subject, unique by (tag, n)."""
    r = {"subject_type": "legal_person", "subject_id": subject,
         "name": f"义乌市测试{tag}贸易有限公司",
         "code": "B01", "decision_no": f"义市监登字〔2026〕第{tag}-{n}号",
         "decision_date": (datetime.date.today() - datetime.timedelta(days=10)).isoformat(),
         "authority_name": "义乌市市场监督管理局", "authority_uscc": "11330782MB1A07019X",
         "legal_basis": "《中华人民共和国市场主体登记管理条例》"}
    r.update(over)
    return r


def jbytes(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()

# ---------------------------------------------------------------------------------- tokens

ISS_DEFAULT = "https://attest.yiwu-credit.example"  # YC_CONFIG_ISSUER_DEFAULT
ISS = "https://attest.yiwu-credit.test"  # attest.issuer of the main server (config.json)
STATUS_TTL = 120          # attest.status_list_ttl_s of the main server
# Declared but not producible from outside: a state change on a full LMDB map reuses the pages
# the previous commit freed (attest_storage_full), so it never answers 507.  Reported by the
# "# TODO" line after the coverage check, never counted as seen.
NO_507 = {(f"/v1/attestations/{{jti}}/{op}", "post", 507)
          for op in ("revoke", "suspend", "unsuspend")}
# Regression of issue 5: on a full map the group committer failed the decision's commit at once
# and freed the job while yc_api_create_decision() still read it (a use-after-free, fixed by
# keeping job->p before the hand-over); the 507 is now exercised.  Kept as an (empty) exemption
# set so that the coverage arithmetic stays in one place.
NO_507_DECISIONS: set = set()
# The 401 and 403 of the operations that need a token (api/openapi.yaml components/responses
# Unauthorized, Forbidden): the main server runs with auth.required (the default), so
# Cases.auth_refusals produces them; an operation whose 401/403 cannot be produced here may be
# added to this set (exempt from the coverage check).
NO_AUTH: set = set()
# The data dir -> its admin's token (init_data adds an admin client to every data dir).
ADMIN_TOKENS: dict = {}
# README's roles, in the order of the columns of "Who may call what".
ROLES = ("admin", "provider", "partner", "fi", "subject")
# The matter vocabulary (include/yrdcredit/measures.h): code -> Chinese label.
MATTERS = {"government_procurement": "政府采购", "public_bidding": "招标投标",
           "fiscal_subsidy": "财政补贴", "administrative_licensing": "行政许可",
           "loan_approval": "贷款审批", "public_rental_housing": "公租房",
           "deposit_waiver": "免押金", "inspection_frequency": "抽查检查频次",
           "honours": "评优评先", "high_consumption": "高消费",
           "qualification_review": "资质审核", "public_position": "担任职务"}
REGIONS = ("310000", "330100", "330782")  # etc/policy/measures/*.json, in region order
ATT_MAX_DAYS = 90         # attest.max_validity_days default (YC_CONFIG_MAX_VALIDITY_DAYS_DEFAULT)


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def decode_sdjwt(token):
    """(JOSE header, payload, [disclosure arrays]) of an SD-JWT `jwt~d1~...~`."""
    parts = token.split("~")
    expect(parts[-1] == "", f"an SD-JWT ends in '~': {token[-20:]!r}")
    h, p, _ = parts[0].split(".")
    return (strict_json(b64d(h)), strict_json(b64d(p)),
            [strict_json(b64d(d)) for d in parts[1:-1]])


def decode_status_list(body):
    """(header, claims, the decompressed list bytes) of a statuslist+jwt."""
    h, p, _ = body.decode("ascii").split(".")
    claims = strict_json(b64d(p))
    return strict_json(b64d(h)), claims, zlib.decompress(b64d(claims["status_list"]["lst"]))


def status_of(bits, idx):
    """The 2-bit entry idx of a status list (draft-ietf-oauth-status-list: LSB first)."""
    return (bits[idx // 4] >> (2 * (idx % 4))) & 3


def jwk_thumbprint(k):
    """RFC 7638 §3.2 for an OKP key (RFC 8037 §2)."""
    canon = json.dumps({"crv": k["crv"], "kty": k["kty"], "x": k["x"]},
                       separators=(",", ":"), sort_keys=True).encode()
    return b64e(hashlib.sha256(canon).digest())


def foreign_token(sid):
    """A well-formed SD-JWT VC of another issuer, signed by a key this instance never saw."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    key = Ed25519PrivateKey.generate()
    x = b64e(key.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw))
    kid = jwk_thumbprint({"kty": "OKP", "crv": "Ed25519", "x": x})
    other = "https://attest.other-city.example"
    now = int(time.time())
    header = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": kid}
    claims = {"iss": other, "sub": sid, "iat": now, "exp": now + 86400,
              "jti": b64e(os.urandom(16)), "vct": other + "/vct/credit-score/v1",
              "status": {"status_list": {"idx": 0, "uri": other + "/v1/status-lists/1"}},
              "issuer_city": "Other", "issuer_region": "310000", "subject_type": "legal_person",
              "_sd": [], "_sd_alg": "sha-256"}
    signing_input = b64e(jbytes(header)) + "." + b64e(jbytes(claims))
    return signing_input + "." + b64e(key.sign(signing_input.encode())) + "~"


def fill_map(cases, server):
    """POST records to server until even one record is refused 507 (the map is full)."""
    n, k = 200, 0
    sid = make_uscc(f"fill-{cases.t}")
    for _ in range(400):
        recs = [record(sid, k + i, f"fill-{cases.t}", legal_basis="依据" * 60) for i in range(n)]
        r, _ = cases.call(server, "POST", "/v1/records", JSON, jbytes(recs))
        if r.status == 200:
            k += n
            continue
        eq(r.status, 507, f"filling the map: status (body {r.body[:200]!r})")
        if n == 1:
            return
        n //= 2
    raise AssertionError("the map never filled")

# ---------------------------------------------------------------------------------- sharing

SHARE_TYP = "yrdcredit-share+jwt"   # YC_SHARE_TYP
SHARE_FORMAT = "yrdcredit-share/1"  # YC_SHARE_FORMAT
SHARE_MAX_RECORDS = 1000            # YC_SHARE_MAX_RECORDS
HOST_REGION = "330782"              # attest.issuer_region of every server (the default)
PARTNER_REGION = "310000"           # the partner pinned in trust/partners.json
PARTNER_ISS = "https://attest.shanghai-partner.test"
DEC_A = "91330782MADEC0A10F"        # grade A, red-listed (tests/data/decisions/records.jsonl)
DEC_DEBTOR = "91330782MADEC0N13W"   # N11 失信被执行人 decided 2026-03-02


class Partner:
    """An Ed25519 key of another instance (python3-cryptography) that signs share batches."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives import serialization
        self.key = Ed25519PrivateKey.generate()
        x = b64e(self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                    serialization.PublicFormat.Raw))
        self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": x}
        self.kid = jwk_thumbprint(self.jwk)
        self.jwk["kid"] = self.kid

    def pin(self, data, region=PARTNER_REGION):
        """DATA/trust/partners.json (include/yrdcredit/attest_verify.h) pinning this key for
        region; returns the registry's path."""
        d = os.path.join(data, "trust")
        os.makedirs(d, mode=0o700, exist_ok=True)
        os.chmod(d, 0o700)
        with open(os.path.join(d, "partner.jwks.json"), "w", encoding="utf-8") as f:
            json.dump({"keys": [self.jwk]}, f)
        path = os.path.join(d, "partners.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"partners": [{"issuer": PARTNER_ISS, "city": "Shanghai", "region": region,
                                     "pins": [self.kid],
                                     "jwks_url": PARTNER_ISS + "/.well-known/jwks.json",
                                     "jwks_file": "partner.jwks.json", "status_lists": []}]}, f)
        return path

    def sign(self, payload, typ=SHARE_TYP, kid=...):
        """A JWS compact serialization of payload (a dict, or raw bytes) as `share export`."""
        hdr = {"alg": "EdDSA", "typ": typ}
        if kid is not None:
            hdr["kid"] = self.kid if kid is ... else kid
        raw = payload if isinstance(payload, bytes) else jbytes(payload)
        signing_input = b64e(jbytes(hdr)) + "." + b64e(raw)
        return (signing_input + "." + b64e(self.key.sign(signing_input.encode()))).encode()


def share_payload(records, batch_id=None, frm=PARTNER_REGION, to=HOST_REGION):
    return {"format": SHARE_FORMAT, "batch_id": batch_id or b64e(os.urandom(16)), "from": frm,
            "to": to, "iat": int(time.time()), "since": "2020-01-01", "records": records}


def share_records(sid, n, tag, **over):
    """n generic records of the merchant sid as a partner exports them (origin_record_id)."""
    return [dict(record(sid, i, tag, **over), origin_record_id=str(i + 1)) for i in range(n)]


JOSE = [("content-type", "application/jose")]

# ---------------------------------------------------------------------------------- cases


JSON = [("content-type", "application/json")]
NDJSON = [("content-type", "application/x-ndjson")]


class Cases:
    """The cases run once per transport; each is one TAP line."""

    def __init__(self, ctx, transport):
        self.ctx = ctx
        self.t = transport
        self.spec = ctx.spec
        self.main = ctx.servers["main"]
        self.tag = transport  # keeps the records each transport posts apart
        self.no_auth = [("authorization", None)]  # headers=c.no_auth: a request without token

    # helpers ---------------------------------------------------------------------------

    def call(self, server, method, target, headers=(), body=b"", client=None):
        """One request on a new connection (or on client); returns (response, parsed body)."""
        if client is not None:
            r = client.request(method, target, headers, body)
        else:
            with server.client(self.t) as c:
                r = c.request(method, target, headers, body)
        return r, self.spec.check(self.t, method, target, r)

    def problem(self, server, method, target, status, kind, field=..., headers=(), body=b""):
        r, b = self.call(server, method, target, headers, body)
        where = f"{method} {target}"
        eq(r.status, status, f"{where}: status (body {r.body[:300]!r})")
        eq(r.header("content-type"), "application/problem+json", f"{where}: content-type")
        eq(b["type"], PROBLEM + kind, f"{where}: problem type")
        if field is not ...:
            eq(b.get("field"), field, f"{where}: problem field")
        return r, b

    def token(self, role, name=None, authority=None, subject=None):
        """The token of a client of role on the main server's data dir (`yrdcredit clients
        add`), cached per arguments (shared by both transports); returned once the running
        server recognises it (not 401 on a token route)."""
        auths = [authority] if isinstance(authority, str) else list(authority or ())
        key = (role, name, tuple(auths), subject)
        cache = self.ctx.__dict__.setdefault("tokens", {})
        if key in cache:
            return cache[key]
        args = [self.ctx.cli, "--data", self.main.data, "clients", "add", "--role", role,
                "--name", name or f"test-{role}-{len(cache)}"]
        for a in auths:
            args += ["--authority", a]
        if subject is not None:
            args += ["--subject", subject]
        p = subprocess.run(args, capture_output=True, text=True, check=False)
        expect(p.returncode == 0 and p.stdout.strip(),
               f"clients add --role {role}: exit {p.returncode}: {p.stderr}")
        tok = p.stdout.strip()
        deadline = time.monotonic() + 5
        while True:
            with self.main.client(self.t) as c:
                r = c.request("GET", "/v1/measures", [("authorization", f"Bearer {tok}")])
            if r.status != 401:
                break
            expect(time.monotonic() < deadline, f"the {role} client is not recognised in 5 s")
            time.sleep(0.1)
        cache[key] = tok
        return tok

    def ok200(self, server, method, target, headers=(), body=b""):
        r, b = self.call(server, method, target, headers, body)
        eq(r.status, 200, f"{method} {target}: status (body {r.body[:300]!r})")
        eq(r.header("content-type"), "application/json", f"{method} {target}: content-type")
        return b

    # cases -----------------------------------------------------------------------------

    def health(self):
        b = self.ok200(self.main, "GET", "/healthz")
        eq(b, {"status": "ok"}, "GET /healthz body")
        with self.main.client(self.t) as c:
            r = c.request("HEAD", "/healthz")
        self.spec.check(self.t, "HEAD", "/healthz", r)
        eq((r.status, r.header("content-length"), r.body), (200, "15", b""), "HEAD /healthz")
        self.main.up(self.t)

    def ready(self):
        b = self.ok200(self.main, "GET", "/readyz")
        with open(os.path.join(self.main.data, "model", "score-v1.json"), "rb") as f:
            model = f.read()
        eq(b, {"status": "ready", "model": {"version": json.loads(model)["version"],
                                            "digest": hashlib.sha256(model).hexdigest()},
               "policy_generation": 1},
           "GET /readyz body")
        self.main.up(self.t)

    def score(self):
        target = f"/v1/subjects/{MERCHANT}/score?as_of=2026-11-29"
        b = self.ok200(self.main, "GET", target)
        cli = subprocess.run([self.ctx.cli, "--data", self.main.data, "score", MERCHANT,
                              "--as-of", "2026-11-29"], capture_output=True, check=True)
        eq(b, strict_json(cli.stdout), f"{target} vs `yrdcredit score`")
        eq((b["subject_id"], b["subject_type"], b["as_of"], "grade" in b, "band" in b),
           (MERCHANT, "individual_business", "2026-11-29", True, False), "score members")
        # the as_of limits of the spec: 1900-01-01..2099-12-31
        for d in ("1900-01-01", "2099-12-31"):
            eq(self.ok200(self.main, "GET", f"/v1/subjects/{MERCHANT}/score?as_of={d}")["as_of"],
               d, f"as_of={d}")
        # no as_of: today in Asia/Shanghai (UTC+8, no DST)
        b = self.ok200(self.main, "GET", f"/v1/subjects/{MERCHANT}/score")
        today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8))
        expect(b["as_of"] in (today.date().isoformat(),
                              (today - datetime.timedelta(minutes=1)).date().isoformat()),
               f"default as_of {b['as_of']} is not today in Shanghai ({today.date()})")
        self.main.up(self.t)

    def bad_as_of(self):
        for q in ("as_of=2100-01-01", "as_of=1899-12-31", "as_of=2026-02-30",
                  "as_of=2026-1-01", "as_of=20261129", "as_of=", "as_of",
                  "as_of=2026-11-29&as_of=2026-11-28"):
            self.problem(self.main, "GET", f"/v1/subjects/{MERCHANT}/score?{q}", 400,
                         "invalid-parameter", "as_of")
        self.problem(self.main, "GET", f"/v1/subjects/{MERCHANT}/score?asof=2026-11-29", 400,
                     "invalid-parameter", "asof")  # issue 6 review item 7: the name
        self.problem(self.main, "GET", f"/v1/subjects/{MERCHANT}/score?as_of=2026-11-29&x" +
                     "a" * 300, 400, "invalid-parameter", "query")
        self.main.up(self.t)

    def bad_subject_id(self):
        bad = ["92330782MA2KDDUY4N",          # check character
               "92330782ma2kdduy4m",          # lower case
               "92330782MA2KDDUY4",           # 17 characters
               "P" + "A" * 31 + "1",          # not base32
               "330782196802154703",          # a 居民身份证号码 is not a subject id
               "%20" + MERCHANT]
        for sid in bad:
            for route in ("score", "records"):
                self.problem(self.main, "GET", f"/v1/subjects/{sid}/{route}", 400,
                             "invalid-parameter", "subject_id")
        self.main.up(self.t)

    def unknown_subject(self):
        sid = make_uscc(f"nobody-{self.t}")
        for route in ("score", "records"):
            self.problem(self.main, "GET", f"/v1/subjects/{sid}/{route}", 404, "unknown-subject",
                         "subject_id")
        self.main.up(self.t)

    def lookup(self):
        idnum = self.ctx.sample_person
        body = jbytes({"doc_type": "resident_id", "number": idnum})
        a = self.ok200(self.main, "POST", "/v1/subjects/lookup", JSON, body)
        b = self.ok200(self.main, "POST", "/v1/subjects/lookup",
                       [("content-type", "Application/JSON; charset=utf-8")], body)
        eq(a, b, "the same document twice: the same subject_id")
        expect(a["subject_id"].startswith("P"), f"subject_id {a['subject_id']} is a pseudonym")
        cli = subprocess.run([self.ctx.cli, "--data", self.main.data, "lookup", "--doc-type",
                              "resident_id", "-"],
                             input=idnum.encode(), capture_output=True, check=True)
        eq(a["subject_id"], cli.stdout.decode().strip(), "subject_id vs `yrdcredit lookup`")
        passport = self.ok200(self.main, "POST", "/v1/subjects/lookup", JSON, jbytes(
            {"doc_type": "passport", "number": "E12345678", "country": "USA"}))["subject_id"]
        expect(passport.startswith("P") and passport != a["subject_id"],
               f"a passport's pseudonym {passport}")
        pid = a["subject_id"]
        s = self.ok200(self.main, "GET", f"/v1/subjects/{pid}/score?as_of=2026-11-29")
        eq((s["subject_id"], s["subject_type"], "band" in s, "grade" in s),
           (pid, "natural_person", True, False), "a person's score")
        p = self.ok200(self.main, "GET", f"/v1/subjects/{pid}/records")
        expect(len(p["records"]) >= 1, "the person has records")
        for rec in p["records"]:
            eq((rec["subject_type"], rec["subject_id"], "name" in rec),
               ("natural_person", pid, False), "a person's record (pseudonym, no name)")
        expect(idnum not in json.dumps(p, ensure_ascii=False), "no document number in records")
        self.main.up(self.t)

    def lookup_errors(self):
        L = "/v1/subjects/lookup"
        idnum = self.ctx.sample_person
        bad_check = idnum[:17] + ("0" if idnum[17] != "0" else "1")
        cases = [
            ({"doc_type": "resident_id", "number": bad_check}, "/number"),
            ({"doc_type": "resident_id", "number": "1" * 65}, "/number"),
            ({"doc_type": "resident_id"}, "/number"),
            ({"doc_type": "driving_licence", "number": idnum}, "/doc_type"),
            ({"number": idnum}, "/doc_type"),
            ({"doc_type": "passport", "number": "E12345678"}, "/country"),
            ({"doc_type": "resident_id", "number": idnum, "name": "x"}, "/name"),
            ([{"doc_type": "resident_id", "number": idnum}], ""),
        ]
        for obj, field in cases:
            _, b = self.problem(self.main, "POST", L, 400, "invalid-field", field, JSON,
                                jbytes(obj))
            expect(idnum not in json.dumps(b), "a problem never echoes the number")
        for raw in (b'{"doc_type":"resident_id","number":', b"",
                    b'{"doc_type":"resident_id","doc_type":"passport","number":"1"}'):
            self.problem(self.main, "POST", L, 400, "malformed-json", "", JSON, raw)
        good = jbytes({"doc_type": "resident_id", "number": idnum})
        self.problem(self.main, "POST", L + "?number=1", 400, "invalid-parameter", "number", JSON,
                     good)
        self.main.up(self.t)

    def lookup_media_type(self):
        good = jbytes({"doc_type": "resident_id", "number": self.ctx.sample_person})
        for hdrs in ([("content-type", "text/plain")], [],
                     [("content-type", "application/x-ndjson")],
                     [("content-type", "application/jsonx")]):
            self.problem(self.main, "POST", "/v1/subjects/lookup", 415, "unsupported-media-type",
                         headers=hdrs, body=good)
        self.main.up(self.t)

    def lookup_body_limit(self):
        good = jbytes({"doc_type": "resident_id", "number": self.ctx.sample_person})
        at = good + b" " * (BODY_LIMIT - len(good))
        eq(len(at), BODY_LIMIT, "body length")
        b = self.ok200(self.main, "POST", "/v1/subjects/lookup", JSON, at)
        expect(b["subject_id"].startswith("P"), "at the limit: a subject_id")
        self.problem(self.main, "POST", "/v1/subjects/lookup", 413, "payload-too-large",
                     headers=JSON, body=at + b" ")
        self.main.up(self.t)

    def post_records(self):
        sid = make_uscc(f"post-{self.t}")
        rec = record(sid, 1, self.tag)
        b = self.ok200(self.main, "POST", "/v1/records", JSON, jbytes(rec))
        eq(len(b["results"]), 1, "one result")
        r0 = b["results"][0]
        eq((r0["index"], r0["status"]), (0, "imported"), "first POST")
        b = self.ok200(self.main, "POST", "/v1/records", JSON, jbytes(rec))
        eq(b["results"], [{"index": 0, "record_id": r0["record_id"], "status": "duplicate"}],
           "the same record again")
        changed = dict(rec, legal_basis="《促进个体工商户发展条例》")
        b = self.ok200(self.main, "POST", "/v1/records", JSON, jbytes([changed]))
        eq((b["results"][0]["index"], b["results"][0]["status"]), (0, "superseded"),
           "a changed record")
        bad = dict(record(sid, 2, self.tag), decision_date="2026-02-30")
        b = self.ok200(self.main, "POST", "/v1/records", JSON,
                       jbytes([record(sid, 3, self.tag), bad, 7]))
        res = b["results"]
        eq([x["index"] for x in res], [0, 1, 2], "indexes")
        eq(res[0]["status"], "imported", "item 0")
        # error.field: a JSON Pointer into the body (array: "/<index>/<member>")
        eq(res[1]["error"], {"field": "/1/decision_date", "reason": "invalid date"}, "item 1")
        eq(res[2]["error"], {"field": "/2", "reason": "not a JSON object"}, "item 2")
        b = self.ok200(self.main, "POST", "/v1/records", JSON, jbytes(bad))
        eq(b["results"], [{"index": 0, "error": {"field": "/decision_date",
                                                 "reason": "invalid date"}}], "one bad object")
        nd = b"\n".join([jbytes(record(sid, 4, self.tag)), b"", b"  ", b"[1]",
                         jbytes(dict(record(sid, 5, self.tag), code="X99")),
                         jbytes(record(sid, 6, self.tag))]) + b"\n"
        b = self.ok200(self.main, "POST", "/v1/records", NDJSON, nd)
        res = b["results"]
        eq([x["index"] for x in res], [0, 1, 2, 3], "NDJSON indexes count non-blank lines")
        eq((res[0]["status"], res[1]["error"]["field"], res[2]["error"]["field"],
            res[3]["status"]), ("imported", "", "/code", "imported"),
           "NDJSON outcomes (a pointer into the line)")
        p = self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records?limit=100")
        eq(len(p["records"]), 4, "records listed (1, 3, 4, 6)")
        eq([(r["version"], r["legal_basis"]) for r in p["records"]][-1],
           (2, "《促进个体工商户发展条例》"), "the superseding version keeps its record_id")
        eq([r["version"] for r in p["records"]][:-1], [1, 1, 1], "the others are version 1")
        self.main.up(self.t)

    def post_records_errors(self):
        R = "/v1/records"
        good = jbytes(record(make_uscc(f"errors-{self.t}"), 1, self.tag))
        for raw in (b'{"subject_type":', b"", b'{"code":"B01","code":"B02"}',
                    b'[{"a":1,"a":1}]', b"\xff\xfe"):
            self.problem(self.main, "POST", R, 400, "malformed-json", "", JSON, raw)
        for raw in (b"7", b'"x"', b"null"):
            self.problem(self.main, "POST", R, 400, "invalid-field", "", JSON, raw)
        for q in ("atomic=yes", "atomic=", "atomic=TRUE"):
            self.problem(self.main, "POST", f"{R}?{q}", 400, "invalid-parameter", "atomic", JSON,
                         good)
        self.problem(self.main, "POST", f"{R}?dry_run=true", 400, "invalid-parameter", "dry_run",
                     JSON, good)
        for hdrs in ([("content-type", "text/plain")], [], [("content-type", "text/csv")]):
            self.problem(self.main, "POST", R, 415, "unsupported-media-type", headers=hdrs,
                         body=good)
        self.problem(self.main, "GET", f"/v1/subjects/{make_uscc(f'errors-{self.t}')}/records",
                     404, "unknown-subject", "subject_id")  # nothing of the above was stored
        self.main.up(self.t)

    def atomic(self):
        sid = make_uscc(f"atomic-{self.t}")
        bad = dict(record(sid, 2, self.tag), authority_uscc="11330782MB1A07019Y")
        _, b = self.problem(self.main, "POST", "/v1/records?atomic=true", 422, "records-rejected",
                            "", JSON, jbytes([record(sid, 1, self.tag), bad]))
        eq([(x["index"], x["error"]["field"]) for x in b["results"]], [(1, "/1/authority_uscc")],
           "422 results: the invalid items")
        self.problem(self.main, "GET", f"/v1/subjects/{sid}/records", 404, "unknown-subject",
                     "subject_id")  # nothing stored
        b = self.ok200(self.main, "POST", "/v1/records?atomic=true", JSON,
                       jbytes([record(sid, 1, self.tag), record(sid, 2, self.tag)]))
        eq([x["status"] for x in b["results"]], ["imported", "imported"], "atomic, all valid")
        b = self.ok200(self.main, "POST", "/v1/records?atomic=false", NDJSON,
                       jbytes(record(sid, 3, self.tag)))
        eq([x["status"] for x in b["results"]], ["imported"], "atomic=false")
        eq(len(self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records")["records"]), 3,
           "records stored")
        self.main.up(self.t)

    def post_body_limit(self):
        sid = make_uscc(f"limit-{self.t}")
        one = jbytes(record(sid, 1, self.tag))
        at = one + b" " * (BODY_LIMIT - len(one))
        b = self.ok200(self.main, "POST", "/v1/records", JSON, at)
        eq([x["status"] for x in b["results"]], ["imported"], "a body of exactly the limit")
        self.problem(self.main, "POST", "/v1/records", 413, "payload-too-large", headers=JSON,
                     body=jbytes(record(sid, 2, self.tag)) + b" " * BODY_LIMIT)
        eq(len(self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records")["records"]), 1,
           "the 413 body stored nothing")
        self.main.up(self.t)

    def post_rows(self):
        """双公示 rows keyed by CF_*/XK_* codes (tests/data/api): each request body is valid
        under the operation's request schema; imported, then listed for the subject."""
        rb = self.spec.doc["paths"]["/v1/records"]["post"]["requestBody"]["content"]
        src = self.ctx.src
        for name in ("cf-row.json", "xk-row.json"):
            with open(os.path.join(src, "tests", "data", "api", name), encoding="utf-8") as f:
                row = json.loads(f.readline())
            row = dict(row)
            wsh = "CF_WSH" if "CF_WSH" in row else "XK_WSH"
            row[wsh] = row[wsh] + f"-{self.t}"  # a new 文书号 per transport
            subject = row.get("CF_XDR_SHXYM") or row.get("XK_XDR_SHXYM")
            for ctype, body in (("application/json", jbytes([row])),
                                ("application/x-ndjson", jbytes(row) + b"\n")):
                if ctype == "application/json":
                    errs = list(self.spec.validator(rb[ctype]["schema"]).iter_errors(
                        json.loads(body)))
                    expect(not errs, f"{name}: request body invalid under the spec: "
                                     f"{[e.message for e in errs[:3]]}")
                b = self.ok200(self.main, "POST", "/v1/records", [("content-type", ctype)], body)
                want = "imported" if ctype == "application/json" else "duplicate"
                eq([x["status"] for x in b["results"]], [want], f"{name} as {ctype}")
            recs = self.ok200(self.main, "GET", f"/v1/subjects/{subject}/records?limit=100")
            expect(any(r["decision_no"] == row[wsh] for r in recs["records"]),
                   f"{name}: the posted row is listed for {subject}")
        bad = {"CF_WSH": "X-1", "XK_XKLB": "普通"}
        b = self.ok200(self.main, "POST", "/v1/records", JSON, jbytes([bad]))
        eq(b["results"][0]["error"]["field"], "/0/XK_XKLB", "a row mixing CF_* and XK_*")
        self.main.up(self.t)

    def body_timeout(self):
        """A body that stops arriving: 408 request-timeout after server.body_timeout_ms."""
        sid = make_uscc(f"timeout-{self.t}")
        for target, body in (("/v1/records", jbytes(record(sid, 1, self.tag))),
                             ("/v1/subjects/lookup", b'{"doc_type":"resident_id"}')):
            with self.main.client(self.t) as c:
                st = c.conn.get_next_available_stream_id()
                c.conn.send_headers(st, c.request_headers("POST", target, JSON), end_stream=False)
                c.conn.send_data(st, body[:5], end_stream=False)  # then nothing more
                c.streams[st] = _stream_for(st)
                c._flush()
                t0 = time.monotonic()
                r = c.wait([st])[0]
                waited = time.monotonic() - t0
            b = self.spec.check(self.t, "POST", target, r)
            eq(r.status, 408, f"POST {target}: status after a stalled body")
            eq(b["type"], PROBLEM + "request-timeout", f"POST {target}: problem type")
            expect(BODY_TIMEOUT_MS / 1000 - 0.05 <= waited <= BODY_TIMEOUT_MS / 1000 + 1.5,
                   f"POST {target}: 408 after {waited:.2f} s, body timeout "
                   f"{BODY_TIMEOUT_MS} ms")
        eq(self.call(self.main, "GET", f"/v1/subjects/{sid}/records")[0].status, 404,
           "the stalled POST stored nothing")
        self.main.up(self.t)

    def items_limit_and_paging(self):
        sid = make_uscc(f"paging-{self.t}")
        recs = [record(sid, i, self.tag) for i in range(ITEMS_LIMIT + 1)]
        self.problem(self.main, "POST", "/v1/records", 413, "too-many-items", "", JSON,
                     jbytes(recs))
        self.problem(self.main, "POST", "/v1/records", 413, "too-many-items", "", NDJSON,
                     b"\n".join(jbytes(r) for r in recs))
        self.problem(self.main, "GET", f"/v1/subjects/{sid}/records", 404, "unknown-subject",
                     "subject_id")  # nothing stored
        b = self.ok200(self.main, "POST", "/v1/records", JSON, jbytes(recs[:ITEMS_LIMIT]))
        res = b["results"]
        eq(len(res), ITEMS_LIMIT, "results at the item limit")
        eq({x["status"] for x in res}, {"imported"}, "statuses")
        eq([x["index"] for x in res], list(range(ITEMS_LIMIT)), "indexes")
        ids = [int(x["record_id"]) for x in res]
        eq(ids, sorted(set(ids)), "record_ids increase in request order")
        base = f"/v1/subjects/{sid}/records"
        p = self.ok200(self.main, "GET", base)
        eq(len(p["records"]), 20, "default limit")
        seen, target, pages = [], f"{base}?limit={PAGE_MAX}", 0
        while True:
            p = self.ok200(self.main, "GET", target)
            pages += 1
            eq(p["subject_id"], sid, "page subject_id")
            got = [int(r["record_id"]) for r in p["records"]]
            eq(len(got), PAGE_MAX, f"page {pages} size at limit={PAGE_MAX}")
            seen += got
            if p["next_cursor"] is None:
                break
            expect(pages < 20, "paging does not end")
            target = f"{base}?cursor={p['next_cursor']}&limit={PAGE_MAX}"
        eq(pages, ITEMS_LIMIT // PAGE_MAX, "pages")
        eq(seen, sorted(ids, reverse=True), "all records once, newest (highest record_id) first")
        p = self.ok200(self.main, "GET", f"{base}?limit=1")
        eq(([int(r["record_id"]) for r in p["records"]], p["next_cursor"]),
           ([ids[-1]], f"r{ids[-1]}"), "limit=1 gives the newest and its cursor")
        for q, field in (("limit=101", "limit"), ("limit=0", "limit"), ("limit=-1", "limit"),
                         ("limit=1e2", "limit"), ("limit=", "limit"),
                         ("limit=99999999999999999999999", "limit"),
                         ("cursor=abc", "cursor"), ("cursor=r", "cursor"), ("cursor=", "cursor"),
                         ("cursor=r1x", "cursor"), ("cursor=r99999999999999999999", "cursor"),
                         ("limit=5&limit=6", "limit"), ("page=2", "page")):
            self.problem(self.main, "GET", f"{base}?{q}", 400, "invalid-parameter", field)
        self.main.up(self.t)

    def wrong_method(self):
        sid = MERCHANT
        for method, target, allow in (("DELETE", "/healthz", "GET, HEAD"),
                                      ("POST", "/healthz", "GET, HEAD"),
                                      ("PUT", "/readyz", "GET, HEAD"),
                                      ("POST", f"/v1/subjects/{sid}/score", "GET, HEAD"),
                                      ("PATCH", f"/v1/subjects/{sid}/records", "GET, HEAD"),
                                      ("GET", "/v1/records", "POST"),
                                      ("HEAD", "/v1/records", "POST"),
                                      ("DELETE", "/v1/records", "POST"),
                                      ("GET", "/v1/subjects/lookup", "POST")):
            if method == "HEAD":  # HEAD is GET without a body: the 405 has no body
                with self.main.client(self.t) as c:
                    r = c.request(method, target)
                eq((r.status, r.header("allow"), r.body), (405, allow, b""), f"HEAD {target}")
                continue
            r, _ = self.problem(self.main, method, target, 405, "method-not-allowed",
                                headers=JSON if method in ("POST", "PUT", "PATCH") else (),
                                body=b"{}" if method in ("POST", "PUT", "PATCH") else b"")
            eq(r.header_values("allow"), [allow], f"{method} {target}: allow")
        self.main.up(self.t)

    def unknown_route(self):
        for target in ("/", "/nope", "/healthz/", "/v1", "/v1/subjects", f"/v1/subjects/{MERCHANT}",
                       f"/v1/subjects/{MERCHANT}/scores", "/v1/subjects//score",
                       "/v2/records"):
            self.problem(self.main, "GET", target, 404, "not-found", None)
        # issue 6 review item 9: a path over YC_API_PATH_MAX (256) bytes names "path"
        _, b = self.problem(self.main, "GET", "/v1/" + "a" * 300, 404, "not-found", "path")
        eq(b["detail"], "path longer than 256 bytes", "detail of a 300-byte path")
        self.problem(self.main, "POST", "/v1/record", 404, "not-found", headers=JSON, body=b"{}")
        self.main.up(self.t)

    def header_limits(self):
        targets = [("GET", "/healthz", ()), ("GET", "/readyz", ()),
                   ("GET", f"/v1/subjects/{MERCHANT}/score?as_of=2026-11-29", ()),
                   ("GET", f"/v1/subjects/{MERCHANT}/records", ()),
                   ("POST", "/v1/records", JSON), ("POST", "/v1/subjects/lookup", JSON),
                   ("GET", "/v1/measures?region=330782", ())]
        bodies = {"/v1/records": b"{}", "/v1/subjects/lookup": jbytes(
            {"doc_type": "resident_id", "number": self.ctx.sample_person})}
        with self.main.client(self.t) as c:
            for method, target, hdrs in targets:
                body = bodies.get(target, b"")
                base = c.request_headers(method, target, hdrs)
                used = sum(len(k) + len(v) for k, v in base)
                for extra, over in ((0, False), (1, True)):
                    pad = [("x-pad", "p" * (HEADER_BYTES_LIMIT - used - len("x-pad") + extra))]
                    eq(sum(len(k) + len(v) for k, v in base + pad),
                       HEADER_BYTES_LIMIT + extra, "header bytes")
                    r = c.request(method, target, list(hdrs) + pad, body)
                    self.spec.check(self.t, method, target, r)
                    what = f"{method} {target} with {HEADER_BYTES_LIMIT + extra} header bytes"
                    if over:
                        eq(r.status, 431, what)
                        eq(strict_json(r.body)["type"], PROBLEM + "header-too-large", what)
                    else:
                        expect(r.status != 431, f"{what}: got 431")
                for extra, over in ((0, False), (1, True)):
                    n = HEADER_FIELDS_LIMIT - len(base) + extra
                    fields = [(f"x-f{i}", "v") for i in range(n)]
                    eq(len(base) + n, HEADER_FIELDS_LIMIT + extra, "header fields")
                    r = c.request(method, target, list(hdrs) + fields, body)
                    self.spec.check(self.t, method, target, r)
                    what = f"{method} {target} with {HEADER_FIELDS_LIMIT + extra} header fields"
                    eq(r.status == 431, over, f"{what}: status {r.status}")
            # the connection survives every 431
            eq(c.request("GET", "/healthz").status, 200, "the same connection afterwards")
        self.main.up(self.t)

    def concurrent_streams(self):
        """100 streams at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS)."""
        sid = make_uscc(f"paging-{self.t}")
        reqs = []
        for i in range(100):
            k = i % 5
            if k == 0:
                reqs.append(("GET", "/healthz", (), b"", 200))
            elif k == 1:
                reqs.append(("GET", f"/v1/subjects/{MERCHANT}/score?as_of=2026-11-29", (), b"",
                             200))
            elif k == 2:
                reqs.append(("GET", f"/v1/subjects/{sid}/records?limit={1 + i % PAGE_MAX}", (),
                             b"", 200))
            elif k == 3:
                reqs.append(("POST", "/v1/subjects/lookup", JSON,
                             jbytes({"doc_type": "resident_id",
                                     "number": self.ctx.sample_person}), 200))
            else:
                reqs.append(("GET", "/nope", (), b"", 404))
        with self.main.client(self.t) as c:
            ids = [c.submit(m, t, h, b) for m, t, h, b, _ in reqs]
            rs = c.wait(ids)
        scores = set()
        for (m, t, _, _, want), r in zip(reqs, rs):
            b = self.spec.check(self.t, m, t, r)
            eq(r.status, want, f"{m} {t}")
            if "limit=" in t:
                eq(len(b["records"]), int(t.rsplit("=", 1)[1]), f"{t}: records")
            if "/score" in t:
                scores.add(r.body)
        eq(len(scores), 1, "the 20 concurrent score responses are identical")
        self.main.up(self.t)

    def not_ready(self):
        nr = self.ctx.servers["notready"]
        b = self.ok200(nr, "GET", "/healthz")
        eq(b, {"status": "ok"}, "liveness while not ready")
        idnum = self.ctx.sample_person
        for method, target, hdrs, body in (
                ("GET", "/readyz", (), b""),
                ("GET", f"/v1/subjects/{MERCHANT}/score?as_of=2026-11-29", (), b""),
                ("GET", f"/v1/subjects/{MERCHANT}/records", (), b""),
                ("POST", "/v1/records", JSON, jbytes(record(MERCHANT, 1, self.tag))),
                ("POST", "/v1/subjects/lookup", JSON,
                 jbytes({"doc_type": "resident_id", "number": idnum}))):
            self.problem(nr, method, target, 503, "not-ready", headers=hdrs, body=body)
        nr.up(self.t)

    def storage_full(self):
        full = self.ctx.servers["full"]
        sid = make_uscc(f"full-{self.t}")
        recs = [record(sid, i, self.tag, legal_basis="依据" * 60) for i in range(ITEMS_LIMIT)]
        self.problem(full, "POST", "/v1/records", 507, "storage-full", headers=JSON,
                     body=jbytes(recs))
        self.problem(full, "GET", f"/v1/subjects/{sid}/records", 404, "unknown-subject",
                     "subject_id")  # nothing half-written
        eq(self.ok200(full, "GET", "/readyz")["status"], "ready", "ready after the 507")
        full.up(self.t)

    # review defects of the input handling, each named after its defect --------------

    def access_log_never_has_document_numbers(self):
        """Defect 1: a document number sent in any query parameter (name or value) or path
        segment, plain or percent-encoded, never reaches the access log; values are logged only
        when valid for their parameter, else as `name=-`."""
        id18, id15, passport = self.ctx.sample_person, "330782580101001", "E12345678"
        forms = (id18, id15, passport)
        values = []
        for f in forms:
            values += [f, pct_encode_all(f), f[:4] + pct_encode_all(f[4:8]) + f[8:], "r" + f]
        values.append("r" + pct_encode_all(id18))
        sid = make_uscc(f"post-{self.t}")  # has records (post_records)
        reqs = []  # (method, target, headers, body)
        for name in ("as_of", "limit", "atomic", "cursor", "number", "x"):
            for v in values:
                for route in (f"/v1/subjects/{MERCHANT}/score", f"/v1/subjects/{sid}/records"):
                    reqs.append(("GET", f"{route}?{name}={v}", (), b""))
                reqs.append(("POST", f"/v1/records?{name}={v}", JSON, b"[]"))
                reqs.append(("POST", f"/v1/subjects/lookup?{name}={v}", JSON, b"{}"))
        for v in values:
            reqs.append(("GET", f"/v1/subjects/{MERCHANT}/score?{v}=1", (), b""))
            reqs.append(("GET", f"/v1/subjects/{MERCHANT}/records?limit=1&{v}", (), b""))
            for tmpl in ("/v1/subjects/{}/score", "/v1/subjects/{}/records", "/{}",
                         "/v1/{}/score", "/v1/subjects/{}", "/v1/subjects/x/{}",
                         "/healthz/{}"):
                reqs.append(("GET", tmpl.format(v), (), b""))
        # the exact lines of some: valid values kept (decoded), invalid ones "-"
        want = {
            f"/v1/subjects/{MERCHANT}/score?as_of={id15}":
                "/v1/subjects/{subject_id}/score?as_of=-",
            f"/v1/subjects/{sid}/records?limit={passport}":
                "/v1/subjects/{subject_id}/records?limit=-",
            f"/v1/subjects/{sid}/records?cursor=r{id18}":
                "/v1/subjects/{subject_id}/records?cursor=-",
            f"/v1/subjects/{MERCHANT}/score?number={id18}": "/v1/subjects/{subject_id}/score",
            f"/v1/subjects/{id18}/score": "/v1/subjects/{subject_id}/score",
            f"/v1/subjects/{pct_encode_all(id18)}/records": "/v1/subjects/{subject_id}/records",
            "/v1/subjects/92330782MA2KDDUY4%4D/score?as_of=2024%2D02%2D29":
                "/v1/subjects/{subject_id}/score?as_of=2024-02-29",
            f"/v1/subjects/{sid}/records?limit=%35&cursor=r12&atomic=true":
                "/v1/subjects/{subject_id}/records?limit=5&cursor=r12&atomic=true",
            f"/v1/subjects/{sid}/records?&limit=1&": "/v1/subjects/{subject_id}/records?limit=1",
            # no row of the authorization table: the redacted path as before
            f"/v1/subjects/x/{id18}": "/v1/subjects/-/-",
        }
        for target in want:
            reqs.append(("GET", target, (), b""))
        offset = self.main.log_size()
        with self.main.client(self.t) as c:
            for method, target, hdrs, body in reqs:
                r, _ = self.call(self.main, method, target, hdrs, body, client=c)
                expect(r.status in (200, 400, 404), f"{method} {target}: status {r.status}")
        lines = self.main.log_lines_since(offset, len(reqs))
        eq(len(lines), len(reqs), "access log lines for the requests")
        logged = [json.loads(ln)["path"] for ln in lines]
        for ln in lines:
            for text in (ln, urllib.parse.unquote(ln)):
                for f in forms:
                    expect(f not in text, f"a document number in the access log: {ln}")
        got = dict(zip([t for _, t, _, _ in reqs], logged))
        for target, path in want.items():
            eq(got[target], path, f"logged path of GET {target}")
        self.main.up(self.t)

    def percent_encoded_unreserved_decoded(self):
        """Defect 2: %XX of an unreserved character is that character (RFC 3986 §6.2.2.2);
        a malformed escape is 404 in the path and 400 naming the parameter in the query; any
        other escape makes the subject id invalid."""
        plain = self.ok200(self.main, "GET", f"/v1/subjects/{MERCHANT}/score?as_of=2024-02-29")
        for target in ("/v1/subjects/92330782MA2KDDUY4%4D/score?as_of=2024-02-29",
                       f"/v1/subjects/{MERCHANT}/score?as_of=2024%2D02%2D29",
                       "/v1/subjects/92330782MA2KDDUY4%4d/sc%6Fre?as%5Fof=2024%2d02%2d29"):
            eq(self.ok200(self.main, "GET", target), plain, f"GET {target}")
        sid = make_uscc(f"post-{self.t}")
        one = self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records?limit=1")
        eq(self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records?limit=%31"), one,
           "limit=%31")
        eq(self.ok200(self.main, "GET", "/health%7A"), {"status": "ok"}, "GET /health%7A")
        for q, field in (("as_of=%G1", "as_of"), ("as_of=2024-02-2%", "as_of"),
                         ("as_of=2024%2F02%2F29", "as_of"), ("as%GFof=1", "query")):
            self.problem(self.main, "GET", f"/v1/subjects/{MERCHANT}/score?{q}", 400,
                         "invalid-parameter", field)
        self.problem(self.main, "GET", f"/v1/subjects/{sid}/records?limit=%", 400,
                     "invalid-parameter", "limit")
        for target in ("/v1/subjects/92330782MA2KDDUY4%G1/score", "/healthz%",
                       "/v1/subjects/92330782MA2KDDUY4%4/records"):
            self.problem(self.main, "GET", target, 404, "not-found")
        for target in ("/v1/subjects/92330782MA2KDDUY4%2F/score",
                       "/v1/subjects/92330782MA2KDDUY4%254D/records"):
            self.problem(self.main, "GET", target, 400, "invalid-parameter", "subject_id")
        self.main.up(self.t)

    def charset_other_than_utf8_415(self):
        """Defect 3: a charset other than utf-8 is 415, not a 400 about the bytes."""
        sid = make_uscc(f"charset-{self.t}")
        rec = record(sid, 1, self.tag)
        gbk = json.dumps(rec, ensure_ascii=False).encode("gbk")
        lookup = jbytes({"doc_type": "resident_id", "number": self.ctx.sample_person})
        for ctype in ("application/json; charset=gbk", "application/json;charset=GB18030",
                      "application/x-ndjson; charset=gbk", "application/json; charset=utf8"):
            self.problem(self.main, "POST", "/v1/records", 415, "unsupported-media-type",
                         headers=[("content-type", ctype)], body=gbk)
            self.problem(self.main, "POST", "/v1/subjects/lookup", 415, "unsupported-media-type",
                         headers=[("content-type", ctype)], body=lookup)
        self.problem(self.main, "GET", f"/v1/subjects/{sid}/records", 404, "unknown-subject",
                     "subject_id")  # nothing stored
        for ctype in ("application/json; charset=UTF-8", 'application/x-ndjson; charset="utf-8"'):
            b = self.ok200(self.main, "POST", "/v1/records", [("content-type", ctype)], jbytes(rec))
            eq(len(b["results"]), 1, f"{ctype}: one result")
        self.main.up(self.t)

    def lookup_unknown_member_named(self):
        """Defect 4: an unknown member is named by its JSON Pointer."""
        idnum = self.ctx.sample_person
        for obj, field in (({"doc_type": "resident_id", "number": idnum, "x": 1}, "/x"),
                           ({"doc_type": "resident_id", "number": idnum, idnum: 1}, ""),
                           ({"doc_type": 1, "number": idnum}, "/doc_type"),
                           ({"doc_type": "resident_id", "number": None}, "/number")):
            _, b = self.problem(self.main, "POST", "/v1/subjects/lookup", 400, "invalid-field",
                                field, JSON, jbytes(obj))
            expect(idnum not in json.dumps(b), "a problem never echoes the number")
        self.main.up(self.t)

    def lookup_resident_id_with_country(self):
        """Defect 5: a resident_id takes no country: /country, saying so."""
        idnum = self.ctx.sample_person
        _, b = self.problem(self.main, "POST", "/v1/subjects/lookup", 400, "invalid-field",
                            "/country", JSON,
                            jbytes({"doc_type": "resident_id", "number": idnum,
                                    "country": "CHN"}))
        eq(b["detail"], "only a passport takes an issuing country; omit country for this "
                        "doc_type", "detail")
        self.main.up(self.t)

    def query_and_body_consistency(self):
        """Defect 6: /healthz and /readyz answer 400 to a query parameter as every route does;
        empty query components are ignored both ways; an empty NDJSON body is 400."""
        for target in ("/healthz?x=1", "/readyz?x=1"):
            self.problem(self.main, "GET", target, 400, "invalid-parameter", "x")
        eq(self.ok200(self.main, "GET", "/healthz?&"), {"status": "ok"}, "GET /healthz?&")
        sid = make_uscc(f"post-{self.t}")
        one = self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records?limit=1")
        for q in ("&limit=1", "limit=1&", "&&limit=1&&"):
            eq(self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records?{q}"), one, f"?{q}")
        for body in (b"", b"\n", b" \n\t\n"):
            self.problem(self.main, "POST", "/v1/records", 400, "invalid-field", "", NDJSON, body)
        self.problem(self.main, "POST", "/v1/records", 400, "malformed-json", "", JSON, b"")
        self.main.up(self.t)

    # attestations (issue 4) -----------------------------------------------------------

    def att_subject(self, name):
        """A legal person of this transport with one record (so it can be attested)."""
        sid = make_uscc(f"att-{name}-{self.t}")
        b = self.ok200(self.main, "POST", "/v1/records", JSON,
                       jbytes(record(sid, 1, f"{self.tag}-{name}")))
        expect(b["results"][0]["status"] in ("imported", "duplicate"), f"record of {sid}")
        return sid

    def issue(self, server, sid, obj=None, status=201, raw=None):
        body = raw if raw is not None else (b"" if obj is None else jbytes(obj))
        r, b = self.call(server, "POST", f"/v1/subjects/{sid}/attestations",
                         JSON if body else (), body)
        eq(r.status, status, f"POST .../{sid}/attestations {obj}: status (body {r.body[:300]!r})")
        return b

    def state(self, server, jti, op, reason=..., status=200):
        obj = {} if reason is ... else {"reason": reason}
        r, b = self.call(server, "POST", f"/v1/attestations/{jti}/{op}", JSON, jbytes(obj))
        eq(r.status, status, f"POST {jti}/{op}: status (body {r.body[:300]!r})")
        return b

    def verify(self, token, **extra):
        return self.ok200(self.main, "POST", "/v1/attestations/verify", JSON,
                          jbytes(dict(extra, token=token)))

    def jwks_kids(self):
        return [k["kid"] for k in self.ok200_jwks()["keys"]]

    def ok200_jwks(self):
        r, b = self.call(self.main, "GET", "/.well-known/jwks.json")
        eq(r.status, 200, "GET /.well-known/jwks.json")
        eq(r.header("content-type"), "application/jwk-set+json", "JWKS content-type")
        return b

    def attest_issue(self):
        """201: header and claims exactly as attestations.md §1.3; disclosures those asked."""
        sid = self.att_subject("issue")
        today = (datetime.datetime.now(datetime.timezone.utc) +
                 datetime.timedelta(hours=8)).date().isoformat()
        score = self.ok200(self.main, "GET", f"/v1/subjects/{sid}/score?as_of={today}")
        kids = self.jwks_kids()
        for obj, names, alg, days in (
                ({"disclose": ["score", "grade", "as_of"]}, ["score", "grade", "as_of"],
                 "EdDSA", 30),
                ({"disclose": ["grade"], "aud": "hz-credit", "validity_days": 7,
                  "alg": "Ed25519"}, ["grade"], "Ed25519", 7),
                ({"disclose": ["reasons", "name", "score"], "alg": "EdDSA",
                  "validity_days": ATT_MAX_DAYS}, ["reasons", "name", "score"], "EdDSA",
                 ATT_MAX_DAYS)):
            t0 = int(time.time())
            b = self.issue(self.main, sid, obj)
            t1 = int(time.time())
            hdr, claims, disc = decode_sdjwt(b["token"])
            eq(hdr, {"alg": alg, "typ": "dc+sd-jwt", "kid": hdr.get("kid")}, "JOSE header")
            expect(hdr["kid"] in kids, f"kid {hdr['kid']} not in the JWKS {kids}")
            expect(t0 <= claims["iat"] <= t1, f"iat {claims['iat']} not in [{t0}, {t1}]")
            eq(claims["exp"] - claims["iat"], days * 86400, "exp - iat")
            lst = b["status"]["list"]
            eq(claims["status"], {"status_list": {"idx": b["status"]["index"],
                                                  "uri": f"{ISS}/v1/status-lists/{lst}"}},
               "status claim")
            eq(b["status"]["uri"], f"{ISS}/v1/status-lists/{lst}", "status.uri of the answer")
            eq((claims["iss"], claims["sub"], claims["jti"], claims["vct"],
                claims["issuer_region"], claims["subject_type"], claims["model"]),
               (ISS, sid, b["jti"], ISS + "/vct/credit-score/v1", "330782", "legal_person",
                score["model"]), "always-visible claims")
            eq(claims.get("aud"), obj.get("aud"), "aud claim")
            eq((b["issued_at"], b["expires_at"]), (rfc3339(claims["iat"]),
                                                    rfc3339(claims["exp"])),
               "issued_at / expires_at")
            eq(sorted(d[1] for d in disc), sorted(names), "disclosed claim names")
            eq(len(claims["_sd"]) - len(disc) in (1, 2, 3, 4), True,
               f"1..4 decoys ({len(claims['_sd'])} digests, {len(disc)} disclosures)")
            eq(claims["_sd_alg"], "sha-256", "_sd_alg")
            for d in disc:
                enc = b["token"].split("~")[1:-1][disc.index(d)]
                dig = base64.urlsafe_b64encode(hashlib.sha256(enc.encode()).digest()) \
                    .rstrip(b"=").decode()
                expect(dig in claims["_sd"], f"digest of disclosure {d[1]} not in _sd")
                if d[1] in ("score", "grade", "as_of"):
                    eq(d[2], score[d[1]], f"disclosed {d[1]}")
            v = self.verify(b["token"], **({"aud": obj["aud"]} if "aud" in obj else {}))
            eq((v["valid"], v["reason"], v["issuer"], v["status_checked"]),
               (True, "valid", ISS, True), "verify of the fresh token")
            eq({k: v["claims"][k] for k in names}, {d[1]: d[2] for d in disc},
               "verified claims: the disclosed ones")
        # an empty body takes every default (score, grade, as_of for a merchant; 30 days)
        b = self.issue(self.main, sid)
        _, claims, disc = decode_sdjwt(b["token"])
        eq((sorted(d[1] for d in disc), claims["exp"] - claims["iat"], claims.get("aud")),
           (["as_of", "grade", "score"], 30 * 86400, None), "defaults of an empty body")
        self.main.up(self.t)

    def attest_issue_person(self):
        """An individual: band, not grade; no name; listed by pseudonym."""
        pid = self.ok200(self.main, "POST", "/v1/subjects/lookup", JSON, jbytes(
            {"doc_type": "resident_id", "number": self.ctx.sample_person}))["subject_id"]
        b = self.issue(self.main, pid, {"disclose": ["band", "score"]})
        _, claims, disc = decode_sdjwt(b["token"])
        eq((claims["sub"], claims["subject_type"], sorted(d[1] for d in disc)),
           (pid, "natural_person", ["band", "score"]), "an individual's token")
        expect(self.ctx.sample_person not in b["token"], "no document number in the token")
        for bad in (["grade"], ["name"], ["score", "name"]):
            self.problem(self.main, "POST", f"/v1/subjects/{pid}/attestations", 400,
                         "invalid-field", "/disclose", JSON, jbytes({"disclose": bad}))
        self.problem(self.main, "POST", f"/v1/subjects/{MERCHANT}/attestations", 400,
                     "invalid-field", "/disclose", JSON, jbytes({"disclose": ["band"]}))
        self.main.up(self.t)

    def attest_issue_errors(self):
        sid = self.att_subject("issue")
        A = f"/v1/subjects/{sid}/attestations"
        cases = [
            ({"disclose": ["score", "bogus"]}, "/disclose/1"),
            ({"disclose": ["score", "score"]}, "/disclose/1"),
            ({"disclose": [1]}, "/disclose/0"),
            ({"disclose": []}, "/disclose"),
            ({"disclose": "score"}, "/disclose"),
            ({"disclose": ["score"] * 7}, "/disclose"),
            ({"aud": ""}, "/aud"),
            ({"aud": 5}, "/aud"),
            ({"aud": "a\nb"}, "/aud"),
            ({"aud": "x" * 256}, "/aud"),
            ({"validity_days": 0}, "/validity_days"),
            ({"validity_days": ATT_MAX_DAYS + 1}, "/validity_days"),
            ({"validity_days": "30"}, "/validity_days"),
            ({"validity_days": 1.5}, "/validity_days"),
            ({"alg": "ES256"}, "/alg"),
            ({"alg": "eddsa"}, "/alg"),
            ({"alg": None}, "/alg"),
            ({"disclose": ["score"], "x": 1}, "/x"),
            ([], ""),
        ]
        for obj, field in cases:
            self.problem(self.main, "POST", A, 400, "invalid-field", field, JSON, jbytes(obj))
        for raw in (b"{", b'{"aud":"a","aud":"b"}'):
            self.problem(self.main, "POST", A, 400, "malformed-json", "", JSON, raw)
        self.problem(self.main, "POST", A + "?alg=EdDSA", 400, "invalid-parameter", "alg",
                     JSON, b"{}")
        self.problem(self.main, "POST", "/v1/subjects/92330782MA2KDDUY4N/attestations", 400,
                     "invalid-parameter", "subject_id", JSON, b"{}")
        self.problem(self.main, "POST", f"/v1/subjects/{make_uscc('nobody-att-' + self.t)}"
                     "/attestations", 404, "unknown-subject", "subject_id", JSON,
                     jbytes({"disclose": ["score"]}))
        for hdrs in ([("content-type", "text/plain")], [("content-type", "application/jwt")]):
            self.problem(self.main, "POST", A, 415, "unsupported-media-type", headers=hdrs,
                         body=b"{}")
        at = jbytes({"disclose": ["score"]})
        at += b" " * (BODY_LIMIT - len(at))
        b = self.issue(self.main, sid, raw=at)
        expect(len(b["jti"]) == 22, "a body of exactly the limit: issued")
        self.problem(self.main, "POST", A, 413, "payload-too-large", headers=JSON,
                     body=at + b" ")
        self.main.up(self.t)

    def attest_list(self):
        """Oldest first; limit, next_cursor round trip; bad limit/cursor 400; unknown 404."""
        sid = self.att_subject("list")
        A = f"/v1/subjects/{sid}/attestations"
        eq(self.ok200(self.main, "GET", A), {"subject_id": sid, "attestations": [],
                                             "next_cursor": None}, "no attestation yet")
        issued = []
        for i in range(5):  # a second apart: issued_at has whole seconds
            if i:
                time.sleep(1.05)
            issued.append(self.issue(self.main, sid, {"disclose": ["score"], "aud": f"p{i}"}))
        p = self.ok200(self.main, "GET", A)
        eq([a["jti"] for a in p["attestations"]], [b["jti"] for b in issued],
           "all five, oldest first")
        eq(p["next_cursor"], None, "one page")
        kids = self.jwks_kids()
        for a, b in zip(p["attestations"], issued):
            eq((a["issued_at"], a["expires_at"], a["aud"], a["state"], a["state_changed_at"],
                a["reason"], a["status"]),
               (b["issued_at"], b["expires_at"], f"p{issued.index(b)}", "valid", None, None,
                b["status"]), f"record of {b['jti']}")
            expect(a["kid"] in kids, "kid in the JWKS")
        seen, target, pages = [], f"{A}?limit=2", 0
        while True:
            p = self.ok200(self.main, "GET", target)
            pages += 1
            seen += [a["jti"] for a in p["attestations"]]
            eq(len(p["attestations"]), 2 if pages < 3 else 1, f"page {pages} size")
            if p["next_cursor"] is None:
                break
            expect(pages < 5, "paging does not end")
            target = f"{A}?limit=2&cursor={p['next_cursor']}"
        eq((pages, seen), (3, [b["jti"] for b in issued]), "pages of 2: the same order")
        p = self.ok200(self.main, "GET", f"{A}?limit=100")
        eq(len(p["attestations"]), 5, "limit=100")
        for q, field in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
                         ("limit=", "limit"), ("cursor=", "cursor"), ("cursor=a%2Fb", "cursor"),
                         ("cursor=" + "a" * 65, "cursor"), ("page=2", "page")):
            self.problem(self.main, "GET", f"{A}?{q}", 400, "invalid-parameter", field)
        self.problem(self.main, "GET", "/v1/subjects/92330782MA2KDDUY4N/attestations", 400,
                     "invalid-parameter", "subject_id")
        self.problem(self.main, "GET", f"/v1/subjects/{make_uscc('nobody-list-' + self.t)}"
                     "/attestations", 404, "unknown-subject", "subject_id")
        self.main.up(self.t)

    def attest_states(self):
        """revoke/suspend/unsuspend: 200, 409 for each invalid transition, 404, 400; verify
        and the status list follow at once."""
        sid = self.att_subject("state")
        a = self.issue(self.main, sid, {"disclose": ["score"]})
        b = self.issue(self.main, sid, {"disclose": ["grade"]})
        ja, jb = a["jti"], b["jti"]
        for tok, want in ((a["token"], "valid"), (b["token"], "valid")):
            eq(self.verify(tok)["reason"], want, "fresh")
        s = self.state(self.main, jb, "suspend", "复核中")
        eq((s["jti"], s["state"], s["reason"]), (jb, "suspended", "复核中"), "suspend")
        v = self.verify(b["token"])
        eq((v["valid"], v["reason"]), (False, "suspended"), "verify after suspend")
        eq(status_of(self.status_list(b["status"]["list"])[1][2], b["status"]["index"]), 2,
           "status-list entry after suspend")
        self.problem(self.main, "POST", f"/v1/attestations/{jb}/suspend", 409, "state-conflict",
                     "jti", JSON, jbytes({"reason": "again"}))
        s = self.state(self.main, jb, "unsuspend")
        eq((s["jti"], s["state"]), (jb, "valid"), "unsuspend")
        v = self.verify(b["token"])
        eq((v["valid"], v["reason"]), (True, "valid"), "verify after unsuspend")
        self.problem(self.main, "POST", f"/v1/attestations/{jb}/unsuspend", 409,
                     "state-conflict", "jti", JSON, b"{}")
        s = self.state(self.main, ja, "revoke", "撤销")
        eq((s["jti"], s["state"], s["reason"]), (ja, "revoked", "撤销"), "revoke")
        v = self.verify(a["token"])
        eq((v["valid"], v["reason"]), (False, "revoked"), "verify after revoke")
        eq(status_of(self.status_list(a["status"]["list"])[1][2], a["status"]["index"]), 1,
           "status-list entry after revoke")
        self.problem(self.main, "POST", f"/v1/attestations/{ja}/revoke", 409, "state-conflict",
                     "jti", JSON, jbytes({"reason": "twice"}))
        self.problem(self.main, "POST", f"/v1/attestations/{ja}/suspend", 409, "state-conflict",
                     "jti", JSON, jbytes({"reason": "x"}))
        self.problem(self.main, "POST", f"/v1/attestations/{ja}/unsuspend", 409,
                     "state-conflict", "jti", JSON, b"{}")
        lst = {x["jti"]: x for x in self.ok200(
            self.main, "GET", f"/v1/subjects/{sid}/attestations")["attestations"]}
        eq((lst[ja]["state"], lst[ja]["reason"], lst[jb]["state"]),
           ("revoked", "撤销", "valid"), "listed states")
        unknown = "A" * 22
        for op in ("revoke", "suspend", "unsuspend"):
            self.problem(self.main, "POST", f"/v1/attestations/{unknown}/{op}", 404,
                         "unknown-attestation", "jti", JSON, jbytes({"reason": "x"}))
            for bad in ("A" * 21, "A" * 23, "A" * 21 + "%2B"):
                self.problem(self.main, "POST", f"/v1/attestations/{bad}/{op}", 400,
                             "invalid-parameter", "jti", JSON, jbytes({"reason": "x"}))
            for obj, field in (({"reason": ""}, "/reason"), ({"reason": 1}, "/reason"),
                               ({"reason": "x" * 256}, "/reason"),
                               ({"reason": "a\u0001"}, "/reason"),
                               ({"reason": "x", "y": 1}, "/y"), ([], "")):
                self.problem(self.main, "POST", f"/v1/attestations/{jb}/{op}", 400,
                             "invalid-field", field, JSON, jbytes(obj))
            self.problem(self.main, "POST", f"/v1/attestations/{jb}/{op}?x=1", 400,
                         "invalid-parameter", "x", JSON, jbytes({"reason": "x"}))
            self.problem(self.main, "POST", f"/v1/attestations/{jb}/{op}", 400,
                         "malformed-json", "", JSON, b"{")
            self.problem(self.main, "POST", f"/v1/attestations/{jb}/{op}", 415,
                         "unsupported-media-type", headers=[("content-type", "text/plain")],
                         body=b'{"reason":"x"}')
            self.problem(self.main, "POST", f"/v1/attestations/{jb}/{op}", 413,
                         "payload-too-large", headers=JSON,
                         body=b'{"reason":"x"}' + b" " * BODY_LIMIT)
        for op in ("revoke", "suspend"):  # reason required
            self.problem(self.main, "POST", f"/v1/attestations/{jb}/{op}", 400, "invalid-field",
                         "/reason", JSON, b"{}")
        self.main.up(self.t)

    def attest_verify(self):
        sid = self.att_subject("verify")
        a = self.issue(self.main, sid, {"disclose": ["score", "grade"], "aud": "sh-credit"})
        tok = a["token"]
        v = self.verify(tok, aud="sh-credit")
        eq((v["valid"], v["reason"], v["issuer"]), (True, "valid", ISS), "valid")
        eq((v["claims"]["sub"], v["claims"]["jti"], v["claims"]["aud"], "_sd" in v["claims"]),
           (sid, a["jti"], "sh-credit", False), "verified claims")
        # the aud is checked when the request names one (verifyAttestation)
        eq(self.verify(tok, aud="hz-credit")["reason"], "wrong_aud", "another aud")
        eq(self.verify(tok)["reason"], "valid", "no aud named: not checked")
        tok = self.issue(self.main, sid, {"disclose": ["score", "grade"]})["token"]
        jwt_part, rest = tok.split("~", 1)
        h, p, sig = jwt_part.split(".")
        raw = bytearray(b64d(sig))
        raw[10] ^= 0x01
        v = self.verify(".".join((h, p, b64e(bytes(raw)))) + "~" + rest)
        eq((v["valid"], v["reason"], v["claims"]), (False, "bad_signature", None),
           "a flipped signature bit")
        for garbage in ("x", "a.b.c~", "~~~", "eyJ.eyJ.x~"):
            v = self.verify(garbage)
            eq((v["valid"], v["reason"], v["claims"]), (False, "malformed", None),
               f"garbage {garbage!r}")
        other = foreign_token(sid)
        v = self.verify(other)
        eq((v["valid"], v["reason"]), (False, "untrusted_issuer"), "another issuer and key")
        # a presentation revealing only the grade
        parts = tok.split("~")
        grade = [d for d in parts[1:-1] if json.loads(b64d(d))[1] == "grade"]
        v = self.verify(parts[0] + "~" + grade[0] + "~")
        eq((v["valid"], "grade" in v["claims"], "score" in v["claims"]), (True, True, False),
           "a presentation of the grade only")
        V = "/v1/attestations/verify"
        for obj, field in (({}, "/token"), ({"token": ""}, "/token"), ({"token": 1}, "/token"),
                           ({"token": tok, "aud": ""}, "/aud"),
                           ({"token": tok, "aud": "x" * 256}, "/aud"),
                           ({"token": tok, "x": 1}, "/x"), ([tok], "")):
            self.problem(self.main, "POST", V, 400, "invalid-field", field, JSON, jbytes(obj))
        self.problem(self.main, "POST", V, 400, "malformed-json", "", JSON, b"")
        self.problem(self.main, "POST", V + "?token=x", 400, "invalid-parameter", "token", JSON,
                     jbytes({"token": tok}))
        self.problem(self.main, "POST", V, 415, "unsupported-media-type",
                     headers=[("content-type", "text/plain")], body=jbytes({"token": tok}))
        at = jbytes({"token": tok})
        at += b" " * (BODY_LIMIT - len(at))
        eq(self.ok200(self.main, "POST", V, JSON, at)["reason"], "valid", "body at the limit")
        self.problem(self.main, "POST", V, 413, "payload-too-large", headers=JSON, body=at + b" ")
        self.main.up(self.t)

    def status_list(self, lst, headers=(), server=None):
        r, _ = self.call(server or self.main, "GET", f"/v1/status-lists/{lst}", headers)
        return r, (decode_status_list(r.body) if r.status == 200 else None)

    def attest_publishing(self):
        """JWKS, issuer metadata, status list: ETag stable, changed by a revocation, 304,
        Cache-Control max-age = attest.status_list_ttl_s."""
        jwks = self.ok200_jwks()
        expect(len(jwks["keys"]) >= 2, "an attestation and a status-list key")
        for k in jwks["keys"]:
            eq((k["kty"], k["crv"], k["use"], "alg" in k), ("OKP", "Ed25519", "sig", False),
               "JWK members")
            eq(k["kid"], jwk_thumbprint(k), "kid = RFC 7638 thumbprint")
        eq(self.ok200(self.main, "GET", "/.well-known/jwt-vc-issuer"),
           {"issuer": ISS, "jwks_uri": ISS + "/.well-known/jwks.json"}, "issuer metadata")
        for target in ("/.well-known/jwks.json?x=1", "/.well-known/jwt-vc-issuer?x=1",
                       "/v1/status-lists/1?x=1"):
            self.problem(self.main, "GET", target, 400, "invalid-parameter", "x")
        sid = self.att_subject("publish")
        a = self.issue(self.main, sid, {"disclose": ["score"]})
        lst = a["status"]["list"]
        r1, (h1, c1, bits1) = self.status_list(lst)
        r2, (h2, c2, bits2) = self.status_list(lst)
        eq(r1.status, 200, "GET status list")
        eq(r1.header("content-type"), "application/statuslist+jwt", "content-type")
        eq(r1.header("cache-control"), f"max-age={STATUS_TTL}", "Cache-Control")
        eq((r2.header("etag"), r2.body), (r1.header("etag"), r1.body),
           "two GETs without a change: the same ETag and bytes")
        eq((h1["typ"], h1["alg"] in ("EdDSA", "Ed25519"), h1["kid"] in [k["kid"] for k in
                                                                       jwks["keys"]]),
           ("statuslist+jwt", True, True), "status-list header")
        eq((c1["sub"], c1["ttl"], c1["exp"] - c1["iat"], c1["status_list"]["bits"]),
           (f"{ISS}/v1/status-lists/{lst}", STATUS_TTL, 2 * STATUS_TTL, 2), "status-list claims")
        eq(status_of(bits1, a["status"]["index"]), 0, "the fresh token's entry")
        r, _ = self.call(self.main, "GET", f"/v1/status-lists/{lst}",
                         [("if-none-match", r1.header("etag"))])
        eq((r.status, r.body, r.header("etag")), (304, b"", r1.header("etag")), "304")
        self.state(self.main, a["jti"], "revoke", "test")
        r3, (_, _, bits3) = self.status_list(lst)
        expect(r3.header("etag") != r1.header("etag"), "the ETag changed after a revocation")
        eq(status_of(bits3, a["status"]["index"]), 1, "revoked entry")
        r, _ = self.call(self.main, "GET", f"/v1/status-lists/{lst}",
                         [("if-none-match", r1.header("etag"))])
        eq(r.status, 200, "the old ETag: 200")
        # regress__issue_4: "*" matches any current representation (RFC 9110 §13.1.2)
        r, _ = self.call(self.main, "GET", f"/v1/status-lists/{lst}", [("if-none-match", "*")])
        eq((r.status, r.body, r.header("etag")), (304, b"", r3.header("etag")), "If-None-Match *: 304")
        for bad in ("0", "01", "x", "-1", "4294967296", "12345678901"):
            self.problem(self.main, "GET", f"/v1/status-lists/{bad}", 400, "invalid-parameter",
                         "id")
        for unknown in ("999", "4294967295"):
            self.problem(self.main, "GET", f"/v1/status-lists/{unknown}", 404,
                         "unknown-status-list", "id")
        self.main.up(self.t)

    def attest_wrong_method(self):
        sid = MERCHANT
        jti = "A" * 22
        failures = []
        for method, target, allow in (
                ("DELETE", f"/v1/subjects/{sid}/attestations", "GET, HEAD, POST"),
                ("PUT", f"/v1/subjects/{sid}/attestations", "GET, HEAD, POST"),
                ("GET", "/v1/attestations/verify", "POST"),
                ("PUT", "/v1/attestations/verify", "POST"),
                ("GET", f"/v1/attestations/{jti}/revoke", "POST"),
                ("DELETE", f"/v1/attestations/{jti}/suspend", "POST"),
                ("GET", f"/v1/attestations/{jti}/unsuspend", "POST"),
                ("POST", "/.well-known/jwks.json", "GET, HEAD"),
                ("DELETE", "/.well-known/jwt-vc-issuer", "GET, HEAD"),
                ("POST", "/v1/status-lists/1", "GET, HEAD")):
            try:  # every one is tried (and its coverage recorded); the failures at the end
                r, _ = self.problem(self.main, method, target, 405, "method-not-allowed",
                                    headers=JSON if method in ("POST", "PUT") else (),
                                    body=b"{}" if method in ("POST", "PUT") else b"")
                eq(r.header_values("allow"), [allow], f"{method} {target}: allow")
            except AssertionError as e:
                failures.append(str(e))
        self.main.up(self.t)
        expect(not failures, "\n".join(failures))

    def attest_body_timeout(self):
        jti = "A" * 22
        for target in (f"/v1/subjects/{MERCHANT}/attestations", "/v1/attestations/verify",
                       f"/v1/attestations/{jti}/revoke", f"/v1/attestations/{jti}/suspend",
                       f"/v1/attestations/{jti}/unsuspend"):
            with self.main.client(self.t) as c:
                st = c.conn.get_next_available_stream_id()
                c.conn.send_headers(st, c.request_headers("POST", target, JSON), end_stream=False)
                c.conn.send_data(st, b'{"rea', end_stream=False)
                c.streams[st] = _stream_for(st)
                c._flush()
                r = c.wait([st])[0]
            b = self.spec.check(self.t, "POST", target, r)
            eq((r.status, b["type"]), (408, PROBLEM + "request-timeout"), f"POST {target}")
        self.main.up(self.t)

    def attest_header_limits(self):
        jti = "A" * 22
        targets = [("GET", f"/v1/subjects/{MERCHANT}/attestations", (), b""),
                   ("POST", f"/v1/subjects/{MERCHANT}/attestations", JSON,
                    jbytes({"disclose": ["score"]})),
                   ("POST", "/v1/attestations/verify", JSON, jbytes({"token": "x"})),
                   ("GET", "/.well-known/jwks.json", (), b""),
                   ("GET", "/.well-known/jwt-vc-issuer", (), b""),
                   ("GET", "/v1/status-lists/1", (), b"")]
        targets += [("POST", f"/v1/attestations/{jti}/{op}", JSON, jbytes({"reason": "x"}))
                    for op in ("revoke", "suspend", "unsuspend")]
        with self.main.client(self.t) as c:
            for method, target, hdrs, body in targets:
                base = c.request_headers(method, target, hdrs)
                used = sum(len(k) + len(v) for k, v in base)
                for extra in (0, 1):
                    pad = [("x-pad", "p" * (HEADER_BYTES_LIMIT - used - len("x-pad") + extra))]
                    r = c.request(method, target, list(hdrs) + pad, body)
                    self.spec.check(self.t, method, target, r)
                    eq(r.status == 431, extra == 1,
                       f"{method} {target} with {HEADER_BYTES_LIMIT + extra} header bytes: "
                       f"{r.status}")
            eq(c.request("GET", "/healthz").status, 200, "the same connection afterwards")
        self.main.up(self.t)

    # measures (issue 5 item 4) ------------------------------------------------------------

    def expected_measures(self, region=None, matter=None):
        """The measures GET /v1/measures must list, built from etc/policy/measures/ itself:
        region order, then file order, each with its region and matter label."""
        out = []
        for reg in REGIONS:
            with open(os.path.join(self.ctx.src, "etc", "policy", "measures", f"{reg}.json"),
                      encoding="utf-8") as f:
                cat = json.load(f)
            eq(cat["region"], reg, f"etc/policy/measures/{reg}.json region")
            if region is not None and reg != region:
                continue
            for m in cat["measures"]:
                if matter is not None and m["matter"] != matter:
                    continue
                out.append({"id": m["id"], "region": reg, "kind": m["kind"],
                            "matter": m["matter"], "matter_label": MATTERS[m["matter"]],
                            "target": m["target"], "text": m["text"],
                            "department": m["department"], "legal_basis": m["legal_basis"],
                            "effective_from": m["effective_from"],
                            "effective_to": m["effective_to"]})
        return out

    def measures(self):
        every = self.expected_measures()
        expect(len(every) >= 24, f"at least 8 measures per city, got {len(every)}")
        b = self.ok200(self.main, "GET", "/v1/measures")
        eq(b, {"measures": every}, "GET /v1/measures: every measure in region then file order")
        for target, region, matter in (
                ("/v1/measures?region=330782", "330782", None),
                ("/v1/measures?region=330100", "330100", None),
                ("/v1/measures?region=310000", "310000", None),
                ("/v1/measures?matter=government_procurement", None, "government_procurement"),
                ("/v1/measures?matter=deposit_waiver", None, "deposit_waiver"),
                ("/v1/measures?region=330100&matter=deposit_waiver", "330100", "deposit_waiver"),
                ("/v1/measures?matter=government_procurement&region=310000", "310000",
                 "government_procurement"),
                ("/v1/measures?region=%33%33%30%37%38%32", "330782", None),
                ("/v1/measures?&region=330782&", "330782", None)):
            want = self.expected_measures(region, matter)
            expect(len(want) > 0, f"{target}: the etc/policy catalogues have no such measure")
            eq(self.ok200(self.main, "GET", target), {"measures": want}, f"GET {target}")
        eq([m["id"] for m in self.ok200(
            self.main, "GET", "/v1/measures?region=330782&matter=government_procurement")
            ["measures"]], ["330782-P-001"], "Yiwu government procurement: exactly 330782-P-001")
        # a well-formed region without a catalogue, a matter no measure has in a region
        for target in ("/v1/measures?region=110000", "/v1/measures?region=320100&matter=honours"):
            eq(self.ok200(self.main, "GET", target), {"measures": []}, f"GET {target}")
        # HEAD: the GET's headers, no body
        with self.main.client(self.t) as c:
            g = c.request("GET", "/v1/measures")
            h = c.request("HEAD", "/v1/measures")
        self.spec.check(self.t, "HEAD", "/v1/measures", h)
        eq((h.status, h.header("content-type"), h.header("content-length"), h.body),
           (200, "application/json", str(len(g.body)), b""), "HEAD /v1/measures")
        # the access log names the route; region and matter values are not logged
        offset = self.main.log_size()
        self.ok200(self.main, "GET", "/v1/measures?region=330782&matter=honours")
        lines = self.main.log_lines_since(offset, 1)
        eq([json.loads(ln)["path"] for ln in lines], ["/v1/measures"], "access log path")
        self.main.up(self.t)

    def measures_errors(self):
        for q, field in (("region=33078", "region"),          # 5 digits: one short
                         ("region=3307820", "region"),        # 7 digits: one past
                         ("region=33078a", "region"), ("region=", "region"),
                         # issue 5 regression: not GB/T 2260 (no such province), as decisions
                         ("region=000000", "region"), ("region=999999", "region"),
                         ("region=%EF%BC%93%33%30%37%38%32", "region"),  # a fullwidth digit
                         ("region=330782&region=330100", "region"),
                         ("region=3307%2", "region"),         # a malformed escape
                         ("matter=", "matter"), ("matter=procurement", "matter"),
                         ("matter=Government_procurement", "matter"),
                         ("matter=government_procurement%20", "matter"),
                         ("matter=" + "a" * 70, "matter"),
                         ("matter=honours&matter=honours", "matter"),
                         ("regions=330782", "regions"), ("as_of=2026-01-01", "as_of"),
                         ("region=330782&x=1", "x")):
            _, b = self.problem(self.main, "GET", f"/v1/measures?{q}", 400,
                                "invalid-parameter", field)
        eq(b["title"], "Invalid parameter", "title of the 400")
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            body = b"{}" if method in ("POST", "PUT", "PATCH") else b""
            r, _ = self.problem(self.main, method, "/v1/measures", 405, "method-not-allowed",
                                headers=JSON if body else (), body=body)
            eq(r.header_values("allow"), ["GET, HEAD"], f"{method} /v1/measures: allow")
        for target in ("/v1/measures/", "/v1/measures/330782", "/v1/measure"):
            self.problem(self.main, "GET", target, 404, "not-found")
        self.main.up(self.t)

    def measures_not_loaded(self):
        """notready: one catalogue with a penalty on a grade (refused by the loader) -> 503,
        none served; nokeys: no policy/measures/ directory -> 503; full: an empty
        policy/measures/ -> 200 with no measure."""
        for name in ("notready", "nokeys"):
            srv = self.ctx.servers[name]
            for target in ("/v1/measures", "/v1/measures?region=330782",
                           "/v1/measures?matter=honours"):
                _, b = self.problem(srv, "GET", target, 503, "not-ready")
                eq(b["detail"], "the measure catalogues are not loaded", f"{name}: detail")
            # the parameters are checked first
            self.problem(srv, "GET", "/v1/measures?region=1", 400, "invalid-parameter", "region")
            srv.up(self.t)
        full = self.ctx.servers["full"]
        for target in ("/v1/measures", "/v1/measures?region=330782&matter=honours"):
            eq(self.ok200(full, "GET", target), {"measures": []}, f"full: GET {target}")
        full.up(self.t)

    def attest_not_ready(self):
        """notready (model broken, keys/signing.json unreadable): 503 on every attestation
        operation but the issuer metadata; nokeys (no signing.json): issuing 503."""
        nr = self.ctx.servers["notready"]
        jti = "A" * 22
        for method, target, hdrs, body in (
                ("POST", f"/v1/subjects/{MERCHANT}/attestations", JSON,
                 jbytes({"disclose": ["score"]})),
                ("GET", f"/v1/subjects/{MERCHANT}/attestations", (), b""),
                ("POST", "/v1/attestations/verify", JSON, jbytes({"token": "a.b.c~"})),
                ("POST", f"/v1/attestations/{jti}/revoke", JSON, jbytes({"reason": "x"})),
                ("POST", f"/v1/attestations/{jti}/suspend", JSON, jbytes({"reason": "x"})),
                ("POST", f"/v1/attestations/{jti}/unsuspend", JSON, b"{}"),
                ("GET", "/.well-known/jwks.json", (), b""),
                ("GET", "/v1/status-lists/1", (), b"")):
            self.problem(nr, method, target, 503, "not-ready", headers=hdrs, body=body)
        eq(self.ok200(nr, "GET", "/.well-known/jwt-vc-issuer")["issuer"], ISS_DEFAULT,
           "issuer metadata needs no key")
        nk = self.ctx.servers["nokeys"]
        _, b = self.problem(nk, "POST", f"/v1/subjects/{MERCHANT}/attestations", 503,
                            "not-ready", headers=JSON, body=jbytes({"disclose": ["score"]}))
        eq(b["detail"], "no active attestation signing key (yrdcredit keys new)", "detail")
        eq(self.ok200(nk, "GET", f"/v1/subjects/{MERCHANT}/attestations")["attestations"], [],
           "nothing issued")
        nr.up(self.t)
        nk.up(self.t)

    def attest_storage_full(self):
        """A full LMDB map: issuing, revoke, suspend and unsuspend 507 storage-full."""
        full = self.ctx.servers["full"]
        mine = self.ctx.full_tokens[self.t]
        eq(len(mine), 2, f"two tokens issued on the full server for {self.t} before it filled")
        fill_map(self, full)
        sid = mine[0]["sid"]
        # attestation records are smaller than a record: issue until the map refuses one
        for i in range(20000):
            r, b = self.call(full, "POST", f"/v1/subjects/{sid}/attestations", JSON,
                             jbytes({"disclose": ["score"]}))
            if r.status != 201:
                break
        eq((r.status, b["type"]), (507, PROBLEM + "storage-full"),
           f"issuing on a full map, after {i} more tokens")
        ja, jb = mine[0]["jti"], mine[1]["jti"]  # jb was suspended before the map filled
        # A state change rewrites a record in place: LMDB gives it the pages the previous
        # commit freed, so even a map that refuses any new record accepts it (no 507 here;
        # see NO_507 in coverage).
        eq(self.state(full, jb, "unsuspend")["state"], "valid", "unsuspend on a full map")
        eq(self.state(full, ja, "suspend", "x")["state"], "suspended", "suspend on a full map")
        eq(self.state(full, ja, "revoke", "x")["state"], "revoked", "revoke on a full map")
        lst = {x["jti"]: x["state"] for x in self.ok200(
            full, "GET", f"/v1/subjects/{sid}/attestations")["attestations"]
            if x["jti"] in (ja, jb)}
        eq(lst, {ja: "revoked", jb: "valid"}, "the state changes on a full map")
        full.up(self.t)

    # decisions (issue 5 item 4) -----------------------------------------------------------

    def decide(self, server, obj=None, status=201, raw=None, headers=JSON, query=""):
        body = raw if raw is not None else jbytes(obj)
        r, b = self.call(server, "POST", "/v1/decisions" + query, headers, body)
        eq(r.status, status, f"POST /v1/decisions {obj}: status (body {r.body[:300]!r})")
        return r, b

    def catalogue_measure(self, mid):
        with open(os.path.join(self.ctx.src, "etc", "policy", "measures", f"{mid[:6]}.json"),
                  encoding="utf-8") as f:
            return [m for m in json.load(f)["measures"] if m["id"] == mid][0]

    def decision_created(self):
        """201: location, measures exactly as test_decisions.sh, deterministic, signed over the
        object without `signature` by a key of the JWKS; GET 200 byte-identical; HEAD."""
        req = {"subject_id": DEC_A, "matter": "deposit_waiver", "as_of": "2026-07-01"}
        r1, d1 = self.decide(self.main, req)
        eq(r1.header("content-type"), "application/json", "content-type")
        eq(r1.header("location"), f"/v1/decisions/{d1['id']}", "location")
        m = self.catalogue_measure("330782-R-002")
        eq(d1["measures"], [{"id": "330782-R-002", "kind": "reward", "text": m["text"],
                             "department": m["department"], "legal_basis": m["legal_basis"],
                             "triggered_by": "grade:A"}], "measures")
        eq(d1["not_applicable"], [], "not_applicable")
        eq((d1["subject_id"], d1["matter"], d1["region"], d1["as_of"], d1["evidence"]["kind"],
            d1["evidence"]["subject_type"], d1["evidence"]["grade"],
            [x["list"] for x in d1["evidence"]["listings"]]),
           (DEC_A, "deposit_waiver", HOST_REGION, "2026-07-01", "local", "legal_person", "A",
            ["red"]), "decision members")
        r2, d2 = self.decide(self.main, req)
        expect(d2["id"] != d1["id"], "the same request twice: two ids")
        eq((d2["measures"], d2["not_applicable"], d2["evidence"]),
           (d1["measures"], d1["not_applicable"], d1["evidence"]), "the same request twice")
        _, p = self.decide(self.main, {"subject_id": DEC_DEBTOR, "matter": "high_consumption",
                                       "as_of": "2026-04-01"})
        eq([(x["id"], x["kind"], x["triggered_by"]) for x in p["measures"]],
           [("330782-P-003", "penalty", "list:serious_dishonesty")], "the debtor's penalty")
        eq([(x["list"], x["start"], x["effective_from"], x["pending"], x["codes"])
            for x in p["evidence"]["listings"]],
           [("serious_dishonesty", "2026-03-02", "2026-03-09", False, ["N11"])], "listing")
        _, h = self.decide(self.main, {"subject_id": DEC_A, "matter": "deposit_waiver",
                                       "region": "330100", "as_of": "2026-07-01"})
        eq(([(x["id"], x["triggered_by"]) for x in h["measures"]], h["not_applicable"]),
           ([("330100-R-001", "grade:A")],
            [{"id": "330100-R-002", "kind": "reward", "reason": "wrong_subject_type"}]),
           "Hangzhou's catalogue")
        # the signature (createDecision's partner recipe)
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        hs, ps, ss = d1["signature"].split(".")
        hdr = strict_json(b64d(hs))
        eq((hdr["alg"], hdr["typ"]), ("EdDSA", "yrdcredit-decision+jwt"), "JWS header")
        keys = [k for k in self.ok200_jwks()["keys"] if k["kid"] == hdr["kid"]]
        eq(len(keys), 1, f"kid {hdr['kid']} in the JWKS")
        Ed25519PublicKey.from_public_bytes(b64d(keys[0]["x"])).verify(
            b64d(ss), (hs + "." + ps).encode())
        unsigned = {k: v for k, v in d1.items() if k != "signature"}
        eq(b64d(ps), json.dumps(unsigned, sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False).encode(), "signed payload")
        # GET: the 201's bytes; HEAD: its headers
        for r, d in ((r1, d1), (r2, d2)):
            g, _ = self.call(self.main, "GET", f"/v1/decisions/{d['id']}")
            eq((g.status, g.header("content-type"), g.body), (200, "application/json", r.body),
               f"GET /v1/decisions/{d['id']}")
        with self.main.client(self.t) as c:
            h = c.request("HEAD", f"/v1/decisions/{d1['id']}")
        self.spec.check(self.t, "HEAD", f"/v1/decisions/{d1['id']}", h)
        eq((h.status, h.header("content-length"), h.body), (200, str(len(r1.body)), b""),
           "HEAD /v1/decisions/{id}")
        self.main.up(self.t)

    def decision_errors(self):
        """400 naming the field, 404 unknown-region/unknown-subject, 422, 415, 413."""
        good = {"subject_id": DEC_A, "matter": "deposit_waiver", "as_of": "2026-07-01"}
        for obj, field in (
                ({"subject_id": DEC_A}, "/matter"),
                ({"subject_id": DEC_A, "matter": "parking"}, "/matter"),
                ({"subject_id": DEC_A, "matter": 7}, "/matter"),
                ({"subject_id": DEC_A, "attestation": "x~", "matter": "honours"}, "/attestation"),
                ({"matter": "deposit_waiver"}, "/subject_id"),
                ({"subject_id": "91330782MADEC0A10X", "matter": "honours"}, "/subject_id"),
                ({"subject_id": 5, "matter": "honours"}, "/subject_id"),
                ({"attestation": "", "matter": "honours"}, "/attestation"),
                (dict(good, as_of="2026-02-30"), "/as_of"),
                (dict(good, as_of="20260701"), "/as_of"),
                (dict(good, as_of="2100-01-01"), "/as_of"),
                (dict(good, region="33010"), "/region"),
                (dict(good, region="3301000"), "/region"),
                (dict(good, verbose=True), "/verbose"),
                (["deposit_waiver"], "")):
            self.problem(self.main, "POST", "/v1/decisions", 400, "invalid-field", field, JSON,
                         jbytes(obj))
        for raw in (b'{"matter":', b"", b'{"matter":"honours","matter":"honours"}'):
            self.problem(self.main, "POST", "/v1/decisions", 400, "malformed-json", "", JSON, raw)
        self.problem(self.main, "POST", "/v1/decisions?as_of=2026-07-01", 400,
                     "invalid-parameter", "as_of", JSON, jbytes(good))
        self.problem(self.main, "POST", "/v1/decisions", 404, "unknown-region", "/region", JSON,
                     jbytes(dict(good, region="320500")))
        self.problem(self.main, "POST", "/v1/decisions", 404, "unknown-subject", "/subject_id",
                     JSON, jbytes(dict(good, subject_id=make_uscc(f"nobody-dec-{self.t}"))))
        _, b = self.problem(self.main, "POST", "/v1/decisions", 422, "attestation-not-accepted",
                            "/attestation", JSON,
                            jbytes({"attestation": "not-a-token", "matter": "honours"}))
        eq(b["detail"], "the attestation is not valid: malformed", "detail")
        _, b = self.problem(self.main, "POST", "/v1/decisions", 422, "attestation-not-accepted",
                            "/attestation", JSON,
                            jbytes({"attestation": foreign_token(DEC_A), "matter": "honours"}))
        eq(b["detail"], "the attestation is not valid: untrusted_issuer", "detail")
        for hdrs in ([("content-type", "text/plain")], [], [("content-type", "application/jose")],
                     [("content-type", "application/json; charset=gbk")]):
            self.problem(self.main, "POST", "/v1/decisions", 415, "unsupported-media-type",
                         headers=hdrs, body=jbytes(good))
        at = jbytes(good)
        at += b" " * (BODY_LIMIT - len(at))
        _, d = self.decide(self.main, raw=at)
        eq([x["id"] for x in d["measures"]], ["330782-R-002"], "a body of exactly the limit")
        self.problem(self.main, "POST", "/v1/decisions", 413, "payload-too-large", headers=JSON,
                     body=at + b" ")
        self.main.up(self.t)

    def get_decision_errors(self):
        D = "/v1/decisions/"
        for bad in ("dec_short", "dec_" + "A" * 21, "dec_" + "A" * 23, "dec_" + "A" * 21 + "%2A",
                    "DEC_" + "A" * 22, "A" * 26):
            self.problem(self.main, "GET", D + bad, 400, "invalid-parameter", "id")
        self.problem(self.main, "GET", D + "dec_" + "A" * 22 + "?x=1", 400, "invalid-parameter",
                     "x")
        self.problem(self.main, "GET", D + "dec_" + "A" * 22, 404, "unknown-decision", "id")
        for target in (D + "dec_" + "A" * 22 + "/x", D):
            self.problem(self.main, "GET", target, 404, "not-found")
        self.main.up(self.t)

    def decision_wrong_method(self):
        failures = []
        did = "dec_" + "A" * 22
        for method, target, allow in (("GET", "/v1/decisions", "POST"),
                                      ("PUT", "/v1/decisions", "POST"),
                                      ("DELETE", "/v1/decisions", "POST"),
                                      ("POST", f"/v1/decisions/{did}", "GET, HEAD"),
                                      ("DELETE", f"/v1/decisions/{did}", "GET, HEAD"),
                                      ("GET", "/v1/shared-records", "POST"),
                                      ("PUT", "/v1/shared-records", "POST"),
                                      ("PATCH", "/v1/shared-records", "POST")):
            try:
                withbody = method in ("POST", "PUT", "PATCH")
                r, _ = self.problem(self.main, method, target, 405, "method-not-allowed",
                                    headers=JSON if withbody else (),
                                    body=b"{}" if withbody else b"")
                eq(r.header_values("allow"), [allow], f"{method} {target}: allow")
            except AssertionError as e:
                failures.append(str(e))
        self.main.up(self.t)
        expect(not failures, "\n".join(failures))

    def stalled(self, server, target, hdrs, first):
        with server.client(self.t) as c:
            st = c.conn.get_next_available_stream_id()
            c.conn.send_headers(st, c.request_headers("POST", target, hdrs), end_stream=False)
            c.conn.send_data(st, first, end_stream=False)  # then nothing more
            c.streams[st] = _stream_for(st)
            c._flush()
            t0 = time.monotonic()
            r = c.wait([st])[0]
            waited = time.monotonic() - t0
        b = self.spec.check(self.t, "POST", target, r)
        eq((r.status, b["type"]), (408, PROBLEM + "request-timeout"), f"POST {target}")
        expect(BODY_TIMEOUT_MS / 1000 - 0.05 <= waited <= BODY_TIMEOUT_MS / 1000 + 1.5,
               f"POST {target}: 408 after {waited:.2f} s, body timeout {BODY_TIMEOUT_MS} ms")

    def issue5_body_timeout(self):
        self.stalled(self.main, "/v1/decisions", JSON, b'{"sub')
        sid = make_uscc(f"share-timeout-{self.t}")
        tok = self.ctx.partner.sign(share_payload(share_records(sid, 1, f"{self.tag}-to")))
        self.stalled(self.main, "/v1/shared-records", JOSE, tok[:20])
        self.problem(self.main, "GET", f"/v1/subjects/{sid}/records", 404, "unknown-subject",
                     "subject_id")  # the stalled batch stored nothing
        self.main.up(self.t)

    def issue5_header_limits(self):
        sid = make_uscc(f"share-hdr-{self.t}")
        tok = self.ctx.partner.sign(share_payload(share_records(sid, 1, f"{self.tag}-hdr")))
        targets = [("POST", "/v1/decisions", JSON, jbytes({"subject_id": DEC_A,
                                                           "matter": "honours"})),
                   ("GET", "/v1/decisions/dec_" + "A" * 22, (), b""),
                   ("POST", "/v1/shared-records", JOSE, tok)]
        with self.main.client(self.t) as c:
            for method, target, hdrs, body in targets:
                base = c.request_headers(method, target, hdrs)
                used = sum(len(k) + len(v) for k, v in base)
                for extra in (0, 1):
                    pad = [("x-pad", "p" * (HEADER_BYTES_LIMIT - used - len("x-pad") + extra))]
                    r = c.request(method, target, list(hdrs) + pad, body)
                    self.spec.check(self.t, method, target, r)
                    eq(r.status == 431, extra == 1,
                       f"{method} {target} with {HEADER_BYTES_LIMIT + extra} header bytes: "
                       f"{r.status} {r.body[:200]!r}")
                for extra in (0, 1):
                    n = HEADER_FIELDS_LIMIT - len(base) + extra
                    r = c.request(method, target,
                                  list(hdrs) + [(f"x-f{i}", "v") for i in range(n)], body)
                    self.spec.check(self.t, method, target, r)
                    eq(r.status == 431, extra == 1,
                       f"{method} {target} with {HEADER_FIELDS_LIMIT + extra} header fields: "
                       f"{r.status}")
            eq(c.request("GET", "/healthz").status, 200, "the same connection afterwards")
        # the batch at the limit of the header block was stored once (201), never twice
        p = self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records")
        eq([x["origin"] for x in p["records"]], [PARTNER_REGION], "stored once")
        self.main.up(self.t)

    def issue5_not_ready(self):
        """notready (model broken) and nokeys (no policy/measures/): decisions 503; nostore
        (its LMDB file is garbage): all three operations 503; shared records 503 on notready."""
        req = jbytes({"subject_id": MERCHANT, "matter": "honours"})
        for name in ("notready", "nokeys", "nostore"):
            _, b = self.problem(self.ctx.servers[name], "POST", "/v1/decisions", 503,
                                "not-ready", headers=JSON, body=req)
            eq(b["detail"], "the model, the store or the policy files are not loaded",
               f"{name}: detail")
        ns = self.ctx.servers["nostore"]
        _, b = self.problem(ns, "GET", "/v1/decisions/dec_" + "A" * 22, 503, "not-ready")
        eq(b["detail"], "the store is not open", "detail")
        self.problem(ns, "GET", "/v1/decisions/dec_short", 400, "invalid-parameter", "id")
        tok = self.ctx.partner.sign(share_payload(share_records(
            make_uscc(f"share-nr-{self.t}"), 1, self.tag)))
        for name in ("notready", "nostore"):
            _, b = self.problem(self.ctx.servers[name], "POST", "/v1/shared-records", 503,
                                "not-ready", headers=JOSE, body=tok)
            eq(b["detail"], "the record store or the score model is not available",
               f"{name}: detail")
        for name in ("notready", "nokeys", "nostore"):
            self.ctx.servers[name].up(self.t)

    def issue5_storage_full(self):
        """fulldec (1 MiB map, catalogues kept, the partner pinned): once its map is full a
        decision (stored, signed) and a shared batch are 507 storage-full, nothing stored."""
        fd = self.ctx.servers["fulldec"]
        fill_map(self, fd)
        req = jbytes({"subject_id": MERCHANT, "matter": "government_procurement",
                      "as_of": "2026-07-01"})
        if not NO_507_DECISIONS:
            # a decision may still fit in the pages the previous commits freed: decide until
            # the map refuses one
            for i in range(2000):
                r, b = self.call(fd, "POST", "/v1/decisions", JSON, req)
                if r.status != 201:
                    break
            eq((r.status, b["type"]), (507, PROBLEM + "storage-full"),
               f"a decision on a full map, after {i} more decisions")
        else:  # only what does not race (see NO_507_DECISIONS): the catalogue is there
            self.problem(fd, "POST", "/v1/decisions", 404, "unknown-subject", "/subject_id",
                         JSON, jbytes({"subject_id": make_uscc(f"nobody-fd-{self.t}"),
                                       "matter": "honours"}))
        sid = make_uscc(f"share-full-{self.t}")
        tok = self.ctx.partner.sign(share_payload(share_records(
            sid, 200, f"{self.tag}-full", legal_basis="依据" * 60)))
        self.problem(fd, "POST", "/v1/shared-records", 507, "storage-full", headers=JOSE,
                     body=tok)
        self.problem(fd, "GET", f"/v1/subjects/{sid}/records", 404, "unknown-subject",
                     "subject_id")  # nothing half-written
        eq(self.ok200(fd, "GET", "/readyz")["status"], "ready", "ready after the 507s")
        fd.up(self.t)

    # shared records (issue 5 item 5) ------------------------------------------------------

    def share(self, server, token, status, reason=None, field=None, headers=JOSE):
        r, b = self.call(server, "POST", "/v1/shared-records", headers, token)
        eq(r.status, status, f"POST /v1/shared-records: status (body {r.body[:300]!r})")
        if reason is not None:
            eq((r.header("content-type"), b["type"], b["reason"], b.get("field")),
               ("application/problem+json", PROBLEM + "shared-batch-refused", reason, field),
               "refusal")
        return b

    def shared_stored(self):
        """201 stored with origin, listed; the same batch again 409 replayed; 1000 records
        201, 1001 413 too_large; body at the limit accepted, one more 413."""
        pt = self.ctx.partner
        sid = make_uscc(f"share-ok-{self.t}")
        pl = share_payload(share_records(sid, 3, f"{self.tag}-ok"))
        tok = pt.sign(pl)
        b = self.share(self.main, tok, 201)
        eq(b, {"batch_id": pl["batch_id"], "from": PARTNER_REGION, "stored": 3, "duplicates": 0},
           "201 body")
        p = self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records")
        eq(sorted((x["decision_no"], x["origin"]) for x in p["records"]),
           sorted((r["decision_no"], PARTNER_REGION) for r in pl["records"]),
           "the shared records, with their origin")
        self.share(self.main, tok, 409, "replayed", "batch_id")
        again = dict(pl, batch_id=b64e(os.urandom(16)))
        eq(self.share(self.main, pt.sign(again), 201)["duplicates"], 3,
           "the same records in a fresh batch: duplicates")
        eq(len(self.ok200(self.main, "GET", f"/v1/subjects/{sid}/records")["records"]), 3,
           "still three records")
        # records per batch: the limit and one past it
        big = make_uscc(f"share-big-{self.t}")
        self.share(self.main, pt.sign(share_payload(share_records(
            big, SHARE_MAX_RECORDS + 1, f"{self.tag}-big"))), 413, "too_large", "records")
        self.problem(self.main, "GET", f"/v1/subjects/{big}/records", 404, "unknown-subject",
                     "subject_id")
        tok = pt.sign(share_payload(share_records(big, SHARE_MAX_RECORDS, f"{self.tag}-big")))
        expect(len(tok) < BODY_LIMIT, f"{len(tok)} bytes for {SHARE_MAX_RECORDS} records")
        eq(self.share(self.main, tok, 201)["stored"], SHARE_MAX_RECORDS, "1000 records")
        # the body: trailing white space allowed, exactly the limit 201, one byte more 413
        one = make_uscc(f"share-lim-{self.t}")
        tok = pt.sign(share_payload(share_records(one, 1, f"{self.tag}-lim")))
        at = tok + b"\n" * (BODY_LIMIT - len(tok))
        eq(self.share(self.main, at, 201)["stored"], 1, "a body of exactly the limit")
        tok = pt.sign(share_payload(share_records(one, 2, f"{self.tag}-lim2")))
        self.problem(self.main, "POST", "/v1/shared-records", 413, "payload-too-large",
                     headers=JOSE, body=tok + b"\n" * (BODY_LIMIT + 1 - len(tok)))
        eq(len(self.ok200(self.main, "GET", f"/v1/subjects/{one}/records")["records"]), 1,
           "the 413 body stored nothing")
        self.main.up(self.t)

    def shared_refused(self):
        """400 malformed, 422 bad_signature / untrusted_issuer / wrong_recipient /
        wrong_origin, 415: refused whole, nothing stored."""
        pt = self.ctx.partner
        sid = make_uscc(f"share-bad-{self.t}")
        recs = share_records(sid, 2, f"{self.tag}-bad")
        pl = share_payload(recs)
        tok = pt.sign(pl).decode()
        h, p, s = tok.split(".")
        sig = bytearray(b64d(s))
        sig[5] ^= 1
        person = {"subject_type": "natural_person", "doc_type": "resident_id",
                  "doc_number": self.ctx.sample_person, "name": "王小明", "code": "N11",
                  "decision_no": "（2025）宁执2号", "decision_date": "2025-06-10",
                  "authority_name": "上海市黄浦区人民法院",
                  "authority_uscc": "11310000425000022W", "origin_record_id": "9"}
        other = Partner()
        for token, status, reason, field in (
                (".".join((h, p, b64e(bytes(sig)))).encode(), 422, "bad_signature", None),
                (".".join((h, b64e(jbytes(dict(pl, since="2019-01-01"))), s)).encode(), 422,
                 "bad_signature", None),
                (other.sign(pl), 422, "untrusted_issuer", None),
                (pt.sign(dict(pl, to="330100")), 422, "wrong_recipient", "to"),
                (pt.sign(dict(pl, **{"from": "320100"})), 422, "wrong_origin", "from"),
                (pt.sign(dict(pl, records=recs + [person])), 400, "malformed",
                 "records[2].subject_type"),
                (pt.sign(dict(pl, records=[dict(recs[0], origin="310000")])), 400, "malformed",
                 "records[0].origin"),
                (pt.sign(dict(pl, records=[dict(recs[0], subject_id=MERCHANT.replace(
                    "330782", "330100"))])), 400, "malformed", "records[0].subject_id"),
                (pt.sign(dict(pl, records=[dict(recs[0], code="X99")])), 400, "malformed",
                 "records[0].code"),
                (pt.sign(dict(pl, batch_id="short")), 400, "malformed", "batch_id"),
                (pt.sign(dict(pl, extra=1)), 400, "malformed", "extra"),
                (pt.sign({k: v for k, v in pl.items() if k != "since"}), 400, "malformed",
                 "since"),
                (pt.sign(pl, typ="JWT"), 400, "malformed", None),
                (pt.sign(pl, kid=None), 400, "malformed", None),
                (pt.sign(b"[1,2]"), 400, "malformed", None),
                # regression of issue 5: an empty body reached memchr() as NULL (UBSan abort)
                (b"", 400, "malformed", None),
                (b"not a jws", 400, "malformed", None)):
            self.share(self.main, token, status, reason, field)
        # regression of issue 5: a charset other than utf-8 was accepted (201)
        for hdrs in ([("content-type", "text/plain")], [], JSON,
                     [("content-type", "application/josex")],
                     [("content-type", "application/jose; charset=gbk")]):
            self.problem(self.main, "POST", "/v1/shared-records", 415, "unsupported-media-type",
                         headers=hdrs, body=tok.encode())
        self.problem(self.main, "GET", f"/v1/subjects/{sid}/records", 404, "unknown-subject",
                     "subject_id")  # every refusal stored nothing
        eq(self.share(self.main, tok.encode(), 201)["stored"], 2, "then the good batch: 201")
        self.main.up(self.t)

    def shared_bad_registry(self):
        """A malformed DATA/trust/partners.json trusts no partner (as for verify, within a
        second of the change: the registry is cached): 422 untrusted_issuer, nothing stored;
        restored: the same batch 201."""
        path = os.path.join(self.main.data, "trust", "partners.json")
        with open(path, "rb") as f:
            good = f.read()
        sid = make_uscc(f"share-bad-registry-{self.t}")
        tok = self.ctx.partner.sign(share_payload(share_records(sid, 1, f"{self.tag}-badreg")))

        def post_until(status, what):
            deadline = time.monotonic() + 3
            while True:
                r, body = self.call(self.main, "POST", "/v1/shared-records", JOSE, tok)
                if r.status == status or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            eq(r.status, status, what)
            return body

        try:
            for broken in (b"{ not json", b'{"partners": 7}'):
                with open(path, "wb") as f:
                    f.write(broken)
                time.sleep(1.1)  # the registry is re-read when its files change, once a second
                r, b = self.call(self.main, "POST", "/v1/shared-records", JOSE, tok)
                eq((r.status, b.get("reason")), (422, "untrusted_issuer"),
                   f"registry {broken!r}: 422 untrusted_issuer")
        finally:
            with open(path, "wb") as f:
                f.write(good)
        self.problem(self.main, "GET", f"/v1/subjects/{sid}/records", 404, "unknown-subject",
                     "subject_id")
        time.sleep(1.1)
        eq(post_until(201, "the registry restored: 201")["stored"], 1, "stored")
        self.main.up(self.t)

    # access control (issue 6 item 1) ---------------------------------------------------

    def role_token(self, role):
        """A client of role for refusals: a provider of the sample authority, a subject bound
        to the sample merchant."""
        if role == "provider":
            return self.token(role, name="refused-provider", authority="11330782MB1A07019X")
        if role == "subject":
            return self.token(role, name="refused-subject", subject=MERCHANT)
        return self.token(role, name=f"refused-{role}")

    def readme_allowed(self):
        """(METHOD, path template) -> the roles README's "Who may call what" allows."""
        with open(os.path.join(self.ctx.src, "README.md"), encoding="utf-8") as f:
            text = f.read()
        sec = text.split("## Who may call what", 1)[1].split("\n## ", 1)[0]
        table = sec.split("\n| Route | operationId |", 1)[1].split("\n\n", 1)[0]
        out = {}
        for line in table.splitlines():
            if not line.startswith("| `"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            method, path = cells[0].strip("`").split(" ", 1)
            out[(method, path)] = {r for r, c in zip(ROLES, cells[2:7]) if c == "✓"}
        return out

    def auth_refusals(self):
        """For every operation declaring 401: 401 `unauthorized` without a token (www-authenticate
        Bearer); declaring 403: 403 `forbidden` with the token of a role README's table refuses
        (www-authenticate insufficient_scope)."""
        allowed = self.readme_allowed()
        ops = {}
        for tmpl, m, st in self.spec.declared():
            if st in (401, 403):
                ops.setdefault((tmpl, m), set()).add(st)
        expect(len(ops) >= 13, f"only {len(ops)} operations declare 401/403")
        for (tmpl, m), statuses in sorted(ops.items()):
            method = m.upper()
            target = tmpl
            for name, value in (("{subject_id}", MERCHANT), ("{jti}", "A" * 22)):
                target = target.replace(name, value)
            while "{" in target:  # any other parameter: one plausible segment
                a = target.index("{")
                target = target[:a] + "nosuch" + target[target.index("}", a) + 1:]
            hdrs, body = ((JSON, b"{}") if method in ("POST", "PUT", "PATCH") else ([], b""))
            where = f"{method} {tmpl}"
            if 401 in statuses:
                r, b = self.problem(self.main, method, target, 401, "unauthorized",
                                    "authorization", headers=hdrs + self.no_auth, body=body)
                eq(r.header("www-authenticate"), "Bearer", f"{where} without a token")
            if 403 in statuses:
                expect((method, tmpl) in allowed, f"{where}: no row in README's table")
                refused = [x for x in ROLES if x not in allowed[(method, tmpl)]]
                expect(refused, f"{where} declares 403 but README's table refuses no role")
                tok = self.role_token(refused[0])
                r, b = self.problem(self.main, method, target, 403, "forbidden",
                                    headers=hdrs + [("authorization", f"Bearer {tok}")],
                                    body=body)
                eq(r.header("www-authenticate"), 'Bearer error="insufficient_scope"',
                   f"{where} as {refused[0]}")
        # the admin's default token is what lets every other case through
        self.ok200(self.main, "GET", f"/v1/subjects/{MERCHANT}/records")
        self.problem(self.main, "GET", f"/v1/subjects/{MERCHANT}/records", 401, "unauthorized",
                     "authorization", headers=[("authorization", "Bearer yc_" + "A" * 43)])
        self.main.up(self.t)

    def coverage(self):
        seen = self.spec.observed.get(self.t, set())
        declared = self.spec.declared() - NO_507 - NO_507_DECISIONS - NO_AUTH
        missing = sorted(declared - seen)
        extra = sorted(seen - declared)
        expect(not missing and not extra,
               f"declared but never seen: {missing}\nseen but not declared: {extra}")

    def all(self):
        base = self.base_cases()  # its last case is the coverage check: it runs last
        return base[:-1] + self.plugin_cases() + base[-1:]

    def plugin_cases(self):
        """Cases of the modules tests/integration/api_cases_*.py (issue 6 routes): each has
        cases(c) returning [(description, callable)], c being this Cases instance."""
        out = []
        here = os.path.dirname(os.path.abspath(__file__))
        for name in sorted(os.listdir(here)):
            if name.startswith("api_cases_") and name.endswith(".py"):
                spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(here, name))
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                out += mod.cases(self)
        return out

    def base_cases(self):
        return [
            ("GET /healthz 200 and HEAD /healthz", self.health),
            ("every token operation of the spec: 401 without a token, 403 with a role README's "
             "table refuses; the admin's token passes, an unknown token 401", self.auth_refusals),
            ("GET /readyz 200: model version and SHA-256 digest of the model file", self.ready),
            ("GET .../score 200 equals `yrdcredit score`; as_of at 1900-01-01, 2099-12-31 and "
             "today", self.score),
            ("GET .../score with a bad as_of (range, impossible date, shape, repeated) or an "
             "unknown/overlong query: 400", self.bad_as_of),
            ("GET .../score and .../records with an invalid subject id: 400 subject_id",
             self.bad_subject_id),
            ("GET .../score and .../records of a valid unknown subject: 404 unknown-subject",
             self.unknown_subject),
            ("POST /v1/subjects/lookup 200 (= `yrdcredit lookup`); the person's score and "
             "records by pseudonym", self.lookup),
            ("POST /v1/subjects/lookup: invalid document, members, malformed JSON, duplicate "
             "keys, query: 400", self.lookup_errors),
            ("POST /v1/subjects/lookup with a wrong or missing content type: 415",
             self.lookup_media_type),
            (f"POST /v1/subjects/lookup: body of exactly {BODY_LIMIT} bytes 200, one byte more "
             "413", self.lookup_body_limit),
            ("POST /v1/records: object, duplicate, superseded, array with bad items, NDJSON",
             self.post_records),
            ("POST /v1/records: malformed JSON, duplicate keys, not a record, bad atomic, "
             "unknown query 400; wrong content type 415", self.post_records_errors),
            ("POST /v1/records?atomic=true: 422 and nothing stored; all valid: 200",
             self.atomic),
            (f"POST /v1/records: body of exactly {BODY_LIMIT} bytes 200, one byte more 413",
             self.post_body_limit),
            (f"POST /v1/records: {ITEMS_LIMIT} items 200, {ITEMS_LIMIT + 1} 413 (JSON, NDJSON); "
             f"paging limit={PAGE_MAX} newest first, cursor round trip, limit=101 400",
             self.items_limit_and_paging),
            ("POST /v1/records of 双公示 rows keyed by CF_*/XK_* codes (JSON and NDJSON): "
             "request bodies valid under the spec, imported, listed", self.post_rows),
            (f"POST /v1/records and /v1/subjects/lookup whose body stalls: 408 request-timeout "
             f"after server.body_timeout_ms ({BODY_TIMEOUT_MS})", self.body_timeout),
            ("wrong method on every path: 405 with the exact allow header", self.wrong_method),
            ("defect 1: the access log never holds a document number sent in a query "
             "parameter or path segment (plain or percent-encoded); invalid values as name=-",
             self.access_log_never_has_document_numbers),
            ("defect 2: percent-encoded unreserved characters decoded in path and query; "
             "malformed escapes 404/400, other escapes invalid", self.percent_encoded_unreserved_decoded),
            ("defect 3: charset other than utf-8 on application/json and x-ndjson: 415",
             self.charset_other_than_utf8_415),
            ("defect 4: lookup with an unknown member: 400 naming /x", self.lookup_unknown_member_named),
            ("defect 5: lookup of a resident_id with a country: 400 /country, not 'missing'",
             self.lookup_resident_id_with_country),
            ("defect 6: /healthz and /readyz with a query 400; empty query components ignored; "
             "empty NDJSON body 400", self.query_and_body_consistency),
            ("unknown routes: 404 not-found", self.unknown_route),
            (f"every operation: {HEADER_BYTES_LIMIT} header bytes and {HEADER_FIELDS_LIMIT} "
             "fields pass, one more 431", self.header_limits),
            ("100 concurrent streams on one connection, each answered and valid",
             self.concurrent_streams),
            ("a server whose model does not load: /healthz 200, /readyz and every data "
             "operation 503 not-ready", self.not_ready),
            ("a full LMDB map: POST /v1/records 507 storage-full, nothing stored, still ready",
             self.storage_full),
            ("POST .../attestations 201: header, claims, status uri, validity, disclosures "
             "exactly as asked, verified; an empty body takes the defaults", self.attest_issue),
            ("POST .../attestations of an individual: band not grade, no name; a merchant "
             "has no band", self.attest_issue_person),
            ("POST .../attestations: each bad member 400 naming its pointer, query, subject "
             "400, unknown 404, 415, body at the limit 201 and one more 413",
             self.attest_issue_errors),
            ("GET .../attestations: oldest first, limit and next_cursor, bad limit/cursor 400, "
             "unknown subject 404", self.attest_list),
            ("revoke/suspend/unsuspend 200; verify and status list follow at once; 409 for "
             "each invalid transition; 404, 400, 413, 415", self.attest_states),
            ("POST /v1/attestations/verify: valid, wrong_aud, bad_signature, malformed, "
             "untrusted_issuer, a presentation; 400, 413, 415", self.attest_verify),
            ("JWKS, jwt-vc-issuer, status list: thumbprints, ETag stable then changed by a "
             f"revocation, 304, Cache-Control max-age={STATUS_TTL}; bad id 400, unknown 404",
             self.attest_publishing),
            ("attestation routes: wrong method 405 with the exact allow header",
             self.attest_wrong_method),
            ("attestation POSTs whose body stalls: 408 request-timeout",
             self.attest_body_timeout),
            (f"attestation routes: {HEADER_BYTES_LIMIT} header bytes pass, one more 431",
             self.attest_header_limits),
            ("attestation routes 503 without a model or a readable keyring; no signing key: "
             "issuing 503", self.attest_not_ready),
            ("a full LMDB map: issuing, revoke, suspend, unsuspend 507 storage-full",
             self.attest_storage_full),
            ("GET /v1/measures 200: every measure of etc/policy/measures/ exactly, filtered by "
             "region and matter, region then file order; a region without catalogue []; HEAD; "
             "access log path", self.measures),
            ("GET /v1/measures: region of 5 and 7 digits, bad matter, repeated or unknown "
             "parameters 400 naming them; other methods 405 allow GET, HEAD", self.measures_errors),
            ("GET /v1/measures: a catalogue that fails validation or no policy/measures/ "
             "directory 503 not-ready; an empty directory 200 []", self.measures_not_loaded),
            ("POST /v1/decisions 201: location, measures of 330782-R-002 / 330782-P-003 / "
             "330100-R-001 exactly, deterministic, signature verified; GET 200 byte-identical; "
             "HEAD", self.decision_created),
            ("POST /v1/decisions: each bad member 400 naming its pointer, malformed JSON, query "
             "400; unknown region and subject 404; not a token and untrusted issuer 422; 415; "
             "body at the limit 201 and one more 413", self.decision_errors),
            ("GET /v1/decisions/{id}: malformed id or query 400, unknown 404 unknown-decision, "
             "more segments 404", self.get_decision_errors),
            ("decisions and shared records: wrong method 405 with the exact allow header",
             self.decision_wrong_method),
            ("POST /v1/decisions and /v1/shared-records whose body stalls: 408 request-timeout, "
             "nothing stored", self.issue5_body_timeout),
            (f"decisions and shared records: {HEADER_BYTES_LIMIT} header bytes and "
             f"{HEADER_FIELDS_LIMIT} fields pass, one more 431", self.issue5_header_limits),
            ("decisions 503 without model, catalogues or store; GET /v1/decisions/{id} 503 "
             "without store; shared records 503 without model or store", self.issue5_not_ready),
            ("a full LMDB map: a decision and a shared batch 507 storage-full, nothing stored",
             self.issue5_storage_full),
            ("POST /v1/shared-records 201 with origin; replay 409; 1000 records 201, 1001 413 "
             "too_large; body at the limit 201, one more 413", self.shared_stored),
            ("POST /v1/shared-records: tampered, untrusted, wrong recipient/origin 422; "
             "malformed 400 naming the member; 415; nothing stored", self.shared_refused),
            ("POST /v1/shared-records with a malformed trust/partners.json: 422 "
             "untrusted_issuer (no partner is trusted), nothing stored; restored: 201",
             self.shared_bad_registry),
            ("coverage: the (path, method, status) seen equal those api/openapi.yaml declares "
             "(but NO_507 and NO_507_DECISIONS)", self.coverage),
        ]

# ---------------------------------------------------------------------------------- once


def http11_on_h2c(ctx):
    main = ctx.servers["main"]
    with socket.create_connection(("127.0.0.1", main.ports["h2c"]), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break  # the server closed the connection
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("ascii").split("\r\n")
    eq(lines[0], "HTTP/1.1 505 HTTP Version Not Supported", "status line")
    hdrs = {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
    eq((hdrs.get("content-type"), hdrs.get("connection"), int(hdrs.get("content-length", -1))),
       ("text/plain", "close", len(body)), "content-type, connection and content-length")
    main.up("h2c")


def tls_alpn_http11(ctx):
    main = ctx.servers["main"]
    try:
        c = main.client("tls", alpn=("http/1.1",))
    except ssl.SSLError as e:  # RFC 7301 §3.2 (svc/h2/tls.h)
        expect("ALERT NO APPLICATION PROTOCOL" in str(e).upper().replace("_", " "),
               f"refused, but not with the alert no_application_protocol: {e}")
    else:
        c.close()
        raise AssertionError(f"a TLS client offering only http/1.1 was accepted (ALPN {c.alpn})")
    main.up("tls")


def tls_no_alpn(ctx):
    """No ALPN at all: the handshake may complete, but the server closes without a byte of
    HTTP/2 (not even its SETTINGS) even when the client sends the HTTP/2 preface."""
    main = ctx.servers["main"]
    tctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tctx.load_verify_locations(cafile=main.cafile)
    data = b""
    with socket.create_connection(("127.0.0.1", main.ports["tls"]), timeout=10) as raw:
        try:
            with tctx.wrap_socket(raw, server_hostname=TLS_NAME) as s:
                eq(s.selected_alpn_protocol(), None, "ALPN")
                # the client preface and an empty SETTINGS frame (RFC 9113 §3.4)
                settings = bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
                s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + settings)
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            pass  # refused in or right after the handshake
    eq(data, b"", "bytes from the server without ALPN")
    main.up("tls")


def tls_certificate(ctx):
    main = ctx.servers["main"]
    with main.client("tls") as c:
        eq(c.alpn, "h2", "ALPN")
        eq(c.sock.version() in ("TLSv1.2", "TLSv1.3"), True, f"TLS version {c.sock.version()}")
        eq(c.request("GET", "/healthz").status, 200, "a request")

def issue_on_full(ctx, transports):
    full = ctx.servers["full"]
    with full.client(transports[0]) as c:
        for t in transports:
            mine = []
            for i in range(2):
                r = c.request("POST", f"/v1/subjects/{MERCHANT}/attestations", JSON,
                              jbytes({"disclose": ["score"], "aud": f"full-{t}"}))
                eq(r.status, 201, f"issue on the full server (body {r.body[:200]!r})")
                mine.append({"sid": MERCHANT, "jti": strict_json(r.body)["jti"]})
            r = c.request("POST", f"/v1/attestations/{mine[1]['jti']}/suspend", JSON,
                          jbytes({"reason": "x"}))
            eq(r.status, 200, f"suspend on the full server (body {r.body[:200]!r})")
            ctx.full_tokens[t] = mine

# ---------------------------------------------------------------------------------- main


class Ctx:
    pass


def init_data(cli, src, tmp, name, samples=True, config=None):
    data = os.path.join(tmp, name)
    subprocess.run([cli, "init", data], check=True, capture_output=True)
    # access control is on (the default): an admin for this test's requests
    p = subprocess.run([cli, "--data", data, "clients", "add", "--role", "admin", "--name",
                        "test"], check=True, capture_output=True, text=True)
    ADMIN_TOKENS[data] = p.stdout.strip()
    if config is not None:
        path = os.path.join(data, "config.json")
        with open(path, encoding="utf-8") as f:
            c = json.load(f)
        config(c)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(c, f)
    if samples:
        sdir = os.path.join(src, "samples")
        files = sorted(os.path.join(sdir, f) for f in os.listdir(sdir)
                       if f.endswith((".csv", ".jsonl")))
        subprocess.run([cli, "--data", data, "import"] + files, check=True, capture_output=True)
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cli")
    ap.add_argument("daemon")
    ap.add_argument("src")
    ap.add_argument("--transports", default="h2c,tls",
                    help="comma-separated subset of h2c,tls (default h2c,tls)")
    args = ap.parse_args()
    transports = [t for t in args.transports.split(",") if t]
    if not transports or any(t not in ("h2c", "tls") for t in transports):
        bail(f"--transports: expected h2c and/or tls, got {args.transports!r}")
    sys.path.insert(0, os.path.join(args.src, "tests", "support"))
    global Client, H2ClientError
    from h2client import Client, H2ClientError  # noqa: E402

    tap = Tap()
    ctx = Ctx()
    ctx.cli = args.cli
    ctx.src = args.src
    os.environ["YRDCREDIT_ETC"] = os.path.join(args.src, "etc")
    tmp = tempfile.mkdtemp(prefix="yc-test-api-")
    ctx.servers = {}
    try:
        ctx.spec = Spec(os.path.join(args.src, "api", "openapi.yaml"))
        tap.run("api/openapi.yaml: every schema is valid Draft 2020-12 and every $ref resolves",
                ctx.spec.check_schemas)
        with open(os.path.join(args.src, "samples", "yiwu-sxbzxr.jsonl"), encoding="utf-8") as f:
            people = [json.loads(ln)["cardNum"] for ln in f if ln.strip()]
        people = [p for p in people if len(p) == 18 and p[:17].isdigit()]
        if not people:
            bail("no 居民身份证号码 in samples/yiwu-sxbzxr.jsonl")
        ctx.sample_person = people[0]
        try:
            def main_config(c):
                c.setdefault("server", {})["body_timeout_ms"] = BODY_TIMEOUT_MS
                c["attest"] = {"issuer": ISS, "status_list_ttl_s": STATUS_TTL}
            d_main = init_data(args.cli, args.src, tmp, "main", config=main_config)
            subprocess.run([args.cli, "--data", d_main, "import", os.path.join(
                args.src, "tests", "data", "decisions", "records.jsonl")], check=True,
                capture_output=True)
            ctx.partner = Partner()
            ctx.partner.pin(d_main)
            d_nr = init_data(args.cli, args.src, tmp, "notready")
            with open(os.path.join(d_nr, "model", "score-v1.json"), "w") as f:
                f.write("{ this is not a model")
            with open(os.path.join(d_nr, "keys", "signing.json"), "w") as f:
                f.write("{ not a keyring")  # the attestation issuer does not load
            bad_cat = os.path.join(d_nr, "policy", "measures", "330100.json")
            with open(bad_cat, encoding="utf-8") as f:
                cat = json.load(f)
            pen = [m for m in cat["measures"] if m["kind"] == "penalty"][0]
            pen["target"] = {"grade_at_least": "D"}  # a penalty on a grade: refused
            with open(bad_cat, "w", encoding="utf-8") as f:
                json.dump(cat, f, ensure_ascii=False)
            d_nk = init_data(args.cli, args.src, tmp, "nokeys")
            os.unlink(os.path.join(d_nk, "keys", "signing.json"))
            shutil.rmtree(os.path.join(d_nk, "policy", "measures"))
            d_full = init_data(args.cli, args.src, tmp, "full",
                               config=lambda c: c["store"].__setitem__("map_size_mib", 1))
            for f in os.listdir(os.path.join(d_full, "policy", "measures")):
                os.unlink(os.path.join(d_full, "policy", "measures", f))
            d_fd = init_data(args.cli, args.src, tmp, "fulldec",
                             config=lambda c: c["store"].__setitem__("map_size_mib", 1))
            ctx.partner.pin(d_fd)
            d_ns = init_data(args.cli, args.src, tmp, "nostore", samples=False)
            with open(os.path.join(d_ns, "lmdb", "data.mdb"), "wb") as f:
                f.write(b"not an LMDB file " * 512)  # the store does not open
        except subprocess.CalledProcessError as e:
            bail(f"{' '.join(e.cmd[:4])}... failed: {e.stderr.decode(errors='replace')}")
        tls = "tls" in transports
        for name, data in (("main", d_main), ("notready", d_nr), ("full", d_full),
                           ("nokeys", d_nk), ("fulldec", d_fd), ("nostore", d_ns)):
            ctx.servers[name] = Server(name, args.daemon, data, tmp, tls)
        for s in ctx.servers.values():
            try:
                s.wait_up()
            except AssertionError as e:
                bail(str(e).replace("\n", " | "))
        tap.line(True, "six yrdcreditd (main, notready, full, nokeys, fulldec, nostore) answer "
                       f"/healthz over {', '.join(transports)}")
        ctx.full_tokens = {}
        tap.run("the full server (1 MiB map): two attestations per transport issued, the "
                "second suspended, before its map fills", issue_on_full, ctx, transports)
        if "h2c" in transports:
            tap.run("[h2c] HTTP/1.1 on the h2c port: 505 HTTP Version Not Supported, "
                    "connection closed; server stays up", http11_on_h2c, ctx)
        if tls:
            tap.run("[tls] certificate verified against DATA_DIR/tls/cert.pem for "
                    f"{TLS_NAME}; ALPN h2; TLS 1.2+", tls_certificate, ctx)
            tap.run("[tls] a client offering only http/1.1 in ALPN is refused; server stays up",
                    tls_alpn_http11, ctx)
            tap.run("[tls] a client offering no ALPN gets no HTTP/2; server stays up",
                    tls_no_alpn, ctx)
        for t in transports:
            for desc, fn in Cases(ctx, t).all():
                tap.run(f"[{t}] {desc}", fn)
            unseen = sorted(NO_507 - ctx.spec.observed.get(t, set()))
            tap.line(False, f"[{t}] 507 of revoke/suspend/unsuspend not produced: {unseen} "
                            "# TODO a state change on a full map reuses freed pages")
            if NO_507_DECISIONS:
                unseen = sorted(NO_507_DECISIONS - ctx.spec.observed.get(t, set()))
                tap.line(False, f"[{t}] 507 of createDecision not exercised: {unseen} # TODO a "
                                "failed decision commit crashes yrdcreditd (use after free of "
                                "the job in svc/api/decisions.c)")
        for name, s in ctx.servers.items():
            rc = s.stop()
            lines = s.stderr().splitlines()
            err = [ln for ln in lines if not ln.startswith("yrdcreditd: serving")]
            # an instance missing a part says why once, naming the file: the broken model of
            # "notready", the policy directory that "nokeys" (a bare data dir) lacks
            want = {"notready": ("yrdcredit: not ready: ", "/model/score-v1.json: "),
                    "nokeys": ("yrdcredit: policy not loaded: ",
                               "/policy/measures: cannot open the directory")}.get(name)
            expected = [ln for ln in err if want and ln.startswith(want[0]) and want[1] in ln]
            err = [ln for ln in err if ln not in expected]
            # main: shared_bad_registry breaks trust/partners.json twice per transport; once a
            # client bound to a partner issuer exists (issue 6 mTLS), each broken load is
            # reported (svc/api/identify.c)
            mtls = [ln for ln in err if name == "main" and ln.startswith(
                "yrdcredit: trust/partners.json not loaded for mTLS (invalid argument or "
                "request at \"partners") and ln.endswith(
                "): partner clients bound to an issuer are refused")]
            err = [ln for ln in err if ln not in mtls] + (
                [f"{len(mtls)} mTLS lines, at most {2 * len(transports)} expected"]
                if len(mtls) > 2 * len(transports) else [])
            tap.line(rc == 0 and not err and len(expected) == (1 if want else 0),
                     f"{name}: SIGTERM exits 0 with nothing unexpected on stderr"
                     + (f" (one line: {want[0]}...{want[1]})" if want else ""),
                     f"exit {rc}\n" + "\n".join(err[:20]))
    finally:
        for s in ctx.servers.values():
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
