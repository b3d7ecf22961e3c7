# The start of every shell test: source it first, as
#     . "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
# It sets bash's strict mode (set -euo pipefail), src (the source tree) and bin (the pdhooks
# binary, $PDH_BIN: both set by ctest), fail=0, and failed MESSAGE, which reports a failed
# check on stderr and makes the script's `exit $fail` fail without stopping the other checks.
set -euo pipefail
src=${PDH_SOURCE_DIR:?run through ctest}
bin=${PDH_BIN:?run through ctest}
fail=0
failed() { echo "FAIL: $*" >&2; fail=1; }
