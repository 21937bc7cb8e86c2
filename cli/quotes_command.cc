// naql quotes — quotations repeated across articles, most widespread first.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app.h"
#include "naql/scanner.h"
#include "output.h"
#include "printers.h"
#include "scan_runner.h"

namespace naql::cli {
namespace {

constexpr char kFooter[] = R"(A quotation is text inside quote marks (« », “ ”, „ “, ‘ ’, ‹ ›, "…") or reported speech: a verb
of saying (قال، أضاف، أكد، أوضح، صرح، …, with their prefixed, feminine and plural forms) followed by a
colon, up to the end of the sentence. Quotations are compared after normalization and allowing
edits (dropped, added or reworded words, other spellings), so one statement quoted differently
by two outlets is one repeated quotation. A quotation found in only one article is not reported.

Output formats (--format):
  text   each quotation with every occurrence (article, code point offsets, original text)
  tsv    one row per occurrence; header: quote docs doc begin end byte_begin byte_end text
  jsonl  {"type":"quote","id":0,"text":"normalized text","occurrences":[{"doc":"ID","begin":10,
         "end":60,"byte_begin":19,"byte_end":118,"text":"..."}]} per quotation, then a summary

Offsets are half-open, into the original article: code points (begin/end) and UTF-8 bytes.
Exit codes: 0 a repeated quotation was found, 1 none, 2 error.

Memory and disk: each quotation's words and texts wait in a temporary file in --temp-dir
(default: $TMPDIR, else /tmp; about a third of the input), which has no name and vanishes with
the run, until the quotations are compared at the end.

Example:
  naql quotes fixtures/seeds)";

struct QuotesFlags {
  CommonFlags common;
  std::vector<std::string> inputs;
  std::string lang;  // --lang: "" (all) or "ar"
  ScanOptions options;
};

class QuotesSink : public ScanSink {
 public:
  QuotesSink(const std::string& format, Output* out, const std::vector<ScannedDocument>* docs)
      : format_(format), out_(out), documents_(docs) {
    if (format_ == "tsv") {
      out_->Write("quote\tdocs\tdoc\tbegin\tend\tbyte_begin\tbyte_end\ttext\n");
    } else {
      PrinterOptions options;
      options.elide_long_passages = false;
      printer_ = MakePrinter(format_, out_, documents_, options);
    }
  }

  void OnPair(const PairReport&, const Document&, const Document&) override {}

  void OnQuote(const RepeatedQuote& quote) override {
    ++quotes_;
    if (printer_) {
      printer_->OnQuote(quote);
      return;
    }
    uint32_t docs = 0;
    for (size_t i = 0; i < quote.occurrences.size(); ++i) {
      docs += i == 0 || quote.occurrences[i].doc != quote.occurrences[i - 1].doc;
    }
    std::string* line = out_->buffer();
    for (const QuoteOccurrence& o : quote.occurrences) {
      absl::StrAppend(line, quote.id, "\t", docs, "\t");
      AppendTsvField((*documents_)[o.doc].id, line);
      absl::StrAppend(line, "\t", o.span.cp_begin, "\t", o.span.cp_end, "\t", o.span.byte_begin,
                      "\t", o.span.byte_end, "\t");
      AppendTsvField(o.text, line);
      line->push_back('\n');
    }
    out_->MaybeFlush();
  }

  void Finish(const ReportSummary& summary) {
    if (printer_) printer_->PrintSummary(summary);
    out_->Flush();
  }

  uint64_t quotes() const { return quotes_; }

 private:
  std::string format_;
  Output* out_;
  const std::vector<ScannedDocument>* documents_;
  std::unique_ptr<ReportPrinter> printer_;
  uint64_t quotes_ = 0;
};

int RunQuotes(QuotesFlags& flags, Context* context) {
  Diagnostics& diagnostics = context->diagnostics;
  ScanOptions& options = flags.options;
  options.find_pairs = false;
  options.find_quotes = true;
  ScanRunner runner(flags.common, &diagnostics);
  if (absl::Status status = runner.Open(flags.inputs, flags.lang, &options); !status.ok()) {
    return diagnostics.Fail(status);
  }
  Scanner scanner(options);
  Output out;
  QuotesSink sink(flags.common.format, &out, &scanner.documents());
  if (absl::Status status = runner.Run(&scanner, &sink); !status.ok()) {
    out.Flush();
    return diagnostics.Fail(status);
  }
  const ScanStats& stats = scanner.stats();
  ReportSummary summary = runner.Summary(stats);
  summary.quotes = sink.quotes();
  sink.Finish(summary);
  diagnostics.Info(absl::StrCat(stats.documents, " documents, ", stats.bytes,
                                " bytes; temporary file ", stats.spill_bytes,
                                " bytes; seconds: reading ", stats.fingerprint_seconds,
                                ", quotations ", stats.cluster_seconds));
  return sink.quotes() > 0 ? kExitFound : kExitNothing;
}

}  // namespace

void RegisterQuotes(CLI::App* app, Context* context) {
  auto flags = std::make_shared<QuotesFlags>();
  QuoteClustererOptions& q = flags->options.quotes;
  CLI::App* command = app->add_subcommand(
      "quotes", "List quotations repeated across articles, with every occurrence");
  if (context->long_help) command->footer(kFooter);
  command->add_option("INPUT", flags->inputs, "Files, directories, or '-' for JSONL on stdin")
      ->type_name("")
      ->required();
  AddFormatFlag(command, &flags->common, {"text", "tsv", "jsonl"});
  command->add_option("--min-docs", q.min_docs,
                      "Report quotations found in at least N distinct articles")
      ->capture_default_str()->type_name("N")->check(Bounded(1u, 1u << 31));
  command->add_option("--min-words", q.min_words, "Shortest quotation considered, in words")
      ->capture_default_str()->type_name("N")->check(Bounded(2u, 100000u));
  command->add_option("--similarity", q.min_similarity,
                      "Similarity above which two quotations are the same (0-1]")
      ->capture_default_str()->type_name("S")->check(Bounded(0.01, 1.0));
  AddLangFlag(command, &flags->lang);
  AddTempDirFlag(command, &flags->options.temp_dir);
  AddRunFlags(command, &flags->common);
  command->callback([flags, context] { context->exit_code = RunQuotes(*flags, context); });
}

}  // namespace naql::cli
