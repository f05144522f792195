// Shared helpers for the kernel tests: run a kernel at a given OpenMP thread count, compare
// arrays bit for bit, and build random CSR graphs.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <unordered_set>
#include <vector>

namespace signalrank::kernels::testing {

// The thread counts every determinism test runs at: 1, and several (more than the 2-core CI
// machine has, so the schedule really interleaves).
inline const std::vector<int>& thread_counts() {
  static const std::vector<int> counts{1, 2, 3, 4};
  return counts;
}

// Runs f with omp_set_num_threads(threads), then restores the previous setting.
template <class F>
void with_threads(int threads, F&& f) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  f();
  omp_set_num_threads(before);
}

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size_bytes()) == 0);
}
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return same_bits(std::span<const T>(a), std::span<const T>(b));
}

// A directed graph as an edge list without self-loops; a fifth of the edges point at one of
// the first 8 vertices, so in-degrees are skewed as in real referral graphs, and the vertices
// 16k+5 have no out-edges (dangling).
struct EdgeList {
  std::size_t n = 0;
  std::vector<std::uint32_t> src, dst;
  std::vector<std::uint32_t> weight;
};

inline EdgeList random_graph(std::uint64_t seed, std::size_t n, std::size_t edges,
                             bool duplicates_allowed) {
  std::mt19937_64 rng(seed);
  EdgeList g;
  g.n = n;
  std::uniform_int_distribution<std::uint32_t> any(0, static_cast<std::uint32_t>(n - 1));
  const auto hubs = static_cast<std::uint32_t>(std::min<std::size_t>(n, 8));
  std::uniform_int_distribution<std::uint32_t> hub(0, hubs - 1);
  std::uniform_int_distribution<std::uint32_t> w(11, 400);
  std::bernoulli_distribution to_hub(0.2);
  std::unordered_set<std::uint64_t> seen;
  for (std::size_t k = 0; k < edges; ++k) {
    const std::uint32_t a = any(rng);
    const std::uint32_t b = to_hub(rng) ? hub(rng) : any(rng);
    if (a == b || a % 16 == 5) continue;  // every vertex 16k+5 is dangling
    const std::uint64_t key = (static_cast<std::uint64_t>(a) << 32) | b;
    if (!duplicates_allowed) {
      if (!seen.insert(key).second) continue;
    }
    g.src.push_back(a);
    g.dst.push_back(b);
    g.weight.push_back(w(rng));
  }
  return g;
}

// CSR of the edges grouped by `key` vertex (src for out-lists, dst for in-lists), each list
// ordered by the other endpoint, duplicates kept in edge order.
struct Csr {
  std::vector<std::uint64_t> offsets;
  std::vector<std::uint32_t> neighbour;
  std::vector<std::uint32_t> weight;
};

inline Csr make_csr(std::size_t n, const std::vector<std::uint32_t>& key,
                    const std::vector<std::uint32_t>& other,
                    const std::vector<std::uint32_t>& weight) {
  std::vector<std::size_t> order(key.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return key[a] != key[b] ? key[a] < key[b] : other[a] < other[b];
  });
  Csr csr;
  csr.offsets.assign(n + 1, 0);
  for (std::uint32_t k : key) ++csr.offsets[k + 1];
  for (std::size_t i = 0; i < n; ++i) csr.offsets[i + 1] += csr.offsets[i];
  for (std::size_t k : order) {
    csr.neighbour.push_back(other[k]);
    csr.weight.push_back(weight[k]);
  }
  return csr;
}

}  // namespace signalrank::kernels::testing
