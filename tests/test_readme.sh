#!/usr/bin/env bash
# The README says what this build does, in the places a newcomer looks:
#   - the Usage synopsis names every option of each command's own usage line
#     (`pdhooks help CMD`), and the common options paragraph every common option, with
#     --timeout's default as the help gives it;
#   - the licence (MIT, LICENSE) and the changelog are named; LICENSE is MIT with the
#     authors as holder;
#   - the quick start says where pdhooks is afterwards (build/pdhooks);
#   - OAuth: the scopes webhooks:read and webhooks:full, not "the admin scope";
#   - the CI section: the action and its inputs, the environment, the variables and the
#     secret the example workflows use, and who GitHub tells about a failed scheduled run.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
readme="$src/README.md"

synopsis=$(sed -n '/^## Usage/,/^Common options/p' "$readme")
for cmd in validate plan apply export status; do
	usage=$("$bin" help "$cmd" | sed -n '1,/^$/p')
	# the README's lines for the command: its own line and the indented ones after it
	lines=$(awk -v c="$cmd" '$1 == "pdhooks" { on = ($2 == c) } on' <<<"$synopsis")
	[ -n "$lines" ] || { failed "the Usage synopsis has no line for $cmd"; continue; }
	for opt in $(grep -o -- '--[a-z][a-z-]*\|-[a-z]\b' <<<"$usage" | sort -u); do
		grep -q -- "$opt\b" <<<"$lines" || failed "the Usage synopsis of $cmd lacks $opt"
	done
done
common=$(sed -n '/^Common options/,/^$/p' "$readme")
# each common option, by its long name or its short one ("-v, --verbose")
while read -r short long; do
	[ "$long" = --file ] && continue
	grep -q -- "\`$long" <<<"$common" || { [ "$short" != none ] && grep -q -- "\`$short\`" <<<"$common"; } ||
		failed "the common options lack $long"
done < <("$bin" help plan | sed -n '/-f, --file/,/^$/p' |
	sed -n 's/^ *\(-[a-z]\)\?,\? *\(--[a-z-]*\).*/\1 \2/p' | awk 'NF == 1 { print "none", $1; next } { print }')
timeout=$("$bin" help plan | sed -n 's/.*--timeout SECONDS.*(default \([0-9]*\)).*/\1/p')
[ -n "$timeout" ] || failed "help plan gives no --timeout default"
grep -q -- "--timeout SECONDS\` (.*default $timeout)" <<<"$common" || failed "the README does not give --timeout's default ($timeout)"
grep -q 'export` reads no desired-state file' <<<"$common" || failed "the README does not say export takes no -f"

grep -q 'MIT licence (\[LICENSE\](LICENSE))' "$readme" || failed "the README does not state the licence"
head -n 1 "$src/LICENSE" | grep -qx 'MIT License' || failed "LICENSE is not the MIT licence"
grep -qx 'Copyright (c) 2026 The pdhooks authors' "$src/LICENSE" || failed "LICENSE's holder"
grep -q '\[CHANGELOG.md\](CHANGELOG.md)' "$readme" || failed "the README does not name the changelog"
grep -q '^## \[[0-9.]*\] - ' "$src/CHANGELOG.md" || failed "CHANGELOG.md has no version heading"
version=$("$bin" version | awk '{print $2}')
grep -q "^## \[$version\]" "$src/CHANGELOG.md" || failed "CHANGELOG.md has no entry for $version"

quick=$(sed -n '/^## Quick start/,/^## Usage/p' "$readme")
grep -q 'build/pdhooks' <<<"$quick" || failed "the quick start does not say where pdhooks is"
grep -q 'deps.sh --demo' <<<"$quick" || failed "the quick start does not say what the demo installs"

grep -q 'webhooks:read' "$readme" || failed "no webhooks:read"
grep -q 'webhooks:full' "$readme" || failed "no webhooks:full"
grep -q 'needs the admin scope' "$readme" && failed "the README still says the admin scope"

ci=$(sed -n '/^## CI recipes/,/^## Exit codes/p' "$readme")
for input in $(python3 -c 'import yaml,sys; print(" ".join(yaml.safe_load(open(sys.argv[1]))["inputs"]))' "$src/action.yml"); do
	grep -q -- "$input" <<<"$ci" || failed "the CI section does not describe the action's input $input"
done
grep -q 'uses: pdhooks/pdhooks@v' <<<"$ci" || failed "the CI section shows no use of the action"
# every environment, variable and secret the examples use is named
for name in $(grep -ho 'vars\.[A-Z_]*\|secrets\.[A-Z_]*' "$src"/examples/github/*.yml | sort -u | cut -d. -f2) \
	$(sed -n 's/^ *environment: *//p' "$src"/examples/github/*.yml | sort -u); do
	grep -q -- "$name" <<<"$ci" || failed "the CI section does not name $name, which the workflows use"
done
grep -q 'only the person who last changed a scheduled workflow' <<<"$ci" ||
	failed "the CI section does not say who GitHub tells about a failed scheduled run"
exit $fail
