// run_cli: what main() does, callable with observers attached (see src/commands/commands.hpp).
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "io/error.hpp"
#include "io/h5.hpp"
#include "src/commands/commands.hpp"

namespace signalrank {

int run_cli(int argc, char** argv, const Observers& observers) {
  MpiSession mpi(&argc, &argv);
  // HDF5 ends before MPI does (io/h5.hpp), on every return path.
  struct Hdf5Shutdown {
    ~Hdf5Shutdown() { h5::library_shutdown(); }
  } hdf5_shutdown;
  Comm comm;
  CLI::App app{"signalrank: weekly signal-based ranking of healthcare providers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(SIGNALRANK_VERSION));
  std::vector<Command> commands;
  register_generate(app, commands);
  register_ingest(app, commands);
  register_score(app, commands);
  register_export(app, commands);
  register_diff(app, commands);
  register_backtest(app, commands);
  register_train(app, commands);
  register_partition(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version go to stdout once; a command-line error is one `error:` line on stderr,
    // printed once, like every other error.
    const int code = e.get_exit_code();
    if (comm.root()) {
      if (code == 0) {
        app.exit(e);
      } else {
        std::fprintf(stderr, "error: %s (see signalrank --help)\n", e.what());
      }
    }
    return code == 0 ? 0 : kExitBadConfig;
  }

  // OpenMP threads per rank: OMP_NUM_THREADS when set, else the cores this rank may use divided by
  // the ranks that share them (OpenMP's own default, every core of the mask, would run
  // ranks x cores threads on an oversubscribed node).
  const Comm::CoreShare share = comm.core_share();
  const char* env_threads = std::getenv("OMP_NUM_THREADS");
  if (!env_threads || !*env_threads) omp_set_num_threads(share.threads());
  auto count = [](int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); };
  threads_note() = count(comm.size(), "rank", "ranks") + " x " + count(omp_get_max_threads(), "thread", "threads") + " (" +
                   (env_threads && *env_threads ? "OMP_NUM_THREADS=" + std::string(env_threads)
                                                : count(share.cores, "core", "cores") + " shared by " +
                                                      count(share.sharing, "rank", "ranks") + " on this node") +
                   ")";

  int code = kExitOk;
  std::string message;
  try {
    for (auto& c : commands)
      if (c.app->parsed()) code = c.run(comm, observers);
  } catch (const StoppedForCheckpoint& e) {
    // Collective by construction: every rank agreed to stop before writing its checkpoint.
    if (comm.root()) std::fprintf(stderr, "signalrank: %s\n", e.what());
    return kExitCheckpointed;
  } catch (const std::exception& e) {
    message = e.what();
    code = exit_code_of(e);
  }
  std::fflush(stdout);
  if (!message.empty()) {
    // An error every rank saw (bad campaign, bad input found collectively) is printed once by
    // rank 0 and every rank exits with the code. An error of one rank alone is printed by that
    // rank, which then aborts the job so no other rank waits forever in a collective.
    const bool collective = MpiSession::all_ranks_failed(3.0);
    if (!collective || comm.root()) std::fprintf(stderr, "error: %s\n", message.c_str());
    std::fflush(stderr);
    if (!collective) comm.abort(code);
  }
  return code;
}

}  // namespace signalrank
