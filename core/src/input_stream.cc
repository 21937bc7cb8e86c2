#include "input_stream.h"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "naql/status.h"

namespace naql::internal {
namespace {

// Compressed bytes requested from the source per refill. 256 KiB keeps the number of read calls
// low without holding much memory per open input.
constexpr size_t kCompressedChunk = 256 << 10;

// LineReader's first buffer and the least free space it reads into: large enough that reads are
// few (a system call per MiB), small enough that thousands of short inputs cost little.
constexpr size_t kInitialLineBuffer = 1 << 20;
constexpr size_t kMinReadSpace = 64 << 10;
// A buffer grown beyond this for a long line is shrunk back once that line is consumed.
constexpr size_t kShrinkAbove = 16 << 20;

// A write(2) of everything, retried on EINTR and short writes.
absl::Status WriteAll(int fd, const char* data, size_t size, absl::string_view name) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat(name, ": cannot write the spool file"));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

// ---- FdStream -----------------------------------------------------------------------------------

FdStream::FdStream(int fd, bool owns_fd, std::string name, int spool_fd)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), spool_fd_(spool_fd) {}

FdStream::~FdStream() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

absl::StatusOr<size_t> FdStream::Read(char* buffer, size_t size) {
  // Linux transfers at most 0x7ffff000 bytes per read; ask for no more than that.
  size = std::min<size_t>(size, 1u << 30);
  while (true) {
    ssize_t n = ::read(fd_, buffer, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat(name_, ": read failed at byte ", offset_));
    }
    if (n > 0 && spool_fd_ >= 0) {
      NAQL_RETURN_IF_ERROR(WriteAll(spool_fd_, buffer, static_cast<size_t>(n), name_));
    }
    offset_ += static_cast<uint64_t>(n);
    AddConsumed(static_cast<uint64_t>(n));
    return static_cast<size_t>(n);
  }
}

// ---- MemoryStream -------------------------------------------------------------------------------

absl::StatusOr<size_t> MemoryStream::Read(char* buffer, size_t size) {
  size_t n = std::min({size, chunk_, data_.size() - position_});
  if (n > 0) std::memcpy(buffer, data_.data() + position_, n);
  position_ += n;
  AddConsumed(n);
  return n;
}

// ---- GzipStream ---------------------------------------------------------------------------------

struct GzipStream::State {
  std::unique_ptr<ByteStream> source;
  std::string name;
  z_stream zs{};
  bool initialized = false;
  std::unique_ptr<unsigned char[]> in{new unsigned char[kCompressedChunk]};
  bool source_ended = false;
  bool member_open = false;  // inside a gzip member (header read or being read, trailer not yet)
  uint64_t members = 0;      // members completed
  uint64_t member_offset = 0;         // compressed offset of the current member's first byte
  uint64_t member_output_offset = 0;  // stream offset of the current member's first output byte
  uint64_t output = 0;                // bytes returned so far
  uint64_t compressed_position() const { return source->consumed() - zs.avail_in; }
};

GzipStream::GzipStream(std::unique_ptr<ByteStream> source, std::string name)
    : state_(std::make_unique<State>()) {
  state_->source = std::move(source);
  state_->name = std::move(name);
}

GzipStream::~GzipStream() {
  if (state_->initialized) inflateEnd(&state_->zs);
}

absl::StatusOr<size_t> GzipStream::Read(char* buffer, size_t size) {
  State& s = *state_;
  if (!s.initialized) {
    // 16 + MAX_WBITS: expect a gzip header and trailer (RFC 1952), 32 KiB window.
    if (inflateInit2(&s.zs, 16 + MAX_WBITS) != Z_OK) {
      return absl::ResourceExhaustedError(absl::StrCat(s.name, ": cannot initialize zlib"));
    }
    s.initialized = true;
  }
  s.zs.next_out = reinterpret_cast<Bytef*>(buffer);
  s.zs.avail_out = static_cast<uInt>(std::min<size_t>(size, UINT_MAX));
  const uInt requested = s.zs.avail_out;
  while (true) {
    if (s.zs.avail_in == 0 && !s.source_ended) {
      NAQL_ASSIGN_OR_RETURN(size_t n,
                            s.source->Read(reinterpret_cast<char*>(s.in.get()), kCompressedChunk));
      AddConsumed(n);
      if (n == 0) s.source_ended = true;
      s.zs.next_in = s.in.get();
      s.zs.avail_in = static_cast<uInt>(n);
    }
    const bool no_more_input = s.zs.avail_in == 0 && s.source_ended;
    if (no_more_input && !s.member_open) return requested - s.zs.avail_out;
    if (!s.member_open) {
      // A new member follows the previous one: start over with a fresh header.
      if (s.members > 0 && inflateReset(&s.zs) != Z_OK) {
        return absl::InternalError(absl::StrCat(s.name, ": zlib reset failed"));
      }
      s.member_open = true;
      s.member_offset = s.compressed_position();
      s.member_output_offset = s.output + (requested - s.zs.avail_out);
    }
    int ret = inflate(&s.zs, Z_NO_FLUSH);
    if (ret == Z_STREAM_END) {
      s.member_open = false;
      ++s.members;
    } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
      // Z_BUF_ERROR only says "no progress possible without more input"; the rest are real errors.
      return absl::DataLossError(absl::StrCat(s.name, ": corrupt gzip data at byte ",
                                              s.compressed_position(), " (",
                                              s.zs.msg != nullptr ? s.zs.msg : "zlib error", ")"));
    }
    size_t produced = requested - s.zs.avail_out;
    if (produced > 0) {
      s.output += produced;
      return produced;
    }
    if (no_more_input && s.member_open) {
      return absl::DataLossError(absl::StrCat(s.name, ": truncated gzip data (input ends at byte ",
                                              s.compressed_position(), ")"));
    }
  }
}

uint64_t GzipStream::member_offset() const { return state_->member_offset; }
uint64_t GzipStream::member_output_offset() const { return state_->member_output_offset; }

// ---- ZstdStream ---------------------------------------------------------------------------------

struct ZstdStream::State {
  std::unique_ptr<ByteStream> source;
  std::string name;
  ZSTD_DCtx* dctx = nullptr;
  std::unique_ptr<char[]> in{new char[kCompressedChunk]};
  ZSTD_inBuffer input{nullptr, 0, 0};
  bool source_ended = false;
  bool frame_open = false;  // the last call left a frame unfinished (or output unflushed)
  uint64_t compressed_position() const { return source->consumed() - (input.size - input.pos); }
};

ZstdStream::ZstdStream(std::unique_ptr<ByteStream> source, std::string name)
    : state_(std::make_unique<State>()) {
  state_->source = std::move(source);
  state_->name = std::move(name);
}

ZstdStream::~ZstdStream() { ZSTD_freeDCtx(state_->dctx); }

absl::StatusOr<size_t> ZstdStream::Read(char* buffer, size_t size) {
  State& s = *state_;
  if (s.dctx == nullptr) {
    s.dctx = ZSTD_createDCtx();
    if (s.dctx == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat(s.name, ": cannot create a zstd context"));
    }
  }
  ZSTD_outBuffer output{buffer, size, 0};
  while (true) {
    if (s.input.pos == s.input.size && !s.source_ended) {
      NAQL_ASSIGN_OR_RETURN(size_t n, s.source->Read(s.in.get(), kCompressedChunk));
      AddConsumed(n);
      if (n == 0) s.source_ended = true;
      s.input = ZSTD_inBuffer{s.in.get(), n, 0};
    }
    const bool no_more_input = s.input.pos == s.input.size && s.source_ended;
    if (no_more_input && !s.frame_open) return output.pos;
    // With no input left, the call can still flush output that zstd holds back.
    size_t ret = ZSTD_decompressStream(s.dctx, &output, &s.input);
    if (ZSTD_isError(ret)) {
      return absl::DataLossError(absl::StrCat(s.name, ": corrupt zstd data at byte ",
                                              s.compressed_position(), " (", ZSTD_getErrorName(ret),
                                              ")"));
    }
    // 0 means a frame is complete and fully flushed (zstd_decompress.h).
    s.frame_open = ret != 0;
    if (output.pos > 0) return output.pos;
    if (no_more_input && s.frame_open) {
      return absl::DataLossError(absl::StrCat(s.name, ": truncated zstd data (input ends at byte ",
                                              s.compressed_position(), ")"));
    }
  }
}

// ---- LineReader ---------------------------------------------------------------------------------

LineReader::LineReader(ByteStream* stream, uint64_t max_line_bytes)
    : stream_(stream), max_line_bytes_(max_line_bytes) {}

LineReader::~LineReader() = default;

void LineReader::Reserve(size_t capacity) {
  // The padding is never read as data: its content does not matter (simdjson only needs it to be
  // allocated), but it is zeroed once so that no uninitialized byte is ever looked at.
  std::unique_ptr<char[]> bigger(new char[capacity + kLinePadding]);
  if (end_ > begin_) std::memcpy(bigger.get(), buffer_.get() + begin_, end_ - begin_);
  std::memset(bigger.get() + capacity, 0, kLinePadding);
  end_ -= begin_;
  begin_ = 0;
  buffer_ = std::move(bigger);
  capacity_ = capacity;
}

absl::Status LineReader::Fill() {
  // A line may need max_line_bytes + 1 bytes ('\n' included) before it can be recognized.
  const size_t limit = static_cast<size_t>(std::min<uint64_t>(max_line_bytes_ + 1, SIZE_MAX / 2));
  const size_t pending = end_ - begin_;
  if (buffer_ == nullptr) {
    Reserve(std::min(kInitialLineBuffer, limit));
  } else if (capacity_ > kShrinkAbove && pending < kInitialLineBuffer / 2) {
    // A very long line has been consumed: give its memory back rather than keep it for the rest
    // of the input.
    Reserve(std::min(kInitialLineBuffer, limit));
  } else if (capacity_ - pending < kMinReadSpace && capacity_ < limit) {
    Reserve(std::min(std::max(capacity_ * 2, pending + kMinReadSpace), limit));
  } else if (begin_ > 0 && capacity_ - end_ < kMinReadSpace) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, pending);
    begin_ = 0;
    end_ = pending;
  }
  if (end_ == capacity_) {  // only when capacity_ == limit and the buffer is full: caller handles
    return absl::OkStatus();
  }
  NAQL_ASSIGN_OR_RETURN(size_t n, stream_->Read(buffer_.get() + end_, capacity_ - end_));
  if (n == 0) eof_ = true;
  end_ += n;
  return absl::OkStatus();
}

absl::Status LineReader::SkipLongLine(Line* line) {
  // Nothing of the line is kept: count its bytes until '\n' or the end of the stream.
  uint64_t length = end_ - begin_;
  begin_ = end_ = scanned_ = 0;
  while (!eof_) {
    NAQL_ASSIGN_OR_RETURN(size_t n, stream_->Read(buffer_.get(), capacity_));
    if (n == 0) {
      eof_ = true;
      break;
    }
    const char* newline = static_cast<const char*>(std::memchr(buffer_.get(), '\n', n));
    if (newline != nullptr) {
      size_t head = static_cast<size_t>(newline - buffer_.get());
      length += head;
      begin_ = head + 1;
      end_ = n;
      line->offset = offset_;
      line->length = length;
      offset_ += length + 1;
      return absl::OkStatus();
    }
    length += n;
  }
  line->offset = offset_;
  line->length = length;
  offset_ += length;
  return absl::OkStatus();
}

absl::StatusOr<bool> LineReader::Next(Line* line) {
  while (true) {
    const char* newline = nullptr;
    if (end_ > begin_ + scanned_) {
      newline = static_cast<const char*>(
          std::memchr(buffer_.get() + begin_ + scanned_, '\n', end_ - begin_ - scanned_));
    }
    if (newline == nullptr) scanned_ = end_ - begin_;
    if (newline == nullptr && !eof_ && scanned_ <= max_line_bytes_) {
      NAQL_RETURN_IF_ERROR(Fill());
      if (end_ - begin_ > scanned_ || eof_) continue;
      // Fill() could not add a byte: the buffer is full of one line that is not yet too long.
      // Cannot happen (the buffer holds max_line_bytes + 1), but never loop forever.
      return absl::InternalError("line buffer full");
    }
    if (newline == nullptr && scanned_ == 0) return false;  // eof_ and nothing left
    ++line_number_;
    line->number = line_number_;
    if (newline == nullptr && scanned_ > max_line_bytes_) {
      // Too long, whether or not more of it follows.
      line->data = nullptr;
      line->size = line->padded_size = 0;
      line->too_long = true;
      NAQL_RETURN_IF_ERROR(SkipLongLine(line));
      return true;
    }
    const char* start = buffer_.get() + begin_;
    const size_t size = newline != nullptr ? static_cast<size_t>(newline - start) : scanned_;
    line->offset = offset_;
    line->length = size;
    line->too_long = size > max_line_bytes_;
    line->data = line->too_long ? nullptr : start;
    line->size = line->too_long ? 0 : size;
    line->padded_size = line->too_long ? 0 : capacity_ + kLinePadding - begin_;
    const size_t consumed = size + (newline != nullptr ? 1 : 0);
    begin_ += consumed;
    offset_ += consumed;
    scanned_ = 0;
    return true;
  }
}

}  // namespace naql::internal
