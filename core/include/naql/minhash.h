// naql/minhash.h — MinHash signatures of shingle sets by densified one-permutation hashing.
//
// A MinHash signature summarises a set S of shingle hashes by K small values such that, for two
// sets A and B, each slot agrees with probability (close to) their resemblance
// J = |A ∩ B| / |A ∪ B| (Broder 1997). The fraction of agreeing slots is then an unbiased estimate
// of J with standard error about sqrt(J(1-J)/K), and the slots feed the banded LSH index
// (naql/lsh_index.h).
//
// naql computes the K slots with one-permutation hashing (OPH, Li–Owen–Zhang 2012) and the optimal
// densification of Shrivastava (ICML 2017), which costs O(|S| + K) instead of the O(|S| K) of K
// independent permutations:
//   1. Every shingle hash h is mapped through one seeded bijection of 64-bit integers,
//      x = Mix(h XOR seed) (the SplitMix64 finaliser, an invertible avalanche mix), so distinct
//      shingles never collide at this stage. The high 32 bits of x choose the bin
//      bin = floor(x_hi * K / 2^32) (Lemire's multiply-shift range reduction), and the low 32 bits
//      are the value. Each bin keeps the minimum value of the shingles that fall into it, so the
//      bin's minimum over A ∪ B lies in A ∩ B with probability exactly J.
//   2. A bin that received no shingle borrows the value of a non-empty bin. Every bin i has its
//      own fixed random order of all K bins: bin j's rank is g(i, j) = Mix(densify_seed XOR
//      (i << 32 | j)), which is injective in j because Mix is a bijection. The empty bin i copies
//      the value of the non-empty bin (after step 1) of smallest rank. The order depends only on
//      (seed, i), never on the set, so two sets that are both empty in bin i borrow from the same
//      bin whenever the first bin of the order that is non-empty in either set is non-empty in
//      both. This is Shrivastava's optimal densification with the probe sequence drawn without
//      replacement (a random permutation instead of a universal hash that may repeat bins): the
//      first non-empty bin met is distributed identically, uniform over the non-empty bins and
//      independent across i, so his proof applies unchanged: every slot agrees with probability
//      exactly J (up to the 32-bit effect below) and the variance approaches that of K independent
//      permutations. Unlike unbounded probing it always terminates.
//      The borrowed bin is found either by walking bin i's order, precomputed at construction
//      (a K x K table of uint16_t: 32 KiB at K = 128; expected K/m reads when m bins are
//      non-empty), or, when m is small, by taking the minimum of g(i, j) over the m non-empty bins
//      (m hash evaluations). Both give the same bin; each is used where it is cheaper, so
//      densification costs O(K sqrt(K)) at worst and nothing for sets much larger than K.
//   Seeds: permutation_seed and densify_seed are the first two outputs of SplitMix64 (Steele, Lea,
//   Flood 2014) started from MinHashOptions::seed. Mix(z) is SplitMix64's finaliser:
//   z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31.
// Costs (bench/minhash_benchmark.cc): about 2 ns per shingle for article-sized sets, 35 times less
// than K = 128 independent multiply-shift permutations, and 5% of the 40 ns per word that a
// 250 MB/s pipeline allows. Sets of fewer shingles than slots add densification: at most about
// 1 µs per signature at K = 128 (a set of a few shingles), O(K sqrt(K)) in general (17 µs at
// K = 1024).
//
// Values are 32-bit to halve memory. Two different shingles that fall into the same bin agree on
// their value with probability 2^-32; for the minimum of a bin holding m shingles of one set this
// makes a spurious agreement at most m / 2^32 likely, so the estimate of J is biased upwards by at
// most n / (K · 2^32) for sets of n shingles (2·10^-8 for a 10,000-shingle article at K = 128).
// The value 2^32 - 1 is reserved for "empty set" (kEmptySlot): a shingle whose low 32 bits are all
// ones is stored as 2^32 - 2, another 2^-32 effect of the same kind.
//
// Word shingles: naql hashes word 5-grams by default (naql/shingler.h, ShingleOptions::size): long
// enough that two unrelated Arabic news articles share almost none (common 3-grams such as
// "قال وزير الخارجية" are everywhere), short enough that an edited word removes only 5 shingles.
//
// Example:
//   naql::MinHasher hasher;                                   // 128 slots, the default seed
//   naql::SignatureParams params = naql::SignatureParams::Make(
//       hasher.options(), naql::ShingleOptions(), naql::TokenizerOptions(),
//       naql::NormalizerOptions().Bits());
//   naql::Signature a = hasher.Sign(shingles_a, params);
//   naql::Signature b = hasher.Sign(shingles_b, params);
//   absl::StatusOr<double> j = naql::EstimateJaccard(a, b);  // ≈ |A ∩ B| / |A ∪ B|
//
// Thread safety: MinHasher is immutable after construction; its const methods are thread-safe.
// The free functions have no shared state.

#ifndef NAQL_MINHASH_H_
#define NAQL_MINHASH_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "naql/shingler.h"
#include "naql/tokenizer.h"

namespace naql {

// Bumped whenever MinHasher produces different values for any input (hashing, binning,
// densification). Recorded in every SignatureParams.
inline constexpr uint32_t kMinHashVersion = 1;

// Default MinHashOptions::seed ("naqlmin1" in ASCII).
inline constexpr uint64_t kDefaultMinHashSeed = 0x6e61716c6d696e31ULL;

// The largest supported number of slots. 1024 slots estimate J with a standard error below 0.016
// and cost 4 KiB per signature; more would only slow down OptimalLshParams and the index.
inline constexpr uint32_t kMaxNumPerm = 1024;

// Slot value of the signature of an empty set; never the value of a non-empty set's slot.
inline constexpr uint32_t kEmptySlot = 0xFFFFFFFFu;

struct MinHashOptions {
  // K, the number of slots ("permutations" in datasketch's vocabulary). 128 gives a standard error
  // of at most 0.044 (at J = 0.5) for 512 bytes per signature, the usual trade-off for
  // near-duplicate detection. Range 1..kMaxNumPerm.
  uint32_t num_perm = 128;
  // Seed of the hash bijection and of the densification probes. Any value is valid; signatures
  // made with different seeds are unrelated and must not be compared.
  uint64_t seed = kDefaultMinHashSeed;

  // InvalidArgument when num_perm is outside 1..kMaxNumPerm.
  absl::Status Validate() const;
};

// Everything that changes a signature's values. Recorded in every Signature and index and compared
// (CheckCompatible) before two signatures are compared, so that fingerprints of different
// pipelines are refused rather than silently compared.
struct SignatureParams {
  uint32_t minhash_version = kMinHashVersion;
  uint32_t num_perm = 128;
  uint64_t seed = kDefaultMinHashSeed;
  uint32_t shingle_size = 5;
  uint32_t shingler_version = kShinglerVersion;
  uint32_t tokenizer_version = kTokenizerVersion;
  bool strip_clitics = true;  // TokenizerOptions::strip_clitics
  uint32_t normalizer_version = kNormalizerVersion;
  uint32_t normalizer_bits = 0;  // NormalizerOptions::Bits()

  // The parameters of the pipeline configured by these options, with the current component
  // versions. `normalizer_bits` is NormalizerOptions::Bits() (passed as bits so that this header
  // does not tie callers to the normalizer's implementation).
  static SignatureParams Make(const MinHashOptions& minhash, const ShingleOptions& shingles,
                              const TokenizerOptions& tokenizer, uint32_t normalizer_bits);

  friend bool operator==(const SignatureParams&, const SignatureParams&) = default;

  // One line naming every field, e.g. "minhash v1, 128 perms, seed 0x6e61716c6d696e31,
  // 5-word shingles (shingler v1), tokenizer v1 with clitic stripping, normalizer v1 bits 0xfff".
  std::string Describe() const;

  // OkStatus when *this == other; otherwise InvalidArgument whose message names the first field
  // that differs and both values, followed by both Describe() lines.
  absl::Status CheckCompatible(const SignatureParams& other) const;
};

// A MinHash signature: values.size() == params.num_perm.
struct Signature {
  SignatureParams params;
  std::vector<uint32_t> values;

  friend bool operator==(const Signature&, const Signature&) = default;
};

// True when `values` is the signature of an empty set (every slot kEmptySlot). Requires a
// signature made by MinHasher (a non-empty set never has a kEmptySlot slot).
bool IsEmptySetSignature(absl::Span<const uint32_t> values);

// Computes signatures. Construction derives the seeds and builds the densification order table
// (K^2 hash evaluations and K sorts: about 0.4 ms at K = 128, 35 ms at K = 1024); copies share
// the table, so make one MinHasher per configuration and share or copy it freely.
class MinHasher {
 public:
  // Requires options.Validate().ok() (checked by assert); use Create() for options from users.
  explicit MinHasher(const MinHashOptions& options = MinHashOptions());

  // InvalidArgument when `options` are invalid.
  static absl::StatusOr<MinHasher> Create(const MinHashOptions& options);

  const MinHashOptions& options() const { return options_; }
  uint32_t num_perm() const { return options_.num_perm; }

  // Writes the signature of the set of `shingle_hashes` (duplicates are harmless: a set is
  // hashed) into `values`. Requires values.size() == num_perm(). An empty span gives all
  // kEmptySlot. No allocation.
  void Compute(absl::Span<const uint64_t> shingle_hashes, absl::Span<uint32_t> values) const;

  // Compute() into a new Signature carrying `params`. Requires params.num_perm == num_perm(),
  // params.seed == options().seed and params.minhash_version == kMinHashVersion (checked by
  // assert): build `params` with SignatureParams::Make from this hasher's options().
  Signature Sign(absl::Span<const uint64_t> shingle_hashes, const SignatureParams& params) const;

 private:
  MinHashOptions options_;
  uint64_t permutation_seed_;  // first SplitMix64 output from options_.seed
  uint64_t densify_seed_;      // second output
  // Row i: the K bins in increasing order of g(i, ·) (see the file comment). Shared by copies.
  std::shared_ptr<const std::vector<uint16_t>> densify_order_;
};

// The estimate of J: the fraction of slots where `a` and `b` agree. InvalidArgument when the
// parameters differ (CheckCompatible) or when a signature's values.size() != params.num_perm.
// Two empty-set signatures estimate 1; an empty and a non-empty set estimate 0.
absl::StatusOr<double> EstimateJaccard(const Signature& a, const Signature& b);

// The same for bare values made with the same parameters (not checked). Requires
// a.size() == b.size() > 0.
double EstimateJaccard(absl::Span<const uint32_t> a, absl::Span<const uint32_t> b);

}  // namespace naql

#endif  // NAQL_MINHASH_H_
