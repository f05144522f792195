#include "io/agree.hpp"

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

}  // namespace signalrank
