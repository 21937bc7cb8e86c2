// json_benchmark — writing JSON strings (naql/json.h), which `scan --format jsonl` does for every
// shared passage of every pair: on SaudiNewsNet it writes twice the input in passages.
//
//   build/bench/json_benchmark
//
// BM_AppendJsonString: the seed articles, valid UTF-8 with quotation marks and line breaks to
// escape; BM_AppendJsonStringRepaired: the same with one invalid byte at the end of each, which
// takes the decoding path that writes U+FFFD.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "naql/json.h"
#include "testing.h"

namespace {

void Run(benchmark::State& state, const std::vector<std::string>& texts) {
  size_t bytes = 0;
  for (const std::string& text : texts) bytes += text.size();
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const std::string& text : texts) naql::AppendJsonString(text, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_AppendJsonString(benchmark::State& state) {
  Run(state, naql::testing::SeedArticles());
}
BENCHMARK(BM_AppendJsonString);

void BM_AppendJsonStringRepaired(benchmark::State& state) {
  std::vector<std::string> texts = naql::testing::SeedArticles();
  for (std::string& text : texts) text.push_back('\xD8');
  Run(state, texts);
}
BENCHMARK(BM_AppendJsonStringRepaired);

}  // namespace
