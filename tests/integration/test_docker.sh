#!/usr/bin/env bash
# Issue 5 item 6: docker/compose.yaml and docker/Dockerfile.  No Docker engine runs on these
# machines, so: Debian's docker-compose validates and normalises the compose file (`config`),
# the Dockerfile's instructions are checked to be exactly the build and start commands of
# ./scripts/run, and those commands are then run here as the container would run them (with
# the test build via YRDCREDIT_BIN instead of a release build) and answer over TLS (TAP).
# usage: test_docker.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
set -u
cli=$1
src=$3
bindir=$(dirname "$cli")
tmp=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
py=/usr/bin/python3
. "$src/tests/support/tap.sh"
bail() { echo "Bail out! $*"; exit 1; }
command -v docker-compose >/dev/null || bail "docker-compose is not installed (scripts/deps.sh)"

# --- compose.yaml: valid for docker-compose, three cities from the one Dockerfile ---
(cd "$src/docker" && docker-compose -f compose.yaml config -q) 2>"$tmp/err"
rc=$?
check "docker-compose config -q accepts docker/compose.yaml" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/err"
(cd "$src/docker" && docker-compose -f compose.yaml config) >"$tmp/compose.yaml" 2>/dev/null
check "the normalised compose: services yiwu, hangzhou, shanghai; each built from docker/Dockerfile in the repository root; regions 330782, 330100, 310000; own data and tokens volumes, own port, distinct issuers" \
  $py - "$tmp/compose.yaml" "$src" <<'PY'
import os, sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
root = os.path.realpath(sys.argv[2])
s = c["services"]
assert sorted(s) == ["hangzhou", "shanghai", "yiwu"], sorted(s)
want = {"yiwu": ("330782", "Yiwu"), "hangzhou": ("330100", "Hangzhou"),
        "shanghai": ("310000", "Shanghai")}
vols, ports, issuers = set(), set(), set()
for name, svc in s.items():
    assert os.path.realpath(svc["build"]["context"]) == root, svc["build"]
    assert svc["build"]["dockerfile"] == "docker/Dockerfile", svc["build"]
    env = svc["environment"]
    assert (env["YRDCREDIT_REGION"], env["YRDCREDIT_CITY"]) == want[name], env
    assert env["YRDCREDIT_ISSUER"] == f"https://{name}:8443", env
    issuers.add(env["YRDCREDIT_ISSUER"])
    assert svc["hostname"] == name
    assert svc["volumes"] == [f"{name}-data:/var/lib/yrdcredit:rw",
                              f"{name}-tokens:/var/lib/yrdcredit-tokens:rw"], svc["volumes"]
    vols.update(svc["volumes"])
    assert len(svc["ports"]) == 1 and svc["ports"][0].endswith(":8443/tcp"), svc["ports"]
    ports.add(svc["ports"][0])
    assert svc["stop_signal"] == "SIGTERM"
assert len(vols) == 6 and len(ports) == len(issuers) == 3
assert sorted(c["volumes"]) == ["hangzhou-data", "hangzhou-tokens", "shanghai-data",
                                "shanghai-tokens", "yiwu-data", "yiwu-tokens"], c["volumes"]
PY

# --- Dockerfile: its RUN and CMD are scripts/run's own build and start commands ---
check "Dockerfile: FROM debian:12, COPY . ., RUN ./scripts/run --build-only, CMD [\"./scripts/run\"], nothing else runs" \
  $py - "$src/docker/Dockerfile" <<'PY'
import json, sys
lines, cur = [], ""
for raw in open(sys.argv[1], encoding="utf-8"):
    line = raw.rstrip("\n")
    if not cur and (not line.strip() or line.lstrip().startswith("#")):
        continue
    if line.endswith("\\"):
        cur += line[:-1] + " "
        continue
    lines.append(cur + line)
    cur = ""
assert not cur, "a continuation at the end"
ins = [(l.split(None, 1)[0].upper(), l.split(None, 1)[1].strip()) for l in lines]
kinds = [k for k, _ in ins]
assert ins[0] == ("FROM", "debian:12"), ins[0]
assert kinds.count("FROM") == 1
assert ("COPY", ". .") in ins
runs = [a for k, a in ins if k == "RUN"]
assert runs == ["./scripts/run --build-only"], runs
cmds = [a for k, a in ins if k in ("CMD", "ENTRYPOINT")]
assert len(cmds) == 1 and json.loads(cmds[0]) == ["./scripts/run"], cmds
assert set(kinds) <= {"FROM", "WORKDIR", "COPY", "RUN", "ENV", "VOLUME", "EXPOSE", "STOPSIGNAL", "CMD"}, kinds
PY
envs=$( (grep -o 'YRDCREDIT_[A-Z0-9_]*' "$src/docker/Dockerfile"; grep -o 'YRDCREDIT_[A-Z0-9_]*' "$src/docker/compose.yaml") | sort -u)
missing=
for v in $envs; do grep -q "$v" "$src/scripts/run" || missing="$missing $v"; done
check "every YRDCREDIT_* variable the two files set is one scripts/run reads ($(echo $envs))" test -z "$missing"

# --- the container's commands, run here ---
YRDCREDIT_BIN=$bindir "$src/scripts/run" --build-only >"$tmp/out" 2>&1
check "scripts/run --build-only with a given build: exit 0" test $? = 0
"$src/scripts/run" --frobnicate >/dev/null 2>&1
check "scripts/run with an unknown option: usage, exit 2" test $? = 2
free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tls=$(free_port)
h2c=$(free_port)
# (YRDCREDIT_TOKENS: the Dockerfile's tokens volume, here a directory of $tmp)
tokens="$tmp/hangzhou-tokens/demo-tokens.txt"
export YRDCREDIT_BIN=$bindir YRDCREDIT_DATA="$tmp/hangzhou" YRDCREDIT_LISTEN="127.0.0.1:$tls" \
  YRDCREDIT_H2C="127.0.0.1:$h2c" YRDCREDIT_REGION=330100 YRDCREDIT_CITY=Hangzhou \
  YRDCREDIT_ISSUER="https://localhost:$tls" YRDCREDIT_TOKENS="$tokens"
"$src/scripts/run" --init-only >"$tmp/init.out" 2>&1
check "scripts/run --init-only (the compose hangzhou environment): exit 0" test $? = 0
check "... config.json attest: issuer https://localhost:$tls, city Hangzhou, region 330100" \
  $py -c 'import json,sys; a=json.load(open(sys.argv[1]))["attest"]; assert (a["issuer"],a["issuer_city"],a["issuer_region"])==(sys.argv[2],"Hangzhou","330100"), a' \
  "$tmp/hangzhou/config.json" "https://localhost:$tls"
# --- access control (issue 6): the demo clients and their tokens file ---
check "the demo tokens file: YRDCREDIT_TOKENS, mode 0600" \
  test "$(stat -c %a "$tokens" 2>/dev/null)" = 600
check "... holds YC_ADMIN_TOKEN, YC_FI_TOKEN, YC_PROVIDER_TOKEN, YC_SUBJECT_TOKEN, each yc_ + 43 characters" \
  test "$(grep -cE '^YC_(ADMIN|FI|PROVIDER|SUBJECT)_TOKEN=yc_[A-Za-z0-9_-]{43}$' "$tokens")" = 4
check "the data dir's registry: the four demo clients (admin, fi, provider, subject)" \
  test "$("$cli" --data "$tmp/hangzhou" clients list | cut -f2 | sort | tr '\n' ' ')" = "admin fi provider subject "
leaks=0
for t in $(sed -n 's/^YC_[A-Z]*_TOKEN=yc_//p' "$tokens"); do
  grep -rqF -e "$t" "$tmp/hangzhou" && leaks=$((leaks + 1))
done
check "no token of the file is in the data dir in clear (grep -r of each)" test "$leaks" = 0
cp "$tokens" "$tmp/tokens.before"
"$src/scripts/run" --init-only >/dev/null 2>&1
rc=$?
check "scripts/run --init-only again (data dir exists): exit 0, the tokens file unchanged, still 4 clients" \
  eval '[ $rc -eq 0 ] && cmp -s "$tokens" "$tmp/tokens.before" && [ "$("$cli" --data "$tmp/hangzhou" clients list | wc -l)" = 4 ]'
YRDCREDIT_DATA="$tmp/other" YRDCREDIT_TOKENS="$tmp/other/t.txt" "$src/scripts/run" --init-only \
  >/dev/null 2>"$tmp/err"
rc=$?
check "YRDCREDIT_TOKENS inside the data dir: exit 2, nothing created" \
  eval '[ $rc -eq 2 ] && [ ! -e "$tmp/other" ] && grep -q "must be outside the data dir" "$tmp/err"'
"$src/scripts/run" >"$tmp/run.out" 2>"$tmp/run.err" &
pid=$!
up=
for _ in $(seq 100); do
  code=$(curl -s -o "$tmp/ready.json" -w '%{http_code}' --http2 --cacert "$tmp/hangzhou/tls/cert.pem" \
    --resolve "localhost:$tls:127.0.0.1" "https://localhost:$tls/readyz")
  [ "$code" = 200 ] && { up=1; break; }
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
check "scripts/run (the container's CMD) serves: GET /readyz over TLS h2 with the instance's certificate: 200" test -n "$up"
[ -n "$up" ] || sed 's/^/# /' "$tmp/run.err"
curl -s -o "$tmp/meta.json" --http2 --cacert "$tmp/hangzhou/tls/cert.pem" --resolve "localhost:$tls:127.0.0.1" \
  "https://localhost:$tls/.well-known/jwt-vc-issuer"
check "... its issuer metadata names https://localhost:$tls (the configured YRDCREDIT_ISSUER)" \
  $py -c 'import json,sys; assert json.load(open(sys.argv[1]))["issuer"]==sys.argv[2]' "$tmp/meta.json" "https://localhost:$tls"
check "... its start message names the tokens file" grep -qF "demo clients' tokens are in $tokens" "$tmp/run.out"
score() { # [TOKEN VARIABLE]: the status of the sample merchant's score over TLS
  curl -s -o /dev/null -w '%{http_code}' --http2 --cacert "$tmp/hangzhou/tls/cert.pem" \
    --resolve "localhost:$tls:127.0.0.1" \
    ${1:+-H "authorization: Bearer $(sed -n "s/^$1=//p" "$tokens")"} \
    "https://localhost:$tls/v1/subjects/92330782MA2KDDUY4M/score?as_of=2026-11-29"
}
check "... a score without a token: 401; with the file's YC_ADMIN_TOKEN: 200; YC_PROVIDER_TOKEN: 403" \
  test "$(score) $(score YC_ADMIN_TOKEN) $(score YC_PROVIDER_TOKEN)" = "401 200 403"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM (the compose stop_signal): exit 0" test "$rc" = 0
tap_done
