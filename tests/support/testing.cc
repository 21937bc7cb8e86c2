#include "testing.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
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

const std::vector<std::string>& SeedArticles() {
  static const auto* const texts = [] {
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::directory_iterator(FixturePath("seeds"))) {
      if (entry.path().extension() == ".txt") paths.push_back(entry.path().string());
    }
    std::sort(paths.begin(), paths.end());
    auto* read = new std::vector<std::string>();
    for (const std::string& path : paths) read->push_back(ReadFileOrDie(path));
    return read;
  }();
  return *texts;
}

uint64_t TestSeed(uint64_t default_seed) {
  const char* env = std::getenv("NAQL_TEST_SEED");
  if (env == nullptr || *env == '\0') return default_seed;
  return std::strtoull(env, nullptr, 10);
}

}  // namespace naql::testing
