// Tests of naql::Normalizer: the fold table (fixtures/normalization/cases.tsv and every code point
// of every rule), the offset map on removals, expansions and invalid UTF-8, an oracle that
// normalizes the whole text with ICU, and seeded property tests (NAQL_TEST_SEED overrides the
// seed).

#include "naql/normalizer.h"
#include "naql/tokenizer.h"

#include <gtest/gtest.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "arabic_folds.h"
#include "testing.h"
#include "utf8.h"

namespace naql {

// Readable spans in failure messages (found by argument-dependent lookup, so in namespace naql).
void PrintTo(const OriginalSpan& span, std::ostream* os) {
  *os << "{bytes [" << span.byte_begin << ", " << span.byte_end << "), code points ["
      << span.cp_begin << ", " << span.cp_end << ")}";
}

namespace {

using internal::DecodeUtf8;
using internal::FoldRules;
using internal::kReplacementCharacter;

std::string Utf8(char32_t c) {
  char buffer[4];
  return std::string(buffer, internal::EncodeUtf8(c, buffer));
}

std::vector<char32_t> CodePoints(absl::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    char32_t c;
    i += DecodeUtf8(s.data() + i, s.size() - i, &c);
    out.push_back(c);
  }
  return out;
}

// Escaped form for failure messages: printable ASCII as is, everything else \uXXXX or \xHH.
std::string Escape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    char32_t c;
    const size_t n = DecodeUtf8(s.data() + i, s.size() - i, &c);
    if (c == kReplacementCharacter && n != 3) {
      for (size_t j = 0; j < n; ++j) {
        absl::StrAppend(&out, "\\x",
                        absl::Hex(static_cast<unsigned char>(s[i + j]), absl::kZeroPad2));
      }
    } else if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "\\u", absl::Hex(static_cast<uint32_t>(c), absl::kZeroPad4));
    }
    i += n;
  }
  return out;
}

// ---- cases.tsv -------------------------------------------------------------------------------

// Decodes the escapes of cases.tsv (see its header).
std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char kind = s[++i];
    auto hex = [&](size_t digits) {
      uint32_t value = 0;
      for (size_t j = 0; j < digits; ++j) {
        const char h = s[++i];
        value = value * 16 + static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
      }
      return value;
    };
    switch (kind) {
      case 'u':
        out += Utf8(hex(4));
        break;
      case 'U':
        out += Utf8(hex(8));
        break;
      case 'x':
        out += static_cast<char>(hex(2));
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      default:
        out += kind;
    }
  }
  return out;
}

bool ParseOptions(absl::string_view text, NormalizerOptions* options) {
  *options = NormalizerOptions();
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    if (item == "default") continue;
    if (item == "none") {
      for (const auto& option : internal::NormalizerOptionSwitches())
        options->*option.member = false;
      continue;
    }
    if (item.empty() || (item[0] != '-' && item[0] != '+')) return false;
    bool found = false;
    for (const auto& option : internal::NormalizerOptionSwitches()) {
      if (item.substr(1) == option.name) {
        options->*option.member = item[0] == '+';
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

struct Case {
  int line;
  std::string input;
  std::string expected;
  std::string options_text;
  NormalizerOptions options;
  std::string note;
};

const std::vector<Case>& Cases() {
  static const std::vector<Case>* const kCases = [] {
    auto* cases = new std::vector<Case>;
    const std::string tsv =
        naql::testing::ReadFileOrDie(naql::testing::FixturePath("normalization/cases.tsv"));
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(tsv, '\n')) {
      ++line_number;
      if (line.empty() || line[0] == '#') continue;
      std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
      Case c;
      c.line = line_number;
      if (fields.size() != 4) {
        ADD_FAILURE() << "cases.tsv:" << line_number << ": expected 4 fields, got "
                      << fields.size();
        continue;
      }
      c.input = Unescape(fields[0]);
      c.expected = Unescape(fields[1]);
      c.options_text = std::string(fields[2]);
      c.note = std::string(fields[3]);
      if (!ParseOptions(fields[2], &c.options)) {
        ADD_FAILURE() << "cases.tsv:" << line_number << ": bad options " << fields[2];
        continue;
      }
      cases->push_back(std::move(c));
    }
    return cases;
  }();
  return *kCases;
}

// One Normalizer per option set, shared by the tests (construction builds a 512 KiB table).
const Normalizer& NormalizerFor(const NormalizerOptions& options) {
  static auto* const cache = new std::map<uint32_t, std::unique_ptr<Normalizer>>;
  std::unique_ptr<Normalizer>& slot = (*cache)[options.Bits()];
  if (slot == nullptr) slot = std::make_unique<Normalizer>(options);
  return *slot;
}

// The invariants of offset_map.h, checked against the original text.
void ExpectMapInvariants(absl::string_view original, const NormalizedText& out) {
  const OffsetMap& map = out.map;
  ASSERT_EQ(map.size(), CodePoints(out.text).size()) << "one map entry per folded code point";
  ASSERT_EQ(map.original_bytes(), original.size());
  // Original code point index of every code point boundary in the original.
  std::vector<int64_t> cp_at_byte(original.size() + 1, -1);
  uint32_t cps = 0;
  for (size_t i = 0; i < original.size();) {
    cp_at_byte[i] = cps++;
    char32_t c;
    i += DecodeUtf8(original.data() + i, original.size() - i, &c);
  }
  cp_at_byte[original.size()] = cps;
  ASSERT_EQ(map.original_code_points(), cps);
  for (uint32_t j = 0; j < map.size(); ++j) {
    const uint32_t b = map.byte_begins()[j];
    ASSERT_LT(b, original.size()) << "folded code point " << j;
    ASSERT_EQ(cp_at_byte[b], map.cp_begins()[j]) << "byte and code point offsets agree, at " << j;
    if (j > 0) {
      ASSERT_LE(map.byte_begins()[j - 1], b) << "monotone at " << j;
    }
  }
  for (uint32_t j = 0; j + 1 <= map.size(); ++j) {
    const OriginalSpan span = map.ToOriginal(j, j + 1);
    ASSERT_LT(span.byte_begin, span.byte_end);
    ASSERT_EQ(cp_at_byte[span.byte_end], span.cp_end);
  }
  if (map.size() > 0) {
    const OriginalSpan all = map.ToOriginal(0, map.size());
    EXPECT_EQ(all.byte_begin, map.byte_begins()[0]);
    EXPECT_EQ(all.byte_end, original.size()) << "the last source ends at the end of the text";
  }
}

// Each distinct source, normalized on its own, gives exactly the folded code points mapped to it,
// and what precedes the first source normalizes to nothing: the map is exact, not approximate.
void ExpectSourcesNormalizeAlone(const Normalizer& normalizer, absl::string_view original,
                                 const NormalizedText& out) {
  const OffsetMap& map = out.map;
  std::vector<size_t> folded_byte;  // byte offset of each folded code point, plus the end
  for (size_t i = 0; i < out.text.size();) {
    folded_byte.push_back(i);
    char32_t c;
    i += DecodeUtf8(out.text.data() + i, out.text.size() - i, &c);
  }
  folded_byte.push_back(out.text.size());
  const uint32_t first = map.size() > 0 ? map.byte_begins()[0] : original.size();
  EXPECT_EQ(normalizer.Normalize(original.substr(0, first)).text, "") << "leading removed text";
  for (uint32_t j = 0; j < map.size();) {
    uint32_t next = j + 1;
    while (next < map.size() && map.byte_begins()[next] == map.byte_begins()[j]) ++next;
    const OriginalSpan span = map.ToOriginal(j, next);
    const absl::string_view source =
        original.substr(span.byte_begin, span.byte_end - span.byte_begin);
    const absl::string_view folded(out.text.data() + folded_byte[j],
                                   folded_byte[next] - folded_byte[j]);
    ASSERT_EQ(Escape(normalizer.Normalize(source).text), Escape(folded))
        << "source " << Escape(source) << " at byte " << span.byte_begin;
    j = next;
  }
}

TEST(NormalizerCasesTest, EveryCaseOfTheTable) {
  ASSERT_GT(Cases().size(), 50u);
  for (const Case& c : Cases()) {
    SCOPED_TRACE(absl::StrCat("cases.tsv:", c.line, " [", c.options_text, "] ", c.note));
    const NormalizedText out = NormalizerFor(c.options).Normalize(c.input);
    EXPECT_EQ(Escape(out.text), Escape(c.expected)) << "input " << Escape(c.input);
    ExpectMapInvariants(c.input, out);
  }
}

// Each row of the fold table has cases: its first and last code point with the defaults, and its
// first code point with its switch off.
TEST(NormalizerCasesTest, EveryRuleHasCases) {
  for (const internal::FoldRule& rule : FoldRules()) {
    SCOPED_TRACE(
        absl::StrCat("rule U+", absl::Hex(static_cast<uint32_t>(rule.first)), " ", rule.names));
    bool first_on = false, last_on = false, first_off = false;
    for (const Case& c : Cases()) {
      const bool on = c.options.*rule.option;
      if (on && c.options_text == "default") {
        first_on |= c.input.find(Utf8(rule.first)) != std::string::npos;
        last_on |= c.input.find(Utf8(rule.last)) != std::string::npos;
      }
      if (!on) first_off |= c.input.find(Utf8(rule.first)) != std::string::npos;
    }
    EXPECT_TRUE(first_on) << "no default case with the first code point";
    EXPECT_TRUE(last_on) << "no default case with the last code point";
    EXPECT_TRUE(first_off) << "no case with the switch " << rule.option_name << " off";
  }
}

// ---- The fold table, exhaustively -------------------------------------------------------------

TEST(FoldTableTest, EveryCodePointOfEveryRule) {
  const Normalizer& defaults = NormalizerFor(NormalizerOptions());
  const std::string beh = Utf8(0x0628);  // ب: a letter on each side
  for (const internal::FoldRule& rule : FoldRules()) {
    NormalizerOptions off;
    off.*rule.option = false;
    const Normalizer& without = NormalizerFor(off);
    for (char32_t c = rule.first; c <= rule.last; ++c) {
      SCOPED_TRACE(absl::StrCat("U+", absl::Hex(static_cast<uint32_t>(c)), " ", rule.names));
      std::string expected = beh;
      switch (rule.action) {
        case internal::FoldAction::kRemove:
          break;
        case internal::FoldAction::kReplace:
          expected += Utf8(rule.to);
          break;
        case internal::FoldAction::kShift:
          expected += Utf8(rule.to + (c - rule.first));
          break;
      }
      expected += beh;
      const std::string input = beh + Utf8(c) + beh;
      EXPECT_EQ(Escape(defaults.Normalize(input).text), Escape(expected));
      EXPECT_EQ(Escape(without.Normalize(input).text), Escape(input)) << "switch off keeps it";
    }
  }
}

TEST(FoldTableTest, RangesAreDisjointAndNoRuleFeedsAnother) {
  const auto rules = FoldRules();
  for (size_t a = 0; a < rules.size(); ++a) {
    EXPECT_LE(rules[a].first, rules[a].last);
    for (size_t b = 0; b < rules.size(); ++b) {
      if (a != b) {
        EXPECT_TRUE(rules[a].last < rules[b].first || rules[b].last < rules[a].first)
            << "rows " << a << " and " << b << " overlap";
      }
      if (rules[a].action == internal::FoldAction::kRemove) continue;
      const char32_t lo = rules[a].to;
      const char32_t hi = rules[a].action == internal::FoldAction::kShift
                              ? rules[a].to + (rules[a].last - rules[a].first)
                              : rules[a].to;
      EXPECT_TRUE(hi < rules[b].first || rules[b].last < lo)
          << "row " << a << " produces input of row " << b << ": the order of rows would matter";
    }
  }
}

TEST(FoldTableTest, SwitchNamesMatchTheRows) {
  for (const internal::FoldRule& rule : FoldRules()) {
    bool found = false;
    for (const auto& option : internal::NormalizerOptionSwitches()) {
      if (option.member == rule.option) {
        EXPECT_STREQ(option.name, rule.option_name);
        found = true;
      }
    }
    EXPECT_TRUE(found) << rule.option_name;
  }
}

// ---- Examples and the offset map --------------------------------------------------------------

TEST(NormalizerTest, AcceptanceExample) {
  const Normalizer normalizer;
  const std::string original = "أَكَّدَ وزيرُ الدفاعِ الأميركيّ ﻻ ١٢٣";
  const NormalizedText out = normalizer.Normalize(original);
  EXPECT_EQ(out.text, "اكد وزير الدفاع الاميركي لا 123");
  ExpectMapInvariants(original, out);
  // "اكد" is the whole of "أَكَّدَ", diacritics included: 7 code points, 14 bytes.
  EXPECT_EQ(out.map.ToOriginal(0, 3), (OriginalSpan{0, 14, 0, 7}));
}

TEST(NormalizerTest, LamAlefLigatureMapsBothLettersToTheLigature) {
  const Normalizer normalizer;
  const std::string original = "\xD8\xA8\xEF\xBB\xBB\xD8\xA8";  // ب U+FEFB ب
  const NormalizedText out = normalizer.Normalize(original);
  EXPECT_EQ(out.text, "بلاب");
  EXPECT_EQ(out.map.byte_begins(), (std::vector<uint32_t>{0, 2, 2, 5}));
  EXPECT_EQ(out.map.cp_begins(), (std::vector<uint32_t>{0, 1, 1, 2}));
  const OriginalSpan ligature{2, 5, 1, 2};
  EXPECT_EQ(out.map.ToOriginal(1, 2), ligature) << "lam";
  EXPECT_EQ(out.map.ToOriginal(2, 3), ligature) << "alef";
  EXPECT_EQ(out.map.ToOriginal(1, 3), ligature) << "both";
  EXPECT_EQ(out.map.ToOriginal(0, 4), (OriginalSpan{0, 7, 0, 3}));
}

TEST(NormalizerTest, RemovedCharactersAtStartMiddleAndEnd) {
  const Normalizer normalizer;
  {  // start: tatweel + fatha before the first letter belong to no source
    const std::string original = "\u0640\u064E\u0643\u062A";
    const NormalizedText out = normalizer.Normalize(original);
    EXPECT_EQ(out.text, "كت");
    EXPECT_EQ(out.map.byte_begins(), (std::vector<uint32_t>{4, 6}));
    EXPECT_EQ(out.map.ToOriginal(0, 2), (OriginalSpan{4, 8, 2, 4}));
  }
  {  // middle: the fatha and the ZWNJ belong to the kaf
    const std::string original = "\u0643\u064E\u200C\u062A";
    const NormalizedText out = normalizer.Normalize(original);
    EXPECT_EQ(out.text, "كت");
    EXPECT_EQ(out.map.ToOriginal(0, 1), (OriginalSpan{0, 7, 0, 3}));
    EXPECT_EQ(out.map.ToOriginal(1, 2), (OriginalSpan{7, 9, 3, 4}));
  }
  {  // end: trailing marks belong to the last letter, up to the end of the text
    const std::string original = "\u0643\u062A\u064E\u0651\u0640";
    const NormalizedText out = normalizer.Normalize(original);
    EXPECT_EQ(out.text, "كت");
    EXPECT_EQ(out.map.ToOriginal(1, 2), (OriginalSpan{2, 10, 1, 5}));
  }
  {  // everything removed
    const std::string original = "\u064E\u0640\u200F";
    const NormalizedText out = normalizer.Normalize(original);
    EXPECT_EQ(out.text, "");
    EXPECT_EQ(out.map.size(), 0u);
    EXPECT_EQ(out.map.original_bytes(), original.size());
    EXPECT_EQ(out.map.original_code_points(), 3u);
  }
}

TEST(NormalizerTest, InvalidUtf8GivesReplacementWithTheRightSpans) {
  struct InvalidCase {
    const char* name;
    std::string input;
    std::string folded;                 // expected folded text
    std::vector<uint32_t> byte_begins;  // expected map
    std::vector<uint32_t> cp_begins;
  };
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  const std::vector<InvalidCase> cases = {
      {"lone continuation",
       "a\x80"
       "b",
       "a" + r + "b",
       {0, 1, 2},
       {0, 1, 2}},
      {"overlong C0 80", "\xC0\x80", r + r, {0, 1}, {0, 1}},
      {"overlong E0 80 80", "\xE0\x80\x80", r + r + r, {0, 1, 2}, {0, 1, 2}},
      {"surrogate ED A0 80", "a\xED\xA0\x80", "a" + r + r + r, {0, 1, 2, 3}, {0, 1, 2, 3}},
      {"truncated E2 82 before ASCII",
       "\xE2\x82"
       "a",
       r + "a",
       {0, 2},
       {0, 1}},
      {"truncated E2 82 at the end", "a\xE2\x82", "a" + r, {0, 1}, {0, 1}},
      {"F5 and FF",
       "\xF5\xFF"
       "a",
       r + r + "a",
       {0, 1, 2},
       {0, 1, 2}},
      {"above U+10FFFF", "\xF4\x90\x80\x80", r + r + r + r, {0, 1, 2, 3}, {0, 1, 2, 3}},
      {"truncated four-byte at the end", "\xD8\xA8\xF0\x9F\x98", "ب" + r, {0, 2}, {0, 1}},
      {"valid after invalid", "\x80\xD8\xA8", r + "ب", {0, 1}, {0, 1}},
  };
  const Normalizer normalizer;
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.name);
    const NormalizedText out = normalizer.Normalize(c.input);
    EXPECT_EQ(Escape(out.text), Escape(c.folded));
    EXPECT_EQ(out.map.byte_begins(), c.byte_begins);
    EXPECT_EQ(out.map.cp_begins(), c.cp_begins);
    ExpectMapInvariants(c.input, out);
  }
  // The truncated E2 82 is one source of two bytes.
  const NormalizedText out = normalizer.Normalize(
      "a\xE2\x82"
      "b");
  EXPECT_EQ(out.map.ToOriginal(1, 2), (OriginalSpan{1, 3, 1, 2}));
}

TEST(NormalizerTest, EmptyInputAndNulBytes) {
  const Normalizer normalizer;
  const NormalizedText empty = normalizer.Normalize("");
  EXPECT_EQ(empty.text, "");
  EXPECT_EQ(empty.map.size(), 0u);
  EXPECT_EQ(empty.map.original_bytes(), 0u);
  const std::string nuls("\0a\0\0", 4);
  const NormalizedText out = normalizer.Normalize(nuls);
  EXPECT_EQ(out.text, nuls);
  EXPECT_EQ(out.map.byte_begins(), (std::vector<uint32_t>{0, 1, 2, 3}));
}

TEST(NormalizerTest, SupplementaryCodePoints) {
  const Normalizer normalizer;
  // U+1D400 MATHEMATICAL BOLD CAPITAL A → a; U+1F600 kept; U+1D165 + U+1D16D (musical combining
  // marks without a boundary before them) take the segment path after a supplementary starter.
  const std::string original = "\U0001D400\U0001F600x\U0001D165\U0001D16D";
  const NormalizedText out = normalizer.Normalize(original);
  EXPECT_EQ(Escape(out.text), Escape("a\U0001F600x\U0001D165\U0001D16D"));
  EXPECT_EQ(out.map.byte_begins(), (std::vector<uint32_t>{0, 4, 8, 8, 8}));
  ExpectMapInvariants(original, out);
}

TEST(NormalizerTest, SegmentSharesOneSource) {
  const Normalizer normalizer;
  // "xE" + tatweel + COMBINING ACUTE: the acute has no boundary before it, so "E" (with the removed
  // tatweel) and the acute are folded together into é, whose source is the whole segment.
  const std::string original = "xE\u0640\u0301y";
  const NormalizedText out = normalizer.Normalize(original);
  EXPECT_EQ(out.text, "x\u00E9y");
  EXPECT_EQ(out.map.byte_begins(), (std::vector<uint32_t>{0, 1, 6}));
  EXPECT_EQ(out.map.ToOriginal(1, 2), (OriginalSpan{1, 6, 1, 4}));
  // A combining mark at the very start has no starter: it is a segment of its own.
  const NormalizedText lone = normalizer.Normalize("\u0301a");
  EXPECT_EQ(lone.text, "\u0301a");
  EXPECT_EQ(lone.map.byte_begins(), (std::vector<uint32_t>{0, 2}));
}

TEST(NormalizerTest, LongRunsOfMarksAreCutEvery32CodePoints) {
  const Normalizer normalizer;
  // 'a' + 100 COMBINING ACUTE ACCENTs: segments of 32 kept code points from the starter.
  std::string original = "a";
  for (int i = 0; i < 100; ++i) original += "\u0301";
  const NormalizedText out = normalizer.Normalize(original);
  std::string expected = "\u00E1";  // a + the first acute
  for (int i = 0; i < 99; ++i) expected += "\u0301";
  EXPECT_EQ(out.text, expected);
  ASSERT_EQ(out.map.size(), 100u);
  for (uint32_t j = 0; j < 31; ++j) EXPECT_EQ(out.map.byte_begins()[j], 0u) << j;
  // Folded code point 31 is original code point 32 (the first of the second segment).
  for (uint32_t j = 31; j < 63; ++j) EXPECT_EQ(out.map.cp_begins()[j], 32u) << j;
  for (uint32_t j = 63; j < 95; ++j) EXPECT_EQ(out.map.cp_begins()[j], 64u) << j;
  for (uint32_t j = 95; j < 100; ++j) EXPECT_EQ(out.map.cp_begins()[j], 96u) << j;
  ExpectMapInvariants(original, out);
  ExpectSourcesNormalizeAlone(normalizer, original, out);

  // Alternating combining classes (230, 220) over 200,000 marks: canonical reordering of one
  // segment would be quadratic; cut into bounded segments it is linear.
  std::string marks = "a";
  for (int i = 0; i < 100000; ++i) marks += "\u0301\u0316";
  const NormalizedText long_out = normalizer.Normalize(marks);
  EXPECT_EQ(long_out.map.size(), 200000u);  // nothing composes with 'a' (á then ̖ reorders first)
  ExpectMapInvariants(marks, long_out);
}

TEST(NormalizerTest, DiacriticsKeptTakeTheSegmentPath) {
  NormalizerOptions options;
  options.remove_diacritics = false;
  const Normalizer normalizer(options);
  const std::string original = "أَكَّدَ";
  const NormalizedText out = normalizer.Normalize(original);
  // Shadda (ccc 33) and fatha (ccc 30) are put in canonical order; alef with hamza is folded.
  EXPECT_EQ(Escape(out.text), Escape("\u0627\u064E\u0643\u064E\u0651\u062F\u064E"));
  ExpectMapInvariants(original, out);
  ExpectSourcesNormalizeAlone(normalizer, original, out);
}

TEST(NormalizerTest, LargeSingleLine) {
#if defined(__SANITIZE_ADDRESS__) || defined(NAQL_SANITIZE)
  constexpr size_t kTarget = size_t{4} << 20;  // sanitizers are ~10x slower
#else
  constexpr size_t kTarget = size_t{50} << 20;
#endif
  const std::string sentence = "أَكَّدَ وزيرُ الدفاعِ الأميركيّ ﻻ ١٢٣ «نص»، ";
  const std::string folded_sentence = "اكد وزير الدفاع الاميركي لا 123 \"نص\", ";
  const size_t repeats = kTarget / sentence.size() + 1;
  std::string original;
  original.reserve(repeats * sentence.size());
  for (size_t i = 0; i < repeats; ++i) original += sentence;
  const Normalizer normalizer;
  NormalizedText out;
  normalizer.Normalize(original, &out);
  ASSERT_EQ(out.text.size(), repeats * folded_sentence.size());
  EXPECT_EQ(out.text.substr(out.text.size() - folded_sentence.size()), folded_sentence);
  const uint32_t per_sentence = static_cast<uint32_t>(CodePoints(folded_sentence).size());
  const uint32_t original_per_sentence = static_cast<uint32_t>(CodePoints(sentence).size());
  ASSERT_EQ(out.map.size(), repeats * per_sentence);
  // The last sentence maps to the last copy of the original sentence.
  const OriginalSpan last = out.map.ToOriginal(out.map.size() - per_sentence, out.map.size());
  EXPECT_EQ(last.byte_begin, original.size() - sentence.size());
  EXPECT_EQ(last.byte_end, original.size());
  EXPECT_EQ(last.cp_end, repeats * original_per_sentence);
}

TEST(NormalizerTest, ReusingTheOutputGivesTheSameResult) {
  const Normalizer normalizer;
  NormalizedText out;
  normalizer.Normalize(std::string(5000, 'x') + "ﷺ", &out);
  normalizer.Normalize("أَكَّدَ ﻻ", &out);
  const NormalizedText fresh = normalizer.Normalize("أَكَّدَ ﻻ");
  EXPECT_EQ(out.text, fresh.text);
  EXPECT_EQ(out.map.byte_begins(), fresh.map.byte_begins());
  EXPECT_EQ(out.map.cp_begins(), fresh.map.cp_begins());
  EXPECT_EQ(out.map.original_bytes(), fresh.map.original_bytes());
}

TEST(NormalizerTest, ExpansionsBeyondTheInitialEstimateGrowTheOutput) {
  // U+FDFA is 3 bytes and folds to 18 code points (33 bytes): 20,000 of them outgrow every
  // up-front estimate several times.
  std::string original;
  for (int i = 0; i < 20000; ++i) original += "\uFDFA";
  const Normalizer normalizer;
  const NormalizedText out = normalizer.Normalize(original);
  EXPECT_EQ(out.map.size(), 20000u * 18);
  EXPECT_EQ(out.text.size(), 20000u * std::string("صلي الله عليه وسلم").size());
  ExpectMapInvariants(original, out);
}

TEST(NormalizerTest, ConcurrentUseOfOneInstance) {
  const Normalizer normalizer;
  const std::string original = "أَكَّدَ وزيرُ الدفاعِ الأميركيّ ﻻ ١٢٣ Straße e\u0301";
  const NormalizedText expected = normalizer.Normalize(original);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(2, 0);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      NormalizedText out;
      for (int i = 0; i < 200; ++i) {
        normalizer.Normalize(original, &out);
        mismatches[t] +=
            out.text != expected.text || out.map.byte_begins() != expected.map.byte_begins();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0}));
}

// ---- Options -----------------------------------------------------------------------------------

TEST(NormalizerOptionsTest, BitsKnownAnswersAndRoundTrip) {
  EXPECT_EQ(NormalizerOptions().Bits(), 0xFFFu);
  EXPECT_TRUE(NormalizerOptions().Validate().ok());
  // Bit i is field i in declaration order; these values are stored, so they are pinned.
  NormalizerOptions only;
  for (const auto& option : internal::NormalizerOptionSwitches()) only.*option.member = false;
  EXPECT_EQ(only.Bits(), 0u);
  only.nfkc = true;
  EXPECT_EQ(only.Bits(), 1u << 0);
  only.nfkc = false;
  only.remove_format_controls = true;
  EXPECT_EQ(only.Bits(), 1u << 3);
  only.remove_format_controls = false;
  only.fold_punctuation = true;
  EXPECT_EQ(only.Bits(), 1u << 11);
  for (uint32_t bits = 0; bits < (1u << 12); ++bits) {
    NormalizerOptions options;
    ASSERT_TRUE(NormalizerOptions::FromBits(bits, &options).ok()) << bits;
    ASSERT_EQ(options.Bits(), bits);
  }
}

TEST(NormalizerOptionsTest, UnknownBitsAreRefused) {
  NormalizerOptions options;
  options.fold_alef = false;
  const NormalizerOptions before = options;
  for (uint32_t bits : {1u << 12, 0xFFFFFFFFu, (1u << 31) | 1u}) {
    const absl::Status status = NormalizerOptions::FromBits(bits, &options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bits;
    EXPECT_EQ(options.Bits(), before.Bits()) << "left unchanged on error";
  }
}

// ---- The UTF-8 decoder
// ---------------------------------------------------------------------------

// ICU's U8_NEXT_OR_FFFD follows the same maximal-subpart practice: compare on every sequence of up
// to two bytes and on every lead byte with every second byte and a few third and fourth bytes.
TEST(Utf8Test, DecoderAgreesWithIcu) {
  auto check = [](const std::string& bytes) {
    char32_t cp;
    const size_t consumed = DecodeUtf8(bytes.data(), bytes.size(), &cp);
    const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
    int32_t i = 0;
    UChar32 icu;
    U8_NEXT_OR_FFFD(s, i, static_cast<int32_t>(bytes.size()), icu);
    ASSERT_EQ(consumed, static_cast<size_t>(i)) << Escape(bytes);
    ASSERT_EQ(static_cast<UChar32>(cp), icu) << Escape(bytes);
  };
  for (int a = 0; a < 256; ++a) {
    check(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      check(two);
      for (int c : {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF}) {
        check(two + static_cast<char>(c));
        for (int d : {0x41, 0x80, 0xBF, 0xC0})
          check(two + static_cast<char>(c) + static_cast<char>(d));
      }
    }
  }
}

TEST(Utf8Test, KnownAnswers) {
  char32_t cp;
  EXPECT_EQ(DecodeUtf8("\xD8\xA7", 2, &cp), 2u);
  EXPECT_EQ(cp, 0x0627u);
  EXPECT_EQ(DecodeUtf8("\xEF\xBB\xBB", 3, &cp), 3u);
  EXPECT_EQ(cp, 0xFEFBu);
  EXPECT_EQ(DecodeUtf8("\xF0\x9F\x98\x80", 4, &cp), 4u);
  EXPECT_EQ(cp, 0x1F600u);
  EXPECT_EQ(DecodeUtf8("\xF4\x8F\xBF\xBF", 4, &cp), 4u);
  EXPECT_EQ(cp, 0x10FFFFu);
  EXPECT_EQ(DecodeUtf8("\xD8\xA7", 1, &cp), 1u) << "never reads past len";
  EXPECT_EQ(cp, kReplacementCharacter);
  EXPECT_EQ(DecodeUtf8("\xF0\x9F\x98\x80", 3, &cp), 3u);
  EXPECT_EQ(cp, kReplacementCharacter);
  for (char32_t c : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFDu, 0x10000u, 0x10FFFFu}) {
    char buffer[4];
    const size_t n = internal::EncodeUtf8(c, buffer);
    EXPECT_EQ(n, internal::Utf8Length(c));
    EXPECT_EQ(DecodeUtf8(buffer, n, &cp), n);
    EXPECT_EQ(cp, c);
  }
}

// ---- Seeded random texts
// ---------------------------------------------------------------------------

// Random text mixing Arabic letters and marks, presentation forms, removed characters, Latin with
// accents, Hangul jamo, supplementary code points, punctuation and invalid bytes.
class TextGenerator {
 public:
  explicit TextGenerator(uint64_t seed) : rng_(seed) {}

  std::string Next(size_t max_pieces) {
    std::string out;
    const size_t pieces = rng_.Uniform(max_pieces + 1);
    int marks_in_a_row = 0;
    for (size_t p = 0; p < pieces; ++p) {
      const uint64_t kind = rng_.Uniform(20);
      char32_t c;
      bool mark = false;
      switch (kind) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
          c = 0x0621 + rng_.Uniform(0x064A - 0x0621 + 1);  // Arabic letters (and tatweel)
          break;
        case 5:
          c = Pick({0x0622, 0x0623, 0x0625, 0x0671, 0x0649, 0x0629, 0x0624, 0x0626, 0x06A9, 0x06BE,
                    0x06CC, 0x06D0, 0x0640});
          break;
        case 6:
          c = 0x064B + rng_.Uniform(0x065F - 0x064B + 1);  // harakat
          mark = true;
          break;
        case 7:
          c = Pick({0x0670, 0x06D6, 0x06DD, 0x06E5, 0x06ED, 0x0654});
          mark = true;
          break;
        case 8:
          c = rng_.Bernoulli(0.5) ? 0xFB50 + rng_.Uniform(0xFDFF - 0xFB50 + 1)
                                  : 0xFE70 + rng_.Uniform(0xFEFF - 0xFE70 + 1);
          break;
        case 9:
          c = Pick({0x00AD, 0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202E, 0x2066,
                    0x2069, 0xFEFF});
          break;
        case 10:
        case 11:
          c = Pick({U' ', U' ', U' ', U'\n', U'.', U'-', U'"', U'\'', 0x00AB, 0x00BB, 0x201C,
                    0x201D, 0x060C, 0x061B, 0x061F, 0x066A, 0});
          break;
        case 12:
          c = (rng_.Bernoulli(0.5) ? U'a' : U'A') + rng_.Uniform(26);
          break;
        case 13:
          c = 0x0300 + rng_.Uniform(0x70);  // Latin combining marks
          mark = true;
          break;
        case 14:
          c = Pick({0x00C9, 0x00DF, 0x1E9E, 0x0130, 0x03A3, 0x0345, 0xFB01, 0xFF21,
                    static_cast<char32_t>(0x0660 + rng_.Uniform(10)),
                    static_cast<char32_t>(0x06F0 + rng_.Uniform(10))});
          break;
        case 15:
          c = Pick({0x1100, 0x1161, 0x11A8, 0xAC00, 0x1112, 0x1175});  // Hangul jamo, syllable
          break;
        case 16:
          c = Pick({0x1F600, 0x1D400, 0x1D165, 0x1D16D, 0x10400, 0x2F800});
          break;
        case 17:
          c = static_cast<char32_t>(rng_.Uniform(0x10000));  // any BMP code point
          break;
        case 18:
          c = static_cast<char32_t>(rng_.Uniform(0x110000));  // any code point
          break;
        default: {  // invalid UTF-8
          static const char* const kInvalid[] = {
              "\x80",     "\xBF", "\xC0\x80", "\xE0\x80\x80", "\xED\xA0\x80",
              "\xE2\x82", "\xF5", "\xFF",     "\xF0\x9F\x98", "\xC3"};
          out += kInvalid[rng_.Uniform(10)];
          if (rng_.Bernoulli(0.2)) out += static_cast<char>(rng_.Next() & 0xFF);
          marks_in_a_row = 0;
          continue;
        }
      }
      if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
      if (mark && ++marks_in_a_row > 8) continue;  // keep runs of marks realistic (see the oracle)
      if (!mark) marks_in_a_row = 0;
      out += Utf8(c);
    }
    return out;
  }

  NormalizerOptions RandomOptions() {
    NormalizerOptions options;
    for (const auto& option : internal::NormalizerOptionSwitches()) {
      options.*option.member = rng_.Bernoulli(0.75);
    }
    return options;
  }

  uint64_t Uniform(uint64_t bound) { return rng_.Uniform(bound); }

 private:
  char32_t Pick(std::initializer_list<char32_t> choices) {
    return *(choices.begin() + rng_.Uniform(choices.size()));
  }
  naql::testing::SplitMix64 rng_;
};

// Normalizers for the defaults and for `count - 1` random option sets (construction builds a
// 512 KiB table, so the random tests share a few instances rather than build one per text).
std::vector<std::unique_ptr<Normalizer>> SomeNormalizers(TextGenerator& generator, int count) {
  std::vector<std::unique_ptr<Normalizer>> normalizers;
  normalizers.push_back(std::make_unique<Normalizer>());
  for (int i = 1; i < count; ++i) {
    normalizers.push_back(std::make_unique<Normalizer>(generator.RandomOptions()));
  }
  return normalizers;
}

TEST(NormalizerPropertyTest, MapIsExactOnRandomTexts) {
  const uint64_t seed = naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  TextGenerator generator(seed);
  const auto normalizers = SomeNormalizers(generator, 8);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    const std::string original = generator.Next(120);
    const Normalizer& normalizer =
        *normalizers[iteration % 2 == 0 ? 0 : generator.Uniform(normalizers.size())];
    SCOPED_TRACE(absl::StrCat("iteration ", iteration, " options ", normalizer.options().Bits(),
                              " input ", Escape(original)));
    const NormalizedText out = normalizer.Normalize(original);
    ExpectMapInvariants(original, out);
    ExpectSourcesNormalizeAlone(normalizer, original, out);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// The oracle: the definition of the normalizer's output (normalizer.cc's file comment) carried out
// on the whole text with ICU, without tables or segments.
std::string Oracle(absl::string_view original, const NormalizerOptions& options) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  // Removed first: code points a row removes, and those whose own fold is empty.
  auto removed = [&](char32_t c) {
    if (internal::ApplyFoldRules(c, options) == internal::kRemovedCodePoint) return true;
    icu::UnicodeString one(static_cast<UChar32>(c));
    if (options.nfkc) one = nfkc->normalize(one, status);
    if (options.case_fold) one.foldCase();
    for (int32_t i = 0; i < one.length(); i += U16_LENGTH(one.char32At(i))) {
      if (internal::ApplyFoldRules(one.char32At(i), options) != internal::kRemovedCodePoint) {
        return false;
      }
    }
    return true;
  };
  icu::UnicodeString text;
  for (char32_t c : CodePoints(original)) {
    if (!removed(c)) text.append(static_cast<UChar32>(c));
  }
  if (options.nfkc) text = nfkc->normalize(text, status);
  if (options.case_fold) {
    text.foldCase();
    if (options.nfkc) text = nfkc->normalize(text, status);
  }
  EXPECT_TRUE(U_SUCCESS(status));
  std::string out;
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    const char32_t f = internal::ApplyFoldRules(static_cast<char32_t>(c), options);
    if (f != internal::kRemovedCodePoint) out += Utf8(f);
  }
  return out;
}

TEST(NormalizerPropertyTest, AgreesWithWholeTextIcuOracle) {
  const uint64_t seed = naql::testing::TestSeed() + 1;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed - 1));
  TextGenerator generator(seed);
  const auto normalizers = SomeNormalizers(generator, 16);
  for (int iteration = 0; iteration < 4000; ++iteration) {
    const Normalizer& normalizer = *normalizers[iteration % normalizers.size()];
    const std::string original = generator.Next(80);
    ASSERT_EQ(Escape(normalizer.Normalize(original).text),
              Escape(Oracle(original, normalizer.options())))
        << "iteration " << iteration << " options " << normalizer.options().Bits() << " input "
        << Escape(original);
  }
}

void ExpectTokensEqual(const std::vector<Token>& actual, const std::vector<Token>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("token ", i));
    ASSERT_EQ(actual[i].hash, expected[i].hash);
    ASSERT_EQ(actual[i].folded_begin, expected[i].folded_begin);
    ASSERT_EQ(actual[i].folded_end, expected[i].folded_end);
    ASSERT_EQ(actual[i].stem_begin, expected[i].stem_begin);
    ASSERT_EQ(actual[i].original, expected[i].original)
        << "bytes " << actual[i].original.byte_begin << "-" << actual[i].original.byte_end
        << " code points " << actual[i].original.cp_begin << "-" << actual[i].original.cp_end
        << ", expected bytes " << expected[i].original.byte_begin << "-"
        << expected[i].original.byte_end << " code points " << expected[i].original.cp_begin
        << "-" << expected[i].original.cp_end;
  }
}

// NormalizeWords (with Tokenizer::HashWords) is the fingerprinting path: it must give exactly
// Normalize()'s text and Tokenize()'s words and hashes. NormalizeWordsWithOriginals (with
// Tokenize(FoldedWords), together FoldAndTokenize) is the alignment path: the same text and the
// same tokens, original spans included, as the map gives them.
void ExpectWordsAgree(const Normalizer& normalizer, const Tokenizer& tokenizer,
                      absl::string_view original, FoldedWords* words) {
  const NormalizedText full = normalizer.Normalize(original);
  std::vector<Token> tokens;
  tokenizer.Tokenize(full, &tokens);
  normalizer.NormalizeWords(original, words);
  ASSERT_EQ(Escape(words->text), Escape(full.text));
  std::vector<WordRange> expected;
  for (const Token& token : tokens) expected.push_back({token.folded_begin, token.folded_end});
  ASSERT_EQ(words->words.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(words->words[i], expected[i]) << "word " << i;
  }
  std::vector<uint64_t> hashes;
  tokenizer.HashWords(*words, &hashes);
  ASSERT_EQ(hashes.size(), tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) ASSERT_EQ(hashes[i], tokens[i].hash) << "word " << i;

  normalizer.NormalizeWordsWithOriginals(original, words);
  ASSERT_EQ(Escape(words->text), Escape(full.text));
  std::vector<Token> from_words;
  tokenizer.Tokenize(*words, &from_words);
  ExpectTokensEqual(from_words, tokens);
  // And through FoldAndTokenize, into buffers that held another text.
  NormalizedText folded = normalizer.Normalize("نص آخر أطول من النص الأول بكثير، وفيه كلمات");
  std::vector<Token> folded_tokens(3);
  FoldAndTokenize(normalizer, tokenizer, original, &folded, &folded_tokens);
  ASSERT_EQ(Escape(folded.text), Escape(full.text));
  EXPECT_EQ(folded.map.size(), 0u);
  ExpectTokensEqual(folded_tokens, tokens);
}

TEST(NormalizeWordsTest, KnownCases) {
  const Normalizer normalizer;
  const Tokenizer tokenizer;
  FoldedWords words;
  normalizer.NormalizeWords("وَقالَ الرَّئيسُ: «نَعَم» ١٢٣", &words);
  EXPECT_EQ(words.text, "وقال الرييس: \"نعم\" 123");
  ASSERT_EQ(words.words.size(), 4u);
  EXPECT_EQ(words.text.substr(words.words[1].begin, words.words[1].end - words.words[1].begin),
            "الرييس");
  const char* const cases[] = {
      "",                                      // nothing
      "   ",                                   // no words
      "\xD9",                                  // a lone lead byte
      "كتب\xC0\x80كتب \xED\xA0\x80 \xE2\x82",  // invalid sequences of every length
      "لا ﻻ ﷲ ﷺ ½ ㍱ ﬁ",                       // expansions, mixed word and non-word outputs
      "e\u0301t\u00E9 ق\u0654",                // kept combining marks: the Normalize() path
      "😀 𝐀𝐁 ab\U0001D400cd",                   // above U+FFFF
      "a\0b\nc\td",                            // NUL and controls
  };
  for (const char* text : cases) {
    SCOPED_TRACE(Escape(text));
    ExpectWordsAgree(normalizer, tokenizer, absl::string_view(text, std::strlen(text)), &words);
  }
  ExpectWordsAgree(normalizer, tokenizer, absl::string_view("a\0b", 3), &words);
}

// Expansions (ﷺ is 3 bytes that fold to 33) far beyond the room made per chunk of input, at
// every alignment with the chunks; run under AddressSanitizer in scripts/test.sh.
TEST(NormalizeWordsTest, ExpansionsGrowTheOutput) {
  const Normalizer normalizer;
  const Tokenizer tokenizer;
  FoldedWords words;
  for (size_t prefix = 0; prefix < 8; ++prefix) {
    std::string text(prefix, 'x');
    for (int i = 0; i < 3000; ++i) text += i % 7 == 0 ? " ﷺ" : "ﷺ";
    text += " ﻻ";
    SCOPED_TRACE(prefix);
    ExpectWordsAgree(normalizer, tokenizer, text, &words);
  }
}

TEST(NormalizeWordsTest, AgreesWithNormalizeAndTokenizeOnRandomTexts) {
  const uint64_t seed = naql::testing::TestSeed() + 3;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed - 3));
  TextGenerator generator(seed);
  const auto normalizers = SomeNormalizers(generator, 8);
  TokenizerOptions no_clitics;
  no_clitics.strip_clitics = false;
  const Tokenizer tokenizers[] = {Tokenizer(), Tokenizer(no_clitics)};
  FoldedWords words;  // reused, as the Fingerprinter does
  for (int iteration = 0; iteration < 3000; ++iteration) {
    const std::string original = generator.Next(iteration % 100 == 0 ? 3000 : 120);
    const Normalizer& normalizer =
        *normalizers[iteration % 2 == 0 ? 0 : generator.Uniform(normalizers.size())];
    SCOPED_TRACE(absl::StrCat("iteration ", iteration, " options ", normalizer.options().Bits(),
                              " input ", Escape(original)));
    ExpectWordsAgree(normalizer, tokenizers[iteration % 3 == 0], original, &words);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(NormalizerPropertyTest, Idempotent) {
  const uint64_t seed = naql::testing::TestSeed() + 2;
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed - 2));
  TextGenerator generator(seed);
  const Normalizer normalizer;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    const std::string original = generator.Next(60);
    const std::string once = normalizer.Normalize(original).text;
    ASSERT_EQ(Escape(normalizer.Normalize(once).text), Escape(once))
        << "input " << Escape(original);
  }
}

}  // namespace
}  // namespace naql
