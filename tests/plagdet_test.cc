// Span quality of the aligner on planted passages with realistic edits (tests/support/
// planted_pairs.h), measured with the PAN text-alignment measures (tests/support/pan_metrics.h).
// Also the known answers of the measures themselves.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "naql/aligner.h"
#include "naql/normalizer.h"
#include "naql/tokenizer.h"
#include "pan_metrics.h"
#include "planted_pairs.h"
#include "testing.h"

namespace naql {
namespace {

using ::naql::testing::CharRange;
using ::naql::testing::ComputePanScores;
using ::naql::testing::PanScores;
using ::naql::testing::PassagePair;

// ---- The measures -------------------------------------------------------------------------

PassagePair P(uint32_t pair, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1) {
  return PassagePair{pair, CharRange{a0, a1}, CharRange{b0, b1}};
}

TEST(PanMetricsTest, PerfectDetection) {
  const std::vector<PassagePair> cases = {P(0, 0, 100, 0, 100), P(1, 50, 80, 10, 30)};
  const PanScores s = ComputePanScores(cases, cases);
  EXPECT_EQ(s.precision, 1.0);
  EXPECT_EQ(s.recall, 1.0);
  EXPECT_EQ(s.granularity, 1.0);
  EXPECT_EQ(s.plagdet, 1.0);
  EXPECT_EQ(s.detected_cases, 2u);
}

TEST(PanMetricsTest, HeaderExample) {
  const PanScores s = ComputePanScores({P(0, 10, 60, 200, 250)}, {P(0, 12, 60, 200, 240)});
  EXPECT_DOUBLE_EQ(s.recall, 88.0 / 100);
  EXPECT_DOUBLE_EQ(s.precision, 1.0);
  EXPECT_DOUBLE_EQ(s.plagdet, 2 * 0.88 / 1.88);
}

TEST(PanMetricsTest, PartialRecallAndPrecision) {
  // Half of the case, in both documents.
  PanScores s = ComputePanScores({P(0, 0, 100, 0, 100)}, {P(0, 0, 50, 0, 50)});
  EXPECT_DOUBLE_EQ(s.recall, 0.5);
  EXPECT_DOUBLE_EQ(s.precision, 1.0);
  EXPECT_DOUBLE_EQ(s.plagdet, 2 * 0.5 / 1.5);
  // A detection four times the case.
  s = ComputePanScores({P(0, 10, 20, 10, 20)}, {P(0, 0, 40, 0, 40)});
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  EXPECT_DOUBLE_EQ(s.precision, 0.25);
  // A correct detection plus a false one in another pair: precision is averaged per detection.
  s = ComputePanScores({P(0, 0, 100, 0, 100)}, {P(0, 0, 100, 0, 100), P(1, 0, 10, 0, 10)});
  EXPECT_DOUBLE_EQ(s.precision, 0.5);
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  // Recall is averaged per case: one of two cases found.
  s = ComputePanScores({P(0, 0, 100, 0, 100), P(0, 200, 300, 200, 300)}, {P(0, 0, 100, 0, 100)});
  EXPECT_DOUBLE_EQ(s.recall, 0.5);
  EXPECT_DOUBLE_EQ(s.precision, 1.0);
}

TEST(PanMetricsTest, GranularityCountsPieces) {
  // The case cut in two: full recall and precision, granularity 2.
  const PanScores s =
      ComputePanScores({P(0, 0, 100, 0, 100)}, {P(0, 0, 50, 0, 50), P(0, 50, 100, 50, 100)});
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  EXPECT_DOUBLE_EQ(s.precision, 1.0);
  EXPECT_DOUBLE_EQ(s.granularity, 2.0);
  EXPECT_DOUBLE_EQ(s.plagdet, 1.0 / std::log2(3.0));
  // Overlapping detections count their common characters once.
  const PanScores overlap =
      ComputePanScores({P(0, 0, 100, 0, 100)}, {P(0, 0, 80, 0, 80), P(0, 20, 100, 20, 100)});
  EXPECT_DOUBLE_EQ(overlap.recall, 1.0);
  EXPECT_DOUBLE_EQ(overlap.granularity, 2.0);
}

TEST(PanMetricsTest, OverlapInOneDocumentOnlyDetectsNothing) {
  const PanScores s = ComputePanScores({P(0, 0, 100, 0, 100)}, {P(0, 0, 100, 200, 300)});
  EXPECT_EQ(s.recall, 0.0);
  EXPECT_EQ(s.precision, 0.0);
  EXPECT_EQ(s.detected_cases, 0u);
  EXPECT_EQ(s.granularity, 1.0);
  EXPECT_EQ(s.plagdet, 0.0);
  // Same ranges, different pair.
  EXPECT_EQ(ComputePanScores({P(0, 0, 100, 0, 100)}, {P(1, 0, 100, 0, 100)}).recall, 0.0);
}

TEST(PanMetricsTest, EmptySets) {
  PanScores s = ComputePanScores({}, {});
  EXPECT_EQ(s.precision, 1.0);
  EXPECT_EQ(s.recall, 1.0);
  s = ComputePanScores({P(0, 0, 10, 0, 10)}, {});
  EXPECT_EQ(s.recall, 0.0);
  EXPECT_EQ(s.plagdet, 0.0);
  s = ComputePanScores({}, {P(0, 0, 10, 0, 10)});
  EXPECT_EQ(s.precision, 0.0);
}

// ---- The aligner on planted passages -------------------------------------------------------

uint32_t CodePoints(const std::string& s, size_t bytes) {
  uint32_t count = 0;
  for (size_t i = 0; i < bytes; ++i) count += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return count;
}

// The code point range [begin, end) of `s` as UTF-8.
std::string Slice(const std::string& s, uint32_t begin, uint32_t end) {
  size_t byte = 0, from = std::string::npos;
  uint32_t cp = 0;
  for (; byte < s.size(); ++byte) {
    if ((static_cast<unsigned char>(s[byte]) & 0xC0) == 0x80) continue;
    if (cp == begin) from = byte;
    if (cp == end) break;
    ++cp;
  }
  return from == std::string::npos ? "" : s.substr(from, byte - from);
}

TEST(PlantedPairsTest, TruthSlicesThePassages) {
  testing::PlantedPairOptions options;
  options.seed = testing::TestSeed();
  options.pairs = 20;
  const std::vector<testing::PlantedPair> pairs = MakePlantedPairs(options, testing::SeedArticles());
  ASSERT_EQ(pairs.size(), 20u);
  size_t passages = 0;
  for (const testing::PlantedPair& pair : pairs) {
    EXPECT_FALSE(pair.truth.empty());
    for (const PassagePair& t : pair.truth) {
      ++passages;
      EXPECT_GT(t.a.size(), 30u);
      EXPECT_GT(t.b.size(), 30u);
      EXPECT_LE(t.a.end, CodePoints(pair.a, pair.a.size()));
      EXPECT_LE(t.b.end, CodePoints(pair.b, pair.b.size()));
      // Ranges start and end on letters or digits.
      for (const std::string& piece :
           {Slice(pair.a, t.a.begin, t.a.begin + 1), Slice(pair.a, t.a.end - 1, t.a.end),
            Slice(pair.b, t.b.begin, t.b.begin + 1), Slice(pair.b, t.b.end - 1, t.b.end)}) {
        ASSERT_FALSE(piece.empty());
        EXPECT_TRUE(piece.find_first_of(" .,:;!?\"'()\n") == std::string::npos) << piece;
      }
    }
  }
  EXPECT_GE(passages, 20u);
  // Deterministic.
  const std::vector<testing::PlantedPair> again = MakePlantedPairs(options, testing::SeedArticles());
  for (size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(pairs[i].a, again[i].a);
    EXPECT_EQ(pairs[i].b, again[i].b);
  }
}

PanScores AlignAndScore(const std::vector<testing::PlantedPair>& pairs,
                        const AlignerOptions& options) {
  const Normalizer normalizer;
  const Tokenizer tokenizer;
  const Aligner aligner(options);
  std::vector<PassagePair> truth, detections;
  NormalizedText text_a, text_b;
  std::vector<Token> tokens_a, tokens_b;
  for (uint32_t p = 0; p < pairs.size(); ++p) {
    truth.insert(truth.end(), pairs[p].truth.begin(), pairs[p].truth.end());
    normalizer.Normalize(pairs[p].a, &text_a);
    normalizer.Normalize(pairs[p].b, &text_b);
    tokenizer.Tokenize(text_a, &tokens_a);
    tokenizer.Tokenize(text_b, &tokens_b);
    for (const Span& s : aligner.Align({&text_a, tokens_a}, {&text_b, tokens_b})) {
      detections.push_back(
          PassagePair{p, CharRange{s.a.cp_begin, s.a.cp_end}, CharRange{s.b.cp_begin, s.b.cp_end}});
    }
  }
  return ComputePanScores(truth, detections);
}

// The expectation of the issue: PlagDet >= 0.85 on passages carrying spelling variants, dropped
// and added words, changed quote marks and reordered sentences; and clearly better than exact-only
// alignment, which finds such passages only in fragments.
TEST(PlagDetTest, EditTolerantSpansOnPlantedPassages) {
  testing::PlantedPairOptions options;
  options.seed = testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", options.seed));
  options.pairs = 80;
  const std::vector<testing::PlantedPair> pairs = MakePlantedPairs(options, testing::SeedArticles());
  uint32_t reordered = 0;
  for (const auto& pair : pairs) reordered += pair.reordered;
  EXPECT_GT(reordered, 5u);

  const PanScores tolerant = AlignAndScore(pairs, AlignerOptions());
  AlignerOptions exact_options;
  exact_options.edit_tolerant = false;
  const PanScores exact = AlignAndScore(pairs, exact_options);
  std::printf("edit-tolerant: %s\nexact-only:    %s\n", tolerant.DebugString().c_str(),
              exact.DebugString().c_str());
  EXPECT_GE(tolerant.plagdet, 0.85) << tolerant.DebugString();
  EXPECT_GE(tolerant.precision, 0.9);
  EXPECT_GE(tolerant.recall, 0.85);
  EXPECT_LT(tolerant.granularity, 1.1);
  EXPECT_GT(tolerant.plagdet, exact.plagdet + 0.1);
}

// Heavier edits: the score degrades gracefully rather than collapsing.
TEST(PlagDetTest, HeavierEditsDegradeGracefully) {
  testing::PlantedPairOptions options;
  options.seed = testing::TestSeed() + 1;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", options.seed - 1));
  options.pairs = 60;
  options.spelling_rate = 0.15;
  options.drop_rate = 0.08;
  options.add_rate = 0.08;
  options.replace_rate = 0.04;
  const PanScores s = AlignAndScore(MakePlantedPairs(options, testing::SeedArticles()), AlignerOptions());
  std::printf("heavier edits: %s\n", s.DebugString().c_str());
  EXPECT_GE(s.plagdet, 0.7) << s.DebugString();
}

}  // namespace
}  // namespace naql
