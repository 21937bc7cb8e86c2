// The aligner on the seed articles (fixtures/seeds/): real reuse between Arabic news outlets, with
// words dropped, added and reworded, spellings swapped, quote marks changed. Each expected passage
// must lie inside a single reported span on both sides — found whole, not as fragments.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "naql/aligner.h"
#include "naql/normalizer.h"
#include "naql/tokenizer.h"
#include "testing.h"

namespace naql {
namespace {

constexpr char kSeed000[] = "seeds/000_99452b6767717ae0.txt";
constexpr char kSeed001[] = "seeds/001_2a4121b5c08e2776.txt";
constexpr char kSeed002[] = "seeds/002_a9d73c9a569c5f0a.txt";
constexpr char kSeed003[] = "seeds/003_51295827b7bc72d8.txt";
constexpr char kSeed004[] = "seeds/004_1c35502ac1d29cba.txt";

struct Article {
  std::string original;
  NormalizedText text;
  std::vector<Token> tokens;
  TokenSequence sequence() const { return TokenSequence{&text, tokens}; }
};

Article Analyze(std::string original) {
  static const Normalizer* normalizer = new Normalizer();
  static const Tokenizer* tokenizer = new Tokenizer();
  Article article;
  article.original = std::move(original);
  normalizer->Normalize(article.original, &article.text);
  tokenizer->Tokenize(article.text, &article.tokens);
  return article;
}

Article Load(const char* fixture) {
  return Analyze(testing::ReadFileOrDie(testing::FixturePath(fixture)));
}

std::string SpanText(const std::string& original, const OriginalSpan& span) {
  return original.substr(span.byte_begin, span.byte_end - span.byte_begin);
}

std::string Describe(const Article& a, const Article& b, const std::vector<Span>& spans) {
  std::string out = absl::StrCat(spans.size(), " spans:\n");
  for (const Span& s : spans) {
    absl::StrAppend(&out, "  a[", s.a_token_begin, ", ", s.a_token_end, ") b[", s.b_token_begin,
                    ", ", s.b_token_end, ") similarity ", s.similarity,
                    "\n    a: ", SpanText(a.original, s.a), "\n    b: ", SpanText(b.original, s.b),
                    "\n");
  }
  return out;
}

// Whether one span contains passage_a (in a's original text) and passage_b (in b's).
bool OneSpanContains(const Article& a, const Article& b, const std::vector<Span>& spans,
                     const std::string& passage_a, const std::string& passage_b) {
  const size_t at_a = a.original.find(passage_a);
  const size_t at_b = b.original.find(passage_b);
  EXPECT_NE(at_a, std::string::npos) << "not in a: " << passage_a;
  EXPECT_NE(at_b, std::string::npos) << "not in b: " << passage_b;
  if (at_a == std::string::npos || at_b == std::string::npos) return false;
  for (const Span& s : spans) {
    if (s.a.byte_begin <= at_a && at_a + passage_a.size() <= s.a.byte_end &&
        s.b.byte_begin <= at_b && at_b + passage_b.size() <= s.b.byte_end) {
      return true;
    }
  }
  return false;
}

// Offsets are consistent on real text: code point offsets count the code points before the byte
// offsets, and each span starts and ends on a word.
void ExpectOffsetsSliceText(const Article& doc, const std::vector<Token>& tokens,
                            const OriginalSpan& span, uint32_t token_begin, uint32_t token_end) {
  auto code_points = [&](uint32_t bytes) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < bytes; ++i) {
      count += (static_cast<unsigned char>(doc.original[i]) & 0xC0) != 0x80;
    }
    return count;
  };
  EXPECT_EQ(span.byte_begin, tokens[token_begin].original.byte_begin);
  EXPECT_EQ(span.byte_end, tokens[token_end - 1].original.byte_end);
  EXPECT_EQ(span.cp_begin, code_points(span.byte_begin));
  EXPECT_EQ(span.cp_end, code_points(span.byte_end));
}

void ExpectWellFormed(const Article& a, const Article& b, const std::vector<Span>& spans) {
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    if (i > 0) {
      EXPECT_LE(spans[i - 1].a_token_end, s.a_token_begin);
    }
    EXPECT_GE(std::min(s.a_words(), s.b_words()), AlignerOptions().min_words);
    ExpectOffsetsSliceText(a, a.tokens, s.a, s.a_token_begin, s.a_token_end);
    ExpectOffsetsSliceText(b, b.tokens, s.b, s.b_token_begin, s.b_token_end);
  }
}

// 000 and 003 carry General Milley's quotation with words dropped and added, and the same
// sentence reworded.
TEST(AlignerSeedsTest, MilleyQuotationAndRewordedSentence) {
  const Article a = Load(kSeed000);
  const Article b = Load(kSeed003);
  const std::vector<Span> spans = Aligner().Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, spans);
  EXPECT_TRUE(OneSpanContains(a, b, spans, "سيئة الصياغة وتوحي بالانسحاب، ولكن ليس هذا ما سوف يحدث",
                              "سيئة الصياغة وتوحي بالانسحاب، ليس هذا هو ما يحدث"))
      << Describe(a, b, spans);
  EXPECT_TRUE(OneSpanContains(
      a, b, spans, "مسودة سيئة الصياغة تهدف فقط إلى تسليط الضوء على زيادة في تحركات القوات",
      "مسودة سيئة الصياغة لا تهدف إلا لتسليط الضوء على زيادة في تحرك القوات"))
      << Describe(a, b, spans);
  // The same with the articles swapped.
  const std::vector<Span> swapped = Aligner().Align(b.sequence(), a.sequence());
  ExpectWellFormed(b, a, swapped);
  EXPECT_TRUE(OneSpanContains(b, a, swapped, "سيئة الصياغة وتوحي بالانسحاب، ليس هذا هو ما يحدث",
                              "سيئة الصياغة وتوحي بالانسحاب، ولكن ليس هذا ما سوف يحدث"))
      << Describe(b, a, swapped);
}

// 001 and 003 both quote the letter of General Seely; each of its four passages is found whole.
TEST(AlignerSeedsTest, LetterPassages) {
  const Article a = Load(kSeed001);
  const Article b = Load(kSeed003);
  const std::vector<Span> spans = Aligner().Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, spans);
  const std::vector<std::pair<std::string, std::string>> passages = {
      // The repositioning sentence: "من قبل" added, "(انتشار)" dropped.
      {"احتراما لسيادة جمهورية العراق وحسب ما طلب البرلمان العراقي ورئيس الوزراء، ستقوم قيادة "
       "قوة المهام المشتركة – عملية العزم الصلب بإعادة تمركز (انتشار) القوات خلال الأيام "
       "والأسابيع القادمة",
       "احتراماً لسيادة جمهورية العراق وحسب ما طلب من قبل البرلمان العراقي ورئيس الوزراء، ستقوم "
       "قيادة قوة المهام المشتركة – عملية العزم الصلب بإعادة تمركز القوات خلال الأيام والاسابيع "
       "القادمة"},
      // The safe-exit sentence: من/ومن.
      {"من أجل تنفيذ هذه المهمة يتوجب على قوات التحالف اتخاذ إجراءات معينة لضمان الخروج من "
       "العراق بشكل آمن",
       "ومن أجل تنفيذ هذه المهمة يتوجب على قوات التحالف اتخاذ إجراءات معينة لضمان الخروج من "
       "العراق بشكل آمن"},
      // The helicopter-flights sentence: فوق/داخل.
      {"خلال هذا الوقت ستكون هناك زيادة برحلات الطائرات المروحية فوق وحول المنطقة الخضراء في بغداد",
       "خلال هذا الوقت ستكون هناك زيادة برحلات الطائرات المروحية داخل وحول المنطقة الخضراء في "
       "بغداد"},
      // The partnership sentence: نؤكد/أؤكد, ونحن/فإننا, الذي/والذي.
      {"نؤكد على قيمة شراكتنا ودعوتكم لنا لدعم جمهوريتكم في وقت الحاجة خلال هزيمة تنظيم داعش، "
       "ونحن نحترم القرار السيادي الذي طالب برحيلنا",
       "أؤكد على قيمة شراكتنا ودعوتكم لنا لدعم جمهوريتكم في وقت الحاجة خلال هزيمة تنظيم داعش، "
       "فإننا نحترم القرار السيادي والذي طالب برحيلنا"},
  };
  for (const auto& [in_a, in_b] : passages) {
    EXPECT_TRUE(OneSpanContains(a, b, spans, in_a, in_b)) << in_a << "\n" << Describe(a, b, spans);
  }

  // Exact-only mode finds only fragments of these passages: that is what edit tolerance is for.
  AlignerOptions exact;
  exact.edit_tolerant = false;
  const std::vector<Span> fragments = Aligner(exact).Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, fragments);
  int whole = 0;
  for (const auto& [in_a, in_b] : passages) whole += OneSpanContains(a, b, fragments, in_a, in_b);
  EXPECT_EQ(whole, 0) << Describe(a, b, fragments);
}

// All five articles report the same story (US troops in Iraq, January 2020) and share many
// phrases ("وزير الدفاع الأمريكي مارك إسبر", "القوات الأمريكية", "في العراق"); only the pairs
// that really reuse text get spans. 001 and 002 share one sentence about the strike on Soleimani.
TEST(AlignerSeedsTest, SameStoryWithoutReuseGivesNoSpans) {
  const std::vector<const char*> fixtures = {kSeed000, kSeed001, kSeed002, kSeed003, kSeed004};
  std::vector<Article> articles;
  for (const char* fixture : fixtures) articles.push_back(Load(fixture));
  const Aligner aligner;
  for (size_t x = 0; x < articles.size(); ++x) {
    for (size_t y = x + 1; y < articles.size(); ++y) {
      const bool reuse = (x == 0 && y == 3) || (x == 1 && y == 3) || (x == 1 && y == 2);
      if (reuse) continue;
      const std::vector<Span> spans = aligner.Align(articles[x].sequence(), articles[y].sequence());
      EXPECT_TRUE(spans.empty()) << fixtures[x] << " vs " << fixtures[y] << "\n"
                                 << Describe(articles[x], articles[y], spans);
    }
  }
  const std::vector<Span> spans = aligner.Align(articles[1].sequence(), articles[2].sequence());
  ExpectWellFormed(articles[1], articles[2], spans);
  EXPECT_TRUE(OneSpanContains(articles[1], articles[2], spans,
                              "فيلق القدس في الحرس الثوري الإيراني قاسم سليماني، ونائب رئيس",
                              "فيلق القدس في الحرس الثوري الإيراني قاسم سليماني ونائب رئيس"))
      << Describe(articles[1], articles[2], spans);
}

// Outlets swap spellings (الأميركي/الأمريكي, ميلي/ميللي, هيئة/هيئه), quote marks and clitics: a
// republished copy with such changes is still one span over the whole article.
TEST(AlignerSeedsTest, RespelledCopyIsOneSpan) {
  const Article a = Load(kSeed000);
  const std::string respelled = absl::StrReplaceAll(a.original, {{"الأميركي", "الأمريكي"},
                                                                 {"ميلي", "ميللي"},
                                                                 {"هيئة", "هيئه"},
                                                                 {"«", "\""},
                                                                 {"»", "\""},
                                                                 {" الرسالة", " والرسالة"},
                                                                 {"إسبر", "اسبر"}});
  ASSERT_NE(respelled, a.original);
  const Article b = Analyze(respelled);
  ASSERT_EQ(a.tokens.size(), b.tokens.size());
  const std::vector<Span> spans = Aligner().Align(a.sequence(), b.sequence());
  ExpectWellFormed(a, b, spans);
  ASSERT_EQ(spans.size(), 1u) << Describe(a, b, spans);
  EXPECT_EQ(spans[0].a_token_begin, 0u);
  EXPECT_EQ(spans[0].a_token_end, a.tokens.size());
  EXPECT_EQ(spans[0].b_token_end, b.tokens.size());
  EXPECT_EQ(spans[0].edits, 0u);
  EXPECT_EQ(spans[0].matches, a.tokens.size());
  // Without edit tolerance the respelled words cut the article into pieces.
  AlignerOptions exact;
  exact.edit_tolerant = false;
  EXPECT_GT(Aligner(exact).Align(a.sequence(), b.sequence()).size(), 1u);
}

// Exact copies give exact spans, in both modes, on real text.
TEST(AlignerSeedsTest, ExactCopyIsOneExactSpan) {
  for (const char* fixture : {kSeed000, kSeed001, kSeed003}) {
    const Article a = Load(fixture);
    const Article b = Load(fixture);
    for (bool tolerant : {true, false}) {
      SCOPED_TRACE(absl::StrCat(fixture, tolerant ? " edit-tolerant" : " exact-only"));
      AlignerOptions o;
      o.edit_tolerant = tolerant;
      const std::vector<Span> spans = Aligner(o).Align(a.sequence(), b.sequence());
      ASSERT_EQ(spans.size(), 1u) << Describe(a, b, spans);
      const Span& s = spans[0];
      EXPECT_EQ(s.a_token_begin, 0u);
      EXPECT_EQ(s.a_token_end, a.tokens.size());
      EXPECT_EQ(s.b_token_begin, 0u);
      EXPECT_EQ(s.b_token_end, b.tokens.size());
      EXPECT_EQ(s.matches, a.tokens.size());
      EXPECT_EQ(s.edits, 0u);
      EXPECT_EQ(s.similarity, 1.0);
      EXPECT_EQ(s.a, s.b);
      EXPECT_EQ(s.a.byte_begin, a.tokens.front().original.byte_begin);
      EXPECT_EQ(s.a.byte_end, a.tokens.back().original.byte_end);
    }
  }
}

}  // namespace
}  // namespace naql
