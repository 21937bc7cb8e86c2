// spill_file.h — an unnamed temporary file that a scan writes what it need not keep in memory to
// (passage fingerprints, the texts of articles that cannot be read again), and reads
// back by offset.
//
// The file has no name: it is made with O_TMPFILE where the file system supports it, otherwise
// made with mkstemp() and unlinked at once, so it disappears when it is closed or the process
// dies, whatever the exit. Writes go through a buffer; Flush() makes them readable.
//
// Thread safety: Append() and Flush() need exclusive access; ReadAt() of flushed bytes is
// thread-safe (pread), also while another thread appends.

#ifndef NAQL_SPILL_FILE_H_
#define NAQL_SPILL_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "naql/passage_index.h"

namespace naql::internal {

// `dir`, or $TMPDIR when `dir` is empty, or /tmp when neither is set.
std::string TempDirectory(const std::string& dir);

// An unnamed temporary file in `directory`, open for reading and writing: O_TMPFILE where the
// file system supports it, otherwise mkstemp() and unlink at once; it disappears when closed, also
// after a crash. Errors name the directory (ErrnoToStatus: NotFound, PermissionDenied, ...).
absl::StatusOr<int> CreateTempFile(const std::string& directory);

// pread(2) of exactly `size` bytes at `offset`, retried on EINTR and short reads. Returns the bytes
// read (fewer only at the end of the file); errors name `path`.
absl::StatusOr<size_t> PreadFully(int fd, char* buffer, size_t size, uint64_t offset,
                                  absl::string_view path);

class SpillFile {
 public:
  // Creates the file in TempDirectory(dir). Fails with a message naming the directory (missing,
  // not writable) and how to choose another.
  static absl::StatusOr<std::unique_ptr<SpillFile>> Create(const std::string& dir);

  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  // Appends `bytes` and returns the offset they start at. Buffered: a write error (disk full)
  // may surface here or at Flush().
  absl::StatusOr<uint64_t> Append(absl::string_view bytes);

  // Writes the buffer out: every byte appended so far becomes readable.
  absl::Status Flush();

  // Reads `size` bytes at `offset` into `out`. The bytes must have been flushed.
  absl::Status ReadAt(uint64_t offset, size_t size, char* out) const;

  // Many small ranges read in order of offset, each through ReadAt, would cost a system call
  // apiece: a BlockReader reads `block` bytes at a time (or the range, when longer) and serves the
  // ranges that fall inside. For one thread; the file must outlive it.
  class BlockReader {
   public:
    explicit BlockReader(const SpillFile* file, size_t block = size_t{256} << 10)
        : file_(file), block_(block) {}
    // ReadAt(offset, size, out) into *out (resized to `size`). Fastest when successive offsets
    // increase; any order is correct.
    absl::Status Read(uint64_t offset, size_t size, std::string* out);

   private:
    const SpillFile* file_;
    size_t block_;
    uint64_t begin_ = 0;  // file offset of buffer_[0]
    std::string buffer_;
  };

  // Bytes appended so far.
  uint64_t size() const { return flushed_ + buffer_.size(); }
  const std::string& directory() const { return directory_; }

 private:
  SpillFile(int fd, std::string directory);
  // Writes [data, data + size) at the end of the file.
  absl::Status Write(const char* data, size_t size);

  static constexpr size_t kBufferBytes = size_t{1} << 20;

  int fd_;
  std::string directory_;
  uint64_t flushed_ = 0;  // bytes written to the file
  std::string buffer_;    // appended, not yet written
};

// The passage fingerprints of a scan, kept in a SpillFile rather than in memory until the
// candidate phase, split by hash into partitions that are then indexed one at a time: a hash's
// documents are all in one partition, so each partition's index finds exactly the pairs sharing
// its hashes, with exact document frequencies, in a 1/partitions share of the memory.
// Each fingerprint keeps its position until the boilerplate of its article is known.
class PassageSpill {
 public:
  struct Record {
    uint32_t hash_high;
    uint32_t hash_low;
    uint32_t doc;
    uint32_t position;  // PassageFingerprint::position
  };

  // Partitions for an input of `input_bytes` (0 when unknown): 16, or more for inputs over 1 GiB
  // so that a partition's index stays near 64 MiB; at most 256.
  static unsigned PartitionsFor(uint64_t input_bytes);

  // `partitions` is a power of two in 1..256; `file` must outlive this.
  PassageSpill(SpillFile* file, unsigned partitions);

  // Adds the fingerprints of `doc`.
  absl::Status Add(uint32_t doc, absl::Span<const PassageFingerprint> fps);

  // Writes out what is buffered; then ForEach() may read. Add() must not follow.
  absl::Status Finish();

  // Calls fn for each record of `partition` (< partitions()), in the order they were added.
  absl::Status ForEach(unsigned partition, absl::FunctionRef<void(const Record&)> fn) const;

  unsigned partitions() const { return static_cast<unsigned>(buffers_.size()); }
  uint64_t records() const { return records_; }
  // Heap bytes held (the write buffers and the chunk lists).
  size_t memory_bytes() const;

 private:
  static constexpr size_t kChunkRecords = 2048;  // 32 KiB a partition's buffer

  struct Chunk {
    uint64_t offset;  // in the file
    uint32_t records;
  };

  absl::Status WriteChunk(unsigned partition);

  SpillFile* file_;
  std::vector<std::vector<Record>> buffers_;  // per partition, up to kChunkRecords
  std::vector<std::vector<Chunk>> chunks_;    // per partition, in order
  uint64_t records_ = 0;
};

}  // namespace naql::internal

#endif  // NAQL_SPILL_FILE_H_
