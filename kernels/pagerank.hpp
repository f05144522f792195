// Weighted personalized PageRank, one iteration at a time (docs/contract.md section 4):
//
//   x' = d P^T x + (d * dangling_mass + 1 - d) v,   P_ji = w_ji / out_weight_j,
//   dangling_mass = sum of x over the vertices with out_weight 0.
//
// The distributed driver (src/pipeline/pagerank.cpp) owns everything across ranks; these are pure
// functions of one rank's arrays. Each iteration:
//   1. the halo exchange fills y_ext = (y of the owned vertices, then y of the ghosts);
//   2. pagerank_pull(...)   -> x_new of the owned vertices;
//   3. pagerank_finish(...) -> this rank's residual and dangling sums, and the next y of the owned;
//   4. the driver adds the sums over ranks (exact sums: add the limbs) and stops below tolerance.
//
// Arrays are in one rank's local numbering ("positions" 0 .. n-1 of the owned vertices; ghosts
// follow at n ..). Edges carry the integer shared-patient weight (bene_count); the values carry the
// division by the out-weight: y_j = x_j / out_weight_j, 0 for a dangling vertex.
//
// Reproducibility: x_new[p] depends only on vertex p's own in-edge list, in the order given (the
// caller lists every vertex's in-edges in one global order, so the bits are the same on every
// layout), never on the thread count, the schedule or the SIMD path. The sums of pagerank_finish
// are exact (kernels/exact_sum.hpp), so they too are the same bits for any split of the vertices.
#pragma once
#include <cstdint>
#include <span>

#include "kernels/exact_sum.hpp"

namespace signalrank::kernels {

// One pull over the owned vertices p = 0 .. n-1 (n = x_new.size()):
//   x_new[p] = d * sum_{e in in-edges of p} in_bene[e] * y_ext[in_src[e]] + (d * dangling_mass + 1 - d) * v[p]
//   in_offsets  n+1 CSR offsets of each owned vertex's in-edges
//   in_src      per in-edge: index into y_ext of the source (trusted: not range-checked)
//   in_bene     per in-edge: the integer edge weight
//   y_ext       owned then ghost values of x / out_weight
//   v           n personalization values
// Each vertex's sum is split over eight running sums in a fixed pattern (blocks of 8 edges, then
// at most one block of 4, then the last 0-3 edges into the first sum; kernels/pagerank.cpp), which
// breaks the chain of dependent additions. On x86-64 CPUs with AVX2 the eight sums are the lanes of
// two vectors, with the same bits; `allow_simd = false`, or SIGNALRANK_NO_SIMD in the environment,
// selects the portable loop. Parallel over vertices (OpenMP, dynamic chunks: degrees are skewed).
// Throws std::invalid_argument when the CSR, v and x_new disagree in size.
void pagerank_pull(std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                   std::span<const std::uint32_t> in_bene, std::span<const double> y_ext, std::span<const double> v,
                   double damping, double dangling_mass, std::span<double> x_new, bool allow_simd = true);

// The same contract by a different algorithm, for tests: serial, push direction (the edges are
// regrouped by source and each source scatters its value to its targets), one plain sum per
// vertex. It agrees with pagerank_pull to rounding (exactly where every product and sum is exact).
// Also checks every in_src against y_ext.size().
void pagerank_pull_reference(std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                             std::span<const std::uint32_t> in_bene, std::span<const double> y_ext,
                             std::span<const double> v, double damping, double dangling_mass,
                             std::span<double> x_new);

// Whether pagerank_pull takes its AVX2 loop on this CPU (false under SIGNALRANK_NO_SIMD).
bool pagerank_simd_available();

// One pass after the pull over positions 0 .. n-1 (n = x_new.size()), every array by position:
//   residual      = sum |x_new[p] - x_old[p]|       (exact)
//   dangling_mass = sum of x_new[p] where dangling[p] (exact)
//   y_owned[p]    = x_new[p] / out_weight[p], or 0 where out_weight[p] is 0
// Throws std::invalid_argument on mismatched sizes.
void pagerank_finish(std::span<const double> x_new, std::span<const double> x_old,
                     std::span<const std::uint8_t> dangling, std::span<const double> out_weight,
                     std::span<double> y_owned, ExactSum& residual, ExactSum& dangling_mass);

}  // namespace signalrank::kernels
