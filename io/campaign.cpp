#include "io/campaign.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "io/error.hpp"

namespace signalrank {

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
    *why = "'" + std::string(text) + "' is not SYSTEM:CODE, SYSTEM:PREFIX* or SYSTEM:LO-HI";
    return false;
  }
  std::string system = normalize_code(text.substr(0, colon));
  if (!parse_code_system(system, &out->system)) {
    *why = "unknown code system '" + std::string(text.substr(0, colon)) + "' (CPT, HCPCS, ICD10 or NDC)";
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
      *why = "bad code prefix in '" + std::string(text) + "'";
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
      *why = "bad code range in '" + std::string(text) + "'";
      return false;
    }
    if (out->lo.size() != out->hi.size() || out->hi < out->lo) {
      *why = "code range '" + std::string(text) + "' needs LO <= HI of the same length";
      return false;
    }
    return true;
  }
  out->kind = CodeSpec::Kind::Exact;
  out->lo = normalize_code(code);
  if (!valid_chars(code)) {
    *why = "bad code in '" + std::string(text) + "'";
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

class Reader {
 public:
  Reader(std::string path, const toml::table& t) : path_(std::move(path)), t_(t) {}

  [[noreturn]] void fail(const toml::node* n, const std::string& key, const std::string& why) const {
    std::uint64_t line = n ? n->source().begin.line : 0;
    throw ConfigError(path_, line, key, why);
  }
  const toml::node* get(const toml::table& t, const std::string& key) const { return t.get(key); }

  int integer(const toml::table& t, const std::string& key, int def, int min) const {
    const toml::node* n = get(t, key);
    if (!n) return def;
    auto v = n->value<std::int64_t>();
    if (!n->is_integer() || !v) fail(n, key, "must be a whole number");
    if (*v < min || *v > 1000000) fail(n, key, "must be between " + std::to_string(min) + " and 1000000");
    return static_cast<int>(*v);
  }
  double number(const toml::table& t, const std::string& key, double def) const {
    const toml::node* n = get(t, key);
    if (!n) return def;
    if (!n->is_number()) fail(n, key, "must be a number");
    double v = *n->value<double>();
    if (!std::isfinite(v)) fail(n, key, "must be a finite number");
    return v;
  }
  std::string string(const toml::table& t, const std::string& key, const std::string& def) const {
    const toml::node* n = get(t, key);
    if (!n) return def;
    if (!n->is_string()) fail(n, key, "must be a string");
    return *n->value<std::string>();
  }
  std::vector<std::string> strings(const toml::table& t, const std::string& key) const {
    std::vector<std::string> out;
    const toml::node* n = get(t, key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) fail(n, key, "must be an array of strings");
    for (const auto& e : *a) {
      if (!e.is_string()) fail(&e, key, "must be an array of strings");
      out.push_back(*e.value<std::string>());
    }
    return out;
  }

 private:
  std::string path_;
  const toml::table& t_;
};

}  // namespace

Campaign load_campaign(const std::string& path) {
  Campaign c;
  c.path = path;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path, 0, "", "cannot open the campaign file");
    std::ostringstream ss;
    ss << in.rdbuf();
    c.toml = ss.str();
  }
  toml::table t;
  try {
    t = toml::parse(c.toml, path);
  } catch (const toml::parse_error& e) {
    throw ConfigError(path, e.source().begin.line, "", std::string(e.description()));
  }
  Reader r(path, t);
  static const std::set<std::string> kKeys = {
      "name", "codes", "window_weeks", "slope_weeks", "trigger_weeks", "baseline_weeks", "trigger_z", "trigger_min",
      "damping", "tolerance", "max_iterations", "personalize", "entity_types", "specialties", "states", "suppression",
      "weights"};
  for (const auto& [k, v] : t)
    if (!kKeys.count(std::string(k.str()))) r.fail(&v, std::string(k.str()), "unknown key");

  c.name = r.string(t, "name", "");
  if (c.name.empty()) r.fail(t.get("name"), "name", "is required (a non-empty string)");
  if (!std::all_of(c.name.begin(), c.name.end(),
                   [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-'; }))
    r.fail(t.get("name"), "name", "may hold only letters, digits, '_' and '-' (it names a folder)");

  c.code_texts = r.strings(t, "codes");
  if (c.code_texts.empty()) r.fail(t.get("codes"), "codes", "is required (a non-empty array of code specs)");
  const toml::array* codes = t.get("codes")->as_array();
  for (std::size_t i = 0; i < c.code_texts.size(); ++i) {
    CodeSpec spec;
    std::string why;
    if (!parse_code_spec(c.code_texts[i], &spec, &why)) r.fail(codes->get(i), "codes", why);
    c.codes.push_back(spec);
  }

  c.window_weeks = r.integer(t, "window_weeks", c.window_weeks, 1);
  c.slope_weeks = r.integer(t, "slope_weeks", c.slope_weeks, 2);
  c.trigger_weeks = r.integer(t, "trigger_weeks", c.trigger_weeks, 1);
  c.baseline_weeks = r.integer(t, "baseline_weeks", c.baseline_weeks, 1);
  c.trigger_z = r.number(t, "trigger_z", c.trigger_z);
  c.trigger_min = r.number(t, "trigger_min", c.trigger_min);
  c.damping = r.number(t, "damping", c.damping);
  if (!(c.damping > 0 && c.damping < 1)) r.fail(t.get("damping"), "damping", "must be between 0 and 1 (exclusive)");
  c.tolerance = r.number(t, "tolerance", c.tolerance);
  if (!(c.tolerance > 0)) r.fail(t.get("tolerance"), "tolerance", "must be positive");
  c.max_iterations = r.integer(t, "max_iterations", c.max_iterations, 1);
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
  for (auto& s : r.strings(t, "specialties")) c.specialties.push_back(upper(s));
  for (auto& s : r.strings(t, "states")) {
    if (s.size() != 2) r.fail(t.get("states"), "states", "'" + s + "' is not a 2-letter state code");
    c.states.push_back(upper(s));
  }
  std::string supp = r.string(t, "suppression", "");
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
      const toml::node* wn = w->get(key);
      if (!wn) return def;
      if (!wn->is_number()) r.fail(wn, std::string("weights.") + key, "must be a number");
      double v = *wn->value<double>();
      if (!std::isfinite(v)) r.fail(wn, std::string("weights.") + key, "must be a finite number");
      return v;
    };
    c.weights.volume = weight("volume", c.weights.volume);
    c.weights.growth = weight("growth", c.weights.growth);
    c.weights.pagerank = weight("pagerank", c.weights.pagerank);
    c.weights.peer_exposure = weight("peer_exposure", c.weights.peer_exposure);
    c.weights.trigger = weight("trigger", c.weights.trigger);
  }
  return c;
}

}  // namespace signalrank
