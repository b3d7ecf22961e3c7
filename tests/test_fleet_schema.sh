#!/usr/bin/env bash
# schemas/fleet.schema.json and the fleet loader (`pdhooks validate --fleet`) agree on the
# good fleet file and on every bad one whose rule a schema can state.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/schema_agree.sh"
schema_python fleet.schema.json <<'PY'
# Rules only the loader can check.
UNEXPRESSIBLE = {
    "duplicate-names.yaml": "unique names across entries; a key twice in one mapping",
    "vars.yaml": "a key twice in one mapping (a YAML reader keeps the last)",
    "api-location.yaml": "which API URLs are safe (loopback, userinfo)",
    "yaml-syntax.yaml": "not YAML at all",
    "no-desired.yaml": "a desired file at the top or in each account",
}
v = validator
fail = 0

def loader_ok(path):
    r = subprocess.run([pdhooks, "validate", "--fleet", path, "-q"], capture_output=True,
                       env=dict(os.environ, ACME_PD_TOKEN="x"))
    return r.returncode == 0, r.stderr.decode()

good = os.path.join(src, "testdata/fleet/good/fleet.yaml")
errs = list(v.iter_errors(yaml.safe_load(open(good))))
if errs:
    print(f"FAIL: the schema refuses {good}: {errs[0].message}"); fail = 1
for path in sorted(glob.glob(os.path.join(src, "testdata/fleet/bad/*.yaml"))):
    name = os.path.basename(path)
    ok, err = loader_ok(path)
    if ok:
        print(f"FAIL: the loader accepts {name}"); fail = 1
    if name in UNEXPRESSIBLE:
        continue
    try:
        doc = yaml.safe_load(open(path))
    except yaml.YAMLError:
        continue
    if not list(v.iter_errors(doc)):
        print(f"FAIL: the schema accepts {name}, which the loader refuses:\n{err}"); fail = 1
sys.exit(fail)
PY
