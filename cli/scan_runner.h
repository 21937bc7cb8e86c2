// scan_runner.h — the reading and scanning that `naql scan` and `naql quotes` share.
//
// Both commands open their inputs with every problem reported on stderr as a warning, draw a
// progress line while the scanner runs (on a terminal, or as --progress/--no-progress say), and
// end with the same checks; only what they print differs. ScanRunner holds that common part, so
// that the two commands keep the same behaviour.
//
// Example:
//   ScanRunner runner(flags.common, &diagnostics);
//   if (absl::Status s = runner.Open(flags.inputs, flags.lang, &options); !s.ok()) {
//     return diagnostics.Fail(s);
//   }
//   Scanner scanner(options);
//   Output out;
//   std::unique_ptr<ReportPrinter> printer = MakePrinter(format, &out, &scanner.documents());
//   if (absl::Status s = runner.Run(&scanner, printer.get()); !s.ok()) {
//     out.Flush();
//     return diagnostics.Fail(s);
//   }
//   ReportSummary summary = runner.Summary(scanner.stats());
//
// Thread safety: one runner per command invocation, used from one thread.

#ifndef NAQL_CLI_SCAN_RUNNER_H_
#define NAQL_CLI_SCAN_RUNNER_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "app.h"
#include "naql/reader.h"
#include "naql/scanner.h"
#include "printers.h"
#include "progress.h"

namespace naql::cli {

// Opens `inputs` as every naql command does: each input problem is printed as a warning (the
// progress line cleared first); under options.strict the first one is returned. `progress` and
// `diagnostics` are not owned and must outlive the reader. Errors: DocumentReader::Open's.
absl::StatusOr<std::unique_ptr<DocumentReader>> OpenInputs(const std::vector<std::string>& inputs,
                                                           const ReaderOptions& options,
                                                           ProgressLine* progress,
                                                           Diagnostics* diagnostics);

class ScanRunner {
 public:
  // `common` gives --threads, --strict, -q, -v and the progress flags (-q and -v are applied to
  // `diagnostics`, which is not owned and must outlive the runner). The run's clock
  // (ReportSummary::seconds) starts here.
  ScanRunner(const CommonFlags& common, Diagnostics* diagnostics);
  ScanRunner(const ScanRunner&) = delete;
  ScanRunner& operator=(const ScanRunner&) = delete;

  // Sets options->threads from --threads and checks `options` (InvalidArgument when invalid),
  // then opens `inputs` (files, directories, "-") keeping only articles in `language` ("" for
  // all, "ar"; see ReaderOptions::language). Input problems are printed as warnings (the progress
  // line is cleared first); under --strict the first one is returned. Errors: those of
  // ScanOptions::Validate and DocumentReader::Open.
  absl::Status Open(const std::vector<std::string>& inputs, const std::string& language,
                    ScanOptions* options);

  // Runs `scanner` over the opened inputs, feeding `sink` (not owned), with the progress line;
  // clears the line when done. Requires a successful Open(), once. Errors: the scanner's, or
  // InvalidArgument "no article could be read" when every input was skipped.
  absl::Status Run(Scanner* scanner, ScanSink* sink);

  // The summary fields every command prints: documents, skipped (from `stats`) and the seconds
  // since construction. The command fills pairs, clusters and quotes.
  ReportSummary Summary(const ScanStats& stats) const;

  // Articles the --lang filter dropped (0 before Open()).
  uint64_t filtered() const { return reader_ != nullptr ? reader_->filtered() : 0; }

 private:
  Diagnostics* diagnostics_;
  bool strict_;
  unsigned threads_;
  ProgressLine progress_;
  std::chrono::steady_clock::time_point start_;
  std::unique_ptr<DocumentReader> reader_;
};

}  // namespace naql::cli

#endif  // NAQL_CLI_SCAN_RUNNER_H_
