// Benchmarks of the web-archive reader (MB/s of decompressed WARC bytes on one core).
//
// Input: a synthetic crawl of 300 Arabic news pages (tests/support/warc_writer.h: SyntheticCrawl,
// fixed seed, paragraphs from fixtures/seeds): per page a request, a response of about 25 KB of
// HTML (inline scripts and styles, a 40-link menu, header, 4–12 article paragraphs, sidebar,
// footer — about a tenth of it article text) and a metadata record; ≈7.9 MB decompressed. Held in
// memory as a plain .warc and as a .warc.gz with one gzip member per record (zlib level 6, as
// Common Crawl writes them).
//   * ReadWarc/{gzip,plain}: WarcInput end to end (decompress, cut records, parse HTTP, decode the
//     charset, extract the visible text), one Document reused as a pipeline would. The issue's
//     target: >= 80 MB/s for gzip;
//   * Inflate: zlib alone over the same file, the ceiling for the gzip reader;
//   * ExtractHtml/{utf8,windows1256}: the HTML text extractor alone over the pages' HTML (bytes =
//     HTML bytes), in UTF-8 (validated, no conversion) and converted from windows-1256 by ICU;
//   * ArabicLetterShare: the --lang ar measure over the extracted texts.
// For comparison, gumbo 0.10.1 (the HTML5 parser Debian ships) parses such pages at about
// 7 MB/s on the same machine, a DOM being built and freed per page.
//
// Run: build-*/bench/warc_benchmark [--benchmark_filter=ReadWarc]

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "html_text.h"
#include "input_format.h"
#include "input_stream.h"
#include "language.h"
#include "testing.h"
#include "warc_format.h"
#include "warc_writer.h"

namespace {

constexpr size_t kPages = 300;

struct Crawl {
  std::string plain;                   // the .warc
  std::string gzip;                    // the .warc.gz, one member per record
  std::vector<std::string> html;       // the response payloads (UTF-8)
  std::vector<std::string> html_1256;  // the same in windows-1256, where encodable
  std::vector<std::string> texts;      // the extracted texts
  uint64_t html_bytes = 0;
  uint64_t html_1256_bytes = 0;
};

const Crawl& TheCrawl() {
  static const Crawl* const crawl = [] {
    auto* c = new Crawl;
    std::vector<std::string> paragraphs;
    for (const auto& entry :
         std::filesystem::directory_iterator(naql::testing::FixturePath("seeds"))) {
      const std::string text = naql::testing::ReadFileOrDie(entry.path().string());
      for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
        paragraphs.emplace_back(line);
      }
    }
    std::sort(paragraphs.begin(), paragraphs.end());
    const std::vector<naql::testing::WarcRecord> records =
        naql::testing::SyntheticCrawl(7, kPages, paragraphs);
    c->plain = naql::testing::WarcFile(records, /*gzip_per_record=*/false);
    c->gzip = naql::testing::WarcFile(records, /*gzip_per_record=*/true);
    for (const naql::testing::WarcRecord& record : records) {
      if (record.type != "response") continue;
      c->html.push_back(record.block.substr(record.block.find("\r\n\r\n") + 4));
      c->html_bytes += c->html.back().size();
      absl::StatusOr<std::string> encoded = naql::testing::EncodeWindows1256(c->html.back());
      if (encoded.ok()) {
        c->html_1256.push_back(std::move(*encoded));
        c->html_1256_bytes += c->html_1256.back().size();
      }
    }
    naql::internal::HtmlTextExtractor extractor;
    naql::internal::WebText page;
    for (const std::string& html : c->html) {
      if (extractor.ExtractHtml(html, "utf-8", &page).ok()) c->texts.push_back(page.text);
    }
    return c;
  }();
  return *crawl;
}

class NullSink : public naql::internal::ProblemSink {
 public:
  absl::Status Report(absl::string_view, absl::Status, bool) override { return absl::OkStatus(); }
};

void ReadWarc(benchmark::State& state, bool gzip) {
  const Crawl& crawl = TheCrawl();
  const std::string& bytes = gzip ? crawl.gzip : crawl.plain;
  uint64_t documents = 0;
  uint64_t text_bytes = 0;
  for (auto _ : state) {
    std::unique_ptr<naql::internal::ByteStream> stream =
        std::make_unique<naql::internal::MemoryStream>(bytes);
    naql::internal::GzipStream* decoder = nullptr;
    if (gzip) {
      auto owned = std::make_unique<naql::internal::GzipStream>(std::move(stream), "b.warc.gz");
      decoder = owned.get();
      stream = std::move(owned);
    }
    NullSink sink;
    naql::internal::WarcInput input(stream.get(), decoder, "b.warc", uint64_t{256} << 20, &sink);
    naql::Document doc;
    naql::DocumentLocator locator;
    while (*input.Next(&doc, &locator)) {
      ++documents;
      text_bytes += doc.text.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * crawl.plain.size()));
  state.counters["docs"] =
      benchmark::Counter(static_cast<double>(documents), benchmark::Counter::kIsRate);
  state.counters["text_share"] = static_cast<double>(text_bytes) /
                                 static_cast<double>(state.iterations() * crawl.plain.size());
}

void BM_ReadWarcGzip(benchmark::State& state) { ReadWarc(state, true); }
void BM_ReadWarcPlain(benchmark::State& state) { ReadWarc(state, false); }
BENCHMARK(BM_ReadWarcGzip)->Name("ReadWarc/gzip")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadWarcPlain)->Name("ReadWarc/plain")->Unit(benchmark::kMillisecond);

void BM_Inflate(benchmark::State& state) {
  const Crawl& crawl = TheCrawl();
  std::vector<char> buffer(1 << 20);
  for (auto _ : state) {
    naql::internal::GzipStream gzip(std::make_unique<naql::internal::MemoryStream>(crawl.gzip),
                                    "b.warc.gz");
    while (*gzip.Read(buffer.data(), buffer.size()) > 0) {
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * crawl.plain.size()));
}
BENCHMARK(BM_Inflate)->Unit(benchmark::kMillisecond);

void ExtractHtml(benchmark::State& state, const std::vector<std::string>& pages, uint64_t bytes,
                 const char* charset) {
  naql::internal::HtmlTextExtractor extractor;
  naql::internal::WebText page;
  for (auto _ : state) {
    for (const std::string& html : pages) {
      benchmark::DoNotOptimize(extractor.ExtractHtml(html, charset, &page).ok());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
void BM_ExtractHtmlUtf8(benchmark::State& state) {
  ExtractHtml(state, TheCrawl().html, TheCrawl().html_bytes, "utf-8");
}
void BM_ExtractHtml1256(benchmark::State& state) {
  ExtractHtml(state, TheCrawl().html_1256, TheCrawl().html_1256_bytes, "windows-1256");
}
BENCHMARK(BM_ExtractHtmlUtf8)->Name("ExtractHtml/utf8")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtractHtml1256)->Name("ExtractHtml/windows1256")->Unit(benchmark::kMillisecond);

void BM_ArabicLetterShare(benchmark::State& state) {
  const Crawl& crawl = TheCrawl();
  uint64_t bytes = 0;
  for (const std::string& text : crawl.texts) bytes += text.size();
  for (auto _ : state) {
    for (const std::string& text : crawl.texts) {
      benchmark::DoNotOptimize(naql::internal::ArabicLetterShare(text));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_ArabicLetterShare)->Unit(benchmark::kMillisecond);

}  // namespace
