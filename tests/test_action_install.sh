#!/usr/bin/env bash
# Releases and the Action's install from them:
#   - scripts/release.sh refuses a version that is not the project's (CMakeLists.txt) and
#     writes nothing; with the project's version it makes the source tarball (git archive of
#     HEAD under pdhooks-VERSION/), the package named for its image
#     (pdhooks_VERSION-1_ARCH.IMAGE.deb, here cpack of this build) and SHA256SUMS, which
#     `sha256sum -c` verifies; --no-deb sums the packages already in dist/ too;
#   - scripts/action-install.sh against a local HTTP server (python3 -m http.server on
#     127.0.0.1, a free port) serving those assets under vVERSION/: a good checksum installs
#     the release's pdhooks into the Action's directory (dpkg -x, no apt, the system
#     untouched); run again it is a cache hit (no download, no apt); a package whose digest
#     differs from SHA256SUMS is refused with a clear message and nothing installed; a
#     release without the runner image's package is refused naming what it has;
#   - the cache key differs per image and per release;
#   - .github/workflows/release.yml: on a tag, a package per image (ubuntu-22.04,
#     ubuntu-24.04, debian-12 in a container) by release.sh, then one release with all of
#     them and SHA256SUMS (release.sh --no-deb).
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
build=$(dirname "$bin")
version=$("$bin" version | awk '{print $2}')
arch=$(dpkg --print-architecture)
image=ubuntu-24.04
deb=pdhooks_${version}-1_$arch.$image.deb

work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-release-test-XXXXXX")
server=
cleanup() {
	[ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
	rm -rf "$work"
}
trap cleanup EXIT

# ---- release.sh ----------------------------------------------------------------------
rc=0
PDH_DIST_DIR=$work/wrong PDH_RELEASE_BUILD_DIR=$build "$src/scripts/release.sh" 9.9.9 >"$work/wrong.out" 2>&1 || rc=$?
[ "$rc" != 0 ] || failed "release.sh accepted version 9.9.9"
grep -q "not the project's version $version" "$work/wrong.out" || failed "release.sh 9.9.9 says: $(cat "$work/wrong.out")"
[ ! -e "$work/wrong" ] || failed "release.sh 9.9.9 wrote $(ls "$work/wrong")"

dist=$work/www/v$version
PDH_DIST_DIR=$dist PDH_RELEASE_BUILD_DIR=$build PDH_RELEASE_IMAGE=$image \
	"$src/scripts/release.sh" "v$version" >"$work/release.out" 2>&1 ||
	{ cat "$work/release.out" >&2; failed "release.sh $version"; }
[ "$(cd "$dist" && ls | LC_ALL=C sort | tr '\n' ' ')" = "SHA256SUMS pdhooks-$version.tar.gz $deb " ] ||
	failed "dist/ holds: $(ls "$dist" | tr '\n' ' ')"
(cd "$dist" && sha256sum -c SHA256SUMS >"$work/sums.out" 2>&1) || failed "sha256sum -c: $(cat "$work/sums.out")"
[ "$(wc -l <"$dist/SHA256SUMS")" = 2 ] || failed "SHA256SUMS: $(cat "$dist/SHA256SUMS")"
tar -tzf "$dist/pdhooks-$version.tar.gz" >"$work/tar.list" || failed "the tarball does not list"
for f in CMakeLists.txt scripts/package.sh core/README.md; do
	grep -qx "pdhooks-$version/$f" "$work/tar.list" || failed "the tarball lacks pdhooks-$version/$f"
done
grep -qv "^pdhooks-$version/" "$work/tar.list" && failed "the tarball has files outside pdhooks-$version/"
[ "$(dpkg-deb --field "$dist/$deb" Version)" = "$version-1" ] || failed "the package's version"
# another image's package, added by the release workflow before --no-deb: summed too
cp "$dist/$deb" "$dist/pdhooks_${version}-1_$arch.debian-12.deb"
PDH_DIST_DIR=$dist "$src/scripts/release.sh" --no-deb "$version" >"$work/release2.out" 2>&1 ||
	{ cat "$work/release2.out" >&2; failed "release.sh --no-deb"; }
grep -q "pdhooks_${version}-1_$arch.debian-12.deb" "$dist/SHA256SUMS" || failed "--no-deb: $(cat "$dist/SHA256SUMS")"
(cd "$dist" && sha256sum -c SHA256SUMS >"$work/sums.out" 2>&1) || failed "sha256sum -c after --no-deb: $(cat "$work/sums.out")"

# ---- a local release server ------------------------------------------------------------
cp -r "$work/www" "$work/bad"
printf 'x' >>"$work/bad/v$version/$deb"   # the package changed after SHA256SUMS was written
(cd "$work" && exec python3 -u -m http.server 0 --bind 127.0.0.1 >"$work/http.log" 2>&1) &
server=$!
port=
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$work/http.log" | head -n 1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$work/http.log" >&2; failed "the HTTP server did not start"; exit 1; }

install() {   # install NAME BASE [VAR=VALUE...]: action-install.sh install into $work/NAME
	local name=$1 base=$2
	shift 2
	rc=0
	env INPUT_VERSION="$version" PDH_RELEASE_URL="http://127.0.0.1:$port/$base" PDH_ACTION_IMAGE=$image \
		PDH_ACTION_APT=0 "$@" bash "$src/scripts/action-install.sh" install "$work/$name" >"$work/$name.out" 2>&1 || rc=$?
}
requests() { grep -c '"GET ' "$work/http.log" || true; }

# a good checksum: installed, no apt
install good www
[ "$rc" = 0 ] || failed "install: exit $rc: $(cat "$work/good.out")"
[ "$("$work/good/pdhooks" version 2>&1)" = "pdhooks $version" ] || failed "the installed pdhooks: $(cat "$work/good.out")"
grep -q "verified against SHA256SUMS" "$work/good.out" || failed "install does not say it verified: $(cat "$work/good.out")"
grep -q "GET /www/v$version/$deb " "$work/http.log" || failed "the package was not downloaded: $(cat "$work/http.log")"

# again: the cache hit downloads nothing and runs no apt
before=$(requests)
install good www
[ "$rc" = 0 ] || failed "cached install: exit $rc: $(cat "$work/good.out")"
grep -q "cached pdhooks $version .*no apt" "$work/good.out" || failed "cached install says: $(cat "$work/good.out")"
[ "$(requests)" = "$before" ] || failed "the cache hit downloaded ($before -> $(requests) requests)"

# a bad checksum: refused, nothing installed
install refused bad
[ "$rc" != 0 ] || failed "a package that does not match SHA256SUMS was installed"
grep -q "$deb does not match release v$version's SHA256SUMS (expected [0-9a-f]\{64\}, got [0-9a-f]\{64\}): not installed" "$work/refused.out" ||
	failed "bad checksum says: $(cat "$work/refused.out")"
[ ! -e "$work/refused/pdhooks" ] || failed "a refused package left $work/refused/pdhooks"

# a runner image the release has no package for
install other www PDH_ACTION_IMAGE=ubuntu-20.04
[ "$rc" != 0 ] || failed "installed a package for an image the release lacks"
grep -q "has no package pdhooks_${version}-1_$arch.ubuntu-20.04.deb for this runner" "$work/other.out" ||
	failed "missing image says: $(cat "$work/other.out")"
[ ! -e "$work/other/pdhooks" ] || failed "a missing package left $work/other/pdhooks"

# the cache key: per image, per release
key() { env "$@" bash "$src/scripts/action-install.sh" cache-key; }
k1=$(key PDH_ACTION_IMAGE=ubuntu-22.04 INPUT_VERSION=0.2.0)
k2=$(key PDH_ACTION_IMAGE=ubuntu-24.04 INPUT_VERSION=0.2.0)
k3=$(key PDH_ACTION_IMAGE=ubuntu-24.04 INPUT_VERSION=v0.2.1)
k4=$(key PDH_ACTION_IMAGE=debian-12 INPUT_VERSION=)
[[ $k1 == *ubuntu-22.04* && $k2 == *ubuntu-24.04* && $k4 == *debian-12* ]] || failed "cache keys lack the image: $k1 / $k2 / $k4"
[[ $k1 != "$k2" && $k2 != "$k3" && $k3 == *0.2.1* ]] || failed "cache keys: $k1 / $k2 / $k3"
[ "$(PDH_ACTION_IMAGE= bash "$src/scripts/action-install.sh" image)" = "$(. /etc/os-release && echo "$ID-$VERSION_ID")" ] ||
	failed "image is not /etc/os-release's ID-VERSION_ID"

# ---- the release workflow --------------------------------------------------------------
python3 - "$src/.github/workflows/release.yml" <<'PY' || failed "release.yml"
import sys, yaml
d = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
on = d.get(True) or d.get("on")
assert on["push"]["tags"], "not run on tags"
jobs = d["jobs"]
inc = jobs["package"]["strategy"]["matrix"]["include"]
images = {i["image"] for i in inc}
assert images == {"ubuntu-22.04", "ubuntu-24.04", "debian-12"}, images
assert any(i["image"] == "debian-12" and i["container"].startswith("debian:12") for i in inc), "debian-12 not a container"
runs = " ".join(s.get("run", "") for s in jobs["package"]["steps"])
assert "scripts/release.sh" in runs and "PDH_RELEASE_IMAGE" in str(jobs["package"]["steps"]), "package job"
pub = " ".join(s.get("run", "") for s in jobs["publish"]["steps"])
assert "scripts/release.sh --no-deb" in pub and "gh release create" in pub, "publish job"
PY

exit $fail
