#!/usr/bin/env bash
# How the GitHub Action (action.yml) gets its pdhooks; tests/test_action_install.sh runs it
# against a local HTTP server serving the assets scripts/release.sh makes.
#
#   scripts/action-install.sh image         the runner's image: /etc/os-release's ID-VERSION_ID
#                                           (ubuntu-22.04, ubuntu-24.04, debian-12 in a container)
#   scripts/action-install.sh cache-key     the cache key: the image, GitHub's ImageOS, the
#                                           architecture, then the release (INPUT_VERSION) or
#                                           the action's ref and a digest of the sources
#   scripts/action-install.sh install DIR   put pdhooks into DIR/pdhooks:
#     - DIR/pdhooks already there (a cache hit) and its libraries found: nothing, no apt;
#     - INPUT_VERSION set: download that release's pdhooks_VERSION-1_ARCH.IMAGE.deb and
#       SHA256SUMS, refuse a package whose digest differs (nothing installed), unpack it
#       (dpkg -x) into DIR; apt-get installs the package (and so its libraries) only when
#       the unpacked pdhooks lacks a library;
#     - no INPUT_VERSION: build from the action's sources (apt: scripts/deps.sh --demo).
#   PDH_RELEASE_URL     the releases' base URL (default https://github.com/pdhooks/pdhooks/releases/download);
#                       the assets are at BASE/vVERSION/NAME
#   PDH_ACTION_IMAGE    the image, instead of /etc/os-release
#   PDH_ACTION_APT=0    never run apt (a missing library is an error)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "pdhooks action: $*" >&2; exit 1; }

image() {
	if [ -n "${PDH_ACTION_IMAGE:-}" ]; then echo "$PDH_ACTION_IMAGE"; return; fi
	(. /etc/os-release && echo "$ID-$VERSION_ID")
}

arch() { dpkg --print-architecture 2>/dev/null || uname -m; }

version() {   # INPUT_VERSION without a leading v, checked
	local v=${INPUT_VERSION:-}
	v=${v#v}
	case $v in *[!A-Za-z0-9.~+-]*) die "version '$INPUT_VERSION' is not a version" ;; esac
	echo "$v"
}

cache_key() {
	local v digest
	v=$(version)
	if [ -n "$v" ]; then
		echo "pdhooks-$(image)-${ImageOS:-none}-$(arch)-release-$v"
		return
	fi
	digest=$(cd "$here" && find CMakeLists.txt cmake core cmd -type f -print0 | sort -z |
		xargs -0 sha256sum | sha256sum | cut -c1-16)
	echo "pdhooks-$(image)-${ImageOS:-none}-$(arch)-${GITHUB_ACTION_REF:-local}-$digest"
}

missing_libraries() {   # missing_libraries BIN: the libraries BIN needs and the system lacks
	ldd "$1" 2>/dev/null | awk '/not found/ {print $1}'
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_allowed() {
	[ "${PDH_ACTION_APT:-1}" != 0 ] || die "$* (PDH_ACTION_APT=0: no apt)"
}

build() {
	local dest=$1 tmp
	apt_allowed "building pdhooks needs its build dependencies"
	"$here/scripts/deps.sh" --demo
	tmp=$(mktemp -d)
	cmake -S "$here" -B "$tmp" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPDH_TESTS=OFF -DPDH_BENCH=OFF >/dev/null
	cmake --build "$tmp" -j "$(nproc)" --target pdhooks >/dev/null
	mkdir -p "$dest"
	cp "$tmp/pdhooks" "$dest/pdhooks"
	rm -rf "$tmp"
}

fetch() {   # fetch URL FILE
	curl -fsSL --retry 3 -o "$2" "$1" || die "cannot download $1"
}

install_release() {
	local dest=$1 v=$2 base name want got missing
	base=${PDH_RELEASE_URL:-https://github.com/pdhooks/pdhooks/releases/download}
	base=${base%/}/v$v
	name="pdhooks_${v}-1_$(arch).$(image).deb"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-action-XXXXXX")   # global: the EXIT trap removes it
	trap 'rm -rf "$tmp"' EXIT
	fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS"
	want=$(awk -v n="$name" '$2 == n || $2 == "*" n {print $1}' "$tmp/SHA256SUMS")
	[ -n "$want" ] || die "release v$v has no package $name for this runner ($(image), $(arch)); its SHA256SUMS lists: $(awk '{printf " %s", $2}' "$tmp/SHA256SUMS")"
	fetch "$base/$name" "$tmp/$name"
	got=$(sha256sum "$tmp/$name" | cut -d' ' -f1)
	[ "$got" = "$want" ] ||
		die "$name does not match release v$v's SHA256SUMS (expected $want, got $got): not installed"
	echo "pdhooks action: $name verified against SHA256SUMS"
	dpkg-deb -x "$tmp/$name" "$tmp/root"
	[ -x "$tmp/root/usr/bin/pdhooks" ] || die "$name holds no usr/bin/pdhooks: not installed"
	mkdir -p "$dest"
	cp "$tmp/root/usr/bin/pdhooks" "$dest/pdhooks.new"
	mv "$dest/pdhooks.new" "$dest/pdhooks"
	missing=$(missing_libraries "$dest/pdhooks")
	if [ -n "$missing" ]; then
		apt_allowed "pdhooks needs $(echo $missing)"
		as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
			--no-install-recommends "$tmp/$name" >/dev/null
	fi
}

install() {
	local dest=${1:?usage: action-install.sh install DIR} v missing
	v=$(version)
	if [ -x "$dest/pdhooks" ]; then
		missing=$(missing_libraries "$dest/pdhooks")
		if [ -z "$missing" ]; then
			echo "pdhooks action: cached $("$dest/pdhooks" version) ($(image)), no apt"
			return
		fi
		echo "pdhooks action: the cached pdhooks needs $(echo $missing)"
		apt_allowed "the cached pdhooks needs $(echo $missing)"
		"$here/scripts/deps.sh" --demo
		return
	fi
	if [ -n "$v" ]; then
		install_release "$dest" "$v"
	else
		build "$dest"
	fi
	if [ -n "$v" ] && [ "$("$dest/pdhooks" version)" != "pdhooks $v" ]; then
		rm -f "$dest/pdhooks"
		die "release v$v's package holds $("$dest/pdhooks" version 2>/dev/null || echo another pdhooks): not installed"
	fi
	echo "pdhooks action: $("$dest/pdhooks" version) ($(image))"
}

case ${1:-} in
image) image ;;
cache-key) cache_key ;;
install) install "${2:-}" ;;
*) echo "usage: scripts/action-install.sh image|cache-key|install DIR" >&2; exit 2 ;;
esac
