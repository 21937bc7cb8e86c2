#include "warc_writer.h"

#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace naql::testing {
namespace {

// Escapes text for HTML element content: &, <, > as character references.
std::string EscapeHtml(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// The longest prefix of `text` of at most `max_bytes` bytes that ends on a character boundary.
std::string Utf8Prefix(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

// Decodes one UTF-8 code point (the input is trusted: test data).
char32_t NextCodePoint(absl::string_view text, size_t* i) {
  const unsigned char lead = static_cast<unsigned char>(text[*i]);
  size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t cp = length == 1 ? lead : lead & (0xFF >> (length + 1));
  for (size_t k = 1; k < length && *i + k < text.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[*i + k]) & 0x3F);
  }
  *i += length;
  return cp;
}

absl::StatusOr<std::string> EncodeSingleByte(absl::string_view utf8, const char16_t* high,
                                             absl::string_view name) {
  std::string out;
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t cp = NextCodePoint(utf8, &i);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
      continue;
    }
    int byte = -1;
    for (int b = 0; b < 128; ++b) {
      if (high[b] != 0 && high[b] == cp) byte = 0x80 + b;
    }
    if (byte < 0) {
      return absl::InvalidArgumentError(absl::StrFormat("U+%04X is not in %s", cp, name));
    }
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

}  // namespace

// Unicode Consortium, MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1256.TXT.
const char16_t kWindows1256High[128] = {
    0x20AC, 0x067E, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80
    0x02C6, 0x2030, 0x0679, 0x2039, 0x0152, 0x0686, 0x0698, 0x0688,  // 88
    0x06AF, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90
    0x06A9, 0x2122, 0x0691, 0x203A, 0x0153, 0x200C, 0x200D, 0x06BA,  // 98
    0x00A0, 0x060C, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7,  // A0
    0x00A8, 0x00A9, 0x06BE, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,  // A8
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7,  // B0
    0x00B8, 0x00B9, 0x061B, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x061F,  // B8
    0x06C1, 0x0621, 0x0622, 0x0623, 0x0624, 0x0625, 0x0626, 0x0627,  // C0
    0x0628, 0x0629, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F,  // C8
    0x0630, 0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x00D7,  // D0
    0x0637, 0x0638, 0x0639, 0x063A, 0x0640, 0x0641, 0x0642, 0x0643,  // D8
    0x00E0, 0x0644, 0x00E2, 0x0645, 0x0646, 0x0647, 0x0648, 0x00E7,  // E0
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x0649, 0x064A, 0x00EE, 0x00EF,  // E8
    0x064B, 0x064C, 0x064D, 0x064E, 0x00F4, 0x064F, 0x0650, 0x00F7,  // F0
    0x0651, 0x00F9, 0x0652, 0x00FB, 0x00FC, 0x200E, 0x200F, 0x06D2,  // F8
};

// Unicode Consortium, MAPPINGS/ISO8859/8859-6.TXT (0x80..0x9F are the C1 controls).
const char16_t kIso88596High[128] = {
    0x0080, 0x0081, 0x0082, 0x0083, 0x0084, 0x0085, 0x0086, 0x0087,  // 80
    0x0088, 0x0089, 0x008A, 0x008B, 0x008C, 0x008D, 0x008E, 0x008F,  // 88
    0x0090, 0x0091, 0x0092, 0x0093, 0x0094, 0x0095, 0x0096, 0x0097,  // 90
    0x0098, 0x0099, 0x009A, 0x009B, 0x009C, 0x009D, 0x009E, 0x009F,  // 98
    0x00A0, 0,      0,      0,      0x00A4, 0,      0,      0,       // A0
    0,      0,      0,      0,      0x060C, 0x00AD, 0,      0,       // A8
    0,      0,      0,      0,      0,      0,      0,      0,       // B0
    0,      0,      0,      0x061B, 0,      0,      0,      0x061F,  // B8
    0,      0x0621, 0x0622, 0x0623, 0x0624, 0x0625, 0x0626, 0x0627,  // C0
    0x0628, 0x0629, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F,  // C8
    0x0630, 0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637,  // D0
    0x0638, 0x0639, 0x063A, 0,      0,      0,      0,      0,       // D8
    0x0640, 0x0641, 0x0642, 0x0643, 0x0644, 0x0645, 0x0646, 0x0647,  // E0
    0x0648, 0x0649, 0x064A, 0x064B, 0x064C, 0x064D, 0x064E, 0x064F,  // E8
    0x0650, 0x0651, 0x0652, 0,      0,      0,      0,      0,       // F0
    0,      0,      0,      0,      0,      0,      0,      0,       // F8
};

std::string FormatWarcRecord(const WarcRecord& record) {
  std::string out = "WARC/1.1\r\n";
  if (!record.type.empty()) absl::StrAppend(&out, "WARC-Type: ", record.type, "\r\n");
  if (!record.record_id.empty()) {
    absl::StrAppend(&out, "WARC-Record-ID: <", record.record_id, ">\r\n");
  }
  if (!record.date.empty()) absl::StrAppend(&out, "WARC-Date: ", record.date, "\r\n");
  if (!record.target_uri.empty()) {
    absl::StrAppend(&out, "WARC-Target-URI: ", record.target_uri, "\r\n");
  }
  if (!record.content_type.empty()) {
    absl::StrAppend(&out, "Content-Type: ", record.content_type, "\r\n");
  }
  for (const auto& [name, value] : record.extra_fields) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (!record.omit_content_length) {
    absl::StrAppend(&out, "Content-Length: ", record.content_length.value_or(record.block.size()),
                    "\r\n");
  }
  absl::StrAppend(&out, "\r\n", record.block, "\r\n\r\n");
  return out;
}

std::string GzipMember(absl::string_view data) {
  z_stream zs{};
  // 15 + 16: a gzip wrapper; memory level 8 and the default strategy: zlib's defaults.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string ZstdFrame(absl::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) std::abort();
  out.resize(n);
  return out;
}

std::string WarcFile(const std::vector<WarcRecord>& records, bool gzip_per_record) {
  std::string out;
  for (const WarcRecord& record : records) {
    const std::string bytes = FormatWarcRecord(record);
    out += gzip_per_record ? GzipMember(bytes) : bytes;
  }
  return out;
}

WarcRecord WarcInfoRecord(const std::string& record_id) {
  WarcRecord record;
  record.type = "warcinfo";
  record.record_id = record_id;
  record.content_type = "application/warc-fields";
  record.block =
      "software: naql-test-writer\r\nformat: WARC File Format 1.1\r\n"
      "description: generated for naql's tests\r\n";
  return record;
}

WarcRecord ResponseRecord(const std::string& record_id, const std::string& uri, std::string http) {
  WarcRecord record;
  record.type = "response";
  record.record_id = record_id;
  record.target_uri = uri;
  record.content_type = "application/http; msgtype=response";
  record.block = std::move(http);
  return record;
}

WarcRecord RequestRecord(const std::string& record_id, const std::string& uri) {
  WarcRecord record;
  record.type = "request";
  record.record_id = record_id;
  record.target_uri = uri;
  record.content_type = "application/http; msgtype=request";
  const size_t host_begin = uri.find("://") == std::string::npos ? 0 : uri.find("://") + 3;
  const std::string host = uri.substr(host_begin, uri.find('/', host_begin) - host_begin);
  record.block = absl::StrCat("GET / HTTP/1.1\r\nHost: ", host,
                              "\r\nUser-Agent: naql-test\r\nAccept: text/html\r\n\r\n");
  return record;
}

WarcRecord ConversionRecord(const std::string& record_id, const std::string& uri,
                            std::string text) {
  WarcRecord record;
  record.type = "conversion";
  record.record_id = record_id;
  record.target_uri = uri;
  record.content_type = "text/plain";
  record.extra_fields = {{"WARC-Refers-To", "<urn:uuid:00000000-0000-4000-8000-ffffffffffff>"},
                         {"WARC-Identified-Content-Language", "ara"}};
  record.block = std::move(text);
  return record;
}

std::string RecordId(uint64_t n) {
  return absl::StrFormat("urn:uuid:%08x-%04x-4%03x-8%03x-%012x", static_cast<uint32_t>(n >> 32),
                         static_cast<uint32_t>((n >> 16) & 0xFFFF),
                         static_cast<uint32_t>(n & 0xFFF), static_cast<uint32_t>((n >> 12) & 0xFFF),
                         n);
}

std::string HttpResponse(int status, absl::string_view content_type, absl::string_view body,
                         const std::vector<std::string>& extra_headers) {
  const char* reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Status";
  std::string out = absl::StrCat("HTTP/1.1 ", status, " ", reason, "\r\n");
  if (!content_type.empty()) absl::StrAppend(&out, "Content-Type: ", content_type, "\r\n");
  absl::StrAppend(&out, "Content-Length: ", body.size(), "\r\n");
  for (const std::string& header : extra_headers) absl::StrAppend(&out, header, "\r\n");
  absl::StrAppend(&out, "Server: naql-test\r\n\r\n", body);
  return out;
}

std::string NewsPageHtml(const NewsPage& page) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n";
  if (!page.meta_charset.empty())
    absl::StrAppend(&html, "<meta charset=\"", page.meta_charset, "\">\n");
  absl::StrAppend(
      &html, "<title>", EscapeHtml(page.title), "</title>\n",
      "<script>var links = \"<p>not text</p>\"; if (a < b && c > d) { f(); }</script>\n",
      "<style>p > a { color: red; } /* </p> */</style>\n</head>\n<body>\n",
      "<nav class=\"menu\"><ul><li><a href=\"/\">", page.site,
      " home</a></li><li><a href=\"/news\">news</a></li></ul></nav>\n",
      "<header><div class=\"logo\">", page.site, " logo</div></header>\n",
      "<main>\n<article>\n<h1>", EscapeHtml(page.headline), "</h1>\n");
  for (size_t i = 0; i < page.paragraphs.size(); ++i) {
    // Alternate the ways a paragraph can be written: plain, with inline markup around the first
    // word, and with an attribute value that holds '>'.
    const std::string& text = page.paragraphs[i];
    const size_t space = text.find(' ');
    if (i % 3 == 1 && space != std::string::npos) {
      absl::StrAppend(&html, "<p><strong>", EscapeHtml(text.substr(0, space)), "</strong>",
                      EscapeHtml(text.substr(space)), "</p>\n");
    } else if (i % 3 == 2) {
      absl::StrAppend(&html, "<p data-note=\"a > b\" class='body'>\n  ", EscapeHtml(text),
                      "\n</p>\n");
    } else {
      absl::StrAppend(&html, "<p>", EscapeHtml(text), "</p>\n");
    }
  }
  absl::StrAppend(&html, "</article>\n</main>\n", "<aside><h3>", page.site,
                  " most read</h3><ul><li>other story</li></ul></aside>\n", "<footer><p>&copy; ",
                  page.site, " all rights reserved</p></footer>\n",
                  "<script src=\"/app.js\"></script>\n</body>\n</html>\n");
  return html;
}

std::string NewsPageText(const NewsPage& page) {
  std::vector<std::string> lines;
  auto collapse = [](absl::string_view text) {
    return absl::StrJoin(absl::StrSplit(text, absl::ByAnyChar(" \t\n\r\f"), absl::SkipEmpty()),
                         " ");
  };
  if (!page.headline.empty()) lines.push_back(collapse(page.headline));
  for (const std::string& paragraph : page.paragraphs) {
    std::string line = collapse(paragraph);
    if (!line.empty()) lines.push_back(std::move(line));
  }
  return absl::StrJoin(lines, "\n");
}

std::vector<WarcRecord> SyntheticCrawl(uint64_t seed, size_t pages,
                                       const std::vector<std::string>& paragraphs) {
  SplitMix64 rng(seed);
  std::vector<WarcRecord> records = {WarcInfoRecord(RecordId(seed << 32))};
  // Site chrome shared by every page: an inline script and style like those of news sites (code
  // with '<', '&', strings holding markup), and a menu.
  std::string script = "<script type=\"text/javascript\">\n";
  for (int i = 0; i < 60; ++i) {
    absl::StrAppend(&script, "  window.dataLayer", i, " = window.dataLayer", i, " || []; if (a < ",
                    i, " && b > 0) { html += '<div class=\"ad-", i, "\">' + data[", i,
                    "] + '</div>'; }\n");
  }
  script += "</script>\n";
  std::string style = "<style>\n";
  for (int i = 0; i < 80; ++i) {
    absl::StrAppend(&style, "  .section-", i, " > .item:hover { color: #", 100 + i, "; margin: 0 ",
                    i % 7, "px; font-family: 'Noto Naskh Arabic', serif; }\n");
  }
  style += "</style>\n";
  std::string menu = "<nav class=\"main-menu\" role=\"navigation\"><ul>\n";
  for (int i = 0; i < 40; ++i) {
    absl::StrAppend(&menu, "<li class=\"menu-item\"><a href=\"https://www.example.com/section/", i,
                    "\" title=\"قسم ", i, "\">قسم الأخبار ", i, "</a></li>\n");
  }
  menu += "</ul></nav>\n";
  for (size_t page = 0; page < pages; ++page) {
    const std::string uri = absl::StrCat("https://www.example.com/news/", seed, "/", page);
    std::string html = absl::StrCat(
        "<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
        EscapeHtml(Utf8Prefix(paragraphs[rng.Uniform(paragraphs.size())], 60)), "</title>\n",
        "<link rel=\"stylesheet\" href=\"/static/site.css?v=", page, "\">\n", style, script,
        "</head>\n<body class=\"article-page\">\n<header class=\"site-header\"><div "
        "class=\"logo\"><a href=\"/\"><img src=\"/logo.png\" alt=\"الشعار\"></a></div></header>\n",
        menu, "<main><article class=\"story\" itemscope>\n<h1 class=\"headline\">",
        EscapeHtml(Utf8Prefix(paragraphs[rng.Uniform(paragraphs.size())], 80)), "</h1>\n",
        "<div class=\"byline\"><span class=\"author\">المحرر</span> <time datetime=\"2024-03-",
        1 + page % 28, "\">", 1 + page % 28, " مارس 2024</time></div>\n<div class=\"body\">\n");
    for (uint64_t p = 0, n = 4 + rng.Uniform(9); p < n; ++p) {
      absl::StrAppend(&html, "<p class=\"story-paragraph\" data-index=\"", p, "\">",
                      EscapeHtml(paragraphs[rng.Uniform(paragraphs.size())]), "</p>\n");
      if (p == 2) {
        absl::StrAppend(&html, "<div class=\"ad-slot\" id=\"ad-", page, "\"><script>renderAd(",
                        page, ");</script></div>\n");
      }
    }
    absl::StrAppend(
        &html, "</div>\n</article></main>\n<aside class=\"sidebar\"><h3>الأكثر قراءة</h3><ol>");
    for (int i = 0; i < 10; ++i) {
      absl::StrAppend(&html, "<li><a href=\"/news/", seed, "/", (page + i) % pages, "\">",
                      EscapeHtml(Utf8Prefix(paragraphs[rng.Uniform(paragraphs.size())], 50)),
                      "</a></li>");
    }
    absl::StrAppend(&html,
                    "</ol></aside>\n<footer class=\"site-footer\"><p>&copy; 2024 جميع الحقوق "
                    "محفوظة</p></footer>\n<script src=\"/static/app.js\" defer></script>\n"
                    "</body>\n</html>\n");
    records.push_back(RequestRecord(RecordId((seed << 32) + 3 * page + 1), uri));
    WarcRecord response = ResponseRecord(RecordId((seed << 32) + 3 * page + 2), uri,
                                         HttpResponse(200, "text/html; charset=UTF-8", html));
    response.extra_fields = {{"WARC-Identified-Payload-Type", "text/html"}};
    records.push_back(std::move(response));
    WarcRecord metadata;
    metadata.type = "metadata";
    metadata.record_id = RecordId((seed << 32) + 3 * page + 3);
    metadata.target_uri = uri;
    metadata.content_type = "application/warc-fields";
    metadata.block = absl::StrCat("fetchTimeMs: ", 100 + page % 900, "\r\n");
    records.push_back(std::move(metadata));
  }
  return records;
}

absl::StatusOr<std::string> EncodeWindows1256(absl::string_view utf8) {
  return EncodeSingleByte(utf8, kWindows1256High, "windows-1256");
}

absl::StatusOr<std::string> EncodeIso88596(absl::string_view utf8) {
  return EncodeSingleByte(utf8, kIso88596High, "ISO-8859-6");
}

}  // namespace naql::testing
