// naql/aligner.h — the passages two articles share, word by word, with their edits.
//
// The Aligner verifies a candidate pair on its token sequences and reports every maximal shared
// passage as a Span: token ranges and original-text offsets in both articles, aligned words,
// matches, edits and a similarity. Two modes:
//
//   * Edit-tolerant (the default). Real reuse is rarely a clean copy: outlets drop and add words,
//     reword phrases and spell names differently (الأميركي/الأمريكي, ميلي/ميللي). The aligner finds
//     exact seeds (k-word runs shared by both texts), chains them, extends the promising ones
//     into local alignments by X-drop dynamic programming over tokens (Smith–Waterman scoring
//     with a linear gap cost; the X-drop rule of BLAST's gapped extension, Zhang et al. 1998),
//     and scores spelling variants as partial matches (see TokenSimilarity). A passage ends where
//     more than `max_gap` words in a row stay unaligned on either side; a passage must show an
//     unedited run of `min_anchor_words` matches, or sit next to one that does.
//   * Exact-only (`edit_tolerant = false`): maximal runs of equal tokens, nothing else. Faster; the
//     spans of an exact copy are the same in both modes.
//
// Tokens are compared by their hash (normalized, clitic-stripped stems), so quote marks,
// punctuation, diacritics and letter-form variants the Normalizer folds never cost anything.
//
// Example:
//   naql::Normalizer normalizer;
//   naql::Tokenizer tokenizer;
//   naql::NormalizedText text_a = normalizer.Normalize(original_a);
//   naql::NormalizedText text_b = normalizer.Normalize(original_b);
//   std::vector<naql::Token> tokens_a, tokens_b;
//   tokenizer.Tokenize(text_a, &tokens_a);
//   tokenizer.Tokenize(text_b, &tokens_b);
//
//   naql::Aligner aligner{naql::AlignerOptions{}};   // options must Validate()
//   for (const naql::Span& span : aligner.Align({&text_a, tokens_a}, {&text_b, tokens_b})) {
//     // original_a.substr(span.a.byte_begin, span.a.byte_end - span.a.byte_begin) is the
//     // passage in a; span.similarity says how much of it survived in b.
//   }
//
// Thread safety: an Aligner is immutable after construction; Align() is const and thread-safe.
// The scratch-reusing overload needs one AlignScratch per thread.

#ifndef NAQL_ALIGNER_H_
#define NAQL_ALIGNER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "naql/normalizer.h"
#include "naql/report.h"
#include "naql/tokenizer.h"

namespace naql {

// Every field has a default chosen on the seed fixtures and the planted-passage test
// (tests/plagdet_test.cc); Validate() states the allowed ranges.
struct AlignerOptions {
  // Shortest span reported: a span needs at least this many matching words (equal words or
  // spelling variants), so it has at least as many words on each side (the --min-words of the
  // CLI). Counting matches rather than words keeps two short shared phrases separated by a few
  // edits ("وزير الدفاع الأمريكي" … "في العراق") from passing as a passage. 1..100000.
  uint32_t min_words = 8;

  // A passage ends where more than `max_gap` consecutive words stay unaligned on either side: two
  // aligned stretches separated by a words in a and b words in b (none of them matching) are one
  // span when max(a, b) <= max_gap, two spans otherwise. Edit-tolerant mode only. 0..1000.
  //
  // Default 5: edits inside a reused passage are a word or three (an added "أيضا", a dropped
  // "ولكن", a reworded "فقط إلى" → "إلا"); an attribution clause such as "وقال الجنرال ميلي
  // لمجموعة من الصحفيين" (six words) separates two passages. Larger values merge neighbouring
  // passages and let extension wander further into unrelated text (more work per pair).
  uint32_t max_gap = 5;

  // Words per seed in exact-only mode (the shingle size; the scanner sets it from --shingle).
  // Seeds shorter than min_words cannot miss an exact run of min_words words. 1..32; values above
  // min_words act as min_words.
  uint32_t seed_size = 5;

  // Words per seed in edit-tolerant mode. Shorter than the shingle because edited passages rarely
  // keep five equal words in a row: in the seed fixtures 000/003 the reworded sentence "مسودة سيئة
  // الصياغة تهدف فقط إلى تسليط الضوء …" shares no exact run longer than four words. The many
  // spurious short seeds cost little: see min_anchor_words. 1..32; values above min_words act as
  // min_words.
  uint32_t tolerant_seed_size = 3;

  // Edit-tolerant mode: evidence that a passage is reused rather than assembled by chance from
  // stock phrases. A span must contain an anchor — a run of at least this many matching words
  // (equal or spelling variants) with no edit between them — or lie within min_words words, in
  // both articles, of a span that does. And an extension starts only from exact seed runs that,
  // chained with the seed runs around them (each within max_gap words of the next in both
  // articles, on diagonals at most max_gap apart), cover this many words.
  //
  // Articles on one story share many short phrases ("وزير الدفاع الأمريكي مارك إسبر", "في
  // العراق"); two of them a word or two apart already make min_words matches. Alone, such a span
  // is not reported; next to a real shared passage, a short heavily reworded sentence is (in
  // fixtures 000/003, "مسودة سيئة الصياغة تهدف فقط إلى تسليط الضوء …", whose longest unedited run
  // is five words, sits beside Milley's quotation). Default 6: one more than the longest phrase
  // the corpus generator lets unrelated articles share. Values above min_words act as
  // min_words. 1..100000.
  uint32_t min_anchor_words = 6;

  // A seed k-gram that occurs more often than this in b is skipped (boilerplate or a word
  // repeated many times would otherwise create occurrences_a × occurrences_b seeds). Passages
  // made only of such k-grams are not found. 1..65535.
  uint32_t max_seed_occurrences = 16;

  // false: the exact-only mode described in the file comment.
  bool edit_tolerant = true;

  // Edit-tolerant mode: two spans within max_gap words of each other in *both* articles are
  // reported as one span even when their order differs between the articles (sentences swapped
  // by an editor). The joined span's matches are the sum of its parts' and its edits add the
  // unaligned words between them.
  bool join_reordered = true;

  // Spans whose similarity (2 · matches / (a words + b words)) is below this are dropped. [0, 1].
  double min_similarity = 0.5;

  // Dynamic-programming scores per aligned pair of words (edit-tolerant mode). A pair of equal
  // words scores match_score; a spelling variant with TokenSimilarity σ in (0, 1) scores
  // mismatch_score + (match_score − mismatch_score) · σ, i.e. linearly between a mismatch and a
  // match; any other pair scores mismatch_score; a word aligned to nothing scores gap_score.
  // Requires match_score > 0, mismatch_score < 0, gap_score < 0.
  double match_score = 1.0;
  double mismatch_score = -1.0;
  double gap_score = -1.0;

  // Spelling-variant rule (see TokenSimilarity). Two stems of at least fuzzy_min_letters code
  // points each are variants when their edit distance is 1; of at least fuzzy_two_edit_letters
  // each, when it is at most 2. 0 disables the corresponding rule; otherwise 2..32, and
  // fuzzy_two_edit_letters must not be below fuzzy_min_letters.
  uint32_t fuzzy_min_letters = 4;
  uint32_t fuzzy_two_edit_letters = 7;
  // Also variants, whatever their length: a stem of at least two letters and the same stem behind
  // one proclitic letter و ف ب ل ك, which the tokenizer strips only from longer words (من/ومن,
  // لا/ولا, ان/بان).
  bool fuzzy_proclitics = true;

  // InvalidArgument naming the first field out of range.
  absl::Status Validate() const;

  // The X-drop threshold used by extension: max_gap times the larger of the two penalties, so that
  // a gap of max_gap unaligned words can be crossed and a longer one ends the extension.
  double x_drop() const;
};

// A document's tokens as the aligner sees them. Views: valid while their owners live and are not
// modified. `tokens` must come from tokenizing `*text`. `text` may be null: then only equal hashes
// match (no spelling variants).
struct TokenSequence {
  const NormalizedText* text = nullptr;
  absl::Span<const Token> tokens;
};

namespace internal {
struct AlignScratchData;
}  // namespace internal

// Reusable working memory for Aligner::Align; after a few calls on inputs of similar size, Align
// allocates nothing but the spans it appends. Not thread-safe: one per thread. Movable.
class AlignScratch {
 public:
  AlignScratch();
  ~AlignScratch();
  AlignScratch(AlignScratch&&) noexcept;
  AlignScratch& operator=(AlignScratch&&) noexcept;

 private:
  friend class Aligner;
  std::unique_ptr<internal::AlignScratchData> data_;
};

class Aligner {
 public:
  // Requires options.Validate().ok() (asserted in debug builds).
  explicit Aligner(const AlignerOptions& options = AlignerOptions());

  const AlignerOptions& options() const { return options_; }

  // The passages shared by a and b, ordered by a_token_begin, never overlapping on either side
  // (their token ranges are disjoint in a and disjoint in b; b ranges need not be increasing).
  // Every Span field is filled: token ranges; original spans from the first word's start to the
  // last word's end; words = max(a words, b words); matches (equal words and spelling variants);
  // edits (substitutions + insertions + deletions, so max(a, b) − matches <= edits <=
  // a + b − 2 · matches); similarity = 2 · matches / (a words + b words). `quote` stays false
  // (the quote detector sets it). Each span has at least min_words matches (so at least as many
  // words on both sides), a similarity of at least min_similarity, and begins and ends with a
  // matching pair of words (a span joined from reordered parts: each part does); in edit-tolerant
  // mode, it also has an anchor or an anchored neighbour (see min_anchor_words). Exact copies
  // give exact spans: identical sequences of at least min_words words give one span covering both
  // entirely, similarity 1 (unless every k-gram of them exceeds max_seed_occurrences).
  //
  // Cost: O(n + m + seeds) plus, in edit-tolerant mode, O(edited words · max_gap) for the
  // dynamic programming (unedited stretches cost O(length)). Empty sequences give no spans.
  std::vector<Span> Align(const TokenSequence& a, const TokenSequence& b) const;

  // Same; clears `out` and appends the spans to it, reusing `scratch` (no allocation in steady
  // state once `out` has capacity).
  void Align(const TokenSequence& a, const TokenSequence& b, std::vector<Span>* out,
             AlignScratch* scratch) const;

  // False only when no result of Align(a, b) can have `matches` matches in all: fewer than that
  // many words of the shorter sequence equal a word of the other or pass the cheap filters of
  // the spelling-variant rule with one (lengths and letter sets; see TokenSimilarity). A filter
  // for callers that need many matches and usually find few: it compares words, without seeds or
  // dynamic programming, and stops once the answer is known. Always false for `matches` above
  // the shorter length, always true for 0.
  bool MayMatch(const TokenSequence& a, const TokenSequence& b, uint32_t matches,
                AlignScratch* scratch) const;

 private:
  AlignerOptions options_;
};

// Similarity in [0, 1] of two stems (folded UTF-8, as StemText returns them): 1 when they are
// equal; 1 − d / max(length) when they are spelling variants under `options`' rules, d being
// their optimal-string-alignment distance in code points (Levenshtein plus adjacent
// transpositions, so اميركي/امريكي is at distance 1; a proclitic form is at distance 1); 0
// otherwise. Stems longer than 32 code points are variants only when equal.
double StemSimilarity(absl::string_view a_stem, absl::string_view b_stem,
                      const AlignerOptions& options);

// The similarity the aligner gives two tokens: 1 when their hashes are equal, otherwise
// StemSimilarity of their stems (0 when either text is null).
double TokenSimilarity(const NormalizedText* a_text, const Token& a, const NormalizedText* b_text,
                       const Token& b, const AlignerOptions& options);

}  // namespace naql

#endif  // NAQL_ALIGNER_H_
