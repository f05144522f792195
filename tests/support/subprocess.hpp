// Running the signalrank binary (under mpirun) from a test. The test process itself is an MPI
// singleton; Open MPI puts its own variables into that environment, and an mpirun started with
// them inherited gets confused, so children get the environment without them.
#pragma once
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace signalrank::testing {

struct CommandResult {
  int status = -1;  // exit code, or 128 + signal
  std::string out, err;
  // The lines of stderr that start with "error:".
  std::vector<std::string> error_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string l; std::getline(in, l);)
      if (l.rfind("error:", 0) == 0) lines.push_back(l);
    return lines;
  }
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `command` with /bin/sh; stdout and stderr are captured through files in `scratch_dir`.
inline CommandResult run_command(const std::string& command, const std::string& scratch_dir) {
  const std::string out = scratch_dir + "/.stdout", err = scratch_dir + "/.stderr";
  const std::string full = command + " >" + out + " 2>" + err;
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string v = *e;
    const bool mpi_internal = (v.rfind("OMPI_", 0) == 0 || v.rfind("PMIX_", 0) == 0 || v.rfind("OPAL_", 0) == 0) &&
                              v.rfind("OMPI_ALLOW_RUN_AS_ROOT", 0) != 0;
    if (!mpi_internal) env.push_back(v);
  }
  std::vector<char*> envp;
  for (auto& v : env) envp.push_back(v.data());
  envp.push_back(nullptr);
  const char* argv[] = {"/bin/sh", "-c", full.c_str(), nullptr};
  pid_t pid;
  CommandResult r;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), envp.data()) != 0) return r;
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

inline std::string mpirun(int ranks) {
  return "mpirun -n " + std::to_string(ranks) + " --oversubscribe --allow-run-as-root --bind-to none ";
}

}  // namespace signalrank::testing
