// signalrank generate, end to end: the tiny universe is written at 1, 2 and 3 ranks and checked
// for identical bytes, then read back and checked against what issue 2 asks of it (valid unique
// NPIs, ~80 % individuals, referral rules, in-state share, planted adopters whose activity rises,
// a campaign file the strict parser accepts, universe.h5 equal to ingesting the CSVs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "io/campaign.hpp"
#include "io/dates.hpp"
#include "io/npi.hpp"
#include "io/universe.hpp"
#include "support/subprocess.hpp"

namespace fs = std::filesystem;
using namespace signalrank;

namespace {

// ---- helpers ----------------------------------------------------------------------------------

// Scratch folder for the children's stdout/stderr (set by the fixture).
std::string g_scratch;

signalrank::testing::CommandResult run_full(const std::string& command) {
  return signalrank::testing::run_command(command, g_scratch);
}
int run(const std::string& command) { return run_full(command).status; }

std::string mpirun(int ranks, int threads) {
  return std::string(SIGNALRANK_MPIEXEC) + " -n " + std::to_string(ranks) +
         " --oversubscribe --allow-run-as-root --bind-to none -x OMP_NUM_THREADS=" + std::to_string(threads) + " ";
}

std::string slurp(const fs::path& p) { return signalrank::testing::slurp(p.string()); }

// RFC 4180 split of one line (quoted fields may hold commas; no line breaks in our files).
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p, bool header, std::string* header_line = nullptr) {
  std::ifstream f(p);
  std::string line;
  std::vector<std::vector<std::string>> rows;
  if (header) {
    std::getline(f, line);
    if (header_line) *header_line = line;
  }
  while (std::getline(f, line)) rows.push_back(split(line));
  return rows;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool campaign_code(const std::string& system, const std::string& code) {
  return (system == "CPT" && code.size() == 5 && code >= "33361" && code <= "33369") ||
         (system == "ICD10" && code.rfind("I35", 0) == 0) || (system == "HCPCS" && code == "C1889");
}

const std::set<std::string> kUsps = {"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID",
                                     "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO",
                                     "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
                                     "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"};
const char* const kFiles[] = {"providers.csv", "claims.csv",    "referrals.csv",
                              "suppression.csv", "campaign.toml", "truth.csv"};

// ---- the fixture: one tiny universe at 1 rank, shared by the read-back tests ----------------

class Generate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("signalrank-test-generate-" + std::to_string(::getpid()));
    fs::create_directories(root_);
    g_scratch = root_.string();
    status_ = run(mpirun(1, 2) + SIGNALRANK_BINARY + " generate --scale tiny --seed 7 --out " + (root_ / "r1").string());
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void SetUp() override { ASSERT_EQ(status_, 0) << "generate failed"; }
  static fs::path dir() { return root_ / "r1"; }

  static inline fs::path root_;
  static inline int status_ = -1;
};

TEST_F(Generate, SameBytesOnOneTwoAndThreeRanks) {
  // Small chunks (--round) so that every rank writes several uneven rounds.
  for (int ranks : {2, 3}) {
    const fs::path out = root_ / ("r" + std::to_string(ranks));
    ASSERT_EQ(run(mpirun(ranks, ranks == 3 ? 1 : 2) + SIGNALRANK_BINARY +
                  " generate --scale tiny --seed 7 --round 700 --out " + out.string()),
              0);
    for (const char* f : kFiles) EXPECT_TRUE(slurp(dir() / f) == slurp(out / f)) << f << " differs at " << ranks << " ranks";
  }
  // Another seed gives another universe.
  const fs::path other = root_ / "seed8";
  ASSERT_EQ(run(mpirun(1, 1) + SIGNALRANK_BINARY + " generate --scale tiny --seed 8 --out " + other.string()), 0);
  EXPECT_NE(slurp(dir() / "referrals.csv"), slurp(other / "referrals.csv"));
}

TEST_F(Generate, ProvidersHaveValidUniqueNpisAndRealisticMix) {
  std::string header;
  const auto rows = read_csv(dir() / "providers.csv", true, &header);
  EXPECT_EQ(header, "npi,entity_type,taxonomy,specialty,state,zip5");
  ASSERT_EQ(rows.size(), 2000u);
  std::unordered_set<std::uint64_t> seen;
  std::set<std::string> states, taxonomies;
  std::size_t individuals = 0, hospitals = 0;
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), 6u);
    ASSERT_EQ(r[0].size(), 10u);
    const std::uint64_t npi = std::stoull(r[0]);
    EXPECT_TRUE(npi_valid(npi)) << r[0];
    EXPECT_TRUE(seen.insert(npi).second) << "duplicate " << r[0];
    EXPECT_TRUE(r[1] == "1" || r[1] == "2");
    individuals += r[1] == "1";
    hospitals += r[2] == "282N00000X";
    EXPECT_EQ(r[2].size(), 10u);
    EXPECT_FALSE(r[3].empty());
    EXPECT_TRUE(kUsps.count(r[4])) << r[4];
    EXPECT_EQ(r[5].size(), 5u);
    EXPECT_TRUE(std::all_of(r[5].begin(), r[5].end(), [](char c) { return c >= '0' && c <= '9'; }));
    states.insert(r[4]);
    taxonomies.insert(r[2]);
  }
  const double share = static_cast<double>(individuals) / rows.size();
  EXPECT_GT(share, 0.76);
  EXPECT_LT(share, 0.84);
  EXPECT_GT(hospitals, 0u);
  EXPECT_GE(states.size(), 45u);
  EXPECT_GE(taxonomies.size(), 40u);
  // Population weighting: California has far more providers than Wyoming.
  std::map<std::string, int> per_state;
  for (const auto& r : rows) per_state[r[4]]++;
  EXPECT_GT(per_state["CA"], 5 * std::max(1, per_state["WY"]));
}

TEST_F(Generate, ReferralsFollowThePublishedRules) {
  std::unordered_map<std::uint64_t, std::string> state;
  for (const auto& r : read_csv(dir() / "providers.csv", true)) state[std::stoull(r[0])] = r[4];
  std::ifstream f(dir() / "referrals.csv");
  std::string line;
  std::set<std::pair<std::uint64_t, std::uint64_t>> pairs;
  std::unordered_map<std::uint64_t, int> in_degree;
  std::size_t edges = 0, in_state = 0;
  while (std::getline(f, line)) {
    const auto r = split(line);
    ASSERT_EQ(r.size(), 5u) << line;
    // Published layout: no header, numbers left-aligned and space-padded to 10 columns.
    for (int k = 2; k < 5; ++k) EXPECT_EQ(r[k].size(), 10u) << line;
    const std::uint64_t from = std::stoull(r[0]), to = std::stoull(r[1]);
    const std::uint64_t pair = std::stoull(trim(r[2])), bene = std::stoull(trim(r[3])), same = std::stoull(trim(r[4]));
    ASSERT_TRUE(state.count(from) && state.count(to)) << line;
    EXPECT_NE(from, to);
    EXPECT_TRUE(pairs.insert({from, to}).second) << "duplicate " << line;
    EXPECT_GE(bene, 11u);
    EXPECT_GE(pair, bene);
    EXPECT_LE(same, pair);
    in_state += state[from] == state[to];
    in_degree[to]++;
    ++edges;
  }
  EXPECT_GT(edges, 30000u);  // about 20 per provider at tiny scale
  EXPECT_LT(edges, 50000u);
  // Most edges stay in the state (tiny states cap this below the ~80 % of larger universes).
  EXPECT_GT(static_cast<double>(in_state) / edges, 0.5);
  // Heavy-tailed in-degree: the biggest hub far above the median.
  std::vector<int> d;
  for (const auto& [npi, k] : in_degree) d.push_back(k);
  std::sort(d.begin(), d.end());
  EXPECT_GT(d.back(), 8 * d[d.size() / 2]);
}

TEST_F(Generate, ClaimsAreWeeklyCountsWithHolidayDips) {
  std::string header;
  const auto rows = read_csv(dir() / "claims.csv", true, &header);
  EXPECT_EQ(header, "npi,code_system,code,week,services,patients");
  ASSERT_GT(rows.size(), 100000u);
  std::map<std::string, std::uint64_t> by_week;
  std::set<std::string> systems;
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), 6u);
    systems.insert(r[1]);
    std::int32_t week = 0;
    ASSERT_EQ(monday_problem(r[3], &week), "") << r[3];
    const std::uint64_t services = std::stoull(r[4]), patients = std::stoull(r[5]);
    EXPECT_GE(patients, 1u);  // zero weeks are omitted
    EXPECT_LE(patients, services);
    by_week[r[3]] += services;
  }
  EXPECT_EQ(systems, (std::set<std::string>{"CPT", "HCPCS", "ICD10"}));
  ASSERT_EQ(by_week.size(), 104u);
  EXPECT_EQ(by_week.begin()->first, "2024-11-25");
  EXPECT_EQ(by_week.rbegin()->first, "2026-11-16");
  // Christmas week 2025 (Monday 2025-12-22) dips below the weeks around it.
  const double around = (by_week["2025-12-08"] + by_week["2025-12-15"] + by_week["2026-01-12"]) / 3.0;
  EXPECT_LT(by_week["2025-12-22"], 0.8 * around);
}

TEST_F(Generate, PlantedAdoptersRiseAfterTheirWeek) {
  std::set<std::string> npis;
  for (const auto& r : read_csv(dir() / "providers.csv", true)) npis.insert(r[0]);
  std::string header;
  const auto truth = read_csv(dir() / "truth.csv", true, &header);
  EXPECT_EQ(header, "npi,adoption_week");
  ASSERT_GE(truth.size(), 10u);
  std::map<std::string, std::int32_t> adopted;
  for (const auto& r : truth) {
    ASSERT_TRUE(npis.count(r[0])) << r[0];
    std::int32_t week = 0;
    ASSERT_EQ(monday_problem(r[1], &week), "");
    adopted[r[0]] = week;
  }
  std::int32_t first = 0, last = 0;
  monday_problem("2024-11-25", &first);
  monday_problem("2026-11-16", &last);
  std::map<std::string, std::map<std::int32_t, std::uint64_t>> volume;
  for (const auto& r : read_csv(dir() / "claims.csv", true)) {
    if (!campaign_code(r[1], r[2]) || !adopted.count(r[0])) continue;
    std::int32_t week = 0;
    monday_problem(r[3], &week);
    volume[r[0]][week] += std::stoull(r[4]);
  }
  int checked = 0, rising = 0;
  for (const auto& [npi, week] : adopted) {
    EXPECT_GE(week, first);
    EXPECT_LE(week, last);
    if (week - first < 4 || last - week < 4) continue;
    double before = 0, after = 0;
    for (const auto& [w, s] : volume[npi]) (w < week ? before : after) += static_cast<double>(s);
    ++checked;
    rising += after / (last - week + 1) > before / (week - first);
  }
  ASSERT_GE(checked, 5);
  EXPECT_GE(rising, checked * 9 / 10) << rising << " of " << checked;
}

TEST_F(Generate, SuppressionListsSomeProviders) {
  std::set<std::string> npis;
  for (const auto& r : read_csv(dir() / "providers.csv", true)) npis.insert(r[0]);
  std::string header;
  const auto rows = read_csv(dir() / "suppression.csv", true, &header);
  EXPECT_EQ(header, "npi,reason");
  EXPECT_GE(rows.size(), 2u);  // about 0.5 % of 2,000
  EXPECT_LE(rows.size(), 30u);
  for (const auto& r : rows) {
    EXPECT_TRUE(npis.count(r[0]));
    EXPECT_TRUE(r[1] == "opt_out" || r[1] == "compliance" || r[1] == "oig_exclusion") << r[1];
  }
}

TEST_F(Generate, CampaignFileHasEveryKeyAndParses) {
  const toml::table t = toml::parse_file((dir() / "campaign.toml").string());
  EXPECT_EQ(t["name"].value_or(std::string()), "tavr");
  const auto* codes = t["codes"].as_array();
  ASSERT_NE(codes, nullptr);
  std::vector<std::string> specs;
  for (const auto& c : *codes) specs.push_back(c.value_or(std::string()));
  EXPECT_EQ(specs, (std::vector<std::string>{"CPT:33361-33369", "ICD10:I35*", "HCPCS:C1889"}));
  for (const char* key : {"window_weeks", "slope_weeks", "trigger_weeks", "baseline_weeks", "trigger_z", "trigger_min",
                          "damping", "tolerance", "max_iterations", "personalize", "entity_types", "specialties",
                          "states", "suppression"})
    EXPECT_TRUE(t.contains(key)) << key;
  EXPECT_EQ(t["suppression"].value_or(std::string()), "suppression.csv");
  for (const char* key : {"volume", "growth", "pagerank", "peer_exposure", "trigger"})
    EXPECT_TRUE(t["weights"][key].is_number()) << key;
  // The project's own strict parser accepts it too.
  const Campaign c = load_campaign((dir() / "campaign.toml").string());
  EXPECT_EQ(c.name, "tavr");
  EXPECT_EQ(c.codes.size(), 3u);
}

TEST_F(Generate, H5FormatEqualsIngestOfTheCsvFiles) {
  const fs::path h5dir = root_ / "h5";
  ASSERT_EQ(run(mpirun(2, 1) + SIGNALRANK_BINARY + " generate --scale tiny --seed 7 --format h5 --out " + h5dir.string()), 0);
  EXPECT_FALSE(fs::exists(h5dir / "claims.csv"));
  EXPECT_EQ(slurp(h5dir / "truth.csv"), slurp(dir() / "truth.csv"));
  EXPECT_EQ(slurp(h5dir / "suppression.csv"), slurp(dir() / "suppression.csv"));
  const fs::path ingested = root_ / "ingested.h5";
  ASSERT_EQ(run(mpirun(1, 2) + SIGNALRANK_BINARY + " ingest --providers " + (dir() / "providers.csv").string() +
                " --claims " + (dir() / "claims.csv").string() + " --referrals " + (dir() / "referrals.csv").string() +
                " --out " + ingested.string()),
            0);

  Comm self(MPI_COMM_SELF);
  UniverseReader a(self, (h5dir / "universe.h5").string()), b(self, ingested.string());
  ASSERT_EQ(a.num_providers(), b.num_providers());
  ASSERT_EQ(a.num_claims(), b.num_claims());
  ASSERT_EQ(a.num_edges(), b.num_edges());
  EXPECT_EQ(a.first_week(), b.first_week());
  EXPECT_EQ(a.last_week(), b.last_week());
  const Providers pa = a.read_providers(), pb = b.read_providers();
  EXPECT_EQ(pa.npi, pb.npi);
  EXPECT_EQ(pa.entity_type, pb.entity_type);
  EXPECT_EQ(pa.taxonomy, pb.taxonomy);
  EXPECT_EQ(pa.specialty, pb.specialty);
  EXPECT_EQ(pa.specialty_names, pb.specialty_names);
  EXPECT_EQ(pa.state, pb.state);
  EXPECT_EQ(pa.zip5, pb.zip5);
  EXPECT_EQ(a.read_codes(), b.read_codes());
  const std::uint64_t P = a.num_providers();
  EXPECT_EQ(a.claim_offsets(0, P), b.claim_offsets(0, P));
  EXPECT_EQ(a.out_offsets(0, P), b.out_offsets(0, P));
  const auto ca = a.read_claims(0, a.num_claims()), cb = b.read_claims(0, b.num_claims());
  bool claims_equal = true;
  for (std::size_t k = 0; k < ca.size() && claims_equal; ++k)
    claims_equal = ca[k].week == cb[k].week && ca[k].code == cb[k].code && ca[k].services == cb[k].services &&
                   ca[k].patients == cb[k].patients;
  EXPECT_TRUE(claims_equal);
  const auto ea = a.read_out_edges(0, a.num_edges()), eb = b.read_out_edges(0, b.num_edges());
  bool edges_equal = true;
  for (std::size_t k = 0; k < ea.size() && edges_equal; ++k)
    edges_equal = ea[k].dst == eb[k].dst && ea[k].pair_count == eb[k].pair_count &&
                  ea[k].bene_count == eb[k].bene_count && ea[k].same_day == eb[k].same_day;
  EXPECT_TRUE(edges_equal);
}

TEST_F(Generate, BadOptionsFailWithoutOutput) {
  const fs::path out = root_ / "bad";
  // Not a Monday: a one-line error naming the option, exit code 3 (bad configuration).
  const auto r = run_full(mpirun(2, 1) + SIGNALRANK_BINARY + " generate --scale tiny --end-week 2026-11-17 --out " +
                          out.string());
  EXPECT_EQ(r.status, 3);
  ASSERT_FALSE(r.error_lines().empty()) << r.err;
  EXPECT_NE(r.error_lines()[0].find("--end-week"), std::string::npos) << r.error_lines()[0];
  EXPECT_NE(r.error_lines()[0].find("not a Monday"), std::string::npos) << r.error_lines()[0];
  EXPECT_FALSE(fs::exists(out / "providers.csv"));
  // Command-line errors (run without mpirun: a singleton fails faster).
  EXPECT_EQ(run(std::string(SIGNALRANK_BINARY) + " generate --scale huge --out " + out.string()), 3);
  EXPECT_EQ(run(std::string(SIGNALRANK_BINARY) + " generate --scale tiny --weeks 0 --out " + out.string()), 3);
  EXPECT_EQ(run(std::string(SIGNALRANK_BINARY) + " generate --scale tiny"), 3);  // --out is required
  EXPECT_FALSE(fs::exists(out));
  // A tiny explicit universe works, down to a single provider and week.
  const fs::path one = root_ / "one";
  EXPECT_EQ(run(mpirun(2, 1) + SIGNALRANK_BINARY + " generate --providers 1 --weeks 1 --out " + one.string()), 0);
  EXPECT_EQ(read_csv(one / "providers.csv", true).size(), 1u);
  EXPECT_EQ(fs::file_size(one / "referrals.csv"), 0u);
}

}  // namespace
