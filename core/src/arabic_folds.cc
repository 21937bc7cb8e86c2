// The fold table. One row per rule: code points, action, switch, Unicode names. Every row has a
// case in fixtures/normalization/cases.tsv, with its switch on and off (normalizer_test checks).
//
// Why these folds: Arabic news sites write the same word in several ways. Hamza on alef is often
// left out (أكد / اكد), final yeh and alef maksura are confused (على / علي), teh marbuta is written
// as heh (الدولة / الدوله), Persian keyboards give keheh and farsi yeh (ک ی), and text copied from
// PDFs carries presentation forms (handled by NFKC), tatweel (ـ) for justification, and diacritics
// in quotations from religious or poetic sources. Folding them trades a little precision (a few
// distinct words become equal, e.g. اعلام "flags" / إعلام "media") for the recall that reuse
// detection needs; each switch can be turned off.

#include "arabic_folds.h"

#include <unicode/uchar.h>

#include <array>
#include <cstddef>

namespace naql::internal {
namespace {

using O = NormalizerOptions;

// clang-format off
constexpr FoldRule kFoldRules[] = {
  // ---- remove_diacritics: harakat, Quranic annotation ----------------------------------------
  {0x064B, 0x065F, FoldAction::kRemove, 0, &O::remove_diacritics, "remove_diacritics",
   "ARABIC FATHATAN … ARABIC WAVY HAMZA BELOW (tanwin, harakat, shadda, sukun, maddah, hamza "
   "above/below, subscript alef, …)"},
  {0x0670, 0x0670, FoldAction::kRemove, 0, &O::remove_diacritics, "remove_diacritics",
   "ARABIC LETTER SUPERSCRIPT ALEF"},
  {0x06D6, 0x06ED, FoldAction::kRemove, 0, &O::remove_diacritics, "remove_diacritics",
   "ARABIC SMALL HIGH LIGATURE SAD WITH LAM WITH ALEF MAKSURA … ARABIC SMALL LOW MEEM (Quranic "
   "annotation signs)"},
  // ---- remove_tatweel ---------------------------------------------------------------------------
  {0x0640, 0x0640, FoldAction::kRemove, 0, &O::remove_tatweel, "remove_tatweel",
   "ARABIC TATWEEL"},
  // ---- remove_format_controls: invisible characters that split or disguise words --------------
  {0x00AD, 0x00AD, FoldAction::kRemove, 0, &O::remove_format_controls, "remove_format_controls",
   "SOFT HYPHEN"},
  {0x061C, 0x061C, FoldAction::kRemove, 0, &O::remove_format_controls, "remove_format_controls",
   "ARABIC LETTER MARK"},
  {0x200B, 0x200F, FoldAction::kRemove, 0, &O::remove_format_controls, "remove_format_controls",
   "ZERO WIDTH SPACE, ZERO WIDTH NON-JOINER, ZERO WIDTH JOINER, LEFT-TO-RIGHT MARK, "
   "RIGHT-TO-LEFT MARK"},
  {0x202A, 0x202E, FoldAction::kRemove, 0, &O::remove_format_controls, "remove_format_controls",
   "LEFT-TO-RIGHT EMBEDDING, RIGHT-TO-LEFT EMBEDDING, POP DIRECTIONAL FORMATTING, "
   "LEFT-TO-RIGHT OVERRIDE, RIGHT-TO-LEFT OVERRIDE"},
  {0x2066, 0x2069, FoldAction::kRemove, 0, &O::remove_format_controls, "remove_format_controls",
   "LEFT-TO-RIGHT ISOLATE, RIGHT-TO-LEFT ISOLATE, FIRST STRONG ISOLATE, POP DIRECTIONAL ISOLATE"},
  {0xFEFF, 0xFEFF, FoldAction::kRemove, 0, &O::remove_format_controls, "remove_format_controls",
   "ZERO WIDTH NO-BREAK SPACE (byte order mark)"},
  // ---- fold_alef: hamza and madda carriers of alef ---------------------------------------------
  {0x0622, 0x0622, FoldAction::kReplace, 0x0627, &O::fold_alef, "fold_alef",
   "ARABIC LETTER ALEF WITH MADDA ABOVE → ARABIC LETTER ALEF"},
  {0x0623, 0x0623, FoldAction::kReplace, 0x0627, &O::fold_alef, "fold_alef",
   "ARABIC LETTER ALEF WITH HAMZA ABOVE → ARABIC LETTER ALEF"},
  {0x0625, 0x0625, FoldAction::kReplace, 0x0627, &O::fold_alef, "fold_alef",
   "ARABIC LETTER ALEF WITH HAMZA BELOW → ARABIC LETTER ALEF"},
  {0x0671, 0x0671, FoldAction::kReplace, 0x0627, &O::fold_alef, "fold_alef",
   "ARABIC LETTER ALEF WASLA → ARABIC LETTER ALEF"},
  // ---- fold_alef_maksura --------------------------------------------------------------------------
  {0x0649, 0x0649, FoldAction::kReplace, 0x064A, &O::fold_alef_maksura, "fold_alef_maksura",
   "ARABIC LETTER ALEF MAKSURA → ARABIC LETTER YEH"},
  // ---- fold_teh_marbuta ---------------------------------------------------------------------------
  {0x0629, 0x0629, FoldAction::kReplace, 0x0647, &O::fold_teh_marbuta, "fold_teh_marbuta",
   "ARABIC LETTER TEH MARBUTA → ARABIC LETTER HEH"},
  // ---- fold_hamza_carriers ------------------------------------------------------------------------
  {0x0624, 0x0624, FoldAction::kReplace, 0x0648, &O::fold_hamza_carriers, "fold_hamza_carriers",
   "ARABIC LETTER WAW WITH HAMZA ABOVE → ARABIC LETTER WAW"},
  {0x0626, 0x0626, FoldAction::kReplace, 0x064A, &O::fold_hamza_carriers, "fold_hamza_carriers",
   "ARABIC LETTER YEH WITH HAMZA ABOVE → ARABIC LETTER YEH"},
  // ---- fold_persian_letters: Persian and Urdu keyboard forms of Arabic letters ------------------
  {0x06A9, 0x06A9, FoldAction::kReplace, 0x0643, &O::fold_persian_letters, "fold_persian_letters",
   "ARABIC LETTER KEHEH → ARABIC LETTER KAF"},
  {0x06BE, 0x06BE, FoldAction::kReplace, 0x0647, &O::fold_persian_letters, "fold_persian_letters",
   "ARABIC LETTER HEH DOACHASHMEE → ARABIC LETTER HEH"},
  {0x06CC, 0x06CC, FoldAction::kReplace, 0x064A, &O::fold_persian_letters, "fold_persian_letters",
   "ARABIC LETTER FARSI YEH → ARABIC LETTER YEH"},
  {0x06D0, 0x06D0, FoldAction::kReplace, 0x064A, &O::fold_persian_letters, "fold_persian_letters",
   "ARABIC LETTER E → ARABIC LETTER YEH"},
  // ---- fold_digits ----------------------------------------------------------------------------------
  {0x0660, 0x0669, FoldAction::kShift, U'0', &O::fold_digits, "fold_digits",
   "ARABIC-INDIC DIGIT ZERO … NINE → DIGIT ZERO … NINE"},
  {0x06F0, 0x06F9, FoldAction::kShift, U'0', &O::fold_digits, "fold_digits",
   "EXTENDED ARABIC-INDIC DIGIT ZERO … NINE → DIGIT ZERO … NINE"},
  // ---- fold_punctuation: quote marks and Arabic punctuation to ASCII (all remain separators) -----
  {0x00AB, 0x00AB, FoldAction::kReplace, U'"', &O::fold_punctuation, "fold_punctuation",
   "LEFT-POINTING DOUBLE ANGLE QUOTATION MARK → QUOTATION MARK"},
  {0x00BB, 0x00BB, FoldAction::kReplace, U'"', &O::fold_punctuation, "fold_punctuation",
   "RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK → QUOTATION MARK"},
  {0x2018, 0x201B, FoldAction::kReplace, U'\'', &O::fold_punctuation, "fold_punctuation",
   "LEFT SINGLE QUOTATION MARK, RIGHT SINGLE QUOTATION MARK, SINGLE LOW-9 QUOTATION MARK, "
   "SINGLE HIGH-REVERSED-9 QUOTATION MARK → APOSTROPHE"},
  {0x201C, 0x201F, FoldAction::kReplace, U'"', &O::fold_punctuation, "fold_punctuation",
   "LEFT DOUBLE QUOTATION MARK, RIGHT DOUBLE QUOTATION MARK, DOUBLE LOW-9 QUOTATION MARK, "
   "DOUBLE HIGH-REVERSED-9 QUOTATION MARK → QUOTATION MARK"},
  {0x2039, 0x203A, FoldAction::kReplace, U'"', &O::fold_punctuation, "fold_punctuation",
   "SINGLE LEFT-POINTING ANGLE QUOTATION MARK, SINGLE RIGHT-POINTING ANGLE QUOTATION MARK → "
   "QUOTATION MARK"},
  {0x060C, 0x060C, FoldAction::kReplace, U',', &O::fold_punctuation, "fold_punctuation",
   "ARABIC COMMA → COMMA"},
  {0x061B, 0x061B, FoldAction::kReplace, U';', &O::fold_punctuation, "fold_punctuation",
   "ARABIC SEMICOLON → SEMICOLON"},
  {0x061F, 0x061F, FoldAction::kReplace, U'?', &O::fold_punctuation, "fold_punctuation",
   "ARABIC QUESTION MARK → QUESTION MARK"},
  {0x066A, 0x066A, FoldAction::kReplace, U'%', &O::fold_punctuation, "fold_punctuation",
   "ARABIC PERCENT SIGN → PERCENT SIGN"},
  {0x066B, 0x066B, FoldAction::kReplace, U'.', &O::fold_punctuation, "fold_punctuation",
   "ARABIC DECIMAL SEPARATOR → FULL STOP"},
  {0x066C, 0x066C, FoldAction::kReplace, U',', &O::fold_punctuation, "fold_punctuation",
   "ARABIC THOUSANDS SEPARATOR → COMMA"},
  {0x06D4, 0x06D4, FoldAction::kReplace, U'.', &O::fold_punctuation, "fold_punctuation",
   "ARABIC FULL STOP → FULL STOP"},
};

// In the order of NormalizerOptions' fields: the bit order of NormalizerOptions::Bits().
constexpr NormalizerOptionSwitch kSwitches[] = {
  {"nfkc", &O::nfkc},
  {"remove_diacritics", &O::remove_diacritics},
  {"remove_tatweel", &O::remove_tatweel},
  {"remove_format_controls", &O::remove_format_controls},
  {"fold_alef", &O::fold_alef},
  {"fold_alef_maksura", &O::fold_alef_maksura},
  {"fold_teh_marbuta", &O::fold_teh_marbuta},
  {"fold_hamza_carriers", &O::fold_hamza_carriers},
  {"fold_persian_letters", &O::fold_persian_letters},
  {"fold_digits", &O::fold_digits},
  {"case_fold", &O::case_fold},
  {"fold_punctuation", &O::fold_punctuation},
};
// clang-format on

static_assert(sizeof(kSwitches) / sizeof(kSwitches[0]) * sizeof(bool) == sizeof(NormalizerOptions),
              "NormalizerOptions gained a field: add it to kSwitches (at the end, to keep Bits())");

// A cheap first test for ApplyFoldRules: bit p is set when some rule covers a code point of the
// 1024-code-point page p (of the BMP; no rule lies above it). Most of the BMP is in no such page.
constexpr int kPageShift = 10;
constexpr uint64_t RulePages() {
  uint64_t pages = 0;
  for (const FoldRule& rule : kFoldRules) {
    for (char32_t page = rule.first >> kPageShift; page <= (rule.last >> kPageShift); ++page) {
      pages |= uint64_t{1} << page;
    }
  }
  return pages;
}
constexpr uint64_t kRulePages = RulePages();
static_assert(
    [] {
      for (const FoldRule& rule : kFoldRules) {
        if (rule.last > 0xFFFF) return false;
      }
      return true;
    }(),
    "a rule above the BMP: extend kRulePages");

// The BMP part of IsWordChar as a bit set: bit c is set when code point c is L*, M* or N*.
struct WordCharBits {
  WordCharBits() {
    constexpr uint32_t kWordMask = U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK;
    for (uint32_t c = 0; c < 0x10000; ++c) {
      if (U_GET_GC_MASK(static_cast<UChar32>(c)) & kWordMask) {
        words[c >> 6] |= uint64_t{1} << (c & 63);
      }
    }
  }
  std::array<uint64_t, 0x10000 / 64> words{};
};

}  // namespace

absl::Span<const FoldRule> FoldRules() { return absl::MakeConstSpan(kFoldRules); }

absl::Span<const NormalizerOptionSwitch> NormalizerOptionSwitches() {
  return absl::MakeConstSpan(kSwitches);
}

char32_t ApplyFoldRules(char32_t c, const NormalizerOptions& options) {
  if (c > 0xFFFF || ((kRulePages >> (c >> kPageShift)) & 1) == 0) return c;
  for (const FoldRule& rule : kFoldRules) {
    if (c < rule.first || c > rule.last || !(options.*rule.option)) continue;
    switch (rule.action) {
      case FoldAction::kRemove:
        return kRemovedCodePoint;
      case FoldAction::kReplace:
        return rule.to;
      case FoldAction::kShift:
        return rule.to + (c - rule.first);
    }
  }
  return c;
}

const uint64_t* WordCharBmpBits() {
  static const WordCharBits* const kBits = new WordCharBits();  // built once, never destroyed
  return kBits->words.data();
}

bool IsWordChar(char32_t c) {
  if (c < 0x10000) return IsWordChar(WordCharBmpBits(), c);
  if (c > 0x10FFFF) return false;
  constexpr uint32_t kWordMask = U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK;
  return (U_GET_GC_MASK(static_cast<UChar32>(c)) & kWordMask) != 0;
}

}  // namespace naql::internal
