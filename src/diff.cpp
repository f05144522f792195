// signalrank diff (placeholder until its implementation lands)
#include "src/commands.hpp"

namespace signalrank {
void register_diff(CLI::App& app, std::vector<Command>& commands) {
  auto* sub = app.add_subcommand("diff", "diff (not yet implemented)");
  commands.push_back({sub, [](const Comm&) { return 70; }});
}
}  // namespace signalrank
