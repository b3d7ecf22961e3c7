#!/usr/bin/env bash
# Installs the Debian packages that building, testing, packaging and the demo need.
# Idempotent, and silent when everything is already there.
#   scripts/deps.sh          everything (development and CI)
#   scripts/deps.sh --demo   only what scripts/demo.sh needs: a compiler, CMake, the
#                            libraries, curl and python3 (no clang, valgrind, cppcheck, lintian)
#   --list                   print the packages of the mode chosen, install nothing
set -euo pipefail

demo=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libyaml-dev libjansson-dev libmicrohttpd-dev
  python3 curl
)
full=(
  "${demo[@]}" libcriterion-dev
  python3-jsonschema python3-yaml python3-prometheus-client jq
  clang libclang-rt-14-dev valgrind cppcheck groff-base
  dpkg-dev lintian file
  openssl ca-certificates
  zsh fish
  prometheus nghttp2-server
)

mode=full list=0
for a in "$@"; do
  case $a in
  --demo) mode=demo ;;
  --list) list=1 ;;
  *) echo "usage: scripts/deps.sh [--demo] [--list]" >&2; exit 2 ;;
  esac
done
if [ "$mode" = demo ]; then packages=("${demo[@]}"); else packages=("${full[@]}"); fi
if [ "$list" = 1 ]; then printf '%s\n' "${packages[@]}"; exit 0; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
# prometheus is here for promtool, nghttp2-server for nghttpd (test_http2): their daemons must
# not start where no init system would keep them from starting (a container without a
# policy-rc.d)
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
