// Exact, order-independent sums of doubles: a fixed-point accumulator wide enough for every
// finite double (a "superaccumulator"). Each add() is exact, so the sum of a set of values is the
// same integer whatever the order, the thread split or the rank split, and value() rounds that one
// exact result to the nearest double (ties to even) once.
//
// score forms its global sums this way (PageRank's residual and dangling mass, the total
// volume): they then depend neither on the rank count nor on how providers are partitioned across
// ranks (block, hash or graph), which keeps every snapshot bit-identical between layouts. Ranks
// combine accumulators by adding their limbs (Comm::sum over limbs()), which is also exact.
//
// Representation: limb k holds the bits [32k, 32k + 32) of the value in units of 2^-1074 (the
// smallest subnormal), as a signed 64-bit integer. An add touches three limbs (a 53-bit mantissa
// shifted by up to 31 bits spans 85 bits) and adds less than 2^32 to each, so 2^30 adds fit before
// a carry pass; normalize() propagates carries so that every limb but the top one is in [0, 2^32).
// Infinities and NaNs are not accumulated: any of them makes value() NaN.
#pragma once
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

namespace signalrank::kernels {

class ExactSum {
 public:
  // 2098 bits of finite doubles (2^-1074 .. 2^1024) + 85 - 32 bits of spill, + room for carries.
  static constexpr int kLimbs = 68;
  // One more int64 after the limbs in limbs(): the count of non-finite values added.
  static constexpr int kWords = kLimbs + 1;

  void add(double d) {
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(d);
    const int biased = static_cast<int>(bits >> 52 & 0x7ff);
    std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
    if (biased == 0x7ff) {
      ++w_[kLimbs];
      return;
    }
    if (biased != 0) mantissa |= std::uint64_t{1} << 52;
    if (mantissa == 0) return;
    // value = mantissa * 2^(max(biased, 1) - 1075) = mantissa * 2^-1074 * 2^(max(biased, 1) - 1)
    const int pos = std::max(biased, 1) - 1;
    const int limb = pos >> 5;
    __extension__ const unsigned __int128 t = static_cast<unsigned __int128>(mantissa) << (pos & 31);
    const auto a = static_cast<std::int64_t>(static_cast<std::uint32_t>(t));
    const auto b = static_cast<std::int64_t>(static_cast<std::uint32_t>(t >> 32));
    const auto c = static_cast<std::int64_t>(static_cast<std::uint64_t>(t >> 64));
    if (bits >> 63) {
      w_[limb] -= a;
      w_[limb + 1] -= b;
      w_[limb + 2] -= c;
    } else {
      w_[limb] += a;
      w_[limb + 1] += b;
      w_[limb + 2] += c;
    }
    if (++pending_ == kAddsBeforeCarry) normalize();
  }

  // Adds another accumulator (exact).
  void merge(const ExactSum& o) {
    ExactSum n = o;
    n.normalize();
    normalize();
    for (int k = 0; k < kWords; ++k) w_[k] += n.w_[k];
    pending_ = 1;  // limbs are now below 2^33: far from overflow, one carry pass restores the form
    normalize();
  }

  // Propagates carries: limbs 0 .. kLimbs-2 in [0, 2^32), the top limb carries the sign.
  void normalize() {
    if (pending_ == 0) return;
    for (int k = 0; k + 1 < kLimbs; ++k) {
      const std::int64_t carry = w_[k] >> 32;  // arithmetic shift: floor division by 2^32
      w_[k] -= carry * (std::int64_t{1} << 32);
      w_[k + 1] += carry;
    }
    pending_ = 0;
  }

  // The normalized words, for summing accumulators across ranks: limbs, then the non-finite
  // count. Adding the words of up to 2^30 normalized accumulators and calling from_words() on the
  // result gives the accumulator of all their values.
  std::array<std::int64_t, kWords> words() {
    normalize();
    return w_;
  }
  static ExactSum from_words(std::span<const std::int64_t> words) {
    ExactSum s;
    std::copy(words.begin(), words.begin() + kWords, s.w_.begin());
    s.pending_ = 1;
    s.normalize();
    return s;
  }

  // The exact sum rounded to the nearest double (ties to even; in the subnormal range the
  // rounding is done twice, still a function of the exact sum alone); NaN if a non-finite value was
  // added; +/-infinity if the finite values' sum overflows a double.
  double value() const {
    if (w_[kLimbs] != 0) return std::numeric_limits<double>::quiet_NaN();
    ExactSum s = *this;
    s.normalize();
    bool negative = s.w_[kLimbs - 1] < 0;
    if (negative) {  // negate: the magnitude is then again a non-negative limb sequence
      for (int k = 0; k < kLimbs; ++k) s.w_[k] = -s.w_[k];
      s.pending_ = 1;
      s.normalize();
    }
    int top = kLimbs - 1;
    while (top >= 0 && s.w_[top] == 0) --top;
    if (top < 0) return 0.0;
    // The top limb is the carry limb: anything in it is beyond 2^1070 > DBL_MAX.
    if (top == kLimbs - 1) return negative ? -HUGE_VAL : HUGE_VAL;
    // The top three limbs as one integer (at least 65 bits when top >= 2, so bit 0 lies below the
    // rounding point), with any lower nonzero limb folded into bit 0 as a sticky bit.
    const int lo = std::max(top - 2, 0);
    __extension__ unsigned __int128 m = 0;
    for (int k = top; k >= lo; --k) m = m << 32 | static_cast<std::uint32_t>(s.w_[k]);
    bool sticky = false;
    for (int k = lo - 1; k >= 0 && !sticky; --k) sticky = s.w_[k] != 0;
    m |= sticky ? 1 : 0;
    const double r = std::ldexp(static_cast<double>(m), 32 * lo - 1074);
    return negative ? -r : r;
  }

 private:
  static constexpr std::uint32_t kAddsBeforeCarry = std::uint32_t{1} << 30;
  std::array<std::int64_t, kWords> w_{};
  std::uint32_t pending_ = 0;  // adds since the last carry pass
};

// Sum of values[i] over i with mask[i] != 0 (all i when mask is empty), exactly.
inline ExactSum exact_sum(std::span<const double> values, std::span<const std::uint8_t> mask = {}) {
  ExactSum s;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (mask.empty() || mask[i]) s.add(values[i]);
  return s;
}

}  // namespace signalrank::kernels
