# shellcheck shell=bash
# Installs the Debian 12 packages the build, the tests and the CLI need.
# Sourced by scripts/test, scripts/run and scripts/bench.

YC_DEBIAN_PACKAGES=(
  build-essential pkg-config meson ninja-build clang clang-format libclang-rt-14-dev
  libsodium-dev liblmdb-dev lmdb-utils libjansson-dev libcmocka-dev libcsv-dev zlib1g-dev
  libnghttp2-dev nghttp2-client nghttp2-server libssl-dev openssl curl libcurl4-openssl-dev faketime
  python3-h2 python3-hyperframe python3-hpack python3-jsonschema python3-yaml python3-jwt
  python3-cryptography
  python3 file bc docker-compose
)

yc_install_deps() {
  local missing=()
  for p in "${YC_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
