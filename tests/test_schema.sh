#!/usr/bin/env bash
# schemas/pdhooks.schema.json and the loader (`pdhooks validate`) agree on every good and bad
# file of testdata/desired and on examples/, wherever the schema can express the rule.
# YAML is read as the loader reads it: YAML 1.2 core scalars (yes/no are strings, 0o17 is
# octal, no timestamps), so both judge the same values.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/schema_agree.sh"
export PD_HOOK_PASSWORD=s3cret ERP_HOOK_PASSWORD=erp OTHER_PASSWORD=other HOOK_TOKEN=tok ENV_NAME=prod \
       HOOK_BASE=https://hooks.example.com EMPTY= HOOK_USER=pd-user
unset PD_UNSET_PASSWORD NOPE

schema_python pdhooks.schema.json <<'PY'

# Bad files whose rule a JSON Schema cannot state; for these the schema must accept the file
# (so that this list stays true) and the loader must refuse it.
UNEXPRESSIBLE = {
    "duplicate-identity.yaml": "two entries with one (action, object, normalised URL) key",
    "duplicate-key.yaml": "a key twice in one mapping (a YAML reader keeps the last)",
    "duplicate-top-key.yaml": "a key twice in one mapping",
    "unset-variable.yaml": "depends on the environment",
    "malformed-reference.yaml": "${...} syntax inside a string",
    "secret-in-url-scheme.yaml": "the URL is only known after interpolation",
    "tag.yaml": "YAML tags are not data",
    "nul-in-string.yaml": "a NUL character is valid JSON string data",
}
# Never handed to a YAML library that expands aliases (the bomb would take minutes).
SKIP = {
    "alias.yaml": "aliases are refused by the loader and expanded by PyYAML",
    "alias-bomb.yaml": "the same, and expanding it is the attack",
}

class Loader(yaml.SafeLoader):
    pass

Loader.yaml_implicit_resolvers = {}
for tag, regexp, first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+0123456789.")),
]:
    Loader.add_implicit_resolver("tag:yaml.org,2002:" + tag, re.compile(regexp), first)

def construct_int(loader, node):
    v = loader.construct_scalar(node)
    if v.startswith("0o"):
        return int(v[2:], 8)
    if v.startswith("0x"):
        return int(v[2:], 16)
    return int(v, 10)

Loader.add_constructor("tag:yaml.org,2002:int", construct_int)


def schema_verdict(path):
    try:
        with open(path, "rb") as f:
            data = yaml.load(f, Loader=Loader)
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        return False, "not readable YAML: %s" % str(e).splitlines()[0]
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        return False, "%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200])
    return True, ""

def loader_verdict(path):
    r = subprocess.run([pdhooks, "validate", "-q", "-f", path], capture_output=True, text=True,
                       errors="replace", timeout=60)
    if r.returncode not in (0, 1):
        sys.exit("FAIL %s: pdhooks validate exited %d\n%s" % (path, r.returncode, r.stderr))
    return r.returncode == 0, r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""

files = sorted(glob.glob(os.path.join(src, "testdata/desired/good/*.yaml")) +
               glob.glob(os.path.join(src, "testdata/desired/bad/*.yaml")) +
               glob.glob(os.path.join(src, "examples/*.yaml")))
failures, checked = [], 0
for path in files:
    name = os.path.basename(path)
    rel = os.path.relpath(path, src)
    is_bad = "/bad/" in path
    loader_ok, loader_why = loader_verdict(path)
    if loader_ok == is_bad:
        failures.append("%s: the loader says %s" % (rel, "valid" if loader_ok else "invalid: " + loader_why))
        continue
    if is_bad and name in SKIP:
        continue
    schema_ok, schema_why = schema_verdict(path)
    checked += 1
    if is_bad and name in UNEXPRESSIBLE:
        if not schema_ok:
            failures.append("%s: listed as beyond the schema, but the schema refuses it (%s); "
                            "remove it from UNEXPRESSIBLE" % (rel, schema_why))
    elif schema_ok != loader_ok:
        failures.append("%s: loader says %s, schema says %s" % (
            rel, "valid" if loader_ok else "invalid (%s)" % loader_why,
            "valid" if schema_ok else "invalid (%s)" % schema_why))

for name in list(UNEXPRESSIBLE) + list(SKIP):
    if not os.path.exists(os.path.join(src, "testdata/desired/bad", name)):
        failures.append("bad/%s is listed but does not exist" % name)

if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print("schema and loader agree on %d files (%d beyond the schema, %d not read as YAML)" % (
    checked, len(UNEXPRESSIBLE), len(SKIP)))
PY
