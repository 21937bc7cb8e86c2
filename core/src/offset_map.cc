#include "naql/offset_map.h"

#include <cassert>

namespace naql {

OriginalSpan OffsetMap::ToOriginal(uint32_t folded_begin, uint32_t folded_end) const {
  assert(folded_begin < folded_end && folded_end <= size());
  OriginalSpan span;
  span.byte_begin = byte_begin_[folded_begin];
  span.cp_begin = cp_begin_[folded_begin];
  // The source of folded_end - 1 ends where the next *different* source starts. Code points of
  // one expansion share their source, so skip those first (rarely more than one step).
  const uint32_t last_source = byte_begin_[folded_end - 1];
  uint32_t next = folded_end;
  while (next < size() && byte_begin_[next] == last_source) ++next;
  if (next < size()) {
    span.byte_end = byte_begin_[next];
    span.cp_end = cp_begin_[next];
  } else {
    span.byte_end = original_bytes_;
    span.cp_end = original_code_points_;
  }
  return span;
}

void OffsetMap::Reserve(size_t folded_code_points) {
  byte_begin_.reserve(folded_code_points);
  cp_begin_.reserve(folded_code_points);
}

void OffsetMap::Clear() {
  byte_begin_.clear();
  cp_begin_.clear();
  original_bytes_ = 0;
  original_code_points_ = 0;
}

}  // namespace naql
