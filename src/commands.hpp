// Each subcommand registers its CLI11 options and the function that runs it. main() parses the
// command line on every rank, runs the chosen command, and turns exceptions into one-line
// `error:` messages and the exit codes of io/error.hpp.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

#include "partition/comm.hpp"

namespace signalrank {

struct Command {
  CLI::App* app = nullptr;
  std::function<int(const Comm&)> run;
};

void register_generate(CLI::App& app, std::vector<Command>& commands);
void register_ingest(CLI::App& app, std::vector<Command>& commands);
void register_score(CLI::App& app, std::vector<Command>& commands);
void register_export(CLI::App& app, std::vector<Command>& commands);
void register_diff(CLI::App& app, std::vector<Command>& commands);
void register_backtest(CLI::App& app, std::vector<Command>& commands);
void register_partition(CLI::App& app, std::vector<Command>& commands);

}  // namespace signalrank
