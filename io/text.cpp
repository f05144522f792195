#include "io/text.hpp"

#include <cstdint>
#include <cstring>

namespace signalrank::text {

namespace {

inline unsigned byte(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }
inline bool in(unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; }

// C0 controls and DEL (one byte), C1 controls (U+0080-U+009F: C2 80 - C2 9F).
inline bool is_control(std::string_view s, std::size_t at, std::size_t len) {
  const unsigned b = byte(s, at);
  if (len == 1) return b < 0x20 || b == 0x7F;
  return len == 2 && b == 0xC2 && byte(s, at + 1) < 0xA0;
}

void append_hex(std::string& out, unsigned b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 15];
}

}  // namespace

std::size_t utf8_sequence(std::string_view s) {
  if (s.empty()) return 0;
  const unsigned b0 = byte(s, 0);
  if (b0 < 0x80) return 1;
  // The range the second byte must fall in, by lead byte; later bytes are always 80..BF.
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (in(b0, 0xC2, 0xDF)) {
    len = 2;
  } else if (in(b0, 0xE0, 0xEF)) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;       // below: overlong
    if (b0 == 0xED) hi = 0x9F;       // above: surrogates D800-DFFF
  } else if (in(b0, 0xF0, 0xF4)) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;       // below: overlong
    if (b0 == 0xF4) hi = 0x8F;       // above: beyond U+10FFFF
  } else {
    return 0;  // 80-BF (a continuation byte), C0-C1 (overlong), F5-FF (beyond U+10FFFF)
  }
  if (s.size() < len || !in(byte(s, 1), lo, hi)) return 0;
  for (std::size_t i = 2; i < len; ++i)
    if (!in(byte(s, i), 0x80, 0xBF)) return 0;
  return len;
}

std::size_t utf8_error(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII eight bytes at a time: almost every stored name is ASCII.
    if (i + 8 <= s.size()) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    const std::size_t len = utf8_sequence(s.substr(i));
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string field_problem(std::string_view value, std::size_t max_bytes) {
  if (value.size() > max_bytes) return quote(value) + " is longer than " + std::to_string(max_bytes) + " bytes";
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t len = utf8_sequence(value.substr(i));
    if (len == 0) return quote(value) + " is not valid UTF-8 (byte " + std::to_string(i + 1) + ")";
    if (is_control(value, i, len)) return quote(value) + " holds a control character (byte " + std::to_string(i + 1) + ")";
    i += len;
  }
  return {};
}

std::string shown(std::string_view value, bool* cut) {
  std::string out;
  std::size_t i = 0;
  for (std::size_t chars = 0; i < value.size() && chars < kShownChars; ++chars) {
    const std::size_t len = utf8_sequence(value.substr(i));
    if (len == 0 || is_control(value, i, len)) {
      for (std::size_t k = 0; k < (len == 0 ? 1 : len); ++k) append_hex(out, byte(value, i + k));
      i += len == 0 ? 1 : len;
    } else {
      out.append(value.data() + i, len);
      i += len;
    }
  }
  const bool was_cut = i < value.size();
  if (was_cut) out += "\u2026";
  if (cut) *cut = was_cut;
  return out;
}

std::string quote(std::string_view value) {
  bool cut = false;
  std::string s = "'" + shown(value, &cut) + "'";
  if (cut) s += " (" + std::to_string(value.size()) + " bytes)";
  return s;
}

}  // namespace signalrank::text
