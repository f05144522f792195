// Stable LSD radix sort of records by a 64-bit key, for the large sorts of the rank phase (the
// percentile columns sort ~1 M (value, origin) records per column): linear in the record count
// where a comparison sort is n log n. Eight passes of one byte each, low byte first; a pass whose
// byte is the same in every key is skipped (integer-valued doubles, for instance, share most of
// their low bytes). Stable: records with equal keys keep their input order.
#pragma once
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace signalrank::kernels {

// A double's bits as an unsigned integer that orders like the double: negative values below
// positive ones, -0.0 and +0.0 on one key (they compare equal). NaN has no place in that order;
// callers keep it out.
inline std::uint64_t ordered_key(double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x + 0.0);  // -0.0 + 0.0 == +0.0
  return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
}

// Sorts `records` by key(record) (a std::uint64_t), stably. Uses a second buffer of the records'
// size and one of their keys.
template <class T, class Key>
void radix_sort_by_key(std::vector<T>& records, Key key) {
  const std::size_t n = records.size();
  if (n < 2) return;
  std::vector<std::uint64_t> keys(n), keys_out(n);
  std::array<std::array<std::size_t, 256>, 8> count{};
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = key(records[i]);
    keys[i] = k;
    for (int d = 0; d < 8; ++d) ++count[d][(k >> (8 * d)) & 0xff];
  }
  std::vector<T> out(n);
  for (int d = 0; d < 8; ++d) {
    std::array<std::size_t, 256>& c = count[d];
    if (c[(keys[0] >> (8 * d)) & 0xff] == n) continue;  // every key has this byte
    std::size_t at = 0;
    for (std::size_t& b : c) at += std::exchange(b, at);  // bucket starts
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t slot = c[(keys[i] >> (8 * d)) & 0xff]++;
      out[slot] = records[i];
      keys_out[slot] = keys[i];
    }
    records.swap(out);
    keys.swap(keys_out);
  }
}

}  // namespace signalrank::kernels
