// naql scan — every pair of articles that share text, and clusters of syndicated copies.

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

constexpr char kFooter[] = R"(What it reports:
  duplicate  the shared passages cover >= 80% of the words of the shorter article
             (syndicated copy with a new lead, byline or ending)
  reuse      at least one shared passage of --min-words words (a paragraph, a quotation)
Each pair lists its passages with half-open offsets into the ORIGINAL text of both articles, in
code points (a_begin/a_end, as Python's text[b:e]) and in UTF-8 bytes (a_byte_begin/a_byte_end).
Duplicates are grouped into clusters whose origin is the earliest dated member.

Output formats (--format):
  text   a readable report (default)
  tsv    one row per passage; header: a b kind jaccard coverage_a coverage_b span a_begin a_end
         b_begin b_end a_byte_begin a_byte_end b_byte_begin b_byte_end words matches edits
         similarity quote a_text b_text (tabs/newlines in texts written as \t \n, backslash as \\)
  jsonl  one JSON object per line with "type": pair, cluster, summary (schema in the README)
  html   one self-contained page (no network needed): sortable tables of pairs and clusters,
         each pair side by side with shared passages highlighted and edits marked

How it works: articles are normalized and cut into word shingles; MinHash + LSH finds near-
duplicate articles (--threshold), winnowed passage fingerprints find shared passages of
--min-words words (fingerprints in more than --max-df articles are boilerplate and ignored);
every candidate pair is then aligned word by word. Lines that one source (the "source" field)
repeats in --boilerplate-docs articles or more — site chrome, bylines, footers — are boilerplate:
they never make or join a passage (--keep-boilerplate turns this off).

Memory and disk: the passage fingerprints (16 bytes each, about the size of the input), the
texts of articles that cannot be read again (.gz/.zst files; --compress-temp keeps them in 0.4
of the room) and the quotations found wait in a temporary file in --temp-dir (default: $TMPDIR,
else /tmp), which has no name and vanishes with the scan, as does the copy of standard input
kept there to be re-read; the fingerprints are indexed a sixteenth at a time. Memory is then
mostly the article list and LSH keys, the articles being aligned (cached up to 24 MiB), and at
the end the repeated quotations.

Inputs: .txt files (one article each), JSON Lines (.jsonl, .ndjson), web archives (.warc and
Common Crawl's .warc.wet), each optionally .gz or .zst; directories are searched for them. An HTML
page of a WARC file is read as its visible text (menus, headers, footers and scripts dropped) in
UTF-8, whatever its charset (windows-1256 and ISO-8859-6 included). --lang ar keeps only
articles in which at least half of the letters are Arabic.

Exit codes: 0 pairs found, 1 none found, 2 error. Malformed input is reported on stderr with
file and line and skipped (counted in the summary); with --strict it is fatal.

Examples:
  naql scan fixtures/seeds
  naql scan --format jsonl crawl/ > findings.jsonl
  zstd -dc news.jsonl.zst | naql scan --format tsv - > pairs.tsv)";

struct ScanFlags {
  CommonFlags common;
  std::vector<std::string> inputs;
  std::string lang;  // --lang: "" (all) or "ar"
  ScanOptions options;
  bool no_partial = false;
  bool keep_boilerplate = false;
};

int RunScan(ScanFlags& flags, Context* context) {
  Diagnostics& diagnostics = context->diagnostics;
  ScanOptions& options = flags.options;
  options.find_partial = !flags.no_partial;
  options.remove_boilerplate = !flags.keep_boilerplate;
  ScanRunner runner(flags.common, &diagnostics);
  if (absl::Status status = runner.Open(flags.inputs, flags.lang, &options); !status.ok()) {
    return diagnostics.Fail(status);
  }
  Scanner scanner(options);
  Output out;
  std::unique_ptr<ReportPrinter> printer =
      MakePrinter(flags.common.format, &out, &scanner.documents());
  struct CountingSink : ScanSink {
    ReportPrinter* printer;
    uint64_t clusters = 0;
    void OnPair(const PairReport& pair, const Document& a, const Document& b) override {
      printer->OnPair(pair, a, b);
    }
    void OnCluster(const Cluster& cluster) override {
      ++clusters;
      printer->OnCluster(cluster);
    }
    void OnQuote(const RepeatedQuote& quote) override { printer->OnQuote(quote); }
  } sink;
  sink.printer = printer.get();
  if (absl::Status status = runner.Run(&scanner, &sink); !status.ok()) {
    out.Flush();
    return diagnostics.Fail(status);
  }
  const ScanStats& stats = scanner.stats();
  ReportSummary summary = runner.Summary(stats);
  summary.pairs = stats.pairs;
  summary.clusters = sink.clusters;
  summary.quotes = stats.quotes;
  printer->PrintSummary(summary);
  diagnostics.Info(absl::StrCat(
      stats.documents, " documents, ", stats.bytes, " bytes; candidates: ", stats.lsh_candidates,
      " from LSH, ", stats.passage_candidates, " from passages, ", stats.candidates,
      " distinct; ", stats.dropped_fingerprints, " fingerprints over --max-df dropped; ",
      stats.boilerplate_lines, " boilerplate lines in ", stats.boilerplate_documents,
      " articles; fingerprints ",
      stats.fingerprint_bytes, " bytes in memory, temporary file ", stats.spill_bytes,
      " bytes; seconds: fingerprints ", stats.fingerprint_seconds,
      ", candidates ", stats.candidate_seconds, ", verification ", stats.verify_seconds,
      ", clusters and quotations ", stats.cluster_seconds));
  if (!flags.lang.empty()) {
    diagnostics.Info(absl::StrCat(runner.filtered(), " articles not in --lang ", flags.lang,
                                  " skipped"));
  }
  return stats.pairs > 0 ? kExitFound : kExitNothing;
}

}  // namespace

void RegisterScan(CLI::App* app, Context* context) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* command = app->add_subcommand(
      "scan", "Find every pair of articles that share text, with the shared passages");
  if (context->long_help) command->footer(kFooter);
  command->add_option("INPUT", flags->inputs, "Files, directories, or '-' for JSONL on stdin")
      ->type_name("")
      ->required();
  AddFormatFlag(command, &flags->common, {"text", "tsv", "jsonl", "html"});
  AddMatchingFlags(command, &flags->options);
  command->add_flag("--no-partial", flags->no_partial,
                    "Whole-article near-duplicates only (skip the passage stage)");
  command->add_flag("--keep-boilerplate", flags->keep_boilerplate,
                    "Do not detect boilerplate lines (site chrome repeated within a source)");
  command->add_option("--boilerplate-docs", flags->options.boilerplate.min_docs,
                      "A line in this many articles of one source is boilerplate")
      ->capture_default_str()->type_name("N")->check(Bounded(2u, 1u << 31));
  AddTempDirFlag(command, &flags->options.temp_dir);
  command->add_flag("--compress-temp", flags->options.compress_stored_texts,
                    "zstd-compress the texts of .gz/.zst inputs kept in the temporary file "
                    "(2.5x less disk, ~10% more CPU)");
  AddLangFlag(command, &flags->lang);
  AddRunFlags(command, &flags->common);
  command->callback([flags, context] { context->exit_code = RunScan(*flags, context); });
}

}  // namespace naql::cli
