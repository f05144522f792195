// Peer exposure kernels. See exposure.hpp for the contract.
#include "kernels/exposure.hpp"

#include <map>
#include <stdexcept>
#include <string>

namespace signalrank::kernels {
namespace {

void check_csr(const char* what, std::size_t n_owned, std::span<const std::uint64_t> offsets,
               std::size_t n_neighbours, std::size_t n_weights) {
  if (offsets.size() != n_owned + 1 || offsets.front() != 0 || offsets.back() != n_neighbours ||
      n_neighbours != n_weights) {
    throw std::invalid_argument(std::string("peer_exposure: ") + what +
                                " CSR does not match the owned vertex count");
  }
}

}  // namespace

void peer_exposure(std::span<const std::uint64_t> out_offsets,
                   std::span<const std::uint32_t> out_dst, std::span<const std::uint32_t> out_w,
                   std::span<const std::uint64_t> in_offsets,
                   std::span<const std::uint32_t> in_src, std::span<const std::uint32_t> in_w,
                   std::span<const std::uint8_t> active_ext, std::span<double> exposure) {
  const std::size_t n_owned = exposure.size();
  check_csr("out-edge", n_owned, out_offsets, out_dst.size(), out_w.size());
  check_csr("in-edge", n_owned, in_offsets, in_src.size(), in_w.size());

  const std::uint8_t* active = active_ext.data();
  // Degrees are skewed; dynamic chunks keep threads busy. Each vertex is one thread's sum.
#pragma omp parallel for schedule(dynamic, 1024)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(n_owned); ++i) {
    std::uint64_t shared = 0, to_active = 0;
    for (std::uint64_t e = out_offsets[i]; e < out_offsets[i + 1]; ++e) {
      shared += out_w[e];
      to_active += active[out_dst[e]] != 0 ? out_w[e] : 0u;
    }
    for (std::uint64_t e = in_offsets[i]; e < in_offsets[i + 1]; ++e) {
      shared += in_w[e];
      to_active += active[in_src[e]] != 0 ? in_w[e] : 0u;
    }
    exposure[i] =
        shared == 0 ? 0.0 : static_cast<double>(to_active) / static_cast<double>(shared);
  }
}

void peer_exposure_reference(std::span<const std::uint64_t> out_offsets,
                             std::span<const std::uint32_t> out_dst,
                             std::span<const std::uint32_t> out_w,
                             std::span<const std::uint64_t> in_offsets,
                             std::span<const std::uint32_t> in_src,
                             std::span<const std::uint32_t> in_w,
                             std::span<const std::uint8_t> active_ext, std::span<double> exposure) {
  const std::size_t n_owned = exposure.size();
  check_csr("out-edge", n_owned, out_offsets, out_dst.size(), out_w.size());
  check_csr("in-edge", n_owned, in_offsets, in_src.size(), in_w.size());

  for (std::size_t i = 0; i < n_owned; ++i) {
    // s_ij = w_ij + w_ji, one entry per neighbour j.
    std::map<std::uint32_t, std::uint64_t> s;
    for (std::uint64_t e = out_offsets[i]; e < out_offsets[i + 1]; ++e) s[out_dst[e]] += out_w[e];
    for (std::uint64_t e = in_offsets[i]; e < in_offsets[i + 1]; ++e) s[in_src[e]] += in_w[e];
    std::uint64_t numerator = 0, denominator = 0;
    for (const auto& [j, s_ij] : s) {
      if (j >= active_ext.size()) {
        throw std::invalid_argument("peer_exposure: neighbour index beyond active_ext");
      }
      denominator += s_ij;
      if (active_ext[j]) numerator += s_ij;
    }
    exposure[i] = denominator > 0
                      ? static_cast<double>(numerator) / static_cast<double>(denominator)
                      : 0.0;
  }
}

}  // namespace signalrank::kernels
