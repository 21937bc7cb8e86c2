// Benchmarks of the Normalizer, the Tokenizer and the whole Fingerprinter (bytes/s of original
// UTF-8 on one core).
//
// Inputs:
//   * seeds: the five real Arabic articles of fixtures/seeds/ (≈24 KB), one Normalize + Tokenize
//     per article, buffers reused as a pipeline would;
//   * corpus: ≈50 MB of Arabic generated deterministically from the seed articles' words
//     (SplitMix64, fixed seed): sentences of 6–30 words with Arabic punctuation, quotation marks,
//     digits, and diacritics/tatweel on a few words, cut into articles of 2–8 KB;
//   * corpus as one 50 MB line (the single-line worst case of issue 2).
// NormalizeTokenize (Normalize with the offset map, then Tokenize) against FoldAndTokenize (the
// same text and tokens in one pass, as alignment analyzes articles).
// Baseline: ICU's NFKC alone over the same corpus (normalizeUTF8, UTF-8 to UTF-8).
//
// Run: build-*/bench/normalizer_benchmark [--benchmark_filter=Corpus]

#include <benchmark/benchmark.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "naql/fingerprinter.h"
#include "naql/normalizer.h"
#include "naql/tokenizer.h"
#include "testing.h"

namespace {

constexpr size_t kCorpusBytes = size_t{50} << 20;

const std::vector<std::string>& Seeds() {
  static const auto* const seeds = [] {
    auto* out = new std::vector<std::string>;
    std::vector<std::filesystem::path> paths;
    for (const auto& entry :
         std::filesystem::directory_iterator(naql::testing::FixturePath("seeds"))) {
      if (entry.path().extension() == ".txt") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) out->push_back(naql::testing::ReadFileOrDie(path.string()));
    return out;
  }();
  return *seeds;
}

// ≈50 MB of articles built from the seeds' words; the same bytes on every run and machine.
const std::vector<std::string>& Corpus() {
  static const auto* const corpus = [] {
    std::vector<std::string> words;
    for (const std::string& seed : Seeds()) {
      for (absl::string_view word :
           absl::StrSplit(seed, absl::ByAnyChar(" \n\t"), absl::SkipEmpty())) {
        words.emplace_back(word);
      }
    }
    const char* const kEnds[] = {".", "،", ".", "؟", "؛", "."};
    const char* const kMarks[] = {"\u064E", "\u064F", "\u0650", "\u0651", "\u0652", "\u0640"};
    naql::testing::SplitMix64 rng(20261123);
    auto* out = new std::vector<std::string>;
    size_t total = 0;
    while (total < kCorpusBytes) {
      std::string article;
      const size_t target = 2048 + rng.Uniform(6144);
      while (article.size() < target) {
        const bool quoted = rng.Bernoulli(0.1);
        if (quoted) article += "«";
        const size_t length = 6 + rng.Uniform(25);
        for (size_t i = 0; i < length; ++i) {
          if (i > 0) article += ' ';
          std::string word = words[rng.Uniform(words.size())];
          if (rng.Bernoulli(0.03)) {  // a mark after the first or second letter
            size_t at = std::min<size_t>(word.size(), 2 * (1 + rng.Uniform(2)));
            while (at < word.size() && (static_cast<unsigned char>(word[at]) & 0xC0) == 0x80) ++at;
            word.insert(at, kMarks[rng.Uniform(6)]);
          }
          if (rng.Bernoulli(0.01)) word = "١٢٣";
          article += word;
        }
        if (quoted) article += "»";
        article += kEnds[rng.Uniform(6)];
        article += rng.Bernoulli(0.2) ? "\n" : " ";
      }
      total += article.size();
      out->push_back(std::move(article));
    }
    return out;
  }();
  return *corpus;
}

const std::string& CorpusLine() {
  static const auto* const line = [] {
    auto* out = new std::string;
    out->reserve(kCorpusBytes + 8192);
    for (const std::string& article : Corpus()) {
      *out += article;
      *out += ' ';
    }
    std::replace(out->begin(), out->end(), '\n', ' ');
    return out;
  }();
  return *line;
}

size_t TotalBytes(const std::vector<std::string>& texts) {
  size_t total = 0;
  for (const std::string& text : texts) total += text.size();
  return total;
}

// Folded text and tokens of every text, by Normalize (with the offset map) then Tokenize, or with
// `one_pass` by FoldAndTokenize (NormalizeWordsWithOriginals, then Tokenize(FoldedWords)): the
// same text and tokens, as alignment analyzes articles.
void Tokenize(benchmark::State& state, const std::vector<std::string>& texts, bool one_pass) {
  const naql::Normalizer normalizer;
  const naql::Tokenizer tokenizer;
  naql::NormalizedText folded;
  std::vector<naql::Token> tokens;
  size_t token_count = 0;
  for (auto _ : state) {
    for (const std::string& text : texts) {
      if (one_pass) {
        naql::FoldAndTokenize(normalizer, tokenizer, text, &folded, &tokens);
      } else {
        normalizer.Normalize(text, &folded);
        tokenizer.Tokenize(folded, &tokens);
      }
      token_count += tokens.size();
      benchmark::DoNotOptimize(tokens.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(texts)));
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(token_count), benchmark::Counter::kIsRate);
}

void NormalizeAndTokenize(benchmark::State& state, const std::vector<std::string>& texts) {
  Tokenize(state, texts, /*one_pass=*/false);
}

void FoldAndTokenize(benchmark::State& state, const std::vector<std::string>& texts) {
  Tokenize(state, texts, /*one_pass=*/true);
}

void BM_NormalizeTokenize_Seeds(benchmark::State& state) { NormalizeAndTokenize(state, Seeds()); }
BENCHMARK(BM_NormalizeTokenize_Seeds);

void BM_NormalizeTokenize_Corpus(benchmark::State& state) { NormalizeAndTokenize(state, Corpus()); }
BENCHMARK(BM_NormalizeTokenize_Corpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_NormalizeTokenize_CorpusOneLine(benchmark::State& state) {
  static const std::vector<std::string>* const one = new std::vector<std::string>{CorpusLine()};
  NormalizeAndTokenize(state, *one);
}
BENCHMARK(BM_NormalizeTokenize_CorpusOneLine)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_FoldAndTokenize_Seeds(benchmark::State& state) { FoldAndTokenize(state, Seeds()); }
BENCHMARK(BM_FoldAndTokenize_Seeds);

void BM_FoldAndTokenize_Corpus(benchmark::State& state) { FoldAndTokenize(state, Corpus()); }
BENCHMARK(BM_FoldAndTokenize_Corpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_Normalize_Corpus(benchmark::State& state) {
  const naql::Normalizer normalizer;
  naql::NormalizedText folded;
  for (auto _ : state) {
    for (const std::string& text : Corpus()) {
      normalizer.Normalize(text, &folded);
      benchmark::DoNotOptimize(folded.text.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(Corpus())));
}
BENCHMARK(BM_Normalize_Corpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The fingerprinting pass: folded text and word ranges, no offset map.
void BM_NormalizeWords_Corpus(benchmark::State& state) {
  const naql::Normalizer normalizer;
  naql::FoldedWords folded;
  for (auto _ : state) {
    for (const std::string& text : Corpus()) {
      normalizer.NormalizeWords(text, &folded);
      benchmark::DoNotOptimize(folded.words.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(Corpus())));
}
BENCHMARK(BM_NormalizeWords_Corpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Tokenize alone; bytes are those of the original articles, for comparison with the rows above.
void BM_Tokenize_Corpus(benchmark::State& state) {
  const naql::Normalizer normalizer;
  std::vector<naql::NormalizedText> folded;
  for (const std::string& text : Corpus()) folded.push_back(normalizer.Normalize(text));
  const naql::Tokenizer tokenizer;
  std::vector<naql::Token> tokens;
  for (auto _ : state) {
    for (const naql::NormalizedText& text : folded) {
      tokenizer.Tokenize(text, &tokens);
      benchmark::DoNotOptimize(tokens.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(Corpus())));
}
BENCHMARK(BM_Tokenize_Corpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Diacritics kept: Arabic marks then go through ICU segment by segment (the slow path).
void BM_NormalizeKeepDiacritics_Seeds(benchmark::State& state) {
  naql::NormalizerOptions options;
  options.remove_diacritics = false;
  const naql::Normalizer normalizer(options);
  naql::NormalizedText folded;
  for (auto _ : state) {
    for (const std::string& text : Seeds()) {
      normalizer.Normalize(text, &folded);
      benchmark::DoNotOptimize(folded.text.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(Seeds())));
}
BENCHMARK(BM_NormalizeKeepDiacritics_Seeds);

// The whole of Fingerprinter::Fingerprint (normalize → tokenize → shingle → MinHash signature →
// winnowed passage fingerprints), default options: the fingerprinting rate of issue 3's target.
void BM_Fingerprint_Corpus(benchmark::State& state) {
  const naql::Fingerprinter fingerprinter{naql::FingerprintOptions()};
  naql::FingerprintScratch scratch;
  naql::DocumentFingerprint fingerprint;
  for (auto _ : state) {
    for (const std::string& text : Corpus()) {
      fingerprinter.Fingerprint(text, &scratch, &fingerprint);
      benchmark::DoNotOptimize(fingerprint.signature.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(Corpus())));
}
BENCHMARK(BM_Fingerprint_Corpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Baseline: ICU NFKC of the same articles, UTF-8 to UTF-8, nothing else.
void BM_IcuNfkcOnly_Corpus(benchmark::State& state) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  std::string out;
  for (auto _ : state) {
    for (const std::string& text : Corpus()) {
      out.clear();
      icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
      nfkc->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), sink,
                          nullptr, status);
      benchmark::DoNotOptimize(out.data());
    }
  }
  if (U_FAILURE(status)) state.SkipWithError("ICU failed");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(Corpus())));
}
BENCHMARK(BM_IcuNfkcOnly_Corpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_NormalizerConstruction(benchmark::State& state) {
  for (auto _ : state) {
    naql::Normalizer normalizer;
    benchmark::DoNotOptimize(&normalizer);
  }
}
BENCHMARK(BM_NormalizerConstruction)->Unit(benchmark::kMillisecond);

}  // namespace
