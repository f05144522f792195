// io/text: the UTF-8 validator on the classic cases (overlong forms, surrogates, code points
// beyond U+10FFFF, truncated sequences, valid 1- to 4-byte characters), the check of stored text
// fields, and how messages quote values (escaped, cut to 80 characters with the byte count).
#include <gtest/gtest.h>

#include <string>

#include "io/text.hpp"

using namespace signalrank::text;

namespace {
constexpr auto npos = std::string_view::npos;
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}
}  // namespace

TEST(Utf8, WellFormedSequences) {
  EXPECT_EQ(utf8_error(""), npos);
  EXPECT_EQ(utf8_error("Cardiovascular Disease, \"Interventional\""), npos);
  EXPECT_EQ(utf8_error("\xC3\xA9"), npos);              // é, 2 bytes
  EXPECT_EQ(utf8_error("\xE2\x82\xAC"), npos);          // €, 3 bytes
  EXPECT_EQ(utf8_error("\xF0\x9F\x98\x80"), npos);      // U+1F600 😀, 4 bytes
  EXPECT_EQ(utf8_error("\xF4\x8F\xBF\xBF"), npos);      // U+10FFFF, the last code point
  EXPECT_EQ(utf8_error("\xED\x9F\xBF"), npos);          // U+D7FF, just below the surrogates
  EXPECT_EQ(utf8_error("\xEE\x80\x80"), npos);          // U+E000, just above them
  EXPECT_EQ(utf8_error("\xEF\xBF\xBF"), npos);          // U+FFFF (a noncharacter, still UTF-8)
  EXPECT_EQ(utf8_sequence("\xF0\x9F\x98\x80!"), 4u);
  EXPECT_EQ(utf8_sequence("a\xFF"), 1u);
  // Past the ASCII fast path (eight bytes at a time) and back.
  EXPECT_EQ(utf8_error("abcdefgh\xC3\xA9ijklmnop\xF0\x9F\x98\x80qrstuvwxyz"), npos);
}

TEST(Utf8, OverlongEncodings) {
  EXPECT_EQ(utf8_error(bytes({0xC0, 0x80})), 0u);              // U+0000 in 2 bytes
  EXPECT_EQ(utf8_error(bytes({0xC1, 0xBF})), 0u);              // U+007F in 2 bytes
  EXPECT_EQ(utf8_error(bytes({0xE0, 0x80, 0xAF})), 0u);        // '/' in 3 bytes
  EXPECT_EQ(utf8_error(bytes({0xE0, 0x9F, 0xBF})), 0u);        // U+07FF in 3 bytes
  EXPECT_EQ(utf8_error(bytes({0xF0, 0x80, 0x80, 0xAF})), 0u);  // '/' in 4 bytes
  EXPECT_EQ(utf8_error(bytes({0xF0, 0x8F, 0xBF, 0xBF})), 0u);  // U+FFFF in 4 bytes
}

TEST(Utf8, Surrogates) {
  EXPECT_EQ(utf8_error("ok" + bytes({0xED, 0xA0, 0x80})), 2u);  // U+D800
  EXPECT_EQ(utf8_error(bytes({0xED, 0xBF, 0xBF})), 0u);         // U+DFFF
  EXPECT_EQ(utf8_error(bytes({0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80})), 0u);  // a CESU-8 pair
}

TEST(Utf8, BeyondU10FFFF) {
  EXPECT_EQ(utf8_error(bytes({0xF4, 0x90, 0x80, 0x80})), 0u);  // U+110000
  EXPECT_EQ(utf8_error(bytes({0xF5, 0x80, 0x80, 0x80})), 0u);
  EXPECT_EQ(utf8_error(bytes({0xF8, 0x88, 0x80, 0x80, 0x80})), 0u);  // the old 5-byte form
  EXPECT_EQ(utf8_error(bytes({0xFF})), 0u);
  EXPECT_EQ(utf8_error(bytes({0xFE})), 0u);
}

TEST(Utf8, TruncatedAndStraySequences) {
  EXPECT_EQ(utf8_error("abc\xC3"), 3u);                // cut by the end
  EXPECT_EQ(utf8_error("abc\xE2\x82"), 3u);
  EXPECT_EQ(utf8_error("\xF0\x9F\x98"), 0u);
  EXPECT_EQ(utf8_error("\xE2\x82" "A"), 0u);           // cut by a byte that does not continue it
  EXPECT_EQ(utf8_error("\xC3\xC3\xA9"), 0u);
  EXPECT_EQ(utf8_error("x\x80"), 1u);                  // a continuation byte alone
  EXPECT_EQ(utf8_error("Cardiolog\xE9"), 9u);          // Latin-1 é
  EXPECT_EQ(utf8_sequence(""), 0u);
}

TEST(TextFields, LengthUtf8AndControlCharacters) {
  EXPECT_EQ(field_problem("Cardiovascular Disease", 256), "");
  EXPECT_EQ(field_problem("", 256), "");
  EXPECT_EQ(field_problem("\xF0\x9F\x98\x80 Caf\xC3\xA9", 256), "");
  EXPECT_EQ(field_problem(std::string(256, 'x'), 256), "");
  EXPECT_EQ(field_problem("abcde", 4), "'abcde' is longer than 4 bytes");
  EXPECT_EQ(field_problem("Cardiolog\xE9", 256), "'Cardiolog\\xE9' is not valid UTF-8 (byte 10)");
  EXPECT_EQ(field_problem("Fam\x1B[31mily", 256), "'Fam\\x1B[31mily' holds a control character (byte 4)");
  EXPECT_EQ(field_problem("a\tb", 256), "'a\\x09b' holds a control character (byte 2)");
  EXPECT_EQ(field_problem("del\x7F", 256), "'del\\x7F' holds a control character (byte 4)");
  EXPECT_EQ(field_problem("c1 \xC2\x9B", 256), "'c1 \\xC2\\x9B' holds a control character (byte 4)");  // CSI
  EXPECT_EQ(field_problem("nbsp\xC2\xA0", 256), "");  // U+00A0 is not a control character
}

TEST(Quote, ShortValuesAreQuotedWhole) {
  EXPECT_EQ(quote(""), "''");
  EXPECT_EQ(quote("2024-13-01"), "'2024-13-01'");
  EXPECT_EQ(quote(std::string(80, 'x')), "'" + std::string(80, 'x') + "'");
  EXPECT_EQ(quote("Caf\xC3\xA9"), "'Caf\xC3\xA9'");
  EXPECT_EQ(quote("\xFF\x01"), "'\\xFF\\x01'");
}

TEST(Quote, LongValuesAreCutTo80CharactersWithTheirSize) {
  EXPECT_EQ(quote(std::string(81, 'x')), "'" + std::string(80, 'x') + "\u2026' (81 bytes)");
  const std::string huge(10'000'000, '9');
  const std::string q = quote(huge);
  EXPECT_EQ(q, "'" + std::string(80, '9') + "\u2026' (10000000 bytes)");
  // Characters, not bytes: a multi-byte character is never split.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";
  std::string want = "'";
  for (int i = 0; i < 80; ++i) want += "\xC3\xA9";
  EXPECT_EQ(quote(accents), want + "\u2026' (200 bytes)");
  bool cut = false;
  EXPECT_EQ(shown(std::string(79, 'a') + "\xFF\xFE", &cut), std::string(79, 'a') + "\\xFF\u2026");
  EXPECT_TRUE(cut);
  EXPECT_EQ(shown("npi", &cut), "npi");
  EXPECT_FALSE(cut);
}
