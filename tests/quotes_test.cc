// Tests of naql/quotes.h: quotation detection (known answers for every mark and verb form, offsets
// checked against an independent decoder), InsideQuotation's tolerance, and the clusterer on the
// seed fixtures and on synthetic corpora with planted, edited quotations.

#include "naql/quotes.h"

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "spill_file.h"
#include "testing.h"
#include "utf8.h"

namespace naql {
namespace {

using ::naql::testing::FixturePath;
using ::naql::testing::ReadFileOrDie;
using ::naql::testing::SplitMix64;
using ::naql::testing::TestSeed;

// Code points of `text` by an independent route: the standard library's UTF-32 view is not
// available for invalid input, so decode with the project's decoder and keep byte offsets.
struct CodePoints {
  std::vector<uint32_t> byte_of;  // byte offset of each code point, plus the end
};
CodePoints DecodeAll(absl::string_view text) {
  CodePoints out;
  size_t i = 0;
  while (i < text.size()) {
    out.byte_of.push_back(static_cast<uint32_t>(i));
    char32_t c;
    i += internal::DecodeUtf8(text.data() + i, text.size() - i, &c);
  }
  out.byte_of.push_back(static_cast<uint32_t>(text.size()));
  return out;
}

std::string Slice(absl::string_view text, const OriginalSpan& span) {
  return std::string(text.substr(span.byte_begin, span.byte_end - span.byte_begin));
}

// Detects with `options`, checks the invariants every result must satisfy (ordered, disjoint,
// byte and code point offsets agree, word counts in range) and returns the quoted texts.
std::vector<std::string> Quotes(absl::string_view text,
                                const QuoteDetectorOptions& options = QuoteDetectorOptions(),
                                std::vector<Quotation>* quotations = nullptr) {
  QuoteDetector detector(options);
  std::vector<Quotation> found;
  detector.Detect(text, &found);
  const CodePoints cps = DecodeAll(text);
  std::vector<std::string> out;
  for (size_t i = 0; i < found.size(); ++i) {
    const Quotation& q = found[i];
    EXPECT_LT(q.span.cp_begin, q.span.cp_end);
    EXPECT_LE(q.span.cp_end, cps.byte_of.size() - 1);
    if (q.span.cp_end < cps.byte_of.size()) {
      EXPECT_EQ(q.span.byte_begin, cps.byte_of[q.span.cp_begin]);
      EXPECT_EQ(q.span.byte_end, cps.byte_of[q.span.cp_end]);
    }
    EXPECT_GE(q.words, options.min_words);
    EXPECT_LE(q.words, options.max_words);
    if (i > 0) {
      EXPECT_LE(found[i - 1].span.cp_end, q.span.cp_begin) << "overlap or disorder";
    }
    out.push_back(Slice(text, q.span));
  }
  if (quotations != nullptr) *quotations = found;
  return out;
}

using Strings = std::vector<std::string>;

// ---- Marked quotations: each mark kind ----------------------------------------------------------

TEST(QuoteDetectorTest, Guillemets) {
  std::vector<Quotation> q;
  EXPECT_EQ(Quotes("قال الوزير «هذه الخطة لن تتغير أبدا» ثم غادر القاعة.", {}, &q),
            Strings{"هذه الخطة لن تتغير أبدا"});
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].kind, Quotation::Kind::kMarked);
  EXPECT_EQ(q[0].words, 5u);
  EXPECT_STREQ(QuotationKindName(q[0].kind), "marked");
}

TEST(QuoteDetectorTest, CurlyDoubleQuotes) {
  EXPECT_EQ(Quotes("وقال “لا يوجد قرار على الإطلاق” للصحفيين"),
            Strings{"لا يوجد قرار على الإطلاق"});
}

TEST(QuoteDetectorTest, LowNineQuotes) {
  EXPECT_EQ(Quotes("Er sagte „wir bleiben hier im Land“ gestern."),
            Strings{"wir bleiben hier im Land"});
}

TEST(QuoteDetectorTest, SingleCurlyQuotesAndApostrophes) {
  // ’ followed by a letter is an apostrophe; ‘ after a letter is a transliterated ayn.
  EXPECT_EQ(Quotes("The Qur’an scholar at the Ka‘ba said ‘we shall not leave’ today."),
            Strings{"we shall not leave"});
}

TEST(QuoteDetectorTest, SingleAngleQuotes) {
  EXPECT_EQ(Quotes("قال ‹سنواصل العمل حتى النهاية› أمس"), Strings{"سنواصل العمل حتى النهاية"});
}

TEST(QuoteDetectorTest, StraightQuotesPairInOrder) {
  EXPECT_EQ(Quotes("قال \"الأولى هنا بكل وضوح\" و\"الثانية هناك بكل تأكيد\" ثم مضى."),
            (Strings{"الأولى هنا بكل وضوح", "الثانية هناك بكل تأكيد"}));
}

TEST(QuoteDetectorTest, MirroredMarks) {
  // Reversed guillemets, the same mark on both sides after a colon (seed 004), mirrored curly.
  EXPECT_EQ(Quotes("قال »لن نغادر هذا البلد« أمس"), Strings{"لن نغادر هذا البلد"});
  EXPECT_EQ(Quotes("قال الجنرال “فرانك ماكنزي” :”إن القوات الأمريكية ستبقى هناك”."),
            Strings{"إن القوات الأمريكية ستبقى هناك"});
  EXPECT_EQ(Quotes("بشأن الرسالة ”لا يوجد قرار على الإطلاق“، مضيفا"),
            Strings{"لا يوجد قرار على الإطلاق"});
}

TEST(QuoteDetectorTest, InvisibleControlsAroundMarks) {
  // U+200F RIGHT-TO-LEFT MARK on both sides of the marks and inside them.
  EXPECT_EQ(Quotes("قال\u200F «\u200Fهذه الخطة لن تتغير\u200F» \u200Fأمس"),
            Strings{"هذه الخطة لن تتغير"});
}

// ---- Nesting, unbalanced marks, line breaks -----------------------------------------------------

TEST(QuoteDetectorTest, NestedQuotationIsOneQuotation) {
  EXPECT_EQ(Quotes("وأضاف «قال لنا “لن نغادر العراق” ثم صمت طويلا» في المقابلة"),
            Strings{"قال لنا “لن نغادر العراق” ثم صمت طويلا"});
}

TEST(QuoteDetectorTest, UnclosedOpeningMarkDoesNotHideLaterQuotations) {
  EXPECT_EQ(Quotes("«بداية بلا نهاية هنا ثم قال “لن نغادر هذا المكان” وانتهى"),
            Strings{"لن نغادر هذا المكان"});
}

TEST(QuoteDetectorTest, StrayClosingMarksAreIgnored) {
  EXPECT_EQ(Quotes("كلمة» هنا ثم «هذه جملة مقتبسة كاملة» أخيرا"),
            Strings{"هذه جملة مقتبسة كاملة"});
  EXPECT_EQ(Quotes("كلمة\" هنا ثم \"هذه جملة مقتبسة كاملة\" أخيرا"),
            Strings{"هذه جملة مقتبسة كاملة"});
}

TEST(QuoteDetectorTest, CrossedMarksNeverOverlap) {
  std::vector<std::string> quotes = Quotes("«أ ب ج “د هـ و» ز ح ط” ي ك ل");
  // The « » pair closes over the open “, which is abandoned; the final ” then has nothing open.
  EXPECT_EQ(quotes, Strings{"أ ب ج “د هـ و"});
}

TEST(QuoteDetectorTest, UnbalancedStraightQuoteDoesNotShiftTheNextLine) {
  EXPECT_EQ(Quotes("قال \"نص بلا إغلاق هنا أبدا\nوأضاف \"هذه جملة مقتبسة كاملة\" للصحفيين"),
            Strings{"هذه جملة مقتبسة كاملة"});
}

TEST(QuoteDetectorTest, OddStraightQuotesInOneLine) {
  // From seed 003: an inner opening mark whose closing mark was lost.
  EXPECT_EQ(Quotes("وأشار إلى أن \"هذه الزيادة في الطيران المروحي سيكون بواسطة الطائرات "
                   "\"CH-47 و AH-64 و UH-60\"."),
            Strings{"هذه الزيادة في الطيران المروحي سيكون بواسطة الطائرات"});
}

TEST(QuoteDetectorTest, QuotationsSpanSingleLineBreaks) {
  EXPECT_EQ(Quotes("قال «السطر الأول من الاقتباس\nوالسطر الثاني منه» ثم"),
            Strings{"السطر الأول من الاقتباس\nوالسطر الثاني منه"});
  EXPECT_EQ(Quotes("قال \"السطر الأول من الاقتباس\r\nوالسطر الثاني منه\" ثم"),
            Strings{"السطر الأول من الاقتباس\r\nوالسطر الثاني منه"});
}

TEST(QuoteDetectorTest, ParagraphBreakAbandonsOpenMarks) {
  EXPECT_EQ(Quotes("قال «نص يبدأ هنا ولا\n\nينتهي في الفقرة التالية» ثم"), Strings{});
  EXPECT_EQ(Quotes("قال «نص يبدأ هنا ولا\n \t\nينتهي في الفقرة التالية» ثم"), Strings{});
  EXPECT_EQ(Quotes("قال «نص يبدأ هنا ولا\u2029ينتهي في الفقرة التالية» ثم"), Strings{});
}

TEST(QuoteDetectorTest, EmptyAndShortQuotations) {
  EXPECT_EQ(Quotes("«» « » \"\" “  ” وكالة «فرانس برس» و«داعش»"), Strings{});
  QuoteDetectorOptions two;
  two.min_words = 2;
  EXPECT_EQ(Quotes("«» « » وكالة «فرانس برس» و«داعش»", two), Strings{"فرانس برس"});
  EXPECT_EQ(Quotes(""), Strings{});
}

TEST(QuoteDetectorTest, MispairedLongPairIsDroppedAndInnerPairsKept) {
  QuoteDetectorOptions options;
  options.max_words = 6;
  EXPECT_EQ(Quotes("«أ ب ج د هـ و ز “ح ط ي” ك»", options), Strings{"ح ط ي"});
}

TEST(QuoteDetectorTest, DeepNestingAndMarkFloodsStayLinear) {
  // 40 nested guillemets: the 8 oldest open marks are forgotten (32 stay open), so the outermost
  // pair is the 9th «, closed by the 32nd », holding 31 levels; the last 8 » are stray.
  auto repeat = [](const char* piece, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += piece;
    return out;
  };
  const std::string nested = repeat("«", 40) + "أ ب ج د" + repeat("»", 40);
  EXPECT_EQ(Quotes(nested), Strings{repeat("«", 31) + "أ ب ج د" + repeat("»", 31)});
  // Floods of marks that never pair: each one must cost O(1).
  std::string flood = "‘ ";
  for (int i = 0; i < 100000; ++i) flood += "« ";
  for (int i = 0; i < 100000; ++i) flood += "’ب ";
  for (int i = 0; i < 100000; ++i) flood += "قال ";
  EXPECT_EQ(Quotes(flood), Strings{});
}

TEST(QuoteDetectorTest, RandomMarkSoupKeepsInvariants) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  SplitMix64 rng(seed);
  size_t found = 0;
  const char* const kPieces[] = {"«", "»", "“", "”", "„", "‘", "’", "‹", "›", "\"", "＂",
                                 " ", " ", " ", "\n", "\n\n", ":", ".", "،", "\u200F",
                                 "\xFF", "\xE2\x80", "قال", "وأضافت", "مؤكدا", "كلمة",
                                 "نص", "word", "10", "..", "؟"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int length = 1 + static_cast<int>(rng.Uniform(60));
    for (int i = 0; i < length; ++i) {
      text += kPieces[rng.Uniform(std::size(kPieces))];
      if (rng.Bernoulli(0.5)) text += " ";
    }
    QuoteDetectorOptions options;
    options.min_words = 1 + static_cast<uint32_t>(rng.Uniform(3));
    options.max_words = options.min_words + static_cast<uint32_t>(rng.Uniform(10));
    SCOPED_TRACE(text);
    found += Quotes(text, options).size();  // checks order, disjointness, offsets, word counts
  }
  EXPECT_GT(found, 500u);  // the soup does exercise the pairing and reported-speech paths
}

// ---- Reported speech -----------------------------------------------------------------------------

TEST(QuoteDetectorTest, ReportedSpeechAfterEachVerbForm) {
  const char* const kForms[] = {
      "قال",    "وقال",   "فقال",   "قالت",   "وقالت",   "قالوا",   "يقول",   "قائلا",
      "أضاف",   "وأضاف",  "وأضافت", "مضيفا",  "مضيفاً",  "مضيفة",   "أكد",    "وأكدت",
      "مؤكدا",  "مؤكدةً", "أوضح",   "وأوضحت", "موضحا",   "صرح",     "وصرّح",  "تابع",
      "وتابعت", "أشار",   "وأشارت", "مشيرا",  "ذكر",     "وذكرت",   "شدد",    "مشددا",
      "اعتبر",  "واعتبرت", "كشف",   "وكشفت",  "لفت",     "ولفتت",   "لافتا",  "ختم",
      "وختمت",  "واختتم", "أعلن",   "أردف",   "حذر",     "محذرا",   "علق",    "وكتب",
  };
  for (const char* form : kForms) {
    SCOPED_TRACE(form);
    const std::string text =
        absl::StrCat("في المؤتمر ", form, " المتحدث باسم الوزارة: الوضع الأمني مستقر تماما في ",
                     "العاصمة. وانتهى المؤتمر بعدها.");
    std::vector<Quotation> q;
    EXPECT_EQ(Quotes(text, {}, &q), Strings{"الوضع الأمني مستقر تماما في العاصمة"});
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].kind, Quotation::Kind::kReported);
    EXPECT_STREQ(QuotationKindName(q[0].kind), "reported");
  }
}

TEST(QuoteDetectorTest, IsVerbOfSaying) {
  QuoteDetector detector;
  for (const char* yes : {"قال", "وقالت", "فأضاف", "مُؤَكِّدًا", "مـؤكـدا", "أوضحت", "اكد",
                          "ولفت", "اختتم"}) {
    EXPECT_TRUE(detector.IsVerbOfSaying(yes)) << yes;
  }
  for (const char* no : {"", "الرسالة", "قالب", "بين", "التابع", "و", "وو", "مقال",
                         "قالقالقالقالقالقالقالقالقالقالقالقالقالقالقالقالقال"}) {
    EXPECT_FALSE(detector.IsVerbOfSaying(no)) << no;
  }
}

// Detect looks a word up only when its first folded letters can begin a verb form (a prefilter);
// IsVerbOfSaying looks every word up. The two must agree on every word, with and without
// diacritics, tatweel, hamza forms and a leading و/ف.
TEST(QuoteDetectorTest, DetectFindsReportedSpeechExactlyAfterVerbsOfSaying) {
  QuoteDetector detector;
  const char* const kWords[] = {
      "قال",   "وقال",   "فقال",  "وَقَالَ", "فـقـال", "قَالَتْ", "يقول",  "قائلا",   "أضاف",
      "اضاف",  "إضاف",   "وأضاف", "مضيفاً", "مُؤَكِّدًا", "مـؤكـدا", "يؤكد", "يوكد",   "اكد",
      "أوضحت", "وصرّح",  "تابع",  "ولفت",   "اختتم", "أعلن",  "وحذر",  "علق",    "وكتب",
      "الرسالة", "قالب", "بين",  "التابع", "و",      "ف",     "وو",    "مقال",   "قل",
      "الوزير", "وزير",  "فقد",   "والقال", "ققال",  "قاال",  "ى",     "ـ",      "ُقال",
  };
  for (const char* word : kWords) {
    SCOPED_TRACE(word);
    const std::string text = absl::StrCat("في المؤتمر ", word,
                                          " المتحدث باسم الوزارة: الوضع الأمني مستقر تماما في ",
                                          "العاصمة. وانتهى المؤتمر بعدها.");
    std::vector<Quotation> q;
    detector.Detect(text, &q);
    EXPECT_EQ(!q.empty(), detector.IsVerbOfSaying(word));
  }
}

TEST(QuoteDetectorTest, ReportedSpeechEnds) {
  // At a line break, at a question mark, not at a decimal point or an ellipsis.
  EXPECT_EQ(Quotes("وقال: الوضع مستقر تماما في العاصمة\nخبر آخر هنا."),
            Strings{"الوضع مستقر تماما في العاصمة"});
  EXPECT_EQ(Quotes("وقال: هل الوضع مستقر في العاصمة؟ لا أحد يعرف."),
            Strings{"هل الوضع مستقر في العاصمة"});
  EXPECT_EQ(Quotes("وقال: ارتفع المؤشر 3.5 بالمئة اليوم.. وهذا جيد. ثم"),
            Strings{"ارتفع المؤشر 3.5 بالمئة اليوم.. وهذا جيد"});
  // At the end of the text, and cut at max_words.
  EXPECT_EQ(Quotes("وقال: الوضع مستقر تماما في العاصمة"), Strings{"الوضع مستقر تماما في العاصمة"});
  QuoteDetectorOptions options;
  options.max_words = 4;
  EXPECT_EQ(Quotes("وقال: الوضع مستقر تماما في العاصمة", options), Strings{"الوضع مستقر تماما في"});
}

TEST(QuoteDetectorTest, ReportedSpeechNeedsAVerbAndANearbyColon) {
  EXPECT_EQ(Quotes("ملاحظة: هذا نص عادي طويل بما يكفي."), Strings{});
  // Nine words between the verb and the colon: too far with the default of eight.
  const std::string far = "وقال أ ب ت ث ج ح خ د ذ: الوضع مستقر تماما في العاصمة.";
  EXPECT_EQ(Quotes(far), Strings{});
  QuoteDetectorOptions options;
  options.max_words_before_colon = 9;
  EXPECT_EQ(Quotes(far, options), Strings{"الوضع مستقر تماما في العاصمة"});
  // The colon must be in the same sentence, and a clock time is no colon.
  EXPECT_EQ(Quotes("وقال إنه سيأتي. ملاحظة: الوضع مستقر تماما في العاصمة."), Strings{});
  EXPECT_EQ(Quotes("وقال إن الاجتماع في 10:30 صباحا مع الوزير الجديد."), Strings{});
  // Eight words between them: near enough (the boundary of the default).
  EXPECT_EQ(Quotes("وقال أ ب ت ث ج ح خ د: الوضع مستقر تماما في العاصمة."),
            Strings{"الوضع مستقر تماما في العاصمة"});
  // A clock time between the verb and the colon is stepped over.
  EXPECT_EQ(Quotes("وقال في الساعة 10:30 للصحفيين: الوضع مستقر تماما في العاصمة."),
            Strings{"الوضع مستقر تماما في العاصمة"});
  // Only the first colon after the verb introduces speech; a later one in the speech does not
  // start another.
  EXPECT_EQ(Quotes("وقال أمرين: أولا ثم ثانيا: الوضع مستقر تماما في العاصمة."),
            Strings{"أولا ثم ثانيا: الوضع مستقر تماما في العاصمة"});
  EXPECT_EQ(Quotes("ملاحظة: قال أمرين ثم: الوضع مستقر تماما في العاصمة."),
            Strings{"الوضع مستقر تماما في العاصمة"});
  // The verb on the line before the colon, or no word at all before the colon.
  EXPECT_EQ(Quotes("وقال\nملاحظة: الوضع مستقر تماما في العاصمة."), Strings{});
  EXPECT_EQ(Quotes(": الوضع مستقر تماما في العاصمة."), Strings{});
  EXPECT_EQ(Quotes("  : الوضع مستقر تماما في العاصمة."), Strings{});
  // Disabled.
  QuoteDetectorOptions off;
  off.reported_speech = false;
  EXPECT_EQ(Quotes("وقال: الوضع مستقر تماما في العاصمة.", off), Strings{});
}

TEST(QuoteDetectorTest, ColonFollowedByMarkedQuotation) {
  std::vector<Quotation> q;
  EXPECT_EQ(Quotes("وقال إسبر: «نحن لا نسعى لحرب مع إيران»، مضيفا أن بلاده مستعدة.", {}, &q),
            Strings{"نحن لا نسعى لحرب مع إيران"});
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].kind, Quotation::Kind::kMarked);
  // A stray mark after the colon: the sentence after it.
  EXPECT_EQ(Quotes("وقال: \"الوضع مستقر تماما في العاصمة."), Strings{"الوضع مستقر تماما في العاصمة"});
}

TEST(QuoteDetectorTest, ReportedSpeechContainingMarkedQuotationIsOneQuotation) {
  std::vector<Quotation> q;
  EXPECT_EQ(Quotes("وقال: إن الأمر «خطير. جدا» وفق تعبيره اليوم. ثم غادر.", {}, &q),
            Strings{"إن الأمر «خطير. جدا» وفق تعبيره اليوم"});
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].kind, Quotation::Kind::kReported);
  // Ending with a marked pair keeps its closing mark.
  EXPECT_EQ(Quotes("وقال: إن الأمر كما قيل «خطير جدا». ثم"), Strings{"إن الأمر كما قيل «خطير جدا»"});
}

TEST(QuoteDetectorTest, TwoVerbsBeforeOneColonGiveOneQuotation) {
  EXPECT_EQ(Quotes("وقال مؤكدا: الوضع مستقر تماما في العاصمة."),
            Strings{"الوضع مستقر تماما في العاصمة"});
}

// ---- Offsets -------------------------------------------------------------------------------------

TEST(QuoteDetectorTest, OffsetsInBytesAndCodePoints) {
  // Diacritics, a 4-byte emoji and an invalid byte before the quotation shift bytes and code
  // points differently.
  const std::string text = "😀 \xFF أَكَّدَ «سَيِّئَة الصياغة وتوحي بالانسحاب»";
  std::vector<Quotation> q;
  EXPECT_EQ(Quotes(text, {}, &q), Strings{"سَيِّئَة الصياغة وتوحي بالانسحاب"});
  ASSERT_EQ(q.size(), 1u);
  // "😀 \xFF أَكَّدَ «" is 1 + 1 + 1 + 1 + 7 + 1 + 1 = 13 code points.
  EXPECT_EQ(q[0].span.cp_begin, 13u);
  EXPECT_EQ(q[0].span.byte_begin, 4u + 1 + 1 + 1 + 14 + 1 + 2);
  EXPECT_EQ(q[0].span.cp_end - q[0].span.cp_begin, 32u);  // 8 + 1 + 7 + 1 + 5 + 1 + 9
  EXPECT_EQ(q[0].span.byte_end, text.size() - 2);
}

TEST(QuoteDetectorTest, InvalidUtf8IsNeverAMark) {
  // Truncated and stray sequences around and inside the marks.
  const std::string text = "\xE2\x80 قال «\xC0 نص \xED\xA0\x80 فيه بايتات خاطئة» \xE2\x80";
  std::vector<Quotation> q;
  Strings quotes = Quotes(text, {}, &q);
  ASSERT_EQ(quotes.size(), 1u);
  EXPECT_EQ(quotes[0], "\xC0 نص \xED\xA0\x80 فيه بايتات خاطئة");
}

// ---- Seeds ---------------------------------------------------------------------------------------

TEST(QuoteDetectorTest, SeedMilleyQuotations) {
  const std::string a = ReadFileOrDie(FixturePath("seeds/000_99452b6767717ae0.txt"));
  const std::string b = ReadFileOrDie(FixturePath("seeds/003_51295827b7bc72d8.txt"));
  const Strings qa = Quotes(a);
  const Strings qb = Quotes(b);
  EXPECT_NE(std::find(qa.begin(), qa.end(), "سيئة الصياغة وتوحي بالانسحاب، ولكن ليس هذا ما سوف يحدث"),
            qa.end());
  EXPECT_NE(std::find(qb.begin(), qb.end(), "سيئة الصياغة وتوحي بالانسحاب، ليس هذا هو ما يحدث"),
            qb.end());
  EXPECT_EQ(qa.size(), 6u) << absl::StrJoin(qa, "\n");
  EXPECT_EQ(qb.size(), 13u) << absl::StrJoin(qb, "\n");
}

TEST(QuoteDetectorTest, SeedReportedSpeechWithMirroredMarks) {
  const std::string text = ReadFileOrDie(FixturePath("seeds/004_1c35502ac1d29cba.txt"));
  const Strings quotes = Quotes(text);
  ASSERT_FALSE(quotes.empty());
  EXPECT_EQ(quotes[0],
            "إن القوات الأمريكية الموجودة حالياً في العراق، والتي يبلغ عددها 2500، ستبقى هناك في "
            "المستقبل المنظور");
}

// ---- Options -------------------------------------------------------------------------------------

TEST(QuoteDetectorOptionsTest, Validate) {
  EXPECT_TRUE(QuoteDetectorOptions().Validate().ok());
  QuoteDetectorOptions o;
  o.min_words = 0;
  EXPECT_EQ(o.Validate().code(), absl::StatusCode::kInvalidArgument);
  o = QuoteDetectorOptions();
  o.min_words = 300;
  EXPECT_EQ(o.Validate().code(), absl::StatusCode::kInvalidArgument);
  o = QuoteDetectorOptions();
  o.max_words = 100001;
  EXPECT_EQ(o.Validate().code(), absl::StatusCode::kInvalidArgument);
  o = QuoteDetectorOptions();
  o.max_words_before_colon = 65;
  EXPECT_EQ(o.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(QuoteClustererOptionsTest, Validate) {
  EXPECT_TRUE(QuoteClustererOptions().Validate().ok());
  auto invalid = [](auto mutate) {
    QuoteClustererOptions o;
    mutate(o);
    return o.Validate().code() == absl::StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.detector.min_words = 0; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.min_docs = 0; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.min_words = 1; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.min_words = 201; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.min_similarity = 0; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.min_similarity = 1.5; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.min_containment = 0; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.min_containment_words = 0; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.min_shared_bigrams = 0; }));
  EXPECT_TRUE(invalid([](QuoteClustererOptions& o) { o.max_probes_per_bigram = 0; }));
}

// ---- InsideQuotation -----------------------------------------------------------------------------

OriginalSpan CodePointSpan(uint32_t begin, uint32_t end) {
  OriginalSpan span;
  span.cp_begin = span.byte_begin = begin;
  span.cp_end = span.byte_end = end;
  return span;
}

Quotation QuoteAt(uint32_t begin, uint32_t end) {
  Quotation q;
  q.span = CodePointSpan(begin, end);
  return q;
}

TEST(InsideQuotationTest, Tolerance) {
  const std::vector<Quotation> quotes = {QuoteAt(100, 200), QuoteAt(300, 400)};
  EXPECT_TRUE(InsideQuotation(CodePointSpan(120, 180), quotes));
  EXPECT_TRUE(InsideQuotation(CodePointSpan(100, 200), quotes));  // exactly the quotation
  EXPECT_TRUE(InsideQuotation(CodePointSpan(310, 400), quotes));
  // 90 of 100 code points inside: inside; 89 of 100: not.
  EXPECT_TRUE(InsideQuotation(CodePointSpan(90, 190), quotes));
  EXPECT_FALSE(InsideQuotation(CodePointSpan(89, 189), quotes));
  EXPECT_TRUE(InsideQuotation(CodePointSpan(310, 410), quotes));
  EXPECT_FALSE(InsideQuotation(CodePointSpan(311, 411), quotes));
  // A span that holds a quotation among much other text is not inside it.
  EXPECT_FALSE(InsideQuotation(CodePointSpan(50, 450), quotes));
  // Half in each of two quotations: inside neither.
  EXPECT_FALSE(InsideQuotation(CodePointSpan(150, 350), quotes));
  // Outside, empty, no quotations.
  EXPECT_FALSE(InsideQuotation(CodePointSpan(0, 50), quotes));
  EXPECT_FALSE(InsideQuotation(CodePointSpan(150, 150), quotes));
  EXPECT_FALSE(InsideQuotation(CodePointSpan(120, 180), {}));
  // Another tolerance.
  EXPECT_TRUE(InsideQuotation(CodePointSpan(150, 250), quotes, 0.5));
  EXPECT_FALSE(InsideQuotation(CodePointSpan(150, 250), quotes));
  // Order of `quotes` does not matter.
  const std::vector<Quotation> reversed = {QuoteAt(300, 400), QuoteAt(100, 200)};
  EXPECT_TRUE(InsideQuotation(CodePointSpan(120, 180), reversed));
}

TEST(InsideQuotationTest, DetectedQuotationContainsItsWords) {
  const std::string text = "وقال الجنرال ميلي إن الرسالة: «سيئة الصياغة وتوحي بالانسحاب»، مؤكدا ذلك";
  QuoteDetector detector;
  std::vector<Quotation> quotes;
  detector.Detect(text, &quotes);
  ASSERT_EQ(quotes.size(), 1u);
  // The words as an aligner would report them, and the same words with the colon and mark before.
  EXPECT_TRUE(InsideQuotation(quotes[0].span, quotes));
  OriginalSpan wider = quotes[0].span;
  wider.cp_begin -= 2;
  EXPECT_TRUE(InsideQuotation(wider, quotes));
  wider.cp_begin -= 10;
  EXPECT_FALSE(InsideQuotation(wider, quotes));
}

// ---- QuoteClusterer ------------------------------------------------------------------------------

class QuoteClustererTest : public ::testing::Test {
 protected:
  Normalizer normalizer_;
  Tokenizer tokenizer_;
};

std::string Describe(const std::vector<RepeatedQuote>& quotes) {
  std::string out;
  for (const RepeatedQuote& quote : quotes) {
    absl::StrAppend(&out, "#", quote.id, " ", quote.text, "\n");
    for (const QuoteOccurrence& o : quote.occurrences) {
      absl::StrAppend(&out, "  doc ", o.doc, " [", o.span.cp_begin, ",", o.span.cp_end, ") ",
                      o.text, "\n");
    }
  }
  return out;
}

TEST_F(QuoteClustererTest, SeedMilleyQuotationIsOneCluster) {
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  const char* const kSeeds[] = {"000_99452b6767717ae0.txt", "001_2a4121b5c08e2776.txt",
                                "002_a9d73c9a569c5f0a.txt", "003_51295827b7bc72d8.txt",
                                "004_1c35502ac1d29cba.txt"};
  std::vector<std::string> texts;
  for (const char* seed : kSeeds) texts.push_back(ReadFileOrDie(FixturePath(absl::StrCat("seeds/", seed))));
  for (uint32_t doc = 0; doc < texts.size(); ++doc) clusterer.Add(doc, texts[doc]);
  const std::vector<RepeatedQuote> quotes = clusterer.Build();
  SCOPED_TRACE(Describe(quotes));

  const RepeatedQuote* milley = nullptr;
  for (const RepeatedQuote& quote : quotes) {
    for (const QuoteOccurrence& o : quote.occurrences) {
      if (o.text == "سيئة الصياغة وتوحي بالانسحاب، ولكن ليس هذا ما سوف يحدث") milley = &quote;
    }
  }
  ASSERT_NE(milley, nullptr);
  ASSERT_EQ(milley->occurrences.size(), 2u);
  EXPECT_EQ(milley->occurrences[0].doc, 0u);
  EXPECT_EQ(milley->occurrences[1].doc, 3u);
  EXPECT_EQ(milley->occurrences[1].text, "سيئة الصياغة وتوحي بالانسحاب، ليس هذا هو ما يحدث");
  // The text is the folded form of the longer occurrence (10 words against 9).
  EXPECT_EQ(milley->text,
            normalizer_.Normalize("سيئة الصياغة وتوحي بالانسحاب، ولكن ليس هذا ما سوف يحدث").text);
  // Offsets slice the original texts.
  for (const QuoteOccurrence& o : milley->occurrences) {
    EXPECT_EQ(Slice(texts[o.doc], o.span), o.text);
  }
  // Every reported quotation spans two documents here; ids follow the order.
  for (uint32_t i = 0; i < quotes.size(); ++i) {
    EXPECT_EQ(quotes[i].id, i);
    std::set<uint32_t> docs;
    for (const QuoteOccurrence& o : quotes[i].occurrences) docs.insert(o.doc);
    EXPECT_GE(docs.size(), 2u);
  }
}

// Without originals the clusters are the same, only the occurrences' texts are left empty (for
// the caller to slice from its documents).
TEST_F(QuoteClustererTest, WithoutOriginalsOnlyTheTextsAreLeftOut) {
  QuoteClustererOptions options;
  QuoteClusterer with(options, &normalizer_, &tokenizer_);
  options.keep_originals = false;
  QuoteClusterer without(options, &normalizer_, &tokenizer_);
  std::vector<std::string> texts;
  for (const std::string& seed : testing::SeedArticles()) texts.push_back(seed);
  for (uint32_t doc = 0; doc < texts.size(); ++doc) {
    with.Add(doc, texts[doc]);
    without.Add(doc, texts[doc]);
  }
  {
    // Memory grows by 1 MiB chunks: add the seeds' quotations until they fill several.
    options.keep_originals = true;
    QuoteClusterer many_with(options, &normalizer_, &tokenizer_);
    options.keep_originals = false;
    QuoteClusterer many_without(options, &normalizer_, &tokenizer_);
    for (uint32_t doc = 0; doc < 500 * texts.size(); ++doc) {
      many_with.Add(doc, texts[doc % texts.size()]);
      many_without.Add(doc, texts[doc % texts.size()]);
    }
    EXPECT_LT(many_without.MemoryUsage() + (size_t{1} << 20), many_with.MemoryUsage());
  }
  std::vector<RepeatedQuote> expected = with.Build();
  const std::vector<RepeatedQuote> got = without.Build();
  ASSERT_FALSE(expected.empty());
  for (RepeatedQuote& quote : expected) {
    for (QuoteOccurrence& o : quote.occurrences) {
      EXPECT_EQ(Slice(texts[o.doc], o.span), o.text);
      o.text.clear();
    }
  }
  EXPECT_EQ(Describe(got), Describe(expected));
}

TEST_F(QuoteClustererTest, MinDocsAndRepeatsWithinOneDocument) {
  const std::string twice =
      "قال «هذه جملة مقتبسة طويلة بما يكفي» ثم كرر «هذه جملة مقتبسة طويلة بما يكفي» مرة أخرى";
  const std::string once = "وقال آخر «نص مختلف تماما لا يتكرر أبدا هنا»";
  {
    QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
    clusterer.Add(0, twice);
    clusterer.Add(1, once);
    EXPECT_EQ(clusterer.num_quotations(), 3u);
    EXPECT_EQ(clusterer.num_variants(), 2u);
    EXPECT_TRUE(clusterer.Build().empty());
  }
  {
    QuoteClustererOptions options;
    options.min_docs = 1;
    QuoteClusterer clusterer(options, &normalizer_, &tokenizer_);
    clusterer.Add(0, twice);
    clusterer.Add(1, once);
    const std::vector<RepeatedQuote> quotes = clusterer.Build();
    ASSERT_EQ(quotes.size(), 1u) << Describe(quotes);  // the single quotation is never reported
    ASSERT_EQ(quotes[0].occurrences.size(), 2u);
    EXPECT_EQ(quotes[0].occurrences[0].doc, 0u);
    EXPECT_EQ(quotes[0].occurrences[1].doc, 0u);
    EXPECT_LT(quotes[0].occurrences[0].span.cp_begin, quotes[0].occurrences[1].span.cp_begin);
  }
}

TEST_F(QuoteClustererTest, OrderedByDocumentsThenFirstOccurrence) {
  const std::string a = "«الجملة الأولى المقتبسة في هذا الخبر»";
  const std::string b = "«الجملة الثانية المقتبسة في خبر آخر»";
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  clusterer.Add(0, a);
  clusterer.Add(1, a);
  clusterer.Add(2, b);
  clusterer.Add(3, b);
  clusterer.Add(4, b);
  const std::vector<RepeatedQuote> quotes = clusterer.Build();
  ASSERT_EQ(quotes.size(), 2u) << Describe(quotes);
  EXPECT_EQ(quotes[0].occurrences.size(), 3u);  // three documents first
  EXPECT_EQ(quotes[0].occurrences[0].doc, 2u);
  EXPECT_EQ(quotes[1].occurrences.size(), 2u);
  EXPECT_EQ(quotes[0].id, 0u);
  EXPECT_EQ(quotes[1].id, 1u);
}

TEST_F(QuoteClustererTest, ShortQuotationsAreNotClustered) {
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  clusterer.Add(0, "قال «لن نغادر العراق أبدا» أمس");  // 4 words < min_words 5
  clusterer.Add(1, "قال «لن نغادر العراق أبدا» اليوم");
  EXPECT_EQ(clusterer.num_quotations(), 0u);
  EXPECT_TRUE(clusterer.Build().empty());
}

TEST_F(QuoteClustererTest, PartialQuotationJoinsByContainment) {
  // 30 words against 9 of them: similarity 18 / 39 = 0.46, containment 1.
  const std::string full =
      "«نحن لا نسعى لحرب مع إيران لكننا مستعدون لها إذا بدأها الطرف الآخر وسنرد بشكل متناسب مع "
      "أي خطوة تتخذها في المنطقة أو خارجها وسنحمي قواتنا ومصالحنا وحلفاءنا في كل مكان»";
  const std::string part = "«نحن لا نسعى لحرب مع إيران لكننا مستعدون لها»";
  {
    QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
    clusterer.Add(0, full);
    clusterer.Add(1, part);
    const std::vector<RepeatedQuote> quotes = clusterer.Build();
    ASSERT_EQ(quotes.size(), 1u);
    EXPECT_EQ(quotes[0].occurrences.size(), 2u);
  }
  {
    QuoteClustererOptions options;
    options.min_containment = 1.5;  // disabled
    QuoteClusterer clusterer(options, &normalizer_, &tokenizer_);
    clusterer.Add(0, full);
    clusterer.Add(1, part);
    EXPECT_TRUE(clusterer.Build().empty());
  }
}

TEST_F(QuoteClustererTest, DifferentQuotationsSharingAPhraseStayApart) {
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  clusterer.Add(0, "«الولايات المتحدة لن تغادر العراق مهما كانت الظروف الأمنية والسياسية الراهنة»");
  clusterer.Add(1, "«الولايات المتحدة لن تغادر العراق قبل أن تنتهي مهمة التدريب بالكامل هذا العام»");
  EXPECT_TRUE(clusterer.Build().empty()) << Describe(clusterer.Build());
}

TEST_F(QuoteClustererTest, PreparedOnManyThreadsEqualsAdd) {
  const char* const kSeeds[] = {"000_99452b6767717ae0.txt", "001_2a4121b5c08e2776.txt",
                                "002_a9d73c9a569c5f0a.txt", "003_51295827b7bc72d8.txt",
                                "004_1c35502ac1d29cba.txt"};
  std::vector<std::string> texts;
  for (const char* seed : kSeeds) texts.push_back(ReadFileOrDie(FixturePath(absl::StrCat("seeds/", seed))));
  QuoteClusterer serial(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  for (uint32_t doc = 0; doc < texts.size(); ++doc) serial.Add(doc, texts[doc]);

  QuoteClusterer parallel(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  std::vector<std::vector<PreparedQuotation>> prepared(texts.size());
  std::vector<std::thread> threads;
  for (size_t doc = 0; doc < texts.size(); ++doc) {
    threads.emplace_back([&, doc] { parallel.Prepare(texts[doc], &prepared[doc]); });
  }
  for (std::thread& t : threads) t.join();
  for (uint32_t doc = 0; doc < texts.size(); ++doc) parallel.AddPrepared(doc, prepared[doc]);

  EXPECT_EQ(Describe(serial.Build()), Describe(parallel.Build()));
  EXPECT_GT(serial.MemoryUsage(), 0u);
}

// ---- Synthetic corpora with planted quotations ---------------------------------------------------

// Random Arabic-letter words: a few frequent ones (function words, so that common bigrams exist)
// and a large vocabulary.
class WordSource {
 public:
  explicit WordSource(SplitMix64* rng) : rng_(rng) {
    // Letters the Normalizer leaves alone (no alef/yeh/teh marbuta forms).
    static const char* const kLetters[] = {"ب", "ت", "ث", "ج", "ح", "خ", "د", "ذ", "ر", "ز",
                                           "س", "ش", "ص", "ض", "ط", "ظ", "ع", "غ", "ف", "ق",
                                           "ك", "م", "ن", "ه", "ي"};
    std::set<std::string> seen;
    while (vocabulary_.size() < 20000) {
      std::string word;
      const int length = 3 + static_cast<int>(rng_->Uniform(5));
      for (int i = 0; i < length; ++i) word += kLetters[rng_->Uniform(std::size(kLetters))];
      if (seen.insert(word).second) vocabulary_.push_back(word);
    }
  }
  const std::string& Next() {
    if (rng_->Bernoulli(0.3)) return vocabulary_[rng_->Uniform(40)];  // frequent words
    return vocabulary_[rng_->Uniform(vocabulary_.size())];
  }

 private:
  SplitMix64* rng_;
  std::vector<std::string> vocabulary_;
};

// A copy of `words` with each word deleted, substituted or followed by an insertion with
// probability `rate` each.
std::vector<std::string> Edit(const std::vector<std::string>& words, double rate,
                              WordSource* source, SplitMix64* rng) {
  std::vector<std::string> out;
  for (const std::string& word : words) {
    const double r = rng->UniformDouble();
    if (r < rate) continue;                       // delete
    out.push_back(r < 2 * rate ? source->Next() : word);  // substitute or keep
    if (rng->Bernoulli(rate)) out.push_back(source->Next());  // insert
  }
  return out;
}

struct PlantedCorpus {
  std::vector<std::string> docs;
  // (doc, code point where the quotation's words start) → planted quotation id.
  std::map<std::pair<uint32_t, uint32_t>, int> planted_at;
  std::map<int, int> occurrences_of;  // planted id → number of occurrences
  std::map<int, std::set<uint32_t>> docs_of;
};

uint32_t CountCodePoints(absl::string_view s) {
  uint32_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// `num_docs` documents of filler sentences; `num_quotes` planted quotations of 8–25 words, each in
// 1–5 documents (so some occur once), edited at `edit_rate`, in « » or “ ” marks. Two of every
// five quotations begin with the same six-word phrase, to tempt the clusterer into merging.
PlantedCorpus MakeCorpus(uint64_t seed, int num_docs, int num_quotes, double edit_rate) {
  SplitMix64 rng(seed);
  WordSource source(&rng);
  std::vector<std::string> phrase;
  for (int i = 0; i < 6; ++i) phrase.push_back(source.Next());
  std::vector<std::vector<std::string>> quotes(num_quotes);
  for (int q = 0; q < num_quotes; ++q) {
    const int length = 8 + static_cast<int>(rng.Uniform(18));
    if (q % 5 < 2) quotes[q] = phrase;
    while (static_cast<int>(quotes[q].size()) < length + (q % 5 < 2 ? 6 : 0)) {
      quotes[q].push_back(source.Next());
    }
  }
  // Which quotations go into which documents.
  std::vector<std::vector<int>> doc_quotes(num_docs);
  for (int q = 0; q < num_quotes; ++q) {
    const int copies = 1 + static_cast<int>(rng.Uniform(5));
    for (int c = 0; c < copies; ++c) doc_quotes[rng.Uniform(num_docs)].push_back(q);
  }
  PlantedCorpus corpus;
  for (int d = 0; d < num_docs; ++d) {
    std::string text;
    auto filler = [&](int words) {
      for (int i = 0; i < words; ++i) absl::StrAppend(&text, source.Next(), " ");
      text += ". ";
    };
    filler(20 + static_cast<int>(rng.Uniform(40)));
    for (int q : doc_quotes[d]) {
      const std::vector<std::string> words = Edit(quotes[q], edit_rate, &source, &rng);
      const bool guillemets = rng.Bernoulli(0.5);
      absl::StrAppend(&text, "وقال المسؤول ", guillemets ? "«" : "“");
      corpus.planted_at[{static_cast<uint32_t>(d), CountCodePoints(text)}] = q;
      ++corpus.occurrences_of[q];
      corpus.docs_of[q].insert(d);
      absl::StrAppend(&text, absl::StrJoin(words, " "), guillemets ? "» " : "” ");
      filler(10 + static_cast<int>(rng.Uniform(30)));
    }
    corpus.docs.push_back(std::move(text));
  }
  return corpus;
}

TEST_F(QuoteClustererTest, PlantedEditedQuotationsAreRecoveredWithoutMerges) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  const PlantedCorpus corpus = MakeCorpus(seed, 400, 150, 0.05);
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  for (uint32_t d = 0; d < corpus.docs.size(); ++d) clusterer.Add(d, corpus.docs[d]);
  const std::vector<RepeatedQuote> quotes = clusterer.Build();

  // Purity: no cluster mixes two planted quotations, and nothing but planted text is reported.
  std::map<int, int> cluster_of;  // planted id → cluster
  std::map<int, int> found;       // planted id → occurrences found in its cluster
  for (const RepeatedQuote& quote : quotes) {
    std::set<int> ids;
    for (const QuoteOccurrence& o : quote.occurrences) {
      auto it = corpus.planted_at.find({o.doc, o.span.cp_begin});
      ASSERT_NE(it, corpus.planted_at.end()) << "unplanted occurrence: " << o.text;
      ids.insert(it->second);
    }
    ASSERT_EQ(ids.size(), 1u) << "merged planted quotations:\n" << Describe({quote});
    const int id = *ids.begin();
    EXPECT_EQ(cluster_of.count(id), 0u) << "planted quotation " << id << " split in two clusters";
    cluster_of[id] = quote.id;
    found[id] = static_cast<int>(quote.occurrences.size());
  }
  // Recall: planted quotations in >= 2 documents, completely recovered.
  int expected = 0, recovered = 0;
  for (const auto& [id, docs] : corpus.docs_of) {
    if (docs.size() < 2) {
      EXPECT_EQ(cluster_of.count(id), 0u) << "a quotation in one document was reported";
      continue;
    }
    ++expected;
    if (found.count(id) && found[id] == corpus.occurrences_of.at(id)) ++recovered;
  }
  ASSERT_GT(expected, 50);
  EXPECT_GE(recovered, expected * 0.95) << recovered << " of " << expected;
}

TEST_F(QuoteClustererTest, HeavierEditsStillMostlyRecovered) {
  const uint64_t seed = TestSeed() + 1;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed - 1));
  const PlantedCorpus corpus = MakeCorpus(seed, 300, 100, 0.08);
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  for (uint32_t d = 0; d < corpus.docs.size(); ++d) clusterer.Add(d, corpus.docs[d]);
  int expected = 0, recovered = 0;
  std::map<int, size_t> found;
  for (const RepeatedQuote& quote : clusterer.Build()) {
    auto it = corpus.planted_at.find({quote.occurrences[0].doc, quote.occurrences[0].span.cp_begin});
    ASSERT_NE(it, corpus.planted_at.end());
    found[it->second] = std::max(found[it->second], quote.occurrences.size());
  }
  for (const auto& [id, docs] : corpus.docs_of) {
    if (docs.size() < 2) continue;
    ++expected;
    recovered += found.count(id) && static_cast<int>(found[id]) == corpus.occurrences_of.at(id);
  }
  // Each copy keeps a word unedited with probability 0.84 and inserts 8% more, so two copies
  // share about 0.84² ≈ 0.71 of their words: similarity about 0.71 against the 0.6 threshold, with
  // a spread (quotations are short) that puts some pairs below it; chains through a third copy
  // rescue some of those. Measured over seeds 1..20: 81–95% recovered (5% edits: 97.5–100%).
  EXPECT_GE(recovered, expected * 0.75) << recovered << " of " << expected;
}

TEST_F(QuoteClustererTest, Deterministic) {
  const uint64_t seed = TestSeed() + 2;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed - 2));
  const PlantedCorpus corpus = MakeCorpus(seed, 150, 60, 0.08);
  QuoteClusterer first(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  QuoteClusterer second(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  for (uint32_t d = 0; d < corpus.docs.size(); ++d) first.Add(d, corpus.docs[d]);
  for (uint32_t d = 0; d < corpus.docs.size(); ++d) second.Add(d, corpus.docs[d]);
  const std::string expected = Describe(first.Build());
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(Describe(first.Build()), expected);  // Build does not change the clusterer
  EXPECT_EQ(Describe(second.Build()), expected);

  // Adding the documents in reverse order gives the same clusters and occurrences (documents
  // keep their numbers; only the representative text may come from another occurrence).
  QuoteClusterer reversed(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  for (uint32_t d = corpus.docs.size(); d-- > 0;) reversed.Add(d, corpus.docs[d]);
  std::vector<RepeatedQuote> a = first.Build(), b = reversed.Build();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i].text.clear();
    b[i].text.clear();
  }
  EXPECT_EQ(Describe(a), Describe(b));
}

// Verification runs in blocks of variants on several threads; the clusters must not depend on the
// number of threads. ~3,000 distinct variants make more than one block.
TEST_F(QuoteClustererTest, BuildOnThreadsEqualsSerial) {
  const uint64_t seed = TestSeed() + 3;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed - 3));
  const PlantedCorpus corpus = MakeCorpus(seed, 1500, 1000, 0.08);
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  for (uint32_t d = 0; d < corpus.docs.size(); ++d) clusterer.Add(d, corpus.docs[d]);
  const std::string serial = Describe(clusterer.Build(1));
  EXPECT_FALSE(serial.empty());
  EXPECT_EQ(Describe(clusterer.Build(2)), serial);
  EXPECT_EQ(Describe(clusterer.Build(5)), serial);
}

// With the token tables and texts in a temporary file shared with other writers, Build() gives
// the same clusters, texts and occurrences as in memory, and the clusterer holds much less.
TEST_F(QuoteClustererTest, TemporaryFileGivesTheSameClusters) {
  const uint64_t seed = TestSeed() + 4;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed - 4));
  const PlantedCorpus corpus = MakeCorpus(seed, 600, 400, 0.08);
  for (const bool keep_originals : {true, false}) {
    SCOPED_TRACE(absl::StrCat("keep_originals=", keep_originals));
    QuoteClustererOptions options;
    options.keep_originals = keep_originals;
    QuoteClusterer in_memory(options, &normalizer_, &tokenizer_);
    QuoteClusterer spilled(options, &normalizer_, &tokenizer_);
    absl::StatusOr<std::unique_ptr<internal::SpillFile>> file = internal::SpillFile::Create("");
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->Append("bytes of another writer").ok());
    spilled.UseTemporaryFile(file->get());
    for (uint32_t d = 0; d < corpus.docs.size(); ++d) {
      in_memory.Add(d, corpus.docs[d]);
      spilled.Add(d, corpus.docs[d]);
      if (d % 7 == 0) {
        ASSERT_TRUE((*file)->Append(std::string(d, 'x')).ok());
      }
    }
    ASSERT_TRUE(spilled.status().ok()) << spilled.status();
    EXPECT_EQ(spilled.num_variants(), in_memory.num_variants());
    EXPECT_LT(2 * spilled.MemoryUsage(), in_memory.MemoryUsage());

    const std::string expected = Describe(in_memory.Build(2));
    EXPECT_FALSE(expected.empty());
    EXPECT_EQ(Describe(spilled.Build(1)), expected);
    EXPECT_EQ(Describe(spilled.Build(2)), expected);
    EXPECT_TRUE(spilled.status().ok()) << spilled.status();
  }
}

// A write error of the temporary file (the file-size limit here, as a full disk would) is kept:
// status() reports it, later Add()s record nothing and Build() returns no clusters.
TEST_F(QuoteClustererTest, TemporaryFileWriteErrorIsKept) {
  const PlantedCorpus corpus = MakeCorpus(TestSeed() + 5, 300, 200, 0.05);
  absl::StatusOr<std::unique_ptr<internal::SpillFile>> file = internal::SpillFile::Create("");
  ASSERT_TRUE(file.ok()) << file.status();
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  clusterer.UseTemporaryFile(file->get());

  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit limited = saved;
  limited.rlim_cur = 0;  // every write fails with EFBIG (SIGXFSZ ignored)
  void (*const saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  // Writes are buffered by the MiB: add until one reaches the file.
  uint32_t doc = 0;
  for (int pass = 0; pass < 50 && clusterer.status().ok(); ++pass) {
    for (const std::string& text : corpus.docs) clusterer.Add(doc++, text);
  }
  setrlimit(RLIMIT_FSIZE, &saved);
  signal(SIGXFSZ, saved_handler);

  EXPECT_EQ(clusterer.status().code(), absl::StatusCode::kResourceExhausted) << clusterer.status();
  EXPECT_NE(clusterer.status().message().find("temporary file"), absl::string_view::npos);
  const size_t recorded = clusterer.num_quotations();
  EXPECT_GT(recorded, 0u);
  clusterer.Add(doc, corpus.docs[0]);
  EXPECT_EQ(clusterer.num_quotations(), recorded);
  EXPECT_TRUE(clusterer.Build().empty());
  EXPECT_FALSE(clusterer.status().ok());
}

TEST_F(QuoteClustererTest, EmptyClusterer) {
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer_, &tokenizer_);
  EXPECT_TRUE(clusterer.Build().empty());
  clusterer.Add(0, "");
  clusterer.Add(1, "نص بلا اقتباسات على الإطلاق.");
  EXPECT_TRUE(clusterer.Build().empty());
  EXPECT_EQ(clusterer.num_quotations(), 0u);
}

}  // namespace
}  // namespace naql
