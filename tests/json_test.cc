// Tests of naql/json.h: JSON string escaping and UTF-8 repair on known answers, and against a
// code point by code point oracle on random byte strings rich in UTF-8 edge cases.

#include "naql/json.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "testing.h"
#include "utf8.h"

namespace naql {
namespace {

using ::naql::testing::SplitMix64;
using ::naql::testing::TestSeed;

std::string Json(absl::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

std::string Valid(absl::string_view text) {
  std::string out = "prefix:";  // appends, never replaces
  AppendValidUtf8(text, &out);
  return out.substr(7);
}

TEST(JsonTest, KnownAnswers) {
  EXPECT_EQ(Json(""), "\"\"");
  EXPECT_EQ(Json("a\"b\\c\n\t\r\b\f\x01\x1f"), "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\"");
  EXPECT_EQ(Json("قال «نعم»"), "\"قال «نعم»\"");
  EXPECT_EQ(Json("a\xE2\x80\xA8" "b\xE2\x80\xA9"), "\"a\\u2028b\\u2029\"");
  EXPECT_EQ(Json("\xEF\xBF\xBD"), "\"\xEF\xBF\xBD\"");  // a real U+FFFD stays
  EXPECT_EQ(Json("\xD8"), "\"\xEF\xBF\xBD\"");          // truncated at the end
  EXPECT_EQ(Json("\xD8" "A"), "\"\xEF\xBF\xBD" "A\"");  // lead byte without continuation
  EXPECT_EQ(Json("\xC0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong NUL
  EXPECT_EQ(Json("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");

  EXPECT_EQ(Valid("سلام"), "سلام");
  EXPECT_EQ(Valid("a\xC0\x80z\xE2\x82"), "a\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD");
  EXPECT_EQ(Valid("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

// The oracle: each code point decoded on its own.
bool IllFormed(absl::string_view text, size_t i, size_t n, char32_t cp) {
  return cp == internal::kReplacementCharacter &&
         !(n == 3 && text.substr(i, 3) == "\xEF\xBF\xBD");
}

std::string JsonOracle(absl::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      static constexpr char kHex[] = "0123456789abcdef";
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    char32_t cp;
    const size_t n = internal::DecodeUtf8(text.data() + i, text.size() - i, &cp);
    if (IllFormed(text, i, n, cp)) {
      out += "\xEF\xBF\xBD";
    } else if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(text.data() + i, n);
    }
    i += n;
  }
  return out + "\"";
}

std::string ValidOracle(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    const size_t n = internal::DecodeUtf8(text.data() + i, text.size() - i, &cp);
    if (IllFormed(text, i, n, cp)) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(text.data() + i, n);
    }
    i += n;
  }
  return out;
}

TEST(JsonTest, MatchTheOracleOnRandomBytes) {
  // Pieces that make valid and broken UTF-8 when strung together at random.
  const std::vector<std::string> pieces = {
      "a", " ", "\"", "\\", "\n", "\x01", "ق", "ال", "é", "\xE2\x80\xA8", "\xE2\x80\xA9", "€",
      "😀", "\xEF\xBF\xBD", "\xD8", "\xD9", "\x80", "\xBF", "\xC0", "\xC1", "\xC2", "\xDF",
      "\xE0", "\xED\xA0", "\xF0\x9F", "\xF4\x90", "\xF5", "\xFF"};
  SplitMix64 rng(TestSeed());
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t count = rng.Next() % 40;
    for (size_t k = 0; k < count; ++k) text += pieces[rng.Next() % pieces.size()];
    ASSERT_EQ(Json(text), JsonOracle(text)) << "round " << round;
    ASSERT_EQ(Valid(text), ValidOracle(text)) << "round " << round;
  }
  // Valid text takes a path of its own (AppendJsonString checks the whole text first): strings of
  // the first 14 pieces, which are well-formed, and longer ones.
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const size_t count = rng.Next() % 200;
    for (size_t k = 0; k < count; ++k) text += pieces[rng.Next() % 14];
    ASSERT_EQ(Json(text), JsonOracle(text)) << "valid round " << round;
  }
}

}  // namespace
}  // namespace naql
