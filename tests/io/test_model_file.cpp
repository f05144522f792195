// The propensity model file (io/model_file.hpp): a round trip keeps every bit; write_model refuses
// every invalid field before creating anything, and leaves nothing behind when the disk fills;
// read_model refuses files crafted to break each rule of the layout, with one exact message each.
//
// The crafted files are made here with h5::File on top of a good file, writing each attribute and
// dataset the way the header's layout describes it: a second, independent reading of the contract.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"
#include "io/model_file.hpp"

using namespace signalrank;
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// A NaN with a payload: the file must keep these bits too.
const double kPayloadNaN = std::bit_cast<double>(std::uint64_t{0x7FF8000000000123});

PropensityModel good_model() {
  PropensityModel m;
  m.kind = "logistic";
  m.feature_names = {"log_volume", "growth", "trigger"};
  m.mean = {2.5, -1.0 / 3, 0.3};
  m.sd = {1.25, 0.1, 0.458};
  m.coefficients = {0.75, -0.0, 1.0 / 7, -3.25};  // -0.0 and 1/7: bits a text format would lose
  m.platt_a = 0.9375;
  m.platt_b = -0.03125;
  m.campaign = "tavr";
  m.campaign_toml = "name = \"tavr\"\ncodes = [\"CPT:33361\", \"CPT:33362\"]  # é\n";
  m.codes = "CPT:33361,CPT:33362";
  m.providers = 2862;
  m.horizon = 13;
  m.alpha = 0.01;
  m.margin = 0.2;
  m.min_increase = 5;
  m.trigger_min = 4.5;
  m.as_of = "2024-06-03";
  m.origins = {"2024-03-04", "2024-02-26", "2024-02-19"};
  m.rows = 12345;
  m.positives = 678;
  m.metrics = {{"auc", 0.8125}, {"brier", 1.0 / 9}, {"log_loss", kPayloadNaN}};
  m.version = "0.9.0-test";
  m.created_utc = "2024-06-03T12:34:56Z";
  return m;
}

std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }
std::vector<std::uint64_t> bits(const std::vector<double>& v) {
  std::vector<std::uint64_t> out;
  for (double x : v) out.push_back(bits(x));
  return out;
}

void expect_same(const PropensityModel& a, const PropensityModel& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.feature_names, b.feature_names);
  EXPECT_EQ(bits(a.mean), bits(b.mean));
  EXPECT_EQ(bits(a.sd), bits(b.sd));
  EXPECT_EQ(bits(a.coefficients), bits(b.coefficients));
  EXPECT_EQ(bits(a.platt_a), bits(b.platt_a));
  EXPECT_EQ(bits(a.platt_b), bits(b.platt_b));
  EXPECT_EQ(a.campaign, b.campaign);
  EXPECT_EQ(a.campaign_toml, b.campaign_toml);
  EXPECT_EQ(a.codes, b.codes);
  EXPECT_EQ(a.providers, b.providers);
  EXPECT_EQ(a.horizon, b.horizon);
  EXPECT_EQ(bits(a.alpha), bits(b.alpha));
  EXPECT_EQ(bits(a.margin), bits(b.margin));
  EXPECT_EQ(bits(a.min_increase), bits(b.min_increase));
  EXPECT_EQ(bits(a.trigger_min), bits(b.trigger_min));
  EXPECT_EQ(a.as_of, b.as_of);
  EXPECT_EQ(a.origins, b.origins);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.positives, b.positives);
  ASSERT_EQ(a.metrics.size(), b.metrics.size());
  for (std::size_t i = 0; i < a.metrics.size(); ++i) {
    EXPECT_EQ(a.metrics[i].first, b.metrics[i].first);
    EXPECT_EQ(bits(a.metrics[i].second), bits(b.metrics[i].second)) << a.metrics[i].first;
  }
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.created_utc, b.created_utc);
}

// read_model's InputError message, or "read" when it accepts the file.
std::string read_error(const std::string& path) {
  try {
    read_model(path);
    return "read";
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), kExitBadInput);
    return e.what();
  }
}

// write_model's refusal as "invalid_argument: <message>" or "runtime_error: <message>", or
// "written".
std::string write_error(const std::string& path, const PropensityModel& m) {
  try {
    write_model(path, m);
    return "written";
  } catch (const std::invalid_argument& e) {
    return std::string("invalid_argument: ") + e.what();
  } catch (const std::runtime_error& e) {
    return std::string("runtime_error: ") + e.what();
  }
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---- crafting files: the layout written by hand ----

// Opens `path` for writing, lets `edit` change it, closes it.
void edit_file(const std::string& path, const std::function<void(h5::File&)>& edit) {
  h5::File f = h5::File::open(path, nullptr, /*writable=*/true);
  edit(f);
  f.close();
}

void drop_attr(h5::File& f, const std::string& name) {
  if (f.has_attr("/", name)) {
    ASSERT_GE(H5Adelete(f.id(), name.c_str()), 0) << name;
  }
}
template <class T>
void replace_attr(h5::File& f, const std::string& name, const T& value) {
  drop_attr(f, name);
  f.set_attr("/", name, value);
}

void replace_strings(h5::File& f, const std::string& name, const std::vector<std::string>& rows) {
  if (f.exists(name)) f.remove_link(name);
  std::size_t width = 1;
  for (const std::string& s : rows) width = std::max(width, s.size());
  std::vector<char> packed(rows.size() * width, '\0');
  for (std::size_t i = 0; i < rows.size(); ++i) std::memcpy(packed.data() + i * width, rows[i].data(), rows[i].size());
  f.write_strings(name, width, rows.size(), 0, rows.size(), packed.data());
}

template <class T>
void replace_column(h5::File& f, const std::string& name, const std::vector<T>& values) {
  if (f.exists(name)) f.remove_link(name);
  f.write_column(name, std::span<const T>(values));
}

// Writes the attribute or dataset `field` of the file from `m`, as the layout says it is stored.
void store_field(h5::File& f, const std::string& field, const PropensityModel& m) {
  using S = std::string PropensityModel::*;
  using D = double PropensityModel::*;
  const std::vector<std::pair<std::string, S>> texts = {
      {"kind", &PropensityModel::kind},   {"campaign", &PropensityModel::campaign},
      {"campaign_toml", &PropensityModel::campaign_toml}, {"codes", &PropensityModel::codes},
      {"as_of", &PropensityModel::as_of}, {"version", &PropensityModel::version},
      {"created_utc", &PropensityModel::created_utc}};
  const std::vector<std::pair<std::string, D>> numbers = {
      {"alpha", &PropensityModel::alpha},     {"margin", &PropensityModel::margin},
      {"min_increase", &PropensityModel::min_increase}, {"trigger_min", &PropensityModel::trigger_min},
      {"platt_a", &PropensityModel::platt_a}, {"platt_b", &PropensityModel::platt_b}};
  for (const auto& [name, member] : texts)
    if (field == name) return replace_attr(f, name, m.*member);
  for (const auto& [name, member] : numbers)
    if (field == name) return replace_attr(f, name, m.*member);
  if (field == "providers") return replace_attr(f, field, static_cast<std::int64_t>(m.providers));
  if (field == "horizon") return replace_attr(f, field, m.horizon);
  if (field == "rows") return replace_attr(f, field, static_cast<std::int64_t>(m.rows));
  if (field == "positives") return replace_attr(f, field, static_cast<std::int64_t>(m.positives));
  if (field == "/features/name") return replace_strings(f, field, m.feature_names);
  if (field == "/features/mean") return replace_column(f, field, m.mean);
  if (field == "/features/sd") return replace_column(f, field, m.sd);
  if (field == "/coefficients") return replace_column(f, field, m.coefficients);
  if (field == "/origins") return replace_strings(f, field, m.origins);
  std::vector<std::string> names;
  std::vector<double> values;
  for (const auto& [name, value] : m.metrics) {
    names.push_back(name);
    values.push_back(value);
  }
  if (field == "/metrics/name") return replace_strings(f, field, names);
  if (field == "/metrics/value") return replace_column(f, field, values);
  FAIL() << "no such field in the layout: " << field;
}

// A raw HDF5 object made the way another writer might: an attribute of `n` int64 values, a 2-D
// dataset, variable-length strings. h5::File does not make these; the C API does.
void array_attr(h5::File& f, const std::string& name, hsize_t n) {
  drop_attr(f, name);
  std::vector<std::int64_t> values(n, 1);
  h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  h5::Handle a(H5Acreate2(f.id(), name.c_str(), H5T_NATIVE_INT64, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  ASSERT_TRUE(a);
  ASSERT_GE(H5Awrite(a.id(), H5T_NATIVE_INT64, values.data()), 0);
}

void uint64_attr(h5::File& f, const std::string& name, std::uint64_t value) {
  drop_attr(f, name);
  h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  h5::Handle a(H5Acreate2(f.id(), name.c_str(), H5T_NATIVE_UINT64, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  ASSERT_TRUE(a);
  ASSERT_GE(H5Awrite(a.id(), H5T_NATIVE_UINT64, &value), 0);
}

// A variable-length UTF-8 string attribute, as h5py writes a Python str.
void vlen_attr(h5::File& f, const std::string& name, const std::string& value) {
  drop_attr(f, name);
  h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  h5::Handle a(H5Acreate2(f.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  ASSERT_TRUE(a);
  const char* s = value.c_str();
  ASSERT_GE(H5Awrite(a.id(), type.id(), &s), 0);
}

void vlen_strings(h5::File& f, const std::string& name, const std::vector<std::string>& rows) {
  if (f.exists(name)) f.remove_link(name);
  h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), H5T_VARIABLE);
  hsize_t n = rows.size();
  h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  h5::Handle d(H5Dcreate2(f.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               H5Dclose);
  ASSERT_TRUE(d);
  std::vector<const char*> ptrs;
  for (const std::string& s : rows) ptrs.push_back(s.c_str());
  ASSERT_GE(H5Dwrite(d.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), 0);
}

void matrix_dataset(h5::File& f, const std::string& name) {
  if (f.exists(name)) f.remove_link(name);
  const hsize_t dims[2] = {2, 2};
  const double values[4] = {1, 2, 3, 4};
  h5::Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
  h5::Handle d(
      H5Dcreate2(f.id(), name.c_str(), H5T_NATIVE_DOUBLE, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  ASSERT_TRUE(d);
  ASSERT_GE(H5Dwrite(d.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
}

// A fresh folder per test, removed at the end.
class ModelFile : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("signalrank_model_" + std::to_string(::getpid()) + "_" + std::string(info->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }
  // The names in the folder, hidden temporary files included.
  std::vector<std::string> listing() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  // A good model file at `name`, then `edit` applied to it; returns its path.
  std::string crafted(const std::string& name, const std::function<void(h5::File&)>& edit) const {
    const std::string path = at(name);
    fs::remove(path);
    write_model(path, good_model());
    edit_file(path, edit);
    return path;
  }

  fs::path dir_;
};

// ---- round trips ----

TEST_F(ModelFile, RoundTripKeepsEveryBit) {
  const PropensityModel m = good_model();
  write_model(at("model.h5"), m);
  EXPECT_EQ(listing(), std::vector<std::string>{"model.h5"});  // no temporary file beside it
  const PropensityModel back = read_model(at("model.h5"));
  expect_same(back, m);
  EXPECT_TRUE(std::isnan(back.metrics[2].second));
  EXPECT_EQ(bits(back.metrics[2].second), 0x7FF8000000000123u);
}

TEST_F(ModelFile, RoundTripWithoutMetricsAndWithOneFeature) {
  PropensityModel m = good_model();
  m.metrics.clear();
  m.feature_names = {"x"};
  m.mean = {0};
  m.sd = {1};
  m.coefficients = {2, -1};
  m.positives = 0;
  write_model(at("model.h5"), m);
  expect_same(read_model(at("model.h5")), m);
}

TEST_F(ModelFile, WritesTheLayoutOfTheHeader) {
  write_model(at("model.h5"), good_model());
  const h5::File f = h5::File::open(at("model.h5"), nullptr);
  EXPECT_EQ(f.attr_string("/", "format"), "signalrank-model 1");
  EXPECT_EQ(f.attr_string("/", "kind"), "logistic");
  EXPECT_EQ(f.attr_int("/", "providers"), 2862);
  EXPECT_EQ(f.attr_double("/", "platt_a"), 0.9375);
  EXPECT_EQ(f.column_size("/features/name"), 3u);
  EXPECT_EQ(f.column_size("/coefficients"), 4u);
  EXPECT_EQ(f.read_column<double>("/metrics/value")[1], 1.0 / 9);
  std::size_t width = 0;
  const std::vector<char> origins = f.read_strings("/origins", 0, 3, &width);
  EXPECT_EQ(width, 10u);
  EXPECT_EQ(std::string(origins.data(), 10), "2024-03-04");
}

TEST_F(ModelFile, AnAsOfInTheFutureIsAllowed) {
  PropensityModel m = good_model();
  m.as_of = format_week(week_of_monday(*parse_date("2024-06-03")) + 52 * 80);  // 80 years on
  write_model(at("model.h5"), m);
  EXPECT_EQ(read_model(at("model.h5")).as_of, m.as_of);
}

TEST_F(ModelFile, ASecondWriteReplacesTheFirst) {
  write_model(at("model.h5"), good_model());
  PropensityModel m = good_model();
  m.platt_b = 0.5;
  write_model(at("model.h5"), m);
  EXPECT_EQ(read_model(at("model.h5")).platt_b, 0.5);
  EXPECT_EQ(listing(), std::vector<std::string>{"model.h5"});
}

// What a Python writer may do differently and still be read: variable-length string attributes,
// whole numbers stored as integers where the layout says float64.
TEST_F(ModelFile, AcceptsVariableLengthStringsAndIntegerNumbers) {
  const std::string path = crafted("python.h5", [](h5::File& f) {
    vlen_attr(f, "campaign", "tavr");
    vlen_attr(f, "campaign_toml", "name = \"tavr\"\n");
    replace_attr(f, "margin", std::int64_t{0});
  });
  const PropensityModel m = read_model(path);
  EXPECT_EQ(m.campaign, "tavr");
  EXPECT_EQ(m.campaign_toml, "name = \"tavr\"\n");
  EXPECT_EQ(m.margin, 0.0);
}

// ---- the content rules: refused on write (nothing created) and on read (a crafted file) ----

struct ContentCase {
  std::string field;                              // the attribute or dataset at fault
  std::function<void(PropensityModel&)> spoil;
  std::string reason;                             // the message after "field '<field>': "
};

std::vector<ContentCase> content_cases() {
  const std::string a65(65, 'a');
  return {
      {"kind", [](auto& m) { m.kind = "boosted"; },
       "'boosted' is not a model kind this signalrank knows (it knows 'logistic')"},
      {"campaign", [](auto& m) { m.campaign = ""; }, "is empty"},
      {"campaign", [](auto& m) { m.campaign = "tavr 2"; },
       "'tavr 2' holds a character other than letters, digits, '_' and '-' (byte 5)"},
      {"campaign", [](auto& m) { m.campaign = std::string(256, 'c'); },
       "is 256 bytes; a campaign name holds at most 255"},
      {"campaign_toml", [](auto& m) { m.campaign_toml = ""; }, "is empty"},
      {"campaign_toml", [](auto& m) { m.campaign_toml = std::string("name\0x", 6); },
       "'name\\x00x' holds a NUL byte (byte 5)"},
      {"campaign_toml", [](auto& m) { m.campaign_toml = "a\xFF" "b"; }, "'a\\xFFb' is not valid UTF-8 (byte 2)"},
      {"campaign_toml", [](auto& m) { m.campaign_toml = std::string(60 * 1024 + 1, '#'); },
       "is 61441 bytes; a campaign file holds at most 61440"},
      {"codes", [](auto& m) { m.codes = ""; }, "is empty; a campaign matches at least one code"},
      {"codes", [](auto& m) { m.codes = "CPT:33362,CPT:33361"; },
       "'CPT:33361' follows 'CPT:33362'; the codes are sorted (byte order) and distinct"},
      {"codes", [](auto& m) { m.codes = "CPT:33361,CPT:33361"; },
       "'CPT:33361' follows 'CPT:33361'; the codes are sorted (byte order) and distinct"},
      {"codes", [](auto& m) { m.codes = "CPT:1,,CPT:2"; }, "code 1 of 'CPT:1,,CPT:2' is empty"},
      {"as_of", [](auto& m) { m.as_of = "2024-06-04"; }, "'2024-06-04' is not a Monday"},
      {"as_of", [](auto& m) { m.as_of = "June"; }, "'June' is not a date (YYYY-MM-DD)"},
      {"version", [](auto& m) { m.version = ""; }, "is empty"},
      {"version", [](auto& m) { m.version = "1.0\n"; }, "'1.0\\x0A' holds a control character (byte 4)"},
      {"created_utc", [](auto& m) { m.created_utc = "2024-06-03 12:34:56"; },
       "'2024-06-03 12:34:56' is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)"},
      {"created_utc", [](auto& m) { m.created_utc = "2024-06-03T24:00:00Z"; },
       "'2024-06-03T24:00:00Z' is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)"},
      {"providers", [](auto& m) { m.providers = 0; }, "is 0; it must be at least 1"},
      {"horizon", [](auto& m) { m.horizon = 0; }, "is 0; it must be 1..520 weeks"},
      {"horizon", [](auto& m) { m.horizon = 521; }, "is 521; it must be 1..520 weeks"},
      {"rows", [](auto& m) { m.rows = 0; }, "is 0; it must be at least 1"},
      {"positives", [](auto& m) { m.positives = m.rows + 1; }, "is 12346, more than rows (12345)"},
      {"alpha", [](auto& m) { m.alpha = 0; }, "is 0; it must be in (0, 0.5]"},
      {"alpha", [](auto& m) { m.alpha = 0.6; }, "is 0.6; it must be in (0, 0.5]"},
      {"alpha", [](auto& m) { m.alpha = kNaN; }, "is nan; it must be in (0, 0.5]"},
      {"margin", [](auto& m) { m.margin = -1; }, "is -1; it must be finite and >= 0"},
      {"min_increase", [](auto& m) { m.min_increase = kInf; }, "is inf; it must be finite and >= 0"},
      {"trigger_min", [](auto& m) { m.trigger_min = kNaN; }, "is nan; it must be finite and >= 0"},
      {"platt_a", [](auto& m) { m.platt_a = kInf; }, "is inf; it must be finite"},
      {"platt_b", [](auto& m) { m.platt_b = -kNaN; }, "is -nan; it must be finite"},
      {"/features/name",
       [](auto& m) {
         m.feature_names.clear();
         m.mean.clear();
         m.sd.clear();
         m.coefficients = {1};
       },
       "is empty; a model has at least one feature"},
      {"/features/name", [](auto& m) { m.feature_names[1] = ""; }, "row 1 is empty"},
      {"/features/name", [](auto& m) { m.feature_names[1] = "gr\xC3owth"; },
       "row 1: 'gr\\xC3owth' is not valid UTF-8 (byte 3)"},
      {"/features/name", [](auto& m) { m.feature_names[1] = std::string("gro\0wth", 7); },
       "row 1: 'gro\\x00wth' holds a NUL byte (byte 4)"},
      {"/features/name", [a65](auto& m) { m.feature_names[1] = a65; },
       "row 1: '" + a65 + "' is 65 bytes; a name holds at most 64"},
      {"/features/name", [](auto& m) { m.feature_names[1] = "Growth"; },
       "row 1: 'Growth' holds a character other than a-z, 0-9 and '_' (byte 1)"},
      {"/features/name", [](auto& m) { m.feature_names[2] = "log_volume"; },
       "rows 0 and 2 are both 'log_volume'; names are distinct"},
      {"/features/mean", [](auto& m) { m.mean.pop_back(); }, "has 2 values; there are 3 features (/features/name)"},
      {"/features/mean", [](auto& m) { m.mean[1] = kNaN; }, "row 1 is nan; it must be finite"},
      {"/features/sd", [](auto& m) { m.sd.push_back(1); }, "has 4 values; there are 3 features (/features/name)"},
      {"/features/sd", [](auto& m) { m.sd[2] = 0; }, "row 2 is 0; it must be finite and > 0"},
      {"/features/sd", [](auto& m) { m.sd[0] = -1; }, "row 0 is -1; it must be finite and > 0"},
      {"/features/sd", [](auto& m) { m.sd[0] = kInf; }, "row 0 is inf; it must be finite and > 0"},
      {"/coefficients", [](auto& m) { m.coefficients.pop_back(); },
       "has 3 values; it must have 4 (one per feature, then the intercept)"},
      {"/coefficients", [](auto& m) { m.coefficients[3] = -kInf; }, "row 3 is -inf; it must be finite"},
      {"/origins", [](auto& m) { m.origins.resize(1); }, "has 1 origin; a model is trained on at least 2"},
      {"/origins", [](auto& m) { m.origins[1] = "2024-02-27"; }, "row 1: '2024-02-27' is not a Monday"},
      {"/origins", [](auto& m) { m.origins[2] = "2024-2-19"; }, "row 2: '2024-2-19' is not a date (YYYY-MM-DD)"},
      {"/origins", [](auto& m) { m.origins = {"2024-02-19", "2024-02-26"}; },
       "row 1: '2024-02-26' is not before row 0 '2024-02-19'; origins are newest first, strictly descending"},
      {"/origins", [](auto& m) { m.origins[2] = m.origins[1]; },
       "row 2: '2024-02-26' is not before row 1 '2024-02-26'; origins are newest first, strictly descending"},
      {"/origins", [](auto& m) { m.origins[0] = "2024-06-10"; }, "row 0: '2024-06-10' is after as_of '2024-06-03'"},
      {"/metrics/name", [](auto& m) { m.metrics[0].first = "AUC"; },
       "row 0: 'AUC' holds a character other than a-z, 0-9 and '_' (byte 1)"},
      {"/metrics/name", [](auto& m) { m.metrics[2].first = "auc"; }, "rows 0 and 2 are both 'auc'; names are distinct"},
      {"/metrics/value", [](auto& m) { m.metrics[1].second = kInf; }, "row 1 is inf; it must be finite or NaN"},
  };
}

TEST_F(ModelFile, WriteRefusesEachInvalidFieldAndCreatesNothing) {
  for (const ContentCase& c : content_cases()) {
    SCOPED_TRACE(c.field + ": " + c.reason);
    PropensityModel m = good_model();
    c.spoil(m);
    EXPECT_EQ(model_problem(m), std::make_pair(c.field, c.reason));
    const std::string path = at("refused.h5");
    EXPECT_EQ(write_error(path, m),
              "invalid_argument: " + path + ": cannot write the model: field '" + c.field + "': " + c.reason);
    EXPECT_EQ(listing(), std::vector<std::string>{});
  }
  EXPECT_EQ(model_problem(good_model()), std::make_pair(std::string(), std::string()));
}

TEST_F(ModelFile, WriteRefusesCountsAnInt64CannotHold) {
  PropensityModel m = good_model();
  m.providers = std::uint64_t{1} << 63;
  EXPECT_EQ(write_error(at("m.h5"), m), "invalid_argument: " + at("m.h5") +
                                            ": cannot write the model: field 'providers': is 9223372036854775808; at "
                                            "most 9223372036854775807 fits an int64");
  m = good_model();
  m.rows = m.positives = ~std::uint64_t{0};
  EXPECT_EQ(write_error(at("m.h5"), m), "invalid_argument: " + at("m.h5") +
                                            ": cannot write the model: field 'rows': is 18446744073709551615; at "
                                            "most 9223372036854775807 fits an int64");
  EXPECT_EQ(listing(), std::vector<std::string>{});
}

TEST_F(ModelFile, ReadRefusesEachInvalidFieldOfACraftedFile) {
  for (const ContentCase& c : content_cases()) {
    SCOPED_TRACE(c.field + ": " + c.reason);
    PropensityModel m = good_model();
    c.spoil(m);
    const std::string path = crafted("crafted.h5", [&](h5::File& f) {
      store_field(f, c.field, m);
      // The feature count itself changed: the columns sized by it follow, as a writer would.
      if (c.field == "/features/name" && m.feature_names.empty())
        for (const char* column : {"/features/mean", "/features/sd", "/coefficients"}) store_field(f, column, m);
    });
    EXPECT_EQ(read_error(path), path + ": field '" + c.field + "': " + c.reason);
  }
}

// ---- the structure of the file: refused on read ----

TEST_F(ModelFile, ReadRefusesAFileThatIsNotHDF5) {
  std::ofstream(at("model.h5")) << "format = \"signalrank-model 1\"\n";
  EXPECT_EQ(read_error(at("model.h5")), at("model.h5") + ": not an HDF5 file, or it cannot be opened");
  std::ofstream(at("empty.h5")).flush();
  EXPECT_EQ(read_error(at("empty.h5")), at("empty.h5") + ": not an HDF5 file, or it cannot be opened");
}

TEST_F(ModelFile, ReadRefusesATruncatedFile) {
  write_model(at("model.h5"), good_model());
  const std::string good = file_bytes(at("model.h5"));
  for (const std::size_t size : {good.size() / 2, good.size() - 1}) {
    SCOPED_TRACE(size);
    std::ofstream(at("model.h5"), std::ios::binary | std::ios::trunc) << good.substr(0, size);
    EXPECT_EQ(read_error(at("model.h5")), at("model.h5") + ": a damaged or truncated HDF5 file (HDF5 cannot open it)");
  }
}

TEST_F(ModelFile, ReadRefusesAMissingFileOrFolder) {
  EXPECT_EQ(read_error(at("none.h5")), at("none.h5") + ": no such file");
  EXPECT_EQ(read_error(at("none/model.h5")), at("none/model.h5") + ": no such file");
}

TEST_F(ModelFile, ReadRefusesAnotherFormat) {
  // An HDF5 file of another kind (a snapshot, a universe): no format attribute.
  {
    h5::File f = h5::File::create(at("other.h5"), nullptr);
    f.write_column("/npi", std::span<const std::uint64_t>(std::vector<std::uint64_t>{1234567893}));
    f.set_attr("/", "campaign", std::string("tavr"));
    f.close();
  }
  EXPECT_EQ(read_error(at("other.h5")),
            at("other.h5") + ": field 'format': is missing: this is not a signalrank model file");
  std::string path =
      crafted("m.h5", [](h5::File& f) { replace_attr(f, "format", std::string("signalrank-snapshot 1")); });
  EXPECT_EQ(read_error(path), path + ": field 'format': 'signalrank-snapshot 1': this is not a signalrank model file "
                                     "(its format is 'signalrank-model 1')");
  path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "format", std::string("signalrank-model 2")); });
  EXPECT_EQ(read_error(path), path + ": field 'format': 'signalrank-model 2': written by a newer signalrank (this one "
                                     "reads 'signalrank-model 1')");
  path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "format", std::int64_t{1}); });
  EXPECT_EQ(read_error(path), path + ": field 'format': is not a string (it is an integer)");
}

TEST_F(ModelFile, ReadNamesAMissingAttributeOrDataset) {
  for (const std::string name : {"kind", "campaign", "campaign_toml", "codes", "as_of", "version", "created_utc",
                                 "providers", "horizon", "rows", "positives", "alpha", "margin", "min_increase",
                                 "trigger_min", "platt_a", "platt_b"}) {
    const std::string path = crafted("m.h5", [&](h5::File& f) { drop_attr(f, name); });
    EXPECT_EQ(read_error(path), path + ": field '" + name + "': is missing");
  }
  for (const std::string name : {"/features/name", "/features/mean", "/features/sd", "/coefficients", "/origins",
                                 "/metrics/name", "/metrics/value"}) {
    const std::string path = crafted("m.h5", [&](h5::File& f) { f.remove_link(name); });
    EXPECT_EQ(read_error(path), path + ": field '" + name + "': is missing");
  }
  const std::string path = crafted("m.h5", [](h5::File& f) { f.remove_link("/features"); });
  EXPECT_EQ(read_error(path), path + ": field '/features/name': is missing");
}

TEST_F(ModelFile, ReadRefusesAttributesOfAnotherType) {
  std::string path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "horizon", 13.0); });
  EXPECT_EQ(read_error(path), path + ": field 'horizon': is not an integer (it is a floating-point number)");
  path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "alpha", std::string("0.01")); });
  EXPECT_EQ(read_error(path), path + ": field 'alpha': is not a number (it is a string)");
  path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "campaign", 1.5); });
  EXPECT_EQ(read_error(path), path + ": field 'campaign': is not a string (it is a floating-point number)");
  path = crafted("m.h5", [](h5::File& f) { array_attr(f, "alpha", 2); });
  EXPECT_EQ(read_error(path), path + ": field 'alpha': is not one value (it holds 2)");
}

TEST_F(ModelFile, ReadRefusesCountsOutOfRange) {
  std::string path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "providers", std::int64_t{-5}); });
  EXPECT_EQ(read_error(path), path + ": field 'providers': is -5; it must be at least 1");
  path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "positives", std::int64_t{-1}); });
  EXPECT_EQ(read_error(path), path + ": field 'positives': is -1; it must be at least 0");
  path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "rows", std::int64_t{-1}); });
  EXPECT_EQ(read_error(path), path + ": field 'rows': is -1; it must be at least 1");
  path = crafted("m.h5", [](h5::File& f) { uint64_attr(f, "rows", std::uint64_t{1} << 63); });
  EXPECT_EQ(read_error(path),
            path + ": field 'rows': is 9223372036854775808; at most 9223372036854775807 fits an int64");
  path = crafted("m.h5", [](h5::File& f) { replace_attr(f, "horizon", std::int64_t{-13}); });
  EXPECT_EQ(read_error(path), path + ": field 'horizon': is -13; it must be 1..520 weeks");
}

TEST_F(ModelFile, ReadRefusesDatasetsOfAnotherTypeOrShape) {
  std::string path = crafted("m.h5", [](h5::File& f) { replace_strings(f, "/features/mean", {"1", "2", "3"}); });
  EXPECT_EQ(read_error(path), path + ": field '/features/mean': is not a column of numbers (it holds strings)");
  path = crafted("m.h5", [](h5::File& f) { replace_column<std::int64_t>(f, "/origins", {20240304, 20240226}); });
  EXPECT_EQ(read_error(path), path + ": field '/origins': is not a column of fixed-width strings (it holds integers)");
  path = crafted("m.h5", [](h5::File& f) { vlen_strings(f, "/origins", {"2024-03-04", "2024-02-26"}); });
  EXPECT_EQ(read_error(path),
            path + ": field '/origins': is not a column of fixed-width strings (it holds variable-length strings)");
  path = crafted("m.h5", [](h5::File& f) { matrix_dataset(f, "/coefficients"); });
  EXPECT_EQ(read_error(path), path + ": field '/coefficients': is not one-dimensional (it has 2 dimensions)");
  path = crafted("m.h5", [](h5::File& f) {
    f.remove_link("/coefficients");
    f.create_group("/coefficients");
  });
  EXPECT_EQ(read_error(path), path + ": field '/coefficients': is not a dataset");
  path = crafted("m.h5", [](h5::File& f) { replace_column<double>(f, "/metrics/value", {0.5, 0.25}); });
  EXPECT_EQ(read_error(path), path + ": field '/metrics/value': has 2 values; /metrics/name has 3");
}

// A fixed-width string padded with NULs reads without them; a NUL before the last byte is kept and
// refused. The name's own characters are what the rules check, not the dataset's width.
TEST_F(ModelFile, ReadStripsOnlyTrailingPadding) {
  std::string path = crafted("m.h5", [](h5::File& f) {
    const std::string padded = std::string("log_volume") + std::string(54, '\0') + "growth" + std::string(58, '\0') +
                               "trigger" + std::string(57, '\0');
    f.remove_link("/features/name");
    f.write_strings("/features/name", 64, 3, 0, 3, padded.data());
  });
  EXPECT_EQ(read_model(path).feature_names, good_model().feature_names);
  path = crafted("m.h5", [](h5::File& f) {
    const std::string rows = std::string("log_volume\0\0", 12) + std::string("growth\0\0x\0\0", 12) +
                             std::string("trigger\0\0\0\0\0", 12);
    f.remove_link("/features/name");
    f.write_strings("/features/name", 12, 3, 0, 3, rows.data());
  });
  EXPECT_EQ(read_error(path), path + ": field '/features/name': row 1: 'growth\\x00\\x00x' holds a NUL byte (byte 7)");
}

// ---- where the file goes ----

TEST_F(ModelFile, WriteRefusesAMissingFolderOrAFileForAFolder) {
  const std::string missing = at("none/model.h5");
  EXPECT_EQ(write_error(missing, good_model()),
            "runtime_error: " + missing + ": cannot write the model: the folder '" + at("none") + "' does not exist");
  std::ofstream(at("plain")) << "x";
  EXPECT_EQ(write_error(at("plain/model.h5"), good_model()),
            "runtime_error: " + at("plain/model.h5") + ": cannot write the model: '" + at("plain") +
                "' is not a folder");
  EXPECT_EQ(listing(), std::vector<std::string>{"plain"});
}

TEST_F(ModelFile, WriteToAReadOnlyFolderFailsAndLeavesNothing) {
  fs::create_directories(dir_ / "ro");
  fs::permissions(dir_ / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  // root writes into a folder whatever its mode: use one of the kernel's instead, where nobody can
  // create a file.
  const bool can_write = ::access((dir_ / "ro").c_str(), W_OK) == 0;
  const std::string path = can_write ? "/sys/signalrank-model.h5" : at("ro/model.h5");
  EXPECT_EQ(write_error(path, good_model()),
            "runtime_error: " + path +
                ": cannot write the model: cannot create file (Permission denied) (its temporary file was removed)");
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(dir_ / "ro"));
  fs::permissions(dir_ / "ro", fs::perms::owner_all);
}

TEST_F(ModelFile, APathOf250Characters) {
  // 250 characters in all, the file's own name short enough for its temporary name: written.
  const std::string name = std::string(120, 'm') + ".h5";
  const std::size_t sub = 250 - dir_.string().size() - 2 - name.size();
  ASSERT_GT(sub, 0u);
  fs::create_directories(dir_ / std::string(sub, 's'));
  const std::string path = (dir_ / std::string(sub, 's') / name).string();
  ASSERT_EQ(path.size(), 250u);
  write_model(path, good_model());
  expect_same(read_model(path), good_model());
  // A file name of 250 characters: the file system could hold it, not its temporary name.
  const std::string long_name = std::string(247, 'm') + ".h5";
  EXPECT_EQ(write_error(at(long_name), good_model()),
            "runtime_error: " + at(long_name) + ": cannot write the model: the name '" + std::string(60, 'm') +
                "...' is 250 bytes long; the file system holds names of at most 255 bytes (with room for the hidden "
                "temporary name it is first written as)");
  EXPECT_EQ(listing(), std::vector<std::string>{std::string(sub, 's')});
}

// A write that fails half-way (the disk full; here the process's file-size limit, which fails
// writes the same way) leaves no file and no temporary file, and an earlier model as it was.
TEST_F(ModelFile, AFailedWriteLeavesNothingAndKeepsTheEarlierFile) {
  PropensityModel big = good_model();
  big.campaign_toml = std::string(40000, '#');  // far past the limit below
  auto write_limited = [&](const std::string& path) {
    struct rlimit old {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit limited = old;
    limited.rlim_cur = 4096;
    const auto previous = ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails (EFBIG) instead
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    const std::string error = write_error(path, big);
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::signal(SIGXFSZ, previous);
    EXPECT_EQ(error.rfind("runtime_error: " + path + ": cannot write the model: ", 0), 0u) << error;
    EXPECT_NE(error.find("File too large"), std::string::npos) << error;
    EXPECT_TRUE(error.ends_with(" (its temporary file was removed)")) << error;
  };
  write_limited(at("new.h5"));
  EXPECT_EQ(listing(), std::vector<std::string>{});

  write_model(at("model.h5"), good_model());
  const std::string before = file_bytes(at("model.h5"));
  write_limited(at("model.h5"));
  EXPECT_EQ(listing(), std::vector<std::string>{"model.h5"});
  EXPECT_EQ(file_bytes(at("model.h5")), before);
  expect_same(read_model(at("model.h5")), good_model());
}

}  // namespace
