// f(i) for i in [0, n) on the OpenMP threads, each index once; an exception thrown by any f stops
// nothing else but is rethrown (the first one caught) on the calling thread once all are done, so
// an error inside a parallel loop reaches the caller as an ordinary exception. Dynamic schedule:
// items may differ in cost. With n == 1 only one thread runs f (for work that must stay on one
// thread, such as HDF5 calls).
#pragma once
#include <cstddef>
#include <cstdint>
#include <exception>

namespace signalrank {

template <class F>
void for_each_chunk(std::size_t n, F&& f) {
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(n); ++i) {
    try {
      f(static_cast<std::size_t>(i));
    } catch (...) {
#pragma omp critical(signalrank_for_each_chunk_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace signalrank
