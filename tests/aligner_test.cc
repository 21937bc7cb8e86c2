// Tests of naql::Aligner on hand-built token sequences (no normalizer needed): known answers for
// the spelling-variant rule, exact copies, the max_gap and reordering rules, a brute-force
// Smith–Waterman oracle for edit-tolerant mode, a brute-force maximal-run oracle for exact-only
// mode, and properties every result must have. Randomized tests print their seed; replay one with
// NAQL_TEST_SEED=<seed>.

#include "naql/aligner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "testing.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace naql {
namespace {

using ::naql::testing::SplitMix64;
using ::naql::testing::TestSeed;

// A document whose original text is its words joined by spaces; the "folded" text is the same
// text, so every offset map entry is the identity. Each token's hash is XXH3 of the word.
struct Doc {
  std::vector<std::string> words;
  std::string original;
  NormalizedText text;
  std::vector<Token> tokens;

  TokenSequence sequence() const { return TokenSequence{&text, tokens}; }
};

uint32_t CountCodePoints(absl::string_view s) {
  uint32_t count = 0;
  for (unsigned char c : s) count += (c & 0xC0) != 0x80;
  return count;
}

Doc MakeDoc(std::vector<std::string> words) {
  Doc doc;
  doc.words = std::move(words);
  doc.original = absl::StrJoin(doc.words, " ");
  doc.text.text = doc.original;
  uint32_t cp = 0;
  for (uint32_t byte = 0; byte < doc.original.size(); ++byte) {
    if ((static_cast<unsigned char>(doc.original[byte]) & 0xC0) == 0x80) continue;
    doc.text.map.Append(byte, cp++);
  }
  doc.text.map.Finish(static_cast<uint32_t>(doc.original.size()), cp);
  uint32_t byte = 0;
  cp = 0;
  for (const std::string& word : doc.words) {
    Token token;
    token.hash = XXH3_64bits_withSeed(word.data(), word.size(), 17);
    token.folded_begin = token.stem_begin = byte;
    token.folded_end = byte + static_cast<uint32_t>(word.size());
    token.original = OriginalSpan{byte, token.folded_end, cp, cp + CountCodePoints(word)};
    doc.tokens.push_back(token);
    byte = token.folded_end + 1;
    cp = token.original.cp_end + 1;
  }
  return doc;
}

// Random lowercase words of 4..8 letters: two random words are almost never spelling variants.
std::string RandomWord(SplitMix64& rng) {
  std::string word(4 + rng.Uniform(5), 'a');
  for (char& c : word) c = static_cast<char>('a' + rng.Uniform(26));
  return word;
}

std::vector<std::string> RandomWords(SplitMix64& rng, const std::vector<std::string>& vocabulary,
                                     size_t count) {
  std::vector<std::string> words;
  for (size_t i = 0; i < count; ++i) words.push_back(vocabulary[rng.Uniform(vocabulary.size())]);
  return words;
}

// `count` newly drawn random words: filler that (almost surely) matches nothing else.
std::vector<std::string> FreshWords(SplitMix64& rng, size_t count) {
  std::vector<std::string> words;
  for (size_t i = 0; i < count; ++i) words.push_back(RandomWord(rng));
  return words;
}

// One letter changed: a spelling variant under the default rule (words of >= 4 letters).
std::string Misspell(SplitMix64& rng, std::string word) {
  const size_t at = rng.Uniform(word.size());
  word[at] = static_cast<char>(word[at] == 'z' ? 'y' : word[at] + 1);
  return word;
}

// A copy of `words` with per-word substitution, variant, deletion and insertion probabilities.
std::vector<std::string> Edit(SplitMix64& rng, const std::vector<std::string>& words,
                              const std::vector<std::string>& vocabulary, double substitute,
                              double variant, double remove, double insert) {
  std::vector<std::string> out;
  for (const std::string& word : words) {
    if (rng.Bernoulli(insert)) out.push_back(vocabulary[rng.Uniform(vocabulary.size())]);
    if (rng.Bernoulli(remove)) continue;
    if (rng.Bernoulli(substitute)) {
      out.push_back(vocabulary[rng.Uniform(vocabulary.size())]);
    } else if (rng.Bernoulli(variant)) {
      out.push_back(Misspell(rng, word));
    } else {
      out.push_back(word);
    }
  }
  return out;
}

std::vector<std::string> Concat(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// ---- Oracles ------------------------------------------------------------------------------

// TokenSimilarity, memoized: in these documents a token's hash identifies its stem, and the
// oracles below ask for the same pairs millions of times (slow under sanitizers otherwise).
double Similarity(const Doc& a, uint32_t i, const Doc& b, uint32_t j, const AlignerOptions& o) {
  static auto* cache =
      new absl::flat_hash_map<std::tuple<uint64_t, uint64_t, uint32_t, uint32_t, bool>, double>();
  const auto key = std::make_tuple(a.tokens[i].hash, b.tokens[j].hash, o.fuzzy_min_letters,
                                   o.fuzzy_two_edit_letters, o.fuzzy_proclitics);
  auto it = cache->find(key);
  if (it == cache->end()) {
    it = cache->emplace(key, TokenSimilarity(&a.text, a.tokens[i], &b.text, b.tokens[j], o)).first;
  }
  return it->second;
}

double PairScore(const Doc& a, uint32_t i, const Doc& b, uint32_t j, const AlignerOptions& o) {
  const double sigma = Similarity(a, i, b, j, o);
  if (sigma >= 1) return o.match_score;
  if (sigma > 0) return o.mismatch_score + (o.match_score - o.mismatch_score) * sigma;
  return o.mismatch_score;
}

struct LocalOptimum {
  double score = 0;
  uint32_t a_begin = 0, a_end = 0, b_begin = 0, b_end = 0;
  uint32_t longest_exact_run = 0;  // longest run of equal tokens along the optimal path
};

// Full O(nm) Smith–Waterman with a linear gap cost and the aligner's pair scores. Ties go, like
// the aligner's, to the longer alignment: the last optimal cell in row-major order, and paths
// continued through stretches that score zero rather than restarted.
LocalOptimum SmithWaterman(const Doc& a, const Doc& b, const AlignerOptions& o) {
  const size_t n = a.tokens.size(), m = b.tokens.size();
  enum : uint8_t { kStop, kDiag, kUp, kLeft };
  std::vector<double> h((n + 1) * (m + 1), 0.0);
  std::vector<uint8_t> from((n + 1) * (m + 1), kStop);
  auto at = [m](size_t i, size_t j) { return i * (m + 1) + j; };
  LocalOptimum best;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      double v = 0;
      uint8_t step = kStop;
      const double diag = h[at(i - 1, j - 1)] + PairScore(a, i - 1, b, j - 1, o);
      const double up = h[at(i - 1, j)] + o.gap_score;
      const double left = h[at(i, j - 1)] + o.gap_score;
      if (diag >= v) v = diag, step = kDiag;
      if (up > v) v = up, step = kUp;
      if (left > v) v = left, step = kLeft;
      h[at(i, j)] = v;
      from[at(i, j)] = step;
      if (v > 0 && v >= best.score - 1e-9) {
        best.score = v;
        best.a_end = static_cast<uint32_t>(i);
        best.b_end = static_cast<uint32_t>(j);
      }
    }
  }
  size_t i = best.a_end, j = best.b_end;
  uint32_t run = 0;
  while (i > 0 && j > 0 && from[at(i, j)] != kStop) {
    const uint8_t step = from[at(i, j)];
    if (step == kDiag) {
      run = a.tokens[i - 1].hash == b.tokens[j - 1].hash ? run + 1 : 0;
      best.longest_exact_run = std::max(best.longest_exact_run, run);
      --i, --j;
    } else {
      run = 0;
      step == kUp ? --i : --j;
    }
  }
  best.a_begin = static_cast<uint32_t>(i);
  best.b_begin = static_cast<uint32_t>(j);
  return best;
}

// Best global (Needleman–Wunsch) score of a[a0, a1) against b[b0, b1): the score of the best
// alignment that a span's ranges can carry.
double GlobalScore(const Doc& a, uint32_t a0, uint32_t a1, const Doc& b, uint32_t b0, uint32_t b1,
                   const AlignerOptions& o) {
  const size_t n = a1 - a0, m = b1 - b0;
  std::vector<double> prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = o.gap_score * j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = o.gap_score * i;
    for (size_t j = 1; j <= m; ++j) {
      cur[j] = std::max({prev[j - 1] + PairScore(a, a0 + i - 1, b, b0 + j - 1, o),
                         prev[j] + o.gap_score, cur[j - 1] + o.gap_score});
    }
    std::swap(prev, cur);
  }
  return prev[m];
}

double RangeJaccard(uint32_t b1, uint32_t e1, uint32_t b2, uint32_t e2) {
  const double inter = std::max<int64_t>(0, int64_t{std::min(e1, e2)} - std::max(b1, b2));
  const double uni = std::max(e1, e2) - std::min(b1, b2);
  return uni > 0 ? inter / uni : 0;
}

// The properties every Align() result has (see aligner.h).
void ExpectWellFormed(const Doc& a, const Doc& b, const std::vector<Span>& spans,
                      const AlignerOptions& o) {
  for (size_t s = 0; s < spans.size(); ++s) {
    SCOPED_TRACE(absl::StrCat("span ", s));
    const Span& span = spans[s];
    ASSERT_LT(span.a_token_begin, span.a_token_end);
    ASSERT_LT(span.b_token_begin, span.b_token_end);
    ASSERT_LE(span.a_token_end, a.tokens.size());
    ASSERT_LE(span.b_token_end, b.tokens.size());
    if (s > 0) {
      EXPECT_LE(spans[s - 1].a_token_end, span.a_token_begin) << "ordered, disjoint in a";
    }
    for (size_t t = 0; t < s; ++t) {
      EXPECT_TRUE(spans[t].b_token_end <= span.b_token_begin ||
                  span.b_token_end <= spans[t].b_token_begin)
          << "disjoint in b with span " << t;
    }
    const uint32_t aw = span.a_words(), bw = span.b_words();
    EXPECT_GE(std::min(aw, bw), o.min_words);
    EXPECT_EQ(span.words, std::max(aw, bw));
    EXPECT_LE(span.matches, std::min(aw, bw));
    EXPECT_GE(span.edits + span.matches, std::max(aw, bw));
    EXPECT_LE(span.edits + 2 * span.matches, aw + bw);
    EXPECT_GE(span.similarity, 0.0);
    EXPECT_LE(span.similarity, 1.0);
    EXPECT_NEAR(span.similarity, 2.0 * span.matches / (aw + bw), 1e-12);
    EXPECT_GE(span.similarity, o.min_similarity - 1e-12);
    EXPECT_FALSE(span.quote);
    // Begins and ends with a matching pair of words; when joined from reordered parts, each
    // edge word still has a match inside the other side's range.
    auto matched_in_b = [&](uint32_t i) {
      for (uint32_t j = span.b_token_begin; j < span.b_token_end; ++j) {
        if (Similarity(a, i, b, j, o) > 0) return true;
      }
      return false;
    };
    auto matched_in_a = [&](uint32_t j) {
      for (uint32_t i = span.a_token_begin; i < span.a_token_end; ++i) {
        if (Similarity(a, i, b, j, o) > 0) return true;
      }
      return false;
    };
    if (!o.edit_tolerant || !o.join_reordered) {
      EXPECT_GT(TokenSimilarity(&a.text, a.tokens[span.a_token_begin], &b.text,
                                b.tokens[span.b_token_begin], o),
                0.0);
      EXPECT_GT(TokenSimilarity(&a.text, a.tokens[span.a_token_end - 1], &b.text,
                                b.tokens[span.b_token_end - 1], o),
                0.0);
    }
    EXPECT_TRUE(matched_in_b(span.a_token_begin));
    EXPECT_TRUE(matched_in_b(span.a_token_end - 1));
    EXPECT_TRUE(matched_in_a(span.b_token_begin));
    EXPECT_TRUE(matched_in_a(span.b_token_end - 1));
    // Original offsets slice real text: from the first word to the last, in bytes and code points.
    for (const auto& [doc, range, begin, end] :
         {std::tuple<const Doc*, OriginalSpan, uint32_t, uint32_t>{&a, span.a, span.a_token_begin,
                                                                   span.a_token_end},
          std::tuple<const Doc*, OriginalSpan, uint32_t, uint32_t>{&b, span.b, span.b_token_begin,
                                                                   span.b_token_end}}) {
      const std::string expected =
          absl::StrJoin(doc->words.begin() + begin, doc->words.begin() + end, " ");
      ASSERT_LE(range.byte_end, doc->original.size());
      EXPECT_EQ(doc->original.substr(range.byte_begin, range.byte_end - range.byte_begin),
                expected);
      EXPECT_EQ(range.cp_begin, CountCodePoints(doc->original.substr(0, range.byte_begin)));
      EXPECT_EQ(range.cp_end - range.cp_begin, CountCodePoints(expected));
    }
  }
}

// ---- Options and token similarity ------------------------------------------------------------

TEST(AlignerOptionsTest, DefaultsAreValid) { EXPECT_TRUE(AlignerOptions().Validate().ok()); }

TEST(AlignerOptionsTest, RejectsEachFieldOutOfRange) {
  std::vector<std::pair<const char*, void (*)(AlignerOptions&)>> bad = {
      {"min_words", [](AlignerOptions& o) { o.min_words = 0; }},
      {"max_gap", [](AlignerOptions& o) { o.max_gap = 1001; }},
      {"seed_size", [](AlignerOptions& o) { o.seed_size = 0; }},
      {"seed_size", [](AlignerOptions& o) { o.seed_size = 33; }},
      {"tolerant_seed_size", [](AlignerOptions& o) { o.tolerant_seed_size = 0; }},
      {"max_seed_occurrences", [](AlignerOptions& o) { o.max_seed_occurrences = 0; }},
      {"min_anchor_words", [](AlignerOptions& o) { o.min_anchor_words = 0; }},
      {"min_similarity", [](AlignerOptions& o) { o.min_similarity = 1.5; }},
      {"min_similarity", [](AlignerOptions& o) { o.min_similarity = std::nan(""); }},
      {"match_score", [](AlignerOptions& o) { o.match_score = 0; }},
      {"mismatch_score", [](AlignerOptions& o) { o.mismatch_score = 0.5; }},
      {"gap_score", [](AlignerOptions& o) { o.gap_score = 0; }},
      {"fuzzy_min_letters", [](AlignerOptions& o) { o.fuzzy_min_letters = 1; }},
      {"fuzzy_two_edit_letters", [](AlignerOptions& o) { o.fuzzy_two_edit_letters = 33; }},
      {"fuzzy_two_edit_letters", [](AlignerOptions& o) { o.fuzzy_two_edit_letters = 3; }},
  };
  for (const auto& [field, mutate] : bad) {
    AlignerOptions o;
    mutate(o);
    const absl::Status status = o.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_NE(status.message().find(field), absl::string_view::npos) << status;
  }
  AlignerOptions edge;
  edge.max_gap = 0;
  edge.fuzzy_min_letters = 0;
  edge.fuzzy_two_edit_letters = 0;
  EXPECT_TRUE(edge.Validate().ok());
}

TEST(StemSimilarityTest, KnownAnswers) {
  const AlignerOptions o;
  EXPECT_EQ(StemSimilarity("امريكي", "امريكي", o), 1.0);
  // A transposition is one edit (optimal string alignment): الأميركي/الأمريكي.
  EXPECT_DOUBLE_EQ(StemSimilarity("اميركي", "امريكي", o), 1.0 - 1.0 / 6);
  // An inserted letter: ميلي/ميللي.
  EXPECT_DOUBLE_EQ(StemSimilarity("ميلي", "ميللي", o), 1.0 - 1.0 / 5);
  // A substituted letter in a four-letter stem: نؤكد/أؤكد after folding.
  EXPECT_DOUBLE_EQ(StemSimilarity("نوكد", "اوكد", o), 0.75);
  // An unstripped clitic: تسليط/لتسليط.
  EXPECT_DOUBLE_EQ(StemSimilarity("تسليط", "لتسليط", o), 1.0 - 1.0 / 6);
  // Three letters are too short to tell a variant from another word.
  EXPECT_EQ(StemSimilarity("جاء", "جاي", o), 0.0);
  // ... except behind a one-letter proclitic the tokenizer keeps on short words.
  EXPECT_DOUBLE_EQ(StemSimilarity("من", "ومن", o), 1.0 - 1.0 / 3);
  EXPECT_DOUBLE_EQ(StemSimilarity("فلا", "لا", o), 1.0 - 1.0 / 3);
  EXPECT_DOUBLE_EQ(StemSimilarity("بان", "ان", o), 1.0 - 1.0 / 3);
  EXPECT_EQ(StemSimilarity("م", "وم", o), 0.0);    // the stem needs two letters
  EXPECT_EQ(StemSimilarity("من", "عمن", o), 0.0);  // ع is no proclitic
  EXPECT_EQ(StemSimilarity("من", "منو", o), 0.0);  // a suffix is not a proclitic
  EXPECT_EQ(StemSimilarity("ab", "wab", o), 0.0);
  // Two edits need both stems of >= 7 letters.
  EXPECT_EQ(StemSimilarity("تحركات", "تحرك", o), 0.0);
  EXPECT_DOUBLE_EQ(StemSimilarity("abcdefgh", "abcdefxy", o), 0.75);
  EXPECT_EQ(StemSimilarity("abcdefgh", "abcdexyz", o), 0.0);
  EXPECT_EQ(StemSimilarity("word", "text", o), 0.0);
  // Longer than 32 code points: only equality counts.
  EXPECT_EQ(StemSimilarity(std::string(33, 'a'), std::string(32, 'a') + "b", o), 0.0);
  AlignerOptions off;
  off.fuzzy_min_letters = 0;
  off.fuzzy_two_edit_letters = 0;
  EXPECT_EQ(StemSimilarity("ميلي", "ميللي", off), 0.0);
  EXPECT_DOUBLE_EQ(StemSimilarity("من", "ومن", off), 1.0 - 1.0 / 3);
  off.fuzzy_proclitics = false;
  EXPECT_EQ(StemSimilarity("من", "ومن", off), 0.0);
}

TEST(StemSimilarityTest, SymmetricAndBoundedOnRandomPairs) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  const AlignerOptions o;
  int variants = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string x(2 + rng.Uniform(9), 'a'), y;
    for (char& c : x) c = static_cast<char>('a' + rng.Uniform(4));
    y = rng.Bernoulli(0.5) ? Misspell(rng, x) : x.substr(0, x.size() - 1) + "d";
    const double xy = StemSimilarity(x, y, o), yx = StemSimilarity(y, x, o);
    EXPECT_EQ(xy, yx) << x << " " << y;
    EXPECT_GE(xy, 0.0);
    EXPECT_LE(xy, 1.0);
    if (xy > 0 && xy < 1) ++variants;
    if (std::min(x.size(), y.size()) < o.fuzzy_min_letters && x != y) {
      EXPECT_EQ(xy, 0.0);
    }
  }
  EXPECT_GT(variants, 500);
}

TEST(TokenSimilarityTest, EqualHashesAndNullTexts) {
  const Doc a = MakeDoc({"ميلي", "word"});
  const Doc b = MakeDoc({"ميللي", "word"});
  const AlignerOptions o;
  EXPECT_EQ(TokenSimilarity(&a.text, a.tokens[1], &b.text, b.tokens[1], o), 1.0);
  EXPECT_DOUBLE_EQ(TokenSimilarity(&a.text, a.tokens[0], &b.text, b.tokens[0], o), 0.8);
  EXPECT_EQ(TokenSimilarity(nullptr, a.tokens[0], &b.text, b.tokens[0], o), 0.0);
  EXPECT_EQ(TokenSimilarity(nullptr, a.tokens[1], nullptr, b.tokens[1], o), 1.0);
}

// ---- Exact copies, gaps, reordering ------------------------------------------------------

class BothModesTest : public ::testing::TestWithParam<bool> {
 protected:
  AlignerOptions Options() const {
    AlignerOptions o;
    o.edit_tolerant = GetParam();
    return o;
  }
};

TEST_P(BothModesTest, IdenticalSequencesGiveOneExactSpan) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 300; ++i) vocabulary.push_back(RandomWord(rng));
  vocabulary.push_back("القوات");
  vocabulary.push_back("الأمريكية");
  const Doc a = MakeDoc(RandomWords(rng, vocabulary, 400));
  const Doc b = MakeDoc(a.words);
  const std::vector<Span> spans = Aligner(Options()).Align(a.sequence(), b.sequence());
  ASSERT_EQ(spans.size(), 1u);
  const Span& s = spans[0];
  EXPECT_EQ(s.a_token_begin, 0u);
  EXPECT_EQ(s.a_token_end, 400u);
  EXPECT_EQ(s.b_token_begin, 0u);
  EXPECT_EQ(s.b_token_end, 400u);
  EXPECT_EQ(s.words, 400u);
  EXPECT_EQ(s.matches, 400u);
  EXPECT_EQ(s.edits, 0u);
  EXPECT_EQ(s.similarity, 1.0);
  EXPECT_EQ(s.a, (OriginalSpan{0, static_cast<uint32_t>(a.original.size()), 0,
                               CountCodePoints(a.original)}));
  EXPECT_EQ(s.b, s.a);
  ExpectWellFormed(a, b, spans, Options());
}

TEST_P(BothModesTest, ExactPassageInsideDifferentTextsGivesExactSpan) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 500; ++i) vocabulary.push_back(RandomWord(rng));
  for (int trial = 0; trial < 50; ++trial) {
    const std::vector<std::string> passage = RandomWords(rng, vocabulary, 8 + rng.Uniform(60));
    const size_t before_a = rng.Uniform(80), before_b = rng.Uniform(80);
    const Doc a =
        MakeDoc(Concat({FreshWords(rng, before_a), passage, FreshWords(rng, rng.Uniform(80))}));
    const Doc b =
        MakeDoc(Concat({FreshWords(rng, before_b), passage, FreshWords(rng, rng.Uniform(80))}));
    const std::vector<Span> spans = Aligner(Options()).Align(a.sequence(), b.sequence());
    ExpectWellFormed(a, b, spans, Options());
    // The passage is reported; it may grow by words that happen to match at its edges.
    bool found = false;
    for (const Span& s : spans) {
      if (s.a_token_begin <= before_a && s.a_token_end >= before_a + passage.size() &&
          s.b_token_begin <= before_b && s.b_token_end >= before_b + passage.size()) {
        found = true;
        EXPECT_LE(s.a_words(), passage.size() + 2);
      }
    }
    EXPECT_TRUE(found) << "trial " << trial;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, BothModesTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "EditTolerant" : "ExactOnly";
                         });

TEST(AlignerTest, EmptyAndShortSequencesGiveNoSpans) {
  const Doc empty = MakeDoc({});
  const Doc seven = MakeDoc({"one", "two", "three", "four", "five", "six", "seven"});
  const Aligner aligner;
  EXPECT_TRUE(aligner.Align(empty.sequence(), empty.sequence()).empty());
  EXPECT_TRUE(aligner.Align(empty.sequence(), seven.sequence()).empty());
  EXPECT_TRUE(aligner.Align(seven.sequence(), seven.sequence()).empty());  // < min_words
  AlignerOptions o;
  o.min_words = 7;
  EXPECT_EQ(Aligner(o).Align(seven.sequence(), seven.sequence()).size(), 1u);
}

// A passage with g words inserted in its middle in b: one span when g <= max_gap, two otherwise.
TEST(AlignerTest, GapsUpToMaxGapStayInOneSpan) {
  SplitMix64 rng(TestSeed());
  const std::vector<std::string> left = FreshWords(rng, 15);
  const std::vector<std::string> right = FreshWords(rng, 15);
  for (uint32_t max_gap : {0u, 2u, 5u, 9u}) {
    AlignerOptions o;
    o.max_gap = max_gap;
    for (uint32_t g = 0; g <= max_gap + 2; ++g) {
      SCOPED_TRACE(absl::StrCat("max_gap=", max_gap, " inserted=", g));
      const Doc a = MakeDoc(Concat({FreshWords(rng, 10), left, right, FreshWords(rng, 10)}));
      const Doc b = MakeDoc(
          Concat({FreshWords(rng, 7), left, FreshWords(rng, g), right, FreshWords(rng, 12)}));
      const std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
      ExpectWellFormed(a, b, spans, o);
      if (g <= max_gap) {
        ASSERT_EQ(spans.size(), 1u);
        EXPECT_EQ(spans[0].a_token_begin, 10u);
        EXPECT_EQ(spans[0].a_token_end, 40u);
        EXPECT_EQ(spans[0].b_token_begin, 7u);
        EXPECT_EQ(spans[0].b_token_end, 37u + g);
        EXPECT_EQ(spans[0].matches, 30u);
        EXPECT_EQ(spans[0].edits, g);
      } else {
        ASSERT_EQ(spans.size(), 2u);
        EXPECT_EQ(spans[0].a_words() + spans[1].a_words(), 30u);
        EXPECT_EQ(spans[0].matches + spans[1].matches, 30u);
      }
    }
  }
}

TEST(AlignerTest, SubstitutionsAndSpellingVariantsStayInOneSpan) {
  SplitMix64 rng(TestSeed());
  std::vector<std::string> passage = FreshWords(rng, 40);
  std::vector<std::string> edited = passage;
  // Every fifth word misspelled, every seventh replaced (not among the last three: an edit just
  // before the last word would leave "edit, match" at the end, which scores 0 and is trimmed).
  for (size_t i = 2; i < edited.size(); i += 5) edited[i] = Misspell(rng, edited[i]);
  for (size_t i = 3; i + 3 < edited.size(); i += 7) edited[i] = RandomWord(rng);
  // Short words behind a proclitic letter the tokenizer keeps (too few letters remain, or not a
  // letter it strips), variants by the proclitic rule alone: too short for an edit distance.
  const std::pair<const char*, const char*> proclitic_forms[] = {
      {"من", "ومن"}, {"هو", "فهو"}, {"بلد", "ببلد"}};
  for (size_t t = 0; t < std::size(proclitic_forms); ++t) {
    const size_t i = 5 + 9 * t;  // 5, 14, 23: no other edit there
    passage[i] = proclitic_forms[t].first;
    edited[i] = proclitic_forms[t].second;
  }
  const Doc a = MakeDoc(Concat({FreshWords(rng, 20), passage}));
  const Doc b = MakeDoc(Concat({edited, FreshWords(rng, 20)}));
  AlignerOptions o;
  const std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, spans, o);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].a_token_begin, 20u);
  EXPECT_EQ(spans[0].a_token_end, 60u);
  EXPECT_EQ(spans[0].b_token_begin, 0u);
  EXPECT_EQ(spans[0].b_token_end, 40u);
  EXPECT_EQ(spans[0].matches + spans[0].edits, 40u);
  EXPECT_EQ(spans[0].edits, 5u);  // the replaced words at 3, 10, 17, 24, 31
  // Without the variant rule the misspellings become edits too.
  AlignerOptions exact_words = o;
  exact_words.fuzzy_min_letters = 0;
  exact_words.fuzzy_two_edit_letters = 0;
  exact_words.fuzzy_proclitics = false;
  exact_words.min_anchor_words = 4;  // the longest unedited run is now four words
  const std::vector<Span> strict = Aligner(exact_words).Align(a.sequence(), b.sequence());
  ASSERT_FALSE(strict.empty());
  EXPECT_LT(strict[0].matches, spans[0].matches);
}

TEST(AlignerTest, ReorderedSentencesAreJoined) {
  SplitMix64 rng(TestSeed());
  const std::vector<std::string> first = FreshWords(rng, 14);
  const std::vector<std::string> second = FreshWords(rng, 11);
  const Doc a = MakeDoc(Concat({FreshWords(rng, 9), first, second, FreshWords(rng, 9)}));
  const Doc b =
      MakeDoc(Concat({FreshWords(rng, 4), second, FreshWords(rng, 2), first, FreshWords(rng, 6)}));
  AlignerOptions o;
  std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, spans, o);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].a_token_begin, 9u);
  EXPECT_EQ(spans[0].a_token_end, 34u);
  EXPECT_EQ(spans[0].b_token_begin, 4u);
  EXPECT_EQ(spans[0].b_token_end, 31u);
  EXPECT_EQ(spans[0].matches, 25u);
  EXPECT_EQ(spans[0].edits, 2u);

  o.join_reordered = false;
  spans = Aligner(o).Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, spans, o);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].b_token_begin, 17u);  // `first`, later in b
  EXPECT_EQ(spans[1].b_token_begin, 4u);

  o.join_reordered = true;
  o.max_gap = 1;  // the two words between them in b are now too many
  spans = Aligner(o).Align(a.sequence(), b.sequence());
  EXPECT_EQ(spans.size(), 2u);
}

// A passage repeated in b is reported once; the other copy cannot overlap it in a.
TEST(AlignerTest, RepeatedPassageIsReportedOnce) {
  SplitMix64 rng(TestSeed());
  const std::vector<std::string> passage = FreshWords(rng, 20);
  const Doc a = MakeDoc(Concat({FreshWords(rng, 5), passage}));
  const Doc b = MakeDoc(Concat({passage, FreshWords(rng, 30), passage}));
  for (bool tolerant : {true, false}) {
    AlignerOptions o;
    o.edit_tolerant = tolerant;
    const std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
    ExpectWellFormed(a, b, spans, o);
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0].a_words(), 20u);
    EXPECT_EQ(spans[0].b_token_begin, 0u) << "ties go to the first copy";
  }
}

// An alignment without an anchor (no six unedited matches in a row) that scores higher than an
// exact passage and runs over the passage's words on another diagonal must not hide the passage
// when it is itself dropped for lack of an anchor (found on real news: an eight-word royal title
// inside a loose alignment of neighbouring phrases).
TEST(AlignerTest, UnanchoredAlignmentDoesNotHideAnExactPassage) {
  SplitMix64 rng(TestSeed());
  const std::vector<std::string> x = FreshWords(rng, 9);  // b's words before the passage
  const std::vector<std::string> p = FreshWords(rng, 8);  // the exact passage
  // In a, far from the passage, x and p again in order but cut every three words or less: 13
  // matches and 4 substitutions, more than the passage's 8, never 6 in a row.
  const std::vector<std::string> loose = {x[0], x[1], x[2], RandomWord(rng), x[4], x[5], x[6],
                                          RandomWord(rng), x[8], RandomWord(rng), p[1], p[2], p[3],
                                          RandomWord(rng), p[5], p[6], p[7]};
  const Doc a = MakeDoc(Concat({FreshWords(rng, 5), p, FreshWords(rng, 40), loose,
                                FreshWords(rng, 5)}));
  const Doc b = MakeDoc(Concat({FreshWords(rng, 5), x, p, FreshWords(rng, 5)}));
  AlignerOptions o;  // edit-tolerant
  const std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, spans, o);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].a_token_begin, 5u);
  EXPECT_EQ(spans[0].a_token_end, 13u);
  EXPECT_EQ(spans[0].b_token_begin, 14u);
  EXPECT_EQ(spans[0].matches, 8u);
}

// A word repeated thousands of times must not make millions of seeds; the real passage is still
// found next to it.
TEST(AlignerTest, RepeatedWordsStayCheap) {
  SplitMix64 rng(TestSeed());
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 500; ++i) vocabulary.push_back(RandomWord(rng));
  const std::vector<std::string> passage = RandomWords(rng, vocabulary, 30);
  const std::vector<std::string> filler(20000, "filler");
  const Doc a = MakeDoc(Concat({filler, passage}));
  const Doc b = MakeDoc(Concat({passage, filler}));
  for (bool tolerant : {true, false}) {
    AlignerOptions o;
    o.edit_tolerant = tolerant;
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0].a_token_begin, 20000u);
    EXPECT_EQ(spans[0].a_words(), 30u);
    // 20,000² = 4·10⁸ seed pairs would take seconds; the cap keeps this in milliseconds (the
    // bound is loose for sanitizer builds).
    EXPECT_LT(seconds, 2.0);
  }
}

// min_anchor_words: an extension starts only where exact seed runs, chained, cover that many
// words — the price of not extending every short phrase two same-topic articles share.
TEST(AlignerTest, ExtensionsNeedChainedAnchorWords) {
  SplitMix64 rng(TestSeed());
  const std::vector<std::string> passage = FreshWords(rng, 14);
  // Four equal words, then ten spelling variants: 14 matches, but a single exact run of 4.
  std::vector<std::string> edited = passage;
  for (size_t i = 4; i < edited.size(); ++i) edited[i] = Misspell(rng, edited[i]);
  const Doc a = MakeDoc(Concat({FreshWords(rng, 10), passage, FreshWords(rng, 10)}));
  const Doc b = MakeDoc(Concat({FreshWords(rng, 7), edited, FreshWords(rng, 9)}));
  AlignerOptions o;
  ASSERT_EQ(o.min_anchor_words, 6u);
  EXPECT_TRUE(Aligner(o).Align(a.sequence(), b.sequence()).empty());
  o.min_anchor_words = 4;
  std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, spans, o);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].a_token_begin, 10u);
  EXPECT_EQ(spans[0].a_token_end, 24u);
  EXPECT_EQ(spans[0].matches, 14u);
  EXPECT_EQ(spans[0].edits, 0u);

  // Two runs of four, one substituted word apart, chain to eight exact words: found by default.
  std::vector<std::string> chained = passage;
  chained[4] = RandomWord(rng);
  for (size_t i = 9; i < chained.size(); ++i) chained[i] = Misspell(rng, chained[i]);
  const Doc c = MakeDoc(Concat({FreshWords(rng, 7), chained, FreshWords(rng, 9)}));
  spans = Aligner().Align(a.sequence(), c.sequence());
  ExpectWellFormed(a, c, spans, AlignerOptions());
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].a_token_begin, 10u);
  EXPECT_EQ(spans[0].a_token_end, 24u);
  EXPECT_EQ(spans[0].matches, 13u);
  EXPECT_EQ(spans[0].edits, 1u);
}

// A span needs min_words matching words, not just min_words words: two short shared phrases a
// few words apart are not a passage.
TEST(AlignerTest, SpansNeedMinWordsMatches) {
  SplitMix64 rng(TestSeed());
  const std::vector<std::string> first = FreshWords(rng, 5), second = FreshWords(rng, 2);
  const Doc a =
      MakeDoc(Concat({FreshWords(rng, 6), first, FreshWords(rng, 2), second, FreshWords(rng, 6)}));
  const Doc b =
      MakeDoc(Concat({FreshWords(rng, 3), first, FreshWords(rng, 1), second, FreshWords(rng, 8)}));
  // 9 words in a, 8 in b, 7 matches.
  EXPECT_TRUE(Aligner().Align(a.sequence(), b.sequence()).empty());
  AlignerOptions o;
  o.min_words = 7;
  o.min_anchor_words = 5;
  const std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].matches, 7u);
  EXPECT_EQ(spans[0].a_words(), 9u);
  EXPECT_EQ(spans[0].b_words(), 8u);
  EXPECT_EQ(spans[0].edits, 2u);
}

// A span without an anchor (min_anchor_words unedited matches in a row) is reported only next to
// an anchored span: alone it looks like stock phrases assembled by chance.
TEST(AlignerTest, UnanchoredSpansNeedAnAnchoredNeighbour) {
  SplitMix64 rng(TestSeed());
  // Three runs of three equal words, one substitution apart: 9 matches, 2 edits, longest run 3.
  const std::vector<std::string> weak = FreshWords(rng, 11);
  std::vector<std::string> reworded = weak;
  reworded[3] = RandomWord(rng);
  reworded[7] = RandomWord(rng);
  const std::vector<std::string> strong = FreshWords(rng, 20);

  const Doc alone_a = MakeDoc(Concat({FreshWords(rng, 8), weak, FreshWords(rng, 8)}));
  const Doc alone_b = MakeDoc(Concat({FreshWords(rng, 5), reworded, FreshWords(rng, 9)}));
  EXPECT_TRUE(Aligner().Align(alone_a.sequence(), alone_b.sequence()).empty());
  AlignerOptions three;
  three.min_anchor_words = 3;
  std::vector<Span> spans = Aligner(three).Align(alone_a.sequence(), alone_b.sequence());
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].matches, 9u);
  EXPECT_EQ(spans[0].edits, 2u);

  // Seven words from an anchored passage in a, three in b: reported.
  const Doc near_a =
      MakeDoc(Concat({FreshWords(rng, 8), weak, FreshWords(rng, 7), strong, FreshWords(rng, 8)}));
  const Doc near_b = MakeDoc(
      Concat({FreshWords(rng, 5), reworded, FreshWords(rng, 3), strong, FreshWords(rng, 9)}));
  spans = Aligner().Align(near_a.sequence(), near_b.sequence());
  ExpectWellFormed(near_a, near_b, spans, AlignerOptions());
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].a_token_begin, 8u);
  EXPECT_EQ(spans[0].matches, 9u);
  EXPECT_EQ(spans[1].a_token_begin, 26u);
  EXPECT_EQ(spans[1].matches, 20u);

  // Twenty words away: alone again.
  const Doc far_a =
      MakeDoc(Concat({FreshWords(rng, 8), weak, FreshWords(rng, 20), strong, FreshWords(rng, 8)}));
  spans = Aligner().Align(far_a.sequence(), near_b.sequence());
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].matches, 20u);
}

TEST(AlignerTest, ScratchReuseGivesTheSameSpans) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 200; ++i) vocabulary.push_back(RandomWord(rng));
  const Aligner aligner;
  AlignScratch scratch;
  std::vector<Span> reused;
  auto expect_same_spans = [&](const Doc& a, const Doc& b) {
    aligner.Align(a.sequence(), b.sequence(), &reused, &scratch);
    const std::vector<Span> fresh = aligner.Align(a.sequence(), b.sequence());
    ASSERT_EQ(reused.size(), fresh.size());
    for (size_t s = 0; s < fresh.size(); ++s) {
      EXPECT_EQ(reused[s].a_token_begin, fresh[s].a_token_begin);
      EXPECT_EQ(reused[s].b_token_begin, fresh[s].b_token_begin);
      EXPECT_EQ(reused[s].a_token_end, fresh[s].a_token_end);
      EXPECT_EQ(reused[s].b_token_end, fresh[s].b_token_end);
      EXPECT_EQ(reused[s].matches, fresh[s].matches);
      EXPECT_EQ(reused[s].edits, fresh[s].edits);
    }
  };
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    const std::vector<std::string> passage = RandomWords(rng, vocabulary, 30);
    const Doc a = MakeDoc(Concat({RandomWords(rng, vocabulary, rng.Uniform(300)), passage}));
    const Doc b = MakeDoc(Concat({Edit(rng, passage, vocabulary, 0.1, 0.1, 0.05, 0.05),
                                  RandomWords(rng, vocabulary, rng.Uniform(300))}));
    const Doc other = MakeDoc(Concat({RandomWords(rng, vocabulary, rng.Uniform(100)), passage}));
    // The scratch keeps the seed k-grams of the sequences it saw last: the same first article
    // with another second one, the roles swapped, and an article of the same length and first
    // words whose last words only now share the passage must all align as with a fresh scratch.
    const std::vector<std::string> prefix = RandomWords(rng, vocabulary, rng.Uniform(100));
    const Doc unrelated_tail = MakeDoc(Concat({prefix, FreshWords(rng, passage.size())}));
    const Doc passage_tail = MakeDoc(Concat({prefix, passage}));
    expect_same_spans(a, b);
    expect_same_spans(a, other);
    expect_same_spans(a, b);
    expect_same_spans(b, a);
    expect_same_spans(unrelated_tail, b);
    expect_same_spans(passage_tail, b);
  }
}

// ---- Oracles -----------------------------------------------------------------------------

// The edit-tolerant aligner against full Smith–Waterman on small random sequences with one
// planted, edited segment pair. Whenever the optimal alignment contains an exact seed
// (tolerant_seed_size equal words in a row), the best span's ranges carry an alignment scoring
// exactly the Smith–Waterman optimum in nearly every trial, and always within the documented
// tolerance of 3 match scores (the X-drop may stop where the optimum's running score dips by more
// than max_gap · 1 before recovering). Optima without a seed cannot be found by design; there the
// test checks only that no span beats the optimum.
TEST(AlignerOracleTest, EditTolerantMatchesSmithWaterman) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 40; ++i) vocabulary.push_back(RandomWord(rng));
  AlignerOptions o;
  o.min_words = 3;         // so that any seeded local alignment qualifies as a span
  o.min_anchor_words = 3;  // a seed alone may start an extension
  o.min_similarity = 0;
  o.join_reordered = false;
  const Aligner aligner(o);
  const int kTrials = 300;
  int seeded = 0, exact = 0, same_place = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    const std::vector<std::string> segment = RandomWords(rng, vocabulary, 10 + rng.Uniform(40));
    const Doc a = MakeDoc(Concat({RandomWords(rng, vocabulary, rng.Uniform(60)), segment,
                                  RandomWords(rng, vocabulary, rng.Uniform(60))}));
    const Doc b = MakeDoc(Concat({RandomWords(rng, vocabulary, rng.Uniform(60)),
                                  Edit(rng, segment, vocabulary, 0.08, 0.08, 0.04, 0.04),
                                  RandomWords(rng, vocabulary, rng.Uniform(60))}));
    const LocalOptimum optimum = SmithWaterman(a, b, o);
    const std::vector<Span> spans = aligner.Align(a.sequence(), b.sequence());
    ExpectWellFormed(a, b, spans, o);
    double best = 0;
    const Span* top = nullptr;
    for (const Span& s : spans) {
      const double score =
          GlobalScore(a, s.a_token_begin, s.a_token_end, b, s.b_token_begin, s.b_token_end, o);
      EXPECT_LE(score, optimum.score + 1e-9) << "a span cannot beat the local optimum";
      if (score > best) best = score, top = &s;
    }
    if (optimum.longest_exact_run < o.tolerant_seed_size) continue;
    ++seeded;
    EXPECT_GE(best, optimum.score - 3 * o.match_score)
        << "optimum " << optimum.score << " at a[" << optimum.a_begin << ", " << optimum.a_end
        << ") b[" << optimum.b_begin << ", " << optimum.b_end << ")";
    if (std::abs(best - optimum.score) < 1e-9) {
      ++exact;
      // Equal scores can come from different alignments (a stretch scoring 0 at an end, or two
      // parts separated by a dip): the spans must overlap, and nearly always coincide.
      EXPECT_GT(RangeJaccard(top->a_token_begin, top->a_token_end, optimum.a_begin, optimum.a_end),
                0.0);
      EXPECT_GT(RangeJaccard(top->b_token_begin, top->b_token_end, optimum.b_begin, optimum.b_end),
                0.0);
      same_place +=
          RangeJaccard(top->a_token_begin, top->a_token_end, optimum.a_begin, optimum.a_end) >=
              0.8 &&
          RangeJaccard(top->b_token_begin, top->b_token_end, optimum.b_begin, optimum.b_end) >= 0.8;
    }
  }
  std::printf("seeded optima: %d of %d trials; found exactly: %d; same place: %d\n", seeded,
              kTrials, exact, same_place);
  EXPECT_GE(seeded, kTrials * 9 / 10);
  EXPECT_GE(exact, seeded * 98 / 100);
  EXPECT_GE(same_place, exact * 95 / 100);
}

// Exact-only mode against brute force over all maximal runs of equal tokens. Reported spans are
// runs of equal tokens, and greedy selection (longest first) leaves no run of min_words words
// untouched: every maximal run keeps fewer than min_words consecutive cells outside the reported
// spans. The longest run is reported whole.
TEST(AlignerOracleTest, ExactOnlyMatchesBruteForceRuns) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  AlignerOptions o;
  o.edit_tolerant = false;
  o.min_words = 6;
  o.seed_size = 3;
  o.max_seed_occurrences = 65535;
  const Aligner aligner(o);
  for (int trial = 0; trial < 200; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    std::vector<std::string> vocabulary;
    const size_t alphabet = 3 + rng.Uniform(6);
    for (size_t i = 0; i < alphabet; ++i) vocabulary.push_back(RandomWord(rng));
    std::vector<std::string> wa = RandomWords(rng, vocabulary, 20 + rng.Uniform(120));
    std::vector<std::string> wb = RandomWords(rng, vocabulary, 20 + rng.Uniform(120));
    // Plant a copy of a piece of a in b.
    const size_t len = std::min<size_t>(wa.size(), 6 + rng.Uniform(20));
    const size_t from = rng.Uniform(wa.size() - len + 1), to = rng.Uniform(wb.size());
    wb.insert(wb.begin() + to, wa.begin() + from, wa.begin() + from + len);
    const Doc a = MakeDoc(wa), b = MakeDoc(wb);
    const std::vector<Span> spans = aligner.Align(a.sequence(), b.sequence());
    ExpectWellFormed(a, b, spans, o);
    std::vector<bool> a_used(wa.size()), b_used(wb.size());
    uint32_t longest_span = 0;
    for (const Span& s : spans) {
      ASSERT_EQ(s.a_words(), s.b_words());
      for (uint32_t t = 0; t < s.a_words(); ++t) {
        ASSERT_EQ(wa[s.a_token_begin + t], wb[s.b_token_begin + t]);
      }
      EXPECT_EQ(s.edits, 0u);
      EXPECT_EQ(s.matches, s.a_words());
      std::fill(a_used.begin() + s.a_token_begin, a_used.begin() + s.a_token_end, true);
      std::fill(b_used.begin() + s.b_token_begin, b_used.begin() + s.b_token_end, true);
      longest_span = std::max(longest_span, s.a_words());
    }
    uint32_t longest_run = 0;
    for (size_t i = 0; i < wa.size(); ++i) {
      for (size_t j = 0; j < wb.size(); ++j) {
        if (wa[i] != wb[j] || (i > 0 && j > 0 && wa[i - 1] == wb[j - 1])) continue;
        size_t run = 0, free_run = 0;
        while (i + run < wa.size() && j + run < wb.size() && wa[i + run] == wb[j + run]) {
          free_run = (a_used[i + run] || b_used[j + run]) ? 0 : free_run + 1;
          ASSERT_LT(free_run, o.min_words) << "unreported run at a=" << i << " b=" << j;
          ++run;
        }
        longest_run = std::max<uint32_t>(longest_run, run);
      }
    }
    if (longest_run >= o.min_words) {
      EXPECT_EQ(longest_span, longest_run);
    }
  }
}

// Properties on random pairs with several planted, edited passages, in both modes and with
// non-ASCII words (offsets in code points differ from bytes).
TEST(AlignerPropertyTest, SpansAreWellFormed) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 150; ++i) vocabulary.push_back(RandomWord(rng));
  for (const char* word : {"القوات", "الأمريكية", "العراق", "في", "من", "إلى", "ميلي", "ميللي"}) {
    vocabulary.push_back(word);
  }
  for (int trial = 0; trial < 150; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    AlignerOptions o;
    o.edit_tolerant = rng.Bernoulli(0.7);
    o.max_gap = static_cast<uint32_t>(rng.Uniform(9));
    o.min_words = 3 + static_cast<uint32_t>(rng.Uniform(8));
    o.join_reordered = rng.Bernoulli(0.5);
    std::vector<std::string> wa, wb;
    for (int part = 0; part < 4; ++part) {
      const std::vector<std::string> passage = RandomWords(rng, vocabulary, 5 + rng.Uniform(40));
      const auto fa = RandomWords(rng, vocabulary, rng.Uniform(30));
      const auto fb = RandomWords(rng, vocabulary, rng.Uniform(30));
      wa.insert(wa.end(), fa.begin(), fa.end());
      wa.insert(wa.end(), passage.begin(), passage.end());
      const auto edited = Edit(rng, passage, vocabulary, 0.1, 0.1, 0.07, 0.07);
      wb.insert(wb.end(), fb.begin(), fb.end());
      wb.insert(wb.end(), edited.begin(), edited.end());
    }
    const Doc a = MakeDoc(wa), b = MakeDoc(wb);
    const Aligner aligner(o);
    const std::vector<Span> spans = aligner.Align(a.sequence(), b.sequence());
    ExpectWellFormed(a, b, spans, o);
    // MayMatch bounds the matches of every alignment, whichever sequence comes first.
    uint32_t matches = 0;
    for (const Span& span : spans) matches += span.matches;
    AlignScratch scratch;
    EXPECT_TRUE(aligner.MayMatch(a.sequence(), b.sequence(), matches, &scratch));
    EXPECT_TRUE(aligner.MayMatch(b.sequence(), a.sequence(), matches, &scratch));
    const uint32_t shorter = static_cast<uint32_t>(std::min(wa.size(), wb.size()));
    EXPECT_FALSE(aligner.MayMatch(a.sequence(), b.sequence(), shorter + 1, &scratch));
  }
}

// MayMatch counts the words of the shorter sequence that equal a word of the other or pass the
// spelling-variant filters with one; known answers in both modes.
TEST(AlignerTest, MayMatchCountsWordsWithAPartner) {
  // Of a's eight words: five equal words (alpha twice in b), two spelling variants of one changed
  // letter (foxtrot ~ foxtrxt; golf ~ gold, four letters being fuzzy_min_letters), and hotel,
  // whose length and letters are far from every word of b.
  const Doc a = MakeDoc({"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"});
  const Doc b = MakeDoc({"echo", "delta", "zz", "alpha", "charlie", "bravo", "foxtrxt",
                         "qqqqqqqqqq", "alpha", "ww", "gold"});
  AlignScratch scratch;
  for (bool edit_tolerant : {true, false}) {
    SCOPED_TRACE(edit_tolerant ? "edit-tolerant" : "exact");
    AlignerOptions o;
    o.edit_tolerant = edit_tolerant;
    const Aligner aligner(o);
    const uint32_t partners = edit_tolerant ? 7 : 5;
    for (uint32_t matches = 0; matches <= 9; ++matches) {
      SCOPED_TRACE(absl::StrCat(matches, " matches"));
      EXPECT_EQ(aligner.MayMatch(a.sequence(), b.sequence(), matches, &scratch),
                matches <= partners);
      EXPECT_EQ(aligner.MayMatch(b.sequence(), a.sequence(), matches, &scratch),
                matches <= partners);
    }
  }
  // Without texts, no word is a variant of another.
  const Aligner aligner;
  const TokenSequence a_hashes{nullptr, a.tokens}, b_hashes{nullptr, b.tokens};
  EXPECT_TRUE(aligner.MayMatch(a_hashes, b_hashes, 5, &scratch));
  EXPECT_FALSE(aligner.MayMatch(a_hashes, b_hashes, 6, &scratch));
}

}  // namespace
}  // namespace naql
