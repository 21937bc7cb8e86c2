// index_bench — the persistent index's performance figures on a JSON Lines crawl.
//
//   index_bench --corpus CRAWL.jsonl [--dir DIR] [--queries N] [--query-share F] [--threads T]
//               [--level L] [--block-kb K] [--open-runs R] [--scan-docs N] [--cache-mb M]
//               [--texts copy|reference] [--keep]
//
// The corpus (e.g. made by gen_corpus --target-mb 200) is split in input order: the last
// --query-share of the documents (default 0.05) are the "new articles", the rest the archive.
// The tool then prints, one figure a line:
//   scan phase 1  with --scan-docs N: the fingerprint phase of naql::Scanner (what `naql scan`
//                 runs first: fingerprints, boilerplate lines, quotations) on the first N
//                 documents, MB/s wall and per CPU second (its later phases are not timed)
//   fingerprint   MB/s of Fingerprinter::Fingerprint + FingerprintLines over the archive, the work
//                 of `naql scan`'s fingerprint phase for pairs, on --threads threads
//   build         MB/s of IndexWriter::Create + AddBatch + Commit over the same in-memory
//                 documents and threads (fingerprints, tables, compression, fsync), and its ratio
//                 to the line above
//   size          bytes on disk (with --texts reference the texts stay in CRAWL.jsonl and the
//                 queries read them from there: IndexWriteOptions::reference_texts), their share of the archive's text bytes, bytes per document,
//                 and the share of each part (texts, passages, LSH, lines, tables)
//   open          IndexReader::Open (MANIFEST, mmap, checksums of every table; page cache warm)
//   query         per new article, on one thread, against the full archive: fingerprint,
//                 candidates, exact check, alignment — p50, p90, p99, max, mean; pairs found.
//                 Two passes over the same articles: the first starts with an empty block cache
//                 (--cache-mb, default the searcher's), the second finds what the first left.
//                 Also: the searcher's construction time (it reads the line tables once) and the
//                 indexed documents fingerprinted to count a document frequency exactly.
//                 Wall time and the thread's CPU time are both printed: on a shared machine the
//                 CPU time is the figure that measures the code.
// Inputs are read into memory first; reading and JSON parsing are not timed.
//
// Example:
//   gen_corpus --pool ../shared/data/saudinewsnet-dev.jsonl.zst --target-mb 200 --seed 1
//       --boilerplate 0.3 --out /tmp/crawl.jsonl --truth /tmp/crawl.truth.jsonl   (one line)
//   index_bench --corpus /tmp/crawl.jsonl --dir /tmp/crawl.naql --threads 1
//
// Exit status: 0 on success, 2 on bad usage or any error (message on stderr).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "naql/boilerplate.h"
#include "naql/fingerprinter.h"
#include "naql/index_store.h"
#include "naql/reader.h"
#include "naql/scanner.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU seconds of the whole process (all threads) and of the calling thread. The machine this runs
// on may be shared: CPU time shows the work done, wall time what a user waited.
double ProcessCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "index_bench: %s\n", message.c_str());
  std::exit(2);
}

constexpr char kUsage[] =
    "usage: index_bench --corpus CRAWL.jsonl [--dir DIR] [--queries N] [--query-share F]\n"
    "                   [--threads T] [--level L] [--block-kb K] [--open-runs R]\n"
    "                   [--scan-docs N] [--cache-mb M] [--texts copy|reference] [--keep]\n";

struct CountingSink : naql::ScanSink {
  uint64_t pairs = 0;
  void OnPair(const naql::PairReport&, const naql::Document&, const naql::Document&) override {
    ++pairs;
  }
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(p * (values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus, dir = "/tmp/index_bench.naql";
  size_t queries = 2000;
  double query_share = 0.05;
  unsigned threads = 1;
  int level = naql::IndexWriteOptions().text_level;
  uint32_t block_kb = naql::IndexWriteOptions().text_block_bytes >> 10;
  int open_runs = 5;
  size_t scan_docs = 0;
  size_t cache_mb = naql::IndexQueryOptions().block_cache_bytes >> 20;
  bool keep = false;
  bool reference = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail("missing value after " + arg + "\n" + kUsage);
      return argv[++i];
    };
    bool ok = true;
    if (arg == "--corpus") {
      corpus = value();
    } else if (arg == "--dir") {
      dir = value();
    } else if (arg == "--queries") {
      ok = absl::SimpleAtoi(value(), &queries);
    } else if (arg == "--query-share") {
      ok = absl::SimpleAtod(value(), &query_share) && query_share > 0 && query_share < 1;
    } else if (arg == "--threads") {
      ok = absl::SimpleAtoi(value(), &threads) && threads >= 1;
    } else if (arg == "--level") {
      ok = absl::SimpleAtoi(value(), &level);
    } else if (arg == "--block-kb") {
      ok = absl::SimpleAtoi(value(), &block_kb);
    } else if (arg == "--open-runs") {
      ok = absl::SimpleAtoi(value(), &open_runs) && open_runs >= 1;
    } else if (arg == "--cache-mb") {
      ok = absl::SimpleAtoi(value(), &cache_mb);
    } else if (arg == "--scan-docs") {
      ok = absl::SimpleAtoi(value(), &scan_docs);
    } else if (arg == "--texts") {
      const std::string mode = value();
      ok = mode == "copy" || mode == "reference";
      reference = mode == "reference";
    } else if (arg == "--keep") {
      keep = true;
    } else {
      Fail("unknown argument " + arg + "\n" + kUsage);
    }
    if (!ok) Fail("bad value for " + arg);
  }
  if (corpus.empty()) Fail(std::string("--corpus is required\n") + kUsage);

  // Read everything first.
  std::vector<naql::Document> docs;
  {
    auto reader = naql::DocumentReader::Open({corpus}, naql::ReaderOptions(), nullptr);
    if (!reader.ok()) Fail(std::string(reader.status().message()));
    naql::Document doc;
    naql::DocumentLocator locator;
    while (true) {
      absl::StatusOr<bool> more = (*reader)->Next(&doc, &locator);
      if (!more.ok()) Fail(std::string(more.status().message()));
      if (!*more) break;
      doc.origin = (*reader)->OriginOf(locator);
      docs.push_back(doc);
    }
  }
  const size_t archive_size = docs.size() - static_cast<size_t>(docs.size() * query_share);
  const absl::Span<const naql::Document> archive = absl::MakeConstSpan(docs).first(archive_size);
  const absl::Span<const naql::Document> fresh = absl::MakeConstSpan(docs).subspan(archive_size);
  uint64_t archive_bytes = 0;
  for (const naql::Document& doc : archive) archive_bytes += doc.text.size();
  const double archive_mb = archive_bytes / 1e6;
  std::printf("corpus        %s: %zu documents; archive %zu documents, %.1f MB of text; %zu new\n",
              corpus.c_str(), docs.size(), archive.size(), archive_mb, fresh.size());

  // The scanner's own fingerprint phase (`naql scan`, default options) on the first scan_docs
  // archive documents: what "scan fingerprinting" costs in practice (it also prepares quotations
  // and boilerplate lines). Its later phases are not timed.
  if (scan_docs > 0) {
    const std::string subset = dir + ".scan.jsonl";
    {
      std::FILE* out = std::fopen(subset.c_str(), "wb");
      if (out == nullptr) Fail("cannot write " + subset);
      std::FILE* in = std::fopen(corpus.c_str(), "rb");
      if (in == nullptr) Fail("cannot read " + corpus);
      size_t lines = 0;
      int c;
      while (lines < scan_docs && (c = std::fgetc(in)) != EOF) {
        std::fputc(c, out);
        if (c == '\n') ++lines;
      }
      std::fclose(in);
      std::fclose(out);
    }
    naql::ScanOptions scan_options;
    scan_options.threads = threads;
    naql::Scanner scanner(scan_options);
    auto reader = naql::DocumentReader::Open({subset}, naql::ReaderOptions(), nullptr);
    if (!reader.ok()) Fail(std::string(reader.status().message()));
    CountingSink sink;
    const double cpu_start = ProcessCpuSeconds();
    double phase1_cpu = -1;
    absl::Status status = scanner.Run(reader->get(), &sink, [&](const naql::ScanProgress& p) {
      if (phase1_cpu < 0 && std::string(p.phase) != "reading") {
        phase1_cpu = ProcessCpuSeconds() - cpu_start;
      }
    });
    if (!status.ok()) Fail(std::string(status.message()));
    std::remove(subset.c_str());
    const double mb = scanner.stats().bytes / 1e6;
    std::printf("scan phase 1  %.1f MB/s wall (%.2f s for %zu documents, %.1f MB), %.1f MB/s per "
                "CPU second: naql scan's fingerprint phase\n",
                mb / scanner.stats().fingerprint_seconds, scanner.stats().fingerprint_seconds,
                static_cast<size_t>(scanner.stats().documents), mb, mb / phase1_cpu);
    std::fflush(stdout);
  }

  // Baseline: the scan's fingerprint work on the same documents and threads.
  {
    naql::Fingerprinter fingerprinter{naql::FingerprintOptions()};
    std::vector<naql::FingerprintScratch> scratch(threads);
    std::vector<naql::DocumentFingerprint> fps(threads);
    std::vector<std::vector<naql::LineFingerprint>> lines(threads);
    std::vector<std::thread> pool;
    std::atomic<size_t> next{0};
    const Clock::time_point start = Clock::now();
    const double cpu_start = ProcessCpuSeconds();
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (size_t i = next++; i < archive.size(); i = next++) {
          fingerprinter.Fingerprint(archive[i].text, &scratch[t], &fps[t]);
          naql::FingerprintLines(scratch[t].words, scratch[t].token_hashes, &lines[t]);
        }
      });
    }
    for (std::thread& thread : pool) thread.join();
    const double seconds = Seconds(start);
    const double cpu = ProcessCpuSeconds() - cpu_start;
    std::printf("fingerprint   %.1f MB/s wall (%.2f s, %u threads); %.1f MB/s per CPU second\n",
                archive_mb / seconds, seconds, threads, archive_mb / cpu);
    std::fflush(stdout);

    // Build.
    std::filesystem::remove_all(dir);
    naql::IndexWriteOptions write;
    write.threads = threads;
    write.text_level = level;
    write.text_block_bytes = block_kb << 10;
    write.reference_texts = reference;
    absl::StatusOr<naql::IndexParams> params =
        naql::IndexParams::FromOptions(naql::FingerprintOptions(), naql::LshOptions());
    if (!params.ok()) Fail(std::string(params.status().message()));
    const Clock::time_point build_start = Clock::now();
    const double build_cpu_start = ProcessCpuSeconds();
    auto writer = naql::IndexWriter::Create(dir, *params, write);
    if (!writer.ok()) Fail(std::string(writer.status().message()));
    naql::AddStats added;
    uint64_t archive_bytes = 0;
    for (const naql::Document& doc : archive) archive_bytes += doc.text.size();
    (*writer)->ExpectTextBytes(archive_bytes);
    for (size_t begin = 0; begin < archive.size(); begin += 512) {
      const size_t n = std::min<size_t>(512, archive.size() - begin);
      if (absl::Status status = (*writer)->AddBatch(archive.subspan(begin, n), &added);
          !status.ok()) {
        Fail(std::string(status.message()));
      }
    }
    if (absl::Status status = (*writer)->Commit(&added); !status.ok()) {
      Fail(std::string(status.message()));
    }
    writer->reset();
    const double build_seconds = Seconds(build_start);
    const double build_cpu = ProcessCpuSeconds() - build_cpu_start;
    std::printf("build         %.1f MB/s wall (%.2f s, level %d, %u KiB blocks): %.0f%% of "
                "fingerprint; %.1f MB/s per CPU second: %.0f%% of fingerprint\n",
                archive_mb / build_seconds, build_seconds, level, block_kb,
                100.0 * seconds / build_seconds, archive_mb / build_cpu, 100.0 * cpu / build_cpu);
  }

  // Size and open time.
  std::vector<double> open_seconds;
  std::unique_ptr<naql::IndexReader> index;
  for (int run = 0; run < open_runs; ++run) {
    index.reset();
    const Clock::time_point start = Clock::now();
    auto opened = naql::IndexReader::Open(dir);
    open_seconds.push_back(Seconds(start));
    if (!opened.ok()) Fail(std::string(opened.status().message()));
    index = *std::move(opened);
  }
  uint64_t texts = 0, passages = 0, lsh = 0, lines = 0, tables = 0;
  for (const naql::IndexSegmentInfo& s : index->segments()) {
    texts += s.stored_text_bytes;
    passages += s.passage_bytes;
    lsh += s.lsh_bytes;
    lines += s.line_bytes;
    tables += s.document_table_bytes;
  }
  auto share = [&](uint64_t bytes) { return 100.0 * bytes / archive_bytes; };
  std::printf("size          %llu bytes = %.1f%% of the text, %.1f bytes per document "
              "(texts %.1f%%, passages %.1f%%, LSH %.1f%%, lines %.1f%%, tables %.1f%%)\n",
              static_cast<unsigned long long>(index->disk_bytes()), share(index->disk_bytes()),
              static_cast<double>(index->disk_bytes()) / archive.size(), share(texts),
              share(passages), share(lsh), share(lines), share(tables));
  std::printf("open          %.1f ms (median of %d, page cache warm; first %.1f ms)\n",
              1e3 * Percentile(open_seconds, 0.5), open_runs, 1e3 * open_seconds[0]);
  std::fflush(stdout);

  // Query latency, one new article at a time on one thread, twice: the first pass starts with an
  // empty block cache, the second finds the blocks the first pass read.
  naql::IndexQueryOptions query_options;
  query_options.threads = 1;
  query_options.block_cache_bytes = cache_mb << 20;
  const Clock::time_point searcher_start = Clock::now();
  naql::IndexSearcher searcher(index.get(), query_options);
  std::printf("searcher      %.1f ms to construct (reads the line tables once)\n",
              1e3 * Seconds(searcher_start));
  const size_t n = std::min(queries, fresh.size());
  for (int pass = 1; pass <= 2; ++pass) {
    CountingSink sink;
    naql::QueryStats stats;
    std::vector<double> latency, cpu_latency;
    for (size_t i = 0; i < n; ++i) {
      const Clock::time_point start = Clock::now();
      const double cpu_start = ThreadCpuSeconds();
      if (absl::Status status = searcher.Run(fresh.subspan(i, 1), &sink, &stats); !status.ok()) {
        Fail(std::string(status.message()));
      }
      cpu_latency.push_back(ThreadCpuSeconds() - cpu_start);
      latency.push_back(Seconds(start));
    }
    auto report = [&](const char* what, const std::vector<double>& values) {
      double total = 0;
      for (double v : values) total += v;
      std::printf("query %d %-5s %zu new articles, 1 thread: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
                  "max %.2f ms, mean %.2f ms\n",
                  pass, what, n, 1e3 * Percentile(values, 0.5), 1e3 * Percentile(values, 0.9),
                  1e3 * Percentile(values, 0.99), 1e3 * Percentile(values, 1.0),
                  n ? 1e3 * total / n : 0.0);
    };
    report("wall", latency);
    report("CPU", cpu_latency);
    std::printf("query %d found %llu pairs; per article %.2f candidates, %.3f false ones, %.2f "
                "block reads, %.3f documents checked for an exact df\n",
                pass, static_cast<unsigned long long>(sink.pairs),
                n ? static_cast<double>(stats.index_candidates) / n : 0.0,
                n ? static_cast<double>(stats.false_candidates) / n : 0.0,
                n ? static_cast<double>(stats.block_reads) / n : 0.0,
                n ? static_cast<double>(stats.df_checks) / n : 0.0);
    std::fflush(stdout);
  }
  if (!keep) {
    index.reset();
    std::filesystem::remove_all(dir);
  }
  return 0;
}
