// signalrank backtest (placeholder until its implementation lands)
#include "src/commands.hpp"

namespace signalrank {
void register_backtest(CLI::App& app, std::vector<Command>& commands) {
  auto* sub = app.add_subcommand("backtest", "backtest (not yet implemented)");
  commands.push_back({sub, [](const Comm&) { return 70; }});
}
}  // namespace signalrank
