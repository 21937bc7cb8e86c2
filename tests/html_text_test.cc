// Tests of core/src/html_text.h (visible text of HTML, charsets) and core/src/language.h: known
// answers for the tokenizer's lexical rules, character references and charsets; gumbo's HTML5
// tree as an oracle on seeded random pages; a round trip of escaped text; the windows-1256 and
// ISO-8859-6 decoders against the Unicode Consortium's tables.

#include "html_text.h"

#include <gumbo.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "input_format.h"
#include "language.h"
#include "testing.h"
#include "utf8.h"
#include "warc_writer.h"

namespace naql::internal {
namespace {

using ::naql::testing::SplitMix64;

struct Extracted {
  std::string text;
  std::string title;
};

Extracted Extract(absl::string_view html, HtmlTextOptions options = HtmlTextOptions()) {
  HtmlTextExtractor extractor(options);
  Extracted out;
  extractor.ExtractUtf8(html, &out.text, &out.title);
  return out;
}

std::string Text(absl::string_view html) { return Extract(html).text; }

WebText Page(absl::string_view bytes, absl::string_view declared = "",
             HtmlTextOptions options = HtmlTextOptions()) {
  HtmlTextExtractor extractor(options);
  WebText page;
  absl::Status status = extractor.ExtractHtml(bytes, declared, &page);
  EXPECT_TRUE(status.ok()) << status;
  return page;
}

// ---- Layout and whitespace ----------------------------------------------------------------------

TEST(HtmlTextTest, BlocksBecomeLinesAndWhitespaceCollapses) {
  EXPECT_EQ(Text("<p>  one\n two\t</p>\n\n<p>three</p>"), "one two\nthree");
  EXPECT_EQ(Text("<div>a<div>b</div>c</div>"), "a\nb\nc");
  EXPECT_EQ(Text("a<br>b<br/><br>c"), "a\nb\nc");                   // no empty lines
  EXPECT_EQ(Text("<b>bold</b>text <i>it</i> x"), "boldtext it x");  // inline: no separator
  EXPECT_EQ(Text("<li>one</li><li>two</li>"), "one\ntwo");
  EXPECT_EQ(Text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"), "a\nb\nc");
  EXPECT_EQ(Text("\n\n  <p>x</p>  \n"), "x");
  EXPECT_EQ(Text(""), "");
  EXPECT_EQ(Text("   \n "), "");
  // U+00A0 is not HTML whitespace: kept (later stages fold it).
  EXPECT_EQ(Text("a&nbsp;&nbsp;b"), "a\u00A0\u00A0b");
  EXPECT_EQ(Text("a\u00A0 b"), "a\u00A0 b");
}

TEST(HtmlTextTest, ImplicitlyClosedParagraphsAndItems) {
  EXPECT_EQ(Text("<p>one<p>two<div>three</div>four"), "one\ntwo\nthree\nfour");
  EXPECT_EQ(Text("<ul><li>a<li>b<li>c</ul>after"), "a\nb\nc\nafter");
  EXPECT_EQ(Text("<dl><dt>term<dd>definition</dl>"), "term\ndefinition");
  EXPECT_EQ(Text("<table><tr><td>a<td>b<tr><td>c</table>d"), "a\nb\nc\nd");
}

// ---- Dropped elements ---------------------------------------------------------------------------

TEST(HtmlTextTest, ScriptsStylesAndChromeAreDropped) {
  EXPECT_EQ(Text("a<script>var s = '<p>x</p>'; if (a < b) {}</script>b"), "ab");
  EXPECT_EQ(Text("a<style>p > a { }</style>b"), "ab");
  EXPECT_EQ(Text("<nav><a href=/>home</a></nav><header>logo</header><p>body</p>"
                 "<aside>most read</aside><footer>copyright</footer>"),
            "body");
  EXPECT_EQ(Text("<noscript>enable JavaScript</noscript><template><p>t</p></template>x"), "x");
  EXPECT_EQ(Text("<select><option>one<option>two</select><button>Share</button>x"), "x");
  EXPECT_EQ(Text("<textarea>typed <b>text</b></textarea>x"), "x");
  EXPECT_EQ(Text("<svg><title>icon</title><text>label</text></svg>x"), "x");
  EXPECT_EQ(Text("<iframe>fallback <p>text</p></iframe>x"), "x");
  EXPECT_EQ(Text("<div hidden><p>secret</p></div><span hidden>s</span>x"), "x");
  EXPECT_EQ(Text("<div role=\"navigation\">menu</div><div role='banner complementary'>b</div>x"),
            "x");
  EXPECT_EQ(Text("<div ROLE=main>kept</div>"), "kept");
}

TEST(HtmlTextTest, KeepPageChromeKeepsNavHeaderFooterAside) {
  HtmlTextOptions options;
  options.keep_page_chrome = true;
  EXPECT_EQ(Extract("<nav>menu</nav><header>h</header><p>body</p><aside>a</aside>"
                    "<footer>f</footer><div role=navigation>r</div><script>s</script>",
                    options)
                .text,
            "menu\nh\nbody\na\nf\nr");
}

TEST(HtmlTextTest, DroppedElementEndsWithTheElementThatContainsIt) {
  // An unclosed <header> ends when the <div> around it does, as in the HTML5 tree.
  EXPECT_EQ(Text("<div><header>logo</div><p>body</p>"), "body");
  // Nested elements of the same name: the outer one ends last.
  EXPECT_EQ(Text("<nav><nav>a</nav>b</nav>c"), "c");
  // An end tag with nothing open to close is ignored.
  EXPECT_EQ(Text("</nav>a</footer>b"), "a\nb");
  // "</div>" inside a table cell does not close a <div> outside the table (scope boundary) ...
  EXPECT_EQ(Text("<div><table><tr><td><nav>menu</div>x</td><td>y</td></tr></table>z</div>"),
            "y\nz");
  // ... but the cell's end tag closes what was left open in it.
  EXPECT_EQ(Text("<table><tr><td><nav>menu</td><td>cell</td></tr></table>"), "cell");
  // A "</nav>" inside a script is script text.
  EXPECT_EQ(Text("<nav><script>document.write('</nav>')</script>menu</nav>x"), "x");
  // Self-closing tags count inside svg, not in HTML.
  EXPECT_EQ(Text("<svg><path d='M0'/><circle/></svg>after"), "after");
}

// ---- Lexical details ----------------------------------------------------------------------------

TEST(HtmlTextTest, TagsAttributesAndStrayBrackets) {
  EXPECT_EQ(Text("<p title=\"a > b\" data-x='c > d' e=f>x</p>"), "x");
  EXPECT_EQ(Text("a < b and 1<2 <3"), "a < b and 1<2 <3");
  EXPECT_EQ(Text("a </ b"), "a");  // "</ b" is a bogus comment up to '>', which never comes
  EXPECT_EQ(Text("a </> b"), "a b");
  EXPECT_EQ(Text("x <p unterminated"), "x");  // a tag cut by the end of input is dropped
  EXPECT_EQ(Text("<P CLASS=X>upper</P><Br>case"), "upper\ncase");
  EXPECT_EQ(Text("a<unknown-element foo=bar>b</unknown-element>c"), "abc");
  EXPECT_EQ(Text("<p>x</p foo=\">\">y"), "x\ny");
}

TEST(HtmlTextTest, CommentsDoctypesAndBogusComments) {
  EXPECT_EQ(Text("<!DOCTYPE html>a<!-- <p>hidden</p> -->b"), "ab");
  EXPECT_EQ(Text("a<!-->b<!--->c"), "abc");  // abruptly closed empty comments
  EXPECT_EQ(Text("a<!-- x --!>b"), "ab");
  EXPECT_EQ(Text("a<!-- never closed <p>b"), "a");
  EXPECT_EQ(Text("a<?xml version='1.0'?>b<!bogus>c"), "abc");
  EXPECT_EQ(Text("a<![CDATA[x]]y>b"), "ab");  // in HTML content CDATA is a bogus comment
}

TEST(HtmlTextTest, RawTextEndsOnlyAtItsOwnEndTag) {
  EXPECT_EQ(Text("<script>a</scriptx>b</script>c"), "c");
  EXPECT_EQ(Text("<script>a</SCRIPT >b"), "b");
  EXPECT_EQ(Text("<style>x</style/>y"), "y");
  EXPECT_EQ(Text("<script>never closed <p>text"), "");
  EXPECT_EQ(Text("<xmp><b>shown</b> as is</xmp>after"), "<b>shown</b> as is\nafter");
  EXPECT_EQ(Text("before<plaintext><p>all &amp; raw"), "before\n<p>all &amp; raw");
}

TEST(HtmlTextTest, CharacterReferences) {
  EXPECT_EQ(Text("&amp; &lt;&gt; &quot;&apos; &laquo;x&raquo;"), "& <> \"' «x»");
  EXPECT_EQ(Text("&#1575;&#x644;&#X0644;&#65"), "\u0627\u0644\u0644A");
  // Legacy names work without ';', also before other letters; others need the ';'.
  EXPECT_EQ(Text("&amp &ampx &copy2024 &hellip &hellip;"), "& &x ©2024 &hellip …");
  EXPECT_EQ(Text("&notit; &notin;"), "\u00ACit; \u2209");
  // Two code points, and the longest name.
  EXPECT_EQ(Text("&NotEqualTilde;|&CounterClockwiseContourIntegral;"), "\u2242\u0338|\u2233");
  // Not references.
  EXPECT_EQ(Text("& &; &# &#x; &#xZ; &unknownname; AT&T"), "& &; &# &#x; &#xZ; &unknownname; AT&T");
  // Numeric replacements of the HTML standard: NUL, surrogates and beyond U+10FFFF become U+FFFD;
  // 0x80..0x9F name windows-1252 characters.
  EXPECT_EQ(Text("&#0;&#xD800;&#x110000;&#99999999999;"), "\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(Text("&#128;&#x96;&#x81;"), "\u20AC\u2013\u0081");
  // A reference to whitespace is whitespace.
  EXPECT_EQ(Text("a&#32;&#10;&#9;b"), "a b");
}

TEST(HtmlTextTest, EveryNamedReferenceMatchesGumbo) {
  // Gumbo carries its own copy of the standard's table: each of naql's 2125 names must decode to
  // what gumbo decodes it to.
  std::string html = "<p>";
  std::vector<std::string> names;
  for (const char* name : {"amp", "lt", "nbsp", "AElig", "ccedil", "fjlig", "ThickSpace", "zwnj"}) {
    names.push_back(name);
  }
  // The full list comes from the generated table itself, read through the decoder: decode
  // "&NAME;" with naql and with gumbo for every name in the generated file.
  std::string table =
      naql::testing::ReadFileOrDie(std::string(NAQL_SOURCE_DIR) + "/core/src/html_entities.inc");
  names.clear();
  for (absl::string_view line : absl::StrSplit(table, '\n')) {
    if (!absl::StartsWith(line, "{\"")) continue;
    names.emplace_back(line.substr(2, line.find('"', 2) - 2));
  }
  ASSERT_EQ(names.size(), 2125u);
  for (const std::string& name : names) absl::StrAppend(&html, "&", name, ";|");
  html += "</p>";
  GumboOutput* output = gumbo_parse(html.c_str());
  std::string expected;
  std::vector<const GumboNode*> stack = {output->root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type == GUMBO_NODE_TEXT) expected += node->v.text.text;
    if (node->type == GUMBO_NODE_ELEMENT) {
      const GumboVector& children = node->v.element.children;
      for (unsigned i = children.length; i-- > 0;) {
        stack.push_back(static_cast<const GumboNode*>(children.data[i]));
      }
    }
  }
  gumbo_destroy_output(&kGumboDefaultOptions, output);
  const std::vector<std::string> got = absl::StrSplit(Text(html), '|');
  const std::vector<std::string> want = absl::StrSplit(expected, '|');
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(absl::StripAsciiWhitespace(got[i]), absl::StripAsciiWhitespace(want[i]))
        << "&" << names[i] << ";";
  }
}

TEST(HtmlTextTest, TitleIsTheFirstTitleDecodedAndCollapsed) {
  Extracted e =
      Extract("<head><title>\n  Breaking &amp;\tnews </title><title>second</title></head><p>x</p>");
  EXPECT_EQ(e.title, "Breaking & news");
  EXPECT_EQ(e.text, "x");
  EXPECT_EQ(Extract("<svg><title>icon</title></svg><title>page</title>").title, "page");
  EXPECT_EQ(Extract("<p>no title</p>").title, "");
}

TEST(HtmlTextTest, DeepNestingIsBoundedAndKeepsText) {
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<div><span>";
  html += "deep";
  for (int i = 0; i < 100000; ++i) html += "</span></div>";
  html += "after";
  EXPECT_EQ(Text(html), "deep\nafter");
  std::string chrome;
  for (int i = 0; i < 3000; ++i) chrome += "<nav>";
  chrome += "menu";
  for (int i = 0; i < 3000; ++i) chrome += "</nav>";
  // Beyond max_depth start tags are not tracked; the text inside the tracked navs is still
  // dropped, and the end tags close them.
  EXPECT_EQ(Text(chrome + "<p>body</p>"), "body");
}

// ---- The gumbo oracle ---------------------------------------------------------------------------

// The visible-text rules of html_text.h applied to gumbo's HTML5 tree.
class GumboVisibleText {
 public:
  explicit GumboVisibleText(const std::string& html) {
    GumboOutput* output = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
    Walk(output->root, /*dropped=*/false);
    gumbo_destroy_output(&kGumboDefaultOptions, output);
  }
  std::string text;
  std::string title;

 private:
  static bool IsBlock(absl::string_view tag) {
    static const char* const kBlocks[] = {
        "address", "article", "aside",  "blockquote", "center",   "details",  "dialog",
        "dir",     "div",     "dl",     "dd",         "dt",       "fieldset", "figcaption",
        "figure",  "footer",  "form",   "h1",         "h2",       "h3",       "h4",
        "h5",      "h6",      "header", "hgroup",     "main",     "menu",     "nav",
        "ol",      "ul",      "li",     "p",          "pre",      "listing",  "section",
        "summary", "legend",  "table",  "caption",    "tbody",    "thead",    "tfoot",
        "tr",      "td",      "th",     "xmp",        "plaintext"};
    for (const char* block : kBlocks) {
      if (tag == block) return true;
    }
    return false;
  }
  static bool IsDropped(absl::string_view tag) {
    static const char* const kDropped[] = {
        "script",   "style",  "noscript", "iframe", "noembed", "noframes", "textarea", "title",
        "template", "select", "button",   "canvas", "audio",   "video",    "object",   "applet",
        "svg",      "math",   "nav",      "header", "footer",  "aside"};
    for (const char* dropped : kDropped) {
      if (tag == dropped) return true;
    }
    return false;
  }
  void Line() { pending_ = 2; }
  void Append(absl::string_view s) {
    for (char c : s) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        if (pending_ == 0) pending_ = 1;
        continue;
      }
      if (pending_ != 0 && !text.empty()) text.push_back(pending_ == 2 ? '\n' : ' ');
      pending_ = 0;
      text.push_back(c);
    }
  }
  void Walk(const GumboNode* node, bool dropped) {
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      if (!dropped) Append(node->v.text.text);
      return;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE &&
        node->type != GUMBO_NODE_DOCUMENT) {
      return;
    }
    const GumboVector* children =
        node->type == GUMBO_NODE_DOCUMENT ? &node->v.document.children : &node->v.element.children;
    std::string tag;
    bool block = false, drop = dropped;
    if (node->type != GUMBO_NODE_DOCUMENT) {
      const GumboElement& element = node->v.element;
      if (element.tag == GUMBO_TAG_UNKNOWN) {
        GumboStringPiece original = element.original_tag;
        gumbo_tag_from_original_text(&original);
        tag = absl::AsciiStrToLower(absl::string_view(original.data, original.length));
      } else {
        tag = gumbo_normalized_tagname(element.tag);
      }
      const bool html = element.tag_namespace == GUMBO_NAMESPACE_HTML;
      if (html && tag == "title" && !dropped && !title_seen_) {
        title_seen_ = true;
        std::string collected;
        for (unsigned i = 0; i < children->length; ++i) {
          const GumboNode* child = static_cast<const GumboNode*>(children->data[i]);
          if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE) {
            collected += child->v.text.text;
          }
        }
        title = absl::StrJoin(
            absl::StrSplit(collected, absl::ByAnyChar(" \t\n\r\f"), absl::SkipEmpty()), " ");
      }
      block = html && IsBlock(tag);
      if (tag == "br" || tag == "hr") Line();
      drop = drop || IsDropped(tag) || gumbo_get_attribute(&element.attributes, "hidden");
      const GumboAttribute* role = gumbo_get_attribute(&element.attributes, "role");
      if (role != nullptr) {
        const std::string value = absl::AsciiStrToLower(role->value);
        const std::string first =
            std::string(absl::StripAsciiWhitespace(value))
                .substr(0, absl::StripAsciiWhitespace(value).find_first_of(" \t\n\r\f"));
        drop = drop || first == "navigation" || first == "banner" || first == "contentinfo" ||
               first == "complementary";
      }
    }
    if (block) Line();
    for (unsigned i = 0; i < children->length; ++i) {
      Walk(static_cast<const GumboNode*>(children->data[i]), drop);
    }
    if (block) Line();
  }

  int pending_ = 0;
  bool title_seen_ = false;
};

// Seeded random pages whose structure the HTML5 tree builder keeps as written (no misnesting,
// no text directly in tables), so that the two extractions must agree exactly.
class RandomPage {
 public:
  explicit RandomPage(uint64_t seed) : rng_(seed) {}

  std::string Make() {
    std::string html = "<!DOCTYPE html><html><head><meta charset=utf-8>";
    if (rng_.Bernoulli(0.8)) html += "<title>" + Words(3) + "</title>";
    if (rng_.Bernoulli(0.5)) html += "<script>if (a < b && c) { s = '</p>'; }</script>";
    html += "</head><body>";
    for (int i = 0, n = 1 + static_cast<int>(rng_.Uniform(6)); i < n; ++i) Block(&html, 0);
    return html + "</body></html>";
  }

 private:
  std::string Word() {
    static const char* const kWords[] = {
        "قال",       "الوزير",  "إن",      "المفاوضات", "ستستأنف",
        "news",      "Reuters", "2024",    "«الاتفاق»", "&amp;",
        "&lt;b&gt;", "&nbsp;",  "&laquo;", "&raquo;",   "&#1575;&#x644;",
        "&hellip;",  "&copy",   "&quot;",  "AT&amp;T",  "x&lt;y",
        "&#8212;",   "&#150;",  "a&gt;b"};
    return kWords[rng_.Uniform(std::size(kWords))];
  }
  std::string Space() {
    static const char* const kSpaces[] = {" ", " ", " ", "  ", "\n", "\t", " \n  "};
    return kSpaces[rng_.Uniform(std::size(kSpaces))];
  }
  std::string Words(int max) {
    std::string out;
    for (int i = 0, n = 1 + static_cast<int>(rng_.Uniform(max)); i < n; ++i) {
      if (i > 0 || rng_.Bernoulli(0.2)) out += Space();
      out += Word();
    }
    if (rng_.Bernoulli(0.2)) out += Space();
    return out;
  }
  std::string Attributes() {
    static const char* const kAttributes[] = {"",
                                              "",
                                              " class=\"lead > big\"",
                                              " data-x='a\"b'",
                                              " id=x",
                                              " title=\"t &amp; u\"",
                                              " hidden",
                                              " role=\"navigation\"",
                                              " role=main",
                                              " style=\"color:red\""};
    return kAttributes[rng_.Uniform(std::size(kAttributes))];
  }
  void Inline(std::string* html, int depth) {
    const uint64_t kind = rng_.Uniform(depth > 3 ? 3 : 9);
    if (kind < 3) {
      *html += Words(4);
    } else if (kind == 3) {
      *html += "<br>";
    } else if (kind == 4) {
      *html += "<img src=\"a.png\" alt=\"picture\">";
    } else if (kind == 5) {
      *html += "<!-- note <p>x</p> -->";
    } else if (kind == 6) {
      *html += "<script>var t = \"<div>\";</script>";
    } else {
      // (No <button>: a button inside a button closes the outer one in the HTML5 tree.)
      static const char* const kTags[] = {"span", "b", "em", "strong", "small", "label"};
      const char* tag = kTags[rng_.Uniform(std::size(kTags))];
      *html += absl::StrCat("<", tag, Attributes(), ">");
      for (int i = 0, n = 1 + static_cast<int>(rng_.Uniform(3)); i < n; ++i)
        Inline(html, depth + 1);
      *html += absl::StrCat("</", tag, ">");
    }
  }
  void Block(std::string* html, int depth) {
    const uint64_t kind = rng_.Uniform(depth > 4 ? 2 : 8);
    if (kind == 0 || kind == 1) {
      static const char* const kTags[] = {"p", "h2", "li-less", "pre", "figcaption"};
      std::string tag = kTags[rng_.Uniform(std::size(kTags))];
      if (tag == "li-less") tag = "p";
      *html += absl::StrCat("<", tag, Attributes(), ">");
      for (int i = 0, n = 1 + static_cast<int>(rng_.Uniform(4)); i < n; ++i) Inline(html, 0);
      *html += absl::StrCat("</", tag, ">");
    } else if (kind == 2) {
      const char* list = rng_.Bernoulli(0.5) ? "ul" : "ol";
      *html += absl::StrCat("<", list, ">");
      for (int i = 0, n = 1 + static_cast<int>(rng_.Uniform(4)); i < n; ++i) {
        *html += "<li>";
        if (rng_.Bernoulli(0.3)) {
          Block(html, depth + 1);
        } else {
          Inline(html, 0);
        }
        *html += "</li>";
      }
      *html += absl::StrCat("</", list, ">");
    } else if (kind == 3) {
      *html += "<table><tbody>";
      for (int r = 0, rows = 1 + static_cast<int>(rng_.Uniform(3)); r < rows; ++r) {
        *html += "<tr>";
        for (int c = 0, cells = 1 + static_cast<int>(rng_.Uniform(3)); c < cells; ++c) {
          *html += "<td>";
          if (rng_.Bernoulli(0.3)) {
            Block(html, depth + 1);
          } else {
            Inline(html, 0);
          }
          *html += "</td>";
        }
        *html += "</tr>\n";
      }
      *html += "</tbody></table>";
    } else if (kind == 4) {
      *html += "<textarea>typed &amp; <b>text</b></textarea>";
    } else {
      static const char* const kTags[] = {"div",    "section", "article", "blockquote", "nav",
                                          "header", "footer",  "aside",   "main",       "div"};
      const char* tag = kTags[rng_.Uniform(std::size(kTags))];
      *html += absl::StrCat("<", tag, Attributes(), ">", Space());
      for (int i = 0, n = 1 + static_cast<int>(rng_.Uniform(4)); i < n; ++i) {
        if (rng_.Bernoulli(0.3)) {
          Inline(html, 0);
        } else {
          Block(html, depth + 1);
        }
        *html += Space();
      }
      *html += absl::StrCat("</", tag, ">");
    }
  }

  SplitMix64 rng_;
};

TEST(HtmlTextTest, AgreesWithGumboOnRandomPages) {
  const uint64_t seed = naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (NAQL_TEST_SEED overrides)"));
  SplitMix64 seeds(seed);
  int nonempty = 0;
  for (int i = 0; i < 400; ++i) {
    const std::string html = RandomPage(seeds.Next()).Make();
    SCOPED_TRACE(html);
    const GumboVisibleText oracle(html);
    const Extracted got = Extract(html);
    ASSERT_EQ(got.text, oracle.text);
    ASSERT_EQ(got.title, oracle.title);
    nonempty += !got.text.empty();
  }
  EXPECT_GT(nonempty, 300);  // the pages are not all dropped chrome
}

TEST(HtmlTextTest, NewsPageOfTheGeneratorGivesItsText) {
  naql::testing::NewsPage page;
  page.title = "عنوان الصفحة & الموقع";
  page.headline = "الوزير يعلن <خطة> جديدة";
  page.paragraphs = {"قال الوزير إن المفاوضات ستستأنف الأسبوع المقبل.",
                     "وأضاف  أن «الاتفاق» قريب & ممكن.", "الفقرة\nالثالثة"};
  const std::string html = naql::testing::NewsPageHtml(page);
  const Extracted got = Extract(html);
  EXPECT_EQ(got.text, naql::testing::NewsPageText(page));
  EXPECT_EQ(got.title, "عنوان الصفحة & الموقع");
  const GumboVisibleText oracle(html);
  EXPECT_EQ(got.text, oracle.text);
}

TEST(HtmlTextTest, EscapedTextRoundTrips) {
  // Any text, escaped and put one line per <p>, comes back as itself (whitespace collapsed).
  const uint64_t seed = naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (NAQL_TEST_SEED overrides)"));
  SplitMix64 rng(seed ^ 0x5a5a);
  static const char* const kPieces[] = {
      "ب",  "ت", "ال", "ـ", "ً",  "١", "a", "Z", "9", "<", ">",  "&",  "&amp;",  ";",      "#",
      "\"", "'", "=",  "/", "!", "-", "«", "»", " ", " ", "  ", "\t", "\u00A0", "\u200F", "😀"};
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> lines;
    std::string html;
    for (int l = 0, n = 1 + static_cast<int>(rng.Uniform(5)); l < n; ++l) {
      std::string line;
      for (int k = 0, m = static_cast<int>(rng.Uniform(30)); k < m; ++k) {
        line += kPieces[rng.Uniform(std::size(kPieces))];
      }
      std::string escaped;
      for (char c : line) {
        if (c == '&')
          escaped += "&amp;";
        else if (c == '<')
          escaped += "&lt;";
        else
          escaped.push_back(c);
      }
      html += "<p>" + escaped + "</p>\n";
      const std::string collapsed =
          absl::StrJoin(absl::StrSplit(line, absl::ByAnyChar(" \t\n\r\f"), absl::SkipEmpty()), " ");
      if (!collapsed.empty()) lines.push_back(collapsed);
    }
    SCOPED_TRACE(html);
    ASSERT_EQ(Text(html), absl::StrJoin(lines, "\n"));
  }
}

// ---- Charsets -----------------------------------------------------------------------------------

TEST(HtmlTextTest, CharsetFromContentTypeParameter) {
  EXPECT_EQ(CharsetFromContentType("text/html; charset=windows-1256"), "windows-1256");
  EXPECT_EQ(CharsetFromContentType("text/html;charset=\"UTF-8\"; q=1"), "UTF-8");
  EXPECT_EQ(CharsetFromContentType("text/html; format=flowed; CHARSET = iso-8859-6 ;"),
            "iso-8859-6");
  EXPECT_EQ(CharsetFromContentType("text/html"), "");
  EXPECT_EQ(CharsetFromContentType("text/html; charsetx=a"), "");
  EXPECT_EQ(CharsetFromContentType(""), "");
}

TEST(HtmlTextTest, SniffMetaCharsetFindsTheDeclaration) {
  EXPECT_EQ(SniffMetaCharset("<html><head><meta charset=\"windows-1256\">"), "windows-1256");
  EXPECT_EQ(SniffMetaCharset("<META HTTP-EQUIV=\"Content-Type\" "
                             "CONTENT=\"text/html; charset=iso-8859-6\">"),
            "iso-8859-6");
  EXPECT_EQ(SniffMetaCharset("<meta content='text/html; charset=utf-8' http-equiv=content-type>"),
            "utf-8");
  EXPECT_EQ(SniffMetaCharset("<!-- <meta charset=cp1256> --><meta charset=utf-8>"), "utf-8");
  EXPECT_EQ(SniffMetaCharset("<p title='<meta charset=cp1256>'>x</p>"), "");
  EXPECT_EQ(SniffMetaCharset("<meta name=description content=\"charset=koi8-r\">"), "");
  EXPECT_EQ(SniffMetaCharset("<meta charset="), "");
  EXPECT_EQ(SniffMetaCharset("no markup at all"), "");
}

TEST(HtmlTextTest, CharsetOrderBomThenHttpThenMetaThenUtf8) {
  const std::string arabic = "<p>مرحبا بالعالم</p>";
  const std::string cp1256 = *naql::testing::EncodeWindows1256(arabic);
  const std::string iso = *naql::testing::EncodeIso88596(arabic);
  // HTTP header.
  WebText page = Page(cp1256, "windows-1256");
  EXPECT_EQ(page.text, "مرحبا بالعالم");
  EXPECT_EQ(page.charset, "windows-1256");
  page = Page(iso, "arabic");
  EXPECT_EQ(page.text, "مرحبا بالعالم");
  EXPECT_EQ(page.charset, "ISO-8859-6");
  // <meta>, when HTTP says nothing; HTTP wins over <meta>.
  page = Page("<meta charset=iso-8859-6>" + iso);
  EXPECT_EQ(page.text, "مرحبا بالعالم");
  page = Page("<meta http-equiv=Content-Type content='text/html; charset=cp1256'>" + cp1256);
  EXPECT_EQ(page.text, "مرحبا بالعالم");
  page = Page("<meta charset=iso-8859-6>" + cp1256, "windows-1256");
  EXPECT_EQ(page.text, "مرحبا بالعالم");
  // A byte order mark wins over both.
  page = Page("\xEF\xBB\xBF" + arabic, "windows-1256");
  EXPECT_EQ(page.text, "مرحبا بالعالم");
  EXPECT_EQ(page.charset, "UTF-8");
  page = Page(std::string("\xFF\xFE<\0p\0>\0'\x06", 10));  // UTF-16LE "<p>ا"
  EXPECT_EQ(page.text, "ا");
  EXPECT_EQ(page.charset, "UTF-16LE");
  // A <meta> that claims UTF-16 means UTF-8.
  EXPECT_EQ(Page("<meta charset=utf-16>" + arabic).text, "مرحبا بالعالم");
  // latin1 means windows-1252.
  EXPECT_EQ(Page("<p>\x80\xE9</p>", "ISO-8859-1").text, "€é");
}

TEST(HtmlTextTest, UndeclaredBytesAreUtf8ElseTheFallback) {
  const std::string arabic = "<p>مرحبا</p>";
  WebText page = Page(arabic);
  EXPECT_EQ(page.text, "مرحبا");
  EXPECT_EQ(page.charset, "UTF-8");
  // Not UTF-8 and undeclared: windows-1256.
  page = Page(*naql::testing::EncodeWindows1256(arabic));
  EXPECT_EQ(page.text, "مرحبا");
  EXPECT_EQ(page.charset, "windows-1256");
  // A label ICU does not know is no declaration.
  page = Page(*naql::testing::EncodeWindows1256(arabic), "x-no-such-charset");
  EXPECT_EQ(page.text, "مرحبا");
  // Declared UTF-8 but broken: U+FFFD per maximal subpart, no guessing.
  page = Page("<p>a\xD9\xE2\x82z</p>", "utf-8");
  EXPECT_EQ(page.text, "a\uFFFD\uFFFDz");
  // Without a fallback, U+FFFD too.
  HtmlTextOptions options;
  options.undeclared_fallback = "";
  EXPECT_EQ(Page("<p>a\xC7</p>", "", options).text, "a\uFFFD");
  // A <meta> beyond the prescan window is not seen: the page falls back to windows-1256.
  options = HtmlTextOptions();
  options.prescan_bytes = 64;
  const std::string late = std::string(100, ' ') + "<meta charset=iso-8859-6><p>\xC7\xE1</p>";
  EXPECT_EQ(Page(late, "", options).text, "\u0627\u0644");  // 1256: alef, lam
  EXPECT_EQ(Page(late).text, "\u0627\u0641");               // 8859-6: alef, feh
}

TEST(HtmlTextTest, SingleByteDecodersMatchTheUnicodeTables) {
  HtmlTextExtractor extractor;
  for (const auto& [label, table] :
       {std::pair<const char*, const char16_t*>{"windows-1256", naql::testing::kWindows1256High},
        {"iso-8859-6", naql::testing::kIso88596High}}) {
    for (int byte = 0x80; byte <= 0xFF; ++byte) {
      SCOPED_TRACE(absl::StrFormat("%s byte %02X", label, byte));
      WebText page;
      ASSERT_TRUE(
          extractor.ExtractPlainText(std::string(1, static_cast<char>(byte)), label, &page).ok());
      const char32_t want = table[byte - 0x80] != 0 ? table[byte - 0x80] : 0xFFFD;
      char32_t got;
      ASSERT_FALSE(page.text.empty());
      EXPECT_EQ(DecodeUtf8(page.text.data(), page.text.size(), &got), page.text.size());
      EXPECT_EQ(got, want);
    }
  }
}

TEST(HtmlTextTest, PlainTextKeepsLinesAndDropsTheBom) {
  HtmlTextExtractor extractor;
  WebText page;
  ASSERT_TRUE(extractor.ExtractPlainText("\xEF\xBB\xBFline one\n\nline  two\n", "", &page).ok());
  EXPECT_EQ(page.text, "line one\n\nline  two\n");
  EXPECT_EQ(page.title, "");
}

TEST(HtmlTextTest, OptionsValidate) {
  EXPECT_TRUE(HtmlTextOptions().Validate().ok());
  HtmlTextOptions options;
  options.prescan_bytes = 10;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options = HtmlTextOptions();
  options.max_depth = 8;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options = HtmlTextOptions();
  options.undeclared_fallback = "no-such-charset";
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options.undeclared_fallback = "iso-8859-6";
  EXPECT_TRUE(options.Validate().ok());
}

// ---- Language -----------------------------------------------------------------------------------

TEST(LanguageTest, ArabicLetterShare) {
  EXPECT_DOUBLE_EQ(ArabicLetterShare("سلام"), 1.0);
  EXPECT_DOUBLE_EQ(ArabicLetterShare("abcd سلام"), 0.5);
  EXPECT_DOUBLE_EQ(ArabicLetterShare("Hello, world!"), 0.0);
  EXPECT_DOUBLE_EQ(ArabicLetterShare("123 ... ١٢٣ ،؟"), 0.0);  // no letters at all
  EXPECT_DOUBLE_EQ(ArabicLetterShare(""), 0.0);
  // Harakat are marks, not letters; presentation forms and Persian letters are Arabic script.
  EXPECT_DOUBLE_EQ(ArabicLetterShare("سَلَامٌ"), 1.0);
  EXPECT_DOUBLE_EQ(ArabicLetterShare("\uFEFB\u067E ab"), 0.5);
  // Greek and Cyrillic letters count as letters.
  EXPECT_DOUBLE_EQ(ArabicLetterShare("αβ ب"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(ArabicLetterShare("\xFF\xFE"
                                     "ب"),
                   1.0);  // U+FFFD is not a letter
}

}  // namespace
}  // namespace naql::internal
