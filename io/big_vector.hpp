// std::vector for the big per-edge arrays (hundreds of MB per rank), which a reader or a parallel
// copy fills completely right after allocating them: resize() leaves the elements uninitialized
// (default-initialization) instead of zero-filling them on one thread, so the code that fills the
// array touches each page first, on the thread that fills it. At national scale on one rank the
// serial zero fill of 800 MB cost about 0.4 s (mostly page faults), per array pair.
// (Advising these blocks as transparent huge pages, MADV_HUGEPAGE, was measured slower here:
// with THP defrag "madvise" the faults compact memory first.)
#pragma once
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace signalrank {

template <class T>
struct BigAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = BigAllocator<U>;
  };
  BigAllocator() noexcept = default;
  template <class U>
  BigAllocator(const BigAllocator<U>&) noexcept {}
  // Default-initialization: no value for trivial types.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

template <class T>
using BigVector = std::vector<T, BigAllocator<T>>;

}  // namespace signalrank
