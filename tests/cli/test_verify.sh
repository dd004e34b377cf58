#!/usr/bin/env bash
# `yrdcredit verify` and `yrdcredit present` offline, on the real binary (TAP output): the
# design's worked example (tests/vectors/jws-sdjwt-bad-and-good.json) and tokens minted here with
# Debian's python3-cryptography (RFC 8032 TEST 1 / TEST 2 keys).
# usage: test_verify.sh YRDCREDIT_BINARY SOURCE_ROOT
set -u
cli=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/support/tap.sh"
py=/usr/bin/python3
run() { # capture stdout, stderr and exit status of the CLI
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
}
jq_() { # print one JSON path of $tmp/out (python expression on j)
  "$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2]), ensure_ascii=False))' "$tmp/out" "$1"
}
seed1=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
seed2=4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb
now=1795920000
iss=https://attest.yiwu-credit.example

cat >"$tmp/mint.py" <<'EOF'
import base64, hashlib, json, sys, zlib
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def cj(o): return json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()
def key(h): return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(h))
def pub(k): return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def thumb(k): return b64(hashlib.sha256(cj({"crv": "Ed25519", "kty": "OKP", "x": b64(pub(k))})).digest())
def jws(k, header, payload):
    s = b64(cj(header)) + "." + b64(cj(payload))
    return s + "." + b64(k.sign(s.encode()))
cmd = sys.argv[1]
if cmd == "jwks":  # jwks SEED...
    print(json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64(pub(key(s))),
                                "kid": thumb(key(s)), "use": "sig"} for s in sys.argv[2:]]}))
elif cmd == "list":  # list SEED URI EXP: 2-bit list of 16, idx 1 revoked, idx 2 suspended
    k, uri, exp = key(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    st = [0] * 16; st[1] = 1; st[2] = 2
    raw = bytearray(4)
    for i, v in enumerate(st): raw[i * 2 // 8] |= v << (i * 2 % 8)
    print(jws(k, {"alg": "EdDSA", "kid": thumb(k), "typ": "statuslist+jwt"},
              {"sub": uri, "iat": exp - 7200, "exp": exp, "ttl": 300,
               "status_list": {"bits": 2, "lst": b64(zlib.compress(bytes(raw), 9))}}))
elif cmd == "token":  # token SEED ISS IDX URI IAT EXP [AUD]
    k, iss, idx, uri, iat, exp = key(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
    disc = [b64(cj([f"salt{n}salt{n}salt{n}xy", n, v])) for n, v in
            (("score", 640), ("grade", "B+"), ("band", "fair"), ("as_of", "2026-11-28"), ("name", "义乌小商品商行"))]
    payload = {"iss": iss, "sub": "zRxvQA6tX3m50-8KZWPBo15ppJtlSJMzE09KVoye1IQ", "iat": iat, "exp": exp,
               "jti": "e3Q4oT7bSkK0Zr2Vd1mHxg", "vct": iss + "/vct/credit-score/v1",
               "status": {"status_list": {"idx": idx, "uri": uri}}, "issuer_city": "Yiwu",
               "issuer_region": "330782", "subject_type": "merchant", "model": {"version": "v1", "digest": "d"},
               "_sd": sorted(b64(hashlib.sha256(d.encode()).digest()) for d in disc), "_sd_alg": "sha-256"}
    if len(sys.argv) > 8: payload["aud"] = sys.argv[8]
    print(jws(k, {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": thumb(k)}, payload) + "~" + "~".join(disc) + "~")
EOF
mint() { "$py" "$tmp/mint.py" "$@"; }
vec() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["examples"][sys.argv[2]] if sys.argv[2] != "issuer_jwks" else json.dumps(json.load(open(sys.argv[1]))["examples"]["issuer_jwks"]))' "$src/tests/vectors/jws-sdjwt-bad-and-good.json" "$1"; }
vec issuer_jwks >"$tmp/jwks1.json"
vec status_list_token >"$tmp/example-list.jwt"
example=$(vec sd_jwt_issued)
grade_only=$(vec sd_jwt_presentation_grade_only)

# --- the design's worked example ---
run verify "$example" --jwks "$tmp/jwks1.json" --at $now
check "worked example: exit 0" test "$rc" -eq 0
check "worked example: valid, reason valid, issuer, status not checked" \
  test "$(jq_ '[j["valid"], j["reason"], j["issuer"], j["status_checked"]]')" = \
       '[true, "valid", "https://attest.yiwu-credit.example", false]'
check "worked example: claims score 712, grade A-, as_of 1795910400, no _sd" \
  test "$(jq_ '[j["claims"]["score"], j["claims"]["grade"], j["claims"]["as_of"], "_sd" in j["claims"], "_sd_alg" in j["claims"], len(j["claims"])]')" = \
       '[712, "A-", 1795910400, false, false, 11]'
printf '%s\n' "$example" >"$tmp/tok"
"$cli" verify - --jwks "$tmp/jwks1.json" --at $now <"$tmp/tok" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "token from stdin: exit 0, valid" eval 'test "$rc" -eq 0 && test "$(jq_ "j[\"reason\"]")" = "\"valid\""'
run verify "$example" --jwks "$tmp/jwks1.json" --status-list "$tmp/example-list.jwt" --at $now
check "example status list marks idx 4711 revoked: exit 1" test "$rc" -eq 1
check "revoked: reason revoked, status checked, claims kept" \
  test "$(jq_ '[j["valid"], j["reason"], j["status_checked"], j["claims"]["jti"]]')" = \
       '[false, "revoked", true, "e3Q4oT7bSkK0Zr2Vd1mHxg"]'
run verify "$example" --jwks "$tmp/jwks1.json" --at $((1798502460 + 60))
check "exp + 60 s leeway reached: expired, claims null, exit 1" \
  eval 'test "$rc" -eq 1 && test "$(jq_ "[j[\"reason\"], j[\"claims\"]]")" = "[\"expired\", null]"'
run verify "$example" --jwks "$tmp/jwks1.json" --at $((1798502460 + 59))
check "59 s past exp: still valid" test "$rc" -eq 0
run verify "$example" --jwks "$tmp/jwks1.json" --issuer https://attest.hangzhou.example --at $now
check "--issuer of another partner: untrusted_issuer, issuer is the token's iss" \
  eval 'test "$rc" -eq 1 && test "$(jq_ "[j[\"reason\"], j[\"issuer\"]]")" = "[\"untrusted_issuer\", \"https://attest.yiwu-credit.example\"]"'
mint jwks $seed2 >"$tmp/jwks2.json"
run verify "$example" --jwks "$tmp/jwks2.json" --at $now
check "a JWKS without the signing key: unknown_kid" \
  eval 'test "$rc" -eq 1 && test "$(jq_ "j[\"reason\"]")" = "\"unknown_kid\""'
flipped=$("$py" -c 'import sys; t=sys.argv[1]; i=t.index("~")-20; print(t[:i]+("A" if t[i]!="A" else "B")+t[i+1:])' "$example")
run verify "$flipped" --jwks "$tmp/jwks1.json" --at $now
check "flipped signature character: bad_signature" \
  eval 'test "$rc" -eq 1 && test "$(jq_ "j[\"reason\"]")" = "\"bad_signature\""'
run verify "${example}eyJhbGciOiJFZERTQSJ9.e30.c2ln" --jwks "$tmp/jwks1.json" --at $now
check "trailing KB-JWT: key_binding_unsupported" \
  test "$(jq_ 'j["reason"]')" = '"key_binding_unsupported"'
run verify "$example" --jwks "$tmp/jwks1.json" --aud https://risk.hangzhou-partner.example --at $now
check "a token without aud is valid for any --aud" test "$rc" -eq 0

# --- present ---
run present "$example" --disclose grade
check "present --disclose grade: exit 0" test "$rc" -eq 0
check "present --disclose grade: exactly the vector's grade-only presentation" \
  test "$(cat "$tmp/out")" = "$grade_only"
cp "$tmp/out" "$tmp/pres"
"$cli" verify - --jwks "$tmp/jwks1.json" --at $now <"$tmp/pres" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "the grade-only presentation verifies: grade, no score, no as_of" \
  eval 'test "$rc" -eq 0 && test "$(jq_ "[j[\"claims\"][\"grade\"], \"score\" in j[\"claims\"], \"as_of\" in j[\"claims\"], len(j[\"claims\"])]")" = "[\"A-\", false, false, 9]"'
run present "$example" --disclose grade,score
check "present --disclose grade,score keeps two disclosures" \
  test "$(tr -cd '~' <"$tmp/out" | wc -c)" -eq 3
run present "$example" --disclose grade,nickname
check "present of a name no disclosure carries: exit 3, the name said (regress__issue_4)" \
  eval 'test "$rc" -eq 3 && grep -q "nickname is not a disclosable claim" "$tmp/err"'
run present "$example" --disclose grade,grade
check "regress__issue_4: present --disclose grade,grade: exit 2, named twice" \
  eval 'test "$rc" -eq 2 && grep -q "grade named twice" "$tmp/err"'
run verify "$example" --jwks "$tmp/jwks1.json" --aud '' --at $now
check "regress__issue_4: verify --aud '': exit 2" test "$rc" -eq 2
"$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); j["keys"][0]["d"]="nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"; print(json.dumps(j))' \
  "$tmp/jwks1.json" >"$tmp/jwks-private.json"
run verify "$example" --jwks "$tmp/jwks-private.json" --at $now
check "regress__issue_4: a JWKS carrying a private key (d) is refused: exit 2" test "$rc" -eq 2
run present "$example" --disclose ''
check "present --disclose '': exit 2" test "$rc" -eq 2
run present "not-a-token" --disclose grade
check "present of a non-SD-JWT: exit 2" test "$rc" -eq 2

# --- minted tokens: status values, aud, vct ---
uri=https://attest.yiwu-credit.example/v1/status-lists/7
mint list $seed1 $uri $((now + 3600)) >"$tmp/list7.jwt"
mint list $seed2 $uri $((now + 3600)) >"$tmp/list7-key2.jwt"
mint list $seed1 $uri $((now - 1)) >"$tmp/list7-expired.jwt"
for c in "0 valid 0" "1 revoked 1" "2 suspended 1" "16 status_unavailable 1"; do
  set -- $c
  tok=$(mint token $seed1 $iss "$1" $uri $((now - 100)) $((now + 86400)))
  run verify "$tok" --jwks "$tmp/jwks1.json" --status-list "$tmp/list7.jwt" --at $now
  check "minted token, status idx $1: $2 (exit $3)" \
    eval 'test "$rc" -eq '"$3"' && test "$(jq_ "j[\"reason\"]")" = "\"'"$2"'\""'
done
tok=$(mint token $seed1 $iss 1 $uri $((now - 100)) $((now + 86400)))
run verify "$tok" --jwks "$tmp/jwks1.json" --status-list "$tmp/list7-key2.jwt" --at $now
check "a status list signed by another key is ignored: status_unavailable" \
  eval 'test "$(jq_ "[j[\"reason\"], j[\"status_checked\"]]")" = "[\"status_unavailable\", false]" && grep -q "does not verify" "$tmp/err"'
run verify "$tok" --jwks "$tmp/jwks1.json" --status-list "$tmp/list7-expired.jwt" --at $now
check "an expired status list is ignored: status_unavailable" \
  test "$(jq_ 'j["reason"]')" = '"status_unavailable"'
run verify "$tok" --jwks "$tmp/jwks1.json" --at $now
check "minted token, no status list given: valid, status not checked, name in UTF-8" \
  test "$(jq_ '[j["reason"], j["status_checked"], j["claims"]["name"], j["claims"]["subject_type"]]')" = \
       '["valid", false, "义乌小商品商行", "merchant"]'
tok=$(mint token $seed1 $iss 0 $uri $((now - 100)) $((now + 86400)) https://other.shanghai-partner.example)
run verify "$tok" --jwks "$tmp/jwks1.json" --aud https://risk.hangzhou-partner.example --at $now
check "aud of another verifier: wrong_aud" test "$(jq_ 'j["reason"]')" = '"wrong_aud"'
tok=$(mint token $seed1 $iss 0 $uri $((now + 61)) $((now + 86400)))
run verify "$tok" --jwks "$tmp/jwks1.json" --at $now
check "iat 61 s ahead: not_yet_valid" test "$(jq_ 'j["reason"]')" = '"not_yet_valid"'

# --- usage errors ---
run verify "$example"
check "verify without --jwks: exit 2" test "$rc" -eq 2
run verify "$example" --jwks "$tmp/missing.json"
check "verify with a missing JWKS file: exit 4 (I/O, as every command)" test "$rc" -eq 4
echo '{"keys":' >"$tmp/bad.json"
run verify "$example" --jwks "$tmp/bad.json"
check "verify with a malformed JWKS file: exit 2" test "$rc" -eq 2
run verify "$example" --jwks "$tmp/jwks1.json" --at -5
check "verify --at -5: exit 2" test "$rc" -eq 2
run verify "not-a-token" --jwks "$tmp/jwks1.json" --at $now
check "verify of garbage: malformed, exit 1" \
  eval 'test "$rc" -eq 1 && test "$(jq_ "[j[\"reason\"], j[\"issuer\"], j[\"claims\"]]")" = "[\"malformed\", \"\", null]"'
tap_done
