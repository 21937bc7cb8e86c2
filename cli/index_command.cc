// naql index — a persistent index that grows every day and answers "which archived articles does
// this new article reuse?" without re-scanning the archive.
//
//   naql index create DIR [INPUT...]     a new index (parameters from the flags), then add INPUT
//   naql index add DIR INPUT...          index more articles as a new segment
//   naql index query DIR INPUT...        the indexed articles each input reuses (scan's schema)
//   naql index compact DIR               merge the segments, drop replaced articles
//   naql index stats DIR                 documents, segments, bytes, parameters; checksums
//
// The library does the work (naql/index_store.h); this file parses flags, checks that the
// fingerprint flags agree with the index, reports progress and prints.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app.h"
#include "naql/index_store.h"
#include "naql/json.h"
#include "naql/reader.h"
#include "output.h"
#include "printers.h"
#include "progress.h"
#include "scan_runner.h"

namespace naql::cli {
namespace {

constexpr char kFooter[] = R"(An index is a directory of immutable segment files and a MANIFEST (docs/index_format.md).
Every `add` writes one new segment (or several, see --segment-mb) and publishes it atomically:
a crash, a full disk or a kill at any moment leaves the index as it was before the segment or
with the segment complete, never in between. One writer at a time: a second `add` or `compact`
on the same index is refused (exit 2) while the first runs; queries run at any time.

The fingerprint parameters (--shingle, --num-perm, --min-words, --threshold, --passage-shingle
and the normalizer) are fixed when the index is created and stored in it. `add` and `query` use
the index's; giving one of these flags with another value is refused with a message naming it.

query reports, for each input article, the indexed articles it shares text with, in the same
formats and schema as `naql scan`: in a pair, `a` is the indexed article and `b` the input.
With --scan-new, pairs among the inputs themselves are reported too (the earlier one as `a`),
so that `index create` of an archive plus `index query --scan-new` of the new articles finds the
pairs one `naql scan` of both finds. --max-df counts indexed and input articles.

Texts: `create` and `add` store a compressed copy of every article (--texts copy). With
--texts reference they keep where each article is in its input file (plain .txt, .jsonl, .warc)
and read it from there: a smaller index, but the inputs must stay in place, unchanged; a moved
or edited input makes a query that needs it fail, naming the file.

Exit codes: 0 success (query: pairs found), 1 query found nothing, 2 error, including a corrupt
index (the message names the file) and a locked one.

Examples:
  naql index create archive.naql crawl/2015-07/
  naql index add archive.naql crawl/2015-08-01.jsonl
  naql index create --texts reference small.naql crawl/    # texts stay in crawl/
  naql index query --format jsonl archive.naql today.jsonl > reuse.jsonl
  naql index stats archive.naql)";

struct FingerprintFlags {
  uint32_t min_words = 8;
  double threshold = 0.5;
  uint32_t shingle = 5;
  uint32_t num_perm = 128;
  uint32_t passage_shingle = FingerprintOptions().passage_shingle;
};

struct WriteFlags {
  int level = IndexWriteOptions().text_level;
  double segment_mb = 512;
  std::string texts = "copy";
};

struct IndexFlags {
  CommonFlags common;
  std::string dir;
  std::vector<std::string> inputs;
  FingerprintFlags fingerprint;
  WriteFlags write;
  ScanOptions query;  // matching flags of `query` (AddMatchingFlags)
  bool replace = false;
  bool scan_new = false;
  bool no_partial = false;
  bool no_verify = false;
  bool keep_boilerplate = false;
  size_t cache_mb = IndexQueryOptions().block_cache_bytes >> 20;
  CLI::App* command = nullptr;  // to tell which flags were given
};

void Note(const Diagnostics& diagnostics, absl::string_view message) {
  if (diagnostics.quiet()) return;
  std::fprintf(stderr, "naql: %.*s\n", static_cast<int>(message.size()), message.data());
}

// Registers the flags that fix fingerprints (create, add).
void AddFingerprintFlags(CLI::App* command, FingerprintFlags* f) {
  command->add_option("--min-words", f->min_words,
                      "Shortest shared passage, in words (1-1000; fixed at create)")
      ->capture_default_str()->type_name("N")->check(Bounded(1u, 1000u));
  command->add_option("--threshold", f->threshold,
                      "MinHash resemblance above which whole articles are compared (0.01-1)")
      ->capture_default_str()->type_name("J")->check(Bounded(0.01, 1.0));
  command->add_option("--shingle", f->shingle, "Words per shingle (1-32)")
      ->capture_default_str()->type_name("K")->check(Bounded(1u, 32u));
  command->add_option("--num-perm", f->num_perm, "MinHash permutations per signature (8-1024)")
      ->capture_default_str()->type_name("P")->check(Bounded(8u, 1024u));
  command->add_option("--passage-shingle", f->passage_shingle,
                      "Words per passage fingerprint (1-32, at most --min-words; 5: a smaller "
                      "index, slower queries)")
      ->capture_default_str()->type_name("K")->check(Bounded(1u, 32u));
}

void AddWriteFlags(CLI::App* command, WriteFlags* w) {
  command->add_option("--level", w->level, "zstd level of the stored texts (1-19)")
      ->capture_default_str()->type_name("L")->check(Bounded(1, 19));
  command->add_option("--segment-mb", w->segment_mb,
                      "Publish a segment every this many MB of text (0.01-4096)")
      ->capture_default_str()->type_name("MB")->check(Bounded(0.01, 4096.0));
}

IndexWriteOptions WriteOptions(const IndexFlags& flags) {
  IndexWriteOptions options;
  options.text_level = flags.write.level;
  options.max_segment_bytes = std::max<uint64_t>(
      1024, static_cast<uint64_t>(flags.write.segment_mb * 1024 * 1024));
  options.threads = flags.common.ResolvedThreads();
  options.replace = flags.replace;
  options.reference_texts = flags.write.texts == "reference";
  return options;
}

bool Given(const IndexFlags& flags, const char* name) { return flags.command->count(name) > 0; }

// The parameters the command line asks for: the index's, except where a flag was given.
absl::Status CheckParams(const IndexFlags& flags, uint32_t min_words, double threshold,
                         uint32_t shingle, uint32_t num_perm, uint32_t passage_shingle,
                         const IndexParams& index) {
  absl::StatusOr<FingerprintOptions> fingerprint = index.ToFingerprintOptions();
  if (!fingerprint.ok()) return fingerprint.status();
  if (Given(flags, "--min-words")) fingerprint->min_words = min_words;
  if (Given(flags, "--shingle")) fingerprint->shingle.size = shingle;
  if (Given(flags, "--num-perm")) fingerprint->minhash.num_perm = num_perm;
  if (Given(flags, "--passage-shingle")) fingerprint->passage_shingle = passage_shingle;
  LshOptions lsh = index.ToLshOptions();
  if (Given(flags, "--threshold") || Given(flags, "--num-perm")) {
    lsh = LshOptions();
    lsh.threshold = threshold;
    if (!Given(flags, "--threshold")) {
      // Keep the index's banding if it fits; a different --num-perm is refused below anyway.
      lsh.bands = index.lsh.bands;
      lsh.rows = index.lsh.rows;
      if (uint64_t{lsh.bands} * lsh.rows > fingerprint->minhash.num_perm) lsh.bands = lsh.rows = 0;
    }
  }
  absl::StatusOr<IndexParams> asked = IndexParams::FromOptions(*fingerprint, lsh);
  if (!asked.ok()) return asked.status();
  if (absl::Status status = asked->CheckCompatible(index); !status.ok()) {
    return absl::Status(status.code(), absl::StrCat(flags.dir, ": ", status.message()));
  }
  return absl::OkStatus();
}

std::string Megabytes(uint64_t bytes) {
  return absl::StrFormat("%.1f MB", static_cast<double>(bytes) / 1e6);
}

// Reads `flags.inputs` into `writer`, with progress; shared by create and add.
int AddInputs(IndexFlags& flags, IndexWriter* writer, Diagnostics& diagnostics, bool created) {
  const auto start = std::chrono::steady_clock::now();
  AddStats stats;
  if (!flags.inputs.empty()) {
    ProgressLine progress(flags.common.ShowProgress());
    ReaderOptions reader_options;
    reader_options.strict = flags.common.strict;
    auto reader = OpenInputs(flags.inputs, reader_options, &progress, &diagnostics);
    if (!reader.ok()) return diagnostics.Fail(reader.status());
    constexpr uint64_t kMaxListed = 20;
    uint64_t listed = 0;
    auto on_duplicate = [&](const Document& doc, bool replaced) {
      if (replaced || ++listed > kMaxListed) return;
      progress.Clear();
      diagnostics.Warning(absl::StrCat(doc.location, ": id \"", doc.id,
                                       "\" is already in the index: skipped (--replace replaces "
                                       "it)"));
    };
    writer->ExpectTextBytes((*reader)->total_bytes());
    std::vector<Document> batch;
    bool more = true;
    while (more) {
      batch.clear();
      size_t bytes = 0;
      const bool reference = flags.write.texts == "reference";
      while (batch.size() < 512 && bytes < (8u << 20)) {
        Document doc;
        DocumentLocator locator;
        absl::StatusOr<bool> next = (*reader)->Next(&doc, &locator);
        if (!next.ok()) {
          progress.Clear();
          return diagnostics.Fail(next.status());
        }
        if (!*next) {
          more = false;
          break;
        }
        if (reference) doc.origin = (*reader)->OriginOf(locator);
        bytes += doc.text.size();
        batch.push_back(std::move(doc));
      }
      if (absl::Status status = writer->AddBatch(batch, &stats, on_duplicate); !status.ok()) {
        progress.Clear();
        return diagnostics.Fail(status);
      }
      ScanProgress p;
      p.phase = "indexing";
      p.documents = (*reader)->documents();
      p.bytes = (*reader)->bytes_read();
      p.total_bytes = (*reader)->total_bytes();
      progress.Update(p);
    }
    progress.Clear();
    stats.skipped = (*reader)->skipped();
    if (listed > kMaxListed) {
      diagnostics.Warning(absl::StrCat(listed - kMaxListed,
                                       " more ids already in the index were skipped"));
    }
    if ((*reader)->documents() == 0 && stats.skipped > 0) {
      return diagnostics.Fail(absl::InvalidArgumentError(absl::StrCat(
          "no article could be read (", stats.skipped, " inputs or lines skipped, see above)")));
    }
  }
  if (absl::Status status = writer->Commit(&stats); !status.ok()) return diagnostics.Fail(status);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string note = absl::StrCat(created ? "created " : "", flags.dir, ": added ", stats.documents,
                                  stats.documents == 1 ? " document" : " documents");
  if (stats.replaced > 0) absl::StrAppend(&note, " (", stats.replaced, " replacing indexed ones)");
  if (stats.duplicates > 0) {
    absl::StrAppend(&note, ", skipped ", stats.duplicates, " already indexed");
  }
  if (flags.write.texts == "reference") {
    absl::StrAppend(&note, "; ", stats.referenced, " texts referenced in their input files");
    if (stats.referenced < stats.documents) {
      absl::StrAppend(&note, ", ", stats.documents - stats.referenced,
                      " copied (standard input or compressed files cannot be referenced)");
    }
  }
  absl::StrAppend(&note, "; ", stats.segments, stats.segments == 1 ? " segment, " : " segments, ",
                  Megabytes(stats.segment_bytes), " for ", Megabytes(stats.text_bytes),
                  " of text, ", absl::StrFormat("%.2f s", seconds), "; the index holds ",
                  writer->num_documents(), " documents");
  Note(diagnostics, note);
  return kExitFound;
}

int RunCreate(IndexFlags& flags, Context* context) {
  Diagnostics& diagnostics = context->diagnostics;
  flags.common.Configure(&diagnostics);
  FingerprintOptions fingerprint;
  fingerprint.min_words = flags.fingerprint.min_words;
  fingerprint.shingle.size = flags.fingerprint.shingle;
  fingerprint.minhash.num_perm = flags.fingerprint.num_perm;
  fingerprint.passage_shingle = flags.fingerprint.passage_shingle;
  LshOptions lsh;
  lsh.threshold = flags.fingerprint.threshold;
  absl::StatusOr<IndexParams> params = IndexParams::FromOptions(fingerprint, lsh);
  if (!params.ok()) return diagnostics.Fail(params.status());
  auto writer = IndexWriter::Create(flags.dir, *params, WriteOptions(flags));
  if (!writer.ok()) return diagnostics.Fail(writer.status());
  return AddInputs(flags, writer->get(), diagnostics, /*created=*/true);
}

int RunAdd(IndexFlags& flags, Context* context) {
  Diagnostics& diagnostics = context->diagnostics;
  flags.common.Configure(&diagnostics);
  auto writer = IndexWriter::Open(flags.dir, WriteOptions(flags));
  if (!writer.ok()) return diagnostics.Fail(writer.status());
  const FingerprintFlags& f = flags.fingerprint;
  if (absl::Status status =
          CheckParams(flags, f.min_words, f.threshold, f.shingle, f.num_perm, f.passage_shingle,
                      (*writer)->params());
      !status.ok()) {
    return diagnostics.Fail(status);
  }
  return AddInputs(flags, writer->get(), diagnostics, /*created=*/false);
}

int RunCompact(IndexFlags& flags, Context* context) {
  Diagnostics& diagnostics = context->diagnostics;
  flags.common.Configure(&diagnostics);
  const auto start = std::chrono::steady_clock::now();
  auto writer = IndexWriter::Open(flags.dir, WriteOptions(flags));
  if (!writer.ok()) return diagnostics.Fail(writer.status());
  CompactStats stats;
  if (absl::Status status = (*writer)->Compact(&stats); !status.ok()) {
    return diagnostics.Fail(status);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Note(diagnostics,
       absl::StrCat(flags.dir, ": ", stats.segments_before, " → ", stats.segments_after,
                    " segments, ", stats.documents, " documents kept, ", stats.dropped,
                    " replaced ones dropped; ", Megabytes(stats.bytes_before), " → ",
                    Megabytes(stats.bytes_after), absl::StrFormat(", %.2f s", seconds)));
  return kExitFound;
}

int RunStats(IndexFlags& flags, Context* context) {
  Diagnostics& diagnostics = context->diagnostics;
  flags.common.Configure(&diagnostics);
  auto index = IndexReader::Open(flags.dir);
  if (!index.ok()) return diagnostics.Fail(index.status());
  const IndexReader& r = **index;
  if (!flags.no_verify) {
    if (absl::Status status = r.Verify(); !status.ok()) return diagnostics.Fail(status);
  }
  uint64_t written = 0, replaced = 0, stored = 0, passages = 0, lsh = 0, lines = 0, tables = 0;
  uint64_t referenced = 0;
  for (const IndexSegmentInfo& s : r.segments()) {
    written += s.documents;
    referenced += s.referenced_texts;
    replaced += s.replaced;
    stored += s.stored_text_bytes;
    passages += s.passage_bytes;
    lsh += s.lsh_bytes;
    lines += s.line_bytes;
    tables += s.document_table_bytes;
  }
  const uint64_t docs = r.num_documents();
  const double per_doc = written > 0 ? static_cast<double>(r.disk_bytes()) / written : 0.0;
  const double ratio =
      r.text_bytes() > 0 ? static_cast<double>(r.disk_bytes()) / r.text_bytes() : 0.0;
  Output out;
  std::string* text = out.buffer();
  if (flags.common.format == "jsonl") {
    const IndexParams& p = r.params();
    absl::StrAppend(text, "{\"type\":\"index\",\"dir\":");
    AppendJsonString(flags.dir, text);
    absl::StrAppend(text, ",\"documents\":", docs, ",\"replaced\":", replaced,
                    ",\"segments\":", r.segments().size(), ",\"generation\":", r.generation(),
                    ",\"disk_bytes\":", r.disk_bytes(), ",\"text_bytes\":", r.text_bytes(),
                    ",\"disk_per_text\":");
    AppendJsonNumber(ratio, 4, text);
    text->append(",\"bytes_per_document\":");
    AppendJsonNumber(per_doc, 1, text);
    absl::StrAppend(text, ",\"stored_text_bytes\":", stored,
                    ",\"referenced_texts\":", referenced, ",\"passage_bytes\":", passages,
                    ",\"lsh_bytes\":", lsh, ",\"line_bytes\":", lines,
                    ",\"document_table_bytes\":", tables, ",\"params\":{\"shingle\":", p.signature.shingle_size,
                    ",\"num_perm\":", p.signature.num_perm, ",\"min_words\":", p.min_words, ",\"passage_shingle\":", p.passage_shingle,
                    ",\"bands\":", p.lsh.bands, ",\"rows\":", p.lsh.rows,
                    ",\"strip_clitics\":", p.signature.strip_clitics ? "true" : "false",
                    ",\"normalizer_bits\":", p.signature.normalizer_bits,
                    ",\"normalizer_version\":", p.signature.normalizer_version,
                    ",\"tokenizer_version\":", p.signature.tokenizer_version,
                    ",\"shingler_version\":", p.signature.shingler_version,
                    ",\"minhash_version\":", p.signature.minhash_version,
                    ",\"lsh_version\":", p.lsh_version, "},\"verified\":",
                    flags.no_verify ? "false" : "true", "}\n");
    for (const IndexSegmentInfo& s : r.segments()) {
      absl::StrAppend(text, "{\"type\":\"segment\",\"file\":");
      AppendJsonString(s.file, text);
      absl::StrAppend(text, ",\"documents\":", s.documents, ",\"replaced\":", s.replaced,
                      ",\"file_bytes\":", s.file_bytes, ",\"text_bytes\":", s.text_bytes,
                      ",\"stored_text_bytes\":", s.stored_text_bytes,
                      ",\"referenced_texts\":", s.referenced_texts,
                      ",\"passage_bytes\":", s.passage_bytes, ",\"lsh_bytes\":", s.lsh_bytes,
                      ",\"line_bytes\":", s.line_bytes,
                      ",\"document_table_bytes\":", s.document_table_bytes,
                      ",\"passage_entries\":", s.passage_entries,
                      ",\"lsh_entries\":", s.lsh_entries, "}\n");
    }
  } else {
    auto share = [&](uint64_t part) {
      return absl::StrFormat("%12d bytes  %5.1f%% of the text", part,
                             r.text_bytes() > 0 ? 100.0 * part / r.text_bytes() : 0.0);
    };
    absl::StrAppend(text, "index        ", flags.dir, "\n");
    absl::StrAppend(text, "documents    ", docs);
    if (replaced > 0) absl::StrAppend(text, " (", replaced, " replaced, dropped at compaction)");
    absl::StrAppend(text, "\nsegments     ", r.segments().size(), " (generation ", r.generation(),
                    ")\n");
    absl::StrAppend(text, "text         ", absl::StrFormat("%12d bytes", r.text_bytes()), "\n");
    absl::StrAppend(text, "on disk      ", share(r.disk_bytes()),
                    absl::StrFormat(", %.1f bytes per document", per_doc), "\n");
    absl::StrAppend(text, "  texts      ", share(stored));
    if (referenced > 0) {
      absl::StrAppend(text, "  (", referenced, " of ", written,
                      " texts read from their input files)");
    }
    absl::StrAppend(text, "\n");
    absl::StrAppend(text, "  passages   ", share(passages), "\n");
    absl::StrAppend(text, "  LSH        ", share(lsh), "\n");
    absl::StrAppend(text, "  lines      ", share(lines), "\n");
    absl::StrAppend(text, "  tables     ", share(tables), "\n");
    absl::StrAppend(text, "parameters   ", r.params().Describe(), "\n");
    absl::StrAppend(text, "checksums    ", flags.no_verify ? "not verified" : "verified", "\n");
    for (const IndexSegmentInfo& s : r.segments()) {
      absl::StrAppend(text, "segment      ", s.file, ": ", s.documents, " documents");
      if (s.replaced > 0) absl::StrAppend(text, " (", s.replaced, " replaced)");
      absl::StrAppend(text, ", ", s.file_bytes, " bytes\n");
    }
  }
  out.Flush();
  return kExitFound;
}

int RunQuery(IndexFlags& flags, Context* context) {
  const auto start = std::chrono::steady_clock::now();
  Diagnostics& diagnostics = context->diagnostics;
  flags.common.Configure(&diagnostics);
  auto index = IndexReader::Open(flags.dir);
  if (!index.ok()) return diagnostics.Fail(index.status());
  const FingerprintOptions& f = flags.query.fingerprint;
  if (absl::Status status = CheckParams(flags, f.min_words, flags.query.lsh.threshold,
                                        f.shingle.size, f.minhash.num_perm,
                                        f.passage_shingle, (*index)->params());
      !status.ok()) {
    return diagnostics.Fail(status);
  }
  IndexQueryOptions options;
  options.passage = flags.query.passage;
  options.aligner = flags.query.aligner;
  options.max_bucket_size = flags.query.lsh.max_bucket_size;
  options.find_partial = !flags.no_partial;
  options.remove_boilerplate = !flags.keep_boilerplate;
  options.boilerplate = flags.query.boilerplate;
  options.scan_new = flags.scan_new;
  options.threads = flags.common.ResolvedThreads();
  options.block_cache_bytes = flags.cache_mb << 20;
  AlignerOptions effective = options.aligner;
  effective.min_words = (*index)->params().min_words;
  effective.seed_size = (*index)->params().signature.shingle_size;
  if (absl::Status status = options.Validate(); !status.ok()) return diagnostics.Fail(status);
  if (absl::Status status = effective.Validate(); !status.ok()) return diagnostics.Fail(status);

  ProgressLine progress(flags.common.ShowProgress());
  ReaderOptions reader_options;
  reader_options.strict = flags.common.strict;
  auto reader = OpenInputs(flags.inputs, reader_options, &progress, &diagnostics);
  if (!reader.ok()) return diagnostics.Fail(reader.status());

  IndexSearcher searcher(index->get(), options);
  Output out;
  const std::vector<ScannedDocument> no_clusters;
  std::unique_ptr<ReportPrinter> printer = MakePrinter(flags.common.format, &out, &no_clusters);
  QueryStats stats;
  // With --scan-new every input is needed at once (pairs among them); otherwise inputs stream
  // through in chunks.
  const size_t chunk = flags.scan_new ? SIZE_MAX : 1024;
  std::vector<Document> docs;
  bool more = true;
  while (more) {
    docs.clear();
    while (docs.size() < chunk) {
      Document doc;
      absl::StatusOr<bool> next = (*reader)->Next(&doc);
      if (!next.ok()) {
        progress.Clear();
        out.Flush();
        return diagnostics.Fail(next.status());
      }
      if (!*next) {
        more = false;
        break;
      }
      docs.push_back(std::move(doc));
    }
    if (absl::Status status = searcher.Run(docs, printer.get(), &stats); !status.ok()) {
      progress.Clear();
      out.Flush();
      return diagnostics.Fail(status);
    }
    ScanProgress p;
    p.phase = "querying";
    p.documents = stats.documents;
    p.bytes = (*reader)->bytes_read();
    p.total_bytes = (*reader)->total_bytes();
    p.pairs = stats.pairs;
    progress.Update(p);
  }
  progress.Clear();
  if (stats.documents == 0 && (*reader)->skipped() > 0) {
    out.Flush();
    return diagnostics.Fail(absl::InvalidArgumentError(absl::StrCat(
        "no article could be read (", (*reader)->skipped(), " inputs or lines skipped, see above)")));
  }
  ReportSummary summary;
  summary.documents = stats.documents;
  summary.skipped = (*reader)->skipped();
  summary.pairs = stats.pairs;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printer->PrintSummary(summary);
  diagnostics.Info(absl::StrCat(stats.documents, " query documents against ",
                                (*index)->num_documents(), " indexed; candidates: ",
                                stats.index_candidates, " indexed (", stats.false_candidates,
                                " rejected by the exact check), ", stats.new_candidates,
                                " among the inputs; ", stats.dropped_fingerprints,
                                " boilerplate fingerprints dropped (", stats.df_checks,
                                " indexed articles fingerprinted to count them exactly)"));
  return stats.pairs > 0 ? kExitFound : kExitNothing;
}

enum class Inputs { kNone, kOptional, kRequired };

// Registers `naql index NAME DIR [INPUT...]` with a fresh flags object: the positionals, the
// long-help footer, and the callback that runs `run`. The caller adds the command's other flags.
std::pair<CLI::App*, std::shared_ptr<IndexFlags>> AddIndexSubcommand(
    CLI::App* index, Context* context, const char* name, const char* description, Inputs inputs,
    int (*run)(IndexFlags&, Context*)) {
  auto flags = std::make_shared<IndexFlags>();
  CLI::App* command = index->add_subcommand(name, description);
  flags->command = command;
  if (context->long_help) command->footer(kFooter);
  command->add_option("DIR", flags->dir, "The index directory")->type_name("")->required();
  if (inputs != Inputs::kNone) {
    CLI::Option* option =
        command
            ->add_option("INPUT", flags->inputs, "Files, directories, or '-' for JSONL on stdin")
            ->type_name("");
    if (inputs == Inputs::kRequired) option->required();
  }
  command->callback([flags, context, run] { context->exit_code = run(*flags, context); });
  return {command, flags};
}

// The flags of the commands that add documents (create, add).
void AddWriterFlags(CLI::App* command, IndexFlags* flags) {
  AddFingerprintFlags(command, &flags->fingerprint);
  AddWriteFlags(command, &flags->write);
  // Not for compact, which keeps each document as it was added.
  command->add_option("--texts", flags->write.texts,
                      "copy: store the texts compressed in the index (self-contained); "
                      "reference: keep where each text is in its input file (plain .txt, "
                      ".jsonl, .warc) and read it from there, for a smaller index whose inputs "
                      "must stay in place, unchanged")
      ->capture_default_str()->type_name("MODE")->check(CLI::IsMember({"copy", "reference"}));
  AddRunFlags(command, &flags->common);
}

}  // namespace

void RegisterIndex(CLI::App* app, Context* context) {
  CLI::App* index = app->add_subcommand(
      "index", "A persistent index: create, add, query, compact, stats");
  index->require_subcommand(1);
  if (context->long_help) index->footer(kFooter);

  {
    auto [command, flags] = AddIndexSubcommand(
        index, context, "create", "Create an index in DIR (new or empty) and add INPUT",
        Inputs::kOptional, RunCreate);
    AddWriterFlags(command, flags.get());
  }
  {
    auto [command, flags] =
        AddIndexSubcommand(index, context, "add", "Add INPUT to the index in DIR as a new segment",
                           Inputs::kRequired, RunAdd);
    command->add_flag("--replace", flags->replace,
                      "Replace indexed articles with the same id (default: skip them)");
    AddWriterFlags(command, flags.get());
  }
  {
    auto [command, flags] =
        AddIndexSubcommand(index, context, "query",
                           "The indexed articles that each INPUT article reuses", Inputs::kRequired,
                           RunQuery);
    AddFormatFlag(command, &flags->common, {"text", "tsv", "jsonl"});
    command->add_flag("--scan-new", flags->scan_new,
                      "Also report pairs among the INPUT articles themselves");
    AddMatchingFlags(command, &flags->query);
    command->add_flag("--no-partial", flags->no_partial,
                      "Whole-article near-duplicates only (skip the passage stage)");
    command->add_flag("--keep-boilerplate", flags->keep_boilerplate,
                      "Do not detect boilerplate lines (site chrome repeated within a source)");
    command->add_option("--boilerplate-docs", flags->query.boilerplate.min_docs,
                        "A line in this many articles of one source (indexed or input) is "
                        "boilerplate")
        ->capture_default_str()->type_name("N")->check(Bounded(2u, 1u << 31));
    command->add_option("--cache-mb", flags->cache_mb,
                        "Decompressed text blocks kept in memory, in MB (0-1048576)")
        ->capture_default_str()->type_name("MB")->check(Bounded(size_t{0}, size_t{1} << 20));
    AddRunFlags(command, &flags->common);
  }
  {
    auto [command, flags] =
        AddIndexSubcommand(index, context, "compact",
                           "Merge the segments of DIR and drop replaced articles", Inputs::kNone,
                           RunCompact);
    AddWriteFlags(command, &flags->write);
    AddRunFlags(command, &flags->common);
  }
  {
    auto [command, flags] = AddIndexSubcommand(
        index, context, "stats",
        "Documents, segments, bytes and parameters of DIR; verify checksums", Inputs::kNone,
        RunStats);
    AddFormatFlag(command, &flags->common, {"text", "jsonl"});
    command->add_flag("--no-verify", flags->no_verify,
                      "Skip the full checksum pass (which reads the whole index)");
    command->add_flag("-q,--quiet", flags->common.quiet, "No warnings on stderr");
  }
}

}  // namespace naql::cli
