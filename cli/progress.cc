#include "progress.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace naql::cli {

void ProgressLine::Update(const ScanProgress& p) {
  if (!enabled_) return;
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const double mb = static_cast<double>(p.bytes) / 1e6;
  std::string line = absl::StrFormat("naql: %s  %d docs  %.1f MB", p.phase, p.documents, mb);
  if (seconds > 0) absl::StrAppendFormat(&line, "  %.1f MB/s", mb / seconds);
  if (p.total > 0) {
    const bool partitions = absl::string_view(p.phase) == "candidates";
    absl::StrAppendFormat(&line, "  %d/%d %s", p.done, p.total,
                          partitions ? "fingerprint partitions indexed" : "pairs checked");
  } else if (p.total_bytes > 0 && p.bytes > 0 && p.bytes < p.total_bytes) {
    const double eta = seconds * static_cast<double>(p.total_bytes - p.bytes) /
                       static_cast<double>(p.bytes);
    absl::StrAppendFormat(&line, "  %.0f%%  ETA %.0f s",
                          100.0 * static_cast<double>(p.bytes) / static_cast<double>(p.total_bytes),
                          eta);
  }
  absl::StrAppendFormat(&line, "  %d found", p.pairs);
  std::fprintf(stderr, "\r\x1b[2K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::Clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\x1b[2K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace naql::cli
