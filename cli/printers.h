// printers.h — the scan report in each output format (text, tsv, jsonl).
//
// A printer receives findings in order (pairs, then clusters, then the summary) and writes them to
// an Output. Formats are documented in the README ("Output formats"); the JSONL schema is the
// contract of DESIGN.md: one object per line with a "type" field.

#ifndef NAQL_CLI_PRINTERS_H_
#define NAQL_CLI_PRINTERS_H_

#include <memory>
#include <string>
#include <vector>

#include "naql/document.h"
#include "naql/report.h"
#include "naql/scanner.h"
#include "output.h"
#include "word_marks.h"

namespace naql::cli {

struct ReportSummary {
  uint64_t documents = 0;
  uint64_t skipped = 0;
  uint64_t pairs = 0;
  uint64_t clusters = 0;
  uint64_t quotes = 0;
  double seconds = 0;
};

class ReportPrinter : public ScanSink {
 public:
  // `documents` gives ids for clusters (indices into it); it must outlive the printer's calls.
  virtual void PrintSummary(const ReportSummary& summary) = 0;
};

// Appends `text` as a TSV field: invalid UTF-8 as U+FFFD, and the characters a field cannot hold
// written as escapes: tab \t, newline \n, carriage return \r, backslash \\.
void AppendTsvField(absl::string_view text, std::string* out);

struct PrinterOptions {
  // Text format: passages longer than a few lines are shown as their beginning and end. `naql
  // compare` shows them whole.
  bool elide_long_passages = true;
  // Text format: when set, passages are written with their differing words marked (see
  // word_marks.h) and a line explaining the notation heads each pair. The marker knows the two
  // articles of `naql compare`: every pair printed must be of those two articles. Not owned; must
  // outlive the printer. Default null (scan: plain passages).
  const PassageMarker* marker = nullptr;
};

// Creates the printer for `format` ("text", "tsv", "jsonl" or "html"; the HTML printer with
// its default HtmlReportOptions).
std::unique_ptr<ReportPrinter> MakePrinter(const std::string& format, Output* out,
                                           const std::vector<ScannedDocument>* documents,
                                           const PrinterOptions& options = PrinterOptions());

}  // namespace naql::cli

#endif  // NAQL_CLI_PRINTERS_H_
