#include "testing.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace naql::testing {

std::string FixturePath(const std::string& relative) {
  return std::string(NAQL_FIXTURES_DIR) + "/" + relative;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::abort();
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

uint64_t TestSeed(uint64_t default_seed) {
  const char* env = std::getenv("NAQL_TEST_SEED");
  if (env == nullptr || *env == '\0') return default_seed;
  return std::strtoull(env, nullptr, 10);
}

}  // namespace naql::testing
