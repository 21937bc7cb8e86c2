// naql/shingler.h — word k-gram shingles hashed with XXH3.
//
// A shingle is k consecutive token hashes; its hash is XXH3-64 (seed kShingleSeed) of the k hashes'
// 8-byte little-endian encodings, so it is the same on every platform and every run. A text with
// fewer than k tokens (but at least one) yields a single shingle of all its tokens, so short texts
// still have a fingerprint.
//
// Example:
//   std::vector<uint64_t> shingles;
//   naql::HashShingles(token_hashes, /*size=*/5, &shingles);   // token_hashes.size() - 4 values
//
// Thread safety: free functions without shared state.

#ifndef NAQL_SHINGLER_H_
#define NAQL_SHINGLER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "naql/tokenizer.h"

namespace naql {

inline constexpr uint32_t kShinglerVersion = 1;
inline constexpr uint64_t kShingleSeed = 0x6e61716c73686731ULL;  // "naqlshg1"

struct ShingleOptions {
  uint32_t size = 5;  // words per shingle; 1..32
  absl::Status Validate() const;
};

// Hash of the shingle made of `token_hashes` (all of them). Requires a non-empty span.
uint64_t HashShingle(absl::Span<const uint64_t> token_hashes);

// Writes (clearing `out` first) the hash of every window of `size` consecutive token hashes, in
// order: out[i] covers tokens [i, i + size). See the file comment for texts shorter than `size`.
void HashShingles(absl::Span<const uint64_t> token_hashes, uint32_t size,
                  std::vector<uint64_t>* out);

// The token hashes of `tokens`, in order (clearing `out` first).
void TokenHashes(absl::Span<const Token> tokens, std::vector<uint64_t>* out);

}  // namespace naql

#endif  // NAQL_SHINGLER_H_
