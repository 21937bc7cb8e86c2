// language.h — how much of a text is written in the Arabic script (internal, not part of the
// public API): the measure behind ReaderOptions::language ("--lang ar").
//
// Example:
//   if (naql::internal::ArabicLetterShare(doc.text) < 0.5) { ... }  // not an Arabic article
//
// Thread safety: a free function without state.

#ifndef NAQL_CORE_SRC_LANGUAGE_H_
#define NAQL_CORE_SRC_LANGUAGE_H_

#include "absl/strings/string_view.h"

namespace naql::internal {

// The share of the letters of `text` (code points of Unicode general category L, by ICU's
// u_isalpha) that are in the Arabic script (ICU's uscript_getScript == USCRIPT_ARABIC), in
// [0, 1]; 0 for a text without letters. Digits, punctuation, marks (the harakat are Mn) and
// ill-formed UTF-8 (read as U+FFFD) count for neither side. Linear in the text; ASCII and the
// Arabic letters U+0621–U+064A are classified without a table look-up.
double ArabicLetterShare(absl::string_view text);

}  // namespace naql::internal

#endif  // NAQL_CORE_SRC_LANGUAGE_H_
