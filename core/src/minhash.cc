// MinHash by one-permutation hashing with optimal densification; the idea, the exact definition
// of every slot and its accuracy are in naql/minhash.h.
//
// Invariants of Compute(): after the binning pass a slot is kEmptySlot exactly when no shingle fell
// into its bin (real values are clamped to at most kEmptySlot - 1); densification reads only bins
// that were non-empty after that pass (tracked in a bitmap taken before any slot is filled), so the
// order in which empty bins are filled does not matter.

#include "naql/minhash.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace naql {
namespace {

// SplitMix64's output function (Steele, Lea, Flood 2014; constants of Stafford's "Mix13"). A
// bijection of 64-bit integers with full avalanche.
inline uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The next output of a SplitMix64 generator whose state is `*state`.
inline uint64_t SplitMix64Next(uint64_t* state) {
  *state += 0x9e3779b97f4a7c15ULL;
  return Mix(*state);
}

// floor(x32 * k / 2^32): a 32-bit hash reduced to [0, k) without division (Lemire 2019).
inline uint32_t Reduce(uint32_t x32, uint32_t k) {
  return static_cast<uint32_t>((static_cast<uint64_t>(x32) * k) >> 32);
}

// Rank of bin j in bin i's densification order (smaller = probed earlier).
inline uint64_t DensifyRank(uint64_t densify_seed, uint32_t i, uint32_t j) {
  return Mix(densify_seed ^ ((static_cast<uint64_t>(i) << 32) | j));
}

}  // namespace

absl::Status MinHashOptions::Validate() const {
  if (num_perm < 1 || num_perm > kMaxNumPerm) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_perm must be 1..", kMaxNumPerm, ", got ", num_perm));
  }
  return absl::OkStatus();
}

// ---- SignatureParams ----------------------------------------------------------------------------

SignatureParams SignatureParams::Make(const MinHashOptions& minhash, const ShingleOptions& shingles,
                                      const TokenizerOptions& tokenizer, uint32_t normalizer_bits) {
  SignatureParams params;
  params.minhash_version = kMinHashVersion;
  params.num_perm = minhash.num_perm;
  params.seed = minhash.seed;
  params.shingle_size = shingles.size;
  params.shingler_version = kShinglerVersion;
  params.tokenizer_version = kTokenizerVersion;
  params.strip_clitics = tokenizer.strip_clitics;
  params.normalizer_version = kNormalizerVersion;
  params.normalizer_bits = normalizer_bits;
  return params;
}

std::string SignatureParams::Describe() const {
  return absl::StrFormat(
      "minhash v%u, %u perms, seed %#x, %u-word shingles (shingler v%u), tokenizer v%u %s clitic "
      "stripping, normalizer v%u bits %#x",
      minhash_version, num_perm, seed, shingle_size, shingler_version, tokenizer_version,
      strip_clitics ? "with" : "without", normalizer_version, normalizer_bits);
}

absl::Status SignatureParams::CheckCompatible(const SignatureParams& other) const {
  // Fields in the order of the pipeline's stages, so that the message names the earliest cause.
  const std::pair<const char*, std::pair<uint64_t, uint64_t>> fields[] = {
      {"normalizer_version", {normalizer_version, other.normalizer_version}},
      {"normalizer_bits", {normalizer_bits, other.normalizer_bits}},
      {"tokenizer_version", {tokenizer_version, other.tokenizer_version}},
      {"strip_clitics", {strip_clitics, other.strip_clitics}},
      {"shingler_version", {shingler_version, other.shingler_version}},
      {"shingle_size", {shingle_size, other.shingle_size}},
      {"minhash_version", {minhash_version, other.minhash_version}},
      {"num_perm", {num_perm, other.num_perm}},
      {"seed", {seed, other.seed}},
  };
  for (const auto& [name, values] : fields) {
    if (values.first != values.second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "signatures made with different parameters cannot be compared: %s differs (%#x vs "
          "%#x); [%s] vs [%s]",
          name, values.first, values.second, Describe(), other.Describe()));
    }
  }
  return absl::OkStatus();
}

bool IsEmptySetSignature(absl::Span<const uint32_t> values) {
  // Densification fills every slot of a non-empty set, so one slot decides.
  return !values.empty() && values[0] == kEmptySlot;
}

// ---- MinHasher ----------------------------------------------------------------------------------

MinHasher::MinHasher(const MinHashOptions& options) : options_(options) {
  assert(options_.Validate().ok());
  uint64_t state = options_.seed;
  permutation_seed_ = SplitMix64Next(&state);
  densify_seed_ = SplitMix64Next(&state);

  const uint32_t k = options_.num_perm;
  auto order = std::make_shared<std::vector<uint16_t>>(static_cast<size_t>(k) * k);
  std::vector<std::pair<uint64_t, uint16_t>> ranked(k);
  for (uint32_t i = 0; i < k; ++i) {
    for (uint32_t j = 0; j < k; ++j) ranked[j] = {DensifyRank(densify_seed_, i, j), j};
    std::sort(ranked.begin(), ranked.end());  // ranks are distinct: Mix is a bijection
    for (uint32_t t = 0; t < k; ++t) (*order)[static_cast<size_t>(i) * k + t] = ranked[t].second;
  }
  densify_order_ = std::move(order);
}

absl::StatusOr<MinHasher> MinHasher::Create(const MinHashOptions& options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  return MinHasher(options);
}

void MinHasher::Compute(absl::Span<const uint64_t> shingle_hashes,
                        absl::Span<uint32_t> values) const {
  const uint32_t k = options_.num_perm;
  assert(values.size() == k);
  std::fill(values.begin(), values.end(), kEmptySlot);
  if (shingle_hashes.empty()) return;

  // Binning pass: one bijective mix, one multiply for the bin, a branch-free minimum. The store is
  // unconditional so that the loop has no data-dependent branch.
  const uint64_t seed = permutation_seed_;
  uint32_t* const slots = values.data();
  for (const uint64_t h : shingle_hashes) {
    const uint64_t x = Mix(h ^ seed);
    const uint32_t bin = Reduce(static_cast<uint32_t>(x >> 32), k);
    uint32_t value = static_cast<uint32_t>(x);
    value -= (value == kEmptySlot);  // kEmptySlot is reserved for "no shingle"
    slots[bin] = std::min(slots[bin], value);
  }

  // Which bins are non-empty, before any is filled.
  std::array<uint64_t, (kMaxNumPerm + 63) / 64> non_empty{};
  std::array<uint16_t, kMaxNumPerm> non_empty_bins;
  uint32_t m = 0;
  for (uint32_t j = 0; j < k; ++j) {
    if (slots[j] != kEmptySlot) {
      non_empty[j >> 6] |= uint64_t{1} << (j & 63);
      non_empty_bins[m++] = static_cast<uint16_t>(j);
    }
  }
  if (m == k) return;

  // Densification. Walking bin i's order costs about k/m table reads (cheap, sequential); taking
  // the minimum rank over the non-empty bins costs m hash evaluations (about 4x a read). Both find
  // the same bin: the non-empty bin of smallest rank.
  const bool walk_order = 4 * static_cast<uint64_t>(m) * m >= k;
  const uint16_t* const order = densify_order_->data();
  for (uint32_t i = 0; i < k; ++i) {
    if (slots[i] != kEmptySlot) continue;
    uint32_t source;
    if (walk_order) {
      const uint16_t* row = order + static_cast<size_t>(i) * k;
      while (!(non_empty[*row >> 6] >> (*row & 63) & 1)) ++row;  // ends: m >= 1
      source = *row;
    } else {
      uint64_t best = ~uint64_t{0};
      source = non_empty_bins[0];
      for (uint32_t t = 0; t < m; ++t) {
        const uint64_t rank = DensifyRank(densify_seed_, i, non_empty_bins[t]);
        if (rank < best) {
          best = rank;
          source = non_empty_bins[t];
        }
      }
    }
    slots[i] = slots[source];
  }
}

Signature MinHasher::Sign(absl::Span<const uint64_t> shingle_hashes,
                          const SignatureParams& params) const {
  assert(params.num_perm == options_.num_perm && params.seed == options_.seed &&
         params.minhash_version == kMinHashVersion);
  Signature signature;
  signature.params = params;
  signature.values.resize(options_.num_perm);
  Compute(shingle_hashes, absl::MakeSpan(signature.values));
  return signature;
}

// ---- Estimates ----------------------------------------------------------------------------------

double EstimateJaccard(absl::Span<const uint32_t> a, absl::Span<const uint32_t> b) {
  assert(a.size() == b.size() && !a.empty());
  // Written so that the compiler vectorises it (the span-indexed form stayed scalar, 3x slower).
  const uint32_t* pa = a.data();
  const uint32_t* pb = b.data();
  const size_t k = a.size();
  uint32_t equal = 0;
  for (size_t i = 0; i < k; ++i) equal += pa[i] == pb[i] ? 1u : 0u;
  return static_cast<double>(equal) / static_cast<double>(k);
}

absl::StatusOr<double> EstimateJaccard(const Signature& a, const Signature& b) {
  if (absl::Status status = a.params.CheckCompatible(b.params); !status.ok()) return status;
  if (a.values.size() != a.params.num_perm || b.values.size() != b.params.num_perm) {
    return absl::InvalidArgumentError(absl::StrCat("malformed signature: ", a.values.size(),
                                                   " and ", b.values.size(),
                                                   " values for num_perm ", a.params.num_perm));
  }
  return EstimateJaccard(absl::MakeConstSpan(a.values), absl::MakeConstSpan(b.values));
}

}  // namespace naql
