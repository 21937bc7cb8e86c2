// naql/lsh_index.h — banded locality-sensitive hashing over MinHash signatures.
//
// Banding (Leskovec, Rajaraman, Ullman, Mining of Massive Datasets, ch. 3.4): the first b·r slots
// of a signature are cut into b bands of r consecutive slots; two documents are candidates when all
// r slots of at least one band agree. If each slot agrees with probability J (naql/minhash.h), a
// pair becomes a candidate with probability
//     P(J) = 1 - (1 - J^r)^b,
// an S-curve rising around J ≈ (1/b)^(1/r). OptimalLshParams places it at a target threshold t as
// datasketch does: it minimises w_fp·∫_0^t P(s) ds + w_fn·∫_t^1 (1 - P(s)) ds over b·r <= K (the
// false-positive and false-negative areas). The index returns candidates only; callers verify them.
//
// Defaults (threshold 0.5, K = 128, weights 0.1 / 0.9) give b = 32 bands of r = 4 rows:
//     J                      0.2    0.3    0.4    0.5    0.6    0.65   0.7
//     P(J), 32 × 4           0.050  0.229  0.564  0.873  0.988  0.998  0.9998
//     P(J), 25 × 5           0.008  0.059  0.227  0.548  0.868  0.954  0.990
// naql verifies every candidate by alignment, so a missed pair costs more than a spurious one; the
// datasketch weights 0.5 / 0.5 give the 25 × 5 row, which reaches P = 0.99 only at J = 0.70.
//
// Each band of each document is reduced to a 64-bit band key, XXH3-64 of the band's r values
// (4-byte little-endian each) with seed kBandKeySeed + band · 0x9e3779b97f4a7c15, so keys of
// different bands differ even for equal values (they can share one table or one exchange). A built
// index keeps, per band, the keys sorted with the document numbers beside them (contiguous arrays,
// no node containers; Build counting-sorts them on their top bits, which are uniform) plus a
// directory of those top bits that makes a lookup about two cache misses. Memory: about
// 4 + 24·b bytes per document (ids; band keys by document, kept for deduplication and
// persistence; sorted keys and documents by band; the directory): about 0.8 KiB at b = 32.
// Speed (bench/minhash_benchmark.cc, 200,000 documents, b = 32): Add 0.1 µs, Build 1.6 µs and
// ForEachCandidatePair 0.3 µs per document, Query 5 µs.
//
// Degenerate buckets: a bucket is the set of documents sharing one band key. Thousands of
// identical documents (empty texts, boilerplate) make buckets whose all-pairs enumeration is
// quadratic. A bucket with more than max_bucket_size documents is therefore "oversize":
// ForEachCandidatePair pairs each of its members only with the bucket's smallest id (a star, which
// keeps the group connected for clustering at linear cost) and Query returns only its
// max_bucket_size smallest ids. Oversize buckets are counted in stats().
//
// Contract: Add (any number, before Build) → Build (once) → Query / ForEachCandidatePair (any
// number, from any number of threads). Documents are identified by caller-chosen uint32 ids, each
// added once; results do not depend on the order of the Add calls. Calls out of this order are
// programmer errors: they are asserted, and in release builds they do nothing (Add, Build) or
// find nothing (Query, ForEachCandidatePair). The index does not check SignatureParams: store
// them beside it and compare them (SignatureParams::CheckCompatible) before adding or querying.
//
// Example:
//   naql::LshOptions options;                             // threshold 0.5
//   NAQL_RETURN_IF_ERROR(options.Validate(num_perm));
//   naql::LshIndex index(options, num_perm);
//   for (uint32_t id = 0; id < signatures.size(); ++id) index.Add(id, signatures[id]);
//   index.Build();
//   index.ForEachCandidatePair([&](uint32_t a, uint32_t b) {
//     Verify(a, b);                                       // each pair once, a < b
//   });
//   std::vector<uint32_t> ids;
//   index.Query(new_signature, &ids);                     // sorted, unique
//
// Thread safety: Add and Build mutate and need exclusive access; after Build every const method
// is thread-safe.

#ifndef NAQL_LSH_INDEX_H_
#define NAQL_LSH_INDEX_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "naql/minhash.h"

namespace naql {

// Bumped whenever band keys change for any input (hash, seed, slot layout). Persisted indexes
// record it next to their SignatureParams.
inline constexpr uint32_t kLshVersion = 1;

// Base seed of the band-key hash ("naqlband" in ASCII).
inline constexpr uint64_t kBandKeySeed = 0x6e61716c62616e64ULL;

struct LshParams {
  uint32_t bands = 0;
  uint32_t rows = 0;

  friend bool operator==(const LshParams&, const LshParams&) = default;
};

// The (bands, rows) with bands·rows <= num_perm minimising
//     false_positive_weight · ∫_0^t P(s) ds + false_negative_weight · ∫_t^1 (1 - P(s)) ds,
// P(s) = 1 - (1 - s^r)^b, t = threshold — the rule of datasketch's MinHashLSH (_optimal_param),
// with the same search order and tie rule (bands ascending, then rows ascending; the first
// minimum wins), so both give the same answer (e.g. 0.5 and 128 with weights 0.5 / 0.5 → 25 × 5).
// The integrals are exact up to rounding: P is a polynomial of degree b·r <= num_perm, integrated
// by Gauss–Legendre quadrature with num_perm/2 + 1 nodes (exact to degree num_perm + 1).
// Requires 0 < threshold < 1, 1 <= num_perm <= kMaxNumPerm, weights >= 0 with a positive sum
// (asserted; LshOptions::Validate checks them). Cost: O(num_perm^2 log num_perm), about 0.1 ms at
// 128, 10 ms at 1024.
LshParams OptimalLshParams(double threshold, uint32_t num_perm, double false_positive_weight,
                           double false_negative_weight);

// P(J) = 1 - (1 - J^rows)^bands: the probability that a pair whose slots each agree with
// probability J (independently) shares at least one band.
double CandidateProbability(double jaccard, LshParams params);

struct LshOptions {
  // Target resemblance: the S-curve is placed here (see the file comment for the values of P).
  // 0.5 catches syndicated copies with a changed introduction, byline or ending and a few edited
  // words (each edited word removes up to `shingle_size` shingles); lower passages are the
  // passage index's job. Must be in (0, 1).
  double threshold = 0.5;
  // Weights of the false-positive and false-negative areas in OptimalLshParams. Recall first: a
  // candidate costs one verification, a missed pair is a lost finding. Each >= 0, sum > 0.
  double false_positive_weight = 0.1;
  double false_negative_weight = 0.9;
  // Explicit banding; 0 and 0 means OptimalLshParams(threshold, num_perm, weights). Otherwise both
  // positive with bands · rows <= num_perm.
  uint32_t bands = 0;
  uint32_t rows = 0;
  // Buckets with more members than this are oversize (see the file comment): at most
  // max_bucket_size·(max_bucket_size-1)/2 pairs per bucket and band, and Query returns at most
  // this many ids per band. 256 keeps even a large syndication cluster (an agency story run by a
  // few hundred outlets) fully paired, while 10,000 identical empty documents give 10,000 pairs
  // instead of 50 million per band. Must be >= 2.
  uint32_t max_bucket_size = 256;

  // InvalidArgument naming the offending field.
  absl::Status Validate(uint32_t num_perm) const;
};

// Band keys of one signature, as the index computes them: keys[band] for band < params.bands.
// Requires values.size() >= params.bands · params.rows and keys.size() == params.bands.
void ComputeBandKeys(absl::Span<const uint32_t> values, LshParams params,
                     absl::Span<uint64_t> keys);

class LshIndex {
 public:
  struct Stats {
    uint64_t documents = 0;
    uint64_t buckets = 0;           // distinct (band, key) pairs
    uint64_t oversize_buckets = 0;  // buckets with more than max_bucket_size members
    uint64_t largest_bucket = 0;    // members of the largest bucket
    uint64_t memory_bytes = 0;      // heap bytes held by the built arrays
  };

  // An empty index for signatures of num_perm slots, banded by options.bands × options.rows or,
  // when those are 0, by OptimalLshParams(options.threshold, num_perm, weights). Requires
  // options.Validate(num_perm).ok() (asserted).
  LshIndex(const LshOptions& options, uint32_t num_perm);

  // Adds document `id`. Requires !built() and values.size() == num_perm(); each id once (see
  // Build). Keeps the b band keys (8·b bytes), not the values. Not thread-safe.
  void Add(uint32_t id, absl::Span<const uint32_t> values);
  // Adds document `id` by its precomputed band keys (ComputeBandKeys with params()), e.g. when
  // loading a persisted index or receiving keys from another process. Requires !built() and
  // keys.size() == params().bands.
  void AddBandKeys(uint32_t id, absl::Span<const uint64_t> keys);

  // Sorts the band keys and makes the index queryable. Requires !built() and that no id was added
  // twice (asserted; in release builds a repeated id keeps only its first addition). Cost: one
  // sort of the documents' keys per band. Not thread-safe.
  void Build();

  // Replaces `*ids` with the ids of the documents sharing at least one band key with `values`,
  // sorted ascending and unique (including the document itself when `values` was added).
  // Oversize buckets contribute only their max_bucket_size smallest ids. Requires built() and
  // values.size() == num_perm().
  void Query(absl::Span<const uint32_t> values, std::vector<uint32_t>* ids) const;

  // Calls fn(a, b) with a < b once for every candidate pair: documents sharing at least one band
  // key, except that an oversize bucket contributes only the pairs of its smallest id with each
  // other member. A pair colliding in several bands is reported once (at the first band that
  // reports it). The order is deterministic (bands ascending, then keys, then ids) but otherwise
  // unspecified. Unless a bucket is oversize, the partners of every added document x are exactly
  // Query(x) without x. Needs no memory beyond the index: O(b) key comparisons per reported pair.
  // Requires built().
  void ForEachCandidatePair(absl::FunctionRef<void(uint32_t a, uint32_t b)> fn) const;

  LshParams params() const { return params_; }
  const LshOptions& options() const { return options_; }
  uint32_t num_perm() const { return num_perm_; }
  bool built() const { return built_; }
  size_t size() const { return ids_.size(); }
  // Counts for the built index (zeros before Build).
  const Stats& stats() const { return stats_; }

  // Read access for persistence. Before Build in Add order, after Build sorted by id: ids()[d] is
  // document d, and band_keys().subspan(d * params().bands, params().bands) are its keys. Views
  // stay valid until the next Add or Build or the index's destruction.
  absl::Span<const uint32_t> ids() const { return ids_; }
  absl::Span<const uint64_t> band_keys() const { return doc_keys_; }

 private:
  // First position in band `band`'s sorted arrays whose key is >= `key`.
  size_t LowerBound(uint32_t band, uint64_t key) const;
  // Whether band `band` reports the pair of documents x < y (document numbers, not ids).
  bool ReportedInBand(uint32_t band, uint32_t x, uint32_t y) const;

  LshOptions options_;
  uint32_t num_perm_;
  LshParams params_;
  bool built_ = false;

  std::vector<uint32_t> ids_;       // document d's id
  std::vector<uint64_t> doc_keys_;  // document-major: doc_keys_[d * bands + band]

  // Built arrays, band-major: positions [band * n, (band + 1) * n) hold band `band`'s keys in
  // ascending order and, at the same positions, their documents (ascending within equal keys).
  std::vector<uint64_t> sorted_keys_;
  std::vector<uint32_t> sorted_docs_;
  // directory_[band * (2^directory_bits_ + 1) + p]: first position of band `band` whose key's top
  // directory_bits_ bits are >= p.
  std::vector<uint32_t> directory_;
  uint32_t directory_bits_ = 0;
  // Keys of oversize buckets with their smallest document, band-major and sorted by key within a
  // band; oversize_begin_[band] .. oversize_begin_[band + 1] delimit a band.
  std::vector<std::pair<uint64_t, uint32_t>> oversize_;
  std::vector<uint32_t> oversize_begin_;

  Stats stats_;
};

}  // namespace naql

#endif  // NAQL_LSH_INDEX_H_
