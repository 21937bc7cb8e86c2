#include "naql/json.h"

#include <array>
#include <cmath>
#include <cstdio>

#include "input_format.h"
#include "utf8.h"

namespace naql {
namespace {

// Copies the run [begin, end) that is known to be valid and needs no escaping.
inline void Flush(const char* begin, const char* end, std::string* out) {
  if (end > begin) out->append(begin, static_cast<size_t>(end - begin));
}

// DecodeUtf8 yields U+FFFD both for an ill-formed subpart and for a real U+FFFD (EF BF BD, the only
// 3-byte sequence decoding to it; an ill-formed subpart of 3 bytes always starts with F0..F4).
inline bool IllFormed(const char* p, size_t n, char32_t cp) {
  return cp == internal::kReplacementCharacter &&
         !(n == 3 && static_cast<unsigned char>(p[0]) == 0xEF);
}

// Appends the JSON escape of ASCII byte c, one of " \ and the controls.
void AppendEscapedAscii(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': out->append("\\\""); break;
    case '\\': out->append("\\\\"); break;
    case '\n': out->append("\\n"); break;
    case '\t': out->append("\\t"); break;
    case '\r': out->append("\\r"); break;
    case '\b': out->append("\\b"); break;
    case '\f': out->append("\\f"); break;
    default:
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
  }
}

// The bytes that may need escaping in valid UTF-8: the ASCII escapes and E2, the lead byte of
// U+2028 and U+2029 (E2 80 A8, E2 80 A9).
constexpr std::array<bool, 256> kAttention = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = table['\\'] = table[0xE2] = true;
  return table;
}();

// AppendJsonString for text known to be valid UTF-8 (most of it): one table lookup a byte.
void AppendValidJsonString(const char* data, size_t size, std::string* out) {
  size_t run = 0;  // start of the pending unescaped run
  for (size_t i = 0; i < size;) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (!kAttention[c]) [[likely]] {
      ++i;
      continue;
    }
    if (c == 0xE2) {  // a three-byte sequence (the text is valid)
      if (static_cast<unsigned char>(data[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(data[i + 2]) | 1) == 0xA9) {
        Flush(data + run, data + i, out);
        out->append(data[i + 2] == '\xA8' ? "\\u2028" : "\\u2029");
        run = i + 3;
      }
      i += 3;
      continue;
    }
    Flush(data + run, data + i, out);
    AppendEscapedAscii(c, out);
    run = ++i;
  }
  Flush(data + run, data + size, out);
}

}  // namespace

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  const char* data = text.data();
  const size_t size = text.size();
  if (internal::IsValidUtf8(text)) {
    AppendValidJsonString(data, size, out);
    out->push_back('"');
    return;
  }
  size_t run = 0;  // start of the pending unescaped run
  size_t i = 0;
  while (i < size) {
    const unsigned char c = static_cast<unsigned char>(data[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c < 0x80) {
      Flush(data + run, data + i, out);
      AppendEscapedAscii(c, out);
      run = ++i;
      continue;
    }
    // A well-formed two-byte sequence (Arabic, Latin-1, …) is never escaped.
    if (c >= 0xC2 && c <= 0xDF && i + 1 < size &&
        (static_cast<unsigned char>(data[i + 1]) & 0xC0) == 0x80) {
      i += 2;
      continue;
    }
    char32_t cp;
    const size_t n = internal::DecodeUtf8(data + i, size - i, &cp);
    const bool invalid = IllFormed(data + i, n, cp);
    if (invalid || cp == 0x2028 || cp == 0x2029) {
      Flush(data + run, data + i, out);
      if (invalid) out->append("\xEF\xBF\xBD");
      else out->append(cp == 0x2028 ? "\\u2028" : "\\u2029");
      run = i + n;
    }
    i += n;
  }
  Flush(data + run, data + size, out);
  out->push_back('"');
}

void AppendJsonNumber(double value, int digits, std::string* out) {
  if (!std::isfinite(value)) {
    out->append("null");
    return;
  }
  char buffer[64];
  int n = std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
  if (n <= 0) return;
  std::string_view text(buffer, static_cast<size_t>(n));
  if (text.find('.') != std::string_view::npos) {
    while (!text.empty() && text.back() == '0') text.remove_suffix(1);
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") text = "0";
  out->append(text.data(), text.size());
}

void AppendValidUtf8(absl::string_view text, std::string* out) {
  // The common case, valid text, is recognized by the vectorized validator and copied whole; the
  // decoding loop starts at the first ill-formed byte.
  const size_t first_invalid = internal::FirstInvalidUtf8(text);
  if (first_invalid == absl::string_view::npos) {
    out->append(text.data(), text.size());
    return;
  }
  const char* data = text.data();
  const size_t size = text.size();
  size_t run = 0;
  size_t i = first_invalid;
  while (i < size) {
    if (static_cast<unsigned char>(data[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t cp;
    const size_t n = internal::DecodeUtf8(data + i, size - i, &cp);
    if (IllFormed(data + i, n, cp)) {
      Flush(data + run, data + i, out);
      out->append("\xEF\xBF\xBD");
      run = i + n;
    }
    i += n;
  }
  Flush(data + run, data + size, out);
}

}  // namespace naql
