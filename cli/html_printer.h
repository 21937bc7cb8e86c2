// html_printer.h — the scan and compare report as one self-contained HTML page (--format html).
//
// The page needs nothing but a browser: no network access (inline CSS and script, no web fonts; an
// Arabic-capable local font stack), dir="rtl". It shows
//   * a summary table of the pairs, sortable by every score column and paginated, and tables of the
//     clusters and of the repeated quotations, so a report of 10,000 pairs stays responsive (only
//     one page of rows of each table is in the DOM);
//   * for the pair being viewed, the two articles side by side, each shared passage highlighted in
//     the same colour on both sides, the words inside a passage that the other side lacks marked as
//     edits, and quotations flagged.
// Pair details are rendered when a pair is opened (location hash "#pair=N", N counting pairs from
// 0 in report order); "#all" renders every pair below the tables (for printing small reports, and
// for the browser test).
//
// What is in the page: the findings are embedded once, as JSON, in
//   <script type="application/json" id="naql-data">[record, record, …]</script>
// Records use the vocabulary of the JSONL output (DESIGN.md), with documents referenced by index so
// that each article's text is stored once however many pairs it is in:
//   {"type":"document","index":3,"id":"…","date":"…","source":"…","title":"…","url":"…",
//    "words":412,"text":"…"}                        (meta fields only when set; text when known)
//   {"type":"pair","a":0,"b":3,"kind":"duplicate","jaccard":0.91,"coverage_a":0.88,
//    "coverage_b":0.95,"spans":[{"a_begin":0,"a_end":120,"b_begin":30,"b_end":151,"words":21,
//    "matches":20,"edits":2,"similarity":0.93,"quote":false}]}   ("a"/"b": document indices)
//   {"type":"cluster","id":0,"members":[0,3],"origin":0}
//   {"type":"quote","id":0,"text":"…","occurrences":[{"doc":3,"begin":10,"end":60,"text":"…"}]}
//   {"type":"summary","documents":5,"skipped":0,"pairs":2,"clusters":0,"quotes":1,"seconds":0.01}
// A document record precedes the first record that refers to it. Offsets count code points of the
// text as embedded (invalid UTF-8 repaired to U+FFFD, one per maximal subpart, as the normalizer
// counts), so they index the original text exactly as the JSONL offsets do. Every '<' inside the
// JSON is written as \u003c, so no article text can end the script element early.
//
// In the DOM each highlight is
//   <mark class="c3 q" data-pair="N" data-span="K" data-side="a|b">…</mark>
// (N: the pair's position in the report, K: the passage's index in the pair; class "q" for a
// quotation; c0…c9 the colour, K mod 10). The text of all marks of one (N, K, side), in document
// order, is the passage — exactly the JSONL a_text or b_text. (Marks nest where two passages of a
// pair overlap on one side.) Inside the mark, words not matched on the other side (edits) are
// wrapped in <span class="ed">, words matched to a spelling variant in <span class="va">: a
// word-level longest-common-subsequence alignment of the two passages, computed in the browser
// when the pair is opened, on words compared as the aligner compares them by default (the
// normalizer's folds, the tokenizer's light clitic stripping, and the aligner's spelling-variant
// rule). It agrees with the JSONL counts in the usual case (some word marked as an edit exactly
// when "edits" > 0), though the aligner's scored alignment may pair words differently.
//
// Example:
//   naql::cli::Output out;
//   naql::cli::HtmlPrinter printer(&out, &scanner.documents());
//   ... scanner.Run(reader, &printer) ...          // OnPair / OnCluster stream the records
//   printer.PrintSummary(summary);                 // closes the data and writes the page's script
//
// Thread safety: a printer is used from one thread.

#ifndef NAQL_CLI_HTML_PRINTER_H_
#define NAQL_CLI_HTML_PRINTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "naql/document.h"
#include "naql/report.h"
#include "naql/scanner.h"
#include "output.h"
#include "printers.h"

namespace naql::cli {

struct HtmlReportOptions {
  // The page title (<title> and the heading). Any text; it is escaped. Default "naql report".
  std::string title = "naql report";
  // Rows of the pair and cluster tables shown per page, 1 to 10,000. Default 100: a page of rows
  // renders in a few milliseconds however many pairs the report holds.
  uint32_t rows_per_page = 100;
  // Open the first pair when the page is loaded without a location hash, instead of the tables
  // (`naql compare`: the page is about one pair). "all pairs" still leads to the tables. Default
  // false.
  bool open_first_pair = false;

  // InvalidArgument when rows_per_page is out of range.
  absl::Status Validate() const;
};

// Writes the HTML report to an Output, streaming: the page head is written by the constructor, each
// pair and cluster as it arrives (with the texts of articles not seen before), and the end of the
// page by PrintSummary(). Memory held: one bit per document index seen, whatever the report size.
class HtmlPrinter final : public ReportPrinter {
 public:
  // `out` must outlive the printer. `documents` (may be null) gives ids, metadata and word counts
  // for cluster members and the words of pair articles; indices in PairReport and Cluster refer to
  // it; it must outlive the printer's calls. Requires options.Validate().ok().
  HtmlPrinter(Output* out, const std::vector<ScannedDocument>* documents,
              const HtmlReportOptions& options = HtmlReportOptions());

  // A verified pair; `a` and `b` are the documents at indices pair.a and pair.b (their texts are
  // embedded the first time an index is seen).
  void OnPair(const PairReport& pair, const Document& a, const Document& b) override;
  // A cluster; members not yet seen are embedded from `documents` (id and metadata, no text).
  void OnCluster(const Cluster& cluster) override;
  // A repeated quotation; the articles it occurs in that are not yet embedded are embedded from
  // `documents` (id and metadata, no text).
  void OnQuote(const RepeatedQuote& quote) override;
  // Ends the page: the summary record, the end of the data, the script. Call exactly once, last;
  // flushes `out`.
  void PrintSummary(const ReportSummary& summary) override;

 private:
  // Appends the document record for `index` if not yet written. `doc` may be null (no text).
  void MaybeAppendDocument(uint32_t index, const Document* doc, std::string* out);
  // Appends the separator before a record of the data array.
  void BeginRecord(std::string* out);

  Output* out_;
  const std::vector<ScannedDocument>* documents_;
  HtmlReportOptions options_;
  std::vector<bool> seen_;  // document indices already embedded
  bool first_record_ = true;
};

}  // namespace naql::cli

#endif  // NAQL_CLI_HTML_PRINTER_H_
