# The start of the tests that hold a schema of schemas/ against a loader of pdhooks: source it
# (it sources script.sh), then
#     schema_python SCHEMA <<'PY' ... PY
# runs the Python program on stdin after a common start: glob, json, os, re, subprocess, sys,
# jsonschema and yaml imported; pdhooks (the binary) and src (the source tree) set; validator,
# a Draft 2020-12 validator of schemas/SCHEMA, which is itself checked as a schema first.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"

schema_python() {
	{
		cat <<'PRELUDE'
import glob, json, os, re, subprocess, sys

import jsonschema
import yaml

pdhooks, src = sys.argv[1], sys.argv[2]
schema = json.load(open(os.path.join(src, "schemas", sys.argv[3]), encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
PRELUDE
		cat
	} | /usr/bin/python3 - "$bin" "$src" "$1"
}
