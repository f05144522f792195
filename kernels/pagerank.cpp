// Personalized PageRank kernels. See pagerank.hpp for the contract.
//
// pagerank_step: pull direction, so each owned vertex is written once by one thread with no
// atomics. The in-edge loop is the whole cost: it streams in_offsets / in_src / in_weight once
// and gathers x_ext; it has no branches and no stores. Work is handed out one sum block at a
// time (dynamic): blocks are fixed by the reproducibility contract, and with skewed degrees a
// block holding a hub can cost many times the average, so a static split would leave threads
// idle. Which thread sums a block does not change its bits.
#include "kernels/pagerank.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace signalrank::kernels {
namespace {

void check_step_inputs(std::span<const std::uint64_t> in_offsets,
                       std::span<const std::uint32_t> in_src, std::span<const double> in_weight,
                       std::span<const double> x_ext, std::span<const double> v,
                       std::span<const std::uint8_t> dangling, const PageRankStepOut& out) {
  const std::size_t n_owned = out.x_new.size();
  const std::size_t blocks = sum_block_count(n_owned);
  if (in_offsets.size() != n_owned + 1 || in_offsets.front() != 0 ||
      in_offsets.back() != in_src.size() || in_src.size() != in_weight.size()) {
    throw std::invalid_argument("pagerank_step: in-edge CSR does not match n_owned");
  }
  if (x_ext.size() < n_owned || v.size() != n_owned || dangling.size() != n_owned) {
    throw std::invalid_argument("pagerank_step: x_ext, v or dangling too short for n_owned");
  }
  if (out.residual_partial.size() != blocks || out.dangling_partial.size() != blocks) {
    throw std::invalid_argument("pagerank_step: partials must have one entry per sum block");
  }
}

}  // namespace

void pagerank_step(std::span<const std::uint64_t> in_offsets,
                   std::span<const std::uint32_t> in_src, std::span<const double> in_weight,
                   std::span<const double> x_ext, std::span<const double> v,
                   std::span<const std::uint8_t> dangling, double damping, double dangling_mass,
                   const PageRankStepOut& out) {
  check_step_inputs(in_offsets, in_src, in_weight, x_ext, v, dangling, out);
  // The natural order is the identity numbering of the split kernels.
  const std::size_t n_owned = out.x_new.size();
  std::vector<std::uint32_t> identity(n_owned);
  std::iota(identity.begin(), identity.end(), 0u);
  pagerank_pull(in_offsets, in_src, in_weight, x_ext, v, damping, dangling_mass, out.x_new);
  pagerank_block_sums(identity, out.x_new, x_ext, dangling, out.residual_partial, out.dangling_partial);
}

void pagerank_step_reference(std::span<const std::uint64_t> in_offsets,
                             std::span<const std::uint32_t> in_src,
                             std::span<const double> in_weight, std::span<const double> x_ext,
                             std::span<const double> v, std::span<const std::uint8_t> dangling,
                             double damping, double dangling_mass, const PageRankStepOut& out) {
  check_step_inputs(in_offsets, in_src, in_weight, x_ext, v, dangling, out);
  const std::size_t n_owned = out.x_new.size();

  // Regroup the edges by source (counting sort), then push each source's value to its targets.
  std::vector<std::size_t> by_source_start(x_ext.size() + 1, 0);
  for (std::uint32_t s : in_src) {
    if (s >= x_ext.size()) throw std::invalid_argument("pagerank_step: in_src out of range");
    ++by_source_start[s + 1];
  }
  std::partial_sum(by_source_start.begin(), by_source_start.end(), by_source_start.begin());
  std::vector<std::size_t> fill(by_source_start.begin(), by_source_start.end() - 1);
  std::vector<std::uint32_t> target(in_src.size());
  std::vector<double> target_weight(in_src.size());
  for (std::size_t i = 0; i < n_owned; ++i) {
    for (std::uint64_t e = in_offsets[i]; e < in_offsets[i + 1]; ++e) {
      const std::size_t slot = fill[in_src[e]]++;
      target[slot] = static_cast<std::uint32_t>(i);
      target_weight[slot] = in_weight[e];
    }
  }

  std::vector<double> incoming(n_owned, 0.0);
  for (std::size_t s = 0; s < x_ext.size(); ++s) {
    for (std::size_t k = by_source_start[s]; k < by_source_start[s + 1]; ++k) {
      incoming[target[k]] += target_weight[k] * x_ext[s];
    }
  }
  for (std::size_t i = 0; i < n_owned; ++i) {
    out.x_new[i] = damping * incoming[i] + (damping * dangling_mass + (1.0 - damping)) * v[i];
  }

  std::fill(out.residual_partial.begin(), out.residual_partial.end(), 0.0);
  std::fill(out.dangling_partial.begin(), out.dangling_partial.end(), 0.0);
  for (std::size_t i = 0; i < n_owned; ++i) {
    out.residual_partial[i / kSumBlock] += std::fabs(out.x_new[i] - x_ext[i]);
    if (dangling[i]) out.dangling_partial[i / kSumBlock] += out.x_new[i];
  }
}

double sum_in_order(std::span<const double> partials) {
  double sum = 0.0;
  for (double p : partials) sum += p;
  return sum;
}

std::vector<double> pagerank_serial(std::size_t n, std::span<const std::uint32_t> src,
                                    std::span<const std::uint32_t> dst,
                                    std::span<const double> weight, std::span<const double> v,
                                    double damping, double tol, int max_iter, int* iterations,
                                    double* residual) {
  // ---- check inputs ----
  if (src.size() != dst.size() || src.size() != weight.size() || v.size() != n) {
    throw std::invalid_argument("pagerank_serial: src, dst, weight or v has the wrong length");
  }
  if (!(damping >= 0.0 && damping <= 1.0)) {
    throw std::invalid_argument("pagerank_serial: damping must be in [0, 1]");
  }
  for (std::size_t k = 0; k < src.size(); ++k) {
    if (src[k] >= n || dst[k] >= n) throw std::invalid_argument("pagerank_serial: vertex >= n");
    if (!(weight[k] >= 0.0) || !std::isfinite(weight[k])) {
      throw std::invalid_argument("pagerank_serial: weights must be finite and >= 0");
    }
  }

  // ---- build the transition: merge duplicates, drop self-loops and zero weights ----
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < src.size(); ++k) {
    if (src[k] != dst[k] && weight[k] > 0.0) order.push_back(k);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return src[a] != src[b] ? src[a] < src[b] : (dst[a] != dst[b] ? dst[a] < dst[b] : a < b);
  });
  std::vector<std::uint32_t> edge_src, edge_dst;
  std::vector<double> edge_w;
  for (std::size_t k : order) {
    if (!edge_src.empty() && edge_src.back() == src[k] && edge_dst.back() == dst[k]) {
      edge_w.back() += weight[k];
    } else {
      edge_src.push_back(src[k]);
      edge_dst.push_back(dst[k]);
      edge_w.push_back(weight[k]);
    }
  }
  std::vector<double> out_weight(n, 0.0);
  for (std::size_t k = 0; k < edge_src.size(); ++k) out_weight[edge_src[k]] += edge_w[k];
  for (std::size_t k = 0; k < edge_src.size(); ++k) edge_w[k] /= out_weight[edge_src[k]];

  // ---- iterations ----
  std::vector<double> x(v.begin(), v.end()), next(n);
  int done = 0;
  double change = std::numeric_limits<double>::infinity();
  while (done < max_iter) {
    double dangling_mass = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      if (out_weight[i] == 0.0) dangling_mass += x[i];
    }
    for (std::size_t i = 0; i < n; ++i) {
      next[i] = (damping * dangling_mass + (1.0 - damping)) * v[i];
    }
    for (std::size_t k = 0; k < edge_src.size(); ++k) {
      next[edge_dst[k]] += damping * edge_w[k] * x[edge_src[k]];
    }
    change = 0.0;
    for (std::size_t i = 0; i < n; ++i) change += std::fabs(next[i] - x[i]);
    x.swap(next);
    ++done;
    if (change < tol) break;
  }
  if (iterations) *iterations = done;
  if (residual) *residual = change;
  return x;
}

void pagerank_pull(std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                   std::span<const double> in_weight, std::span<const double> x_ext, std::span<const double> v,
                   double damping, double dangling_mass, std::span<double> x_new) {
  const std::size_t n = x_new.size();
  if (in_offsets.size() != n + 1 || in_offsets.back() != in_src.size() || in_src.size() != in_weight.size() ||
      v.size() != n)
    throw std::invalid_argument("pagerank_pull: in-edge CSR or v does not match x_new");
  const double teleport = damping * dangling_mass + (1.0 - damping);
  const std::uint64_t* offsets = in_offsets.data();
  const std::uint32_t* src = in_src.data();
  const double* weight = in_weight.data();
  const double* x = x_ext.data();
  const double* pers = v.data();
  double* out = x_new.data();
  // Chunks of vertices by index; degrees are skewed (hubs), hence dynamic.
#pragma omp parallel for schedule(dynamic, 512)
  for (std::size_t p = 0; p < n; ++p) {
    double pulled = 0.0;
    const std::uint64_t e_end = offsets[p + 1];
    for (std::uint64_t e = offsets[p]; e < e_end; ++e) pulled += weight[e] * x[src[e]];
    out[p] = damping * pulled + teleport * pers[p];
  }
}

void pagerank_block_sums(std::span<const std::uint32_t> position_of, std::span<const double> x_new,
                         std::span<const double> x_old, std::span<const std::uint8_t> dangling,
                         std::span<double> residual_partial, std::span<double> dangling_partial) {
  const std::size_t n = position_of.size();
  const std::size_t blocks = sum_block_count(n);
  if (x_new.size() != n || x_old.size() < n || dangling.size() != n || residual_partial.size() != blocks ||
      dangling_partial.size() != blocks)
    throw std::invalid_argument("pagerank_block_sums: sizes do not match");
#pragma omp parallel for schedule(static)
  for (std::size_t b = 0; b < blocks; ++b) {
    double residual = 0.0, dangling_sum = 0.0;
    for (std::size_t i = b * kSumBlock; i < std::min(n, (b + 1) * kSumBlock); ++i) {
      const double xi = x_new[position_of[i]];
      residual += std::fabs(xi - x_old[position_of[i]]);
      dangling_sum += dangling[i] != 0 ? xi : 0.0;
    }
    residual_partial[b] = residual;
    dangling_partial[b] = dangling_sum;
  }
}

namespace {

// The scalar loop: eight running sums per vertex, a[0..3] and b[0..3]. Edges go in blocks of 8
// (edge j of the block into a[j] for j < 4, b[j - 4] otherwise), then at most one block of 4 into
// a, then the last 0-3 edges into a[0]; the result is ((a0 + a1) + (a2 + a3)) + ((b0 + b1) + (b2 + b3)).
void pull_scaled_scalar(const std::uint64_t* offsets, const std::uint32_t* src, const std::uint32_t* bene,
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

// (16-bit weights with an escape for the 183 heavier national edges measured slower than 32-bit
// ones, 18.6 s vs 15.6 s on one rank: the loop is bound by the gathers and the dependent
// additions more than by the bytes streamed.)

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

__attribute__((target("avx2"))) void pull_scaled_avx2(const std::uint64_t* offsets, const std::uint32_t* src,
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

void pagerank_pull_scaled(std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                          std::span<const std::uint32_t> in_bene, std::span<const double> y_ext,
                          std::span<const double> v, double damping, double dangling_mass, std::span<double> x_new,
                          bool allow_simd) {
  const std::size_t n = x_new.size();
  if (in_offsets.size() != n + 1 || in_offsets.back() != in_src.size() || in_src.size() != in_bene.size() ||
      v.size() != n)
    throw std::invalid_argument("pagerank_pull_scaled: in-edge CSR or v does not match x_new");
  const double teleport = damping * dangling_mass + (1.0 - damping);
#if defined(__x86_64__) && defined(__GNUC__)
  if (allow_simd && pagerank_simd_available()) {
    pull_scaled_avx2(in_offsets.data(), in_src.data(), in_bene.data(), y_ext.data(), v.data(), damping, teleport,
                     x_new.data(), n);
    return;
  }
#endif
  pull_scaled_scalar(in_offsets.data(), in_src.data(), in_bene.data(), y_ext.data(), v.data(), damping, teleport,
                     x_new.data(), n);
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
