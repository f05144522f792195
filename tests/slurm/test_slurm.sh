#!/usr/bin/env bash
# ctest label `slurm`: the weekly batch script on a real single-node Slurm (scripts/slurm-local).
#   1. sbatch --wait slurm/weekly.sbatch on the tiny universe with 2 tasks: the snapshot equals the
#      `mpirun -n 2` one.
#   2. the batch shell gets SIGUSR1 mid-PageRank (as --signal=B:USR1@... does before the time
#      limit): the ranks checkpoint, the job requeues itself, resumes, same snapshot.
#   3. `scontrol requeue` mid-run (SIGTERM, as a preemption): same path, same snapshot.
#   4. SIGNALRANK_PARTITION=graph: the first job stores the METIS assignment for its 2 tasks, the
#      second keeps it; both snapshots equal the block-layout one.
#   5. the same through weekly-array.sbatch: its tasks never store; without a stored assignment the
#      task fails with the one-line error, with one it writes the same snapshot.
# Slurm is stopped at the end whatever happens. Prints "N passed, N failed".
set -uo pipefail
BIN="$1"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/scripts/env.sh"
export SIGNALRANK_SLURM_DIR="${SIGNALRANK_SLURM_DIR:-/tmp/signalrank-slurm-test-$$}"
W="$(mktemp -d /tmp/signalrank-slurm-work.XXXXXX)"
passed=0
failed=0
cleanup() {
  "$ROOT/scripts/slurm-local" stop >/dev/null 2>&1 || true
  rm -rf "$W" "$SIGNALRANK_SLURM_DIR"
}
trap cleanup EXIT
check() {  # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then echo "PASS: $name"; passed=$((passed + 1)); else echo "FAIL: $name"; failed=$((failed + 1)); fi
}

"$ROOT/scripts/slurm-local" start || { echo "0 passed, 1 failed"; exit 1; }
eval "$("$ROOT/scripts/slurm-local" env)"

mpirun -n 2 "$BIN" generate --scale tiny --seed 11 --format h5 --out "$W/input" >/dev/null || exit 1
U="$W/input/universe.h5"
C="$W/input/campaign.toml"
mpirun -n 2 "$BIN" score --universe "$U" --campaign "$C" --as-of latest --out "$W/ref" >/dev/null || exit 1
REF=$(ls "$W"/ref/*/*.h5)

same_snapshot() {  # same_snapshot A B: every dataset equal
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
bad = [k for k in a.keys() if not np.array_equal(a[k][:], b[k][:])]
if set(a.keys()) != set(b.keys()) or bad:
    print("differ:", bad or set(a.keys()) ^ set(b.keys()))
    sys.exit(1)
PY
}

wait_for() {  # wait_for SECONDS COMMAND...: poll until the command succeeds
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 5))); do "$@" && return 0; sleep 0.2; done
  return 1
}
job_gone() { ! squeue -h -j "$1" 2>/dev/null | grep -q .; }
job_pending() { squeue -h -j "$1" -o %T 2>/dev/null | grep -q PENDING; }

submit() {  # submit OUTDIR [extra env]: prints the job id
  local out="$1"; shift
  env "$@" SIGNALRANK_BIN="$BIN" sbatch --parsable --ntasks=2 -o "$out.log" \
    "$ROOT/slurm/weekly.sbatch" --universe "$U" --campaign "$C" --out "$out"
}

# Requeued jobs become eligible only after a delay (Slurm's default is 2 minutes); release
# the job at once so that the test stays short.
# The old incarnation's step must be cleaned up on the node first, or the new step's launch fails.
release_after_requeue() {
  local job=$1
  wait_for 60 job_pending "$job" || return 1
  sleep 5
  scontrol update JobId="$job" StartTime=now
}

# 1. a plain run
start=$(date +%s)
SIGNALRANK_BIN="$BIN" sbatch --wait --ntasks=2 -o "$W/plain.log" "$ROOT/slurm/weekly.sbatch" \
  --universe "$U" --campaign "$C" --out "$W/plain" >/dev/null
check "sbatch --wait finishes with a snapshot" test -f "$W/plain/$(basename "$(dirname "$REF")")/$(basename "$REF")"
check "batch snapshot equals mpirun -n 2" same_snapshot "$REF" "$W/plain/$(basename "$(dirname "$REF")")/$(basename "$REF")"

# 2. SIGUSR1 to the batch shell mid-PageRank
job=$(submit "$W/usr1" SIGNALRANK_ITERATION_DELAY_MS=150)
wait_for 60 grep -qs "pagerank iteration   1" "$W/usr1.log"
scancel --signal=USR1 --batch "$job"
release_after_requeue "$job"
wait_for 120 job_gone "$job"
check "USR1: ranks checkpointed" grep -q "stopped by a signal after PageRank iteration" "$W/usr1.log"
check "USR1: job requeued and resumed" grep -q "resuming PageRank from the checkpoint" "$W/usr1.log"
check "USR1: resumed snapshot equals mpirun -n 2" same_snapshot "$REF" "$W/usr1/$(basename "$(dirname "$REF")")/$(basename "$REF")"
check "USR1: checkpoint removed after success" test ! -e "$(ls -d "$W"/usr1/*/.checkpoint-* 2>/dev/null | head -1)"

# 3. scontrol requeue mid-run (SIGTERM to the job)
job=$(submit "$W/requeue" SIGNALRANK_ITERATION_DELAY_MS=150)
wait_for 60 grep -qs "pagerank iteration   1" "$W/requeue.log"
scontrol requeue "$job"
release_after_requeue "$job"
wait_for 120 job_gone "$job"
check "requeue: resumed from the checkpoint" grep -q "resuming PageRank from the checkpoint" "$W/requeue.log"
check "requeue: snapshot equals mpirun -n 2" same_snapshot "$REF" "$W/requeue/$(basename "$(dirname "$REF")")/$(basename "$REF")"

# 4. score --partition graph through the batch script, on a copy of the universe (a store changes it)
cp "$U" "$W/graph-universe.h5"
for run in first second; do
  env SIGNALRANK_PARTITION=graph SIGNALRANK_BIN="$BIN" sbatch --wait --ntasks=2 -o "$W/graph-$run.log" \
    "$ROOT/slurm/weekly.sbatch" --universe "$W/graph-universe.h5" --campaign "$C" --out "$W/graph-$run" >/dev/null
  check "graph ($run job): snapshot equals the block layout's" \
    same_snapshot "$REF" "$W/graph-$run/$(basename "$(dirname "$REF")")/$(basename "$REF")"
done
check "graph: the first job stored the partition" grep -q "stored /partition/graph_2" "$W/graph-first.log"
check "graph: the second job kept it" grep -q "graph_2 is already stored for this graph: kept" "$W/graph-second.log"
check "graph: score used it" grep -q "partition graph_2" "$W/graph-second.log"

# 5. the job array with --partition graph: no store from the tasks
mkdir -p "$W/array-campaigns"
cp "$C" "$W/input/suppression.csv" "$W/array-campaigns/"  # the campaign names its suppression list
cp "$U" "$W/array-universe.h5"
env SIGNALRANK_PARTITION=graph SIGNALRANK_BIN="$BIN" sbatch --wait --array=0 --ntasks=2 -o "$W/array-missing.log" \
  "$ROOT/slurm/weekly-array.sbatch" "$W/array-universe.h5" "$W/array-campaigns" "$W/array-missing" >/dev/null
check "array: a task without a stored graph partition fails with the one-line error" \
  grep -q "error: $W/array-universe.h5: --partition graph needs /partition/graph_2" "$W/array-missing.log"
check "array: the task did not store one" \
  bash -c "mpirun -n 1 '$BIN' partition --universe '$W/array-universe.h5' --list | grep -q '^none'"
mpirun -n 2 "$BIN" partition --universe "$W/array-universe.h5" --method graph --parts 2 --store --if-missing >/dev/null
env SIGNALRANK_PARTITION=graph SIGNALRANK_BIN="$BIN" sbatch --wait --array=0 --ntasks=2 -o "$W/array-stored.log" \
  "$ROOT/slurm/weekly-array.sbatch" "$W/array-universe.h5" "$W/array-campaigns" "$W/array-stored" >/dev/null
check "array: with the stored partition the snapshot equals the block layout's" \
  same_snapshot "$REF" "$W/array-stored/$(basename "$(dirname "$REF")")/$(basename "$REF")"

echo "slurm test took $(( $(date +%s) - start )) s"
for f in "$W"/*.log; do echo "---- $f"; cat "$f"; done | tail -n 80
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
