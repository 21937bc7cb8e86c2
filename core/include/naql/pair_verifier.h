// naql/pair_verifier.h — turns a candidate pair into a finding (or nothing).
//
// Candidates come from LSH or the passage index; only alignment decides. VerifyPair aligns the two
// analyzed articles, and when at least one span of min_words words is shared fills a PairReport:
// spans, coverage of each side, and the kind — a duplicate when the spans cover at least
// kDuplicateCoverage of the words of the shorter article, reuse otherwise. The scanner and the
// persistent index both use it, so that `naql scan` and `naql index query` agree.
//
// Example:
//   naql::PairReport report;
//   if (naql::VerifyPair(aligner, text_a, text_b, &report)) { report.a = a; report.b = b; ... }
//
// Thread safety: a free function; safe to call concurrently with distinct outputs.

#ifndef NAQL_PAIR_VERIFIER_H_
#define NAQL_PAIR_VERIFIER_H_

#include "naql/aligner.h"
#include "naql/fingerprinter.h"
#include "naql/report.h"

namespace naql {

// Aligns `a` and `b`. Returns false (and leaves report->spans empty) when they share no span.
// Otherwise fills report->spans (each flagged `quote` when it lies inside a quotation of both
// articles, see InsideQuotation), coverage_a, coverage_b and kind; leaves a, b and jaccard as they
// are (the caller knows the indices and whether a Jaccard estimate applies).
bool VerifyPair(const Aligner& aligner, const AnalyzedText& a, const AnalyzedText& b,
                PairReport* report);

// Same, aligning with `scratch` (one per thread; see AlignScratch) to avoid allocating per pair.
bool VerifyPair(const Aligner& aligner, const AnalyzedText& a, const AnalyzedText& b,
                AlignScratch* scratch, PairReport* report);

}  // namespace naql

#endif  // NAQL_PAIR_VERIFIER_H_
