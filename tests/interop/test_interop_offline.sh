#!/usr/bin/env bash
# Offline self-checks of the two partner verifiers (Node jose v6 and Debian's PyJWT 2.6 +
# cryptography) on the design's worked example (attestations.md §1.3, signed with the public
# RFC 8037 test key; tests/vectors/jws-sdjwt-bad-and-good.json) at a fixed "now", and on the
# Token Status List vectors of attestations.md §3.1.  No server is needed (TAP output).
# usage: test_interop_offline.sh SOURCE_ROOT
set -u
src=$1
here="$src/tests/interop"
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/support/tap.sh"
bail() { echo "Bail out! $*"; exit 1; }
command -v node >/dev/null || bail "node is not installed"
if [ ! -d "$here/node_modules/jose" ]; then # scripts/test runs npm ci; this is the fallback
  npm ci --prefix "$here" --no-audit --no-fund >"$tmp/npm.log" 2>&1 ||
    { sed 's/^/# /' "$tmp/npm.log"; bail "npm ci --prefix tests/interop failed"; }
fi
jv=$(node -p 'require(process.argv[1]).version' "$here/node_modules/jose/package.json")
[ "$jv" = 6.2.18 ] || bail "node_modules has jose $jv, not the pinned 6.2.18 (run npm ci)"

$py - "$src/tests/vectors/jws-sdjwt-bad-and-good.json" "$tmp" <<'PY' || bail "reading the vectors failed"
import json, sys
ex = json.load(open(sys.argv[1]))["examples"]
t = sys.argv[2]
open(f"{t}/jwks.json", "w").write(json.dumps(ex["issuer_jwks"]))
open(f"{t}/issued", "w").write(ex["sd_jwt_issued"])
open(f"{t}/grade", "w").write(ex["sd_jwt_presentation_grade_only"])
open(f"{t}/sl-example", "w").write(ex["status_list_token"])
PY
tool() { $py "$here/sdjwt_tool.py" "$@"; }
now=1795920000 # the vectors' "now": iat 1795910460 <= now < exp 1798502460
exp=1798502460
uri=https://attest.yiwu-credit.example/status/1
issued=$(cat "$tmp/issued")
grade=$(cat "$tmp/grade")

# run VERIFIER ARGS...: stdout to $tmp/out, exit status to $rc
run() {
  local v=$1; shift
  case $v in
  jose) node "$here/verify_jose.mjs" "$@" >"$tmp/out" 2>"$tmp/err" ;;
  pyjwt) $py "$here/verify_pyjwt.py" "$@" >"$tmp/out" 2>"$tmp/err" ;;
  esac
  rc=$?
}
# verdict RC REASON: exit status and the reason of the JSON line are exactly these
verdict() {
  $py - "$tmp/out" "$rc" "$1" "$2" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert int(sys.argv[2]) == int(sys.argv[3]), f"exit {sys.argv[2]}, want {sys.argv[3]}"
assert r["valid"] is (sys.argv[3] == "0"), r
assert r["reason"] == sys.argv[4], r
if not r["valid"]:
    assert r["claims"] == {}, r
PY
}
# claims_are JSON: the claims of a valid answer are exactly this object
claims_are() {
  $py - "$tmp/out" "$1" <<'PY'
import json, sys
got = json.loads(open(sys.argv[1]).read())["claims"]
want = json.loads(sys.argv[2])
assert got == want, (sorted(got), sorted(want))
PY
}
valid_with() { verdict 0 ok && claims_are "$1"; }
expect() { # description, verdict RC, verdict REASON, verifier args...
  local d=$1 wrc=$2 wreason=$3 v; shift 3
  for v in jose pyjwt; do
    run "$v" "$@"
    if verdict "$wrc" "$wreason" >"$tmp/why" 2>&1; then ok "$v: $d"; else
      nok "$v: $d"; sed 's/^/# /' "$tmp/out" "$tmp/err" "$tmp/why"
    fi
  done
}
visible='"iss":"https://attest.yiwu-credit.example","sub":"zRxvQA6tX3m50-8KZWPBo15ppJtlSJMzE09KVoye1IQ","iat":1795910460,"exp":1798502460,"jti":"e3Q4oT7bSkK0Zr2Vd1mHxg","vct":"https://attest.yiwu-credit.example/vct/credit-score/v1","issuer_city":"Yiwu","status":{"status_list":{"idx":4711,"uri":"https://attest.yiwu-credit.example/status/1"}}'

# --- the worked example and its grade-only presentation ---
for v in jose pyjwt; do
  run $v --jwks "$tmp/jwks.json" --no-status --now $now "$issued"
  check "$v: examples.sd_jwt_issued verifies (exit 0, reason ok)" verdict 0 ok
  check "$v: ... its claims are the visible ones plus score 712, grade A-, as_of 1795910400" \
    claims_are "{$visible,\"score\":712,\"grade\":\"A-\",\"as_of\":1795910400}"
  run $v --jwks "$tmp/jwks.json" --no-status --now $now - <"$tmp/grade"
  check "$v: examples.sd_jwt_presentation_grade_only verifies (token on stdin)" verdict 0 ok
  check "$v: ... and reveals exactly the visible claims and grade A-" \
    claims_are "{$visible,\"grade\":\"A-\"}"
  run $v --jwks "$tmp/jwks.json" --no-status --now $now "$(tool present "$issued" '')"
  check "$v: a presentation with no disclosure verifies and reveals only the visible claims" \
    valid_with "{$visible}"
done

# --- the issuer JWT: signature, exp (60 s leeway) at the limit and one past it, iss, typ, alg ---
expect "a flipped signature bit: bad_signature" 1 bad_signature \
  --jwks "$tmp/jwks.json" --no-status --now $now "$(tool flip-sig "$issued")"
expect "a flipped signature bit in the grade-only presentation: bad_signature" 1 bad_signature \
  --jwks "$tmp/jwks.json" --no-status --now $now "$(tool flip-sig "$grade")"
expect "now = exp + 59 s (within the 60 s leeway): valid" 0 ok \
  --jwks "$tmp/jwks.json" --no-status --now $((exp + 59)) "$grade"
expect "now = exp + 60 s (one past the leeway): expired" 1 expired \
  --jwks "$tmp/jwks.json" --no-status --now $((exp + 60)) "$grade"
expect "another expected issuer: untrusted_issuer" 1 untrusted_issuer --issuer https://other.example \
  --jwks "$tmp/jwks.json" --no-status --now $now "$grade"
expect "re-signed with typ statuslist+jwt: wrong_typ" 1 wrong_typ \
  --jwks "$tmp/jwks.json" --no-status --now $now \
  "$(tool resign "$grade" '{"alg":"EdDSA","typ":"statuslist+jwt","kid":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}')"
ed=$(tool resign "$grade" '{"alg":"Ed25519","typ":"dc+sd-jwt","kid":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}')
run jose --jwks "$tmp/jwks.json" --no-status --now $now "$ed"
check "jose: alg Ed25519 (RFC 9864) verifies" verdict 0 ok
run pyjwt --jwks "$tmp/jwks.json" --no-status --now $now "$ed"
check "pyjwt: alg Ed25519 is rejected by PyJWT 2.6 (alg_not_allowed, attestations.md §1.2)" \
  verdict 1 alg_not_allowed
$py - "$tmp/jwks.json" "$tmp/jwks-other.json" <<'PY'
import json, sys
k = json.load(open(sys.argv[1]))["keys"][0]
k["kid"] = "A" * 43  # not its thumbprint: a partner drops it
json.dump({"keys": [k]}, open(sys.argv[2], "w"))
PY
expect "a JWKS whose only kid is not its RFC 7638 thumbprint: unknown_kid" 1 unknown_kid \
  --jwks "$tmp/jwks-other.json" --no-status --now $now "$grade"

# --- disclosures (RFC 9901 §7.1) ---
expect "a forged disclosure (grade A+ with a new salt): disclosure_mismatch" 1 disclosure_mismatch \
  --jwks "$tmp/jwks.json" --no-status --now $now "$(tool forge "$grade" grade '"A+"')"
expect "a forged score disclosure in the full token: disclosure_mismatch" 1 disclosure_mismatch \
  --jwks "$tmp/jwks.json" --no-status --now $now "$(tool forge "$issued" score 900)"
expect "a disclosure repeated: disclosure_mismatch" 1 disclosure_mismatch \
  --jwks "$tmp/jwks.json" --no-status --now $now "$(tool dup "$grade")"
expect "no trailing ~: malformed" 1 malformed \
  --jwks "$tmp/jwks.json" --no-status --now $now "${grade%\~}"
expect "the issuer JWT alone (no ~ at all): malformed" 1 malformed \
  --jwks "$tmp/jwks.json" --no-status --now $now "${grade%%\~*}"

# --- status lists (attestations.md §3.1): the spec vectors, then signed lists ---
for v in jose pyjwt; do
  run $v --decode-lst eNrbuRgAAhcBXQ --bits 1
  check "$v: 1-bit spec vector (bytes b9 a3) decodes to 1,0,0,1,1,1,0,1,1,1,0,0,0,1,0,1" \
    test "$(cat "$tmp/out")" = '[1,0,0,1,1,1,0,1,1,1,0,0,0,1,0,1]'
  run $v --decode-lst eNo76fITAAPfAgc --bits 2
  check "$v: 2-bit spec vector (bytes c9 44 f9) decodes to 1,2,0,3,0,1,0,1,1,2,3,3" \
    test "$(cat "$tmp/out")" = '[1,2,0,3,0,1,0,1,1,2,3,3]'
  run $v --decode-lst eNo76fITAAPfAgc --bits 3
  check "$v: bits 3 is refused (exit 1)" test "$rc" = 1
done
expect "the design's status list token (idx 4711 is 1): revoked" 1 revoked \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-example" --now $now "$grade"
sl() { # file, then sdjwt_tool.py status-list arguments after the uri
  local f=$1; shift; tool status-list "$@" >"$tmp/$f"
}
sl sl-valid "$uri" 1 131072 1795910400 1795996800 4710=1 4712=1
expect "a 1-bit list with 4710 and 4712 revoked but 4711 not: valid" 0 ok \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-valid" --now $now "$grade"
sl sl-2bit "$uri" 2 131072 1795910400 1795996800 4711=2 4710=1 4712=3
expect "a 2-bit list with 4711 = 2: suspended" 1 suspended \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-2bit" --now $now "$grade"
sl sl-2bit3 "$uri" 2 131072 1795910400 1795996800 4711=3
expect "a 2-bit list with 4711 = 3 (application-specific): status_3" 1 status_3 \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-2bit3" --now $now "$grade"
sl sl-4712 "$uri" 1 4712 1795910400 1795996800
expect "a list of exactly 4712 entries (idx 4711 is the last): valid" 0 ok \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-4712" --now $now "$grade"
sl sl-4704 "$uri" 1 4704 1795910400 1795996800
expect "a list one byte shorter (4704 entries): status_list_invalid" 1 status_list_invalid \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-4704" --now $now "$grade"
sl sl-sub https://attest.yiwu-credit.example/status/2 1 131072 1795910400 1795996800
expect "a list whose sub is another uri: status_list_invalid" 1 status_list_invalid \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-sub" --now $now "$grade"
sl sl-old "$uri" 1 131072 1795900000 $((now - 60))
expect "a list expired 60 s ago (one past the leeway): status_list_invalid" 1 status_list_invalid \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-old" --now $now "$grade"
sl sl-edge "$uri" 1 131072 1795900000 $((now - 59))
expect "a list expired 59 s ago (within the leeway): valid" 0 ok \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-edge" --now $now "$grade"
# the attestation as a status list: typ dc+sd-jwt is not statuslist+jwt
printf '%s' "${grade%%\~*}" >"$tmp/sl-typ"
expect "the attestation's JWT given as the status list: status_list_invalid" 1 status_list_invalid \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-typ" --now $now "$grade"
expect "a flipped signature bit still fails first with a valid list: bad_signature" 1 bad_signature \
  --jwks "$tmp/jwks.json" --status-list "$tmp/sl-valid" --now $now "$(tool flip-sig "$grade")"

# --- fetching over HTTP/2 (node:http2; tests/support/h2client.py) from a stand-in issuer that
#     serves files (mock_issuer.py): h2c with prior knowledge, then TLS with ALPN h2 ---
iss=https://attest.yiwu-credit.example
mkdir -p "$tmp/www/.well-known" "$tmp/www/status"
printf '{"issuer":"%s","jwks_uri":"%s/.well-known/jwks.json"}' "$iss" "$iss" >"$tmp/www/.well-known/jwt-vc-issuer"
cp "$tmp/jwks.json" "$tmp/www/.well-known/jwks.json"
cp "$tmp/sl-valid" "$tmp/www/status/1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || bail "openssl req failed"
freeport() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
mocks=()
start_mock() { # port, extra args; waits for "ready"
  $py "$here/mock_issuer.py" "$@" >"$tmp/mock.$1" 2>&1 &
  mocks+=($!)
  for _ in $(seq 50); do grep -q ready "$tmp/mock.$1" && return 0; sleep 0.1; done
  bail "mock_issuer.py on port $1 did not start"
}
stop_mocks() {
  local m
  for m in "${mocks[@]}"; do kill "$m" 2>/dev/null; done
  rm -rf "$tmp"
}
trap stop_mocks EXIT
hport=$(freeport)
tport=$(freeport)
start_mock "$hport" "$tmp/www"
start_mock "$tport" "$tmp/www" "$tmp/cert.pem" "$tmp/key.pem"
expect "h2c: metadata, JWKS and a list with 4711 valid fetched over HTTP/2: valid" 0 ok \
  --server "http://127.0.0.1:$hport" --now $now "$grade"
expect "TLS (ALPN h2, a self-signed CA): the same: valid" 0 ok \
  --server "https://127.0.0.1:$tport" --cafile "$tmp/cert.pem" --now $now "$grade"
expect "h2c: a flipped signature bit: bad_signature" 1 bad_signature \
  --server "http://127.0.0.1:$hport" --now $now "$(tool flip-sig "$grade")"
cp "$tmp/sl-example" "$tmp/www/status/1"
expect "h2c: the list re-read after 4711 was revoked: revoked" 1 revoked \
  --server "http://127.0.0.1:$hport" --now $now "$grade"
rm "$tmp/www/status/1"
expect "h2c: the status list answers 404: status_unavailable" 1 status_unavailable \
  --server "http://127.0.0.1:$hport" --now $now "$grade"
printf '{"issuer":"https://evil.example","jwks_uri":"%s/.well-known/jwks.json"}' "$iss" >"$tmp/www/.well-known/jwt-vc-issuer"
expect "h2c: metadata naming another issuer: untrusted_issuer" 1 untrusted_issuer \
  --server "http://127.0.0.1:$hport" --now $now "$grade"

tap_done
