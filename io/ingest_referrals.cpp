#include "io/ingest_referrals.hpp"

#include "io/error.hpp"

namespace signalrank::ingest {

ReferralsLayout read_referrals_header(const std::string& file, std::string_view data, ReferralsFormat format) {
  check_text_file(file, data);
  const csv::FileStart start = csv::file_start(data);
  ReferralsLayout layout;
  layout.format = format;
  if (format == ReferralsFormat::hop_teaming) {
    expect_header(file, start.first_line, ',', kHopTeamingColumns);
    layout.names.assign(kHopTeamingColumns.begin(), kHopTeamingColumns.end());
    layout.header_lines = 1;
    layout.data_begin = start.after_first_line;
  } else {
    layout.names.assign(kCmsReferralColumns.begin(), kCmsReferralColumns.end());
    // Optional header: a first line that starts with a name rather than a number.
    if (looks_like_header(start.first_line, ',')) {
      expect_header(file, start.first_line, ',', kCmsReferralColumns);
      layout.header_lines = 1;
      layout.data_begin = start.after_first_line;
    } else {
      layout.header_lines = 0;
      layout.data_begin = start.first_line_begin;
    }
  }
  return layout;
}

namespace {

// The edges of `chunk` that are kept (valid, both ends in the universe, not a loop) go to
// keep(line index, edge); everything else is counted or recorded in `out`.
template <class Keep>
void parse_edge_rows(const ReferralsLayout& layout, const NpiIndex& providers, std::string_view chunk, EdgesChunk& out,
                     Keep&& keep) {
  const bool hop = layout.format == ReferralsFormat::hop_teaming;
  RowSplitter row(',', layout.names, chunk);
  // The files are grouped by source NPI: parse and look it up once per run of equal text (only
  // valid NPIs are remembered; their text is a view into the mapped file).
  std::string_view last_from;
  std::int64_t last_from_index = -1;

  out.lines += csv::for_each_line(chunk, [&](std::string_view line, std::uint64_t index) {
    if (line.empty()) return;
    ++out.rows_read;
    if (!row.split(line, index, out.bad)) return;
    auto bad = [&](std::size_t column, std::string reason) { out.bad.add(index, layout.names[column], std::move(reason), line); };

    const std::string_view from_text = csv::trim(row[0]);
    if (last_from.empty() || from_text != last_from) {
      std::uint64_t npi = 0;
      const csv::NpiError e = csv::parse_npi(from_text, &npi);
      if (e != csv::NpiError::none) return bad(0, csv::npi_reason(e, from_text));
      last_from = from_text;
      last_from_index = providers.find(npi);
    }
    const std::int64_t from = last_from_index;

    std::uint64_t to_npi = 0;
    const csv::NpiError to_error = csv::parse_npi(row[1], &to_npi);
    if (to_error != csv::NpiError::none) return bad(1, csv::npi_reason(to_error, row[1]));

    EdgeRow edge{};
    csv::NumberError e = csv::NumberError::none;
    if (hop) {
      if ((e = csv::parse_count(row[2], &edge.bene_count)) != csv::NumberError::none)
        return bad(2, csv::number_reason(e, row[2]));
      if ((e = csv::parse_count(row[3], &edge.pair_count)) != csv::NumberError::none)
        return bad(3, csv::number_reason(e, row[3]));
      for (std::size_t c : {std::size_t{4}, std::size_t{5}})
        if ((e = csv::check_decimal(row[c])) != csv::NumberError::none) return bad(c, csv::number_reason(e, row[c]));
    } else {
      if ((e = csv::parse_count(row[2], &edge.pair_count)) != csv::NumberError::none)
        return bad(2, csv::number_reason(e, row[2]));
      if ((e = csv::parse_count(row[3], &edge.bene_count)) != csv::NumberError::none)
        return bad(3, csv::number_reason(e, row[3]));
      if ((e = csv::parse_count(row[4], &edge.same_day)) != csv::NumberError::none)
        return bad(4, csv::number_reason(e, row[4]));
    }

    const std::int64_t to = providers.find(to_npi);
    if (from < 0 || to < 0) {
      ++out.unknown_npi;
      return;
    }
    if (from == to) {
      ++out.self_loops;
      return;
    }
    edge.src = static_cast<std::uint32_t>(from);
    edge.dst = static_cast<std::uint32_t>(to);
    keep(index, edge);
  });
}

}  // namespace

void parse_referrals(const ReferralsLayout& layout, const NpiIndex& providers, std::string_view chunk, EdgesChunk& out) {
  // The shortest row (`1234567893,1234567893,0,0,0`) takes 28 bytes: reserving for that many
  // rows never reallocates, and costs only address space where rows are longer.
  out.rows.reserve(out.rows.size() + chunk.size() / 28 + 1);
  parse_edge_rows(layout, providers, chunk, out, [&](std::uint64_t, const EdgeRow& edge) { out.rows.push_back(edge); });
}

void find_edges(const ReferralsLayout& layout, const NpiIndex& providers, std::string_view chunk, const EdgeRow& key,
                EdgesChunk& out, std::vector<CountsAtLine>& found) {
  parse_edge_rows(layout, providers, chunk, out, [&](std::uint64_t index, const EdgeRow& edge) {
    if (edge.src == key.src && edge.dst == key.dst) found.push_back({index, {edge.pair_count, edge.bene_count, edge.same_day}});
  });
}

std::array<std::size_t, 3> edge_count_columns(ReferralsFormat format) {
  // hop-teaming has no same-day column (the count is always 0, and never overflows).
  if (format == ReferralsFormat::hop_teaming) return {3, 2, kNoColumn};
  return {2, 3, 4};
}

}  // namespace signalrank::ingest
