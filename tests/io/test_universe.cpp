// write_universe at 1, 2, 3 and 4 ranks: rows scattered over ranks in any order come back sorted,
// merged and indexed exactly as a serial computation says, and the file is the same for any
// rank count (the readers compare against the same expectation).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "io/error.hpp"
#include "io/h5.hpp"
#include "io/npi.hpp"
#include "io/universe.hpp"
#include "partition/comm.hpp"

using namespace signalrank;

namespace {

Providers make_providers(std::size_t n) {
  Providers p;
  p.specialty_names = {"Cardiovascular Disease", "Family Medicine"};
  for (std::size_t i = 0; i < n; ++i) {
    p.npi.push_back(npi_from_body(100000000 + 7919 * (n - i)));  // descending: sort_by_npi must fix it
    p.entity_type.push_back(i % 5 == 0 ? 2 : 1);
    p.taxonomy.push_back({'2', '0', '7', 'R', 'C', '0', '0', '0', '0', 'X'});
    p.specialty.push_back(i % 2);
    p.state.push_back({'O', 'H'});
    p.zip5.push_back({'0', '4', '1', '0', char('0' + i % 10)});
  }
  p.sort_by_npi();
  return p;
}

}  // namespace

TEST(Universe, RoundTripMergesAndIndexes) {
  Comm comm;
  const std::size_t P = 2500;
  Providers prov = make_providers(P);
  std::vector<Code> codes = {{CodeSystem::CPT, "33361"}, {CodeSystem::ICD10, "I350"}, {CodeSystem::HCPCS, "C1889"}};
  // Every rank makes the same global row list, keeps every size-th row (shuffled).
  std::mt19937_64 rng(7);
  std::vector<ClaimRow> all_claims;
  std::vector<EdgeRow> all_edges;
  for (int k = 0; k < 20000; ++k) {
    all_claims.push_back({static_cast<std::uint32_t>(rng() % P), static_cast<std::int32_t>(2800 + rng() % 30),
                          static_cast<std::uint32_t>(rng() % 3), static_cast<std::uint32_t>(1 + rng() % 9),
                          static_cast<std::uint32_t>(rng() % 3)});
    std::uint32_t s = rng() % P, d = rng() % P;
    if (s != d) all_edges.push_back({s, d, static_cast<std::uint32_t>(20 + rng() % 5), static_cast<std::uint32_t>(11 + rng() % 5), 1});
  }
  std::vector<ClaimRow> mine;
  std::vector<EdgeRow> my_edges;
  for (std::size_t i = comm.rank(); i < all_claims.size(); i += comm.size()) mine.push_back(all_claims[i]);
  for (std::size_t i = comm.size() - 1 - comm.rank(); i < all_edges.size(); i += comm.size()) my_edges.push_back(all_edges[i]);

  std::string path = "/tmp/signalrank_test_universe_" + std::to_string(comm.size()) + ".h5";
  UniverseMeta meta;
  meta.source = "test";
  meta.inputs = {{"claims", "x.csv", 12, 0xabcdef}};
  IngestCounters c = write_universe(comm, path, prov, codes, mine, my_edges, meta);

  // Serial expectation.
  std::map<std::tuple<std::uint32_t, std::int32_t, std::uint32_t>, std::pair<std::uint32_t, std::uint32_t>> claims;
  for (auto& r : all_claims) {
    auto& v = claims[{r.provider, r.week, r.code}];
    v.first += r.services;
    v.second += r.patients;
  }
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::array<std::uint32_t, 3>> edges;
  for (auto& e : all_edges) {
    auto& v = edges[{e.src, e.dst}];
    v[0] += e.pair_count;
    v[1] += e.bene_count;
    v[2] += e.same_day;
  }
  EXPECT_EQ(c.claims_merged, all_claims.size() - claims.size());
  EXPECT_EQ(c.edges_merged, all_edges.size() - edges.size());

  if (comm.root()) {
    Comm self(MPI_COMM_SELF);
    UniverseReader u(self, path);
    ASSERT_EQ(u.num_providers(), P);
    Providers back = u.read_providers();
    EXPECT_EQ(back.npi, prov.npi);
    EXPECT_EQ(back.specialty_of(1), prov.specialty_of(1));
    EXPECT_EQ(back.zip_of(3), prov.zip_of(3));
    EXPECT_EQ(back.taxonomy_of(0), "207RC0000X");
    EXPECT_EQ(u.read_codes(), codes);
    ASSERT_EQ(u.num_claims(), claims.size());
    auto rows = u.read_claims(0, u.num_claims());
    std::size_t k = 0;
    for (auto& [key, val] : claims) {
      EXPECT_EQ(rows[k].provider, std::get<0>(key));
      EXPECT_EQ(rows[k].week, std::get<1>(key));
      EXPECT_EQ(rows[k].code, std::get<2>(key));
      EXPECT_EQ(rows[k].services, val.first);
      EXPECT_EQ(rows[k].patients, val.second);
      ++k;
    }
    auto off = u.claim_offsets(0, P);
    for (std::size_t p = 0; p < P; ++p)
      for (auto r = off[p]; r < off[p + 1]; ++r) ASSERT_EQ(rows[r].provider, p);
    // A middle slice reads with the right providers.
    auto slice = u.read_claims(off[1000], off[1200]);
    ASSERT_FALSE(slice.empty());
    EXPECT_EQ(slice.front().provider, 1000u);
    EXPECT_EQ(slice.back().provider, 1199u);

    // The campaign series of providers [700, 1900): codes 0 and 2, weeks 2805..2820, in windows of
    // 1, 7, 1000, 4099 and 4 M rows, mapped or copied, on 1, 2, 3 and 8 threads (each scans a run
    // of providers), against a filter of the rows read above.
    const std::vector<std::uint8_t> match{1, 0, 1};
    const int threads_before = omp_get_max_threads();
    struct Way {
      std::uint64_t chunk;
      bool map;
    };
    for (int threads : {1, 2, 3, 8})
    for (const Way way : {Way{1, false}, Way{7, false}, Way{std::uint64_t{1} << 22, false}, Way{1000, true},
                          Way{4099, true}, Way{std::uint64_t{1} << 22, true}}) {
      SCOPED_TRACE(testing::Message() << "chunk " << way.chunk << (way.map ? " mapped" : " copied") << " threads "
                                      << threads);
      omp_set_num_threads(threads);
      const auto series = u.read_claim_series(700, 1900, match, 2805, 2820, way.chunk, way.map);
      std::vector<std::uint64_t> want_off{0};
      std::vector<std::int32_t> want_week;
      std::vector<std::uint32_t> want_services;
      for (std::size_t q = 700; q < 1900; ++q) {
        for (auto r = off[q]; r < off[q + 1]; ++r)
          if (match[rows[r].code] && rows[r].week >= 2805 && rows[r].week <= 2820) {
            want_week.push_back(rows[r].week);
            want_services.push_back(rows[r].services);
          }
        want_off.push_back(want_week.size());
      }
      EXPECT_EQ(series.offsets, want_off);
      EXPECT_EQ(series.week, want_week);
      EXPECT_EQ(series.services, want_services);
      ASSERT_GT(want_week.size(), 100u);
    }
    // Providers without claims at the end of the range get empty rows too, and so does an empty
    // range, with more threads than providers.
    omp_set_num_threads(8);
    EXPECT_EQ(u.read_claim_series(P - 3, P, match, 0, 1, 5).offsets, (std::vector<std::uint64_t>{0, 0, 0, 0}));
    EXPECT_EQ(u.read_claim_series(P, P, match, 0, 1, 5).offsets, (std::vector<std::uint64_t>{0}));
    omp_set_num_threads(threads_before);

    ASSERT_EQ(u.num_edges(), edges.size());
    auto out = u.read_out_edges(0, u.num_edges());
    k = 0;
    std::vector<std::uint64_t> outw(P, 0);
    for (auto& [key, val] : edges) {
      EXPECT_EQ(out[k].src, key.first);
      EXPECT_EQ(out[k].dst, key.second);
      EXPECT_EQ(out[k].pair_count, val[0]);
      EXPECT_EQ(out[k].bene_count, val[1]);
      EXPECT_EQ(out[k].same_day, val[2]);
      outw[key.first] += val[1];
      ++k;
    }
    EXPECT_EQ(u.out_weight(0, P), outw);
    auto in = u.read_in_edges(0, u.num_edges());
    for (std::size_t i = 1; i < in.size(); ++i)
      ASSERT_TRUE(in[i - 1].dst < in[i].dst || (in[i - 1].dst == in[i].dst && in[i - 1].src < in[i].src));
    std::uint64_t in_total = 0;
    for (auto& e : in) in_total += edges.at({e.src, e.dst})[1] == e.bene_count;
    EXPECT_EQ(in_total, edges.size());
    EXPECT_NE(u.inputs_json().find("\"xxh3\":\"0000000000abcdef\""), std::string::npos);
    std::filesystem::remove(path);
  }
  comm.barrier();
}

TEST(Universe, ReaderRejectsOtherFilesWithInputErrors) {
  Comm comm;
  if (!comm.root()) return;
  Comm self(MPI_COMM_SELF);
  auto message_of = [&](const std::string& path) -> std::string {
    try {
      UniverseReader u(self, path);
    } catch (const InputError& e) {
      EXPECT_EQ(e.exit_code(), kExitBadInput);
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message_of("/nonexistent/universe.h5"), "/nonexistent/universe.h5: no such file");
  const std::string path = "/tmp/signalrank_not_a_universe.h5";
  { std::FILE* f = std::fopen(path.c_str(), "w"); std::fputs("hello", f); std::fclose(f); }
  EXPECT_EQ(message_of(path), path + ": not an HDF5 file, or it cannot be opened");
  std::filesystem::remove(path);
  // An HDF5 file that is not a universe (a snapshot-like file without the format attribute).
  { h5::File f = h5::File::create(path, nullptr); f.create_group("/providers"); }
  EXPECT_EQ(message_of(path), path + ": not a signalrank universe file (format attribute missing or different)");
  std::filesystem::remove(path);
}
