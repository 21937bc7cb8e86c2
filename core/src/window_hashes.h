// window_hashes.h — XXH3-64 of every window of consecutive 64-bit token hashes, as one string of
// little-endian bytes: the shingle hashes (shingler.cc) and the aligner's seed k-grams
// (aligner.cc). With the window's length a constant, XXH3's choice among its length classes and
// its loop over 16-byte lanes are made at compile time, so the common sizes get a loop of their
// own.

#ifndef NAQL_WINDOW_HASHES_H_
#define NAQL_WINDOW_HASHES_H_

#include <cstddef>
#include <cstdint>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace naql::internal {

template <uint32_t kSize>
void HashWindowsOfSize(const uint64_t* hashes, size_t count, uint64_t seed, uint64_t* out) {
  for (size_t i = 0; i < count; ++i) {
    out[i] = XXH3_64bits_withSeed(hashes + i, kSize * sizeof(uint64_t), seed);
  }
}

// out[i] = XXH3-64 with `seed` of hashes[i, i + size), for i < count; `hashes` holds
// count + size - 1 values.
inline void HashWindows(const uint64_t* hashes, size_t count, uint32_t size, uint64_t seed,
                        uint64_t* out) {
  switch (size) {  // the shingle sizes (5, 7) and the aligner's seeds (3, 5), and neighbours
    case 3: return HashWindowsOfSize<3>(hashes, count, seed, out);
    case 4: return HashWindowsOfSize<4>(hashes, count, seed, out);
    case 5: return HashWindowsOfSize<5>(hashes, count, seed, out);
    case 6: return HashWindowsOfSize<6>(hashes, count, seed, out);
    case 7: return HashWindowsOfSize<7>(hashes, count, seed, out);
    case 8: return HashWindowsOfSize<8>(hashes, count, seed, out);
    default:
      for (size_t i = 0; i < count; ++i) {
        out[i] = XXH3_64bits_withSeed(hashes + i, size * sizeof(uint64_t), seed);
      }
  }
}

}  // namespace naql::internal

#endif  // NAQL_WINDOW_HASHES_H_
