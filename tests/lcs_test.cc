// Tests of lcs.h: the bit-parallel LCS length against the textbook dynamic programming, on known
// answers, on every length around the 64-bit word boundaries, and on random sequences over small
// and large alphabets.

#include "lcs.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "testing.h"

namespace naql::internal {
namespace {

using ::naql::testing::SplitMix64;
using ::naql::testing::TestSeed;

// The oracle: O(nm) dynamic programming over the full table.
uint32_t LcsByTable(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<std::vector<uint32_t>> t(a.size() + 1, std::vector<uint32_t>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
    }
  }
  return t[a.size()][b.size()];
}

TEST(LcsLengthTest, KnownAnswers) {
  LcsPattern s;
  using V = std::vector<uint64_t>;
  EXPECT_EQ(LcsLength(V{}, V{}, &s), 0u);
  EXPECT_EQ(LcsLength(V{1, 2, 3}, V{}, &s), 0u);
  EXPECT_EQ(LcsLength(V{}, V{1, 2, 3}, &s), 0u);
  EXPECT_EQ(LcsLength(V{1, 2, 3}, V{1, 2, 3}, &s), 3u);
  EXPECT_EQ(LcsLength(V{1, 2, 3}, V{3, 2, 1}, &s), 1u);
  EXPECT_EQ(LcsLength(V{1, 2, 3}, V{4, 5, 6}, &s), 0u);
  // "ABCBDAB" / "BDCABA": 4 (BCBA).
  EXPECT_EQ(LcsLength(V{'A', 'B', 'C', 'B', 'D', 'A', 'B'}, V{'B', 'D', 'C', 'A', 'B', 'A'}, &s),
            4u);
  // Repeats: a word many times in one sequence matches as often as the other holds it.
  EXPECT_EQ(LcsLength(V(100, 7), V(30, 7), &s), 30u);
  EXPECT_EQ(LcsLength(V(30, 7), V(100, 7), &s), 30u);
  // Hashes that differ only in their high bits are different words.
  EXPECT_EQ(LcsLength(V{1, uint64_t{1} << 63}, V{(uint64_t{1} << 63) | 1, 1}, &s), 1u);
}

// Identical sequences and one-word edits at every length across word boundaries (the carry of the
// addition crossing from one 64-bit word of the bit vector to the next).
TEST(LcsLengthTest, LengthsAcrossWordBoundaries) {
  LcsPattern s;
  for (size_t n : {1, 2, 63, 64, 65, 127, 128, 129, 191, 192, 193, 300}) {
    std::vector<uint64_t> a(n);
    for (size_t i = 0; i < n; ++i) a[i] = i * 0x9E3779B97F4A7C15ull;
    EXPECT_EQ(LcsLength(a, a, &s), n) << n;
    std::vector<uint64_t> b = a;
    b.erase(b.begin() + static_cast<ptrdiff_t>(n / 2));
    EXPECT_EQ(LcsLength(a, b, &s), n - 1) << n;
    EXPECT_EQ(LcsLength(b, a, &s), n - 1) << n;
    b = a;
    b[n - 1] = 0xFFFF;
    EXPECT_EQ(LcsLength(a, b, &s), n - 1) << n;
    std::vector<uint64_t> reversed(a.rbegin(), a.rend());
    EXPECT_EQ(LcsLength(a, reversed, &s), 1u) << n;
  }
}

TEST(LcsLengthTest, MatchesTheDynamicProgrammingOnRandomSequences) {
  SplitMix64 rng(TestSeed());
  LcsPattern s;  // reused across sizes, as the clusterer does
  for (int round = 0; round < 3000; ++round) {
    const size_t n = rng.Next() % 260, m = rng.Next() % 260;
    // Alphabets from 2 words (long common subsequences, long carry chains) to 1,000.
    const uint64_t alphabet = round % 3 == 0 ? 2 : round % 3 == 1 ? 12 : 1000;
    std::vector<uint64_t> a(n), b(m);
    for (uint64_t& x : a) x = rng.Next() % alphabet * 0xD6E8FEB86659FD93ull;
    for (uint64_t& x : b) x = rng.Next() % alphabet * 0xD6E8FEB86659FD93ull;
    ASSERT_EQ(LcsLength(a, b, &s), LcsByTable(a, b)) << "round " << round << " n=" << n
                                                     << " m=" << m << " alphabet=" << alphabet;
    // The pattern of a, kept, against a second sequence (as the clusterer compares one quotation
    // with many).
    std::vector<uint64_t> c(rng.Next() % 260);
    for (uint64_t& x : c) x = rng.Next() % alphabet * 0xD6E8FEB86659FD93ull;
    ASSERT_EQ(s.Length(c), LcsByTable(a, c)) << "round " << round;
  }
}

}  // namespace
}  // namespace naql::internal
