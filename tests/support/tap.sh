# shellcheck shell=bash
# TAP helpers shared by the shell test suites (tests/cli, tests/integration).
# Sourced; defines ok, nok, check and tap_done.
n=0
failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
check() { # description, then a command; ok when the command succeeds
  local d=$1; shift
  if "$@"; then ok "$d"; else nok "$d"; fi
}
tap_done() { # the plan line, then the exit status of the suite
  echo "1..$n"
  [ "$failures" -eq 0 ]
}
