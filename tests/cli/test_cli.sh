#!/usr/bin/env bash
# End-to-end tests of the real `yrdcredit` binary on the sample data (TAP output).
# usage: test_cli.sh YRDCREDIT_BINARY SOURCE_ROOT
set -u
cli=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export YRDCREDIT_ETC="$src/etc"
data="$tmp/data"
. "$src/tests/support/tap.sh"
run() { # capture stdout, stderr and exit status of the CLI
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
}
py=/usr/bin/python3
samples=("$src"/samples/*.csv "$src"/samples/*.jsonl)

# --- init ---
run init "$data"
check "init creates a data directory (exit 0)" test "$rc" -eq 0
check "init writes keys with mode 0600" test "$(stat -c %a "$data/keys/pseudonym.key")" = 600
check "init copies the model" cmp -s "$data/model/score-v1.json" "$src/etc/model/score-v1.json"
check "init copies the policy: lists, recognition and the three measure catalogues (issue 5)" \
  eval '(cmp -s "$data/policy/lists.json" "$src/etc/policy/lists.json" &&
         cmp -s "$data/policy/recognition.json" "$src/etc/policy/recognition.json" &&
         for r in 330782 330100 310000; do cmp -s "$data/policy/measures/$r.json" "$src/etc/policy/measures/$r.json" || exit 1; done)'
check "init writes the TLS key with mode 0600" test "$(stat -c %a "$data/tls/key.pem")" = 600
openssl x509 -in "$data/tls/cert.pem" -noout -text >"$tmp/cert.txt" 2>&1
check "init's certificate: ECDSA P-256, signed with SHA-256" \
  eval 'grep -q "NIST CURVE: P-256" "$tmp/cert.txt" && grep -q "Signature Algorithm: ecdsa-with-SHA256" "$tmp/cert.txt"'
check "init's certificate names DNS:localhost, IP 127.0.0.1 and ::1" \
  grep -q 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' "$tmp/cert.txt"
check "init's certificate is valid now and for 800 more days, not for 826" \
  eval 'openssl x509 -in "$data/tls/cert.pem" -noout -checkend $((800 * 86400)) >/dev/null &&
        ! openssl x509 -in "$data/tls/cert.pem" -noout -checkend $((826 * 86400)) >/dev/null'
check "init's key matches its certificate" \
  test "$(openssl pkey -in "$data/tls/key.pem" -pubout 2>/dev/null)" = \
       "$(openssl x509 -in "$data/tls/cert.pem" -noout -pubkey 2>/dev/null)"
check "init's certificate verifies as its own trust anchor for localhost (server use)" \
  eval 'openssl verify -CAfile "$data/tls/cert.pem" -purpose sslserver -verify_hostname localhost "$data/tls/cert.pem" >/dev/null 2>&1'
run init "$data"
check "init refuses a non-empty directory (exit 2)" test "$rc" -eq 2
mkdir "$tmp/empty"
run init "$tmp/empty"
check "init accepts an existing empty directory" test "$rc" -eq 0

# --- import the samples ---
rows=$($py "$src/tests/cli/sample_facts.py" rows "$src/samples")
run --data "$data" import "${samples[@]}"
check "import of every sample file exits 0 (no rejected row)" test "$rc" -eq 0
check "import summary counts every sample row as imported" \
  grep -qx "imported $rows, superseded 0, duplicates 0, rejected 0" "$tmp/out"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/err" | head -20

# --- re-import changes nothing ---
cp "$data/lmdb/data.mdb" "$tmp/before.mdb"
run --data "$data" import "${samples[@]}"
check "re-import: exit 0" test "$rc" -eq 0
check "re-import: every row is a duplicate" \
  grep -qx "imported 0, superseded 0, duplicates $rows, rejected 0" "$tmp/out"
mdb_dump -s records "$data/lmdb" >"$tmp/after.dump" 2>/dev/null
cp "$tmp/before.mdb" "$tmp/b/data.mdb" 2>/dev/null || { mkdir -p "$tmp/b"; cp "$tmp/before.mdb" "$tmp/b/data.mdb"; }
mdb_dump -s records "$tmp/b" >"$tmp/before.dump" 2>/dev/null
check "re-import: the records table is byte-identical" cmp -s "$tmp/before.dump" "$tmp/after.dump"

# --- privacy: no individual's document number or name anywhere in the data dir ---
$py "$src/tests/cli/sample_facts.py" pii "$src/samples" >"$tmp/pii"
npii=$(wc -l <"$tmp/pii")
check "samples contain at least 30 individuals' numbers and names ($npii strings)" test "$npii" -ge 60
leaks=$(grep -a -r -F -l -f "$tmp/pii" "$data" || true)
check "no document number or name of an individual occurs in any file of the data dir" test -z "$leaks"
[ -z "$leaks" ] || echo "# leaked into: $leaks"

# --- score ---
merchant=$($py "$src/tests/cli/sample_facts.py" merchant "$src/samples")
run --data "$data" score "$merchant" --as-of 2026-11-29
check "score of a sample merchant exits 0" test "$rc" -eq 0
check "score JSON has the issue's keys" $py -c "
import json,sys
o=json.load(open('$tmp/out'))
assert list(o)==['subject_id','subject_type','as_of','score','grade','model','reasons','changes_on'],list(o)
assert o['subject_id']=='$merchant' and o['as_of']=='2026-11-29'
assert 0<=o['score']<=1000 and o['grade'] in 'ABCD'
assert len(o['model']['digest'])==64
"
digest=$(sha256sum "$data/model/score-v1.json" | cut -d' ' -f1)
check "model digest is the SHA-256 of the model file" grep -q "\"digest\":\"$digest\"" "$tmp/out"
run --data "$data" records "$merchant"
check "records of a sample merchant exits 0 with a JSON array" \
  $py -c "import json; a=json.load(open('$tmp/out')); assert isinstance(a,list) and a and a[0]['subject_id']=='$merchant'"

# --- individuals: lookup gives the pseudonym, score works, records hide the name ---
doc=$($py "$src/tests/cli/sample_facts.py" person "$src/samples")
pid=$(echo "$doc" | "$cli" --data "$data" lookup --doc-type resident_id -)
check "lookup prints a P + 32 base32 pseudonym" $py -c "import re,sys; assert re.fullmatch('P[A-Z2-7]{32}', '$pid')"
run --data "$data" score "$pid" --as-of 2026-11-29
check "score of a sample individual by pseudonym exits 0 with a band" \
  $py -c "import json; o=json.load(open('$tmp/out')); assert o['subject_type']=='natural_person' and o['band'] in ('needs_improvement','fair','good','very_good','excellent')"
run --data "$data" records "$pid"
check "records of an individual carry no name" $py -c "import json; a=json.load(open('$tmp/out')); assert all('name' not in r for r in a)"
lower=$(echo "$doc" | tr X x)
pid2=$(echo "$lower" | "$cli" --data "$data" lookup --doc-type resident_id -)
check "lookup normalizes the number (same pseudonym)" test "$pid" = "$pid2"
pid3=$(echo "  $doc  " | "$cli" --data "$data" lookup --doc-type resident_id -)
check "lookup trims surrounding spaces as import does" test "$pid" = "$pid3"
printf '%s\n%s\n' "$doc" "$doc" | "$cli" --data "$data" lookup --doc-type resident_id - >/dev/null 2>"$tmp/err"
rc=$?
check "lookup refuses a second number on stdin (exit 2)" eval 'test $rc -eq 2 && grep -q "one number per call" "$tmp/err"'

# --- errors: invalid and unknown subjects, bad dates ---
run --data "$data" score 91330782MA2K1X8G2X
check "score of an invalid USCC exits 2 naming subject_id" eval 'test $rc -eq 2 && grep -q subject_id "$tmp/err"'
unknown=$($py "$src/tests/cli/sample_facts.py" unknown "$src/samples")
run --data "$data" score "$unknown"
check "score of a valid but unknown USCC exits 3" test "$rc" -eq 3
run --data "$data" score "$merchant" --as-of 2026-02-30
check "score with an impossible --as-of exits 2 naming as_of" eval 'test $rc -eq 2 && grep -q as_of "$tmp/err"'
run --data "$data" lookup --doc-type resident_id 330782199001011235
check "lookup of a bad check digit exits 2" test "$rc" -eq 2
run --data "$tmp/nowhere" score "$merchant"
check "a missing data dir exits 4 with advice" eval 'test $rc -eq 4 && grep -q "yrdcredit init" "$tmp/err"'

# --- a broken calendar in the data dir is named with its line ---
cp -r "$data" "$tmp/caldata"
echo "2025-13-01 holiday" >>"$tmp/caldata/calendar.txt"
lines=$(wc -l <"$tmp/caldata/calendar.txt")
run --data "$tmp/caldata" score "$merchant"
check "a bad calendar line exits 2 naming file and line" \
  eval 'test $rc -eq 2 && grep -q "calendar.txt:$lines: " "$tmp/err"'

# --- a replaced key file is refused (exit 4), never a second pseudonym ---
cp -r "$data" "$tmp/keydata"
rm "$tmp/keydata/keys/pseudonym.key"
head -c 32 /dev/urandom >"$tmp/keydata/keys/pseudonym.key"
chmod 600 "$tmp/keydata/keys/pseudonym.key"
run --data "$tmp/keydata" import "$src"/samples/yiwu-sxbzxr.jsonl
check "a replaced pseudonym.key: exit 4 naming the key, nothing imported" \
  eval 'test $rc -eq 4 && grep -q "not the key this store was created with" "$tmp/err"'

# --- an empty file imports nothing and says so ---
: >"$tmp/empty.csv"
run --data "$data" import "$tmp/empty.csv"
check "an empty file: exit 0, imported 0, a warning naming it" \
  eval 'test $rc -eq 0 && grep -q "^imported 0, " "$tmp/out" && grep -q "empty.csv: warning: no data rows" "$tmp/err"'

# --- --atomic: a file with one bad row imports nothing ---
bad="$tmp/bad.csv"
$py "$src/tests/cli/sample_facts.py" badfile "$src/samples" "$bad"
run --data "$data" import --atomic "$bad"
check "--atomic with a bad row exits 2" test "$rc" -eq 2
check "--atomic imported nothing" grep -q "^imported 0, " "$tmp/out"
check "the rejected row is reported as FILE:ROW: FIELD: REASON" grep -q "bad.csv:3: CF_JDRQ: " "$tmp/err"
run --data "$data" import "$bad"
check "without --atomic the good rows are imported and exit is 1" eval 'test $rc -eq 1 && grep -q "^imported 1, superseded 0, duplicates 0, rejected 1" "$tmp/out"'

# --- a changed record supersedes ---
$py "$src/tests/cli/sample_facts.py" changed "$src/samples" "$tmp/changed.csv"
run --data "$data" import "$tmp/changed.csv"
check "a changed record (same authority and 文书号) supersedes" grep -qx "imported 0, superseded 1, duplicates 0, rejected 0" "$tmp/out"

# --- gen: deterministic, and imports without rejects ---
run gen --merchants 300 --individuals 600 --seed 7 --out "$tmp/g1"
run gen --merchants 300 --individuals 600 --seed 7 --out "$tmp/g2"
check "gen is deterministic for a seed" diff -r "$tmp/g1" "$tmp/g2"
"$cli" init "$tmp/gdata" >/dev/null
run --data "$tmp/gdata" import "$tmp"/g1/*
check "gen output imports with no rejected row" eval 'test $rc -eq 0 && grep -q "rejected 0$" "$tmp/out"'
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/err" | head -5
run gen --merchants x
check "gen with a non-numeric --merchants exits 2" test "$rc" -eq 2

# --- kill -9 in the middle of an import loses nothing that was committed ---
"$cli" gen --merchants 40000 --individuals 20000 --seed 3 --out "$tmp/g3" 2>/dev/null
total=$(( $(cat "$tmp"/g3/* | wc -l) - 2 ))
"$cli" init "$tmp/kdata" >/dev/null
"$cli" --data "$tmp/kdata" import "$tmp"/g3/xzxk.csv "$tmp"/g3/xzcf.csv "$tmp"/g3/records.jsonl \
  "$tmp"/g3/sxbzxr.jsonl "$tmp"/g3/xycn.jsonl >"$tmp/k.out" 2>&1 &
kpid=$!
committed=0
for _ in $(seq 1 600); do
  committed=$(mdb_stat -s records "$tmp/kdata/lmdb" 2>/dev/null | awk '/Entries/ {print $2}')
  [ "${committed:-0}" -gt 0 ] && break
  sleep 0.05
done
kill -9 "$kpid" 2>/dev/null; wait "$kpid" 2>/dev/null
after=$(mdb_stat -s records "$tmp/kdata/lmdb" | awk '/Entries/ {print $2}')
check "kill -9 during import: the store opens and keeps what was committed ($after of $total)" \
  test "${after:-0}" -ge "${committed:-1}"
run --data "$tmp/kdata" import "$tmp"/g3/xzxk.csv "$tmp"/g3/xzcf.csv "$tmp"/g3/records.jsonl \
  "$tmp"/g3/sxbzxr.jsonl "$tmp"/g3/xycn.jsonl
check "after kill -9 a re-import completes: committed rows are duplicates, the rest imported" \
  grep -qx "imported $((total - after)), superseded 0, duplicates $after, rejected 0" "$tmp/out"
[ "$rc" -eq 0 ] || { cat "$tmp/out"; head -3 "$tmp/err"; } | sed 's/^/# /'

# --- help on every command ---
for c in init import score records lookup gen; do
  run "$c" --help
  check "$c --help exits 0 and prints usage" eval 'test $rc -eq 0 && grep -q "usage: yrdcredit $c" "$tmp/out"'
done

tap_done
