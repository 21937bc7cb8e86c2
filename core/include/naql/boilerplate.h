// naql/boilerplate.h — lines a site repeats on many pages: chrome, not reuse.
//
// News sites wrap every article in the same lines: a byline formula, a copyright footer, "اقرأ
// أيضا" link blocks, "logo", "Top". Two unrelated articles of one site share those lines, and a
// reuse detector that counts them reports the site, not the story. The BoilerplateDetector counts,
// for each source (DocumentMeta::source; articles without one form one source), in how many
// distinct articles each line occurs — a line being the words between two newlines of the folded
// text (each newline of the original stays one), compared by their token hashes, so spelling
// folds and punctuation do not matter. A line found in at least `min_docs` articles of the same
// source is boilerplate: the scanner drops its passage fingerprints and masks its words before
// alignment, so it never makes or joins a span. Syndicated copies are unaffected: the same story
// in several outlets is several sources.
//
// Example:
//   naql::BoilerplateDetector detector(naql::BoilerplateOptions{});
//   std::vector<naql::LineFingerprint> lines;
//   fingerprinter.Fingerprint(text, &scratch, &fingerprint);
//   naql::FingerprintLines(scratch.words, scratch.token_hashes, &lines);
//   detector.Add("okaz", lines);                // every article, then
//   detector.Build();
//   std::vector<naql::TokenRange> chrome;
//   detector.BoilerplateRanges("okaz", lines, &chrome);
//
// Thread safety: Add() and Build() from one thread; after Build(), BoilerplateRanges() is const and
// thread-safe. FingerprintLines and MaskTokens are free functions without shared state.

#ifndef NAQL_BOILERPLATE_H_
#define NAQL_BOILERPLATE_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "naql/tokenizer.h"

namespace naql {

struct BoilerplateOptions {
  // A line in at least this many distinct articles of one source is boilerplate. 2..2^31.
  // Default 10: a site's chrome repeats on nearly every page, while even a story a site
  // republishes several times rarely reaches ten copies within one crawl.
  uint32_t min_docs = 10;
  absl::Status Validate() const;
};

// One line of an article: the hash of its words and their token range [begin, end).
struct LineFingerprint {
  uint64_t hash = 0;
  uint32_t token_begin = 0;
  uint32_t token_end = 0;
};

struct TokenRange {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Writes (clearing `out`) the lines of an article from its folded words and their token hashes
// (word_hashes[i] of words.words[i], Tokenizer::HashWords), as Fingerprinter::Fingerprint leaves
// them in FingerprintScratch. Token ranges count words, which are the tokens of
// Tokenizer::Tokenize. Lines without words are left out. The hash is XXH3-64 of the lines' token
// hashes, so it is deterministic across runs.
void FingerprintLines(const FoldedWords& words, absl::Span<const uint64_t> word_hashes,
                      std::vector<LineFingerprint>* out);

class BoilerplateDetector {
 public:
  explicit BoilerplateDetector(const BoilerplateOptions& options) : options_(options) {}

  // Counts the distinct lines of one article of `source`.
  void Add(absl::string_view source, absl::Span<const LineFingerprint> lines);
  // Keeps the lines over the threshold. Call once, after every Add().
  void Build();

  // Writes (clearing `out`) the token ranges of the boilerplate lines among `lines` (an article of
  // `source`, as given to Add()), in token order.
  void BoilerplateRanges(absl::string_view source, absl::Span<const LineFingerprint> lines,
                         std::vector<TokenRange>* out) const;

  size_t boilerplate_lines() const { return counts_.size(); }

 private:
  static uint64_t Key(absl::string_view source, uint64_t line_hash);
  BoilerplateOptions options_;
  absl::flat_hash_map<uint64_t, uint32_t> counts_;  // (source, line) key → articles
  std::vector<uint64_t> scratch_;
  bool built_ = false;
};

// Makes the tokens in `ranges` unable to match any other token: each gets a hash derived from
// `salt` and its position (pass a salt that differs between articles, such as the article index).
void MaskTokens(absl::Span<const TokenRange> ranges, uint64_t salt, absl::Span<Token> tokens);

// True when the token range [begin, end) overlaps one of `ranges` (sorted, disjoint).
bool OverlapsAny(absl::Span<const TokenRange> ranges, uint32_t begin, uint32_t end);

}  // namespace naql

#endif  // NAQL_BOILERPLATE_H_
