#!/usr/bin/env bash
# Start-up safety (issue 7 scope item 8) against the real yrdcreditd: it refuses to start, with
# an exact exit status and one exact stderr line naming the file and the rule, when a key file
# (keys/*, the TLS private key) or keys/ is open to group or others, when a key file is
# missing, when the model, the rules, the calendar or a policy file fails validation (also
# the model of --config FILE), and when the store's schema_version is newer than the binary's
# (rewritten with lmdb-utils' mdb_dump/mdb_load); --allow-not-ready starts a not-ready
# instance (503) but never relaxes the key and schema rules.  TLS refuses TLS 1.0 and 1.1 and
# renegotiation (openssl s_client, the `R` command on TLS 1.2).
# usage: test_startup.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
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
bail() { echo "Bail out! $*"; exit 1; }
for p in curl openssl mdb_dump mdb_load timeout; do
  command -v "$p" >/dev/null || bail "$p is not installed (scripts/deps.sh; lmdb-utils)"
done

d=$tmp/d
"$cli" init "$d" >/dev/null 2>"$tmp/init.err" || bail "yrdcredit init: $(cat "$tmp/init.err")"
"$cli" --data "$d" clients add --role admin --name t >/dev/null 2>&1 || bail "clients add"
[ -f "$d/keys/clients.key" ] || bail "no keys/clients.key after clients add"
cp -a "$d" "$tmp/pristine"
restore() { rm -rf "$d" && cp -a "$tmp/pristine" "$d"; }

# refuse DESC EXIT LINE [daemon options]: yrdcreditd exits EXIT within 60 s (bound for a
# loaded ASan build; a refusal takes milliseconds) and its stderr is exactly LINE.
refuse() {
  local desc=$1 want_rc=$2 want=$3 rc got
  shift 3
  timeout 60 "$daemon" --data "$d" --h2c-listen 127.0.0.1:0 --listen off "$@" \
    >"$tmp/out" 2>"$tmp/err"
  rc=$?
  got=$(cat "$tmp/err")
  if [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ] && [ ! -s "$tmp/out" ]; then
    ok "$desc: exit $want_rc, stderr: $want"
  else
    nok "$desc: exit $want_rc, stderr: $want"
    echo "#   got exit $rc, stderr:"
    sed 's/^/#   /' "$tmp/err"
  fi
}

# serve OPTIONS...: start yrdcreditd (TLS and h2c on free ports), wait for its "serving" line;
# sets pid, h2c_port, tls_port.  Returns 1 when it exits or does not serve within 60 s.
serve() {
  : >"$tmp/serve.err"
  "$daemon" --data "$d" --h2c-listen 127.0.0.1:0 --listen 127.0.0.1:0 --workers 2 "$@" \
    2>"$tmp/serve.err" &
  pid=$!
  pids+=("$pid")
  local _
  for _ in $(seq 600); do
    if grep -q '^yrdcreditd: serving' "$tmp/serve.err"; then
      h2c_port=$(sed -n 's|.*h2c on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.err")
      tls_port=$(sed -n 's|.*(TLS) on https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.err")
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
stop() { kill -TERM "$pid" 2>/dev/null; wait "$pid"; }
status_of() { curl -s --http2-prior-knowledge --max-time 20 -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:$h2c_port$1"; }

# ---- the pristine data dir starts (every key 0600 in a 0700 keys/: the limit) ----
if serve; then
  check "a fresh data dir (keys 0600, keys/ 0700, TLS key 0600) serves: /readyz 200" \
    test "$(status_of /readyz)" = 200
  stop
  check "... and exits 0 on SIGTERM" test $? = 0
else
  nok "a fresh data dir serves"
  sed 's/^/#   /' "$tmp/serve.err"
fi

# ---- key files open to group or others: one bit past 0600 is refused ----
keyline() { # PATH MODE: the refusal line of a key file
  echo "yrdcreditd: $1: mode $2 lets group or others read or write a key file (rule: key files are mode 0600 in a keys/ of mode 0700; chmod 0600 $1)"
}
for spec in master.key:0640 pseudonym.key:0604 seal.key:0602 signing.json:0620 clients.key:0644; do
  f=${spec%%:*}
  m=${spec#*:}
  restore
  chmod "$m" "$d/keys/$f"
  refuse "keys/$f mode $m" 2 "$(keyline "$d/keys/$f" "$m")"
done
restore
chmod 0750 "$d/keys"
refuse "keys/ mode 0750" 2 "yrdcreditd: $d/keys: mode 0750 lets group or others into the keys directory (rule: key files are mode 0600 in a keys/ of mode 0700; chmod 0700 $d/keys)"
restore
chmod 0701 "$d/keys"
refuse "keys/ mode 0701 (search only)" 2 "yrdcreditd: $d/keys: mode 0701 lets group or others into the keys directory (rule: key files are mode 0600 in a keys/ of mode 0700; chmod 0700 $d/keys)"
restore
chmod 0640 "$d/tls/key.pem"
refuse "tls/key.pem mode 0640 with the TLS listener on" 2 \
  "$(keyline "$d/tls/key.pem" 0640)" --listen 127.0.0.1:0
restore
chmod 0644 "$d/keys/master.key"
refuse "--allow-not-ready does not relax the key-mode rule" 2 \
  "$(keyline "$d/keys/master.key" 0644)" --allow-not-ready

# ---- missing key files ----
missing() {
  echo "yrdcreditd: $d/$1: missing (rule: the key files \`yrdcredit init\` made must be present; a backup made without --with-keys has none: copy them back from where they are kept, mode 0600)"
}
for f in pseudonym.key seal.key master.key signing.json; do
  restore
  rm "$d/keys/$f"
  refuse "keys/$f missing" 4 "$(missing "keys/$f")"
done
restore
rm -r "$d/keys"
refuse "no keys/ at all (a backup without --with-keys)" 4 "$(missing keys/pseudonym.key)"

# ---- the model, rules, calendar and policy files fail validation ----
jedit() { # FILE PYTHON-STATEMENT on j (the parsed JSON), written back
  $py - "$1" "$2" <<'PY'
import json, sys
path, stmt = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    j = json.load(f)
exec(stmt)
with open(path, "w", encoding="utf-8") as f:
    json.dump(j, f, ensure_ascii=False)
PY
}
pre="yrdcreditd: refusing to start:"
restore
jedit "$d/model/score-v1.json" 'j["score_range"]["min"] = 2000'
refuse "model: score_range.min above max" 2 \
  "$pre $d/model/score-v1.json: invalid argument or request at \$.score_range.max"
restore
printf '{ not a model' >"$d/model/score-v1.json"
refuse "model: not JSON" 2 "$pre $d/model/score-v1.json: invalid argument or request at \$ (line 1, column 5): string or '}' expected near 'not'"
restore
jedit "$d/policy/measures/330100.json" 'j["measures"][0].pop("legal_basis")'
refuse "a measure without legal basis" 2 \
  "$pre $d/policy/measures/330100.json: 330100-P-001: missing member \"legal_basis\""
restore
jedit "$d/policy/lists.json" 'j["bogus"] = 1'
refuse "lists.json with an unknown field" 2 "$pre $d/policy/lists.json: \$.bogus: unknown member"
restore
jedit "$d/policy/recognition.json" 'j["schema"] = 5'
refuse "recognition.json with an unknown member" 2 \
  "$pre $d/policy/recognition.json: unknown member \"schema\""
restore
printf '{' >"$d/rules/penalty-categories.json"
refuse "rules: not JSON" 2 \
  "$pre $d/rules/penalty-categories.json: line 1: string or '}' expected near end of file"
restore
lines=$(($(wc -l <"$d/calendar.txt") + 1))
echo "2026-13-01 workday" >>"$d/calendar.txt"
refuse "calendar: a line that is not a date" 2 \
  "$pre $d/calendar.txt: line $lines: invalid argument or request"
restore
cp "$d/config.json" "$tmp/other.json"
jedit "$tmp/other.json" "j['model'] = '$tmp/other-model.json'"
printf '[]' >"$tmp/other-model.json"
refuse "--config FILE whose model fails validation" 2 \
  "$pre $tmp/other-model.json: invalid argument or request at \$" --config "$tmp/other.json"

restore
printf '{ not a keyring' >"$d/keys/signing.json"
refuse "keys/signing.json not JSON" 2 \
  "$pre $d/keys: signing.json: not JSON (line 1: string or '}' expected near 'not')"
restore
$py -c 'import sys; open(sys.argv[1], "wb").write(b"not an LMDB file " * 512)' "$d/lmdb/data.mdb"
refuse "lmdb/data.mdb not an LMDB file" 4 \
  "$pre $d/lmdb/data.mdb: not a yrdcredit store of this schema, or damaged (truncated?)"
# issue7_truncated_store: a data.mdb cut short (a half-copied file) was a SIGBUS, exit 135
restore
truncate -s 8192 "$d/lmdb/data.mdb"
refuse "issue7_truncated_store: lmdb/data.mdb cut to its two meta pages" 4 \
  "$pre $d/lmdb/data.mdb: not a yrdcredit store of this schema, or damaged (truncated?)"
restore
"$cli" --data "$d" import "$src"/samples/*.jsonl "$src"/samples/*.csv >/dev/null 2>"$tmp/imp.err" || bail "import samples: $(head -c 300 "$tmp/imp.err")"
half=$(( $(stat -c %s "$d/lmdb/data.mdb") / 2 / 4096 * 4096 ))
truncate -s "$half" "$d/lmdb/data.mdb"
refuse "issue7_truncated_store: lmdb/data.mdb with samples cut to half ($half bytes)" 4 \
  "$pre $d/lmdb/data.mdb: not a yrdcredit store of this schema, or damaged (truncated?)"
"$cli" --data "$d" score 92330782MA2KDDUY4M >"$tmp/out" 2>"$tmp/err"
rc=$?
check "issue7_truncated_store: the CLI on it exits 4, not by a signal (got $rc: $(head -c 200 "$tmp/err"))" \
  test "$rc" = 4
# issue7_clients_garbage: a registry that does not load refuses the start (it served, "ready",
# and answered 401 to every token)
restore
printf '{garbage' >"$d/clients.json"
refuse "issue7_clients_garbage: clients.json not JSON" 2 \
  "$pre $d/clients.json: invalid argument or request at clients.json"
restore
$py -c 'import json,sys; p=sys.argv[1]; j=json.load(open(p)); j["clients"][0]["role"]="root"; json.dump(j, open(p,"w"))' "$d/clients.json"
refuse "issue7_clients_garbage: a client of an unknown role" 2 \
  "$pre $d/clients.json: invalid argument or request at clients[0].role"
# issue7_seal_key_message: a key file of the wrong length names keys/, not data.mdb
restore
printf '0123456789' >"$d/keys/seal.key"
refuse "issue7_seal_key_message: keys/seal.key of 10 bytes" 4 \
  "$pre $d/keys: keys/ must be mode 0700 holding 32-byte key files of mode 0600 (keys/seal.key, keys/pseudonym.key)"

# --allow-not-ready: the issue 3 behaviour (served, not ready), the reason logged
restore
printf '{ not a model' >"$d/model/score-v1.json"
if serve --allow-not-ready; then
  check "--allow-not-ready with a broken model: /healthz 200" test "$(status_of /healthz)" = 200
  check "... /readyz 503" test "$(status_of /readyz)" = 503
  stop
  check "... exits 0 on SIGTERM" test $? = 0
  check "... stderr names the model: yrdcredit: not ready: $d/model/score-v1.json: ..." \
    grep -qF "yrdcredit: not ready: $d/model/score-v1.json: invalid argument or request at \$" \
    "$tmp/serve.err"
else
  nok "--allow-not-ready with a broken model serves"
  sed 's/^/#   /' "$tmp/serve.err"
fi

# ---- a store written by a newer schema (meta schema_version rewritten with lmdb-utils) ----
set_schema() { # HEX8: the u32 little-endian schema_version in DATA's meta table
  mdb_dump -s meta "$d/lmdb" >"$tmp/meta.dump" || return 1
  $py - "$tmp/meta.dump" "$1" >"$tmp/meta.load" <<'PY' || return 1
import sys
lines = open(sys.argv[1]).read().split("\n")
i = lines.index("HEADER=END")
# mdb_load of lmdb-utils 0.9 does not know the db_pagesize header line
out = [ln for ln in lines[:i] if not ln.startswith("db_pagesize=")] + ["HEADER=END"]
body = lines[i + 1:lines.index("DATA=END")]
found = False
for k, v in zip(body[0::2], body[1::2]):
    if bytes.fromhex(k.strip()) == b"schema_version":
        out += [k, " " + sys.argv[2]]
        found = True
if not found:
    sys.exit("no schema_version in meta")
print("\n".join(out + ["DATA=END"]))
PY
  mdb_load -s meta "$d/lmdb" <"$tmp/meta.load" || return 1
  mdb_dump -s meta "$d/lmdb" | grep -qx " $1"
}
restore
if set_schema 02000000; then
  ok "mdb_load wrote schema_version 2 into meta"
  want="yrdcreditd: $d/lmdb/data.mdb: schema_version 2 is newer than this binary's 1 (rule: a data directory is opened only by a binary of its schema version or newer; run the newer yrdcreditd)"
  refuse "schema_version 2 > the binary's 1" 2 "$want"
  refuse "schema_version 2, also with --allow-not-ready" 2 "$want" --allow-not-ready
  set_schema 01000000 && serve
  check "schema_version written back to 1 (the limit): serves, /readyz 200" \
    test "$(status_of /readyz)" = 200
  stop
else
  nok "mdb_load wrote schema_version 2 into meta"
fi

# ---- TLS: no version below 1.2, no renegotiation ----
restore
if serve; then
  for v in tls1 tls1_1; do
    # SECLEVEL=0: the client offers the old version itself, so the refusal is the server's
    echo | timeout 60 openssl s_client -connect "127.0.0.1:$tls_port" -"$v" \
      -cipher 'DEFAULT:@SECLEVEL=0' >"$tmp/s.out" 2>"$tmp/s.err"
    rc=$?
    if [ "$rc" = 1 ] && grep -q 'tlsv1 alert protocol version' "$tmp/s.err" &&
      grep -q 'SSL alert number 70' "$tmp/s.err" && grep -q '^no peer certificate available' "$tmp/s.out"; then
      ok "openssl s_client -$v: the server answers alert 70 protocol_version, no certificate, exit 1"
    else
      nok "openssl s_client -$v: the server answers alert 70 protocol_version, no certificate, exit 1"
      echo "#   exit $rc"
      sed 's/^/#   /' "$tmp/s.err" | head -5
    fi
  done
  # TLS 1.2, then the s_client command R (renegotiate) once the handshake is done
  (sleep 2; echo R; sleep 3) | timeout 60 openssl s_client -connect "127.0.0.1:$tls_port" \
    -tls1_2 -alpn h2 -msg >"$tmp/r.out" 2>"$tmp/r.err"
  rc=$?
  hello=$(grep -c '>>> TLS 1.2, Handshake \[length [0-9a-f]*\], ClientHello' "$tmp/r.out")
  shello=$(grep -c '<<< TLS 1.2, Handshake \[length [0-9a-f]*\], ServerHello$' "$tmp/r.out")
  if [ "$rc" = 1 ] && grep -q '^New, TLSv1.2, Cipher is ' "$tmp/r.out" &&
    grep -q '^RENEGOTIATING' "$tmp/r.err" && grep -q ':no renegotiation:' "$tmp/r.err" &&
    grep -qx '<<< TLS 1.2, Alert \[length 0002\], warning no_renegotiation' "$tmp/r.out" &&
    [ "$hello" = 2 ] && [ "$shello" = 1 ]; then
    ok "TLS 1.2 renegotiation (R): the second ClientHello gets alert warning no_renegotiation, no ServerHello; exit 1"
  else
    nok "TLS 1.2 renegotiation (R): the second ClientHello gets alert warning no_renegotiation, no ServerHello; exit 1"
    echo "#   exit $rc, ClientHello $hello, ServerHello $shello"
    grep -E 'RENEGOTIATING|New, |Alert|renegotiation' "$tmp/r.out" "$tmp/r.err" | sed 's/^/#   /'
  fi
  echo | timeout 60 openssl s_client -connect "127.0.0.1:$tls_port" -tls1_2 >"$tmp/s.out" 2>&1
  check "TLS 1.2 (the limit) handshakes: New, TLSv1.2" grep -q '^New, TLSv1.2, Cipher is ' "$tmp/s.out"
  check "the server still serves over TLS after the refusals: /healthz 200" test "$(curl -sk \
    --http2 --max-time 20 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$tls_port/healthz")" = 200
  stop
  check "... and exits 0 on SIGTERM" test $? = 0
else
  nok "the TLS server starts"
  sed 's/^/#   /' "$tmp/serve.err"
fi
tap_done
