#!/usr/bin/env bash
# The fake's answers against Pipedrive's published response schemas (see fake_openapi.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/fake_openapi.py"
