#!/usr/bin/env bash
# Makes a release's assets in dist/:
#   pdhooks-VERSION.tar.gz                  the sources (git archive of HEAD, under pdhooks-VERSION/)
#   pdhooks_VERSION-1_ARCH.IMAGE.deb        the Debian package built on this machine, IMAGE
#                                           naming the system it was built for (ubuntu-22.04,
#                                           ubuntu-24.04, debian-12: /etc/os-release's ID-VERSION_ID)
#   SHA256SUMS                              every pdhooks asset of VERSION in dist/ (`sha256sum -c`)
#
#   scripts/release.sh VERSION            the three (the package by scripts/package.sh: Debian's
#                                         build flags, lintian; not installed)
#   scripts/release.sh --no-deb VERSION   the tarball and SHA256SUMS over what dist/ holds (the
#                                         release workflow puts each image's package there first)
# VERSION must be the project's version (CMakeLists.txt); a leading v is allowed (v0.2.0).
#   PDH_DIST_DIR=DIR          where to write (default dist/)
#   PDH_RELEASE_IMAGE=NAME    the image named in the package file (default from /etc/os-release)
#   PDH_RELEASE_BUILD_DIR=DIR package an existing configured build of these sources with cpack
#                             instead of building with scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
die() { echo "release: $*" >&2; exit 1; }

deb=1
case ${1:-} in --no-deb) deb=0; shift ;; esac
[ $# = 1 ] || { echo "usage: scripts/release.sh [--no-deb] VERSION" >&2; exit 2; }
version=${1#v}
project=$(sed -n 's/^project(pdhooks VERSION \([^ )]*\).*/\1/p' CMakeLists.txt)
[ -n "$project" ] || die "no project version in CMakeLists.txt"
[ "$version" = "$project" ] || die "version $version is not the project's version $project (CMakeLists.txt)"

image() {
	if [ -n "${PDH_RELEASE_IMAGE:-}" ]; then echo "$PDH_RELEASE_IMAGE"; return; fi
	(. /etc/os-release && echo "$ID-$VERSION_ID")
}

dist=${PDH_DIST_DIR:-dist}
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)

tarball=$dist/pdhooks-$version.tar.gz
git -C "$here" archive --format=tar.gz --prefix="pdhooks-$version/" -o "$tarball" HEAD
echo "$tarball"

if [ "$deb" = 1 ]; then
	img=$(image)
	case $img in *[!A-Za-z0-9.-]* | "") die "bad image name '$img'" ;; esac
	if [ -n "${PDH_RELEASE_BUILD_DIR:-}" ]; then
		out=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-release-XXXXXX")
		trap 'rm -rf "$out"' EXIT
		(cd "$out" && cpack -G DEB --config "$PDH_RELEASE_BUILD_DIR/CPackConfig.cmake" -B "$out" >cpack.log 2>&1) ||
			{ cat "$out/cpack.log" >&2; die "cpack failed"; }
		built=$(ls "$out"/pdhooks_*.deb)
	else
		PDH_PACKAGE_INSTALL=0 scripts/package.sh >&2
		built=$(ls "${PDH_BUILD_DIR:-build-deb}"/pdhooks_*.deb)
	fi
	name=${built##*/}
	case $name in "pdhooks_${version}-"*.deb) ;; *) die "the package $name is not of version $version" ;; esac
	cp "$built" "$dist/${name%.deb}.$img.deb"
	echo "$dist/${name%.deb}.$img.deb"
fi

# SHA256SUMS: the tarball and every package of this version in dist/
(cd "$dist" && ls "pdhooks-$version.tar.gz" "pdhooks_${version}-"*.deb 2>/dev/null | LC_ALL=C sort |
	xargs sha256sum >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || die "SHA256SUMS does not verify"
echo "$dist/SHA256SUMS"
