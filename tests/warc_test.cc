// Tests of core/src/warc_format.h and of WARC inputs through naql/reader.h: which records become
// documents and with what id, metadata and text; record locations (plain offsets, gzip members);
// every problem message with its location, and that the records after a bad one are still read;
// streaming ≡ one-shot over random read sizes; re-reading (ReadAt) ≡ reading; --lang ar.

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "input_stream.h"
#include "naql/reader.h"
#include "testing.h"
#include "warc_format.h"
#include "warc_writer.h"

namespace naql::internal {
namespace {

using ::naql::testing::ConversionRecord;
using ::naql::testing::FormatWarcRecord;
using ::naql::testing::GzipMember;
using ::naql::testing::HttpResponse;
using ::naql::testing::NewsPage;
using ::naql::testing::NewsPageHtml;
using ::naql::testing::NewsPageText;
using ::naql::testing::RecordId;
using ::naql::testing::RequestRecord;
using ::naql::testing::ResponseRecord;
using ::naql::testing::WarcFile;
using ::naql::testing::WarcInfoRecord;
using ::naql::testing::WarcRecord;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Problem {
  std::string location;
  std::string message;
  bool skipped;
};

class RecordingSink : public ProblemSink {
 public:
  absl::Status Report(absl::string_view location, absl::Status status, bool skipped) override {
    problems.push_back(Problem{std::string(location), std::string(status.message()), skipped});
    return absl::OkStatus();
  }
  std::vector<Problem> problems;
};

struct Read {
  std::vector<Document> docs;
  std::vector<DocumentLocator> locators;
  std::vector<Problem> problems;
  std::vector<std::string> Ids() const {
    std::vector<std::string> ids;
    for (const Document& doc : docs) ids.push_back(doc.id);
    return ids;
  }
  std::vector<std::string> Messages() const {
    std::vector<std::string> messages;
    for (const Problem& problem : problems) messages.push_back(problem.message);
    return messages;
  }
};

enum class Packing { kPlain, kGzip };

// Reads `bytes` (a WARC file, gzip-compressed when packing is kGzip) in reads of at most `chunk`
// bytes.
Read ReadWarc(absl::string_view bytes, Packing packing = Packing::kPlain, size_t chunk = SIZE_MAX,
              uint64_t max_document_bytes = 1 << 20, const std::string& path = "f.warc") {
  std::unique_ptr<ByteStream> stream = std::make_unique<MemoryStream>(bytes, chunk);
  GzipStream* gzip = nullptr;
  if (packing == Packing::kGzip) {
    auto decoder = std::make_unique<GzipStream>(std::move(stream), path);
    gzip = decoder.get();
    stream = std::move(decoder);
  }
  RecordingSink sink;
  WarcInput input(stream.get(), gzip, path, max_document_bytes, &sink);
  Read read;
  while (true) {
    Document doc;
    DocumentLocator locator;
    absl::StatusOr<bool> more = input.Next(&doc, &locator);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    read.docs.push_back(std::move(doc));
    read.locators.push_back(locator);
  }
  read.problems = std::move(sink.problems);
  return read;
}

NewsPage ArabicPage(int n) {
  NewsPage page;
  page.title = absl::StrCat("الخبر رقم ", n);
  page.headline = absl::StrCat("عنوان الخبر ", n);
  page.paragraphs = {absl::StrCat("قال المتحدث باسم الوزارة إن الاجتماع رقم ", n,
                                  " سيعقد في العاصمة الأسبوع المقبل."),
                     "وأضاف أن الوفود ستناقش «الملفات العالقة» & سبل التعاون.",
                     "وكانت الجولة السابقة قد انتهت دون اتفاق."};
  return page;
}

WarcRecord HtmlResponse(int n, const std::string& uri = "") {
  return ResponseRecord(RecordId(n),
                        uri.empty() ? absl::StrCat("https://www.example.com/news/", n) : uri,
                        HttpResponse(200, "text/html; charset=utf-8", NewsPageHtml(ArabicPage(n))));
}

// Offsets at which each record of `records` starts in the file WarcFile(records, gzip) writes.
std::vector<uint64_t> RecordOffsets(const std::vector<WarcRecord>& records, bool gzip) {
  std::vector<uint64_t> offsets;
  uint64_t at = 0;
  for (const WarcRecord& record : records) {
    offsets.push_back(at);
    const std::string bytes = FormatWarcRecord(record);
    at += gzip ? GzipMember(bytes).size() : bytes.size();
  }
  return offsets;
}

// ---- Records and documents ----------------------------------------------------------------------

TEST(WarcTest, DocumentsFromResponseResourceAndConversionRecords) {
  std::vector<WarcRecord> records;
  records.push_back(WarcInfoRecord(RecordId(100)));
  records.push_back(RequestRecord(RecordId(101), "https://www.example.com/news/1"));
  records.push_back(HtmlResponse(1, "https://WWW.Example.COM:8443/news/1?x=1#top"));
  WarcRecord metadata;
  metadata.type = "metadata";
  metadata.record_id = RecordId(102);
  metadata.content_type = "application/warc-fields";
  metadata.block = "fetchTimeMs: 120\r\n";
  records.push_back(metadata);
  records.push_back(ResponseRecord(RecordId(103), "https://example.com/missing",
                                   HttpResponse(404, "text/html", "<p>الصفحة غير موجودة</p>")));
  records.push_back(ResponseRecord(RecordId(104), "https://example.com/logo.png",
                                   HttpResponse(200, "image/png", "\x89PNG\r\n\x1a\n")));
  records.push_back(ResponseRecord(
      RecordId(105), "https://example.com/moved",
      HttpResponse(301, "text/html", "<p>moved</p>", {"Location: https://example.com/"})));
  WarcRecord resource;
  resource.type = "resource";
  resource.record_id = RecordId(2);
  resource.target_uri = "file:///archive/page.html";
  resource.content_type = "text/html";
  resource.block = NewsPageHtml(ArabicPage(2));
  records.push_back(resource);
  WarcRecord revisit = HtmlResponse(106);
  revisit.type = "revisit";
  records.push_back(revisit);
  records.push_back(
      ConversionRecord(RecordId(3), "https://news.example.org/3", "سطر أول من النص\nسطر ثان\n"));
  records.push_back(
      ResponseRecord(RecordId(107), "https://example.com/empty",
                     HttpResponse(200, "text/html", "<html><script>x()</script><nav>menu</nav>")));
  // The media type from WARC-Identified-Payload-Type, and sniffed from the payload.
  WarcRecord identified = ResponseRecord(RecordId(4), "https://example.com/4",
                                         HttpResponse(200, "", NewsPageHtml(ArabicPage(4))));
  identified.extra_fields = {{"WARC-Identified-Payload-Type", "text/html"}};
  records.push_back(identified);
  records.push_back(ResponseRecord(RecordId(5), "https://example.com/5",
                                   HttpResponse(200, "", NewsPageHtml(ArabicPage(5)))));
  records.push_back(ResponseRecord(RecordId(108), "https://example.com/data",
                                   HttpResponse(200, "", "{\"json\": true}")));
  const std::string file = WarcFile(records, /*gzip_per_record=*/false);

  Read read = ReadWarc(file);
  EXPECT_THAT(read.Messages(), ElementsAre());
  ASSERT_THAT(read.Ids(),
              ElementsAre(RecordId(1), RecordId(2), RecordId(3), RecordId(4), RecordId(5)));
  const std::vector<uint64_t> offsets = RecordOffsets(records, false);
  const size_t index_of[] = {2, 7, 9, 11, 12};  // where each document's record is
  for (size_t i = 0; i < read.docs.size(); ++i) {
    SCOPED_TRACE(read.docs[i].id);
    EXPECT_EQ(read.locators[i].offset, offsets[index_of[i]]);
    EXPECT_EQ(read.locators[i].skip, 0u);
    EXPECT_EQ(read.locators[i].length, FormatWarcRecord(records[index_of[i]]).size() - 4);
    EXPECT_EQ(read.locators[i].line, 0u);
    EXPECT_EQ(read.docs[i].location, absl::StrCat("f.warc@", offsets[index_of[i]]));
  }
  const Document& page = read.docs[0];
  EXPECT_EQ(page.text, NewsPageText(ArabicPage(1)));
  EXPECT_EQ(page.meta.title, "الخبر رقم 1");
  EXPECT_EQ(page.meta.url, "https://WWW.Example.COM:8443/news/1?x=1#top");
  EXPECT_EQ(page.meta.source, "example.com");
  EXPECT_EQ(page.meta.date, "2024-03-01T10:00:00Z");
  EXPECT_EQ(read.docs[1].text, NewsPageText(ArabicPage(2)));
  EXPECT_EQ(read.docs[1].meta.source, "");                     // a file: URL has no host
  EXPECT_EQ(read.docs[2].text, "سطر أول من النص\nسطر ثان\n");  // WET text as it is
  EXPECT_EQ(read.docs[2].meta.source, "news.example.org");
  EXPECT_EQ(read.docs[2].meta.title, "");
  EXPECT_EQ(read.docs[3].text, NewsPageText(ArabicPage(4)));
  EXPECT_EQ(read.docs[4].text, NewsPageText(ArabicPage(5)));
}

TEST(WarcTest, PagesInWindows1256AndIso88596) {
  NewsPage page = ArabicPage(7);
  page.paragraphs[1] = "وأضاف أن الوفود ستناقش الملفات العالقة & سبل التعاون.";  // no « » in 8859-6
  const std::string html = NewsPageHtml(page);
  const std::string cp1256 = *naql::testing::EncodeWindows1256(html);
  const std::string iso = *naql::testing::EncodeIso88596(html);
  NewsPage with_meta = ArabicPage(8);
  with_meta.meta_charset = "windows-1256";
  std::vector<WarcRecord> records = {
      ResponseRecord(RecordId(1), "https://a.example/1",
                     HttpResponse(200, "text/html; charset=windows-1256", cp1256)),
      ResponseRecord(RecordId(2), "https://a.example/2",
                     HttpResponse(200, "text/html",
                                  *naql::testing::EncodeWindows1256(NewsPageHtml(with_meta)))),
      ResponseRecord(RecordId(3), "https://a.example/3",
                     HttpResponse(200, "text/html;charset=ISO-8859-6", iso)),
      ResponseRecord(RecordId(4), "https://a.example/4", HttpResponse(200, "text/html", cp1256)),
      ResponseRecord(RecordId(5), "https://a.example/5",
                     HttpResponse(200, "text/plain; charset=cp1256",
                                  *naql::testing::EncodeWindows1256("نص عادي\nسطر"))),
  };
  Read read = ReadWarc(WarcFile(records, false));
  EXPECT_THAT(read.Messages(), ElementsAre());
  ASSERT_EQ(read.docs.size(), 5u);
  EXPECT_EQ(read.docs[0].text, NewsPageText(page));
  EXPECT_EQ(read.docs[0].meta.title, page.title);
  EXPECT_EQ(read.docs[1].text, NewsPageText(with_meta));
  EXPECT_EQ(read.docs[2].text, NewsPageText(page));
  EXPECT_EQ(read.docs[3].text, NewsPageText(page));  // undeclared, not UTF-8: 1256
  EXPECT_EQ(read.docs[4].text, "نص عادي\nسطر");
}

TEST(WarcTest, HttpTransferAndContentEncodings) {
  const std::string html = NewsPageHtml(ArabicPage(1));
  // Chunked: three chunks, with a chunk extension and a trailer.
  const std::string chunked = absl::StrCat(
      absl::Hex(10), ";ext=1\r\n", html.substr(0, 10), "\r\n", absl::Hex(html.size() - 110), "\r\n",
      html.substr(10, html.size() - 110), "\r\n", absl::Hex(100), "\r\n",
      html.substr(html.size() - 100), "\r\n0\r\nX-Trailer: 1\r\n\r\n");
  std::string http_chunked = absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      chunked);
  // A header that says chunked over a body that is not (stored decoded).
  std::string http_not_chunked = absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      html);
  std::vector<WarcRecord> records = {
      ResponseRecord(RecordId(1), "https://a.example/1", http_chunked),
      ResponseRecord(RecordId(2), "https://a.example/2", http_not_chunked),
      ResponseRecord(RecordId(3), "https://a.example/3",
                     HttpResponse(200, "text/html", GzipMember(html), {"Content-Encoding: gzip"})),
      ResponseRecord(RecordId(4), "https://a.example/4",
                     HttpResponse(200, "text/html", "not gzip at all", {"Content-Encoding: gzip"})),
      ResponseRecord(RecordId(5), "https://a.example/5",
                     HttpResponse(200, "text/html", "\x1b\x03", {"Content-Encoding: br"})),
      ResponseRecord(RecordId(6), "https://a.example/6", "<html>no status line</html>"),
      ResponseRecord(RecordId(7), "https://a.example/7", "HTTP/1.1 200 OK\r\nContent-Type: t"),
      HtmlResponse(8),
  };
  const std::vector<uint64_t> offsets = RecordOffsets(records, false);
  Read read = ReadWarc(WarcFile(records, false));
  EXPECT_THAT(read.Ids(), ElementsAre(RecordId(1), RecordId(2), RecordId(3), RecordId(8)));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(read.docs[i].text, NewsPageText(ArabicPage(1)));
  ASSERT_EQ(read.problems.size(), 4u);
  EXPECT_EQ(read.problems[0].location, absl::StrCat("f.warc@", offsets[3]));
  EXPECT_THAT(read.problems[0].message, HasSubstr("cannot decode Content-Encoding gzip ("));
  EXPECT_EQ(read.problems[1].message,
            absl::StrCat("f.warc@", offsets[4], ": unsupported Content-Encoding br"));
  EXPECT_EQ(read.problems[2].message,
            absl::StrCat("f.warc@", offsets[5], ": invalid HTTP response (no status line)"));
  EXPECT_EQ(read.problems[3].message, absl::StrCat("f.warc@", offsets[6],
                                                   ": invalid HTTP response (its headers do not "
                                                   "end)"));
  for (const Problem& problem : read.problems) EXPECT_TRUE(problem.skipped);
}

// ---- Locations in gzip files --------------------------------------------------------------------

TEST(WarcTest, GzipMembersLocateRecords) {
  std::vector<WarcRecord> records = {WarcInfoRecord(RecordId(100)), HtmlResponse(1),
                                     RequestRecord(RecordId(101), "https://example.com/2"),
                                     HtmlResponse(2), HtmlResponse(3)};
  // One member per record: the member's compressed offset, no skip.
  const std::vector<uint64_t> members = RecordOffsets(records, /*gzip=*/true);
  Read per_record =
      ReadWarc(WarcFile(records, true), Packing::kGzip, SIZE_MAX, 1 << 20, "f.warc.gz");
  EXPECT_THAT(per_record.Messages(), ElementsAre());
  ASSERT_THAT(per_record.Ids(), ElementsAre(RecordId(1), RecordId(2), RecordId(3)));
  const size_t index_of[] = {1, 3, 4};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(per_record.locators[i].offset, members[index_of[i]]);
    EXPECT_EQ(per_record.locators[i].skip, 0u);
    EXPECT_EQ(per_record.docs[i].location, absl::StrCat("f.warc.gz@", members[index_of[i]]));
  }
  // One member for the whole file: member 0, and the record's offset in its output.
  const std::vector<uint64_t> plain = RecordOffsets(records, /*gzip=*/false);
  Read whole = ReadWarc(GzipMember(WarcFile(records, false)), Packing::kGzip, SIZE_MAX, 1 << 20,
                        "f.warc.gz");
  EXPECT_THAT(whole.Messages(), ElementsAre());
  ASSERT_EQ(whole.docs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(whole.locators[i].offset, 0u);
    EXPECT_EQ(whole.locators[i].skip, plain[index_of[i]]);
    EXPECT_EQ(whole.docs[i].location, absl::StrCat("f.warc.gz@0+", plain[index_of[i]]));
  }
  // Two records in one member, then one per member.
  const std::string mixed =
      GzipMember(FormatWarcRecord(records[0]) + FormatWarcRecord(records[1])) +
      GzipMember(FormatWarcRecord(records[3]));
  Read m = ReadWarc(mixed, Packing::kGzip, 7, 1 << 20, "m.warc.gz");
  ASSERT_EQ(m.docs.size(), 2u);
  EXPECT_EQ(m.docs[0].location, absl::StrCat("m.warc.gz@0+", FormatWarcRecord(records[0]).size()));
  EXPECT_EQ(
      m.docs[1].location,
      absl::StrCat("m.warc.gz@",
                   GzipMember(FormatWarcRecord(records[0]) + FormatWarcRecord(records[1])).size()));
}

// ---- Bad records --------------------------------------------------------------------------------

TEST(WarcTest, WrongContentLengthIsReportedAndTheNextRecordsAreRead) {
  WarcRecord too_short = HtmlResponse(2);
  too_short.content_length = too_short.block.size() - 10;
  WarcRecord too_long = HtmlResponse(4);
  too_long.content_length = too_long.block.size() + 500;  // reaches into the next record
  std::vector<WarcRecord> records = {HtmlResponse(1), too_short,       HtmlResponse(3),
                                     too_long,        HtmlResponse(5), HtmlResponse(6)};
  for (Packing packing : {Packing::kPlain, Packing::kGzip}) {
    const bool gzip = packing == Packing::kGzip;
    SCOPED_TRACE(gzip ? "gzip per record" : "plain");
    const std::string path = gzip ? "f.warc.gz" : "f.warc";
    const std::vector<uint64_t> offsets = RecordOffsets(records, gzip);
    Read read = ReadWarc(WarcFile(records, gzip), packing, SIZE_MAX, 1 << 20, path);
    EXPECT_THAT(read.Ids(), ElementsAre(RecordId(1), RecordId(3), RecordId(5), RecordId(6)));
    for (const Document& doc : read.docs) EXPECT_THAT(doc.text, HasSubstr("قال المتحدث"));
    // The bad record is skipped to the start of the next one (its size in the decompressed file).
    EXPECT_THAT(
        read.Messages(),
        ElementsAre(
            absl::StrCat(path, "@", offsets[1], ": Content-Length ", too_short.block.size() - 10,
                         " does not match the record (no \"\\r\\n\\r\\n\" and next record "
                         "after it); skipped ",
                         FormatWarcRecord(too_short).size(), " bytes to the next record"),
            absl::StrCat(path, "@", offsets[3], ": Content-Length ", too_long.block.size() + 500,
                         " does not match the record (no \"\\r\\n\\r\\n\" and next record "
                         "after it); skipped ",
                         FormatWarcRecord(too_long).size(), " bytes to the next record")));
    ASSERT_EQ(read.problems.size(), 2u);
    EXPECT_EQ(read.problems[0].location, absl::StrCat(path, "@", offsets[1]));
    EXPECT_TRUE(read.problems[0].skipped);
  }
}

TEST(WarcTest, TruncatedRecordAtTheEnd) {
  std::vector<WarcRecord> records = {HtmlResponse(1), HtmlResponse(2)};
  const std::vector<uint64_t> offsets = RecordOffsets(records, false);
  const std::string file = WarcFile(records, false);
  const size_t header = FormatWarcRecord(records[1]).find("\r\n\r\n") + 4;
  // Cut 100 bytes into the second record's block.
  Read cut = ReadWarc(file.substr(0, offsets[1] + header + 100));
  EXPECT_THAT(cut.Ids(), ElementsAre(RecordId(1)));
  EXPECT_THAT(cut.Messages(),
              ElementsAre(absl::StrCat("f.warc@", offsets[1], ": truncated record: Content-Length ",
                                       records[1].block.size(),
                                       ", but the input ends 100 bytes into the block")));
  // Cut inside the header.
  Read in_header = ReadWarc(file.substr(0, offsets[1] + 30));
  EXPECT_THAT(in_header.Ids(), ElementsAre(RecordId(1)));
  EXPECT_THAT(in_header.Messages(),
              ElementsAre(absl::StrCat("f.warc@", offsets[1],
                                       ": truncated record (the input ends in its header)")));
  // Cut after the block but before its "\r\n\r\n": the record is whole, and kept.
  Read no_trailer = ReadWarc(file.substr(0, file.size() - 3));
  EXPECT_THAT(no_trailer.Ids(), ElementsAre(RecordId(1), RecordId(2)));
  EXPECT_THAT(no_trailer.Messages(), ElementsAre());
  // gzip: the last member cut short is the decoder's problem; the first record stands.
  const std::string gzip = WarcFile(records, true);
  Read gz =
      ReadWarc(gzip.substr(0, gzip.size() - 50), Packing::kGzip, SIZE_MAX, 1 << 20, "f.warc.gz");
  EXPECT_THAT(gz.Ids(), ElementsAre(RecordId(1)));
  ASSERT_EQ(gz.problems.size(), 1u);
  EXPECT_EQ(gz.problems[0].location, "f.warc.gz");
  EXPECT_THAT(gz.problems[0].message, HasSubstr("f.warc.gz: truncated gzip data (input ends at"));
}

TEST(WarcTest, GarbageAndBadHeadersAreSkipped) {
  WarcRecord no_length = HtmlResponse(2);
  no_length.omit_content_length = true;
  WarcRecord bad_length = HtmlResponse(3);
  bad_length.extra_fields = {{"Content-Length", "12x"}};
  bad_length.omit_content_length = true;
  WarcRecord no_colon = HtmlResponse(4);
  no_colon.extra_fields = {{"WARC-Broken-Field-Without-Colon", ""}};
  WarcRecord no_id = HtmlResponse(5);
  no_id.record_id.clear();
  std::string file = "junk before\r\n";
  std::vector<uint64_t> starts;
  for (const WarcRecord& record :
       {HtmlResponse(1), no_length, bad_length, no_colon, no_id, HtmlResponse(6)}) {
    starts.push_back(file.size());
    std::string bytes = FormatWarcRecord(record);
    if (&record == &no_colon) {
    }
    file += bytes;
  }
  // "Name: " with an empty value still has its colon: break that line by hand.
  const size_t broken = file.find("WARC-Broken-Field-Without-Colon: ");
  file.replace(broken, 33, "WARC-Broken-Field-Without-Colon  ");
  Read read = ReadWarc(file);
  EXPECT_THAT(read.Ids(), ElementsAre(RecordId(1), RecordId(6)));
  const std::string header_end_note = " bytes to the next record";
  ASSERT_EQ(read.problems.size(), 5u);
  EXPECT_EQ(read.problems[0].message,
            "f.warc@0: not a WARC record (no \"WARC/\" version line); skipped 13 bytes to the next "
            "record");
  EXPECT_EQ(read.problems[1].location, absl::StrCat("f.warc@", starts[1]));
  EXPECT_THAT(read.problems[1].message, HasSubstr(": missing Content-Length; skipped "));
  EXPECT_THAT(read.problems[2].message, HasSubstr(": invalid Content-Length \"12x\"; skipped "));
  EXPECT_THAT(read.problems[3].message, HasSubstr(": invalid WARC header (line "));
  EXPECT_THAT(read.problems[3].message, HasSubstr(" has no ':'); skipped "));
  EXPECT_EQ(read.problems[4].message,
            absl::StrCat("f.warc@", starts[4], ": missing WARC-Record-ID"));
}

TEST(WarcTest, OversizedRecordsAreSkippedWithoutHoldingThem) {
  NewsPage big = ArabicPage(2);
  for (int i = 0; i < 200; ++i) big.paragraphs.push_back("فقرة إضافية طويلة من نص الخبر.");
  WarcRecord large_page = ResponseRecord(RecordId(2), "https://example.com/2",
                                         HttpResponse(200, "text/html", NewsPageHtml(big)));
  // A large image is not a document: no report, whatever its size (beyond the 1 MiB held).
  WarcRecord large_image =
      ResponseRecord(RecordId(3), "https://example.com/3.jpg",
                     HttpResponse(200, "image/jpeg", std::string(3 << 20, '\xAB')));
  std::vector<WarcRecord> records = {HtmlResponse(1), large_page, large_image, HtmlResponse(4)};
  const std::vector<uint64_t> offsets = RecordOffsets(records, false);
  Read read = ReadWarc(WarcFile(records, false), Packing::kPlain, SIZE_MAX,
                       /*max_document_bytes=*/4096);
  EXPECT_THAT(read.Ids(), ElementsAre(RecordId(1), RecordId(4)));
  EXPECT_THAT(read.Messages(), ElementsAre(absl::StrCat(
                                   "f.warc@", offsets[1], ": response of ", large_page.block.size(),
                                   " bytes exceeds max_document_bytes (4096)")));
}

TEST(WarcTest, EmptyFileAndLineBreaksBetweenRecords) {
  Read empty = ReadWarc("");
  EXPECT_THAT(empty.Messages(), ElementsAre("f.warc: empty file"));
  // Extra line breaks between records are tolerated.
  const std::string file = "\r\n" + FormatWarcRecord(HtmlResponse(1)) + "\r\n\n" +
                           FormatWarcRecord(HtmlResponse(2)) + "\r\n";
  Read read = ReadWarc(file);
  EXPECT_THAT(read.Ids(), ElementsAre(RecordId(1), RecordId(2)));
  EXPECT_THAT(read.Messages(), ElementsAre());
  // Only non-documents: no documents, no problems.
  Read none = ReadWarc(WarcFile({WarcInfoRecord(RecordId(1))}, false));
  EXPECT_TRUE(none.docs.empty());
  EXPECT_THAT(none.Messages(), ElementsAre());
}

TEST(WarcTest, StreamingEqualsOneShot) {
  // Random read sizes over a file with good and bad records give the same documents, locators
  // and problems as one read.
  WarcRecord too_long = HtmlResponse(3);
  too_long.content_length = too_long.block.size() + 77;
  std::vector<WarcRecord> records = {WarcInfoRecord(RecordId(100)),
                                     HtmlResponse(1),
                                     HtmlResponse(2),
                                     too_long,
                                     HtmlResponse(4),
                                     ConversionRecord(RecordId(5), "https://x.example/5", "نص")};
  const uint64_t seed = naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (NAQL_TEST_SEED overrides)"));
  naql::testing::SplitMix64 rng(seed);
  for (Packing packing : {Packing::kPlain, Packing::kGzip}) {
    const std::string file = WarcFile(records, packing == Packing::kGzip);
    const std::string truncated = file.substr(0, file.size() - 40);
    for (const std::string* bytes : {&file, &truncated}) {
      const Read whole = ReadWarc(*bytes, packing);
      EXPECT_GE(whole.docs.size(), 3u);
      for (int round = 0; round < 12; ++round) {
        const size_t chunk = 1 + rng.Uniform(round < 6 ? 16 : 5000);
        SCOPED_TRACE(absl::StrCat("chunk ", chunk));
        const Read pieces = ReadWarc(*bytes, packing, chunk);
        ASSERT_EQ(pieces.Ids(), whole.Ids());
        ASSERT_EQ(pieces.Messages(), whole.Messages());
        for (size_t i = 0; i < whole.docs.size(); ++i) {
          EXPECT_EQ(pieces.docs[i].text, whole.docs[i].text);
          EXPECT_EQ(pieces.docs[i].location, whole.docs[i].location);
          EXPECT_EQ(pieces.locators[i].offset, whole.locators[i].offset);
          EXPECT_EQ(pieces.locators[i].length, whole.locators[i].length);
        }
      }
    }
  }
}

// ---- Through DocumentReader ---------------------------------------------------------------------

class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = ::testing::TempDir() + "naql_warc_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string Write(absl::string_view relative, absl::string_view content) const {
    const std::string full = absl::StrCat(path_, "/", relative);
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream out(full, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) std::abort();
    return full;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct ReaderRun {
  std::unique_ptr<DocumentReader> reader;
  std::vector<Document> docs;
  std::vector<DocumentLocator> locators;
  std::vector<std::string> messages;
};

ReaderRun ReadAll(const std::vector<std::string>& inputs, ReaderOptions options = {}) {
  ReaderRun run;
  auto reader = DocumentReader::Open(inputs, options, [&run](const InputProblem& problem) {
    run.messages.emplace_back(problem.status.message());
  });
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return run;
  run.reader = std::move(*reader);
  while (true) {
    Document doc;
    DocumentLocator locator;
    absl::StatusOr<bool> more = run.reader->Next(&doc, &locator);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    run.docs.push_back(std::move(doc));
    run.locators.push_back(locator);
  }
  return run;
}

TEST(WarcReaderTest, DirectoriesOfArchivesAreReadAndRereadable) {
  TempDirectory dir;
  std::vector<WarcRecord> a = {WarcInfoRecord(RecordId(100)), HtmlResponse(1), HtmlResponse(2)};
  std::vector<WarcRecord> b = {WarcInfoRecord(RecordId(101)), HtmlResponse(3),
                               RequestRecord(RecordId(102), "https://example.com/4"),
                               HtmlResponse(4)};
  std::vector<WarcRecord> c = {HtmlResponse(5), HtmlResponse(6)};
  std::vector<WarcRecord> d = {WarcInfoRecord(RecordId(103)),
                               ConversionRecord(RecordId(7), "https://example.com/7", "نص سابع"),
                               ConversionRecord(RecordId(8), "https://example.com/8", "نص ثامن")};
  std::vector<WarcRecord> e = {HtmlResponse(9)};
  dir.Write("crawl/a.warc", WarcFile(a, false));
  dir.Write("crawl/b.warc.gz", WarcFile(b, true));
  dir.Write("crawl/c.warc.gz", GzipMember(WarcFile(c, false)));
  dir.Write("crawl/d.warc.wet.gz", WarcFile(d, true));
  dir.Write("crawl/e.WARC.zst", testing::ZstdFrame(WarcFile(e, false)));
  dir.Write("crawl/notes.md", "not an input");
  ReaderRun run = ReadAll({dir.path() + "/crawl"});
  EXPECT_THAT(run.messages, ElementsAre());
  ASSERT_THAT(run.reader->input_paths().size(), 5u);
  ASSERT_EQ(run.docs.size(), 9u);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(run.docs[i].id, RecordId(i + 1));
  EXPECT_TRUE(run.reader->Rereadable(0));   // plain
  EXPECT_TRUE(run.reader->Rereadable(1));   // gzip, one record per member
  EXPECT_FALSE(run.reader->Rereadable(2));  // gzip, one member
  EXPECT_TRUE(run.reader->Rereadable(3));   // WET, one record per member
  EXPECT_FALSE(run.reader->Rereadable(4));  // zstd
  EXPECT_EQ(run.docs[4].location, absl::StrCat(dir.path(), "/crawl/c.warc.gz@0"));
  EXPECT_EQ(run.docs[5].location,
            absl::StrCat(dir.path(), "/crawl/c.warc.gz@0+", FormatWarcRecord(c[0]).size()));
  for (size_t i = 0; i < run.docs.size(); ++i) {
    if (!run.reader->Rereadable(run.locators[i].input)) continue;
    SCOPED_TRACE(run.docs[i].location);
    absl::StatusOr<Document> again = run.reader->ReadAt(run.locators[i]);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->id, run.docs[i].id);
    EXPECT_EQ(again->text, run.docs[i].text);
    EXPECT_EQ(again->location, run.docs[i].location);
    EXPECT_EQ(again->meta.url, run.docs[i].meta.url);
    EXPECT_EQ(again->meta.date, run.docs[i].meta.date);
    EXPECT_EQ(again->meta.title, run.docs[i].meta.title);
    EXPECT_EQ(again->meta.source, run.docs[i].meta.source);
  }
  // A file that changed since it was read: ReadAt says so.
  dir.Write("crawl/a.warc", WarcFile({HtmlResponse(11), HtmlResponse(12)}, false));
  absl::StatusOr<Document> changed = run.reader->ReadAt(run.locators[1]);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kDataLoss) << changed.status();
}

TEST(WarcReaderTest, DuplicateIdsNameTheFirstRecord) {
  TempDirectory dir;
  std::vector<WarcRecord> a = {HtmlResponse(1), HtmlResponse(2)};
  std::vector<WarcRecord> b = {HtmlResponse(3), HtmlResponse(2)};
  const std::string first = dir.Write("a.warc", WarcFile(a, false));
  const std::string second = dir.Write("b.warc.gz", WarcFile(b, true));
  ReaderRun run = ReadAll({first, second});
  EXPECT_THAT(run.messages,
              ElementsAre(absl::StrCat(second, "@", RecordOffsets(b, true)[1], ": duplicate id \"",
                                       RecordId(2), "\" (first at ", first, "@",
                                       RecordOffsets(a, false)[1], ")")));
  EXPECT_EQ(run.docs.size(), 3u);
}

TEST(WarcReaderTest, BadRecordsAreFatalInStrictMode) {
  TempDirectory dir;
  WarcRecord bad = HtmlResponse(2);
  bad.content_length = 5;
  const std::string path = dir.Write("a.warc", WarcFile({HtmlResponse(1), bad}, false));
  ReaderOptions options;
  options.strict = true;
  auto reader = DocumentReader::Open({path}, options, nullptr);
  ASSERT_TRUE(reader.ok());
  Document doc;
  EXPECT_TRUE(*(*reader)->Next(&doc));
  absl::StatusOr<bool> next = (*reader)->Next(&doc);
  EXPECT_EQ(next.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(next.status().message(), HasSubstr("Content-Length 5 does not match the record"));
}

TEST(WarcReaderTest, LanguageFilterKeepsArabicPages) {
  TempDirectory dir;
  NewsPage english;
  english.title = "News";
  english.headline = "Talks to resume next week";
  english.paragraphs = {"The spokesman said the meeting will be held in the capital.",
                        "No agreement was reached in the previous round."};
  NewsPage mixed = ArabicPage(3);  // Arabic with some Latin: kept
  mixed.paragraphs.push_back("Reuters AFP UN");
  std::vector<WarcRecord> records = {
      HtmlResponse(1),
      ResponseRecord(RecordId(2), "https://example.com/en",
                     HttpResponse(200, "text/html", NewsPageHtml(english))),
      ResponseRecord(RecordId(3), "https://example.com/3",
                     HttpResponse(200, "text/html", NewsPageHtml(mixed)))};
  const std::string path = dir.Write("a.warc", WarcFile(records, false));
  ReaderRun all = ReadAll({path});
  EXPECT_EQ(all.docs.size(), 3u);
  EXPECT_EQ(all.reader->filtered(), 0u);
  ReaderOptions options;
  options.language = "ar";
  ReaderRun arabic = ReadAll({path}, options);
  EXPECT_THAT(std::vector<std::string>({arabic.docs[0].id, arabic.docs[1].id}),
              ElementsAre(RecordId(1), RecordId(3)));
  EXPECT_EQ(arabic.docs.size(), 2u);
  EXPECT_EQ(arabic.reader->filtered(), 1u);
  EXPECT_EQ(arabic.reader->skipped(), 0u);
  EXPECT_THAT(arabic.messages, ElementsAre());
}

TEST(WarcReaderTest, LanguageOptionsValidate) {
  ReaderOptions options;
  options.language = "en";
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options.language = "ar";
  EXPECT_TRUE(options.Validate().ok());
  options.min_language_share = 0;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options.min_language_share = 1.5;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options.min_language_share = 1;
  EXPECT_TRUE(options.Validate().ok());
}

TEST(WarcReaderTest, CommittedFixtureReadsAsGenerated) {
  // fixtures/warc/news.warc.gz is written by `gen_warc --fixture` (bench/gen_warc_tool.cc); the
  // golden CLI case scan_warc scans it.
  const std::string path = naql::testing::FixturePath("warc/news.warc.gz");
  ReaderRun run = ReadAll({path});
  EXPECT_THAT(run.messages, ElementsAre());
  ASSERT_EQ(run.docs.size(), 4u);
  EXPECT_EQ(run.docs[0].id, RecordId(0xa1));
  EXPECT_EQ(run.docs[1].id, RecordId(0xb2));  // windows-1256, declared in <meta>
  EXPECT_EQ(run.docs[2].id, RecordId(0xc3));  // ISO-8859-6, declared in HTTP
  EXPECT_EQ(run.docs[3].id, RecordId(0xd4));  // English
  const std::string shared = "وأكد الوزيران خلال المؤتمر الصحفي المشترك";
  EXPECT_THAT(run.docs[0].text, HasSubstr(shared));
  EXPECT_THAT(run.docs[1].text, HasSubstr(shared));
  EXPECT_EQ(run.docs[1].meta.title, "مباحثات أردنية لبحث التهدئة");
  EXPECT_EQ(run.docs[1].meta.source, "alyawm.example");
  EXPECT_EQ(run.docs[2].text,
            "ارتفاع أسعار الذهب في الأسواق المحلية\n"
            "سجلت أسعار الذهب ارتفاعا ملحوظا في تعاملات اليوم بسبب زيادة الطلب على المعدن "
            "الأصفر.\nوتوقع خبراء أن تستمر الأسعار في الصعود خلال الأسابيع المقبلة.");
  EXPECT_TRUE(run.reader->Rereadable(0));
}

TEST(WarcReaderTest, RecordPerMemberIsDetectedFromTheFirstMember) {
  TempDirectory dir;
  std::vector<WarcRecord> records = {WarcInfoRecord(RecordId(1)), HtmlResponse(2)};
  auto check = [&dir](absl::string_view name, const std::string& bytes) {
    const std::string path = dir.Write(name, bytes);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    const bool result = WarcInput::HasRecordPerMember(fd);
    ::close(fd);
    return result;
  };
  EXPECT_TRUE(check("a.warc.gz", WarcFile(records, true)));
  EXPECT_FALSE(check("b.warc.gz", GzipMember(WarcFile(records, false))));
  EXPECT_FALSE(check("c.warc.gz", "not gzip"));
  EXPECT_FALSE(check("d.warc.gz", ""));
  EXPECT_FALSE(check("e.warc.gz", GzipMember("not a WARC record\r\n\r\n")));
  const std::string gz = WarcFile(records, true);
  EXPECT_FALSE(check("f.warc.gz", gz.substr(0, 20)));  // the first member cut short
}

}  // namespace
}  // namespace naql::internal
