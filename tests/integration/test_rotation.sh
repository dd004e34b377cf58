#!/usr/bin/env bash
# Issue 4 acceptance, rotation: "tokens signed before a rotation verify after it; a retired key's
# tokens verify until they expire and no longer after; no kid ever repeats" -- against the real
# yrdcreditd (h2c) and `yrdcredit keys rotate` on the same data dir, the server's clock shifted
# with Debian's faketime (libfaketime) for the days after, and the offline `yrdcredit verify --at`
# at the leeway boundary (TAP output).
# usage: test_rotation.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
set -u
cli=$1
daemon=$2
src=$3
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
. "$src/tests/support/tap.sh"
. "$src/tests/support/auth.sh"
bail() { echo "Bail out! $*"; exit 1; }
for tool in curl faketime; do
  command -v "$tool" >/dev/null || bail "$tool is not installed (scripts/deps.sh)"
done

"$cli" init "$data" >/dev/null 2>&1 || bail "yrdcredit init failed"
# access control is on by default (issue 6 item 1): every request carries an admin's token
tok=$(yc_token "$cli" "$data" admin test) || bail "yrdcredit clients add failed"
"$cli" --data "$data" import "$src"/samples/yiwu-records.jsonl >/dev/null 2>&1 || bail "yrdcredit import failed"
# tokens of 1 or 2 days; a retired key leaves the JWKS 2 days + 60 s after its retirement
$py - "$data/config.json" <<'EOF' || bail "cannot edit config.json"
import json, sys
j = json.load(open(sys.argv[1]))
j["attest"] = {"max_validity_days": 2, "default_validity_days": 1, "key_grace_s": 60}
json.dump(j, open(sys.argv[1], "w"), indent=2)
EOF

free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
h2() { curl -s --http2-prior-knowledge --max-time 10 -H "authorization: Bearer $tok" "$@"; }
# the faked clock: Debian's libfaketime (package faketime), its multi-threaded variant, preloaded
# through env so that $! is the server itself; it shifts the wall clock only (the server's timers
# use CLOCK_MONOTONIC).  ASan wants to come first in the library list; libfaketime comes first.
libft=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -r "$libft" ] || bail "$libft is missing (package faketime, scripts/deps.sh)"
fake() { # OFFSET_SECONDS COMMAND...
  local off=$1; shift
  env LD_PRELOAD="$libft" FAKETIME="+${off}" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1 \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}
start() { # [OFFSET_SECONDS]: (re)start yrdcreditd on $port, the clock shifted by OFFSET
  stop_quiet
  port=$(free_port)
  base="http://127.0.0.1:$port"
  log="$tmp/daemon.$port.err"
  if [ -n "${1:-}" ]; then
    (exec env LD_PRELOAD="$libft" FAKETIME="+$1" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1 \
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$daemon" --data "$data" --h2c-listen "127.0.0.1:$port" --listen off --workers 2 \
      --access-log "$tmp/access.log" 2>"$log") &
  else
    "$daemon" --data "$data" --h2c-listen "127.0.0.1:$port" --listen off --workers 2 \
      --access-log "$tmp/access.log" 2>"$log" &
  fi
  pid=$!
  for _ in $(seq 150); do
    [ "$(h2 -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/# /' "$log"
  return 1
}
stop_quiet() { [ -n "$pid" ] && { kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; pid=; }
stop() { # DESCRIPTION: SIGTERM, exit 0 within 10 s, stderr only the start line (no sanitizer report)
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null && echo "# yrdcreditd $pid did not exit within 10 s of SIGTERM: killed"
  wait "$pid"
  local rc=$?
  pid=
  check "$1: exits 0 on SIGTERM (got $rc)" test $rc -eq 0
  check "$1: nothing on stderr but its start line (no sanitizer report)" \
    test "$(grep -vc '^yrdcreditd: serving h2c on ' "$log")" = 0
  grep -v '^yrdcreditd: serving h2c on ' "$log" | head -40 | sed 's/^/# /'
}
field() { $py -c 'import json,sys; v=json.load(open(sys.argv[1])); [v := v[int(k) if isinstance(v, list) else k] for k in sys.argv[2:]]; print(v)' "$@"; }
subject=92330782MA2KDDUY4M
issue() { # NAME VALIDITY_DAYS: $tmp/NAME.json, token in $tmp/NAME.tok; prints the HTTP status
  h2 -o "$tmp/$1.json" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary "{\"disclose\":[\"score\",\"grade\",\"as_of\"],\"validity_days\":$2}" \
    "$base/v1/subjects/$subject/attestations"
  field "$tmp/$1.json" token >"$tmp/$1.tok" 2>/dev/null
}
hdr_kid() { cut -d. -f1 <"$tmp/$1.tok" | $py -c 'import base64,json,sys; s=sys.stdin.read().strip(); print(json.loads(base64.urlsafe_b64decode(s+"="*(-len(s)%4)))["kid"])'; }
claim() { cut -d. -f2 <"$tmp/$1.tok" | $py -c 'import base64,json,sys; s=sys.stdin.read().strip(); print(json.loads(base64.urlsafe_b64decode(s+"="*(-len(s)%4)))[sys.argv[1]])' "$2"; }
verify() { # NAME: POST /v1/attestations/verify on $base; prints "HTTP valid reason"
  h2 -o "$tmp/v.json" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary "{\"token\":\"$(cat "$tmp/$1.tok")\"}" "$base/v1/attestations/verify" >"$tmp/v.code"
  printf '%s %s\n' "$(cat "$tmp/v.code")" \
    "$($py -c 'import json,sys; v=json.load(open(sys.argv[1])); print(str(v["valid"]).lower(), v["reason"])' "$tmp/v.json" 2>/dev/null)"
}
jwks_kids() { # FILE: the kids of a JWK Set, one line, sorted
  $py -c 'import json,sys; print(" ".join(sorted(k["kid"] for k in json.load(open(sys.argv[1]))["keys"])))' "$1"
}
allkids="$tmp/allkids" # every kid ever seen, one a line (with repeats across snapshots)
: >"$allkids"
snap() { # NAME: GET the JWKS into $tmp/NAME.jwks; its kids into $allkids; prints the HTTP status
  h2 -o "$tmp/$1.jwks" -w '%{http_code}' "$base/.well-known/jwks.json"
  $py -c 'import json,sys; [print(k["kid"]) for k in json.load(open(sys.argv[1]))["keys"]]' \
    "$tmp/$1.jwks" >>"$allkids" 2>/dev/null
}
keys_json() { # [OFFSET]: `yrdcredit keys list --json` (the clock shifted by OFFSET) into $tmp/keys.json
  if [ -n "${1:-}" ]; then fake "$1" "$cli" --data "$data" keys list --json >"$tmp/keys.json"
  else "$cli" --data "$data" keys list --json >"$tmp/keys.json"; fi
}
key_of() { # KID FIELD from $tmp/keys.json
  $py -c 'import json,sys; print([k for k in json.load(open(sys.argv[1])) if k["kid"]==sys.argv[2]][0][sys.argv[3]])' \
    "$tmp/keys.json" "$1" "$2"
}

start || bail "yrdcreditd did not answer /healthz"
ok "yrdcreditd answers GET /healthz 200 over h2c"
keys_json
k1=$($py -c 'import json,sys; print([k["kid"] for k in json.load(open(sys.argv[1])) if k["purpose"]=="attestation" and k["state"]=="active"][0])' "$tmp/keys.json")
ks=$($py -c 'import json,sys; print([k["kid"] for k in json.load(open(sys.argv[1])) if k["purpose"]=="status_list"][0])' "$tmp/keys.json")
check "init made one active attestation key K1 and one status-list key" \
  test "$($py -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/keys.json")" = 2
snap j0 >/dev/null
check "the JWKS lists exactly K1 and the status-list key" test "$(jwks_kids "$tmp/j0.jwks")" = "$(printf '%s\n' "$k1" "$ks" | sort | tr '\n' ' ' | sed 's/ $//')"

# --- T1 before the rotation ---
check "issue T1 (validity 1 day): 201" test "$(issue t1 1)" = 201
check "T1's header kid is K1" test "$(hdr_kid t1)" = "$k1"
check "T1: exp - iat = 86400" test $(($(claim t1 exp) - $(claim t1 iat))) = 86400
check "T1 verifies before the rotation" test "$(verify t1)" = "200 true valid"

# --- rotate: publish before sign ---
"$cli" --data "$data" keys rotate --purpose attestation --publish-seconds 2 >"$tmp/rot.out" 2>"$tmp/rot.err"
check "yrdcredit keys rotate --purpose attestation --publish-seconds 2 (server running): exit 0" test $? -eq 0
keys_json
k2=$($py -c 'import json,sys; print([k["kid"] for k in json.load(open(sys.argv[1])) if k["purpose"]=="attestation" and k["kid"]!=sys.argv[2]][0])' "$tmp/keys.json" "$k1")
nb2=$(key_of "$k2" not_before)
check "keys list: K2 is published (not yet signing), K1 retires at K2's not_before" \
  test "$(key_of "$k2" state) $(key_of "$k1" retired_at)" = "published $nb2"
check "keys list: K1 drop_at = retired_at + 2 days + 60 s" test "$(key_of "$k1" drop_at)" = $((nb2 + 2 * 86400 + 60))
seen=
for _ in $(seq 10); do
  snap j1 >/dev/null
  case " $(jwks_kids "$tmp/j1.jwks") " in *" $k2 "*) seen=1; break ;; esac
  sleep 0.1
done
check "within 1 s the running server's JWKS lists K2 (and still K1)" \
  test "$seen $(jwks_kids "$tmp/j1.jwks")" = "1 $(printf '%s\n' "$k1" "$k2" "$ks" | sort | tr '\n' ' ' | sed 's/ $//')"
check "issue T2 (validity 2 days) right away: 201" test "$(issue t2 2)" = 201
iat2=$(claim t2 iat)
if [ "$iat2" -lt "$nb2" ]; then
  check "T2 (iat $iat2 < K2's not_before $nb2) is still signed by K1" test "$(hdr_kid t2)" = "$k1"
else
  nok "T2 was issued at $iat2, not before K2's not_before $nb2: the machine was too slow to test publish-before-sign"
fi
while [ "$(date +%s)" -le "$nb2" ]; do sleep 0.2; done
check "after the publish delay: issue T3 (validity 2 days): 201" test "$(issue t3 2)" = 201
check "T3 is signed by K2" test "$(hdr_kid t3)" = "$k2"
keys_json
check "keys list: K1 retired, K2 active" test "$(key_of "$k1" state) $(key_of "$k2" state)" = "retired active"
for t in t1 t2 t3; do
  check "${t^^} verifies after the rotation" test "$(verify $t)" = "200 true valid"
done
snap j2 >/dev/null
check "the JWKS still has the retired K1, with K2 and the status-list key" \
  test "$(jwks_kids "$tmp/j2.jwks")" = "$(printf '%s\n' "$k1" "$k2" "$ks" | sort | tr '\n' ' ' | sed 's/ $//')"
stop "the real-time server"

# --- offline at the leeway boundary (YC_AV_LEEWAY_SECONDS 60: expired once exp + 60 <= now) ---
exp1=$(claim t1 exp)
off() { # NAME AT: `yrdcredit verify` with the JWKS of after the rotation; prints "exit reason"
  "$cli" verify "$(cat "$tmp/$1.tok")" --jwks "$tmp/j2.jwks" --at "$2" >"$tmp/off.json" 2>"$tmp/off.err"
  printf '%s %s\n' $? "$(field "$tmp/off.json" reason 2>/dev/null)"
}
check "offline: T1 at exp - 1: valid" test "$(off t1 $((exp1 - 1)))" = "0 valid"
check "offline: T1 at exp + 59 (within the leeway): valid" test "$(off t1 $((exp1 + 59)))" = "0 valid"
check "offline: T1 at exp + 60: expired" test "$(off t1 $((exp1 + 60)))" = "1 expired"
check "offline: T2 (K1, retired) at its exp + 59: valid" test "$(off t2 $(($(claim t2 exp) + 59)))" = "0 valid"
check "offline: T2 at its exp + 60: expired" test "$(off t2 $(($(claim t2 exp) + 60)))" = "1 expired"

# --- the same data dir's server one day (+ 200 s) later: T1 expired, K1 retired but its T2 valid ---
now=$(date +%s)
d1=$((exp1 + 60 - now + 200)) # the faked now: exp1 + 260 (+ the seconds this test takes)
if start $d1; then ok "yrdcreditd under faketime +${d1}s answers /healthz"; else nok "yrdcreditd under faketime +${d1}s answers /healthz"; fi
h2 -o /dev/null "$base/healthz"
sleep 0.3 # the access log is written within 10 ms
fake_now=$($py -c 'import datetime,json,sys
t = [json.loads(l)["time"] for l in open(sys.argv[1]) if "/healthz" in l][-1]
print(int(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()))' "$tmp/access.log" 2>/dev/null)
check "its clock is shifted (access-log time ${fake_now:-none} within 60 s of exp(T1) + 260)" \
  test "${fake_now:-0}" -ge $((exp1 + 200)) -a "${fake_now:-0}" -le $((exp1 + 320))
check "+1 day: T1 (validity 1 day) is expired" test "$(verify t1)" = "200 false expired"
check "+1 day: T2 (signed by the retired K1, 2 days) still verifies" test "$(verify t2)" = "200 true valid"
check "+1 day: T3 (K2) verifies" test "$(verify t3)" = "200 true valid"
snap j3 >/dev/null
check "+1 day: the JWKS still has the retired K1" \
  test "$(jwks_kids "$tmp/j3.jwks")" = "$(printf '%s\n' "$k1" "$k2" "$ks" | sort | tr '\n' ' ' | sed 's/ $//')"
stop "the server at +1 day"

# --- past K1's drop_at: K1 out of the JWKS, its tokens no longer verify ---
drop1=$((nb2 + 2 * 86400 + 60))
d3=$((drop1 - $(date +%s) + 120)) # the faked now: drop_at(K1) + 120 s
if start $d3; then ok "yrdcreditd under faketime +${d3}s (past K1's drop_at) answers /healthz"; else nok "yrdcreditd under faketime +${d3}s answers /healthz"; fi
snap j4 >/dev/null
check "past drop_at: the JWKS has K2 and the status-list key, not K1" \
  test "$(jwks_kids "$tmp/j4.jwks")" = "$(printf '%s\n' "$k2" "$ks" | sort | tr '\n' ' ' | sed 's/ $//')"
# the verifier looks the kid up before it checks the signature and exp (attest_verify.h order):
# a token of a dropped key is unknown_kid, although it has also expired
check "past drop_at: T2 (K1) is unknown_kid" test "$(verify t2)" = "200 false unknown_kid"
check "past drop_at: T1 (K1) is unknown_kid" test "$(verify t1)" = "200 false unknown_kid"
check "past drop_at: T3 (K2, exp before K1's drop_at + 120 s) is expired" test "$(verify t3)" = "200 false expired"
keys_json $d3
check "keys list at the same faked time: K1 dropped, K2 active" \
  test "$(key_of "$k1" state) $(key_of "$k2" state)" = "dropped active"
stop "the server past drop_at"

# --- no kid ever repeats: 20 more rotations while the real-time server runs ---
start || bail "yrdcreditd did not restart"
rc_all=0
for i in $(seq 20); do
  "$cli" --data "$data" keys rotate --purpose attestation --publish-seconds 0 >/dev/null 2>>"$tmp/rot.err" || rc_all=1
  snap "r$i" >/dev/null
done
"$cli" --data "$data" keys rotate --purpose status_list --publish-seconds 0 >/dev/null 2>>"$tmp/rot.err" || rc_all=1
check "20 attestation rotations and one status-list rotation: all exit 0" test $rc_all -eq 0
sleep 1.1
snap rlast >/dev/null
check "issue T4 after them: 201" test "$(issue t4 1)" = 201
keys_json
$py -c 'import json,sys; [print(k["kid"]) for k in json.load(open(sys.argv[1]))]' "$tmp/keys.json" >"$tmp/listed"
check "keys list --json: 24 keys, 24 distinct kids" \
  test "$(wc -l <"$tmp/listed") $(sort -u "$tmp/listed" | wc -l)" = "24 24"
check "T4 is signed by the newest attestation key (the only active one)" \
  test "$(hdr_kid t4)" = "$($py -c 'import json,sys; print([k["kid"] for k in json.load(open(sys.argv[1])) if k["purpose"]=="attestation" and k["state"]=="active"])' "$tmp/keys.json" | tr -d "[]'")"
check "every kid of every JWKS served is one of the listed keys" \
  test "$(sort -u "$allkids" | comm -23 - <(sort -u "$tmp/listed") | wc -l)" = 0
check "the last JWKS has 24 keys (none dropped in real time), each kid once" \
  test "$($py -c 'import json,sys; k=[x["kid"] for x in json.load(open(sys.argv[1]))["keys"]]; print(len(k), len(set(k)))' "$tmp/rlast.jwks")" = "24 24"
check "no JWKS snapshot lists a kid twice" \
  $py -c 'import json,sys
for f in sys.argv[1:]:
    k = [x["kid"] for x in json.load(open(f))["keys"]]
    assert len(k) == len(set(k)), f' "$tmp"/*.jwks
check "T1, T2 and T3 still verify (in real time) after 21 more rotations" \
  test "$(verify t1)|$(verify t2)|$(verify t3)" = "200 true valid|200 true valid|200 true valid"
stop "the server after 21 rotations"
tap_done
