// html_text.h — the visible text of a web page, in UTF-8 (internal, not part of the public API).
//
// The WARC reader (warc_format.h) turns each HTML page of a crawl into an article with
// HtmlTextExtractor: the bytes are decoded from the page's charset to UTF-8, then a streaming
// HTML tokenizer keeps the text a reader of the page sees and drops the rest.
//
// Charset (which encoding the bytes are in), first match wins:
//   1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE);
//   2. the charset parameter of the HTTP Content-Type header (`declared_charset`);
//   3. for HTML, <meta charset="..."> or <meta http-equiv="Content-Type" content="...;
//      charset=..."> within the first HtmlTextOptions::prescan_bytes bytes (the WHATWG HTML
//      standard's prescan, §13.2.3.2, simplified: comments and other tags are stepped over);
//   4. UTF-8 — unless the bytes are not valid UTF-8, in which case
//      HtmlTextOptions::undeclared_fallback (windows-1256, the default the HTML standard suggests
//      for an Arabic locale; Arabic sites that declare nothing were mostly written in it).
// Labels follow the WHATWG Encoding standard where it matters for Arabic news: the windows-1256
// labels (windows-1256, cp1256, x-cp1256) and the ISO-8859-6 ones (iso-8859-6, arabic, asmo-708,
// ecma-114, iso-ir-127, csisolatinarabic, iso-8859-6-i/-e, ...) are recognized; latin1, ascii and
// iso-8859-1 mean windows-1252; a <meta> that claims UTF-16 means UTF-8. Any other label is given
// to ICU (ucnv_open); one ICU does not know counts as no declaration. Bytes that are invalid in the
// chosen encoding become U+FFFD (for UTF-8, one per maximal subpart, as utf8.h explains), so the
// output is always valid UTF-8.
//
// Visible text. The tokenizer follows the WHATWG HTML tokenizer (§13.2.5) for what matters to
// text: tags with quoted attribute values, comments, doctypes, bogus comments, character
// references (the full named table, numeric references with the standard's replacements), and
// the raw-text elements whose content is not markup (script, style, textarea, title, xmp,
// iframe, noembed, noframes, noscript, plaintext). Tree building is reduced to a stack of open
// elements: an end tag closes the nearest open element of its name (and everything opened after
// it) unless a scope boundary (table, td, th, caption, template, object, applet, marquee; for
// table parts only table and template) lies between, and a new paragraph-level block closes an
// open <p> (a new <li>, <dt> or <dd> closes the open one), as the standard's tree builder does.
// The text of an element is dropped when the element or an open ancestor is
//   - never rendered as text: script, style, noscript, template, textarea, select, button, svg,
//     math, canvas, object, audio, video, iframe, head's title (kept as the title instead);
//   - hidden: it has the `hidden` attribute;
//   - page chrome (unless keep_page_chrome): nav, header, footer, aside, and elements whose role
//     is navigation, banner, contentinfo or complementary (the ARIA landmarks of the same four).
// Everything else is text. Layout: each block (p, div, li, h1–h6, td, tr, blockquote, section,
// article, ... — the elements the standard renders as display: block, table rows and cells) and
// each <br> or <hr> starts a new line; within a line, runs of ASCII whitespace become one space
// (U+00A0 from &nbsp; is kept); lines hold no leading or trailing spaces, there are no empty lines
// and no final newline. So paragraphs come out one per line, as in Common Crawl's WET files.
//
// Example:
//   naql::internal::HtmlTextExtractor extractor;
//   naql::internal::WebText page;
//   NAQL_RETURN_IF_ERROR(extractor.ExtractHtml(http_body, "windows-1256", &page));
//   // page.text: "العنوان\nالفقرة الأولى ...\nالفقرة الثانية ..."; page.title, page.charset
//
// Thread safety: an HtmlTextExtractor is used by one thread at a time (it keeps converters and
// buffers between calls); the free functions are thread-safe.

#ifndef NAQL_CORE_SRC_HTML_TEXT_H_
#define NAQL_CORE_SRC_HTML_TEXT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace naql::internal {

struct HtmlTextOptions {
  // Keep the text of nav, header, footer, aside and their ARIA roles. Default false: site menus,
  // mastheads, footers and sidebars ("most read", related links) are the same on every page of a
  // site and would otherwise show up as text reused between unrelated articles.
  bool keep_page_chrome = false;

  // Bytes at the start of a page searched for a <meta> charset declaration. The HTML standard's
  // prescan looks at 1024; pages with long inline scripts in <head> put it later, so the default
  // is 4096. 64 ..= 1 MiB.
  uint32_t prescan_bytes = 4096;

  // Encoding of a page (or text/plain payload) that declares none and is not valid UTF-8. Default
  // "windows-1256". Empty: keep UTF-8 and turn the invalid bytes into U+FFFD.
  std::string undeclared_fallback = "windows-1256";

  // Most elements kept open at once; deeper start tags are not tracked (their text still is). A
  // bound on memory and on the work per end tag for pathological input. 16 ..= 65536.
  uint32_t max_depth = 1024;

  // InvalidArgument when a field is out of range or undeclared_fallback is a label ICU does not
  // know.
  absl::Status Validate() const;
};

// A page's text, as extracted.
struct WebText {
  std::string text;     // the visible text (see the file comment); valid UTF-8
  std::string title;    // the first <title>'s text, whitespace collapsed; empty when absent
  std::string charset;  // the encoding the bytes were read in, e.g. "UTF-8", "windows-1256"
};

// The charset parameter of a MIME Content-Type value ("text/html; charset=windows-1256" gives
// "windows-1256"), without quotes; empty when absent. Parameter names are case-insensitive.
absl::string_view CharsetFromContentType(absl::string_view content_type);

// The charset a <meta> element declares in `html` (all of it is searched: pass the prefix to
// search), or empty. See the file comment, step 3.
std::string SniffMetaCharset(absl::string_view html);

// Converts HTML (in any encoding) and text to UTF-8 text. Keeps an ICU converter per recent label
// and the tokenizer's buffers between calls, so that a page costs no allocation once they have
// grown. Not copyable.
class HtmlTextExtractor {
 public:
  // Requires options.Validate().ok().
  explicit HtmlTextExtractor(HtmlTextOptions options = HtmlTextOptions());
  ~HtmlTextExtractor();
  HtmlTextExtractor(const HtmlTextExtractor&) = delete;
  HtmlTextExtractor& operator=(const HtmlTextExtractor&) = delete;

  // The visible text and title of the HTML page `bytes`, whose HTTP Content-Type named
  // `declared_charset` (empty: none). Replaces *page. Errors: Internal when ICU fails on a
  // converter it opened (out of memory); never for malformed HTML or bytes.
  absl::Status ExtractHtml(absl::string_view bytes, absl::string_view declared_charset,
                           WebText* page);

  // A text/plain payload in UTF-8: decoded as above (steps 1, 2 and 4), a byte order mark
  // removed, otherwise unchanged (no whitespace or line changes). page->title is cleared.
  absl::Status ExtractPlainText(absl::string_view bytes, absl::string_view declared_charset,
                                WebText* page);

  // The tokenizer alone: `html` must be valid UTF-8 (anything else is read as U+FFFD by later
  // stages but may be cut mid-sequence here). Replaces *text and *title.
  void ExtractUtf8(absl::string_view html, std::string* text, std::string* title);

 private:
  class Tokenizer;
  struct Converters;

  // Decodes `bytes` to UTF-8 (see the file comment). Returns a view of `bytes` itself when they
  // are valid UTF-8 already, else of decoded_. Sets *charset.
  absl::StatusOr<absl::string_view> Decode(absl::string_view bytes,
                                           absl::string_view declared_charset, bool is_html,
                                           std::string* charset);

  HtmlTextOptions options_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Converters> converters_;
  std::string decoded_;
};

}  // namespace naql::internal

#endif  // NAQL_CORE_SRC_HTML_TEXT_H_
