#!/usr/bin/env bash
# Mutual TLS for partners (issue 6 item 1; docs/mtls.md) against the real yrdcreditd with
# curl over TLS (--http2, ALPN h2) and h2c: a partner client bound to a trust-registry issuer
# whose entry pins client certificates by the SHA-256 of their SubjectPublicKeyInfo needs a
# pinned certificate on every request; other clients keep working with the token alone, and
# the TLS handshake without a certificate still succeeds.  Keys and certificates are made
# here with openssl, in a temporary directory, and removed at the end.  TAP output.
# usage: test_mtls.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
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
. "$src/tests/support/tap.sh"
bail() { echo "Bail out! $*"; exit 1; }
command -v curl >/dev/null || bail "curl is not installed (scripts/deps.sh)"
command -v openssl >/dev/null || bail "openssl is not installed"
free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

d="$tmp/data"
"$cli" init "$d" >/dev/null 2>&1 || bail "yrdcredit init failed"
set_config() { # CLIENT_AUTH|-: auth required, and tls.client_auth unless "-"
  $py - "$d/config.json" "$1" <<'EOF' || bail "config"
import json, sys
j = json.load(open(sys.argv[1]))
j["auth"] = {"required": True}
j.pop("tls", None)
if sys.argv[2] != "-":
    j["tls"] = {"client_auth": sys.argv[2]}
json.dump(j, open(sys.argv[1], "w"), indent=2)
EOF
}
set_config -

# Client keys: A (EC P-256) and B (RSA 2048), self-signed; spki() = the pin of a certificate.
mkcert() { # NAME KEYALG...
  local n=$1; shift
  openssl req -x509 -newkey "$@" -nodes -subj "/CN=partner-$n" -days 2 \
    -keyout "$tmp/$n.key" -out "$tmp/$n.pem" >/dev/null 2>&1 || bail "openssl req $n"
}
mkcert a ec -pkeyopt ec_paramgen_curve:P-256
mkcert b rsa:2048
mkcert c ec -pkeyopt ec_paramgen_curve:P-256
spki() {
  openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n'
}
pin_a=$(spki "$tmp/a.pem")
pin_b=$(spki "$tmp/b.pem")
if [ ${#pin_a} != 43 ] || [ ${#pin_b} != 43 ]; then bail "spki pins: $pin_a $pin_b"; fi
# the pin of c: the same digest computed by python (cryptography) from the certificate
pin_c=$($py - "$tmp/c.pem" <<'EOF'
import base64, hashlib, sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
c = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
der = c.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
print(base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode())
EOF
)
check "openssl and python compute the same SPKI pin of c" [ "$pin_c" = "$(spki "$tmp/c.pem")" ]

kid1=kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
p1=https://p1.example
p2=https://p2.example
trust_add() { # ISSUER [trust add options...]
  local iss=$1; shift
  "$cli" --data "$d" trust add --issuer "$iss" --city City --region 330100 --pin "$kid1" \
    --jwks-url "$iss/.well-known/jwks.json" "$@" >"$tmp/out" 2>"$tmp/err"
}
trust_add "$p1" --mtls-spki "$pin_a"
check "trust add --mtls-spki: exit 0" [ $? = 0 ]
reg() { $py -c 'import json,sys; j=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2])))' "$d/trust/partners.json" "$1"; }
check "trust add --mtls-spki: the pin is in the registry entry" \
  [ "$(reg 'j["partners"][0]["mtls_spki_sha256"]')" = "[\"$pin_a\"]" ]
trust_add "$p2"
check "trust add without --mtls-spki: exit 0" [ $? = 0 ]
check "trust add without --mtls-spki: no mtls_spki_sha256 member" \
  [ "$(reg '"mtls_spki_sha256" in j["partners"][1]')" = false ]
trust_add https://p3.example --mtls-spki "${pin_a}x"
check "trust add --mtls-spki of 44 characters: exit 2" [ $? = 2 ]
check "trust add --mtls-spki of 44 characters: the message names the pin" grep -q "is not an SPKI pin" "$tmp/err"
trust_add https://p3.example --mtls-spki "${pin_a:0:42}"
check "trust add --mtls-spki of 42 characters: exit 2" [ $? = 2 ]
check "trust add refused: p3 not added" [ "$(reg 'len(j["partners"])')" = 2 ]

tok() { # ROLE NAME [options]: a new client's token
  local r=$1 n=$2; shift 2
  "$cli" --data "$d" clients add --role "$r" --name "$n" "$@" 2>"$tmp/err"
}
t_pinned=$(tok partner pinned --issuer "$p1") || bail "clients add pinned"
t_unpinned=$(tok partner unpinned --issuer "$p2") || bail "clients add unpinned"
t_plain=$(tok partner plain) || bail "clients add plain"
t_fi=$(tok "fi" bank) || bail "clients add fi"
t_gone=$(tok partner gone --issuer https://p9.example) || bail "clients add gone"
tok "fi" bank2 --issuer "$p1" >/dev/null
check "clients add --issuer on an fi client: exit 2" [ $? = 2 ]
check "clients add --issuer on an fi client: names issuer" grep -q "(issuer)" "$tmp/err"
tok partner bad --issuer ftp://p1.example >/dev/null
check "clients add --issuer ftp://: exit 2" [ $? = 2 ]
"$cli" --data "$d" clients list >"$tmp/out" 2>&1
check "clients list shows the partner's issuer" grep -q "pinned.*issuer=$p1" "$tmp/out"

tls=$(free_port)
h2c=$(free_port)
start() {
  "$daemon" --data "$d" --listen "127.0.0.1:$tls" --h2c-listen "127.0.0.1:$h2c" --workers 2 \
    2>>"$tmp/server.err" &
  pid=$!
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --http2-prior-knowledge "http://127.0.0.1:$h2c/healthz")" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/# /' "$tmp/server.err"
  bail "yrdcreditd did not answer /healthz"
}
stops=0
stop() { # SIGTERM; the exit status must be 0 (a sanitizer's leak report changes it)
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  local st=$?
  pid=
  stops=$((stops + 1))
  check "server stop $stops: SIGTERM exits 0" [ "$st" = 0 ]
}
start

# call TOKEN|- CERT|- [tls|h2c] PATH: status code; body in $tmp/body, headers in $tmp/hdr
call() {
  local t=$1 c=$2 how=$3 path=$4 args=(-s --max-time 10 -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}')
  [ "$t" != - ] && args+=(-H "authorization: Bearer $t")
  [ "$c" != - ] && args+=(--cert "$tmp/$c.pem" --key "$tmp/$c.key")
  if [ "$how" = tls ]; then
    curl "${args[@]}" --http2 --cacert "$d/tls/cert.pem" "https://127.0.0.1:$tls$path"
  else
    curl "${args[@]}" --http2-prior-knowledge "http://127.0.0.1:$h2c$path"
  fi
}
body() { $py -c 'import json,sys; j=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2]), ensure_ascii=False))' "$tmp/body" "$1"; }
is401cert() { # the last answer was the client-certificate 401
  [ "$(body '[j["status"], j["field"]]' 2>/dev/null)" = '[401, "client_certificate"]' ] &&
    grep -qi '^www-authenticate: Bearer error="invalid_token"' "$tmp/hdr"
}
# expect DESCRIPTION STATUS call-args...: retried for up to 3 s (the registry reload rule)
expect() {
  local desc=$1 want=$2 got=; shift 2
  for _ in $(seq 30); do
    got=$(call "$@")
    [ "$got" = "$want" ] && break
    sleep 0.1
  done
  if [ "$got" = "$want" ]; then ok "$desc: $want"; else nok "$desc: $got, expected $want"; fi
}

check "TLS without a client certificate, no token: /healthz 200" [ "$(call - - tls /healthz)" = 200 ]
check "TLS with an unpinned client certificate, no token: /healthz 200" [ "$(call - b tls /healthz)" = 200 ]
check "pinned partner, pinned certificate a: GET /v1/measures 200" [ "$(call "$t_pinned" a tls /v1/measures)" = 200 ]
check "pinned partner, the answer is the measure list (MeasureList, non-empty)" \
  [ "$(body '[sorted(j), len(j["measures"]) > 0]')" = '[["measures"], true]' ]
check "pinned partner, no certificate: 401" [ "$(call "$t_pinned" - tls /v1/measures)" = 401 ]
check "pinned partner, no certificate: problem names client_certificate, invalid_token" is401cert
check "pinned partner, no certificate: the detail names the client certificate" \
  grep -q "TLS client certificate pinned in the trust registry" "$tmp/body"
check "pinned partner, other certificate b: 401" [ "$(call "$t_pinned" b tls /v1/measures)" = 401 ]
check "pinned partner, other certificate b: the client-certificate problem" is401cert
check "pinned partner, other certificate c: 401" [ "$(call "$t_pinned" c tls /v1/measures)" = 401 ]
check "pinned partner over h2c: 401" [ "$(call "$t_pinned" - h2c /v1/measures)" = 401 ]
check "pinned partner over h2c: the client-certificate problem" is401cert
check "pinned partner, certificate a, public /healthz: 200" [ "$(call "$t_pinned" a tls /healthz)" = 200 ]
check "unpinned partner (issuer without pins), token only, TLS: 200" [ "$(call "$t_unpinned" - tls /v1/measures)" = 200 ]
check "unpinned partner, token only, h2c: 200" [ "$(call "$t_unpinned" - h2c /v1/measures)" = 200 ]
check "unpinned partner with some certificate: 200" [ "$(call "$t_unpinned" b tls /v1/measures)" = 200 ]
check "partner without an issuer, token only: 200" [ "$(call "$t_plain" - tls /v1/measures)" = 200 ]
check "partner bound to an issuer not in the registry: 401" [ "$(call "$t_gone" a tls /v1/measures)" = 401 ]
check "partner bound to an issuer not in the registry: the client-certificate problem" is401cert
check "fi client with certificate a (not a partner): role table, 403" [ "$(call "$t_fi" a tls /v1/measures)" = 403 ]
check "fi client without certificate, TLS: GET /v1/measures 403 (role), handshake fine" \
  [ "$(call "$t_fi" - tls /v1/measures)" = 403 ]
check "fi client without certificate, TLS: /readyz 200" [ "$(call "$t_fi" - tls /readyz)" = 200 ]
check "wrong token with pinned certificate a: 401 unknown token" [ "$(call yc_nope a tls /v1/measures)" = 401 ]
check "wrong token: the token problem, not the certificate one" \
  [ "$(body 'j["detail"]')" = '"the token is unknown or revoked"' ]

# Session resumption (TLS 1.2 session ids, TLS 1.3 tickets) still works when the server asks
# for certificates (OpenSSL needs a session id context then), and a resumed session keeps the
# certificate it was made with: the pinned partner's second connection is served too.
resume() { # TLS_VERSION CERT|-: "New STATUS, Reused STATUS" over HTTP/2 (python ssl + h2)
  $py - "$tls" "$d/tls/cert.pem" "$1" "$2" "$tmp" "$t_pinned" <<'EOF'
import socket, ssl, sys
import h2.config, h2.connection, h2.events
port, ca, ver, cert, tmp, tok = sys.argv[1:7]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(ca)
ctx.check_hostname = False
ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, ver)
ctx.set_alpn_protocols(["h2"])
if cert != "-":
    ctx.load_cert_chain(f"{tmp}/{cert}.pem", f"{tmp}/{cert}.key")
session, out = None, []
for _ in range(2):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port)), timeout=10),
                        session=session)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    c.send_headers(1, [(":method", "GET"), (":path", "/v1/measures"), (":scheme", "https"),
                       (":authority", "localhost"), ("authorization", "Bearer " + tok)],
                   end_stream=True)
    s.sendall(c.data_to_send())
    status, done = None, False
    while not done:
        data = s.recv(65536)
        if not data:
            break
        for ev in c.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                status = dict(ev.headers)[b":status"].decode()
            if isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                done = True
        s.sendall(c.data_to_send())
    out.append(f"{'Reused' if s.session_reused else 'New'} {status}")
    session = s.session
    s.close()
print(", ".join(out))
EOF
}
check "TLS 1.2 resumption, pinned partner with certificate a: New 200, Reused 200" \
  [ "$(resume TLSv1_2 a)" = "New 200, Reused 200" ]
check "TLS 1.3 resumption, pinned partner with certificate a: New 200, Reused 200" \
  [ "$(resume TLSv1_3 a)" = "New 200, Reused 200" ]
check "TLS 1.3 resumption, pinned partner without a certificate: New 401, Reused 401" \
  [ "$(resume TLSv1_3 -)" = "New 401, Reused 401" ]

# The pin list edited: b replaces a; the running server follows within about a second.
"$cli" --data "$d" trust mtls "$p1" "$pin_b" >"$tmp/out" 2>"$tmp/err"
check "trust mtls ISSUER PIN: exit 0" [ $? = 0 ]
check "trust mtls ISSUER PIN: prints the count" [ "$(cat "$tmp/out")" = "$p1: 1 mTLS pin(s)" ]
expect "after re-pinning to b: certificate b" 200 "$t_pinned" b tls /v1/measures
check "after re-pinning to b: certificate a 401" [ "$(call "$t_pinned" a tls /v1/measures)" = 401 ]
"$cli" --data "$d" trust mtls "$p1" "$pin_a" "$pin_b" >/dev/null 2>&1
check "trust mtls with two pins: exit 0" [ $? = 0 ]
expect "two pins: certificate a" 200 "$t_pinned" a tls /v1/measures
check "two pins: certificate b 200" [ "$(call "$t_pinned" b tls /v1/measures)" = 200 ]
check "two pins: certificate c 401" [ "$(call "$t_pinned" c tls /v1/measures)" = 401 ]
"$cli" --data "$d" trust mtls "$p1" "$pin_a" "$pin_a" >/dev/null 2>"$tmp/err"
check "trust mtls with the same pin twice: exit 2" [ $? = 2 ]
"$cli" --data "$d" trust mtls https://nobody.example "$pin_a" >/dev/null 2>&1
check "trust mtls of an unknown issuer: exit 3" [ $? = 3 ]
# 8 pins (the limit) are accepted, 9 are refused
eight=()
for i in 1 2 3 4 5 6 7; do eight+=("$(printf '%s' "$i" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')"); done
"$cli" --data "$d" trust mtls "$p1" "$pin_a" "${eight[@]}" >/dev/null 2>&1
check "trust mtls with 8 pins (the limit): exit 0" [ $? = 0 ]
check "8 pins in the registry" [ "$(reg 'len(j["partners"][0]["mtls_spki_sha256"])')" = 8 ]
"$cli" --data "$d" trust mtls "$p1" "$pin_a" "$pin_b" "${eight[@]}" >/dev/null 2>&1
check "trust mtls with 9 pins: exit 2" [ $? = 2 ]
check "9 pins refused: still 8" [ "$(reg 'len(j["partners"][0]["mtls_spki_sha256"])')" = 8 ]
expect "8 pins without b: certificate b" 401 "$t_pinned" b tls /v1/measures
check "8 pins: certificate a 200" [ "$(call "$t_pinned" a tls /v1/measures)" = 200 ]
"$cli" --data "$d" trust mtls "$p1" >"$tmp/out" 2>&1
check "trust mtls ISSUER (no pin): exit 0" [ $? = 0 ]
check "trust mtls ISSUER (no pin): member removed" [ "$(reg '"mtls_spki_sha256" in j["partners"][0]')" = false ]
expect "pins removed: pinned partner with token only, h2c" 200 "$t_pinned" - h2c /v1/measures
"$cli" --data "$d" audit >"$tmp/out" 2>&1
check "audit log records trust mtls (mtls_pins=2 and mtls_pins=0)" \
  sh -c "grep -q 'mtls_pins=2' '$tmp/out' && grep -q 'mtls_pins=0' '$tmp/out'"
"$cli" --data "$d" trust mtls "$p1" "$pin_a" >/dev/null 2>&1
expect "pinned again to a: no certificate" 401 "$t_pinned" - tls /v1/measures
check "pinned again to a: certificate a 200" [ "$(call "$t_pinned" a tls /v1/measures)" = 200 ]

# A registry that no longer loads trusts no bound partner; unbound clients are unaffected.
cp "$d/trust/partners.json" "$tmp/partners.good"
$py - "$d/trust/partners.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
j["partners"][0]["mtls_spki_sha256"] = ["not-a-pin"]
json.dump(j, open(sys.argv[1], "w"))
EOF
expect "registry with a malformed pin: pinned partner with certificate a" 401 "$t_pinned" a tls /v1/measures
check "registry with a malformed pin: unpinned (bound) partner 401 too" [ "$(call "$t_unpinned" - tls /v1/measures)" = 401 ]
check "registry with a malformed pin: partner without issuer 200" [ "$(call "$t_plain" - tls /v1/measures)" = 200 ]
check "registry with a malformed pin: the server says why on stderr" \
  grep -q 'mtls_spki_sha256\[0\]' "$tmp/server.err"
cp "$tmp/partners.good" "$d/trust/partners.json.tmp" && mv "$d/trust/partners.json.tmp" "$d/trust/partners.json"
expect "registry fixed: pinned partner with certificate a" 200 "$t_pinned" a tls /v1/measures
"$cli" --data "$d" trust remove "$p1" >/dev/null 2>&1
expect "partner removed from the registry: its bound client with certificate a" 401 "$t_pinned" a tls /v1/measures
trust_add "$p1" --mtls-spki "$pin_a"
expect "partner added again with the pin: certificate a" 200 "$t_pinned" a tls /v1/measures
stop

# tls.client_auth "off": no certificate is asked for, so a pinned partner cannot get in.
set_config off
start
check "client_auth off: pinned partner with certificate a 401" [ "$(call "$t_pinned" a tls /v1/measures)" = 401 ]
check "client_auth off: unpinned partner 200" [ "$(call "$t_unpinned" - tls /v1/measures)" = 200 ]
stop
set_config optional
start
check "client_auth optional (explicit): pinned partner with certificate a 200" [ "$(call "$t_pinned" a tls /v1/measures)" = 200 ]
stop
set_config required
"$daemon" --data "$d" --listen "127.0.0.1:$tls" --h2c-listen off >"$tmp/out" 2>&1
check "client_auth \"required\" (not a value): the server refuses to start, exit 4 (configuration)" [ $? = 4 ]
check "client_auth \"required\": the message names tls.client_auth" grep -q "tls.client_auth" "$tmp/out"
no_sanitizer_report() { ! grep -Eq "AddressSanitizer|LeakSanitizer|runtime error" "$tmp/server.err"; }
check "no sanitizer report on the server's stderr" no_sanitizer_report
tap_done
