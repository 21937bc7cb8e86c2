// naql/offset_map.h — the exact map from folded text back to the original text.
//
// Normalization removes characters (diacritics, tatweel, bidi controls), replaces them (أ → ا) and
// expands them (the ligature ﻻ U+FEFB → ل ا). Every finding naql reports must point into the
// article as the user has it, so the normalizer records, for each code point of the folded text,
// the range of the original text it came from.
//
// Rules (the invariants the tests check):
//   * Each folded code point has a *source*: the original code point (or, for the rare multi-code
//     point NFKC segments, the original segment) that produced it. Code points produced by one
//     expansion share a source.
//   * A removed original character belongs to the source of the folded code point *before* it (so
//     the original span of a word includes its diacritics and tatweel); removed characters before
//     the first folded code point belong to no source.
//   * Sources are monotone and contiguous: source ranges of successive folded code points either
//     coincide (an expansion) or follow each other without gap, except for removed leading
//     characters. The last source ends at the end of the original text.
//   * An invalid UTF-8 sequence in the original is one source (of 1 to 3 bytes) producing U+FFFD.
//
// Thread safety: immutable after construction; const methods are thread-safe.

#ifndef NAQL_OFFSET_MAP_H_
#define NAQL_OFFSET_MAP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace naql {

// A half-open range of the original text, in UTF-8 bytes and in code points. (An invalid UTF-8
// sequence counts as one code point per maximal invalid subpart, 1 to 3 bytes, as it decodes to
// one U+FFFD; Python's errors="replace" counts the same way.)
struct OriginalSpan {
  uint32_t byte_begin = 0;
  uint32_t byte_end = 0;
  uint32_t cp_begin = 0;
  uint32_t cp_end = 0;

  bool empty() const { return byte_begin == byte_end; }
  friend bool operator==(const OriginalSpan&, const OriginalSpan&) = default;
};

class Normalizer;

class OffsetMap {
 public:
  OffsetMap() = default;

  // Number of folded code points mapped.
  uint32_t size() const { return static_cast<uint32_t>(byte_begin_.size()); }

  // Original span of folded code points [folded_begin, folded_end) (code point indices into the
  // folded text). Requires folded_begin < folded_end <= size(). The span starts at the source of
  // folded_begin and ends at the end of the source of folded_end - 1 (including any removed
  // characters that belong to it).
  OriginalSpan ToOriginal(uint32_t folded_begin, uint32_t folded_end) const;

  // Length of the original text.
  uint32_t original_bytes() const { return original_bytes_; }
  uint32_t original_code_points() const { return original_code_points_; }

  // ---- Building (used by the Normalizer) ----
  void Reserve(size_t folded_code_points);
  void Clear();
  // Appends one folded code point whose source starts at the given original position.
  void Append(uint32_t original_byte, uint32_t original_code_point) {
    byte_begin_.push_back(original_byte);
    cp_begin_.push_back(original_code_point);
  }
  // Records the length of the original text; call once after the last Append.
  void Finish(uint32_t original_bytes, uint32_t original_code_points) {
    original_bytes_ = original_bytes;
    original_code_points_ = original_code_points;
  }

  // Raw access for tests and for stages that map many positions at once.
  const std::vector<uint32_t>& byte_begins() const { return byte_begin_; }
  const std::vector<uint32_t>& cp_begins() const { return cp_begin_; }

 private:
  friend class Normalizer;  // fills the arrays directly in its single pass (no per-entry checks)

  std::vector<uint32_t> byte_begin_;  // per folded code point: first original byte of its source
  std::vector<uint32_t> cp_begin_;    // per folded code point: first original code point of it
  uint32_t original_bytes_ = 0;
  uint32_t original_code_points_ = 0;
};

}  // namespace naql

#endif  // NAQL_OFFSET_MAP_H_
