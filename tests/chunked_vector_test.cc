// Tests of the chunked append-only array against std::vector and std::string.

#include "naql/chunked_vector.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace naql::internal {
namespace {

struct Pair {
  uint64_t a;
  uint32_t b;
  bool operator==(const Pair&) const = default;
};

// Tiny chunks (4 elements of 16 bytes; 8 bytes of text) so that pieces straddle many of them.
TEST(ChunkedVectorTest, EqualsAVectorOfTheSameAppends) {
  std::mt19937_64 random(3);
  ChunkedVector<Pair, 64> chunked;
  static_assert(ChunkedVector<Pair, 64>::kPerChunk == 4);
  std::vector<Pair> oracle;
  for (int step = 0; step < 2000; ++step) {
    if (random() % 2 == 0) {
      const Pair p{random(), static_cast<uint32_t>(random())};
      chunked.push_back(p);
      oracle.push_back(p);
    } else {
      std::vector<Pair> run(random() % 11);
      for (Pair& p : run) p = {random(), static_cast<uint32_t>(random())};
      chunked.Append(run.data(), run.size());
      oracle.insert(oracle.end(), run.begin(), run.end());
    }
    ASSERT_EQ(chunked.size(), oracle.size());
  }
  for (size_t i = 0; i < oracle.size(); ++i) ASSERT_EQ(chunked[i], oracle[i]) << i;
  for (int trial = 0; trial < 500; ++trial) {
    const size_t begin = random() % (oracle.size() + 1);
    const size_t n = random() % (oracle.size() - begin + 1);
    std::vector<Pair> out(n);
    chunked.CopyOut(begin, n, out.data());
    EXPECT_EQ(out, std::vector<Pair>(oracle.begin() + begin, oracle.begin() + begin + n));
  }
  // It holds its elements plus less than one chunk (and the chunk table).
  EXPECT_LT(chunked.memory_bytes() - oracle.size() * sizeof(Pair),
            4 * sizeof(Pair) + 2 * (oracle.size() / 4 + 1) * sizeof(void*));
}

TEST(ChunkedTextTest, SubstringsEqualThoseOfTheConcatenation) {
  std::mt19937_64 random(4);
  ChunkedText text;
  std::string oracle;
  for (int piece = 0; piece < 300; ++piece) {
    std::string s(random() % (piece % 50 == 0 ? 3'000'000 : 40), '\0');
    for (char& c : s) c = static_cast<char>('a' + random() % 26);
    text.Append(s);
    oracle += s;
  }
  ASSERT_EQ(text.size(), oracle.size());
  std::string reused;
  for (int trial = 0; trial < 300; ++trial) {
    const size_t begin = random() % (oracle.size() + 1);
    const size_t n = random() % std::min<size_t>(oracle.size() - begin + 1, 3'000'000);
    EXPECT_EQ(text.Substr(begin, n), oracle.substr(begin, n));
    text.Assign(begin, n, &reused);
    EXPECT_EQ(reused, oracle.substr(begin, n));
  }
  EXPECT_EQ(text.Substr(oracle.size(), 0), "");
}

TEST(ChunkedVectorTest, EmptyIsEmpty) {
  ChunkedVector<uint32_t> empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.memory_bytes(), 0u);
  empty.CopyOut(0, 0, nullptr);
  empty.Append(nullptr, 0);
  EXPECT_EQ(empty.size(), 0u);
}

}  // namespace
}  // namespace naql::internal
