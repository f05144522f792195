// Text from input files, as messages show it and as the universe stores it: one UTF-8 validator,
// the check every stored free-text field passes (a maximum length, valid UTF-8, no control
// characters), and the one way an input value is quoted into an error message (bounded, escaped),
// so that a 10 MB field or a stray byte never reaches a terminal or a log whole.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace signalrank::text {

// ---- UTF-8 -------------------------------------------------------------------------------

// The length (1-4) of the well-formed UTF-8 sequence that starts `s`, or 0 when `s` is empty or
// does not start with one (Unicode 15, table 3-7): a stray continuation byte, an overlong form
// (C0, C1, E0 80-9F, F0 80-8F), a surrogate (ED A0-BF), a code point above U+10FFFF (F4 90-BF,
// F5-FF) or a sequence cut short by the end of `s` or by a byte that does not continue it.
std::size_t utf8_sequence(std::string_view s);

// The offset of the first byte of `s` that is not part of well-formed UTF-8, or npos.
std::size_t utf8_error(std::string_view s);

inline bool is_utf8(std::string_view s) { return utf8_error(s) == std::string_view::npos; }

// ---- free-text fields --------------------------------------------------------------------

// Why `value` cannot be stored as a text field of at most `max_bytes` bytes, or an empty string
// when it can: too long, not UTF-8, or holding a control character (U+0000-U+001F,
// U+007F-U+009F: an escape sequence would reach every terminal, log and CRM the name goes to).
// The reason quotes the value (quote()) and names the 1-based byte of the first bad character.
std::string field_problem(std::string_view value, std::size_t max_bytes);

// ---- values in messages ------------------------------------------------------------------

// Input values are shown in messages with at most this many characters.
inline constexpr std::size_t kShownChars = 80;

// `value` made safe to print: control characters and bytes that are not UTF-8 written as \xNN,
// and, when it holds more than kShownChars characters (a character is a UTF-8 sequence or one
// byte that is not UTF-8), its first kShownChars followed by "…". `*cut` tells whether it was cut.
std::string shown(std::string_view value, bool* cut = nullptr);

// How a message quotes an input value: 'value', or 'first 80 characters…' (N bytes) when it is
// longer, N being the value's size.
std::string quote(std::string_view value);

}  // namespace signalrank::text
