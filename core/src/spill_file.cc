#include "spill_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <utility>

#include "absl/strings/str_cat.h"
#include "naql/status.h"

namespace naql::internal {

std::string TempDirectory(const std::string& dir) {
  if (!dir.empty()) return dir;
  const char* tmpdir = getenv("TMPDIR");
  if (tmpdir != nullptr && *tmpdir != '\0') return tmpdir;
  return "/tmp";
}

absl::StatusOr<int> CreateTempFile(const std::string& directory) {
  int fd = -1;
#ifdef O_TMPFILE
  fd = open(directory.c_str(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
#endif
  if (fd >= 0) return fd;
  // No O_TMPFILE (Linux 3.11, and the file system must support it): a named file, unlinked at
  // once.
  std::string name = directory.empty() || directory.back() != '/'
                         ? absl::StrCat(directory, "/naql-XXXXXX")
                         : absl::StrCat(directory, "naql-XXXXXX");
  fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    return ErrnoToStatus(errno, absl::StrCat("cannot create a temporary file in ", directory));
  }
  unlink(name.c_str());
  return fd;
}

absl::StatusOr<size_t> PreadFully(int fd, char* buffer, size_t size, uint64_t offset,
                                  absl::string_view path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, buffer + done, std::min<size_t>(size - done, 1u << 30),
                      static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat(path, ": read failed at byte ", offset + done));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

absl::StatusOr<std::unique_ptr<SpillFile>> SpillFile::Create(const std::string& dir) {
  std::string directory = TempDirectory(dir);
  absl::StatusOr<int> fd = CreateTempFile(directory);
  if (!fd.ok()) {
    return absl::Status(fd.status().code(),
                        absl::StrCat(fd.status().message(),
                                     " (--temp-dir or TMPDIR choose another directory)"));
  }
  return std::unique_ptr<SpillFile>(new SpillFile(*fd, std::move(directory)));
}

SpillFile::SpillFile(int fd, std::string directory) : fd_(fd), directory_(std::move(directory)) {
  buffer_.reserve(kBufferBytes);
}

SpillFile::~SpillFile() { close(fd_); }

absl::StatusOr<uint64_t> SpillFile::Append(absl::string_view bytes) {
  const uint64_t offset = size();
  if (buffer_.size() + bytes.size() > kBufferBytes) {
    if (absl::Status status = Flush(); !status.ok()) return status;
  }
  if (bytes.size() >= kBufferBytes) {
    // Larger than the buffer: straight to the file.
    if (absl::Status status = Write(bytes.data(), bytes.size()); !status.ok()) return status;
  } else {
    buffer_.append(bytes.data(), bytes.size());
  }
  return offset;
}

absl::Status SpillFile::Flush() {
  NAQL_RETURN_IF_ERROR(Write(buffer_.data(), buffer_.size()));
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status SpillFile::Write(const char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n =
        pwrite(fd_, data + done, size - done, static_cast<off_t>(flushed_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n == 0 ? ENOSPC : errno;  // no progress: the disk is full
      absl::Status status =
          ErrnoToStatus(error, absl::StrCat("cannot write the temporary file in ", directory_));
      if (error != ENOSPC) return status;
      return absl::Status(status.code(),
                          absl::StrCat(status.message(),
                                       " (--temp-dir or TMPDIR choose a directory with more room)"));
    }
    done += static_cast<size_t>(n);
  }
  flushed_ += size;
  return absl::OkStatus();
}

absl::Status SpillFile::ReadAt(uint64_t offset, size_t size, char* out) const {
  if (offset > flushed_ || size > flushed_ - offset) {
    return absl::InternalError(absl::StrCat("read past the end of the temporary file in ",
                                            directory_, " (", offset, " + ", size, " > ",
                                            flushed_, ")"));
  }
  NAQL_ASSIGN_OR_RETURN(
      size_t got,
      PreadFully(fd_, out, size, offset, absl::StrCat("the temporary file in ", directory_)));
  if (got != size) {
    return absl::DataLossError(
        absl::StrCat("the temporary file in ", directory_, " is shorter than written"));
  }
  return absl::OkStatus();
}

absl::Status SpillFile::BlockReader::Read(uint64_t offset, size_t size, std::string* out) {
  if (offset < begin_ || offset - begin_ > buffer_.size() ||
      size > buffer_.size() - (offset - begin_)) {
    // A new block from `offset`, as far as the file's flushed end allows.
    const uint64_t available = offset <= file_->flushed_ ? file_->flushed_ - offset : 0;
    buffer_.resize(std::max<uint64_t>(size, std::min<uint64_t>(block_, available)));
    begin_ = offset;
    if (absl::Status read = file_->ReadAt(offset, buffer_.size(), buffer_.data()); !read.ok()) {
      buffer_.clear();
      return read;
    }
  }
  out->assign(buffer_, offset - begin_, size);
  return absl::OkStatus();
}

unsigned PassageSpill::PartitionsFor(uint64_t input_bytes) {
  unsigned partitions = 16;
  // An input byte makes ~0.1 fingerprints of 12 bytes in the index: 64 MiB of index ~ 64 MiB of
  // input.
  while (partitions < 256 && input_bytes / partitions > (uint64_t{64} << 20)) partitions *= 2;
  return partitions;
}

PassageSpill::PassageSpill(SpillFile* file, unsigned partitions)
    : file_(file), buffers_(partitions), chunks_(partitions) {
  assert(partitions >= 1 && partitions <= 256 && (partitions & (partitions - 1)) == 0);
}

absl::Status PassageSpill::Add(uint32_t doc, absl::Span<const PassageFingerprint> fps) {
  // The low bits choose the partition: the index sorts on the high ones.
  const uint32_t mask = partitions() - 1;
  for (const PassageFingerprint& fp : fps) {
    const uint32_t low = static_cast<uint32_t>(fp.hash);
    std::vector<Record>& buffer = buffers_[low & mask];
    buffer.push_back({static_cast<uint32_t>(fp.hash >> 32), low, doc, fp.position});
    if (buffer.size() == kChunkRecords) NAQL_RETURN_IF_ERROR(WriteChunk(low & mask));
  }
  records_ += fps.size();
  return absl::OkStatus();
}

absl::Status PassageSpill::WriteChunk(unsigned partition) {
  std::vector<Record>& buffer = buffers_[partition];
  if (buffer.empty()) return absl::OkStatus();
  NAQL_ASSIGN_OR_RETURN(
      uint64_t offset,
      file_->Append(absl::string_view(reinterpret_cast<const char*>(buffer.data()),
                                      buffer.size() * sizeof(Record))));
  chunks_[partition].push_back({offset, static_cast<uint32_t>(buffer.size())});
  buffer.clear();
  return absl::OkStatus();
}

absl::Status PassageSpill::Finish() {
  for (unsigned p = 0; p < partitions(); ++p) {
    NAQL_RETURN_IF_ERROR(WriteChunk(p));
    std::vector<Record>().swap(buffers_[p]);
  }
  return file_->Flush();
}

absl::Status PassageSpill::ForEach(unsigned partition,
                                   absl::FunctionRef<void(const Record&)> fn) const {
  assert(partition < partitions());
  std::vector<Record> chunk;
  for (const Chunk& c : chunks_[partition]) {
    chunk.resize(c.records);
    NAQL_RETURN_IF_ERROR(file_->ReadAt(c.offset, c.records * sizeof(Record),
                                       reinterpret_cast<char*>(chunk.data())));
    for (const Record& record : chunk) fn(record);
  }
  return absl::OkStatus();
}

size_t PassageSpill::memory_bytes() const {
  size_t bytes = 0;
  for (const std::vector<Record>& buffer : buffers_) bytes += buffer.capacity() * sizeof(Record);
  for (const std::vector<Chunk>& chunks : chunks_) bytes += chunks.capacity() * sizeof(Chunk);
  return bytes;
}

}  // namespace naql::internal
