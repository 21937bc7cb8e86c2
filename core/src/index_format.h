// index_format.h — the byte-level pieces of the index files (docs/index_format.md): little-endian
// encoding, the parameter block, the MANIFEST, the Arabic text packing and the posting tables.
//
// Everything here works on bytes in memory and never touches files; every reader is
// bounds-checked and returns false or a DataLoss status on malformed input, never reads outside
// the bytes it was given. The segment layer (index_segment.h) and the store (index_store.cc) build
// on it; the fuzz target feeds it arbitrary bytes.

#ifndef NAQL_INDEX_FORMAT_H_
#define NAQL_INDEX_FORMAT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "naql/index_store.h"

namespace naql::internal {

// ---- Little-endian primitives --------------------------------------------------------------------

inline uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // little-endian hosts only (static_assert in index_format.cc)
}
inline uint64_t LoadU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Appends fixed-width little-endian integers and raw bytes to a string.
class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}
  void U32(uint32_t v) { out_->append(reinterpret_cast<const char*>(&v), 4); }
  void U64(uint64_t v) { out_->append(reinterpret_cast<const char*>(&v), 8); }
  void Bytes(absl::string_view bytes) { out_->append(bytes.data(), bytes.size()); }
  // Appends zero bytes up to a multiple of `alignment`.
  void PadTo(size_t alignment) {
    const size_t rest = out_->size() % alignment;
    if (rest != 0) out_->append(alignment - rest, '\0');
  }
  size_t size() const { return out_->size(); }

 private:
  std::string* out_;
};

// Reads fixed-width little-endian integers and LEB128 varints from a byte range; every read checks
// the remaining length and returns false (consuming nothing) when it would run past the end.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}
  bool U32(uint32_t* v) {
    if (data_.size() - pos_ < 4) return false;
    *v = LoadU32(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool U64(uint64_t* v) {
    if (data_.size() - pos_ < 8) return false;
    *v = LoadU64(data_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool Bytes(size_t n, absl::string_view* out) {
    if (data_.size() - pos_ < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // LEB128, at most 10 bytes, value < 2^64.
  bool Varint(uint64_t* v);
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  absl::string_view data_;
  size_t pos_ = 0;
};

// Appends `v` as an unsigned LEB128 varint (7 bits a byte, low groups first).
void AppendVarint(uint64_t v, std::string* out);

// ---- Parameters ----------------------------------------------------------------------------------

// Bytes of an encoded IndexParams block.
inline constexpr size_t kParamsBytes = 64;

void EncodeParams(const IndexParams& params, ByteWriter* out);
// Reads kParamsBytes. False when fewer bytes remain or strip_clitics is neither 0 nor 1. The
// values themselves are checked by IndexParams::Validate().
bool DecodeParams(ByteReader* in, IndexParams* params);

// ---- Boilerplate lines ---------------------------------------------------------------------------

// Seed of LineKey ("naqlidl1").
inline constexpr uint64_t kLineKeySeed = 0x6e61716c69646c31ULL;

// The key under which the LINES table stores one line of an article: XXH3-64 of the article's
// source (DocumentMeta::source, empty when absent) with seed kLineKeySeed XOR the line's hash
// (naql/boilerplate.h, FingerprintLines). Counting the documents per key over the index gives
// BoilerplateDetector's count of the articles of one source holding the line.
uint64_t LineKey(absl::string_view source, uint64_t line_hash);

// ---- MANIFEST ------------------------------------------------------------------------------------

inline constexpr char kManifestMagic[8] = {'N', 'A', 'Q', 'L', 'M', 'A', 'N', '\0'};

struct ManifestSegment {
  uint64_t number = 0;      // file name seg-<number as 16 hex digits>.nqs
  uint64_t file_size = 0;
  uint64_t checksum = 0;    // the segment's trailing XXH3-64
  uint32_t num_docs = 0;
  std::vector<uint32_t> dead;  // replaced documents, strictly increasing, < num_docs
};

struct Manifest {
  uint64_t generation = 0;
  uint64_t next_segment_number = 1;
  IndexParams params;
  std::vector<ManifestSegment> segments;  // oldest first
};

std::string EncodeManifest(const Manifest& manifest);
// DataLoss (message without the file name) for anything malformed: magic, checksum, truncation,
// trailing bytes, unsorted dead lists, duplicate segment numbers; FailedPrecondition for another
// format version (checked after the checksum, so a corrupt version field reads as corruption).
absl::Status DecodeManifest(absl::string_view bytes, Manifest* manifest);

// "seg-0000000000000001.nqs"
std::string SegmentFileName(uint64_t number);
// The number of a file named like SegmentFileName(), or false.
bool ParseSegmentFileName(absl::string_view name, uint64_t* number);

// ---- Arabic packing of stored text ---------------------------------------------------------------
//
// A lossless byte transform applied before zstd. The two-byte UTF-8 sequences D8 80..BF and
// D9 80..BF (U+0600..U+067F: the Arabic letters, diacritics and digits that make most of an Arabic
// text) become one byte 0x80..0xFF; a byte 0x01 or any other byte >= 0x80 is written as 0x01
// followed by the byte; every other byte stays. Arabic text shrinks to about 56% before
// compression, and zstd's literal coder sees one symbol per letter instead of a predictable lead
// byte and a trail byte: the compressed size drops by about a fifth at every level.

// Appends the packed form of `in` to `out`.
void PackText(absl::string_view in, std::string* out);
// Appends the unpacked form of `in` to `out`; false when `in` ends inside an escape.
bool UnpackText(absl::string_view in, std::string* out);
// Writes the unpacked form of `in` to out[0, 2 · in.size()) and returns its length, or
// kUnpackError when `in` ends inside an escape.
inline constexpr size_t kUnpackError = ~size_t{0};
size_t UnpackTextTo(absl::string_view in, char* out);

// ---- Posting tables ------------------------------------------------------------------------------
//
// A multimap from 64-bit hashes to document numbers, sorted by hash and stored compactly. Entries
// fall into 2^q buckets by the top q bits of their hash (q chosen so that a bucket holds 16 to 32
// entries on average); each entry keeps only the next r bits (the "remainder", 13 in the large
// tables) and its document number in d bits, packed at (r + d) bits per entry. A lookup reads the bucket's range
// from a directory of 2^q + 1 entry indices and binary-searches the remainders. A hash matches
// every entry of its bucket with the same remainder: entries of other hashes match with
// probability 2^-13 each, so about bucket size / 2^13 (at most 1/256) false matches per lookup,
// which callers remove by an exact check. Cost: (32 / bucket size + r + d) bits per entry, about
// 30 bits for 65,536 documents. For a given false-match rate f the cost 32/B + log2(B/f) + d is
// smallest near B = 32 ln 2 ≈ 22 entries per bucket; 16..32 is within 0.1 bit of it.

struct PostingEntry {
  uint64_t hash;
  uint32_t doc;
};

// Remainder bits of each table. The LSH and passage tables, the large ones, keep 13: their false
// matches only add candidates, which the exact re-check removes, and document frequencies near
// --max-df are recounted exactly (index_query.cc). The line table, small, keeps 32 (or what fits),
// so that boilerplate counts are exact but for a chance of 2^-27 per lookup.
inline constexpr uint32_t kLshRemainderBits = 13;
inline constexpr uint32_t kPassageRemainderBits = 13;
inline constexpr uint32_t kLineRemainderBits = 32;
inline constexpr size_t kPostingHeaderBytes = 24;

// The remainder bits a table of `num_entries` entries over `num_docs` documents keeps when
// `wanted` are asked for: at most 64 - q, and at most 57 - d so that an entry fits one 8-byte load.
uint32_t PostingRemainderBits(uint64_t num_entries, uint32_t num_docs, uint32_t wanted);

// Sorts `entries` by the top bits of their hash that the table keeps — a stable radix sort, so
// entries equal in those bits keep their order: ascending doc when they were appended in doc
// order. Requires fewer than 2^32 entries.
void SortPostings(std::vector<PostingEntry>* entries, uint32_t num_docs, uint32_t remainder_bits);

// Encodes entries already sorted by SortPostings() with the same arguments. Requires every
// doc < num_docs.
void EncodePostingTable(absl::Span<const PostingEntry> sorted, uint32_t num_docs,
                        uint32_t remainder_bits, std::string* out);

class PostingTable {
 public:
  PostingTable() = default;

  // Parses a table section. DataLoss (message without the file name) when the header is
  // inconsistent (q > 32, r = 0, q + r > 64, d too small or large for num_docs, sizes that do not
  // add up, a directory that is not non-decreasing from 0 to the entry count). Entries are checked
  // when looked up. `section` must outlive the table.
  static absl::Status Parse(absl::string_view section, uint32_t num_docs, uint32_t remainder_bits,
                            PostingTable* table);

  // Calls fn(doc) for every entry whose bucket and remainder equal those of `hash`, in table
  // order. Returns false (after calling fn for the entries before it) when an entry's document
  // number is out of range (corruption that escaped the checksums).
  template <typename Fn>
  bool Lookup(uint64_t hash, Fn&& fn) const {
    if (num_entries_ == 0) return true;
    const uint64_t bucket = bucket_bits_ == 0 ? 0 : hash >> (64 - bucket_bits_);
    const uint64_t remainder = (hash >> remainder_shift_) & remainder_mask_;
    uint64_t lo = LoadU32(directory_ + 4 * bucket);
    uint64_t hi = LoadU32(directory_ + 4 * (bucket + 1));
    // First entry of the bucket whose remainder is >= the key's (remainders ascend in a bucket).
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      if ((Entry(mid) & remainder_mask_) < remainder) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    const uint64_t end = LoadU32(directory_ + 4 * (bucket + 1));
    for (uint64_t i = lo; i < end; ++i) {
      const uint64_t entry = Entry(i);
      if ((entry & remainder_mask_) != remainder) break;
      const uint64_t doc = entry >> remainder_bits_;
      if (doc >= num_docs_) return false;
      fn(static_cast<uint32_t>(doc));
    }
    return true;
  }

  // Calls fn(prefix, doc) for every entry in table order, where `prefix` is the entry's key as far
  // as the table keeps it: its top bucket_bits() + remainder_bits() bits, left-aligned (the lower
  // bits are 0). Returns false (after calling fn for the entries before it) when an entry's
  // document number is out of range.
  template <typename Fn>
  bool ForEach(Fn&& fn) const {
    if (num_entries_ == 0) return true;
    const uint64_t buckets = uint64_t{1} << bucket_bits_;
    uint64_t i = 0;
    for (uint64_t bucket = 0; bucket < buckets; ++bucket) {
      const uint64_t end = LoadU32(directory_ + 4 * (bucket + 1));
      const uint64_t high = bucket_bits_ == 0 ? 0 : bucket << (64 - bucket_bits_);
      for (; i < end; ++i) {
        const uint64_t entry = Entry(i);
        const uint64_t doc = entry >> remainder_bits_;
        if (doc >= num_docs_) return false;
        fn(high | (entry & remainder_mask_) << remainder_shift_, static_cast<uint32_t>(doc));
      }
    }
    return true;
  }

  uint64_t num_entries() const { return num_entries_; }
  uint32_t bucket_bits() const { return bucket_bits_; }
  uint32_t remainder_bits() const { return remainder_bits_; }
  uint32_t doc_bits() const { return doc_bits_; }

 private:
  // The packed (remainder | doc << r) of entry i. The section ends with 8 zero bytes, so the 8-byte
  // load never leaves it.
  uint64_t Entry(uint64_t i) const {
    const uint64_t bit = i * entry_bits_;
    uint64_t word;
    std::memcpy(&word, packed_ + (bit >> 3), 8);
    return (word >> (bit & 7)) & entry_mask_;
  }

  uint64_t num_entries_ = 0;
  uint32_t num_docs_ = 0;
  uint32_t bucket_bits_ = 0;
  uint32_t remainder_bits_ = 0;
  uint32_t doc_bits_ = 0;
  uint32_t remainder_shift_ = 0;
  uint32_t entry_bits_ = 0;
  uint64_t remainder_mask_ = 0;
  uint64_t entry_mask_ = 0;
  const char* directory_ = nullptr;
  const char* packed_ = nullptr;
};

// The number of bits needed for values 0..n-1 (at least 1).
uint32_t BitsFor(uint64_t n);

}  // namespace naql::internal

#endif  // NAQL_INDEX_FORMAT_H_
