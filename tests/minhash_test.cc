// Tests of naql/minhash.h: the definition (a literal, slow re-implementation of the header's
// specification as oracle), known-answer vectors, the statistical accuracy of the Jaccard estimate,
// and the parameter checks.

#include "naql/minhash.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing.h"

namespace naql {
namespace {

using ::naql::testing::SplitMix64;
using ::naql::testing::TestSeed;
using ::testing::HasSubstr;

// ---- The oracle: the header's definition, written for clarity, not speed ------------------------

uint64_t SpecMix(uint64_t z) {
  z ^= z >> 30;
  z *= 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 27;
  z *= 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z;
}

std::vector<uint32_t> SpecSignature(const std::vector<uint64_t>& shingles, uint32_t k,
                                    uint64_t seed) {
  // Seeds: the first two SplitMix64 outputs from `seed`.
  const uint64_t permutation_seed = SpecMix(seed + 0x9e3779b97f4a7c15ULL);
  const uint64_t densify_seed = SpecMix(seed + 2 * 0x9e3779b97f4a7c15ULL);
  std::vector<uint32_t> values(k, kEmptySlot);
  std::vector<bool> filled(k, false);
  for (uint64_t h : shingles) {
    const uint64_t x = SpecMix(h ^ permutation_seed);
    const uint32_t bin = static_cast<uint32_t>(((x >> 32) * k) >> 32);
    uint32_t value = static_cast<uint32_t>(x & 0xFFFFFFFFu);
    if (value == 0xFFFFFFFFu) value = 0xFFFFFFFEu;
    values[bin] = std::min(values[bin], value);
    filled[bin] = true;
  }
  if (shingles.empty()) return values;
  std::vector<uint32_t> result = values;
  for (uint32_t i = 0; i < k; ++i) {
    if (filled[i]) continue;
    // The non-empty bin j of smallest g(i, j).
    uint64_t best_rank = 0;
    int64_t best = -1;
    for (uint32_t j = 0; j < k; ++j) {
      if (!filled[j]) continue;
      const uint64_t rank = SpecMix(densify_seed ^ ((uint64_t{i} << 32) | j));
      if (best < 0 || rank < best_rank) best_rank = rank, best = j;
    }
    result[i] = values[best];
  }
  return result;
}

std::vector<uint64_t> RandomSet(SplitMix64& rng, size_t n) {
  std::vector<uint64_t> set(n);
  for (uint64_t& x : set) x = rng.Next();
  return set;
}

std::vector<uint32_t> Compute(const MinHasher& hasher, absl::Span<const uint64_t> shingles) {
  std::vector<uint32_t> values(hasher.num_perm());
  hasher.Compute(shingles, absl::MakeSpan(values));
  return values;
}

// ---- Options ------------------------------------------------------------------------------------

TEST(MinHashOptionsTest, ValidatesNumPerm) {
  EXPECT_TRUE(MinHashOptions().Validate().ok());
  for (uint32_t k : {0u, kMaxNumPerm + 1}) {
    MinHashOptions options;
    options.num_perm = k;
    const absl::Status status = options.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << k;
    EXPECT_THAT(status.message(), HasSubstr("num_perm"));
    EXPECT_EQ(MinHasher::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  }
  MinHashOptions options;
  options.num_perm = kMaxNumPerm;
  EXPECT_TRUE(MinHasher::Create(options).ok());
}

// ---- Definition and determinism -----------------------------------------------------------------

TEST(MinHasherTest, MatchesSpecificationOracle) {
  // Covers both ways of densifying (walking the order table for many non-empty bins, the minimum
  // rank for few), K that are not powers of two, and sets from empty to several times K.
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  for (uint32_t k : {1u, 2u, 3u, 7u, 64u, 100u, 128u, 1000u, 1024u}) {
    MinHashOptions options;
    options.num_perm = k;
    options.seed = rng.Next();
    const MinHasher hasher(options);
    for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{10}, size_t{30},
                     size_t{100}, size_t{k}, size_t{3} * k}) {
      const std::vector<uint64_t> set = RandomSet(rng, n);
      ASSERT_EQ(Compute(hasher, set), SpecSignature(set, k, options.seed))
          << "k=" << k << " n=" << n;
    }
  }
}

// Order-independent digest of a whole signature for the known-answer vectors.
uint64_t Digest(const std::vector<uint32_t>& values) {
  uint64_t digest = 0;
  for (size_t i = 0; i < values.size(); ++i) digest = SpecMix(digest ^ (values[i] + (i << 32)));
  return digest;
}

TEST(MinHasherTest, KnownAnswerVectors) {
  // Any change to hashing, binning or densification changes these: bump kMinHashVersion then.
  const MinHasher hasher;  // 128 slots, kDefaultMinHashSeed
  std::vector<uint64_t> large(1000), small = {1, 2, 3};
  for (uint64_t i = 0; i < large.size(); ++i) large[i] = i * 0x9e3779b97f4a7c15ULL;
  const std::vector<uint32_t> a = Compute(hasher, large);
  const std::vector<uint32_t> b = Compute(hasher, small);
  // The first slots were also checked against an independent script of the header's definition.
  EXPECT_THAT(std::vector<uint32_t>(a.begin(), a.begin() + 8),
              ::testing::ElementsAre(1618092358u, 18509028u, 92573135u, 313350915u, 508622130u,
                                     1052184461u, 313865008u, 496129132u));
  EXPECT_EQ(Digest(a), 7672659407795970688u);
  // Three shingles: 125 of 128 slots are borrowed, so this pins the densification.
  EXPECT_THAT(std::vector<uint32_t>(b.begin(), b.begin() + 8),
              ::testing::ElementsAre(785251328u, 719244603u, 719244603u, 719244603u, 785251328u,
                                     785251328u, 532260805u, 532260805u));
  EXPECT_EQ(Digest(b), 8096969809734371616u);
}

TEST(MinHasherTest, EmptySetIsAllEmptySlots) {
  const MinHasher hasher;
  const std::vector<uint32_t> values = Compute(hasher, {});
  EXPECT_EQ(values, std::vector<uint32_t>(128, kEmptySlot));
  EXPECT_TRUE(IsEmptySetSignature(values));
  const std::vector<uint64_t> one = {42};
  const std::vector<uint32_t> single = Compute(hasher, one);
  EXPECT_FALSE(IsEmptySetSignature(single));
  // A one-shingle set fills every slot with that shingle's value.
  EXPECT_EQ(std::set<uint32_t>(single.begin(), single.end()).size(), 1u);
  EXPECT_NE(single[0], kEmptySlot);
}

TEST(MinHasherTest, NonEmptySetsNeverHaveEmptySlots) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  const MinHasher hasher;
  for (size_t n = 1; n < 300; n += 7) {
    const std::vector<uint32_t> values = Compute(hasher, RandomSet(rng, n));
    EXPECT_EQ(std::count(values.begin(), values.end(), kEmptySlot), 0) << n;
  }
}

TEST(MinHasherTest, DependsOnlyOnTheSet) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  const MinHasher hasher;
  for (size_t n : {1, 5, 50, 500}) {
    std::vector<uint64_t> set = RandomSet(rng, n);
    const std::vector<uint32_t> expected = Compute(hasher, set);
    // Repeats and a different order (a reversed copy appended) change nothing.
    std::vector<uint64_t> shuffled(set.rbegin(), set.rend());
    shuffled.insert(shuffled.end(), set.begin(), set.end());
    EXPECT_EQ(Compute(hasher, shuffled), expected) << n;
  }
}

TEST(MinHasherTest, SeedMatters) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  MinHashOptions other;
  other.seed = kDefaultMinHashSeed + 1;
  const std::vector<uint64_t> set = RandomSet(rng, 400);
  const std::vector<uint32_t> a = Compute(MinHasher(), set);
  const std::vector<uint32_t> b = Compute(MinHasher(other), set);
  // Unrelated hash functions: a slot agrees only when two 32-bit minima collide (about n / 2^32).
  EXPECT_LT(EstimateJaccard(a, b), 0.05);
  EXPECT_EQ(EstimateJaccard(a, a), 1.0);
}

TEST(MinHasherTest, SignCarriesParams) {
  const MinHasher hasher;
  const SignatureParams params =
      SignatureParams::Make(hasher.options(), ShingleOptions(), TokenizerOptions(), 0x7);
  const std::vector<uint64_t> set = {10, 20, 30};
  const Signature signature = hasher.Sign(set, params);
  EXPECT_EQ(signature.params, params);
  EXPECT_EQ(signature.values, Compute(hasher, set));
}

// ---- Accuracy -----------------------------------------------------------------------------------

// A pair of sets with |A ∪ B| = union_size and |A ∩ B| = round(j · union_size), the rest split
// evenly; returns the exact resemblance.
double RandomPair(SplitMix64& rng, size_t union_size, double j, std::vector<uint64_t>* a,
                  std::vector<uint64_t>* b) {
  const size_t common = static_cast<size_t>(std::lround(j * union_size));
  a->clear();
  b->clear();
  for (size_t i = 0; i < union_size; ++i) {
    const uint64_t x = rng.Next();
    if (i < common) {
      a->push_back(x);
      b->push_back(x);
    } else {
      ((i - common) % 2 == 0 ? a : b)->push_back(x);
    }
  }
  return static_cast<double>(common) / static_cast<double>(union_size);
}

struct Accuracy {
  double mean_error;      // mean of (estimate - J)
  double standard_error;  // of that mean, from the sample
  double rms_error;       // sqrt(mean((estimate - J)^2))
};

Accuracy MeasureAccuracy(const MinHasher& hasher, SplitMix64& rng, size_t union_size,
                         double target_j, int trials) {
  std::vector<uint64_t> a, b;
  std::vector<uint32_t> sa(hasher.num_perm()), sb(hasher.num_perm());
  double sum = 0, sum_sq = 0;
  for (int t = 0; t < trials; ++t) {
    const double j = RandomPair(rng, union_size, target_j, &a, &b);
    hasher.Compute(a, absl::MakeSpan(sa));
    hasher.Compute(b, absl::MakeSpan(sb));
    const double error = EstimateJaccard(sa, sb) - j;
    sum += error;
    sum_sq += error * error;
  }
  Accuracy accuracy;
  accuracy.mean_error = sum / trials;
  const double variance = sum_sq / trials - accuracy.mean_error * accuracy.mean_error;
  accuracy.standard_error = std::sqrt(std::max(variance, 1e-12) / trials);
  accuracy.rms_error = std::sqrt(sum_sq / trials);
  return accuracy;
}

// Over many random pairs with known J, the estimate is unbiased (the mean error is within 4.5
// standard errors of 0: with 9 values of J per K, a false alarm has probability below 10^-4) and
// its RMS error is within 1.3 × sqrt(J(1-J)/K), the standard error of K independent permutations
// (Broder 1997). For sets larger than K, one-permutation hashing samples without replacement and is
// even slightly better; the factor 1.3 leaves room for sampling noise (the RMS of 600 trials has a
// relative standard error of about 3%) and for the densified bins of the smaller sets.
TEST(MinHasherAccuracyTest, UnbiasedWithinTheoreticalError) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  constexpr int kTrials = 600;
  for (uint32_t k : {64u, 128u, 256u}) {
    MinHashOptions options;
    options.num_perm = k;
    const MinHasher hasher(options);
    for (size_t union_size : {size_t{200}, size_t{600}}) {
      for (int tenths = 1; tenths <= 9; ++tenths) {
        const double j = tenths / 10.0;
        const Accuracy accuracy = MeasureAccuracy(hasher, rng, union_size, j, kTrials);
        const double bound = std::sqrt(j * (1 - j) / k);
        SCOPED_TRACE(absl::StrCat("K=", k, " |A∪B|=", union_size, " J=", j));
        EXPECT_LE(std::fabs(accuracy.mean_error), 4.5 * accuracy.standard_error);
        EXPECT_LE(accuracy.rms_error, 1.3 * bound);
      }
    }
  }
}

// Sets much smaller than K leave most bins empty (85% of them for 20 shingles at K = 128), so most
// slots are borrowed. Optimal densification keeps the estimate unbiased and its variance close to
// that of K independent permutations (Shrivastava 2017, Theorems 1–2): the RMS error stays within
// the same 1.3 × sqrt(J(1-J)/K) (measured: about 1.2 at 20 shingles, 1.05–1.1 at 60), although
// at most n distinct values carry information.
TEST(MinHasherAccuracyTest, SmallSetsStayUnbiased) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  constexpr int kTrials = 1500;
  const MinHasher hasher;  // K = 128
  for (size_t union_size : {size_t{20}, size_t{60}}) {
    for (int tenths : {2, 5, 8}) {
      const double j = tenths / 10.0;
      const Accuracy accuracy = MeasureAccuracy(hasher, rng, union_size, j, kTrials);
      SCOPED_TRACE(absl::StrCat("|A∪B|=", union_size, " J=", j));
      EXPECT_LE(std::fabs(accuracy.mean_error), 4.5 * accuracy.standard_error);
      EXPECT_LE(accuracy.rms_error, 1.3 * std::sqrt(j * (1 - j) / 128));
    }
  }
}

TEST(EstimateJaccardTest, CountsAgreeingSlots) {
  const std::vector<uint32_t> a = {1, 2, 3, 4}, b = {1, 0, 3, 0};
  EXPECT_DOUBLE_EQ(EstimateJaccard(a, b), 0.5);
  EXPECT_DOUBLE_EQ(EstimateJaccard(a, a), 1.0);
  // Empty against empty is 1, empty against non-empty 0.
  const MinHasher hasher;
  const std::vector<uint64_t> one = {7};
  EXPECT_EQ(EstimateJaccard(Compute(hasher, {}), Compute(hasher, {})), 1.0);
  EXPECT_EQ(EstimateJaccard(Compute(hasher, {}), Compute(hasher, one)), 0.0);
}

// ---- Parameters ---------------------------------------------------------------------------------

TEST(SignatureParamsTest, MakeRecordsEveryStage) {
  MinHashOptions minhash;
  minhash.num_perm = 64;
  minhash.seed = 99;
  ShingleOptions shingles;
  shingles.size = 3;
  TokenizerOptions tokenizer;
  tokenizer.strip_clitics = false;
  const SignatureParams params = SignatureParams::Make(minhash, shingles, tokenizer, 0x5a5);
  EXPECT_EQ(params.minhash_version, kMinHashVersion);
  EXPECT_EQ(params.num_perm, 64u);
  EXPECT_EQ(params.seed, 99u);
  EXPECT_EQ(params.shingle_size, 3u);
  EXPECT_EQ(params.shingler_version, kShinglerVersion);
  EXPECT_EQ(params.tokenizer_version, kTokenizerVersion);
  EXPECT_FALSE(params.strip_clitics);
  EXPECT_EQ(params.normalizer_version, kNormalizerVersion);
  EXPECT_EQ(params.normalizer_bits, 0x5a5u);
  EXPECT_EQ(params.Describe(), absl::StrCat("minhash v", kMinHashVersion,
                                            ", 64 perms, seed 0x63, 3-word shingles "
                                            "(shingler v",
                                            kShinglerVersion, "), tokenizer v", kTokenizerVersion,
                                            " without clitic stripping, normalizer v",
                                            kNormalizerVersion, " bits 0x5a5"));
}

TEST(SignatureParamsTest, MismatchNamesTheField) {
  const SignatureParams base;
  EXPECT_TRUE(base.CheckCompatible(base).ok());
  struct Case {
    const char* field;
    void (*change)(SignatureParams&);
  };
  const Case cases[] = {
      {"minhash_version", [](SignatureParams& p) { ++p.minhash_version; }},
      {"num_perm", [](SignatureParams& p) { p.num_perm = 64; }},
      {"seed", [](SignatureParams& p) { ++p.seed; }},
      {"shingle_size", [](SignatureParams& p) { p.shingle_size = 4; }},
      {"shingler_version", [](SignatureParams& p) { ++p.shingler_version; }},
      {"tokenizer_version", [](SignatureParams& p) { ++p.tokenizer_version; }},
      {"strip_clitics", [](SignatureParams& p) { p.strip_clitics = false; }},
      {"normalizer_version", [](SignatureParams& p) { ++p.normalizer_version; }},
      {"normalizer_bits", [](SignatureParams& p) { p.normalizer_bits ^= 4; }},
  };
  for (const Case& c : cases) {
    SignatureParams other = base;
    c.change(other);
    EXPECT_FALSE(base == other) << c.field;
    const absl::Status status = base.CheckCompatible(other);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(status.message(), HasSubstr(absl::StrCat(c.field, " differs"))) << c.field;
    EXPECT_THAT(status.message(), HasSubstr(other.Describe())) << c.field;
  }
}

TEST(SignatureParamsTest, EstimateRefusesMismatchedSignatures) {
  const MinHasher hasher;
  const SignatureParams params =
      SignatureParams::Make(hasher.options(), ShingleOptions(), TokenizerOptions(), 0);
  const std::vector<uint64_t> set = {1, 2, 3, 4, 5};
  const Signature a = hasher.Sign(set, params);
  Signature b = a;
  ASSERT_TRUE(EstimateJaccard(a, b).ok());
  EXPECT_EQ(*EstimateJaccard(a, b), 1.0);

  b.params.shingle_size = 3;
  absl::StatusOr<double> result = EstimateJaccard(a, b);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("shingle_size"));

  b = a;
  b.values.pop_back();
  result = EstimateJaccard(a, b);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("malformed"));
}

}  // namespace
}  // namespace naql
