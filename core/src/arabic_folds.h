// arabic_folds.h — the table of naql's character folds (internal; see naql/normalizer.h).
//
// Every rule the Normalizer applies after Unicode NFKC and case folding is one row of FoldRules():
// a code point range, what happens to it (removed, replaced by one code point, or shifted onto a
// range such as the ASCII digits), the NormalizerOptions switch that turns it on, and the Unicode
// names of the characters. The two rules that ICU carries out are not rows, as they cover
// thousands of code points; they are listed here for completeness:
//
//   switch      what                                          code points (examples)
//   nfkc        Unicode NFKC (ICU Normalizer2 NFKC instance)  U+FB50–U+FDFF Arabic Presentation
//               compatibility decomposition + composition    Forms-A, U+FE70–U+FEFF Forms-B
//                                                             (ﻻ U+FEFB → ل ا, ﷲ U+FDF2 → الله),
//                                                             fullwidth forms, ligatures (ﬁ → fi)
//   case_fold   Unicode full case folding (ICU, default       A–Z → a–z, Ä → ä, ẞ → ss, Σ → σ
//               mappings, not Turkic), then NFKC again
//
// The rows are applied once, to each code point that NFKC and case folding produce; no row's output
// is another row's input, so the result does not depend on the order of the rows (a test checks).
//
// Thread safety: the table is constant; IsWordChar is thread-safe.

#ifndef NAQL_CORE_SRC_ARABIC_FOLDS_H_
#define NAQL_CORE_SRC_ARABIC_FOLDS_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "naql/normalizer.h"
#include "utf8.h"

namespace naql::internal {

enum class FoldAction : uint8_t {
  kRemove,   // the code point is dropped from the folded text
  kReplace,  // every code point of the range becomes `to`
  kShift,    // first → to, first + 1 → to + 1, … (digits)
};

// One rule of the fold table.
struct FoldRule {
  char32_t first;  // first code point of the range
  char32_t last;   // last code point of the range (inclusive)
  FoldAction action;
  char32_t to;                      // replacement (kReplace) or image of `first` (kShift)
  bool NormalizerOptions::*option;  // the switch that enables the rule
  const char* option_name;          // the switch's field name, e.g. "fold_alef"
  const char* names;                // Unicode names of the characters, for the reader
};

// All rules, in the order of the table in arabic_folds.cc. Ranges do not overlap.
absl::Span<const FoldRule> FoldRules();

// Returned by ApplyFoldRules for a removed code point (not a valid code point).
inline constexpr char32_t kRemovedCodePoint = 0xFFFFFFFF;

// The code point `c` becomes under the rules enabled in `options`: the replacement, `c` itself when
// no enabled rule covers it, or kRemovedCodePoint. Cost: a scan of the ~40 rows (used when the
// Normalizer builds its lookup table, and for code points above U+FFFF).
char32_t ApplyFoldRules(char32_t c, const NormalizerOptions& options);

// One switch of NormalizerOptions: its field name and member. NormalizerOptionSwitches() lists all
// of them in the order of the fields, which is the bit order of NormalizerOptions::Bits().
struct NormalizerOptionSwitch {
  const char* name;
  bool NormalizerOptions::*member;
};
absl::Span<const NormalizerOptionSwitch> NormalizerOptionSwitches();

// True when `c` is part of a word: Unicode general category L* (letters), M* (marks) or N*
// (numbers), of any script. Everything else (spaces, punctuation, quote marks, symbols, controls,
// U+FFFD) separates words. O(1) for the BMP (an 8 KiB bit set built on first use); ICU lookup
// above.
bool IsWordChar(char32_t c);

// The BMP part of IsWordChar as a bit set, for loops that classify every code point: code point
// c < U+10000 is a word character when bit (c & 63) of bits[c >> 6] is set. Built on first use
// (thread-safe), never freed.
const uint64_t* WordCharBmpBits();

// IsWordChar with the bit set already at hand (`bits` = WordCharBmpBits()).
inline bool IsWordChar(const uint64_t* bits, char32_t c) {
  return c < 0x10000 ? ((bits[c >> 6] >> (c & 63)) & 1) != 0 : IsWordChar(c);
}

// The length of the code point at text[i] (i < n), stored in *c. ASCII and two-byte sequences
// (Arabic, Latin-1, Greek, Cyrillic, Hebrew, …) take a well-predicted branch; the rest goes
// through DecodeUtf8. (A branch-free selection between the one- and two-byte cases measured 20%
// slower: the predicted branch lets the next code point's decoding start before this one's
// length is known.) Invalid input decodes as DecodeUtf8 does.
inline size_t DecodeUtf8Fast(const char* text, size_t i, size_t n, char32_t* c) {
  const unsigned lead = static_cast<unsigned char>(text[i]);
  const unsigned next = i + 1 < n ? static_cast<unsigned char>(text[i + 1]) : 0;
  const bool two = lead - 0xC2u <= 0xDFu - 0xC2u && (next & 0xC0u) == 0x80u;
  if (lead < 0x80 || two) [[likely]] {
    *c = two ? ((lead & 0x1Fu) << 6) | (next & 0x3Fu) : lead;
    return two ? 2 : 1;
  }
  return DecodeUtf8(text + i, n - i, c);
}

// Calls word(begin_byte, end_byte, begin_cp, end_cp) for each word of UTF-8 `text`, in order: a
// maximal run of code points for which IsWordChar holds, with its byte and code point range in
// `text`. The one definition of a word, shared by the Tokenizer and the Normalizer's
// NormalizeWords fallback.
template <typename WordFn>
inline void ForEachWord(absl::string_view text, WordFn&& word) {
  const char* const data = text.data();
  const size_t n = text.size();
  const uint64_t* const word_bits = WordCharBmpBits();
  size_t i = 0;     // byte
  uint32_t cp = 0;  // code point
  bool in_word = false;
  size_t word_byte = 0;  // start of the current word
  uint32_t word_cp = 0;
  while (i < n) {
    char32_t c;
    const size_t length = DecodeUtf8Fast(data, i, n, &c);
    const bool word_char = IsWordChar(word_bits, c);
    if (word_char != in_word) {
      if (word_char) {
        word_byte = i;
        word_cp = cp;
      } else {
        word(word_byte, i, word_cp, cp);
      }
      in_word = word_char;
    }
    i += length;
    ++cp;
  }
  if (in_word) word(word_byte, n, word_cp, cp);
}

}  // namespace naql::internal

#endif  // NAQL_CORE_SRC_ARABIC_FOLDS_H_
