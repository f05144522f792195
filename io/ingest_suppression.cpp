#include "io/ingest_suppression.hpp"

#include <algorithm>
#include <array>

#include "io/csv.hpp"
#include "io/error.hpp"
#include "io/ingest_common.hpp"

namespace signalrank {

std::vector<std::uint8_t> read_suppression(const std::string& path, const Providers& providers, SuppressionStats* stats) {
  const csv::MappedFile file(path);
  const std::string_view data = file.view();
  std::uint64_t nul_line = 0;
  if (const std::string binary = csv::binary_problem(data, &nul_line); !binary.empty())
    throw InputError(path, nul_line, "", binary);

  SuppressionStats s;
  std::vector<std::uint8_t> flags(providers.size(), 0);
  const csv::FileStart start = csv::file_start(data);
  std::size_t begin = start.first_line_begin;
  std::uint64_t first_line = 1;
  if (ingest::looks_like_header(start.first_line, ',')) {
    csv::Tokenizer tok(',');
    std::array<std::string_view, 3> f;
    const csv::SplitResult r = tok.split(start.first_line, f);
    if (r.problem != csv::FieldProblem::none || r.fields > 2 || !csv::iequals(csv::trim(f[0]), "npi") ||
        (r.fields == 2 && !csv::iequals(csv::trim(f[1]), "reason")))
      throw InputError(path, 1, "npi", "wrong header: expected 'npi' or 'npi,reason'");
    begin = start.after_first_line;
    first_line = 2;
  }

  csv::Tokenizer tok(',');
  std::array<std::string_view, 3> f;
  csv::for_each_line(data.substr(begin), [&](std::string_view line, std::uint64_t index) {
    if (line.empty()) return;
    const std::uint64_t at = first_line + index;
    if (line.find('\0') != std::string_view::npos) throw InputError(path, at, "", "NUL byte: binary data, not CSV text");
    const csv::SplitResult r = tok.split(line, f);
    if (r.problem == csv::FieldProblem::unterminated_quote)
      throw InputError(path, at, r.problem_field == 0 ? "npi" : "reason", "unterminated quote (a quoted field cannot span lines)");
    if (r.problem == csv::FieldProblem::text_after_quote)
      throw InputError(path, at, r.problem_field == 0 ? "npi" : "reason", "text after the closing quote");
    if (r.fields > 2)
      throw InputError(path, at, "reason", "the row has " + std::to_string(r.fields) + " fields, expected npi[,reason]");
    ++s.rows;
    std::uint64_t npi = 0;
    const csv::NpiError e = csv::parse_npi(f[0], &npi);
    if (e != csv::NpiError::none) throw InputError(path, at, "npi", csv::npi_reason(e, f[0]));
    const auto it = std::lower_bound(providers.npi.begin(), providers.npi.end(), npi);
    if (it == providers.npi.end() || *it != npi) {
      ++s.unknown_npi;
      return;
    }
    std::uint8_t& flag = flags[static_cast<std::size_t>(it - providers.npi.begin())];
    s.suppressed += flag == 0;
    flag = 1;
  });
  if (stats) *stats = s;
  return flags;
}

}  // namespace signalrank
