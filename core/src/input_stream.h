// input_stream.h — byte streams for the document readers (internal, not part of the public API).
//
// A ByteStream yields the bytes of one input in order: a file descriptor (optionally copied to a
// spool file as it is read, so that a pipe can be re-read later), a memory buffer, or a gzip or
// zstd decoder stacked on another stream. LineReader cuts a stream into lines with one growable
// buffer, so memory stays bounded by the longest line (itself bounded by a caller's limit) however
// large the input is.
//
// Example:
//   auto file = std::make_unique<naql::internal::FdStream>(fd, /*owns_fd=*/true, "a.jsonl.gz");
//   naql::internal::GzipStream gzip(std::move(file), "a.jsonl.gz");
//   naql::internal::LineReader lines(&gzip, /*max_line_bytes=*/1 << 20);
//   naql::internal::LineReader::Line line;
//   while (true) {
//     absl::StatusOr<bool> more = lines.Next(&line);
//     if (!more.ok() || !*more) break;
//     // line.data[0, line.size) is valid until the next call; line.padded_size bytes are readable.
//   }
//
// Error messages name the stream ("<name>: ...") and the byte offset (in the stream's own
// compressed or plain bytes) where the problem was found.
//
// Thread safety: none of these objects may be used from two threads at once; the byte counter
// `consumed()` is the exception (an atomic, so a progress thread may read it).

#ifndef NAQL_CORE_SRC_INPUT_STREAM_H_
#define NAQL_CORE_SRC_INPUT_STREAM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace naql::internal {

// Bytes that LineReader keeps readable (allocated, of unspecified content) after the end of every
// line it returns, so that a line can be handed to simdjson without a copy (simdjson needs
// SIMDJSON_PADDING = 64 such bytes; the JSONL parser static_asserts that this is enough).
inline constexpr size_t kLinePadding = 64;

// A source of bytes, read front to back once.
class ByteStream {
 public:
  virtual ~ByteStream() = default;

  // Reads up to `size` (> 0) bytes into `buffer`. Returns the number read, at least 1 unless the
  // stream has ended (then 0, and 0 again on every later call). Errors (read failure, corrupt or
  // truncated compressed data) name the stream and the offset; after one, the stream is unusable.
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t size) = 0;

  // Bytes taken so far from the underlying source (for a decoder: compressed bytes). Readable from
  // any thread.
  uint64_t consumed() const { return consumed_.load(std::memory_order_relaxed); }

 protected:
  void AddConsumed(uint64_t n) {
    consumed_.store(consumed_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t> consumed_{0};
};

// Reads a file descriptor (a file, a pipe, standard input). When `spool_fd` >= 0, every byte read
// is also appended to `spool_fd` (not owned), so that a pipe's content can be re-read with pread
// at the same offsets. Closes `fd` on destruction when `owns_fd`.
class FdStream : public ByteStream {
 public:
  FdStream(int fd, bool owns_fd, std::string name, int spool_fd = -1);
  ~FdStream() override;
  FdStream(const FdStream&) = delete;
  FdStream& operator=(const FdStream&) = delete;

  absl::StatusOr<size_t> Read(char* buffer, size_t size) override;

 private:
  int fd_;
  bool owns_fd_;
  std::string name_;
  int spool_fd_;
  uint64_t offset_ = 0;
};

// Reads a caller-owned buffer, which must outlive the stream. For tests and fuzzing; `chunk`
// (> 0) caps the bytes returned per Read so that buffer-boundary cases can be exercised.
class MemoryStream : public ByteStream {
 public:
  explicit MemoryStream(absl::string_view data, size_t chunk = SIZE_MAX)
      : data_(data), chunk_(chunk) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override;

 private:
  absl::string_view data_;
  size_t chunk_;
  size_t position_ = 0;
};

// Decodes gzip (RFC 1952) from `source` with zlib, streaming. Concatenated members (as written by
// `cat a.gz b.gz`) decode to the concatenation of their contents. An empty source is an empty
// stream; a source that ends inside a member is DataLoss ("truncated gzip data"); bytes that are
// not gzip data are DataLoss ("corrupt gzip data ... (zlib's message)").
class GzipStream : public ByteStream {
 public:
  GzipStream(std::unique_ptr<ByteStream> source, std::string name);
  ~GzipStream() override;
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  absl::StatusOr<size_t> Read(char* buffer, size_t size) override;

  // The gzip member that produced the bytes of the last Read() (each Read() returns bytes of one
  // member only): the offset of its first byte in the compressed source, and the offset of its
  // first decompressed byte in this stream. A WARC file written with one record per member (as
  // Common Crawl writes them) can be re-read record by record from these offsets. Both 0 before
  // the first Read().
  uint64_t member_offset() const;
  uint64_t member_output_offset() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Decodes zstd frames (RFC 8878) from `source` with libzstd, streaming; several frames decode to
// the concatenation of their contents, skippable frames to nothing. Errors as for GzipStream, with
// zstd's error name. Frames that need a window above zstd's default limit (128 MiB, e.g. made with
// `zstd --long=31`) are refused by libzstd with a message saying so.
class ZstdStream : public ByteStream {
 public:
  ZstdStream(std::unique_ptr<ByteStream> source, std::string name);
  ~ZstdStream() override;
  ZstdStream(const ZstdStream&) = delete;
  ZstdStream& operator=(const ZstdStream&) = delete;

  absl::StatusOr<size_t> Read(char* buffer, size_t size) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Cuts a stream into lines ending in '\n' (the last line may lack it). Bytes are returned as they
// are: no '\r' stripping, no decoding. Memory: one buffer that grows to hold the longest line seen,
// up to max_line_bytes + 1 + kLinePadding, and shrinks back to 1 MiB once a line above 16 MiB has
// been consumed; a longer line is not kept but skipped through (streamed) and reported with
// `too_long`.
class LineReader {
 public:
  struct Line {
    const char* data = nullptr;  // the line's bytes, without '\n'; valid until the next Next()
    size_t size = 0;             // bytes at data (0 when too_long)
    size_t padded_size = 0;      // bytes readable from data: >= size + kLinePadding
    uint64_t offset = 0;         // stream offset of the line's first byte
    uint64_t length = 0;         // the line's full length without '\n' (== size unless too_long)
    uint64_t number = 0;         // 1-based line number
    bool too_long = false;       // length > max_line_bytes; data/size are empty
  };

  // `stream` is not owned and must outlive the reader. Requires max_line_bytes >= 1.
  LineReader(ByteStream* stream, uint64_t max_line_bytes);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Reads the next line into *line. Returns false at the end of the stream; the stream's error if
  // reading fails (the reader is then unusable).
  absl::StatusOr<bool> Next(Line* line);

 private:
  // Moves the unconsumed bytes to the front, grows the buffer if it is (nearly) full, and reads
  // more. Sets eof_ when the stream has ended.
  absl::Status Fill();
  // Skips the rest of a line longer than the limit; `seen` bytes of it were already in the buffer.
  absl::Status SkipLongLine(Line* line);
  void Reserve(size_t capacity);

  ByteStream* stream_;
  uint64_t max_line_bytes_;
  std::unique_ptr<char[]> buffer_;  // capacity_ + kLinePadding bytes
  size_t capacity_ = 0;
  size_t begin_ = 0;     // first unconsumed byte
  size_t end_ = 0;       // one past the last byte read
  size_t scanned_ = 0;   // bytes after begin_ already known to hold no '\n'
  uint64_t offset_ = 0;  // stream offset of buffer_[begin_]
  uint64_t line_number_ = 0;
  bool eof_ = false;
};

}  // namespace naql::internal

#endif  // NAQL_CORE_SRC_INPUT_STREAM_H_
