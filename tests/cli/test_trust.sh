#!/usr/bin/env bash
# `yrdcredit trust add|list|remove|refresh` on the real binary (TAP output).  refresh downloads
# from Debian's nghttpd (a real HTTP/2 server) over TLS with a self-signed certificate given as
# --cacert, and over h2c (prior knowledge); refused downloads keep the old files.
# usage: test_trust.sh YRDCREDIT_BINARY SOURCE_ROOT
set -u
cli=$1
src=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
. "$src/tests/support/tap.sh"
py=/usr/bin/python3
data="$tmp/data"
mkdir -p "$data" "$tmp/htdocs/status"
run() { # capture stdout, stderr and exit status of the CLI
  "$cli" --data "$data" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
}
jq_() { "$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2]), ensure_ascii=False))' "$tmp/out" "$1"; }
reg() { "$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2]), ensure_ascii=False))' "$data/trust/partners.json" "$1"; }
seed1=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
seed2=4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb
kid1=kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
kid2=FtIu-VbGrfe_KB6CH7GNwODB72MNxj_ml11dEvO-7kk

cat >"$tmp/mint.py" <<'EOF'
import base64, hashlib, json, sys, time, zlib
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def cj(o): return json.dumps(o, separators=(",", ":")).encode()
def key(h): return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(h))
def pub(k): return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def thumb(k): return b64(hashlib.sha256(cj({"crv": "Ed25519", "kty": "OKP", "x": b64(pub(k))})).digest())
cmd = sys.argv[1]
if cmd == "jwks":  # jwks SIZE|0 SEED...: padded with spaces to exactly SIZE bytes when SIZE > 0
    t = json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64(pub(key(s))), "kid": thumb(key(s))}
                             for s in sys.argv[3:]]})
    size = int(sys.argv[2])
    sys.stdout.write(t + " " * (size - len(t)) if size else t + "\n")
elif cmd == "list":  # list SEED URI: 1-bit list of 64 entries, idx 3 revoked, valid 1 hour
    k, uri = key(sys.argv[2]), sys.argv[3]
    raw = bytearray(8); raw[0] = 1 << 3
    now = int(time.time())
    s = b64(cj({"alg": "EdDSA", "kid": thumb(k), "typ": "statuslist+jwt"})) + "." + b64(cj(
        {"sub": uri, "iat": now - 60, "exp": now + 3600, "ttl": 300,
         "status_list": {"bits": 1, "lst": b64(zlib.compress(bytes(raw), 9))}}))
    print(s + "." + b64(k.sign(s.encode())))
EOF
mint() { "$py" "$tmp/mint.py" "$@"; }
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost -days 2 \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
tls_port=$(free_port)
h2c_port=$(free_port)
start_servers() { # (re)start both nghttpd: it caches open files, so new content needs a restart
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pids=()
  nghttpd -a 127.0.0.1 -d "$tmp/htdocs" "$tls_port" "$tmp/key.pem" "$tmp/cert.pem" >>"$tmp/nghttpd-tls.log" 2>&1 &
  pids+=($!)
  nghttpd --no-tls -a 127.0.0.1 -d "$tmp/htdocs" "$h2c_port" >>"$tmp/nghttpd-h2c.log" 2>&1 &
  pids+=($!)
  wait_port $tls_port && wait_port $h2c_port
}
base=https://127.0.0.1:$tls_port
hbase=http://127.0.0.1:$h2c_port
serve() { # JWKS from SEEDs, and a status list signed by LIST_SEED for both base URLs
  local list_seed=$1; shift
  mint jwks 0 "$@" >"$tmp/htdocs/jwks.json"
  mint list "$list_seed" "$base/status/1" >"$tmp/htdocs/status/1"
  mint list "$list_seed" "$hbase/status/h1" >"$tmp/htdocs/status/h1"
  start_servers
}
serve $seed1 $seed1 $seed2
check "nghttpd listens on the TLS and h2c ports" test $? -eq 0

# --- add / list ---
run trust list
check "list of a missing registry: exit 0, no partners" \
  eval 'test "$rc" -eq 0 && test "$(jq_ "j")" = "{\"partners\": []}"'
run trust add --issuer "$base" --city Yiwu --region 330782 --pin $kid1 \
  --jwks-url "$base/jwks.json" --status-list-url "$base/status/1" --cacert "$tmp/cert.pem"
check "add a TLS partner: exit 0" test "$rc" -eq 0
check "partners.json holds issuer, city, region, pins, URLs, cacert" \
  test "$(reg '[(p["issuer"], p["city"], p["region"], p["pins"], p["jwks_url"], [s["uri"] for s in p["status_lists"]], p["cacert"]) for p in j["partners"]]')" = \
       "[[\"$base\", \"Yiwu\", \"330782\", [\"$kid1\"], \"$base/jwks.json\", [\"$base/status/1\"], \"$tmp/cert.pem\"]]"
check "partners.json is mode 0600 in a 0700 trust dir" \
  eval 'test "$(stat -c %a "$data/trust/partners.json")" = 600 && test "$(stat -c %a "$data/trust")" = 700'
run trust add --issuer "$base" --city Yiwu --region 330782 --pin $kid1 --jwks-url "$base/jwks.json"
check "add of an existing issuer: exit 2" test "$rc" -eq 2
# regress__issue_4: trust add refuses what can never match a token or names a partner badly
for bad in "https://x.example/" "https://x.example?a=1" "https://x.example#f" "https://"; do
  run trust add --issuer "$bad" --city X --region 330100 --pin $kid1 --jwks-url https://x.example/j
  check "regress__issue_4: add --issuer '$bad' (malformed): exit 2, registry unchanged" \
    eval 'test "$rc" -eq 2 && test "$(reg "len(j[\"partners\"])")" = 1'
done
for region in 33010 3301000 33010x; do
  run trust add --issuer https://x.example --city X --region $region --pin $kid1 --jwks-url https://x.example/j
  check "regress__issue_4: add --region $region: exit 2" test "$rc" -eq 2
done
run trust add --issuer https://x.example --city "$(printf 'a\001b')" --region 330100 --pin $kid1 --jwks-url https://x.example/j
check "regress__issue_4: add --city with a control character: exit 2" test "$rc" -eq 2
run trust add --issuer https://x.example --city X --region 1 --pin short --jwks-url https://x.example/j
check "add with a pin that is no thumbprint: exit 2, registry unchanged" \
  eval 'test "$rc" -eq 2 && test "$(reg "len(j[\"partners\"])")" = 1'
run trust add --issuer https://x.example --city X --region 1 --jwks-url https://x.example/j
check "add without --pin: exit 2" test "$rc" -eq 2
run trust add --issuer https://x.example --city X --region 1 --pin $kid1 --jwks-url https://x.example/j --cacert "$tmp/nope.pem"
check "add with a missing --cacert file: exit 2" test "$rc" -eq 2
run trust list
check "list before refresh: no trusted key, list not verified" \
  test "$(jq_ '[(p["trusted_kids"], [s["verified"] for s in p["status_lists"]]) for p in j["partners"]]')" = '[[[], [false]]]'

# --- refresh over TLS ---
run trust refresh
check "refresh over TLS with --cacert: exit 0" test "$rc" -eq 0
jwks_file="$data/trust/$(reg 'j["partners"][0]["jwks_file"]' | tr -d '"')"
list_file="$data/trust/$(reg 'j["partners"][0]["status_lists"][0]["file"]' | tr -d '"')"
check "refresh stored the served JWKS and status list byte for byte" \
  eval 'cmp -s "$jwks_file" "$tmp/htdocs/jwks.json" && cmp -s "$list_file" "$tmp/htdocs/status/1"'
run trust list
check "after refresh: only the pinned key is trusted, the list verifies" \
  test "$(jq_ '[(p["trusted_kids"], [s["verified"] for s in p["status_lists"]]) for p in j["partners"]]')" = "[[[\"$kid1\"], [true]]]"

# --- refusals keep the old files ---
cp "$jwks_file" "$tmp/old.jwks"; cp "$list_file" "$tmp/old.list"
serve $seed2 $seed2
run trust refresh "$base"
check "a JWKS without any pinned key is refused: exit 2" test "$rc" -eq 2
check "refused JWKS: old JWKS and status list kept" \
  eval 'cmp -s "$jwks_file" "$tmp/old.jwks" && cmp -s "$list_file" "$tmp/old.list" && grep -q "holds no pinned key" "$tmp/err"'
serve $seed2 $seed1 $seed2
run trust refresh "$base"
check "a status list signed by an unpinned key is refused: exit 2, old files kept" \
  eval 'test "$rc" -eq 2 && cmp -s "$jwks_file" "$tmp/old.jwks" && cmp -s "$list_file" "$tmp/old.list" && grep -q "does not verify" "$tmp/err"'
mint jwks $((1 << 20)) $seed1 >"$tmp/htdocs/jwks.json"
mint list $seed1 "$base/status/1" >"$tmp/htdocs/status/1"
start_servers
run trust refresh "$base"
check "a JWKS of exactly 1 MiB is accepted: exit 0" \
  eval 'test "$rc" -eq 0 && test "$(stat -c %s "$jwks_file")" -eq $((1 << 20))'
cp "$jwks_file" "$tmp/old.jwks"
mint jwks $(((1 << 20) + 1)) $seed1 >"$tmp/htdocs/jwks.json"
start_servers
run trust refresh "$base"
check "a JWKS of 1 MiB + 1 byte is refused: exit 2, old file kept" \
  eval 'test "$rc" -eq 2 && cmp -s "$jwks_file" "$tmp/old.jwks"'
serve $seed1 $seed1

# --- TLS verification is on; h2c prior knowledge ---
run trust add --issuer https://nocacert.example --city Hangzhou --region 330100 --pin $kid1 \
  --jwks-url "$base/jwks.json"
run trust refresh https://nocacert.example
check "refresh of a self-signed server without --cacert fails TLS verification: exit 4" \
  eval 'test "$rc" -eq 4 && ! ls "$data/trust" | grep -q "$(reg "j[\"partners\"][1][\"jwks_file\"]" | tr -d "\"")"'
run trust add --issuer "$hbase" --city Shanghai --region 310000 --pin $kid1 \
  --jwks-url "$hbase/jwks.json" --status-list-url "$hbase/status/h1"
run trust refresh "$hbase"
check "refresh over h2c (prior knowledge): exit 0" test "$rc" -eq 0
run trust list
check "list: three partners; h2c partner trusts key 1 and its list verifies" \
  test "$(jq_ '[len(j["partners"]), j["partners"][2]["trusted_kids"], [s["verified"] for s in j["partners"][2]["status_lists"]]]')" = "[3, [\"$kid1\"], [true]]"
run trust refresh https://unknown.example
check "refresh of an unknown issuer: exit 3" test "$rc" -eq 3

# --- mTLS pins (issue 6 item 1, docs/mtls.md) ---
spki1=$(printf a | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
spki2=$(printf b | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
run trust mtls "$base" "$spki1" "$spki2"
check "mtls: two pins set, exit 0" \
  test "$rc" -eq 0 -a "$(reg '[p.get("mtls_spki_sha256") for p in j["partners"] if p["issuer"] == "'"$base"'"][0]')" = "[\"$spki1\", \"$spki2\"]"
run trust list
check "mtls: list shows the pins" eval 'test "$rc" -eq 0 && grep -q "$spki2" "$tmp/out"'
run trust mtls "$base" "${spki1}="
check "mtls: a padded pin is refused (exit 2), registry unchanged" \
  eval 'test "$rc" -eq 2 && grep -q "$spki2" "$data/trust/partners.json"'
run trust mtls "$base" "$(printf '%s' "$spki1" | tr -- '-_' '+/')"
check "mtls: a pin in the standard base64 alphabet ('/' for '_') is refused (exit 2)" \
  test "$rc" -eq 2 -a "$spki1" = ypeBEsobvcr6wjGzmiPcTaeG7_gUfE5yuYB3ha_uSLs
run trust mtls "$base" "$spki1" "$spki2"
cp "$data/trust/partners.json" "$tmp/mtls-good.json"
"$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
j["partners"][0]["mtls_spki_sha256"] = sys.argv[2:]
json.dump(j, open(sys.argv[1], "w"))
' "$data/trust/partners.json" "$spki1" "$spki1"
run trust list
check "mtls: a hand-edited duplicate pin: list exit 2 naming mtls_spki_sha256[1]" \
  eval 'test "$rc" -eq 2 && grep -qF "partners[0].mtls_spki_sha256[1]" "$tmp/err"'
"$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
j["partners"][0]["mtls_spki_sha256"] = []
json.dump(j, open(sys.argv[1], "w"))
' "$data/trust/partners.json"
run trust list
check "mtls: a hand-edited empty pin list: exit 2 naming mtls_spki_sha256" \
  eval 'test "$rc" -eq 2 && grep -qF "partners[0].mtls_spki_sha256" "$tmp/err"'
cp "$tmp/mtls-good.json" "$data/trust/partners.json"
run trust mtls "$base"
check "mtls: pins removed, exit 0" \
  test "$rc" -eq 0 -a "$(reg '["mtls_spki_sha256" in p for p in j["partners"]]')" = "[false, false, false]"

# --- remove ---
run trust remove "$base"
check "remove: exit 0, its files deleted" \
  eval 'test "$rc" -eq 0 && test ! -e "$jwks_file" && test ! -e "$list_file"'
check "remove: the other partners stay" \
  test "$(reg '[p["issuer"] for p in j["partners"]]')" = "[\"https://nocacert.example\", \"$hbase\"]"
run trust remove "$base"
check "remove of an unknown issuer: exit 3" test "$rc" -eq 3
echo '{"partners":[{"issuer":"x"}]}' >"$data/trust/partners.json"
run trust list
check "a malformed registry: exit 2, the field named" \
  eval 'test "$rc" -eq 2 && grep -q "partners\[0\].city" "$tmp/err"'
tap_done
