#include "language.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <cstdint>

#include "utf8.h"

namespace naql::internal {

double ArabicLetterShare(absl::string_view text) {
  uint64_t letters = 0;
  uint64_t arabic = 0;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      letters += ((byte | 0x20) >= 'a' && (byte | 0x20) <= 'z');
      ++i;
      continue;
    }
    char32_t cp;
    i += DecodeUtf8(text.data() + i, text.size() - i, &cp);
    if (cp >= 0x0621 && cp <= 0x064A) {  // hamza .. yeh: the letters of Arabic text
      ++letters;
      ++arabic;
      continue;
    }
    if (!u_isalpha(static_cast<UChar32>(cp))) continue;
    ++letters;
    UErrorCode error = U_ZERO_ERROR;
    arabic += uscript_getScript(static_cast<UChar32>(cp), &error) == USCRIPT_ARABIC;
  }
  return letters == 0 ? 0.0 : static_cast<double>(arabic) / static_cast<double>(letters);
}

}  // namespace naql::internal
