// testing.h — small helpers shared by naql's tests, benchmarks and tools.
//
// Seeded randomness: every randomized test draws from TestRng(), seeded by TestSeed(). The seed is
// fixed (so runs are reproducible) unless NAQL_TEST_SEED is set in the environment; tests print the
// seed they use (SCOPED_TRACE) so a failure can be replayed with NAQL_TEST_SEED=<seed>.

#ifndef NAQL_TESTS_SUPPORT_TESTING_H_
#define NAQL_TESTS_SUPPORT_TESTING_H_

#include <cstdint>
#include <string>
#include <vector>

namespace naql::testing {

// Absolute path of fixtures/<relative>.
std::string FixturePath(const std::string& relative);

// Reads a whole file; aborts the process with a message when it cannot (tests only).
std::string ReadFileOrDie(const std::string& path);

// The texts of the seed articles, fixtures/seeds/*.txt in file name order (read once).
const std::vector<std::string>& SeedArticles();

// The seed for randomized tests: NAQL_TEST_SEED if set (decimal), otherwise `default_seed`.
uint64_t TestSeed(uint64_t default_seed = 20261123);

// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, platform-independent generator. Used instead of
// <random> distributions, whose outputs differ between standard libraries.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound); requires bound > 0. (Lemire's multiply-shift; bias < 2^-32 for our sizes.)
  uint64_t Uniform(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * bound) >> 64);
  }
  // Uniform in [0, 1).
  double UniformDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Bernoulli(double p) { return UniformDouble() < p; }

 private:
  uint64_t state_;
};

}  // namespace naql::testing

#endif  // NAQL_TESTS_SUPPORT_TESTING_H_
