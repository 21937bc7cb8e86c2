// naql/normalizer.h — Arabic-aware text normalization with an exact offset map.
//
// The Normalizer folds text so that the same words written by different outlets compare equal:
// Unicode NFKC (presentation forms and ligatures to base letters), removal of diacritics, tatweel
// and invisible format controls, Arabic letter folds (alef, yeh, teh marbuta, hamza carriers,
// Persian/Urdu letter forms), digits to ASCII, Latin case folding, and quote marks / Arabic
// punctuation to ASCII. Every rule is a row of the table in core/src/arabic_folds.cc (code points
// and Unicode names) and a switch in NormalizerOptions; fixtures/normalization/cases.tsv has a case
// for each. The result keeps an OffsetMap from each folded code point back to the original text.
//
// Exactly: removed characters (diacritics, tatweel, format controls, and characters whose own
// fold is empty, such as U+FE71 TATWEEL WITH FATHATAN ABOVE) are dropped first; the rest is cut
// into NFKC segments (a segment starts at each code point with a normalization boundary before it,
// and is cut after 32 code points so that pathological runs of combining marks stay linear); each
// segment s becomes Fold(NFKC(CaseFold(NFKC(s)))), where Fold applies the table's rows to each
// code point. Dropping removed characters first means alef + U+0654 HAMZA ABOVE folds like أ.
// The result is idempotent: Normalize(Normalize(x).text).text == Normalize(x).text.
//
// Example:
//   naql::Normalizer normalizer;                          // default options
//   naql::NormalizedText out = normalizer.Normalize("أَكَّدَ الوزيرُ ﻻ ١٢٣");
//   // out.text == "اكد الوزير لا 123"
//   naql::OriginalSpan s = out.map.ToOriginal(0, 3);    // the original bytes of "أَكَّدَ"
//
// Invalid UTF-8 (stray continuation bytes, overlong forms, surrogates, truncated sequences) becomes
// U+FFFD in the folded text (one per maximal invalid subpart, as the Unicode standard recommends);
// the offset map still points at the original bytes.
//
// Performance: one pass over the input with a 65,536-entry lookup table (ICU runs only for code
// points above U+FFFF and inside segments with combining marks that are kept); about 400 MB/s of
// Arabic news on one core (bench/normalizer_benchmark.cc). With remove_diacritics off, Arabic
// marks take the ICU path and the rate drops.
//
// Thread safety: a Normalizer is immutable after construction; Normalize() is const and
// thread-safe. Construction builds the lookup table (512 KiB, about 5 ms); share one instance
// across threads.

#ifndef NAQL_NORMALIZER_H_
#define NAQL_NORMALIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "naql/offset_map.h"

namespace naql {

// Bumped whenever a rule changes what Normalize() produces for any input; recorded with every
// stored fingerprint so that fingerprints made by different normalizers are never compared.
inline constexpr uint32_t kNormalizerVersion = 1;

// Every fold is on by default. Turning one off keeps those characters as they are.
struct NormalizerOptions {
  bool nfkc = true;                   // Unicode NFKC (ICU): presentation forms, ligatures, widths
  bool remove_diacritics = true;      // U+064B–U+065F harakat, U+0670 superscript alef,
                                      // U+06D6–U+06ED Quranic marks
  bool remove_tatweel = true;         // U+0640
  bool remove_format_controls = true; // U+200B–U+200F, U+202A–U+202E, U+2066–U+2069, U+FEFF,
                                      // U+00AD soft hyphen, U+061C Arabic letter mark
  bool fold_alef = true;              // أ إ آ ٱ → ا
  bool fold_alef_maksura = true;      // ى → ي
  bool fold_teh_marbuta = true;       // ة → ه
  bool fold_hamza_carriers = true;    // ؤ → و, ئ → ي
  bool fold_persian_letters = true;   // ک → ك, ی ې → ي, ھ → ه
  bool fold_digits = true;            // Arabic-Indic and Extended Arabic-Indic digits → 0-9
  bool case_fold = true;              // Latin (all scripts) case folding
  bool fold_punctuation = true;       // « » “ ” „ ‟ ‹ › → ", ‘ ’ ‚ ‛ → ', ، ٬ → ",", ؛ → ";",
                                      // ؟ → "?", ٪ → "%", ٫ ۔ → "." (all stay separators)

  // All options are independent booleans, so every combination is valid; kept for the contract
  // shared by all Options structs.
  absl::Status Validate() const { return absl::OkStatus(); }

  // A stable bit set of the switches (bit i = field i in the order above), recorded with stored
  // fingerprints next to kNormalizerVersion.
  uint32_t Bits() const;
  // The inverse of Bits(); unknown bits are an InvalidArgument error.
  static absl::Status FromBits(uint32_t bits, NormalizerOptions* options);
};

// Folded text plus the map back to the original.
struct NormalizedText {
  std::string text;  // folded UTF-8 (always valid UTF-8)
  OffsetMap map;     // one entry per code point of `text`
};

// A word of folded text: the byte range [begin, end) of a maximal run of word characters (letters,
// marks and digits; naql/tokenizer.h) in the folded text.
struct WordRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  friend bool operator==(const WordRange&, const WordRange&) = default;
};

// The folded text with its words and no offset map: what fingerprinting needs, and with the
// original span of each word, what alignment needs.
struct FoldedWords {
  std::string text;              // the same bytes as NormalizedText::text
  std::vector<WordRange> words;  // the words of `text`, in order
  // NormalizeWordsWithOriginals only: originals[j] is the original span of words[j], as
  // NormalizedText::map.ToOriginal gives it for the word's code points.
  std::vector<OriginalSpan> originals;
  // Scratch of NormalizeWords: per word boundary, its folded byte offset and (with originals)
  // the original byte and code point where the source of the boundary's code point starts.
  std::vector<uint32_t> boundaries;
  std::vector<uint32_t> boundary_bytes;
  std::vector<uint32_t> boundary_code_points;
  NormalizedText scratch;  // used when the text needs ICU
};

class Normalizer {
 public:
  explicit Normalizer(const NormalizerOptions& options = NormalizerOptions());
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;

  const NormalizerOptions& options() const { return options_; }

  // Folds `original`. Never fails: invalid UTF-8 becomes U+FFFD. Requires original.size() < 4 GiB.
  // The result does not refer to `original`.
  NormalizedText Normalize(absl::string_view original) const;
  // Same, overwriting `out` and reusing its buffers (no allocation in steady state, except in
  // the rare segments that go through ICU).
  void Normalize(absl::string_view original, NormalizedText* out) const;

  // Folds `original` like Normalize() and cuts the folded text into words like Tokenizer, in one
  // pass and without the offset map: out->text is Normalize(original).text and out->words the
  // ranges of Tokenizer::Tokenize's tokens (folded_begin, folded_end). For fingerprints, which
  // need no original offsets. It takes about 85% of Normalize()'s time on Arabic news and spares
  // the Tokenizer's second pass over the folded text (bench/normalizer_benchmark.cc). A text with
  // a kept combining mark (a segment that ICU folds) takes Normalize() and a scan of its output.
  void NormalizeWords(absl::string_view original, FoldedWords* out) const;

  // NormalizeWords, and also out->originals: each word's span in `original`, the span the offset
  // map of Normalize() gives it (OffsetMap::ToOriginal of the word's folded code points). One pass
  // that records the original position at word boundaries only, instead of the map's entry for
  // every folded code point followed by the Tokenizer's second pass over the folded text. A text
  // with a segment that ICU folds, or a character that folds into word and non-word characters
  // at once (ﷺ U+FDFA, ½), takes Normalize() and a scan of its output.
  void NormalizeWordsWithOriginals(absl::string_view original, FoldedWords* out) const;

 private:
  struct Table;
  template <bool kOriginals>
  void FoldWords(absl::string_view original, FoldedWords* out) const;
  NormalizerOptions options_;
  std::unique_ptr<const Table> table_;
};

}  // namespace naql

#endif  // NAQL_NORMALIZER_H_
