#!/usr/bin/env bash
# Builds the Debian package and tries it the way a user would:
#   1. builds pdhooks in build-deb/ with Debian's compiler flags (dpkg-buildflags, all
#      hardening) and makes the package with `cpack -G DEB`;
#   2. lintian: any error fails (warnings and infos are printed);
#   3. installs it with `dpkg -i` (root: CI runs as root on a throwaway machine);
#   4. runs the installed /usr/bin/pdhooks against pdhooks-fake from build-deb/: version,
#      validate, plan, apply and plan again (nothing left) on examples/demo/pdhooks.yaml.
# The package stays installed (that is what installing it asks for; dpkg -r pdhooks removes it).
#   PDH_PACKAGE_INSTALL=0   steps 1 and 2 only (no root needed)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
build=${PDH_BUILD_DIR:-build-deb}

say() { printf '\n== package: %s\n' "$*"; }

say "build in $build/ with dpkg-buildflags"
eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)"
export CFLAGS="$CPPFLAGS $CFLAGS"    # CMake reads no CPPFLAGS (_FORTIFY_SOURCE is there)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPDH_TESTS=OFF -DPDH_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
rm -f "$build"/pdhooks_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/pdhooks_*.deb)
echo "$deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb" | awk '{print $NF}'

say "lintian"
lintian_rc=0
lintian --fail-on error --display-info --show-overrides "$deb" >"$build/lintian.txt" 2>&1 || lintian_rc=$?
grep -v 'running with root privileges' "$build/lintian.txt" || true
[ "$lintian_rc" = 0 ] || { echo "package: lintian reports an error ($lintian_rc)" >&2; exit 1; }

[ "${PDH_PACKAGE_INSTALL:-1}" = 1 ] || exit 0

say "dpkg -i"
[ "$(id -u)" -eq 0 ] || { echo "package: dpkg -i needs root (PDH_PACKAGE_INSTALL=0 to skip)" >&2; exit 1; }
# dpkg -i, waiting (up to 5 minutes) while another apt or dpkg holds dpkg's lock
for try in $(seq 1 150); do
	rc=0
	dpkg -i "$deb" >"$build/dpkg.log" 2>&1 || rc=$?
	cat "$build/dpkg.log"
	[ "$rc" = 0 ] && break
	grep -q 'lock' "$build/dpkg.log" && [ "$try" -lt 150 ] || { echo "package: dpkg -i failed ($rc)" >&2; exit 1; }
	sleep 2
done
work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-package-XXXXXX")
. tests/support/fake.sh
cleanup() {
	pdh_fake_stop
	rm -rf "$work"
}
trap cleanup EXIT

say "the installed pdhooks against pdhooks-fake"
pdhooks=/usr/bin/pdhooks
dpkg -L pdhooks | grep -qx /usr/share/man/man5/pdhooks.yaml.5.gz
dpkg -L pdhooks | grep -qx /usr/share/pdhooks/schemas/pdhooks.schema.json
version=$("$pdhooks" version)
echo "$version"
[ "$version" = "pdhooks $(sed -n 's/^Version: \(.*\)-[0-9]*$/\1/p' <(dpkg-deb --field "$deb"))" ]
cp examples/fake-state.json "$work/state.json"
PDH_FAKE_BIN=$PWD/$build/pdhooks-fake PDH_FAKE_TOKEN=package-token pdh_fake_start "$work" --state "$work/state.json"
export PIPEDRIVE_API_URL=$PDH_FAKE_API PIPEDRIVE_API_TOKEN=package-token PD_HOOK_PASSWORD=package-password
desired=examples/demo/pdhooks.yaml
"$pdhooks" validate -f "$desired"
rc=0; "$pdhooks" plan -f "$desired" --detailed-exitcode || rc=$?
[ "$rc" = 2 ] || { echo "package: plan should find changes (exit 2), got $rc" >&2; exit 1; }
"$pdhooks" apply -f "$desired" --auto-approve
"$pdhooks" plan -f "$desired" --detailed-exitcode
dpkg-query -W -f='${Status} ${Version}\n' pdhooks | grep -q '^install ok installed ' ||
	{ echo "package: pdhooks is not installed after dpkg -i" >&2; exit 1; }
say "ok: $deb (installed: $(dpkg-query -W -f='${Version}' pdhooks))"
