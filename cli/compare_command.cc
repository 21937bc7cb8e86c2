// naql compare — the passages two articles share, side by side.

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app.h"
#include "html_printer.h"
#include "naql/fingerprinter.h"
#include "naql/minhash.h"
#include "naql/pair_verifier.h"
#include "naql/reader.h"
#include "naql/status.h"
#include "output.h"
#include "printers.h"
#include "word_marks.h"

namespace naql::cli {
namespace {

constexpr char kFooter[] = R"(A and B are two article files (a .txt, or any input holding one article). With --in, A and B
are article ids looked up in the given inputs (files or directories, any input format of
`naql scan`).

Every shared passage is printed whole, with its half-open code point offsets in both originals,
its words, matching words, edits and similarity (2 × matches / words of both sides).

Output formats (--format):
  text   both passages of each pair, one above the other, with the words that differ marked:
           ⟦…⟧  words on one side only: added, dropped, or replaced by another word (edits)
           ⟨…⟩  words matched to a spelling variant on the other side (الأميركية / الأمريكية)
         Neighbouring marked words share the brackets; punctuation, quote marks and letter
         forms that naql folds (أ/ا, ة/ه, diacritics) are not differences. The brackets are
         mirrored characters, so they face the right way in right-to-left text, and survive
         copy and paste. --color also colours the marked words (red: one side only, magenta:
         variants): auto (the default) when stdout is a terminal and NO_COLOR is unset.
  tsv    one row per passage, the columns of `naql scan --format tsv`
  jsonl  the pair in the schema of `naql scan` (see the README), then a summary
  html   one self-contained page (no network needed, right-to-left) showing both articles side
         by side, each shared passage highlighted in one colour on both sides, edits underlined,
         spelling variants dotted: naql compare A B --format html > pair.html

Exit codes: 0 the articles share a passage of --min-words words, 1 they do not, 2 error.

Examples:
  naql compare fixtures/seeds/000_99452b6767717ae0.txt fixtures/seeds/003_51295827b7bc72d8.txt
  naql compare --in crawl.jsonl snn-2015-07-21-00017 snn-2015-07-22-00342 --format jsonl)";

struct CompareFlags {
  CommonFlags common;
  std::string a;
  std::string b;
  std::vector<std::string> in;
  ScanOptions options;
  std::string color = "auto";  // --color: auto | always | never
};

// Whether to colour the marks of the text format: --color, and for "auto" a terminal on stdout
// that the user has not asked to keep plain (NO_COLOR, https://no-color.org; TERM=dumb).
bool UseColor(const std::string& color) {
  if (color == "always") return true;
  if (color == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return ::isatty(1) == 1;
}

// Reads the single article in `path`.
absl::StatusOr<Document> ReadSingle(const std::string& path, const ReaderOptions& options,
                                    Diagnostics* diagnostics) {
  NAQL_ASSIGN_OR_RETURN(std::unique_ptr<DocumentReader> reader,
                        DocumentReader::Open({path}, options, [&](const InputProblem& p) {
                          diagnostics->Warning(p.status.message());
                        }));
  Document doc;
  NAQL_ASSIGN_OR_RETURN(bool found, reader->Next(&doc));
  if (!found) return absl::InvalidArgumentError(absl::StrCat(path, ": no article to compare"));
  Document extra;
  NAQL_ASSIGN_OR_RETURN(bool more, reader->Next(&extra));
  if (more) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " holds more than one article; name them with --in ", path, " ID_A ID_B"));
  }
  return doc;
}

// Reads the articles with ids `a` and `b` from `inputs`.
absl::Status ReadById(const std::vector<std::string>& inputs, const ReaderOptions& options,
                      const std::string& a, const std::string& b, Document* doc_a,
                      Document* doc_b, Diagnostics* diagnostics) {
  NAQL_ASSIGN_OR_RETURN(std::unique_ptr<DocumentReader> reader,
                        DocumentReader::Open(inputs, options, [&](const InputProblem& p) {
                          diagnostics->Warning(p.status.message());
                        }));
  bool found_a = false, found_b = false;
  Document doc;
  while (!(found_a && found_b)) {
    NAQL_ASSIGN_OR_RETURN(bool more, reader->Next(&doc));
    if (!more) break;
    if (!found_a && doc.id == a) {
      *doc_a = doc;
      found_a = true;
    }
    if (!found_b && doc.id == b) {
      *doc_b = doc;
      found_b = true;
    }
  }
  if (!found_a) return absl::NotFoundError(absl::StrCat("no article with id '", a, "' in the inputs"));
  if (!found_b) return absl::NotFoundError(absl::StrCat("no article with id '", b, "' in the inputs"));
  return absl::OkStatus();
}

int RunCompare(CompareFlags& flags, Context* context) {
  const auto start = std::chrono::steady_clock::now();
  Diagnostics& diagnostics = context->diagnostics;
  flags.common.Configure(&diagnostics);
  ScanOptions& options = flags.options;
  options.aligner.min_words = options.fingerprint.min_words;
  options.aligner.seed_size = options.fingerprint.shingle.size;
  if (absl::Status status = options.Validate(); !status.ok()) return diagnostics.Fail(status);

  ReaderOptions reader_options;
  reader_options.strict = flags.common.strict;
  Document doc_a, doc_b;
  if (flags.in.empty()) {
    absl::StatusOr<Document> a = ReadSingle(flags.a, reader_options, &diagnostics);
    if (!a.ok()) return diagnostics.Fail(a.status());
    absl::StatusOr<Document> b = ReadSingle(flags.b, reader_options, &diagnostics);
    if (!b.ok()) return diagnostics.Fail(b.status());
    doc_a = *std::move(a);
    doc_b = *std::move(b);
  } else if (absl::Status status = ReadById(flags.in, reader_options, flags.a, flags.b, &doc_a,
                                            &doc_b, &diagnostics);
             !status.ok()) {
    return diagnostics.Fail(status);
  }

  Fingerprinter fingerprinter(options.fingerprint);
  AnalyzedText text_a, text_b;
  fingerprinter.Analyze(doc_a.text, &text_a);
  fingerprinter.Analyze(doc_b.text, &text_b);
  FingerprintScratch scratch;
  DocumentFingerprint fingerprint_a, fingerprint_b;
  fingerprinter.Fingerprint(doc_a.text, &scratch, &fingerprint_a);
  fingerprinter.Fingerprint(doc_b.text, &scratch, &fingerprint_b);

  Aligner aligner(options.aligner);
  PairReport report;
  report.a = 0;
  report.b = 1;
  const bool found = VerifyPair(aligner, text_a, text_b, &report);
  report.jaccard = EstimateJaccard(fingerprint_a.signature, fingerprint_b.signature);

  std::vector<ScannedDocument> documents(2);
  documents[0].id = doc_a.id;
  documents[0].meta = doc_a.meta;
  documents[0].words = fingerprint_a.words;
  documents[1].id = doc_b.id;
  documents[1].meta = doc_b.meta;
  documents[1].words = fingerprint_b.words;
  Output out;
  MarkNotation notation;
  notation.color = UseColor(flags.color);
  PassageMarker marker(text_a, text_b, options.aligner, notation);
  std::unique_ptr<ReportPrinter> printer;
  if (flags.common.format == "html") {
    HtmlReportOptions html_options;
    html_options.title = absl::StrCat("naql compare: ", doc_a.id, " ↔ ", doc_b.id);
    html_options.open_first_pair = true;
    printer = std::make_unique<HtmlPrinter>(&out, &documents, html_options);
  } else {
    PrinterOptions printer_options;
    printer_options.elide_long_passages = false;
    printer_options.marker = &marker;
    printer = MakePrinter(flags.common.format, &out, &documents, printer_options);
  }
  if (found) printer->OnPair(report, doc_a, doc_b);
  ReportSummary summary;
  summary.documents = 2;
  summary.pairs = found ? 1 : 0;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printer->PrintSummary(summary);
  return found ? kExitFound : kExitNothing;
}

}  // namespace

void RegisterCompare(CLI::App* app, Context* context) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* command = app->add_subcommand(
      "compare", "Show the passages two articles share, side by side");
  if (context->long_help) command->footer(kFooter);
  command->add_option("A", flags->a, "First article: a file, or an id with --in")
      ->type_name("")->required();
  command->add_option("B", flags->b, "Second article: a file, or an id with --in")
      ->type_name("")->required();
  command->add_option("--in", flags->in, "Look A and B up by id in this input (repeatable)")
      ->type_name("INPUT")
      ->allow_extra_args(false);
  AddFormatFlag(command, &flags->common, {"text", "tsv", "jsonl", "html"});
  AddMatchingFlags(command, &flags->options);
  command->add_option("--color", flags->color,
                      "Colour the marked words of the text format: auto|always|never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}).description(""))
      ->default_str("auto");
  command->add_flag("--strict", flags->common.strict, "Treat malformed input as fatal (exit 2)");
  command->add_flag("-q,--quiet", flags->common.quiet, "No warnings on stderr");
  command->callback([flags, context] { context->exit_code = RunCompare(*flags, context); });
}

}  // namespace naql::cli
