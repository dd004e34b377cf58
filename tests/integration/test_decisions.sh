#!/usr/bin/env bash
# 联合奖惩 decisions over HTTP/2 (issue 5 scope item 4): POST /v1/decisions and
# GET /v1/decisions/{id} against the real yrdcreditd of Yiwu (A) and Hangzhou (B) on loopback:
# local rewards and penalties (prior notice: pending, then in effect), determinism, the stored
# object byte-identical, every malformed body a problem naming the field, the signature checked
# against the instance's JWKS, durability across kill -9, and partner attestations of A decided
# in B (a reward through the recognition policy, penalties through the attested `lists`).
# Regressions of issue 6 (breaker report defect 1): a local decision is in the subject's query
# log (route "decision") before its 201, one on a partner's attestation is not; a decision is
# readable only by the client that asked for it and by admins (others 404).
# usage: test_decisions.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
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

merchant_a=91330782MADEC0A10F # grade A, red-listed (tests/data/decisions/records.jsonl)
debtor=91330782MADEC0N13W     # N11 失信被执行人 decided 2026-03-02 (Monday)
max_body=4096

declare -A tls h2c pidof
start() { # NAME: (re)start the daemon of NAME and wait for /healthz
  local name=$1 d="$tmp/$1"
  "$daemon" --data "$d" --listen "127.0.0.1:${tls[$name]}" --h2c-listen "127.0.0.1:${h2c[$name]}" \
    --workers 2 2>>"$tmp/$name.err" &
  pidof[$name]=$!
  pids+=($!)
  disown "$!"
  for _ in $(seq 150); do
    [ "$(h2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${h2c[$name]}/healthz")" = 200 ] && return 0
    kill -0 "${pidof[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/# /' "$tmp/$name.err"
  bail "yrdcreditd of $name did not answer /healthz"
}
city() { # NAME CITY REGION
  local name=$1 d="$tmp/$1"
  tls[$name]=$(free_port)
  h2c[$name]=$(free_port)
  "$cli" init "$d" >/dev/null 2>&1 || bail "yrdcredit init $name failed"
  "$cli" --data "$d" import "$src"/samples/yiwu-records.jsonl "$src"/tests/data/decisions/records.jsonl \
    >/dev/null 2>&1 || bail "import $name failed"
  tokens[$name]=$(yc_token "$cli" "$d" admin test) || bail "clients add $name failed"
  $py - "$d/config.json" "https://127.0.0.1:${tls[$name]}" "$2" "$3" "$max_body" <<'EOF' || bail "config $name"
import json, sys
j = json.load(open(sys.argv[1]))
j["attest"] = {"issuer": sys.argv[2], "issuer_city": sys.argv[3], "issuer_region": sys.argv[4]}
j.setdefault("server", {})["max_body_bytes"] = int(sys.argv[5])
json.dump(j, open(sys.argv[1], "w"), indent=2)
EOF
}
city A Yiwu 330782
city B Hangzhou 330100
# B recognises A's attestation type (its vct is A's issuer URL + /vct/credit-score/v1)
$py - "$tmp/B/policy/recognition.json" "https://127.0.0.1:${tls[A]}/vct/credit-score/v1" <<'EOF' || bail "recognition B"
import json, sys
j = json.load(open(sys.argv[1]))
for r in j["rules"]:
    if r["host"] == "330100" and r["issuer"] == "330782":
        r["vct"] = sys.argv[2]
json.dump(j, open(sys.argv[1], "w"), ensure_ascii=False, indent=2)
EOF
# issue 6: two partners of A, and the merchant's subject client in A and in B (query logs)
tok_pa=$(yc_token "$cli" "$tmp/A" partner "partner a") || bail "clients add partner a"
tok_pb=$(yc_token "$cli" "$tmp/A" partner "partner b") || bail "clients add partner b"
tok_sa=$(yc_token "$cli" "$tmp/A" subject "merchant a" --subject "$merchant_a") || bail "subject A"
tok_sb=$(yc_token "$cli" "$tmp/B" subject "merchant a" --subject "$merchant_a") || bail "subject B"
id_pa=$("$cli" --data "$tmp/A" clients list | awk -F'\t' '$4 == "partner a" {print $1}')
id_admin_a=$("$cli" --data "$tmp/A" clients list | awk -F'\t' '$4 == "test" {print $1}')
as_client() { # TOKEN CURL-ARGS...: a request with that token instead of the city's admin token
  local tok=$1
  shift
  curl -s --http2-prior-knowledge --max-time 10 -H "authorization: Bearer $tok" "$@"
}
start A
start B
ok "yrdcreditd of Yiwu and Hangzhou answer /healthz"
urlA="http://127.0.0.1:${h2c[A]}"
urlB="http://127.0.0.1:${h2c[B]}"

decide() { # URL BODY NAME: POST /v1/decisions; body in $tmp/NAME.json, headers in $tmp/NAME.h; prints status
  h2 -o "$tmp/$3.json" -D "$tmp/$3.h" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary "$2" "$1/v1/decisions"
}
# FILE PYTHON-EXPRESSION over d (the decision): ok when it holds
holds() { $py -c 'import json,sys; d=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); sys.exit(0 if r is True else (print("# got", json.dumps(d, ensure_ascii=False)[:1500]) or 1))' "$1" "$2"; }
problem() { # NAME STATUS FIELD: the answer is a problem+json of STATUS naming FIELD
  local code
  code=$(cat "$tmp/$1.code")
  [ "$code" = "$2" ] || { echo "# status $code, want $2: $(head -c 300 "$tmp/$1.json")"; return 1; }
  grep -qi '^content-type: application/problem+json' "$tmp/$1.h" || { echo "# not problem+json"; return 1; }
  holds "$tmp/$1.json" "d['status'] == $2 and d.get('field') == '$3'"
}

# --- local subjects (Yiwu deciding for its own records) ---
code=$(decide "$urlA" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"as_of\":\"2026-07-01\"}" r1)
check "grade-A merchant, deposit_waiver: 201 (got $code)" test "$code" = 201
check "... location: /v1/decisions/<its id> (RFC 9110 §10.2.2)" \
  test "$(tr -d '\r' <"$tmp/r1.h" | sed -n 's/^location: //p')" = \
       "/v1/decisions/$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/r1.json")"
check "... the one deposit_waiver measure applies: 330782-R-002 by grade:A, nothing else considered" \
  holds "$tmp/r1.json" "[(m['id'], m['kind'], m['triggered_by']) for m in d['measures']] == [('330782-R-002', 'reward', 'grade:A')] and d['not_applicable'] == []"
check "... the measure carries text zh/en, department and legal basis as the catalogue" \
  holds "$tmp/r1.json" "(lambda m, c: m['text'] == c['text'] and m['department'] == c['department'] and m['legal_basis'] == c['legal_basis'])(d['measures'][0], [x for x in json.load(open('$tmp/A/policy/measures/330782.json'))['measures'] if x['id'] == '330782-R-002'][0])"
check "... id dec_+22, subject, matter, region 330782 (the default), as_of, created_at, local evidence grade A" \
  holds "$tmp/r1.json" "len(d['id']) == 26 and d['id'].startswith('dec_') and d['subject_id'] == '$merchant_a' and d['matter'] == 'deposit_waiver' and d['region'] == '330782' and d['as_of'] == '2026-07-01' and len(d['created_at']) == 20 and d['evidence']['kind'] == 'local' and d['evidence']['grade'] == 'A' and [l['list'] for l in d['evidence']['listings']] == ['red']"
code=$(decide "$urlA" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"as_of\":\"2026-07-01\"}" r2)
check "the same request twice: 201, another id, identical measures and not_applicable" \
  $py -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if sys.argv[3] == "201" and a["id"] != b["id"] and a["measures"] == b["measures"] and a["not_applicable"] == b["not_applicable"] else 1)' "$tmp/r1.json" "$tmp/r2.json" "$code"
code=$(decide "$urlA" "{\"subject_id\":\"$merchant_a\",\"matter\":\"loan_approval\",\"as_of\":\"2026-07-01\"}" r3)
check "red-listed merchant, loan_approval: 330782-R-004 by list:red with the list's legal basis" \
  holds "$tmp/r3.json" "[(m['id'], m['triggered_by']) for m in d['measures']] == [('330782-R-004', 'list:red')] and '国发〔2016〕33号' in d['measures'][0]['list_legal_basis']"

code=$(decide "$urlA" "{\"subject_id\":\"$debtor\",\"matter\":\"high_consumption\",\"as_of\":\"2026-04-01\"}" p1)
check "N11 past the notice period (as_of 2026-04-01), high_consumption: 201 (got $code)" test "$code" = 201
check "... 330782-P-003 applies by list:serious_dishonesty, with the list's legal basis" \
  holds "$tmp/p1.json" "[(m['id'], m['kind'], m['triggered_by']) for m in d['measures']] == [('330782-P-003', 'penalty', 'list:serious_dishonesty')] and '失信被执行人' in d['measures'][0]['list_legal_basis'] and d['not_applicable'] == []"
check "... evidence: serious_dishonesty from 2026-03-02, effective 2026-03-09 (5 working days), not pending, N11" \
  holds "$tmp/p1.json" "[(l['list'], l['start'], l['effective_from'], l['pending'], l['codes']) for l in d['evidence']['listings']] == [('serious_dishonesty', '2026-03-02', '2026-03-09', False, ['N11'])]"
code=$(decide "$urlA" "{\"subject_id\":\"$debtor\",\"matter\":\"high_consumption\",\"as_of\":\"2026-03-06\"}" p2)
check "N11 within the notice period (as_of 2026-03-06): 201, nothing applies, 330782-P-003 listing_pending" \
  holds "$tmp/p2.json" "d['measures'] == [] and d['not_applicable'] == [{'id': '330782-P-003', 'kind': 'penalty', 'reason': 'listing_pending'}] and d['evidence']['listings'][0]['pending'] is True"
code=$(decide "$urlA" "{\"subject_id\":\"$debtor\",\"matter\":\"government_procurement\",\"as_of\":\"2026-03-09\"}" p3)
check "N11 on its effective_from (2026-03-09), government_procurement: 330782-P-001 applies" \
  holds "$tmp/p3.json" "[(m['id'], m['triggered_by']) for m in d['measures']] == [('330782-P-001', 'list:serious_dishonesty')]"
code=$(decide "$urlA" "{\"subject_id\":\"$debtor\",\"matter\":\"deposit_waiver\",\"as_of\":\"2026-04-01\"}" p4)
check "N11 in effect blocks the grade reward: 330782-R-002 blocked_by_serious_dishonesty" \
  holds "$tmp/p4.json" "d['measures'] == [] and d['not_applicable'] == [{'id': '330782-R-002', 'kind': 'reward', 'reason': 'blocked_by_serious_dishonesty'}]"
code=$(decide "$urlA" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"region\":\"330100\",\"as_of\":\"2026-07-01\"}" h1)
check "region 330100 (another catalogue): 330100-R-001 by grade:A; 330100-R-002 (band) wrong_subject_type" \
  holds "$tmp/h1.json" "d['region'] == '330100' and [(m['id'], m['triggered_by']) for m in d['measures']] == [('330100-R-001', 'grade:A')] and d['not_applicable'] == [{'id': '330100-R-002', 'kind': 'reward', 'reason': 'wrong_subject_type'}]"

# regression of issue 5 (a new user's test): as_of before 1970 was a 500
for d in 1900-01-01 1969-12-31; do
  code=$(decide "$urlA" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"as_of\":\"$d\"}" old)
  check "as_of $d (before 1970, within 1900..2099): 201 (got $code)" test "$code" = 201
done

# --- regression of issue 6 (breaker report defect 1): the read is logged, the reader bound ---
qlog() { # URL TOKEN FILE: GET /v1/me/queries?limit=100 into FILE
  as_client "$2" -o "$3" "$1/v1/me/queries?limit=100"
}
qlog "$urlA" "$tok_sa" "$tmp/q0.json"
code=$(as_client "$tok_pa" -o "$tmp/pa1.json" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"as_of\":\"2026-07-01\"}" \
  "$urlA/v1/decisions")
qlog "$urlA" "$tok_sa" "$tmp/q1.json"
check "regression of issue 6: partner a decides on the merchant: 201 (got $code)" test "$code" = 201
check "regression of issue 6: ... exactly one new entry in the merchant's query log: partner a, role partner, route decision, 201, no purpose, no consent" \
  $py -c 'import json,sys
a=json.load(open(sys.argv[1]))["queries"]; b=json.load(open(sys.argv[2]))["queries"]
e=b[0]; got=(len(b)-len(a), e["client_id"], e["client_name"], e["role"], e["route"], e["status"], e["purpose"], e["consent_id"])
want=(1, sys.argv[3], "partner a", "partner", "decision", 201, None, None)
sys.exit(0 if got == want else (print("# got", got) or 1))' "$tmp/q0.json" "$tmp/q1.json" "$id_pa"
idpa=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/pa1.json")
as_client "$tok_pb" -o "$tmp/g.json" -D "$tmp/g.h" -w '%{http_code}' "$urlA/v1/decisions/$idpa" >"$tmp/g.code"
check "regression of issue 6: partner b's GET of partner a's decision: 404 naming id" problem g 404 id
check "regression of issue 6: ... kind unknown-decision, as for an id that does not exist" \
  holds "$tmp/g.json" "d['type'] == 'urn:yrdcredit:problem:unknown-decision'"
code=$(as_client "$tok_pa" -o "$tmp/pag.json" -w '%{http_code}' "$urlA/v1/decisions/$idpa")
check "regression of issue 6: partner a reads its decision: 200 (got $code), byte-identical" \
  eval 'test "$code" = 200 && cmp -s "$tmp/pa1.json" "$tmp/pag.json"'
code=$(h2 -o "$tmp/pah.json" -w '%{http_code}' "$urlA/v1/decisions/$idpa")
check "regression of issue 6: an admin reads partner a's decision: 200 (got $code), byte-identical" \
  eval 'test "$code" = 200 && cmp -s "$tmp/pa1.json" "$tmp/pah.json"'
code=$(decide "$urlA" "{\"subject_id\":\"$merchant_a\",\"matter\":\"loan_approval\",\"as_of\":\"2026-07-01\"}" ad1)
qlog "$urlA" "$tok_sa" "$tmp/q2.json"
check "regression of issue 6: an admin's decision (201, got $code) is logged too: one more entry, role admin, route decision" \
  $py -c 'import json,sys
a=json.load(open(sys.argv[1]))["queries"]; b=json.load(open(sys.argv[2]))["queries"]
got=(len(b)-len(a), b[0]["client_id"], b[0]["role"], b[0]["route"], b[0]["status"])
sys.exit(0 if got == (1, sys.argv[3], "admin", "decision", 201) else (print("# got", got) or 1))' \
  "$tmp/q1.json" "$tmp/q2.json" "$id_admin_a"
code=$(as_client "$tok_pb" -o /dev/null -w '%{http_code}' "$urlA/v1/decisions/$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/ad1.json")")
check "regression of issue 6: a partner's GET of an admin's decision: 404 (got $code)" test "$code" = 404

# --- GET /v1/decisions/{id} ---
id1=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/r1.json")
code=$(h2 -o "$tmp/g1.json" -w '%{http_code}' "$urlA/v1/decisions/$id1")
check "GET /v1/decisions/{id}: 200 (got $code)" test "$code" = 200
check "... byte-identical to the 201 body" cmp -s "$tmp/r1.json" "$tmp/g1.json"
h2 -o /dev/null "$urlA/v1/decisions/dec_330782195810317029AAAA" # a document number as the id
sleep 0.2 # the access log is written within 10 ms (yrdcreditd --help)
# issue 6 (breaker report defect 6, the access log's route names): logged as the route template
check "access log: GET /v1/decisions/{id} is logged as its route template; neither the id nor an id holding a 居民身份证号码 is logged" \
  sh -c "grep -q '\"path\":\"/v1/decisions/{id}\"' '$tmp/A.err' &&
         ! grep -q '$id1' '$tmp/A.err' && ! grep -q 330782195810317029 '$tmp/A.err'"
# regression of issue 5 (bench/decisions): a use-after-free when the committer completed a
# decision before the handler had handed its answer over; many concurrent decisions, all 201
command -v h2load >/dev/null || bail "h2load is not installed (scripts/deps.sh)"
printf '{"subject_id":"%s","matter":"deposit_waiver","as_of":"2026-07-01"}' "$merchant_a" >"$tmp/burst.json"
h2load -n 3000 -c 8 -m 16 -t 1 -d "$tmp/burst.json" -H 'content-type: application/json' \
  -H "authorization: Bearer ${tokens[A]}" "$urlA/v1/decisions" >"$tmp/burst.out" 2>&1
check "3000 concurrent POST /v1/decisions (8 connections x 16 streams): 3000 succeeded, all 2xx" \
  grep -q 'requests: 3000 total, 3000 started, 3000 done, 3000 succeeded, 0 failed' "$tmp/burst.out"
check "... and the server still answers" test "$(h2 -o /dev/null -w '%{http_code}' "$urlA/healthz")" = 200
for c in "unknown dec_AAAAAAAAAAAAAAAAAAAAAA 404 id" "malformed dec_short 400 id" \
         "malformed dec_AAAAAAAAAAAAAAAAAAAAA%2A 400 id" "malformed dec_AAAAAAAAAAAAAAAAAAAAAAA 400 id"; do
  set -- $c
  h2 -o "$tmp/g.json" -D "$tmp/g.h" -w '%{http_code}' "$urlA/v1/decisions/$2" >"$tmp/g.code"
  check "GET $1 id $2: $3 problem naming $4" problem g "$3" "$4"
done

# --- malformed requests: 4xx problem+json naming the field ---
bad() { # DESCRIPTION BODY STATUS FIELD [CONTENT-TYPE]
  h2 -o "$tmp/b.json" -D "$tmp/b.h" -w '%{http_code}' -H "content-type: ${5:-application/json}" \
    --data-binary "$2" "$urlA/v1/decisions" >"$tmp/b.code"
  check "$1: $3 naming '$4'" problem b "$3" "$4"
}
bad "missing matter" "{\"subject_id\":\"$merchant_a\"}" 400 /matter
bad "matter not in the vocabulary" "{\"subject_id\":\"$merchant_a\",\"matter\":\"parking\"}" 400 /matter
bad "matter not a string" "{\"subject_id\":\"$merchant_a\",\"matter\":7}" 400 /matter
bad "both subject_id and attestation" "{\"subject_id\":\"$merchant_a\",\"attestation\":\"x~\",\"matter\":\"deposit_waiver\"}" 400 /attestation
bad "neither subject_id nor attestation" '{"matter":"deposit_waiver"}' 400 /subject_id
bad "subject_id not a USCC or pseudonym" '{"subject_id":"91330782MADEC0A10X","matter":"deposit_waiver"}' 400 /subject_id
bad "as_of not a real date" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"as_of\":\"2026-02-30\"}" 400 /as_of
bad "as_of not YYYY-MM-DD" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"as_of\":\"20260701\"}" 400 /as_of
bad "region not 6 digits" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"region\":\"33010\"}" 400 /region
bad "issue 5 (finding 8): region 012345, no GB/T 2260 province" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"region\":\"012345\"}" 400 /region
bad "unknown member" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"verbose\":true}" 400 /verbose
bad "body not an object" '["deposit_waiver"]' 400 ""
bad "body not JSON" '{"matter":' 400 ""
bad "region without a catalogue" "{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"region\":\"320500\"}" 404 /region
bad "subject_id with a wrong check character" '{"subject_id":"91330782MA2KDDUY4X","matter":"deposit_waiver"}' 400 /subject_id
bad "a valid but unknown subject" '{"subject_id":"91330782MADEC0Y13A","matter":"deposit_waiver"}' 404 /subject_id
bad "an attestation that is not a token" '{"attestation":"not-a-token","matter":"deposit_waiver"}' 422 /attestation
# at the body limit and one past it
body_at() { $py -c 'import sys; b=sys.argv[1]; n=int(sys.argv[2]); sys.stdout.write(b[:-1] + " " * (n - len(b.encode())) + "}")' "$1" "$2"; }
base="{\"subject_id\":\"$merchant_a\",\"matter\":\"deposit_waiver\",\"as_of\":\"2026-07-01\"}"
code=$(h2 -o "$tmp/lim.json" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary "$(body_at "$base" $max_body)" "$urlA/v1/decisions")
check "a body of exactly max_body_bytes ($max_body): 201 (got $code)" test "$code" = 201
h2 -o "$tmp/b.json" -D "$tmp/b.h" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary "$(body_at "$base" $((max_body + 1)))" "$urlA/v1/decisions" >"$tmp/b.code"
check "a body one byte over max_body_bytes: 413 problem+json" \
  eval 'test "$(cat "$tmp/b.code")" = 413 && grep -qi "^content-type: application/problem+json" "$tmp/b.h"'

# --- the signature: JWS over the decision without `signature`, JWKS of the instance ---
h2 -o "$tmp/jwks.json" "$urlA/.well-known/jwks.json"
verify_sig() { # DECISION-FILE JWKS-FILE
  $py - "$1" "$2" <<'EOF'
import base64, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
def b64d(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
d = json.load(open(sys.argv[1])); jwks = json.load(open(sys.argv[2]))
h, p, s = d["signature"].split(".")
hdr = json.loads(b64d(h))
assert hdr["alg"] == "EdDSA" and hdr["typ"] == "yrdcredit-decision+jwt", hdr
key = [k for k in jwks["keys"] if k["kid"] == hdr["kid"]][0]
Ed25519PublicKey.from_public_bytes(b64d(key["x"])).verify(b64d(s), (h + "." + p).encode())
body = dict(d); del body["signature"]
want = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
assert b64d(p) == want, (b64d(p)[:200], want[:200])
EOF
}
check "signature: EdDSA JWS, kid in A's JWKS, verifies; payload = the decision minus signature (sorted, compact)" \
  verify_sig "$tmp/p1.json" "$tmp/jwks.json"
$py -c 'import json,sys; d=json.load(open(sys.argv[1])); d["measures"]=[]; json.dump(d, open(sys.argv[2],"w"), ensure_ascii=False)' "$tmp/p1.json" "$tmp/p1x.json"
check "a decision whose measures were removed no longer matches its signature" \
  eval '! verify_sig "$tmp/p1x.json" "$tmp/jwks.json" 2>/dev/null'

# --- durability: kill -9 right after the 201 ---
code=$(decide "$urlA" "{\"subject_id\":\"$debtor\",\"matter\":\"public_bidding\",\"as_of\":\"2026-04-01\"}" k1)
kill -KILL "${pidof[A]}"
while kill -0 "${pidof[A]}" 2>/dev/null; do sleep 0.05; done
check "201 then kill -9 of A (got $code)" test "$code" = 201
start A
idk=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/k1.json")
code=$(h2 -o "$tmp/k1g.json" -w '%{http_code}' "$urlA/v1/decisions/$idk")
check "after the restart: GET 200 (got $code) byte-identical" eval 'test "$code" = 200 && cmp -s "$tmp/k1.json" "$tmp/k1g.json"'

# --- partner attestations: A's tokens decided in Hangzhou (B) ---
kid_of() { "$cli" --data "$tmp/$1" keys list --json |
  $py -c 'import json,sys; print([k["kid"] for k in json.load(sys.stdin) if k["purpose"]==sys.argv[1] and k["state"]=="active"][-1])' "$2"; }
issA="https://127.0.0.1:${tls[A]}"
issue() { # SUBJECT NAME: A's attestation (score, grade, as_of) in $tmp/NAME.tok
  h2 -o "$tmp/$2.iss" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary '{"disclose":["score","grade","as_of"]}' "$urlA/v1/subjects/$1/attestations" >/dev/null
  $py -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"], end="")' "$tmp/$2.iss" >"$tmp/$2.tok"
}
issue "$merchant_a" ta
issue "$debtor" td
"$cli" --data "$tmp/B" trust add --issuer "$issA" --city Yiwu --region 330782 --pin "$(kid_of A attestation)" \
  --pin "$(kid_of A status_list)" --jwks-url "$issA/.well-known/jwks.json" \
  --status-list-url "$issA/v1/status-lists/1" --cacert "$tmp/A/tls/cert.pem" >"$tmp/out" 2>"$tmp/err" &&
  "$cli" --data "$tmp/B" trust refresh >"$tmp/out" 2>>"$tmp/err"
rc=$?
check "B trusts A (trust add + refresh over TLS): exit 0 (got $rc)" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
check "A's attestation of the debtor carries lists: serious_dishonesty from 2026-03-09, codes N11" \
  $py -c 'import base64,json,sys
t=open(sys.argv[1]).read(); p=t.split("~")[0].split(".")[1]
c=json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
want=[{"list": "serious_dishonesty", "from": "2026-03-09", "to": c["lists"][0]["to"], "codes": ["N11"]}]
sys.exit(0 if c["lists"] == want and c["lists"][0]["to"] is not None else (print("#", c.get("lists")) or 1))' "$tmp/td.tok"
# the attestation's as_of is today: the merchant's grade then is A or B (its positive records
# age), both recognised by B for administrative_licensing (grade_map A tier_1, B tier_2)
ok_seen=
for _ in $(seq 20); do
  code=$(decide "$urlB" "{\"attestation\":\"$(cat "$tmp/ta.tok")\",\"matter\":\"administrative_licensing\"}" x1)
  [ "$code" = 201 ] && { ok_seen=1; break; }
  sleep 0.1
done
check "B: attestation of A's merchant, administrative_licensing: 201 (got $code)" test -n "$ok_seen"
check "... 330100-R-003 (grade_at_least B) by attestation:330782:<tier of the grade>; 330100-P-006 (watch) not_listed; evidence attestation, age 0" \
  holds "$tmp/x1.json" "[(m['id'], m['kind'], m['triggered_by']) for m in d['measures']] == [('330100-R-003', 'reward', 'attestation:330782:' + {'A': 'tier_1', 'B': 'tier_2'}[d['evidence']['grade']])] and d['not_applicable'] == [{'id': '330100-P-006', 'kind': 'penalty', 'reason': 'not_listed'}] and d['evidence']['kind'] == 'attestation' and d['evidence']['issuer_region'] == '330782' and d['evidence']['age_days'] == 0 and d['subject_id'] == '$merchant_a' and d['region'] == '330100'"
code=$(decide "$urlB" "{\"attestation\":\"$(cat "$tmp/ta.tok")\",\"matter\":\"honours\"}" x5)
check "B: the same attestation for honours (a matter B does not recognise from A): 330100-P-005 not_listed only" \
  holds "$tmp/x5.json" "d['measures'] == [] and d['not_applicable'] == [{'id': '330100-P-005', 'kind': 'penalty', 'reason': 'not_listed'}]"
check "... signed by B: verifies against B's JWKS" \
  eval 'h2 -o "$tmp/jwksB.json" "$urlB/.well-known/jwks.json" && verify_sig "$tmp/x1.json" "$tmp/jwksB.json"'
code=$(decide "$urlB" "{\"attestation\":\"$(cat "$tmp/td.tok")\",\"matter\":\"government_procurement\"}" x2)
check "B: the debtor's attestation, government_procurement: 330100-P-001 by attestation:330782:list:serious_dishonesty" \
  holds "$tmp/x2.json" "[(m['id'], m['kind'], m['triggered_by']) for m in d['measures']] == [('330100-P-001', 'penalty', 'attestation:330782:list:serious_dishonesty')] and d['not_applicable'] == []"
code=$(decide "$urlB" "{\"attestation\":\"$(cat "$tmp/td.tok")\",\"matter\":\"high_consumption\"}" x3)
check "B: the debtor's attestation, high_consumption (N11 only): 330100-P-003 applies" \
  holds "$tmp/x3.json" "[(m['id'], m['triggered_by']) for m in d['measures']] == [('330100-P-003', 'attestation:330782:list:serious_dishonesty')]"
code=$(decide "$urlB" "{\"attestation\":\"$(cat "$tmp/td.tok")\",\"matter\":\"deposit_waiver\"}" x4)
check "B: the debtor's attestation blocks rewards: 330100-R-001 blocked_by_serious_dishonesty" \
  holds "$tmp/x4.json" "d['measures'] == [] and d['not_applicable'][0] == {'id': '330100-R-001', 'kind': 'reward', 'reason': 'blocked_by_serious_dishonesty'}"
qlog "$urlB" "$tok_sb" "$tmp/qb.json"
check "regression of issue 6: decisions on A's attestations read no subject in B: the merchant's log in B is empty" \
  holds "$tmp/qb.json" "d == {'subject_id': '$merchant_a', 'queries': [], 'next_cursor': None}"
tampered=$($py -c 'import sys; t=open(sys.argv[1]).read(); h,p,s=t.split("~")[0].split("."); print(h+"."+p+"."+("A" if s[0]!="A" else "B")+s[1:]+"~"+"~".join(t.split("~")[1:]), end="")' "$tmp/ta.tok")
h2 -o "$tmp/b.json" -D "$tmp/b.h" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary "{\"attestation\":\"$tampered\",\"matter\":\"deposit_waiver\"}" "$urlB/v1/decisions" >"$tmp/b.code"
check "B: a tampered attestation: 422 problem naming /attestation, reason bad_signature" \
  eval 'problem b 422 /attestation && grep -q bad_signature "$tmp/b.json"'

# --- issue 5 review findings 1, 2, 5, 8: a trusted partner's claims are checked, not believed ---
# A partner "forge" with its own Ed25519 key, pinned in B's registry with region 330782 (written
# directly: partners.json and its JWKS file, attest_verify.h); its tokens carry no status.
forge() { # NAME ISSUER_REGION RATING_JSON [LISTS_JSON]: an attestation in $tmp/NAME.tok
  $py - "$tmp" "$1" "$2" "$3" "${4:-}" <<'EOF'
import base64, hashlib, json, os, sys, time
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
tmp, name, region, rating, lists = sys.argv[1:6]
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
keyf = tmp + "/forge.key"
if not os.path.exists(keyf):
    open(keyf, "wb").write(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()))
sk = Ed25519PrivateKey.from_private_bytes(open(keyf, "rb").read())
x = b64(sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
kid = b64(hashlib.sha256(json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True).encode()).digest())
iss = "https://forge.example"
trust = tmp + "/B/trust"
os.makedirs(trust, exist_ok=True)
if not os.path.exists(trust + "/forge.jwks.json"):
    json.dump({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"}]},
              open(trust + "/forge.jwks.json", "w"))
    reg = trust + "/partners.json"
    j = json.load(open(reg)) if os.path.exists(reg) else {"partners": []}
    j["partners"].append({"issuer": iss, "city": "Yiwu", "region": "330782", "pins": [kid],
                          "jwks_url": iss + "/.well-known/jwks.json", "jwks_file": "forge.jwks.json"})
    json.dump(j, open(reg, "w"))
now = int(time.time())
claims = {"iss": iss, "vct": iss + "/vct/credit-score/v1", "iat": now, "exp": now + 3600,
          "sub": "91330782MADEC0A10F", "issuer_region": region,
          "as_of": time.strftime("%Y-%m-%d", time.gmtime(now + 8 * 3600))}
claims.update(json.loads(rating))
if lists:
    claims["lists"] = json.loads(lists)
h = b64(json.dumps({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": kid}).encode())
p = b64(json.dumps(claims).encode())
open(tmp + "/" + name + ".tok", "w").write(h + "." + p + "." + b64(sk.sign((h + "." + p).encode())) + "~")
EOF
}
decide_tok() { # NAME MATTER: B decides on $tmp/NAME.tok; answer in $tmp/NAME.json, status in $tmp/NAME.code
  decide "$urlB" "{\"attestation\":\"$(cat "$tmp/$1.tok")\",\"matter\":\"$2\"}" "$1" >"$tmp/$1.code"
}
forge f0 330782 '{"grade":"A"}' '[{"list":"watch","from":"2026-01-01","to":null,"codes":["N03"],"note":"the partner only"}]' ||
  bail "forging an attestation failed"
sleep 1.1 # the trust registry is looked at again at most once a second
decide_tok f0 deposit_waiver
check "issue 5: a trusted partner's attestation, issuer_region = its registry region: 201 (got $(cat "$tmp/f0.code"))" \
  test "$(cat "$tmp/f0.code")" = 201
check "issue 5 (finding 5): its listings rebuilt from what was parsed (list, from, to, codes); the extra member not signed" \
  holds "$tmp/f0.json" "d['evidence']['listings'] == [{'list': 'watch', 'from': '2026-01-01', 'to': None, 'codes': ['N03']}] and d['evidence']['issuer'] == 'https://forge.example' and d['evidence']['issuer_region'] == '330782'"
forge f1 310000 '{"grade":"A"}'
decide_tok f1 deposit_waiver
check "issue 5 (finding 1): issuer_region 310000 claimed, 330782 pinned by the registry: 422 /attestation wrong_issuer_region" \
  eval 'problem f1 422 /attestation && grep -q wrong_issuer_region "$tmp/f1.json"'
forge f2 330782 '{"grade":"Z"}'
decide_tok f2 deposit_waiver
check "issue 5 (finding 2): grade Z: 422 /attestation, never 500" \
  eval 'problem f2 422 /attestation && grep -q "grade is not one of A..D" "$tmp/f2.json"'
forge f3 330782 '{"band":"great"}'
decide_tok f3 deposit_waiver
check "issue 5 (finding 2): band great: 422 /attestation" \
  eval 'problem f3 422 /attestation && grep -q "band is not a band code" "$tmp/f3.json"'
forge f4 330782 '{"band":"excellent"}'
decide_tok f4 deposit_waiver
check "issue 5 (finding 2): band excellent (a band code): 201 (got $(cat "$tmp/f4.code"))" \
  test "$(cat "$tmp/f4.code")" = 201
forge f5 012345 '{"grade":"A"}'
decide_tok f5 deposit_waiver
check "issue 5 (finding 8): issuer_region 012345 (no GB/T 2260 province): 422 /attestation" \
  problem f5 422 /attestation

tap_done
