#include "app.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace naql::cli {
namespace {

constexpr char kDescription[] =
    "naql — find Arabic news articles that reuse the same text (syndicated wire copy, shared\n"
    "paragraphs, repeated quotations) and report the overlapping passages with exact offsets\n"
    "into the original articles.";

constexpr char kLongFooter[] = R"(Commands:
  naql scan INPUT...       every pair of articles that share text, clusters of copies, and
                           quotations repeated across articles
  naql compare A B         the passages two articles share, side by side
  naql quotes INPUT...     quotations repeated across articles, with every occurrence
  naql normalize [INPUT]   the folded text naql compares (for inspection)

INPUT is a file or a directory (walked recursively in sorted order). A .txt file is one article
whose id is its path as given; a .jsonl file holds one {"id": ..., "text": ..., "date": ...,
"source": ..., "url": ..., "title": ...} object per line; a web archive (.warc, or Common Crawl's
.warc.wet) gives one article per HTML or text page, id = its WARC-Record-ID; each may be .gz or
.zst compressed; "-" reads JSONL from stdin. The README describes every format.

Exit codes: 0 something was found (or success), 1 nothing was found, 2 error.
Results go to stdout, diagnostics and progress to stderr.
Run `naql COMMAND --help` for the options of a command.)";

}  // namespace

void Diagnostics::Error(absl::string_view message) const {
  std::fprintf(stderr, "naql: error: %.*s\n", static_cast<int>(message.size()), message.data());
}
void Diagnostics::Warning(absl::string_view message) const {
  if (quiet_) return;
  std::fprintf(stderr, "naql: warning: %.*s\n", static_cast<int>(message.size()), message.data());
}
void Diagnostics::Info(absl::string_view message) const {
  if (verbosity_ <= 0) return;
  std::fprintf(stderr, "naql: %.*s\n", static_cast<int>(message.size()), message.data());
}
int Diagnostics::Fail(const absl::Status& status) const {
  Error(status.message());
  return kExitError;
}

bool CommonFlags::ShowProgress() const {
  if (no_progress) return false;
  if (progress) return true;
  if (quiet) return false;
  return ::isatty(2) == 1;
}

unsigned CommonFlags::ResolvedThreads() const {
  if (threads > 0) return threads;
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? hardware : 1;
}

void CommonFlags::Configure(Diagnostics* diagnostics) const {
  diagnostics->set_quiet(quiet);
  diagnostics->set_verbosity(verbose);
}

void AddFormatFlag(CLI::App* command, CommonFlags* flags,
                   std::initializer_list<const char*> formats) {
  std::vector<std::string> allowed(formats.begin(), formats.end());
  flags->format = allowed.front();
  std::string names;
  for (const std::string& name : allowed) absl::StrAppend(&names, names.empty() ? "" : "|", name);
  command->add_option("--format", flags->format, absl::StrCat("Output format: ", names))
      ->type_name("FORMAT")
      ->check(CLI::IsMember(allowed).description(""))
      ->default_str(allowed.front());
}

void AddRunFlags(CLI::App* command, CommonFlags* flags) {
  command->add_option("--threads", flags->threads, "Worker threads (default 0: all cores)")
      ->type_name("N")
      ->check(Bounded(0u, 1024u));
  command->add_flag("--strict", flags->strict,
                    "Treat any unreadable or malformed input as a fatal error (exit 2)");
  command->add_flag("-q,--quiet", flags->quiet, "No warnings and no progress on stderr");
  command->add_flag("-v,--verbose", flags->verbose, "More detail on stderr (repeatable)");
  auto* progress = command->add_flag("--progress", flags->progress,
                                     "Always show a progress line on stderr");
  auto* no_progress = command->add_flag("--no-progress", flags->no_progress,
                                        "Never show progress (default: only on a terminal)");
  progress->excludes(no_progress);
}

void AddLangFlag(CLI::App* command, std::string* language) {
  command->add_option("--lang", *language,
                      "Keep only articles in this language: ar (at least half of the letters "
                      "Arabic)")
      ->type_name("LANG")
      ->check(CLI::IsMember({"ar"}).description(""));
}

void AddTempDirFlag(CLI::App* command, std::string* directory) {
  command->add_option("--temp-dir", *directory,
                      "Directory of the temporary file (default: $TMPDIR, else /tmp)")
      ->type_name("DIR");
}

void AddMatchingFlags(CLI::App* command, ScanOptions* o) {
  command->add_option("--min-words", o->fingerprint.min_words,
                      "Shortest shared passage reported, in words (1-1000)")
      ->capture_default_str()->type_name("N")->check(Bounded(1u, 1000u));
  command->add_option("--threshold", o->lsh.threshold,
                      "MinHash resemblance above which whole articles are compared (0.01-1)")
      ->capture_default_str()->type_name("J")->check(Bounded(0.01, 1.0));
  command->add_option("--shingle", o->fingerprint.shingle.size, "Words per shingle (1-32)")
      ->capture_default_str()->type_name("K")->check(Bounded(1u, 32u));
  command->add_option("--num-perm", o->fingerprint.minhash.num_perm,
                      "MinHash permutations per signature (8-1024)")
      ->capture_default_str()->type_name("P")->check(Bounded(8u, 1024u));
  command->add_option("--passage-shingle", o->fingerprint.passage_shingle,
                      "Words per passage fingerprint (1-32, at most --min-words)")
      ->capture_default_str()->type_name("K")->check(Bounded(1u, 32u));
  command->add_option("--max-df", o->passage.max_df,
                      "Ignore passage fingerprints found in more articles than this (boilerplate)")
      ->capture_default_str()->type_name("N")->check(Bounded(2u, 1000000u));
  command->add_option("--max-gap", o->aligner.max_gap,
                      "Unaligned words in a row after which a passage ends (0-1000)")
      ->capture_default_str()->type_name("N")->check(Bounded(0u, 1000u));
  command->add_flag_callback(
      "--exact", [o] { o->aligner.edit_tolerant = false; },
      "Exact passages only: no edit-tolerant alignment (faster)");
}

int Run(int argc, char** argv) {
  Context context;
  // `-h` prints the short help; `--help` the long one (options plus the notes in each footer).
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string& arg : args) {
    if (arg == "--") break;
    if (arg == "--help") {
      context.long_help = true;
      arg = "-h";
    }
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector

  CLI::App app(kDescription, "naql");
  app.set_help_flag("-h,--help", "Print help (-h short, --help long) and exit");
  app.set_version_flag("--version", std::string("naql ") + NAQL_VERSION_STRING);
  app.require_subcommand(1);
  app.fallthrough(false);
  if (context.long_help) app.footer(kLongFooter);
  app.get_formatter()->column_width(34);

  RegisterNormalize(&app, &context);
  RegisterScan(&app, &context);
  RegisterCompare(&app, &context);
  RegisterQuotes(&app, &context);
  RegisterIndex(&app, &context);

  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "naql: error: %s\n", e.what());
    std::fprintf(stderr, "Run 'naql -h' (or 'naql COMMAND -h') for usage.\n");
    return kExitError;
  }
  std::fflush(stdout);
  return context.exit_code;
}

}  // namespace naql::cli
