// utf8.h — naql's internal UTF-8 decoder and encoder (not part of the public API).
//
// DecodeUtf8 reads one code point and follows the Unicode Standard's recommended practice for
// replacement ("U+FFFD Substitution of Maximal Subparts", Unicode 15, §3.9, Table 3-7 and
// §5.22): an ill-formed sequence is replaced by one U+FFFD per *maximal subpart*, the longest
// prefix of a well-formed sequence that is present, or a single byte when the first byte cannot
// start any sequence. So
//   80            → 1 × U+FFFD (1 byte)      lone continuation byte
//   C0 80         → 2 × U+FFFD (1 + 1 bytes) C0/C1 never start a sequence (overlong)
//   E0 80 80      → 3 × U+FFFD               E0 must be followed by A0..BF (overlong)
//   ED A0 80      → 3 × U+FFFD               ED must be followed by 80..9F (surrogates)
//   E2 82 <end>   → 1 × U+FFFD (2 bytes)     truncated sequence
//   F5..FF        → 1 × U+FFFD each          beyond U+10FFFF
// This is what ICU, Python's errors="replace", WHATWG Encoding and most browsers do, so naql's code
// point offsets agree with those tools on broken text too. A maximal subpart is 1 to 3 bytes long.
//
// Example:
//   size_t i = 0;
//   while (i < text.size()) {
//     char32_t cp;
//     i += naql::internal::DecodeUtf8(text.data() + i, text.size() - i, &cp);
//     ...
//   }
//
// Thread safety: free functions without state.

#ifndef NAQL_CORE_SRC_UTF8_H_
#define NAQL_CORE_SRC_UTF8_H_

#include <cstddef>
#include <cstdint>

namespace naql::internal {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Decodes the code point that starts at `data` and stores it in `*cp` (U+FFFD for an ill-formed
// maximal subpart). Returns the number of bytes consumed: 1 to 4 for a well-formed sequence, 1 to
// 3 for an ill-formed one. Requires len >= 1 and `data` readable for `len` bytes; never reads past
// data + len.
inline size_t DecodeUtf8(const char* data, size_t len, char32_t* cp) {
  const auto* s = reinterpret_cast<const unsigned char*>(data);
  const unsigned char lead = s[0];
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  // Table 3-7: the allowed range of the second byte depends on the lead byte; third and fourth
  // bytes are always 80..BF.
  size_t need;                         // total length of the sequence
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  char32_t value;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 2;
    value = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 3;
    value = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 4;
    value = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;  // no overlongs
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    // 80..BF (continuation without a lead), C0..C1 (overlong 2-byte), F5..FF (out of range).
    *cp = kReplacementCharacter;
    return 1;
  }
  if (len < 2 || s[1] < lo || s[1] > hi) {
    *cp = kReplacementCharacter;
    return 1;
  }
  value = (value << 6) | (s[1] & 0x3F);
  for (size_t i = 2; i < need; ++i) {
    if (i >= len || (s[i] & 0xC0) != 0x80) {
      *cp = kReplacementCharacter;
      return i;  // the maximal subpart: the well-formed prefix read so far
    }
    value = (value << 6) | (s[i] & 0x3F);
  }
  *cp = value;
  return need;
}

// Number of UTF-8 bytes EncodeUtf8 writes for `cp`. Requires cp <= U+10FFFF and not a surrogate.
inline size_t Utf8Length(char32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

// Writes the UTF-8 encoding of `cp` (1 to 4 bytes) at `out` and returns the number of bytes.
// Requires cp <= U+10FFFF and not a surrogate, and room for 4 bytes at `out`.
inline size_t EncodeUtf8(char32_t cp, char* out) {
  auto* o = reinterpret_cast<unsigned char*>(out);
  if (cp < 0x80) {
    o[0] = static_cast<unsigned char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    o[0] = static_cast<unsigned char>(0xC0 | (cp >> 6));
    o[1] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = static_cast<unsigned char>(0xE0 | (cp >> 12));
    o[1] = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
    o[2] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = static_cast<unsigned char>(0xF0 | (cp >> 18));
  o[1] = static_cast<unsigned char>(0x80 | ((cp >> 12) & 0x3F));
  o[2] = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
  o[3] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
  return 4;
}

}  // namespace naql::internal

#endif  // NAQL_CORE_SRC_UTF8_H_
