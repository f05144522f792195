// The campaign file: code specs, defaults, and one exact error per kind of bad file; a bad file
// stops `signalrank score` under mpirun with one error line and no snapshot.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "io/campaign.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/npi.hpp"
#include "io/universe.hpp"
#include "support/subprocess.hpp"

using namespace signalrank;

namespace {
std::string write_campaign(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / "signalrank_campaign_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// name and codes, then `rest`.
std::string valid_head(const std::string& rest) { return "name = \"x\"\ncodes = [\"CPT:1\"]\n" + rest; }

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

// ---- values a careless or hostile campaign file holds --------------------------------------------

TEST(Campaign, WeightsMustBeFiniteNonNegativeAndBounded) {
  EXPECT_EQ(error_of(valid_head("[weights]\nvolume = 1e308\n")),
            "bad.toml:4: field 'weights.volume': must be finite, >= 0 and <= 1000000 (got 1e+308)");
  EXPECT_EQ(error_of(valid_head("[weights]\nvolume = 0.2\ngrowth = -0.5\n")),
            "bad.toml:5: field 'weights.growth': must be finite, >= 0 and <= 1000000 (got -0.5)");
  EXPECT_EQ(error_of(valid_head("[weights]\npagerank = nan\n")),
            "bad.toml:4: field 'weights.pagerank': must be finite, >= 0 and <= 1000000 (got nan)");
  EXPECT_EQ(error_of(valid_head("[weights]\ntrigger = inf\n")),
            "bad.toml:4: field 'weights.trigger': must be finite, >= 0 and <= 1000000 (got inf)");
  EXPECT_EQ(error_of(valid_head("weights = { peer_exposure = -1 }\n")),
            "bad.toml:3: field 'weights.peer_exposure': must be finite, >= 0 and <= 1000000 (got -1)");
  EXPECT_EQ(error_of(valid_head("[weights]\nvolume = 1000001\n")),
            "bad.toml:4: field 'weights.volume': must be finite, >= 0 and <= 1000000 (got 1000001)");
  // toml++ refuses a float it cannot hold, with its line.
  EXPECT_EQ(error_of(valid_head("[weights]\nvolume = 1e309\n")),
            "bad.toml:4: Error while parsing floating-point: '1e309' could not be interpreted as a value");
}

TEST(Campaign, WeightsMustNotAllBeZero) {
  EXPECT_EQ(error_of(valid_head("\n[weights]\nvolume = 0\ngrowth = 0\npagerank = 0.0\npeer_exposure = -0.0\ntrigger = 0\n")),
            "bad.toml:4: field 'weights': are all 0; at least one must be > 0 (the score is their weighted sum)");
}

TEST(Campaign, BoundaryWeightsAreAccepted) {
  const Campaign c = load_campaign(write_campaign(
      "edge.toml", valid_head("[weights]\nvolume = 1000000\ngrowth = -0.0\npagerank = 0\npeer_exposure = 3\ntrigger = 0\n")));
  EXPECT_EQ(c.weights.volume, 1e6);
  EXPECT_EQ(c.weights.growth, 0.0);
  EXPECT_FALSE(std::signbit(c.weights.growth));  // -0.0 is stored as 0
  EXPECT_EQ(c.weights.peer_exposure, 3.0);        // an integer is a number
}

TEST(Campaign, CountsAndThresholdsAreBounded) {
  EXPECT_EQ(error_of(valid_head("trigger_min = -5\n")), "bad.toml:3: field 'trigger_min': must be finite and >= 0 (got -5)");
  EXPECT_EQ(error_of(valid_head("trigger_min = nan\n")), "bad.toml:3: field 'trigger_min': must be finite and >= 0 (got nan)");
  EXPECT_EQ(error_of(valid_head("trigger_z = -inf\n")), "bad.toml:3: field 'trigger_z': must be a finite number (got -inf)");
  EXPECT_EQ(error_of(valid_head("window_weeks = 0\n")), "bad.toml:3: field 'window_weeks': must be between 1 and 5200 (got 0)");
  EXPECT_EQ(error_of(valid_head("baseline_weeks = 2147483647\n")),
            "bad.toml:3: field 'baseline_weeks': must be between 1 and 5200 (got 2147483647)");
  EXPECT_EQ(error_of(valid_head("trigger_weeks = 5201\n")),
            "bad.toml:3: field 'trigger_weeks': must be between 1 and 5200 (got 5201)");
  EXPECT_EQ(error_of(valid_head("slope_weeks = 1\n")), "bad.toml:3: field 'slope_weeks': must be between 2 and 5200 (got 1)");
  EXPECT_EQ(error_of(valid_head("trigger_weeks = 4.0\n")), "bad.toml:3: field 'trigger_weeks': must be a whole number");
  EXPECT_EQ(error_of(valid_head("max_iterations = 0\n")),
            "bad.toml:3: field 'max_iterations': must be between 1 and 1000000 (got 0)");
  EXPECT_EQ(error_of(valid_head("max_iterations = 1000001\n")),
            "bad.toml:3: field 'max_iterations': must be between 1 and 1000000 (got 1000001)");
  EXPECT_EQ(error_of(valid_head("tolerance = nan\n")), "bad.toml:3: field 'tolerance': must be a finite number (got nan)");
  EXPECT_EQ(error_of(valid_head("entity_types = [1,\n  3]\n")), "bad.toml:4: field 'entity_types': must be an array of 1 and/or 2");
  const Campaign c = load_campaign(write_campaign(
      "edges.toml", valid_head("window_weeks = 5200\nslope_weeks = 2\ntrigger_weeks = 1\nbaseline_weeks = 5200\n"
                               "trigger_min = 0\nmax_iterations = 1000000\n")));
  EXPECT_EQ(c.window_weeks, 5200);
  EXPECT_EQ(c.baseline_weeks, 5200);
  EXPECT_EQ(c.trigger_min, 0.0);
  EXPECT_EQ(c.max_iterations, 1000000);
}

TEST(Campaign, StatesMustBeUspsCodes) {
  EXPECT_EQ(error_of(valid_head("states = [\"OH\",\n  \"ZZ\"]\n")), "bad.toml:4: field 'states': 'ZZ' is not a USPS state code");
  EXPECT_EQ(error_of(valid_head("states = [\"O\"]\n")), "bad.toml:3: field 'states': 'O' is not a USPS state code");
  EXPECT_EQ(error_of(valid_head("states = [\"OHIO\"]\n")), "bad.toml:3: field 'states': 'OHIO' is not a USPS state code");
  EXPECT_EQ(error_of(valid_head("states = [\"\"]\n")), "bad.toml:3: field 'states': '' is not a USPS state code");
  EXPECT_EQ(error_of(valid_head("states = [\"O\\n\"]\n")), "bad.toml:3: field 'states': 'O\\x0a' is not a USPS state code");
  EXPECT_EQ(error_of(valid_head("states = [1]\n")), "bad.toml:3: field 'states': must be an array of strings");
  // A long value is cut in the message.
  EXPECT_EQ(error_of(valid_head("states = [\"" + std::string(5000, 'Q') + "\"]\n")),
            "bad.toml:3: field 'states': '" + std::string(80, 'Q') + "…' (5000 bytes) is not a USPS state code");
  // Any case; the territories and military codes providers.csv accepts are fine.
  const Campaign c = load_campaign(write_campaign("states.toml", valid_head("states = [\"oh\", \"Pr\", \"AE\", \"DC\"]\n")));
  EXPECT_EQ(c.states, (std::vector<std::string>{"OH", "PR", "AE", "DC"}));
}

TEST(Campaign, SpecialtiesAreNonEmptyStrings) {
  EXPECT_EQ(error_of(valid_head("specialties = [\"Cardiology\", \"\"]\n")),
            "bad.toml:3: field 'specialties': must be non-empty strings (NUCC names or taxonomy codes)");
  EXPECT_EQ(error_of(valid_head("specialties = \"Cardiology\"\n")), "bad.toml:3: field 'specialties': must be an array of strings");
}

TEST(Campaign, NameMustBeAFolderName) {
  const std::string bad = "may hold only letters, digits, '_' and '-' (it names a folder)";
  for (const std::string name : {".", "..", ".hidden", "a/b", "../up", "a\\u0000b", "caf\\u00e9", "a b", "tab\\t"})
    EXPECT_EQ(error_of("codes = [\"CPT:1\"]\nname = \"" + name + "\"\n"), "bad.toml:2: field 'name': " + bad) << name;
  EXPECT_EQ(error_of("name = \"\"\ncodes = [\"CPT:1\"]\n"), "bad.toml:1: field 'name': is required (a non-empty string)");
  EXPECT_EQ(error_of("name = 7\ncodes = [\"CPT:1\"]\n"), "bad.toml:1: field 'name': must be a string");
  EXPECT_EQ(error_of("name = \"" + std::string(256, 'n') + "\"\ncodes = [\"CPT:1\"]\n"),
            "bad.toml:1: field 'name': is 256 bytes; a folder name holds at most 255");
  EXPECT_EQ(load_campaign(write_campaign("long.toml", "name = \"" + std::string(255, 'n') + "\"\ncodes = [\"CPT:1\"]\n")).name,
            std::string(255, 'n'));
}

TEST(Campaign, SuppressionPathWithoutNul) {
  EXPECT_EQ(error_of(valid_head("suppression = \"supp.csv\\u0000.txt\"\n")),
            "bad.toml:3: field 'suppression': must not hold a NUL byte");
}

TEST(Campaign, LongCodeSpecIsCutInTheMessage) {
  EXPECT_EQ(error_of("name = \"x\"\ncodes = [\"CPT:" + std::string(1000, '#') + "\"]\n"),
            "bad.toml:2: field 'codes': bad code in 'CPT:" + std::string(76, '#') + "…' (1004 bytes)");
}

TEST(Campaign, MalformedFiles) {
  EXPECT_EQ(error_of(valid_head("damping = 0.8\ndamping = 0.9\n")),
            "bad.toml:4: Error while parsing key-value pair: cannot redefine existing floating-point 'damping'");
  EXPECT_EQ(error_of(valid_head("[weights]\nvolume = 1\n[weights]\ngrowth = 1\n")),
            "bad.toml:5: Error while parsing table header: cannot redefine existing table 'weights'");
  EXPECT_EQ(error_of(valid_head("specialties = [\"Cardiolog\xff\"]\n")), "bad.toml:3: Encountered invalid utf-8 sequence");
  EXPECT_EQ(error_of(valid_head("# comment \xc3\n")), "bad.toml:3: Encountered invalid utf-8 sequence");
  EXPECT_EQ(error_of(valid_head("[[weights]]\nvolume = 1\n")), "bad.toml:3: field 'weights': must be a table");
  EXPECT_EQ(error_of(valid_head("window_weeks = 99999999999999999999\n")),
            "bad.toml:3: Error while parsing decimal integer: '99999999999999999999' is not representable in 64 bits");
}

TEST(Campaign, FileLargerThanASnapshotStoresIsRefusedUnread) {
  // 60 KiB is stored whole in the snapshot; one byte more is refused before parsing.
  const std::string head = valid_head("#");
  std::string fits = head + std::string(60 * 1024 - head.size() - 1, 'x') + "\n";
  ASSERT_EQ(fits.size(), 61440u);
  EXPECT_EQ(load_campaign(write_campaign("fits.toml", fits)).toml.size(), 61440u);
  EXPECT_EQ(error_of(fits + "\n"), "bad.toml: the campaign file is larger than 61440 bytes, the most a snapshot stores");
  EXPECT_EQ(error_of(valid_head("#") + std::string(50'000'000, 'x')),
            "bad.toml: the campaign file is larger than 61440 bytes, the most a snapshot stores");
  // Endless devices and folders.
  try {
    load_campaign("/dev/zero");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/zero: the campaign file is larger than 61440 bytes, the most a snapshot stores");
  }
  const auto dir = std::filesystem::temp_directory_path() / "signalrank_campaign_test";
  try {
    load_campaign(dir.string());
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": is a folder, not a campaign file");
  }
}

// ---- end to end: `signalrank score` under mpirun -n 2 --------------------------------------------

namespace {
namespace fs = std::filesystem;
const fs::path kE2eDir = fs::temp_directory_path() / "signalrank_campaign_e2e";

// 40 providers in OH and PA, each with weekly campaign claims, and a ring of referrals.
void write_small_universe(const std::string& path) {
  Providers p;
  p.specialty_names = {"Cardiovascular Disease"};
  for (std::size_t i = 0; i < 40; ++i) {
    p.npi.push_back(npi_from_body(123400000 + 7 * i));
    p.entity_type.push_back(1);
    p.taxonomy.push_back({'2', '0', '7', 'R', 'C', '0', '0', '0', '0', 'X'});
    p.specialty.push_back(0);
    p.state.push_back(i % 2 ? std::array<char, 2>{'P', 'A'} : std::array<char, 2>{'O', 'H'});
    p.zip5.push_back({'4', '4', '1', '0', '1'});
  }
  std::int32_t last = 0;
  monday_problem("2026-11-16", &last);
  std::vector<ClaimRow> claims;
  std::vector<EdgeRow> edges;
  for (std::uint32_t i = 0; i < 40; ++i) {
    for (std::int32_t w = last - 30; w <= last; ++w) claims.push_back({i, w, 0, 1 + (i * 7 + static_cast<std::uint32_t>(w)) % 5, 1});
    edges.push_back({i, (i + 1) % 40, 20, 11 + i, 1});
  }
  Comm self(MPI_COMM_SELF);
  UniverseMeta meta;
  meta.source = "test";
  write_universe(self, path, p, {{CodeSystem::CPT, "33361"}}, claims, edges, meta);
}

signalrank::testing::CommandResult score(const std::string& campaign, const std::string& out) {
  return signalrank::testing::run_command(signalrank::testing::mpirun(2) + SIGNALRANK_BINARY + " score --universe " +
                                              (kE2eDir / "universe.h5").string() + " --campaign " + campaign +
                                              " --as-of 2026-11-16 --out " + out,
                                          kE2eDir.string());
}
}  // namespace

TEST(CampaignE2E, ScoreRefusesABadCampaignOnceWithExit3AndWritesNothing) {
  fs::remove_all(kE2eDir);
  fs::create_directories(kE2eDir);
  write_small_universe((kE2eDir / "universe.h5").string());
  const std::string head = "name = \"tavr\"\ncodes = [\"CPT:33361\"]\n";
  const fs::path out = kE2eDir / "out";

  struct Bad {
    std::string body, error;
  };
  const std::vector<Bad> bad = {
      {"[weights]\nvolume = 1e308\ngrowth = 1e308\n",
       ":4: field 'weights.volume': must be finite, >= 0 and <= 1000000 (got 1e+308)"},
      {"states = [\"ZZ\"]\n", ":3: field 'states': 'ZZ' is not a USPS state code"},
      {"trigger_min = -5\n", ":3: field 'trigger_min': must be finite and >= 0 (got -5)"},
      {"[weights]\nvolume = 0\ngrowth = 0\npagerank = 0\npeer_exposure = 0\ntrigger = 0\n",
       ":3: field 'weights': are all 0; at least one must be > 0 (the score is their weighted sum)"},
  };
  for (const Bad& b : bad) {
    const std::string campaign = (kE2eDir / "bad.toml").string();
    std::ofstream(campaign) << head << b.body;
    const auto r = score(campaign, out.string());
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: " + campaign + b.error}) << r.err;
    EXPECT_FALSE(fs::exists(out)) << b.body;
  }
  // The same universe with sound values (integer weights, a lower-case state) scores.
  const std::string good = (kE2eDir / "good.toml").string();
  std::ofstream(good) << head << "states = [\"oh\"]\ntrigger_min = 0\n[weights]\nvolume = 1\ngrowth = 0\n";
  const auto r = score(good, out.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("eligible 20"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out / "tavr" / "2026-11-16.h5"));
}
