// Each subcommand registers its CLI11 options and the function that runs it. main() parses the
// command line on every rank, runs the chosen command, and turns exceptions into one-line
// `error:` messages and the exit codes of io/error.hpp.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "partition/comm.hpp"

namespace signalrank {

struct Command {
  CLI::App* app = nullptr;
  std::function<int(const Comm&)> run;
};

// How many OpenMP threads each rank runs and why, e.g. "2 ranks x 1 threads (2 cores shared by 2
// ranks on this node)"; main sets it before the command runs, commands print it first.
inline std::string& threads_note() {
  static std::string note;
  return note;
}

// One progress line printed by rank 0 only (stdout, flushed at once).
inline void say(const Comm& comm, const std::string& line) {
  if (!comm.root()) return;
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void register_generate(CLI::App& app, std::vector<Command>& commands);
void register_ingest(CLI::App& app, std::vector<Command>& commands);
void register_score(CLI::App& app, std::vector<Command>& commands);
void register_export(CLI::App& app, std::vector<Command>& commands);
void register_diff(CLI::App& app, std::vector<Command>& commands);
void register_backtest(CLI::App& app, std::vector<Command>& commands);
void register_partition(CLI::App& app, std::vector<Command>& commands);

}  // namespace signalrank
