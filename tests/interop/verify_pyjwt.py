#!/usr/bin/python3
"""A partner's verifier of yrdcredit attestations with Debian's PyJWT (2.6.0) + cryptography,
the recipe of attestations.md §1.3 ("Partner verification recipe"), §2 (JWKS), §3.1 (Token
Status List).  Run with /usr/bin/python3 (Debian's python3-jwt, python3-cryptography, python3-h2).

usage: verify_pyjwt.py [options] TOKEN|-
  --issuer URL        expected `iss` (default https://attest.yiwu-credit.example)
  --server URL        http://HOST:PORT (h2c, prior knowledge) or https://HOST:PORT (TLS, ALPN h2):
                      discovery (/.well-known/jwt-vc-issuer), the JWKS and the status list are
                      fetched from it over HTTP/2 (tests/support/h2client.py); URLs under --issuer
                      are mapped onto it
  --cafile FILE       CA certificate for https:// (the server's self-signed DATA/tls/cert.pem)
  --jwks FILE         a local JWKS instead of fetching it
  --status-list FILE  a local status list token (statuslist+jwt) instead of fetching it
  --no-status         do not check the status list (step 4 of the recipe)
  --now SECONDS       the current time (NumericDate) for PyJWT's exp check, default the clock
  --decode-lst LST --bits N   only decode a status list `lst` and print its values as JSON
Output: one JSON line {"valid": bool, "reason": "...", "claims": {...}}; exit 0 valid, 1 invalid,
2 usage or I/O error (no verdict).

PyJWT 2.6 knows only the JWS alg "EdDSA" (RFC 8037): a token with "alg":"Ed25519" (RFC 9864)
is rejected here with reason alg_not_allowed (attestations.md §1.2), as in the partners' systems.
"""

import argparse
import base64
import datetime as _dt
import hashlib
import json
import os
import re
import sys
import urllib.parse
import zlib

import jwt
import jwt.api_jwt
from jwt import exceptions as jx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import h2client  # noqa: E402  (tests/support/h2client.py)

ALGS = ["EdDSA", "Ed25519"]  # PyJWT 2.6 rejects "Ed25519" as not supported
LEEWAY_S = 60
B64U = re.compile(r"^[A-Za-z0-9_-]*$")


class Invalid(Exception):
    def __init__(self, reason, detail):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def b64u_decode(s):
    if not isinstance(s, str) or not B64U.match(s) or len(s) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64u_encode(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def set_now(now):
    """PyJWT 2.6 has no "current time" parameter: its claim checks call datetime.now() of
    jwt.api_jwt, which is replaced here by a clock fixed at `now` (the offline self-tests)."""

    class FixedDatetime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return _dt.datetime.fromtimestamp(now, tz=tz or _dt.timezone.utc)

    jwt.api_jwt.datetime = FixedDatetime


class Fetcher:
    def __init__(self, server, cafile):
        u = urllib.parse.urlsplit(server)
        if u.scheme not in ("http", "https") or not u.hostname or not u.port:
            raise ValueError(f"--server {server!r}: need http://HOST:PORT or https://HOST:PORT")
        self.host, self.port, self.tls, self.cafile = u.hostname, u.port, u.scheme == "https", cafile

    def get(self, path, accept):
        with h2client.Client(self.host, self.port, tls=self.tls, cafile=self.cafile,
                             server_hostname="localhost" if self.tls else None) as c:
            r = c.request("GET", path, headers=[("accept", accept)])
        if r.reset is not None or not r.complete:
            raise OSError(f"GET {path}: stream reset ({r.reset})")
        return r


def path_under_issuer(url, issuer, what):
    """Only URLs of our issuer are fetched (the test server stands in for it)."""
    if not isinstance(url, str) or not url.startswith(issuer + "/"):
        raise Invalid("untrusted_issuer", f"{what} {url!r} is not under {issuer}")
    return url[len(issuer):]


def fetch_json(fetcher, path, what):
    r = fetcher.get(path, "application/json")
    if r.status != 200:
        raise OSError(f"GET {path} ({what}): HTTP {r.status}")
    return json.loads(r.body)


def thumbprint(jwk):
    """RFC 7638 for an OKP key: SHA-256 of {"crv","kty","x"} in order, no whitespace."""
    canon = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]},
                       separators=(",", ":"), sort_keys=True)
    return b64u_encode(hashlib.sha256(canon.encode("utf-8")).digest())


def load_jwks(o, fetcher):
    if o.jwks:
        with open(o.jwks, encoding="utf-8") as f:
            jwks = json.load(f)
    else:
        meta = fetch_json(fetcher, "/.well-known/jwt-vc-issuer", "issuer metadata")
        if meta.get("issuer") != o.issuer:
            raise Invalid("untrusted_issuer", f"metadata issuer {meta.get('issuer')!r}")
        jwks = fetch_json(fetcher, path_under_issuer(meta.get("jwks_uri"), o.issuer, "jwks_uri"),
                          "JWKS")
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError('the JWKS has no "keys" array')
    # kid = RFC 7638 thumbprint (attestations.md §2): a key whose kid is not its own is dropped.
    keys = [k for k in jwks["keys"] if isinstance(k, dict) and k.get("kty") == "OKP"
            and k.get("crv") == "Ed25519" and isinstance(k.get("x"), str)
            and k.get("kid") == thumbprint(k)]
    if not keys:
        raise Invalid("unknown_kid", "the JWKS has no usable Ed25519 key")
    return jwt.PyJWKSet(keys)


def jwt_verify(token, jwks, typ, issuer=None, subject=None, require=()):
    """PyJWT: the key by kid from the JWKS, algorithms pinned, exp/iat/iss by PyJWT.
    PyJWT 2.6 does not check typ (attestations.md §1.2), so the header's typ is checked here."""
    try:
        header = jwt.get_unverified_header(token)
    except jx.DecodeError as e:
        raise Invalid("malformed", str(e)) from e
    try:
        key = jwks[header.get("kid")]
    except KeyError as e:
        raise Invalid("unknown_kid", f"kid {header.get('kid')!r}") from e
    try:
        claims = jwt.decode(token, key.key, algorithms=ALGS, issuer=issuer, leeway=LEEWAY_S,
                            options={"require": list(require), "verify_exp": True,
                                     "verify_iss": issuer is not None, "verify_aud": False})
    except jx.InvalidSignatureError as e:
        raise Invalid("bad_signature", str(e)) from e
    except jx.ExpiredSignatureError as e:
        raise Invalid("expired", str(e)) from e
    except jx.InvalidIssuerError as e:
        raise Invalid("untrusted_issuer", str(e)) from e
    except jx.InvalidAlgorithmError as e:
        raise Invalid("alg_not_allowed", str(e)) from e
    except jx.ImmatureSignatureError as e:
        raise Invalid("not_yet_valid", str(e)) from e
    except jx.MissingRequiredClaimError as e:
        raise Invalid(f"missing_claim_{e.claim}", str(e)) from e
    except jx.PyJWTError as e:
        raise Invalid("malformed", f"{type(e).__name__}: {e}") from e
    if header.get("typ") != typ:
        raise Invalid("wrong_typ", f"typ {header.get('typ')!r}")
    if subject is not None and claims.get("sub") != subject:
        raise Invalid("status_list_invalid", f"sub {claims.get('sub')!r} is not {subject!r}")
    return claims


def apply_disclosures(payload, disclosures):
    """RFC 9901 §7.1 steps 3-5: every digest at most once, every disclosure used exactly once,
    [salt, name, value] in objects and [salt, value] in arrays, names never _sd, ... or an
    existing claim."""
    if payload.get("_sd_alg", "sha-256") != "sha-256":
        raise Invalid("disclosure_mismatch", f"_sd_alg {payload.get('_sd_alg')!r}")
    by_digest = {}
    for d in disclosures:
        try:
            arr = json.loads(b64u_decode(d).decode("utf-8"))
        except ValueError as e:
            raise Invalid("malformed", "a disclosure is not base64url JSON") from e
        if not isinstance(arr, list) or not arr or not isinstance(arr[0], str):
            raise Invalid("malformed", "a disclosure is not [salt, ...]")
        digest = b64u_encode(hashlib.sha256(d.encode("ascii")).digest())
        if digest in by_digest:
            raise Invalid("disclosure_mismatch", "a disclosure is repeated")
        by_digest[digest] = [arr, False]
    seen = set()

    def take(digest):
        if not isinstance(digest, str):
            raise Invalid("malformed", "a digest is not a string")
        if digest in seen:
            raise Invalid("disclosure_mismatch", "a digest appears twice")
        seen.add(digest)
        e = by_digest.get(digest)
        if e:
            e[1] = True
        return e

    def walk(v):
        if isinstance(v, list):
            out = []
            for el in v:
                if isinstance(el, dict) and list(el) == ["..."]:
                    e = take(el["..."])
                    if e is None:
                        continue  # a decoy
                    if len(e[0]) != 2:
                        raise Invalid("disclosure_mismatch", "array disclosure shape")
                    out.append(walk(e[0][1]))
                else:
                    out.append(walk(el))
            return out
        if isinstance(v, dict):
            out = {k: walk(x) for k, x in v.items() if k != "_sd"}
            if "_sd" in v:
                if not isinstance(v["_sd"], list):
                    raise Invalid("malformed", "_sd is not an array")
                for digest in v["_sd"]:
                    e = take(digest)
                    if e is None:
                        continue
                    if len(e[0]) != 3 or not isinstance(e[0][1], str):
                        raise Invalid("disclosure_mismatch", "object disclosure shape")
                    name = e[0][1]
                    if name in ("_sd", "...") or name in out:
                        raise Invalid("disclosure_mismatch", f"disclosure name {name!r}")
                    out[name] = walk(e[0][2])
            return out
        return v

    claims = walk(payload)
    claims.pop("_sd_alg", None)
    if not all(used for _, used in by_digest.values()):
        raise Invalid("disclosure_mismatch", "a disclosure matches no digest")
    return claims


def decode_status_list(lst, bits):
    if bits not in (1, 2, 4, 8):
        raise Invalid("status_list_invalid", f"bits {bits!r}")
    try:
        return zlib.decompress(b64u_decode(lst))  # zlib (RFC 1950), not raw DEFLATE
    except (ValueError, zlib.error) as e:
        raise Invalid("status_list_invalid", "lst does not decode") from e


def status_at(data, bits, idx):
    """Index i lives in byte i*bits/8, from the least significant bit (attestations.md §3.1)."""
    bit = idx * bits
    if bit // 8 >= len(data):
        raise Invalid("status_list_invalid", f"idx {idx} out of range")
    return (data[bit // 8] >> (bit % 8)) & ((1 << bits) - 1)


def check_status(o, fetcher, jwks, claims):
    st = (claims.get("status") or {}).get("status_list")
    if (not isinstance(st, dict) or type(st.get("idx")) is not int or st["idx"] < 0
            or not isinstance(st.get("uri"), str)):
        raise Invalid("malformed", "no status.status_list {idx, uri}")
    if o.status_list:
        with open(o.status_list, encoding="ascii") as f:
            token = f.read().strip()
    else:
        r = fetcher.get(path_under_issuer(st["uri"], o.issuer, "status uri"),
                        "application/statuslist+jwt")
        if r.status != 200:
            raise Invalid("status_unavailable", f"HTTP {r.status}")
        ctype = (r.header("content-type") or "").split(";")[0].strip()
        if ctype != "application/statuslist+jwt":
            raise Invalid("status_list_invalid", f"content-type {ctype!r}")
        token = r.body.decode("ascii").strip()
    try:
        slt = jwt_verify(token, jwks, "statuslist+jwt", subject=st["uri"], require=("iat", "sub"))
    except Invalid as e:
        raise Invalid("status_list_invalid", str(e)) from e
    sl = slt.get("status_list")
    if not isinstance(sl, dict):
        raise Invalid("status_list_invalid", "no status_list claim")
    v = status_at(decode_status_list(sl.get("lst"), sl.get("bits")), sl["bits"], st["idx"])
    if v == 1:
        raise Invalid("revoked", f"status 1 at {st['idx']}")
    if v == 2:
        raise Invalid("suspended", f"status 2 at {st['idx']}")
    if v != 0:
        raise Invalid(f"status_{v}", f"status {v} at {st['idx']}")


def verify(o):
    fetcher = Fetcher(o.server, o.cafile) if o.server else None
    # Recipe step 1: split at '~'; the last part is empty (no KB-JWT is expected).
    parts = o.token.split("~")
    if len(parts) < 2 or parts[-1] != "":
        raise Invalid("malformed", "not an SD-JWT ending in ~ (a KB-JWT is not expected)")
    jwks = load_jwks(o, fetcher)
    # Step 2: the issuer JWT: algorithms pinned, typ, iss, exp (60 s leeway), vct.
    payload = jwt_verify(parts[0], jwks, "dc+sd-jwt", issuer=o.issuer,
                         require=("exp", "iat", "iss"))
    if payload.get("vct") != o.issuer + "/vct/credit-score/v1":
        raise Invalid("wrong_vct", f"vct {payload.get('vct')!r}")
    # Step 3: the disclosures.  Step 4: the status list.
    claims = apply_disclosures(payload, parts[1:-1])
    if o.status:
        check_status(o, fetcher, jwks, claims)
    return claims


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("token", nargs="?")
    ap.add_argument("--issuer", default="https://attest.yiwu-credit.example")
    ap.add_argument("--server")
    ap.add_argument("--cafile")
    ap.add_argument("--jwks")
    ap.add_argument("--status-list")
    ap.add_argument("--no-status", dest="status", action="store_false")
    ap.add_argument("--now", type=int)
    ap.add_argument("--decode-lst")
    ap.add_argument("--bits", type=int)
    o = ap.parse_args()
    if o.decode_lst is not None:
        try:
            data = decode_status_list(o.decode_lst, o.bits)
        except Invalid as e:
            print(f"verify_pyjwt: {e}", file=sys.stderr)
            return 1
        print(json.dumps([status_at(data, o.bits, i) for i in range(len(data) * 8 // o.bits)],
                         separators=(",", ":")))
        return 0
    if o.token is None:
        ap.error("a TOKEN (or -) is needed")
    if not o.jwks and not o.server:
        ap.error("--jwks or --server is needed")
    if o.status and not o.status_list and not o.server:
        ap.error("--status-list, --server or --no-status is needed")
    o.token = sys.stdin.read().strip() if o.token == "-" else o.token
    if o.now is not None:
        set_now(o.now)
    try:
        claims = verify(o)
    except Invalid as e:
        print(f"verify_pyjwt: {e}", file=sys.stderr)
        print(json.dumps({"valid": False, "reason": e.reason, "claims": {}},
                         separators=(",", ":")))
        return 1
    except (OSError, ValueError, h2client.H2ClientError) as e:
        print(f"verify_pyjwt: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"valid": True, "reason": "ok", "claims": claims}, ensure_ascii=False,
                     separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
