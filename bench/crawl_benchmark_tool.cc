// crawl_benchmark — the end-to-end benchmark of `naql scan`: speed, memory and pair quality on a
// whole corpus.
//
//   crawl_benchmark --input FILE.jsonl[.zst] [--truth TRUTH.jsonl] [--threads N] [--repeat R]
//                   [--exact-too] [--whole-too] [--samples N] [--no-diagnose] [--machine]
//                   [--max-df N] [--verify-batch N] [--passage-shingle K] [--verify-cache-mb M]
//                   [--compress-temp]
//
// What it does, in order:
//   1. Scans the input in-process R times with the Scanner (default options, --threads workers;
//      edit-tolerant alignment) and keeps the median wall and CPU time; with --exact-too, R more
//      times with exact-only alignment (AlignerOptions::edit_tolerant = false). The pairs of every
//      run are kept (about 40 bytes each) and must be the same in every run of a mode. With
//      --whole-too, R more times without the passage stage (ScanOptions::find_partial = false,
//      `naql scan --no-partial`): whole-article near-duplicates only, the job datasketch's
//      MinHash + MinHashLSH does (naql still verifies each candidate and reports its spans).
//      The machine may be shared: the scan's CPU time (user + system, all threads) divided by
//      its thread count is reported next to the wall time, as the "CPU-bound" throughput — the
//      speed the scan would have alone with every thread busy (an upper bound).
//   2. Memory: the peak resident set size (getrusage ru_maxrss) of one more scan, run first and
//      alone in a forked child process (what `naql scan` needs), and that of this process right
//      after its scans (which also holds what earlier scans left in the heap) with its baseline
//      (before the first scan); also the scanner's own account (ScanStats::fingerprint_bytes)
//      and the resident set sampled in each phase through the progress callback.
//   3. Loads the texts into memory and times the fingerprinting stage alone (normalize → tokenize
//      → shingle → MinHash signature + winnowed passages; Fingerprinter::Fingerprint) on one
//      thread: the per-core MB/s figure, in wall time and in that thread's CPU time.
//   4. Quality. With --truth (the generator's truth JSON Lines, tests/support/corpus_generator.h):
//      pair recall and precision against it, by kind. Without: against a brute-force oracle
//      computed here — every pair of articles sharing a run of >= min_words (8) identical
//      normalized tokens (naql's Normalizer and Tokenizer), found by indexing every 8-gram hash
//      of every article with its list of articles, with no document-frequency cutoff, so the
//      oracle is exact and complete (up to 64-bit hash collisions, about n² / 2^65 for n 8-grams:
//      negligible). Pairs naql reports without any exact 8-word run are counted apart as "extra":
//      they come from edit-tolerant alignment and are not false positives per se; the longest
//      exact run they do share is shown.
//   5. Diagnosis (unless --no-diagnose): every oracle/truth pair naql missed is put in one class,
//      reproducing the scanner's filters one by one — boilerplate lines masked, passage
//      fingerprints above max_df dropped, no candidate, or rejected by the aligner (and then
//      whether min_similarity or exact-only mode would have kept it) — with --samples examples
//      of each class and of the pairs found.
//
// Sizes are in MB = 10^6 bytes of article text (the "text" fields, as ScanStats::bytes counts);
// the size of the decompressed JSON Lines is printed too. The datasketch reference figure
// (kDatasketchMBps) is the one measured on this machine for issue 3.
//
// --max-df, --verify-batch, --passage-shingle, --verify-cache-mb and --compress-temp override
// PassageIndexOptions::max_df, ScanOptions::verify_batch_pairs,
// FingerprintOptions::passage_shingle, ScanOptions::verify_cache_bytes and
// ScanOptions::compress_stored_texts, for experiments. --machine adds `crawl.<key>=<value>` lines
// (read by bench/run_crawl_benchmark.sh). bench/README.md describes every figure.
// Exit status: 0 on success, 2 on bad usage or any error (message on stderr).

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "corpus_generator.h"
#include "naql/boilerplate.h"
#include "naql/document.h"
#include "naql/fingerprinter.h"
#include "naql/minhash.h"
#include "naql/pair_verifier.h"
#include "naql/reader.h"
#include "naql/report.h"
#include "naql/scanner.h"
#include "naql/shingler.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace {

using Clock = std::chrono::steady_clock;

// datasketch (MinHash num_perm=128 + MinHashLSH, whole-document word 5-gram shingles) measured at
// about 5 MB/s of article text on one core of the project's benchmark machine (issue 3; DESIGN.md,
// "Measures of quality"). The targets are relative to it.
constexpr double kDatasketchMBps = 5.0;
constexpr char kDatasketchProvenance[] =
    "datasketch MinHash(num_perm=128) + MinHashLSH on whole-document word 5-gram shingles, "
    "~5 MB/s on one core of this machine (issue 3, DESIGN.md)";
// Targets of issues 3 and 4.
constexpr double kTargetFingerprintMBps = 250;   // per core
constexpr double kTargetScanRatio = 50;          // × datasketch, whole scan on 2 cores (aim 100)
constexpr double kTargetMemoryShare = 0.5;       // peak memory <= half the input size
constexpr double kTargetTolerantShare = 0.8;     // tolerant throughput >= 80% of exact-only

constexpr char kUsage[] =
    "usage: crawl_benchmark --input FILE.jsonl[.zst] [--truth TRUTH.jsonl] [--threads N]\n"
    "                       [--repeat R] [--exact-too] [--whole-too] [--samples N]\n"
    "                       [--no-diagnose] [--machine]\n"
    "                       [--max-df N] [--verify-batch N] [--passage-shingle K]\n"
    "                       [--verify-cache-mb M] [--compress-temp]\n"
    "  --input      the corpus (JSON Lines, optionally .gz/.zst; read at run time, not copied)\n"
    "  --truth      truth pairs written by gen_corpus; without it, a brute-force exact-overlap\n"
    "               oracle (every pair sharing a run of 8 normalized words) is the truth\n"
    "  --threads    scanner worker threads (default: all cores)\n"
    "  --repeat     scans per mode; the median time is reported (default 3)\n"
    "  --exact-too  also scan with exact-only alignment and print the throughput ratio\n"
    "  --whole-too  also scan for whole-article near-duplicates only (no passage stage, as\n"
    "               `naql scan --no-partial`): the job datasketch does, against its figure\n"
    "  --samples    examples printed per class of found / missed / extra pairs (default 4)\n"
    "  --no-diagnose  skip the classification of missed pairs\n"
    "  --machine    also print crawl.<key>=<value> lines for scripts\n"
    "  --max-df, --verify-batch, --passage-shingle, --verify-cache-mb, --compress-temp\n"
    "               experiments: override PassageIndexOptions::max_df,\n"
    "               ScanOptions::verify_batch_pairs, FingerprintOptions::passage_shingle,\n"
    "               ScanOptions::verify_cache_bytes and ScanOptions::compress_stored_texts\n"
    "               (default: the scanner's defaults)\n";

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "crawl_benchmark: %s\n", message.c_str());
  std::exit(2);
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// CPU time (user + system) of the whole process so far, in seconds.
double ProcessCpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// CPU time of the calling thread, in seconds.
double ThreadCpuSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// Peak resident set size of this process so far, in bytes (Linux reports kilobytes).
uint64_t PeakRssBytes() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

// Current resident set size in bytes (from /proc/self/statm), 0 when unavailable.
uint64_t CurrentRssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t pages_total = 0, pages_resident = 0;
  if (!(in >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "unknown";
  return absl::StrCat(a, " ", b, " ", c);
}

uint64_t PairKey(uint32_t a, uint32_t b) { return static_cast<uint64_t>(a) << 32 | b; }
uint32_t KeyA(uint64_t key) { return static_cast<uint32_t>(key >> 32); }
uint32_t KeyB(uint64_t key) { return static_cast<uint32_t>(key); }

double Share(uint64_t part, uint64_t whole) {
  return whole == 0 ? 1.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// At most `max_cp` code points of text[begin, end), newlines and tabs as spaces.
std::string Snippet(const std::string& text, size_t begin, size_t end, size_t max_cp = 90) {
  begin = std::min(begin, text.size());
  end = std::min(std::max(begin, end), text.size());
  std::string out;
  size_t cps = 0;
  for (size_t i = begin; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (cps == max_cp) {
        out += " …";
        break;
      }
      ++cps;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : static_cast<char>(c);
  }
  return out;
}

// ---- Flags ----------------------------------------------------------------------------------

struct Flags {
  std::string input;
  std::string truth;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  unsigned repeat = 3;
  bool exact_too = false;
  bool whole_too = false;
  unsigned samples = 4;
  bool diagnose = true;
  bool machine = false;
  // Experiments (defaults: the scanner's): PassageIndexOptions::max_df and
  // ScanOptions::verify_batch_pairs.
  unsigned max_df = 0;
  unsigned verify_batch = 0;
  unsigned passage_shingle = 0;
  unsigned verify_cache_mb = ~0u;  // ~0u: the scanner's default
  bool compress_temp = false;
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (flag == "--exact-too") {
      flags.exact_too = true;
      continue;
    }
    if (flag == "--whole-too") {
      flags.whole_too = true;
      continue;
    }
    if (flag == "--no-diagnose") {
      flags.diagnose = false;
      continue;
    }
    if (flag == "--machine") {
      flags.machine = true;
      continue;
    }
    if (flag == "--compress-temp") {
      flags.compress_temp = true;
      continue;
    }
    static const char* const kValueFlags[] = {"--input",   "--truth",  "--threads",
                                              "--repeat",  "--samples", "--max-df",
                                              "--verify-batch", "--passage-shingle",
                                              "--verify-cache-mb"};
    if (std::find(std::begin(kValueFlags), std::end(kValueFlags), flag) == std::end(kValueFlags)) {
      Fail("unknown flag " + flag + "\n" + kUsage);
    }
    if (i + 1 >= argc) Fail("missing value for " + flag + "\n" + kUsage);
    const std::string value = argv[++i];
    auto as_uint = [&](unsigned* field, unsigned min, unsigned max) {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v) || v < min || v > max) {
        Fail(absl::StrCat("bad value for ", flag, " (", min, "..", max, "): ", value));
      }
      *field = v;
    };
    if (flag == "--input") {
      flags.input = value;
    } else if (flag == "--truth") {
      flags.truth = value;
    } else if (flag == "--threads") {
      as_uint(&flags.threads, 1, 1024);
    } else if (flag == "--repeat") {
      as_uint(&flags.repeat, 1, 100);
    } else if (flag == "--samples") {
      as_uint(&flags.samples, 0, 10000);
    } else if (flag == "--max-df") {
      as_uint(&flags.max_df, 2, 1000000);
    } else if (flag == "--verify-batch") {
      as_uint(&flags.verify_batch, 1, 1u << 30);
    } else if (flag == "--passage-shingle") {
      as_uint(&flags.passage_shingle, 1, 32);
    } else if (flag == "--verify-cache-mb") {
      as_uint(&flags.verify_cache_mb, 0, 1u << 20);
    } else {
      Fail("unknown flag " + flag + "\n" + kUsage);
    }
  }
  if (flags.input.empty()) Fail(std::string("--input is required\n") + kUsage);
  if (access(flags.input.c_str(), R_OK) != 0) Fail("cannot read " + flags.input);
  if (!flags.truth.empty() && access(flags.truth.c_str(), R_OK) != 0) {
    Fail("cannot read " + flags.truth);
  }
  return flags;
}

// ---- Scans ----------------------------------------------------------------------------------

// What the benchmark keeps of a reported pair.
struct FoundPair {
  uint64_t key = 0;
  naql::PairKind kind = naql::PairKind::kReuse;
  bool quote = false;         // some span is a quotation in both articles
  float min_similarity = 1;   // lowest span similarity
  float coverage = 0;         // max(coverage_a, coverage_b)
  // The longest span, in original bytes.
  uint32_t a_begin = 0, a_end = 0, b_begin = 0, b_end = 0, words = 0;
};

class CollectingSink : public naql::ScanSink {
 public:
  void OnPair(const naql::PairReport& pair, const naql::Document&,
              const naql::Document&) override {
    FoundPair found;
    found.key = PairKey(pair.a, pair.b);
    found.kind = pair.kind;
    found.coverage = static_cast<float>(std::max(pair.coverage_a, pair.coverage_b));
    for (const naql::Span& span : pair.spans) {
      found.quote |= span.quote;
      found.min_similarity = std::min(found.min_similarity, static_cast<float>(span.similarity));
      if (span.words > found.words) {
        found.words = span.words;
        found.a_begin = span.a.byte_begin;
        found.a_end = span.a.byte_end;
        found.b_begin = span.b.byte_begin;
        found.b_end = span.b.byte_end;
      }
    }
    pairs.push_back(found);
  }
  void OnCluster(const naql::Cluster&) override { ++clusters; }
  std::vector<FoundPair> pairs;
  uint64_t clusters = 0;
};

struct ScanRun {
  // Largest resident set seen in each phase (sampled by the progress callback, about every
  // 100 ms, so short peaks may be missed): reading + fingerprinting, candidates, verifying.
  uint64_t phase_rss[3] = {0, 0, 0};
  double seconds = 0;
  double cpu_seconds = 0;  // user + system, all threads
  // CPU seconds of phase 1 (reading + fingerprinting), up to the progress report that opens the
  // candidate phase; the rest is candidates + verification.
  double fingerprint_cpu_seconds = 0;
  naql::ScanStats stats;
  std::vector<FoundPair> pairs;  // sorted by key
  uint64_t clusters = 0;
  std::vector<std::string> ids;  // input order
};

ScanRun ScanOnce(const std::string& input, const naql::ScanOptions& options, bool keep_ids) {
  auto reader = naql::DocumentReader::Open({input}, naql::ReaderOptions(), nullptr);
  if (!reader.ok()) Fail(reader.status().ToString());
  naql::Scanner scanner(options);
  CollectingSink sink;
  const double cpu_start = ProcessCpuSeconds();
  const Clock::time_point start = Clock::now();
  ScanRun run;
  const absl::Status status =
      scanner.Run(reader->get(), &sink, [&run, cpu_start](const naql::ScanProgress& p) {
        const int phase = p.phase[0] == 'r' ? 0 : p.phase[0] == 'c' ? 1 : 2;
        if (phase > 0 && run.fingerprint_cpu_seconds == 0) {
          run.fingerprint_cpu_seconds = ProcessCpuSeconds() - cpu_start;
        }
        run.phase_rss[phase] = std::max(run.phase_rss[phase], CurrentRssBytes());
      });
  run.seconds = SecondsSince(start);
  run.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  if (!status.ok()) Fail("scan failed: " + status.ToString());
  run.stats = scanner.stats();
  run.pairs = std::move(sink.pairs);
  run.clusters = sink.clusters;
  std::sort(run.pairs.begin(), run.pairs.end(),
            [](const FoundPair& x, const FoundPair& y) { return x.key < y.key; });
  if (keep_ids) {
    for (const naql::ScannedDocument& doc : scanner.documents()) run.ids.push_back(doc.id);
  }
  return run;
}

struct ModeResult {
  std::string name;
  std::vector<double> seconds;
  std::vector<double> cpu_seconds;
  double median_seconds = 0;
  double median_cpu_seconds = 0;
  ScanRun first;  // the first run's pairs and stats
  bool deterministic = true;
};

// Peak resident set of one scan alone in a fresh process: a child forked before any scan (the
// benchmark has no other thread yet) scans once and exits. This is what `naql scan` needs; the
// peak of this process after several scans also counts the heap the earlier ones left behind.
uint64_t ScanPeakRssInChild(const std::string& input, const naql::ScanOptions& options) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) Fail("fork failed");
  if (pid == 0) {
    ScanOnce(input, options, /*keep_ids=*/false);
    std::fflush(nullptr);
    std::_Exit(0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Fail("the scan in a child process failed");
  }
  rusage usage;
  getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

ModeResult ScanMode(const std::string& name, const Flags& flags, const naql::ScanOptions& options,
                    bool keep_ids) {
  ModeResult result;
  result.name = name;
  for (unsigned r = 0; r < flags.repeat; ++r) {
    ScanRun run = ScanOnce(flags.input, options, keep_ids && r == 0);
    std::fprintf(stderr,
                 "crawl_benchmark: %s scan %u/%u: %.2f s wall, %.2f s CPU, %llu pairs (load %s)\n",
                 name.c_str(), r + 1, flags.repeat, run.seconds, run.cpu_seconds,
                 static_cast<unsigned long long>(run.pairs.size()), LoadAverage().c_str());
    result.seconds.push_back(run.seconds);
    result.cpu_seconds.push_back(run.cpu_seconds);
    if (r == 0) {
      result.first = std::move(run);
    } else if (run.pairs.size() != result.first.pairs.size() ||
               !std::equal(run.pairs.begin(), run.pairs.end(), result.first.pairs.begin(),
                           [](const FoundPair& x, const FoundPair& y) {
                             return x.key == y.key && x.kind == y.kind;
                           })) {
      result.deterministic = false;
    }
  }
  result.median_seconds = Median(result.seconds);
  result.median_cpu_seconds = Median(result.cpu_seconds);
  return result;
}

// ---- Texts in memory ------------------------------------------------------------------------

struct Corpus {
  std::vector<naql::Document> docs;
  uint64_t text_bytes = 0;
  uint64_t jsonl_bytes = 0;  // decompressed records plus their newlines
};

Corpus LoadCorpus(const std::string& input) {
  auto reader = naql::DocumentReader::Open({input}, naql::ReaderOptions(), nullptr);
  if (!reader.ok()) Fail(reader.status().ToString());
  Corpus corpus;
  while (true) {
    naql::Document doc;
    naql::DocumentLocator locator;
    absl::StatusOr<bool> more = (*reader)->Next(&doc, &locator);
    if (!more.ok()) Fail(more.status().ToString());
    if (!*more) break;
    corpus.text_bytes += doc.text.size();
    corpus.jsonl_bytes += locator.length + 1;
    corpus.docs.push_back(std::move(doc));
  }
  return corpus;
}

// Single-threaded fingerprinting of every text, R times: the median wall and thread-CPU seconds.
void TimeFingerprinting(const Corpus& corpus, const naql::Fingerprinter& fingerprinter,
                        unsigned repeat, double* wall_seconds, double* cpu_seconds,
                        uint64_t* checksum) {
  naql::FingerprintScratch scratch;
  naql::DocumentFingerprint fingerprint;
  std::vector<double> wall, cpu;
  for (unsigned r = 0; r < repeat; ++r) {
    uint64_t sum = 0;
    const double cpu_start = ThreadCpuSeconds();
    const Clock::time_point start = Clock::now();
    for (const naql::Document& doc : corpus.docs) {
      fingerprinter.Fingerprint(doc.text, &scratch, &fingerprint);
      sum += fingerprint.words + fingerprint.passages.size() + fingerprint.signature[0];
    }
    wall.push_back(SecondsSince(start));
    cpu.push_back(ThreadCpuSeconds() - cpu_start);
    *checksum = sum;  // keeps the work observable
  }
  *wall_seconds = Median(wall);
  *cpu_seconds = Median(cpu);
}

// ---- The exact-overlap oracle ---------------------------------------------------------------

struct OraclePair {
  uint64_t key = 0;
  uint32_t min_df = 0;  // articles holding the rarest 8-gram the pair shares
};

// Every pair of articles sharing a run of `min_words` equal tokens, with the document frequency of
// the rarest shared run. Exact: every min_words-gram of every article is indexed, none dropped.
//
// Cost: one (hash, article) entry of 16 bytes per distinct min_words-gram occurrence, sorted once.
// Articles sharing one long passage share all its 8-grams, and all of them have the same list of
// articles: each distinct list is expanded into pairs once (lists are hashed to find repeats).
// Lists are taken in increasing df so that a pair's first emission carries its smallest df.
std::vector<OraclePair> ExactOverlapOracle(const Corpus& corpus,
                                           const naql::Fingerprinter& fingerprinter,
                                           uint32_t min_words) {
  struct Entry {
    uint64_t hash;
    uint32_t doc;
  };
  std::vector<Entry> entries;
  entries.reserve(corpus.text_bytes / 8);
  naql::NormalizedText folded;
  std::vector<naql::Token> tokens;
  std::vector<uint64_t> token_hashes, grams;
  for (uint32_t doc = 0; doc < corpus.docs.size(); ++doc) {
    fingerprinter.normalizer().Normalize(corpus.docs[doc].text, &folded);
    fingerprinter.tokenizer().Tokenize(folded, &tokens);
    if (tokens.size() < min_words) continue;
    naql::TokenHashes(tokens, &token_hashes);
    naql::HashShingles(token_hashes, min_words, &grams);
    std::sort(grams.begin(), grams.end());
    grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
    for (uint64_t g : grams) entries.push_back({g, doc});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return x.hash != y.hash ? x.hash < y.hash : x.doc < y.doc;
  });

  struct Group {
    uint32_t df;
    size_t begin;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i + 1;
    while (j < entries.size() && entries[j].hash == entries[i].hash) ++j;
    if (j - i >= 2) groups.push_back({static_cast<uint32_t>(j - i), i});
    i = j;
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& x, const Group& y) { return x.df < y.df; });

  std::vector<OraclePair> pairs;
  auto compact = [&pairs] {
    std::sort(pairs.begin(), pairs.end(), [](const OraclePair& x, const OraclePair& y) {
      return x.key != y.key ? x.key < y.key : x.min_df < y.min_df;
    });
    pairs.erase(std::unique(pairs.begin(), pairs.end(),
                            [](const OraclePair& x, const OraclePair& y) { return x.key == y.key; }),
                pairs.end());
  };
  size_t compact_at = size_t{1} << 26;
  absl::flat_hash_set<uint64_t> seen_lists;
  std::vector<uint32_t> list;
  for (const Group& group : groups) {
    list.clear();
    for (size_t i = group.begin; i < group.begin + group.df; ++i) list.push_back(entries[i].doc);
    const uint64_t list_hash = XXH3_64bits(list.data(), list.size() * sizeof(uint32_t));
    if (!seen_lists.insert(list_hash).second) continue;
    for (size_t x = 0; x < list.size(); ++x) {
      for (size_t y = x + 1; y < list.size(); ++y) {
        pairs.push_back({PairKey(list[x], list[y]), group.df});
      }
    }
    if (pairs.size() >= compact_at) {
      compact();
      compact_at = std::max(compact_at, 2 * pairs.size());
    }
  }
  compact();
  return pairs;
}

// ---- Diagnosis of missed pairs --------------------------------------------------------------

// What the scanner knows about each article, rebuilt here with the same public components:
// boilerplate token ranges, passage fingerprints not touching them, signature.
struct ScannerView {
  std::vector<std::vector<naql::TokenRange>> boilerplate;
  std::vector<std::vector<uint64_t>> passages;  // distinct hashes, sorted
  std::vector<uint32_t> signatures;             // num_perm per article
  std::vector<uint64_t> all_passages;           // every article's distinct hashes, sorted (df)
  uint32_t num_perm = 0;

  uint32_t Df(uint64_t hash) const {
    auto range = std::equal_range(all_passages.begin(), all_passages.end(), hash);
    return static_cast<uint32_t>(range.second - range.first);
  }
  absl::Span<const uint32_t> Signature(uint32_t doc) const {
    return absl::MakeConstSpan(signatures).subspan(static_cast<size_t>(doc) * num_perm, num_perm);
  }
};

ScannerView BuildScannerView(const Corpus& corpus, const naql::Fingerprinter& fingerprinter,
                             const naql::ScanOptions& options) {
  ScannerView view;
  view.num_perm = options.fingerprint.minhash.num_perm;
  const size_t n = corpus.docs.size();
  naql::BoilerplateDetector detector(options.boilerplate);
  std::vector<std::vector<naql::LineFingerprint>> lines(n);
  std::vector<std::vector<naql::PassageFingerprint>> passages(n);
  naql::FingerprintScratch scratch;
  naql::DocumentFingerprint fingerprint;
  view.signatures.reserve(n * view.num_perm);
  for (size_t doc = 0; doc < n; ++doc) {
    fingerprinter.Fingerprint(corpus.docs[doc].text, &scratch, &fingerprint);
    view.signatures.insert(view.signatures.end(), fingerprint.signature.begin(),
                           fingerprint.signature.end());
    passages[doc] = fingerprint.passages;
    if (options.remove_boilerplate) {
      naql::FingerprintLines(scratch.words, scratch.token_hashes, &lines[doc]);
      detector.Add(corpus.docs[doc].meta.source, lines[doc]);
    }
  }
  detector.Build();
  view.boilerplate.resize(n);
  view.passages.resize(n);
  const uint32_t shingle = options.fingerprint.passage_shingle_size();
  for (size_t doc = 0; doc < n; ++doc) {
    if (options.remove_boilerplate) {
      detector.BoilerplateRanges(corpus.docs[doc].meta.source, lines[doc], &view.boilerplate[doc]);
    }
    std::vector<uint64_t>& kept = view.passages[doc];
    for (const naql::PassageFingerprint& fp : passages[doc]) {
      if (!naql::OverlapsAny(view.boilerplate[doc], fp.position, fp.position + shingle)) {
        kept.push_back(fp.hash);
      }
    }
    std::sort(kept.begin(), kept.end());
    kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
    view.all_passages.insert(view.all_passages.end(), kept.begin(), kept.end());
  }
  std::sort(view.all_passages.begin(), view.all_passages.end());
  return view;
}

enum class MissClass {
  kNoSharedRun,     // truth pair without an exact min_words run (truth mode only)
  kBoilerplate,     // every shared min_words run touches a boilerplate line: masked by design
  kFormulaic,       // oracle: every shared min_words run is in more than max_df articles
  kMaxDf,           // a rarer shared run, but its passage fingerprints are all over max_df
  kNoFingerprint,   // no shared passage fingerprint outside boilerplate, MinHash estimate low
  kVerifiedNow,     // a candidate that VerifyPair accepts here (so lost elsewhere in the scan)
  kMinSimilarity,   // a candidate; the aligner finds a span only with min_similarity 0
  kTolerantLoses,   // a candidate; exact-only alignment finds a span, edit-tolerant does not
  kAlignerNothing,  // a candidate; no alignment mode finds a span
};
constexpr int kMissClasses = 9;
const char* MissClassName(MissClass c) {
  switch (c) {
    case MissClass::kNoSharedRun: return "truth pair without an exact 8-word run";
    case MissClass::kBoilerplate: return "boilerplate: shared runs touch masked lines";
    case MissClass::kFormulaic: return "formulaic: every shared 8-gram in > max_df articles";
    case MissClass::kMaxDf: return "max_df: rarer 8-gram, but its fingerprints > max_df";
    case MissClass::kNoFingerprint: return "no candidate: no shared fingerprint, LSH est. low";
    case MissClass::kVerifiedNow: return "verifies here (lost elsewhere in the scan)";
    case MissClass::kMinSimilarity: return "aligner: min_similarity rejects the span";
    case MissClass::kTolerantLoses: return "aligner: exact mode finds it, tolerant does not";
    case MissClass::kAlignerNothing: return "aligner: no span in any mode";
  }
  return "?";
}

struct Diagnosis {
  MissClass cls = MissClass::kNoFingerprint;
  uint32_t shared_runs = 0;     // positions in b starting a min_words-gram that a also has
  uint32_t clean_runs = 0;      // of them, not touching boilerplate in a or b
  uint32_t shared_fps = 0;      // shared passage fingerprints (outside boilerplate)
  uint32_t min_fp_df = 0;       // smallest df among them (0 when none)
  double jaccard = 0;           // MinHash estimate
  uint32_t masked_a = 0, masked_b = 0;  // boilerplate tokens masked in each article
  uint32_t best_words = 0;      // longest span the permissive aligner finds (explain only)
  double best_similarity = 0;
  // The first clean shared min_words run (else the first shared one), original bytes of a.
  uint32_t run_begin = 0, run_end = 0;
};

// Classifies a pair naql did not report by replaying the scanner's filters in order: boilerplate
// masking, passage-fingerprint df filter and LSH (candidate generation), then alignment.
class MissDiagnoser {
 public:
  MissDiagnoser(const Corpus& corpus, const naql::Fingerprinter& fingerprinter,
                const naql::ScanOptions& options, const ScannerView& view)
      : corpus_(corpus),
        fingerprinter_(fingerprinter),
        options_(options),
        view_(view),
        aligner_(Effective(options, options.aligner.min_similarity, options.aligner.edit_tolerant)),
        permissive_(Effective(options, 0.0, true)),
        exact_(Effective(options, options.aligner.min_similarity, false)) {}

  // `oracle_min_df`: df of the rarest min_words-gram the pair shares (0 when unknown). With
  // `explain`, also runs the permissive aligner for the report.
  Diagnosis Diagnose(uint32_t a, uint32_t b, uint32_t oracle_min_df, bool explain) {
    Diagnosis d;
    const uint32_t k = options_.fingerprint.min_words;
    Analyze(a, &text_a_, &hashes_a_, &grams_a_);
    Analyze(b, &text_b_, &hashes_b_, &grams_b_);
    for (const naql::TokenRange& r : view_.boilerplate[a]) d.masked_a += r.end - r.begin;
    for (const naql::TokenRange& r : view_.boilerplate[b]) d.masked_b += r.end - r.begin;
    // Shared min_words-grams: every position of b against the positions of a (sorted by hash).
    positions_a_.clear();
    for (uint32_t i = 0; i < grams_a_.size(); ++i) positions_a_.push_back({grams_a_[i], i});
    std::sort(positions_a_.begin(), positions_a_.end());
    bool have_any = false, have_clean = false;
    uint32_t any_i = 0, clean_i = 0;
    for (uint32_t j = 0; j < grams_b_.size(); ++j) {
      auto it = std::lower_bound(positions_a_.begin(), positions_a_.end(),
                                 std::make_pair(grams_b_[j], uint32_t{0}));
      bool shared = false, clean = false;
      for (; it != positions_a_.end() && it->first == grams_b_[j]; ++it) {
        if (!have_any) any_i = it->second;
        have_any = shared = true;
        if (!naql::OverlapsAny(view_.boilerplate[a], it->second, it->second + k) &&
            !naql::OverlapsAny(view_.boilerplate[b], j, j + k)) {
          if (!have_clean) clean_i = it->second;
          have_clean = clean = true;
          break;
        }
      }
      d.shared_runs += shared;
      d.clean_runs += clean;
    }
    if (have_any) {
      const uint32_t shown = have_clean ? clean_i : any_i;
      d.run_begin = text_a_.tokens[shown].original.byte_begin;
      d.run_end = text_a_.tokens[shown + k - 1].original.byte_end;
    }
    // Shared passage fingerprints outside boilerplate, and their df.
    const std::vector<uint64_t>& pa = view_.passages[a];
    const std::vector<uint64_t>& pb = view_.passages[b];
    bool candidate_by_passage = false;
    for (size_t x = 0, y = 0; x < pa.size() && y < pb.size();) {
      if (pa[x] < pb[y]) {
        ++x;
      } else if (pb[y] < pa[x]) {
        ++y;
      } else {
        ++d.shared_fps;
        const uint32_t df = view_.Df(pa[x]);
        if (d.min_fp_df == 0 || df < d.min_fp_df) d.min_fp_df = df;
        candidate_by_passage |= df <= options_.passage.max_df;
        ++x;
        ++y;
      }
    }
    d.jaccard = naql::EstimateJaccard(view_.Signature(a), view_.Signature(b));
    // LSH is probabilistic; an estimate at or above the threshold counts as a likely candidate.
    const bool candidate = candidate_by_passage || d.jaccard >= options_.lsh.threshold;

    if (explain || (candidate && d.clean_runs > 0)) {
      naql::PairReport permissive;
      if (naql::VerifyPair(permissive_, text_a_, text_b_, &permissive)) {
        for (const naql::Span& span : permissive.spans) {
          if (span.words > d.best_words) {
            d.best_words = span.words;
            d.best_similarity = span.similarity;
          }
        }
      }
    }
    if (d.shared_runs == 0) {
      d.cls = MissClass::kNoSharedRun;
    } else if (d.clean_runs == 0) {
      d.cls = MissClass::kBoilerplate;
    } else if (!candidate) {
      d.cls = oracle_min_df > options_.passage.max_df ? MissClass::kFormulaic
              : d.shared_fps > 0                      ? MissClass::kMaxDf
                                                      : MissClass::kNoFingerprint;
    } else {
      naql::PairReport report;
      if (naql::VerifyPair(aligner_, text_a_, text_b_, &report)) {
        d.cls = MissClass::kVerifiedNow;
      } else if (d.best_words > 0) {
        d.cls = MissClass::kMinSimilarity;
      } else if (naql::VerifyPair(exact_, text_a_, text_b_, &report)) {
        d.cls = MissClass::kTolerantLoses;
      } else {
        d.cls = MissClass::kAlignerNothing;
      }
    }
    return d;
  }

 private:
  static naql::Aligner Effective(const naql::ScanOptions& options, double min_similarity,
                                 bool edit_tolerant) {
    naql::AlignerOptions aligner = options.aligner;
    aligner.min_words = options.fingerprint.min_words;
    aligner.seed_size = options.fingerprint.shingle.size;
    aligner.min_similarity = min_similarity;
    aligner.edit_tolerant = edit_tolerant;
    return naql::Aligner(aligner);
  }

  // Analyzes article `doc` as the scanner does before alignment (boilerplate masked), and its
  // unmasked min_words-gram hashes.
  void Analyze(uint32_t doc, naql::AnalyzedText* text, std::vector<uint64_t>* hashes,
               std::vector<uint64_t>* grams) {
    fingerprinter_.Analyze(corpus_.docs[doc].text, text);
    naql::TokenHashes(text->tokens, hashes);
    grams->clear();
    if (hashes->size() >= options_.fingerprint.min_words) {
      naql::HashShingles(*hashes, options_.fingerprint.min_words, grams);
    }
    if (!view_.boilerplate[doc].empty()) {
      naql::MaskTokens(view_.boilerplate[doc], doc, absl::MakeSpan(text->tokens));
    }
  }

  const Corpus& corpus_;
  const naql::Fingerprinter& fingerprinter_;
  const naql::ScanOptions& options_;
  const ScannerView& view_;
  naql::Aligner aligner_, permissive_, exact_;
  naql::AnalyzedText text_a_, text_b_;
  std::vector<uint64_t> hashes_a_, hashes_b_, grams_a_, grams_b_;
  std::vector<std::pair<uint64_t, uint32_t>> positions_a_;
};

// Longest run of equal token hashes shared by two articles (O(n·m) dynamic programming, for the
// few "extra" pairs only).
uint32_t LongestExactRun(const naql::Fingerprinter& fingerprinter, const std::string& a,
                         const std::string& b) {
  naql::AnalyzedText ta, tb;
  fingerprinter.Analyze(a, &ta);
  fingerprinter.Analyze(b, &tb);
  std::vector<uint32_t> previous(tb.tokens.size() + 1, 0), current(tb.tokens.size() + 1, 0);
  uint32_t best = 0;
  for (size_t i = 1; i <= ta.tokens.size(); ++i) {
    for (size_t j = 1; j <= tb.tokens.size(); ++j) {
      current[j] = ta.tokens[i - 1].hash == tb.tokens[j - 1].hash ? previous[j - 1] + 1 : 0;
      best = std::max(best, current[j]);
    }
    std::swap(previous, current);
  }
  return best;
}

// ---- Report ---------------------------------------------------------------------------------

class Machine {
 public:
  explicit Machine(bool on) : on_(on) {}
  template <typename T>
  void Put(const std::string& key, const T& value) {
    if (on_) lines_ += absl::StrCat("crawl.", key, "=", value, "\n");
  }
  void Put(const std::string& key, double value) {
    if (on_) lines_ += absl::StrFormat("crawl.%s=%.4g\n", key, value);
  }
  void Flush() { std::fputs(lines_.c_str(), stdout); }

 private:
  bool on_;
  std::string lines_;
};

const char* Check(bool ok) { return ok ? "met" : "NOT met"; }

void PrintFound(const Corpus& corpus, const FoundPair& p) {
  const naql::Document& a = corpus.docs[KeyA(p.key)];
  const naql::Document& b = corpus.docs[KeyB(p.key)];
  std::printf("    %s (%s) ~ %s (%s): %s, cover %.2f, longest span %u words, min sim %.2f%s\n",
              a.id.c_str(), a.meta.source.c_str(), b.id.c_str(), b.meta.source.c_str(),
              naql::PairKindName(p.kind), p.coverage, p.words, p.min_similarity,
              p.quote ? ", quote" : "");
  std::printf("      a: %s\n      b: %s\n", Snippet(a.text, p.a_begin, p.a_end).c_str(),
              Snippet(b.text, p.b_begin, p.b_end).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  Machine machine(flags.machine);
  naql::ScanOptions options;
  options.threads = flags.threads;
  if (flags.max_df > 0) options.passage.max_df = flags.max_df;
  if (flags.verify_batch > 0) options.verify_batch_pairs = flags.verify_batch;
  if (flags.passage_shingle > 0) options.fingerprint.passage_shingle = flags.passage_shingle;
  if (flags.verify_cache_mb != ~0u) {
    options.verify_cache_bytes = uint64_t{flags.verify_cache_mb} << 20;
  }
  options.compress_stored_texts = flags.compress_temp;
  if (absl::Status status = options.Validate(); !status.ok()) Fail(status.ToString());
  const uint32_t min_words = options.fingerprint.min_words;

  const std::string load_start = LoadAverage();
  const uint64_t baseline_rss = PeakRssBytes();

  // 1. Scans: one alone in a child process for its peak memory, then those timed here.
  const uint64_t peak_rss = ScanPeakRssInChild(flags.input, options);
  ModeResult tolerant = ScanMode("tolerant", flags, options, /*keep_ids=*/true);
  ModeResult exact;
  if (flags.exact_too) {
    naql::ScanOptions exact_options = options;
    exact_options.aligner.edit_tolerant = false;
    exact = ScanMode("exact", flags, exact_options, /*keep_ids=*/false);
  }
  ModeResult whole;
  if (flags.whole_too) {
    naql::ScanOptions whole_options = options;
    whole_options.find_partial = false;
    whole = ScanMode("whole-article", flags, whole_options, /*keep_ids=*/false);
  }
  // 2. Memory of this process after its scans, before anything else is loaded.
  const uint64_t process_peak_rss = PeakRssBytes();
  const std::string load_end = LoadAverage();

  // 3. Texts, and the fingerprinting stage alone.
  Corpus corpus = LoadCorpus(flags.input);
  const naql::ScanStats& stats = tolerant.first.stats;
  const size_t n = corpus.docs.size();
  if (n == 0) Fail("no article could be read from " + flags.input);
  if (n != stats.documents || n != tolerant.first.ids.size()) {
    Fail(absl::StrCat("the input changed: ", n, " documents now, ", stats.documents, " scanned"));
  }
  for (size_t i = 0; i < n; ++i) {
    if (corpus.docs[i].id != tolerant.first.ids[i]) Fail("document order differs between reads");
  }
  const naql::Fingerprinter fingerprinter(options.fingerprint);
  uint64_t checksum = 0;
  double fp_wall = 0, fp_cpu = 0;
  TimeFingerprinting(corpus, fingerprinter, flags.repeat, &fp_wall, &fp_cpu, &checksum);

  const double mb = corpus.text_bytes / 1e6;
  const double scan_mbps = mb / tolerant.median_seconds;
  // On a shared machine the wall time mostly measures the other processes. The CPU time the scan
  // used, spread over its threads, gives the wall time it would take alone if it kept every
  // thread busy: an upper bound of the unloaded throughput (the reading thread and the serial
  // parts of the candidate phase make the real figure lower).
  const double cpu_mbps = mb / (tolerant.median_cpu_seconds / flags.threads);
  const double fp_mbps = mb / fp_wall;
  const double fp_cpu_mbps = mb / fp_cpu;

  std::printf("crawl_benchmark: %s\n", flags.input.c_str());
  std::printf("  input          %.1f MB of article text (%.1f MB of JSON Lines), %zu articles, "
              "%llu skipped\n",
              mb, corpus.jsonl_bytes / 1e6, n, static_cast<unsigned long long>(stats.skipped));
  std::printf("  machine        %u hardware threads; load average %s at start, %s after scans\n",
              std::thread::hardware_concurrency(), load_start.c_str(), load_end.c_str());
  std::printf("  options        defaults%s%s (max_df %u, LSH threshold %.2f, shingle %u, "
              "num_perm %u, min_words %u, verify batch %u pairs)\n",
              flags.max_df > 0 ? ", --max-df" : "", flags.verify_batch > 0 ? ", --verify-batch" : "",
              options.passage.max_df, options.lsh.threshold, options.fingerprint.shingle.size,
              options.fingerprint.minhash.num_perm, min_words, options.verify_batch_pairs);
  std::printf("  scan           --threads %u, %u runs: median %.2f s wall (runs:", flags.threads,
              flags.repeat, tolerant.median_seconds);
  for (double sec : tolerant.seconds) std::printf(" %.2f", sec);
  std::printf("), %.2f s CPU\n", tolerant.median_cpu_seconds);
  std::printf("                 wall: %.1f MB/s, %.0f docs/s; CPU-bound: %.1f MB/s, %.0f docs/s "
              "on %u threads (%.1f MB per CPU-second)\n",
              scan_mbps, n / tolerant.median_seconds, cpu_mbps,
              n / (tolerant.median_cpu_seconds / flags.threads), flags.threads,
              mb / tolerant.median_cpu_seconds);
  std::printf("                 phases (first run): fingerprint %.2f s wall, %.2f s CPU; candidates "
              "%.2f s wall; verify %.2f s wall; clusters and quotations %.2f s wall; all after "
              "fingerprinting %.2f s CPU\n",
              stats.fingerprint_seconds, tolerant.first.fingerprint_cpu_seconds,
              stats.candidate_seconds, stats.verify_seconds, stats.cluster_seconds,
              tolerant.first.cpu_seconds - tolerant.first.fingerprint_cpu_seconds);
  std::printf("                 candidates %llu from LSH, %llu from passages, %llu distinct; "
              "%llu fingerprints over max_df dropped; %llu boilerplate lines in %llu articles\n",
              static_cast<unsigned long long>(stats.lsh_candidates),
              static_cast<unsigned long long>(stats.passage_candidates),
              static_cast<unsigned long long>(stats.candidates),
              static_cast<unsigned long long>(stats.dropped_fingerprints),
              static_cast<unsigned long long>(stats.boilerplate_lines),
              static_cast<unsigned long long>(stats.boilerplate_documents));
  std::printf("                 verification read and analyzed %llu articles (%.2f per article; "
              "batches of %u pairs, cache %llu MiB)\n",
              static_cast<unsigned long long>(stats.verify_analyses),
              static_cast<double>(stats.verify_analyses) / std::max<double>(1, n),
              options.verify_batch_pairs,
              static_cast<unsigned long long>(options.verify_cache_bytes >> 20));
  std::printf("  vs datasketch  wall %.1f×, CPU-bound %.1f× (reference: %s)\n",
              scan_mbps / kDatasketchMBps, cpu_mbps / kDatasketchMBps, kDatasketchProvenance);
  std::printf("                 target >= %.0f× (aim 100×) on 2 cores: %s (wall), %s (CPU-bound)\n",
              kTargetScanRatio, Check(scan_mbps / kDatasketchMBps >= kTargetScanRatio),
              Check(cpu_mbps / kDatasketchMBps >= kTargetScanRatio));
  std::printf("  fingerprinting one core, texts in memory, median of %u: %.1f MB/s wall, %.1f MB "
              "per CPU-second; target >= %.0f: %s (wall), %s (CPU)\n",
              flags.repeat, fp_mbps, fp_cpu_mbps, kTargetFingerprintMBps,
              Check(fp_mbps >= kTargetFingerprintMBps), Check(fp_cpu_mbps >= kTargetFingerprintMBps));
  std::printf("  memory         peak RSS of one scan in a fresh process %.1f MB = %.0f "
              "bytes/article, %.2f × the input; target <= %.2f: %s\n",
              peak_rss / 1e6, static_cast<double>(peak_rss) / n, peak_rss / 1e6 / mb,
              kTargetMemoryShare, Check(peak_rss / 1e6 <= kTargetMemoryShare * mb));
  std::printf("                 this process: baseline %.1f MB, peak %.1f MB after all its scans\n",
              baseline_rss / 1e6, process_peak_rss / 1e6);
  std::printf("                 scanner's fingerprints %.1f MB = %.0f bytes/article in memory, "
              "%.1f MB in its temporary file; resident set sampled in phases reading %.1f MB, "
              "candidates %.1f MB, verifying %.1f MB\n",
              stats.fingerprint_bytes / 1e6, static_cast<double>(stats.fingerprint_bytes) / n,
              stats.spill_bytes / 1e6,
              tolerant.first.phase_rss[0] / 1e6, tolerant.first.phase_rss[1] / 1e6,
              tolerant.first.phase_rss[2] / 1e6);
  std::printf("  found          %zu pairs (%llu duplicate, %llu reuse), %llu clusters%s\n",
              tolerant.first.pairs.size(), static_cast<unsigned long long>(stats.duplicates),
              static_cast<unsigned long long>(stats.pairs - stats.duplicates),
              static_cast<unsigned long long>(tolerant.first.clusters),
              tolerant.deterministic ? "" : "; WARNING: pairs differ between runs");
  double exact_mbps = 0, exact_cpu_mbps = 0;
  if (flags.exact_too) {
    exact_mbps = mb / exact.median_seconds;
    exact_cpu_mbps = mb / (exact.median_cpu_seconds / flags.threads);
    std::printf("  exact-only     median %.2f s wall, %.2f s CPU: %.1f MB/s wall, %.1f CPU-bound; "
                "%zu pairs%s\n",
                exact.median_seconds, exact.median_cpu_seconds, exact_mbps, exact_cpu_mbps,
                exact.first.pairs.size(),
                exact.deterministic ? "" : " (WARNING: differ between runs)");
    std::printf("                 tolerant/exact throughput %.2f wall, %.2f CPU; target >= %.2f: "
                "%s (wall), %s (CPU)\n",
                scan_mbps / exact_mbps, cpu_mbps / exact_cpu_mbps, kTargetTolerantShare,
                Check(scan_mbps / exact_mbps >= kTargetTolerantShare),
                Check(cpu_mbps / exact_cpu_mbps >= kTargetTolerantShare));
  }
  double whole_mbps = 0, whole_cpu_mbps = 0;
  if (flags.whole_too) {
    whole_mbps = mb / whole.median_seconds;
    whole_cpu_mbps = mb / (whole.median_cpu_seconds / flags.threads);
    std::printf("  whole-article  near-duplicates only (--no-partial): median %.2f s wall, %.2f s "
                "CPU: %.1f MB/s wall, %.1f CPU-bound = %.1f× datasketch (CPU-bound); %zu pairs "
                "(%llu duplicate)%s\n",
                whole.median_seconds, whole.median_cpu_seconds, whole_mbps, whole_cpu_mbps,
                whole_cpu_mbps / kDatasketchMBps, whole.first.pairs.size(),
                static_cast<unsigned long long>(whole.first.stats.duplicates),
                whole.deterministic ? "" : " (WARNING: differ between runs)");
  }
  machine.Put("input", flags.input);
  machine.Put("text_mb", mb);
  machine.Put("jsonl_mb", corpus.jsonl_bytes / 1e6);
  machine.Put("docs", n);
  machine.Put("threads", flags.threads);
  machine.Put("repeat", flags.repeat);
  machine.Put("load_start", load_start);
  machine.Put("load_end", load_end);
  machine.Put("seconds", tolerant.median_seconds);
  machine.Put("cpu_seconds", tolerant.median_cpu_seconds);
  machine.Put("mb_per_s", scan_mbps);
  machine.Put("docs_per_s", n / tolerant.median_seconds);
  machine.Put("cpu_mb_per_s", cpu_mbps);
  machine.Put("cpu_docs_per_s", n / (tolerant.median_cpu_seconds / flags.threads));
  machine.Put("x_datasketch", scan_mbps / kDatasketchMBps);
  machine.Put("cpu_x_datasketch", cpu_mbps / kDatasketchMBps);
  machine.Put("fp_mb_per_s_core", fp_mbps);
  machine.Put("fp_mb_per_cpu_s", fp_cpu_mbps);
  machine.Put("peak_rss_mb", peak_rss / 1e6);
  machine.Put("baseline_rss_mb", baseline_rss / 1e6);
  machine.Put("process_peak_rss_mb", process_peak_rss / 1e6);
  machine.Put("rss_bytes_per_doc", peak_rss / n);
  machine.Put("rss_share_of_input", peak_rss / 1e6 / mb);
  machine.Put("fp_bytes_per_doc", stats.fingerprint_bytes / n);
  machine.Put("spill_mb", stats.spill_bytes / 1e6);
  machine.Put("pairs", tolerant.first.pairs.size());
  machine.Put("duplicates", stats.duplicates);
  machine.Put("candidates", stats.candidates);
  machine.Put("fingerprint_phase_cpu_seconds", tolerant.first.fingerprint_cpu_seconds);
  machine.Put("verify_phase_cpu_seconds",
              tolerant.first.cpu_seconds - tolerant.first.fingerprint_cpu_seconds);
  if (flags.exact_too) {
    machine.Put("exact_seconds", exact.median_seconds);
    machine.Put("exact_cpu_seconds", exact.median_cpu_seconds);
    machine.Put("exact_mb_per_s", exact_mbps);
    machine.Put("exact_cpu_mb_per_s", exact_cpu_mbps);
    machine.Put("exact_pairs", exact.first.pairs.size());
    machine.Put("tolerant_over_exact", scan_mbps / exact_mbps);
    machine.Put("cpu_tolerant_over_exact", cpu_mbps / exact_cpu_mbps);
  }
  if (flags.whole_too) {
    machine.Put("whole_seconds", whole.median_seconds);
    machine.Put("whole_cpu_seconds", whole.median_cpu_seconds);
    machine.Put("whole_mb_per_s", whole_mbps);
    machine.Put("whole_cpu_mb_per_s", whole_cpu_mbps);
    machine.Put("whole_cpu_x_datasketch", whole_cpu_mbps / kDatasketchMBps);
    machine.Put("whole_pairs", whole.first.pairs.size());
    machine.Put("whole_duplicates", whole.first.stats.duplicates);
  }

  // 4. Quality.
  std::vector<uint64_t> truth_keys;             // sorted
  std::vector<naql::testing::TruthPair> truth;  // --truth only, same order
  std::vector<OraclePair> oracle;               // oracle only, same order
  const Clock::time_point truth_start = Clock::now();
  if (!flags.truth.empty()) {
    absl::StatusOr<std::vector<naql::testing::TruthPair>> read =
        naql::testing::ReadTruthJsonl(flags.truth, corpus.docs);
    if (!read.ok()) Fail(read.status().ToString());
    truth = *std::move(read);
    std::sort(truth.begin(), truth.end(), [](const auto& x, const auto& y) {
      return PairKey(x.a, x.b) < PairKey(y.a, y.b);
    });
    for (const auto& t : truth) truth_keys.push_back(PairKey(t.a, t.b));
  } else {
    oracle = ExactOverlapOracle(corpus, fingerprinter, min_words);
    for (const OraclePair& p : oracle) truth_keys.push_back(p.key);
  }
  const double truth_seconds = SecondsSince(truth_start);
  const char* truth_name = flags.truth.empty() ? "oracle" : "truth";
  auto oracle_min_df = [&oracle](uint64_t key) -> uint32_t {
    auto it = std::lower_bound(oracle.begin(), oracle.end(), key,
                               [](const OraclePair& p, uint64_t k) { return p.key < k; });
    return it != oracle.end() && it->key == key ? it->min_df : 0;
  };

  auto evaluate = [&](const char* mode, const std::vector<FoundPair>& found,
                      std::vector<uint64_t>* missed, std::vector<size_t>* extra) {
    missed->clear();
    extra->clear();
    size_t hit = 0;
    size_t i = 0, j = 0;
    while (i < found.size() || j < truth_keys.size()) {
      if (j == truth_keys.size() || (i < found.size() && found[i].key < truth_keys[j])) {
        extra->push_back(i++);
      } else if (i == found.size() || truth_keys[j] < found[i].key) {
        missed->push_back(truth_keys[j++]);
      } else {
        ++hit;
        ++i;
        ++j;
      }
    }
    const double recall = Share(hit, truth_keys.size());
    const double precision = Share(hit, found.size());
    std::printf("  quality (%s) recall %.4f (%zu of %zu %s pairs), precision %.4f (%zu of %zu "
                "found); %zu %s\n",
                mode, recall, hit, truth_keys.size(), truth_name, precision, hit, found.size(),
                extra->size(),
                flags.truth.empty() ? "extra (no exact 8-word run: edit-tolerant finds)"
                                    : "not in the truth");
    machine.Put(absl::StrCat(mode, "_recall"), recall);
    machine.Put(absl::StrCat(mode, "_precision"), precision);
    machine.Put(absl::StrCat(mode, "_extra"), extra->size());
    machine.Put(absl::StrCat(mode, "_missed"), missed->size());
  };

  std::printf("  %s %zu pairs in %.1f s%s\n", truth_name, truth_keys.size(), truth_seconds,
              flags.truth.empty() ? " (brute-force exact 8-gram overlap, no df cutoff)" : "");
  machine.Put("truth_pairs", truth_keys.size());
  machine.Put("truth_kind", truth_name);
  std::vector<uint64_t> missed, exact_missed;
  std::vector<size_t> extra, exact_extra;
  if (flags.exact_too) evaluate("exact", exact.first.pairs, &exact_missed, &exact_extra);
  evaluate("tolerant", tolerant.first.pairs, &missed, &extra);

  // Breakdowns of recall.
  const std::vector<FoundPair>& found = tolerant.first.pairs;
  auto found_kind = [&found](uint64_t key, naql::PairKind* kind) {
    auto it = std::lower_bound(found.begin(), found.end(), key,
                               [](const FoundPair& p, uint64_t k) { return p.key < k; });
    if (it == found.end() || it->key != key) return false;
    *kind = it->kind;
    return true;
  };
  if (!truth.empty()) {
    struct Bucket {
      const char* name;
      size_t total = 0, hit = 0, same_kind = 0;
    };
    Bucket buckets[] = {{"duplicate"}, {"reuse, plain"}, {"reuse, quoted"}, {"unplanted"}};
    for (const auto& t : truth) {
      const int which = !t.planted                            ? 3
                        : t.kind == naql::PairKind::kDuplicate ? 0
                        : t.quote                              ? 2
                                                               : 1;
      Bucket& bucket = buckets[which];
      ++bucket.total;
      naql::PairKind kind;
      if (found_kind(PairKey(t.a, t.b), &kind)) {
        ++bucket.hit;
        bucket.same_kind += kind == t.kind;
      }
    }
    for (const Bucket& b : buckets) {
      if (b.total == 0) continue;
      std::printf("    %-14s recall %.4f (%zu of %zu), naql's kind agrees on %.4f of those found\n",
                  b.name, Share(b.hit, b.total), b.hit, b.total, Share(b.same_kind, b.hit));
    }
    machine.Put("recall_duplicate", Share(buckets[0].hit, buckets[0].total));
    machine.Put("recall_reuse", Share(buckets[1].hit + buckets[2].hit,
                                      buckets[1].total + buckets[2].total));
  } else {
    // By the df of the rarest shared 8-gram: a pair whose every shared run is in more than
    // max_df articles (formulaic phrases: titles, honorifics) cannot come from the passage index,
    // whose fingerprints there are all dropped.
    const uint32_t max_df = options.passage.max_df;
    size_t rare_total = 0, rare_hit = 0, common_total = 0, common_hit = 0;
    for (const OraclePair& p : oracle) {
      naql::PairKind kind;
      const bool hit = found_kind(p.key, &kind);
      if (p.min_df <= max_df) {
        ++rare_total;
        rare_hit += hit;
      } else {
        ++common_total;
        common_hit += hit;
      }
    }
    std::printf("    rarest shared 8-gram in <= max_df (%u) articles: recall %.4f (%zu of %zu); "
                "in more (formulaic): %.4f (%zu of %zu)\n",
                max_df, Share(rare_hit, rare_total), rare_hit, rare_total,
                Share(common_hit, common_total), common_hit, common_total);
    machine.Put("recall_rare", Share(rare_hit, rare_total));
    machine.Put("oracle_rare_pairs", rare_total);
    // What naql reports, by how common the rarest exact run is: a passage two or three articles
    // share is reuse; an 8-word run found in dozens of articles is usually a formula (a title,
    // an honorific, a standard sentence).
    const uint32_t limits[] = {2, 3, 10, 30, max_df};
    size_t by_df[7] = {0, 0, 0, 0, 0, 0, 0};  // the buckets above, > max_df, no exact run
    for (const FoundPair& p : found) {
      const uint32_t df = oracle_min_df(p.key);
      int bucket = 6;
      if (df > 0) {
        bucket = 5;
        for (int l = 4; l >= 0; --l) {
          if (df <= limits[l]) bucket = l;
        }
      }
      ++by_df[bucket];
    }
    std::printf("    pairs found by the df of their rarest shared 8-gram: 2: %zu, 3: %zu, 4-10: %zu, "
                "11-30: %zu, 31-%u: %zu, > %u: %zu, no exact run: %zu\n",
                by_df[0], by_df[1], by_df[2], by_df[3], max_df, by_df[4], max_df, by_df[5],
                by_df[6]);
  }

  // Extra pairs: how much exact text do they share?
  if (!extra.empty()) {
    uint32_t histogram[4] = {0, 0, 0, 0};  // longest exact run 0-3, 4-5, 6-7, >= min_words
    std::vector<std::pair<uint32_t, size_t>> runs;
    const size_t limit = std::min<size_t>(extra.size(), 5000);
    for (size_t e = 0; e < limit; ++e) {
      const FoundPair& p = found[extra[e * extra.size() / limit]];
      const uint32_t run = LongestExactRun(fingerprinter, corpus.docs[KeyA(p.key)].text,
                                           corpus.docs[KeyB(p.key)].text);
      histogram[run < 4 ? 0 : run < 6 ? 1 : run < min_words ? 2 : 3]++;
      runs.emplace_back(run, extra[e * extra.size() / limit]);
    }
    std::printf("  %s pairs (%zu examined): longest run of equal words 0-3: %u, 4-5: %u, 6-7: %u, "
                ">= 8: %u; the least exact:\n",
                flags.truth.empty() ? "extra" : "not-in-truth", limit, histogram[0],
                histogram[1], histogram[2], histogram[3]);
    std::stable_sort(runs.begin(), runs.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t s = 0; s < runs.size() && s < flags.samples; ++s) {
      std::printf("    [longest exact run %u]\n", runs[s].first);
      PrintFound(corpus, found[runs[s].second]);
    }
  }

  // Samples of pairs found.
  if (flags.samples > 0 && !found.empty()) {
    std::printf("  sample of pairs found (evenly spaced):\n");
    const size_t count = std::min<size_t>(flags.samples, found.size());
    for (size_t s = 0; s < count; ++s) PrintFound(corpus, found[s * found.size() / count]);
  }

  // 5. Diagnosis of the pairs missed.
  if (flags.diagnose && !missed.empty()) {
    const Clock::time_point start = Clock::now();
    const ScannerView view = BuildScannerView(corpus, fingerprinter, options);
    MissDiagnoser diagnoser(corpus, fingerprinter, options, view);
    std::vector<std::vector<uint64_t>> by_class(kMissClasses);
    size_t lsh_likely = 0;
    for (uint64_t key : missed) {
      const Diagnosis d = diagnoser.Diagnose(KeyA(key), KeyB(key), oracle_min_df(key), false);
      lsh_likely += d.jaccard >= options.lsh.threshold;
      by_class[static_cast<int>(d.cls)].push_back(key);
    }
    std::printf("  missed %zu %s pairs, by cause (diagnosed in %.1f s; max_df %u, LSH threshold "
                "%.2f, min_similarity %.2f; %zu have a MinHash estimate >= threshold):\n",
                missed.size(), truth_name, SecondsSince(start), options.passage.max_df,
                options.lsh.threshold, options.aligner.min_similarity, lsh_likely);
    for (int c = 0; c < kMissClasses; ++c) {
      const std::vector<uint64_t>& list = by_class[c];
      machine.Put(absl::StrCat("missed_", c), list.size());
      if (list.empty()) continue;
      std::printf("    %-54s %zu\n", MissClassName(static_cast<MissClass>(c)), list.size());
      const size_t count = std::min<size_t>(flags.samples, list.size());
      for (size_t s = 0; s < count; ++s) {
        const uint64_t key = list[s * list.size() / count];
        const Diagnosis d = diagnoser.Diagnose(KeyA(key), KeyB(key), oracle_min_df(key), true);
        const naql::Document& a = corpus.docs[KeyA(key)];
        const naql::Document& b = corpus.docs[KeyB(key)];
        std::printf("      %s (%s, %zu B) ~ %s (%s, %zu B): shared 8-grams %u (%u outside "
                    "boilerplate)",
                    a.id.c_str(), a.meta.source.c_str(), a.text.size(), b.id.c_str(),
                    b.meta.source.c_str(), b.text.size(), d.shared_runs, d.clean_runs);
        if (!oracle.empty()) std::printf(", rarest in %u articles", oracle_min_df(key));
        std::printf(", shared fingerprints %u (min df %u), MinHash est. %.2f", d.shared_fps,
                    d.min_fp_df, d.jaccard);
        if (d.masked_a + d.masked_b > 0) {
          std::printf(", boilerplate words masked %u / %u", d.masked_a, d.masked_b);
        }
        if (d.best_words > 0) {
          std::printf(", permissive span %u words sim %.2f", d.best_words, d.best_similarity);
        }
        std::printf("\n        run: %s\n", Snippet(a.text, d.run_begin, d.run_end).c_str());
      }
    }
  }
  if (flags.machine) machine.Flush();
  return 0;
}
