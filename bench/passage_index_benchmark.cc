// Benchmarks of winnowing and the passage index.
//
//   BM_Winnow               shingle hashes per second through Winnow() (window 4 and 30).
//   BM_IndexBuild           Add() + Build() of synthetic documents: entries per second, and
//                           bytes per entry held after Build().
//   BM_CandidatePairs       ForEachCandidatePair() on an index with planted shared passages and
//                           boilerplate, for several max_df: incidences and pairs per second.
//   BM_GeneratedCorpus      the whole passage stage (normalize, tokenize, shingle, winnow, index,
//                           pairs) on a corpus from the planted-corpus generator; counters: MB/s,
//                           candidate pairs, and the share of truth pairs that are candidates.
//   BM_RealCorpus           the same on ../shared/data/saudinewsnet-dev.jsonl.zst when it exists
//                           (NAQL_REAL_CORPUS overrides the path; skipped otherwise), for several
//                           max_df: how many hashes are boilerplate, how many candidates remain.
//
// Run from the repository root: build/bench/passage_index_benchmark [--benchmark_filter=...].

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <simdjson.h>

#include "absl/container/flat_hash_set.h"
#include "benchmark/benchmark.h"
#include "corpus_generator.h"
#include "naql/normalizer.h"
#include "naql/passage_index.h"
#include "naql/shingler.h"
#include "naql/tokenizer.h"
#include "testing.h"

namespace naql {
namespace {

using naql::testing::SplitMix64;

constexpr uint32_t kShingleSize = 5;
constexpr uint32_t kMinWords = 8;

void BM_Winnow(benchmark::State& state) {
  const uint32_t window = static_cast<uint32_t>(state.range(0));
  SplitMix64 rng(1);
  std::vector<uint64_t> hashes(1 << 20);
  for (uint64_t& h : hashes) h = rng.Next();
  std::vector<PassageFingerprint> fps;
  for (auto _ : state) {
    Winnow(hashes, window, &fps);
    benchmark::DoNotOptimize(fps.data());
  }
  state.SetItemsProcessed(state.iterations() * hashes.size());
  state.counters["kept"] = static_cast<double>(fps.size()) / hashes.size();
}
BENCHMARK(BM_Winnow)->Arg(4)->Arg(30)->Unit(benchmark::kMillisecond);

// Synthetic fingerprints: `docs` documents of `per_doc` fingerprints; every document shares one
// passage (8 fingerprints) with one other document and one boilerplate block (20 fingerprints)
// with a tenth of the corpus.
std::vector<std::vector<PassageFingerprint>> SyntheticDocuments(uint32_t docs, uint32_t per_doc) {
  SplitMix64 rng(2);
  std::vector<std::vector<PassageFingerprint>> out(docs);
  std::vector<uint64_t> boilerplate(20 * 10);
  for (uint64_t& h : boilerplate) h = rng.Next();
  for (uint32_t d = 0; d < docs; ++d) {
    std::vector<PassageFingerprint>& fps = out[d];
    for (uint32_t i = 0; i < per_doc; ++i) fps.push_back({rng.Next(), i});
    const uint64_t passage_seed = d / 2;  // documents 2k and 2k+1 share a passage
    for (uint32_t i = 0; i < 8; ++i) {
      fps[i].hash = (passage_seed * 8 + i) * 0x9e3779b97f4a7c15ULL + 1;
    }
    const uint32_t block = d % 10;  // ten boilerplate blocks, each in a tenth of the documents
    for (uint32_t i = 0; i < 20; ++i) fps[8 + i].hash = boilerplate[block * 20 + i];
  }
  return out;
}

void BM_IndexBuild(benchmark::State& state) {
  const uint32_t docs = static_cast<uint32_t>(state.range(0));
  const auto corpus = SyntheticDocuments(docs, 150);
  size_t entries = 0, bytes = 0;
  for (auto _ : state) {
    PassageIndex index;
    for (uint32_t d = 0; d < docs; ++d) index.Add(d, corpus[d]);
    entries = index.num_entries() + index.dropped_entries();
    index.Build();
    bytes = index.memory_bytes();
    benchmark::DoNotOptimize(index.num_entries());
  }
  state.SetItemsProcessed(state.iterations() * entries);
  state.counters["bytes/entry"] = static_cast<double>(bytes) / entries;
}
BENCHMARK(BM_IndexBuild)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_CandidatePairs(benchmark::State& state) {
  const uint32_t docs = static_cast<uint32_t>(state.range(0));
  PassageIndexOptions options;
  options.max_df = static_cast<uint32_t>(state.range(1));
  const auto corpus = SyntheticDocuments(docs, 150);
  PassageIndex index(options);
  for (uint32_t d = 0; d < docs; ++d) index.Add(d, corpus[d]);
  index.Build();
  size_t pairs = 0;
  uint64_t incidences = 0;
  for (auto _ : state) {
    pairs = 0;
    incidences = 0;
    index.ForEachCandidatePair([&](uint32_t, uint32_t, uint32_t shared) {
      ++pairs;
      incidences += shared;
    });
  }
  state.SetItemsProcessed(state.iterations() * incidences);
  state.counters["pairs"] = static_cast<double>(pairs);
  state.counters["dropped_hashes"] = static_cast<double>(index.dropped_hashes());
}
// 10,000 documents: each boilerplate block is in 1,000 of them, dropped unless max_df >= 1000.
BENCHMARK(BM_CandidatePairs)
    ->Args({10000, 100})
    ->Args({10000, 1000})
    ->Args({100000, 100})
    ->Unit(benchmark::kMillisecond);

// The passage stage over texts: fingerprints for every document, then the index and its pairs.
struct StageResult {
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  size_t dropped_hashes = 0;
  size_t entries = 0;
  size_t memory = 0;
};

StageResult RunStage(const std::vector<std::string>& texts, const PassageIndexOptions& options) {
  Normalizer normalizer;
  Tokenizer tokenizer;
  NormalizedText folded;
  std::vector<Token> tokens;
  std::vector<uint64_t> token_hashes, shingles;
  std::vector<PassageFingerprint> fps;
  PassageIndex index(options);
  const uint32_t window = WinnowWindow(kMinWords, kShingleSize);
  for (uint32_t d = 0; d < texts.size(); ++d) {
    normalizer.Normalize(texts[d], &folded);
    tokenizer.Tokenize(folded, &tokens);
    TokenHashes(tokens, &token_hashes);
    HashShingles(token_hashes, kShingleSize, &shingles);
    Winnow(shingles, window, &fps);
    index.Add(d, fps);
  }
  index.Build();
  StageResult result;
  index.ForEachCandidatePair(
      [&](uint32_t a, uint32_t b, uint32_t) { result.pairs.emplace_back(a, b); });
  result.dropped_hashes = index.dropped_hashes();
  result.entries = index.num_entries();
  result.memory = index.memory_bytes();
  return result;
}

void BM_GeneratedCorpus(benchmark::State& state) {
  static const testing::GeneratedCorpus* corpus = [] {
    std::vector<std::string> pool;
    std::vector<std::string> paths;
    for (const auto& entry :
         std::filesystem::directory_iterator(testing::FixturePath("seeds"))) {
      if (entry.path().extension() == ".txt") paths.push_back(entry.path().string());
    }
    std::sort(paths.begin(), paths.end());
    for (const std::string& path : paths) pool.push_back(testing::ReadFileOrDie(path));
    testing::GeneratorOptions options;
    options.num_documents = 3000;
    options.boilerplate_rate = 0.3;
    auto generated = testing::GenerateCorpus(options, pool);
    if (!generated.ok()) std::abort();
    return new testing::GeneratedCorpus(*std::move(generated));
  }();
  std::vector<std::string> texts;
  size_t bytes = 0;
  for (const Document& doc : corpus->docs) {
    texts.push_back(doc.text);
    bytes += doc.text.size();
  }
  PassageIndexOptions options;
  options.max_df = static_cast<uint32_t>(state.range(0));
  StageResult result;
  for (auto _ : state) result = RunStage(texts, options);
  state.SetBytesProcessed(state.iterations() * bytes);
  std::sort(result.pairs.begin(), result.pairs.end());
  size_t found = 0;
  for (const testing::TruthPair& t : corpus->truth) {
    found += std::binary_search(result.pairs.begin(), result.pairs.end(), std::make_pair(t.a, t.b));
  }
  state.counters["docs"] = static_cast<double>(texts.size());
  state.counters["candidates"] = static_cast<double>(result.pairs.size());
  state.counters["truth_recall"] = static_cast<double>(found) / corpus->truth.size();
  state.counters["dropped_hashes"] = static_cast<double>(result.dropped_hashes);
  state.counters["index_MB"] = result.memory / 1e6;
}
BENCHMARK(BM_GeneratedCorpus)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_RealCorpus(benchmark::State& state) {
  static const std::vector<std::string>* texts = [] {
    auto* out = new std::vector<std::string>();
    const char* env = std::getenv("NAQL_REAL_CORPUS");
    const std::string path = env ? env : "../shared/data/saudinewsnet-dev.jsonl.zst";
    if (!std::filesystem::exists(path)) return out;
    std::FILE* pipe = popen(("zstd -dc -- '" + path + "'").c_str(), "r");
    if (pipe == nullptr) return out;
    std::string data;
    char buffer[1 << 16];
    size_t got;
    while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) data.append(buffer, got);
    pclose(pipe);
    simdjson::dom::parser parser;
    for (size_t begin = 0; begin < data.size();) {
      size_t end = data.find('\n', begin);
      if (end == std::string::npos) end = data.size();
      simdjson::dom::element element;
      std::string_view text;
      if (end > begin && parser.parse(data.data() + begin, end - begin).get(element) ==
                             simdjson::SUCCESS &&
          element["text"].get_string().get(text) == simdjson::SUCCESS) {
        out->emplace_back(text);
      }
      begin = end + 1;
    }
    return out;
  }();
  if (texts->empty()) {
    state.SkipWithError("no real corpus (set NAQL_REAL_CORPUS or run from the repository root)");
    return;
  }
  size_t bytes = 0;
  for (const std::string& text : *texts) bytes += text.size();
  PassageIndexOptions options;
  options.max_df = static_cast<uint32_t>(state.range(0));
  StageResult result;
  for (auto _ : state) result = RunStage(*texts, options);
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["docs"] = static_cast<double>(texts->size());
  state.counters["candidates"] = static_cast<double>(result.pairs.size());
  state.counters["dropped_hashes"] = static_cast<double>(result.dropped_hashes);
  state.counters["entries"] = static_cast<double>(result.entries);
  state.counters["index_MB"] = result.memory / 1e6;
}
BENCHMARK(BM_RealCorpus)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace naql
