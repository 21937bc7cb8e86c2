// gen_warc — writes WARC files made by tests/support/warc_writer.h.
//
//   gen_warc --fixture fixtures/warc/news.warc.gz
//       the small crawl committed under fixtures/warc/ (the golden CLI case scan_warc reads it):
//       two Arabic pages from different sites that share a passage, one in UTF-8 and one in
//       windows-1256, an unrelated Arabic page in ISO-8859-6, an English page, and records that
//       are not articles (warcinfo, request, metadata, a 404 page, an image).
//   gen_warc --pages N [--seed S] [--plain] OUT
//       a synthetic crawl of N Arabic news pages (warc_writer.h: SyntheticCrawl) whose paragraphs
//       come from fixtures/seeds, one gzip member per record unless --plain.
//
// Output is deterministic: the same arguments give the same bytes with the same zlib.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "testing.h"
#include "warc_writer.h"

namespace {

using naql::testing::HttpResponse;
using naql::testing::NewsPage;
using naql::testing::NewsPageHtml;
using naql::testing::RecordId;
using naql::testing::ResponseRecord;
using naql::testing::WarcRecord;

int Usage() {
  std::fprintf(stderr,
               "usage: gen_warc --fixture OUT\n"
               "       gen_warc --pages N [--seed S] [--plain] OUT\n");
  return 2;
}

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

std::vector<WarcRecord> FixtureRecords() {
  const std::string shared =
      "وأكد الوزيران خلال المؤتمر الصحفي المشترك ضرورة العمل على وقف التصعيد وحماية المدنيين "
      "وإيصال المساعدات الإنسانية إلى جميع المناطق المتضررة دون أي تأخير.";
  NewsPage a;
  a.site = "alakhbar";
  a.title = "وزير الخارجية يستقبل نظيره الأردني";
  a.headline = "وزير الخارجية يبحث مع نظيره الأردني تطورات الأوضاع في المنطقة";
  a.paragraphs = {
      "استقبل وزير الخارجية اليوم في العاصمة نظيره الأردني وبحث معه العلاقات الثنائية بين "
      "البلدين الشقيقين.",
      shared,
      "وتأتي هذه الزيارة في إطار جولة إقليمية يقوم بها الوزير الأردني تشمل عدة عواصم عربية."};
  NewsPage b;
  b.site = "alyawm";
  b.meta_charset = "windows-1256";
  b.title = "مباحثات أردنية لبحث التهدئة";
  b.headline = "مباحثات أردنية لبحث التهدئة";
  b.paragraphs = {"أجرى الوزير الأردني مباحثات رسمية في العاصمة ضمن جولته الإقليمية الحالية.",
                  shared, "ومن المنتظر أن يتوجه الوزير بعد ذلك إلى عاصمة أخرى لاستكمال مشاوراته."};
  NewsPage c;
  c.site = "iqtisad";
  c.title = "ارتفاع أسعار الذهب";
  c.headline = "ارتفاع أسعار الذهب في الأسواق المحلية";
  c.paragraphs = {
      "سجلت أسعار الذهب ارتفاعا ملحوظا في تعاملات اليوم بسبب زيادة الطلب على المعدن الأصفر.",
      "وتوقع خبراء أن تستمر الأسعار في الصعود خلال الأسابيع المقبلة."};
  NewsPage d;
  d.site = "dailynews";
  d.title = "Gold prices rise";
  d.headline = "Gold prices rise in local markets";
  d.paragraphs = {"Gold prices rose sharply in trading today as demand for the metal increased.",
                  "Experts expect prices to keep climbing over the coming weeks."};

  std::vector<WarcRecord> records = {naql::testing::WarcInfoRecord(RecordId(0xf1000))};
  records.push_back(naql::testing::RequestRecord(RecordId(0xf1001),
                                                 "https://www.alakhbar.example/politics/1201"));
  WarcRecord page_a =
      ResponseRecord(RecordId(0xa1), "https://www.alakhbar.example/politics/1201",
                     HttpResponse(200, "text/html; charset=utf-8", NewsPageHtml(a)));
  page_a.date = "2024-03-01T08:15:00Z";
  records.push_back(page_a);
  WarcRecord page_b = ResponseRecord(
      RecordId(0xb2), "https://alyawm.example/news/2024/03/01/jordan",
      HttpResponse(200, "text/html", *naql::testing::EncodeWindows1256(NewsPageHtml(b))));
  page_b.date = "2024-03-01T11:40:00Z";
  records.push_back(page_b);
  WarcRecord metadata;
  metadata.type = "metadata";
  metadata.record_id = RecordId(0xf1002);
  metadata.target_uri = "https://alyawm.example/news/2024/03/01/jordan";
  metadata.content_type = "application/warc-fields";
  metadata.block = "fetchTimeMs: 212\r\n";
  records.push_back(metadata);
  WarcRecord page_c = ResponseRecord(RecordId(0xc3), "https://iqtisad.example/markets/gold",
                                     HttpResponse(200, "text/html; charset=iso-8859-6",
                                                  *naql::testing::EncodeIso88596(NewsPageHtml(c))));
  page_c.date = "2024-03-01T09:00:00Z";
  records.push_back(page_c);
  WarcRecord page_d = ResponseRecord(RecordId(0xd4), "https://dailynews.example/gold",
                                     HttpResponse(200, "text/html", NewsPageHtml(d)));
  records.push_back(page_d);
  records.push_back(ResponseRecord(RecordId(0xf1003), "https://alyawm.example/old",
                                   HttpResponse(404, "text/html", "<p>الصفحة غير موجودة</p>")));
  records.push_back(ResponseRecord(RecordId(0xf1004), "https://alyawm.example/logo.gif",
                                   HttpResponse(200, "image/gif", "GIF89a\x01\x00\x01\x00")));
  return records;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "--fixture") {
    if (!WriteFile(args[1], naql::testing::WarcFile(FixtureRecords(), /*gzip_per_record=*/true))) {
      std::fprintf(stderr, "gen_warc: cannot write %s\n", args[1].c_str());
      return 1;
    }
    return 0;
  }
  size_t pages = 0;
  uint64_t seed = 1;
  bool plain = false;
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--pages" && i + 1 < args.size()) {
      pages = std::strtoull(args[++i].c_str(), nullptr, 10);
    } else if (args[i] == "--seed" && i + 1 < args.size()) {
      seed = std::strtoull(args[++i].c_str(), nullptr, 10);
    } else if (args[i] == "--plain") {
      plain = true;
    } else if (out.empty() && !args[i].empty() && args[i][0] != '-') {
      out = args[i];
    } else {
      return Usage();
    }
  }
  if (pages == 0 || out.empty()) return Usage();
  std::vector<std::string> paragraphs;
  for (const auto& entry :
       std::filesystem::directory_iterator(naql::testing::FixturePath("seeds"))) {
    const std::string text = naql::testing::ReadFileOrDie(entry.path().string());
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
      paragraphs.emplace_back(line);
    }
  }
  std::sort(paragraphs.begin(), paragraphs.end());  // directory order is the file system's
  if (!WriteFile(out, naql::testing::WarcFile(
                          naql::testing::SyntheticCrawl(seed, pages, paragraphs), !plain))) {
    std::fprintf(stderr, "gen_warc: cannot write %s\n", out.c_str());
    return 1;
  }
  return 0;
}
