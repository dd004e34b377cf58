#!/usr/bin/env bash
# `yrdcredit clients add|list|revoke` on the real binary (TAP output): the token is printed once
# and only on stdout, never stored in clear anywhere under DATA; list shows no token or hash;
# revoke; limits at and past; permissions; a hand-edited bad member is named.
# usage: test_clients.sh YRDCREDIT_BINARY SOURCE_ROOT
set -u
cli=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/support/tap.sh"
py=/usr/bin/python3
data="$tmp/data"
run() { # capture stdout, stderr and exit status of the CLI
  "$cli" --data "$data" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
}
# N valid USCCs (GB 11714 organisation-code check, then GB 32100 check character), one a line
usccs() {
  "$py" - "$1" <<'PY'
import sys
A = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
for n in range(int(sys.argv[1])):
    s = "91330100%08d" % (5000 + n)
    c = 11 - sum(int(d) * w for d, w in zip(s[8:16], [3, 7, 9, 10, 5, 8, 4, 2])) % 11
    s += "X" if c == 10 else "0" if c == 11 else str(c)
    c = 31 - sum(A.index(ch) * w for ch, w in zip(s, W)) % 31
    print(s + A[0 if c == 31 else c])
PY
}
tok_re='^yc_[A-Za-z0-9_-]{43}$'

"$cli" init "$data" >/dev/null 2>&1
check "init" test -d "$data/keys"

# --- add: the token once, on stdout only ---
run clients add --role admin --name "Ops team"
check "add admin exits 0" test "$rc" -eq 0
check "stdout is exactly one line" test "$(wc -l <"$tmp/out")" -eq 1
tok=$(cat "$tmp/out")
check "stdout is the token yc_ + 43 base64url" grep -Eq "$tok_re" "$tmp/out"
id=$(grep -oE 'cl_[A-Za-z0-9_-]{16}' "$tmp/err" | head -1)
check "stderr names the new client id" test -n "$id"
check "stderr does not contain the token" bash -c '! grep -qF -- "$1" "$2"' _ "$tok" "$tmp/err"
check "DATA never holds the token in clear" bash -c '! grep -rqaF -- "$1" "$2"' _ "$tok" "$data"
check "DATA never holds the token's random part" bash -c '! grep -rqaF -- "$1" "$2"' _ "${tok#yc_}" "$data"
check "clients.json is mode 600" test "$(stat -c %a "$data/clients.json")" = 600
check "keys/clients.key is mode 600, 32 bytes" \
  test "$(stat -c %a:%s "$data/keys/clients.key")" = 600:32
hash=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["clients"][0]["token_hash"])' "$data/clients.json")
check "the stored hash is 43 base64url characters" bash -c '[[ $1 =~ ^[A-Za-z0-9_-]{43}$ ]]' _ "$hash"

run clients add --role admin --name "Ops team 2"
tok2=$(cat "$tmp/out")
check "a second add gives another token" test "$rc" -eq 0 -a "$tok2" != "$tok"

# --- roles and their arguments ---
run clients add --role provider --name "义乌市市场监督管理局" --authority 91110000710926094P --authority 91330100716105852F
check "provider with two authorities exits 0" test "$rc" -eq 0
prov_tok=$(cat "$tmp/out")
run clients add --role provider --name P
check "provider without --authority: exit 2, nothing on stdout" test "$rc" -eq 2 -a ! -s "$tmp/out"
run clients add --role provider --name P --authority 91330100716105852G
check "provider with a bad USCC: exit 2 naming authorities[0]" \
  bash -c '[ "$1" -eq 2 ] && grep -q "authorities\[0\]" "$2" && [ ! -s "$3" ]' _ "$rc" "$tmp/err" "$tmp/out"
mapfile -t u < <(usccs 65)
args=(); for x in "${u[@]:0:64}"; do args+=(--authority "$x"); done
run clients add --role provider --name Big "${args[@]}"
check "provider with 64 authorities exits 0" test "$rc" -eq 0
run clients add --role provider --name Big "${args[@]}" --authority "${u[64]}"
check "provider with 65 authorities: exit 2, nothing on stdout" test "$rc" -eq 2 -a ! -s "$tmp/out"
run clients add --role subject --name Shop --subject 91110000710926094P
check "subject client exits 0" test "$rc" -eq 0
run clients add --role subject --name Shop
check "subject without --subject: exit 2" test "$rc" -eq 2 -a ! -s "$tmp/out"
run clients add --role fi --name Bank --authority 91110000710926094P
check "fi with --authority: exit 2" test "$rc" -eq 2 -a ! -s "$tmp/out"
run clients add --role root --name X
check "unknown role: exit 2 with usage" bash -c '[ "$1" -eq 2 ] && grep -q "^usage:" "$2"' _ "$rc" "$tmp/err"
n65=$(printf 'n%.0s' $(seq 65)); n64=${n65:1}
run clients add --role fi --name "$n64"
check "name of 64 bytes exits 0" test "$rc" -eq 0
run clients add --role fi --name "$n65"
check "name of 65 bytes: exit 2 naming name" bash -c '[ "$1" -eq 2 ] && grep -q "(name)" "$2"' _ "$rc" "$tmp/err"
run clients
check "no subcommand: exit 2" test "$rc" -eq 2
run clients --help
check "--help exits 0 on stdout" bash -c '[ "$1" -eq 0 ] && grep -q "clients add" "$2"' _ "$rc" "$tmp/out"

# --- list: no token, no hash ---
run clients list
check "list exits 0 with 6 clients" test "$rc" -eq 0 -a "$(wc -l <"$tmp/out")" -eq 6
check "list shows the admin as active" grep -qP "^$id\tadmin\tactive\tOps team$" "$tmp/out"
check "list has no token and no hash" bash -c '! grep -qF -e "$1" -e "$2" -e "$3" -e token "$4"' _ "$tok" "$hash" "$prov_tok" "$tmp/out"
run clients list --json
check "list --json: exact members, no token or hash" "$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j) == 6, j
assert [c["role"] for c in j] == ["admin", "admin", "provider", "provider", "subject", "fi"]
assert j[0]["id"] == sys.argv[2] and j[0]["name"] == "Ops team" and j[0]["revoked_at"] is None
assert set(j[0]) == {"id", "role", "name", "created_at", "revoked_at"}, j[0]
assert j[2]["authorities"] == ["91110000710926094P", "91330100716105852F"]
assert j[2]["name"] == "义乌市市场监督管理局"
assert len(j[3]["authorities"]) == 64
assert j[4]["subject"] == "91110000710926094P"
text = open(sys.argv[1]).read()
assert "token" not in text and sys.argv[3] not in text
' "$tmp/out" "$id" "$hash"

# --- revoke ---
run clients revoke "$id"
check "revoke exits 0" test "$rc" -eq 0
run clients list
check "the revoked client stays listed as revoked" grep -qP "^$id\tadmin\trevoked\t" "$tmp/out"
run clients list --json
check "revoked_at is set" "$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert isinstance(j[0]["revoked_at"], int) and j[0]["revoked_at"] >= j[0]["created_at"]
assert j[1]["revoked_at"] is None
' "$tmp/out"
run clients revoke "$id"
check "regression of issue 6: revoking again: exit 2 (invalid input), says already revoked" \
  bash -c '[ "$1" -eq 2 ] && grep -qx "yrdcredit clients revoke: the client is already revoked (nothing done)" "$2"' _ "$rc" "$tmp/err"
run clients revoke cl_AAAAAAAAAAAAAAAA
check "revoking an unknown id: exit 3" test "$rc" -eq 3
run clients revoke
check "revoke without id: exit 2" test "$rc" -eq 2
check "after all this DATA still never holds a token" \
  bash -c 'd=$1; shift; for t in "$@"; do grep -rqaF -- "$t" "$d" && exit 1; done; exit 0' _ "$data" "$tok" "$tok2" "$prov_tok"

# --- permissions and hand edits ---
chmod 640 "$data/keys/clients.key"
run clients add --role admin --name X
check "key readable by group: add refused (exit 2), nothing on stdout" \
  bash -c '[ "$1" -eq 2 ] && [ ! -s "$2" ] && grep -q "keys/clients.key" "$3"' _ "$rc" "$tmp/out" "$tmp/err"
run clients list
check "key readable by group: list refused (exit 2)" test "$rc" -eq 2
chmod 600 "$data/keys/clients.key"
cp "$data/clients.json" "$tmp/good.json"
"$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
j["clients"][2]["authorities"][1] = "91330100716105852G"
json.dump(j, open(sys.argv[1], "w"))
' "$data/clients.json"
run clients list
check "hand-edited bad USCC: list exit 2 naming clients[2].authorities[1]" \
  bash -c '[ "$1" -eq 2 ] && grep -qF "clients[2].authorities[1]" "$2"' _ "$rc" "$tmp/err"
run clients add --role admin --name X
check "hand-edited bad registry: add refused and file untouched" \
  bash -c '[ "$1" -eq 2 ] && grep -q 91330100716105852G "$2"' _ "$rc" "$data/clients.json"
cp "$tmp/good.json" "$data/clients.json"
run clients list
check "restored registry lists again" test "$rc" -eq 0 -a "$(wc -l <"$tmp/out")" -eq 6

# --- a partner's issuer (mTLS pinning, issue 6 item 1) ---
run clients add --role partner --name Hangzhou --issuer https://attest.hangzhou.example
check "partner --issuer: exit 0, one token line" test "$rc" -eq 0 -a "$(grep -Ec "$tok_re" "$tmp/out")" -eq 1
check "partner --issuer: stored in the registry" \
  grep -q '"issuer":"https://attest.hangzhou.example"' "$data/clients.json"
run clients list --json
check "partner --issuer: list --json shows it" grep -q '"issuer": "https://attest.hangzhou.example"' "$tmp/out"
run clients add --role fi --name Bank --issuer https://attest.hangzhou.example
check "--issuer on an fi client: exit 2 naming issuer" \
  bash -c '[ "$1" -eq 2 ] && grep -qF "(issuer)" "$2"' _ "$rc" "$tmp/err"
run clients add --role partner --name X --issuer "https://a b.example"
check "--issuer with a space: exit 2" test "$rc" -eq 2
run clients add --role partner --name X --issuer "https://$(printf 'a%.0s' $(seq 247))"
check "--issuer of 255 bytes (the limit): exit 0" test "$rc" -eq 0
run clients add --role partner --name X --issuer "https://$(printf 'a%.0s' $(seq 248))"
check "--issuer of 256 bytes: exit 2" test "$rc" -eq 2
run clients add --role partner --name X --issuer https://
check "--issuer without a host: exit 2" test "$rc" -eq 2
cp "$data/clients.json" "$tmp/good2.json"
"$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
j["clients"][0]["issuer"] = "https://x.example"
json.dump(j, open(sys.argv[1], "w"))
' "$data/clients.json"
run clients list
check "hand-edited issuer on an admin client: list exit 2 naming clients[0].issuer" \
  bash -c '[ "$1" -eq 2 ] && grep -qF "clients[0].issuer" "$2"' _ "$rc" "$tmp/err"
cp "$tmp/good2.json" "$data/clients.json"
run clients revoke "$(grep -o '"id":"cl_[^"]*","role":"partner","name":"X"' "$data/clients.json" | head -1 | cut -d'"' -f4)"
check "revoke keeps the issuer" test "$rc" -eq 0 -a "$(grep -o '"issuer"' "$data/clients.json" | wc -l)" -eq 2

# --- 8 concurrent writers: the lock keeps every one ---
for k in 1 2 3 4 5 6 7 8; do
  "$cli" --data "$data" clients add --role partner --name "city $k" >"$tmp/par$k" 2>/dev/null &
done
wait
check "8 concurrent adds: 8 distinct tokens" test "$(cat "$tmp"/par? | grep -Ec "$tok_re" )" -eq 8 -a \
  "$(cat "$tmp"/par? | sort -u | wc -l)" -eq 8
run clients list
check "8 concurrent adds: all 16 clients listed" test "$rc" -eq 0 -a "$(wc -l <"$tmp/out")" -eq 16

tap_done
