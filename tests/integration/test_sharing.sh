#!/usr/bin/env bash
# Record sharing between instances (issue 5 scope item 5) on the real binaries, over h2c: a
# Shanghai instance (S) exports a signed batch about a Yiwu merchant; Yiwu (Y) pins S's key in
# trust/partners.json and stores it through POST /v1/shared-records and `yrdcredit share
# import`; tampered, replayed, untrusted, wrong-recipient, wrong-origin and smuggled
# natural-person batches are refused whole with their reason and store nothing; the shared
# N11 changes the merchant's score exactly as the same record ingested locally (L) does, when
# the recognition policy recognises serious_dishonesty from Shanghai, and not otherwise (Y2);
# batch size at the limit and one past it (TAP output).
# usage: test_sharing.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
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
command -v curl >/dev/null || bail "curl is not installed (scripts/deps.sh)"
command -v faketime >/dev/null || bail "faketime is not installed (scripts/deps.sh)"
$py -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' 2>/dev/null ||
  bail "python3-cryptography is not installed (scripts/deps.sh)"
free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Access control is on by default (issue 6 item 1): each instance's admin token (tokens[NAME],
# made by inst()) goes with every request to that instance's port.
declare -A tokens
h2() {
  local n tok=
  for n in "${!tokens[@]}"; do
    case "$*" in *":${port[$n]:-none}/"*) tok=${tokens[$n]} ;; esac
  done
  curl -s --http2-prior-knowledge --max-time 10 ${tok:+-H "authorization: Bearer $tok"} "$@"
}

merchant=92330782MA2KDDUY4M # 义乌市义亭聚源饰品店, in samples/yiwu-records.jsonl

# The Shanghai court's 失信被执行人 record about the Yiwu merchant (a generic record).
cat >"$tmp/n11.jsonl" <<'EOF'
{"subject_type":"individual_business","subject_id":"92330782MA2KDDUY4M","name":"义乌市义亭聚源饰品店","code":"N11","decision_no":"（2025）沪0101执1234号","decision_date":"2025-06-10","authority_name":"上海市黄浦区人民法院","authority_uscc":"11310000425000022W","legal_basis":"《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条","region":"310101"}
EOF

declare -A port pidof
# NAME CITY REGION [SERVE]: data dir $tmp/NAME; starts yrdcreditd on h2c when SERVE is 1
inst() {
  local name=$1 d="$tmp/$1"
  "$cli" init "$d" >/dev/null 2>&1 || bail "yrdcredit init $name failed"
  tokens[$name]=$(yc_token "$cli" "$d" admin test) || bail "clients add $name failed"
  $py - "$d/config.json" "$2" "$3" <<'EOF' || bail "config $name"
import json, sys
j = json.load(open(sys.argv[1]))
j["attest"] = {"issuer": "https://attest.%s.example" % sys.argv[2].lower(), "issuer_city": sys.argv[2],
               "issuer_region": sys.argv[3]}
json.dump(j, open(sys.argv[1], "w"), indent=2)
EOF
}
serve() {
  local name=$1 d="$tmp/$1"
  port[$name]=$(free_port)
  "$daemon" --data "$d" --listen off --h2c-listen "127.0.0.1:${port[$name]}" --workers 2 \
    2>"$tmp/$name.err" &
  pidof[$name]=$!
  pids+=($!)
  for _ in $(seq 150); do
    [ "$(h2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$name]}/healthz")" = 200 ] && return 0
    kill -0 "${pidof[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/# /' "$tmp/$name.err"
  bail "yrdcreditd of $name did not answer /healthz"
}
inst S Shanghai 310000
inst Y Yiwu 330782
inst Y2 Yiwu 330782
inst L Yiwu 330782
inst U Nanjing 320100
for i in Y Y2 L; do
  "$cli" --data "$tmp/$i" import "$src"/samples/yiwu-records.jsonl >/dev/null 2>&1 || bail "import samples into $i"
done
"$cli" --data "$tmp/S" import "$tmp/n11.jsonl" >/dev/null 2>&1 || bail "import n11 into S"
"$cli" --data "$tmp/L" import "$tmp/n11.jsonl" >/dev/null 2>&1 || bail "import n11 into L"
# Y2 recognises only Shanghai's red list (not serious_dishonesty)
$py - "$tmp/Y2/policy/recognition.json" <<'EOF' || bail "recognition of Y2"
import json, sys
j = json.load(open(sys.argv[1]))
rules = [r for r in j["rules"] if r["host"] == "330782" and r["issuer"] == "310000"]
assert len(rules) == 1 and "serious_dishonesty" in rules[0]["lists"], rules
rules[0]["lists"] = ["red"]
json.dump(j, open(sys.argv[1], "w"), ensure_ascii=False, indent=2)
EOF
for i in S Y Y2 L; do serve $i; done
ok "four yrdcreditd (Shanghai, Yiwu, Yiwu without recognition, Yiwu local) answer /healthz"

# --- trust: Y and Y2 pin S's attestation key; Y also pins "mallory" (a test key, Nanjing) ---
kid_of() { "$cli" --data "$tmp/$1" keys list --json |
  $py -c 'import json,sys; print([k["kid"] for k in json.load(sys.stdin) if k["purpose"]=="attestation" and k["state"]=="active"][-1])'; }
kS=$(kid_of S)
h2 -o "$tmp/s.jwks.json" "http://127.0.0.1:${port[S]}/.well-known/jwks.json"
cat >"$tmp/mallory.py" <<'EOF'
"""keygen KEY JWKS -> prints kid; sign KEY PAYLOAD -> prints a JWS (typ yrdcredit-share+jwt)."""
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def pub(k):
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def kid(k):
    return b64(hashlib.sha256(json.dumps({"crv": "Ed25519", "kty": "OKP", "x": b64(pub(k))},
               separators=(",", ":"), sort_keys=True).encode()).digest())
if sys.argv[1] == "keygen":
    k = Ed25519PrivateKey.generate()
    open(sys.argv[2], "wb").write(k.private_bytes(serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw, serialization.NoEncryption()))
    json.dump({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64(pub(k)), "kid": kid(k)}]},
              open(sys.argv[3], "w"))
    print(kid(k))
else:
    k = Ed25519PrivateKey.from_private_bytes(open(sys.argv[2], "rb").read())
    h = b64(json.dumps({"alg": "EdDSA", "typ": "yrdcredit-share+jwt", "kid": kid(k)},
                       separators=(",", ":")).encode())
    p = b64(open(sys.argv[3], "rb").read())
    print(h + "." + p + "." + b64(k.sign((h + "." + p).encode())))
EOF
kM=$($py "$tmp/mallory.py" keygen "$tmp/mallory.key" "$tmp/m.jwks.json") || bail "mallory keygen"
registry() { # DATA, then ISSUER REGION JWKS KID quadruples
  local d=$1; shift
  mkdir -p "$d/trust" && chmod 700 "$d/trust"
  $py - "$d" "$@" <<'EOF' || bail "partners.json of $d"
import json, shutil, sys
d, a = sys.argv[1], sys.argv[2:]
ps = []
for i in range(0, len(a), 4):
    name = "p%d.jwks.json" % (i // 4)
    shutil.copy(a[i + 2], d + "/trust/" + name)
    ps.append({"issuer": a[i], "city": "C%d" % i, "region": a[i + 1], "pins": [a[i + 3]],
               "jwks_url": a[i] + "/.well-known/jwks.json", "jwks_file": name, "status_lists": []})
json.dump({"partners": ps}, open(d + "/trust/partners.json", "w"), indent=2)
EOF
}
registry "$tmp/Y" https://attest.shanghai.example 310000 "$tmp/s.jwks.json" "$kS" \
  https://attest.nanjing.example 320100 "$tmp/m.jwks.json" "$kM"
registry "$tmp/Y2" https://attest.shanghai.example 310000 "$tmp/s.jwks.json" "$kS"

post() { # INSTANCE FILE: POST /v1/shared-records; prints "HTTP reason-or-stored"; body in $tmp/post.json
  h2 -o "$tmp/post.json" -w '%{http_code}' -H 'content-type: application/jose' --data-binary "@$2" \
    "http://127.0.0.1:${port[$1]}/v1/shared-records" >"$tmp/post.code"
  printf '%s %s\n' "$(cat "$tmp/post.code")" "$($py -c 'import json,sys
v = json.load(open(sys.argv[1]))
print(v.get("reason") or "stored=%d duplicates=%d from=%s" % (v["stored"], v["duplicates"], v["from"]), v.get("field", ""))' "$tmp/post.json" 2>/dev/null)"
}
records() { # INSTANCE: "count shared-origins" of the merchant's records over HTTP
  h2 "http://127.0.0.1:${port[$1]}/v1/subjects/$merchant/records?limit=100" |
    $py -c 'import json,sys; r=json.load(sys.stdin)["records"]; print(len(r), sorted(x["origin"] for x in r if x["origin"]))'
}
score() { # INSTANCE: "score grade [reason codes]" of the merchant
  h2 "http://127.0.0.1:${port[$1]}/v1/subjects/$merchant/score" |
    $py -c 'import json,sys; s=json.load(sys.stdin); print(s["score"], s["grade"], [r["code"] for r in s["reasons"]])'
}
payload() { cut -d. -f2 "$1" | $py -c 'import base64,json,sys; s=sys.stdin.read().strip(); print(json.dumps(json.loads(base64.urlsafe_b64decode(s+"="*(-len(s)%4))), ensure_ascii=False))'; }
sign() { $py "$tmp/mallory.py" sign "$tmp/mallory.key" "$1"; }

before_y=$(records Y)
before_score=$(score Y)
local_score=$(score L)
check "before: Y has the merchant's sample records, none shared (got $before_y)" \
  eval '[ "${before_y#* }" = "[]" ] && [ "${before_y%% *}" -gt 0 ]'
check "the local N11 changes L's score (Y: $before_score, L: $local_score)" test "$before_score" != "$local_score"

# --- origin cannot be set by an import file or POST /v1/records ---
sed 's/"region":"310101"}/"region":"310101","origin":"310000"}/' "$tmp/n11.jsonl" >"$tmp/orig.jsonl"
"$cli" --data "$tmp/Y" import "$tmp/orig.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "Y: yrdcredit import of a record with origin: exit 1, rejected as unknown key" \
  eval '[ $rc -eq 1 ] && grep -q "origin: unknown key" "$tmp/err"'
check "Y: POST /v1/records with origin: refused as unknown key /origin" test \
  "$(h2 -H 'content-type: application/json' --data-binary "@$tmp/orig.jsonl" "http://127.0.0.1:${port[Y]}/v1/records")" = \
  '{"results":[{"index":0,"error":{"field":"/origin","reason":"unknown key"}}]}'
check "... nothing stored" test "$(records Y)" = "$before_y"

# --- export ---
"$cli" --data "$tmp/S" share export --to 330782 --since 2020-01-01 --out "$tmp/b1.jws" 2>"$tmp/err"
rc=$?
check "S: share export --to 330782: exit 0 (got $rc)" test $rc -eq 0
check "... the batch is one JWS of three parts with header typ yrdcredit-share+jwt and S's kid" \
  $py -c 'import base64,json,sys
t = open(sys.argv[1]).read().strip().split(".")
h = json.loads(base64.urlsafe_b64decode(t[0] + "=" * (-len(t[0]) % 4)))
assert len(t) == 3 and h == {"alg": "EdDSA", "typ": "yrdcredit-share+jwt", "kid": sys.argv[2]}, h' "$tmp/b1.jws" "$kS"
check "... payload: format, 22-char batch_id, from 310000, to 330782, since, one N11 record" \
  $py -c 'import json,sys,time
p = json.loads(sys.argv[1])
assert list(p) == ["format", "batch_id", "from", "to", "iat", "since", "records"], list(p)
assert p["format"] == "yrdcredit-share/1" and len(p["batch_id"]) == 22 and p["from"] == "310000"
assert p["to"] == "330782" and p["since"] == "2020-01-01" and abs(p["iat"] - time.time()) < 60, p
r = p["records"]
assert len(r) == 1 and r[0]["code"] == "N11" and r[0]["subject_id"] == sys.argv[2], r
assert r[0]["origin_record_id"] == "1" and "origin" not in r[0] and "doc_number" not in r[0], r' \
  "$(payload "$tmp/b1.jws")" "$merchant"
"$cli" --data "$tmp/S" share export --to 330782 --since 2099-01-01 --out "$tmp/empty.jws" 2>/dev/null
check "S: --since after every ingest: exit 0 and no record" \
  eval '[ $? -eq 0 ] && [ "$(payload "$tmp/empty.jws" | $py -c "import json,sys; print(len(json.load(sys.stdin)[\"records\"]))")" = 0 ]'
"$cli" --data "$tmp/S" share export --to 33078 --since 2020-01-01 >/dev/null 2>&1
check "S: --to of 5 digits: exit 2" test $? -eq 2

# --- refused batches: nothing stored ---
tamper() { # FILE PART(1 payload, 2 signature) OUT: one character changed in the middle
  $py - "$1" "$2" "$3" <<'EOF'
import sys
t = open(sys.argv[1]).read().strip().split(".")
i = int(sys.argv[2]); s = t[i]; m = len(s) // 2
t[i] = s[:m] + ("A" if s[m] != "A" else "B") + s[m + 1:]
open(sys.argv[3], "w").write(".".join(t))
EOF
}
tamper "$tmp/b1.jws" 1 "$tmp/tp.jws"
tamper "$tmp/b1.jws" 2 "$tmp/ts.jws"
check "Y: one payload character changed: 422 bad_signature" test "$(post Y "$tmp/tp.jws")" = "422 bad_signature "
check "Y: one signature character changed: 422 bad_signature" test "$(post Y "$tmp/ts.jws")" = "422 bad_signature "
"$cli" --data "$tmp/U" share export --to 330782 --since 2020-01-01 --out "$tmp/u.jws" 2>/dev/null
check "Y: a batch of Nanjing's instance, not in the registry: 422 untrusted_issuer" \
  test "$(post Y "$tmp/u.jws")" = "422 untrusted_issuer "
"$cli" --data "$tmp/S" share export --to 330100 --since 2020-01-01 --out "$tmp/hz.jws" 2>/dev/null
check "Y: S's batch for Hangzhou (330100): 422 wrong_recipient" test "$(post Y "$tmp/hz.jws")" = "422 wrong_recipient to"
payload "$tmp/b1.jws" | $py -c 'import json,sys
p = json.load(sys.stdin); p["records"][0]["decision_no"] = "（2025）沪0101执9999号"
sys.stdout.write(json.dumps(p, ensure_ascii=False))' >"$tmp/wo.json"
sign "$tmp/wo.json" >"$tmp/wo.jws"
check "Y: mallory (pinned for Nanjing 320100) signs a batch claiming from 310000: 422 wrong_origin" \
  test "$(post Y "$tmp/wo.jws")" = "422 wrong_origin from"
payload "$tmp/b1.jws" | $py -c 'import json,sys
p = json.load(sys.stdin); p["from"] = "320100"; p["batch_id"] = "smuggledsmuggledsmuggl"
good = dict(p["records"][0], decision_no="（2025）宁执1号")
person = {"subject_type": "natural_person", "doc_type": "resident_id",
          "doc_number": "330782198503121230", "name": "王小明", "code": "N11",
          "decision_no": "（2025）宁执2号", "decision_date": "2025-06-10",
          "authority_name": good["authority_name"], "authority_uscc": good["authority_uscc"],
          "origin_record_id": "2"}
p["records"] = [good, person]
sys.stdout.write(json.dumps(p, ensure_ascii=False))' >"$tmp/np.json"
sign "$tmp/np.json" >"$tmp/np.jws"
check "Y: a natural person's record smuggled into a signed batch: 400 malformed records[1].subject_type" \
  test "$(post Y "$tmp/np.jws")" = "400 malformed records[1].subject_type"
check "... the problem is problem+json naming the reason" \
  $py -c 'import json,sys; v=json.load(open(sys.argv[1])); assert v["type"] == "urn:yrdcredit:problem:shared-batch-refused" and v["status"] == 400, v' "$tmp/post.json"
check "after 6 refused batches Y still has exactly its own records (got $(records Y))" test "$(records Y)" = "$before_y"
check "... and the merchant's score is unchanged" test "$(score Y)" = "$before_score"
h2 -o /dev/null -w '%{http_code}' -H 'content-type: text/plain' --data-binary "@$tmp/b1.jws" \
  "http://127.0.0.1:${port[Y]}/v1/shared-records" >"$tmp/code"
check "Y: the batch as text/plain: 415" test "$(cat "$tmp/code")" = 415

# --- stored ---
check "Y: S's batch: 201 stored=1 duplicates=0 from=310000" test "$(post Y "$tmp/b1.jws")" = "201 stored=1 duplicates=0 from=310000 "
check "... 201 body is {batch_id, from, stored, duplicates}" \
  $py -c 'import json,sys; v=json.load(open(sys.argv[1])); assert list(v) == ["batch_id","from","stored","duplicates"] and v["batch_id"] == json.loads(sys.argv[2])["batch_id"], v' \
  "$tmp/post.json" "$(payload "$tmp/b1.jws")"
after_y=$(records Y)
check "Y's records listing shows the shared record with origin 310000 (got $after_y)" \
  test "$after_y" = "$((${before_y%% *} + 1)) ['310000']"
check "Y: the same batch again: 409 replayed" test "$(post Y "$tmp/b1.jws")" = "409 replayed batch_id"
"$cli" --data "$tmp/Y" share import "$tmp/b1.jws" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "Y: share import of the same batch: exit 2, refused replayed" \
  eval '[ $rc -eq 2 ] && grep -q "\"refused\":\"replayed\"" "$tmp/out"'
check "... still one shared record" test "$(records Y)" = "$after_y"
check "Y recognises Shanghai's serious_dishonesty: the score equals L's with the same N11 local ($(score Y) vs $local_score)" \
  test "$(score Y)" = "$local_score"

"$cli" --data "$tmp/S" share export --to 330700 --since 2020-01-01 --out "$tmp/b2.jws" 2>/dev/null
payload "$tmp/b2.jws" | $py -c 'import json,sys; p=json.load(sys.stdin); assert p["to"] == "330700" and len(p["records"]) == 1' &&
  ok "S: export --to 330700 (金华市) selects the Yiwu merchant by city prefix" || nok "S: export --to 330700 (金华市)"
"$cli" --data "$tmp/S" share export --to 330782 --since 2020-01-01 --out "$tmp/b3.jws" 2>/dev/null
"$cli" --data "$tmp/Y2" share import "$tmp/b3.jws" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "Y2: share import of a fresh batch: exit 0, stored 1 (got $rc: $(cat "$tmp/out"))" \
  eval '[ $rc -eq 0 ] && $py -c "import json,sys; v=json.load(open(sys.argv[1])); assert v[\"stored\"] == 1 and v[\"duplicates\"] == 0 and v[\"from\"] == \"310000\", v" "$tmp/out"'
check "Y2 shows the shared record ($(records Y2))" test "$(records Y2)" = "$after_y"
check "Y2 does not recognise Shanghai's serious_dishonesty: the score is unchanged ($(score Y2))" \
  test "$(score Y2)" = "$before_score"
check "Y: a fresh batch of the same record via the CLI: stored 0, duplicates 1" \
  eval '"$cli" --data "$tmp/Y" share import "$tmp/b3.jws" | grep -q "\"stored\":0,\"duplicates\":1"'

# --- issue 5 review finding 13: only the origin that shared a record may supersede it ---
payload "$tmp/b1.jws" | $py -c 'import json,sys
p = json.load(sys.stdin); p["from"] = "320100"; p["batch_id"] = "otherOriginSameKey0001"
p["records"][0]["status"] = "repaired"
sys.stdout.write(json.dumps(p, ensure_ascii=False))' >"$tmp/oo.json"
sign "$tmp/oo.json" >"$tmp/oo.jws"
check "issue 5: Nanjing's batch carrying Shanghai's record key (changed): 201 stored=0 duplicates=1 from=320100" \
  test "$(post Y "$tmp/oo.jws")" = "201 stored=0 duplicates=1 from=320100 "
check "... the record keeps origin 310000 and status active ($(records Y))" eval '[ "$(records Y)" = "$after_y" ] &&
  h2 "http://127.0.0.1:${port[Y]}/v1/subjects/$merchant/records?limit=100" | $py -c "import json,sys
r = [x for x in json.load(sys.stdin)[\"records\"] if x[\"origin\"]]
assert [(x[\"origin\"], x[\"status\"]) for x in r] == [(\"310000\", \"active\")], r"'

# --- issue 5 review finding 4: today is the Shanghai date, also between 00:00 and 08:00 ---
# 2026-03-01T17:00:00Z is 2026-03-02 01:00 in Shanghai: a record dated 2026-03-02 is today's.
dated() { # DATE BATCH_ID OUT
  payload "$tmp/b1.jws" | $py -c 'import json,sys
p = json.load(sys.stdin); p["from"] = "320100"; p["batch_id"] = sys.argv[2]
p["records"][0].update(decision_no="（2026）宁执%s号" % sys.argv[1], decision_date=sys.argv[1])
sys.stdout.write(json.dumps(p, ensure_ascii=False))' "$1" "$2" >"$tmp/dated.json"
  sign "$tmp/dated.json" >"$3"
}
dated 2026-03-02 todayShanghaiAt0100xxx "$tmp/today.jws"
dated 2026-03-03 tomorrowShanghai0100xx "$tmp/tomorrow.jws"
# libfaketime is preloaded before the ASan runtime of a sanitized build: tell ASan that is fine
at_0100() { TZ=UTC ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  faketime -f '@2026-03-01 17:00:00' "$@"; }
at_0100 "$cli" --data "$tmp/Y" share import "$tmp/today.jws" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "issue 5: at 01:00 Shanghai (17:00 UTC the day before) a record dated today (Shanghai) is stored (got $rc: $(cat "$tmp/out"))" \
  eval '[ $rc -eq 0 ] && grep -q "\"stored\":1,\"duplicates\":0" "$tmp/out"'
at_0100 "$cli" --data "$tmp/Y" share import "$tmp/tomorrow.jws" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "... a record dated the next Shanghai day is refused whole as malformed records[0].decision_date (got $rc: $(cat "$tmp/out"))" \
  eval '[ $rc -eq 2 ] && $py -c "import json,sys; v=json.load(open(sys.argv[1])); assert v[\"refused\"] == \"malformed\" and v[\"field\"] == \"records[0].decision_date\", v" "$tmp/out"'
after_y=$(records Y) # now with the record of 2026-03-02 from 320100

# --- limits: YC_SHARE_MAX_RECORDS = 1000 records per batch ---
batch_of() { # N ID FILE
  payload "$tmp/b1.jws" | $py -c 'import json,sys
p = json.load(sys.stdin); n = int(sys.argv[1]); p["from"] = "320100"; p["batch_id"] = sys.argv[2]
r = p["records"][0]
p["records"] = [dict(r, decision_no="（2025）宁执%d号" % i, code="N03", origin_record_id=str(i + 1))
                for i in range(n)]
sys.stdout.write(json.dumps(p, ensure_ascii=False))' "$1" "$2" >"$tmp/lim.json"
  sign "$tmp/lim.json" >"$3"
}
batch_of 1001 limit1001limit1001limi "$tmp/l1001.jws"
"$cli" --data "$tmp/Y" share import "$tmp/l1001.jws" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "Y: 1001 records (limit + 1): exit 2, refused too_large" \
  eval '[ $rc -eq 2 ] && grep -q "\"refused\":\"too_large\"" "$tmp/out"'
check "... nothing stored" test "$(records Y)" = "$after_y"
check "Y: the same 1001 records over HTTP: 413 too_large" test "$(post Y "$tmp/l1001.jws")" = "413 too_large records"
batch_of 1000 limit1000limit1000limi "$tmp/l1000.jws"
"$cli" --data "$tmp/Y" share import "$tmp/l1000.jws" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "Y: 1000 records (the limit): exit 0, stored 1000" \
  eval '[ $rc -eq 0 ] && grep -q "\"stored\":1000,\"duplicates\":0" "$tmp/out"'

# export at the limit and one past it: U (Nanjing) holds 1000, then 1001 records of the merchant
$py - "$tmp/n11.jsonl" 1000 >"$tmp/u1000.jsonl" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read())
for i in range(int(sys.argv[2])):
    print(json.dumps(dict(r, decision_no="（2025）宁执%d号" % i, code="N03"), ensure_ascii=False))
EOF
"$cli" --data "$tmp/U" import "$tmp/u1000.jsonl" >/dev/null 2>&1 || bail "import 1000 into U"
"$cli" --data "$tmp/U" share export --to 330782 --since 2020-01-01 --out "$tmp/e1000.jws" 2>"$tmp/err"
rc=$?
check "U: export of 1000 selected records (the limit): exit 0, 1000 records" \
  eval '[ $rc -eq 0 ] && [ "$(payload "$tmp/e1000.jws" | $py -c "import json,sys; print(len(json.load(sys.stdin)[\"records\"]))")" = 1000 ]'
sed -n 1p "$tmp/n11.jsonl" | sed 's/执1234号/执5678号/' >"$tmp/one.jsonl"
"$cli" --data "$tmp/U" import "$tmp/one.jsonl" >/dev/null 2>&1 || bail "import 1 more into U"
"$cli" --data "$tmp/U" share export --to 330782 --since 2020-01-01 --out "$tmp/e1001.jws" 2>"$tmp/err"
rc=$?
check "U: export of 1001 selected records: exit 2, 'more than 1000 records', no file" \
  eval '[ $rc -eq 2 ] && grep -q "more than 1000 records" "$tmp/err" && [ ! -e "$tmp/e1001.jws" ]'

# two concurrent imports of one fresh batch into Y2: exactly one stores it
"$cli" --data "$tmp/S" share export --to 330782 --since 2020-01-01 --out "$tmp/b4.jws" 2>/dev/null
"$cli" --data "$tmp/Y2" share import "$tmp/b4.jws" >"$tmp/c1.out" 2>/dev/null &
c1=$!
"$cli" --data "$tmp/Y2" share import "$tmp/b4.jws" >"$tmp/c2.out" 2>/dev/null &
c2=$!
wait $c1; r1=$?
wait $c2; r2=$?
check "Y2: two concurrent share imports of one batch: one exit 0, the other refused replayed ($r1/$r2)" \
  eval '[ $((r1 + r2)) -eq 2 ] && [ $((r1 * r2)) -eq 0 ] && cat "$tmp/c1.out" "$tmp/c2.out" | grep -c "\"refused\":\"replayed\"" | grep -qx 1'

# SIGTERM: each server exits 0 (under ASan, LeakSanitizer fails the exit on a leak)
for i in S Y Y2 L; do
  kill -TERM "${pidof[$i]}"
  wait "${pidof[$i]}"
  rc=$?
  check "$i: SIGTERM exits 0 (got $rc)" test $rc -eq 0
  [ $rc -eq 0 ] || sed 's/^/# /' "$tmp/$i.err"
done
pids=()

tap_done
