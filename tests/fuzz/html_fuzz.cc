// Fuzz target for the HTML text extractor (core/src/html_text.h): arbitrary bytes are read as a
// web page, with the first byte choosing the declared charset, and the invariants are checked:
//   - it never crashes, hangs or reads out of bounds (the sanitizers watch);
//   - the text and title are valid UTF-8; the text has no empty line and no line that starts or
//     ends with a space; the title has no leading, trailing or doubled ASCII whitespace;
//   - the text, escaped and put back one line per <p>, extracts to itself (a fixed point);
//   - extracting twice with the same extractor gives the same result (no state leaks between
//     pages).
// Replayed over tests/fuzz/corpus/html_fuzz/ by ctest; with NAQL_BUILD_FUZZERS, a libFuzzer
// binary.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "html_text.h"
#include "input_format.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kCharsets[] = {"",       "utf-8",    "windows-1256", "iso-8859-6",
                                          "latin1", "utf-16le", "shift_jis",    "no-such-charset"};
  const absl::string_view charset = size > 0 ? kCharsets[data[0] % 8] : "";
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);

  static naql::internal::HtmlTextExtractor* const extractor =
      new naql::internal::HtmlTextExtractor();
  naql::internal::WebText page;
  Check(extractor->ExtractHtml(bytes, charset, &page).ok());
  Check(naql::internal::FirstInvalidUtf8(page.text) == absl::string_view::npos);
  Check(naql::internal::FirstInvalidUtf8(page.title) == absl::string_view::npos);
  for (absl::string_view line : absl::StrSplit(page.text, '\n')) {
    if (page.text.empty()) break;
    Check(!line.empty() && !IsSpace(line.front()) && !IsSpace(line.back()));
    for (char c : line) Check(c == ' ' || !IsSpace(c));
  }
  if (!page.title.empty()) Check(!IsSpace(page.title.front()) && !IsSpace(page.title.back()));
  Check(page.title.find("  ") == std::string::npos);

  naql::internal::WebText again;
  Check(extractor->ExtractHtml(bytes, charset, &again).ok());
  Check(again.text == page.text && again.title == page.title && again.charset == page.charset);

  std::string html;
  for (absl::string_view line : absl::StrSplit(page.text, '\n')) {
    html += "<p>";
    for (char c : line) {
      if (c == '&') {
        html += "&amp;";
      } else if (c == '<') {
        html += "&lt;";
      } else {
        html.push_back(c);
      }
    }
    html += "</p>\n";
  }
  std::string text, title;
  extractor->ExtractUtf8(html, &text, &title);
  Check(text == page.text);
  return 0;
}
