#!/usr/bin/env bash
# End-to-end tests of `yrdcredit keys new|list|rotate|retire` on the real binary (TAP output).
# usage: test_keys.sh YRDCREDIT_BINARY SOURCE_ROOT
set -u
cli=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export YRDCREDIT_ETC="$src/etc"
data="$tmp/data"
. "$src/tests/support/tap.sh"
py=/usr/bin/python3
run() { # capture stdout, stderr and exit status of the CLI
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
}
# jq-like checks on `keys list --json` (stdin): python expression over `k` (the array).
jcheck() {
  "$py" -c 'import json,sys; k=json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" <"$tmp/out"
}

# --- init ---
run init "$data"
check "init exits 0" test "$rc" -eq 0
check "init writes keys/master.key with mode 0600, 32 bytes" \
  test "$(stat -c '%a %s' "$data/keys/master.key")" = "600 32"
check "init writes keys/signing.json with mode 0600" \
  test "$(stat -c %a "$data/keys/signing.json")" = 600

# --- list ---
run keys list --data "$data"
check "keys list exits 0" test "$rc" -eq 0
check "keys list: 2 lines" test "$(wc -l <"$tmp/out")" -eq 2
check "keys list: one active attestation key and one active status_list key" \
  eval '[ "$(awk "{print \$2, \$3}" "$tmp/out" | sort | tr "\n" ";")" = "attestation active;status_list active;" ]'
check "keys list: 43-character kids, ISO 8601 not_before, '-' for retired_at and drop_at" \
  eval '! grep -vqE "^[A-Za-z0-9_-]{43} [a-z_]+ +[a-z]+ +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z - -\$" "$tmp/out"'
old_att=$(awk '$2 == "attestation" {print $1}' "$tmp/out")
old_sl=$(awk '$2 == "status_list" {print $1}' "$tmp/out")
"$cli" --data "$data" keys list --json >"$tmp/out" 2>"$tmp/err"; rc=$?
check "keys list --json (global --data) exits 0" test "$rc" -eq 0
check "keys list --json: 2 active keys with created == not_before and null retired_at" \
  jcheck 'len(k) == 2 and all(x["state"] == "active" and x["created"] == x["not_before"] and x["retired_at"] is None and x["drop_at"] is None for x in k)'

# --- rotate with --publish-seconds 0: the new key signs at once ---
run keys rotate --data "$data" --purpose attestation --publish-seconds 0
check "keys rotate --publish-seconds 0 exits 0" test "$rc" -eq 0
new1=$(cat "$tmp/out")
check "keys rotate prints the new 43-character kid" test "${#new1}" -eq 43
run keys list --data "$data" --json
check "after rotate: the new key is active and the latest attestation key; the old one retired" \
  jcheck "[x['state'] for x in k] == ['retired', 'active', 'active'] and k[2]['kid'] == '$new1' and k[0]['kid'] == '$old_att' and k[2]['purpose'] == 'attestation'"
check "after rotate: old drop_at = retired_at + 90 days + 86400 s (config defaults)" \
  jcheck "k[0]['retired_at'] == k[2]['not_before'] and k[0]['drop_at'] == k[0]['retired_at'] + 90 * 86400 + 86400"

# --- rotate with the default publication time (attest.key_publish_s = 3600) ---
run keys rotate --data "$data" --purpose attestation
check "keys rotate (default publish time) exits 0" test "$rc" -eq 0
new2=$(cat "$tmp/out")
run keys list --data "$data" --json
check "the second new key is published for 3600 s; the first still active until then" \
  jcheck "k[3]['kid'] == '$new2' and k[3]['state'] == 'published' and k[3]['not_before'] - k[3]['created'] == 3600 and k[2]['state'] == 'active' and k[2]['retired_at'] == k[3]['not_before']"

# --- retire ---
run keys retire --data "$data" "$old_sl"
check "retiring the only status_list key is refused (exit 2)" test "$rc" -eq 2
check "the refusal names --force" grep -q -- '--force' "$tmp/err"
run keys retire --data "$data" "$old_sl" --force
check "keys retire --force exits 0" test "$rc" -eq 0
run keys list --data "$data" --json
check "the status_list key is retired with drop_at 90 days + 86400 s later" \
  jcheck "k[1]['kid'] == '$old_sl' and k[1]['state'] == 'retired' and k[1]['drop_at'] - k[1]['retired_at'] == 90 * 86400 + 86400"
run keys retire --data "$data" "$old_sl" --force
check "retiring a retired key again exits 2" test "$rc" -eq 2
run keys retire --data "$data" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
check "retiring an unknown kid exits 3" test "$rc" -eq 3

# --- new ---
run keys new --data "$data" --purpose status_list --publish-seconds 60
check "keys new exits 0" test "$rc" -eq 0
new3=$(cat "$tmp/out")
run keys list --data "$data" --json
check "keys new: published for 60 s, nothing else retired" \
  jcheck "len(k) == 5 and k[4]['kid'] == '$new3' and k[4]['state'] == 'published' and k[4]['not_before'] - k[4]['created'] == 60 and k[3]['retired_at'] is None"

# --- usage errors and limits ---
run keys --data "$data"
check "keys without a subcommand exits 2" test "$rc" -eq 2
run keys rotate --data "$data" --purpose log
check "an unknown purpose exits 2" test "$rc" -eq 2
run keys rotate --data "$data"
check "rotate without --purpose exits 2" test "$rc" -eq 2
run keys new --data "$data" --purpose attestation --publish-seconds 2592001
check "--publish-seconds 2592001 (one past 30 days) exits 2" test "$rc" -eq 2
run keys new --data "$data" --purpose attestation --publish-seconds 2592000
check "--publish-seconds 2592000 (30 days) exits 0" test "$rc" -eq 0
run keys list --data "$tmp/nowhere"
check "keys list without signing.json exits 3" test "$rc" -eq 3
run keys rotate --data "$tmp/nowhere" --purpose attestation
check "keys rotate without a data directory exits 4" test "$rc" -eq 4
run keys --help
check "keys --help exits 0 and prints the usage" eval '[ "$rc" -eq 0 ] && grep -q "keys \[--data DIR\] rotate" "$tmp/out"'

# --- concurrent writers: the lock keeps every rotation ---
before=$("$cli" keys list --data "$data" | wc -l)
pids=()
for i in 1 2 3 4 5 6 7 8; do
  purpose=attestation; [ $((i % 2)) -eq 0 ] && purpose=status_list
  "$cli" keys rotate --data "$data" --purpose "$purpose" --publish-seconds 0 >"$tmp/rot$i" 2>&1 &
  pids+=($!)
done
allok=0
for p in "${pids[@]}"; do wait "$p" || allok=1; done
check "8 concurrent keys rotate all exit 0" test "$allok" -eq 0
run keys list --data "$data" --json
check "after 8 concurrent rotations: a valid file with 8 more keys, all kids distinct" \
  jcheck "len(k) == $before + 8 and len(set(x['kid'] for x in k)) == len(k)"
check "after them: exactly one attestation and one status_list key not retired" \
  jcheck "sorted(x['purpose'] for x in k if x['retired_at'] is None) == ['attestation', 'status_list']"

# --- tampering ---
cp "$data/keys/signing.json" "$tmp/signing.good"
"$py" - "$data/keys/signing.json" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
s = d["keys"][0]["sealed_seed"]
d["keys"][0]["sealed_seed"] = s[:40] + ("B" if s[40] == "A" else "A") + s[41:]
json.dump(d, open(p, "w"))
EOF
run keys list --data "$data"
check "a flipped sealed_seed byte: keys list exits 4" test "$rc" -eq 4
check "the message names the kid" grep -q "$old_att" "$tmp/err"
run keys rotate --data "$data" --purpose attestation
check "rotate refuses to rewrite a corrupt file (exit 4)" test "$rc" -eq 4
cp "$tmp/signing.good" "$data/keys/signing.json"
run keys list --data "$data"
check "restored file lists again (exit 0)" test "$rc" -eq 0

# --- old data directory without signing keys ---
run init "$tmp/old"
rm -f "$tmp/old/keys/master.key" "$tmp/old/keys/signing.json"
run keys list --data "$tmp/old"
check "old data dir: keys list exits 3" test "$rc" -eq 3
run keys new --data "$tmp/old" --purpose attestation --publish-seconds 0
check "old data dir: keys new exits 0" test "$rc" -eq 0
check "old data dir: keys new says it created signing.json" grep -q "created .*signing.json" "$tmp/err"
check "old data dir: master.key created with mode 0600" \
  test "$(stat -c %a "$tmp/old/keys/master.key")" = 600
run keys list --data "$tmp/old"
check "old data dir: one active attestation key" \
  eval '[ "$(awk "{print \$2, \$3}" "$tmp/out")" = "attestation active" ]'

# --- regression of issue 6: a kid is base64url and may begin with '-' (1 in 64): `keys retire`
# takes it as the KID, not as options (a usage error before) ---
dash_kid=-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
run keys retire --data "$tmp/old" "$dash_kid"
check "regression of issue 6: keys retire of a kid beginning with '-': unknown kid, exit 3" \
  test "$rc" -eq 3
check "... named in the message" grep -qF -- "no key $dash_kid" "$tmp/err"
run keys retire --data "$tmp/old" -AAAA
check "... a short '-' word is still an option: usage, exit 2" test "$rc" -eq 2

tap_done
