// Weighted personalized PageRank (SPEC section 4):
//   x = d P^T x + d (sum over dangling j of x_j) v + (1 - d) v,   P_ab = w_ab / sum_c w_ac,
// iterated from x = v until the L1 change is below the tolerance.
//
// Each iteration is a pull over the vertices owned by one MPI rank: each owned vertex reads its
// in-neighbours, so there are no atomics and no write conflicts. The caller owns everything
// distributed: it exchanges ghost values before the pull and forms the global sums afterwards.
//
// score's path: pagerank_pull_scaled() then pagerank_finish(). Each vertex's in-edges are listed
// in one global order (score: the universe's, by source index) on every layout, so each x_new is the
// same bits on every layout; the residual and the dangling mass are exact sums (ExactSum, combined
// across ranks by adding their limbs), so they too are the same bits for any thread count, rank
// count or partition of the vertices over ranks. One iteration, as score drives it:
//   exchange ghosts of y = x / out_weight; pagerank_pull_scaled(...) with the dangling mass;
//   pagerank_finish(...) -> this rank's residual and dangling sums; add them over ranks;
//   stop when the residual is below the tolerance.
//
// pagerank_step() is the first form of the iteration (weights pre-divided per edge, global sums
// made of partial sums over fixed blocks of kSumBlock vertex IDs added left to right by
// sum_in_order()): the tests keep it as the reference the faster kernels are checked against.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/exact_sum.hpp"

namespace signalrank::kernels {

// Global sums are formed as partial sums over fixed blocks of global vertex IDs.
constexpr std::size_t kSumBlock = 1024;

// Number of sum blocks covering n owned vertices: ceil(n / kSumBlock).
constexpr std::size_t sum_block_count(std::size_t n_owned) {
  return (n_owned + kSumBlock - 1) / kSumBlock;
}

struct PageRankStepOut {
  std::span<double> x_new;             // n_owned: the new value of every owned vertex
  std::span<double> residual_partial;  // sum_block_count(n_owned): sum |x_new - x_old| per block
  std::span<double> dangling_partial;  // sum_block_count(n_owned): sum of dangling x_new per block
};

// One pull iteration over the owned vertices 0 .. n_owned-1 (n_owned = out.x_new.size()).
// Local block b is vertices [b*kSumBlock, min((b+1)*kSumBlock, n_owned)).
//   in_offsets   n_owned+1 CSR offsets of the in-edges of each owned vertex
//   in_src       per in-edge: index into x_ext of the source (owned at 0 .. n_owned-1, then ghosts)
//   in_weight    per in-edge: w_ji / outweight_j, precomputed once
//   x_ext        current x: owned values first, then ghost values
//   v            n_owned: personalization values of the owned vertices
//   dangling     n_owned: nonzero when the vertex has no out-weight
//   damping      d
//   dangling_mass  global sum of x over dangling vertices for the current x
// x_new[i] = d * sum_e in_weight[e] x_ext[in_src[e]] + (d dangling_mass + (1 - d)) v[i].
// Throws std::invalid_argument on inconsistent sizes; in_src values are trusted (not checked).
void pagerank_step(std::span<const std::uint64_t> in_offsets,
                   std::span<const std::uint32_t> in_src, std::span<const double> in_weight,
                   std::span<const double> x_ext, std::span<const double> v,
                   std::span<const std::uint8_t> dangling, double damping, double dangling_mass,
                   const PageRankStepOut& out);

// The same iteration split in two for a locality-ordered vertex numbering (score numbers owned
// vertices by state and ZIP so that in-neighbours sit close in memory). Position p of the local
// numbering holds owned vertex order[p]; in-edges of each position stay sorted by global source ID,
// so x_new is bit-identical to pagerank_step's whatever the order.
//   pagerank_pull: x_new[p] = d * sum_e in_weight[e] x_ext[in_src[e]] + (d dangling_mass + 1 - d) v[p]
//   pagerank_block_sums: residual and dangling partials over blocks of kSumBlock owned vertices in
//   global order (vertex i of block b is at position position_of[i]), each added in vertex order.
void pagerank_pull(std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                   std::span<const double> in_weight, std::span<const double> x_ext, std::span<const double> v,
                   double damping, double dangling_mass, std::span<double> x_new);
void pagerank_block_sums(std::span<const std::uint32_t> position_of, std::span<const double> x_new,
                         std::span<const double> x_old, std::span<const std::uint8_t> dangling,
                         std::span<double> residual_partial, std::span<double> dangling_partial);

// The same iteration on pre-scaled values, 4 bytes less per edge than in_weight (the loop streams
// the edge arrays). Each source's value is divided by its out-weight once per iteration,
// y_j = x_j / out_weight_j, and the edges carry the integer bene_count:
//   x_new[p] = d * sum_e bene[e] * y_ext[src[e]] + (d dangling_mass + 1 - d) v[p].
// Mathematically the same as pagerank_pull with in_weight = bene / out_weight; the rounding differs
// in the last bits only. Each vertex's sum is split over eight running sums (in blocks of 8 edges,
// then one block of 4, then the last 0-3 edges into the first sum; see pagerank.cpp), which breaks
// the chain of dependent additions; the split depends only on the vertex's own in-edge order, so
// the bits do not depend on the thread or rank count. On x86-64 CPUs with AVX2 the eight sums are
// the lanes of two vectors (gathered y, same multiply-then-add), which gives the same bits as the
// portable loop; `allow_simd = false` forces the portable loop, and so does the environment
// variable SIGNALRANK_NO_SIMD. National graph, 2 ranks: one running sum 9.5 s, four 8.8 s, eight
// 6.6 s, AVX2 4.9 s (the same with one or two vectors).
void pagerank_pull_scaled(std::span<const std::uint64_t> in_offsets, std::span<const std::uint32_t> in_src,
                          std::span<const std::uint32_t> in_bene, std::span<const double> y_ext,
                          std::span<const double> v, double damping, double dangling_mass, std::span<double> x_new,
                          bool allow_simd = true);
// Whether pagerank_pull_scaled uses its AVX2 loop on this CPU.
bool pagerank_simd_available();

// One fused pass after pagerank_pull_scaled, over positions 0 .. n-1 (n = x_new.size()): the
// residual sum |x_new - x_old| and the dangling vertices' sum of x_new, both exact
// (kernels/exact_sum.hpp: the same bits for any order, thread split or layout), and the next
// iteration's pre-scaled owned values y_owned[p] = x_new[p] / out_weight[p] (0 where out_weight is
// 0, i.e. dangling). Every array is by position.
void pagerank_finish(std::span<const double> x_new, std::span<const double> x_old,
                     std::span<const std::uint8_t> dangling, std::span<const double> out_weight,
                     std::span<double> y_owned, ExactSum& residual, ExactSum& dangling_mass);

// Serial verifier with the same contract: push direction, scattering every edge from its source.
void pagerank_step_reference(std::span<const std::uint64_t> in_offsets,
                             std::span<const std::uint32_t> in_src,
                             std::span<const double> in_weight, std::span<const double> x_ext,
                             std::span<const double> v, std::span<const std::uint8_t> dangling,
                             double damping, double dangling_mass, const PageRankStepOut& out);

// Plain left-to-right sum, used on every rank for the global block partials.
double sum_in_order(std::span<const double> partials);

// Whole-graph serial solver for tests and tiny inputs. Edge list src[k] -> dst[k] with weight
// weight[k] >= 0 over vertices 0 .. n-1: duplicate edges are summed, self-loops ignored, and a
// vertex with zero out-weight is dangling. Power iteration from x = v until the L1 change is
// below tol or max_iter iterations; v should sum to 1. Reports the iterations run and the last
// L1 change (infinity when max_iter is 0) through the optional out params. Throws
// std::invalid_argument on bad sizes, vertex IDs, weights or damping.
std::vector<double> pagerank_serial(std::size_t n, std::span<const std::uint32_t> src,
                                    std::span<const std::uint32_t> dst,
                                    std::span<const double> weight, std::span<const double> v,
                                    double damping, double tol, int max_iter, int* iterations,
                                    double* residual);

}  // namespace signalrank::kernels
