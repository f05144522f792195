// signalrank export (placeholder until its implementation lands)
#include "src/commands.hpp"

namespace signalrank {
void register_export(CLI::App& app, std::vector<Command>& commands) {
  auto* sub = app.add_subcommand("export", "export (not yet implemented)");
  commands.push_back({sub, [](const Comm&) { return 70; }});
}
}  // namespace signalrank
