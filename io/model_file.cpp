// The propensity model file (io/model_file.hpp): one validator of the content, shared by the
// writer (which refuses before creating anything) and the reader (which first checks that every
// attribute and dataset is present and of the right type and shape, then validates the content
// exactly as the writer does, so a file either side accepts the other does too).
#include "io/model_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "io/campaign.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"
#include "io/temp_files.hpp"
#include "io/text.hpp"

namespace signalrank {

namespace {

namespace fs = std::filesystem;
using Problem = std::pair<std::string, std::string>;  // (attribute or dataset, reason)

constexpr std::string_view kKind = "logistic";
constexpr std::string_view kFormatPrefix = "signalrank-model ";
constexpr std::size_t kMaxNameBytes = 64;            // a feature or metric name
constexpr std::size_t kMaxVersionBytes = 64;
constexpr std::int64_t kMaxHorizon = 520;            // ten years of weeks
constexpr std::uint64_t kMaxStoredInteger = std::numeric_limits<std::int64_t>::max();  // int64 attributes

// ---- the content rules ----

std::string byte_at(std::size_t i) { return " (byte " + std::to_string(i + 1) + ")"; }

// Why `s` is not UTF-8 without NUL bytes, or "".
std::string text_problem(std::string_view s) {
  if (const std::size_t bad = text::utf8_error(s); bad != std::string_view::npos)
    return text::quote(s) + " is not valid UTF-8" + byte_at(bad);
  if (const std::size_t nul = s.find('\0'); nul != std::string_view::npos)
    return text::quote(s) + " holds a NUL byte" + byte_at(nul);
  return {};
}

// Why `s` is not a feature or metric name (1-64 bytes of [a-z0-9_]), or "".
std::string name_problem(std::string_view s) {
  if (s.empty()) return "is empty";
  if (std::string why = text_problem(s); !why.empty()) return why;
  if (s.size() > kMaxNameBytes)
    return fmt::format("{} is {} bytes; a name holds at most {}", text::quote(s), s.size(), kMaxNameBytes);
  const auto bad = std::find_if_not(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (bad != s.end())
    return text::quote(s) + " holds a character other than a-z, 0-9 and '_'" +
           byte_at(static_cast<std::size_t>(bad - s.begin()));
  return {};
}

// Why the names of one dataset are not valid and distinct, or "". `name_of(i)` is row i.
template <class NameOf>
std::string names_problem(std::size_t n, NameOf&& name_of) {
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view name = name_of(i);
    if (name.empty()) return fmt::format("row {} is empty", i);
    if (std::string why = name_problem(name); !why.empty()) return fmt::format("row {}: {}", i, why);
    if (const auto [at, fresh] = seen.emplace(name, i); !fresh)
      return fmt::format("rows {} and {} are both {}; names are distinct", at->second, i, text::quote(name));
  }
  return {};
}

// Why `values` has not `n` values each passing `ok`, or "" (`rule` says what a value must be).
template <class Ok>
std::string values_problem(const std::vector<double>& values, std::size_t n, const std::string& count_rule, Ok&& ok,
                           const char* rule) {
  if (values.size() != n) return fmt::format("has {} values; {}", values.size(), count_rule);
  for (std::size_t i = 0; i < n; ++i)
    if (!ok(values[i])) return fmt::format("row {} is {}; {}", i, values[i], rule);
  return {};
}

std::string campaign_problem(const std::string& s) {
  if (s.empty()) return "is empty";
  if (s.size() > kMaxCampaignNameBytes)
    return fmt::format("is {} bytes; a campaign name holds at most {}", s.size(), kMaxCampaignNameBytes);
  const auto bad = std::find_if_not(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (bad != s.end())
    return text::quote(s) + " holds a character other than letters, digits, '_' and '-'" +
           byte_at(static_cast<std::size_t>(bad - s.begin()));
  return {};
}

std::string toml_problem(const std::string& s) {
  if (s.empty()) return "is empty";
  if (s.size() > kMaxCampaignBytes)
    return fmt::format("is {} bytes; a campaign file holds at most {}", s.size(), kMaxCampaignBytes);
  return text_problem(s);
}

// Comma-separated, each code non-empty, in strictly ascending byte order.
std::string codes_problem(const std::string& s) {
  if (s.empty()) return "is empty; a campaign matches at least one code";
  if (std::string why = text_problem(s); !why.empty()) return why;
  std::string_view previous;
  std::size_t start = 0, k = 0;
  for (;; ++k) {
    const std::size_t comma = s.find(',', start);
    const std::string_view code = std::string_view(s).substr(start, comma == std::string::npos ? comma : comma - start);
    if (code.empty()) return fmt::format("code {} of {} is empty", k, text::quote(s));
    if (k > 0 && !(previous < code))
      return text::quote(code) + " follows " + text::quote(previous) +
             "; the codes are sorted (byte order) and distinct";
    previous = code;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {};
}

// created_utc: YYYY-MM-DDTHH:MM:SSZ, as utc_now() writes it.
std::string utc_problem(const std::string& s) {
  auto two = [&](std::size_t at, int max) {
    if (s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return false;
    return (s[at] - '0') * 10 + (s[at + 1] - '0') <= max;
  };
  const bool ok = s.size() == 20 && parse_date(std::string_view(s).substr(0, 10)) && s[10] == 'T' && two(11, 23) &&
                  s[13] == ':' && two(14, 59) && s[16] == ':' && two(17, 60) && s[19] == 'Z';
  return ok ? std::string() : text::quote(s) + " is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)";
}

// A count stored as int64 that does not fit one.
std::string too_large(std::uint64_t v) { return fmt::format("is {}; at most {} fits an int64", v, kMaxStoredInteger); }

std::string finite_problem(double v) {
  return std::isfinite(v) ? std::string() : fmt::format("is {}; it must be finite", v);
}
std::string nonnegative_problem(double v) {
  return std::isfinite(v) && v >= 0 ? std::string() : fmt::format("is {}; it must be finite and >= 0", v);
}

std::string origins_problem(const std::vector<std::string>& origins, const std::string& as_of) {
  if (origins.size() < 2)
    return fmt::format("has {} origin{}; a model is trained on at least 2", origins.size(),
                       origins.size() == 1 ? "" : "s");
  std::int32_t last = 0, as_of_week = 0;
  monday_problem(as_of, &as_of_week);  // valid: checked before
  for (std::size_t i = 0; i < origins.size(); ++i) {
    std::int32_t week = 0;
    if (std::string why = monday_problem(origins[i], &week); !why.empty()) return fmt::format("row {}: {}", i, why);
    if (i > 0 && week >= last)
      return fmt::format("row {}: {} is not before row {} {}; origins are newest first, strictly descending", i,
                         text::quote(origins[i]), i - 1, text::quote(origins[i - 1]));
    if (week > as_of_week)
      return fmt::format("row {}: {} is after as_of {}", i, text::quote(origins[i]), text::quote(as_of));
    last = week;
  }
  return {};
}

}  // namespace

Problem model_problem(const PropensityModel& m) {
  // In the layout's order: the first rule broken is the one reported.
  const std::pair<const char*, std::string> checks[] = {
      {"kind", m.kind == kKind
                   ? std::string()
                   : text::quote(m.kind) + " is not a model kind this signalrank knows (it knows 'logistic')"},
      {"campaign", campaign_problem(m.campaign)},
      {"campaign_toml", toml_problem(m.campaign_toml)},
      {"codes", codes_problem(m.codes)},
      {"as_of", monday_problem(m.as_of, nullptr)},
      {"version", m.version.empty() ? std::string("is empty") : text::field_problem(m.version, kMaxVersionBytes)},
      {"created_utc", utc_problem(m.created_utc)},
      {"providers", m.providers == 0 ? std::string("is 0; it must be at least 1")
                    : m.providers > kMaxStoredInteger
                        ? too_large(m.providers)
                        : std::string()},
      {"horizon", m.horizon >= 1 && m.horizon <= kMaxHorizon
                      ? std::string()
                      : fmt::format("is {}; it must be 1..{} weeks", m.horizon, kMaxHorizon)},
      {"rows", m.rows == 0 ? std::string("is 0; it must be at least 1")
               : m.rows > kMaxStoredInteger ? too_large(m.rows)
                                            : std::string()},
      {"positives",
       m.positives > m.rows ? fmt::format("is {}, more than rows ({})", m.positives, m.rows) : std::string()},
      {"alpha", m.alpha > 0 && m.alpha <= 0.5 ? std::string() : fmt::format("is {}; it must be in (0, 0.5]", m.alpha)},
      {"margin", nonnegative_problem(m.margin)},
      {"min_increase", nonnegative_problem(m.min_increase)},
      {"trigger_min", nonnegative_problem(m.trigger_min)},
      {"platt_a", finite_problem(m.platt_a)},
      {"platt_b", finite_problem(m.platt_b)},
  };
  for (const auto& [name, why] : checks)
    if (!why.empty()) return {name, why};

  const std::size_t d = m.feature_names.size();
  if (d == 0) return {"/features/name", "is empty; a model has at least one feature"};
  if (std::string why = names_problem(d, [&](std::size_t i) { return std::string_view(m.feature_names[i]); });
      !why.empty())
    return {"/features/name", why};
  const std::string per_feature = fmt::format("there are {} features (/features/name)", d);
  if (std::string why = values_problem(m.mean, d, per_feature, [](double v) { return std::isfinite(v); },
                                       "it must be finite");
      !why.empty())
    return {"/features/mean", why};
  if (std::string why = values_problem(m.sd, d, per_feature, [](double v) { return std::isfinite(v) && v > 0; },
                                       "it must be finite and > 0");
      !why.empty())
    return {"/features/sd", why};
  if (std::string why = values_problem(
          m.coefficients, d + 1, fmt::format("it must have {} (one per feature, then the intercept)", d + 1),
          [](double v) { return std::isfinite(v); }, "it must be finite");
      !why.empty())
    return {"/coefficients", why};
  if (std::string why = origins_problem(m.origins, m.as_of); !why.empty()) return {"/origins", why};
  if (std::string why =
          names_problem(m.metrics.size(), [&](std::size_t i) { return std::string_view(m.metrics[i].first); });
      !why.empty())
    return {"/metrics/name", why};
  for (std::size_t i = 0; i < m.metrics.size(); ++i)
    if (std::isinf(m.metrics[i].second))
      return {"/metrics/value", fmt::format("row {} is {}; it must be finite or NaN", i, m.metrics[i].second)};
  return {};
}

// ---- writing ----

namespace {

// Fixed-width, NUL-padded strings: as many bytes per row as the longest (at least 1).
void write_string_column(h5::File& f, const std::string& name, const std::vector<std::string>& rows) {
  std::size_t width = 1;
  for (const std::string& s : rows) width = std::max(width, s.size());
  std::vector<char> packed(rows.size() * width, '\0');
  for (std::size_t i = 0; i < rows.size(); ++i) std::memcpy(packed.data() + i * width, rows[i].data(), rows[i].size());
  f.write_strings(name, width, rows.size(), 0, rows.size(), packed.data());
}

std::string folder_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

void write_model(const std::string& path, const PropensityModel& m) {
  // ---- check inputs: nothing is created before these pass ----
  if (const auto [name, why] = model_problem(m); !name.empty())
    throw std::invalid_argument(path + ": cannot write the model: field '" + name + "': " + why);
  auto refuse = [&](const std::string& why) { throw std::runtime_error(path + ": cannot write the model: " + why); };
  if (std::string why = name_length_problem(path); !why.empty()) refuse(why);
  const std::string folder = folder_of(path);
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    refuse(fs::exists(folder, ec) ? "'" + folder + "' is not a folder" : "the folder '" + folder + "' does not exist");

  // ---- write at the temporary name, then fsync and rename ----
  h5::AtomicPath target(path, nullptr);
  try {
    h5::File f = h5::File::create(target.temp(), nullptr);
    f.set_attr("/", "format", std::string(kModelFormat));
    const std::pair<const char*, const std::string*> texts[] = {
        {"kind", &m.kind},   {"campaign", &m.campaign}, {"campaign_toml", &m.campaign_toml}, {"codes", &m.codes},
        {"as_of", &m.as_of}, {"version", &m.version},   {"created_utc", &m.created_utc}};
    for (const auto& [name, value] : texts) f.set_attr("/", name, *value);
    // Checked above to fit an int64.
    f.set_attr("/", "providers", static_cast<std::int64_t>(m.providers));
    f.set_attr("/", "horizon", m.horizon);
    f.set_attr("/", "rows", static_cast<std::int64_t>(m.rows));
    f.set_attr("/", "positives", static_cast<std::int64_t>(m.positives));
    const std::pair<const char*, double> numbers[] = {{"alpha", m.alpha},     {"margin", m.margin},
                                                      {"min_increase", m.min_increase}, {"trigger_min", m.trigger_min},
                                                      {"platt_a", m.platt_a}, {"platt_b", m.platt_b}};
    for (const auto& [name, value] : numbers) f.set_attr("/", name, value);
    f.create_group("/features");
    write_string_column(f, "/features/name", m.feature_names);
    f.write_column("/features/mean", std::span<const double>(m.mean));
    f.write_column("/features/sd", std::span<const double>(m.sd));
    f.write_column("/coefficients", std::span<const double>(m.coefficients));
    write_string_column(f, "/origins", m.origins);
    std::vector<std::string> metric_names;
    std::vector<double> metric_values;
    for (const auto& [name, value] : m.metrics) {
      metric_names.push_back(name);
      metric_values.push_back(value);
    }
    f.create_group("/metrics");
    write_string_column(f, "/metrics/name", metric_names);
    f.write_column("/metrics/value", std::span<const double>(metric_values));
    f.close();  // a full disk shows here, when HDF5 writes what it holds
    target.commit();
  } catch (const std::exception& e) {
    target.fail(e, "the model");  // the temporary file is removed with `target`
  }
}

// ---- reading ----

namespace {

std::string describe(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "an integer";
    case H5T_FLOAT: return "a floating-point number";
    case H5T_STRING: return "a string";
    default: return "another type";
  }
}

// Reads the attributes and datasets of the layout, each checked for presence, type and shape, with
// the field of every refusal the name of the attribute or dataset.
class ModelReader {
 public:
  ModelReader(const std::string& path, const h5::File& f) : path_(path), f_(f) {}

  [[noreturn]] void refuse(const std::string& name, const std::string& why) const {
    throw InputError(path_, 0, name, why);
  }

  // A root attribute that holds a string (fixed-width or variable-length), every byte of it: a
  // NUL inside is kept, for the validator to refuse; the padding after the last byte is not.
  std::string text(const std::string& name) const {
    const h5::Handle a = attribute(name);
    const h5::Handle type(H5Aget_type(a.id()), H5Tclose);
    const H5T_class_t c = H5Tget_class(type.id());
    if (c != H5T_STRING) refuse(name, "is not a string (it is " + describe(c) + ")");
    // The native form of the file's string type: the same width, padding and character set.
    const h5::Handle mem(H5Tget_native_type(type.id(), H5T_DIR_DEFAULT), H5Tclose);
    if (H5Tis_variable_str(type.id()) > 0) {
      char* s = nullptr;
      if (!mem || H5Aread(a.id(), mem.id(), &s) < 0) damaged(name);
      std::string out = s ? s : "";
      H5free_memory(s);
      return out;
    }
    std::string out(H5Tget_size(type.id()), '\0');
    if (!mem || H5Aread(a.id(), mem.id(), out.data()) < 0) damaged(name);
    out.erase(out.find_last_not_of('\0') + 1);
    return out;
  }

  // A root attribute stored as an integer (a whole number stored as a float is refused: it is not
  // what a reader of the layout expects).
  std::int64_t integer(const std::string& name) const {
    const h5::Handle a = attribute(name);
    const h5::Handle type(H5Aget_type(a.id()), H5Tclose);
    const H5T_class_t c = H5Tget_class(type.id());
    if (c != H5T_INTEGER) refuse(name, "is not an integer (it is " + describe(c) + ")");
    if (H5Tget_sign(type.id()) == H5T_SGN_NONE) {
      std::uint64_t v = 0;
      if (H5Aread(a.id(), H5T_NATIVE_UINT64, &v) < 0) damaged(name);
      if (v > kMaxStoredInteger) refuse(name, too_large(v));
      return static_cast<std::int64_t>(v);
    }
    std::int64_t v = 0;
    if (H5Aread(a.id(), H5T_NATIVE_INT64, &v) < 0) damaged(name);
    return v;
  }

  // An integer attribute that counts something: >= 0 (its upper rules are the validator's).
  std::uint64_t count(const std::string& name, std::int64_t min) const {
    const std::int64_t v = integer(name);
    if (v < min) refuse(name, fmt::format("is {}; it must be at least {}", v, min));
    return static_cast<std::uint64_t>(v);
  }

  // A root attribute stored as a floating-point number or an integer (converted: exact for whole
  // numbers below 2^53).
  double number(const std::string& name) const {
    const h5::Handle a = attribute(name);
    const h5::Handle type(H5Aget_type(a.id()), H5Tclose);
    const H5T_class_t c = H5Tget_class(type.id());
    if (c != H5T_FLOAT && c != H5T_INTEGER) refuse(name, "is not a number (it is " + describe(c) + ")");
    double v = 0;
    if (H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v) < 0) damaged(name);
    return v;
  }

  // A 1-D dataset of numbers, as doubles.
  std::vector<double> numbers(const std::string& name) const {
    const H5T_class_t c = dataset(name);
    if (c != H5T_FLOAT && c != H5T_INTEGER) refuse(name, "is not a column of numbers (it holds " + plural(c) + ")");
    try {
      return f_.read_column<double>(name);
    } catch (const InputError&) {
      damaged(name);
    }
  }

  // A 1-D dataset of fixed-width strings, each without the NULs that pad it.
  std::vector<std::string> strings(const std::string& name) const {
    const H5T_class_t c = dataset(name);
    if (c != H5T_STRING) refuse(name, "is not a column of fixed-width strings (it holds " + plural(c) + ")");
    try {
      const std::uint64_t n = f_.column_size(name);
      std::size_t width = 0;
      const std::vector<char> packed = f_.read_strings(name, 0, n, &width);
      std::vector<std::string> out(n);
      for (std::uint64_t i = 0; i < n; ++i) {
        std::string s(packed.data() + i * width, width);
        s.erase(s.find_last_not_of('\0') + 1);
        out[i] = std::move(s);
      }
      return out;
    } catch (const InputError&) {
      damaged(name);  // variable-length strings were refused by dataset()
    }
  }

 private:
  [[noreturn]] void damaged(const std::string& name) const {
    refuse(name, "cannot be read (the file is damaged or truncated)");
  }

  static std::string plural(H5T_class_t c) {
    switch (c) {
      case H5T_INTEGER: return "integers";
      case H5T_FLOAT: return "floating-point numbers";
      case H5T_STRING: return "strings";
      default: return "another type";
    }
  }

  // The root attribute `name`, present and holding one value.
  h5::Handle attribute(const std::string& name) const {
    if (!f_.has_attr("/", name)) refuse(name, "is missing");
    h5::Handle a(H5Aopen_by_name(f_.id(), "/", name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!a) damaged(name);
    const h5::Handle space(H5Aget_space(a.id()), H5Sclose);
    if (!space || H5Sget_simple_extent_npoints(space.id()) != 1)
      refuse(name, fmt::format("is not one value (it holds {})", space ? H5Sget_simple_extent_npoints(space.id()) : 0));
    return a;
  }

  // The type class of the 1-D dataset `name`, refusing a missing one or one of another shape.
  H5T_class_t dataset(const std::string& name) const {
    if (!f_.exists(name)) refuse(name, "is missing");
    {
      const h5::Handle object(H5Oopen(f_.id(), name.c_str(), H5P_DEFAULT), H5Oclose);
      if (!object) damaged(name);
      if (H5Iget_type(object.id()) != H5I_DATASET) refuse(name, "is not a dataset");
    }
    const h5::Handle d(H5Dopen2(f_.id(), name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d) damaged(name);
    const h5::Handle space(H5Dget_space(d.id()), H5Sclose);
    const h5::Handle type(H5Dget_type(d.id()), H5Tclose);
    if (!space || !type) damaged(name);
    if (const int dims = H5Sget_simple_extent_ndims(space.id()); dims != 1)
      refuse(name, fmt::format("is not one-dimensional (it has {} dimensions)", dims));
    if (H5Tis_variable_str(type.id()) > 0)
      refuse(name, "is not a column of fixed-width strings (it holds variable-length strings)");
    return H5Tget_class(type.id());
  }

  const std::string& path_;
  const h5::File& f_;
};

// The format attribute first: anything else is not a model of this layout, and what is wrong with
// it would only confuse.
void check_format(const ModelReader& r, const h5::File& f) {
  if (!f.has_attr("/", "format")) r.refuse("format", "is missing: this is not a signalrank model file");
  const std::string format = r.text("format");
  if (format == kModelFormat) return;
  if (format.starts_with(kFormatPrefix))
    r.refuse("format", text::quote(format) + ": written by a newer signalrank (this one reads " +
                           text::quote(kModelFormat) + ")");
  r.refuse("format", text::quote(format) + ": this is not a signalrank model file (its format is " +
                         text::quote(kModelFormat) + ")");
}

// h5::File::open, and for a file that starts as HDF5 but that HDF5 cannot open, a message that
// says so instead of "not an HDF5 file".
h5::File open_model(const std::string& path) {
  try {
    return h5::File::open(path, nullptr);
  } catch (const InputError&) {
    static constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    char head[8] = {};
    std::ifstream in(path, std::ios::binary);
    if (in.read(head, sizeof head) && std::memcmp(head, kSignature, sizeof head) == 0)
      throw InputError(path, 0, "", "a damaged or truncated HDF5 file (HDF5 cannot open it)");
    throw;
  }
}

}  // namespace

PropensityModel read_model(const std::string& path) {
  const h5::File f = open_model(path);
  const ModelReader r(path, f);
  check_format(r, f);
  PropensityModel m;
  m.kind = r.text("kind");
  if (m.kind != kKind) r.refuse("kind", model_problem(m).second);  // before anything of a kind unknown
  m.campaign = r.text("campaign");
  m.campaign_toml = r.text("campaign_toml");
  m.codes = r.text("codes");
  m.as_of = r.text("as_of");
  m.version = r.text("version");
  m.created_utc = r.text("created_utc");
  m.providers = r.count("providers", 1);
  m.horizon = r.integer("horizon");
  m.rows = r.count("rows", 1);
  m.positives = r.count("positives", 0);
  m.alpha = r.number("alpha");
  m.margin = r.number("margin");
  m.min_increase = r.number("min_increase");
  m.trigger_min = r.number("trigger_min");
  m.platt_a = r.number("platt_a");
  m.platt_b = r.number("platt_b");
  m.feature_names = r.strings("/features/name");
  m.mean = r.numbers("/features/mean");
  m.sd = r.numbers("/features/sd");
  m.coefficients = r.numbers("/coefficients");
  m.origins = r.strings("/origins");
  const std::vector<std::string> metric_names = r.strings("/metrics/name");
  const std::vector<double> metric_values = r.numbers("/metrics/value");
  if (metric_values.size() != metric_names.size())
    r.refuse("/metrics/value",
             fmt::format("has {} values; /metrics/name has {}", metric_values.size(), metric_names.size()));
  for (std::size_t i = 0; i < metric_names.size(); ++i) m.metrics.emplace_back(metric_names[i], metric_values[i]);
  if (const auto [name, why] = model_problem(m); !name.empty()) r.refuse(name, why);
  return m;
}

}  // namespace signalrank
