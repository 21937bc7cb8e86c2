// The HTML report: time to write a report of N pairs (target: 10,000 pairs in under 5 s).
//
// Input: a synthetic report (tests/support/synthetic_report.h) — articles of 600 random Arabic news
// words (about 6 KB each), pairs between random articles with 3 spans each. Each article's text is
// embedded once, so the page size grows with the number of distinct articles in pairs; the
// arguments are {pairs, articles}. Output goes to /dev/null through the CLI's buffered Output;
// bytes/s counts the page written.

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "benchmark/benchmark.h"
#include "html_printer.h"
#include "synthetic_report.h"

namespace naql::cli {
namespace {

using naql::testing::MakeSyntheticReport;
using naql::testing::SyntheticReport;
using naql::testing::SyntheticReportOptions;

void WriteReport(const SyntheticReport& report, int fd) {
  Output out(fd);
  HtmlPrinter printer(&out, &report.scanned);
  for (const PairReport& pair : report.pairs) {
    printer.OnPair(pair, report.documents[pair.a], report.documents[pair.b]);
  }
  ReportSummary summary;
  summary.documents = report.documents.size();
  summary.pairs = report.pairs.size();
  printer.PrintSummary(summary);
}

void BM_HtmlReport(benchmark::State& state) {
  SyntheticReportOptions options;
  options.pairs = static_cast<uint32_t>(state.range(0));
  options.documents = static_cast<uint32_t>(state.range(1));
  options.words_per_document = 600;
  const SyntheticReport report = MakeSyntheticReport(options);

  // The page size, once, through a temporary file.
  std::FILE* file = std::tmpfile();
  if (file == nullptr) {
    state.SkipWithError("no temporary file");
    return;
  }
  WriteReport(report, fileno(file));
  const off_t page_bytes = ::lseek(fileno(file), 0, SEEK_END);
  std::fclose(file);

  const int null_fd = ::open("/dev/null", O_WRONLY);
  for (auto _ : state) WriteReport(report, null_fd);
  ::close(null_fd);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * page_bytes);
  state.counters["page_MB"] = static_cast<double>(page_bytes) / 1e6;
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(options.pairs) *
                                                 static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HtmlReport)
    ->Args({1000, 1000})
    ->Args({10000, 2000})
    ->Args({10000, 10000})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace naql::cli
