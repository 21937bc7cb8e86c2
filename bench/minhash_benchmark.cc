// Benchmarks of naql/minhash.h and naql/lsh_index.h.
//
//   BM_MinHashCompute/n/K        ns per shingle of MinHasher::Compute for sets of n shingles
//   BM_KPermutationMinHash/n/K   the alternative: K independent multiply-shift hash functions
//                                (Dietzfelbinger's (a·x + b) >> 32), the reason for densified OPH
//   BM_ShingleAndSign/words      shingling (naql/shingler.h) + signature from token hashes
//   BM_EstimateJaccard/K         one comparison of two signatures
//   BM_OptimalLshParams/K        the bands × rows search
//   BM_LshAdd, BM_LshBuild/N, BM_LshQuery/N, BM_LshForEachCandidatePair/N
//                                an index of N signatures, 10% of them near-duplicates (J ≈ 0.8)
//
// Inputs are random 64-bit shingle hashes (what the shingler produces) and synthetic signatures;
// all seeded, so runs are comparable.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "naql/lsh_index.h"
#include "naql/minhash.h"
#include "naql/shingler.h"
#include "testing.h"

namespace naql {
namespace {

using ::naql::testing::SplitMix64;

std::vector<uint64_t> RandomHashes(size_t n, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<uint64_t> hashes(n);
  for (uint64_t& h : hashes) h = rng.Next();
  return hashes;
}

void SetPerItemCounter(benchmark::State& state, double items_per_iteration, const char* name) {
  state.counters[name] = benchmark::Counter(
      items_per_iteration * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);  // seconds per item
}

// ---- Signatures ---------------------------------------------------------------------------------

void BM_MinHashCompute(benchmark::State& state) {
  const size_t n = state.range(0);
  MinHashOptions options;
  options.num_perm = static_cast<uint32_t>(state.range(1));
  const MinHasher hasher(options);
  const std::vector<uint64_t> shingles = RandomHashes(n, 1);
  std::vector<uint32_t> values(options.num_perm);
  for (auto _ : state) {
    hasher.Compute(shingles, absl::MakeSpan(values));
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  SetPerItemCounter(state, static_cast<double>(n), "time_per_shingle");
}
BENCHMARK(BM_MinHashCompute)
    ->ArgNames({"n", "K"})
    ->ArgsProduct({{1, 8, 32, 128, 512, 4096, 65536}, {128}})
    ->ArgsProduct({{1, 32, 512, 4096}, {64, 256, 1024}});

// K independent hash functions h_i(x) = (a_i · x32 + b_i) >> 32 over a 32-bit fold of the shingle
// hash: the textbook MinHash, as fast as it gets without SIMD intrinsics (the inner loop is
// branch-free and auto-vectorised with 32×32→64-bit multiplies).
void BM_KPermutationMinHash(benchmark::State& state) {
  const size_t n = state.range(0);
  const uint32_t k = static_cast<uint32_t>(state.range(1));
  SplitMix64 rng(2);
  std::vector<uint64_t> a(k), b(k);
  for (uint32_t i = 0; i < k; ++i) a[i] = rng.Next() >> 32 | 1, b[i] = rng.Next();
  const std::vector<uint64_t> shingles = RandomHashes(n, 1);
  std::vector<uint32_t> values(k);
  for (auto _ : state) {
    std::fill(values.begin(), values.end(), 0xFFFFFFFFu);
    for (const uint64_t h : shingles) {
      const uint64_t x = static_cast<uint32_t>(h ^ (h >> 32));
      for (uint32_t i = 0; i < k; ++i) {
        values[i] = std::min(values[i], static_cast<uint32_t>((a[i] * x + b[i]) >> 32));
      }
    }
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  SetPerItemCounter(state, static_cast<double>(n), "time_per_shingle");
}
BENCHMARK(BM_KPermutationMinHash)->ArgNames({"n", "K"})->ArgsProduct({{512, 4096}, {128}});

// Token hashes → 5-word shingles → signature, per word. An Arabic news word with its separator is
// about 10 bytes of UTF-8, so 250 MB/s end to end leaves about 40 ns per word for all stages.
void BM_ShingleAndSign(benchmark::State& state) {
  const size_t words = state.range(0);
  const MinHasher hasher;
  const std::vector<uint64_t> tokens = RandomHashes(words, 3);
  std::vector<uint64_t> shingles;
  std::vector<uint32_t> values(hasher.num_perm());
  for (auto _ : state) {
    HashShingles(tokens, ShingleOptions().size, &shingles);
    hasher.Compute(shingles, absl::MakeSpan(values));
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * words));
  SetPerItemCounter(state, static_cast<double>(words), "time_per_word");
}
BENCHMARK(BM_ShingleAndSign)->ArgName("words")->Arg(50)->Arg(400)->Arg(2000);

void BM_EstimateJaccard(benchmark::State& state) {
  MinHashOptions options;
  options.num_perm = static_cast<uint32_t>(state.range(0));
  const MinHasher hasher(options);
  std::vector<uint32_t> a(options.num_perm), b(options.num_perm);
  hasher.Compute(RandomHashes(400, 4), absl::MakeSpan(a));
  hasher.Compute(RandomHashes(400, 5), absl::MakeSpan(b));
  for (auto _ : state) {
    benchmark::DoNotOptimize(EstimateJaccard(absl::MakeConstSpan(a), absl::MakeConstSpan(b)));
  }
}
BENCHMARK(BM_EstimateJaccard)->ArgName("K")->Arg(128)->Arg(1024);

void BM_OptimalLshParams(benchmark::State& state) {
  const uint32_t k = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(OptimalLshParams(0.5, k, 0.1, 0.9));
}
BENCHMARK(BM_OptimalLshParams)->ArgName("K")->Arg(128)->Arg(1024)->Unit(benchmark::kMicrosecond);

void BM_MinHasherConstruction(benchmark::State& state) {
  MinHashOptions options;
  options.num_perm = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(MinHasher(options));
}
BENCHMARK(BM_MinHasherConstruction)
    ->ArgName("K")
    ->Arg(128)
    ->Arg(1024)
    ->Unit(benchmark::kMicrosecond);

// ---- LSH index ----------------------------------------------------------------------------------

// N synthetic signatures of 128 slots: random, except that every tenth is a near-duplicate of the
// one before it (each slot kept with probability 0.8, as the slots of a pair with J = 0.8 agree).
const std::vector<uint32_t>& Signatures(size_t n) {
  static std::vector<uint32_t> values;
  static size_t made = 0;
  if (made != n) {
    SplitMix64 rng(6);
    values.resize(n * 128);
    for (size_t d = 0; d < n; ++d) {
      for (size_t i = 0; i < 128; ++i) {
        const bool copy = d % 10 == 9 && rng.Bernoulli(0.8);
        values[d * 128 + i] = copy ? values[(d - 1) * 128 + i] : static_cast<uint32_t>(rng.Next());
      }
    }
    made = n;
  }
  return values;
}

LshIndex MakeIndex(size_t n, bool build) {
  const std::vector<uint32_t>& values = Signatures(n);
  LshIndex index(LshOptions(), 128);
  for (size_t d = 0; d < n; ++d) {
    index.Add(static_cast<uint32_t>(d), absl::MakeConstSpan(values).subspan(d * 128, 128));
  }
  if (build) index.Build();
  return index;
}

void BM_LshAdd(benchmark::State& state) {
  const size_t n = 10000;
  const std::vector<uint32_t>& values = Signatures(n);
  for (auto _ : state) {
    LshIndex index(LshOptions(), 128);
    for (size_t d = 0; d < n; ++d) {
      index.Add(static_cast<uint32_t>(d), absl::MakeConstSpan(values).subspan(d * 128, 128));
    }
    benchmark::DoNotOptimize(index.band_keys().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  SetPerItemCounter(state, static_cast<double>(n), "time_per_doc");
}
BENCHMARK(BM_LshAdd)->Unit(benchmark::kMillisecond);

void BM_LshBuild(benchmark::State& state) {
  const size_t n = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    LshIndex index = MakeIndex(n, /*build=*/false);
    state.ResumeTiming();
    index.Build();
    benchmark::DoNotOptimize(index.stats());
    state.counters["bytes_per_doc"] = static_cast<double>(index.stats().memory_bytes) / n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  SetPerItemCounter(state, static_cast<double>(n), "time_per_doc");
}
BENCHMARK(BM_LshBuild)->ArgName("N")->Arg(10000)->Arg(200000)->Unit(benchmark::kMillisecond);

void BM_LshQuery(benchmark::State& state) {
  const size_t n = state.range(0);
  const LshIndex index = MakeIndex(n, /*build=*/true);
  const std::vector<uint32_t>& values = Signatures(n);
  std::vector<uint32_t> ids;
  size_t d = 0, found = 0;
  for (auto _ : state) {
    index.Query(absl::MakeConstSpan(values).subspan(d * 128, 128), &ids);
    found += ids.size();
    d = (d + 7919) % n;
  }
  state.counters["ids_per_query"] =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_LshQuery)->ArgName("N")->Arg(10000)->Arg(200000);

void BM_LshForEachCandidatePair(benchmark::State& state) {
  const size_t n = state.range(0);
  const LshIndex index = MakeIndex(n, /*build=*/true);
  size_t pairs = 0;
  for (auto _ : state) {
    pairs = 0;
    index.ForEachCandidatePair([&](uint32_t, uint32_t) { ++pairs; });
    benchmark::DoNotOptimize(pairs);
  }
  state.counters["pairs"] = static_cast<double>(pairs);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  SetPerItemCounter(state, static_cast<double>(n), "time_per_doc");
}
BENCHMARK(BM_LshForEachCandidatePair)
    ->ArgName("N")
    ->Arg(10000)
    ->Arg(200000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace naql
