// gen_corpus — writes a generated Arabic corpus with planted copies and quotations, and its truth.
//
//   gen_corpus (--seeds DIR | --pool FILE) --out CORPUS.jsonl --truth TRUTH.jsonl
//              [--docs N | --target-mb M] [--seed S] [--bases real|synthetic]
//              [--duplicate-rate R] [--reuse-rate R] [--quote-rate R] [--edit-rate R]
//              [--boilerplate R] [--min-words N] [--max-shared-words N] [--near-edits 1|2]
//              [--min-article-words N] [--max-article-words N]
//
// The pool of real text is either the *.txt files of DIR (sorted by name; e.g. fixtures/seeds) or
// the "text" fields of a JSON Lines file (FILE ending in .zst is read through `zstd -dc`; "-" reads
// standard input). --bases defaults to "real" for --pool and "synthetic" for --seeds; --near-edits
// to 2, or 1 when --target-mb exceeds 20 (memory). See
// tests/support/corpus_generator.h for what is planted and what the truth means.
//
// Examples:
//   gen_corpus --seeds fixtures/seeds --docs 240 --seed 1
//       --out fixtures/planted/corpus.jsonl --truth fixtures/planted/truth.jsonl
//   gen_corpus --pool ../shared/data/saudinewsnet-dev.jsonl.zst --target-mb 200 --seed 1
//       --boilerplate 0.3 --out /tmp/planted-200mb.jsonl --truth /tmp/planted-200mb.truth.jsonl
// (each on one line).
//
// Exit status: 0 on success, 2 on bad usage or any error (message on stderr).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <simdjson.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "corpus_generator.h"
#include "testing.h"

namespace {

using naql::testing::GeneratorOptions;

constexpr char kUsage[] =
    "usage: gen_corpus (--seeds DIR | --pool FILE.jsonl[.zst] | --pool -) --out CORPUS.jsonl\n"
    "                  --truth TRUTH.jsonl [--docs N | --target-mb M] [--seed S]\n"
    "                  [--bases real|synthetic] [--duplicate-rate R] [--reuse-rate R]\n"
    "                  [--quote-rate R] [--edit-rate R] [--boilerplate R] [--min-words N]\n"
    "                  [--max-shared-words N] [--near-edits 1|2] [--min-article-words N]\n"
    "                  [--max-article-words N]\n";

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "gen_corpus: %s\n", message.c_str());
  std::exit(2);
}

// Reads all of a stream.
std::string ReadAll(std::FILE* file) {
  std::string data;
  char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) data.append(buffer, got);
  return data;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<std::string> ReadPool(const std::string& path) {
  std::string data;
  if (path == "-") {
    data = ReadAll(stdin);
  } else if (path.size() > 4 && path.substr(path.size() - 4) == ".zst") {
    std::FILE* pipe = popen(("zstd -dc -- " + ShellQuote(path)).c_str(), "r");
    if (pipe == nullptr) Fail("cannot run zstd -dc");
    data = ReadAll(pipe);
    if (pclose(pipe) != 0) Fail("zstd -dc " + path + " failed");
  } else {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) Fail("cannot open " + path);
    data = ReadAll(file);
    std::fclose(file);
  }
  std::vector<std::string> pool;
  simdjson::dom::parser parser;
  size_t line_number = 0;
  for (size_t begin = 0; begin < data.size();) {
    size_t end = data.find('\n', begin);
    if (end == std::string::npos) end = data.size();
    ++line_number;
    const std::string_view line(data.data() + begin, end - begin);
    begin = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    simdjson::dom::element element;
    std::string_view text;
    if (parser.parse(line.data(), line.size()).get(element) != simdjson::SUCCESS ||
        element["text"].get_string().get(text) != simdjson::SUCCESS) {
      Fail(absl::StrCat(path, ":", line_number, ": not a JSON object with a \"text\" string"));
    }
    pool.emplace_back(text);
  }
  return pool;
}

std::vector<std::string> ReadSeeds(const std::string& dir) {
  std::error_code error;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".txt") paths.push_back(entry.path().string());
  }
  if (error) Fail("cannot list " + dir + ": " + error.message());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> pool;
  for (const std::string& path : paths) pool.push_back(naql::testing::ReadFileOrDie(path));
  return pool;
}

}  // namespace

int main(int argc, char** argv) {
  GeneratorOptions options;
  options.num_documents = 0;
  std::string seeds, pool_path, out, truth, bases;
  double target_mb = 0;
  bool near_edits_set = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) Fail("missing value for " + flag + "\n" + kUsage);
    const std::string value = argv[++i];
    auto as_uint = [&](auto* field) {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v) || v > 0xFFFFFFFFu) Fail("bad number for " + flag);
      *field = static_cast<std::remove_pointer_t<decltype(field)>>(v);
    };
    auto as_double = [&](double* field) {
      if (!absl::SimpleAtod(value, field)) Fail("bad number for " + flag);
    };
    if (flag == "--seeds") {
      seeds = value;
    } else if (flag == "--pool") {
      pool_path = value;
    } else if (flag == "--out") {
      out = value;
    } else if (flag == "--truth") {
      truth = value;
    } else if (flag == "--docs") {
      as_uint(&options.num_documents);
    } else if (flag == "--target-mb") {
      as_double(&target_mb);
    } else if (flag == "--seed") {
      if (!absl::SimpleAtoi(value, &options.seed)) Fail("bad number for --seed");
    } else if (flag == "--bases") {
      bases = value;
      if (bases != "real" && bases != "synthetic") Fail("--bases must be real or synthetic");
    } else if (flag == "--duplicate-rate") {
      as_double(&options.duplicate_rate);
    } else if (flag == "--reuse-rate") {
      as_double(&options.reuse_rate);
    } else if (flag == "--quote-rate") {
      as_double(&options.quote_rate);
    } else if (flag == "--edit-rate") {
      as_double(&options.edit_rate);
    } else if (flag == "--boilerplate") {
      as_double(&options.boilerplate_rate);
    } else if (flag == "--min-words") {
      as_uint(&options.min_words);
    } else if (flag == "--near-edits") {
      as_uint(&options.near_edits);
      near_edits_set = true;
    } else if (flag == "--max-shared-words") {
      as_uint(&options.max_shared_words);
    } else if (flag == "--min-article-words") {
      as_uint(&options.min_article_words);
    } else if (flag == "--max-article-words") {
      as_uint(&options.max_article_words);
    } else {
      Fail("unknown flag " + flag + "\n" + kUsage);
    }
  }
  if (seeds.empty() == pool_path.empty()) Fail(std::string("give one of --seeds, --pool\n") + kUsage);
  if (out.empty() || truth.empty()) Fail(std::string("--out and --truth are required\n") + kUsage);
  if (target_mb > 0) options.target_bytes = static_cast<uint64_t>(target_mb * 1e6);
  // Large corpora: one edit keeps the generator's key filter near 1 GB at 200 MB of text.
  if (!near_edits_set && options.target_bytes > 20'000'000) options.near_edits = 1;
  if (options.num_documents == 0 && options.target_bytes == 0) options.num_documents = 240;
  options.real_bases = bases.empty() ? !pool_path.empty() : bases == "real";

  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> pool = seeds.empty() ? ReadPool(pool_path) : ReadSeeds(seeds);
  absl::StatusOr<naql::testing::GeneratedCorpus> corpus =
      naql::testing::GenerateCorpus(options, pool);
  if (!corpus.ok()) Fail(corpus.status().ToString());
  const absl::Status written = naql::testing::WriteJsonl(*corpus, out, truth);
  if (!written.ok()) Fail(written.ToString());

  const naql::testing::GeneratorStats& s = corpus->stats;
  uint64_t bytes = 0;
  size_t duplicates = 0, accidental = 0;
  for (const auto& doc : corpus->docs) bytes += doc.text.size();
  for (const auto& t : corpus->truth) {
    duplicates += t.kind == naql::PairKind::kDuplicate;
    accidental += !t.planted;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "gen_corpus: %zu documents, %.1f MB of text in %.1f s; pool %zu texts "
               "(%u used as bases, %u rejected)\n"
               "  bases %u, clusters %u with %u copies, passages %u in %u articles (%u quoted, "
               "%u edited), boilerplate in %u\n"
               "  truth %zu pairs (%zu duplicate, %zu reuse, %zu accidental); lost %u; "
               "retries %u; markov back-offs %u\n",
               corpus->docs.size(), bytes / 1e6, seconds, pool.size(), s.real_articles,
               s.pool_rejected, s.base_articles, s.clusters, s.copies, s.passages,
               s.passage_occurrences, s.quoted_occurrences, s.edited_occurrences,
               s.boilerplate_documents, corpus->truth.size(), duplicates,
               corpus->truth.size() - duplicates, accidental, s.lost_pairs, s.retries,
               s.markov_backoffs);
  return 0;
}
