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
#   6. `cmake --install` to a prefix (with a space in its name); from a fresh folder outside the
#      repository, with PREFIX/bin on PATH and no SIGNALRANK_BIN: the installed weekly.sbatch
#      uses the installed binary and writes the same snapshot (and the installed verifier passes
#      it); the installed weekly-array.sbatch runs the installed weekly.sbatch, same snapshot.
#   7. neither PATH nor SIGNALRANK_BIN: the job fails (exit 2), its log is the one-line error;
#      a SIGNALRANK_BIN that is not executable fails the same way even with signalrank on PATH.
# Slurm is stopped at the end whatever happens. Prints "N passed, N failed".
set -uo pipefail
BIN="$1"      # the built signalrank
OBSERVED="$4" # the same command line with test observers (tests/support/observed_main.cpp)
CMAKE="$2"    # cmake, and the build tree to install from (case 6)
BUILD="$3"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/scripts/env.sh"
export SIGNALRANK_SLURM_DIR="${SIGNALRANK_SLURM_DIR:-/tmp/signalrank-slurm-test-$$}"
# Ports nobody listens on, so that test runs in two worktrees at once do not collide.
if [ -z "${SIGNALRANK_SLURM_PORT:-}" ]; then
  for port in $(seq 16817 2 16897); do
    if ! ss -Htln 2>/dev/null | awk '{print $4}' | grep -qE ":($port|$((port + 1)))\$"; then
      export SIGNALRANK_SLURM_PORT=$port
      break
    fi
  done
fi
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
  env SIGNALRANK_BIN="$BIN" "$@" sbatch --parsable --ntasks=2 -o "$out.log" \
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
job=$(submit "$W/usr1" SIGNALRANK_BIN="$OBSERVED" SIGNALRANK_ITERATION_DELAY_MS=150)
wait_for 60 grep -qs "pagerank iteration   1" "$W/usr1.log"
scancel --signal=USR1 --batch "$job"
release_after_requeue "$job"
wait_for 120 job_gone "$job"
check "USR1: ranks checkpointed" grep -q "stopped by a signal after PageRank iteration" "$W/usr1.log"
check "USR1: job requeued and resumed" grep -q "resuming PageRank from the checkpoint" "$W/usr1.log"
check "USR1: resumed snapshot equals mpirun -n 2" same_snapshot "$REF" "$W/usr1/$(basename "$(dirname "$REF")")/$(basename "$REF")"
check "USR1: checkpoint removed after success" test ! -e "$(ls -d "$W"/usr1/*/.checkpoint-* 2>/dev/null | head -1)"

# 3. scontrol requeue mid-run (SIGTERM to the job)
job=$(submit "$W/requeue" SIGNALRANK_BIN="$OBSERVED" SIGNALRANK_ITERATION_DELAY_MS=150)
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

# 6. installed, submitted from a folder outside the repository with PREFIX/bin on PATH
P="$W/pre fix"
E="$W/elsewhere"
mkdir -p "$E"
SHARE="$P/share/signalrank"
BASE_PATH=/usr/sbin:/usr/bin:/sbin:/bin
SNAP="$(basename "$(dirname "$REF")")/$(basename "$REF")"
installed_start=$(date +%s)
check "installed: cmake --install to a prefix" bash -c '"$1" --install "$2" --prefix "$3" >/dev/null' _ "$CMAKE" "$BUILD" "$P"
check "installed: no signalrank on the base PATH (precondition)" bash -c "PATH=$BASE_PATH; ! type -P signalrank"
submit_from_elsewhere() {  # submit_from_elsewhere LOG PATH [VAR=VALUE...] -- SBATCH ARGS...: sbatch --wait's exit code
  local log="$1" path="$2"; shift 2
  local vars=()
  while [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  (cd "$E" && env -u SIGNALRANK_BIN PATH="$path" "${vars[@]}" sbatch --wait --ntasks=2 -o "$log" "$@" >/dev/null)
}
submit_from_elsewhere "$W/installed.log" "$P/bin:$BASE_PATH" -- \
  "$SHARE/slurm/weekly.sbatch" --universe "$U" --campaign "$C" --out "$E/installed"
check "installed: the job succeeds" test $? -eq 0
check "installed: it used the installed binary" grep -qF ", binary $P/bin/signalrank" "$W/installed.log"
check "installed: snapshot equals mpirun -n 2" same_snapshot "$REF" "$E/installed/$SNAP"
check "installed: the installed verifier passes it" bash -c '(cd "$1" && "$2" "$3" "$4" "$5") | grep -q "^Verification: PASS$"' _ \
  "$E" "$SHARE/scripts/verify_snapshot.py" "$U" "$C" "$E/installed/$SNAP"
mkdir -p "$E/campaigns"
cp "$C" "$W/input/suppression.csv" "$E/campaigns/"
submit_from_elsewhere "$W/installed-array.log" "$P/bin:$BASE_PATH" -- \
  --array=0 "$SHARE/slurm/weekly-array.sbatch" "$U" "$E/campaigns" "$E/installed-array"
check "installed array: the task succeeds" test $? -eq 0
check "installed array: it ran the installed weekly.sbatch" \
  grep -qF "through $SHARE/slurm/weekly.sbatch" "$W/installed-array.log"
check "installed array: snapshot equals mpirun -n 2" same_snapshot "$REF" "$E/installed-array/$SNAP"

# 7. no binary to be found
submit_from_elsewhere "$W/nobin.log" "$BASE_PATH" -- "$SHARE/slurm/weekly.sbatch" --universe "$U" --campaign "$C" --out "$E/nobin"
check "no binary: the job fails with exit 2" test $? -eq 2
check "no binary: its log is the one line saying where it looked and what to set" test "$(cat "$W/nobin.log")" = \
  "weekly.sbatch: no signalrank binary: SIGNALRANK_BIN is not set, none on PATH ($BASE_PATH), none at $E/build/release/src/signalrank; put PREFIX/bin of \`cmake --install\` on PATH or set SIGNALRANK_BIN"
check "no binary: nothing written" test ! -e "$E/nobin"
submit_from_elsewhere "$W/badbin.log" "$P/bin:$BASE_PATH" SIGNALRANK_BIN="$E/no such signalrank" -- \
  "$SHARE/slurm/weekly.sbatch" --universe "$U" --campaign "$C" --out "$E/badbin"
check "bad SIGNALRANK_BIN: the job fails with exit 2, though signalrank is on PATH" test $? -eq 2
check "bad SIGNALRANK_BIN: its log is the one line naming it" test "$(cat "$W/badbin.log")" = \
  "weekly.sbatch: SIGNALRANK_BIN=$E/no such signalrank is not an executable file (unset it to use signalrank on PATH)"
echo "installed cases took $(( $(date +%s) - installed_start )) s"

echo "slurm test took $(( $(date +%s) - start )) s"
for f in "$W"/*.log; do echo "---- $f"; cat "$f"; done | tail -n 80
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
