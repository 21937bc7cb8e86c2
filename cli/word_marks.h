// word_marks.h — the words that differ inside a shared passage, and the passage written with them
// marked (the text format of `naql compare`).
//
// A Span says how many of its words match and how many are edits, not which. WordMarks pairs the
// words of the two sides of one span as the aligner does: a global alignment of the span's two
// word ranges (a span begins and ends on a matching pair) scored with the aligner's own scores
// and its own word comparison (naql::TokenSimilarity under the same AlignerOptions), so equal
// words, spelling variants and edits are what the aligner counts. Each word gets a WordMark.
// (The aligner keeps its own word-by-word path private; the counts of both agree on the seed
// fixtures and on planted edits, see tests/word_marks_test.cc. A span the aligner joined from two
// parts in different order in the two articles is marked along one order: the moved part shows
// as words on one side only.)
//
// In the text, with the default notation (chosen for terminals showing right-to-left Arabic: the
// brackets are Unicode "mirrored" characters, drawn facing the right way in either direction, and
// they survive copy and paste, unlike colour):
//   ⟦…⟧  words present on one side only: added, dropped, or replaced by another word
//   ⟨…⟩  words matched to a spelling variant on the other side (الأميركية / الأمريكية)
// Neighbouring words with the same mark share one pair of brackets. With `color`, the marked
// runs are also coloured with ANSI escapes (red for one side only, magenta for variants).
//
// Example:
//   naql::cli::PassageMarker marker(text_a, text_b, aligner_options);   // AnalyzedText of each
//   std::string line_a, line_b;
//   marker.AppendMarked(span, doc_a, doc_b, &line_a, &line_b);
//   // line_a: "… وتوحي بالانسحاب، ⟦ولكن⟧ ليس هذا ما ⟦سوف⟧ يحدث» …"
//
// Cost: the alignment of a span of n and m words is O(n · m) word comparisons up to a million
// cells; longer spans are aligned in a band of the diagonal (see internal::AlignSpanWords).
//
// Thread safety: a PassageMarker is immutable after construction; its const methods are
// thread-safe.

#ifndef NAQL_CLI_WORD_MARKS_H_
#define NAQL_CLI_WORD_MARKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "naql/aligner.h"
#include "naql/document.h"
#include "naql/fingerprinter.h"
#include "naql/report.h"

namespace naql::cli {

enum class WordMark : uint8_t {
  kSame = 0,     // aligned to an equal word (after normalization and clitic stripping)
  kVariant = 1,  // aligned to a spelling variant (counted as a match by the aligner)
  kOneSide = 2,  // not matched on the other side: inserted, deleted or substituted (an edit)
};

// The marks of one span's words, and the counts they imply (comparable with the Span's).
struct SpanWordMarks {
  std::vector<WordMark> a;  // one per word of the span in a: a[i] is token a_token_begin + i
  std::vector<WordMark> b;  // one per word of the span in b
  uint32_t matches = 0;     // aligned pairs of equal words or variants
  uint32_t edits = 0;       // substitutions + insertions + deletions
};

// How marked runs are written. The defaults are the notation of the file comment.
struct MarkNotation {
  std::string one_side_open = "⟦";
  std::string one_side_close = "⟧";
  std::string variant_open = "⟨";
  std::string variant_close = "⟩";
  // Also colour the marked runs with ANSI escapes (only for a terminal). Default false.
  bool color = false;
};

// Marks the words of spans of one pair of analyzed articles.
class PassageMarker {
 public:
  // `a` and `b` are the analyses (Fingerprinter::Analyze) of the two articles whose spans will be
  // marked, and must outlive the marker; `options` are the aligner options that made the spans
  // (requires options.Validate().ok()).
  PassageMarker(const AnalyzedText& a, const AnalyzedText& b, const AlignerOptions& options,
                const MarkNotation& notation = MarkNotation());

  // One line (without newline) explaining the notation, e.g. "⟦…⟧ words on one side only
  // (edits), ⟨…⟩ spelling variants".
  std::string Legend() const;

  // The marks of `span`, a span of these two articles (its token ranges must lie inside them).
  SpanWordMarks Mark(const Span& span) const;

  // Appends the passage of `span` in each article, from its first word to its last, whitespace
  // runs folded to one space, invalid UTF-8 as U+FFFD, the words marked as Mark() says.
  // `doc_a` and `doc_b` are the documents analyzed as `a` and `b`.
  void AppendMarked(const Span& span, const Document& doc_a, const Document& doc_b,
                    std::string* out_a, std::string* out_b) const;

 private:
  const AnalyzedText& a_;
  const AnalyzedText& b_;
  AlignerOptions options_;
  MarkNotation notation_;
};

// Appends `original` with each run of whitespace (space, tab, CR, LF) written as one space and
// invalid UTF-8 as U+FFFD: a piece of passage in the text format.
void AppendFolded(absl::string_view original, std::string* out);

namespace internal {

// Aligns words a.tokens[a_begin, a_end) with b.tokens[b_begin, b_end) end to end (global
// alignment: H(i, j) = max(H(i−1, j−1) + s(i, j), H(i−1, j) + gap, H(i, j−1) + gap), with s the
// aligner's score: match_score for equal words, mismatch + (match − mismatch) · σ for variants of
// TokenSimilarity σ, mismatch_score otherwise). Ties prefer the diagonal, then a word of a alone.
// Up to `max_full_cells` cells the whole matrix is searched; beyond, only cells within a band of
// 4 · max_gap + 128 words around the straight line from (0, 0) to (n, m) (the path of a span
// drifts from it by its net insertions and deletions, which max_gap bounds between matches).
SpanWordMarks AlignSpanWords(const TokenSequence& a, uint32_t a_begin, uint32_t a_end,
                             const TokenSequence& b, uint32_t b_begin, uint32_t b_end,
                             const AlignerOptions& options, uint64_t max_full_cells = 1u << 20);

}  // namespace internal
}  // namespace naql::cli

#endif  // NAQL_CLI_WORD_MARKS_H_
