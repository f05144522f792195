// io/csv: the tokenizer (quoting, "" escapes, CRLF, empty fields, non-UTF-8 bytes, padding), the
// number, NPI, date and code parsers, and the line-aligned byte ranges of parallel reading.
#include <gtest/gtest.h>

#include <array>
#include <numeric>
#include <string>
#include <vector>

#include "io/csv.hpp"
#include "io/dates.hpp"
#include "io/ingest_common.hpp"
#include "io/ingest_providers.hpp"
#include "io/npi.hpp"
#include "io/universe.hpp"

using namespace signalrank;
using namespace signalrank::csv;

namespace {

std::vector<std::string> split_all(Tokenizer& tok, std::string_view line, SplitResult* result = nullptr) {
  std::array<std::string_view, 16> f;
  const SplitResult r = tok.split(line, f);
  if (result) *result = r;
  return std::vector<std::string>(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(std::min(r.fields, f.size())));
}

using Fields = std::vector<std::string>;

}  // namespace

// ---- tokenizer ---------------------------------------------------------------------------

TEST(Tokenizer, PlainFields) {
  Tokenizer tok;
  EXPECT_EQ(split_all(tok, "1234567893,CPT,99213,2024-01-01,5,3"),
            (Fields{"1234567893", "CPT", "99213", "2024-01-01", "5", "3"}));
}

TEST(Tokenizer, EmptyFieldsAnywhere) {
  Tokenizer tok;
  EXPECT_EQ(split_all(tok, ",a,,b,"), (Fields{"", "a", "", "b", ""}));
  EXPECT_EQ(split_all(tok, ""), (Fields{""}));
  EXPECT_EQ(split_all(tok, ","), (Fields{"", ""}));
  EXPECT_EQ(split_all(tok, "\"\",x"), (Fields{"", "x"}));
}

TEST(Tokenizer, QuotedFieldsHoldDelimitersAndEscapedQuotes) {
  Tokenizer tok;
  EXPECT_EQ(split_all(tok, R"(1,"Hospital, General",3)"), (Fields{"1", "Hospital, General", "3"}));
  EXPECT_EQ(split_all(tok, R"("say ""hi""","""",x)"), (Fields{R"(say "hi")", R"(")", "x"}));
  // Two escaped fields in one line: both views stay valid (the buffer never moves mid-line).
  EXPECT_EQ(split_all(tok, R"("a""b","c""d","plain")"), (Fields{R"(a"b)", R"(c"d)", "plain"}));
  // A quote inside an unquoted field is an ordinary character.
  EXPECT_EQ(split_all(tok, R"(5" tall,x)"), (Fields{R"(5" tall)", "x"}));
}

TEST(Tokenizer, BufferIsReusedAcrossLines) {
  Tokenizer tok;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(split_all(tok, R"("x""y",1)"), (Fields{R"(x"y)", "1"}));
    EXPECT_EQ(split_all(tok, R"("a much longer ""escaped"" field, with a comma",2)"),
              (Fields{R"(a much longer "escaped" field, with a comma)", "2"}));
  }
}

TEST(Tokenizer, UnterminatedQuoteNamesTheField) {
  Tokenizer tok;
  SplitResult r;
  split_all(tok, R"(1,"open,3)", &r);
  EXPECT_EQ(r.problem, FieldProblem::unterminated_quote);
  EXPECT_EQ(r.problem_field, 1u);
  split_all(tok, R"("a""",b,"c)", &r);
  EXPECT_EQ(r.problem, FieldProblem::unterminated_quote);
  EXPECT_EQ(r.problem_field, 2u);
}

TEST(Tokenizer, TextAfterClosingQuoteIsAProblem) {
  Tokenizer tok;
  SplitResult r;
  split_all(tok, R"(1,"ab"c,3)", &r);
  EXPECT_EQ(r.problem, FieldProblem::text_after_quote);
  EXPECT_EQ(r.problem_field, 1u);
}

TEST(Tokenizer, CrlfIsStrippedByTheLineReader) {
  std::vector<std::string> lines;
  const std::uint64_t n = for_each_line("a,b\r\nc,d\r\n\r\ne", [&](std::string_view l, std::uint64_t) { lines.emplace_back(l); });
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(lines, (Fields{"a,b", "c,d", "", "e"}));
  Tokenizer tok;
  EXPECT_EQ(split_all(tok, chomp("x,\"y\"\r")), (Fields{"x", "y"}));
}

TEST(Tokenizer, TrailingNewlineAddsNoLine) {
  EXPECT_EQ(for_each_line("a\nb\n", [](std::string_view, std::uint64_t) {}), 2u);
  EXPECT_EQ(for_each_line("", [](std::string_view, std::uint64_t) {}), 0u);
  EXPECT_EQ(for_each_line("\n", [](std::string_view, std::uint64_t) {}), 1u);
}

TEST(Tokenizer, NonUtf8BytesPassThroughTextFields) {
  Tokenizer tok;
  const std::string latin1 = "1,Cl\xEDnica M\xE9" "dica,\"Ni\xF1o, \xFF\xFE\",4";
  const Fields f = split_all(tok, latin1);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[1], "Cl\xEDnica M\xE9" "dica");
  EXPECT_EQ(f[2], "Ni\xF1o, \xFF\xFE");
}

TEST(Tokenizer, TabDelimiterAndPaddedFields) {
  Tokenizer tok('\t');
  EXPECT_EQ(split_all(tok, "npi\thcpcs_code\tline_srvc_cnt"), (Fields{"npi", "hcpcs_code", "line_srvc_cnt"}));
  EXPECT_EQ(split_all(tok, "a,b\tc"), (Fields{"a,b", "c"}));
  Tokenizer comma;
  const Fields padded = split_all(comma, "1003000126,1234567893,25        ,13        ,0");
  EXPECT_EQ(padded[2], "25        ");
  EXPECT_EQ(trim(padded[2]), "25");
}

TEST(Tokenizer, CountsFieldsBeyondTheSpan) {
  Tokenizer tok;
  std::array<std::string_view, 2> f;
  const SplitResult r = tok.split("a,b,c,d", f);
  EXPECT_EQ(r.fields, 4u);
  EXPECT_EQ(f[1], "b");
}

TEST(Csv, AppendFieldQuotesOnlyWhenNeeded) {
  std::string s;
  append_field(s, "plain");
  s += ',';
  append_field(s, "a,b");
  s += ',';
  append_field(s, R"(say "x")");
  EXPECT_EQ(s, R"(plain,"a,b","say ""x""")");
  Tokenizer tok;
  EXPECT_EQ(split_all(tok, s), (Fields{"plain", "a,b", R"(say "x")"}));
}

// ---- numbers -----------------------------------------------------------------------------

TEST(Numbers, Counts) {
  std::uint32_t v = 7;
  EXPECT_EQ(parse_count("0", &v), NumberError::none);
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(parse_count("4294967295", &v), NumberError::none);
  EXPECT_EQ(v, 4294967295u);
  EXPECT_EQ(parse_count("25        ", &v), NumberError::none);
  EXPECT_EQ(v, 25u);
  EXPECT_EQ(parse_count(" 007 ", &v), NumberError::none);
  EXPECT_EQ(v, 7u);
  EXPECT_EQ(parse_count("4294967296", &v), NumberError::too_large);
  EXPECT_EQ(parse_count("99999999999999999999999999", &v), NumberError::too_large);
  EXPECT_EQ(parse_count("-1", &v), NumberError::negative);
  EXPECT_EQ(parse_count("-1.5", &v), NumberError::negative);
  EXPECT_EQ(parse_count("1.5", &v), NumberError::not_integer);
  EXPECT_EQ(parse_count("abc", &v), NumberError::not_number);
  EXPECT_EQ(parse_count("12abc", &v), NumberError::not_number);
  EXPECT_EQ(parse_count("+3", &v), NumberError::not_number);
  EXPECT_EQ(parse_count("inf", &v), NumberError::not_number);
  EXPECT_EQ(parse_count("", &v), NumberError::empty);
  EXPECT_EQ(parse_count("   ", &v), NumberError::empty);
}

TEST(Numbers, RoundedCountsGoHalfAwayFromZero) {
  std::uint32_t v = 0;
  const std::pair<const char*, std::uint32_t> cases[] = {{"2.5", 3},  {"1.5", 2},   {"0.5", 1},   {"0.49", 0},
                                                         {"3", 3},    {"12.0", 12}, {"1e2", 100}, {" 7.5 ", 8},
                                                         {"4294967295.4", 4294967295u}};
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(parse_rounded_count(text, &v), NumberError::none) << text;
    EXPECT_EQ(v, want) << text;
  }
  EXPECT_EQ(parse_rounded_count("-0.5", &v), NumberError::negative);
  EXPECT_EQ(parse_rounded_count("4294967295.5", &v), NumberError::too_large);
  EXPECT_EQ(parse_rounded_count("4294967296", &v), NumberError::too_large);
  EXPECT_EQ(parse_rounded_count("nan", &v), NumberError::not_number);
  EXPECT_EQ(parse_rounded_count("1.2.3", &v), NumberError::not_number);
  EXPECT_EQ(parse_rounded_count("", &v), NumberError::empty);
}

TEST(Numbers, Decimals) {
  EXPECT_EQ(check_decimal("12.75"), NumberError::none);
  EXPECT_EQ(check_decimal(""), NumberError::none);
  EXPECT_EQ(check_decimal("0"), NumberError::none);
  EXPECT_EQ(check_decimal("-1.0"), NumberError::negative);
  EXPECT_EQ(check_decimal("x"), NumberError::not_number);
}

TEST(Numbers, Reasons) {
  EXPECT_EQ(number_reason(NumberError::negative, " -5 "), "'-5' is negative");
  EXPECT_EQ(number_reason(NumberError::too_large, "4294967296"), "'4294967296' is larger than 4294967295");
  EXPECT_EQ(number_reason(NumberError::not_number, "abc"), "'abc' is not a number");
  EXPECT_EQ(number_reason(NumberError::not_integer, "1.5"), "'1.5' is not a whole number");
}

TEST(Reasons, QuoteAtMost80CharactersOfAValue) {
  const std::string huge = std::string(10'000'000, '1') + "\xFF";
  const std::string cut = "'" + std::string(80, '1') + "\u2026' (10000001 bytes)";
  EXPECT_EQ(number_reason(NumberError::too_large, huge), cut + " is larger than 4294967295");
  EXPECT_EQ(npi_reason(NpiError::not_ten_digits, huge), cut + " is not a 10-digit NPI");
  EXPECT_EQ(code_reason(CodeError::too_long, huge), cut + " is longer than 16 characters");
  EXPECT_EQ(monday_problem(huge, nullptr), cut + " is not a date (YYYY-MM-DD)");
  // Bytes that would garble a terminal are escaped.
  EXPECT_EQ(number_reason(NumberError::not_number, "4\x1B[2J"), "'4\\x1B[2J' is not a number");
}

// ---- NPIs --------------------------------------------------------------------------------

TEST(Npi, CheckDigit) {
  std::uint64_t npi = 0;
  EXPECT_EQ(parse_npi("1234567893", &npi), NpiError::none);
  EXPECT_EQ(npi, 1234567893u);
  EXPECT_EQ(parse_npi(" 1003000126 ", &npi), NpiError::none);
  EXPECT_EQ(parse_npi("1234567890", &npi), NpiError::bad_check_digit);
  EXPECT_EQ(parse_npi("123456789", &npi), NpiError::not_ten_digits);
  EXPECT_EQ(parse_npi("12345678931", &npi), NpiError::not_ten_digits);
  EXPECT_EQ(parse_npi("12345678X3", &npi), NpiError::not_ten_digits);
  EXPECT_EQ(parse_npi("3234567893", &npi), NpiError::bad_first_digit);
  EXPECT_EQ(parse_npi("0000000001", &npi), NpiError::bad_first_digit);
  EXPECT_EQ(parse_npi("", &npi), NpiError::empty);
  EXPECT_EQ(npi_reason(NpiError::bad_check_digit, "1234567890"), "'1234567890' fails the NPI check digit");
}

TEST(Npi, EveryBodyHasExactlyOneCheckDigit) {
  for (std::uint64_t body = 100000000; body < 100000000 + 2000; ++body) {
    int valid = 0;
    for (std::uint64_t d = 0; d < 10; ++d) valid += npi_valid(body * 10 + d);
    EXPECT_EQ(valid, 1);
    EXPECT_TRUE(npi_valid(npi_from_body(body)));
  }
}

// ---- dates -------------------------------------------------------------------------------

TEST(Dates, StrictIsoDates) {
  EXPECT_TRUE(parse_date("2024-02-29").has_value());
  EXPECT_FALSE(parse_date("2023-02-29").has_value());
  EXPECT_FALSE(parse_date("2024-13-01").has_value());
  EXPECT_FALSE(parse_date("2024-1-01").has_value());
  EXPECT_FALSE(parse_date("01/01/2024").has_value());
  EXPECT_FALSE(parse_date("").has_value());
  std::int32_t week = 0;
  EXPECT_EQ(monday_problem("2024-01-01", &week), "");
  EXPECT_EQ(format_week(week), "2024-01-01");
  EXPECT_EQ(monday_problem("2024-01-02", &week), "'2024-01-02' is not a Monday");
  EXPECT_EQ(monday_problem("2024-13-01", &week), "'2024-13-01' is not a date (YYYY-MM-DD)");
}

// ---- codes -------------------------------------------------------------------------------

TEST(Codes, NormalizedLikeNormalizeCode) {
  CodeKey k;
  ASSERT_EQ(make_code_key(CodeSystem::ICD10, "i35.0", &k), CodeError::none);
  EXPECT_EQ(k.code(), "I350");
  EXPECT_EQ(k.code(), normalize_code("i35.0"));
  CodeKey k2;
  ASSERT_EQ(make_code_key(CodeSystem::ICD10, "I350", &k2), CodeError::none);
  EXPECT_EQ(k, k2);  // with or without the dot: the same code
  ASSERT_EQ(make_code_key(CodeSystem::CPT, "0001U", &k), CodeError::none);
  EXPECT_EQ(k.code(), "0001U");  // leading zeros kept
  ASSERT_EQ(make_code_key(CodeSystem::NDC, "12345-6789-01", &k), CodeError::none);
  EXPECT_EQ(make_code_key(CodeSystem::CPT, "", &k), CodeError::empty);
  EXPECT_EQ(make_code_key(CodeSystem::CPT, "12345678901234567", &k), CodeError::too_long);
  EXPECT_EQ(make_code_key(CodeSystem::CPT, "99 213", &k), CodeError::bad_character);
  EXPECT_EQ(make_code_key(CodeSystem::CPT, "99213\"", &k), CodeError::bad_character);
}

TEST(Codes, OrderMatchesCodeOrder) {
  CodeKey a, b, c;
  make_code_key(CodeSystem::CPT, "99213", &a);
  make_code_key(CodeSystem::CPT, "9921", &b);
  make_code_key(CodeSystem::HCPCS, "0001", &c);
  EXPECT_TRUE(b < a);
  EXPECT_TRUE(a < c);  // system first
  EXPECT_EQ(Code({CodeSystem::CPT, "9921"}) < Code({CodeSystem::CPT, "99213"}), b < a);
}

TEST(Codes, SystemsCaseInsensitive) {
  CodeSystem s;
  ASSERT_TRUE(parse_code_system_ci("icd10", &s));
  EXPECT_EQ(s, CodeSystem::ICD10);
  ASSERT_TRUE(parse_code_system_ci(" NDC ", &s));
  EXPECT_EQ(s, CodeSystem::NDC);
  EXPECT_FALSE(parse_code_system_ci("ICD9", &s));
  EXPECT_FALSE(parse_code_system_ci("", &s));
}

TEST(Codes, TableNumbersByFirstAppearance) {
  ingest::CodeTable t;
  std::vector<CodeKey> keys;
  for (int i = 0; i < 1000; ++i) {
    CodeKey k;
    ASSERT_EQ(make_code_key(CodeSystem::CPT, std::to_string(10000 + i), &k), CodeError::none);
    keys.push_back(k);
    EXPECT_EQ(t.find_or_add(k), static_cast<std::uint32_t>(i));
  }
  for (int i = 999; i >= 0; --i) EXPECT_EQ(t.find_or_add(keys[i]), static_cast<std::uint32_t>(i));
  EXPECT_EQ(t.size(), 1000u);
}

// ---- states, NPI index -------------------------------------------------------------------

TEST(States, UspsCodes) {
  for (const char* s : {"NY", "CA", "DC", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP", "WY"})
    EXPECT_TRUE(ingest::is_usps_state(s)) << s;
  for (const char* s : {"ZZ", "XX", "ny", "N", "NYC", "", "QC"}) EXPECT_FALSE(ingest::is_usps_state(s)) << s;
}

TEST(NpiIndex, FindsEveryProviderAndNothingElse) {
  std::vector<std::uint64_t> npis;
  for (std::uint64_t b = 150000000; npis.size() < 5000; b += 7) npis.push_back(npi_from_body(b));
  const ingest::NpiIndex index(npis);
  for (std::size_t i = 0; i < npis.size(); ++i) EXPECT_EQ(index.find(npis[i]), static_cast<std::int64_t>(i));
  EXPECT_EQ(index.find(npi_from_body(150000001)), -1);
  EXPECT_EQ(index.find(1234567893), -1);
  EXPECT_EQ(ingest::NpiIndex().find(1234567893), -1);
}

// ---- files and byte ranges ---------------------------------------------------------------

TEST(Lines, ByteOrderMarkAndFirstLine) {
  const std::string data = "\xEF\xBB\xBFnpi,x\r\n1,2\n";
  const FileStart s = file_start(data);
  EXPECT_EQ(s.first_line_begin, 3u);
  EXPECT_EQ(s.first_line, "npi,x");
  EXPECT_EQ(s.after_first_line, 10u);
  EXPECT_EQ(file_start("only").after_first_line, 4u);
}

TEST(Lines, SplitsAtLineStartsAndCoversEverything) {
  std::string data;
  for (int i = 0; i < 200; ++i) data += std::string(static_cast<std::size_t>(i % 17), 'x') + "\n";
  data += "last-without-newline";
  for (std::size_t parts : {1, 2, 3, 7, 64, 1000}) {
    const auto r = split_at_lines(data, {0, data.size()}, parts);
    ASSERT_EQ(r.size(), parts);
    EXPECT_EQ(r.front().begin, 0u);
    EXPECT_EQ(r.back().end, data.size());
    std::uint64_t lines = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i > 0) {
        EXPECT_EQ(r[i].begin, r[i - 1].end);
      }
      EXPECT_TRUE(r[i].begin == 0 || r[i].begin == data.size() || data[r[i].begin - 1] == '\n');
      lines += for_each_line(std::string_view(data).substr(r[i].begin, r[i].size()), [](std::string_view, std::uint64_t) {});
    }
    EXPECT_EQ(lines, 201u) << parts;
  }
}

TEST(Lines, OneLongLineLeavesOtherPartsEmpty) {
  const std::string data = std::string(1000, 'y') + "\nz\n";
  const auto r = split_at_lines(data, {0, data.size()}, 4);
  std::size_t non_empty = 0;
  for (const auto& p : r) non_empty += p.size() > 0;
  EXPECT_EQ(non_empty, 2u);
}

TEST(Lines, RankSharesTileTheFile) {
  std::string data = "header\n";
  for (int i = 0; i < 500; ++i) data += "row " + std::to_string(i) + "\n";
  const std::size_t body = file_start(data).after_first_line;
  for (int ranks : {1, 2, 3, 4}) {
    std::size_t at = body;
    for (int r = 0; r < ranks; ++r) {
      for (const auto& c : ingest::plan_chunks(data, body, r, ranks, 100, 2)) {
        EXPECT_EQ(c.begin, at);
        at = c.end;
      }
    }
    EXPECT_EQ(at, data.size());
  }
}

TEST(Files, BinaryDetection) {
  std::uint64_t line = 0;
  EXPECT_EQ(binary_problem("npi,x\n1,2\n", &line), "");
  EXPECT_NE(binary_problem(std::string("\x1F\x8B\x08\x00\x00\x00", 6), &line).find("gzip"), std::string::npos);
  EXPECT_EQ(line, 1u);
  EXPECT_NE(binary_problem(std::string("\x89HDF\r\n\x1A\n\0\0", 10), &line).find("HDF5"), std::string::npos);
  EXPECT_EQ(line, 3u);
  EXPECT_EQ(line_of_offset("a\nb\nc", 4), 3u);
}
