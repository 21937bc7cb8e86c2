// Tests of naql::OffsetMap::ToOriginal on hand-built maps and against a brute-force definition on
// random maps (seeded; NAQL_TEST_SEED overrides the seed).

#include "naql/offset_map.h"

#include <gtest/gtest.h>

#include <ostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "testing.h"

namespace naql {

// Readable spans in failure messages (found by argument-dependent lookup, so in namespace naql).
void PrintTo(const OriginalSpan& span, std::ostream* os) {
  *os << "{bytes [" << span.byte_begin << ", " << span.byte_end << "), code points ["
      << span.cp_begin << ", " << span.cp_end << ")}";
}

namespace {

// Builds a map from (byte, code point) source starts and the original's length.
OffsetMap Make(const std::vector<std::pair<uint32_t, uint32_t>>& starts, uint32_t bytes,
               uint32_t code_points) {
  OffsetMap map;
  map.Reserve(starts.size());
  for (const auto& [byte, cp] : starts) map.Append(byte, cp);
  map.Finish(bytes, code_points);
  return map;
}

TEST(OffsetMapTest, EmptyMap) {
  const OffsetMap map = Make({}, 0, 0);
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.original_bytes(), 0u);
  EXPECT_TRUE(map.byte_begins().empty());
}

TEST(OffsetMapTest, OneToOne) {
  // "abc": each folded code point is one original byte.
  const OffsetMap map = Make({{0, 0}, {1, 1}, {2, 2}}, 3, 3);
  EXPECT_EQ(map.ToOriginal(0, 1), (OriginalSpan{0, 1, 0, 1}));
  EXPECT_EQ(map.ToOriginal(1, 3), (OriginalSpan{1, 3, 1, 3}));
  EXPECT_EQ(map.ToOriginal(0, 3), (OriginalSpan{0, 3, 0, 3}));
}

TEST(OffsetMapTest, ExpansionSharesOneSource) {
  // ب ﻻ ب: the ligature (bytes 2..5, one code point) became two folded code points.
  const OffsetMap map = Make({{0, 0}, {2, 1}, {2, 1}, {5, 2}}, 7, 3);
  EXPECT_EQ(map.ToOriginal(1, 2), (OriginalSpan{2, 5, 1, 2}));
  EXPECT_EQ(map.ToOriginal(2, 3), (OriginalSpan{2, 5, 1, 2}));
  EXPECT_EQ(map.ToOriginal(1, 3), (OriginalSpan{2, 5, 1, 2}));
  EXPECT_EQ(map.ToOriginal(0, 2), (OriginalSpan{0, 5, 0, 2})) << "ends after the whole expansion";
}

TEST(OffsetMapTest, ExpansionAtTheEnd) {
  const OffsetMap map = Make({{0, 0}, {1, 1}, {1, 1}, {1, 1}}, 4, 2);
  EXPECT_EQ(map.ToOriginal(1, 2), (OriginalSpan{1, 4, 1, 2}));
  EXPECT_EQ(map.ToOriginal(3, 4), (OriginalSpan{1, 4, 1, 2}));
}

TEST(OffsetMapTest, RemovedCharacters) {
  // Original: [tatweel][kaf][fatha][teh][shadda] — 2 bytes each, the first and the marks removed.
  // Folded: kaf teh. The leading tatweel belongs to no source; the fatha belongs to the kaf and
  // the shadda to the teh, up to the end of the text.
  const OffsetMap map = Make({{2, 1}, {6, 3}}, 10, 5);
  EXPECT_EQ(map.ToOriginal(0, 1), (OriginalSpan{2, 6, 1, 3}));
  EXPECT_EQ(map.ToOriginal(1, 2), (OriginalSpan{6, 10, 3, 5}));
  EXPECT_EQ(map.ToOriginal(0, 2), (OriginalSpan{2, 10, 1, 5}));
}

TEST(OffsetMapTest, ClearAndReuse) {
  OffsetMap map = Make({{0, 0}, {3, 1}}, 5, 2);
  map.Clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.original_bytes(), 0u);
  EXPECT_EQ(map.original_code_points(), 0u);
  map.Append(1, 1);
  map.Finish(2, 2);
  EXPECT_EQ(map.ToOriginal(0, 1), (OriginalSpan{1, 2, 1, 2}));
}

// Brute force: the source of folded code point j is [start_j, next different start or the end).
TEST(OffsetMapTest, AgreesWithBruteForceOnRandomMaps) {
  const uint64_t seed = naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  naql::testing::SplitMix64 rng(seed);
  for (int iteration = 0; iteration < 500; ++iteration) {
    // Monotone source starts: each step either repeats (expansion) or advances by 1-4 code points
    // of 1-4 bytes each (with removed characters in between).
    std::vector<std::pair<uint32_t, uint32_t>> starts;
    uint32_t byte = static_cast<uint32_t>(rng.Uniform(3)), cp = byte;
    const size_t size = 1 + rng.Uniform(40);
    for (size_t j = 0; j < size; ++j) {
      starts.emplace_back(byte, cp);
      if (rng.Bernoulli(0.2)) continue;  // the next one shares this source
      const uint32_t cps = 1 + static_cast<uint32_t>(rng.Uniform(4));
      for (uint32_t k = 0; k < cps; ++k) byte += 1 + static_cast<uint32_t>(rng.Uniform(4));
      cp += cps;
    }
    const uint32_t end_bytes = byte + static_cast<uint32_t>(rng.Uniform(2)) * 3;
    const uint32_t end_cps = cp + (end_bytes != byte);
    // The last source may run to the end only if it advanced past its start.
    if (starts.back().first == end_bytes) continue;
    const OffsetMap map = Make(starts, end_bytes, end_cps);
    auto source_end = [&](size_t j) -> std::pair<uint32_t, uint32_t> {
      for (size_t k = j + 1; k < starts.size(); ++k) {
        if (starts[k].first != starts[j].first) return starts[k];
      }
      return {end_bytes, end_cps};
    };
    for (uint32_t b = 0; b < size; ++b) {
      for (uint32_t e = b + 1; e <= size; ++e) {
        const auto [byte_end, cp_end] = source_end(e - 1);
        const OriginalSpan expected{starts[b].first, byte_end, starts[b].second, cp_end};
        ASSERT_EQ(map.ToOriginal(b, e), expected)
            << "iteration " << iteration << " [" << b << ", " << e << ")";
      }
    }
  }
}

}  // namespace
}  // namespace naql
