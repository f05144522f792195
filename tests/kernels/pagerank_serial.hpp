// Whole-graph serial PageRank solver, the tests' oracle for the kernels of kernels/pagerank.hpp:
// from an edge list, straight from the formula, with none of the kernels' data layout.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace signalrank::kernels::testing {

// Edge list src[k] -> dst[k] with weight weight[k] >= 0 over vertices 0 .. n-1: duplicate edges
// are summed, self-loops ignored, and a vertex with zero out-weight is dangling. Power iteration
// from x = v until the L1 change is below tol or max_iter iterations; v should sum to 1. Reports
// the iterations run and the last L1 change (infinity when max_iter is 0) through the optional
// out params. Throws std::invalid_argument on bad sizes, vertex IDs, weights or damping.
std::vector<double> pagerank_serial(std::size_t n, std::span<const std::uint32_t> src,
                                    std::span<const std::uint32_t> dst, std::span<const double> weight,
                                    std::span<const double> v, double damping, double tol, int max_iter,
                                    int* iterations, double* residual);

}  // namespace signalrank::kernels::testing
