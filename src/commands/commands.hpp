// Each subcommand registers its CLI11 options and the function that runs it. main() parses the
// command line on every rank, runs the chosen command, and turns exceptions into one-line
// `error:` messages and the exit codes of io/error.hpp.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "io/agree.hpp"  // say(), run_on_root()
#include "partition/comm.hpp"

namespace signalrank {

// What a caller of run_cli may attach to a run. The product attaches nothing; tests build a
// second executable (tests/support/observed_main.cpp) that attaches faults and signals here.
struct Observers {
  // Called on every rank at the start of each PageRank iteration of `score`.
  std::function<void(const Comm&, int iteration)> pagerank_iteration;
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int(const Comm&, const Observers&)> run;
};

// The whole command line of `signalrank`: MPI and HDF5 set up, the subcommand parsed and run,
// exceptions turned into one `error:` line and the exit codes of io/error.hpp. main() is
// `return run_cli(argc, argv, {});`.
int run_cli(int argc, char** argv, const Observers& observers);

// How many OpenMP threads each rank runs and why, e.g. "2 ranks x 1 threads (2 cores shared by 2
// ranks on this node)"; main sets it before the command runs, commands print it first.
inline std::string& threads_note() {
  static std::string note;
  return note;
}

void register_generate(CLI::App& app, std::vector<Command>& commands);
void register_ingest(CLI::App& app, std::vector<Command>& commands);
void register_score(CLI::App& app, std::vector<Command>& commands);
void register_export(CLI::App& app, std::vector<Command>& commands);
void register_diff(CLI::App& app, std::vector<Command>& commands);
void register_backtest(CLI::App& app, std::vector<Command>& commands);
void register_train(CLI::App& app, std::vector<Command>& commands);
void register_partition(CLI::App& app, std::vector<Command>& commands);

}  // namespace signalrank
