#!/usr/bin/env bash
# Issue 6 item 7: the admin commands append audit entries after they act (ok, or refused when
# refused for a reason other than usage), `yrdcredit audit` lists them newest first, and no
# token reaches the audit output or DATA (TAP).  usage: test_audit.sh YRDCREDIT YRDCREDITD SRC
set -u
cli=$1
daemon=$2
src=$3
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
export YRDCREDIT_ETC="$src/etc"
. "$src/tests/support/tap.sh"
py=/usr/bin/python3
data="$tmp/data"
bail() { echo "Bail out! $*"; exit 1; }
run() { # capture stdout, stderr and exit status of the CLI
  "$cli" --data "$data" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
}
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
me="cli:$(id -un)"
# the audit listing without its time column (field 2)
listing() { "$cli" --data "$data" audit "$@" | cut -f1,3-; }

"$cli" init "$data" >/dev/null 2>&1 || bail "yrdcredit init failed"

# --- an empty log ---
run audit
check "audit on a fresh data dir: exit 0, no output" test "$rc:$(cat "$tmp/out")" = "0:"
run audit --json
check "audit --json on a fresh data dir: []" test "$rc:$(cat "$tmp/out")" = "0:[]"

# --- clients ---
run clients add --role fi --name "Bank of Ops"
tok=$(cat "$tmp/out")
cid=$(grep -oE 'cl_[A-Za-z0-9_-]{16}' "$tmp/err" | head -1)
check "clients add: exit 0, a token and an id" test "$rc:${#tok}:${#cid}" = "0:46:19"
run clients add --role provider --name "No authority"
check "regression of issue 6: clients add of a provider without --authority: exit 2, audited" \
  test "$rc" = 2
run clients add --role subject --name Shop --subject 11010119900307777X
check "regression of issue 6: clients add with a bad --subject: exit 2, audited (withheld)" \
  test "$rc:$(cat "$tmp/out")" = "2:"
run clients add --role fi --name "$(printf 'Bank\nB')"
check "regression of issue 6: clients add with a newline in the name: exit 2, audited" \
  test "$rc:$(cat "$tmp/out")" = "2:"
run clients revoke "$cid"
check "clients revoke: exit 0" test "$rc" = 0
run clients revoke "$cid"
check "regression of issue 6: clients revoke again: exit 2 (invalid input), says so" \
  bash -c '[ "$1" = 2 ] && grep -q "already revoked" "$2"' _ "$rc" "$tmp/err"
run clients revoke cl_AAAAAAAAAAAAAAAA
check "clients revoke of an unknown client: exit 3" test "$rc" = 3
run clients revoke 11010119900307777X
check "clients revoke of a document number: exit 3 (recorded with the target withheld)" \
  test "$rc" = 3

# --- keys ---
run keys new --purpose attestation --publish-seconds 0
kid1=$(cat "$tmp/out")
check "keys new: exit 0, a kid" test "$rc:${#kid1}" = "0:43"
run keys rotate --purpose status_list --publish-seconds 0
kid2=$(cat "$tmp/out")
check "keys rotate: exit 0, a kid" test "$rc:${#kid2}" = "0:43"
run keys retire "$kid1"
check "keys retire: exit 0" test "$rc" = 0
run keys retire "$kid1"
check "keys retire of a retired key: refused, exit 2" test "$rc" = 2
run keys retire "$(printf 'Z%.0s' $(seq 43))"
check "keys retire of an unknown kid: exit 3" test "$rc" = 3
run keys new --purpose nonsense
check "keys new --purpose nonsense: usage, exit 2 (not audited)" test "$rc" = 2

# --- trust (refresh against Debian's nghttpd over h2c, holding a JWKS) ---
mkdir -p "$tmp/www"
"$py" - >"$tmp/www/jwks.json" <<'EOF' || bail "no JWKS"
import json
# any Ed25519 JWK will do: RFC 8037 A.2's public key (kid = its RFC 7638 thumbprint)
print(json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}]}))
EOF
port=$(free_port)
nghttpd --no-tls -a 127.0.0.1 -d "$tmp/www" "$port" >/dev/null 2>&1 &
pids+=($!)
wait_port "$port" || bail "nghttpd did not start"
iss="http://127.0.0.1:$port"
pin=kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
run trust add --issuer "$iss" --city Yiwu --region 330782 --pin $pin --jwks-url "$iss/jwks.json"
check "trust add: exit 0" test "$rc" = 0
run trust add --issuer "$iss" --city Yiwu --region 330782 --pin $pin --jwks-url "$iss/jwks.json"
check "trust add of a partner again: exit 2" test "$rc" = 2
run trust add --issuer https://x.example --city X --region 12 --pin $pin --jwks-url https://x.example/j
check "trust add with a bad region: exit 2 (invalid argument, not audited)" test "$rc" = 2
run trust refresh "$iss"
check "trust refresh: exit 0" test "$rc" = 0
run trust refresh https://unknown.example
check "trust refresh of an unknown issuer: exit 3" test "$rc" = 3
run trust remove "$iss"
check "trust remove: exit 0" test "$rc" = 0
run trust remove "$iss"
check "trust remove again: exit 3" test "$rc" = 3

# --- policy reload: refused without a server, ok with one ---
run policy reload
check "policy reload with no server: exit 3" test "$rc" = 3
dport=$(free_port)
"$daemon" --data "$data" --h2c-listen "127.0.0.1:$dport" --listen off --workers 1 \
  2>"$tmp/daemon.err" &
dpid=$!
pids+=($dpid)
wait_port "$dport" || { sed "s/^/# /" "$tmp/daemon.err"; bail "yrdcreditd did not start"; }
for _ in $(seq 50); do [ -s "$data/yrdcreditd.pid" ] && break; sleep 0.1; done
run policy reload
check "policy reload with the server: exit 0" test "$rc" = 0
kill "$dpid"; wait "$dpid" 2>/dev/null

# --- share import: a batch that is not a JWS is refused ---
echo "not a batch" >"$tmp/bad.jws"
run share import "$tmp/bad.jws"
share_rc=$rc
check "share import of garbage: exit 2" test "$share_rc" = 2
run policy check
check "policy check (read-only): exit 0, not audited" test "$rc" = 0

# --- the listing, newest first ---
cat >"$tmp/want" <<EOF
22	$me	share_import	refused	-	malformed
21	$me	policy_reload	ok	-	sighup pid $dpid
20	$me	policy_reload	refused	-	no yrdcreditd
19	$me	trust_remove	refused	$iss	not a partner
18	$me	trust_remove	ok	$iss	-
17	$me	trust_refresh	refused	https://unknown.example	not a partner
16	$me	trust_refresh	ok	$iss	-
15	$me	trust_add	refused	$iss	already a partner
14	$me	trust_add	ok	$iss	region=330782 mtls_pins=0
13	$me	key_retire	refused	ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ	not found
12	$me	key_retire	refused	$kid1	already retired or the last usable key
11	$me	key_retire	ok	$kid1	-
10	$me	key_rotate	ok	$kid2	purpose=status_list
9	$me	key_new	ok	$kid1	purpose=attestation
EOF
listing >"$tmp/got"
check "audit lists every admin action, newest first, exactly" diff "$tmp/want" <(head -14 "$tmp/got")
sed -n '15,$p' "$tmp/got" >"$tmp/got_clients"
cat >"$tmp/want_clients" <<EOF
8	$me	client_revoke	refused	(withheld)	not found
7	$me	client_revoke	refused	cl_AAAAAAAAAAAAAAAA	not found
6	$me	client_revoke	refused	$cid	already revoked
5	$me	client_revoke	ok	$cid	-
4	$me	client_add	refused	-	role=fi: invalid argument or request (name)
3	$me	client_add	refused	-	role=subject: invalid argument or request (subject)
2	$me	client_add	refused	-	role=provider: invalid argument or request (authorities)
1	$me	client_add	ok	$cid	role=fi
EOF
check "audit lists the client actions, newest first, exactly (the document number withheld)" \
  diff "$tmp/want_clients" "$tmp/got_clients"
check "the time column is ISO 8601 UTC with milliseconds" bash -c \
  '[ "$("$1" --data "$2" audit | cut -f2 | grep -cE "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$")" = 22 ]' \
  _ "$cli" "$data"

# --- filter and limit ---
listing --action key_retire >"$tmp/got"
check "audit --action key_retire: the three retire entries, newest first" \
  test "$(cut -f1,3,4 "$tmp/got" | tr '\t\n' ' |')" = "13 key_retire refused|12 key_retire refused|11 key_retire ok|"
listing --action purge >"$tmp/got"
check "audit --action purge: nothing" test "$(cat "$tmp/got")" = ""
check "audit --limit 1: the newest entry" test "$(listing --limit 1 | cut -f1,3)" = "22	share_import"
check "audit --limit 2 --action trust_remove: 19 then 18" \
  test "$(listing --limit 2 --action trust_remove | cut -f1 | tr '\n' ' ')" = "19 18 "
run audit --limit 10000
check "audit --limit 10000 (the limit): exit 0, 22 lines" test "$rc:$(wc -l <"$tmp/out")" = "0:22"
run audit --limit 10001
check "audit --limit 10001 (one past): usage, exit 2" test "$rc:$(wc -c <"$tmp/out")" = "2:0"
run audit --limit 0
check "audit --limit 0: usage, exit 2" test "$rc" = 2
# regression of issue 6: the codes of breaker2 defect 5 parse (nothing of them here) and
# the help names them
for a in record_revoke attest_revoke attest_suspend attest_unsuspend; do
  run audit --action "$a"
  check "regression of issue 6: audit --action $a: exit 0, nothing" test "$rc:$(cat "$tmp/out")" = "0:"
done
run audit --action attestation_revoke
check "regression of issue 6: audit --action attestation_revoke (not a code): exit 2" test "$rc" = 2
check "regression of issue 6: audit --help names the new codes" \
  bash -c '"$1" audit --help | tr "\n" " " | grep -q "purge, record_revoke, attest_revoke, attest_suspend, attest_unsuspend\."' _ "$cli"
run audit --action frobnicate
check "audit --action frobnicate: usage, exit 2, names it" \
  bash -c '[ "$1" = 2 ] && grep -q "unknown action .frobnicate." "$2"' _ "$rc" "$tmp/err"
run audit extra
check "audit with an operand: usage, exit 2" test "$rc" = 2
run audit --json --limit 2
check "audit --json: the exact objects" test "$("$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(len(j), [(e["seq"], e["actor"], e["action"], e["outcome"], e["target"], e["detail"]) for e in j],
      all(isinstance(e["at_ms"], int) and e["at"].endswith("Z") for e in j), list(j[0]))
' "$tmp/out")" = "2 [(22, '$me', 'share_import', 'refused', '', 'malformed'), (21, '$me', 'policy_reload', 'ok', '', 'sighup pid $dpid')] True ['seq', 'at_ms', 'at', 'actor', 'action', 'outcome', 'target', 'detail']"

# --- no token, no document number anywhere ---
check "the audit output never holds the token" \
  bash -c '! "$1" --data "$2" audit --json | grep -qF -- "$3"' _ "$cli" "$data" "$tok"
check "DATA never holds the token in clear" bash -c '! grep -rqaF -- "$1" "$2"' _ "$tok" "$data"
check "DATA never holds the token's random part" \
  bash -c '! grep -rqaF -- "$1" "$2"' _ "${tok#yc_}" "$data"
check "DATA never holds the document number" \
  bash -c '! grep -rqaF -- 11010119900307777 "$1"' _ "$data"
check "DATA holds the client id (the grep can see the store)" grep -rqaF -- "$cid" "$data/lmdb"

# --- a data directory without a store records nothing, with a note ---
mkdir -p "$tmp/bare"
"$cli" --data "$tmp/bare" trust add --issuer https://y.example --city Y --region 330100 \
  --pin $pin --jwks-url https://y.example/j >"$tmp/out" 2>"$tmp/err"; rc=$?
check "trust add in a directory without a store: exit 0 as before" test "$rc" = 0
check "... with a note that the action is not in the audit log" \
  grep -q "has no store (run .yrdcredit init.), so this action (trust_add) is not in the audit log" "$tmp/err"
check "... and no store created" test ! -e "$tmp/bare/lmdb"
"$cli" --data "$tmp/bare" audit >"$tmp/out" 2>"$tmp/err"; rc=$?
check "audit in a directory without a store: exit 3" test "$rc" = 3

# --- the entry cannot be written: the action is done, the command says so and exits 4 ---
"$cli" init "$tmp/broken" >/dev/null 2>&1 || bail "init failed"
head -c 65536 /dev/zero >"$tmp/broken/lmdb/data.mdb"
"$cli" --data "$tmp/broken" trust add --issuer https://z.example --city Z --region 330100 \
  --pin $pin --jwks-url https://z.example/j >"$tmp/out" 2>"$tmp/err"; rc=$?
check "trust add with a broken store: exit 4" test "$rc" = 4
check "... saying the action was done but not audited" \
  grep -q "the action was done, but its audit entry (trust_add) could not be written" "$tmp/err"
check "... and the action was done" grep -q '"https://z.example"' "$tmp/broken/trust/partners.json"

tap_done
