// naql/scanner.h — the main job: every pair of articles in a corpus that share text.
//
// A scan runs in three phases, each on all worker threads:
//   1. Fingerprint: articles stream in from a DocumentReader; each is normalized, tokenized and
//      reduced to a MinHash signature and winnowed passage fingerprints. Texts are not kept: the
//      fingerprints are (about 3 KB for a 600-word article). Articles whose input cannot be read
//      again (compressed files) keep a copy of their text in the temporary file instead.
//      Lines that a source repeats in many articles (site chrome) are then found, and their
//      passage fingerprints dropped, before any candidate is made (naql/boilerplate.h).
//   2. Candidates: LSH over the signatures (whole-article resemblance ≥ threshold, Broder 1997;
//      banding as in Leskovec–Rajaraman–Ullman, Mining of Massive Datasets ch. 3) and the passage
//      index (articles sharing a winnowed fingerprint, after dropping fingerprints found in more than
//      max_df articles, which are boilerplate) give candidate pairs.
//   3. Verify: candidate pairs are taken in (a, b) order in batches; the articles of a batch are read
//      again, analyzed, and each pair aligned. A pair with at least one span of min_words words is
//      a finding (boilerplate words masked so they never match): a duplicate when the spans cover ≥ 80% of the shorter article's words, else reuse.
// Findings go to a ScanSink in (a, b) order as they are verified, so output streams; clusters of
// duplicates follow at the end, then quotations repeated across articles (detected in phase 1,
// where only the quotations are kept, and clustered allowing edits: see naql/quotes.h).
//
// Example:
//   naql::ScanOptions options;
//   options.threads = 2;
//   naql::Scanner scanner(options);
//   MySink sink;
//   absl::Status status = scanner.Run(reader.get(), &sink);
//
// Thread safety: a Scanner runs one scan at a time; Run() calls the sink from the calling thread.

#ifndef NAQL_SCANNER_H_
#define NAQL_SCANNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "naql/aligner.h"
#include "naql/boilerplate.h"
#include "naql/document.h"
#include "naql/fingerprinter.h"
#include "naql/lsh_index.h"
#include "naql/passage_index.h"
#include "naql/quotes.h"
#include "naql/reader.h"
#include "naql/report.h"

namespace naql {

struct ScanOptions {
  FingerprintOptions fingerprint;  // normalizer, tokenizer, shingle size, permutations, min_words
  LshOptions lsh;                  // threshold, bands × rows
  PassageIndexOptions passage;     // max_df
  AlignerOptions aligner;          // min_words is taken from fingerprint.min_words
  bool find_pairs = true;          // false: skip fingerprints and pairs (quotations only)
  bool find_partial = true;        // the passage stage; false: whole-article near-duplicates only
  bool find_quotes = true;         // cluster quotations repeated across articles
  bool remove_boilerplate = true;  // lines a source repeats on many articles never make spans
  BoilerplateOptions boilerplate;  // how many articles make a line boilerplate
  QuoteClustererOptions quotes;    // min_docs, similarity of repeated quotations
  unsigned threads = 1;            // worker threads, >= 1
  // Candidate pairs verified per batch (the unit of parallel work).
  uint32_t verify_batch_pairs = 1024;
  // A batch ends early when the articles it has to read and analyze (those not cached) reach this
  // many words: with ~50 bytes per analyzed word (text, folded text, tokens) the default, 2^17,
  // bounds a batch's new articles to ~6.5 MB however many partners each has. Must be >= 1.
  uint64_t verify_batch_words = uint64_t{1} << 17;
  // Articles analyzed for verification (original text, folded text, tokens) stay cached across
  // batches up to about this many bytes, least recently used evicted first: an article that
  // appears in many candidate pairs is read and analyzed once rather than once per batch.
  // Candidates are verified in order of their first article, so the articles of one story — the
  // pairs that share them — tend to be close. 0 disables the cache (each batch analyzes what it
  // needs). Memory of the verify phase is about this plus one batch's articles. 24 MiB holds the
  // articles of a story's pairs; more was not faster on real news within the noise of this
  // machine (32 MiB: the same speed, 8 MB more at the peak; 64 MiB: 25 MB more).
  uint64_t verify_cache_bytes = uint64_t{24} << 20;
  // Where the scan's temporary file goes (empty: $TMPDIR, else /tmp). The file has no name and
  // vanishes with the scan; it holds what phase 1 need not keep in memory: the passage
  // fingerprints (16 bytes each, about the size of the input), the texts of articles that cannot
  // be read again (compressed files: their size, or ~0.4 of it with compress_stored_texts) and
  // the token tables and texts of the quotations (with find_quotes; about a fifth of the input).
  std::string temp_dir;
  // zstd-compress the texts kept in the temporary file (see temp_dir): 2.5 times less disk for
  // them, for more CPU time. Articles of a few KB are slow to compress one by one: on
  // SaudiNewsNet's (3.2 KB on average) zstd's fastest levels took 0.16-0.28 s per 48 MB of text
  // and decompression 0.05-0.10 s each time the articles are read again, against 0.003 s to copy
  // them; a scan of SaudiNewsNet took 10% more CPU time (bench/README.md). Off by default.
  bool compress_stored_texts = false;

  absl::Status Validate() const;
};

// What the scan keeps of each article (the text itself is not kept).
struct ScannedDocument {
  std::string id;
  DocumentMeta meta;
  std::string location;
  uint32_t words = 0;
};

struct ScanStats {
  uint64_t documents = 0;
  uint64_t skipped = 0;
  uint64_t bytes = 0;
  uint64_t lsh_candidates = 0;
  uint64_t passage_candidates = 0;
  uint64_t candidates = 0;  // distinct pairs verified
  uint64_t pairs = 0;
  uint64_t duplicates = 0;
  uint64_t quotes = 0;       // repeated quotations
  uint64_t dropped_fingerprints = 0;  // passage fingerprints over max_df
  uint64_t boilerplate_lines = 0;     // distinct (source, line) pairs found to be boilerplate
  uint64_t boilerplate_documents = 0; // articles with at least one boilerplate line
  double fingerprint_seconds = 0;
  double candidate_seconds = 0;
  double verify_seconds = 0;
  double cluster_seconds = 0;  // clusters of duplicates and repeated quotations, after verification
  uint64_t fingerprint_bytes = 0;  // memory held by fingerprints after phase 1
  uint64_t spill_bytes = 0;  // written to the temporary file (ScanOptions::temp_dir)
  uint64_t verify_analyses = 0;    // articles read and analyzed again for verification
};

// Receives findings. Called from the thread that called Run(), in order.
class ScanSink {
 public:
  virtual ~ScanSink() = default;
  // A verified pair. The documents are the full articles (text included), valid during the call.
  virtual void OnPair(const PairReport& pair, const Document& a, const Document& b) = 0;
  virtual void OnCluster(const Cluster& cluster) { (void)cluster; }
  // A quotation repeated across articles (after all pairs and clusters).
  virtual void OnQuote(const RepeatedQuote& quote) { (void)quote; }
};

// Progress, called from the thread that called Run() about every 100 ms during long phases.
struct ScanProgress {
  const char* phase = "";  // "reading", "candidates", "verifying"
  uint64_t documents = 0;
  uint64_t bytes = 0;        // input bytes read so far
  uint64_t total_bytes = 0;  // 0 when unknown
  uint64_t pairs = 0;        // findings so far
  uint64_t done = 0;         // candidates: fingerprint partitions indexed / total;
                             // verifying: candidate pairs done / total
  uint64_t total = 0;
};

class Scanner {
 public:
  // Requires options.Validate().ok().
  explicit Scanner(const ScanOptions& options);
  ~Scanner();

  // Scans everything `reader` yields. Errors: the reader's fatal errors (strict mode, I/O), and
  // DataLoss when an article cannot be read again for verification.
  absl::Status Run(DocumentReader* reader, ScanSink* sink,
                   std::function<void(const ScanProgress&)> progress = nullptr);

  // After Run(): the articles in input order (indices are those of PairReport and Cluster).
  const std::vector<ScannedDocument>& documents() const { return documents_; }
  const ScanStats& stats() const { return stats_; }

 private:
  class Impl;
  ScanOptions options_;
  std::vector<ScannedDocument> documents_;
  ScanStats stats_;
};

}  // namespace naql

#endif  // NAQL_SCANNER_H_
