// The Tokenizer: one scan of the folded text.
//
// The folded text is valid UTF-8 (the Normalizer's guarantee), so the scan decodes it with the
// shared decoder, classifies each code point with internal::IsWordChar (a bit set over the BMP),
// and counts code points as it goes so that each word's folded code point range can be mapped to
// the original text through the OffsetMap. The stem's hash is XXH3-64 with a fixed seed; XXH3's
// output is specified and stable across versions and platforms, so hashes can be stored.
//
// Clitic stripping works on folded bytes. After folding, the letters involved are all two-byte
// UTF-8 sequences (ا U+0627, ل U+0644, و U+0648, ف U+0641, ب U+0628, ك U+0643), so the prefixes
// are compared as byte strings and "letters that remain" are counted as code points of the rest.

#include "naql/tokenizer.h"

#include <cassert>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "arabic_folds.h"
#include "utf8.h"

namespace naql {
namespace {

// Proclitic + article combinations, longest first (see tokenizer.h): each is removed when at least
// kMinLettersAfterArticle letters remain.
constexpr absl::string_view kArticlePrefixes[] = {
    "\xD9\x88\xD8\xA7\xD9\x84",  // وال
    "\xD9\x81\xD8\xA7\xD9\x84",  // فال
    "\xD8\xA8\xD8\xA7\xD9\x84",  // بال
    "\xD9\x83\xD8\xA7\xD9\x84",  // كال
    "\xD8\xA7\xD9\x84",          // ال
    "\xD9\x84\xD9\x84",          // لل (لِـ + الـ, whose alef is not written)
};
constexpr absl::string_view kWawPrefix = "\xD9\x88";  // و
constexpr int kMinLettersAfterArticle = 2;
constexpr int kMinLettersAfterWaw = 3;

// Number of code points in valid UTF-8 `s` (bytes that are not continuation bytes).
int CountCodePoints(absl::string_view s) {
  int count = 0;
  for (char c : s) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Bytes to skip at the front of `word` for clitic stripping (0 when nothing is stripped).
size_t CliticLength(absl::string_view word) {
  // Each remaining letter takes at least one byte: shorter words are rejected without counting.
  for (absl::string_view prefix : kArticlePrefixes) {
    if (word.size() >= prefix.size() + kMinLettersAfterArticle &&
        word.substr(0, prefix.size()) == prefix &&
        CountCodePoints(word.substr(prefix.size())) >= kMinLettersAfterArticle) {
      return prefix.size();
    }
  }
  if (word.size() >= kWawPrefix.size() + kMinLettersAfterWaw &&
      word.substr(0, kWawPrefix.size()) == kWawPrefix &&
      CountCodePoints(word.substr(kWawPrefix.size())) >= kMinLettersAfterWaw) {
    return kWawPrefix.size();
  }
  return 0;
}

}  // namespace

Tokenizer::Tokenizer(const TokenizerOptions& options) : options_(options) {}

uint64_t Tokenizer::HashWord(absl::string_view folded_word) const {
  return XXH3_64bits_withSeed(folded_word.data(), folded_word.size(), kTokenHashSeed);
}

void Tokenizer::Tokenize(const NormalizedText& text, std::vector<Token>* tokens) const {
  tokens->clear();
  const char* const data = text.text.data();
  const size_t n = text.text.size();
  const OffsetMap& map = text.map;
  assert(map.size() == static_cast<uint32_t>(CountCodePoints(text.text)));

  size_t i = 0;                 // byte in the folded text
  uint32_t cp = 0;              // code point in the folded text
  bool in_word = false;
  size_t word_byte = 0;         // start of the current word
  uint32_t word_cp = 0;

  auto finish_word = [&](size_t end_byte, uint32_t end_cp) {
    Token token;
    token.folded_begin = static_cast<uint32_t>(word_byte);
    token.folded_end = static_cast<uint32_t>(end_byte);
    const absl::string_view word(data + word_byte, end_byte - word_byte);
    const size_t clitic = options_.strip_clitics ? CliticLength(word) : 0;
    token.stem_begin = static_cast<uint32_t>(word_byte + clitic);
    token.hash = HashWord(word.substr(clitic));
    token.original = map.ToOriginal(word_cp, end_cp);
    tokens->push_back(token);
  };

  while (i < n) {
    const unsigned char lead = static_cast<unsigned char>(data[i]);
    char32_t c;
    size_t length;
    if (lead < 0x80) {
      c = lead;
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF && i + 1 < n) {
      // Valid UTF-8 by contract: a two-byte lead is followed by a continuation byte.
      c = (static_cast<char32_t>(lead & 0x1F) << 6) | (static_cast<unsigned char>(data[i + 1]) & 0x3F);
      length = 2;
    } else {
      length = internal::DecodeUtf8(data + i, n - i, &c);
    }
    const bool word_char = internal::IsWordChar(c);
    if (word_char != in_word) {
      if (word_char) {
        word_byte = i;
        word_cp = cp;
      } else {
        finish_word(i, cp);
      }
      in_word = word_char;
    }
    i += length;
    ++cp;
  }
  if (in_word) finish_word(n, cp);
}

}  // namespace naql
