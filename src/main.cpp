// signalrank: one executable, one subcommand per job (SPEC §1).
#include <cstdio>
#include <exception>
#include <string>

#include "io/error.hpp"
#include "src/commands.hpp"

using namespace signalrank;

int main(int argc, char** argv) {
  MpiSession mpi(&argc, &argv);
  Comm comm;
  CLI::App app{"signalrank: weekly signal-based ranking of healthcare providers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(SIGNALRANK_VERSION));
  std::vector<Command> commands;
  register_generate(app, commands);
  register_ingest(app, commands);
  register_score(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version go to stdout once; errors to stderr once.
    int code = 0;
    if (comm.root()) code = app.exit(e);
    else code = e.get_exit_code();
    return code == 0 ? 0 : kExitBadConfig;
  }

  int code = kExitOk;
  try {
    for (auto& c : commands)
      if (c.app->parsed()) code = c.run(comm);
  } catch (const InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    code = e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    code = kExitInternal;
  }
  std::fflush(stderr);
  std::fflush(stdout);
  if (code != kExitOk && comm.size() > 1) {
    // A failure seen by some ranks only must not leave the others waiting in a collective.
    comm.abort(code);
  }
  return code;
}
