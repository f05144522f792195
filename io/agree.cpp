#include "io/agree.hpp"

#include <cstdio>

#include <exception>
#include <string>
#include <vector>

#include "io/error.hpp"

namespace signalrank {

void agree_on_errors(const Comm& comm, const std::function<void()>& work) {
  bool failed = false;
  std::string message;
  int code = kExitOk;
  try {
    work();
  } catch (const std::exception& e) {
    failed = true;
    message = e.what();
    code = exit_code_of(e);
  }
  const int bad = comm.first_failed(failed);
  if (bad < 0) return;
  std::vector<int> shared{code};
  comm.bcast(shared, bad);
  comm.bcast(message, bad);
  throw RelayedError(message, shared[0]);
}

int run_on_root(const Comm& comm, const std::function<int()>& work) {
  int code = kExitOk;
  std::string message;
  if (comm.root()) {
    try {
      code = work();
    } catch (const std::exception& e) {
      message = e.what();
      code = exit_code_of(e);
    }
  }
  std::vector<int> shared{code};
  comm.bcast(shared);
  comm.bcast(message);
  if (!message.empty()) throw RelayedError(message, shared[0]);
  return shared[0];
}

void say(const Comm& comm, const std::string& line) {
  if (!comm.root()) return;
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace signalrank
