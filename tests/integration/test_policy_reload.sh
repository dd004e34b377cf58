#!/usr/bin/env bash
# Issue 5 item 4: SIGHUP and `yrdcredit policy check|reload` reload the score model and
# DATA/policy/ in the running yrdcreditd after validating them, and keep the loaded ones when a
# file fails (TAP).  usage: test_policy_reload.sh YRDCREDIT YRDCREDITD SOURCE_ROOT
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

"$cli" init "$data" >/dev/null 2>&1 || bail "yrdcredit init failed"
# access control is on by default (issue 6 item 1): every request carries an admin's token
tok=$(yc_token "$cli" "$data" admin test) || bail "yrdcredit clients add failed"
"$cli" --data "$data" import "$src"/samples/*.csv "$src"/samples/*.jsonl >/dev/null 2>&1 ||
  bail "yrdcredit import failed"

# --- policy check without a server ---
out=$("$cli" --data "$data" policy check 2>&1); rc=$?
check "policy check on a fresh data dir: exit 0, 'policy ok'" \
  test "$rc:$out" = "0:policy ok: $data"
out=$("$cli" --data "$data" policy reload 2>&1); rc=$?
check "policy reload with no server: exit 3, names the pid file" \
  test "$rc:$out" = "3:yrdcredit: policy: no yrdcreditd serves $data ($data/yrdcreditd.pid)"
echo '{}' >"$data/policy/measures/abc.json" # a misnamed catalogue (issue 5, a new user's test)
out=$("$cli" --data "$data" policy check 2>&1); rc=$?
check "policy check with measures/abc.json: exit 2, names it" test "$rc:$out" = \
  "2:yrdcredit: policy: $data/policy/measures/abc.json: not a catalogue name (<6-digit region>.json)"
rm "$data/policy/measures/abc.json"
echo notes >"$data/policy/measures/README.txt" # any other file is ignored
out=$("$cli" --data "$data" policy check 2>&1); rc=$?
check "policy check with measures/README.txt: still ok" test "$rc:$out" = "0:policy ok: $data"
out=$("$cli" --data "$data" policy frob 2>&1); rc=$?
check "policy frob: usage, exit 2" test "$rc" = 2

port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"
"$daemon" --data "$data" --h2c-listen "127.0.0.1:$port" --listen off --workers 2 \
  --access-log "$tmp/access.log" 2>"$tmp/daemon.err" &
pid=$!
h2() { curl -s --http2-prior-knowledge --max-time 10 -H "authorization: Bearer $tok" "$@"; }
up=
for _ in $(seq 100); do
  if [ "$(h2 -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ]; then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$up" ] || { sed 's/^/# /' "$tmp/daemon.err"; bail "yrdcreditd did not get ready"; }
gen() { h2 "$base/readyz" | $py -c 'import json,sys; print(json.load(sys.stdin)["policy_generation"])'; }
wait_gen() { # wait up to 5 s for generation $1
  for _ in $(seq 50); do [ "$(gen)" = "$1" ] && return 0; sleep 0.1; done
  return 1
}
check "readyz: policy_generation 1 at start" test "$(gen)" = 1
check "the pid file holds the server's pid" test "$(cat "$data/yrdcreditd.pid")" = "$pid"

subject=92330782MA2KDDUY4M
score() { h2 "$base/v1/subjects/$subject/score?as_of=2026-11-29" |
  $py -c 'import json,sys; print(json.load(sys.stdin)["score"])'; }
s1=$(score)
s1b=$(score) # twice: the second may come from a worker's score cache
check "score before the reload, twice the same ($s1)" test -n "$s1" -a "$s1" = "$s1b"
text() { h2 "$base/v1/measures?region=330782&matter=deposit_waiver" |
  $py -c 'import json,sys; print(json.load(sys.stdin)["measures"][0]["text"]["en"])'; }
t1=$(text)

# --- a valid change: model base +10, a measure's English text; `policy reload` ---
$py - "$data" <<'PY'
import json, sys
d = sys.argv[1]
p = f"{d}/model/score-v1.json"
m = json.load(open(p, encoding="utf-8"))
m["classes"]["merchant"]["base"] += 10
json.dump(m, open(p, "w", encoding="utf-8"), ensure_ascii=False, indent=1)
p = f"{d}/policy/measures/330782.json"
c = json.load(open(p, encoding="utf-8"))
for x in c["measures"]:
    if x["matter"] == "deposit_waiver":
        x["text"]["en"] = "RELOADED " + x["text"]["en"]
        break
json.dump(c, open(p, "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
out=$("$cli" --data "$data" policy reload 2>&1); rc=$?
check "policy reload: exit 0, SIGHUP sent to pid $pid" \
  test "$rc:$out" = "0:policy ok: sent SIGHUP to yrdcreditd (pid $pid); it logs the reload"
check "readyz: policy_generation 2 after the reload" wait_gen 2
check "the log says: policy reloaded (generation 2)" \
  grep -qx 'yrdcreditd: policy reloaded (generation 2)' "$tmp/daemon.err"
s2=$(score)
s2b=$(score)
check "score after the reload: +10 from the new base ($s1 -> $s2), no stale cache entry" \
  test "$s2" = "$((s1 + 10))" -a "$s2b" = "$s2"
check "GET /v1/measures shows the reloaded text" test "$(text)" = "RELOADED $t1"
digest=$(sha256sum "$data/model/score-v1.json" | cut -d' ' -f1)
check "readyz shows the new model's digest" \
  test "$(h2 "$base/readyz" | $py -c 'import json,sys; print(json.load(sys.stdin)["model"]["digest"])')" = "$digest"

# --- invalid files: the CLI refuses before signalling; SIGHUP itself keeps the loaded ones ---
cp "$data/policy/lists.json" "$tmp/lists.good"
printf '{"format":"yrdcredit-lists/1"' >"$data/policy/lists.json"
out=$("$cli" --data "$data" policy reload 2>&1); rc=$?
check "policy reload with a broken lists.json: exit 2, names the file, nothing sent" \
  sh -c "test $rc = 2 && printf '%s' \"\$1\" | grep -q \"^yrdcredit: policy: $data/policy/lists.json: \"" _ "$out"
kill -HUP "$pid"
for _ in $(seq 50); do grep -q 'policy reload refused' "$tmp/daemon.err" && break; sleep 0.1; done
check "SIGHUP with a broken lists.json: the log names the file, the old policy stays" \
  grep -q "^yrdcreditd: policy reload refused, the loaded policy stays: $data/policy/lists.json: " "$tmp/daemon.err"
check "readyz: still generation 2, still ready" test "$(gen)" = 2
check "measures and score unchanged after the refused reload" test "$(text)" = "RELOADED $t1" -a "$(score)" = "$s2"
cp "$tmp/lists.good" "$data/policy/lists.json"
# a catalogue with a penalty targeting a grade (the loader's rule) is refused too
$py - "$data" <<'PY'
import json, sys
p = f"{sys.argv[1]}/policy/measures/310000.json"
c = json.load(open(p, encoding="utf-8"))
for x in c["measures"]:
    if x["kind"] == "penalty":
        x["target"] = {"grade_at_least": "C"}
        break
json.dump(c, open(p, "w", encoding="utf-8"), ensure_ascii=False)
PY
out=$("$cli" --data "$data" policy check 2>&1); rc=$?
check "policy check with a penalty targeting a grade: exit 2, names 310000.json" \
  sh -c "test $rc = 2 && printf '%s' \"\$1\" | grep -q \"$data/policy/measures/310000.json\"" _ "$out"
kill -HUP "$pid"
sleep 0.5
check "SIGHUP with that catalogue: generation stays 2" test "$(gen)" = 2
cp "$src/etc/policy/measures/310000.json" "$data/policy/measures/310000.json"
kill -HUP "$pid"
check "SIGHUP with every file valid again: generation 3" wait_gen 3

# --- config.json is read again: its model path and policy object apply; a broken one refuses ---
cp "$data/config.json" "$tmp/config.good"
$py - "$data" <<'PY'
import json, shutil, sys
d = sys.argv[1]
m = json.load(open(f"{d}/model/score-v1.json", encoding="utf-8"))
m["classes"]["merchant"]["base"] += 5
json.dump(m, open(f"{d}/model/score-v1b.json", "w", encoding="utf-8"), ensure_ascii=False)
c = json.load(open(f"{d}/config.json", encoding="utf-8"))
c["model"] = "model/score-v1b.json"
json.dump(c, open(f"{d}/config.json", "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
kill -HUP "$pid"
check "SIGHUP after config.json names another model file: generation 4" wait_gen 4
check "... the score comes from that model ($s2 -> $((s2 + 5)))" test "$(score)" = "$((s2 + 5))"
printf '{"schema":' >"$data/config.json"
kill -HUP "$pid"
for _ in $(seq 50); do [ "$(grep -c 'policy reload refused' "$tmp/daemon.err")" -ge 3 ] && break; sleep 0.1; done
check "SIGHUP with a broken config.json: refused, the log names config.json" \
  grep -q "^yrdcreditd: policy reload refused, the loaded policy stays: config.json: " "$tmp/daemon.err"
check "... generation 4 and the same score" test "$(gen):$(score)" = "4:$((s2 + 5))"
cp "$tmp/config.good" "$data/config.json"
kill -HUP "$pid"
check "SIGHUP with the first config.json again: generation 5" wait_gen 5
check "... the first model's score again ($s2)" test "$(score)" = "$s2"

# --- requests keep being answered while reloading ---
for _ in $(seq 20); do kill -HUP "$pid"; sleep 0.02; done &
hp=$!
fails=0
for _ in $(seq 60); do
  c=$(h2 -o /dev/null -w '%{http_code}' "$base/v1/subjects/$subject/score")
  [ "$c" = 200 ] || fails=$((fails + 1))
done
wait "$hp"
check "60 score requests during 20 SIGHUPs: all 200" test "$fails" = 0
check "the server is still running" kill -0 "$pid"

kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
check "SIGTERM: exit 0" test "$rc" = 0
check "the pid file is removed at exit" test ! -e "$data/yrdcreditd.pid"
tap_done
