// The campaign file: code specs, defaults, and one exact error per kind of bad file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "io/campaign.hpp"
#include "io/error.hpp"

using namespace signalrank;

namespace {
std::string write_campaign(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / "signalrank_campaign_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::string& text) {
  std::string path = write_campaign("bad.toml", text);
  try {
    load_campaign(path);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.exit_code(), kExitBadConfig);
    std::string msg = e.what();
    return msg.substr(msg.find("bad.toml"));
  }
  return "no error";
}
}  // namespace

TEST(CodeSpec, ExactPrefixRangeAndNormalisation) {
  CodeSpec s;
  std::string why;
  ASSERT_TRUE(parse_code_spec("CPT:33361-33369", &s, &why));
  EXPECT_TRUE(s.matches({CodeSystem::CPT, "33361"}));
  EXPECT_TRUE(s.matches({CodeSystem::CPT, "33369"}));
  EXPECT_FALSE(s.matches({CodeSystem::CPT, "33370"}));
  EXPECT_FALSE(s.matches({CodeSystem::CPT, "333610"}));  // other length
  EXPECT_FALSE(s.matches({CodeSystem::HCPCS, "33362"}));
  ASSERT_TRUE(parse_code_spec("ICD10:I35*", &s, &why));
  EXPECT_TRUE(s.matches({CodeSystem::ICD10, "I350"}));
  EXPECT_TRUE(s.matches({CodeSystem::ICD10, "I35"}));
  EXPECT_FALSE(s.matches({CodeSystem::ICD10, "I360"}));
  ASSERT_TRUE(parse_code_spec("icd10:i35.0", &s, &why));
  EXPECT_TRUE(s.matches({CodeSystem::ICD10, "I350"}));
  EXPECT_FALSE(s.matches({CodeSystem::ICD10, "I3501"}));
  ASSERT_TRUE(parse_code_spec("NDC:0002-1433-80", &s, &why));  // dashes belong to NDC codes
  EXPECT_EQ(s.kind, CodeSpec::Kind::Exact);
  EXPECT_FALSE(parse_code_spec("XYZ:123", &s, &why));
  EXPECT_EQ(why, "unknown code system 'XYZ' (CPT, HCPCS, ICD10 or NDC)");
  EXPECT_FALSE(parse_code_spec("33361", &s, &why));
  EXPECT_FALSE(parse_code_spec("CPT:33369-33361", &s, &why));
  EXPECT_EQ(why, "code range 'CPT:33369-33361' needs LO <= HI of the same length");
}

TEST(Campaign, ParsesEveryKeyAndResolvesSuppression) {
  std::string path = write_campaign("good.toml", R"(name = "tavr"
codes = ["CPT:33361-33369", "ICD10:I35*", "HCPCS:C1889"]
window_weeks = 12
slope_weeks = 20
trigger_weeks = 3
baseline_weeks = 20
trigger_z = 2.5
trigger_min = 4
damping = 0.9
tolerance = 1e-9
max_iterations = 50
personalize = "uniform"
entity_types = [1]
specialties = ["Cardiovascular Disease"]
states = ["oh", "PA"]
suppression = "supp.csv"
[weights]
volume = 1
growth = 0.5
)");
  Campaign c = load_campaign(path);
  EXPECT_EQ(c.name, "tavr");
  EXPECT_EQ(c.codes.size(), 3u);
  EXPECT_EQ(c.window_weeks, 12);
  EXPECT_EQ(c.trigger_weeks, 3);
  EXPECT_DOUBLE_EQ(c.trigger_z, 2.5);
  EXPECT_DOUBLE_EQ(c.damping, 0.9);
  EXPECT_EQ(c.max_iterations, 50);
  EXPECT_FALSE(c.personalize_volume);
  EXPECT_EQ(c.states, (std::vector<std::string>{"OH", "PA"}));
  EXPECT_EQ(c.suppression, (std::filesystem::path(path).parent_path() / "supp.csv").string());
  EXPECT_DOUBLE_EQ(c.weights.volume, 1.0);  // integers are numbers too
  EXPECT_DOUBLE_EQ(c.weights.growth, 0.5);
  EXPECT_DOUBLE_EQ(c.weights.pagerank, 0.3);  // default
  std::vector<Code> dict = {{CodeSystem::CPT, "33361"}, {CodeSystem::CPT, "99213"}, {CodeSystem::HCPCS, "C1889"}};
  EXPECT_EQ(c.match(dict), (std::vector<std::uint8_t>{1, 0, 1}));
}

TEST(Campaign, UnknownKey) {
  EXPECT_EQ(error_of("name = \"x\"\ncodes = [\"CPT:1\"]\nwindow_week = 3\n"), "bad.toml:3: field 'window_week': unknown key");
}

TEST(Campaign, BadCodeSpec) {
  EXPECT_EQ(error_of("name = \"x\"\ncodes = [\"CPT:1\",\n  \"FOO:2\"]\n"),
            "bad.toml:3: field 'codes': unknown code system 'FOO' (CPT, HCPCS, ICD10 or NDC)");
}

TEST(Campaign, WeightNotANumber) {
  EXPECT_EQ(error_of("name = \"x\"\ncodes = [\"CPT:1\"]\n[weights]\nvolume = \"high\"\n"),
            "bad.toml:4: field 'weights.volume': must be a number");
}

TEST(Campaign, UnknownWeight) {
  EXPECT_EQ(error_of("name = \"x\"\ncodes = [\"CPT:1\"]\n[weights]\nloyalty = 1\n"),
            "bad.toml:4: field 'weights.loyalty': unknown key");
}

TEST(Campaign, DampingOutOfRange) {
  EXPECT_EQ(error_of("name = \"x\"\ncodes = [\"CPT:1\"]\ndamping = 1.5\n"),
            "bad.toml:3: field 'damping': must be between 0 and 1 (exclusive)");
}

TEST(Campaign, MissingCodes) {
  EXPECT_EQ(error_of("name = \"x\"\n"), "bad.toml: field 'codes': is required (a non-empty array of code specs)");
}

TEST(Campaign, TomlSyntaxError) {
  std::string e = error_of("name = \"x\nfoo\n");
  EXPECT_EQ(e.rfind("bad.toml:1: ", 0), 0u) << e;
}
