// warc_writer.h — small WARC and WET files for tests, benchmarks and fixtures.
//
// Writes records exactly as the WARC standard lays them out (ISO 28500:2017: version line, header
// fields, empty line, block, "\r\n\r\n"), optionally each compressed as its own gzip member (as
// Common Crawl writes them), with the deviations tests need: a wrong Content-Length, a record cut
// short, garbage between records. Also: HTTP responses, Arabic news pages in HTML with the text a
// reader sees known in advance, and encoders from UTF-8 to windows-1256 and ISO-8859-6 (tables
// from the Unicode Consortium's mapping files, independent of ICU, which naql decodes them with).
//
// Example:
//   naql::testing::NewsPage page;
//   page.headline = "عنوان";
//   page.paragraphs = {"الفقرة الأولى", "الفقرة الثانية"};
//   naql::testing::WarcRecord record = naql::testing::ResponseRecord(
//       "urn:uuid:00000000-0000-4000-8000-000000000001", "https://example.com/a",
//       naql::testing::HttpResponse(200, "text/html; charset=utf-8", NewsPageHtml(page)));
//   std::string file = naql::testing::WarcFile({record}, /*gzip_per_record=*/true);
//   // NewsPageText(page) is what naql reads from it.
//
// Thread safety: free functions without state. Output is deterministic (zlib at a fixed level).

#ifndef NAQL_TESTS_SUPPORT_WARC_WRITER_H_
#define NAQL_TESTS_SUPPORT_WARC_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "testing.h"

namespace naql::testing {

// One WARC record. Empty strings leave their field out.
struct WarcRecord {
  std::string type = "response";  // WARC-Type
  std::string record_id;          // written in angle brackets: WARC-Record-ID: <record_id>
  std::string target_uri;         // WARC-Target-URI
  std::string date = "2024-03-01T10:00:00Z";                      // WARC-Date
  std::string content_type;                                       // Content-Type of the block
  std::vector<std::pair<std::string, std::string>> extra_fields;  // written after the others
  std::string block;
  // Written as Content-Length instead of block.size() (a wrong length), or no Content-Length
  // field at all.
  std::optional<uint64_t> content_length;
  bool omit_content_length = false;
};

// The record's bytes: "WARC/1.1\r\n", the fields, "\r\n", the block, "\r\n\r\n".
std::string FormatWarcRecord(const WarcRecord& record);

// The records one after another; with gzip_per_record, each compressed as its own gzip member.
std::string WarcFile(const std::vector<WarcRecord>& records, bool gzip_per_record);

// `data` compressed as one gzip member (zlib, level 6).
std::string GzipMember(absl::string_view data);

// `data` compressed as one zstd frame (level 3).
std::string ZstdFrame(absl::string_view data);

// A warcinfo record (the first record of a crawl's files).
WarcRecord WarcInfoRecord(const std::string& record_id);

// A response record for `uri` whose block is `http` (Content-Type application/http).
WarcRecord ResponseRecord(const std::string& record_id, const std::string& uri, std::string http);

// A request record for `uri` (not a document).
WarcRecord RequestRecord(const std::string& record_id, const std::string& uri);

// A WET conversion record: `text` as text/plain, referring to the response it was made from.
WarcRecord ConversionRecord(const std::string& record_id, const std::string& uri, std::string text);

// "urn:uuid:" and a fixed UUID made from `n` (version 4 layout, deterministic).
std::string RecordId(uint64_t n);

// An HTTP/1.1 response message: status line, Content-Type (when not empty), Content-Length,
// `extra_headers` (each "Name: value"), empty line, body.
std::string HttpResponse(int status, absl::string_view content_type, absl::string_view body,
                         const std::vector<std::string>& extra_headers = {});

// An Arabic news article as a web page.
struct NewsPage {
  std::string title;
  std::string headline;
  std::vector<std::string> paragraphs;
  std::string meta_charset;      // written as <meta charset="..."> when not empty
  std::string site = "example";  // words in the site chrome (nav, header, footer, aside)
};

// The page in HTML: doctype, head (meta charset, title, a script and a style that hold text and
// markup-like strings), body with nav, header, an article (h1, paragraphs with inline markup and
// character references), an aside, a footer and a trailing script. Text is escaped with character
// references where HTML needs it.
std::string NewsPageHtml(const NewsPage& page);

// The visible text naql should extract from NewsPageHtml(page): the headline and the paragraphs,
// one per line, whitespace collapsed.
std::string NewsPageText(const NewsPage& page);

// A crawl of `pages` synthetic Arabic news pages, as a crawler writes it: a warcinfo record, then
// per page a request, a response (text/html, UTF-8) and a metadata record. Each page is about
// 20–30 KB of HTML of which about a tenth is article text — the proportions of Arab news sites'
// pages: inline scripts and styles in <head>, a menu of 40 links, a header, an article of 4–12
// paragraphs drawn from `paragraphs` (seeded SplitMix64), a sidebar and a footer. `paragraphs`
// must not be empty.
std::vector<WarcRecord> SyntheticCrawl(uint64_t seed, size_t pages,
                                       const std::vector<std::string>& paragraphs);

// `utf8` in windows-1256 / ISO-8859-6. InvalidArgument for a character the charset lacks.
absl::StatusOr<std::string> EncodeWindows1256(absl::string_view utf8);
absl::StatusOr<std::string> EncodeIso88596(absl::string_view utf8);

// The code point of each byte 0x80..0xFF in windows-1256 / ISO-8859-6 (0 where unassigned), as the
// Unicode Consortium's mapping files give them.
extern const char16_t kWindows1256High[128];
extern const char16_t kIso88596High[128];

}  // namespace naql::testing

#endif  // NAQL_TESTS_SUPPORT_WARC_WRITER_H_
