// Tests of union-find clustering: known answers, equality with brute-force connected components on
// seeded random graphs (NAQL_TEST_SEED overrides the seed), independence from pair order, and the
// choice of origin by date.

#include "naql/clusters.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing.h"

namespace naql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using naql::testing::SplitMix64;
using naql::testing::TestSeed;

using Pairs = std::vector<std::pair<uint32_t, uint32_t>>;

std::vector<Cluster> Undated(uint32_t n, const Pairs& pairs) {
  return BuildClusters(n, pairs, [](uint32_t) { return absl::string_view(); });
}

std::vector<Cluster> Dated(const std::vector<std::string>& dates, const Pairs& pairs) {
  return BuildClusters(static_cast<uint32_t>(dates.size()), pairs,
                       [&](uint32_t doc) { return absl::string_view(dates[doc]); });
}

TEST(DisjointSetsTest, UnionAndFind) {
  DisjointSets sets(6);
  EXPECT_EQ(sets.size(), 6u);
  EXPECT_TRUE(sets.Union(0, 1));
  EXPECT_TRUE(sets.Union(2, 3));
  EXPECT_FALSE(sets.Union(1, 0));
  EXPECT_TRUE(sets.Union(1, 3));
  EXPECT_EQ(sets.Find(0), sets.Find(2));
  EXPECT_NE(sets.Find(0), sets.Find(4));
  EXPECT_EQ(sets.SetSize(3), 4u);
  EXPECT_EQ(sets.SetSize(5), 1u);
}

TEST(BuildClustersTest, KnownAnswer) {
  const std::vector<Cluster> clusters = Undated(8, {{5, 3}, {0, 3}, {6, 2}, {4, 4}, {7, 7}});
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_EQ(clusters[0].id, 0u);
  EXPECT_THAT(clusters[0].members, ElementsAre(0u, 3u, 5u));
  EXPECT_EQ(clusters[0].origin, 0u);
  EXPECT_EQ(clusters[1].id, 1u);
  EXPECT_THAT(clusters[1].members, ElementsAre(2u, 6u));
  EXPECT_EQ(clusters[1].origin, 2u);
}

TEST(BuildClustersTest, NoPairsNoClusters) {
  EXPECT_THAT(Undated(5, {}), IsEmpty());
  EXPECT_THAT(Undated(0, {}), IsEmpty());
  EXPECT_THAT(Undated(3, {{1, 1}}), IsEmpty()) << "self pairs make no cluster";
}

TEST(BuildClustersTest, OriginIsEarliestDatedMember) {
  // Documents 1, 2, 4 form a cluster: 4 is the earliest.
  EXPECT_EQ(Dated({"", "2015-07-23", "2015-07-22", "", "2015-07-21"}, {{1, 2}, {2, 4}})[0].origin,
            4u);
  // Undated members never win over dated ones, even when they come first.
  EXPECT_EQ(Dated({"", "2015-07-23", "2015-07-22"}, {{0, 1}, {1, 2}})[0].origin, 2u);
  // Equal dates: the smallest member.
  EXPECT_EQ(Dated({"2015-07-22", "2015-07-21", "2015-07-21"}, {{0, 2}, {0, 1}})[0].origin, 1u);
  // No dates at all: the smallest member.
  EXPECT_EQ(Dated({"", "", "", ""}, {{3, 2}, {2, 1}})[0].origin, 1u);
  // ISO 8601 with times orders by the time; a bare date sorts before the same day with a time.
  EXPECT_EQ(Dated({"2015-07-21T10:00:00Z", "2015-07-21T09:30:00Z"}, {{0, 1}})[0].origin, 1u);
  EXPECT_EQ(Dated({"2015-07-21T00:00:00Z", "2015-07-21"}, {{0, 1}})[0].origin, 1u);
}

TEST(BuildClustersTest, DateOfIsCalledOnlyForClusteredDocuments) {
  std::vector<uint32_t> asked;
  BuildClusters(6, Pairs{{1, 4}}, [&](uint32_t doc) {
    asked.push_back(doc);
    return absl::string_view("2015-01-01");
  });
  std::sort(asked.begin(), asked.end());
  EXPECT_THAT(asked, ElementsAre(1u, 4u));
}

// Brute-force connected components by repeated relaxation (labels = smallest reachable member).
std::vector<std::vector<uint32_t>> Components(uint32_t n, const Pairs& pairs) {
  std::vector<uint32_t> label(n);
  for (uint32_t i = 0; i < n; ++i) label[i] = i;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [a, b] : pairs) {
      const uint32_t low = std::min(label[a], label[b]);
      if (label[a] != low || label[b] != low) {
        label[a] = label[b] = low;
        changed = true;
      }
    }
  }
  std::vector<std::vector<uint32_t>> components;
  for (uint32_t root = 0; root < n; ++root) {
    std::vector<uint32_t> members;
    for (uint32_t i = 0; i < n; ++i) {
      if (label[i] == root) members.push_back(i);
    }
    if (members.size() >= 2) components.push_back(members);
  }
  return components;
}

TEST(BuildClustersTest, EqualsBruteForceComponentsAndIgnoresPairOrder) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << seed);
  SplitMix64 rng(seed);
  for (int trial = 0; trial < 300; ++trial) {
    const uint32_t n = 1 + static_cast<uint32_t>(rng.Uniform(80));
    Pairs pairs(rng.Uniform(n + 10));
    for (auto& [a, b] : pairs) {
      a = static_cast<uint32_t>(rng.Uniform(n));
      b = static_cast<uint32_t>(rng.Uniform(n));
    }
    std::vector<std::string> dates(n);
    for (std::string& date : dates) {
      if (rng.Bernoulli(0.7)) date = "2015-07-" + std::to_string(10 + rng.Uniform(5));
    }
    const std::vector<Cluster> clusters = Dated(dates, pairs);
    const std::vector<std::vector<uint32_t>> expected = Components(n, pairs);
    ASSERT_EQ(clusters.size(), expected.size()) << "trial " << trial;
    for (size_t i = 0; i < clusters.size(); ++i) {
      EXPECT_EQ(clusters[i].id, i);
      ASSERT_EQ(clusters[i].members, expected[i]) << "trial " << trial;
      // Brute-force origin: the first member (ascending) with the smallest non-empty date.
      uint32_t origin = expected[i][0];
      std::string best;
      for (const uint32_t m : expected[i]) {
        if (!dates[m].empty() && (best.empty() || dates[m] < best)) {
          best = dates[m];
          origin = m;
        }
      }
      EXPECT_EQ(clusters[i].origin, origin) << "trial " << trial;
    }
    // The same pairs reversed and shuffled give the same clusters.
    Pairs shuffled = pairs;
    for (auto& [a, b] : shuffled) std::swap(a, b);
    for (size_t i = shuffled.size(); i > 1; --i) {
      std::swap(shuffled[i - 1], shuffled[rng.Uniform(i)]);
    }
    const std::vector<Cluster> again = Dated(dates, shuffled);
    ASSERT_EQ(again.size(), clusters.size());
    for (size_t i = 0; i < again.size(); ++i) {
      EXPECT_EQ(again[i].members, clusters[i].members);
      EXPECT_EQ(again[i].origin, clusters[i].origin);
    }
  }
}

// A long chain merged in the worst order still yields one cluster quickly (union by size keeps
// trees shallow; this would take quadratic time without it and path compression).
TEST(BuildClustersTest, LongChain) {
  constexpr uint32_t kN = 200000;
  Pairs pairs;
  for (uint32_t i = kN - 1; i > 0; --i) pairs.emplace_back(i, i - 1);
  const std::vector<Cluster> clusters = Undated(kN, pairs);
  ASSERT_EQ(clusters.size(), 1u);
  EXPECT_EQ(clusters[0].members.size(), kN);
  EXPECT_EQ(clusters[0].members.back(), kN - 1);
}

}  // namespace
}  // namespace naql
