// naql/tokenizer.h — words of normalized text, each with its span in the original text.
//
// A word is a maximal run of letters, combining marks and digits (Unicode general categories L*, M*,
// N*) of any script; everything else (spaces, punctuation, quote marks, symbols) separates words.
// Each token carries a 64-bit XXH3 hash of its (optionally clitic-stripped) folded letters, which is
// what shingles and alignments compare, and the original span of the whole word.
//
// Light clitic stripping (on by default, for recall: "والولايات" and "الولايات" then match):
//   * the article and its proclitic combinations ال وال فال بال كال لل are removed when at least
//     two letters remain (والولايات → ولايات, للصحفيين → صحفيين);
//   * otherwise a leading conjunction و is removed when at least three letters remain (وقال → قال).
// ("Letters" are code points of the folded word, digits included.) The rules are deliberately
// light, without a dictionary: a word whose root starts with و loses it too (وزير → زير) while
// الوزير and والوزير keep it (→ وزير), so the bare and the prefixed forms of such words do not
// meet. The rules are the same in every document, so copied text always matches; the choice only
// trades a little recall across paraphrases for simplicity and speed. Set strip_clitics = false
// for exact words. Stripping changes only the hash and stem_begin; the token's spans always cover
// the whole original word.
//
// Performance: one scan of the folded text, a bit set lookup per code point, XXH3 per word; about
// 350 MB/s of Arabic news on one core (bench/normalizer_benchmark.cc).
//
// Example:
//   naql::Normalizer normalizer;
//   naql::Tokenizer tokenizer;
//   naql::NormalizedText folded = normalizer.Normalize(text);
//   std::vector<naql::Token> tokens;
//   tokenizer.Tokenize(folded, &tokens);
//   for (const naql::Token& t : tokens) { ... t.original.cp_begin ... }
//
// Thread safety: immutable after construction; Tokenize() is const and thread-safe.

#ifndef NAQL_TOKENIZER_H_
#define NAQL_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "naql/normalizer.h"
#include "naql/offset_map.h"

namespace naql {

// Bumped whenever tokenization or token hashing changes for any input.
inline constexpr uint32_t kTokenizerVersion = 1;

// Seed of the XXH3-64 token hash. Fixed forever (changing it is a kTokenizerVersion bump).
inline constexpr uint64_t kTokenHashSeed = 0x6e61716c746f6b31ULL;  // "naqltok1"

struct TokenizerOptions {
  bool strip_clitics = true;  // see the file comment
  absl::Status Validate() const { return absl::OkStatus(); }
};

struct Token {
  uint64_t hash = 0;       // XXH3-64 of the stem's folded UTF-8 bytes, seed kTokenHashSeed
  uint32_t folded_begin = 0;  // byte offsets of the whole word in NormalizedText::text
  uint32_t folded_end = 0;
  uint32_t stem_begin = 0;    // byte offset in NormalizedText::text where the hashed stem starts
  OriginalSpan original;      // the whole word in the original text
};

class Tokenizer {
 public:
  explicit Tokenizer(const TokenizerOptions& options = TokenizerOptions());

  const TokenizerOptions& options() const { return options_; }

  // Appends the tokens of `text` to `tokens` (which is cleared first), in text order. Requires
  // `text` as made by Normalizer::Normalize (valid UTF-8, one map entry per code point). Reuses
  // `tokens`' capacity.
  void Tokenize(const NormalizedText& text, std::vector<Token>* tokens) const;

  // The same tokens from the words of Normalizer::NormalizeWordsWithOriginals (which must have
  // filled words.originals): tokens[i] is the token of words.words[i], with folded offsets into
  // words.text. Equal to Tokenize(Normalize(original)) of the same original text.
  void Tokenize(const FoldedWords& words, std::vector<Token>* tokens) const;

  // The hashes Tokenize() gives the words of `words` (Normalizer::NormalizeWords), in order:
  // hashes[i] is the hash of the token of words.words[i]. For fingerprinting, which needs only the
  // hashes. Reuses `hashes`' capacity.
  void HashWords(const FoldedWords& words, std::vector<uint64_t>* hashes) const;

  // The hash Tokenize() gives a word whose folded letters are `word` (after clitic stripping).
  uint64_t HashWord(absl::string_view folded_word) const;

  // Bytes of the clitic that Tokenize() strips from the front of folded word `folded_word`
  // (0 when none is, or when strip_clitics is off).
  size_t StemOffset(absl::string_view folded_word) const;

 private:
  // Appends the token of the word at folded bytes [begin_byte, end_byte), code points
  // [begin_cp, end_cp).
  void AppendToken(const NormalizedText& text, size_t begin_byte, size_t end_byte,
                   uint32_t begin_cp, uint32_t end_cp, std::vector<Token>* tokens) const;

  TokenizerOptions options_;
};

// Folded text of a token's stem, a view into `text.text`; valid while `text` lives.
inline absl::string_view StemText(const NormalizedText& text, const Token& token) {
  return absl::string_view(text.text).substr(token.stem_begin, token.folded_end - token.stem_begin);
}
// Folded text of the whole word.
inline absl::string_view WordText(const NormalizedText& text, const Token& token) {
  return absl::string_view(text.text).substr(token.folded_begin,
                                             token.folded_end - token.folded_begin);
}

// Normalizer::Normalize then Tokenizer::Tokenize of `original`, in one pass: the same folded text
// (folded->text; folded->map is left empty) and the same tokens, original spans included, from
// Normalizer::NormalizeWordsWithOriginals and Tokenize(const FoldedWords&). For alignment, which
// needs the tokens' original spans but not the map of every folded code point: 1.3-1.8 times as
// fast (bench/normalizer_benchmark.cc, FoldAndTokenize against NormalizeTokenize). Each calling
// thread keeps the pass's working room between calls (at most a few MB).
void FoldAndTokenize(const Normalizer& normalizer, const Tokenizer& tokenizer,
                     absl::string_view original, NormalizedText* folded,
                     std::vector<Token>* tokens);

}  // namespace naql

#endif  // NAQL_TOKENIZER_H_
