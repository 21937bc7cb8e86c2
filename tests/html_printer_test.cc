// Tests of the HTML report printer without a browser (tests/html_browser_test.cc renders it): the
// page is self-contained and right-to-left, and the JSON data embedded in it round-trips — read
// back with simdjson, every document (once, before its first use, texts repaired as the JSONL
// printer repairs them), pair, span, cluster, quotation and the summary equal what was printed, on
// a seeded random report with hostile ids and texts ("</script>", "<!--", invalid UTF-8, quotes).

#include "html_printer.h"

#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "gtest/gtest.h"
#include "naql/json.h"
#include "simdjson.h"
#include "synthetic_report.h"
#include "testing.h"

namespace naql::cli {
namespace {

using naql::testing::MakeSyntheticReport;
using naql::testing::SplitMix64;
using naql::testing::SyntheticReport;
using naql::testing::SyntheticReportOptions;
using naql::testing::TestSeed;

// Runs `feed` on a printer writing to a temporary file and returns the page.
std::string RenderPage(const std::vector<ScannedDocument>* documents,
                       const std::function<void(HtmlPrinter&)>& feed,
                       const HtmlReportOptions& options = HtmlReportOptions()) {
  std::FILE* file = std::tmpfile();
  EXPECT_NE(file, nullptr);
  if (file == nullptr) return "";
  {
    Output out(fileno(file));
    HtmlPrinter printer(&out, documents, options);
    feed(printer);
  }
  std::string page;
  std::rewind(file);
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) page.append(buffer, n);
  std::fclose(file);
  return page;
}

// The text of <script type="application/json" id="naql-data" …>…</script>.
std::string DataOf(const std::string& page) {
  const size_t element = page.find("id=\"naql-data\"");
  if (element == std::string::npos) return "";
  const size_t begin = page.find('>', element) + 1;
  const size_t end = page.find("</script>", begin);
  return page.substr(begin, end - begin);
}

std::string Repaired(absl::string_view text) {
  std::string valid;
  AppendValidUtf8(text, &valid);
  return valid;
}

std::string StringOf(simdjson::dom::element element) {
  std::string_view view;
  EXPECT_EQ(element.get(view), simdjson::SUCCESS);
  return std::string(view);
}
uint64_t UintOf(simdjson::dom::element element) {
  uint64_t value = 0;
  EXPECT_EQ(element.get(value), simdjson::SUCCESS);
  return value;
}
double DoubleOf(simdjson::dom::element element) {
  double value = 0;
  EXPECT_EQ(element.get(value), simdjson::SUCCESS);
  return value;
}
bool BoolOf(simdjson::dom::element element) {
  bool value = false;
  EXPECT_EQ(element.get(value), simdjson::SUCCESS);
  return value;
}

ReportSummary SummaryOf(uint64_t documents, uint64_t pairs) {
  ReportSummary summary;
  summary.documents = documents;
  summary.skipped = 1;
  summary.pairs = pairs;
  summary.clusters = 1;
  summary.quotes = 1;
  summary.seconds = 1.25;
  return summary;
}

TEST(HtmlReportOptionsTest, Validate) {
  HtmlReportOptions options;
  EXPECT_TRUE(options.Validate().ok());
  options.rows_per_page = 1;
  EXPECT_TRUE(options.Validate().ok());
  options.rows_per_page = 10000;
  EXPECT_TRUE(options.Validate().ok());
  options.rows_per_page = 0;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options.rows_per_page = 10001;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HtmlPrinterTest, PageIsSelfContainedAndRightToLeft) {
  SyntheticReportOptions options;
  options.documents = 6;
  options.pairs = 4;
  options.words_per_document = 60;
  options.spans_per_pair = 2;
  const SyntheticReport report = MakeSyntheticReport(options);
  const std::string page = RenderPage(&report.scanned, [&](HtmlPrinter& printer) {
    for (const PairReport& pair : report.pairs) {
      printer.OnPair(pair, report.documents[pair.a], report.documents[pair.b]);
    }
    printer.PrintSummary(SummaryOf(6, 4));
  });
  EXPECT_EQ(page.rfind("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">", 0), 0u);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(page.find("<style>"), std::string::npos);
  EXPECT_NE(page.find("\"Noto Naskh Arabic\""), std::string::npos);
  // Nothing is fetched: no external scripts, styles, images or fonts, no address at all.
  for (const char* needle : {"<link", " src=", "@import", "url(", "http:", "https:", "//cdn"}) {
    EXPECT_EQ(page.find(needle), std::string::npos) << needle;
  }
  // Two scripts: the data and the page's own.
  size_t scripts = 0;
  for (size_t at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 2u);
  EXPECT_NE(page.find("<script type=\"application/json\" id=\"naql-data\" data-rows-per-page=\"100\">"),
            std::string::npos);
  const std::string end = "</body>\n</html>\n";
  ASSERT_GE(page.size(), end.size());
  EXPECT_EQ(page.substr(page.size() - end.size()), end);
}

TEST(HtmlPrinterTest, TitleAndRowsPerPageAreWritten) {
  HtmlReportOptions options;
  options.title = "naql <compare> & \"more\"";
  options.rows_per_page = 25;
  const std::string page = RenderPage(
      nullptr, [](HtmlPrinter& printer) { printer.PrintSummary(ReportSummary()); }, options);
  EXPECT_NE(page.find("<title>naql &lt;compare&gt; &amp; &quot;more&quot;</title>"),
            std::string::npos);
  EXPECT_NE(page.find("<h1>naql &lt;compare&gt; &amp; &quot;more&quot;</h1>"), std::string::npos);
  EXPECT_NE(page.find("data-rows-per-page=\"25\""), std::string::npos);
  EXPECT_EQ(page.find("<compare>"), std::string::npos);
}

TEST(HtmlPrinterTest, EmptyReportHoldsOnlyTheSummary) {
  const std::string page =
      RenderPage(nullptr, [](HtmlPrinter& printer) { printer.PrintSummary(SummaryOf(2, 0)); });
  simdjson::dom::parser parser;
  simdjson::dom::array records;
  ASSERT_EQ(parser.parse(DataOf(page)).get(records), simdjson::SUCCESS) << DataOf(page);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(StringOf(records.at(0)["type"]), "summary");
  EXPECT_EQ(UintOf(records.at(0)["documents"]), 2u);
  EXPECT_EQ(UintOf(records.at(0)["pairs"]), 0u);
  EXPECT_DOUBLE_EQ(DoubleOf(records.at(0)["seconds"]), 1.25);
}

// The main round trip: a seeded random report, hostile strings planted in some articles.
TEST(HtmlPrinterTest, DataRoundTripsWithEachArticleOnce) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " (NAQL_TEST_SEED)");
  SyntheticReportOptions options;
  options.documents = 40;
  options.pairs = 200;
  options.words_per_document = 80;
  options.seed = seed;
  SyntheticReport report = MakeSyntheticReport(options);
  // Hostile ids, texts and metadata (the printer copies texts; offsets need not fit them).
  report.documents[0].id = "a\"b\\c</script><script>alert(1)</script>";
  report.documents[0].text = "</script><script>alert(1)</script> <!-- قال \u2028 end";
  report.documents[1].text = std::string("bad \xff\xfe utf-8 \xe2\x82 ") + "الحكومة";
  report.documents[1].meta.title = "<b>title</b> «عنوان»";
  report.documents[1].meta.url = "javascript:alert(1)";
  report.documents[2].id = std::string("id-\xc3");
  for (int d : {0, 1, 2}) {
    report.scanned[d].id = report.documents[d].id;
    report.scanned[d].meta = report.documents[d].meta;
  }
  // Articles 38 and 39 are in no pair: one is in a cluster, the other in a quotation only.
  std::vector<PairReport> pairs;
  for (const PairReport& pair : report.pairs) {
    if (pair.a < 38 && pair.b < 38) pairs.push_back(pair);
  }
  Cluster cluster;
  cluster.id = 0;
  cluster.members = {3, 7, 38};
  cluster.origin = 7;
  RepeatedQuote quote;
  quote.id = 0;
  quote.text = "نص </script> مطبع";
  quote.occurrences.push_back({39, OriginalSpan{1, 9, 1, 5}, "نص <!-- أصلي"});
  quote.occurrences.push_back({0, OriginalSpan{2, 10, 2, 6}, "نص"});

  const std::string page = RenderPage(&report.scanned, [&](HtmlPrinter& printer) {
    for (const PairReport& pair : pairs) {
      printer.OnPair(pair, report.documents[pair.a], report.documents[pair.b]);
    }
    printer.OnCluster(cluster);
    printer.OnQuote(quote);
    printer.PrintSummary(SummaryOf(40, pairs.size()));
  });
  const std::string data = DataOf(page);
  // No '<' at all inside the script element: nothing can end it or open a comment.
  EXPECT_EQ(data.find('<'), std::string::npos);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::array records;
  ASSERT_EQ(parser.parse(data).get(records), simdjson::SUCCESS);
  std::set<uint64_t> embedded, with_text;
  size_t pair_index = 0, clusters = 0, quotes = 0, summaries = 0;
  for (simdjson::dom::element record : records) {
    const std::string type = StringOf(record["type"]);
    if (type == "document") {
      const uint64_t index = UintOf(record["index"]);
      ASSERT_LT(index, report.documents.size());
      EXPECT_TRUE(embedded.insert(index).second) << "document " << index << " embedded twice";
      const Document& doc = report.documents[index];
      EXPECT_EQ(StringOf(record["id"]), Repaired(doc.id));
      EXPECT_EQ(StringOf(record["date"]), doc.meta.date);
      EXPECT_EQ(StringOf(record["source"]), doc.meta.source);
      EXPECT_EQ(UintOf(record["words"]), report.scanned[index].words);
      if (!doc.meta.title.empty()) {
        EXPECT_EQ(StringOf(record["title"]), doc.meta.title);
      }
      if (doc.meta.url.empty()) {
        EXPECT_EQ(record["url"].error(), simdjson::NO_SUCH_FIELD);
      } else {
        EXPECT_EQ(StringOf(record["url"]), doc.meta.url);
      }
      simdjson::dom::element text;
      if (record["text"].get(text) == simdjson::SUCCESS) {
        EXPECT_EQ(StringOf(text), Repaired(doc.text)) << "document " << index;
        with_text.insert(index);
      }
    } else if (type == "pair") {
      ASSERT_LT(pair_index, pairs.size());
      const PairReport& expected = pairs[pair_index++];
      EXPECT_EQ(UintOf(record["a"]), expected.a);
      EXPECT_EQ(UintOf(record["b"]), expected.b);
      EXPECT_TRUE(embedded.count(expected.a) && embedded.count(expected.b))
          << "a pair precedes the records of its documents";
      EXPECT_EQ(StringOf(record["kind"]), PairKindName(expected.kind));
      if (expected.jaccard.has_value()) {
        EXPECT_NEAR(DoubleOf(record["jaccard"]), *expected.jaccard, 5e-5);
      } else {
        EXPECT_TRUE(record["jaccard"].is_null());
      }
      EXPECT_NEAR(DoubleOf(record["coverage_a"]), expected.coverage_a, 5e-5);
      EXPECT_NEAR(DoubleOf(record["coverage_b"]), expected.coverage_b, 5e-5);
      simdjson::dom::array spans;
      ASSERT_EQ(record["spans"].get(spans), simdjson::SUCCESS);
      ASSERT_EQ(spans.size(), expected.spans.size());
      size_t k = 0;
      for (simdjson::dom::element span : spans) {
        const Span& s = expected.spans[k++];
        EXPECT_EQ(UintOf(span["a_begin"]), s.a.cp_begin);
        EXPECT_EQ(UintOf(span["a_end"]), s.a.cp_end);
        EXPECT_EQ(UintOf(span["b_begin"]), s.b.cp_begin);
        EXPECT_EQ(UintOf(span["b_end"]), s.b.cp_end);
        EXPECT_EQ(UintOf(span["words"]), s.words);
        EXPECT_EQ(UintOf(span["matches"]), s.matches);
        EXPECT_EQ(UintOf(span["edits"]), s.edits);
        EXPECT_NEAR(DoubleOf(span["similarity"]), s.similarity, 5e-5);
        EXPECT_EQ(BoolOf(span["quote"]), s.quote);
      }
    } else if (type == "cluster") {
      ++clusters;
      simdjson::dom::array members;
      ASSERT_EQ(record["members"].get(members), simdjson::SUCCESS);
      std::vector<uint64_t> got;
      for (simdjson::dom::element member : members) {
        got.push_back(UintOf(member));
        EXPECT_TRUE(embedded.count(got.back())) << "a cluster precedes its member's record";
      }
      EXPECT_EQ(got, std::vector<uint64_t>({3, 7, 38}));
      EXPECT_EQ(UintOf(record["origin"]), 7u);
    } else if (type == "quote") {
      ++quotes;
      EXPECT_EQ(StringOf(record["text"]), quote.text);
      simdjson::dom::array occurrences;
      ASSERT_EQ(record["occurrences"].get(occurrences), simdjson::SUCCESS);
      ASSERT_EQ(occurrences.size(), 2u);
      EXPECT_EQ(UintOf(occurrences.at(0)["doc"]), 39u);
      EXPECT_TRUE(embedded.count(39));
      EXPECT_EQ(UintOf(occurrences.at(0)["begin"]), 1u);
      EXPECT_EQ(UintOf(occurrences.at(0)["end"]), 5u);
      EXPECT_EQ(StringOf(occurrences.at(0)["text"]), "نص <!-- أصلي");
    } else {
      EXPECT_EQ(type, "summary");
      ++summaries;
      EXPECT_EQ(UintOf(record["pairs"]), pairs.size());
      EXPECT_EQ(UintOf(record["skipped"]), 1u);
    }
  }
  EXPECT_EQ(pair_index, pairs.size());
  EXPECT_EQ(clusters, 1u);
  EXPECT_EQ(quotes, 1u);
  EXPECT_EQ(summaries, 1u);
  // Texts: exactly the articles of the pairs, each once; 38 and 39 are embedded without text.
  std::set<uint64_t> in_pairs;
  for (const PairReport& pair : pairs) {
    in_pairs.insert(pair.a);
    in_pairs.insert(pair.b);
  }
  EXPECT_EQ(with_text, in_pairs);
  EXPECT_TRUE(embedded.count(38) && !with_text.count(38));
  EXPECT_TRUE(embedded.count(39) && !with_text.count(39));
}

// Without the scan's document list (as a caller may have none), ids come from the pairs' documents
// and cluster members unknown to the printer get a placeholder id.
TEST(HtmlPrinterTest, WorksWithoutDocumentList) {
  Document a, b;
  a.id = "a.txt";
  a.text = "قال الوزير";
  b.id = "b.txt";
  b.text = "قال الوزير اليوم";
  PairReport pair;
  pair.a = 0;
  pair.b = 1;
  Span span;
  span.a = {0, 19, 0, 10};
  span.b = {0, 19, 0, 10};
  span.words = 2;
  span.matches = 2;
  span.similarity = 1;
  pair.spans.push_back(span);
  Cluster cluster;
  cluster.members = {0, 1, 5};
  const std::string page = RenderPage(nullptr, [&](HtmlPrinter& printer) {
    printer.OnPair(pair, a, b);
    printer.OnCluster(cluster);
    printer.PrintSummary(SummaryOf(6, 1));
  });
  simdjson::dom::parser parser;
  simdjson::dom::array records;
  ASSERT_EQ(parser.parse(DataOf(page)).get(records), simdjson::SUCCESS);
  ASSERT_EQ(records.size(), 6u);  // 2 documents, pair, placeholder document, cluster, summary
  EXPECT_EQ(StringOf(records.at(0)["id"]), "a.txt");
  EXPECT_EQ(StringOf(records.at(1)["text"]), "قال الوزير اليوم");
  EXPECT_EQ(StringOf(records.at(2)["type"]), "pair");
  EXPECT_EQ(StringOf(records.at(3)["id"]), "#5");
  EXPECT_EQ(records.at(3)["words"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(StringOf(records.at(4)["type"]), "cluster");
}

}  // namespace
}  // namespace naql::cli
