#!/usr/bin/python3
"""Test helper for the interop tests: makes the bad tokens and presentations the partners'
verifiers must reject or accept, and status lists signed with the public RFC 8037 A.1 test key
(TEST KEY ONLY; the offline self-checks use it because the design's worked example is signed
with it).  Prints the result on stdout.

  sdjwt_tool.py flip-sig TOKEN            flip bit 0 of byte 0 of the issuer JWT's signature
  sdjwt_tool.py forge TOKEN NAME JSON     replace the disclosure of NAME by [new salt, NAME, JSON]
  sdjwt_tool.py present TOKEN NAME,...    keep only the disclosures of these names ("" = none)
  sdjwt_tool.py dup TOKEN                 repeat the first disclosure
  sdjwt_tool.py resign TOKEN HEADER_JSON  re-sign the issuer JWT with the test key under a new
                                          header (e.g. alg Ed25519, or typ statuslist+jwt)
  sdjwt_tool.py status-list URI BITS ENTRIES IAT EXP [IDX=VALUE ...]
                                          a statuslist+jwt signed with the test key
  sdjwt_tool.py names TOKEN               the claim names of the disclosures, JSON array
"""

import base64
import json
import os
import sys
import zlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# RFC 8037 A.1 (= RFC 8032 §7.1 TEST 1) private key: public, for tests only.
TEST_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
TEST_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def cjson(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(header, payload_b64):
    h = b64u(cjson(header))
    sig = Ed25519PrivateKey.from_private_bytes(TEST_SEED).sign(f"{h}.{payload_b64}".encode())
    return f"{h}.{payload_b64}.{b64u(sig)}"


def split(token):
    parts = token.split("~")
    assert len(parts) >= 2 and parts[-1] == "", "not an SD-JWT without KB-JWT"
    return parts[0], parts[1:-1]


def join(jwt, disclosures):
    return "~".join([jwt] + disclosures) + "~"


def name_of(d):
    arr = json.loads(unb64u(d))
    return arr[1] if len(arr) == 3 else None


def main(argv):
    cmd = argv[1]
    if cmd == "flip-sig":
        jwt, ds = split(argv[2])
        h, p, s = jwt.split(".")
        sig = bytearray(unb64u(s))
        sig[0] ^= 1
        return join(f"{h}.{p}.{b64u(bytes(sig))}", ds)
    if cmd == "forge":
        jwt, ds = split(argv[2])
        name, value = argv[3], json.loads(argv[4])
        forged = b64u(cjson([b64u(os.urandom(16)), name, value]))
        idx = [i for i, d in enumerate(ds) if name_of(d) == name]
        assert len(idx) == 1, f"no single disclosure of {name}"
        ds[idx[0]] = forged
        return join(jwt, ds)
    if cmd == "present":
        jwt, ds = split(argv[2])
        keep = set(filter(None, argv[3].split(",")))
        return join(jwt, [d for d in ds if name_of(d) in keep])
    if cmd == "dup":
        jwt, ds = split(argv[2])
        return join(jwt, ds + ds[:1])
    if cmd == "resign":
        jwt, ds = split(argv[2])
        return join(sign(json.loads(argv[3]), jwt.split(".")[1]), ds)
    if cmd == "names":
        return json.dumps(sorted(name_of(d) for d in split(argv[2])[1]))
    if cmd == "status-list":
        uri, bits, entries, iat, exp = argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6])
        data = bytearray(entries * bits // 8)
        for kv in argv[7:]:
            i, v = map(int, kv.split("="))
            data[i * bits // 8] |= v << (i * bits % 8)
        claims = {"sub": uri, "iat": iat, "exp": exp, "ttl": 300,
                  "status_list": {"bits": bits, "lst": b64u(zlib.compress(bytes(data), 9))}}
        return sign({"alg": "EdDSA", "typ": "statuslist+jwt", "kid": TEST_KID},
                    b64u(cjson(claims)))
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    print(main(sys.argv))
