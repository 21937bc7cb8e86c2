// synthetic_report.h — made-up scan findings of any size, for the report printers' tests and
// benchmarks (e.g. the HTML report of 10,000 pairs).
//
// The articles are random sequences of Arabic words (SplitMix64, so the same seed gives the same
// report everywhere); pairs join random articles and carry a few spans at word boundaries whose
// code point and byte offsets are exact for the generated texts. The spans are not aligned
// passages (their texts differ): the data is for measuring and exercising printers, not aligners.
//
// Example:
//   naql::testing::SyntheticReport report = naql::testing::MakeSyntheticReport({.pairs = 10000});
//   for (const naql::PairReport& pair : report.pairs)
//     printer.OnPair(pair, report.documents[pair.a], report.documents[pair.b]);
//
// Thread safety: a free function without state.

#ifndef NAQL_TESTS_SUPPORT_SYNTHETIC_REPORT_H_
#define NAQL_TESTS_SUPPORT_SYNTHETIC_REPORT_H_

#include <cstdint>
#include <vector>

#include "naql/document.h"
#include "naql/report.h"
#include "naql/scanner.h"

namespace naql::testing {

struct SyntheticReportOptions {
  uint32_t documents = 2000;         // >= 2
  uint32_t pairs = 10000;            // pairs (a < b, distinct articles, possibly repeated)
  uint32_t words_per_document = 400; // >= 40
  uint32_t spans_per_pair = 3;       // >= 1 and <= words_per_document / 24; spans are disjoint
                                     // and ordered on both sides
  uint64_t seed = 20261123;
};

struct SyntheticReport {
  std::vector<Document> documents;               // ids "doc-000042", texts, dates
  std::vector<ScannedDocument> scanned;          // the same ids, metadata and word counts
  std::vector<PairReport> pairs;                 // ordered by (a, b)
};

// Requires the documented bounds of `options`.
SyntheticReport MakeSyntheticReport(const SyntheticReportOptions& options);

}  // namespace naql::testing

#endif  // NAQL_TESTS_SUPPORT_SYNTHETIC_REPORT_H_
