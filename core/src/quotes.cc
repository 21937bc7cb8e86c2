// Quotations: detection in one text, and clustering of the quotations that recur across a corpus.
//
// Detection decodes the text once and then visits only what can matter (see naql/quotes.h for the
// pairing rules):
//   1. Decode the original text into code points with their byte offsets and a running count of
//      word starts, so that any range's word count is a subtraction; note the colons, and the code
//      points that can be marks or line breaks (all but printable ASCII, the Arabic block and
//      blanks).
//   2. Quotation marks drive a stack of open marks. A closing mark pops to the nearest open mark of
//      its family and records the pair; paragraph breaks empty the stack. Because a pair is only
//      ever made with a mark that is still on the stack, and closing pops everything above it,
//      two pairs never cross: they are nested or disjoint. Pairs longer than max_words are dropped
//      and the outermost of the rest are the marked quotations.
//   3. Reported speech: each colon (other than one in a clock time) looks back for a verb of
//      saying (after a light fold) within max_words_before_colon words of the same sentence and
//      line, with no other colon between; only the words before colons are looked up. The
//      quotation starts after the colon and runs to the end of the sentence, stepping over marked
//      pairs so that a full stop inside «…» does not end it.
//   4. Outermost wins: quotations sorted by start (longest first) are kept when they start after
//      the end of the last one kept. Output is ordered and never overlaps.
// Everything is O(n) in the text plus O(pairs · log pairs) for the sort.
//
// Clustering stores, per distinct token sequence ("variant"), the token hashes and folded text of
// the quotation, and per occurrence its document, original span and original text. Build() finds
// candidate pairs of variants through an inverted index of word bigrams (each variant probing a
// bounded number of the nearest earlier variants per bigram), verifies them, and joins accepted pairs with union–find. Verification is global for
// similarity (the longest common subsequence of the words: a quotation is a unit, and edits are
// scattered through it, which local alignment with an X-drop cut-off under-counts) and local for
// containment (the edit-tolerant Aligner, Smith–Waterman scoring with X-drop extension, see
// naql/aligner.h), so that a short quotation is contained in a long one only as one stretch.

#include "naql/quotes.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <numeric>
#include <optional>
#include <type_traits>
#include <utility>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "arabic_folds.h"
#include "lcs.h"
#include "naql/status.h"
#include "parallel.h"
#include "spill_file.h"
#include "utf8.h"

namespace naql {
namespace {

// ---------------------------------------------------------------------------------------------
// Characters.

// Families of quotation marks; a mark closes only a mark of its own family.
enum class Family : uint8_t { kNone, kGuillemet, kAngle, kDoubleCurly, kSingleCurly, kStraight };

constexpr char32_t kLeftGuillemet = 0x00AB;        // « LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
constexpr char32_t kRightGuillemet = 0x00BB;       // » RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
constexpr char32_t kLeftAngle = 0x2039;            // ‹ SINGLE LEFT-POINTING ANGLE QUOTATION MARK
constexpr char32_t kRightAngle = 0x203A;           // › SINGLE RIGHT-POINTING ANGLE QUOTATION MARK
constexpr char32_t kLeftDouble = 0x201C;           // “ LEFT DOUBLE QUOTATION MARK
constexpr char32_t kRightDouble = 0x201D;          // ” RIGHT DOUBLE QUOTATION MARK
constexpr char32_t kLowDouble = 0x201E;            // „ DOUBLE LOW-9 QUOTATION MARK
constexpr char32_t kReversedDouble = 0x201F;       // ‟ DOUBLE HIGH-REVERSED-9 QUOTATION MARK
constexpr char32_t kLeftSingle = 0x2018;           // ‘ LEFT SINGLE QUOTATION MARK
constexpr char32_t kRightSingle = 0x2019;          // ’ RIGHT SINGLE QUOTATION MARK
constexpr char32_t kReversedSingle = 0x201B;       // ‛ SINGLE HIGH-REVERSED-9 QUOTATION MARK
constexpr char32_t kStraightDouble = 0x0022;       // " QUOTATION MARK
constexpr char32_t kFullwidthDouble = 0xFF02;      // ＂ FULLWIDTH QUOTATION MARK
constexpr char32_t kParagraphSeparator = 0x2029;   // PARAGRAPH SEPARATOR
constexpr char32_t kLineSeparator = 0x2028;        // LINE SEPARATOR

Family FamilyOf(char32_t c) {
  switch (c) {
    case kLeftGuillemet:
    case kRightGuillemet:
      return Family::kGuillemet;
    case kLeftAngle:
    case kRightAngle:
      return Family::kAngle;
    case kLeftDouble:
    case kRightDouble:
    case kLowDouble:
    case kReversedDouble:
      return Family::kDoubleCurly;
    case kLeftSingle:
    case kRightSingle:
    case kReversedSingle:
      return Family::kSingleCurly;
    case kStraightDouble:
    case kFullwidthDouble:
      return Family::kStraight;
    default:
      return Family::kNone;
  }
}

// Unicode White_Space characters.
bool IsSpace(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == kLineSeparator || c == kParagraphSeparator ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// Invisible format controls that sit next to marks in real text (bidi marks and embeddings, zero
// width space, byte order mark). They are skipped when looking at a mark's neighbours and trimmed
// from quotation edges, as if absent.
bool IsInvisible(char32_t c) {
  return (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

bool IsNewline(char32_t c) { return c == '\n' || c == '\r' || c == kLineSeparator || c == 0x85; }

// Punctuation after which no quotation opens and before which none closes: a mark between a word
// and one of these is a closing mark.
bool IsClosingPunctuation(char32_t c) {
  switch (c) {
    case '.': case ',': case ';': case ':': case '!': case '?': case ')': case ']': case '}':
    case 0x060C:  // ، ARABIC COMMA
    case 0x061B:  // ؛ ARABIC SEMICOLON
    case 0x061F:  // ؟ ARABIC QUESTION MARK
    case 0x06D4:  // ۔ ARABIC FULL STOP
    case 0x2026:  // … HORIZONTAL ELLIPSIS
      return true;
    default:
      return false;
  }
}

bool IsDigit(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 0x0660 && c <= 0x0669) || (c >= 0x06F0 && c <= 0x06F9);
}

bool IsColon(char32_t c) { return c == ':' || c == 0xFF1A; }  // : and ： FULLWIDTH COLON

// Printable ASCII other than '"' and the Arabic block U+0600..U+06FF: no mark, space, line break
// or invisible control among them, so they only ever count as a line's content.
bool IsPlain(char32_t c) {
  return (c >= 0x21 && c < 0x7F && c != kStraightDouble) || (c >= 0x0600 && c <= 0x06FF);
}

// The white space that is not a line break: space, tab, VT, FF.
bool IsBlank(char32_t c) { return c == ' ' || c == '\t' || c == 0x0B || c == 0x0C; }

// ---------------------------------------------------------------------------------------------
// The decoded text.

// The arrays are reused between texts and only ever grow (growing a vector zero-fills the new
// elements): the text's code points are the first size() entries, and the offsets the first
// size() + 1.
struct Decoded {
  std::vector<char32_t> cps;          // code points (U+FFFD for each invalid subpart)
  std::vector<uint32_t> bytes;        // bytes[i]: byte offset of code point i; bytes[n] = size
  std::vector<uint32_t> word_starts;  // word_starts[i]: words starting in [0, i); size n + 1
  std::vector<uint8_t> is_word;       // IsWordChar per code point
  std::vector<uint32_t> colons;       // code point indices of the colons (IsColon), ascending
  // The code points MatchMarks looks at, ascending: all but the plain letters (IsPlain) and the
  // blanks (IsBlank) that fill most of a text; and per event whether a plain letter
  // came since the previous one (what MatchMarks needs of the rest: the line has content).
  std::vector<uint32_t> events;
  std::vector<uint8_t> plain_before;
  size_t code_points = 0;  // of the text: cps[0, code_points)

  size_t size() const { return code_points; }

  void Decode(absl::string_view text) {
    // Room for the worst case: one code point per byte.
    const size_t size = text.size();
    if (cps.size() < size) {
      cps.resize(size);
      is_word.resize(size);
    }
    if (bytes.size() < size + 1) {
      bytes.resize(size + 1);
      word_starts.resize(size + 1);
    }
    colons.clear();
    events.clear();
    plain_before.clear();
    const uint64_t* const word_bits = internal::WordCharBmpBits();
    uint32_t count = 0;
    bool previous = false;
    bool plain_since_event = false;
    size_t k = 0;
    for (size_t i = 0; i < size; ++k) {
      char32_t c;
      const size_t length = internal::DecodeUtf8Fast(text.data(), i, size, &c);
      const bool word = c != internal::kReplacementCharacter && internal::IsWordChar(word_bits, c);
      cps[k] = c;
      bytes[k] = static_cast<uint32_t>(i);
      is_word[k] = word;
      word_starts[k] = count;
      count += word && !previous;
      previous = word;
      if (IsColon(c)) [[unlikely]] colons.push_back(static_cast<uint32_t>(k));
      const bool plain = IsPlain(c);
      if (!plain && !IsBlank(c)) {
        events.push_back(static_cast<uint32_t>(k));
        plain_before.push_back(plain_since_event);
        plain_since_event = false;
      }
      plain_since_event |= plain;
      i += length;
    }
    bytes[k] = static_cast<uint32_t>(size);
    word_starts[k] = count;
    code_points = k;
  }

  // Words (maximal runs of word characters) that intersect [begin, end).
  uint32_t Words(size_t begin, size_t end) const {
    if (begin >= end) return 0;
    uint32_t words = word_starts[end] - word_starts[begin];
    if (begin > 0 && is_word[begin] && is_word[begin - 1]) ++words;  // a word cut at `begin`
    return words;
  }

  // The nearest visible code point before / after index i, or U+0000 at the text's edges (U+0000
  // counts as a space for the context rules).
  char32_t Before(size_t i) const {
    while (i > 0) {
      --i;
      if (!IsInvisible(cps[i])) return cps[i];
    }
    return 0;
  }
  char32_t After(size_t i) const {
    for (++i; i < code_points; ++i) {
      if (!IsInvisible(cps[i])) return cps[i];
    }
    return 0;
  }

  // Narrows [*begin, *end) past white space and invisible controls at both ends.
  void Trim(size_t* begin, size_t* end) const {
    while (*begin < *end && (IsSpace(cps[*begin]) || IsInvisible(cps[*begin]))) ++*begin;
    while (*end > *begin && (IsSpace(cps[*end - 1]) || IsInvisible(cps[*end - 1]))) --*end;
  }
};

bool IsWordLike(char32_t c) {
  return c != 0 && c != internal::kReplacementCharacter && internal::IsWordChar(c);
}

// A mark at i stands where an opening mark would: after the start, a space or punctuation other
// than a closing bracket (":”إن" opens after the colon), and before something that can begin a
// quotation (not a space, not closing punctuation).
bool CanOpen(const Decoded& text, size_t i) {
  const char32_t before = text.Before(i);
  const char32_t after = text.After(i);
  const bool boundary_before =
      !IsWordLike(before) && before != ')' && before != ']' && before != '}';
  return boundary_before && after != 0 && !IsSpace(after) && !IsClosingPunctuation(after);
}

// A mark at i stands where a closing mark would: after a non-space, and before the end, a space or
// a non-word character.
bool CanClose(const Decoded& text, size_t i) {
  const char32_t before = text.Before(i);
  const char32_t after = text.After(i);
  return before != 0 && !IsSpace(before) && (after == 0 || IsSpace(after) || !IsWordLike(after));
}

// ---------------------------------------------------------------------------------------------
// Marked quotations.

// Open marks kept at most; pushing onto a full stack forgets the oldest.
constexpr size_t kMaxOpenMarks = 32;

struct OpenMark {
  Family family;
  char32_t mark;
  uint32_t index;  // code point index of the mark
  uint32_t line;   // line number where it opened
};

struct MarkPair {
  uint32_t open = 0;   // code point index of the opening mark
  uint32_t close = 0;  // of the closing mark
  uint32_t begin = 0;  // the trimmed content [begin, end)
  uint32_t end = 0;
  uint32_t words = 0;
};

// Every matched pair of quotation marks (nested or disjoint, in closing order).
void MatchMarks(const Decoded& text, std::vector<MarkPair>* pairs) {
  pairs->clear();
  std::vector<OpenMark> stack;
  uint32_t line = 0;
  bool line_has_content = false;
  const size_t n = text.size();

  auto nearest = [&stack](Family family) -> int {
    for (int j = static_cast<int>(stack.size()) - 1; j >= 0; --j) {
      if (stack[j].family == family) return j;
    }
    return -1;
  };
  auto close = [&stack, pairs](int j, size_t i) {
    MarkPair pair;
    pair.open = stack[j].index;
    pair.close = static_cast<uint32_t>(i);
    pairs->push_back(pair);
    stack.resize(j);  // marks opened inside and still open are abandoned
  };
  auto push = [&stack, &line](Family family, char32_t mark, size_t i) {
    // Real text nests a few levels at most; a deeper stack is made of stray marks. Bounding it
    // keeps the search for the nearest open mark O(1), whatever the input.
    if (stack.size() == kMaxOpenMarks) stack.erase(stack.begin());
    stack.push_back(OpenMark{family, mark, static_cast<uint32_t>(i), line});
  };

  // Only the events: the code points between them are plain letters, which only give their line
  // content, and blanks, which do nothing.
  for (size_t e = 0; e < text.events.size(); ++e) {
    const size_t i = text.events[e];
    if (text.plain_before[e]) line_has_content = true;
    const char32_t c = text.cps[i];
    if (c == kParagraphSeparator) {
      stack.clear();
      ++line;
      line_has_content = false;
      continue;
    }
    if (IsNewline(c)) {
      if (c == '\r' && i + 1 < n && text.cps[i + 1] == '\n') continue;  // CR LF is one break
      if (!line_has_content) stack.clear();  // a blank line: paragraph break
      ++line;
      line_has_content = false;
      continue;
    }
    if (!IsSpace(c) && !IsInvisible(c)) line_has_content = true;
    const Family family = FamilyOf(c);
    if (family == Family::kNone) continue;
    const int j = nearest(family);
    switch (family) {
      case Family::kGuillemet:
      case Family::kAngle: {
        const char32_t open_mark = family == Family::kGuillemet ? kLeftGuillemet : kLeftAngle;
        if (j >= 0 && stack[j].mark != c) {
          close(j, i);  // « … » or reversed » … «
        } else if (c == open_mark) {
          push(family, c, i);
        } else if (CanOpen(text, i) && !CanClose(text, i)) {
          push(family, c, i);  // a mirrored opening mark
        }
        break;
      }
      case Family::kDoubleCurly:
        if (c == kLowDouble) {
          push(family, c, i);
        } else if (c == kLeftDouble || c == kReversedDouble) {
          if (j >= 0 && (stack[j].mark == kLowDouble || stack[j].mark == kRightDouble)) {
            close(j, i);
          } else {
            push(family, c, i);
          }
        } else {  // ”
          if (j >= 0) {
            close(j, i);
          } else if (CanOpen(text, i) && !CanClose(text, i)) {
            push(family, c, i);
          }
        }
        break;
      case Family::kSingleCurly:
        if (c == kRightSingle) {
          if (j >= 0 && !IsWordLike(text.After(i))) close(j, i);  // else an apostrophe
        } else if (!IsWordLike(text.Before(i))) {
          push(family, c, i);
        }
        break;
      case Family::kStraight:
        if (j >= 0) {
          if (stack[j].line != line && CanOpen(text, i) && !CanClose(text, i)) {
            // The open mark crossed a line break and this one starts a quotation on the new line:
            // the old one was unbalanced.
            stack.erase(stack.begin() + j);
            push(family, c, i);
          } else {
            close(j, i);
          }
        } else if (!(CanClose(text, i) && !CanOpen(text, i))) {
          push(family, c, i);
        }
        break;
      case Family::kNone:
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Verbs of saying.

// Forms of the verbs that introduce reported speech, as written (the detector folds them the way
// it folds the text). Each row: past (masculine, feminine, plural, dual), present, participles.
// A leading و or ف is handled by the matcher, not listed.
constexpr const char* kVerbsOfSaying[] = {
    // قال: said
    "قال", "قالت", "قالوا", "قالا", "قلن", "يقول", "تقول", "يقولون", "قائلا", "قائلة",
    "قائلين", "قائلون",
    // أضاف: added
    "أضاف", "أضافت", "أضافوا", "أضافا", "يضيف", "تضيف", "يضيفون", "مضيفا", "مضيفة", "مضيفين",
    "مضيفون",
    // أكد: stressed, confirmed
    "أكد", "أكدت", "أكدوا", "أكدا", "يؤكد", "تؤكد", "يؤكدون", "مؤكدا", "مؤكدة", "مؤكدين",
    "مؤكدون",
    // أوضح: explained
    "أوضح", "أوضحت", "أوضحوا", "يوضح", "توضح", "موضحا", "موضحة", "موضحين",
    // صرح: declared
    "صرح", "صرحت", "صرحوا", "يصرح", "تصرح", "مصرحا", "مصرحة",
    // تابع: went on
    "تابع", "تابعت", "تابعوا", "يتابع", "تتابع", "متابعا", "متابعة",
    // أشار: pointed out
    "أشار", "أشارت", "أشاروا", "يشير", "تشير", "مشيرا", "مشيرة", "مشيرين",
    // ذكر: mentioned
    "ذكر", "ذكرت", "ذكروا", "يذكر", "تذكر", "ذاكرا",
    // شدد: insisted
    "شدد", "شددت", "شددوا", "يشدد", "تشدد", "مشددا", "مشددة", "مشددين",
    // اعتبر: considered
    "اعتبر", "اعتبرت", "اعتبروا", "يعتبر", "تعتبر", "معتبرا", "معتبرة",
    // كشف: revealed
    "كشف", "كشفت", "كشفوا", "يكشف", "تكشف", "كاشفا", "كاشفة",
    // لفت: drew attention
    "لفت", "لفتت", "لفتوا", "يلفت", "تلفت", "لافتا", "لافتة",
    // ختم / اختتم: concluded
    "ختم", "ختمت", "اختتم", "اختتمت", "يختتم", "مختتما", "مختتمة",
    // أعلن: announced
    "أعلن", "أعلنت", "أعلنوا", "يعلن", "تعلن", "معلنا", "معلنة",
    // أردف / استطرد / استدرك: continued
    "أردف", "أردفت", "يردف", "مردفا", "مردفة", "استطرد", "استطردت", "مستطردا", "استدرك",
    "استدركت", "مستدركا",
    // بيّن: made clear (the bare past بين is also "between", so only unambiguous forms)
    "بينت", "مبينا", "مبينة",
    // حذر: warned
    "حذر", "حذرت", "حذروا", "يحذر", "تحذر", "محذرا", "محذرة",
    // أفاد: stated
    "أفاد", "أفادت", "أفادوا", "يفيد", "تفيد", "مفيدا", "مفيدة",
    // أجاب: answered
    "أجاب", "أجابت", "يجيب", "تجيب", "مجيبا", "مجيبة",
    // علق: commented
    "علق", "علقت", "علقوا", "يعلق", "تعلق", "معلقا", "معلقة",
    // كتب / غرد: wrote, tweeted
    "كتب", "كتبت", "غرد", "غردت", "مغردا", "مغردة",
    // نوه / أعرب / زاد: noted, expressed, added
    "نوه", "نوهت", "منوها", "منوهة", "أعرب", "أعربت", "معربا", "معربة", "زاد", "زادت",
};

// The light fold used to match verbs: the Normalizer's Arabic letter folds, without needing one.
// Returns kRemovedCodePoint for characters that are dropped.
char32_t FoldForVerb(char32_t c) {
  if ((c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640) {
    return internal::kRemovedCodePoint;  // harakat, superscript alef, tatweel
  }
  if (c == 0x200C || c == 0x200D) return internal::kRemovedCodePoint;  // ZWNJ, ZWJ
  switch (c) {
    case 0x0622: case 0x0623: case 0x0625: case 0x0671: return 0x0627;  // آ أ إ ٱ → ا
    case 0x0629: return 0x0647;  // ة → ه
    case 0x0649: case 0x06CC: case 0x0626: return 0x064A;  // ى ی ئ → ي
    case 0x0624: return 0x0648;  // ؤ → و
    case 0x06A9: return 0x0643;  // ک → ك
    default: return c;
  }
}

// Longest word (in folded bytes) that can be a verb form; longer words are not looked up.
constexpr size_t kMaxVerbBytes = 48;

// Folds code points [begin, end) of `text` into `buffer`; false when the result is too long.
bool FoldWord(const char32_t* begin, const char32_t* end, char* buffer, size_t* size) {
  size_t n = 0;
  for (const char32_t* p = begin; p != end; ++p) {
    const char32_t c = FoldForVerb(*p);
    if (c == internal::kRemovedCodePoint) continue;
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    if (n + 4 > kMaxVerbBytes) return false;
    n += internal::EncodeUtf8(c, buffer + n);
  }
  *size = n;
  return true;
}

// The verb prefilter's index of a folded code point: the Arabic block U+0600..U+06FF, then 0 (no
// code point), then every other code point together.
size_t HeadIndex(char32_t c) {
  return c >= 0x0600 && c <= 0x06FF ? c - 0x0600 : c == 0 ? 256 : 257;
}

// The prefilter's bit for a word's first two folded code points.
size_t HeadBit(char32_t first, char32_t second) {
  return HeadIndex(first) * QuoteDetector::kHeadIndices + HeadIndex(second);
}

// The first `count` (at most 3) code points of [begin, end) after FoldForVerb, skipping removed
// ones; 0 past the end.
void FoldedHead(const char32_t* begin, const char32_t* end, size_t count, char32_t* head) {
  size_t n = 0;
  for (const char32_t* p = begin; p != end && n < count; ++p) {
    const char32_t c = FoldForVerb(*p);
    if (c != internal::kRemovedCodePoint) head[n++] = c;
  }
  for (; n < count; ++n) head[n] = 0;
}

bool MatchVerb(const absl::flat_hash_set<std::string>& verbs, absl::string_view folded) {
  if (folded.empty()) return false;
  if (verbs.contains(folded)) return true;
  // One leading و (U+0648, D9 88) or ف (U+0641, D9 81), when at least two letters remain.
  if (folded.size() >= 6 && static_cast<unsigned char>(folded[0]) == 0xD9 &&
      (static_cast<unsigned char>(folded[1]) == 0x88 ||
       static_cast<unsigned char>(folded[1]) == 0x81)) {
    return verbs.contains(folded.substr(2));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Reported speech.

// True when the colon at i is inside a clock time such as 10:30 (a digit on both sides), which
// introduces no speech.
bool InClockTime(const Decoded& text, size_t i) {
  return IsDigit(text.Before(i)) && IsDigit(text.After(i));
}

// True when the code point at i ends a sentence: ! ? ؟ ۔, or a single full stop that is not a
// decimal point. ".." and "…" are ellipses inside a sentence.
bool EndsSentence(const Decoded& text, size_t i) {
  const char32_t c = text.cps[i];
  if (c == '!' || c == '?' || c == 0x061F || c == 0x06D4) return true;
  if (c != '.') return false;
  const char32_t before = i > 0 ? text.cps[i - 1] : 0;
  const char32_t after = i + 1 < text.size() ? text.cps[i + 1] : 0;
  if (before == '.' || after == '.') return false;
  if (IsDigit(before) && IsDigit(after)) return false;
  return true;
}

struct Candidate {
  uint32_t begin = 0;  // code point indices
  uint32_t end = 0;
  uint32_t words = 0;
  Quotation::Kind kind = Quotation::Kind::kMarked;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// QuoteDetector.

const char* QuotationKindName(Quotation::Kind kind) {
  return kind == Quotation::Kind::kReported ? "reported" : "marked";
}

absl::Status QuoteDetectorOptions::Validate() const {
  if (max_words < 1 || max_words > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("QuoteDetectorOptions.max_words must be in 1..100000, got ", max_words));
  }
  if (min_words < 1 || min_words > max_words) {
    return absl::InvalidArgumentError(absl::StrCat(
        "QuoteDetectorOptions.min_words must be in 1..max_words (", max_words, "), got ",
        min_words));
  }
  if (max_words_before_colon > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "QuoteDetectorOptions.max_words_before_colon must be in 0..64, got ",
        max_words_before_colon));
  }
  return absl::OkStatus();
}

QuoteDetector::QuoteDetector(const QuoteDetectorOptions& options) : options_(options) {
  assert(options.Validate().ok());
  for (const char* form : kVerbsOfSaying) {
    absl::string_view word(form);
    std::vector<char32_t> cps;
    size_t i = 0;
    while (i < word.size()) {
      char32_t c;
      i += internal::DecodeUtf8(word.data() + i, word.size() - i, &c);
      cps.push_back(c);
    }
    char buffer[kMaxVerbBytes];
    size_t size = 0;
    if (FoldWord(cps.data(), cps.data() + cps.size(), buffer, &size)) {
      verbs_.emplace(buffer, size);
      char32_t head[2];
      FoldedHead(cps.data(), cps.data() + cps.size(), 2, head);
      verb_heads_.set(HeadBit(head[0], head[1]));
    }
  }
}

bool QuoteDetector::MayBeVerb(const char32_t* begin, const char32_t* end) const {
  // MatchVerb accepts a folded verb form, or one with a leading و or ف: either way the word's
  // first two folded code points, or the two after the و/ف, begin a verb form.
  char32_t head[3];
  FoldedHead(begin, end, 3, head);
  if (verb_heads_.test(HeadBit(head[0], head[1]))) return true;
  return (head[0] == 0x0648 || head[0] == 0x0641) && verb_heads_.test(HeadBit(head[1], head[2]));
}

bool QuoteDetector::IsVerbOfSaying(absl::string_view word) const {
  std::vector<char32_t> cps;
  size_t i = 0;
  while (i < word.size()) {
    char32_t c;
    i += internal::DecodeUtf8(word.data() + i, word.size() - i, &c);
    cps.push_back(c);
  }
  char buffer[kMaxVerbBytes];
  size_t size = 0;
  if (!FoldWord(cps.data(), cps.data() + cps.size(), buffer, &size)) return false;
  return MatchVerb(verbs_, absl::string_view(buffer, size));
}

void QuoteDetector::Detect(absl::string_view original, std::vector<Quotation>* out) const {
  out->clear();
  if (original.empty()) return;
  // Per-thread scratch (about 13 bytes per code point), kept between calls: allocating it anew
  // for every article cost a fifth of the detection. Released after a very long text.
  static thread_local Decoded scratch;
  struct Release {
    ~Release() {
      if (scratch.cps.capacity() > (size_t{1} << 22)) scratch = Decoded();
    }
  } release;
  Decoded& text = scratch;  // one thread-local lookup, not one per access
  text.Decode(original);
  const size_t n = text.size();

  // Marked pairs: trim, count, drop mispairings, keep the outermost.
  std::vector<MarkPair> pairs;
  MatchMarks(text, &pairs);
  std::vector<MarkPair> kept;
  kept.reserve(pairs.size());
  for (MarkPair& pair : pairs) {
    size_t begin = pair.open + 1, end = pair.close;
    text.Trim(&begin, &end);
    pair.begin = static_cast<uint32_t>(begin);
    pair.end = static_cast<uint32_t>(end);
    pair.words = text.Words(begin, end);
    if (pair.words <= options_.max_words) kept.push_back(pair);
  }
  std::sort(kept.begin(), kept.end(),
            [](const MarkPair& x, const MarkPair& y) { return x.open < y.open; });
  std::vector<MarkPair> outer;  // outermost pairs, by position, any length
  for (const MarkPair& pair : kept) {
    if (!outer.empty() && pair.open < outer.back().close) continue;  // nested inside
    outer.push_back(pair);
  }

  std::vector<Candidate> candidates;
  for (const MarkPair& pair : outer) {
    if (pair.words >= options_.min_words) {
      candidates.push_back(Candidate{pair.begin, pair.end, pair.words, Quotation::Kind::kMarked});
    }
  }

  if (options_.reported_speech) {
    // open index → position in `outer`, walked in step with the scan after a colon (both move
    // forward).
    auto pair_opening_at = [&outer](size_t index, size_t* cursor) -> const MarkPair* {
      while (*cursor < outer.size() && outer[*cursor].open < index) ++*cursor;
      if (*cursor < outer.size() && outer[*cursor].open == index) return &outer[*cursor];
      return nullptr;
    };
    // True when a verb of saying precedes the colon at index `colon` in the same sentence and line
    // with at most max_words_before_colon words between them, and no other colon (one that is not
    // in a time such as 10:30) between them: the first such colon after a verb is the one that
    // introduces its speech. Verbs are looked for only before colons, walking back from each, so
    // the cost is in the few words before the colons, not in every word of the text (the walks
    // stop at the previous colon, so together they read the text at most once).
    auto after_verb_of_saying = [&](size_t colon) {
      size_t k = colon;
      for (uint32_t words = 0; words <= options_.max_words_before_colon; ++words) {
        for (; k > 0 && !text.is_word[k - 1]; --k) {  // the gap before the next word back
          const size_t x = k - 1;
          const char32_t c = text.cps[x];
          if (IsNewline(c) || c == kParagraphSeparator || EndsSentence(text, x)) return false;
          if (IsColon(c) && !InClockTime(text, x)) return false;
        }
        if (k == 0) return false;
        const size_t word_end = k;
        while (k > 0 && text.is_word[k - 1]) --k;
        const char32_t* const begin = text.cps.data() + k;
        const char32_t* const end = text.cps.data() + word_end;
        char buffer[kMaxVerbBytes];
        size_t size = 0;
        if (MayBeVerb(begin, end) && FoldWord(begin, end, buffer, &size) &&
            MatchVerb(verbs_, absl::string_view(buffer, size))) {
          return true;
        }
      }
      return false;
    };
    for (const uint32_t colon : text.colons) {
      if (InClockTime(text, colon)) continue;
      if (!after_verb_of_saying(colon)) continue;

      size_t start = colon + 1;
      while (start < n && (IsSpace(text.cps[start]) || IsInvisible(text.cps[start]))) ++start;
      if (start >= n) continue;
      size_t cursor = static_cast<size_t>(
          std::partition_point(outer.begin(), outer.end(),
                               [start](const MarkPair& pair) { return pair.open < start; }) -
          outer.begin());
      if (pair_opening_at(start, &cursor) != nullptr) continue;  // «…» right after the colon
      if (FamilyOf(text.cps[start]) != Family::kNone) {
        // An unmatched mark: the quotation is the sentence after it.
        ++start;
        while (start < n && (IsSpace(text.cps[start]) || IsInvisible(text.cps[start]))) ++start;
      }
      // Run to the end of the sentence, stepping over marked pairs, at most max_words words.
      size_t end = start;
      size_t keep_until = start;  // the end of the last pair stepped over: never trimmed
      uint32_t count = 0;
      size_t k = start;
      while (k < n) {
        const char32_t c = text.cps[k];
        if (IsNewline(c) || c == kParagraphSeparator || EndsSentence(text, k)) break;
        if (const MarkPair* pair = pair_opening_at(k, &cursor)) {
          count += text.Words(k, pair->close + 1);
          if (count > options_.max_words) break;
          k = pair->close + 1;
          end = keep_until = k;
          continue;
        }
        if (text.is_word[k] && (k == 0 || !text.is_word[k - 1])) {
          if (++count > options_.max_words) break;
        }
        ++k;
        end = k;
      }
      // Drop white space and stray (unpaired) marks at the end.
      while (end > keep_until && (IsSpace(text.cps[end - 1]) || IsInvisible(text.cps[end - 1]) ||
                                  FamilyOf(text.cps[end - 1]) != Family::kNone)) {
        --end;
      }
      const uint32_t quote_words = text.Words(start, end);
      if (quote_words >= options_.min_words && quote_words <= options_.max_words) {
        candidates.push_back(Candidate{static_cast<uint32_t>(start), static_cast<uint32_t>(end),
                                       quote_words, Quotation::Kind::kReported});
      }
    }
  }

  // Outermost wins; the result is ordered and disjoint.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
    if (x.begin != y.begin) return x.begin < y.begin;
    if (x.end != y.end) return x.end > y.end;
    return x.kind < y.kind;
  });
  uint32_t last_end = 0;
  for (const Candidate& candidate : candidates) {
    if (!out->empty() && candidate.begin < last_end) continue;
    Quotation quotation;
    quotation.span.byte_begin = text.bytes[candidate.begin];
    quotation.span.byte_end = text.bytes[candidate.end];
    quotation.span.cp_begin = candidate.begin;
    quotation.span.cp_end = candidate.end;
    quotation.words = candidate.words;
    quotation.kind = candidate.kind;
    out->push_back(quotation);
    last_end = candidate.end;
  }
}

// ---------------------------------------------------------------------------------------------
// InsideQuotation.

bool InsideQuotation(const OriginalSpan& span, absl::Span<const Quotation> quotes,
                     double min_fraction) {
  if (span.cp_end <= span.cp_begin) return false;
  const double length = static_cast<double>(span.cp_end - span.cp_begin);
  for (const Quotation& quote : quotes) {
    const uint32_t begin = std::max(span.cp_begin, quote.span.cp_begin);
    const uint32_t end = std::min(span.cp_end, quote.span.cp_end);
    if (end > begin && static_cast<double>(end - begin) >= min_fraction * length) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// QuoteClusterer.

namespace {

// Aligner settings for comparing two quotations: every shared stretch counts (the clusterer
// applies its own thresholds to the total), and 2-word seeds so that a 5-word quotation with one
// word changed in the middle still has a seed on each side of the change.
AlignerOptions QuoteAlignerOptions() {
  AlignerOptions options;
  options.min_words = 2;
  options.tolerant_seed_size = 2;
  options.seed_size = 2;
  options.min_similarity = 0;
  return options;
}

// Union–find with path halving and union by index (the smaller index becomes the root, so roots
// do not depend on the order of unions).
class DisjointSets {
 public:
  explicit DisjointSets(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  // Find without path compression: safe to call from several threads while nothing is joined.
  uint32_t FindConst(uint32_t x) const {
    while (parent_[x] != x) x = parent_[x];
    return x;
  }
  void Union(uint32_t x, uint32_t y) {
    x = Find(x);
    y = Find(y);
    if (x == y) return;
    if (x < y) std::swap(x, y);
    parent_[x] = y;
  }

 private:
  std::vector<uint32_t> parent_;
};

// Code points in a token's stem (valid UTF-8: count the bytes that are not continuation bytes).
uint32_t StemLetters(const NormalizedText& text, const Token& token) {
  uint32_t letters = 0;
  for (char c : StemText(text, token)) letters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return letters;
}

// One quotation as the verification needs it: folded text, tokens and stem lengths.
struct LoadedQuote {
  NormalizedText text;  // only `text.text` is filled (the aligner and TokenSimilarity use no map)
  std::vector<Token> tokens;
  std::vector<uint64_t> hashes;   // the tokens' hashes
  std::vector<uint32_t> letters;  // StemLetters per token (at most 255)
};

// Reusable buffers of CommonWords.
struct CommonWordsScratch {
  std::vector<uint32_t> previous, current;  // two rows of the dynamic programming
  std::vector<uint64_t> sorted;             // the other quotation's hashes, sorted
  std::vector<uint8_t> a_alone, b_alone;    // per token: no equal hash in the other quotation
};

// True when the two stems may be spelling variants under the aligner's rule: both have at least
// fuzzy_min_letters letters and their lengths differ by no more than the allowed edit distance.
// (The cheap test before TokenSimilarity, which decodes and compares the stems.)
bool MayBeVariants(uint32_t la, uint32_t lb, const AlignerOptions& options) {
  if (options.fuzzy_min_letters == 0 || la < options.fuzzy_min_letters ||
      lb < options.fuzzy_min_letters) {
    return false;
  }
  const uint32_t max_distance = options.fuzzy_two_edit_letters != 0 &&
                                        la >= options.fuzzy_two_edit_letters &&
                                        lb >= options.fuzzy_two_edit_letters
                                    ? 2
                                    : 1;
  return (la > lb ? la - lb : lb - la) <= max_distance;
}

// Length of the longest common subsequence of two token sequences under `same(i, j)`: the
// textbook O(nm) dynamic programming over two rows. (For equal hashes alone, the bit-parallel
// internal::LcsPattern is faster; spelling variants are not an equivalence it can encode.)
template <typename Same>
uint32_t Lcs(uint32_t n, uint32_t m, Same same, CommonWordsScratch* s) {
  s->previous.assign(m + 1, 0);
  s->current.assign(m + 1, 0);
  for (uint32_t i = 0; i < n; ++i) {
    s->current[0] = 0;
    for (uint32_t j = 0; j < m; ++j) {
      s->current[j + 1] =
          same(i, j) ? s->previous[j] + 1 : std::max(s->previous[j + 1], s->current[j]);
    }
    std::swap(s->previous, s->current);
  }
  return s->previous[m];
}

// Marks the tokens of `x` whose hash does not occur in `y`.
void MarkAlone(const LoadedQuote& x, const LoadedQuote& y, CommonWordsScratch* s,
               std::vector<uint8_t>* alone) {
  s->sorted.clear();
  for (const Token& token : y.tokens) s->sorted.push_back(token.hash);
  std::sort(s->sorted.begin(), s->sorted.end());
  alone->resize(x.tokens.size());
  for (size_t i = 0; i < x.tokens.size(); ++i) {
    (*alone)[i] = !std::binary_search(s->sorted.begin(), s->sorted.end(), x.tokens[i].hash);
  }
}

// The number of words two quotations have in common, in order: the longest common subsequence of
// their tokens, the matches of the best global alignment with insertions, deletions and
// substitutions, which is what "the same quotation with words dropped, added or changed"
// preserves. Words match when their hashes are equal or, as in the aligner, when they are
// spelling variants (TokenSimilarity > 0). Variants are only looked for when equal words alone
// leave the similarity 2 · common / (n + m) below `target` but at least half of it (so that
// a few respelled words can matter), and only between words that have no equal partner in the
// other quotation: this keeps the costly stem comparisons to the few edited words.
// `b_pattern` holds b's hashes (LcsPattern::Assign).
uint32_t CommonWords(const LoadedQuote& a, const LoadedQuote& b, internal::LcsPattern* b_pattern,
                     const AlignerOptions& options, double target, CommonWordsScratch* s) {
  const uint32_t n = static_cast<uint32_t>(a.tokens.size());
  const uint32_t m = static_cast<uint32_t>(b.tokens.size());
  const uint32_t exact = b_pattern->Length(a.hashes);
  const double similarity = 2.0 * exact / (n + m);
  if (similarity >= target || similarity < target / 2 || options.fuzzy_min_letters == 0) {
    return exact;
  }
  MarkAlone(a, b, s, &s->a_alone);
  MarkAlone(b, a, s, &s->b_alone);
  return Lcs(
      n, m,
      [&](uint32_t i, uint32_t j) {
        if (a.tokens[i].hash == b.tokens[j].hash) return true;
        return s->a_alone[i] && s->b_alone[j] &&
               MayBeVariants(a.letters[i], b.letters[j], options) &&
               TokenSimilarity(&a.text, a.tokens[i], &b.text, b.tokens[j], options) > 0;
      },
      s);
}

uint64_t BigramHash(uint64_t first, uint64_t second) {
  const uint64_t words[2] = {first, second};
  return XXH3_64bits(words, sizeof(words));
}

}  // namespace

absl::Status QuoteClustererOptions::Validate() const {
  NAQL_RETURN_IF_ERROR(detector.Validate());
  if (min_docs < 1 || min_docs > (1u << 31)) {
    return absl::InvalidArgumentError(
        absl::StrCat("QuoteClustererOptions.min_docs must be in 1..2^31, got ", min_docs));
  }
  if (min_words < 2 || min_words > 100000 || min_words > detector.max_words) {
    return absl::InvalidArgumentError(absl::StrCat(
        "QuoteClustererOptions.min_words must be in 2..100000 and at most detector.max_words (",
        detector.max_words, "), got ", min_words));
  }
  if (!(min_similarity > 0 && min_similarity <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "QuoteClustererOptions.min_similarity must be in (0, 1], got ", min_similarity));
  }
  if (!(min_containment > 0 && min_containment <= 2)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "QuoteClustererOptions.min_containment must be in (0, 2], got ", min_containment));
  }
  if (min_containment_words < 1 || min_containment_words > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "QuoteClustererOptions.min_containment_words must be in 1..100000, got ",
        min_containment_words));
  }
  if (min_shared_bigrams < 1 || min_shared_bigrams > 1000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "QuoteClustererOptions.min_shared_bigrams must be in 1..1000, got ", min_shared_bigrams));
  }
  if (max_probes_per_bigram < 1 || max_probes_per_bigram > (1u << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "QuoteClustererOptions.max_probes_per_bigram must be in 1..2^20, got ",
        max_probes_per_bigram));
  }
  return absl::OkStatus();
}

namespace {
QuoteDetectorOptions ClustererDetectorOptions(const QuoteClustererOptions& options) {
  QuoteDetectorOptions detector = options.detector;
  detector.min_words = std::max(detector.min_words, std::min(options.min_words, detector.max_words));
  return detector;
}
}  // namespace

QuoteClusterer::QuoteClusterer(const QuoteClustererOptions& options, const Normalizer* normalizer,
                               const Tokenizer* tokenizer)
    : options_(options),
      detector_(ClustererDetectorOptions(options)),
      aligner_(QuoteAlignerOptions()),
      normalizer_(normalizer),
      tokenizer_(tokenizer) {
  assert(options.Validate().ok());
  assert(normalizer != nullptr && tokenizer != nullptr);
}

QuoteClusterer::~QuoteClusterer() = default;

void QuoteClusterer::Prepare(absl::string_view original,
                             std::vector<PreparedQuotation>* out) const {
  std::vector<Quotation> quotations;
  detector_.Detect(original, &quotations);
  Prepare(original, quotations, out);
}

void QuoteClusterer::Prepare(absl::string_view original, absl::Span<const Quotation> detected,
                             std::vector<PreparedQuotation>* out) const {
  out->clear();
  for (const Quotation& quotation : detected) {
    PreparedQuotation prepared;
    prepared.quotation = quotation;
    prepared.original = std::string(original.substr(
        quotation.span.byte_begin, quotation.span.byte_end - quotation.span.byte_begin));
    // A batch of articles waits prepared: only what AddPrepared() reads is kept (no offset map,
    // no slack in the folded text).
    FoldAndTokenize(*normalizer_, *tokenizer_, prepared.original, &prepared.folded,
                    &prepared.tokens);
    if (prepared.tokens.size() < options_.min_words) continue;
    if (!options_.keep_originals) std::string().swap(prepared.original);
    out->push_back(std::move(prepared));
  }
}

void QuoteClusterer::UseTemporaryFile(internal::SpillFile* file) {
  assert(occurrences_.empty());
  spill_ = file;
}

absl::Status QuoteClusterer::status() const {
  absl::MutexLock lock(&error_mutex_);
  return error_;
}

void QuoteClusterer::KeepError(absl::Status status) const {
  absl::MutexLock lock(&error_mutex_);
  if (error_.ok()) error_ = std::move(status);
}

bool QuoteClusterer::Store(absl::string_view bytes, uint64_t* offset) {
  if (spill_ == nullptr) {
    *offset = memory_store_.size();
    memory_store_.Append(bytes);
    return true;
  }
  absl::StatusOr<uint64_t> appended = spill_->Append(bytes);
  if (!appended.ok()) {
    KeepError(std::move(appended).status());
    return false;
  }
  *offset = *appended;
  return true;
}

bool QuoteClusterer::Load(uint64_t offset, size_t size, std::string* out) const {
  if (spill_ == nullptr) {
    memory_store_.Assign(offset, size, out);
    return true;
  }
  out->resize(size);
  if (absl::Status read = spill_->ReadAt(offset, size, out->data()); !read.ok()) {
    KeepError(std::move(read));
    return false;
  }
  return true;
}

void QuoteClusterer::AddPrepared(uint32_t doc, absl::Span<const PreparedQuotation> prepared) {
  // Records hold StoredTokens as their bytes, read back by this process only.
  static_assert(std::is_trivially_copyable_v<StoredToken>);
  if (spill_ != nullptr && !status().ok()) return;
  std::vector<uint64_t> hashes;
  std::string record;
  for (const PreparedQuotation& quote : prepared) {
    if (quote.tokens.size() < options_.min_words) continue;
    hashes.clear();
    for (const Token& token : quote.tokens) hashes.push_back(token.hash);
    // In-memory key only (never stored), so the byte order of the hashes does not matter.
    const XXH128_hash_t hash = XXH3_128bits(hashes.data(), hashes.size() * sizeof(uint64_t));

    // The variant with this token sequence, or a new one.
    const auto [it, inserted] = variant_by_key_.try_emplace(
        std::make_pair(hash.low64, hash.high64), static_cast<uint32_t>(variants_.size()));
    if (inserted) {
      Variant variant;
      variant.token_count = static_cast<uint32_t>(quote.tokens.size());
      variant.text_size = static_cast<uint32_t>(quote.folded.text.size());
      record.clear();
      for (const Token& token : quote.tokens) {
        const uint32_t length = std::min<uint32_t>(token.folded_end - token.folded_begin, 0xFFFF);
        const uint32_t clitic =
            std::min<uint32_t>({token.stem_begin - token.folded_begin, length, 0xFF});
        const uint32_t letters = std::min<uint32_t>(StemLetters(quote.folded, token), 0xFF);
        const StoredToken stored{token.hash, token.folded_begin, static_cast<uint16_t>(length),
                                 static_cast<uint8_t>(clitic), static_cast<uint8_t>(letters)};
        record.append(reinterpret_cast<const char*>(&stored), sizeof(stored));
      }
      record += quote.folded.text;
      if (!Store(record, &variant.record)) {
        variant_by_key_.erase(it);
        return;
      }
      variants_.push_back(variant);
    }

    Occurrence occurrence;
    occurrence.doc = doc;
    occurrence.variant = it->second;
    occurrence.span = quote.quotation.span;
    if (options_.keep_originals) {
      if (!Store(quote.original, &occurrence.original_begin)) return;
      occurrence.original_size = static_cast<uint32_t>(quote.original.size());
    }
    occurrences_.push_back(occurrence);
  }
}

void QuoteClusterer::Add(uint32_t doc, absl::string_view original) {
  std::vector<PreparedQuotation> prepared;
  Prepare(original, &prepared);
  AddPrepared(doc, prepared);
}

size_t QuoteClusterer::MemoryUsage() const {
  return variants_.capacity() * sizeof(Variant) + memory_store_.memory_bytes() +
         occurrences_.capacity() * sizeof(Occurrence) +
         variant_by_key_.capacity() * (sizeof(decltype(variant_by_key_)::value_type) + 1);
}

void QuoteClusterer::ShrinkToFit() {
  variants_.shrink_to_fit();
  occurrences_.shrink_to_fit();
}

std::vector<RepeatedQuote> QuoteClusterer::Build(unsigned threads) const {
  if (spill_ != nullptr) {
    if (absl::Status flushed = spill_->Flush(); !flushed.ok()) KeepError(std::move(flushed));
  }
  if (!status().ok()) return {};
  const uint32_t num_variants = static_cast<uint32_t>(variants_.size());
  DisjointSets sets(num_variants);

  // 1. Inverted index of bigrams: (bigram, variant) entries sorted, each variant's bigrams once.
  struct Entry {
    uint64_t bigram;
    uint32_t variant;
  };
  std::vector<Entry> entries;
  {
    size_t tokens = 0;
    for (const Variant& variant : variants_) tokens += variant.token_count;
    entries.reserve(tokens);
  }
  // Variants are stored as they come, so reading them in order reads the store in order: from
  // the temporary file, a block at a time rather than one system call per record.
  std::optional<internal::SpillFile::BlockReader> block_reader;
  auto load_in_order = [&](uint64_t offset, size_t size, std::string* out) {
    if (spill_ == nullptr) return Load(offset, size, out);
    if (!block_reader) block_reader.emplace(spill_);
    if (absl::Status read = block_reader->Read(offset, size, out); !read.ok()) {
      KeepError(std::move(read));
      return false;
    }
    return true;
  };
  std::string record;
  for (uint32_t v = 0; v < num_variants; ++v) {
    const Variant& variant = variants_[v];
    if (!load_in_order(variant.record, size_t{variant.token_count} * sizeof(StoredToken),
                       &record)) {
      return {};
    }
    uint64_t previous = 0;
    for (uint32_t t = 0; t < variant.token_count; ++t) {
      uint64_t hash;  // StoredToken::hash, the first member
      std::memcpy(&hash, record.data() + t * sizeof(StoredToken), sizeof(hash));
      if (t > 0) entries.push_back(Entry{BigramHash(previous, hash), v});
      previous = hash;
    }
  }
  std::string().swap(record);
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return x.bigram != y.bigram ? x.bigram < y.bigram : x.variant < y.variant;
  });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const Entry& x, const Entry& y) {
                              return x.bigram == y.bigram && x.variant == y.variant;
                            }),
                entries.end());

  // Postings of the bigrams found in at least two variants, and each variant's list of them (CSR).
  std::vector<uint32_t> postings;        // variants, grouped by bigram, ascending in each group
  std::vector<uint32_t> posting_begin;   // per useful bigram; one extra at the end
  std::vector<uint32_t> variant_bigram_count(num_variants + 1, 0);
  for (size_t i = 0; i < entries.size();) {
    size_t j = i;
    while (j < entries.size() && entries[j].bigram == entries[i].bigram) ++j;
    if (j - i >= 2) {
      posting_begin.push_back(static_cast<uint32_t>(postings.size()));
      for (size_t k = i; k < j; ++k) {
        postings.push_back(entries[k].variant);
        ++variant_bigram_count[entries[k].variant + 1];
      }
    }
    i = j;
  }
  posting_begin.push_back(static_cast<uint32_t>(postings.size()));
  std::vector<Entry>().swap(entries);
  std::partial_sum(variant_bigram_count.begin(), variant_bigram_count.end(),
                   variant_bigram_count.begin());
  std::vector<uint32_t> variant_bigrams(postings.size());  // useful bigram indices per variant
  {
    std::vector<uint32_t> fill(variant_bigram_count.begin(), variant_bigram_count.end() - 1);
    for (uint32_t b = 0; b + 1 < posting_begin.size(); ++b) {
      for (uint32_t k = posting_begin[b]; k < posting_begin[b + 1]; ++k) {
        variant_bigrams[fill[postings[k]]++] = b;
      }
    }
  }

  // 2. Candidates and verification, variant by variant against the earlier ones, in blocks of
  // variants verified in parallel. Within a block the workers skip pairs already joined before the
  // block (read-only finds); the accepted pairs are joined after it, in variant order. Skipping
  // only pairs already connected never changes the connected components, so the clusters do not
  // depend on the number of threads or on the block size.
  struct Worker {
    std::vector<uint32_t> shared;  // per variant: bigrams shared with the current one
    std::vector<uint32_t> touched;
    LoadedQuote quote_u, quote_v;
    internal::LcsPattern pattern_v;  // quote_v's hashes
    CommonWordsScratch common_scratch;
    std::vector<Span> spans;
    AlignScratch scratch;
    std::string record;
  };
  // Candidates read the variants' records many times each, at random: records in the temporary
  // file are read back into memory once, now that the bigram entries are freed. Only those of the
  // variants that can be compared: with fewer than min_shared_bigrams useful bigrams, a variant
  // shares too few with any other (often most variants: quotations found once).
  auto record_size = [this](uint32_t v) {
    return size_t{variants_[v].token_count} * sizeof(StoredToken) + variants_[v].text_size;
  };
  auto comparable = [&](uint32_t v) {
    return variant_bigram_count[v + 1] - variant_bigram_count[v] >= options_.min_shared_bigrams;
  };
  internal::ChunkedText spilled_records;
  std::vector<uint64_t> spilled_record_of;  // variant → offset in spilled_records, if comparable
  if (spill_ != nullptr) {
    spilled_record_of.resize(num_variants);
    std::string record;
    for (uint32_t v = 0; v < num_variants; ++v) {
      if (!comparable(v)) continue;
      if (!load_in_order(variants_[v].record, record_size(v), &record)) return {};
      spilled_record_of[v] = spilled_records.size();
      spilled_records.Append(record);
    }
  }
  block_reader.reset();
  // False after a read error (kept in status()).
  auto read_record = [&](uint32_t v, std::string* record) {
    if (spill_ != nullptr && comparable(v)) {
      spilled_records.Assign(spilled_record_of[v], record_size(v), record);
      return true;
    }
    return Load(variants_[v].record, record_size(v), record);
  };
  auto load = [&](uint32_t v, std::string* record, LoadedQuote* quote) {
    const Variant& variant = variants_[v];
    const size_t token_bytes = size_t{variant.token_count} * sizeof(StoredToken);
    if (!read_record(v, record)) return false;
    quote->text.text.assign(*record, token_bytes, variant.text_size);
    quote->tokens.resize(variant.token_count);
    quote->hashes.resize(variant.token_count);
    quote->letters.resize(variant.token_count);
    for (uint32_t t = 0; t < variant.token_count; ++t) {
      StoredToken stored;
      std::memcpy(&stored, record->data() + t * sizeof(StoredToken), sizeof(stored));
      Token& token = quote->tokens[t];
      token = Token();
      token.hash = stored.hash;
      token.folded_begin = stored.folded_begin;
      token.stem_begin = stored.folded_begin + stored.clitic;
      token.folded_end = stored.folded_begin + stored.length;
      quote->hashes[t] = stored.hash;
      quote->letters[t] = stored.letters;
    }
    return true;
  };
  const AlignerOptions& aligner_options = aligner_.options();
  const bool containment_possible = options_.min_containment <= 1.0;
  // Appends to `same` every earlier variant u that v is the same quotation as (unless u and v were
  // already one cluster when the block began).
  auto verify = [&](uint32_t v, Worker* w, std::vector<uint32_t>* same_as) {
    w->touched.clear();
    for (uint32_t k = variant_bigram_count[v]; k < variant_bigram_count[v + 1]; ++k) {
      // The nearest earlier variants holding bigram b: those just before v in its posting list
      // (each list is increasing).
      const uint32_t b = variant_bigrams[k];
      const uint32_t* const first = postings.data() + posting_begin[b];
      const uint32_t* const last = postings.data() + posting_begin[b + 1];
      const uint32_t* p = std::lower_bound(first, last, v);
      assert(*p == v);
      for (uint32_t probes = 0; p != first && probes < options_.max_probes_per_bigram; ++probes) {
        const uint32_t u = *--p;
        if (w->shared[u]++ == 0) w->touched.push_back(u);
      }
    }
    std::sort(w->touched.begin(), w->touched.end());
    bool loaded_v = false;
    for (uint32_t u : w->touched) {
      const uint32_t count = w->shared[u];
      w->shared[u] = 0;
      if (count < options_.min_shared_bigrams) continue;
      if (sets.FindConst(u) == sets.FindConst(v)) continue;
      const uint32_t n = variants_[u].token_count, m = variants_[v].token_count;
      const uint32_t shorter = std::min(n, m);
      const bool may_be_similar = 2.0 * shorter / (n + m) >= options_.min_similarity;
      const bool may_contain = containment_possible && shorter >= options_.min_containment_words;
      if (!may_be_similar && !may_contain) continue;
      if (!loaded_v) {
        if (!load(v, &w->record, &w->quote_v)) return;
        w->pattern_v.Assign(w->quote_v.hashes);
        loaded_v = true;
      }
      if (!load(u, &w->record, &w->quote_u)) return;
      bool same = false;
      if (may_be_similar) {
        const uint32_t common = CommonWords(w->quote_u, w->quote_v, &w->pattern_v, aligner_options,
                                            options_.min_similarity, &w->common_scratch);
        same = 2.0 * common / (n + m) >= options_.min_similarity;
      }
      if (!same && may_contain) {
        // Containment must be local: the shorter quotation's words in one stretch of the longer,
        // not scattered over it (function words recur everywhere in a long quotation), so it is
        // measured on the aligner's local alignments. Most candidates share only a stock phrase:
        // the word-by-word bound (Aligner::MayMatch) turns them away without aligning them.
        auto contained = [&](uint32_t matches) {
          return matches >= options_.min_containment_words &&
                 static_cast<double>(matches) / shorter >= options_.min_containment;
        };
        const TokenSequence u_words{&w->quote_u.text, w->quote_u.tokens};
        const TokenSequence v_words{&w->quote_v.text, w->quote_v.tokens};
        // The fewest matches that make containment (from just below the estimate: rounding).
        const auto estimate = static_cast<uint32_t>(options_.min_containment * shorter);
        uint32_t needed =
            std::max(options_.min_containment_words, estimate - std::min(estimate, 1u));
        while (needed <= shorter && !contained(needed)) ++needed;
        if (needed <= shorter && aligner_.MayMatch(u_words, v_words, needed, &w->scratch)) {
          aligner_.Align(u_words, v_words, &w->spans, &w->scratch);
          uint32_t matches = 0;
          for (const Span& span : w->spans) matches += span.matches;
          same = contained(matches);
        }
      }
      if (same) same_as->push_back(u);
    }
  };
  threads = std::max(1u, std::min(threads, 1024u));
  std::vector<Worker> workers(threads);
  for (Worker& w : workers) w.shared.assign(num_variants, 0);
  constexpr uint32_t kBlock = 2048;
  std::vector<std::vector<uint32_t>> same_as(kBlock);
  for (uint32_t block = 0; block < num_variants; block += kBlock) {
    const uint32_t size = std::min(kBlock, num_variants - block);
    internal::ParallelFor(size, threads, [&](size_t i, unsigned worker) {
      same_as[i].clear();
      verify(block + static_cast<uint32_t>(i), &workers[worker], &same_as[i]);
    });
    for (uint32_t i = 0; i < size; ++i) {
      for (uint32_t u : same_as[i]) sets.Union(u, block + i);
    }
  }
  std::vector<Worker>().swap(workers);
  spilled_records = internal::ChunkedText();
  std::vector<uint64_t>().swap(spilled_record_of);
  if (!status().ok()) return {};

  // 3. Clusters: occurrences grouped by the root of their variant.
  std::vector<uint32_t> order(occurrences_.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<uint32_t> root(occurrences_.size());
  for (uint32_t i = 0; i < occurrences_.size(); ++i) root[i] = sets.Find(occurrences_[i].variant);
  std::sort(order.begin(), order.end(), [this, &root](uint32_t x, uint32_t y) {
    if (root[x] != root[y]) return root[x] < root[y];
    const Occurrence& a = occurrences_[x];
    const Occurrence& b = occurrences_[y];
    if (a.doc != b.doc) return a.doc < b.doc;
    if (a.span.cp_begin != b.span.cp_begin) return a.span.cp_begin < b.span.cp_begin;
    if (a.span.cp_end != b.span.cp_end) return a.span.cp_end < b.span.cp_end;
    return x < y;
  });

  struct Group {
    size_t begin, end;  // into `order`
    uint32_t docs;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    uint32_t docs = 0;
    for (; j < order.size() && root[order[j]] == root[order[i]]; ++j) {
      if (j == i || occurrences_[order[j]].doc != occurrences_[order[j - 1]].doc) ++docs;
    }
    if (j - i >= 2 && docs >= options_.min_docs) groups.push_back(Group{i, j, docs});
    i = j;
  }
  std::sort(groups.begin(), groups.end(), [this, &order](const Group& x, const Group& y) {
    if (x.docs != y.docs) return x.docs > y.docs;
    const Occurrence& a = occurrences_[order[x.begin]];
    const Occurrence& b = occurrences_[order[y.begin]];
    if (a.doc != b.doc) return a.doc < b.doc;
    return a.span.cp_begin < b.span.cp_begin;
  });

  std::vector<RepeatedQuote> result;
  result.reserve(groups.size());
  for (const Group& group : groups) {
    RepeatedQuote quote;
    quote.id = static_cast<uint32_t>(result.size());
    uint32_t longest = UINT32_MAX;
    for (size_t k = group.begin; k < group.end; ++k) {
      const Occurrence& occurrence = occurrences_[order[k]];
      if (longest == UINT32_MAX ||
          variants_[occurrence.variant].token_count > variants_[longest].token_count) {
        longest = occurrence.variant;
      }
      QuoteOccurrence out;
      out.doc = occurrence.doc;
      out.span = occurrence.span;
      if (occurrence.original_size > 0 &&
          !Load(occurrence.original_begin, occurrence.original_size, &out.text)) {
        return {};
      }
      quote.occurrences.push_back(std::move(out));
    }
    const Variant& variant = variants_[longest];
    if (!Load(variant.record + size_t{variant.token_count} * sizeof(StoredToken),
              variant.text_size, &quote.text)) {
      return {};
    }
    result.push_back(std::move(quote));
  }
  return result;
}

}  // namespace naql
