// pan_metrics.h — the PAN text-alignment measures: character precision, recall, granularity and
// PlagDet (Potthast, Stein, Barrón-Cedeño, Rosso 2010, "An Evaluation Framework for Plagiarism
// Detection", COLING). Used by tests and benchmarks to score reported spans against planted ones.
//
// A *case* s is a true shared passage: a character range in each document of a pair. A
// *detection* r is a reported one. r detects s when they are about the same document pair and
// their ranges overlap in both documents; then s ⊓ r = s ∩ r (characters of both documents),
// otherwise s ⊓ r = ∅. With |x| the number of characters of x in both documents:
//
//   precision   = 1/|R| · Σ_{r∈R} |∪_{s∈S} (s ⊓ r)| / |r|
//   recall      = 1/|S| · Σ_{s∈S} |∪_{r∈R} (s ⊓ r)| / |s|
//   granularity = 1/|S_R| · Σ_{s∈S_R} |R_s|      (S_R: cases detected at least once; R_s: their
//                                                  detections — how many pieces a case is cut into)
//   PlagDet     = F1(precision, recall) / log2(1 + granularity)
//
// Conventions of the PAN evaluator for empty sets: no cases and no detections give precision =
// recall = 1; otherwise an empty side gives 0; granularity is 1 when no case is detected; PlagDet
// is 0 when precision and recall are both 0. Ranges are half-open and in any unit (naql uses code
// points) as long as cases and detections agree.
//
// Example:
//   std::vector<naql::testing::PassagePair> truth = {{0, {10, 60}, {200, 250}}};
//   std::vector<naql::testing::PassagePair> found = {{0, {12, 60}, {200, 240}}};
//   naql::testing::PanScores scores = naql::testing::ComputePanScores(truth, found);
//   // scores.recall == 88.0 / 100, scores.precision == 1, scores.granularity == 1
//
// Thread safety: free functions without state.

#ifndef NAQL_TESTS_SUPPORT_PAN_METRICS_H_
#define NAQL_TESTS_SUPPORT_PAN_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace naql::testing {

// A half-open range [begin, end) of characters in one document.
struct CharRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t size() const { return end > begin ? end - begin : 0; }
};

// A passage shared by the two documents of pair `pair`: `a` in the first, `b` in the second.
struct PassagePair {
  uint32_t pair = 0;
  CharRange a;
  CharRange b;
};

struct PanScores {
  double precision = 0;
  double recall = 0;
  double granularity = 1;
  double plagdet = 0;
  size_t cases = 0;
  size_t detections = 0;
  size_t detected_cases = 0;  // |S_R|

  std::string DebugString() const;  // "precision=… recall=… granularity=… plagdet=… (…)"
};

// The measures above. Cost O(|S| · |R| + characters); meant for test-sized inputs.
PanScores ComputePanScores(absl::Span<const PassagePair> cases,
                           absl::Span<const PassagePair> detections);

// F1(precision, recall) / log2(1 + granularity); 0 when precision + recall == 0.
double PlagDet(double precision, double recall, double granularity);

}  // namespace naql::testing

#endif  // NAQL_TESTS_SUPPORT_PAN_METRICS_H_
