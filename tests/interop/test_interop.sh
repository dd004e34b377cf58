#!/usr/bin/env bash
# Interop with partners' off-the-shelf verifiers (issue 4, Acceptance "Interop tests"): the real
# yrdcreditd issues attestations; Node `jose` v6 (tests/interop/verify_jose.mjs) and Debian's
# PyJWT 2.6 + cryptography (tests/interop/verify_pyjwt.py) fetch the issuer metadata, the JWKS
# and the status list over HTTP/2 (h2c prior knowledge, and TLS with ALPN h2 and the data dir's
# self-signed certificate) and verify them (TAP output).
# usage: test_interop.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
set -u
cli=$1
daemon=$2
src=$3
here="$src/tests/interop"
tmp=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export YRDCREDIT_ETC="$src/etc"
py=/usr/bin/python3
data="$tmp/data"
iss=https://attest.yiwu-credit.example
. "$src/tests/support/tap.sh"
. "$src/tests/support/auth.sh"
bail() { echo "Bail out! $*"; exit 1; }
command -v node >/dev/null || bail "node is not installed"
command -v curl >/dev/null || bail "curl is not installed"
if [ ! -d "$here/node_modules/jose" ]; then # scripts/test runs npm ci; this is the fallback
  npm ci --prefix "$here" --no-audit --no-fund >"$tmp/npm.log" 2>&1 ||
    { sed 's/^/# /' "$tmp/npm.log"; bail "npm ci --prefix tests/interop failed"; }
fi

"$cli" init "$data" >/dev/null 2>&1 || bail "yrdcredit init failed"
"$cli" --data "$data" import "$src"/samples/*.csv "$src"/samples/*.jsonl >/dev/null 2>&1 ||
  bail "yrdcredit import failed"
# access control is on by default (issue 6 item 1): the requests to yrdcreditd carry an admin's
# token; the verifiers read only public routes (metadata, JWKS, status lists) and send none
tok=$(yc_token "$cli" "$data" admin test) || bail "yrdcredit clients add failed"
# a 1-second ttl (the config minimum) so a refreshed list is due at once after a revocation
$py - "$data/config.json" <<'PY' || bail "editing config.json failed"
import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("attest", {})["status_list_ttl_s"] = 1
json.dump(c, open(sys.argv[1], "w"))
PY

freeport() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port=$(freeport)
tport=$(freeport)
base="http://127.0.0.1:$port"
tbase="https://127.0.0.1:$tport"
"$daemon" --data "$data" --h2c-listen "127.0.0.1:$port" --listen "127.0.0.1:$tport" \
  --access-log "$tmp/access.log" 2>"$tmp/daemon.err" &
pid=$!
h2() { curl -s --http2-prior-knowledge --max-time 10 -H "authorization: Bearer $tok" "$@"; }
up=
for _ in $(seq 100); do
  if [ "$(h2 -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ]; then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$up" ] || { sed 's/^/# /' "$tmp/daemon.err"; bail "yrdcreditd did not answer /healthz"; }
ok "yrdcreditd answers GET /healthz 200 over h2c"
cafile="$data/tls/cert.pem"
code=$(curl -s --http2 --cacert "$cafile" --max-time 10 -o /dev/null -w '%{http_version} %{http_code}' "$tbase/healthz")
check "... and over TLS (ALPN h2, the data dir's self-signed cert): $code" test "$code" = "2 200"

# --- issuer metadata (SD-JWT VC) ---
h2 -o "$tmp/meta.json" -w '%{http_code}' "$base/.well-known/jwt-vc-issuer" >"$tmp/code"
check "GET /.well-known/jwt-vc-issuer: 200 and exactly {issuer, jwks_uri} of $iss" \
  $py -c 'import json,sys; m=json.load(open(sys.argv[1])); assert open(sys.argv[2]).read()=="200"; assert m=={"issuer":sys.argv[3],"jwks_uri":sys.argv[3]+"/.well-known/jwks.json"}, m' \
  "$tmp/meta.json" "$tmp/code" "$iss"

# run VERIFIER ARGS...: stdout to $tmp/out, exit status to $rc
run() {
  local v=$1; shift
  case $v in
  jose) node "$here/verify_jose.mjs" "$@" >"$tmp/out" 2>"$tmp/err" ;;
  pyjwt) $py "$here/verify_pyjwt.py" "$@" >"$tmp/out" 2>"$tmp/err" ;;
  esac
  rc=$?
  cp "$tmp/out" "$tmp/out.$v"
}
verdict() { # RC REASON: exit status and the reason of the one JSON line are exactly these
  $py - "$tmp/out" "$rc" "$1" "$2" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert int(sys.argv[2]) == int(sys.argv[3]), f"exit {sys.argv[2]}, want {sys.argv[3]}"
assert r["valid"] is (sys.argv[3] == "0"), r
assert r["reason"] == sys.argv[4], r
PY
}
expect() { # description, RC, REASON, token, extra verifier args...: both libraries, over h2c
  local d=$1 wrc=$2 wreason=$3 tok=$4 v; shift 4
  for v in jose pyjwt; do
    run "$v" --issuer "$iss" --server "$base" "$@" "$tok"
    if verdict "$wrc" "$wreason" >"$tmp/why" 2>&1; then ok "$v: $d"; else
      nok "$v: $d"; sed 's/^/# /' "$tmp/out" "$tmp/err" "$tmp/why"
    fi
  done
}
issue() { # body JSON -> $tmp/issued.json; prints the HTTP status
  h2 -o "$tmp/issued.json" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary "$1" "$base/v1/subjects/$subject/attestations"
}
field() { $py -c 'import json,sys; v=json.load(open(sys.argv[1])); [v := v[k] for k in sys.argv[2:]]; print(v)' "$@"; }

# --- issue an attestation disclosing everything ---
subject=92330782MA2KDDUY4M
# a merchant has a grade (an individual a band): every name a merchant may disclose
all='["score","grade","as_of","reasons","name"]'
code=$(issue "{\"disclose\":$all}")
check "POST /v1/subjects/$subject/attestations (disclose all five of a merchant): 201" test "$code" = 201
token=$(field "$tmp/issued.json" token 2>/dev/null)
jti=$(field "$tmp/issued.json" jti 2>/dev/null)
list=$(field "$tmp/issued.json" status list 2>/dev/null)
index=$(field "$tmp/issued.json" status index 2>/dev/null)
[ -n "$token" ] || { sed 's/^/# /' "$tmp/issued.json"; bail "no token was issued"; }
tool() { $py "$here/sdjwt_tool.py" "$@"; }
check "the token has one disclosure per disclose name" \
  test "$(tool names "$token")" = '["as_of", "grade", "name", "reasons", "score"]'

# the always-visible claims of attestations.md §1.3 / issue 4, plus the disclosed names
visible='"iss","sub","iat","exp","jti","vct","status","issuer_city","issuer_region","subject_type","model","lists","disputed_records"'
claims_check() { # OUT_FILE, JSON array of the disclosed names: the exact key set and values
  $py - "$1" "$2" "$visible" "$iss" "$subject" "$jti" "$list" "$index" <<'PY'
import json, sys
c = json.loads(open(sys.argv[1]).read())["claims"]
disclosed = json.loads(sys.argv[2])
visible = json.loads("[" + sys.argv[3] + "]")
iss, subject, jti, lst, index = sys.argv[4:9]
assert sorted(c) == sorted(visible + disclosed), sorted(c)
assert c["iss"] == iss and c["sub"] == subject and c["jti"] == jti, c
assert c["vct"] == iss + "/vct/credit-score/v1", c["vct"]
assert c["status"] == {"status_list": {"idx": int(index), "uri": f"{iss}/v1/status-lists/{lst}"}}, c["status"]
assert isinstance(c["iat"], int) and isinstance(c["exp"], int) and c["exp"] > c["iat"], c
PY
}
for v in jose pyjwt; do
  run $v --issuer "$iss" --server "$base" "$token"
  check "$v: the issued token verifies (JWKS and status list over h2c)" verdict 0 ok
  check "$v: ... claims: exactly the visible ones and the five disclosed, iss/sub/jti/vct/status as issued" \
    claims_check "$tmp/out" "$all"
done
check "jose and PyJWT return the same claims" \
  $py -c 'import json,sys; a,b=(json.load(open(f))["claims"] for f in sys.argv[1:]); assert a==b' \
  "$tmp/out.jose" "$tmp/out.pyjwt"
cp "$tmp/out.jose" "$tmp/full.json"
for v in jose pyjwt; do
  run $v --issuer "$iss" --server "$tbase" --cafile "$cafile" "$token"
  check "$v: the issued token verifies over TLS (ALPN h2, self-signed CA)" verdict 0 ok
done

# --- a presentation revealing only the grade ---
tool present "$token" grade >"$tmp/pres.py"
if "$cli" present "$token" --disclose grade >"$tmp/pres.cli" 2>"$tmp/pres.err"; then
  check "yrdcredit present --disclose grade: the token without the other four disclosures" \
    cmp -s "$tmp/pres.cli" "$tmp/pres.py"
  pres=$(cat "$tmp/pres.cli")
else
  n=$((n + 1)) # TAP TODO: reported, not counted as passed, not a failure of this suite
  echo "not ok $n - yrdcredit present TOKEN --disclose grade exits 0 # TODO not there yet; a Python-made presentation is used"
  sed 's/^/# /' "$tmp/pres.err" | head -5
  pres=$(cat "$tmp/pres.py")
fi
for v in jose pyjwt; do
  run $v --issuer "$iss" --server "$base" "$pres"
  check "$v: the grade-only presentation verifies" verdict 0 ok
  check "$v: ... and reveals nothing but the visible claims and grade" claims_check "$tmp/out" '["grade"]'
  check "$v: ... the same grade as the full token" \
    $py -c 'import json,sys; a,b=(json.load(open(f))["claims"] for f in sys.argv[1:]); assert a["grade"]==b["grade"]' \
    "$tmp/out" "$tmp/full.json"
done

# --- tampering ---
expect "a flipped signature bit: bad_signature" 1 bad_signature "$(tool flip-sig "$token")"
expect "a flipped signature bit in the presentation: bad_signature" 1 bad_signature "$(tool flip-sig "$pres")"
expect "a forged disclosure (grade Z) in the presentation: disclosure_mismatch" 1 disclosure_mismatch \
  "$(tool forge "$pres" grade '"Z"')"
expect "a forged score disclosure (999) in the full token: disclosure_mismatch" 1 disclosure_mismatch \
  "$(tool forge "$token" score 999)"
expect "a repeated disclosure: disclosure_mismatch" 1 disclosure_mismatch "$(tool dup "$pres")"

# --- alg Ed25519 (RFC 9864) per request ---
code=$(issue '{"disclose":["grade"],"alg":"Ed25519"}')
check "POST .../attestations with alg Ed25519: 201" test "$code" = 201
ed=$(field "$tmp/issued.json" token 2>/dev/null)
check "... its header alg is Ed25519" test "$($py -c 'import base64,json,sys; h=sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h+"="*(-len(h)%4)))["alg"])' "$ed" 2>/dev/null)" = Ed25519
run jose --issuer "$iss" --server "$base" "$ed"
check "jose: the Ed25519 token verifies" verdict 0 ok
run pyjwt --issuer "$iss" --server "$base" "$ed"
check "pyjwt: the Ed25519 token is rejected by PyJWT 2.6 (only EdDSA; attestations.md §1.2): alg_not_allowed" \
  verdict 1 alg_not_allowed

# --- revocation: both fail once they re-read the status list ---
slpath="/v1/status-lists/$list"
h2 -D "$tmp/sl.hdr" -o "$tmp/sl.before" "$base$slpath"
check "GET $slpath: statuslist+jwt with an ETag" \
  sh -c 'grep -qi "^content-type: application/statuslist+jwt" "$1" && grep -qi "^etag: " "$1"' _ "$tmp/sl.hdr"
code=$(h2 -o "$tmp/revoke.json" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary '{"reason":"interop test"}' "$base/v1/attestations/$jti/revoke")
check "POST /v1/attestations/$jti/revoke: 200" test "$code" = 200
code=$(h2 -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary '{"reason":"interop test"}' "$base/v1/attestations/AAAAAAAAAAAAAAAAAAAAAA/revoke")
check "revoking an unknown jti: 404" test "$code" = 404
changed=
for _ in $(seq 40); do # the list is re-published within its ttl (1 s here)
  h2 -o "$tmp/sl.after" "$base$slpath"
  if ! cmp -s "$tmp/sl.before" "$tmp/sl.after"; then changed=1; break; fi
  sleep 0.1
done
check "the status list token changes within 4 s of the revocation" test -n "$changed"
expect "the revoked token, after re-reading the status list: revoked" 1 revoked "$token"
expect "the grade-only presentation of the revoked token: revoked" 1 revoked "$pres"
run jose --issuer "$iss" --server "$base" "$ed"
check "jose: the other (Ed25519) token is still valid" verdict 0 ok
for v in jose pyjwt; do
  run $v --issuer "$iss" --server "$tbase" --cafile "$cafile" "$token"
  check "$v: the revoked token over TLS: revoked" verdict 1 revoked
done

kill -TERM "$pid"
wait "$pid"
check "yrdcreditd exits 0 on SIGTERM" test $? -eq 0
pid=
check "no sanitizer report on the daemon's stderr" \
  test "$(grep -cE 'AddressSanitizer|runtime error|LeakSanitizer' "$tmp/daemon.err")" = 0

tap_done
