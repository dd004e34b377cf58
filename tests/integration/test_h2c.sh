#!/usr/bin/env bash
# End-to-end tests of the real `yrdcreditd` over h2c (prior knowledge) with real HTTP/2 clients
# (curl, nghttp, h2load) on a temporary data dir made from samples/ (TAP output).
# usage: test_h2c.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
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
for tool in curl nghttp h2load; do
  command -v "$tool" >/dev/null || bail "$tool is not installed (scripts/deps.sh)"
done

"$cli" init "$data" >/dev/null 2>&1 || bail "yrdcredit init failed"
"$cli" --data "$data" import "$src"/samples/*.csv "$src"/samples/*.jsonl >/dev/null 2>&1 ||
  bail "yrdcredit import failed"
# access control is on by default (issue 6 item 1): every request carries an admin's token
tok=$(yc_token "$cli" "$data" admin test) || bail "yrdcredit clients add failed"
auth="authorization: Bearer $tok"

port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"
"$daemon" --data "$data" --h2c-listen "127.0.0.1:$port" --listen 127.0.0.1:0 --access-log "$tmp/access.log" \
  2>"$tmp/daemon.err" &
pid=$!
h2() { curl -s --http2-prior-knowledge --max-time 10 -H "$auth" "$@"; }
up=
for _ in $(seq 100); do
  if [ "$(h2 -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ]; then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$up" ] || { sed 's/^/# /' "$tmp/daemon.err"; bail "yrdcreditd did not answer /healthz"; }
ok "yrdcreditd answers GET /healthz 200 over h2c"

# --- score: the same bytes as the CLI ---
subject=92330782MA2KDDUY4M
h2 -o "$tmp/score.h2" -w '%{http_version} %{http_code} %{content_type}' \
  "$base/v1/subjects/$subject/score?as_of=2026-11-29" >"$tmp/meta"
check "score: HTTP/2 200 application/json" grep -qx '2 200 application/json' "$tmp/meta"
"$cli" --data "$data" score "$subject" --as-of 2026-11-29 >"$tmp/score.cli"
printf '\n' >>"$tmp/score.h2" # the CLI ends its output with a newline
check "score body equals \`yrdcredit score --as-of\` byte for byte" cmp -s "$tmp/score.h2" "$tmp/score.cli"
check "score body is not empty and names the subject" grep -q "\"subject_id\":\"$subject\"" "$tmp/score.h2"
code=$(curl -s --http2-prior-knowledge --max-time 10 -o /dev/null -w '%{http_code}' \
  "$base/v1/subjects/$subject/score?as_of=2026-11-29")
check "the same score without a token: 401 (auth.required is the default)" test "$code" = 401

# --- score cache (api.score_cache_entries, on by default), on a server with one worker (one
# cache): a hit has the same bytes; a commit by another process (`yrdcredit import` while the
# server runs) or a POST changes the next answer ---
port3=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
base3="http://127.0.0.1:$port3"
"$daemon" --data "$data" --h2c-listen "127.0.0.1:$port3" --listen off --workers 1 \
  --access-log "$tmp/access3.log" 2>"$tmp/daemon3.err" &
pid3=$!
up=
for _ in $(seq 100); do
  if [ "$(h2 -o /dev/null -w '%{http_code}' "$base3/healthz")" = 200 ]; then up=1; break; fi
  kill -0 "$pid3" 2>/dev/null || break
  sleep 0.1
done
check "a second yrdcreditd (--workers 1) on the same data dir starts" test -n "$up"
# the same score twice: computed, then served from the worker's cache
for k in 1 2; do
  h2 -o "$tmp/score.$k" "$base3/v1/subjects/$subject/score?as_of=2026-11-29"
  printf '\n' >>"$tmp/score.$k"
done
check "the same score twice (miss, then hit): the CLI's bytes both times" \
  sh -c 'cmp -s "$1" "$3" && cmp -s "$2" "$3"' _ "$tmp/score.1" "$tmp/score.2" "$tmp/score.cli"
csub=91330782MA2HR13U02
for _ in 1 2; do h2 -o "$tmp/c.before" "$base3/v1/subjects/$csub/score?as_of=2026-11-29"; done
printf '\n' >>"$tmp/c.before"
"$cli" --data "$data" score "$csub" --as-of 2026-11-29 >"$tmp/c.cli"
check "before the import: the CLI's bytes" cmp -s "$tmp/c.before" "$tmp/c.cli"
cat >"$tmp/cache-rec.jsonl" <<'JSON'
{"subject_type":"legal_person","subject_id":"91330782MA2HR13U02","name":"义乌市缓存测试有限公司","code":"P04","decision_no":"义关认证〔2026〕导入1号","decision_date":"2026-05-20","authority_name":"中华人民共和国义乌海关","authority_uscc":"11330782MB1A071232","legal_basis":"《中华人民共和国海关企业信用管理办法》","region":"330782"}
JSON
"$cli" --data "$data" import "$tmp/cache-rec.jsonl" >/dev/null 2>&1
check "yrdcredit import of one record while yrdcreditd runs: exit 0 (got $?)" test $? -eq 0
h2 -o "$tmp/c.after" "$base3/v1/subjects/$csub/score?as_of=2026-11-29"
printf '\n' >>"$tmp/c.after"
"$cli" --data "$data" score "$csub" --as-of 2026-11-29 >"$tmp/c.cli"
check "after the CLI import the server's answer changed" test "$(cat "$tmp/c.before")" != "$(cat "$tmp/c.after")"
check "... and equals \`yrdcredit score\` byte for byte" cmp -s "$tmp/c.after" "$tmp/c.cli"
sed 's/导入1号/接口1号/; s/2026-05-20/2026-06-20/' "$tmp/cache-rec.jsonl" >"$tmp/cache-rec2.json"
h2 -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary @"$tmp/cache-rec2.json" "$base3/v1/records" >"$tmp/meta"
check "POST of a second record for the subject: 200" grep -qx 200 "$tmp/meta"
h2 -o "$tmp/c.post" "$base3/v1/subjects/$csub/score?as_of=2026-11-29"
printf '\n' >>"$tmp/c.post"
"$cli" --data "$data" score "$csub" --as-of 2026-11-29 >"$tmp/c.cli"
check "after the POST the answer changed again and equals \`yrdcredit score\`" \
  sh -c 'test "$(cat "$1")" != "$(cat "$2")" && cmp -s "$2" "$3"' _ "$tmp/c.after" "$tmp/c.post" "$tmp/c.cli"
h2 -o /dev/null "$base3/v1/subjects/$csub/score?as_of=2026-11-30"
h2 -o "$tmp/c.post2" "$base3/v1/subjects/$csub/score?as_of=2026-11-29"
printf '\n' >>"$tmp/c.post2"
check "another as_of, then this one again: unchanged bytes" cmp -s "$tmp/c.post2" "$tmp/c.cli"
kill -TERM "$pid3"
wait "$pid3"
check "the one-worker server exits 0 on SIGTERM" test $? -eq 0
check "... with nothing on stderr but its start line (no sanitizer report)" \
  test "$(grep -vc '^yrdcreditd: serving h2c on ' "$tmp/daemon3.err")" = 0
check "its access log has a line for each of the 8 score requests" \
  test "$(grep -c '"path":"/v1/subjects/{subject_id}/score?as_of=2026-11-[23][09]","status":200' "$tmp/access3.log")" = 8

# --- errors from the API ---
h2 -o "$tmp/body" -w '%{http_code} %{content_type}' "$base/no/such/route" >"$tmp/meta"
check "unknown route: 404 application/problem+json" grep -qx '404 application/problem+json' "$tmp/meta"
check "unknown route: problem type not-found" grep -q '"type":"urn:yrdcredit:problem:not-found"' "$tmp/body"
h2 -D "$tmp/hdr" -o "$tmp/body" -X DELETE "$base/healthz"
check "wrong method: 405" grep -q '^HTTP/2 405' "$tmp/hdr"
check "wrong method: allow: GET, HEAD" grep -qix 'allow: GET, HEAD'$'\r' "$tmp/hdr"
h2 -I -o /dev/null -D "$tmp/hdr" "$base/healthz"
check "HEAD: 200 with content-length 15 and no body" grep -qix 'content-length: 15'$'\r' "$tmp/hdr"

# --- POST one generic record, then it is listed ---
rec_subject=91330782MA2B31FL7T
cat >"$tmp/rec.json" <<'JSON'
{"subject_type":"legal_person","subject_id":"91330782MA2B31FL7T","name":"义乌市创亿物流有限公司","code":"B01","decision_no":"义市监登字〔2026〕第0999号","decision_date":"2026-11-02","authority_name":"义乌市市场监督管理局","authority_uscc":"11330782MB1A07019X","legal_basis":"《中华人民共和国市场主体登记管理条例》"}
JSON
h2 -o "$tmp/body" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary @"$tmp/rec.json" "$base/v1/records" >"$tmp/meta"
check "POST /v1/records of one record: 200" grep -qx 200 "$tmp/meta"
rid=$($py -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(r[0]["record_id"] if len(r)==1 and r[0].get("status")=="imported" else "")' "$tmp/body" 2>/dev/null)
check "POST result: one item, status imported, record_id $rid" test -n "$rid"
h2 -o "$tmp/body" "$base/v1/subjects/$rec_subject/records?limit=100"
found=$($py -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["records"] if str(r.get("record_id"))==sys.argv[2]))' "$tmp/body" "$rid" 2>/dev/null)
check "the posted record is listed by GET .../records" test "$found" = 1

# --- access log: one JSON line per request, never a document number ---
idnum=$(grep -o '"identify":"[0-9X]\{18\}"' "$src/samples/yiwu-xycn.jsonl" | head -1 | cut -d'"' -f4)
check "a sample 居民身份证号码 was found in samples/ ($idnum)" test ${#idnum} = 18
before=$(wc -l <"$tmp/access.log")
h2 -o /dev/null "$base/healthz"
h2 -o "$tmp/log-score" "$base/v1/subjects/$subject/score?as_of=2026-11-29"
h2 -o "$tmp/log-lookup" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary "{\"doc_type\":\"resident_id\",\"number\":\"$idnum\"}" \
  "$base/v1/subjects/lookup" >"$tmp/meta"
check "POST /v1/subjects/lookup of a sample ID number: 200" grep -qx 200 "$tmp/meta"
# the number where it must never be: query strings and the path (each a 400)
h2 -o /dev/null -H 'content-type: application/json' \
  --data-binary "{\"doc_type\":\"resident_id\",\"number\":\"$idnum\"}" \
  "$base/v1/subjects/lookup?number=$idnum"
h2 -o /dev/null "$base/v1/subjects/$idnum/score"
h2 -o /dev/null "$base/v1/subjects/$rec_subject/records?limit=5&cursor=$idnum"
h2 -o /dev/null "$base/v1/subjects/$subject/score?as_of=2026-11-29&note=$idnum"
tail -n +$((before + 1)) "$tmp/access.log" >"$tmp/access.new"
$py - "$tmp/access.new" "$subject" "$rec_subject" "$(wc -c <"$tmp/log-score")" \
  "$(wc -c <"$tmp/log-lookup")" >"$tmp/access.check" 2>&1 <<'PY'
import json, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
subject, rec, score_bytes, lookup_bytes = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
# issue 6 review item 6: a request a row of the authorization table matches is logged as the
# row's route template (no id of the path), whatever its status
want = [("GET", "/healthz", 200, 15),
        ("GET", "/v1/subjects/{subject_id}/score?as_of=2026-11-29", 200, score_bytes),
        ("POST", "/v1/subjects/lookup", 200, lookup_bytes),
        ("POST", "/v1/subjects/lookup", 400, None),
        ("GET", "/v1/subjects/{subject_id}/score", 400, None),
        ("GET", "/v1/subjects/{subject_id}/records?limit=5&cursor=-", 400, None),
        ("GET", "/v1/subjects/{subject_id}/score?as_of=2026-11-29", 400, None)]
assert len(lines) == len(want), f"{len(lines)} lines for {len(want)} requests"
keys = {"time", "method", "path", "status", "bytes", "duration_us", "stream_id", "worker",
        "client"}
for line, (method, path, status, size) in zip(lines, want):
    r = json.loads(line)
    assert set(r) == keys, sorted(r)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["time"]), r["time"]
    assert (r["method"], r["path"], r["status"]) == (method, path, status), line
    assert size is None or r["bytes"] == size, line
    assert isinstance(r["bytes"], int) and r["bytes"] > 0, line
    assert isinstance(r["duration_us"], int) and r["duration_us"] >= 0, line
    assert r["stream_id"] == 1, line  # one curl connection per request
    assert isinstance(r["worker"], int) and r["worker"] >= 0, line
PY
check "access log: one JSON line per request with time, method, path, status, bytes, duration_us, stream_id, worker" \
  test $? -eq 0
sed 's/^/# /' "$tmp/access.check"
# regress__issue_4: a 22-character segment shaped like a jti, holding the number (and a status
# list id of 18 digits), is not logged (since issue 6: the route template instead)
h2 -o /dev/null -H 'content-type: application/json' --data-binary '{}' \
  "$base/v1/attestations/${idnum}Ab_-/revoke"
h2 -o /dev/null "$base/v1/status-lists/$idnum"
check "access log never contains the ID number" test "$(grep -c "$idnum" "$tmp/access.log")" = 0
check "regress__issue_4: the jti-shaped segment holding it is logged as the template {jti}" \
  grep -q '"path":"/v1/attestations/{jti}/revoke"' "$tmp/access.log"
# methods outside the plain alphabet are escaped by Jansson; a method over 16 bytes is "-"
before=$(wc -l <"$tmp/access.log")
h2 -o /dev/null -X 'M!#$%' "$base/healthz"
h2 -o /dev/null -X 'ABCDEFGHIJKLMNOPQ' "$base/healthz"
h2 -o /dev/null -X 'ABCDEFGHIJKLMNOP' "$base/healthz"
tail -n +$((before + 1)) "$tmp/access.log" >"$tmp/access.new"
$py - "$tmp/access.new" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
got = [(r["method"], r["path"], r["status"]) for r in map(json.loads, lines)]
want = [("M!#$%", "/healthz", 405), ("-", "/healthz", 405), ("ABCDEFGHIJKLMNOP", "/healthz", 405)]
assert got == want, got
PY
check "access log: odd methods are valid JSON strings, one over 16 bytes is \"-\"" test $? -eq 0

# --- regression of issue 6 (review items 6, 7, 9, 10): route templates in the access log,
# unknown query parameters named, the path length limit named, U+0000 in a body string ---
# prob ARGS...: the problem of one request as "status type field|detail" (field "<none>" when
# absent; the type without its urn:yrdcredit:problem: prefix)
prob() {
  h2 -o "$tmp/prob.json" -w '%{http_code}' "$@" >"$tmp/prob.code"
  $py - "$tmp/prob.json" "$(cat "$tmp/prob.code")" <<'PY'
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
print(sys.argv[2], b["type"].removeprefix("urn:yrdcredit:problem:"), b.get("field", "<none>") + "|" + b["detail"])
PY
}
J='content-type: application/json'
oid=ob_AAAAAAAAAAAAAAAAAAAAAA
before=$(wc -l <"$tmp/access.log")
h2 -o /dev/null "$base/v1/me"
h2 -o /dev/null "$base/v1/audit"
h2 -o /dev/null "$base/v1/objections"
h2 -o /dev/null "$base/v1/repairs?status=pending"
h2 -o /dev/null -H "$J" --data-binary '{}' "$base/v1/objections/$oid/resolve"
h2 -o /dev/null -H "$J" --data-binary '{}' "$base/v1/objections/$idnum/resolve"
h2 -o /dev/null -H "$J" --data-binary '{}' "$base/v1/repairs/$idnum/approve"
h2 -o /dev/null -X DELETE "$base/v1/me/consents/$idnum"
h2 -o /dev/null "$base/v1/decisions/dec_${idnum}AAAA"
h2 -o /dev/null -X PUT "$base/v1/me"
h2 -o /dev/null -X PUT "$base/v1/subjects/$idnum/score"
h2 -o /dev/null "$base/v1/no/$idnum"
h2 -o /dev/null "$base/v1/subjects/%4"
curl -s --http2-prior-knowledge --max-time 10 -o /dev/null "$base/v1/audit" # no token: 401
tail -n +$((before + 1)) "$tmp/access.log" >"$tmp/access.new"
$py - "$tmp/access.new" "$idnum" <<'PY'
import json, sys
idnum = sys.argv[2]
got = [(r["method"], r["path"], r["status"]) for r in
       map(json.loads, open(sys.argv[1], encoding="utf-8").read().splitlines())]
want = [("GET", "/v1/me", 403), ("GET", "/v1/audit", 200), ("GET", "/v1/objections", 200),
        ("GET", "/v1/repairs", 200),  # status is not a logged parameter (log_query())
        ("POST", "/v1/objections/{id}/resolve", 400), ("POST", "/v1/objections/{id}/resolve", 400),
        ("POST", "/v1/repairs/{id}/approve", 400), ("DELETE", "/v1/me/consents/{id}", 403),
        ("GET", "/v1/decisions/{id}", 404), ("PUT", "/v1/me", 405),
        ("PUT", "/v1/subjects/{subject_id}/score", 405), ("GET", "/v1/-/-", 404),
        ("GET", "/v1/subjects/-", 404), ("GET", "/v1/audit", 401)]
assert got == want, "\n".join(map(str, got))
assert idnum not in open(sys.argv[1], encoding="utf-8").read()
PY
check "regression of issue 6: the access log names each route by its template (every status), never an id; paths without a row stay redacted" \
  test $? -eq 0
# item 7: an unknown query parameter is named when it is a plain name, else "query"
check "regression of issue 6: GET /v1/audit?foo=1 names the parameter foo" \
  test "$(prob "$base/v1/audit?foo=1")" = "400 invalid-parameter foo|unknown query parameter"
check "regression of issue 6: GET /v1/objections?status=open&limit_x=1 names limit_x" \
  test "$(prob "$base/v1/objections?status=open&limit_x=1")" = "400 invalid-parameter limit_x|unknown query parameter"
check "regression of issue 6: a purpose in the query of POST .../attestations names purpose" \
  test "$(prob -H "$J" --data-binary '{}' "$base/v1/subjects/$subject/attestations?purpose=loan_approval")" = \
  "400 invalid-parameter purpose|unknown query parameter"
check "regression of issue 6: a document number as a parameter name is not echoed: field query" \
  test "$(prob "$base/v1/audit?$idnum=1")" = "400 invalid-parameter query|unknown query parameter"
n32=abcdefghijklmnopqrstuvwxyz_ABCDE # 32 characters: nameable at the limit, one more is not
check "regression of issue 6: a 32-character parameter name is named, 33 characters give query" \
  test "$(prob "$base/v1/audit?$n32=1") $(prob "$base/v1/audit?${n32}F=1")" = \
  "400 invalid-parameter $n32|unknown query parameter 400 invalid-parameter query|unknown query parameter"
# item 9: a path of YC_API_PATH_MAX (256) bytes is routed, one byte more is a 404 naming path
p256="/v1/subjects/$(head -c 235 /dev/zero | tr '\0' A)/records"
p257="/v1/subjects/$(head -c 236 /dev/zero | tr '\0' A)/records"
check "the path of 256 bytes has 256 bytes, the other 257" test "${#p256} ${#p257}" = "256 257"
before=$(wc -l <"$tmp/access.log")
check "regression of issue 6: a path of 256 bytes is routed (400 naming subject_id)" \
  test "$(prob "$base$p256")" = "400 invalid-parameter subject_id|not a valid 统一社会信用代码 or 'P' pseudonym"
check "regression of issue 6: a path of 257 bytes: 404 naming path, detail 'path longer than 256 bytes'" \
  test "$(prob "$base$p257")" = "404 not-found path|path longer than 256 bytes"
check "regression of issue 6: ... without a token too (the length is judged first): the same 404" \
  test "$(curl -s --http2-prior-knowledge --max-time 10 "$base$p257")" = \
  '{"type":"urn:yrdcredit:problem:not-found","title":"Not found","status":404,"detail":"path longer than 256 bytes","field":"path"}'
tail -n +$((before + 1)) "$tmp/access.log" >"$tmp/access.new"
check "regression of issue 6: the access log: the 256-byte path as its template, the 257-byte one redacted" \
  test "$($py -c 'import json,sys; print(" ".join(json.loads(l)["path"] for l in open(sys.argv[1])))' "$tmp/access.new")" = \
  "/v1/subjects/{subject_id}/records /v1/subjects/-/records /v1/subjects/-/records"
# item 10: U+0000 in a body string is valid JSON: 400 invalid-field naming its member
check "regression of issue 6: {\"reason\":\"a\\u0000b\"} gives 400 invalid-field /reason" \
  test "$(prob -H "$J" --data-binary '{"reason":"a\u0000b"}' "$base/v1/objections/$oid/resolve")" = \
  "400 invalid-field /reason|a string must not hold U+0000"
check "regression of issue 6: U+0000 in an array element is named by its index (/evidence/1)" \
  test "$(prob -H "$J" --data-binary '{"record_id":"1","commitment":"x","evidence":["a","\u0000"]}' "$base/v1/attestations/verify")" = \
  "400 invalid-field /evidence/1|a string must not hold U+0000"
check "regression of issue 6: under a member named like a document number the field is \"\"" \
  test "$(prob -H "$J" --data-binary "{\"x\":{\"$idnum\":\"\\u0000\"}}" "$base/v1/objections/$oid/resolve")" = \
  "400 invalid-field |a string must not hold U+0000"
check "regression of issue 6: \\u0000 in a member name stays malformed-json (Jansson refuses it)" \
  test "$(prob -H "$J" --data-binary '{"a\u0000":"x"}' "$base/v1/objections/$oid/resolve")" = \
  "400 malformed-json |the body is not valid JSON or repeats a key"
check "regression of issue 6: the text \\u0000 escaped (a backslash, no NUL) passes the body check: 404" \
  test "$(prob -H "$J" --data-binary '{"outcome":"rejected","reason":"a\\u0000"}' "$base/v1/objections/$oid/resolve")" = \
  "404 unknown-objection id|no objection with this id"

# --- limits of the transport ---
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'a' >"$tmp/big"
h2 -o "$tmp/body" -w '%{http_code} %{content_type}' -H 'content-type: application/json' \
  --data-binary @"$tmp/big" "$base/v1/records" >"$tmp/meta"
check "body of 1 MiB + 1 bytes: 413 application/problem+json" \
  grep -qx '413 application/problem+json' "$tmp/meta"
check "413 problem type payload-too-large" grep -q 'problem:payload-too-large' "$tmp/body"
head -c $((1024 * 1024)) /dev/zero | tr '\0' ' ' >"$tmp/limit"
h2 -o "$tmp/body" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary @"$tmp/limit" "$base/v1/records" >"$tmp/meta"
check "body of exactly 1 MiB reaches the API (400 malformed-json, not 413)" grep -qx 400 "$tmp/meta"
long=$(head -c 17000 /dev/zero | tr '\0' 'x')
h2 -o "$tmp/body" -w '%{http_code}' -H "x-long: $long" "$base/healthz" >"$tmp/meta"
check "header block over 16384 bytes: 431" grep -qx 431 "$tmp/meta"
long=$(head -c 15000 /dev/zero | tr '\0' 'x')
h2 -o "$tmp/body" -w '%{http_code}' -H "x-long: $long" "$base/healthz" >"$tmp/meta"
check "header block under the cap: 200" grep -qx 200 "$tmp/meta"

# --- HTTP/1.1 on the h2c port ---
curl -s --http1.1 --max-time 5 -o "$tmp/body" -w '%{http_code}' "$base/healthz" >"$tmp/meta"
check "HTTP/1.1 request: answered 505" grep -qx 505 "$tmp/meta"
check "server stays up after HTTP/1.1" test "$(h2 -o /dev/null -w '%{http_code}' "$base/healthz")" = 200

# --- real clients under load ---
nghttp -n -H "$auth" "$base/healthz" "$base/v1/subjects/$subject/score" >"$tmp/nghttp" 2>&1
check "nghttp -n of two routes exits 0" test $? -eq 0
h2load -n 2000 -c 10 -m 10 "$base/healthz" >"$tmp/h2load" 2>&1
check "h2load -n 2000 -c 10 -m 10: 2000 succeeded, 0 failed, 0 errored" \
  grep -q 'requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored' "$tmp/h2load"
check "h2load: all responses 2xx" grep -q 'status codes: 2000 2xx' "$tmp/h2load"
h2load -n 1000 -c 1 -m 100 -H "$auth" "$base/v1/subjects/$subject/score?as_of=2026-11-29" >"$tmp/h2load" 2>&1
check "h2load -c 1 -m 100 (100 concurrent streams): 1000 succeeded, all 2xx" \
  grep -q 'status codes: 1000 2xx' "$tmp/h2load"
grep -E '^(requests|status codes):' "$tmp/h2load" | sed 's/^/# /'
h2load -n 2000 -c 200 -m 1 "$base/healthz" >"$tmp/h2load" 2>&1
check "h2load -c 200 (200 connections at once): 2000 succeeded, all 2xx" \
  grep -q 'status codes: 2000 2xx' "$tmp/h2load"

# --- SIGTERM under load: stop accepting, drain and exit 0 ---
h2load -n 1000000 -c 4 -m 10 "$base/healthz" >"$tmp/h2load-term" 2>&1 &
loadpid=$!
sleep 0.5
kill -TERM "$pid"
rc=
for _ in $(seq 50); do
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; rc=$?; break; fi
  sleep 0.1
done
check "SIGTERM: exit status 0 within 5 s (got '${rc:-still running}')" test "${rc:-x}" = 0
[ -z "$rc" ] || pid=
for _ in $(seq 50); do kill -0 "$loadpid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$loadpid" 2>/dev/null && nok "h2load ends when the server goes away" ||
  ok "h2load ends when the server goes away"
wait "$loadpid" 2>/dev/null
grep -E '^(requests|status codes):' "$tmp/h2load-term" | sed 's/^/# /'
check "SIGTERM under load: responses were served before the stop (some 2xx)" \
  grep -qE '^status codes: [1-9][0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx' "$tmp/h2load-term"
check "SIGTERM: nothing on stderr but the start line (no sanitizer report)" \
  test "$(grep -vc '^yrdcreditd: serving h2c on ' "$tmp/daemon.err")" = 0
sed 's/^/# daemon: /' "$tmp/daemon.err" | head -20

# --- --config FILE: the API uses that file too (model and score cache), not DATA_DIR/config.json ---
"$cli" --data "$data" score "$csub" --as-of 2026-11-29 >"$tmp/c.cli"
sed 's/"score-v1"/"score-v1-cfgtest"/' "$data/model/score-v1.json" >"$tmp/other-model.json"
$py - "$data/config.json" "$tmp/other.json" "$tmp/other-model.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["model"] = sys.argv[3]
c.setdefault("api", {})["score_cache_entries"] = 0
json.dump(c, open(sys.argv[2], "w"))
PY
port2=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$daemon" --data "$data" --config "$tmp/other.json" --h2c-listen "127.0.0.1:$port2" --listen off \
  --access-log /dev/null 2>"$tmp/daemon4.err" &
pid3=$!
up=
for _ in $(seq 100); do
  if [ "$(h2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port2/healthz")" = 200 ]; then up=1; break; fi
  kill -0 "$pid3" 2>/dev/null || break
  sleep 0.1
done
check "yrdcreditd --config FILE starts" test -n "$up"
h2 -o "$tmp/ready3" "http://127.0.0.1:$port2/readyz"
check "--config FILE with another model: /readyz names it (score-v1-cfgtest)" \
  grep -q '"version":"score-v1-cfgtest"' "$tmp/ready3"
h2 -o "$tmp/c.cfg" "http://127.0.0.1:$port2/v1/subjects/$csub/score?as_of=2026-11-29"
printf '\n' >>"$tmp/c.cfg"
sed 's/"version":"score-v1"/"version":"score-v1-cfgtest"/; s/"digest":"[0-9a-f]*"/"digest":"D"/' "$tmp/c.cli" >"$tmp/c.cli.cfg"
sed 's/"digest":"[0-9a-f]*"/"digest":"D"/' "$tmp/c.cfg" >"$tmp/c.cfg.d"
check "... and scores with it: the CLI's bytes but for the model's version and digest" \
  cmp -s "$tmp/c.cfg.d" "$tmp/c.cli.cfg"
check "... which differ from the data dir's model digest" \
  test "$(grep -o '"digest":"[0-9a-f]*"' "$tmp/c.cfg")" != "$(grep -o '"digest":"[0-9a-f]*"' "$tmp/c.cli")"
kill -TERM "$pid3"
wait "$pid3"
check "the --config server exits 0 on SIGTERM" test $? -eq 0
check "... with nothing on stderr but its start line (no sanitizer report)" \
  test "$(grep -vc '^yrdcreditd: serving h2c on ' "$tmp/daemon4.err")" = 0

# --- limits from DATA_DIR/config.json ("server" object) ---
$py - "$data/config.json" 0 <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["server"]["max_body_bytes"] = int(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"))
PY
"$daemon" --data "$data" --h2c-listen "127.0.0.1:$port" --listen 127.0.0.1:0 2>"$tmp/daemon2.err"
check "server.max_body_bytes 0 in config.json: exit 4 (got $?)" test $? -eq 4
check "the error names server.max_body_bytes" grep -q 'server.max_body_bytes' "$tmp/daemon2.err"
$py - "$data/config.json" 1000 <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["server"]["max_body_bytes"] = int(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"))
PY
"$daemon" --data "$data" --h2c-listen "127.0.0.1:$port" --listen 127.0.0.1:0 2>"$tmp/daemon2.err" &
pid=$!
up=
for _ in $(seq 100); do
  if [ "$(h2 -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ]; then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
check "yrdcreditd restarts with server.max_body_bytes 1000" test -n "$up"
head -c 1001 /dev/zero | tr '\0' ' ' >"$tmp/big"
h2 -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary @"$tmp/big" "$base/v1/records" >"$tmp/meta"
check "config limit: body of 1001 bytes: 413" grep -qx 413 "$tmp/meta"
head -c 1000 /dev/zero | tr '\0' ' ' >"$tmp/limit"
h2 -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary @"$tmp/limit" "$base/v1/records" >"$tmp/meta"
check "config limit: body of exactly 1000 bytes reaches the API (400)" grep -qx 400 "$tmp/meta"
check "without --access-log the access log goes to stderr (one line per request)" \
  test "$(grep -c '"method":"POST","path":"/v1/records"' "$tmp/daemon2.err")" = 2
kill -TERM "$pid"
wait "$pid"
check "SIGTERM after the restart: exit 0" test $? -eq 0
pid=

# A port another process listens on: exit 4 and the reason (not a bare "I/O error").
$py - "$daemon" "$data" >"$tmp/busy.out" 2>&1 <<'PY'
import socket, subprocess, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
r = subprocess.run([sys.argv[1], "--data", sys.argv[2], "--listen", "off",
                    "--h2c-listen", f"127.0.0.1:{s.getsockname()[1]}"],
                   capture_output=True, text=True, timeout=20)
print(r.returncode, r.stderr.strip())
PY
check "a port in use: exit 4, 'Address already in use' on stderr" \
  grep -q '^4 yrdcreditd: cannot serve (h2c 127.0.0.1:[0-9]*): I/O error (Address already in use)$' "$tmp/busy.out"

tap_done
