// Word marks: a global alignment of a span's two word ranges with the aligner's scores.
//
// The aligner reports a span from its first matching pair of words to its last, so the span's
// own alignment runs from corner to corner of the (n + 1) × (m + 1) matrix of its word ranges;
// Needleman–Wunsch (1970) with the aligner's match, variant, mismatch and gap scores finds an
// alignment of at least the aligner's score. The X-drop extension of the aligner and this search
// agree on the usual span (tests/word_marks_test.cc checks the counts on the seed fixtures and on
// planted edits); where scores tie, the two may pair words differently.

#include "word_marks.h"

#include <algorithm>
#include <limits>

#include "naql/json.h"
#include "naql/tokenizer.h"

namespace naql::cli {
namespace {

// Traceback moves of one cell.
enum Move : uint8_t {
  kDiagonalSame = 0,
  kDiagonalVariant = 1,
  kDiagonalSubstitute = 2,
  kUp = 3,    // a word of a aligned to nothing
  kLeft = 4,  // a word of b aligned to nothing
};

constexpr double kUnreachable = -std::numeric_limits<double>::infinity();

// Code points of a token's stem (UTF-8 lead bytes; the folded text is valid UTF-8).
uint32_t StemLetters(const NormalizedText& text, const Token& token) {
  uint32_t letters = 0;
  for (char c : StemText(text, token)) letters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return letters;
}

// ANSI colours of the marked runs (SGR 31 red, 35 magenta; 0 resets).
constexpr char kColorOneSide[] = "\x1b[31m";
constexpr char kColorVariant[] = "\x1b[35m";
constexpr char kColorReset[] = "\x1b[0m";

void OpenRun(WordMark mark, const MarkNotation& notation, std::string* out) {
  if (notation.color) out->append(mark == WordMark::kOneSide ? kColorOneSide : kColorVariant);
  out->append(mark == WordMark::kOneSide ? notation.one_side_open : notation.variant_open);
}

void CloseRun(WordMark mark, const MarkNotation& notation, std::string* out) {
  out->append(mark == WordMark::kOneSide ? notation.one_side_close : notation.variant_close);
  if (notation.color) out->append(kColorReset);
}

// Appends the words [begin, end) of `tokens` as they stand in `original`, with their marks.
void AppendSide(absl::string_view original, const std::vector<Token>& tokens, uint32_t begin,
                uint32_t end, const std::vector<WordMark>& marks, const MarkNotation& notation,
                std::string* out) {
  bool open = false;
  WordMark run = WordMark::kSame;
  for (uint32_t t = begin; t < end; ++t) {
    const WordMark mark = marks[t - begin];
    if (open && mark != run) {
      CloseRun(run, notation, out);
      open = false;
    }
    if (t > begin) {
      const uint32_t gap_begin = tokens[t - 1].original.byte_end;
      const uint32_t gap_end = tokens[t].original.byte_begin;
      AppendFolded(original.substr(gap_begin, gap_end - gap_begin), out);
    }
    if (!open && mark != WordMark::kSame) {
      OpenRun(mark, notation, out);
      open = true;
      run = mark;
    }
    const OriginalSpan& word = tokens[t].original;
    AppendFolded(original.substr(word.byte_begin, word.byte_end - word.byte_begin), out);
  }
  if (open) CloseRun(run, notation, out);
}

}  // namespace

void AppendFolded(absl::string_view original, std::string* out) {
  std::string valid;
  AppendValidUtf8(original, &valid);
  bool space = false;
  for (char c : valid) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space) out->push_back(' ');
    space = false;
    out->push_back(c);
  }
  if (space) out->push_back(' ');
}

namespace internal {

SpanWordMarks AlignSpanWords(const TokenSequence& a, uint32_t a_begin, uint32_t a_end,
                             const TokenSequence& b, uint32_t b_begin, uint32_t b_end,
                             const AlignerOptions& options, uint64_t max_full_cells) {
  const uint32_t n = a_end - a_begin;
  const uint32_t m = b_end - b_begin;
  SpanWordMarks result;
  result.a.assign(n, WordMark::kOneSide);
  result.b.assign(m, WordMark::kOneSide);
  if (n == 0 || m == 0) {
    result.edits = n + m;
    return result;
  }

  // Stem lengths: two stems whose lengths differ by more than two letters are never variants
  // (the aligner allows at most two edits, a proclitic form differs by one letter), which spares
  // most calls to TokenSimilarity.
  std::vector<uint32_t> a_letters(n), b_letters(m);
  const bool have_texts = a.text != nullptr && b.text != nullptr;
  if (have_texts) {
    for (uint32_t i = 0; i < n; ++i) a_letters[i] = StemLetters(*a.text, a.tokens[a_begin + i]);
    for (uint32_t j = 0; j < m; ++j) b_letters[j] = StemLetters(*b.text, b.tokens[b_begin + j]);
  }

  // The band: row i holds columns [lo[i], hi[i]].
  const bool full = (static_cast<uint64_t>(n) + 1) * (static_cast<uint64_t>(m) + 1) <= max_full_cells;
  uint64_t width = full ? std::max(n, m)
                        : 4ull * options.max_gap + 128 + 2 * ((m + n - 1) / n) + 2;
  std::vector<uint32_t> lo(n + 1), hi(n + 1);
  std::vector<uint64_t> row_offset(n + 2, 0);
  for (uint32_t i = 0; i <= n; ++i) {
    const uint64_t center = static_cast<uint64_t>(i) * m / n;
    lo[i] = static_cast<uint32_t>(center > width ? center - width : 0);
    hi[i] = static_cast<uint32_t>(std::min<uint64_t>(m, center + width));
    row_offset[i + 1] = row_offset[i] + (hi[i] - lo[i] + 1);
  }
  std::vector<uint8_t> moves(row_offset[n + 1]);
  std::vector<double> previous(m + 1, kUnreachable), current(m + 1, kUnreachable);

  const double match = options.match_score;
  const double mismatch = options.mismatch_score;
  const double gap = options.gap_score;
  for (uint32_t i = 0; i <= n; ++i) {
    uint8_t* row_moves = &moves[row_offset[i]];
    for (uint32_t j = lo[i]; j <= hi[i]; ++j) {
      double best = kUnreachable;
      uint8_t move = kUp;
      if (i == 0 && j == 0) {
        best = 0;
      }
      if (i > 0 && j > 0 && previous[j - 1] != kUnreachable) {
        const Token& ta = a.tokens[a_begin + i - 1];
        const Token& tb = b.tokens[b_begin + j - 1];
        double similarity = 0;
        if (ta.hash == tb.hash) {
          similarity = 1;
        } else if (have_texts) {
          const uint32_t la = a_letters[i - 1], lb = b_letters[j - 1];
          if ((la > lb ? la - lb : lb - la) <= 2) {
            similarity = TokenSimilarity(a.text, ta, b.text, tb, options);
          }
        }
        double score;
        if (similarity >= 1) {
          score = match;
          move = kDiagonalSame;
        } else if (similarity > 0) {
          score = mismatch + (match - mismatch) * similarity;
          move = kDiagonalVariant;
        } else {
          score = mismatch;
          move = kDiagonalSubstitute;
        }
        best = previous[j - 1] + score;
      }
      if (i > 0 && previous[j] != kUnreachable && previous[j] + gap > best) {
        best = previous[j] + gap;
        move = kUp;
      }
      if (j > lo[i] && current[j - 1] != kUnreachable && current[j - 1] + gap > best) {
        best = current[j - 1] + gap;
        move = kLeft;
      }
      current[j] = best;
      row_moves[j - lo[i]] = move;
    }
    // `previous` becomes row i; the old row i − 1 is cleared for reuse as row i + 1.
    std::swap(previous, current);
    if (i > 0) std::fill(current.begin() + lo[i - 1], current.begin() + hi[i - 1] + 1, kUnreachable);
  }

  // Trace back from (n, m).
  uint32_t i = n, j = m;
  while (i > 0 || j > 0) {
    const uint8_t move = moves[row_offset[i] + (j - lo[i])];
    if (i > 0 && j > 0 && move <= kDiagonalSubstitute) {
      --i;
      --j;
      if (move == kDiagonalSubstitute) {
        ++result.edits;
      } else {
        const WordMark mark = move == kDiagonalSame ? WordMark::kSame : WordMark::kVariant;
        result.a[i] = mark;
        result.b[j] = mark;
        ++result.matches;
      }
    } else if (i > 0 && (move == kUp || j == 0)) {
      --i;
      ++result.edits;
    } else {
      --j;
      ++result.edits;
    }
  }
  return result;
}

}  // namespace internal

PassageMarker::PassageMarker(const AnalyzedText& a, const AnalyzedText& b,
                             const AlignerOptions& options, const MarkNotation& notation)
    : a_(a), b_(b), options_(options), notation_(notation) {}

std::string PassageMarker::Legend() const {
  std::string legend;
  OpenRun(WordMark::kOneSide, notation_, &legend);
  legend.append("…");
  CloseRun(WordMark::kOneSide, notation_, &legend);
  legend.append(" words on one side only (edits), ");
  OpenRun(WordMark::kVariant, notation_, &legend);
  legend.append("…");
  CloseRun(WordMark::kVariant, notation_, &legend);
  legend.append(" spelling variants");
  return legend;
}

SpanWordMarks PassageMarker::Mark(const Span& span) const {
  return internal::AlignSpanWords(a_.sequence(), span.a_token_begin, span.a_token_end,
                                  b_.sequence(), span.b_token_begin, span.b_token_end, options_);
}

void PassageMarker::AppendMarked(const Span& span, const Document& doc_a, const Document& doc_b,
                                 std::string* out_a, std::string* out_b) const {
  const SpanWordMarks marks = Mark(span);
  AppendSide(doc_a.text, a_.tokens, span.a_token_begin, span.a_token_end, marks.a, notation_,
             out_a);
  AppendSide(doc_b.text, b_.tokens, span.b_token_begin, span.b_token_end, marks.b, notation_,
             out_b);
}

}  // namespace naql::cli
