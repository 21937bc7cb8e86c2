// index_segment.h — one immutable segment file: building it in memory and reading it in place.
//
// A segment (docs/index_format.md, "Segment files") is a header with the parameters, seven
// sections (document table, id table, LSH band-key table, passage fingerprint table, text block
// table, compressed texts, line table), a section directory and a footer with the whole-file checksum. SegmentBuilder
// collects documents with their fingerprints and encodes the file; SegmentView parses the bytes of
// one (a memory mapping, or any buffer) without copying and answers lookups. Every offset and
// length read from the bytes is checked before use; anything inconsistent is a DataLoss status
// whose message does not name the file (the caller prefixes it).
//
// Thread safety: SegmentBuilder is single-threaded apart from the workers Finish() starts.
// SegmentView is immutable after Parse(); its const methods are thread-safe given distinct
// BlockScratch objects.

#ifndef NAQL_INDEX_SEGMENT_H_
#define NAQL_INDEX_SEGMENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "index_format.h"
#include "naql/boilerplate.h"
#include "naql/document.h"
#include "naql/fingerprinter.h"
#include "naql/index_store.h"

struct ZSTD_DCtx_s;

namespace naql::internal {

inline constexpr char kSegmentMagic[8] = {'N', 'A', 'Q', 'L', 'S', 'E', 'G', '\0'};
inline constexpr char kSegmentEndMagic[8] = {'N', 'A', 'Q', 'L', 'E', 'N', 'D', '\0'};
inline constexpr size_t kSegmentHeaderBytes = 40 + kParamsBytes;  // 104
inline constexpr size_t kSegmentFooterBytes = 32;
inline constexpr size_t kSectionEntryBytes = 32;
inline constexpr size_t kBlockEntryBytes = 32;
inline constexpr size_t kDocumentEntryBytes = 12;
inline constexpr size_t kIdEntryBytes = 12;
// Seed of the XXH3-64 hash of document ids in the id table ("naqlidh1").
inline constexpr uint64_t kIdHashSeed = 0x6e61716c69646831ULL;
// Text codec 1: records packed by PackText, then one zstd frame per block.
inline constexpr uint32_t kTextCodecPackedZstd = 1;
// Largest stored record (id, metadata and text of one document).
inline constexpr uint64_t kMaxRecordBytes = uint64_t{1} << 30;

// Section kinds (docs/index_format.md). Each appears exactly once, version 1.
enum class SectionKind : uint32_t {
  kDocuments = 1,
  kIds = 2,
  kLsh = 3,
  kPassages = 4,
  kBlocks = 5,
  kText = 6,
  kLines = 7,
};
inline constexpr uint32_t kNumSectionKinds = 7;
inline constexpr uint32_t kSectionVersion = 1;
const char* SectionName(SectionKind kind);

uint64_t IdHash(absl::string_view id);

struct SegmentBuildOptions {
  int text_level = 5;
  uint32_t text_block_bytes = 256 << 10;
  unsigned threads = 1;
};

class SegmentBuilder {
 public:
  // Requires params.Validate().ok().
  SegmentBuilder(const IndexParams& params, const SegmentBuildOptions& options);

  // Adds a document with its fingerprint (made with `params`) and its lines (FingerprintLines of
  // its text and tokens). With `reference` and doc.origin set, the record keeps the origin and
  // the text's checksum instead of the text. InvalidArgument when its record would exceed
  // kMaxRecordBytes or the segment would exceed 2^32 - 1 documents or table entries.
  absl::Status Add(const Document& doc, const DocumentFingerprint& fp,
                   absl::Span<const LineFingerprint> lines, bool reference = false);

  // Sizes the tables for about `text_bytes` more bytes of article text (a hint; see
  // IndexWriter::ExpectTextBytes).
  void Reserve(uint64_t text_bytes);

  uint32_t num_docs() const { return static_cast<uint32_t>(record_offsets_.size()); }
  uint64_t text_bytes() const { return text_bytes_; }

  // Encodes the segment file and empties the builder.
  std::string Finish(uint64_t segment_number);

 private:
  IndexParams params_;
  SegmentBuildOptions options_;
  std::string records_;                  // raw records, in document order
  std::vector<uint64_t> record_offsets_; // start of each document's record in records_
  std::vector<uint8_t> referenced_;      // per document: 1 when its text is referenced
  std::vector<PostingEntry> lsh_;        // (band key, doc), in document order
  std::vector<PostingEntry> passages_;   // (fingerprint hash, doc), in document order
  std::vector<PostingEntry> ids_;        // (IdHash(id), doc)
  std::vector<PostingEntry> lines_;      // (LineKey(source, line), doc), distinct per document
  std::vector<uint64_t> band_keys_;      // scratch for ComputeBandKeys
  uint64_t text_bytes_ = 0;
};

// Reusable decompression state: a zstd context (made on first use: creating one costs more than
// decompressing a small block, and many scratches never read a block) and the last block read.
class BlockScratch {
 public:
  BlockScratch();
  ~BlockScratch();
  BlockScratch(const BlockScratch&) = delete;
  BlockScratch& operator=(const BlockScratch&) = delete;
  ZSTD_DCtx_s* dctx();

 private:
  friend class SegmentView;
  ZSTD_DCtx_s* dctx_ = nullptr;
  const void* owner_ = nullptr;  // the SegmentView whose block is cached
  uint32_t block_ = 0;
  std::string packed_;           // the cached block, decompressed (still packed); only grows
  size_t packed_size_ = 0;       // its bytes in packed_
  std::string record_;           // the last record read, unpacked
};

struct SegmentSection {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t checksum = 0;
};

class SegmentView {
 public:
  SegmentView() = default;

  // Parses a segment image. With verify_sections, the checksums of every section except TEXT are
  // verified (the header and directory checksum always is). `bytes` must outlive the view.
  static absl::Status Parse(absl::string_view bytes, bool verify_sections, SegmentView* view);

  uint64_t number() const { return number_; }
  uint32_t num_docs() const { return num_docs_; }
  uint64_t text_bytes() const { return text_bytes_; }
  const IndexParams& params() const { return params_; }
  uint64_t file_checksum() const { return file_checksum_; }
  uint64_t file_bytes() const { return bytes_.size(); }
  const SegmentSection& section(SectionKind kind) const {
    return sections_[static_cast<uint32_t>(kind) - 1];
  }
  uint32_t num_blocks() const { return num_blocks_; }
  // Documents whose text is read from their input file (Document::origin) instead of stored.
  uint32_t referenced_docs() const { return referenced_docs_; }

  const PostingTable& lsh() const { return lsh_; }
  const PostingTable& passages() const { return passages_; }
  const PostingTable& lines() const { return lines_; }

  // Calls fn(doc) for every document whose id hashes to `hash`. False when an entry's document
  // number is out of range.
  template <typename Fn>
  bool FindIdHash(uint64_t hash, Fn&& fn) const {
    size_t lo = 0, hi = num_docs_;
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (LoadU64(ids_ + mid * kIdEntryBytes) < hash) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (size_t i = lo; i < num_docs_ && LoadU64(ids_ + i * kIdEntryBytes) == hash; ++i) {
      const uint32_t doc = LoadU32(ids_ + i * kIdEntryBytes + 8);
      if (doc >= num_docs_) return false;
      fn(doc);
    }
    return true;
  }

  // Reads document `doc` (< num_docs()): id, metadata and text into *out (location left as is).
  // Decompresses its block unless `scratch` holds it; verifies the block's checksum each time it
  // is decompressed. DataLoss when anything is inconsistent.
  absl::Status LoadDocument(uint32_t doc, BlockScratch* scratch, Document* out) const;

  // The block holding document `doc` (< num_docs()). DataLoss when the document table points past
  // the blocks.
  absl::Status BlockOf(uint32_t doc, uint32_t* block) const;

  // Decompresses block `block` (< num_blocks()) into (*packed)[0, *size), growing *packed when it
  // is too small (never shrinking it, so that reusing it costs no zero-fill), and verifies the
  // block's checksum the first time it is read in this process.
  absl::Status ReadBlock(uint32_t block, ZSTD_DCtx_s* dctx, std::string* packed,
                         size_t* size) const;

  // Reads document `doc` from `packed_block`, its block as ReadBlock() returned it; `buffer` is
  // scratch for the unpacked record.
  absl::Status ReadDocument(uint32_t doc, absl::string_view packed_block, std::string* buffer,
                            Document* out) const;

  // Verifies the whole-file checksum and every section checksum, decompresses every block and
  // parses every document's record.
  absl::Status VerifyAll() const;

  // Calls fn(doc, document) for every document in document order (fn may move from `document`),
  // holding all of the segment's unpacked texts in memory meanwhile (each block is decompressed
  // once). Stops at, and returns, the first error of fn or of the segment.
  absl::Status ForEachDocument(
      absl::FunctionRef<absl::Status(uint32_t doc, Document& document)> fn) const;

 private:
  absl::Status LoadBlock(uint32_t block, BlockScratch* scratch) const;
  // The packed bytes of document `doc`'s record within `packed_block` (its block, decompressed).
  absl::Status RecordOf(uint32_t doc, absl::string_view packed_block, absl::string_view* record) const;
  // Unpacks and parses a record; reads a referenced text from its input.
  absl::Status ParseRecord(uint32_t doc, absl::string_view packed_record, std::string* buffer,
                           Document* out) const;
  // Reads out->origin's text into out->text and checks it against `checksum`.
  absl::Status ReadReferencedText(uint64_t checksum, Document* out) const;

  absl::string_view bytes_;
  uint64_t number_ = 0;
  uint32_t num_docs_ = 0;
  uint64_t text_bytes_ = 0;
  uint64_t file_checksum_ = 0;
  IndexParams params_;
  SegmentSection sections_[kNumSectionKinds];
  PostingTable lsh_;
  PostingTable passages_;
  PostingTable lines_;
  const char* documents_ = nullptr;
  const char* ids_ = nullptr;
  const char* blocks_ = nullptr;  // block table entries
  uint32_t num_blocks_ = 0;
  uint32_t referenced_docs_ = 0;
  absl::string_view text_;        // the TEXT section
  // Per block: its checksum has been verified (once per process is enough: segments are
  // immutable). Set by any thread; a race only verifies a block twice.
  std::unique_ptr<std::atomic<uint8_t>[]> block_verified_;
};

}  // namespace naql::internal

#endif  // NAQL_INDEX_SEGMENT_H_
