// signalrank_observed: the signalrank command line with test observers attached (the product's
// main attaches none, src/main.cpp). The tests of kills, preemption and requeueing run it in
// place of signalrank; everything else is the product's code.
//
//   SIGNALRANK_FAULT_RANK=r SIGNALRANK_FAULT_ITERATION=k  rank r dies (SIGKILL) at the start of
//                                                        PageRank iteration k, as a killed node would
//   SIGNALRANK_SIGNAL_AT_ITERATION=k                     rank 0 sends itself SIGUSR1 during iteration
//                                                        k, as Slurm does before a preemption
//   SIGNALRANK_ITERATION_DELAY_MS=ms                     every iteration sleeps ms first, so that a
//                                                        test can requeue a job mid-run
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "src/commands/commands.hpp"

namespace {

int env_int(const char* name, int otherwise) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : otherwise;
}

}  // namespace

int main(int argc, char** argv) {
  const int fault_rank = env_int("SIGNALRANK_FAULT_RANK", -1), fault_iteration = env_int("SIGNALRANK_FAULT_ITERATION", -1);
  const int signal_at = env_int("SIGNALRANK_SIGNAL_AT_ITERATION", -1);
  const int delay_ms = env_int("SIGNALRANK_ITERATION_DELAY_MS", 0);
  signalrank::Observers observers;
  observers.pagerank_iteration = [=](const signalrank::Comm& comm, int iteration) {
    if (comm.rank() == fault_rank && iteration == fault_iteration) {
      std::fprintf(stderr, "signalrank: injected fault on rank %d at PageRank iteration %d\n", comm.rank(), iteration);
      std::fflush(stderr);
      std::raise(SIGKILL);
    }
    if (comm.root() && iteration == signal_at) std::raise(SIGUSR1);
    if (delay_ms > 0) usleep(static_cast<useconds_t>(delay_ms) * 1000);
  };
  return signalrank::run_cli(argc, argv, observers);
}
