// CLI11 validators for numeric flags with exact, one-line messages. CLI11's own Range lets NaN
// through and prints its bounds with six decimals ("0.000000"), and an unsigned option accepts
// "-1" (wrapped); these check the text itself.
#pragma once
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "io/text.hpp"

namespace signalrank::cli {

// A finite decimal number in [lo, hi], or in (lo, hi] with lo_open.
inline CLI::Validator number_in(double lo, double hi, bool lo_open = false) {
  return CLI::Validator(
      [=](std::string& v) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double x = std::strtod(v.c_str(), &end);
        const bool decimal = v.find_first_not_of("0123456789+-.eE") == std::string::npos;  // no hex, inf, nan
        const bool parsed = !v.empty() && decimal && end && *end == '\0' && errno == 0 && std::isfinite(x);
        if (parsed && (lo_open ? x > lo : x >= lo) && x <= hi) return {};
        return fmt::format("{} is not a number in {}{:g}, {:g}]", text::quote(v), lo_open ? "(" : "[", lo, hi);
      },
      fmt::format("NUMBER in {}{:g}, {:g}]", lo_open ? "(" : "[", lo, hi), "number_in");
}

// A whole number from 0 to 2^64 - 1, digits only.
inline CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        char* end = nullptr;
        errno = 0;
        const bool digits = !v.empty() && v.size() <= 20 && v.find_first_not_of("0123456789") == std::string::npos;
        if (digits) {
          (void)std::strtoull(v.c_str(), &end, 10);
          if (errno == 0) return {};
        }
        return text::quote(v) + " is not a whole number from 0 to 18446744073709551615";
      },
      "UINT", "whole_number");
}

}  // namespace signalrank::cli
