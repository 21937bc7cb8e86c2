// Tests of the word marks of `naql compare` (cli/word_marks.h): known answers, agreement with the
// aligner's counts on the seed fixtures and on planted edits, the band against the full matrix,
// and the notation in the text.

#include "word_marks.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "naql/aligner.h"
#include "naql/fingerprinter.h"
#include "naql/pair_verifier.h"
#include "testing.h"

namespace naql::cli {
namespace {

using naql::testing::FixturePath;
using naql::testing::ReadFileOrDie;
using naql::testing::SplitMix64;
using naql::testing::TestSeed;

struct Analyzed {
  Document doc;
  AnalyzedText text;
};

Analyzed Analyze(const Fingerprinter& fingerprinter, const std::string& id, std::string text) {
  Analyzed out;
  out.doc.id = id;
  out.doc.text = std::move(text);
  fingerprinter.Analyze(out.doc.text, &out.text);
  return out;
}

uint32_t CountMarks(const std::vector<WordMark>& marks, WordMark which) {
  uint32_t count = 0;
  for (WordMark mark : marks) count += mark == which;
  return count;
}

// Every structural property of the marks of one span, and the counts the aligner reported.
void ExpectMarksAgree(const Span& span, const SpanWordMarks& marks) {
  ASSERT_EQ(marks.a.size(), span.a_words());
  ASSERT_EQ(marks.b.size(), span.b_words());
  // Matched words pair up: as many on each side as there are matches.
  EXPECT_EQ(marks.a.size() - CountMarks(marks.a, WordMark::kOneSide), marks.matches);
  EXPECT_EQ(marks.b.size() - CountMarks(marks.b, WordMark::kOneSide), marks.matches);
  EXPECT_EQ(CountMarks(marks.a, WordMark::kVariant), CountMarks(marks.b, WordMark::kVariant));
  // A span begins and ends on a matching pair of words.
  EXPECT_NE(marks.a.front(), WordMark::kOneSide);
  EXPECT_NE(marks.a.back(), WordMark::kOneSide);
  EXPECT_NE(marks.b.front(), WordMark::kOneSide);
  EXPECT_NE(marks.b.back(), WordMark::kOneSide);
  EXPECT_EQ(marks.matches, span.matches);
  EXPECT_EQ(marks.edits, span.edits);
}

TEST(WordMarksTest, KnownAnswerEditsAndVariants) {
  Fingerprinter fingerprinter{FingerprintOptions()};
  // b: a word added (سوف), a clitic-free variant (ستستأنف / تستأنف: one letter), a spelling
  // variant (الأميركية / الأمريكية), two words replaced by one (فقط إلى → إلا), and punctuation
  // and a diacritic that the normalizer folds (not differences).
  const Analyzed a = Analyze(fingerprinter, "a",
                             "قال وزير الخارجية إن المحادثات ستستأنف الأسبوع المقبل في العاصمة "
                             "الأميركية وتهدف فقط إلى تسليط الضوء على الأزمة");
  const Analyzed b = Analyze(fingerprinter, "b",
                             "قال وزيرُ الخارجية، إن المحادثات سوف تستأنف الأسبوع المقبل في "
                             "العاصمة الأمريكية وتهدف إلا تسليط الضوء على الأزمة");
  const AlignerOptions options;
  const SpanWordMarks marks = internal::AlignSpanWords(
      a.text.sequence(), 0, static_cast<uint32_t>(a.text.tokens.size()), b.text.sequence(), 0,
      static_cast<uint32_t>(b.text.tokens.size()), options);
  using M = WordMark;
  const M s = M::kSame, v = M::kVariant, o = M::kOneSide;
  EXPECT_EQ(marks.a, (std::vector<M>{s, s, s, s, s, v, s, s, s, s, v, s, o, o, s, s, s, s}));
  EXPECT_EQ(marks.b, (std::vector<M>{s, s, s, s, s, o, v, s, s, s, s, v, s, o, s, s, s, s}));
  EXPECT_EQ(marks.matches, 16u);
  EXPECT_EQ(marks.edits, 3u);  // one insertion; one substitution and one deletion

  Span span;
  span.a_token_begin = 0;
  span.a_token_end = static_cast<uint32_t>(a.text.tokens.size());
  span.b_token_begin = 0;
  span.b_token_end = static_cast<uint32_t>(b.text.tokens.size());
  PassageMarker marker(a.text, b.text, options);
  std::string line_a, line_b;
  marker.AppendMarked(span, a.doc, b.doc, &line_a, &line_b);
  EXPECT_EQ(line_a,
            "قال وزير الخارجية إن المحادثات ⟨ستستأنف⟩ الأسبوع المقبل في العاصمة ⟨الأميركية⟩ "
            "وتهدف ⟦فقط إلى⟧ تسليط الضوء على الأزمة");
  EXPECT_EQ(line_b,
            "قال وزيرُ الخارجية، إن المحادثات ⟦سوف⟧ ⟨تستأنف⟩ الأسبوع المقبل في العاصمة "
            "⟨الأمريكية⟩ وتهدف ⟦إلا⟧ تسليط الضوء على الأزمة");
  EXPECT_EQ(marker.Legend(), "⟦…⟧ words on one side only (edits), ⟨…⟩ spelling variants");

  MarkNotation colored;
  colored.color = true;
  PassageMarker color_marker(a.text, b.text, options, colored);
  std::string color_a, color_b;
  color_marker.AppendMarked(span, a.doc, b.doc, &color_a, &color_b);
  EXPECT_NE(color_b.find("\x1b[31m⟦سوف⟧\x1b[0m \x1b[35m⟨تستأنف⟩\x1b[0m"), std::string::npos)
      << color_b;
}

TEST(WordMarksTest, WhitespaceFoldedAndInvalidUtf8Repaired) {
  std::string out;
  AppendFolded("a \n\t b\xff", &out);
  EXPECT_EQ(out, "a b\uFFFD");
  out.clear();
  AppendFolded("\n، ", &out);
  EXPECT_EQ(out, " ، ");
}

// The counts of the marks are the aligner's on every span of every pair of seed articles.
TEST(WordMarksTest, AgreesWithAlignerOnSeedPairs) {
  const std::vector<std::string> names = {
      "seeds/000_99452b6767717ae0.txt", "seeds/001_2a4121b5c08e2776.txt",
      "seeds/002_a9d73c9a569c5f0a.txt", "seeds/003_51295827b7bc72d8.txt",
      "seeds/004_1c35502ac1d29cba.txt"};
  Fingerprinter fingerprinter{FingerprintOptions()};
  std::vector<Analyzed> docs;
  for (const std::string& name : names) {
    docs.push_back(Analyze(fingerprinter, name, ReadFileOrDie(FixturePath(name))));
  }
  const AlignerOptions options;
  const Aligner aligner(options);
  uint32_t spans = 0, variants = 0, edited = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    for (size_t j = i + 1; j < docs.size(); ++j) {
      PairReport report;
      if (!VerifyPair(aligner, docs[i].text, docs[j].text, &report)) continue;
      PassageMarker marker(docs[i].text, docs[j].text, options);
      for (const Span& span : report.spans) {
        SCOPED_TRACE(absl::StrCat(names[i], " / ", names[j], " span at a word ",
                                  span.a_token_begin));
        const SpanWordMarks marks = marker.Mark(span);
        ExpectMarksAgree(span, marks);
        ++spans;
        variants += CountMarks(marks.a, WordMark::kVariant) > 0;
        edited += marks.edits > 0;
      }
    }
  }
  // The seeds hold edited passages and spelling variants (000/003: الأميركية / الأمريكية).
  EXPECT_GE(spans, 8u);
  EXPECT_GE(variants, 2u);
  EXPECT_GE(edited, 3u);
}

// Random words of 2 to 9 Arabic letters.
std::string RandomWord(SplitMix64& rng) {
  static const char32_t kLetters[] = U"ابتثجحخدذرزسشصضطظعغفقكلمنهوي";
  const uint32_t length = 2 + static_cast<uint32_t>(rng.Uniform(8));
  std::u32string word;
  for (uint32_t i = 0; i < length; ++i) word.push_back(kLetters[rng.Uniform(28)]);
  std::string utf8;
  for (char32_t c : word) {  // all in U+0600..U+06FF: two bytes each
    utf8.push_back(static_cast<char>(0xC0 | (c >> 6)));
    utf8.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return utf8;
}

// A spelling variant of a word of at least 5 letters: one letter replaced.
std::string Misspell(const std::string& word, SplitMix64& rng) {
  std::string out = word;
  const size_t letter = 2 * rng.Uniform(word.size() / 2);
  out[letter + 1] = static_cast<char>(out[letter + 1] == '\xa7' ? '\xa8' : '\xa7');  // ا or ب
  out[letter] = '\xd8';
  return out;
}

// Planted passages with substituted, dropped, added and misspelt words between unrelated text:
// on spans in order (join_reordered off), the marks count the aligner's matches and edits.
TEST(WordMarksTest, AgreesWithAlignerOnPlantedEdits) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (set NAQL_TEST_SEED to replay)"));
  SplitMix64 rng(seed);
  Fingerprinter fingerprinter{FingerprintOptions()};
  AlignerOptions options;
  options.join_reordered = false;
  const Aligner aligner(options);
  uint32_t spans = 0, agreeing = 0;
  for (int trial = 0; trial < 60; ++trial) {
    std::string a, b;
    auto words = [&](std::string* out, int count) {
      for (int k = 0; k < count; ++k) absl::StrAppend(out, RandomWord(rng), " ");
    };
    words(&a, 5 + static_cast<int>(rng.Uniform(30)));
    words(&b, 5 + static_cast<int>(rng.Uniform(30)));
    const int length = 15 + static_cast<int>(rng.Uniform(60));
    for (int k = 0; k < length; ++k) {
      const std::string word = RandomWord(rng);
      a += word + " ";
      const uint64_t roll = rng.Uniform(100);
      if (roll < 4) {
        b += RandomWord(rng) + " ";  // substituted
      } else if (roll < 7) {
        // dropped
      } else if (roll < 10) {
        b += word + " " + RandomWord(rng) + " ";  // added
      } else if (roll < 15 && word.size() >= 10) {
        b += Misspell(word, rng) + " ";
      } else {
        b += word + " ";
      }
    }
    words(&a, 5 + static_cast<int>(rng.Uniform(30)));
    words(&b, 5 + static_cast<int>(rng.Uniform(30)));
    const Analyzed doc_a = Analyze(fingerprinter, "a", a);
    const Analyzed doc_b = Analyze(fingerprinter, "b", b);
    PairReport report;
    if (!VerifyPair(aligner, doc_a.text, doc_b.text, &report)) continue;
    PassageMarker marker(doc_a.text, doc_b.text, options);
    for (const Span& span : report.spans) {
      const SpanWordMarks marks = marker.Mark(span);
      ++spans;
      agreeing += marks.matches == span.matches && marks.edits == span.edits;
      ASSERT_EQ(marks.a.size(), span.a_words());
      ASSERT_EQ(marks.b.size(), span.b_words());
      EXPECT_EQ(marks.a.size() - CountMarks(marks.a, WordMark::kOneSide), marks.matches);
    }
  }
  ASSERT_GE(spans, 40u);
  // X-drop extension can end on a different but equally scored path; it rarely does.
  EXPECT_GE(agreeing, spans * 95 / 100) << agreeing << " of " << spans << " spans agree";
}

// Long spans are aligned in a band; where the path stays in the band, the marks are those of the
// whole matrix.
TEST(WordMarksTest, BandEqualsFullMatrixOnLongSpans) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (set NAQL_TEST_SEED to replay)"));
  SplitMix64 rng(seed ^ 0x62616e64);
  Fingerprinter fingerprinter{FingerprintOptions()};
  const AlignerOptions options;
  for (int trial = 0; trial < 4; ++trial) {
    std::string a, b;
    for (int k = 0; k < 700; ++k) {
      const std::string word = RandomWord(rng);
      a += word + " ";
      const uint64_t roll = rng.Uniform(100);
      if (roll < 5) b += RandomWord(rng) + " ";
      else if (roll < 8) {}
      else if (roll < 11) b += word + " " + RandomWord(rng) + " ";
      else b += word + " ";
    }
    const Analyzed doc_a = Analyze(fingerprinter, "a", a);
    const Analyzed doc_b = Analyze(fingerprinter, "b", b);
    const uint32_t n = static_cast<uint32_t>(doc_a.text.tokens.size());
    const uint32_t m = static_cast<uint32_t>(doc_b.text.tokens.size());
    const SpanWordMarks full = internal::AlignSpanWords(doc_a.text.sequence(), 0, n,
                                                        doc_b.text.sequence(), 0, m, options,
                                                        /*max_full_cells=*/1ull << 40);
    const SpanWordMarks banded = internal::AlignSpanWords(doc_a.text.sequence(), 0, n,
                                                          doc_b.text.sequence(), 0, m, options,
                                                          /*max_full_cells=*/0);
    EXPECT_EQ(banded.a, full.a) << "trial " << trial;
    EXPECT_EQ(banded.b, full.b) << "trial " << trial;
    EXPECT_EQ(banded.matches, full.matches);
    EXPECT_EQ(banded.edits, full.edits);
    EXPECT_GT(full.matches, n * 8 / 10);
  }
}

}  // namespace
}  // namespace naql::cli
