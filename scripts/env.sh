# Sourced by the scripts: where things are, and Open MPI settings for running as root on a
# small machine. Safe to source more than once.
SIGNALRANK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIGNALRANK_PRESET="${SIGNALRANK_PRESET:-release}"
SIGNALRANK_BUILD="${SIGNALRANK_BUILD:-$SIGNALRANK_ROOT/build/$SIGNALRANK_PRESET}"
SIGNALRANK_BIN="${SIGNALRANK_BIN:-$SIGNALRANK_BUILD/src/signalrank}"
# Open MPI refuses to run as root unless told; CI and this machine run as root.
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# More ranks than cores is fine for tests and demos (never for benchmarks).
export OMPI_MCA_rmaps_base_oversubscribe=1
# Keep Open MPI quiet about missing high-speed interconnects on a workstation.
export OMPI_MCA_btl_base_warn_component_unused=0
export SIGNALRANK_ROOT SIGNALRANK_PRESET SIGNALRANK_BUILD SIGNALRANK_BIN
