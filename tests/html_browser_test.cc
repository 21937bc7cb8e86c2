// The HTML report in a real browser. Headless Chromium (Debian's chromium package) opens the pages
// `naql scan --format html` writes and prints the DOM after the page's script ran; the test reads
// every highlighted passage from that DOM and checks that its text is exactly the span of the JSONL
// output of the same scan (a_text / b_text), for the seed articles plus two articles that put
// astral-plane characters and invalid UTF-8 before a shared passage holding '<' and '&' (so code
// point offsets must be indexed by code point in JavaScript, not by UTF-16 unit, and repaired
// bytes must count as the normalizer counts them). It also checks the edit marks against the
// aligner's edit counts, takes a screenshot, and opens a report of 10,000 pairs to check that one
// page of table rows is drawn and that the last pair renders its passages exactly.
//
// Skipped, with a message, where Chromium is absent: /usr/bin/chromium, or NAQL_CHROMIUM=path.
// NAQL_KEEP_BROWSER_FILES=1 keeps the pages written (in a directory under /tmp, printed).
// Install it with `NAQL_WITH_BROWSER=1 scripts/setup.sh` (or `apt-get install chromium`).

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "html_printer.h"
#include "simdjson.h"
#include "synthetic_report.h"
#include "testing.h"

namespace naql::cli {
namespace {

using naql::testing::MakeSyntheticReport;
using naql::testing::ReadFileOrDie;
using naql::testing::SyntheticReport;
using naql::testing::SyntheticReportOptions;

std::string ChromiumPath() {
  const char* env = std::getenv("NAQL_CHROMIUM");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/chromium";
}

// Runs a shell command; returns its standard output and sets *status to its exit status.
std::string RunShell(const std::string& command, int* status) {
  std::string output;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *status = -1;
    return output;
  }
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
  const int raw = ::pclose(pipe);
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return output;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// ---- Reading the DOM Chromium prints --------------------------------------------------------------

// Decodes the character references Chromium writes when it serializes text and attributes.
std::string DecodeEntities(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t semicolon = text[i] == '&' ? text.find(';', i) : absl::string_view::npos;
    if (semicolon == absl::string_view::npos || semicolon - i > 10) {
      out.push_back(text[i]);
      continue;
    }
    const absl::string_view name = text.substr(i + 1, semicolon - i - 1);
    uint32_t code = 0;
    if (name == "amp") code = '&';
    else if (name == "lt") code = '<';
    else if (name == "gt") code = '>';
    else if (name == "quot") code = '"';
    else if (name == "nbsp") code = 0xA0;
    else if (name.size() > 1 && name[0] == '#') {
      const bool hex = name[1] == 'x' || name[1] == 'X';
      code = static_cast<uint32_t>(
          std::strtoul(std::string(name.substr(hex ? 2 : 1)).c_str(), nullptr, hex ? 16 : 10));
    }
    if (code == 0) {
      out.push_back(text[i]);
      continue;
    }
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (code >> 18)));
      out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
    i = semicolon;
  }
  return out;
}

using MarkKey = std::tuple<int, int, char>;  // data-pair, data-span, data-side

struct Dom {
  std::map<MarkKey, std::string> passage;    // the text of all marks of a key, in order
  std::map<MarkKey, size_t> edited_bytes;    // bytes of it inside <span class="ed">
  std::map<MarkKey, size_t> variant_bytes;   // bytes of it inside <span class="va">
  std::map<int, std::pair<std::string, std::string>> pair_ids;  // section.pair: data-a, data-b
  size_t table_rows = 0;                     // <tr class="row"> (rows of the pairs table)
  std::string text;                          // all text outside scripts and styles
};

// A small reader of serialized HTML, enough for the DOM Chromium prints: elements, attributes in
// double quotes, comments, raw-text script and style elements.
Dom ParseDom(const std::string& html) {
  struct Open {
    std::string name;
    std::map<std::string, std::string> attributes;
    bool mark = false;
    bool edit = false;
    bool variant = false;
    MarkKey key;
  };
  static const char* const kVoid[] = {"br", "meta", "input", "img", "hr", "link", "wbr", "col"};
  Dom dom;
  std::vector<Open> stack;
  size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      const size_t next = std::min(html.find('<', i), html.size());
      const std::string text = DecodeEntities(absl::string_view(html).substr(i, next - i));
      dom.text += text;
      for (size_t m = 0; m < stack.size(); ++m) {
        if (!stack[m].mark) continue;
        dom.passage[stack[m].key] += text;
        for (size_t e = m + 1; e < stack.size(); ++e) {
          if (stack[e].edit) dom.edited_bytes[stack[m].key] += text.size();
          if (stack[e].variant) dom.variant_bytes[stack[m].key] += text.size();
        }
      }
      i = next;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      i = std::min(html.find("-->", i), html.size() - 3) + 3;
      continue;
    }
    if (html.compare(i, 2, "<!") == 0) {
      i = html.find('>', i) + 1;
      continue;
    }
    if (html.compare(i, 2, "</") == 0) {
      const size_t end = html.find('>', i);
      const std::string name = html.substr(i + 2, end - i - 2);
      while (!stack.empty()) {
        const bool match = stack.back().name == name;
        stack.pop_back();
        if (match) break;
      }
      i = end + 1;
      continue;
    }
    // A start tag: name, then attributes.
    Open open;
    size_t j = i + 1;
    while (j < html.size() && html[j] != ' ' && html[j] != '>' && html[j] != '/') open.name += html[j++];
    while (j < html.size() && html[j] != '>') {
      if (html[j] == ' ' || html[j] == '/') {
        ++j;
        continue;
      }
      std::string name;
      while (j < html.size() && html[j] != '=' && html[j] != ' ' && html[j] != '>') name += html[j++];
      std::string value;
      if (html[j] == '=') {
        const size_t close = html.find('"', j + 2);
        value = DecodeEntities(absl::string_view(html).substr(j + 2, close - j - 2));
        j = close + 1;
      }
      open.attributes[name] = value;
    }
    i = j + 1;
    if (open.name == "script" || open.name == "style") {
      i = html.find("</" + open.name + ">", i);
      continue;
    }
    const std::string& cls = open.attributes["class"];
    if (open.name == "mark" && open.attributes.count("data-side")) {
      open.mark = true;
      open.key = {std::atoi(open.attributes["data-pair"].c_str()),
                  std::atoi(open.attributes["data-span"].c_str()), open.attributes["data-side"][0]};
      dom.passage[open.key];  // a mark with no text still counts as present
    }
    open.edit = open.name == "span" && cls == "ed";
    open.variant = open.name == "span" && cls == "va";
    if (open.name == "section" && cls == "pair") {
      dom.pair_ids[std::atoi(open.attributes["data-pair"].c_str())] = {open.attributes["data-a"],
                                                                      open.attributes["data-b"]};
    }
    if (open.name == "tr" && cls == "row") ++dom.table_rows;
    bool is_void = false;
    for (const char* name : kVoid) is_void |= open.name == name;
    if (!is_void) stack.push_back(std::move(open));
  }
  return dom;
}

TEST(DomReaderTest, ReadsNestedMarksAndEntities) {
  const Dom dom = ParseDom(
      "<html><body><script>'<mark data-side=\"a\">'</script><section class=\"pair\" data-pair=\"2\" "
      "data-a=\"x&amp;y\" data-b=\"z\"><mark data-pair=\"2\" data-span=\"0\" data-side=\"a\">one "
      "<span class=\"ed\">t&lt;o</span><span class=\"va\">v</span><mark data-pair=\"2\" data-span=\"1\" data-side=\"a\">&amp;"
      "&nbsp;3</mark></mark><br>x<!-- <mark> --></section></body></html>");
  EXPECT_EQ(dom.passage.size(), 2u);
  EXPECT_EQ(dom.passage.at(MarkKey(2, 0, 'a')), "one t<ov&\u00a03");
  EXPECT_EQ(dom.passage.at(MarkKey(2, 1, 'a')), "&\u00a03");
  EXPECT_EQ(dom.edited_bytes.at(MarkKey(2, 0, 'a')), 3u);
  EXPECT_EQ(dom.variant_bytes.at(MarkKey(2, 0, 'a')), 1u);
  EXPECT_EQ(dom.variant_bytes.count(MarkKey(2, 1, 'a')), 0u);
  EXPECT_EQ(dom.pair_ids.at(2).first, "x&y");
}

// ---- The browser -----------------------------------------------------------------------------------

class HtmlBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = ChromiumPath();
    if (::access(chromium_.c_str(), X_OK) != 0) {
      GTEST_SKIP() << "Chromium not found at " << chromium_
                   << ": the HTML report is not tested in a browser. Install it with "
                      "`NAQL_WITH_BROWSER=1 scripts/setup.sh` (Debian package chromium) or set "
                      "NAQL_CHROMIUM to a Chromium binary.";
    }
    char pattern[] = "/tmp/naql_html_browser_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (std::getenv("NAQL_KEEP_BROWSER_FILES") != nullptr) {
      std::cout << "kept the pages and Chromium's profile in " << dir_ << "\n";
    } else if (!dir_.empty()) {
      int status = 0;
      RunShell("rm -rf '" + dir_ + "'", &status);
    }
  }

  // Opens `url` in headless Chromium with `action` (--dump-dom or --screenshot=…); returns stdout.
  std::string Chromium(const std::string& action, const std::string& url) {
    int status = 0;
    const std::string command =
        "timeout 120 '" + chromium_ + "' --headless --no-sandbox --disable-gpu --disable-quic "
        "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
        "--virtual-time-budget=10000 --user-data-dir='" + dir_ + "/profile' " + action + " '" +
        url + "' 2>'" + dir_ + "/chromium.err'";
    std::string out = RunShell(command, &status);
    EXPECT_EQ(status, 0) << command << "\n" << ReadFileOrDie(dir_ + "/chromium.err");
    return out;
  }

  // Runs `naql ARGS --format jsonl` (output into *jsonl) and `naql ARGS --format html` (into the
  // file PAGE of the test's directory) from the source directory. Whether both found something
  // (exit 0).
  bool NaqlJsonlAndHtml(const std::string& args, const std::string& page, std::string* jsonl) {
    const std::string naql =
        "cd '" NAQL_SOURCE_DIR "' && " + std::string(NAQL_BINARY) + " " + args + " --format ";
    int jsonl_status = 0, html_status = 0;
    *jsonl = RunShell(naql + "jsonl 2>/dev/null", &jsonl_status);
    RunShell(naql + "html > '" + dir_ + "/" + page + "' 2>/dev/null", &html_status);
    EXPECT_EQ(jsonl_status, 0) << "naql " << args << " --format jsonl found nothing";
    EXPECT_EQ(html_status, 0) << "naql " << args << " --format html found nothing";
    return jsonl_status == 0 && html_status == 0;
  }

  std::string chromium_;
  std::string dir_;
};

struct JsonlSpan {
  std::string a_text, b_text;
  uint64_t edits = 0;
};
struct JsonlPair {
  std::string a, b;
  std::vector<JsonlSpan> spans;
};

std::vector<JsonlPair> ReadJsonlPairs(const std::string& jsonl) {
  std::vector<JsonlPair> pairs;
  simdjson::dom::parser parser;
  size_t begin = 0;
  while (begin < jsonl.size()) {
    const size_t end = std::min(jsonl.find('\n', begin), jsonl.size());
    simdjson::dom::element record;
    EXPECT_EQ(parser.parse(jsonl.substr(begin, end - begin)).get(record), simdjson::SUCCESS);
    begin = end + 1;
    std::string_view type;
    if (record["type"].get(type) != simdjson::SUCCESS || type != "pair") continue;
    JsonlPair pair;
    pair.a = std::string(record["a"].get_string().value());
    pair.b = std::string(record["b"].get_string().value());
    simdjson::dom::array spans;
    EXPECT_EQ(record["spans"].get(spans), simdjson::SUCCESS);
    for (simdjson::dom::element span : spans) {
      JsonlSpan s;
      s.a_text = std::string(span["a_text"].get_string().value());
      s.b_text = std::string(span["b_text"].get_string().value());
      s.edits = span["edits"].get_uint64().value();
      pair.spans.push_back(std::move(s));
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

TEST_F(HtmlBrowserTest, HighlightedPassagesEqualJsonlSpans) {
  // Two articles that share a passage after astral characters, broken bytes and bidi marks, with
  // '<' and '&' inside the passage and a changed word (an edit) in it.
  const std::string passage_a =
      "وأكد وزير الخارجية في مؤتمر صحفي عقده اليوم في العاصمة أن الحكومة <لن> تقبل & لن تسمح "
      "بأي تدخل في شؤونها الداخلية مهما كانت الظروف والضغوط الدولية";
  const std::string passage_b =
      "وأكد وزير الخارجية في مؤتمر صحفي عقده اليوم في العاصمة أن الحكومة <لن> تقبل & لن تسمح "
      "بأي تدخل في شؤونها الداخلية مهما كانت الأسباب والضغوط الدولية";
  ASSERT_EQ(::mkdir((dir_ + "/tricky").c_str(), 0700), 0);
  WriteFile(dir_ + "/tricky/a.txt", "\U0001F642 \xff\xfe \u200f\U0001D54F مقدمة أولى.\n" +
                                        passage_a + ".\nخاتمة المقال الأول.\n");
  WriteFile(dir_ + "/tricky/b.txt",
            "\U0001F30D\U0001F30D عنوان آخر تماما\n\n" + passage_b + "!\n\xc3 نهاية.\n");

  std::string jsonl;
  ASSERT_TRUE(NaqlJsonlAndHtml("scan --threads 2 fixtures/seeds '" + dir_ + "/tricky'",
                               "report.html", &jsonl));
  const std::vector<JsonlPair> pairs = ReadJsonlPairs(jsonl);
  ASSERT_GE(pairs.size(), 4u);  // the seeds' three pairs and the tricky one
  bool tricky_seen = false;
  for (const JsonlPair& pair : pairs) tricky_seen |= pair.a.find("tricky/a.txt") != std::string::npos;
  ASSERT_TRUE(tricky_seen) << jsonl;

  const Dom dom = ParseDom(Chromium("--dump-dom", "file://" + dir_ + "/report.html#all"));
  ASSERT_EQ(dom.pair_ids.size(), pairs.size()) << "every pair is drawn under #all";
  size_t spans = 0;
  for (size_t n = 0; n < pairs.size(); ++n) {
    SCOPED_TRACE(::testing::Message() << "pair " << n << ": " << pairs[n].a << " / " << pairs[n].b);
    ASSERT_TRUE(dom.pair_ids.count(static_cast<int>(n)));
    EXPECT_EQ(dom.pair_ids.at(static_cast<int>(n)).first, pairs[n].a);
    EXPECT_EQ(dom.pair_ids.at(static_cast<int>(n)).second, pairs[n].b);
    for (size_t k = 0; k < pairs[n].spans.size(); ++k, ++spans) {
      const JsonlSpan& span = pairs[n].spans[k];
      const MarkKey a(static_cast<int>(n), static_cast<int>(k), 'a');
      const MarkKey b(static_cast<int>(n), static_cast<int>(k), 'b');
      ASSERT_TRUE(dom.passage.count(a) && dom.passage.count(b)) << "passage " << k << " not marked";
      EXPECT_EQ(dom.passage.at(a), span.a_text) << "passage " << k << ", side a";
      EXPECT_EQ(dom.passage.at(b), span.b_text) << "passage " << k << ", side b";
      // Edit marks agree with the aligner: some word marked exactly when it counted edits.
      const size_t edited = (dom.edited_bytes.count(a) ? dom.edited_bytes.at(a) : 0) +
                            (dom.edited_bytes.count(b) ? dom.edited_bytes.at(b) : 0);
      EXPECT_EQ(edited > 0, span.edits > 0)
          << "passage " << k << ": " << span.edits << " edits, " << edited << " bytes marked";
    }
  }
  EXPECT_EQ(dom.passage.size(), 2 * spans) << "marks that are no passage of the JSONL output";
  EXPECT_NE(dom.text.find(std::to_string(pairs.size()) + " pairs ("), std::string::npos)
      << "the summary line";
  EXPECT_FALSE(dom.variant_bytes.empty()) << "the seeds hold spelling variants (الأميركية / الأمريكية)";

  // A screenshot of the first pair, kept next to the test binary for a human to look at.
  const std::string screenshot = "html_browser_test_pair.png";
  std::remove(screenshot.c_str());
  Chromium("--window-size=1400,900 --screenshot=" + screenshot,
           "file://" + dir_ + "/report.html#pair=0");
  const std::string png = ReadFileOrDie(screenshot);
  EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_GT(png.size(), 20000u) << "a blank page compresses far smaller";
  std::cout << "screenshot: " << screenshot << " (" << png.size() << " bytes)\n";
}

// `naql compare --format html`: a page about one pair opens it (no location hash needed), and its
// highlighted passages are the JSONL ones.
TEST_F(HtmlBrowserTest, ComparePageOpensItsPair) {
  std::string jsonl;
  ASSERT_TRUE(NaqlJsonlAndHtml("compare fixtures/seeds/000_99452b6767717ae0.txt "
                               "fixtures/seeds/003_51295827b7bc72d8.txt",
                               "compare.html", &jsonl));
  const std::vector<JsonlPair> pairs = ReadJsonlPairs(jsonl);
  ASSERT_EQ(pairs.size(), 1u);

  const Dom dom = ParseDom(Chromium("--dump-dom", "file://" + dir_ + "/compare.html"));
  ASSERT_EQ(dom.pair_ids.size(), 1u) << "the page opens its pair";
  ASSERT_TRUE(dom.pair_ids.count(0));
  EXPECT_EQ(dom.pair_ids.at(0).first, pairs[0].a);
  EXPECT_EQ(dom.pair_ids.at(0).second, pairs[0].b);
  ASSERT_EQ(dom.passage.size(), 2 * pairs[0].spans.size());
  for (size_t k = 0; k < pairs[0].spans.size(); ++k) {
    EXPECT_EQ(dom.passage.at(MarkKey(0, static_cast<int>(k), 'a')), pairs[0].spans[k].a_text);
    EXPECT_EQ(dom.passage.at(MarkKey(0, static_cast<int>(k), 'b')), pairs[0].spans[k].b_text);
  }
}

TEST_F(HtmlBrowserTest, ReportOfTenThousandPairsDrawsOnePageOfRows) {
  SyntheticReportOptions options;
  // Small articles and one span a pair: Chromium prints the whole DOM, data included, and its
  // serializer is slow on big pages; the number of pairs is what the test is about.
  options.documents = 500;
  options.pairs = 10000;
  options.words_per_document = 40;
  options.spans_per_pair = 1;
  const SyntheticReport report = MakeSyntheticReport(options);
  std::FILE* file = std::fopen((dir_ + "/large.html").c_str(), "wb");
  ASSERT_NE(file, nullptr);
  {
    Output out(fileno(file));
    HtmlPrinter printer(&out, &report.scanned);
    for (const PairReport& pair : report.pairs) {
      printer.OnPair(pair, report.documents[pair.a], report.documents[pair.b]);
    }
    ReportSummary summary;
    summary.documents = options.documents;
    summary.pairs = options.pairs;
    printer.PrintSummary(summary);
  }
  std::fclose(file);

  const int last = static_cast<int>(options.pairs) - 1;
  const Dom dom = ParseDom(Chromium("--dump-dom", "file://" + dir_ + "/large.html#pair=" +
                                                      std::to_string(last)));
  EXPECT_EQ(dom.table_rows, HtmlReportOptions().rows_per_page) << "one page of the pairs table";
  EXPECT_NE(dom.text.find("page 1 of 100"), std::string::npos);
  ASSERT_EQ(dom.pair_ids.size(), 1u) << "only the opened pair is drawn";
  const PairReport& pair = report.pairs[last];
  EXPECT_EQ(dom.pair_ids.at(last).first, report.documents[pair.a].id);
  ASSERT_EQ(dom.passage.size(), 2 * pair.spans.size());
  for (size_t k = 0; k < pair.spans.size(); ++k) {
    const Span& s = pair.spans[k];
    EXPECT_EQ(dom.passage.at(MarkKey(last, static_cast<int>(k), 'a')),
              report.documents[pair.a].text.substr(s.a.byte_begin, s.a.byte_end - s.a.byte_begin));
    EXPECT_EQ(dom.passage.at(MarkKey(last, static_cast<int>(k), 'b')),
              report.documents[pair.b].text.substr(s.b.byte_begin, s.b.byte_end - s.b.byte_begin));
  }
}

}  // namespace
}  // namespace naql::cli
