#!/usr/bin/env bash
# Two cities on loopback (issue 4 scope items 5 and 6): the real yrdcreditd of Yiwu (A) and of
# Hangzhou (B), each issuer its own TLS URL; B trusts A through `yrdcredit trust add|refresh`
# (over HTTP/2 + TLS from A's running server) and its running server verifies A's tokens, sees a
# revocation once it refreshes, refuses a third unregistered issuer and a key A did not pin, and
# picks up partners.json changes without a restart (TAP output).
# usage: test_partners.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
set -u
cli=$1
daemon=$2
src=$3
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
export YRDCREDIT_ETC="$src/etc"
py=/usr/bin/python3
. "$src/tests/support/tap.sh"
. "$src/tests/support/auth.sh"
bail() { echo "Bail out! $*"; exit 1; }
# YC_TIME_SCALE (a positive integer, default 1; scripts/test sets it for the ThreadSanitizer
# run): multiplies A's status-list ttl (a partner's copy of a list expires 2 ttl after A signed
# it, and B's check "before its refresh: still valid" must come before that), the sleep that
# waits out that ttl and the "within 1 s" polls of B's running server; no expected value changes.
scale=${YC_TIME_SCALE:-1}
case $scale in '' | *[!0-9]* | 0) bail "YC_TIME_SCALE must be a positive integer (got '$scale')" ;; esac
scale=$((10#$scale))
[ "$scale" -ge 1 ] || bail "YC_TIME_SCALE must be a positive integer (got '$YC_TIME_SCALE')"
polls=$((10 * scale)) # 0.1 s each: "within 1 s" at scale 1
ttl_sleep=$($py -c "print(1.1 * $scale)")
command -v curl >/dev/null || bail "curl is not installed (scripts/deps.sh)"
free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Access control is on by default (issue 6 item 1): each city's admin token (tokens[NAME], made
# by city()) goes with every request to that city's ports.
declare -A tokens
h2() {
  local n tok=
  for n in "${!tokens[@]}"; do
    case "$*" in *":${h2c[$n]}/"* | *":${tls[$n]}/"*) tok=${tokens[$n]} ;; esac
  done
  curl -s --http2-prior-knowledge --max-time 10 ${tok:+-H "authorization: Bearer $tok"} "$@"
}
field() { $py -c 'import json,sys; v=json.load(open(sys.argv[1])); [v := v[k] for k in sys.argv[2:]]; print(v)' "$@"; }

# NAME CITY REGION: data dir $tmp/NAME, issuer https://127.0.0.1:<TLS port>, both servers' ports
declare -A tls h2c pidof
city() {
  local name=$1 d="$tmp/$1"
  tls[$name]=$(free_port)
  h2c[$name]=$(free_port)
  "$cli" init "$d" >/dev/null 2>&1 || bail "yrdcredit init $name failed"
  "$cli" --data "$d" import "$src"/samples/yiwu-records.jsonl >/dev/null 2>&1 || bail "import $name failed"
  tokens[$name]=$(yc_token "$cli" "$d" admin test) || bail "clients add $name failed"
  $py - "$d/config.json" "https://127.0.0.1:${tls[$name]}" "$2" "$3" "$scale" <<'EOF' || bail "config $name"
import json, sys
j = json.load(open(sys.argv[1]))
j["attest"] = {"issuer": sys.argv[2], "issuer_city": sys.argv[3], "issuer_region": sys.argv[4],
               "status_list_ttl_s": int(sys.argv[5])}
json.dump(j, open(sys.argv[1], "w"), indent=2)
EOF
  "$daemon" --data "$d" --listen "127.0.0.1:${tls[$name]}" --h2c-listen "127.0.0.1:${h2c[$name]}" \
    --workers 2 --access-log "$tmp/$name.access.log" 2>"$tmp/$name.err" &
  pidof[$name]=$!
  pids+=($!)
  for _ in $(seq 150); do
    [ "$(h2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${h2c[$name]}/healthz")" = 200 ] && return 0
    kill -0 "${pidof[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/# /' "$tmp/$name.err"
  bail "yrdcreditd of $name did not answer /healthz"
}
city A Yiwu 330782
city B Hangzhou 330100
city C Shanghai 310000
ok "three yrdcreditd (Yiwu, Hangzhou, an unregistered Shanghai) answer /healthz"
issA="https://127.0.0.1:${tls[A]}"
subject=92330782MA2KDDUY4M
issue() { # CITY NAME: the token in $tmp/NAME.tok; prints the HTTP status
  h2 -o "$tmp/$2.json" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary '{"disclose":["score","grade","as_of"]}' \
    "http://127.0.0.1:${h2c[$1]}/v1/subjects/$subject/attestations"
  field "$tmp/$2.json" token >"$tmp/$2.tok" 2>/dev/null
}
verify() { # CITY FILE: POST /v1/attestations/verify of the token in FILE; the answer in $tmp/v.json;
  # prints "HTTP valid reason"
  h2 -o "$tmp/v.json" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary "{\"token\":\"$(cat "$2")\"}" "http://127.0.0.1:${h2c[$1]}/v1/attestations/verify" >"$tmp/v.code"
  printf '%s %s\n' "$(cat "$tmp/v.code")" \
    "$($py -c 'import json,sys; v=json.load(open(sys.argv[1])); print(str(v["valid"]).lower(), v["reason"])' "$tmp/v.json" 2>/dev/null)"
}
kid_of() { # CITY PURPOSE: the active key of that purpose
  "$cli" --data "$tmp/$1" keys list --json |
    $py -c 'import json,sys; print([k["kid"] for k in json.load(sys.stdin) if k["purpose"]==sys.argv[1] and k["state"]=="active"][-1])' "$2"
}
kA=$(kid_of A attestation)
ksA=$(kid_of A status_list)

check "A issues token TA: 201" test "$(issue A ta)" = 201
check "C issues token TC: 201" test "$(issue C tc)" = 201
check "B before any trust: A's token is untrusted_issuer" test "$(verify B "$tmp/ta.tok")" = "200 false untrusted_issuer"

# --- B trusts A ---
"$cli" --data "$tmp/B" trust add --issuer "https://127.0.0.1:${tls[B]}" --city Hangzhou --region 330100 \
  --pin "$kA" --jwks-url "$issA/.well-known/jwks.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "regress__issue_4: B refuses to trust its own issuer as a partner: exit 2 (got $rc)" \
  eval 'test $rc -eq 2 && grep -q "own issuer" "$tmp/err"'
"$cli" --data "$tmp/B" trust add --issuer "$issA" --city Yiwu --region 330782 --pin "$kA" --pin "$ksA" \
  --jwks-url "$issA/.well-known/jwks.json" --status-list-url "$issA/v1/status-lists/1" \
  --cacert "$tmp/A/tls/cert.pem" >"$tmp/out" 2>"$tmp/err"
check "B: trust add of A (two pins, JWKS and status-list URLs, A's cert): exit 0" test $? -eq 0
"$cli" --data "$tmp/B" trust refresh >"$tmp/out" 2>"$tmp/err"
rc=$?
check "B: trust refresh from A's running server over TLS: exit 0 (got $rc)" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
"$cli" --data "$tmp/B" trust list >"$tmp/list.json"
check "B: trust list: A trusts both pinned keys and its list verifies" \
  test "$(field "$tmp/list.json" partners | $py -c 'import ast,sys; p=ast.literal_eval(sys.stdin.read())[0]; print(sorted(p["trusted_kids"]), [s["verified"] for s in p["status_lists"]])')" = \
       "$($py -c 'import sys; print(sorted(sys.argv[1:]), [True])' "$kA" "$ksA")"
ok_seen=
for _ in $(seq $polls); do
  [ "$(verify B "$tmp/ta.tok")" = "200 true valid" ] && { ok_seen=1; break; }
  sleep 0.1
done
check "B's running server (no restart) verifies A's token within $scale s: valid" test -n "$ok_seen"
check "... issuer is A's URL, issuer_city Yiwu, region 330782, score/grade/as_of disclosed" \
  $py -c 'import json,sys
v = json.load(open(sys.argv[1])); c = v["claims"]
assert v["issuer"] == sys.argv[2] and c["iss"] == sys.argv[2], v
assert c["issuer_city"] == "Yiwu" and c["issuer_region"] == "330782" and c["sub"] == sys.argv[3], c
assert {"score", "grade", "as_of"} <= set(c), sorted(c)' "$tmp/v.json" "$issA" "$subject"
"$cli" present "$(cat "$tmp/ta.tok")" --disclose grade >"$tmp/pres.tok" 2>"$tmp/err"
check "yrdcredit present --disclose grade: exit 0" test $? -eq 0
check "B verifies the grade-only presentation: valid" test "$(verify B "$tmp/pres.tok")" = "200 true valid"
check "... it reveals the grade and neither score nor as_of" \
  $py -c 'import json,sys; c=json.load(open(sys.argv[1]))["claims"]; assert "grade" in c and "score" not in c and "as_of" not in c, sorted(c)' "$tmp/v.json"
check "B: C's token (an unregistered issuer) is untrusted_issuer" test "$(verify B "$tmp/tc.tok")" = "200 false untrusted_issuer"

# --- revocation: A at once, B once it refreshes ---
jti=$(field "$tmp/ta.json" jti)
code=$(h2 -o "$tmp/rev.json" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary '{"reason":"test"}' "http://127.0.0.1:${h2c[A]}/v1/attestations/$jti/revoke")
check "A: POST /v1/attestations/{jti}/revoke: 200" test "$code" = 200
check "A's own verify: revoked at once" test "$(verify A "$tmp/ta.tok")" = "200 false revoked"
check "B before its refresh: still valid (its copy of A's list is old)" test "$(verify B "$tmp/ta.tok")" = "200 true valid"
sleep "$ttl_sleep" # A's status-list ttl is 1 s (at scale 1)
"$cli" --data "$tmp/B" trust refresh "$issA" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "B: trust refresh after the revocation: exit 0 (got $rc)" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
seen=
for _ in $(seq $polls); do
  [ "$(verify B "$tmp/ta.tok")" = "200 false revoked" ] && { seen=1; break; }
  sleep 0.1
done
check "B's running server after the refresh (within $scale s): revoked" test -n "$seen"

# --- a key of A that B did not pin ---
"$cli" --data "$tmp/A" keys rotate --purpose attestation --publish-seconds 0 >/dev/null 2>&1
check "A: keys rotate --publish-seconds 0: exit 0" test $? -eq 0
sleep 1.1
check "A issues token TN with the new key: 201" test "$(issue A tn)" = 201
check "TN's header kid is A's new active key, not the pinned one" \
  test "$(cut -d. -f1 <"$tmp/tn.tok" | $py -c 'import base64,json,sys; s=sys.stdin.read().strip(); print(json.loads(base64.urlsafe_b64decode(s+"="*(-len(s)%4)))["kid"])') $kA" = "$(kid_of A attestation) $kA"
"$cli" --data "$tmp/B" trust refresh "$issA" >"$tmp/out" 2>"$tmp/err"
check "B: trust refresh (A's JWKS still holds the pinned, now retired key): exit 0" test $? -eq 0
sleep 1.1
check "B: TN, signed by the unpinned new key, is unknown_kid" test "$(verify B "$tmp/tn.tok")" = "200 false unknown_kid"

# --- partners.json changes without a restart ---
"$cli" --data "$tmp/B" trust remove "$issA" >/dev/null 2>&1
check "B: trust remove A: exit 0" test $? -eq 0
seen=
for _ in $(seq $polls); do
  [ "$(verify B "$tmp/pres.tok")" = "200 false untrusted_issuer" ] && { seen=1; break; }
  sleep 0.1
done
check "B's running server sees the removal within $scale s: A's presentation is untrusted_issuer" test -n "$seen"

for name in A B C; do
  kill -TERM "${pidof[$name]}"
  wait "${pidof[$name]}"
  rc=$?
  check "$name: yrdcreditd exits 0 on SIGTERM (got $rc)" test $rc -eq 0
  check "$name: nothing on stderr but its start line (no sanitizer report)" \
    test "$(grep -vc '^yrdcreditd: serving ' "$tmp/$name.err")" = 0
  grep -v '^yrdcreditd: serving ' "$tmp/$name.err" | head -20 | sed 's/^/# /'
done
pids=()
tap_done
