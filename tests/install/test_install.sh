#!/usr/bin/env bash
# ctest install_tree (label install): `cmake --install BUILD --prefix PREFIX` into a temporary
# prefix whose name holds a space, then, from a folder outside the repository and with a bare
# environment (no LD_LIBRARY_PATH, PATH=/usr/bin:/bin):
#   - exactly these files with these modes: bin/signalrank, share/signalrank/slurm/ (the batch
#     scripts, executable; the scrontab), share/signalrank/scripts/ (verify_snapshot.py and
#     plot-backtest, executable; signalrank_np.py); the scripts are the source tree's, unchanged;
#   - the installed binary resolves every library (ldd), the same ones as the built binary,
#     prints the same --version, and generates and scores the tiny universe (one rank);
#   - the installed verify_snapshot.py (importing signalrank_np from its own folder) passes that
#     snapshot, and the installed plot-backtest starts;
#   - DESTDIR staging (what a package build does) puts the same files under DESTDIR/PREFIX;
#   - a prefix of about 280 characters works as well.
# Prints "N passed, N failed".
set -uo pipefail
CMAKE="$1"
BUILD="$2"
BUILT_BIN="$3"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
T="$(mktemp -d /tmp/signalrank-install-test.XXXXXX)"
trap 'rm -rf "$T"' EXIT
P="$T/pre fix"
E="$T/elsewhere"
mkdir -p "$E"
passed=0
failed=0
check() {  # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then echo "PASS: $name"; passed=$((passed + 1)); else echo "FAIL: $name"; failed=$((failed + 1)); fi
}
bare() {  # bare COMMAND...: run in $E with a minimal environment, as a fresh login would
  (cd "$E" && env -i HOME="$E" PATH=/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 \
     OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 "$@")
}
EXPECTED="$(LC_ALL=C sort <<'LIST'
755 bin/signalrank
755 share/signalrank/slurm/weekly.sbatch
755 share/signalrank/slurm/weekly-array.sbatch
644 share/signalrank/slurm/weekly.scrontab
755 share/signalrank/scripts/verify_snapshot.py
755 share/signalrank/scripts/plot-backtest
644 share/signalrank/scripts/signalrank_np.py
LIST
)"
listing() { (cd "$1" && find . \( -type f -o -type l \) -printf '%m %P\n' | LC_ALL=C sort); }
same_sources() {  # every installed script is the source tree's file, byte for byte
  cmp -s "$SRC/slurm/weekly.sbatch" "$P/share/signalrank/slurm/weekly.sbatch" &&
  cmp -s "$SRC/slurm/weekly-array.sbatch" "$P/share/signalrank/slurm/weekly-array.sbatch" &&
  cmp -s "$SRC/slurm/weekly.scrontab" "$P/share/signalrank/slurm/weekly.scrontab" &&
  cmp -s "$SRC/scripts/verify_snapshot.py" "$P/share/signalrank/scripts/verify_snapshot.py" &&
  cmp -s "$SRC/scripts/plot-backtest" "$P/share/signalrank/scripts/plot-backtest" &&
  cmp -s "$SRC/scripts/signalrank_np.py" "$P/share/signalrank/scripts/signalrank_np.py"
}
libraries() { ldd "$1" | awk '$2 == "=>" {print $1, $3}' | LC_ALL=C sort; }

quiet() { "$@" >/dev/null; }
prints() {  # prints PATTERN COMMAND...: the command succeeds and prints a line matching PATTERN
  local pattern="$1"; shift
  local out
  out="$("$@")" && grep -q "$pattern" <<< "$out"
}
no_missing_library() { local out; out="$(ldd "$1")" && ! grep -q "not found" <<< "$out"; }
staged() {  # DESTDIR=STAGE cmake --install BUILD --prefix /opt/signalrank: the same files, nothing else
  DESTDIR="$T/stage" "$CMAKE" --install "$BUILD" --prefix /opt/signalrank >/dev/null &&
    test "$(cd "$T/stage" && ls -A)" = opt && test "$(listing "$T/stage/opt/signalrank")" = "$EXPECTED"
}

check "cmake --install succeeds" quiet "$CMAKE" --install "$BUILD" --prefix "$P"
check "exactly the expected files and modes" test "$(listing "$P")" = "$EXPECTED"
check "installed scripts are the source tree's" same_sources
check "ldd: every library resolved" no_missing_library "$P/bin/signalrank"
check "ldd: the same libraries as the built binary" test "$(libraries "$P/bin/signalrank")" = "$(libraries "$BUILT_BIN")"
want_version="$("$BUILT_BIN" --version)"
check "--version from another folder, bare environment" \
  test -n "$want_version" -a "$(bare "$P/bin/signalrank" --version)" = "$want_version"
check "generate runs from the install" quiet bare "$P/bin/signalrank" generate --scale tiny --seed 3 --format h5 --out "$E/input"
check "score runs from the install" quiet bare "$P/bin/signalrank" score --universe "$E/input/universe.h5" \
  --campaign "$E/input/campaign.toml" --as-of latest --out "$E/snap"
SNAP="$(ls "$E"/snap/*/*.h5 2>/dev/null | head -1)"
check "the installed verifier passes that snapshot" prints "^Verification: PASS$" \
  bare "$P/share/signalrank/scripts/verify_snapshot.py" "$E/input/universe.h5" "$E/input/campaign.toml" "${SNAP:-none}"
check "the installed plot-backtest starts" prints "^usage: plot-backtest" bare "$P/share/signalrank/scripts/plot-backtest" --help
check "running them left no files in the prefix" test "$(listing "$P")" = "$EXPECTED"
check "DESTDIR staging: the same files under DESTDIR/opt/signalrank, nothing else" staged
LONG="$T/$(printf 'p%.0s' {1..120})/$(printf 'q%.0s' {1..120})"  # a prefix of about 280 characters
check "a ${#LONG}-character prefix: installs and runs" \
  bash -c '"$1" --install "$2" --prefix "$3" >/dev/null && test "$("$3/bin/signalrank" --version)" = "$4"' _ \
  "$CMAKE" "$BUILD" "$LONG" "$want_version"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
