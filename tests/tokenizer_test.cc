// Tests of naql::Tokenizer: word boundaries, clitic stripping, pinned hashes, original spans, a
// brute-force oracle for the boundaries, and the round-trip property: the original text of every
// token normalizes back to that token (seeded; NAQL_TEST_SEED overrides the seed).

#include "naql/tokenizer.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "arabic_folds.h"
#include "naql/normalizer.h"
#include "testing.h"
#include "utf8.h"

namespace naql {

// Readable spans in failure messages (found by argument-dependent lookup, so in namespace naql).
void PrintTo(const OriginalSpan& span, std::ostream* os) {
  *os << "{bytes [" << span.byte_begin << ", " << span.byte_end << "), code points ["
      << span.cp_begin << ", " << span.cp_end << ")}";
}

namespace {

struct Tokenized {
  NormalizedText folded;
  std::vector<Token> tokens;
};

Tokenized NormalizeAndTokenize(absl::string_view original,
                               const TokenizerOptions& options = TokenizerOptions()) {
  static const Normalizer* const kNormalizer = new Normalizer();
  Tokenized out;
  out.folded = kNormalizer->Normalize(original);
  Tokenizer(options).Tokenize(out.folded, &out.tokens);
  return out;
}

std::vector<std::string> Words(const Tokenized& t) {
  std::vector<std::string> words;
  for (const Token& token : t.tokens) words.emplace_back(WordText(t.folded, token));
  return words;
}

std::vector<std::string> Stems(const Tokenized& t) {
  std::vector<std::string> stems;
  for (const Token& token : t.tokens) stems.emplace_back(StemText(t.folded, token));
  return stems;
}

std::string OriginalText(absl::string_view original, const Token& token) {
  return std::string(original.substr(token.original.byte_begin,
                                     token.original.byte_end - token.original.byte_begin));
}

using Strings = std::vector<std::string>;

TEST(TokenizerTest, WordsAndSeparators) {
  EXPECT_EQ(Words(NormalizeAndTokenize("Hello, World!  foo-bar\tbaz\n")),
            (Strings{"hello", "world", "foo", "bar", "baz"}));
  EXPECT_EQ(Words(NormalizeAndTokenize("")), Strings{});
  EXPECT_EQ(Words(NormalizeAndTokenize(" ,.;\"' ")), Strings{});
  // Letters and digits of any script make one word; NUL, symbols and U+FFFD separate.
  EXPECT_EQ(
      Words(NormalizeAndTokenize(std::string("abc١٢٣ 3.14 x\xE2\x82y a") + '\0' + "b z\u00A9w")),
      (Strings{"abc123", "3", "14", "x", "y", "a", "b", "z", "w"}));
}

TEST(TokenizerTest, QuoteMarksAndArabicPunctuationSeparate) {
  const Tokenized t = NormalizeAndTokenize("«قال»، “نعم” ‹لا› ‘هل’؟ ٥٪؛ ok\"done");
  EXPECT_EQ(Words(t), (Strings{"قال", "نعم", "لا", "هل", "5", "ok", "done"}));
  // Even without fold_punctuation the marks are separators (their general category is P*).
  NormalizerOptions options;
  options.fold_punctuation = false;
  NormalizedText folded = Normalizer(options).Normalize("«قال»، “نعم”؟");
  std::vector<Token> tokens;
  Tokenizer().Tokenize(folded, &tokens);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(WordText(folded, tokens[0]), "قال");
  EXPECT_EQ(WordText(folded, tokens[1]), "نعم");
}

TEST(TokenizerTest, CliticStripping) {
  struct CliticCase {
    const char* word;
    const char* stem;
  };
  const CliticCase cases[] = {
      {"والولايات", "ولايات"},  // وال + the article
      {"الولايات", "ولايات"},   // the article
      {"فالأمر", "امر"},        // فال (after folding أ)
      {"بالبيت", "بيت"},        // بال
      {"كالعادة", "عاده"},      // كال (after folding ة)
      {"للصحفيين", "صحفيين"},   // لل
      {"الله", "له"},           // the article, two letters remain
      {"وقال", "قال"},          // conjunction و, three letters remain
      {"وزير", "زير"},          // the light rule does not know that و belongs to the root
      {"ولد", "ولد"},           // و with two letters left: kept
      {"الى", "الي"},           // ال with one letter left: kept
      {"لله", "لله"},           // لل with one letter left: kept
      {"ال", "ال"},
      {"و", "و"},
      {"وال", "وال"},
      {"ال12", "12"},    // digits count as letters
      {"Wall", "wall"},  // Latin untouched
  };
  for (const CliticCase& c : cases) {
    SCOPED_TRACE(c.word);
    const Tokenized t = NormalizeAndTokenize(c.word);
    ASSERT_EQ(t.tokens.size(), 1u);
    EXPECT_EQ(Stems(t)[0], c.stem);
    EXPECT_EQ(t.tokens[0].hash, Tokenizer().HashWord(c.stem));
    EXPECT_EQ(t.tokens[0].folded_begin, 0u) << "the word is whole";
    EXPECT_EQ(t.tokens[0].original.byte_end, std::string(c.word).size());
  }
  // Without stripping, the stem is the whole word.
  TokenizerOptions keep;
  keep.strip_clitics = false;
  const Tokenized t = NormalizeAndTokenize("والولايات الولايات", keep);
  EXPECT_EQ(Stems(t), (Strings{"والولايات", "الولايات"}));
  EXPECT_NE(t.tokens[0].hash, t.tokens[1].hash);
  EXPECT_EQ(NormalizeAndTokenize("والولايات الولايات").tokens[0].hash,
            NormalizeAndTokenize("الولايات").tokens[0].hash);
}

// StemOffset against the rules of tokenizer.h written out on code points, for every word of up to
// six letters over the clitics' letters, another Arabic letter and letters of one, three and four
// UTF-8 bytes (1.1 million words: each rule at each length, next to letters of every width).
TEST(TokenizerTest, StemOffsetFollowsTheRulesOnEveryShortWord) {
  const std::vector<std::string> letters = {"و", "ف", "ب", "ك", "ا", "ل", "ه", "x", "中", "😀"};
  auto expected = [&](const std::vector<size_t>& word) -> size_t {
    auto is = [&](size_t i, const char* letter) {
      return i < word.size() && letters[word[i]] == letter;
    };
    const size_t n = word.size();
    const bool proclitic = is(0, "و") || is(0, "ف") || is(0, "ب") || is(0, "ك");
    if (proclitic && is(1, "ا") && is(2, "ل") && n - 3 >= 2) return 6;  // وال فال بال كال
    if ((is(0, "ا") || is(0, "ل")) && is(1, "ل") && n - 2 >= 2) return 4;  // ال لل
    if (is(0, "و") && n - 1 >= 3) return 2;
    return 0;
  };
  const Tokenizer tokenizer;
  std::vector<size_t> word;
  size_t checked = 0;
  for (size_t length = 1; length <= 6; ++length) {
    word.assign(length, 0);
    while (true) {
      std::string text;
      for (size_t letter : word) text += letters[letter];
      ASSERT_EQ(tokenizer.StemOffset(text), expected(word)) << text;
      ++checked;
      size_t i = 0;
      while (i < length && ++word[i] == letters.size()) word[i++] = 0;
      if (i == length) break;
    }
  }
  EXPECT_EQ(checked, 1111110u);
}

// "والد" is not stripped of وال (one letter would remain) but then of و (three remain).
TEST(TokenizerTest, WawRuleAppliesWhenTheArticleRuleDoesNot) {
  EXPECT_EQ(Stems(NormalizeAndTokenize("والد")), Strings{"الد"});
}

TEST(TokenizerTest, HashesArePinned) {
  // XXH3-64 with kTokenHashSeed over the stem's UTF-8 bytes. These values are stored in indexes:
  // if this test fails, the token hash changed, and kTokenizerVersion must be bumped.
  const Tokenizer tokenizer;
  EXPECT_EQ(tokenizer.HashWord("قال"), XXH3_64bits_withSeed("قال", 6, kTokenHashSeed));
  EXPECT_EQ(tokenizer.HashWord("قال"), 0x8F94EC76FA53A607ULL);
  EXPECT_EQ(tokenizer.HashWord("ولايات"), 0xB3428CD9FC65B63DULL);
  EXPECT_EQ(tokenizer.HashWord(""), 0xBAF129D1A83EE1AFULL);
  const Tokenized t = NormalizeAndTokenize("وقال");
  EXPECT_EQ(t.tokens[0].hash, 0x8F94EC76FA53A607ULL);
}

TEST(TokenizerTest, SpansCoverTheWholeOriginalWord) {
  const std::string original = "أَكَّدَ وزيرُ الدفاعِ الأميركيّ ﻻ ١٢٣";
  const Tokenized t = NormalizeAndTokenize(original);
  ASSERT_EQ(t.tokens.size(), 6u);
  EXPECT_EQ(OriginalText(original, t.tokens[0]), "أَكَّدَ");
  EXPECT_EQ(OriginalText(original, t.tokens[1]), "وزيرُ");
  EXPECT_EQ(OriginalText(original, t.tokens[2]), "الدفاعِ");
  EXPECT_EQ(OriginalText(original, t.tokens[3]), "الأميركيّ");
  EXPECT_EQ(OriginalText(original, t.tokens[4]), "ﻻ");
  EXPECT_EQ(OriginalText(original, t.tokens[5]), "١٢٣");
  EXPECT_EQ(Stems(t), (Strings{"اكد", "زير", "دفاع", "اميركي", "لا", "123"}));
  // Code point offsets: "أَكَّدَ" is 7 code points; "وزيرُ" starts after it and a space.
  EXPECT_EQ(t.tokens[0].original, (OriginalSpan{0, 14, 0, 7}));
  EXPECT_EQ(t.tokens[1].original, (OriginalSpan{15, 25, 8, 13}));
  EXPECT_EQ(t.tokens[5].original.cp_end, 37u);
}

TEST(TokenizerTest, WordsOfOneLigatureShareItsSpan) {
  // U+FDFA folds to four words; each maps to the whole ligature.
  const std::string original = "x \uFDFA y";
  const Tokenized t = NormalizeAndTokenize(original);
  EXPECT_EQ(Words(t), (Strings{"x", "صلي", "الله", "عليه", "وسلم", "y"}));
  for (size_t i = 1; i <= 4; ++i) {
    EXPECT_EQ(t.tokens[i].original, (OriginalSpan{2, 5, 2, 3})) << i;
  }
  EXPECT_EQ(Stems(t)[4], "سلم");
}

TEST(TokenizerTest, InvalidBytesSeparateWords) {
  const std::string original =
      "ab\x80"
      "cd\xED\xA0\x80"
      "ef";
  const Tokenized t = NormalizeAndTokenize(original);
  EXPECT_EQ(Words(t), (Strings{"ab", "cd", "ef"}));
  EXPECT_EQ(t.tokens[1].original, (OriginalSpan{3, 5, 3, 5}));
  EXPECT_EQ(t.tokens[2].original, (OriginalSpan{8, 10, 8, 10}));
}

TEST(TokenizerTest, TokenizeClearsTheOutput) {
  const Tokenized t = NormalizeAndTokenize("a b");
  std::vector<Token> tokens(5);
  Tokenizer().Tokenize(t.folded, &tokens);
  EXPECT_EQ(tokens.size(), 2u);
}

// ---- Seeded random texts ----------------------------------------------------------------------

std::string Utf8(char32_t c) {
  char buffer[4];
  return std::string(buffer, internal::EncodeUtf8(c, buffer));
}

// Random text: Arabic words with clitics and diacritics, Latin, digits, ligatures, separators of
// every kind, removed characters and invalid bytes.
std::string RandomText(naql::testing::SplitMix64& rng, size_t pieces) {
  static const std::vector<std::string> kPieces = {"وال",
                                                   "ال",
                                                   "لل",
                                                   "و",
                                                   "ب",
                                                   "ف",
                                                   "ك",
                                                   "قال",
                                                   "وزير",
                                                   "الولايات",
                                                   "أَكَّدَ",
                                                   "ـ",
                                                   "\u064E",
                                                   "\u0651",
                                                   "ﻻ",
                                                   "\uFDFA",
                                                   "\uFDF2",
                                                   "١٢٣",
                                                   "۴",
                                                   "Abc",
                                                   "e\u0301",
                                                   "\u0301",
                                                   "ß",
                                                   " ",
                                                   " ",
                                                   "  ",
                                                   "\n",
                                                   "،",
                                                   "«",
                                                   "»",
                                                   "“",
                                                   "”",
                                                   ".",
                                                   "-",
                                                   "\u200C",
                                                   "\u200F",
                                                   "\xEF\xBB\xBF",
                                                   "\x80",
                                                   "\xE2\x82",
                                                   "\xC0",
                                                   std::string(1, '\0'),
                                                   "\U0001F600",
                                                   "\U0001D400",
                                                   "ة",
                                                   "ى",
                                                   "ئ",
                                                   "ؤ",
                                                   "ک",
                                                   "ی"};
  std::string out;
  for (size_t i = 0; i < pieces; ++i) {
    if (rng.Bernoulli(0.05)) {
      out += Utf8(static_cast<char32_t>(0x20 + rng.Uniform(0xD800 - 0x20)));
    } else {
      out += kPieces[rng.Uniform(kPieces.size())];
    }
  }
  return out;
}

// Brute-force oracle for word boundaries: classify every folded code point, take maximal runs.
TEST(TokenizerPropertyTest, TokensAreTheMaximalRunsOfWordCharacters) {
  const uint64_t seed = naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  naql::testing::SplitMix64 rng(seed);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const std::string original = RandomText(rng, rng.Uniform(40));
    const Tokenized t = NormalizeAndTokenize(original);
    const std::string& text = t.folded.text;
    std::vector<std::pair<uint32_t, uint32_t>> expected;  // folded byte ranges
    bool in_word = false;
    for (size_t i = 0; i < text.size();) {
      char32_t c;
      const size_t n = internal::DecodeUtf8(text.data() + i, text.size() - i, &c);
      const bool word = internal::IsWordChar(c);
      if (word && !in_word) expected.emplace_back(i, 0);
      if (!word && in_word) expected.back().second = static_cast<uint32_t>(i);
      in_word = word;
      i += n;
    }
    if (in_word) expected.back().second = static_cast<uint32_t>(text.size());
    ASSERT_EQ(t.tokens.size(), expected.size()) << "iteration " << iteration;
    for (size_t j = 0; j < expected.size(); ++j) {
      ASSERT_EQ(t.tokens[j].folded_begin, expected[j].first);
      ASSERT_EQ(t.tokens[j].folded_end, expected[j].second);
      ASSERT_LE(t.tokens[j].folded_begin, t.tokens[j].stem_begin);
      ASSERT_LT(t.tokens[j].stem_begin, t.tokens[j].folded_end);
      ASSERT_EQ(t.tokens[j].hash, Tokenizer().HashWord(StemText(t.folded, t.tokens[j])));
      if (j > 0) {
        ASSERT_LE(t.tokens[j - 1].original.byte_end, t.tokens[j].original.byte_end);
        ASSERT_LE(t.tokens[j - 1].original.byte_begin, t.tokens[j].original.byte_begin);
      }
    }
  }
}

// The round trip of issue item 7: original[span.begin, span.end) normalizes back to the token.
// When the token's first and last sources are its own (no expansion shared with the neighbours,
// such as U+FDFA's four words) the span normalizes to exactly the token's folded text; otherwise
// the token is among the words the span normalizes to.
TEST(TokenizerPropertyTest, OriginalSpanNormalizesBackToTheToken) {
  const uint64_t seed = naql::testing::TestSeed() + 1;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed - 1));
  naql::testing::SplitMix64 rng(seed);
  int exact = 0, shared = 0;
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const std::string original = RandomText(rng, rng.Uniform(40));
    const Tokenized t = NormalizeAndTokenize(original);
    const OffsetMap& map = t.folded.map;
    // Folded code point index of each folded byte offset that starts a code point.
    std::vector<uint32_t> cp_of_byte(t.folded.text.size() + 1, 0);
    uint32_t cp = 0;
    for (size_t i = 0; i < t.folded.text.size();) {
      cp_of_byte[i] = cp++;
      char32_t c;
      i += internal::DecodeUtf8(t.folded.text.data() + i, t.folded.text.size() - i, &c);
    }
    cp_of_byte[t.folded.text.size()] = cp;
    for (const Token& token : t.tokens) {
      const std::string span = OriginalText(original, token);
      SCOPED_TRACE(absl::StrCat("iteration ", iteration, " token ", WordText(t.folded, token)));
      const Tokenized again = NormalizeAndTokenize(span);
      const uint32_t first = cp_of_byte[token.folded_begin];
      const uint32_t last = cp_of_byte[token.folded_end] - 1;
      const bool own =
          (first == 0 || map.byte_begins()[first - 1] != map.byte_begins()[first]) &&
          (last + 1 == map.size() || map.byte_begins()[last + 1] != map.byte_begins()[last]);
      if (own) {
        ++exact;
        ASSERT_EQ(again.folded.text, WordText(t.folded, token));
        ASSERT_EQ(again.tokens.size(), 1u);
        ASSERT_EQ(again.tokens[0].hash, token.hash);
        ASSERT_EQ(again.tokens[0].original.byte_end, span.size());
      } else {
        ++shared;
        bool found = false;
        for (const Token& other : again.tokens) {
          found |= other.hash == token.hash &&
                   WordText(again.folded, other) == WordText(t.folded, token);
        }
        ASSERT_TRUE(found);
      }
    }
  }
  EXPECT_GT(exact, 1000) << "the generator must exercise the exact case";
  EXPECT_GT(shared, 10) << "and the shared-expansion case";
}

}  // namespace
}  // namespace naql
