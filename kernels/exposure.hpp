// Peer exposure (SPEC section 4): the share of a provider's shared patients that go to providers
// already doing the campaign's activity,
//   peer_exposure_i = sum_j s_ij [active_j] / sum_j s_ij,   s_ij = w_ij + w_ji,
// and 0 when i has no edges. Summing s_ij over j is the same as summing w over i's out-edges and
// over its in-edges, so the kernel reads both CSR lists of each owned vertex and needs no merge.
// Weights are integers (bene_count) and the sums are 64-bit integers, so the result is exact and
// the same for any thread or rank count. The graph is expected without self-loops (SPEC: they
// are removed when the graph is built); a self-loop would count twice.
#pragma once
#include <cstdint>
#include <span>

namespace signalrank::kernels {

//   out_offsets, out_dst, out_w  n_owned+1 CSR offsets, then per out-edge target and weight
//   in_offsets, in_src, in_w     n_owned+1 CSR offsets, then per in-edge source and weight
//   active_ext   [volume_j > 0] indexed by the values in out_dst / in_src (owned, then ghosts)
//   exposure     n_owned: the output
// Throws std::invalid_argument on inconsistent CSR sizes; neighbour indices are trusted.
void peer_exposure(std::span<const std::uint64_t> out_offsets,
                   std::span<const std::uint32_t> out_dst, std::span<const std::uint32_t> out_w,
                   std::span<const std::uint64_t> in_offsets,
                   std::span<const std::uint32_t> in_src, std::span<const std::uint32_t> in_w,
                   std::span<const std::uint8_t> active_ext, std::span<double> exposure);

// Serial verifier with the same contract: builds s_ij per neighbour explicitly, then applies the
// formula. Also checks every neighbour index against active_ext.
void peer_exposure_reference(std::span<const std::uint64_t> out_offsets,
                             std::span<const std::uint32_t> out_dst,
                             std::span<const std::uint32_t> out_w,
                             std::span<const std::uint64_t> in_offsets,
                             std::span<const std::uint32_t> in_src,
                             std::span<const std::uint32_t> in_w,
                             std::span<const std::uint8_t> active_ext, std::span<double> exposure);

}  // namespace signalrank::kernels
