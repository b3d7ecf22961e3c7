#!/usr/bin/env bash
# The Debian package of this build (`cpack -G DEB`) holds what a user needs and nothing of
# the tests, and lintian finds no error in it:
#   - files: /usr/bin/pdhooks, both manual pages (compressed), the schemas, the copyright
#     file, the changelogs, the lintian override; not pdhooks-fake, nothing under /usr/local;
#   - control: the version pdhooks prints, dependencies computed by dpkg-shlibdeps,
#     maintainer, section, a description;
#   - copyright: Debian's machine-readable format with the MIT (Expat) text of LICENSE;
#   - the compressed files are the sources (changelog.gz is CHANGELOG.md);
#   - the completions: the package ships what this pdhooks' `completion bash|zsh|fish`
#     writes, where the shells look for vendor completions; the install hook installs none
#     for a pdhooks without the command, and a stand-in's (PDH_COMPLETION_BIN) output when
#     it has one.
# scripts/package.sh (CI) also installs the package and runs it.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
build=$(dirname "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-package-test-XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1) ||
	{ cat "$work/cpack.log" >&2; echo "FAIL: cpack" >&2; exit 1; }
deb=$(ls "$work"/out/pdhooks_*.deb)
version=$("$bin" version | awk '{print $2}')
[ "${deb##*/}" = "pdhooks_${version}-1_$(dpkg --print-architecture).deb" ] || failed "package file name ${deb##*/}"

# files
dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/files"
for f in /usr/bin/pdhooks /usr/share/man/man1/pdhooks.1.gz /usr/share/man/man5/pdhooks.yaml.5.gz \
	/usr/share/pdhooks/schemas/pdhooks.schema.json /usr/share/pdhooks/schemas/plan.schema.json \
	/usr/share/doc/pdhooks/copyright /usr/share/doc/pdhooks/changelog.gz \
	/usr/share/doc/pdhooks/changelog.Debian.gz /usr/share/lintian/overrides/pdhooks; do
	grep -qx "$f" "$work/files" || failed "the package lacks $f"
done
grep -q 'pdhooks-fake' "$work/files" && failed "pdhooks-fake is in the package"
grep -q '^/usr/local' "$work/files" && failed "the package installs under /usr/local"
grep -q 'completion' "$work/files" &&
	! "$bin" help completion >/dev/null 2>&1 && failed "completions without a completion command"

# control
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = pdhooks ] || failed "Package: $(field Package)"
[ "$(field Version)" = "$version-1" ] || failed "Version: $(field Version), pdhooks says $version"
deps=$(field Depends)
for lib in libc6 libcurl4 libyaml-0-2 libjansson4; do
	grep -q "$lib" <<<"$deps" || failed "Depends lacks $lib: $deps"
done
grep -q 'libmicrohttpd\|criterion' <<<"$deps" && failed "Depends names a test library: $deps"
[ -n "$(field Maintainer)" ] || failed "no Maintainer"
[ "$(field Section)" = utils ] || failed "Section: $(field Section)"
[ "$(field Homepage)" = https://github.com/pdhooks/pdhooks ] || failed "Homepage: $(field Homepage)"
desc=$(field Description)
[ "$(head -n 1 <<<"$desc")" = "webhooks as code for Pipedrive" ] || failed "synopsis: $(head -n 1 <<<"$desc")"
[ "$(wc -l <<<"$desc")" -ge 3 ] || failed "no extended description"

# contents
dpkg-deb --extract "$deb" "$work/root"
doc="$work/root/usr/share/doc/pdhooks"
head -n 1 "$doc/copyright" | grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ||
	failed "copyright is not in the machine-readable format"
grep -qx 'License: Expat' "$doc/copyright" || failed "copyright does not say License: Expat"
grep -qx 'Copyright: 2026 The pdhooks authors' "$doc/copyright" || failed "copyright holder"
# the licence paragraph, unindented, is LICENSE's permission text word for word
cmp -s <(sed -n '/^ Permission/,$p' "$doc/copyright" | sed 's/^ //; s/^\.$//') \
       <(sed -n '/^Permission/,$p' "$src/LICENSE") || failed "copyright's licence text differs from LICENSE"
cmp -s <(gzip -dc "$doc/changelog.gz") "$src/CHANGELOG.md" || failed "changelog.gz is not CHANGELOG.md"
first=$(gzip -dc "$doc/changelog.Debian.gz" | sed -n 1p)
[ "$first" = "pdhooks ($version-1) unstable; urgency=medium" ] || failed "changelog.Debian.gz: $first"
cmp -s <(gzip -dc "$work/root/usr/share/man/man5/pdhooks.yaml.5.gz") "$src/docs/pdhooks.yaml.5" || failed "pdhooks.yaml.5.gz"
cmp -s <(gzip -dc "$work/root/usr/share/man/man1/pdhooks.1.gz") "$src/docs/pdhooks.1" || failed "pdhooks.1.gz"
cmp -s "$work/root/usr/share/pdhooks/schemas/pdhooks.schema.json" "$src/schemas/pdhooks.schema.json" || failed "schema"
[ -x "$work/root/usr/bin/pdhooks" ] || failed "/usr/bin/pdhooks is not executable"
[ "$("$work/root/usr/bin/pdhooks" version)" = "pdhooks $version" ] || failed "the packaged pdhooks' version"

# lintian: no error
lintian_rc=0
lintian --fail-on error "$deb" >"$work/lintian.txt" 2>&1 || lintian_rc=$?
grep '^E:' "$work/lintian.txt" >&2 && failed "lintian errors"
[ "$lintian_rc" = 0 ] || { cat "$work/lintian.txt" >&2; failed "lintian exit $lintian_rc"; }

# this pdhooks has the completion command: the package ships its three scripts, as
# `pdhooks completion SHELL` writes them (dpkg-deb --contents above)
for pair in bash:bash-completion/completions/pdhooks zsh:zsh/vendor-completions/_pdhooks \
	fish:fish/vendor_completions.d/pdhooks.fish; do
	f=/usr/share/${pair#*:}
	grep -qx "$f" "$work/files" || { failed "the package lacks $f"; continue; }
	cmp -s "$work/root$f" <("$bin" completion "${pair%%:*}") ||
		failed "$f is not what 'pdhooks completion ${pair%%:*}' writes"
	[ "$(stat -c %a "$work/root$f")" = 644 ] || failed "$f mode $(stat -c %a "$work/root$f")"
done

# the completions hook, with a stand-in that has the command
cat >"$work/stand-in" <<'SH'
#!/bin/sh
case "$1 $2" in
"help completion") exit 0 ;;
"completion bash" | "completion zsh" | "completion fish") echo "# $2 completion for pdhooks" ;;
*) exit 1 ;;
esac
SH
chmod +x "$work/stand-in"
PDH_COMPLETION_BIN=$work/stand-in DESTDIR=$work/with cmake --install "$build" --prefix /usr >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log" >&2; failed "cmake --install with a completion command"; }
for pair in bash:bash-completion/completions/pdhooks zsh:zsh/vendor-completions/_pdhooks \
	fish:fish/vendor_completions.d/pdhooks.fish; do
	f="$work/with/usr/share/${pair#*:}"
	[ "$(cat "$f" 2>/dev/null)" = "# ${pair%%:*} completion for pdhooks" ] || failed "no ${pair%%:*} completion at ${f#"$work/with"}"
done
printf '#!/bin/sh\nexit 1\n' >"$work/without"
chmod +x "$work/without"
PDH_COMPLETION_BIN=$work/without DESTDIR=$work/none cmake --install "$build" --prefix /usr >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log" >&2; failed "cmake --install without a completion command"; }
[ -z "$(find "$work/none" -path '*complet*' -type f)" ] || failed "completions installed without the command"
[ -x "$work/none/usr/bin/pdhooks" ] || failed "cmake --install installs no pdhooks"
[ ! -e "$work/none/usr/bin/pdhooks-fake" ] || failed "cmake --install installs pdhooks-fake without --component fake"

exit $fail
