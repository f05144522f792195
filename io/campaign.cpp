#include "io/campaign.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "io/error.hpp"
#include "io/ingest_providers.hpp"

namespace signalrank {

namespace {
// A value as an error message shows it: quoted, control bytes as \xNN (the message stays one
// line), cut to 80 bytes at a UTF-8 boundary with its length when longer.
std::string shown(std::string_view s) {
  constexpr std::size_t kMaxShown = 80;
  std::size_t cut = s.size();
  if (cut > kMaxShown) {
    cut = kMaxShown;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out = "'";
  for (char ch : s.substr(0, cut)) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += ch;
  }
  out += cut < s.size() ? "…' (" + std::to_string(s.size()) + " bytes)" : "'";
  return out;
}
}  // namespace

bool CodeSpec::matches(const Code& c) const {
  if (c.system != system) return false;
  switch (kind) {
    case Kind::Exact: return c.code == lo;
    case Kind::Prefix: return c.code.compare(0, lo.size(), lo) == 0 && c.code.size() >= lo.size();
    case Kind::Range: return c.code.size() == lo.size() && lo <= c.code && c.code <= hi;
  }
  return false;
}

bool parse_code_spec(std::string_view text, CodeSpec* out, std::string* why) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    *why = shown(text) + " is not SYSTEM:CODE, SYSTEM:PREFIX* or SYSTEM:LO-HI";
    return false;
  }
  std::string system = normalize_code(text.substr(0, colon));
  if (!parse_code_system(system, &out->system)) {
    *why = "unknown code system " + shown(text.substr(0, colon)) + " (CPT, HCPCS, ICD10 or NDC)";
    return false;
  }
  std::string_view code = text.substr(colon + 1);
  auto valid_chars = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || (c == '-');
    });
  };
  if (code.size() > 1 && code.back() == '*') {
    out->kind = CodeSpec::Kind::Prefix;
    out->lo = normalize_code(code.substr(0, code.size() - 1));
    if (!valid_chars(code.substr(0, code.size() - 1)) || out->lo.find('*') != std::string::npos) {
      *why = "bad code prefix in " + shown(text);
      return false;
    }
    return true;
  }
  // NDC codes contain dashes themselves, so only other systems have ranges.
  const auto dash = code.find('-');
  if (out->system != CodeSystem::NDC && dash != std::string_view::npos) {
    out->kind = CodeSpec::Kind::Range;
    out->lo = normalize_code(code.substr(0, dash));
    out->hi = normalize_code(code.substr(dash + 1));
    if (!valid_chars(out->lo) || !valid_chars(out->hi) || out->hi.find('-') != std::string::npos) {
      *why = "bad code range in " + shown(text);
      return false;
    }
    if (out->lo.size() != out->hi.size() || out->hi < out->lo) {
      *why = "code range " + shown(text) + " needs LO <= HI of the same length";
      return false;
    }
    return true;
  }
  out->kind = CodeSpec::Kind::Exact;
  out->lo = normalize_code(code);
  if (!valid_chars(code)) {
    *why = "bad code in " + shown(text);
    return false;
  }
  return true;
}

std::vector<std::uint8_t> Campaign::match(const std::vector<Code>& dictionary) const {
  std::vector<std::uint8_t> m(dictionary.size(), 0);
  for (std::size_t i = 0; i < dictionary.size(); ++i)
    for (const auto& s : codes)
      if (s.matches(dictionary[i])) m[i] = 1;
  return m;
}

namespace {
std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

bool Campaign::passes_filters(const Providers& p, std::size_t i) const {
  if (!entity_types.empty() &&
      std::find(entity_types.begin(), entity_types.end(), int{p.entity_type[i]}) == entity_types.end())
    return false;
  if (!states.empty() && std::find(states.begin(), states.end(), std::string(p.state_of(i))) == states.end())
    return false;
  if (!specialties.empty()) {
    const std::string name = upper(p.specialty_of(i)), tax = upper(p.taxonomy_of(i));
    if (std::none_of(specialties.begin(), specialties.end(), [&](const std::string& s) { return s == name || s == tax; }))
      return false;
  }
  return true;
}

namespace {

// Bounds of the whole-number settings. Weeks: a century is more history than any claims file
// holds, and keeps every week sum and difference of score far inside int32.
constexpr int kMaxWeeks = 5200;
constexpr int kMaxIterations = 1000000;
// Weights are relative, so a bound costs nothing, and five of them sum far below overflow.
constexpr double kMaxWeight = 1e6;

std::string number_text(double v) { return fmt::format("{}", v); }

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const toml::node* n, const std::string& key, const std::string& why) const {
    std::uint64_t line = n ? n->source().begin.line : 0;
    throw ConfigError(path_, line, key, why);
  }

  int integer(const toml::table& t, const std::string& key, int def, int min, int max) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    auto v = n->value<std::int64_t>();
    if (!n->is_integer() || !v) fail(n, key, "must be a whole number");
    if (*v < min || *v > max)
      fail(n, key, fmt::format("must be between {} and {} (got {})", min, max, *v));
    return static_cast<int>(*v);
  }
  // A number (integer or float): finite, within [min, max] when given. `field` names it in
  // messages (default: key).
  double number(const toml::table& t, const std::string& key, double def,
                double min = -std::numeric_limits<double>::infinity(),
                double max = std::numeric_limits<double>::infinity(), std::string field = "") const {
    if (field.empty()) field = key;
    const toml::node* n = t.get(key);
    if (!n) return def;
    if (!n->is_number()) fail(n, field, "must be a number");
    const double v = *n->value<double>() + 0.0;  // -0.0 is 0
    if (!std::isfinite(v) || v < min || v > max) {
      std::string rule = "must be a finite number";
      if (std::isfinite(min) && std::isfinite(max)) rule = fmt::format("must be finite, >= {} and <= {}", min, max);
      else if (std::isfinite(min)) rule = fmt::format("must be finite and >= {}", min);
      fail(n, field, rule + " (got " + number_text(v) + ")");
    }
    return v;
  }
  std::string string(const toml::table& t, const std::string& key, const std::string& def) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    if (!n->is_string()) fail(n, key, "must be a string");
    return *n->value<std::string>();
  }
  // An array of strings; each element is checked by `check` (an empty reason = fine), which
  // may rewrite it.
  template <class Check>
  std::vector<std::string> strings(const toml::table& t, const std::string& key, Check check) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) fail(n, key, "must be an array of strings");
    for (const auto& e : *a) {
      if (!e.is_string()) fail(&e, key, "must be an array of strings");
      std::string s = *e.value<std::string>();
      if (std::string why = check(s); !why.empty()) fail(&e, key, why);
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  std::string path_;
};

// The whole file, refused when larger than a snapshot can store (read only that far: the path may
// name a device or a pipe).
std::string read_campaign_text(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ConfigError(path, 0, "", "is a folder, not a campaign file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, 0, "", "cannot open the campaign file");
  std::string text(kMaxCampaignBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError(path, 0, "", "cannot read the campaign file");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxCampaignBytes)
    throw ConfigError(path, 0, "",
                      fmt::format("the campaign file is larger than {} bytes, the most a snapshot stores", kMaxCampaignBytes));
  return text;
}

// Why `name` cannot name the campaign's snapshot folder, or "".
std::string bad_name(const std::string& name) {
  if (name.empty()) return "is required (a non-empty string)";
  if (name.size() > kMaxCampaignNameBytes) return fmt::format("is {} bytes; a folder name holds at most {}", name.size(), kMaxCampaignNameBytes);
  // Letters, digits, '_' and '-' only: so never '/', NUL, '.', '..', a hidden name or invalid UTF-8.
  if (!std::all_of(name.begin(), name.end(),
                   [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-'; }))
    return "may hold only letters, digits, '_' and '-' (it names a folder)";
  return "";
}

}  // namespace

Campaign load_campaign(const std::string& path) {
  Campaign c;
  c.path = path;
  c.toml = read_campaign_text(path);
  toml::table t;
  try {
    t = toml::parse(c.toml, path);
  } catch (const toml::parse_error& e) {
    throw ConfigError(path, e.source().begin.line, "", std::string(e.description()));
  }
  Reader r(path);
  static const std::set<std::string> kKeys = {
      "name", "codes", "window_weeks", "slope_weeks", "trigger_weeks", "baseline_weeks", "trigger_z", "trigger_min",
      "damping", "tolerance", "max_iterations", "personalize", "entity_types", "specialties", "states", "suppression",
      "weights"};
  for (const auto& [k, v] : t)
    if (!kKeys.count(std::string(k.str()))) r.fail(&v, std::string(k.str()), "unknown key");

  c.name = r.string(t, "name", "");
  if (std::string why = bad_name(c.name); !why.empty()) r.fail(t.get("name"), "name", why);

  auto any = [](std::string&) { return std::string(); };
  c.code_texts = r.strings(t, "codes", any);
  if (c.code_texts.empty()) r.fail(t.get("codes"), "codes", "is required (a non-empty array of code specs)");
  const toml::array* codes = t.get("codes")->as_array();
  for (std::size_t i = 0; i < c.code_texts.size(); ++i) {
    CodeSpec spec;
    std::string why;
    if (!parse_code_spec(c.code_texts[i], &spec, &why)) r.fail(codes->get(i), "codes", why);
    c.codes.push_back(spec);
  }

  c.window_weeks = r.integer(t, "window_weeks", c.window_weeks, 1, kMaxWeeks);
  c.slope_weeks = r.integer(t, "slope_weeks", c.slope_weeks, 2, kMaxWeeks);
  c.trigger_weeks = r.integer(t, "trigger_weeks", c.trigger_weeks, 1, kMaxWeeks);
  c.baseline_weeks = r.integer(t, "baseline_weeks", c.baseline_weeks, 1, kMaxWeeks);
  c.trigger_z = r.number(t, "trigger_z", c.trigger_z);
  c.trigger_min = r.number(t, "trigger_min", c.trigger_min, 0);
  c.damping = r.number(t, "damping", c.damping);
  if (!(c.damping > 0 && c.damping < 1)) r.fail(t.get("damping"), "damping", "must be between 0 and 1 (exclusive)");
  c.tolerance = r.number(t, "tolerance", c.tolerance);
  if (!(c.tolerance > 0)) r.fail(t.get("tolerance"), "tolerance", "must be positive");
  c.max_iterations = r.integer(t, "max_iterations", c.max_iterations, 1, kMaxIterations);
  std::string personalize = r.string(t, "personalize", "volume");
  if (personalize != "volume" && personalize != "uniform")
    r.fail(t.get("personalize"), "personalize", "must be \"volume\" or \"uniform\"");
  c.personalize_volume = personalize == "volume";

  if (const toml::node* n = t.get("entity_types")) {
    const toml::array* a = n->as_array();
    if (!a) r.fail(n, "entity_types", "must be an array of 1 and/or 2");
    for (const auto& e : *a) {
      auto v = e.value<std::int64_t>();
      if (!e.is_integer() || !v || (*v != 1 && *v != 2)) r.fail(&e, "entity_types", "must be an array of 1 and/or 2");
      c.entity_types.push_back(static_cast<int>(*v));
    }
  }
  c.specialties = r.strings(t, "specialties", [](std::string& s) {
    if (s.empty()) return std::string("must be non-empty strings (NUCC names or taxonomy codes)");
    s = upper(s);
    return std::string();
  });
  // The codes providers.csv accepts (ingest), so a state no provider can have is refused.
  c.states = r.strings(t, "states", [](std::string& s) {
    const std::string code = upper(s);
    if (!ingest::is_usps_state(code)) return shown(s) + " is not a USPS state code";
    s = code;
    return std::string();
  });
  std::string supp = r.string(t, "suppression", "");
  if (supp.find('\0') != std::string::npos) r.fail(t.get("suppression"), "suppression", "must not hold a NUL byte");
  if (!supp.empty()) {
    std::filesystem::path p(supp);
    if (p.is_relative()) p = std::filesystem::path(path).parent_path() / p;
    c.suppression = p.lexically_normal().string();
  }

  if (const toml::node* n = t.get("weights")) {
    const toml::table* w = n->as_table();
    if (!w) r.fail(n, "weights", "must be a table");
    static const std::set<std::string> kWeightKeys = {"volume", "growth", "pagerank", "peer_exposure", "trigger"};
    for (const auto& [k, v] : *w)
      if (!kWeightKeys.count(std::string(k.str()))) r.fail(&v, "weights." + std::string(k.str()), "unknown key");
    auto weight = [&](const char* key, double def) {
      return r.number(*w, key, def, 0, kMaxWeight, std::string("weights.") + key);
    };
    c.weights.volume = weight("volume", c.weights.volume);
    c.weights.growth = weight("growth", c.weights.growth);
    c.weights.pagerank = weight("pagerank", c.weights.pagerank);
    c.weights.peer_exposure = weight("peer_exposure", c.weights.peer_exposure);
    c.weights.trigger = weight("trigger", c.weights.trigger);
    const auto& cw = c.weights;
    if (!(cw.volume + cw.growth + cw.pagerank + cw.peer_exposure + cw.trigger > 0))
      r.fail(n, "weights", "are all 0; at least one must be > 0 (the score is their weighted sum)");
  }
  return c;
}

}  // namespace signalrank
