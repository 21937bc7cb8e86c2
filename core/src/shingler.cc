#include "naql/shingler.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/base/config.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

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

namespace {

// HashShingle of every window of kSize token hashes. With the length a constant, XXH3's choice
// among its length classes and its loop over 16-byte lanes are made at compile time.
template <uint32_t kSize>
void HashWindows(const uint64_t* token_hashes, size_t count, uint64_t* out) {
  for (size_t i = 0; i < count; ++i) {
    out[i] = XXH3_64bits_withSeed(token_hashes + i, kSize * sizeof(uint64_t), kShingleSeed);
  }
}

}  // namespace

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
  const uint64_t* const in = token_hashes.data();
  switch (size) {  // the default shingle (5) and passage shingle (7) sizes, and their neighbours
    case 3: return HashWindows<3>(in, count, out->data());
    case 4: return HashWindows<4>(in, count, out->data());
    case 5: return HashWindows<5>(in, count, out->data());
    case 6: return HashWindows<6>(in, count, out->data());
    case 7: return HashWindows<7>(in, count, out->data());
    case 8: return HashWindows<8>(in, count, out->data());
    default:
      for (size_t i = 0; i < count; ++i) (*out)[i] = HashShingle(token_hashes.subspan(i, size));
  }
}

void TokenHashes(absl::Span<const Token> tokens, std::vector<uint64_t>* out) {
  out->resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) (*out)[i] = tokens[i].hash;
}

}  // namespace naql
