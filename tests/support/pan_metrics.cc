#include "pan_metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_format.h"

namespace naql::testing {
namespace {

bool Overlaps(const CharRange& x, const CharRange& y) {
  return x.begin < y.end && y.begin < x.end && x.size() > 0 && y.size() > 0;
}

// r detects s (or s detects r: the relation is symmetric).
bool Detects(const PassagePair& s, const PassagePair& r) {
  return s.pair == r.pair && Overlaps(s.a, r.a) && Overlaps(s.b, r.b);
}

// Number of characters of `range` covered by the union of `parts` (each already clipped or not).
uint32_t CoveredChars(const CharRange& range, std::vector<CharRange>* parts) {
  std::vector<CharRange>& p = *parts;
  for (CharRange& part : p) {
    part.begin = std::max(part.begin, range.begin);
    part.end = std::min(part.end, range.end);
  }
  std::sort(p.begin(), p.end(),
            [](const CharRange& x, const CharRange& y) { return x.begin < y.begin; });
  uint32_t covered = 0, reach = range.begin;
  for (const CharRange& part : p) {
    if (part.end <= reach) continue;
    const uint32_t from = std::max(part.begin, reach);
    covered += part.end - from;
    reach = part.end;
  }
  return covered;
}

// Σ over x in `of` of |∪_{y in `by`, y detects x} (x ∩ y)| / |x|.
double SumCoveredShares(absl::Span<const PassagePair> of, absl::Span<const PassagePair> by) {
  double sum = 0;
  std::vector<CharRange> in_a, in_b;
  for (const PassagePair& x : of) {
    const uint32_t size = x.a.size() + x.b.size();
    if (size == 0) continue;
    in_a.clear();
    in_b.clear();
    for (const PassagePair& y : by) {
      if (!Detects(x, y)) continue;
      in_a.push_back(y.a);
      in_b.push_back(y.b);
    }
    const uint32_t covered = CoveredChars(x.a, &in_a) + CoveredChars(x.b, &in_b);
    sum += static_cast<double>(covered) / size;
  }
  return sum;
}

}  // namespace

std::string PanScores::DebugString() const {
  return absl::StrFormat(
      "precision=%.4f recall=%.4f granularity=%.4f plagdet=%.4f (cases=%d detections=%d "
      "detected=%d)",
      precision, recall, granularity, plagdet, cases, detections, detected_cases);
}

double PlagDet(double precision, double recall, double granularity) {
  if (precision + recall <= 0) return 0;
  const double f1 = 2 * precision * recall / (precision + recall);
  return f1 / std::log2(1 + std::max(1.0, granularity));
}

PanScores ComputePanScores(absl::Span<const PassagePair> cases,
                           absl::Span<const PassagePair> detections) {
  PanScores scores;
  scores.cases = cases.size();
  scores.detections = detections.size();
  if (cases.empty() && detections.empty()) {
    scores.precision = scores.recall = 1;
  } else if (!cases.empty() && !detections.empty()) {
    scores.recall = SumCoveredShares(cases, detections) / cases.size();
    scores.precision = SumCoveredShares(detections, cases) / detections.size();
  }
  size_t pieces = 0;
  for (const PassagePair& s : cases) {
    size_t count = 0;
    for (const PassagePair& r : detections) count += Detects(s, r);
    if (count > 0) {
      ++scores.detected_cases;
      pieces += count;
    }
  }
  scores.granularity =
      scores.detected_cases > 0 ? static_cast<double>(pieces) / scores.detected_cases : 1.0;
  scores.plagdet = PlagDet(scores.precision, scores.recall, scores.granularity);
  return scores;
}

}  // namespace naql::testing
