// Benchmarks of naql/quotes.h.
//
//   BM_DetectSeeds               QuoteDetector::Detect over the five seed fixtures (real Arabic
//                                news, 24 KB); bytes/s
//   BM_DetectSynthetic           Detect over 1 MB of synthetic articles with marked quotations and
//                                reported speech; bytes/s
//   BM_ClustererAdd/docs         QuoteClusterer::Add (detect, normalize and tokenize the quotations,
//                                record them) per synthetic article; documents/s
//   BM_ClustererBuild/docs       QuoteClusterer::Build over a corpus of `docs` synthetic articles
//                                (three quotations each, drawn from a pool with Zipf popularity, so a
//                                few quotations recur in hundreds of articles, edited at 5%);
//                                documents/s and the clusters found
//
// Synthetic articles: words of a 50,000-word Arabic-letter vocabulary with Zipf frequencies (like
// news text, where a few words are everywhere), sentences of 8–25 words, and quotations in « » or
// “ ” after "وقال المتحدث:" or plain. Seeded (SplitMix64), so runs are comparable.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "benchmark/benchmark.h"
#include "naql/normalizer.h"
#include "naql/quotes.h"
#include "naql/tokenizer.h"
#include "testing.h"

namespace naql {
namespace {

using ::naql::testing::FixturePath;
using ::naql::testing::ReadFileOrDie;
using ::naql::testing::SplitMix64;

// Draws from a Zipf(1) distribution over [0, n) by inverting its cumulative sums.
class Zipf {
 public:
  Zipf(size_t n, double exponent) : cumulative_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += 1.0 / std::pow(static_cast<double>(i + 1), exponent);
      cumulative_[i] = sum;
    }
    for (double& c : cumulative_) c /= sum;
  }
  size_t Draw(SplitMix64* rng) const {
    return std::lower_bound(cumulative_.begin(), cumulative_.end(), rng->UniformDouble()) -
           cumulative_.begin();
  }

 private:
  std::vector<double> cumulative_;
};

class SyntheticCorpus {
 public:
  SyntheticCorpus(uint64_t seed, size_t num_docs)
      : rng_(seed), word_zipf_(50000, 1.0), quote_zipf_(std::max<size_t>(num_docs, 2), 1.1) {
    static const char* const kLetters[] = {"ب", "ت", "ث", "ج", "ح", "خ", "د", "ذ", "ر",
                                           "ز", "س", "ش", "ص", "ض", "ط", "ظ", "ع", "غ",
                                           "ف", "ق", "ك", "م", "ن", "ه", "ي", "ا", "ل"};
    for (size_t i = 0; i < 50000; ++i) {
      std::string word;
      const int length = 2 + static_cast<int>(rng_.Uniform(6));
      for (int k = 0; k < length; ++k) word += kLetters[rng_.Uniform(std::size(kLetters))];
      vocabulary_.push_back(word);
    }
    quotes_.resize(std::max<size_t>(num_docs, 2));
    for (auto& quote : quotes_) {
      const size_t length = 6 + rng_.Uniform(30);
      for (size_t k = 0; k < length; ++k) quote.push_back(Word());
    }
    for (size_t d = 0; d < num_docs; ++d) docs_.push_back(MakeDoc());
  }

  const std::vector<std::string>& docs() const { return docs_; }
  size_t bytes() const {
    size_t total = 0;
    for (const std::string& doc : docs_) total += doc.size();
    return total;
  }

 private:
  const std::string& Word() { return vocabulary_[word_zipf_.Draw(&rng_)]; }

  void Sentence(std::string* text) {
    const size_t length = 8 + rng_.Uniform(18);
    for (size_t k = 0; k < length; ++k) absl::StrAppend(text, Word(), k + 1 < length ? " " : ". ");
  }

  std::string MakeDoc() {
    std::string text;
    for (int q = 0; q < 3; ++q) {
      for (size_t s = 0, n = 1 + rng_.Uniform(4); s < n; ++s) Sentence(&text);
      std::vector<std::string> words;
      for (const std::string& word : quotes_[quote_zipf_.Draw(&rng_)]) {
        const double r = rng_.UniformDouble();
        if (r < 0.05) continue;
        words.push_back(r < 0.10 ? Word() : word);
      }
      switch (rng_.Uniform(3)) {
        case 0:
          absl::StrAppend(&text, "وقال المتحدث: «", absl::StrJoin(words, " "), "». ");
          break;
        case 1:
          absl::StrAppend(&text, "وأضاف “", absl::StrJoin(words, " "), "” ثم ");
          break;
        default:
          absl::StrAppend(&text, "وأكد المسؤول: ", absl::StrJoin(words, " "), ".\n");
          break;
      }
    }
    Sentence(&text);
    return text;
  }

  SplitMix64 rng_;
  Zipf word_zipf_;
  Zipf quote_zipf_;
  std::vector<std::string> vocabulary_;
  std::vector<std::vector<std::string>> quotes_;
  std::vector<std::string> docs_;
};

void BM_DetectSeeds(benchmark::State& state) {
  std::vector<std::string> texts;
  for (const char* name : {"000_99452b6767717ae0.txt", "001_2a4121b5c08e2776.txt",
                           "002_a9d73c9a569c5f0a.txt", "003_51295827b7bc72d8.txt",
                           "004_1c35502ac1d29cba.txt"}) {
    texts.push_back(ReadFileOrDie(FixturePath(absl::StrCat("seeds/", name))));
  }
  size_t bytes = 0;
  for (const std::string& text : texts) bytes += text.size();
  QuoteDetector detector;
  std::vector<Quotation> quotes;
  for (auto _ : state) {
    for (const std::string& text : texts) {
      detector.Detect(text, &quotes);
      benchmark::DoNotOptimize(quotes.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_DetectSeeds);

void BM_DetectSynthetic(benchmark::State& state) {
  const SyntheticCorpus corpus(1, 1000);  // about 1 MB
  QuoteDetector detector;
  std::vector<Quotation> quotes;
  for (auto _ : state) {
    for (const std::string& text : corpus.docs()) {
      detector.Detect(text, &quotes);
      benchmark::DoNotOptimize(quotes.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes()));
}
BENCHMARK(BM_DetectSynthetic)->Unit(benchmark::kMillisecond);

void BM_ClustererAdd(benchmark::State& state) {
  const SyntheticCorpus corpus(2, static_cast<size_t>(state.range(0)));
  const Normalizer normalizer;
  const Tokenizer tokenizer;
  for (auto _ : state) {
    QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer, &tokenizer);
    for (uint32_t d = 0; d < corpus.docs().size(); ++d) clusterer.Add(d, corpus.docs()[d]);
    benchmark::DoNotOptimize(clusterer.num_quotations());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.docs().size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes()));
}
BENCHMARK(BM_ClustererAdd)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_ClustererBuild(benchmark::State& state) {
  const SyntheticCorpus corpus(3, static_cast<size_t>(state.range(0)));
  const Normalizer normalizer;
  const Tokenizer tokenizer;
  QuoteClusterer clusterer(QuoteClustererOptions(), &normalizer, &tokenizer);
  for (uint32_t d = 0; d < corpus.docs().size(); ++d) clusterer.Add(d, corpus.docs()[d]);
  size_t clusters = 0, largest = 0;
  for (auto _ : state) {
    const std::vector<RepeatedQuote> quotes = clusterer.Build();
    clusters = quotes.size();
    largest = quotes.empty() ? 0 : quotes[0].occurrences.size();
    benchmark::DoNotOptimize(quotes.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.docs().size()));
  state.counters["clusters"] = static_cast<double>(clusters);
  state.counters["largest"] = static_cast<double>(largest);
  state.counters["quotations"] = static_cast<double>(clusterer.num_quotations());
  state.counters["variants"] = static_cast<double>(clusterer.num_variants());
  state.counters["memory_MB"] = static_cast<double>(clusterer.MemoryUsage()) / 1e6;
}
BENCHMARK(BM_ClustererBuild)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace naql
