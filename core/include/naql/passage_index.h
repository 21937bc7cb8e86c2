// naql/passage_index.h — passage fingerprints (winnowing) and the df-filtered inverted index that
// turns them into partial-reuse candidate pairs.
//
// Whole-document MinHash cannot see a 20-word quotation inside two 600-word articles: the shared
// shingles are a few percent of either set. This stage looks at passages instead. Each document is
// reduced to a sparse, position-independent sample of its shingle hashes by winnowing (Schleimer,
// Wilkerson, Aiken, "Winnowing: local algorithms for document fingerprinting", SIGMOD 2003): in
// every window of `window` consecutive shingle hashes the minimum is kept. Two documents that share
// a run of window + shingle_size - 1 words share that run's windows, hence the minimum of at least
// one of them, hence a fingerprint. With --min-words 8 and 5-word shingles the window is 4 and about
// 2 / (window + 1) = 40% of the shingles are kept.
//
// The index groups (fingerprint hash, document) entries by hash. A hash found in more than
// `max_df` documents is boilerplate — bylines, "اقرأ أيضا" links, site chrome, formulaic
// sentences — and is dropped: it would add max_df² / 2 candidate pairs while saying nothing about
// reuse (the aligner would still have to reject each pair). Every remaining hash shared by two
// documents makes them a candidate; the aligner decides whether they really share a passage.
// (A winnowed fingerprint within window - 1 shingles of a boilerplate block's edge is chosen
// against the surrounding text, so it may be kept in only some of the block's documents and pass
// the filter: boilerplate costs a few stray candidates, not df² / 2 of them.)
//
// Example:
//   naql::PassageIndex index;                       // default options
//   std::vector<naql::PassageFingerprint> fps;
//   for (uint32_t doc = 0; doc < shingles.size(); ++doc) {
//     naql::Winnow(shingles[doc], naql::WinnowWindow(/*min_words=*/8, /*shingle_size=*/5), &fps);
//     index.Add(doc, fps);
//   }
//   index.Build();
//   index.ForEachCandidatePair([&](uint32_t a, uint32_t b, uint32_t shared) { ... });
//
// Memory: 12 bytes per (distinct hash, document) entry while adding and after Build(), which sorts
// in place (see bench/passage_index_benchmark.cc). ForEachCandidatePair() needs 8 bytes per
// document plus 4 bytes per emitted (a, b) incidence, in batches of at most
// PassageIndexOptions::pair_batch incidences.
//
// Thread safety: Add() and Build() mutate and need exclusive access. After Build() the index is
// immutable; ForEachCandidatePair(), Query() and the accessors are const and thread-safe.

#ifndef NAQL_PASSAGE_INDEX_H_
#define NAQL_PASSAGE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"

namespace naql {

// One winnowed fingerprint: a shingle hash and where it occurs.
struct PassageFingerprint {
  uint64_t hash = 0;      // the shingle hash (see naql/shingler.h)
  uint32_t position = 0;  // index of the shingle in the document = index of its first token

  friend bool operator==(const PassageFingerprint&, const PassageFingerprint&) = default;
};

// The winnowing window that guarantees a shared fingerprint for every shared run of `min_words`
// words: min_words - shingle_size + 1 (a run of W + k - 1 words holds W whole k-word shingles).
// Requires 1 <= shingle_size <= min_words.
uint32_t WinnowWindow(uint32_t min_words, uint32_t shingle_size);

// Winnowing (Schleimer, Wilkerson, Aiken 2003). Writes to `out` (cleared first) the fingerprints of
// `shingle_hashes`: for every window of `window` consecutive hashes, the minimum hash of the window
// with its position — the rightmost one when the minimum occurs more than once, as in the paper —
// each position reported once, in increasing position order.
//
// Guarantees (both checked by tests against brute force):
//   * every window of `window` consecutive hashes has its rightmost minimum in `out`, and `out`
//     holds nothing else;
//   * two sequences sharing a run of `window` consecutive hashes both report the run's minimum
//     hash, so texts sharing window + k - 1 words share a fingerprint.
// A sequence shorter than `window` (but not empty) is one window: its rightmost minimum is
// reported, so short texts still have a fingerprint. An empty sequence gives no fingerprint.
// On random hashes about 2 / (window + 1) of the positions are kept (the paper's density).
//
// Requires window >= 1. Runs in O(n) expected time for hashes of text (the minimum is re-found by a
// scan of the window only when it leaves the window, which happens for about 2n / (window + 1)
// windows); O(n * window) for adversarially sorted input. Allocation-free apart from `out`.
void Winnow(absl::Span<const uint64_t> shingle_hashes, uint32_t window,
            std::vector<PassageFingerprint>* out);

struct PassageIndexOptions {
  // Hashes found in more than max_df documents are dropped by Build(). 100 keeps a passage that up
  // to 100 articles share — a wire story runs in a few dozen outlets, a widely quoted sentence in a
  // few dozen more — while bounding the work one hash can cause to 100 * 99 / 2 = 4,950 candidate
  // incidences. Boilerplate (bylines, "اقرأ أيضا" links, footers, formulaic sentences) repeats in
  // hundreds to thousands of articles of a real crawl and is dropped. In a corpus of a few hundred
  // documents boilerplate stays below 100: lower max_df there, or let the aligner reject it.
  // Must be >= 2 (a hash in one document cannot make a pair).
  uint32_t max_df = 100;

  // A pair is reported only when the two documents share at least this many distinct fingerprint
  // hashes. 1 (the default) is what the winnowing guarantee needs: one shared run of --min-words
  // words may yield a single shared fingerprint. Raise it to trade recall for fewer candidates.
  // Must be >= 1.
  uint32_t min_shared = 1;

  // At most this many (a, b) incidences are held in memory at once by ForEachCandidatePair() (4
  // bytes each: the default, 2^24, is 64 MiB). Larger pair sets are counted in several passes over
  // the index, each for a range of first documents. Must be >= 1.
  size_t pair_batch = size_t{1} << 24;

  // InvalidArgument when a field is out of range.
  absl::Status Validate() const;
};

// An inverted index from fingerprint hashes to the documents that contain them.
// Life cycle: Add() every document, Build() once, then query with ForEachCandidatePair() / Query().
class PassageIndex {
 public:
  // Requires options.Validate().ok() (checked by assert).
  explicit PassageIndex(const PassageIndexOptions& options = PassageIndexOptions());

  PassageIndex(const PassageIndex&) = delete;
  PassageIndex& operator=(const PassageIndex&) = delete;
  PassageIndex(PassageIndex&&) = default;
  PassageIndex& operator=(PassageIndex&&) = default;

  const PassageIndexOptions& options() const { return options_; }

  // Records that document `doc` contains the hashes of `fps` (positions are not kept: the aligner
  // re-finds the shared passage in the two texts). A hash repeated within a document counts once;
  // adding the same document twice merges its fingerprints. Documents may be added in any order;
  // ids need not be dense, but ForEachCandidatePair() allocates 8 bytes per id up to the largest
  // one. Requires !built() and doc < UINT32_MAX. Copies `fps`; amortized O(|fps| log |fps|).
  void Add(uint32_t doc, absl::Span<const PassageFingerprint> fps);

  // Makes room for `entries` more (hash, document) entries, so that adding them does not grow the
  // buffer by doubling (up to twice the memory). Optional; requires !built().
  void Reserve(size_t entries);

  // A (hash, document) entry in 12 bytes: the hash split in two halves keeps 4-byte alignment.
  struct Entry {
    uint32_t hash_high;
    uint32_t hash_low;
    uint32_t doc;

    static Entry Make(uint64_t hash, uint32_t doc) {
      return Entry{static_cast<uint32_t>(hash >> 32), static_cast<uint32_t>(hash), doc};
    }
    uint64_t hash() const { return (static_cast<uint64_t>(hash_high) << 32) | hash_low; }
  };

  // Adds `entries` in one go, as if each document's hashes had been passed to Add() (in any
  // order; an entry repeated counts once), without copying them: the index takes the array and
  // Build() sorts it in place. A caller that collects its entries in such an array anyway (the
  // scanner does, one partition of its spilled fingerprints at a time) so never holds them twice. Requires !built(), no
  // entry added before, and every doc < UINT32_MAX. Leaves *entries empty.
  void AdoptEntries(std::vector<Entry>* entries);

  // Sorts the entries by (hash, document) and drops every hash found in more than max_df documents
  // (see dropped_hashes()). Requires !built(); call once. O(entries log entries), in place: no
  // memory beyond the entries' 12 bytes each. After the first radix pass, its 256 buckets are
  // sorted on `threads` threads (the same result for any number).
  void Build(unsigned threads = 1);
  bool built() const { return built_; }

  // Calls fn(a, b, shared) once for every pair of documents a < b that share `shared` >= min_shared
  // distinct fingerprint hashes (after df filtering), in increasing (a, b) order. The order and the
  // counts are deterministic. `fn` must not call back into this index's non-const methods.
  // Requires built(). Work: O(entries) per batch plus O(p log p) for the p incidences
  // sum over hashes of df * (df - 1) / 2; memory as in the file comment.
  void ForEachCandidatePair(absl::FunctionRef<void(uint32_t a, uint32_t b, uint32_t shared)> fn)
      const;

  // Writes to `doc_shared` (cleared first) every indexed document that shares at least min_shared
  // distinct hashes with `fps`, as (document, shared hash count) in increasing document order.
  // Hashes dropped by df filtering match nothing. Requires built().
  // O(q log entries + matches log matches) for q distinct query hashes.
  void Query(absl::Span<const PassageFingerprint> fps,
             std::vector<std::pair<uint32_t, uint32_t>>* doc_shared) const;

  // Number of distinct hashes Build() dropped for being in more than max_df documents.
  size_t dropped_hashes() const { return dropped_hashes_; }
  // Number of (hash, document) entries those hashes had.
  size_t dropped_entries() const { return dropped_entries_; }
  // Number of (hash, document) entries: after Build(), the kept distinct ones.
  size_t num_entries() const { return entries_.size(); }
  // One more than the largest document id added (0 when empty).
  uint32_t num_documents() const { return num_documents_; }
  // Bytes of the index's entries and buffers in use (sizes: the reserved tail of a buffer is never
  // written, so never resident).
  size_t memory_bytes() const;

 private:
  static_assert(sizeof(Entry) == 12, "Entry must stay 12 bytes");

  // Sorts by (hash, doc) in place: two American flag sort passes (McIlroy, Bostic, McIlroy,
  // "Engineering radix sort", 1993) on the hash's top 16 bits, then std::sort per bucket; the
  // buckets of the first pass are finished on `threads` threads.
  static void SortEntries(std::vector<Entry>* entries, unsigned threads);

  PassageIndexOptions options_;
  std::vector<Entry> entries_;     // unsorted until Build(); then sorted by (hash, doc), unique
  std::vector<uint64_t> scratch_;  // Add()'s per-document hash buffer
  uint32_t num_documents_ = 0;
  size_t dropped_hashes_ = 0;
  size_t dropped_entries_ = 0;
  bool built_ = false;
};

}  // namespace naql

#endif  // NAQL_PASSAGE_INDEX_H_
