#!/usr/bin/env bash
# validate --format json|github, for machines (CI, editors):
#   - json: stdout is one document valid against schemas/validate.schema.json, whose
#     diagnostics (line, column, severity, message) are exactly the text mode's, for every
#     good and bad file of testdata/desired; the exit code is the text mode's; nothing on
#     stderr but what kept a file from being read;
#   - github: one ::error / ::warning workflow command per diagnostic, which, unescaped as
#     GitHub reads it, gives the text mode's file, line, column and message; a file name with
#     % , : and a message with % are escaped (%25 %2C %3A); the text diagnostics stay on stderr;
#   - -q leaves warnings out of both;
#   - validate --fleet: the fleet file and each account's rendered desired file, named by
#     account, in both formats.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-vformats-XXXXXX")
trap 'rm -rf "$work"' EXIT
schema="$src/schemas/validate.schema.json"

# Every diagnostic as JSON lines [file, line, col, severity, message]: text_diags from
# stderr's "FILE:LINE:COL: severity: message" lines (FILE: and FILE:LINE: without them),
# json_diags from the document, github_diags from the workflow commands unescaped as GitHub
# does.
diags_py='
import json, re, sys
def un(s): return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
def text(lines):
    for l in lines:
        m = re.match(r"^(.*?)(?::(\d+))?(?::(\d+))?: (error|warning): (.*)$", l.rstrip("\n"))
        if m and not l.startswith("pdhooks: "):
            yield [m[1], int(m[2] or 0), int(m[3] or 0), m[4], m[5]]
def js(lines):
    d = json.loads("".join(lines))
    for f in d["files"]:
        for x in f["diagnostics"]:
            yield [f["file"], x["line"], x["column"], x["severity"], x["message"]]
def github(lines):
    for l in lines:
        m = re.match(r"^::(error|warning) (.*?)::(.*)$", l.rstrip("\n"))
        if m:
            props = dict(p.split("=", 1) for p in m[2].split(","))
            yield [un(props["file"]), int(props.get("line", 0)), int(props.get("col", 0)), m[1], un(m[3])]
'
diags() {   # diags text|js|github < OUTPUT
	python3 -c "$diags_py
for d in $1(sys.stdin.readlines()): print(json.dumps(d))"
}

# Every good and bad file of testdata/desired, in the three formats; the comparisons in one
# python run (the files are many).
n=0
mkdir "$work/all"
cd "$src/testdata/desired"
for f in good/*.yaml bad/*.yaml; do
	n=$((n + 1))
	trc=0 jrc=0 grc=0
	PD_HOOK_PASSWORD=x "$bin" validate -f "$f" >/dev/null 2>"$work/all/$n.t" || trc=$?
	PD_HOOK_PASSWORD=x "$bin" validate -f "$f" --format json >"$work/all/$n.json" 2>"$work/all/$n.jerr" || jrc=$?
	PD_HOOK_PASSWORD=x "$bin" validate -f "$f" --format github >"$work/all/$n.g" 2>"$work/all/$n.gerr" || grc=$?
	[ "$jrc" = "$trc" ] && [ "$grc" = "$trc" ] || failed "$f: exit codes text $trc, json $jrc, github $grc"
	[ -s "$work/all/$n.jerr" ] && failed "$f: --format json wrote to stderr: $(cat "$work/all/$n.jerr")"
	cmp -s "$work/all/$n.t" "$work/all/$n.gerr" || failed "$f: --format github changed stderr"
	echo "$n $trc $f" >>"$work/all/index"
done
[ "$n" -gt 20 ] || failed "only $n files checked"
python3 "$src/tests/validate_plan.py" "$schema" "$work"/all/*.json || failed "a JSON document is not valid against the schema"
python3 -c "$diags_py
ok = True
for line in open(sys.argv[1] + '/index'):
    i, rc, f = line.split()
    base = sys.argv[1] + '/' + i
    t = list(text(open(base + '.t')))
    j = list(js(open(base + '.json')))
    g = list(github(open(base + '.g')))
    valid = json.load(open(base + '.json'))['valid']
    if not t and rc != '0':
        ok = False; print(f'FAIL: {f}: invalid, but no diagnostic', file=sys.stderr)
    for name, other in (('json', j), ('github', g)):
        if other != t:
            ok = False; print(f'FAIL: {f}: {name} diagnostics {other} differ from the text mode\'s {t}', file=sys.stderr)
    if valid != (rc == '0'):
        ok = False; print(f'FAIL: {f}: valid is {valid}, the exit code {rc}', file=sys.stderr)
sys.exit(0 if ok else 1)" "$work/all" || failed "the formats disagree"
cd "$work"

# escaping: % , : in the file's name, % in a message
printf 'pdhooks: 1\nwebhooks:\n  - event_action: create\n    event_object: deal\n    subscription_url: https://hooks.example.com/d\n    50%%off: 1\n' >"$work/a,b:c%.yaml"
rc=0
"$bin" validate -f "a,b:c%.yaml" --format github >"$work/esc.out" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || failed "escaping: exit $rc"
grep -qF '::error file=a%2Cb%3Ac%25.yaml,line=6,col=5::' "$work/esc.out" || failed "escaping: $(cat "$work/esc.out")"
grep -qF "50%25off" "$work/esc.out" || failed "escaping: the message's % is not %25: $(cat "$work/esc.out")"
{ "$bin" validate -f "a,b:c%.yaml" --format json 2>/dev/null || true; } | diags js | grep -qF '"a,b:c%.yaml", 6, 5, "error"' ||
	failed "json: the file name is not given as is"

# a file that cannot be read: one error at line 0, exit 1
rc=0
"$bin" validate -f missing.yaml --format json >"$work/m.out" 2>"$work/m.err" || rc=$?
[ "$rc" = 1 ] || failed "missing file: exit $rc"
diags js <"$work/m.out" | grep -q '"missing.yaml", 0, 0, "error", "cannot read missing.yaml' || failed "missing file: $(cat "$work/m.out")"
rc=0
"$bin" validate -f missing.yaml --format github >"$work/m.out" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || failed "missing file, github: exit $rc"
grep -q '^::error file=missing.yaml::cannot read missing.yaml' "$work/m.out" || failed "missing file, github: $(cat "$work/m.out")"

# -q: no warnings
printf 'pdhooks: 1\nwebhooks:\n  - event_action: create\n    event_object: deal\n    subscription_url: https://hooks.example.com/d\n    http_auth_password: literal\n' >"$work/warn.yaml"
"$bin" validate -f warn.yaml --format github >"$work/w.out" 2>/dev/null || failed "a warning fails validate"
grep -q '^::warning file=warn.yaml,line=6' "$work/w.out" || failed "no ::warning: $(cat "$work/w.out")"
"$bin" validate -q -f warn.yaml --format github >"$work/w.out" 2>/dev/null
grep -q '::warning' "$work/w.out" && failed "-q: a warning"
"$bin" validate -q -f warn.yaml --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d["summary"]["warnings"] != 0 or d["files"][0]["diagnostics"] != [])' ||
	failed "-q: warnings in the JSON"

# fleet
mkdir "$work/fleet"
cat >"$work/fleet/fleet.yaml" <<'YAML'
pdhooks_fleet: 1
desired: pdhooks.yaml
accounts:
  - name: acme
    api_url: https://acme.pipedrive.com/api/v1
    token_env: ACME
    vars: { TENANT: acme, KIND: create }
  - name: globex
    api_url: https://globex.pipedrive.com/api/v1
    token_env: GLOBEX
    vars: { TENANT: globex, KIND: added }
YAML
cat >"$work/fleet/pdhooks.yaml" <<'YAML'
pdhooks: 1
webhooks:
  - event_action: ${KIND}
    event_object: deal
    subscription_url: https://hooks.example.com/${TENANT}/d
YAML
rc=0
"$bin" validate --fleet fleet/fleet.yaml --format json >"$work/f.json" 2>"$work/f.err" || rc=$?
[ "$rc" = 1 ] || failed "fleet json: exit $rc"
python3 "$src/tests/validate_plan.py" "$schema" "$work/f.json" || failed "fleet json: not valid against the schema"
python3 - "$work/f.json" <<'PY' || failed "fleet json: $(cat "$work/f.json")"
import json, sys
d = json.load(open(sys.argv[1]))
files = [(f["file"], f["account"], f["valid"]) for f in d["files"]]
assert d["fleet"] == "fleet/fleet.yaml", d["fleet"]
assert files == [("fleet/fleet.yaml", None, True), ("fleet/pdhooks.yaml", "acme", True),
                 ("fleet/pdhooks.yaml", "globex", False)], files
g = d["files"][2]["diagnostics"]
assert len(g) == 1 and g[0]["line"] == 3 and g[0]["severity"] == "error" and "KIND" in g[0]["message"], g
assert d["valid"] is False and d["summary"] == {"files": 3, "valid": 2, "errors": 1, "warnings": 0}, d["summary"]
PY
[ -s "$work/f.err" ] && failed "fleet json: stderr: $(cat "$work/f.err")"
rc=0
"$bin" validate --fleet fleet/fleet.yaml --format github >"$work/f.gh" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || failed "fleet github: exit $rc"
grep -q '^::error file=fleet/pdhooks.yaml,line=3,col=[0-9]*,title=pdhooks%3A account globex::' "$work/f.gh" ||
	failed "fleet github: $(cat "$work/f.gh")"
[ "$(grep -c '^::' "$work/f.gh")" = 1 ] || failed "fleet github: not one annotation"
sed -i 's/KIND: added/KIND: create/' "$work/fleet/fleet.yaml"
"$bin" validate --fleet fleet/fleet.yaml --format json >"$work/f.json" 2>/dev/null || failed "fleet json, valid: exit code"

exit $fail
