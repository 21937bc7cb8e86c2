#include "scan_runner.h"

#include "absl/strings/str_cat.h"

namespace naql::cli {

absl::StatusOr<std::unique_ptr<DocumentReader>> OpenInputs(const std::vector<std::string>& inputs,
                                                           const ReaderOptions& options,
                                                           ProgressLine* progress,
                                                           Diagnostics* diagnostics) {
  return DocumentReader::Open(inputs, options, [progress, diagnostics](const InputProblem& problem) {
    progress->Clear();
    diagnostics->Warning(problem.status.message());
  });
}

ScanRunner::ScanRunner(const CommonFlags& common, Diagnostics* diagnostics)
    : diagnostics_(diagnostics),
      strict_(common.strict),
      threads_(common.ResolvedThreads()),
      progress_(common.ShowProgress()),
      start_(std::chrono::steady_clock::now()) {
  common.Configure(diagnostics_);
}

absl::Status ScanRunner::Open(const std::vector<std::string>& inputs, const std::string& language,
                              ScanOptions* scan_options) {
  scan_options->threads = threads_;
  if (absl::Status status = scan_options->Validate(); !status.ok()) return status;
  ReaderOptions options;
  options.strict = strict_;
  options.language = language;
  options.spool_directory = scan_options->temp_dir;  // where stdin waits to be re-read
  absl::StatusOr<std::unique_ptr<DocumentReader>> reader =
      OpenInputs(inputs, options, &progress_, diagnostics_);
  if (!reader.ok()) return reader.status();
  reader_ = *std::move(reader);
  return absl::OkStatus();
}

absl::Status ScanRunner::Run(Scanner* scanner, ScanSink* sink) {
  absl::Status status = scanner->Run(reader_.get(), sink, [this](const ScanProgress& progress) {
    progress_.Update(progress);
  });
  progress_.Clear();
  if (!status.ok()) return status;
  const ScanStats& stats = scanner->stats();
  if (stats.documents == 0 && stats.skipped > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no article could be read (", stats.skipped, " inputs or lines skipped, see above)"));
  }
  return absl::OkStatus();
}

ReportSummary ScanRunner::Summary(const ScanStats& stats) const {
  ReportSummary summary;
  summary.documents = stats.documents;
  summary.skipped = stats.skipped;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return summary;
}

}  // namespace naql::cli
