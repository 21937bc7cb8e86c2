#include "naql/shingler.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/base/config.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "window_hashes.h"

namespace naql {

static_assert(ABSL_IS_LITTLE_ENDIAN, "shingle hashes are defined on little-endian encodings");

absl::Status ShingleOptions::Validate() const {
  if (size < 1 || size > 32) {
    return absl::InvalidArgumentError(absl::StrCat("shingle size must be 1..32, got ", size));
  }
  return absl::OkStatus();
}

uint64_t HashShingle(absl::Span<const uint64_t> token_hashes) {
  return XXH3_64bits_withSeed(token_hashes.data(), token_hashes.size() * sizeof(uint64_t),
                              kShingleSeed);
}

void HashShingles(absl::Span<const uint64_t> token_hashes, uint32_t size,
                  std::vector<uint64_t>* out) {
  out->clear();
  if (token_hashes.empty()) return;
  if (token_hashes.size() < size) {
    out->push_back(HashShingle(token_hashes));
    return;
  }
  const size_t count = token_hashes.size() - size + 1;
  out->resize(count);
  // The same hash as HashShingle's, window by window.
  internal::HashWindows(token_hashes.data(), count, size, kShingleSeed, out->data());
}

void TokenHashes(absl::Span<const Token> tokens, std::vector<uint64_t>* out) {
  out->resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) (*out)[i] = tokens[i].hash;
}

}  // namespace naql
