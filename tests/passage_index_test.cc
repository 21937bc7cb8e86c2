// Tests of winnowing and the passage index: the paper's known answer, the winnowing guarantees
// against brute force, its density, df filtering, and candidate pairs and queries against a
// brute-force oracle on seeded random data (NAQL_TEST_SEED overrides the seed).

#include "naql/passage_index.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "naql/shingler.h"
#include "testing.h"

namespace naql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using naql::testing::SplitMix64;
using naql::testing::TestSeed;

std::vector<PassageFingerprint> WinnowOf(const std::vector<uint64_t>& hashes, uint32_t window) {
  std::vector<PassageFingerprint> out;
  Winnow(hashes, window, &out);
  return out;
}

// Brute force: the rightmost minimum of every window (the whole sequence when it is shorter).
std::set<uint32_t> RightmostMinima(const std::vector<uint64_t>& h, uint32_t window) {
  std::set<uint32_t> positions;
  if (h.empty()) return positions;
  const size_t w = std::min<size_t>(window, h.size());
  for (size_t left = 0; left + w <= h.size(); ++left) {
    size_t best = left;
    for (size_t i = left; i < left + w; ++i) {
      if (h[i] <= h[best]) best = i;
    }
    positions.insert(static_cast<uint32_t>(best));
  }
  return positions;
}

// Shingle hashes are stored in indexes: pinned values (XXH3-64 with kShingleSeed over the
// little-endian token hashes), and HashShingles (specialized for common sizes) gives HashShingle of
// every window at every size, short inputs included.
TEST(HashShinglesTest, PinnedAndEqualToHashShingleOfEachWindow) {
  const uint64_t pinned[7] = {1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(HashShingle(absl::MakeConstSpan(pinned, 5)), 0xdcea4d2732d1daeaull);
  EXPECT_EQ(HashShingle(absl::MakeConstSpan(pinned, 7)), 0x4f4f882b2f3efa2eull);

  SplitMix64 rng(TestSeed());
  std::vector<uint64_t> shingles;
  for (uint32_t size = 1; size <= 12; ++size) {
    for (size_t n = 0; n <= 40; ++n) {
      std::vector<uint64_t> tokens(n);
      for (uint64_t& t : tokens) t = rng.Next();
      HashShingles(tokens, size, &shingles);
      std::vector<uint64_t> expected;
      if (n > 0 && n < size) expected.push_back(HashShingle(tokens));
      for (size_t i = 0; n >= size && i + size <= n; ++i) {
        expected.push_back(HashShingle(absl::MakeConstSpan(tokens).subspan(i, size)));
      }
      ASSERT_EQ(shingles, expected) << "size " << size << ", " << n << " tokens";
    }
  }
}

TEST(WinnowWindowTest, MinWordsMinusShingleSizePlusOne) {
  EXPECT_EQ(WinnowWindow(8, 5), 4u);
  EXPECT_EQ(WinnowWindow(5, 5), 1u);
  EXPECT_EQ(WinnowWindow(20, 3), 18u);
}

// The worked example of Schleimer, Wilkerson, Aiken (2003), Figure 2: window 4 selects
// 17 17 8 39 17 at positions 3 6 8 11 15 (ties go to the rightmost minimum).
TEST(WinnowTest, PaperExample) {
  const std::vector<uint64_t> hashes = {77, 74, 42, 17, 98, 50, 17, 98, 8,
                                        88, 67, 39, 77, 74, 42, 17, 98};
  EXPECT_THAT(WinnowOf(hashes, 4),
              ElementsAre(PassageFingerprint{17, 3}, PassageFingerprint{17, 6},
                          PassageFingerprint{8, 8}, PassageFingerprint{39, 11},
                          PassageFingerprint{17, 15}));
}

TEST(WinnowTest, EdgeCases) {
  EXPECT_THAT(WinnowOf({}, 4), IsEmpty());
  // Shorter than the window: one window, its rightmost minimum.
  EXPECT_THAT(WinnowOf({5, 3, 9, 3}, 10), ElementsAre(PassageFingerprint{3, 3}));
  EXPECT_THAT(WinnowOf({7}, 4), ElementsAre(PassageFingerprint{7, 0}));
  // Window 1 keeps everything.
  EXPECT_THAT(WinnowOf({4, 4, 1}, 1),
              ElementsAre(PassageFingerprint{4, 0}, PassageFingerprint{4, 1},
                          PassageFingerprint{1, 2}));
  // A constant run: the rightmost minimum moves with every window.
  EXPECT_THAT(WinnowOf({6, 6, 6, 6}, 2),
              ElementsAre(PassageFingerprint{6, 1}, PassageFingerprint{6, 2},
                          PassageFingerprint{6, 3}));
  // Reuses and clears the output vector.
  std::vector<PassageFingerprint> out = {{1, 1}, {2, 2}};
  Winnow(std::vector<uint64_t>{9, 8}, 2, &out);
  EXPECT_THAT(out, ElementsAre(PassageFingerprint{8, 1}));
}

// Every window's rightmost minimum is kept and nothing else, on sequences with many ties (a small
// alphabet) and without (full 64-bit hashes), for several window sizes.
TEST(WinnowTest, EqualsBruteForceOnRandomSequences) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << seed);
  SplitMix64 rng(seed);
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t n = rng.Uniform(60);
    const uint32_t window = 1 + static_cast<uint32_t>(rng.Uniform(12));
    const uint64_t alphabet = trial % 2 == 0 ? 4 : 0;  // 0: full 64-bit range
    std::vector<uint64_t> h(n);
    for (uint64_t& x : h) x = alphabet ? rng.Uniform(alphabet) : rng.Next();
    const std::vector<PassageFingerprint> fps = WinnowOf(h, window);
    std::set<uint32_t> got;
    for (size_t i = 0; i < fps.size(); ++i) {
      ASSERT_LT(fps[i].position, n);
      ASSERT_EQ(fps[i].hash, h[fps[i].position]);
      if (i > 0) {
        ASSERT_LT(fps[i - 1].position, fps[i].position) << "positions must increase";
      }
      got.insert(fps[i].position);
    }
    ASSERT_EQ(got, RightmostMinima(h, window)) << "trial " << trial << " n=" << n
                                               << " window=" << window;
  }
}

// Two random texts sharing a run of window + k - 1 tokens share a fingerprint, wherever the run
// sits — the guarantee the --min-words contract rests on.
TEST(WinnowTest, SharedRunOfMinWordsYieldsSharedFingerprint) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << seed);
  SplitMix64 rng(seed + 1);
  std::vector<uint64_t> shingles_a, shingles_b;
  std::vector<PassageFingerprint> fps_a, fps_b;
  for (int trial = 0; trial < 3000; ++trial) {
    const uint32_t k = 1 + static_cast<uint32_t>(rng.Uniform(6));
    const uint32_t min_words = k + static_cast<uint32_t>(rng.Uniform(10));
    const uint32_t window = WinnowWindow(min_words, k);
    // Tokens from a small vocabulary so that unrelated repeats (and hash ties) happen too.
    auto random_tokens = [&](size_t count) {
      std::vector<uint64_t> t(count);
      for (uint64_t& x : t) x = rng.Uniform(trial % 3 == 0 ? 3 : 1000);
      return t;
    };
    const std::vector<uint64_t> run = random_tokens(min_words);
    std::vector<uint64_t> a = random_tokens(rng.Uniform(80));
    std::vector<uint64_t> b = random_tokens(rng.Uniform(80));
    a.insert(a.begin() + static_cast<ptrdiff_t>(rng.Uniform(a.size() + 1)), run.begin(),
             run.end());
    b.insert(b.begin() + static_cast<ptrdiff_t>(rng.Uniform(b.size() + 1)), run.begin(),
             run.end());
    HashShingles(a, k, &shingles_a);
    HashShingles(b, k, &shingles_b);
    Winnow(shingles_a, window, &fps_a);
    Winnow(shingles_b, window, &fps_b);
    std::set<uint64_t> hashes_a;
    for (const auto& fp : fps_a) hashes_a.insert(fp.hash);
    bool shared = false;
    for (const auto& fp : fps_b) shared = shared || hashes_a.count(fp.hash) > 0;
    ASSERT_TRUE(shared) << "trial " << trial << " k=" << k << " min_words=" << min_words;
  }
}

// The expected share of kept positions on random hashes is 2 / (window + 1) (Schleimer et al.
// 2003, Lemma 1). With n = 400,000 positions the standard error is below 0.001, so a 0.005 margin
// fails only when the algorithm is wrong.
TEST(WinnowTest, DensityIsTwoOverWindowPlusOne) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << seed);
  SplitMix64 rng(seed + 2);
  std::vector<uint64_t> h(400000);
  for (uint64_t& x : h) x = rng.Next();
  for (const uint32_t window : {4u, 10u, 30u}) {
    const double density = static_cast<double>(WinnowOf(h, window).size()) / h.size();
    EXPECT_NEAR(density, 2.0 / (window + 1), 0.005) << "window " << window;
  }
}

TEST(PassageIndexOptionsTest, Validate) {
  EXPECT_TRUE(PassageIndexOptions().Validate().ok());
  PassageIndexOptions options;
  options.max_df = 1;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options = PassageIndexOptions();
  options.min_shared = 0;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options = PassageIndexOptions();
  options.pair_batch = 0;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
}

std::vector<PassageFingerprint> Fps(std::initializer_list<uint64_t> hashes) {
  std::vector<PassageFingerprint> fps;
  uint32_t position = 0;
  for (const uint64_t h : hashes) fps.push_back({h, position++});
  return fps;
}

using PairList = std::vector<std::tuple<uint32_t, uint32_t, uint32_t>>;

PairList AllPairs(const PassageIndex& index) {
  PairList pairs;
  index.ForEachCandidatePair(
      [&](uint32_t a, uint32_t b, uint32_t shared) { pairs.emplace_back(a, b, shared); });
  return pairs;
}

TEST(PassageIndexTest, DropsHashesAboveMaxDf) {
  PassageIndexOptions options;
  options.max_df = 3;
  PassageIndex index(options);
  // Hash 7 is boilerplate (5 documents); hash 100 is shared by 3 (kept); 200 by documents 1 and 2.
  index.Add(0, Fps({7, 100}));
  index.Add(1, Fps({7, 100, 200}));
  index.Add(2, Fps({7, 100, 200, 200}));  // a repeated hash counts once
  index.Add(3, Fps({7, 300}));
  index.Add(4, Fps({7}));
  index.Build();
  EXPECT_EQ(index.dropped_hashes(), 1u);
  EXPECT_EQ(index.dropped_entries(), 5u);
  EXPECT_EQ(index.num_entries(), 6u);  // 100 x3, 200 x2, 300
  EXPECT_EQ(index.num_documents(), 5u);
  EXPECT_THAT(AllPairs(index),
              ElementsAre(std::make_tuple(0u, 1u, 1u), std::make_tuple(0u, 2u, 1u),
                          std::make_tuple(1u, 2u, 2u)));
  std::vector<std::pair<uint32_t, uint32_t>> docs;
  index.Query(Fps({7, 200, 100, 200}), &docs);
  EXPECT_THAT(docs, ElementsAre(std::make_pair(0u, 1u), std::make_pair(1u, 2u),
                                std::make_pair(2u, 2u)));
  index.Query(Fps({7, 12345}), &docs);
  EXPECT_THAT(docs, IsEmpty());
}

TEST(PassageIndexTest, EmptyAndSingleDocument) {
  PassageIndex empty;
  empty.Build();
  EXPECT_THAT(AllPairs(empty), IsEmpty());
  std::vector<std::pair<uint32_t, uint32_t>> docs;
  empty.Query(Fps({1, 2}), &docs);
  EXPECT_THAT(docs, IsEmpty());

  PassageIndex one;
  one.Add(42, Fps({1, 2, 3}));
  one.Add(42, Fps({3, 4}));  // the same document again: merged
  one.Build();
  EXPECT_EQ(one.num_entries(), 4u);
  EXPECT_EQ(one.num_documents(), 43u);
  EXPECT_THAT(AllPairs(one), IsEmpty());
  one.Query(Fps({4, 3, 9}), &docs);
  EXPECT_THAT(docs, ElementsAre(std::make_pair(42u, 2u)));
}

// Candidate pairs and queries equal a brute-force oracle — all pairs sharing at least min_shared
// distinct hashes whose document frequency is at most max_df — on random indexes, whatever the
// batch size.
TEST(PassageIndexTest, EqualsBruteForceOracle) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << seed);
  SplitMix64 rng(seed + 3);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(::testing::Message() << "trial " << trial);
    const uint32_t num_docs = 1 + static_cast<uint32_t>(rng.Uniform(120));
    const uint64_t universe = 1 + rng.Uniform(400);
    PassageIndexOptions options;
    options.max_df = 2 + static_cast<uint32_t>(rng.Uniform(30));
    options.min_shared = 1 + static_cast<uint32_t>(rng.Uniform(3));
    options.pair_batch = trial % 4 == 0 ? 1 + rng.Uniform(50) : size_t{1} << 24;

    // Random documents; ids are sparse (only some are added) and added in random order.
    std::map<uint32_t, std::set<uint64_t>> doc_hashes;
    std::vector<std::vector<PassageFingerprint>> added(num_docs);
    for (uint32_t doc = 0; doc < num_docs; ++doc) {
      if (rng.Bernoulli(0.2)) continue;
      const size_t count = rng.Uniform(40);
      for (size_t i = 0; i < count; ++i) {
        // Hashes spread over the whole 64-bit range, drawn from a small universe.
        const uint64_t h = (rng.Uniform(universe) + 1) * 0x9e3779b97f4a7c15ULL;
        added[doc].push_back({h, static_cast<uint32_t>(i)});
        doc_hashes[doc].insert(h);
      }
    }
    PassageIndex index(options);
    std::vector<uint32_t> order(num_docs);
    for (uint32_t i = 0; i < num_docs; ++i) order[i] = i;
    for (uint32_t i = num_docs; i > 1; --i) std::swap(order[i - 1], order[rng.Uniform(i)]);
    if (trial % 2 == 0) {
      for (const uint32_t doc : order) {
        if (!added[doc].empty()) index.Add(doc, added[doc]);
      }
    } else {
      // The same entries adopted in one array, documents shuffled, repeats included.
      std::vector<PassageIndex::Entry> entries;
      for (const uint32_t doc : order) {
        for (const PassageFingerprint& fp : added[doc]) {
          entries.push_back(PassageIndex::Entry::Make(fp.hash, doc));
        }
      }
      index.AdoptEntries(&entries);
      EXPECT_TRUE(entries.empty());
    }
    index.Build();

    // Oracle.
    std::map<uint64_t, std::vector<uint32_t>> postings;
    for (const auto& [doc, hashes] : doc_hashes) {
      for (const uint64_t h : hashes) postings[h].push_back(doc);
    }
    size_t dropped = 0, kept_entries = 0;
    std::set<uint64_t> kept;
    for (const auto& [h, docs] : postings) {
      if (docs.size() > options.max_df) {
        ++dropped;
      } else {
        kept.insert(h);
        kept_entries += docs.size();
      }
    }
    EXPECT_EQ(index.dropped_hashes(), dropped);
    EXPECT_EQ(index.num_entries(), kept_entries);
    PairList expected;
    for (auto a = doc_hashes.begin(); a != doc_hashes.end(); ++a) {
      for (auto b = std::next(a); b != doc_hashes.end(); ++b) {
        uint32_t shared = 0;
        for (const uint64_t h : a->second) shared += kept.count(h) && b->second.count(h);
        if (shared >= options.min_shared) expected.emplace_back(a->first, b->first, shared);
      }
    }
    ASSERT_EQ(AllPairs(index), expected);

    // Queries: a random document's fingerprints plus noise.
    for (int q = 0; q < 5; ++q) {
      std::vector<PassageFingerprint> query;
      std::set<uint64_t> query_hashes;
      const size_t count = rng.Uniform(30);
      for (size_t i = 0; i < count; ++i) {
        const uint64_t h = (rng.Uniform(universe + 20) + 1) * 0x9e3779b97f4a7c15ULL;
        query.push_back({h, 0});
        query_hashes.insert(h);
      }
      std::vector<std::pair<uint32_t, uint32_t>> want, got;
      for (const auto& [doc, hashes] : doc_hashes) {
        uint32_t shared = 0;
        for (const uint64_t h : query_hashes) shared += kept.count(h) && hashes.count(h);
        if (shared >= options.min_shared) want.emplace_back(doc, shared);
      }
      index.Query(query, &got);
      ASSERT_EQ(got, want);
    }
  }
}

// An index large enough for Build()'s bucketed sort (65,536 entries or more) against the oracle.
TEST(PassageIndexTest, LargeIndexEqualsBruteForceOracle) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << seed);
  SplitMix64 rng(seed + 5);
  constexpr uint32_t kDocs = 2000, kPerDoc = 50;
  constexpr uint64_t kUniverse = 40000;
  PassageIndexOptions options;
  options.max_df = 8;
  PassageIndex index(options), adopting(options);
  std::map<uint64_t, std::set<uint32_t>> postings;
  std::vector<PassageFingerprint> fps;
  std::vector<PassageIndex::Entry> adopted;
  for (uint32_t doc = 0; doc < kDocs; ++doc) {
    fps.clear();
    for (uint32_t i = 0; i < kPerDoc; ++i) {
      const uint64_t h = rng.Uniform(kUniverse) * 0x9e3779b97f4a7c15ULL;
      fps.push_back({h, i});
      postings[h].insert(doc);
      adopted.push_back(PassageIndex::Entry::Make(h, doc));
    }
    index.Add(doc, fps);
  }
  index.Build();
  std::reverse(adopted.begin(), adopted.end());  // any order
  adopting.AdoptEntries(&adopted);
  adopting.Build(/*threads=*/3);  // the buckets of the first radix pass sorted in parallel
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> shared;
  size_t dropped = 0;
  for (const auto& [h, docs] : postings) {
    if (docs.size() > options.max_df) {
      ++dropped;
      continue;
    }
    for (auto a = docs.begin(); a != docs.end(); ++a) {
      for (auto b = std::next(a); b != docs.end(); ++b) ++shared[{*a, *b}];
    }
  }
  PairList expected;
  for (const auto& [pair, count] : shared) expected.emplace_back(pair.first, pair.second, count);
  EXPECT_EQ(index.dropped_hashes(), dropped);
  ASSERT_GE(index.num_entries() + index.dropped_entries(), size_t{1} << 16);
  ASSERT_EQ(AllPairs(index), expected);
  EXPECT_EQ(adopting.dropped_hashes(), dropped);
  EXPECT_EQ(adopting.num_entries(), index.num_entries());
  ASSERT_EQ(AllPairs(adopting), expected);
}

// End to end on token streams: documents that share a planted run of min_words tokens are
// candidates; with max_df = 2 a run planted in three documents is dropped as boilerplate (but for
// its edges).
TEST(PassageIndexTest, FindsPlantedPassagesAndDropsBoilerplate) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << seed);
  SplitMix64 rng(seed + 4);
  constexpr uint32_t kShingle = 5, kMinWords = 8, kDocs = 60;
  auto random_run = [&](size_t count) {
    std::vector<uint64_t> t(count);
    for (uint64_t& x : t) x = rng.Next();
    return t;
  };
  std::vector<std::vector<uint64_t>> docs(kDocs);
  for (auto& doc : docs) doc = random_run(200);
  auto plant = [&](uint32_t doc, const std::vector<uint64_t>& run) {
    const size_t at = rng.Uniform(docs[doc].size() - run.size());
    std::copy(run.begin(), run.end(), docs[doc].begin() + static_cast<ptrdiff_t>(at));
  };
  const std::vector<uint64_t> quote = random_run(kMinWords);
  plant(3, quote);
  plant(17, quote);
  const std::vector<uint64_t> footer = random_run(40);
  for (uint32_t doc : {5u, 6u, 7u}) plant(doc, footer);

  PassageIndexOptions options;
  options.max_df = 2;
  PassageIndex index(options);
  std::vector<uint64_t> shingles;
  std::vector<PassageFingerprint> fps;
  for (uint32_t doc = 0; doc < kDocs; ++doc) {
    HashShingles(docs[doc], kShingle, &shingles);
    Winnow(shingles, WinnowWindow(kMinWords, kShingle), &fps);
    index.Add(doc, fps);
  }
  index.Build();
  // The quote is found. The footer's inner fingerprints (df 3) are dropped; only fingerprints
  // within window - 1 shingles of its edges, whose selection depends on the surrounding text, can
  // reach df 2 and survive: at most 2 * (window - 1) per pair.
  const uint32_t window = WinnowWindow(kMinWords, kShingle);
  bool found_quote = false;
  for (const auto& [a, b, shared] : AllPairs(index)) {
    if (a == 3 && b == 17) {
      found_quote = true;
      continue;
    }
    EXPECT_TRUE(a >= 5 && b <= 7) << a << "," << b;
    EXPECT_LE(shared, 2 * (window - 1)) << a << "," << b;
  }
  EXPECT_TRUE(found_quote);
  EXPECT_GT(index.dropped_hashes(), 0u);
  EXPECT_GE(index.memory_bytes(), index.num_entries() * 12);
}

}  // namespace
}  // namespace naql
