#!/usr/bin/env bash
# Issue 5 item 6: the three-city walkthrough of scripts/demo-yrd (Yiwu, Hangzhou, Shanghai on
# loopback over HTTP/2, each its own data dir, keys and trust registry) end to end, on this
# build.  Every check the script makes becomes one TAP point; the script's exit status is the
# last one.  usage: test_demo_yrd.sh YRDCREDIT_BINARY YRDCREDITD_BINARY SOURCE_ROOT
set -u
src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/support/tap.sh"
YRDCREDIT_BIN=$(dirname "$1") "$src/scripts/demo-yrd" --keep "$tmp/demo" >"$tmp/out" 2>"$tmp/err"
rc=$?
while IFS= read -r line; do
  case $line in
  "   ok: "*) ok "${line#   ok: }" ;;
  "== "*) echo "# ${line#== }" ;;
  esac
done <"$tmp/out"
if [ "$rc" -eq 0 ] && grep -qx 'demo-yrd: the walkthrough succeeded' "$tmp/out"; then
  ok "scripts/demo-yrd exits 0: the walkthrough succeeded"
else
  nok "scripts/demo-yrd exits 0 (exit $rc)"
  sed 's/^/# /' "$tmp/err"
fi
# every step of the walkthrough ran (a step that silently vanished would lose its checks)
for s in 1 2 3 4 5; do
  check "step $s ran" grep -q "^== step $s: " "$tmp/out"
done
tap_done
