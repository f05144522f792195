// PageRank kernels; the contract is in pagerank.hpp, the measurements behind these loops in
// docs/pagerank.md.
//
// pagerank_pull is a pull: each owned vertex is written once, by one thread, with no atomics. The
// in-edge loop is the whole cost: it streams in_offsets / in_src / in_bene once and gathers y_ext.
// Work is handed out in chunks of 512 vertices (dynamic: a chunk holding a hub costs many times the
// average). Which thread computes a vertex does not change its bits.
#include "kernels/pagerank.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cmath>
#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace signalrank::kernels {
namespace {

void check_pull_sizes(const char* who, std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                      std::span<const std::uint32_t> in_bene, std::span<const double> v, std::span<const double> x_new) {
  const std::size_t n = x_new.size();
  if (in_offsets.size() != n + 1 || in_offsets.front() != 0 || in_offsets.back() != in_src.size() ||
      in_src.size() != in_bene.size() || v.size() != n)
    throw std::invalid_argument(std::string(who) + ": in-edge CSR or v does not match x_new");
}

// The scalar loop: eight running sums per vertex, a[0..3] and b[0..3]. Edges go in blocks of 8
// (edge j of the block into a[j] for j < 4, b[j - 4] otherwise), then at most one block of 4 into
// a, then the last 0-3 edges into a[0]; the result is ((a0 + a1) + (a2 + a3)) + ((b0 + b1) + (b2 + b3)).
void pull_portable(const std::uint64_t* offsets, const std::uint32_t* src, const std::uint32_t* bene,
                        const double* y, const double* pers, double damping, double teleport, double* out,
                        std::size_t n) {
#pragma omp parallel for schedule(dynamic, 512)
  for (std::size_t p = 0; p < n; ++p) {
    double a[4] = {0.0, 0.0, 0.0, 0.0}, b[4] = {0.0, 0.0, 0.0, 0.0};
    std::uint64_t e = offsets[p];
    const std::uint64_t e_end = offsets[p + 1];
    for (; e + 8 <= e_end; e += 8)
      for (int j = 0; j < 4; ++j) {
        a[j] += static_cast<double>(bene[e + j]) * y[src[e + j]];
        b[j] += static_cast<double>(bene[e + 4 + j]) * y[src[e + 4 + j]];
      }
    if (e + 4 <= e_end) {
      for (int j = 0; j < 4; ++j) a[j] += static_cast<double>(bene[e + j]) * y[src[e + j]];
      e += 4;
    }
    for (; e < e_end; ++e) a[0] += static_cast<double>(bene[e]) * y[src[e]];
    out[p] = damping * (((a[0] + a[1]) + (a[2] + a[3])) + ((b[0] + b[1]) + (b[2] + b[3]))) + teleport * pers[p];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same arithmetic with AVX2: the lanes of two 4-wide sums are the scalar loop's a[] and b[]
// (gathers of four y values, the weights converted exactly, multiply then add — no fused
// multiply-add, which would round differently), so both loops give the same bits. Two
// independent sums keep two gathers in flight.
// Four weights as exact doubles: values >= 2^31 convert as negative int32 and get + 2^32 back.
__attribute__((target("avx2"))) inline __m256d weights4(const std::uint32_t* w32) {
  const __m256d w = _mm256_cvtepi32_pd(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w32)));
  return _mm256_add_pd(w, _mm256_and_pd(_mm256_cmp_pd(w, _mm256_setzero_pd(), _CMP_LT_OQ),
                                        _mm256_set1_pd(4294967296.0)));
}

// y[src[0..3]] (a masked gather with all lanes on: the unmasked form reads an undefined register).
__attribute__((target("avx2"))) inline __m256d gather4(const double* y, const std::uint32_t* src) {
  const __m128i idx = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  return _mm256_mask_i32gather_pd(_mm256_setzero_pd(), y, idx, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)), 8);
}

__attribute__((target("avx2"))) void pull_avx2(const std::uint64_t* offsets, const std::uint32_t* src,
                                                      const std::uint32_t* bene, const double* y, const double* pers,
                                                      double damping, double teleport, double* out, std::size_t n) {
#pragma omp parallel for schedule(dynamic, 512)
  for (std::size_t p = 0; p < n; ++p) {
    __m256d a = _mm256_setzero_pd(), b = _mm256_setzero_pd();
    std::uint64_t e = offsets[p];
    const std::uint64_t e_end = offsets[p + 1];
    for (; e + 8 <= e_end; e += 8) {
      a = _mm256_add_pd(a, _mm256_mul_pd(weights4(bene + e), gather4(y, src + e)));
      b = _mm256_add_pd(b, _mm256_mul_pd(weights4(bene + e + 4), gather4(y, src + e + 4)));
    }
    if (e + 4 <= e_end) {
      a = _mm256_add_pd(a, _mm256_mul_pd(weights4(bene + e), gather4(y, src + e)));
      e += 4;
    }
    alignas(32) double la[4], lb[4];
    _mm256_store_pd(la, a);
    _mm256_store_pd(lb, b);
    for (; e < e_end; ++e) la[0] += static_cast<double>(bene[e]) * y[src[e]];
    out[p] = damping * (((la[0] + la[1]) + (la[2] + la[3])) + ((lb[0] + lb[1]) + (lb[2] + lb[3]))) + teleport * pers[p];
  }
}
#endif

}  // namespace

bool pagerank_simd_available() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool avx2 = __builtin_cpu_supports("avx2") && std::getenv("SIGNALRANK_NO_SIMD") == nullptr;
  return avx2;
#else
  return false;
#endif
}

void pagerank_pull(std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                   std::span<const std::uint32_t> in_bene, std::span<const double> y_ext, std::span<const double> v,
                   double damping, double dangling_mass, std::span<double> x_new, bool allow_simd) {
  check_pull_sizes("pagerank_pull", in_offsets, in_src, in_bene, v, x_new);
  const std::size_t n = x_new.size();
  const double teleport = damping * dangling_mass + (1.0 - damping);
#if defined(__x86_64__) && defined(__GNUC__)
  if (allow_simd && pagerank_simd_available()) {
    pull_avx2(in_offsets.data(), in_src.data(), in_bene.data(), y_ext.data(), v.data(), damping, teleport,
                     x_new.data(), n);
    return;
  }
#endif
  pull_portable(in_offsets.data(), in_src.data(), in_bene.data(), y_ext.data(), v.data(), damping, teleport,
                     x_new.data(), n);
}

void pagerank_pull_reference(std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                             std::span<const std::uint32_t> in_bene, std::span<const double> y_ext,
                             std::span<const double> v, double damping, double dangling_mass,
                             std::span<double> x_new) {
  check_pull_sizes("pagerank_pull_reference", in_offsets, in_src, in_bene, v, x_new);
  const std::size_t n = x_new.size();
  // Regroup the edges by source (counting sort): out-lists of (target, weight).
  std::vector<std::size_t> start(y_ext.size() + 1, 0);
  for (std::uint32_t s : in_src) {
    if (s >= y_ext.size()) throw std::invalid_argument("pagerank_pull_reference: in_src beyond y_ext");
    ++start[s + 1];
  }
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<std::size_t> fill(start.begin(), start.end() - 1);
  std::vector<std::uint32_t> target(in_src.size());
  std::vector<double> weight(in_src.size());
  for (std::size_t p = 0; p < n; ++p) {
    for (std::uint64_t e = in_offsets[p]; e < in_offsets[p + 1]; ++e) {
      const std::size_t slot = fill[in_src[e]]++;
      target[slot] = static_cast<std::uint32_t>(p);
      weight[slot] = static_cast<double>(in_bene[e]);
    }
  }
  // Push: every source adds its weighted value to each of its targets.
  std::vector<double> pulled(n, 0.0);
  for (std::size_t s = 0; s < y_ext.size(); ++s) {
    for (std::size_t k = start[s]; k < start[s + 1]; ++k) pulled[target[k]] += weight[k] * y_ext[s];
  }
  const double teleport = damping * dangling_mass + (1.0 - damping);
  for (std::size_t p = 0; p < n; ++p) x_new[p] = damping * pulled[p] + teleport * v[p];
}

void pagerank_finish(std::span<const double> x_new, std::span<const double> x_old,
                     std::span<const std::uint8_t> dangling, std::span<const double> out_weight,
                     std::span<double> y_owned, ExactSum& residual, ExactSum& dangling_mass) {
  const std::size_t n = x_new.size();
  if (x_old.size() < n || dangling.size() != n || out_weight.size() != n || y_owned.size() < n)
    throw std::invalid_argument("pagerank_finish: sizes do not match");
  residual = ExactSum{};
  dangling_mass = ExactSum{};
#pragma omp parallel
  {
    ExactSum r, d;  // this thread's share; exact, so merging in any order gives the same sums
#pragma omp for schedule(static) nowait
    for (std::size_t p = 0; p < n; ++p) {
      const double xp = x_new[p];
      r.add(std::fabs(xp - x_old[p]));
      if (dangling[p] != 0) d.add(xp);
      y_owned[p] = out_weight[p] > 0.0 ? xp / out_weight[p] : 0.0;
    }
#pragma omp critical(pagerank_finish_merge)
    {
      residual.merge(r);
      dangling_mass.merge(d);
    }
  }
}

}  // namespace signalrank::kernels
