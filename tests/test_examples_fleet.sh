#!/usr/bin/env bash
# examples/fleet/: the fleet file and its desired file, the GitHub Actions workflow and the
# Kubernetes CronJob, parsed with python3-yaml, and the fields that wire shards to pdhooks:
#   - fleet.yaml validates with `pdhooks validate --fleet` (no network), also with --no-env;
#   - the workflow: a matrix of shards 0 .. N-1 whose step runs pdhooks plan --fleet with
#     --shard ${{ matrix.shard }}/N (the same N), --format json > shard-I.json, uploaded as an
#     artifact even when the step failed; fail-fast false; a merge job that needs the shard
#     job, runs even when a shard failed, downloads the artifacts, runs pdhooks merge and posts
#     the report; both jobs get pdhooks from the action (command: install); a pull request's
#     job validates its files with --no-env and has no secret, and every job with secrets is
#     in an environment, runs on the default branch only and checks it out;
#   - the CronJob: an Indexed Job (completionMode Indexed) with completions == N of
#     --shard "$JOB_COMPLETION_INDEX/N", parallelism between 1 and N, and a merge CronJob
#     that runs pdhooks merge on the same volume;
#   - end to end: the workflow's shard command, run for every shard of its matrix against one
#     pdhooks-fake serving the three companies, gives reports that `pdhooks merge` joins into
#     one report of every account exactly once.
set -euo pipefail
src=${PDH_SOURCE_DIR:?run through ctest}
bin=${PDH_BIN:?run through ctest}
ex="$src/examples/fleet"
. "$src/tests/support/fake.sh"
work=$(mktemp -d)
trap 'pdh_fake_stop; rm -rf "$work"' EXIT
fail=0
failed() { echo "FAIL: $*" >&2; fail=1; }

for f in fleet.yaml pdhooks.yaml github-fleet.yml k8s-cronjob.yaml; do
	[ -f "$ex/$f" ] || failed "examples/fleet/$f is missing"
done

# ---- the fleet file validates ----------------------------------------------------------
if ! out=$(cd "$ex" && env PD_HOOK_PASSWORD=example "$bin" validate --fleet fleet.yaml 2>&1); then
	failed "pdhooks validate --fleet examples/fleet/fleet.yaml: $out"
fi
grep -q '3 of 3 selected accounts valid' <<<"$out" || failed "validate --fleet: $out"
# and without the environment's secrets, as a pull request from a fork would check it
if ! out=$(cd "$ex" && env -u PD_HOOK_PASSWORD "$bin" validate --fleet fleet.yaml --no-env 2>&1); then
	failed "pdhooks validate --fleet examples/fleet/fleet.yaml --no-env: $out"
fi

# ---- the workflow and the CronJob --------------------------------------------------------
python3 - "$ex" >"$work/wiring" <<'PY' || fail=1
import re, sys, yaml
ex = sys.argv[1]
ok = True
def bad(m):
    global ok
    ok = False
    print("FAIL: " + m, file=sys.stderr)

wf = yaml.safe_load(open(f"{ex}/github-fleet.yml", encoding="utf-8"))
jobs = wf.get("jobs") or {}
shard_jobs = [(n, j) for n, j in jobs.items() if "matrix" in (j.get("strategy") or {})]
if len(shard_jobs) != 1:
    bad(f"github-fleet.yml: expected one job with a matrix, found {len(shard_jobs)}")
    sys.exit(1)
sname, sjob = shard_jobs[0]
strategy = sjob["strategy"]
if strategy.get("fail-fast") is not False:
    bad("github-fleet.yml: the shard job's fail-fast is not false")
matrix = strategy["matrix"]
keys = [k for k in matrix if k not in ("include", "exclude")]
if len(keys) != 1:
    bad(f"github-fleet.yml: the matrix has keys {keys}, expected one")
    sys.exit(1)
mkey = keys[0]
values = matrix[mkey]
steps = sjob.get("steps") or []
def uses(step, what): return str(step.get("uses", "")).startswith(what)
runs = [s for s in steps if "pdhooks plan" in str(s.get("run", ""))]
if len(runs) != 1:
    bad("github-fleet.yml: no single step of the shard job runs pdhooks plan")
    sys.exit(1)
script = runs[0]["run"]
m = re.search(r"--shard\s+\$\{\{\s*matrix\.(\w+)\s*\}\}/(\d+)", script)
if not m:
    bad("github-fleet.yml: pdhooks plan has no --shard ${{ matrix.KEY }}/N")
    sys.exit(1)
if m[1] != mkey:
    bad(f"github-fleet.yml: --shard uses matrix.{m[1]}, the matrix is {mkey}")
n = int(m[2])
if values != list(range(n)):
    bad(f"github-fleet.yml: the matrix {values} is not the shards 0 .. {n - 1} of --shard I/{n}")
if "--fleet" not in script: bad("github-fleet.yml: pdhooks plan has no --fleet")
out = re.search(r"--format json\s*\\?\s*>\s*(\S*\$\{\{[^}]*\}\}\S*|\S+)", script)
if not out:
    bad("github-fleet.yml: pdhooks plan does not write --format json > FILE")
else:
    want = "shard-${{ matrix.%s }}.json" % mkey
    if out[1] != want: bad(f"github-fleet.yml: the report goes to {out[1]}, not {want}")
ups = [s for s in steps if uses(s, "actions/upload-artifact@")]
if len(ups) != 1:
    bad("github-fleet.yml: the shard job does not upload its report")
else:
    up = ups[0]
    if up.get("if") not in ("always()", "${{ always() }}"):
        bad("github-fleet.yml: the report is not uploaded when the plan step failed (if: always())")
    if "shard-${{ matrix.%s }}.json" % mkey not in str(up.get("with", {}).get("path")):
        bad("github-fleet.yml: the upload is not the shard's report")
    artifact = str(up.get("with", {}).get("name"))
if not any(uses(s, "pdhooks/pdhooks@") and (s.get("with") or {}).get("command") == "install" for s in steps):
    bad("github-fleet.yml: the shard job does not get pdhooks from the action (command: install)")

merges = [(nm, j) for nm, j in jobs.items() if any("pdhooks merge" in str(s.get("run", "")) for s in j.get("steps") or [])]
if len(merges) != 1:
    bad("github-fleet.yml: no single job runs pdhooks merge")
    sys.exit(1)
mname, mjob = merges[0]
needs = mjob.get("needs")
needs = [needs] if isinstance(needs, str) else (needs or [])
if sname not in needs: bad(f"github-fleet.yml: the merge job does not need {sname}")
if "always()" not in str(mjob.get("if", "")): bad("github-fleet.yml: the merge job does not run when a shard failed (if: always())")
msteps = mjob.get("steps") or []
downs = [s for s in msteps if uses(s, "actions/download-artifact@")]
if not downs: bad("github-fleet.yml: the merge job downloads no artifact")
else:
    pattern = str(downs[0].get("with", {}).get("pattern", ""))
    if not pattern or not re.fullmatch(pattern.replace("*", ".*"), artifact.replace("${{ matrix.%s }}" % mkey, "0")):
        bad(f"github-fleet.yml: the download pattern {pattern!r} misses the artifacts {artifact!r}")
    if downs[0].get("with", {}).get("merge-multiple") is not True:
        bad("github-fleet.yml: the artifacts are not downloaded into one directory (merge-multiple)")
if not any(uses(s, "pdhooks/pdhooks@") and (s.get("with") or {}).get("command") == "install" for s in msteps):
    bad("github-fleet.yml: the merge job does not get pdhooks from the action (command: install)")
mscript = "\n".join(str(s.get("run", "")) for s in msteps)
if not re.search(r"pdhooks merge \S*shard-\*\.json", mscript): bad("github-fleet.yml: pdhooks merge does not read every shard-*.json")
if "GITHUB_STEP_SUMMARY" not in mscript:
    bad("github-fleet.yml: the merge job does not post the report (the run's summary)")

# Secrets never meet a pull request's files: the pull request job validates them with
# --no-env and has no secret; the jobs with secrets run on the default branch alone, from an
# environment, on the default branch's files.
on = wf.get("on", wf.get(True)) or {}
if "pull_request_target" in on: bad("github-fleet.yml: runs on pull_request_target")
if "pull_request" not in on: bad("github-fleet.yml: does not validate pull requests")
pr_jobs = [(nm, j) for nm, j in jobs.items() if "github.event_name == 'pull_request'" in str(j.get("if", ""))]
if len(pr_jobs) != 1:
    bad("github-fleet.yml: expected one job for pull requests (if: github.event_name == 'pull_request')")
else:
    pname, pjob = pr_jobs[0]
    prun = "\n".join(str(s.get("run", "")) for s in pjob.get("steps") or [])
    if not re.search(r"pdhooks validate --fleet \S+ --no-env", prun):
        bad(f"github-fleet.yml: the pull request job {pname} does not run pdhooks validate --fleet ... --no-env")
    if re.search(r"pdhooks (plan|apply|status)", prun):
        bad(f"github-fleet.yml: the pull request job {pname} talks to the API")
    if "secrets." in yaml.safe_dump(pjob) or "environment" in pjob:
        bad(f"github-fleet.yml: the pull request job {pname} has secrets")
for nm, j in jobs.items():
    text = yaml.safe_dump(j)
    if "secrets." not in text:
        continue
    cond = str(j.get("if", ""))
    if j.get("environment") is None:
        bad(f"github-fleet.yml: job {nm} has secrets outside an environment")
    if "github.event_name != 'pull_request'" not in cond or "default_branch" not in cond:
        bad(f"github-fleet.yml: job {nm} has secrets and may run on a pull request or another branch ({cond!r})")
    cos = [s for s in j.get("steps") or [] if uses(s, "actions/checkout@")]
    if not cos or any("default_branch" not in str((s.get("with") or {}).get("ref", "")) for s in cos):
        bad(f"github-fleet.yml: job {nm} has secrets and does not check out the default branch")
if "always()" not in str(mjob.get("if", "")) or "skipped" not in str(mjob.get("if", "")):
    bad("github-fleet.yml: the merge job should run after failed shards but not when they were skipped")
print(f"workflow {n} {mkey}")
print("shardcmd " + script.replace("\n", "\x1f"))

docs = [d for d in yaml.safe_load_all(open(f"{ex}/k8s-cronjob.yaml", encoding="utf-8")) if d]
crons = [d for d in docs if d.get("kind") == "CronJob"]
indexed = [c for c in crons if c["spec"]["jobTemplate"]["spec"].get("completionMode") == "Indexed"]
if len(indexed) != 1:
    bad("k8s-cronjob.yaml: expected one CronJob running an Indexed Job")
    sys.exit(1)
js = indexed[0]["spec"]["jobTemplate"]["spec"]
if indexed[0].get("apiVersion") != "batch/v1": bad("k8s-cronjob.yaml: apiVersion is not batch/v1")
if js["template"]["spec"].get("restartPolicy") not in ("Never", "OnFailure"):
    bad("k8s-cronjob.yaml: a Job's pods need restartPolicy Never or OnFailure")
containers = js["template"]["spec"]["containers"]
cmd = " ".join(" ".join(c.get("command", []) + c.get("args", [])) for c in containers)
m = re.search(r'--shard\s+"?\$\{?JOB_COMPLETION_INDEX\}?/(\d+)"?', cmd)
if not m:
    bad('k8s-cronjob.yaml: pdhooks has no --shard "$JOB_COMPLETION_INDEX/N"')
else:
    kn = int(m[1])
    if js.get("completions") != kn:
        bad(f"k8s-cronjob.yaml: completions {js.get('completions')} is not the N of --shard I/{kn}")
    p = js.get("parallelism")
    if not isinstance(p, int) or not 1 <= p <= kn:
        bad(f"k8s-cronjob.yaml: parallelism {p} is not between 1 and {kn}")
if "--fleet" not in cmd or "--format json" not in cmd: bad("k8s-cronjob.yaml: the shard does not write a --format json fleet report")
mounts = {v["mountPath"] for c in containers for v in c.get("volumeMounts", [])}
mergers = [c for c in crons if "pdhooks merge" in " ".join(" ".join(k.get("command", []) + k.get("args", [])) for k in c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"])]
if len(mergers) != 1:
    bad("k8s-cronjob.yaml: no merge step (a CronJob running pdhooks merge)")
else:
    mspec = mergers[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    claims = lambda spec: {v["persistentVolumeClaim"]["claimName"] for v in spec.get("volumes", []) if "persistentVolumeClaim" in v}
    if not claims(mspec) or claims(mspec) != claims(js["template"]["spec"]):
        bad("k8s-cronjob.yaml: the merge does not read the volume the shards write")
sys.exit(0 if ok else 1)
PY

# ---- end to end: the workflow's shard command for every shard, then merge ----------------
n=$(sed -n 's/^workflow \([0-9]*\) .*/\1/p' "$work/wiring")
key=$(sed -n 's/^workflow [0-9]* \(.*\)/\1/p' "$work/wiring")
shardcmd=$(sed -n 's/^shardcmd //p' "$work/wiring" | tr '\037' '\n')
if [ -n "$n" ] && [ -n "$shardcmd" ]; then
	pdh_fake_start "$work" --company 11:tok-acme --company 12:tok-globex --company 13:tok-initech
	cp "$ex/pdhooks.yaml" "$work/pdhooks.yaml"
	# the example fleet, each account pointed at the fake
	python3 - "$ex/fleet.yaml" "$PDH_FAKE_API" >"$work/fleet.yaml" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for a in d["accounts"]:
    a.pop("company_domain", None)
    a["api_url"] = sys.argv[2]
print(yaml.safe_dump(d, sort_keys=False))
PY
	mkdir "$work/run"
	for ((i = 0; i < n; i++)); do
		script=${shardcmd//"\${{ matrix.$key }}"/$i}
		(cd "$work/run" && env PATH="$(dirname "$bin"):$PATH" FLEET="$work/fleet.yaml" \
			ACME_PD_TOKEN=tok-acme GLOBEX_PD_TOKEN=tok-globex INITECH_PD_TOKEN=tok-initech \
			PD_HOOK_PASSWORD=example PIPEDRIVE_API_TOKEN= PIPEDRIVE_API_URL= \
			bash -eo pipefail -c "$script") >"$work/shard-$i.log" 2>&1 ||
			failed "shard $i: $(cat "$work/shard-$i.log")"
		[ -s "$work/run/shard-$i.json" ] || failed "shard $i wrote no shard-$i.json"
	done
	rc=0
	"$bin" merge "$work"/run/shard-*.json --format json >"$work/merged.json" 2>"$work/merge.err" || rc=$?
	[ "$rc" = 0 ] || failed "pdhooks merge exited $rc: $(cat "$work/merge.err")"
	python3 - "$work/merged.json" "$n" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
names = [a["name"] for a in d["accounts"]]
if sorted(names) != ["acme", "globex", "initech"]:
    print(f"FAIL: the merged report has the accounts {names}", file=sys.stderr); sys.exit(1)
if any(a["outcome"] != "changes" for a in d["accounts"]):
    print(f"FAIL: outcomes {[a['outcome'] for a in d['accounts']]}", file=sys.stderr); sys.exit(1)
PY
	# one shard missing: merge refuses
	if [ "$n" -gt 1 ]; then
		rc=0
		"$bin" merge "$work"/run/shard-0.json >/dev/null 2>"$work/merge1.err" || rc=$?
		[ "$rc" = 1 ] || failed "merge of one of $n shards exited $rc"
	fi
fi

exit $fail
