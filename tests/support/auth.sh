# shellcheck shell=bash
# Access control is on by default (config auth.required, issue 6 item 1): every /v1 route but
# the public ones needs `authorization: Bearer TOKEN`.  Helpers for the shell test suites and
# benches (sourced; they need nothing but the yrdcredit CLI and /usr/bin/python3).
#
#   tok=$(yc_token "$cli" "$data" admin test)             # a new client's token (stdout line)
#   tok=$(yc_token "$cli" "$data" provider p --authority USCC)
#   yc_auth_required "$data" false    # "auth": {"required": false} in DATA/config.json
#
# yc_token CLI DATA ROLE NAME [clients add options...]: add a client to DATA's registry and
# print its token (the only line `yrdcredit clients add` prints on stdout); on failure print
# the CLI's stderr to stderr and return 1.  The token is never written to a file.
yc_token() {
  local cli=$1 data=$2 role=$3 name=$4 out err
  shift 4
  err=$(mktemp)
  if ! out=$("$cli" --data "$data" clients add --role "$role" --name "$name" "$@" 2>"$err"); then
    cat "$err" >&2
    rm -f "$err"
    return 1
  fi
  rm -f "$err"
  [ -n "$out" ] || return 1
  printf '%s\n' "$out"
}

# yc_auth_required DATA true|false: set "auth": {"required": VALUE} in DATA/config.json (the
# other members kept).  false is for a test that exercises the auth-off behaviour on purpose.
yc_auth_required() {
  /usr/bin/python3 - "$1/config.json" "$2" <<'PY'
import json, os, sys
path, value = sys.argv[1], sys.argv[2]
if value not in ("true", "false"):
    sys.exit(f"yc_auth_required: true or false, not {value!r}")
with open(path, encoding="utf-8") as f:
    cfg = json.load(f)
cfg["auth"] = {"required": value == "true"}
tmp = path + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    json.dump(cfg, f, ensure_ascii=False, indent=2)
    f.write("\n")
os.replace(tmp, path)
PY
}
