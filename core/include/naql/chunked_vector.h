// naql/chunked_vector.h — an append-only array in fixed-size chunks, for large tables that grow
// for the whole of a scan.
//
// A std::vector that grows by doubling holds up to twice its size, and three times while it moves
// to a larger buffer; appended a chunk at a time, this array holds its elements plus less than
// one chunk, and never moves them: its peak is its size. Elements are reached by index (a shift
// and a mask); ranges may straddle chunks, so they are copied out rather than viewed in place.

#ifndef NAQL_CHUNKED_VECTOR_H_
#define NAQL_CHUNKED_VECTOR_H_

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace naql::internal {

template <typename T, size_t kChunkBytes = size_t{1} << 20>
class ChunkedVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  // Elements per chunk: a power of two, so that an index splits with a shift and a mask.
  static constexpr size_t kPerChunk = std::bit_floor(kChunkBytes / sizeof(T));

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  const T& operator[](size_t i) const {
    assert(i < size_);
    return chunks_[i / kPerChunk][i % kPerChunk];
  }

  void push_back(const T& value) {
    if (size_ % kPerChunk == 0 && size_ / kPerChunk == chunks_.size()) AddChunk();
    chunks_[size_ / kPerChunk][size_ % kPerChunk] = value;
    ++size_;
  }

  // Appends data[0, n).
  void Append(const T* data, size_t n) {
    while (n > 0) {
      if (size_ % kPerChunk == 0 && size_ / kPerChunk == chunks_.size()) AddChunk();
      const size_t room = kPerChunk - size_ % kPerChunk;
      const size_t take = std::min(room, n);
      std::copy(data, data + take, chunks_[size_ / kPerChunk].get() + size_ % kPerChunk);
      data += take;
      n -= take;
      size_ += take;
    }
  }

  // Copies elements [begin, begin + n) to out[0, n).
  void CopyOut(size_t begin, size_t n, T* out) const {
    assert(begin <= size_ && n <= size_ - begin);
    while (n > 0) {
      const size_t offset = begin % kPerChunk;
      const size_t take = std::min(kPerChunk - offset, n);
      const T* chunk = chunks_[begin / kPerChunk].get();
      std::copy(chunk + offset, chunk + offset + take, out);
      out += take;
      begin += take;
      n -= take;
    }
  }

  // Heap bytes held: the chunks (the last one partly filled) and their table.
  size_t memory_bytes() const {
    return chunks_.size() * kPerChunk * sizeof(T) + chunks_.capacity() * sizeof(chunks_[0]);
  }

 private:
  void AddChunk() { chunks_.push_back(std::make_unique_for_overwrite<T[]>(kPerChunk)); }

  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

// A text of many appended pieces, read back by (begin, size) ranges.
class ChunkedText {
 public:
  size_t size() const { return bytes_.size(); }
  void Append(absl::string_view piece) { bytes_.Append(piece.data(), piece.size()); }
  // Bytes [begin, begin + n) as a string.
  std::string Substr(size_t begin, size_t n) const {
    std::string out;
    Assign(begin, n, &out);
    return out;
  }
  // Writes bytes [begin, begin + n) to *out (replacing its contents; reuses its capacity).
  void Assign(size_t begin, size_t n, std::string* out) const {
    out->resize(n);
    bytes_.CopyOut(begin, n, out->data());
  }
  size_t memory_bytes() const { return bytes_.memory_bytes(); }

 private:
  ChunkedVector<char> bytes_;
};

}  // namespace naql::internal

#endif  // NAQL_CHUNKED_VECTOR_H_
