// NPI check digit (Luhn over the prefix 80840 followed by the first nine digits).
#pragma once
#include <cstdint>

namespace signalrank {

// The check digit for the nine-digit NPI body `body9` (0 <= body9 < 10^9).
constexpr int npi_check_digit(std::uint64_t body9) {
  // Luhn: double every second digit from the right of the 9-digit body (the check digit's
  // position is the rightmost), then add the constant 24 for the 80840 prefix.
  int sum = 24;
  bool dbl = true;
  for (int i = 0; i < 9; ++i) {
    int d = static_cast<int>(body9 % 10);
    body9 /= 10;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return (10 - sum % 10) % 10;
}

// True when `npi` has ten digits, starts with 1 or 2 and carries a valid check digit.
constexpr bool npi_valid(std::uint64_t npi) {
  if (npi < 1000000000ULL || npi >= 3000000000ULL) return false;
  return npi_check_digit(npi / 10) == static_cast<int>(npi % 10);
}

// The ten-digit NPI for a nine-digit body.
constexpr std::uint64_t npi_from_body(std::uint64_t body9) {
  return body9 * 10 + static_cast<std::uint64_t>(npi_check_digit(body9));
}

static_assert(npi_valid(1234567893ULL));
static_assert(npi_valid(1003000126ULL));
static_assert(!npi_valid(1234567890ULL));

}  // namespace signalrank
