// index_internal.h — what the index store (index_store.cc) shares with the query engine
// (index_query.cc): the reader's snapshot of segments, and the file helpers.

#ifndef NAQL_INDEX_INTERNAL_H_
#define NAQL_INDEX_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "index_format.h"
#include "index_segment.h"
#include "naql/index_store.h"

namespace naql::internal {

inline constexpr char kManifestName[] = "MANIFEST";
inline constexpr char kLockName[] = "LOCK";
inline constexpr char kTempSuffix[] = ".tmp";

// A read-only memory mapping of a whole file (nothing mapped for an empty file).
class MappedFile {
 public:
  // Maps `path`. Errors: those of open/fstat/mmap (ErrnoToStatus with the path).
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  absl::string_view bytes() const { return absl::string_view(data_, size_); }

 private:
  MappedFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// Reads a whole (small) file.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path);

// Writes `bytes` to dir/name through dir/name.tmp: write, fsync, rename, fsync the directory. On
// error the temporary file is removed (best effort) and the previous dir/name, if any, is intact.
absl::Status WriteFileDurably(const std::string& dir, const std::string& name,
                              absl::string_view bytes);

// Fsyncs a directory (after renames and unlinks in it).
absl::Status SyncDirectory(const std::string& dir);

std::string JoinPath(absl::string_view dir, absl::string_view name);

}  // namespace naql::internal

namespace naql {

class IndexReader::Impl {
 public:
  struct Segment {
    std::string path;
    std::unique_ptr<internal::MappedFile> file;
    internal::SegmentView view;
    uint32_t ordinal = 0;              // its position in `segments`
    uint32_t base = 0;                 // number of its first document
    std::vector<uint64_t> dead_bits;   // one bit per document; empty when none is replaced
    bool dead(uint32_t local) const {
      return !dead_bits.empty() && (dead_bits[local >> 6] >> (local & 63) & 1) != 0;
    }
  };

  // Loads the snapshot described by `manifest` (already decoded) from `dir`. NotFound (without
  // the path being otherwise wrong) when a listed segment file does not exist, so that Open() can
  // re-read a MANIFEST that a compaction replaced meanwhile.
  static absl::StatusOr<std::unique_ptr<Impl>> Load(const std::string& dir,
                                                     const internal::Manifest& manifest,
                                                     uint64_t manifest_bytes,
                                                     const IndexOpenOptions& options);

  // The segment holding document `doc` (< num_slots) and its number there.
  std::pair<const Segment*, uint32_t> Locate(uint32_t doc) const {
    size_t lo = 0, hi = segments.size();
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      if (segments[mid]->base <= doc) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return {segments[lo].get(), doc - segments[lo]->base};
  }

  // DataLoss "<path>: <message>" for a status from the segment layer.
  static absl::Status InFile(const Segment& segment, const absl::Status& status);
  static absl::Status CorruptTable(const Segment& segment, absl::string_view table);

  // Reads document `doc` with the caller's scratch.
  absl::Status Load(uint32_t doc, internal::BlockScratch* scratch, Document* out) const;

  std::string dir;
  internal::Manifest manifest;
  std::vector<std::unique_ptr<Segment>> segments;  // oldest first
  std::vector<IndexSegmentInfo> infos;
  uint32_t slots = 0;
  uint64_t live = 0;
  uint64_t disk_bytes = 0;
  uint64_t text_bytes = 0;
};

}  // namespace naql

#endif  // NAQL_INDEX_INTERNAL_H_
