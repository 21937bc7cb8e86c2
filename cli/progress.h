// progress.h — a one-line progress display on stderr, redrawn in place.
//
// Shown only when stderr is a terminal (or with --progress): documents, MB read, MB/s, pairs
// found, and an ETA when the total input size is known. Cleared when the run ends, so it never
// mixes with results or messages.

#ifndef NAQL_CLI_PROGRESS_H_
#define NAQL_CLI_PROGRESS_H_

#include <chrono>

#include "naql/scanner.h"

namespace naql::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled), start_(Clock::now()) {}
  ~ProgressLine() { Clear(); }

  void Update(const ScanProgress& progress);
  // Erases the line (call before printing anything else on stderr).
  void Clear();

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_;
};

}  // namespace naql::cli

#endif  // NAQL_CLI_PROGRESS_H_
