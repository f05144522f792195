// Calendar dates as days since 1970-01-01 and weeks as "Monday numbers": week index k is the
// week that starts on Monday 1970-01-05 + 7k. Parsing is strict YYYY-MM-DD.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace signalrank {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  int year;
  unsigned month;
  unsigned day;
};

constexpr CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

constexpr std::int64_t kMondayEpochDays = 4;  // 1970-01-05 was a Monday

constexpr bool is_monday(std::int64_t days) { return ((days - kMondayEpochDays) % 7 + 7) % 7 == 0; }

// Week index of the Monday `days` (callers check is_monday first).
constexpr std::int32_t week_of_monday(std::int64_t days) {
  return static_cast<std::int32_t>((days - kMondayEpochDays) / 7);
}
constexpr std::int64_t monday_of_week(std::int32_t week) { return kMondayEpochDays + 7 * std::int64_t{week}; }

// Parses exactly "YYYY-MM-DD" (a real calendar date) into days since the epoch.
std::optional<std::int64_t> parse_date(std::string_view s);

// Why `s` is not a valid Monday, or an empty string when it is one.
std::string monday_problem(std::string_view s, std::int32_t* week_out);

std::string format_date(std::int64_t days);
// The current time as "YYYY-MM-DDTHH:MM:SSZ" (UTC), for created_utc attributes.
std::string utc_now();
inline std::string format_week(std::int32_t week) { return format_date(monday_of_week(week)); }

// A week as its Monday number (week_of_monday), as a type of its own where an interface takes
// weeks and counts side by side (the pipeline: an as-of week, a window of N weeks), so that the
// two cannot be swapped. Arithmetic: a week plus or minus a count of weeks is a week; a week
// minus a week is a count.
struct WeekIndex {
  std::int32_t value = 0;
  constexpr WeekIndex() = default;
  constexpr explicit WeekIndex(std::int32_t monday_number) : value(monday_number) {}
  constexpr auto operator<=>(const WeekIndex&) const = default;
  constexpr WeekIndex operator+(std::int32_t weeks) const { return WeekIndex(value + weeks); }
  constexpr WeekIndex operator-(std::int32_t weeks) const { return WeekIndex(value - weeks); }
  constexpr std::int32_t operator-(WeekIndex other) const { return value - other.value; }
};
inline std::string format_week(WeekIndex week) { return format_week(week.value); }

// The weeks first .. last, both included.
struct WeekRange {
  WeekIndex first, last;
};

}  // namespace signalrank
