// lcs.h — length of the longest common subsequence of two sequences of 64-bit hashes, in
// O(n + m · ⌈n / 64⌉) time with the bit-parallel algorithm of Allison and Dix (1986) as
// formulated by Hyyrö ("Bit-parallel LCS-length computation revisited", 2004).
//
// For each position j of b, the column of the textbook dynamic programming table is encoded as a
// bit vector V over the positions of a: bit i is 0 where the LCS of a[0..i] and b[0..j] grows at
// i. With M the positions of a holding b[j], the next column is
//     V' = (V + (V & M)) | (V & ~M)
// (the addition carries across the 64-bit words of V), and the length is the number of zero bits
// of V at the end. The quotation clusterer compares quotations of up to a few hundred words, so a
// column costs a handful of word operations where the dynamic programming costs n comparisons.

#ifndef NAQL_LCS_H_
#define NAQL_LCS_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace naql::internal {

// One sequence prepared for LCS lengths against many others: per distinct hash, the bit vector of
// its positions, found through a small open-addressing table (hashes are XXH3 values, so their
// low bits index it well). Reusable: Assign() allocates nothing once the buffers have grown.
class LcsPattern {
 public:
  // Prepares `a` (copied; `a` need not outlive the pattern).
  void Assign(absl::Span<const uint64_t> a) {
    n_ = a.size();
    words_ = (n_ + 63) / 64;
    size_t capacity = 16;
    while (capacity < 2 * n_) capacity *= 2;
    slot_mask_ = capacity - 1;
    slot_keys_.resize(capacity);
    slot_masks_.assign(capacity, kEmpty);
    masks_.clear();
    for (size_t i = 0; i < n_; ++i) {
      const size_t slot = Find(a[i]);
      if (slot_masks_[slot] == kEmpty) {
        slot_keys_[slot] = a[i];
        slot_masks_[slot] = static_cast<uint32_t>(masks_.size());
        masks_.resize(masks_.size() + words_, 0);
      }
      masks_[slot_masks_[slot] + i / 64] |= uint64_t{1} << (i % 64);
    }
  }

  // The number of elements of the longest common subsequence of the assigned sequence and b
  // (equal hashes match). O(|b| · ⌈n / 64⌉) with n the assigned sequence's length.
  uint32_t Length(absl::Span<const uint64_t> b) {
    if (n_ == 0 || b.empty()) return 0;
    v_.assign(words_, ~uint64_t{0});
    uint64_t* const v = v_.data();
    for (const uint64_t hash : b) {
      const size_t slot = Find(hash);
      if (slot_masks_[slot] == kEmpty) continue;  // M = 0 leaves V as it is
      const uint64_t* const mask = masks_.data() + slot_masks_[slot];
      uint64_t carry = 0;
      for (size_t k = 0; k < words_; ++k) {
        const uint64_t u = v[k] & mask[k];
        uint64_t sum = v[k] + u;
        const uint64_t wrapped = sum < u;  // v + u overflowed
        sum += carry;
        carry = wrapped | (sum < carry);  // or adding the carry did (at most one of the two)
        v[k] = sum | (v[k] & ~mask[k]);
      }
    }
    // Zero bits of V among its n meaningful bits (the bits past n stay 1: their mask bits are 0,
    // so V & ~M restores them whatever the carry did).
    size_t ones = 0;
    for (size_t k = 0; k < words_; ++k) ones += static_cast<size_t>(std::popcount(v[k]));
    return static_cast<uint32_t>(words_ * 64 - ones);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  // The slot holding `hash`, or the empty slot where it would go.
  size_t Find(uint64_t hash) const {
    size_t slot = hash & slot_mask_;
    while (slot_masks_[slot] != kEmpty && slot_keys_[slot] != hash) slot = (slot + 1) & slot_mask_;
    return slot;
  }

  size_t n_ = 0;
  size_t words_ = 0;  // 64-bit words per bit vector
  size_t slot_mask_ = 0;
  std::vector<uint64_t> slot_keys_;   // the table: a distinct hash of the sequence per used slot
  std::vector<uint32_t> slot_masks_;  // offset of its bit vector in masks_, or kEmpty
  std::vector<uint64_t> masks_;
  std::vector<uint64_t> v_;  // the column bit vector
};

// The LCS length of a and b with a one-off pattern (`pattern` is working memory).
inline uint32_t LcsLength(absl::Span<const uint64_t> a, absl::Span<const uint64_t> b,
                          LcsPattern* pattern) {
  pattern->Assign(a);
  return pattern->Length(b);
}

}  // namespace naql::internal

#endif  // NAQL_LCS_H_
