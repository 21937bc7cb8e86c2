// Tests of naql/lsh_index.h: the choice of bands × rows (datasketch's known answers and an
// independent numerical integration), the index against brute-force oracles (band-key collisions
// and exact Jaccard of generated sets), the S-curve's statistics, and degenerate buckets.

#include "naql/lsh_index.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "naql/minhash.h"
#include "testing.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace naql {
namespace {

using ::naql::testing::SplitMix64;
using ::naql::testing::TestSeed;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Pair = std::pair<uint32_t, uint32_t>;

std::vector<Pair> AllPairs(const LshIndex& index) {
  std::vector<Pair> pairs;
  index.ForEachCandidatePair([&](uint32_t a, uint32_t b) { pairs.emplace_back(a, b); });
  return pairs;
}

// ---- OptimalLshParams ---------------------------------------------------------------------------

TEST(OptimalLshParamsTest, MatchesDatasketch) {
  // datasketch.MinHashLSH(threshold, num_perm, weights=(fp, fn)).b, .r; the same values come from
  // its scipy-quad and its midpoint-rule versions of _optimal_param.
  EXPECT_EQ(OptimalLshParams(0.5, 128, 0.5, 0.5), (LshParams{25, 5}));
  EXPECT_EQ(OptimalLshParams(0.75, 256, 0.5, 0.5), (LshParams{21, 12}));
  EXPECT_EQ(OptimalLshParams(0.75, 256, 0.1, 0.9), (LshParams{28, 9}));
  EXPECT_EQ(OptimalLshParams(0.8, 128, 0.5, 0.5), (LshParams{9, 13}));
  EXPECT_EQ(OptimalLshParams(0.9, 128, 0.5, 0.5), (LshParams{5, 25}));  // 5 × 24 is 2e-7 worse
  EXPECT_EQ(OptimalLshParams(0.3, 64, 0.5, 0.5), (LshParams{21, 3}));
  // naql's default weights.
  EXPECT_EQ(OptimalLshParams(0.5, 128, 0.1, 0.9), (LshParams{32, 4}));
}

// The weighted error areas by composite Simpson's rule on 2000 intervals: independent of the
// Gauss–Legendre quadrature the library uses.
double SimpsonError(double t, uint32_t b, uint32_t r, double fp_weight, double fn_weight) {
  const auto p = [&](double s) { return 1.0 - std::pow(1.0 - std::pow(s, r), b); };
  const auto integrate = [](auto f, double lo, double hi) {
    constexpr int kIntervals = 2000;
    const double h = (hi - lo) / kIntervals;
    double sum = f(lo) + f(hi);
    for (int i = 1; i < kIntervals; ++i) sum += f(lo + i * h) * (i % 2 ? 4 : 2);
    return sum * h / 3;
  };
  return fp_weight * integrate(p, 0.0, t) +
         fn_weight * integrate([&](double s) { return 1.0 - p(s); }, t, 1.0);
}

TEST(OptimalLshParamsTest, MinimisesTheWeightedAreas) {
  for (uint32_t k : {1u, 16u, 40u}) {
    for (double t : {0.2, 0.5, 0.8}) {
      for (auto [fp, fn] : {std::pair{0.5, 0.5}, std::pair{0.1, 0.9}, std::pair{1.0, 0.0}}) {
        SCOPED_TRACE(absl::StrCat("K=", k, " t=", t, " weights=", fp, ",", fn));
        const LshParams chosen = OptimalLshParams(t, k, fp, fn);
        ASSERT_GE(chosen.bands, 1u);
        ASSERT_GE(chosen.rows, 1u);
        ASSERT_LE(chosen.bands * chosen.rows, k);
        double best = INFINITY;
        for (uint32_t b = 1; b <= k; ++b) {
          for (uint32_t r = 1; b * r <= k; ++r)
            best = std::min(best, SimpsonError(t, b, r, fp, fn));
        }
        EXPECT_LE(SimpsonError(t, chosen.bands, chosen.rows, fp, fn), best + 1e-9);
      }
    }
  }
}

TEST(CandidateProbabilityTest, IsTheSCurve) {
  const LshParams params{32, 4};
  EXPECT_DOUBLE_EQ(CandidateProbability(0.0, params), 0.0);
  EXPECT_DOUBLE_EQ(CandidateProbability(1.0, params), 1.0);
  EXPECT_NEAR(CandidateProbability(0.5, params), 1 - std::pow(1 - 1.0 / 16, 32), 1e-15);
  // The header's table.
  EXPECT_NEAR(CandidateProbability(0.3, params), 0.229, 5e-4);
  EXPECT_NEAR(CandidateProbability(0.6, params), 0.988, 5e-4);
  EXPECT_NEAR(CandidateProbability(0.6, LshParams{25, 5}), 0.868, 5e-4);
}

// ---- Options ------------------------------------------------------------------------------------

TEST(LshOptionsTest, ValidateNamesTheField) {
  EXPECT_TRUE(LshOptions().Validate(128).ok());
  struct Case {
    const char* field;
    void (*change)(LshOptions&);
  };
  const Case cases[] = {
      {"threshold", [](LshOptions& o) { o.threshold = 0.0; }},
      {"threshold", [](LshOptions& o) { o.threshold = 1.0; }},
      {"threshold", [](LshOptions& o) { o.threshold = NAN; }},
      {"weight", [](LshOptions& o) { o.false_positive_weight = -0.1; }},
      {"weight", [](LshOptions& o) { o.false_positive_weight = o.false_negative_weight = 0; }},
      {"bands and rows", [](LshOptions& o) { o.bands = 4; }},
      {"bands x rows", [](LshOptions& o) { o.bands = 20, o.rows = 7; }},
      {"max_bucket_size", [](LshOptions& o) { o.max_bucket_size = 1; }},
  };
  for (const Case& c : cases) {
    LshOptions options;
    c.change(options);
    const absl::Status status = options.Validate(128);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(status.message(), HasSubstr(c.field));
  }
  EXPECT_THAT(LshOptions().Validate(0).message(), HasSubstr("num_perm"));
  LshOptions explicit_banding;
  explicit_banding.bands = 16;
  explicit_banding.rows = 8;
  EXPECT_TRUE(explicit_banding.Validate(128).ok());
  EXPECT_EQ(LshIndex(explicit_banding, 128).params(), (LshParams{16, 8}));
  EXPECT_EQ(LshIndex(LshOptions(), 128).params(), (LshParams{32, 4}));
}

// ---- Small exact cases --------------------------------------------------------------------------

TEST(LshIndexTest, HandmadeSignatures) {
  LshOptions options;
  options.bands = 4;
  options.rows = 2;
  LshIndex index(options, 8);
  // Bands are slots {0,1}, {2,3}, {4,5}, {6,7}.
  const std::map<uint32_t, std::vector<uint32_t>> docs = {
      {10, {1, 2, 3, 4, 5, 6, 7, 8}},
      {20, {1, 2, 0, 0, 0, 0, 0, 0}},  // band 0 with 10 and 30
      {30, {1, 2, 3, 4, 9, 9, 9, 9}},  // bands 0 and 1 with 10: reported once
      {40, {9, 9, 9, 9, 9, 9, 9, 9}},  // bands 2 and 3 with 30; equal values in other bands
                                       // do not collide because band keys depend on the band
      {50, {5, 5, 5, 5, 5, 5, 5, 5}},
  };
  for (uint32_t id : {40u, 10u, 50u, 30u, 20u}) index.Add(id, docs.at(id));  // any order
  EXPECT_EQ(index.size(), 5u);
  EXPECT_FALSE(index.built());
  index.Build();
  EXPECT_TRUE(index.built());
  EXPECT_THAT(index.ids(), ElementsAre(10u, 20u, 30u, 40u, 50u));

  std::vector<Pair> pairs = AllPairs(index);
  std::sort(pairs.begin(), pairs.end());
  EXPECT_THAT(pairs, ElementsAre(Pair{10, 20}, Pair{10, 30}, Pair{20, 30}, Pair{30, 40}));
  std::vector<uint32_t> ids;
  index.Query(docs.at(10), &ids);
  EXPECT_THAT(ids, ElementsAre(10u, 20u, 30u));
  index.Query(docs.at(50), &ids);
  EXPECT_THAT(ids, ElementsAre(50u));
  index.Query(std::vector<uint32_t>(8, 7), &ids);
  EXPECT_TRUE(ids.empty());
  const std::vector<uint32_t> probe = {0, 0, 0, 0, 0, 0, 9, 9};  // band 2 of 20, band 3 of 30, 40
  index.Query(probe, &ids);
  EXPECT_THAT(ids, ElementsAre(20u, 30u, 40u));

  EXPECT_EQ(index.stats().documents, 5u);
  EXPECT_EQ(index.stats().largest_bucket, 3u);  // band 0: 10, 20, 30
  EXPECT_EQ(index.stats().oversize_buckets, 0u);
  EXPECT_GT(index.stats().memory_bytes, 0u);
}

TEST(LshIndexTest, EmptyAndSingleDocumentIndexes) {
  LshIndex empty(LshOptions(), 128);
  empty.Build();
  EXPECT_TRUE(AllPairs(empty).empty());
  std::vector<uint32_t> ids = {1, 2};
  empty.Query(std::vector<uint32_t>(128, 1), &ids);
  EXPECT_TRUE(ids.empty());

  LshIndex one(LshOptions(), 128);
  one.Add(7, std::vector<uint32_t>(128, 1));
  one.Build();
  EXPECT_TRUE(AllPairs(one).empty());
  one.Query(std::vector<uint32_t>(128, 1), &ids);
  EXPECT_THAT(ids, ElementsAre(7u));
}

TEST(LshIndexTest, BandKeysAreStableAndExposed) {
  // Known answers: any change to the band-key hash changes these (bump kLshVersion then).
  std::vector<uint32_t> values(8);
  for (uint32_t i = 0; i < 8; ++i) values[i] = i * 1000003u;
  std::vector<uint64_t> keys(4);
  ComputeBandKeys(values, LshParams{4, 2}, absl::MakeSpan(keys));
  EXPECT_THAT(keys, ElementsAre(5345432271552114660u, 2772244472250675297u, 15034474962354406401u,
                                6373248065678399883u));
  // The header's definition: XXH3-64 of the band's values, seed kBandKeySeed + band · φ64.
  for (uint32_t band = 0; band < 4; ++band) {
    EXPECT_EQ(keys[band], XXH3_64bits_withSeed(values.data() + 2 * band, 8,
                                               kBandKeySeed + band * 0x9e3779b97f4a7c15ULL));
  }

  // The index keeps exactly these keys, and AddBandKeys rebuilds an equivalent index.
  LshOptions options;
  options.bands = 4;
  options.rows = 2;
  LshIndex index(options, 8), reloaded(options, 8);
  index.Add(3, values);
  index.Build();
  EXPECT_THAT(index.band_keys(), ElementsAre(keys[0], keys[1], keys[2], keys[3]));
  reloaded.AddBandKeys(3, index.band_keys());
  reloaded.Build();
  std::vector<uint32_t> ids;
  reloaded.Query(values, &ids);
  EXPECT_THAT(ids, ElementsAre(3u));
}

// ---- Generated corpora --------------------------------------------------------------------------

// Documents as shingle sets: clusters of near-duplicates (a base set and variants with a share of
// its elements replaced, for a target Jaccard drawn uniformly from [0.3, 1]) among unrelated
// documents. Elements come from a shared pool so that unrelated documents overlap a little
// (J ≈ 0.01), as unrelated articles do.
struct Corpus {
  std::vector<std::vector<uint64_t>> sets;  // sorted, unique; document id = index
};

Corpus GenerateCorpus(SplitMix64& rng, int clusters, int singles) {
  std::vector<uint64_t> pool(30000);
  for (uint64_t& x : pool) x = rng.Next();
  const auto random_set = [&] {
    const size_t size = 150 + rng.Uniform(250);
    std::vector<uint64_t> set;
    while (set.size() < size) set.push_back(pool[rng.Uniform(pool.size())]);
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    return set;
  };
  Corpus corpus;
  for (int c = 0; c < clusters; ++c) {
    const std::vector<uint64_t> base = random_set();
    corpus.sets.push_back(base);
    const int variants = 1 + static_cast<int>(rng.Uniform(4));
    for (int v = 0; v < variants; ++v) {
      // Replacing x of s elements gives J = (s - x) / (s + x).
      const double j = 0.3 + 0.7 * rng.UniformDouble();
      const size_t s = base.size();
      const size_t x = static_cast<size_t>(std::lround(s * (1 - j) / (1 + j)));
      std::vector<uint64_t> variant = base;
      for (size_t i = 0; i < x; ++i) {
        const size_t victim = i + rng.Uniform(s - i);  // partial Fisher–Yates: distinct victims
        std::swap(variant[i], variant[victim]);
        variant[i] = rng.Next();  // fresh element, in no other document
      }
      std::sort(variant.begin(), variant.end());
      variant.erase(std::unique(variant.begin(), variant.end()), variant.end());
      corpus.sets.push_back(std::move(variant));
    }
  }
  for (int i = 0; i < singles; ++i) corpus.sets.push_back(random_set());
  // Shuffle so that ids do not reveal clusters.
  for (size_t i = corpus.sets.size(); i > 1; --i) {
    std::swap(corpus.sets[i - 1], corpus.sets[rng.Uniform(i)]);
  }
  return corpus;
}

double ExactJaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common, ++i, ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

struct IndexedCorpus {
  std::vector<std::vector<uint32_t>> signatures;
  std::vector<std::vector<double>> jaccard;  // exact, brute force: jaccard[a][b] for a < b
};

IndexedCorpus Prepare(const Corpus& corpus, const MinHasher& hasher) {
  IndexedCorpus out;
  const size_t n = corpus.sets.size();
  out.signatures.assign(n, std::vector<uint32_t>(hasher.num_perm()));
  out.jaccard.assign(n, std::vector<double>(n, 0.0));
  for (size_t d = 0; d < n; ++d) hasher.Compute(corpus.sets[d], absl::MakeSpan(out.signatures[d]));
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b)
      out.jaccard[a][b] = ExactJaccard(corpus.sets[a], corpus.sets[b]);
  }
  return out;
}

// The index against the definition: its pairs are exactly the pairs of documents with an equal
// band key in some band (all pairs compared), each reported once with a < b.
TEST(LshIndexOracleTest, PairsAreExactlyTheBandCollisions) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  const Corpus corpus = GenerateCorpus(rng, 80, 120);
  const MinHasher hasher;
  const IndexedCorpus data = Prepare(corpus, hasher);
  const size_t n = data.signatures.size();

  LshIndex index(LshOptions(), hasher.num_perm());
  for (size_t d = 0; d < n; ++d) index.Add(static_cast<uint32_t>(d), data.signatures[d]);
  index.Build();
  ASSERT_EQ(index.stats().oversize_buckets, 0u);

  const LshParams params = index.params();
  std::vector<std::vector<uint64_t>> keys(n, std::vector<uint64_t>(params.bands));
  for (size_t d = 0; d < n; ++d)
    ComputeBandKeys(data.signatures[d], params, absl::MakeSpan(keys[d]));
  std::set<Pair> expected;
  for (uint32_t a = 0; a < n; ++a) {
    for (uint32_t b = a + 1; b < n; ++b) {
      for (uint32_t band = 0; band < params.bands; ++band) {
        if (keys[a][band] == keys[b][band]) {
          expected.insert({a, b});
          break;
        }
      }
    }
  }
  const std::vector<Pair> pairs = AllPairs(index);
  for (const Pair& p : pairs) ASSERT_LT(p.first, p.second);
  const std::set<Pair> unique(pairs.begin(), pairs.end());
  EXPECT_EQ(unique.size(), pairs.size()) << "a pair was reported twice";
  EXPECT_EQ(unique, expected);
  EXPECT_GT(expected.size(), 100u);  // the corpus has near-duplicates to find

  // Query agrees: the partners of every document are Query(it) without it.
  std::vector<std::vector<uint32_t>> partners(n);
  for (const Pair& p : pairs) {
    partners[p.first].push_back(p.second);
    partners[p.second].push_back(p.first);
  }
  std::vector<uint32_t> ids;
  for (uint32_t d = 0; d < n; ++d) {
    index.Query(data.signatures[d], &ids);
    ASSERT_TRUE(std::binary_search(ids.begin(), ids.end(), d));
    ids.erase(std::find(ids.begin(), ids.end(), d));
    std::sort(partners[d].begin(), partners[d].end());
    ASSERT_EQ(ids, partners[d]) << "document " << d;
  }
}

// Recall against exact Jaccard. The margin: with the default 32 × 4 banding the S-curve gives
// P(0.65) = 0.998 and P(0.7) = 0.9998, so pairs with J >= threshold + 0.15 = 0.65 are missed with
// probability at most 0.2% each (about 0.02% on average over the pairs generated here); over the
// >= 250 such pairs a recall below 0.99 (3 misses or more) has a probability below 10^-4. Closer to
// the threshold recall is bounded by the S-curve itself (P(0.5) = 0.87), so the margin is the
// price of K = 128, not slack in the test. Below the margin the observed rates must follow the
// S-curve: the number of candidates among pairs with J in [0.25, 0.65) and among unrelated pairs
// stays within 5 standard deviations of the sum of P(J).
TEST(LshIndexOracleTest, RecallAboveThresholdAndSCurve) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  const Corpus corpus = GenerateCorpus(rng, 250, 150);
  const MinHasher hasher;
  const IndexedCorpus data = Prepare(corpus, hasher);
  const size_t n = data.signatures.size();

  const LshOptions options;  // threshold 0.5, default weights
  LshIndex index(options, hasher.num_perm());
  for (size_t d = 0; d < n; ++d) index.Add(static_cast<uint32_t>(d), data.signatures[d]);
  index.Build();
  const LshParams params = index.params();
  ASSERT_EQ(params, (LshParams{32, 4}));
  const std::vector<Pair> pairs = AllPairs(index);
  const std::set<Pair> candidates(pairs.begin(), pairs.end());

  constexpr double kMargin = 0.15;
  ASSERT_GE(CandidateProbability(options.threshold + kMargin, params), 0.998);
  int above = 0, found_above = 0;
  double expected_misses = 0;
  struct Band {
    double lo, hi;
    double expected = 0, variance = 0;
    int pairs = 0, found = 0;
  };
  Band bands[] = {{0.0, 0.1}, {0.1, 0.25}, {0.25, 0.45}, {0.45, 0.65}};
  for (uint32_t a = 0; a < n; ++a) {
    for (uint32_t b = a + 1; b < n; ++b) {
      const double j = data.jaccard[a][b];
      const bool found = candidates.count({a, b}) > 0;
      if (j >= options.threshold + kMargin) {
        ++above;
        found_above += found;
        expected_misses += 1 - CandidateProbability(j, params);
        continue;
      }
      for (Band& band : bands) {
        if (j >= band.lo && j < band.hi) {
          const double p = CandidateProbability(j, params);
          band.expected += p;
          band.variance += p * (1 - p);
          ++band.pairs;
          band.found += found;
        }
      }
    }
  }
  ASSERT_GE(above, 250);
  EXPECT_GE(static_cast<double>(found_above) / above, 0.99)
      << found_above << " of " << above << " pairs with J >= " << options.threshold + kMargin
      << " found; the S-curve expects " << expected_misses << " misses";
  for (const Band& band : bands) {
    SCOPED_TRACE(absl::StrCat("J in [", band.lo, ", ", band.hi, "): ", band.found, " of ",
                              band.pairs, " found, S-curve expects ", band.expected));
    EXPECT_LE(std::fabs(band.found - band.expected), 5 * std::sqrt(band.variance) + 2);
  }
  EXPECT_GE(bands[3].pairs, 50);  // the S-curve check near the threshold is not vacuous
}

TEST(LshIndexOracleTest, ResultsDoNotDependOnAddOrder) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  const Corpus corpus = GenerateCorpus(rng, 40, 40);
  const MinHasher hasher;
  const size_t n = corpus.sets.size();
  std::vector<std::vector<uint32_t>> signatures(n, std::vector<uint32_t>(hasher.num_perm()));
  for (size_t d = 0; d < n; ++d) hasher.Compute(corpus.sets[d], absl::MakeSpan(signatures[d]));
  // Sparse ids, added forwards and backwards.
  const auto id = [](size_t d) { return static_cast<uint32_t>(1000 + 7 * d); };
  LshIndex forward(LshOptions(), hasher.num_perm()), backward(LshOptions(), hasher.num_perm());
  for (size_t d = 0; d < n; ++d) forward.Add(id(d), signatures[d]);
  for (size_t d = n; d-- > 0;) backward.Add(id(d), signatures[d]);
  forward.Build();
  backward.Build();
  EXPECT_EQ(AllPairs(forward), AllPairs(backward));
  EXPECT_FALSE(AllPairs(forward).empty());
  EXPECT_TRUE(std::equal(forward.band_keys().begin(), forward.band_keys().end(),
                         backward.band_keys().begin(), backward.band_keys().end()));
}

// ---- Degenerate buckets -------------------------------------------------------------------------

// Thousands of empty documents share every band key. Without the cap they would make
// 3000 · 2999 / 2 ≈ 4.5 million pairs; with it they make a star of 2999 pairs around the
// smallest id, and Query returns at most max_bucket_size of them.
TEST(LshIndexDegenerateTest, IdenticalEmptyDocumentsStayLinear) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  const MinHasher hasher;
  LshOptions options;
  options.max_bucket_size = 64;
  LshIndex index(options, hasher.num_perm());
  std::vector<uint32_t> empty(hasher.num_perm());
  hasher.Compute({}, absl::MakeSpan(empty));
  constexpr uint32_t kEmpty = 3000;
  for (uint32_t id = 0; id < kEmpty; ++id) index.Add(id, empty);
  std::vector<uint32_t> values(hasher.num_perm());
  for (uint32_t id = 5000; id < 5300; ++id) {
    std::vector<uint64_t> set(200);
    for (uint64_t& x : set) x = rng.Next();
    hasher.Compute(set, absl::MakeSpan(values));
    index.Add(id, values);
  }
  index.Build();
  EXPECT_EQ(index.stats().oversize_buckets, index.params().bands);
  EXPECT_EQ(index.stats().largest_bucket, kEmpty);

  const std::vector<Pair> pairs = AllPairs(index);
  ASSERT_EQ(pairs.size(), kEmpty - 1);  // random 200-element sets collide with probability ~0
  for (uint32_t i = 0; i < pairs.size(); ++i) EXPECT_EQ(pairs[i], (Pair{0, i + 1}));

  std::vector<uint32_t> ids;
  index.Query(empty, &ids);
  ASSERT_EQ(ids.size(), 64u);
  EXPECT_EQ(ids.front(), 0u);
  EXPECT_EQ(ids.back(), 63u);
}

// Oversize buckets in some bands and ordinary ones in others: each pair must still be reported
// exactly once, at the first band that reports it, matching the rule computed by brute force.
TEST(LshIndexDegenerateTest, MixedOversizeBucketsMatchTheRule) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  constexpr uint32_t kNumPerm = 16;
  LshOptions options;
  options.bands = 8;
  options.rows = 2;
  options.max_bucket_size = 6;
  LshIndex index(options, kNumPerm);
  // Groups share their first half (bands 0–3 oversize or not, by group size); within a group,
  // small subgroups also share the second half (bands 4–7, never oversize).
  std::vector<std::vector<uint32_t>> signatures;
  for (int group = 0; group < 6; ++group) {
    const size_t size = 2 + rng.Uniform(14);
    std::vector<uint32_t> head(kNumPerm / 2);
    for (uint32_t& v : head) v = static_cast<uint32_t>(rng.Next());
    std::vector<uint32_t> tail(kNumPerm / 2);
    for (size_t member = 0; member < size; ++member) {
      if (member % 3 == 0) {
        for (uint32_t& v : tail) v = static_cast<uint32_t>(rng.Next());
      }
      std::vector<uint32_t> signature = head;
      signature.insert(signature.end(), tail.begin(), tail.end());
      if (rng.Bernoulli(0.3)) signature[rng.Uniform(kNumPerm / 2)] ^= 1;  // leaves one head band
      signatures.push_back(std::move(signature));
    }
  }
  // Sparse ids in a shuffled order.
  std::vector<uint32_t> ids(signatures.size());
  for (size_t d = 0; d < ids.size(); ++d) ids[d] = static_cast<uint32_t>(3 * d + 1);
  std::vector<size_t> order(signatures.size());
  for (size_t d = 0; d < order.size(); ++d) order[d] = d;
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.Uniform(i)]);
  for (size_t d : order) index.Add(ids[d], signatures[d]);
  index.Build();
  ASSERT_GT(index.stats().oversize_buckets, 0u);

  // The rule, by brute force over buckets.
  const LshParams params = index.params();
  std::set<Pair> expected;
  for (uint32_t band = 0; band < params.bands; ++band) {
    std::map<uint64_t, std::vector<uint32_t>> buckets;
    std::vector<uint64_t> keys(params.bands);
    for (size_t d = 0; d < signatures.size(); ++d) {
      ComputeBandKeys(signatures[d], params, absl::MakeSpan(keys));
      buckets[keys[band]].push_back(ids[d]);
    }
    for (auto& [key, members] : buckets) {
      std::sort(members.begin(), members.end());
      if (members.size() > options.max_bucket_size) {
        for (size_t q = 1; q < members.size(); ++q) expected.insert({members[0], members[q]});
      } else {
        for (size_t p = 0; p < members.size(); ++p) {
          for (size_t q = p + 1; q < members.size(); ++q) expected.insert({members[p], members[q]});
        }
      }
    }
  }
  const std::vector<Pair> pairs = AllPairs(index);
  const std::set<Pair> unique(pairs.begin(), pairs.end());
  EXPECT_EQ(unique.size(), pairs.size()) << "a pair was reported twice";
  EXPECT_EQ(unique, expected);
}

}  // namespace
}  // namespace naql
