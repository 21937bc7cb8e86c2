#include "naql/pair_verifier.h"

namespace naql {

bool VerifyPair(const Aligner& aligner, const AnalyzedText& a, const AnalyzedText& b,
                PairReport* report) {
  AlignScratch scratch;
  return VerifyPair(aligner, a, b, &scratch, report);
}

bool VerifyPair(const Aligner& aligner, const AnalyzedText& a, const AnalyzedText& b,
                AlignScratch* scratch, PairReport* report) {
  aligner.Align(a.sequence(), b.sequence(), &report->spans, scratch);
  if (report->spans.empty()) return false;
  uint64_t covered_a = 0, covered_b = 0;
  for (Span& span : report->spans) {
    covered_a += span.a_words();
    covered_b += span.b_words();
    span.quote = InsideQuotation(span.a, a.quotations) && InsideQuotation(span.b, b.quotations);
  }
  const size_t words_a = a.tokens.size(), words_b = b.tokens.size();
  report->coverage_a = words_a ? static_cast<double>(covered_a) / words_a : 0.0;
  report->coverage_b = words_b ? static_cast<double>(covered_b) / words_b : 0.0;
  const double shorter_cover = words_a <= words_b ? report->coverage_a : report->coverage_b;
  report->kind = shorter_cover >= kDuplicateCoverage ? PairKind::kDuplicate : PairKind::kReuse;
  return true;
}

}  // namespace naql
