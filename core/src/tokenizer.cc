// The Tokenizer: one scan of the folded text.
//
// The folded text is valid UTF-8 (the Normalizer's guarantee), so the scan (internal::ForEachWord,
// which the Normalizer's NormalizeWords shares) decodes it, classifies each code point with
// internal::IsWordChar (a bit set over the BMP), and counts code points as it goes so that each
// word's folded code point range can be mapped to the original text through the OffsetMap. The
// stem's hash is XXH3-64 with a fixed seed; XXH3's output is specified and stable across versions
// and platforms, so hashes can be stored.
//
// Clitic stripping works on folded bytes. After folding, the letters involved are all two-byte
// UTF-8 sequences (ا U+0627, ل U+0644, و U+0648, ف U+0641, ب U+0628, ك U+0643), so the prefixes
// are compared as byte strings and "letters that remain" are counted as code points of the rest.

#include "naql/tokenizer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "arabic_folds.h"
#include "utf8.h"

namespace naql {
namespace {

// The letters of the clitic rules as big-endian pairs of their UTF-8 bytes.
constexpr uint16_t kAlef = 0xD8A7;  // ا U+0627
constexpr uint16_t kBeh = 0xD8A8;   // ب U+0628
constexpr uint16_t kFeh = 0xD981;   // ف U+0641
constexpr uint16_t kKaf = 0xD983;   // ك U+0643
constexpr uint16_t kLam = 0xD984;   // ل U+0644
constexpr uint16_t kWaw = 0xD988;   // و U+0648
constexpr size_t kMinLettersAfterArticle = 2;
constexpr size_t kMinLettersAfterWaw = 3;

// The two UTF-8 bytes at word[i], or 0 past the end.
inline uint16_t LetterAt(absl::string_view word, size_t i) {
  if (i + 1 >= word.size()) return 0;
  return static_cast<uint16_t>((static_cast<unsigned char>(word[i]) << 8) |
                               static_cast<unsigned char>(word[i + 1]));
}

// True when valid UTF-8 `s` holds at least `n` code points (n >= 1). A code point takes one to
// four bytes, so fewer than n bytes are too few and 4(n - 1) + 1 bytes are enough; only the
// lengths between are counted.
inline bool HasAtLeastCodePoints(absl::string_view s, size_t n) {
  if (s.size() < n) return false;
  if (s.size() > 4 * (n - 1)) return true;
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    count += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  }
  return count >= n;
}

// Bytes to skip at the front of `word` for clitic stripping (0 when nothing is stripped); the
// rules of tokenizer.h, in order:
//   1. وال فال بال كال (conjunction or preposition + article), then ال and لل (لِـ + article,
//      whose alef is not written), when at least kMinLettersAfterArticle letters remain;
//   2. otherwise و when at least kMinLettersAfterWaw letters remain.
// Whether a word carries a clitic is as unpredictable as the text, so the letter tests are
// combined with bitwise operators rather than chained branches.
inline size_t CliticLength(absl::string_view word) {
  // Every rule needs the clitic's letters and at least two more: five bytes at the least.
  if (word.size() < std::min(2 + kMinLettersAfterWaw, 4 + kMinLettersAfterArticle)) return 0;
  const uint16_t first = LetterAt(word, 0);
  const uint16_t second = LetterAt(word, 2);
  const uint16_t third = LetterAt(word, 4);
  const bool waw = first == kWaw;
  const bool article_after_proclitic =
      (waw | (first == kFeh) | (first == kBeh) | (first == kKaf)) & (second == kAlef) &
      (third == kLam);
  const bool article = ((first == kAlef) | (first == kLam)) & (second == kLam);
  const size_t length = article_after_proclitic ? 6 : article ? 4 : 0;
  if (length != 0 && HasAtLeastCodePoints(word.substr(length), kMinLettersAfterArticle)) {
    return length;
  }
  if (waw && HasAtLeastCodePoints(word.substr(2), kMinLettersAfterWaw)) return 2;
  return 0;
}

}  // namespace

Tokenizer::Tokenizer(const TokenizerOptions& options) : options_(options) {}

size_t Tokenizer::StemOffset(absl::string_view folded_word) const {
  return options_.strip_clitics ? CliticLength(folded_word) : 0;
}

uint64_t Tokenizer::HashWord(absl::string_view folded_word) const {
  return XXH3_64bits_withSeed(folded_word.data(), folded_word.size(), kTokenHashSeed);
}

void Tokenizer::Tokenize(const NormalizedText& text, std::vector<Token>* tokens) const {
  tokens->clear();
  assert(text.map.size() >= (text.text.size() + 3) / 4 && text.map.size() <= text.text.size());
  internal::ForEachWord(text.text, [&](size_t begin_byte, size_t end_byte, uint32_t begin_cp,
                                       uint32_t end_cp) {
    AppendToken(text, begin_byte, end_byte, begin_cp, end_cp, tokens);
  });
}

void Tokenizer::Tokenize(const FoldedWords& words, std::vector<Token>* tokens) const {
  assert(words.originals.size() == words.words.size());
  tokens->resize(words.words.size());
  Token* token = tokens->data();
  const OriginalSpan* original = words.originals.data();
  for (const WordRange& range : words.words) {
    const absl::string_view word(words.text.data() + range.begin, range.end - range.begin);
    const size_t clitic = StemOffset(word);
    token->hash = HashWord(word.substr(clitic));
    token->folded_begin = range.begin;
    token->folded_end = range.end;
    token->stem_begin = static_cast<uint32_t>(range.begin + clitic);
    token->original = *original++;
    ++token;
  }
}

void Tokenizer::HashWords(const FoldedWords& words, std::vector<uint64_t>* hashes) const {
  hashes->resize(words.words.size());
  uint64_t* out = hashes->data();
  for (const WordRange& range : words.words) {
    const absl::string_view word(words.text.data() + range.begin, range.end - range.begin);
    *out++ = HashWord(word.substr(StemOffset(word)));
  }
}

void Tokenizer::AppendToken(const NormalizedText& text, size_t begin_byte, size_t end_byte,
                            uint32_t begin_cp, uint32_t end_cp, std::vector<Token>* tokens) const {
  const absl::string_view word(text.text.data() + begin_byte, end_byte - begin_byte);
  const size_t clitic = StemOffset(word);
  // Fields are written in place: assembling a Token on the stack and copying it made the copy
  // read 16-byte words that were just written in 4- and 8-byte pieces, a store-forwarding stall
  // that cost about a third of the tokenizer's time (bench/normalizer_benchmark.cc).
  Token& token = tokens->emplace_back();
  token.hash = HashWord(word.substr(clitic));
  token.folded_begin = static_cast<uint32_t>(begin_byte);
  token.folded_end = static_cast<uint32_t>(end_byte);
  token.stem_begin = static_cast<uint32_t>(begin_byte + clitic);
  token.original = text.map.ToOriginal(begin_cp, end_cp);
}

void FoldAndTokenize(const Normalizer& normalizer, const Tokenizer& tokenizer,
                     absl::string_view original, NormalizedText* folded,
                     std::vector<Token>* tokens) {
  // Given back after an article of more than this many folded bytes.
  constexpr size_t kKeptWorkingBytes = size_t{4} << 20;
  thread_local FoldedWords words;
  normalizer.NormalizeWordsWithOriginals(original, &words);
  tokenizer.Tokenize(words, tokens);
  folded->text.assign(words.text);  // without the working room's slack
  folded->map = OffsetMap();
  if (words.text.capacity() > kKeptWorkingBytes) words = FoldedWords();
}

}  // namespace naql
