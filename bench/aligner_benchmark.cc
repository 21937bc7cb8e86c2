// Aligner throughput in aligned pairs per second, edit-tolerant against exact-only, on typical
// article pairs:
//   * seeds_000_003 / seeds_001_003: real partial reuse between the seed articles (a quotation
//     and a letter quoted with edits), about 350–600 words each;
//   * respelled_copy: a syndicated copy of 001 with spellings and quote marks changed (a
//     near-duplicate: one span over the whole article);
//   * unrelated_000_004: same topic, no shared passage (a candidate the aligner must reject);
//   * planted: 64 generated pairs with edited passages (tests/support/planted_pairs.h), cycled.
// BM_AnalyzeAndAlign adds normalizing and tokenizing both articles: the whole cost of verifying a
// candidate pair from its texts, i.e. how much the aligner's mode changes a scan's verify step.
//
// Run: build/bench/aligner_benchmark --benchmark_counters_tabular=true

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "benchmark/benchmark.h"
#include "naql/aligner.h"
#include "naql/normalizer.h"
#include "naql/tokenizer.h"
#include "planted_pairs.h"
#include "testing.h"

namespace naql {
namespace {

struct Analyzed {
  NormalizedText text;
  std::vector<Token> tokens;
  TokenSequence sequence() const { return TokenSequence{&text, tokens}; }
};

struct TextPair {
  std::string a, b;
};

const Normalizer& SharedNormalizer() {
  static const Normalizer* normalizer = new Normalizer();
  return *normalizer;
}

Analyzed Analyze(const std::string& original) {
  static const Tokenizer* tokenizer = new Tokenizer();
  Analyzed out;
  SharedNormalizer().Normalize(original, &out.text);
  tokenizer->Tokenize(out.text, &out.tokens);
  return out;
}

std::string Seed(const char* name) {
  return testing::ReadFileOrDie(testing::FixturePath(absl::StrCat("seeds/", name, ".txt")));
}

std::vector<std::string> SeedArticles() {
  return {Seed("000_99452b6767717ae0"), Seed("001_2a4121b5c08e2776"), Seed("002_a9d73c9a569c5f0a"),
          Seed("003_51295827b7bc72d8"), Seed("004_1c35502ac1d29cba")};
}

// The input sets, by benchmark argument.
enum Input { kSeeds000003, kSeeds001003, kRespelledCopy, kUnrelated, kPlanted, kNumInputs };
const char* const kInputNames[] = {"seeds_000_003", "seeds_001_003", "respelled_copy",
                                   "unrelated_000_004", "planted"};

const std::vector<TextPair>& Pairs(int input) {
  static const std::vector<std::vector<TextPair>>* all = [] {
    const std::vector<std::string> seeds = SeedArticles();
    auto* pairs = new std::vector<std::vector<TextPair>>(kNumInputs);
    (*pairs)[kSeeds000003] = {{seeds[0], seeds[3]}};
    (*pairs)[kSeeds001003] = {{seeds[1], seeds[3]}};
    (*pairs)[kRespelledCopy] = {{seeds[1], absl::StrReplaceAll(seeds[1], {{"الأميركي", "الأمريكي"},
                                                                          {"ميللي", "ميلي"},
                                                                          {"هيئة", "هيئه"},
                                                                          {"\"", "«"},
                                                                          {"، ", " "}})}};
    (*pairs)[kUnrelated] = {{seeds[0], seeds[4]}};
    testing::PlantedPairOptions options;
    options.seed = 7;
    options.pairs = 64;
    for (const testing::PlantedPair& p : MakePlantedPairs(options, seeds)) {
      (*pairs)[kPlanted].push_back({p.a, p.b});
    }
    return pairs;
  }();
  return (*all)[input];
}

void SetLabels(benchmark::State& state, bool tolerant, int64_t words) {
  state.SetLabel(
      absl::StrCat(kInputNames[state.range(0)], tolerant ? " edit-tolerant" : " exact-only"));
  state.counters["pairs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["words/s"] =
      benchmark::Counter(static_cast<double>(words), benchmark::Counter::kIsRate);
}

// Alignment only: both articles already normalized and tokenized.
void BM_Align(benchmark::State& state) {
  const bool tolerant = state.range(1) != 0;
  std::vector<std::pair<Analyzed, Analyzed>> inputs;
  for (const TextPair& pair : Pairs(static_cast<int>(state.range(0)))) {
    inputs.emplace_back(Analyze(pair.a), Analyze(pair.b));
  }
  AlignerOptions options;
  options.edit_tolerant = tolerant;
  const Aligner aligner(options);
  AlignScratch scratch;
  std::vector<Span> spans;
  size_t next = 0, found = 0;
  int64_t words = 0;
  bool swap = false;
  for (auto _ : state) {
    const auto& [a, b] = inputs[next];
    // The scratch keeps the seed k-grams and stems of the sequences it aligned last: a pair
    // aligned again would reuse both. A single pair is aligned both ways in turn instead (the
    // scanner's consecutive pairs share at most their first article).
    if (swap) {
      aligner.Align(b.sequence(), a.sequence(), &spans, &scratch);
    } else {
      aligner.Align(a.sequence(), b.sequence(), &spans, &scratch);
    }
    swap = inputs.size() == 1 && !swap;
    found += spans.size();
    words += static_cast<int64_t>(a.tokens.size() + b.tokens.size());
    benchmark::DoNotOptimize(spans.data());
    if (++next == inputs.size()) next = 0;
  }
  SetLabels(state, tolerant, words);
  state.counters["spans/pair"] = static_cast<double>(found) / state.iterations();
}

// Normalize + tokenize both articles, then align: the verify step of a scan, from texts.
void BM_AnalyzeAndAlign(benchmark::State& state) {
  const bool tolerant = state.range(1) != 0;
  const std::vector<TextPair>& pairs = Pairs(static_cast<int>(state.range(0)));
  AlignerOptions options;
  options.edit_tolerant = tolerant;
  const Aligner aligner(options);
  const Tokenizer tokenizer;
  AlignScratch scratch;
  Analyzed a, b;
  std::vector<Span> spans;
  size_t next = 0;
  int64_t words = 0;
  for (auto _ : state) {
    SharedNormalizer().Normalize(pairs[next].a, &a.text);
    SharedNormalizer().Normalize(pairs[next].b, &b.text);
    tokenizer.Tokenize(a.text, &a.tokens);
    tokenizer.Tokenize(b.text, &b.tokens);
    aligner.Align(a.sequence(), b.sequence(), &spans, &scratch);
    words += static_cast<int64_t>(a.tokens.size() + b.tokens.size());
    benchmark::DoNotOptimize(spans.data());
    if (++next == pairs.size()) next = 0;
  }
  SetLabels(state, tolerant, words);
}

void Inputs(benchmark::internal::Benchmark* b) {
  for (int input = 0; input < kNumInputs; ++input) {
    for (int tolerant : {1, 0}) b->Args({input, tolerant});
  }
}

BENCHMARK(BM_Align)->Apply(Inputs);
BENCHMARK(BM_AnalyzeAndAlign)->Apply(Inputs);

}  // namespace
}  // namespace naql
