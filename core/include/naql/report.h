// naql/report.h — what naql finds: aligned spans, pairs of articles, clusters, quotations.
//
// These are plain value types shared by the aligner, the scanner, the index and the printers. Every
// offset is half-open and points into the *original* text of its article (code points and bytes,
// see OriginalSpan). The JSONL schema that prints them is documented in the README.

#ifndef NAQL_REPORT_H_
#define NAQL_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "naql/offset_map.h"

namespace naql {

// One aligned passage shared by articles a and b.
struct Span {
  // Token ranges [begin, end) of the passage in each article's token sequence.
  uint32_t a_token_begin = 0;
  uint32_t a_token_end = 0;
  uint32_t b_token_begin = 0;
  uint32_t b_token_end = 0;
  // The passage in each original text (from the first aligned word's start to the last one's end).
  OriginalSpan a;
  OriginalSpan b;
  uint32_t words = 0;    // max(a_token_end - a_token_begin, b_token_end - b_token_begin)
  uint32_t matches = 0;  // aligned word pairs that are equal (or spelling variants)
  uint32_t edits = 0;    // substitutions + insertions + deletions inside the passage
  double similarity = 0;  // 2 * matches / (a words + b words), in [0, 1]
  bool quote = false;     // the passage lies inside a quotation in both articles

  uint32_t a_words() const { return a_token_end - a_token_begin; }
  uint32_t b_words() const { return b_token_end - b_token_begin; }
};

enum class PairKind : uint8_t {
  kReuse = 0,      // at least one span of >= min_words words, below the duplicate cover
  kDuplicate = 1,  // spans cover >= 80% of the words of the shorter article
};
const char* PairKindName(PairKind kind);  // "reuse" | "duplicate"

// The coverage of the shorter article above which a pair is a duplicate.
inline constexpr double kDuplicateCoverage = 0.8;

struct PairReport {
  uint32_t a = 0;  // document indices in input order; a < b
  uint32_t b = 0;
  PairKind kind = PairKind::kReuse;
  std::optional<double> jaccard;  // MinHash estimate; absent when found by passages only
  double coverage_a = 0;          // share of a's words inside spans
  double coverage_b = 0;
  std::vector<Span> spans;        // ordered by a_token_begin; never overlapping
};

// Syndicated copies: documents linked by duplicate pairs.
struct Cluster {
  uint32_t id = 0;
  std::vector<uint32_t> members;  // document indices, ascending
  uint32_t origin = 0;            // earliest dated member (ties and undated: first in input order)
};

// One place a quotation occurs.
struct QuoteOccurrence {
  uint32_t doc = 0;
  OriginalSpan span;
  std::string text;  // the original text of the span
};

// A quotation repeated across documents.
struct RepeatedQuote {
  uint32_t id = 0;
  std::string text;  // normalized text of a representative occurrence
  std::vector<QuoteOccurrence> occurrences;  // ordered by document
};

}  // namespace naql

#endif  // NAQL_REPORT_H_
