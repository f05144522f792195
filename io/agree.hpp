// Failures that every rank learns of together. A rank that throws alone, while the others go on
// into the next collective call, hangs the job (or makes main abort it through MPI_Abort). Work
// whose failure may differ between ranks — each rank reading and checking its own slice of a
// universe, say — runs inside agree_on_errors instead.
#pragma once
#include <functional>
#include <string>

#include "partition/comm.hpp"

namespace signalrank {

// Runs `work` on every rank of `comm` (collective). When it throws on any rank, every rank throws
// the error of the lowest such rank, as a RelayedError with its text and exit code
// (io/error.hpp), so main prints it once and every rank exits with the same code.
void agree_on_errors(const Comm& comm, const std::function<void()>& work);

// Runs `work` on rank 0 only (the other ranks wait) and returns its exit code on every rank; an
// exception of rank 0 is re-thrown on every rank as a RelayedError. Serial commands (export,
// diff) use it so that they also behave under `mpirun -n 4`.
int run_on_root(const Comm& comm, const std::function<int()>& work);

// One progress line printed by rank 0 only (stdout, flushed at once).
void say(const Comm& comm, const std::string& line);

}  // namespace signalrank
