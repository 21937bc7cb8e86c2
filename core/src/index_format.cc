// The byte-level pieces of the index files; the layout is specified in docs/index_format.md and
// summarised in index_format.h.

#include "index_format.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace naql::internal {

static_assert(ABSL_IS_LITTLE_ENDIAN,
              "index files are little-endian and read with memcpy: port LoadU32/U64 first");

bool ByteReader::Varint(uint64_t* v) {
  uint64_t value = 0;
  size_t pos = pos_;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= data_.size()) return false;
    const uint8_t byte = static_cast<uint8_t>(data_[pos++]);
    // The tenth byte may only hold the top bit of a 64-bit value.
    if (shift == 63 && byte > 1) return false;
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = value;
      pos_ = pos;
      return true;
    }
  }
  return false;
}

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(0x80 | (v & 0x7F)));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint32_t BitsFor(uint64_t n) {
  uint32_t bits = 1;
  while (bits < 64 && (uint64_t{1} << bits) < n) ++bits;
  return bits;
}

// ---- Parameters ----------------------------------------------------------------------------------

void EncodeParams(const IndexParams& p, ByteWriter* out) {
  out->U32(p.signature.minhash_version);
  out->U32(p.signature.num_perm);
  out->U64(p.signature.seed);
  out->U32(p.signature.shingle_size);
  out->U32(p.signature.shingler_version);
  out->U32(p.signature.tokenizer_version);
  out->U32(p.signature.strip_clitics ? 1 : 0);
  out->U32(p.signature.normalizer_version);
  out->U32(p.signature.normalizer_bits);
  out->U32(p.min_words);
  out->U32(p.lsh_version);
  out->U32(p.lsh.bands);
  out->U32(p.lsh.rows);
  out->U32(p.passage_shingle);
  out->U32(0);  // reserved
}

bool DecodeParams(ByteReader* in, IndexParams* p) {
  if (in->remaining() < kParamsBytes) return false;
  uint32_t strip = 0;
  in->U32(&p->signature.minhash_version);
  in->U32(&p->signature.num_perm);
  in->U64(&p->signature.seed);
  in->U32(&p->signature.shingle_size);
  in->U32(&p->signature.shingler_version);
  in->U32(&p->signature.tokenizer_version);
  in->U32(&strip);
  in->U32(&p->signature.normalizer_version);
  in->U32(&p->signature.normalizer_bits);
  in->U32(&p->min_words);
  in->U32(&p->lsh_version);
  in->U32(&p->lsh.bands);
  in->U32(&p->lsh.rows);
  in->U32(&p->passage_shingle);
  uint32_t reserved = 1;
  in->U32(&reserved);
  if (strip > 1 || reserved != 0) return false;
  p->signature.strip_clitics = strip == 1;
  return true;
}

uint64_t LineKey(absl::string_view source, uint64_t line_hash) {
  return XXH3_64bits_withSeed(source.data(), source.size(), kLineKeySeed ^ line_hash);
}

// ---- MANIFEST ------------------------------------------------------------------------------------

namespace {
// The checksum seed of every index file (docs/index_format.md): XXH3-64 with seed 0.
uint64_t Checksum(absl::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }
}  // namespace

std::string EncodeManifest(const Manifest& manifest) {
  std::string bytes;
  ByteWriter out(&bytes);
  out.Bytes(absl::string_view(kManifestMagic, 8));
  out.U32(kIndexFormatVersion);
  out.U32(0);
  out.U64(manifest.generation);
  out.U64(manifest.next_segment_number);
  EncodeParams(manifest.params, &out);
  out.U32(static_cast<uint32_t>(manifest.segments.size()));
  out.U32(0);
  for (const ManifestSegment& segment : manifest.segments) {
    out.U64(segment.number);
    out.U64(segment.file_size);
    out.U64(segment.checksum);
    out.U32(segment.num_docs);
    out.U32(static_cast<uint32_t>(segment.dead.size()));
    for (uint32_t doc : segment.dead) out.U32(doc);
  }
  out.U64(Checksum(bytes));
  return bytes;
}

absl::Status DecodeManifest(absl::string_view bytes, Manifest* manifest) {
  auto corrupt = [](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("corrupt index manifest: ", what));
  };
  if (bytes.size() < 8 + 8 + 16 + kParamsBytes + 8 + 8) return corrupt("file too short");
  if (std::memcmp(bytes.data(), kManifestMagic, 8) != 0) return corrupt("bad magic number");
  const uint64_t stored = LoadU64(bytes.data() + bytes.size() - 8);
  if (stored != Checksum(bytes.substr(0, bytes.size() - 8))) return corrupt("checksum mismatch");

  ByteReader in(bytes.substr(0, bytes.size() - 8));
  absl::string_view magic;
  uint32_t version = 0, reserved = 0, num_segments = 0;
  in.Bytes(8, &magic);
  in.U32(&version);
  if (version != kIndexFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("index format version ", version, " is not supported (this naql reads version ",
                     kIndexFormatVersion, ")"));
  }
  in.U32(&reserved);
  if (reserved != 0) return corrupt("reserved field is not zero");
  if (!in.U64(&manifest->generation) || !in.U64(&manifest->next_segment_number) ||
      !DecodeParams(&in, &manifest->params) || !in.U32(&num_segments) || !in.U32(&reserved)) {
    return corrupt("truncated header");
  }
  if (reserved != 0) return corrupt("reserved field is not zero");
  // Each segment record takes at least 32 bytes: a count larger than that is corruption, not a
  // reason to allocate.
  if (num_segments > in.remaining() / 32) return corrupt("segment count exceeds the file");
  manifest->segments.clear();
  manifest->segments.resize(num_segments);
  for (ManifestSegment& segment : manifest->segments) {
    uint32_t num_dead = 0;
    if (!in.U64(&segment.number) || !in.U64(&segment.file_size) || !in.U64(&segment.checksum) ||
        !in.U32(&segment.num_docs) || !in.U32(&num_dead)) {
      return corrupt("truncated segment list");
    }
    if (num_dead > in.remaining() / 4 || num_dead > segment.num_docs) {
      return corrupt("replaced-document count exceeds the file");
    }
    segment.dead.resize(num_dead);
    for (uint32_t i = 0; i < num_dead; ++i) {
      in.U32(&segment.dead[i]);
      if (segment.dead[i] >= segment.num_docs || (i > 0 && segment.dead[i] <= segment.dead[i - 1])) {
        return corrupt("replaced-document list out of order");
      }
    }
    if (segment.number == 0 || segment.number >= manifest->next_segment_number) {
      return corrupt("segment number out of range");
    }
  }
  if (in.remaining() != 0) return corrupt("trailing bytes");
  for (size_t i = 1; i < manifest->segments.size(); ++i) {
    if (manifest->segments[i].number <= manifest->segments[i - 1].number) {
      return corrupt("segments out of order");
    }
  }
  return absl::OkStatus();
}

std::string SegmentFileName(uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof(name), "seg-%016" PRIx64 ".nqs", number);
  return name;
}

bool ParseSegmentFileName(absl::string_view name, uint64_t* number) {
  if (name.size() != 24 || name.substr(0, 4) != "seg-" || name.substr(20) != ".nqs") return false;
  uint64_t value = 0;
  for (char c : name.substr(4, 16)) {
    uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return false;
    }
    value = value << 4 | digit;
  }
  *number = value;
  return true;
}

// ---- Arabic packing ------------------------------------------------------------------------------

void PackText(absl::string_view in, std::string* out) {
  const size_t n = in.size();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(in.data());
  const size_t start = out->size();
  out->resize(start + 2 * n);  // the packed form is at most twice as long
  uint8_t* o = reinterpret_cast<uint8_t*>(out->data()) + start;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = p[i];
    if (b < 0x80 && b != 0x01) {
      *o++ = b;
    } else if ((b == 0xD8 || b == 0xD9) && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
      *o++ = static_cast<uint8_t>(0x80 + ((b - 0xD8) << 6) + (p[i + 1] - 0x80));
      ++i;
    } else {
      *o++ = 0x01;
      *o++ = b;
    }
  }
  out->resize(o - reinterpret_cast<uint8_t*>(out->data()));
}

size_t UnpackTextTo(absl::string_view in, char* out) {
  const size_t n = in.size();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(in.data());
  uint8_t* o = reinterpret_cast<uint8_t*>(out);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    if (c >= 0x80) {
      o[0] = static_cast<uint8_t>(0xD8 + ((c - 0x80) >> 6));
      o[1] = static_cast<uint8_t>(0x80 + (c & 0x3F));
      o += 2;
    } else if (c != 0x01) {
      *o++ = c;
    } else if (i + 1 < n) {
      *o++ = p[++i];
    } else {
      return kUnpackError;  // the input ends inside an escape
    }
  }
  return static_cast<size_t>(o - reinterpret_cast<uint8_t*>(out));
}

bool UnpackText(absl::string_view in, std::string* out) {
  const size_t start = out->size();
  out->resize(start + 2 * in.size());  // the unpacked form is at most twice as long
  const size_t n = UnpackTextTo(in, out->data() + start);
  if (n == kUnpackError) {
    out->resize(start);
    return false;
  }
  out->resize(start + n);
  return true;
}

// ---- Posting tables ------------------------------------------------------------------------------

namespace {

// q: the smallest number of bucket bits that leaves at most 32 entries per bucket on average.
uint32_t BucketBits(uint64_t num_entries) {
  uint32_t q = 0;
  while (q < 32 && (uint64_t{32} << q) < num_entries) ++q;
  return q;
}

}  // namespace

uint32_t PostingRemainderBits(uint64_t num_entries, uint32_t num_docs, uint32_t wanted) {
  // An entry (remainder and document) must fit the 57 bits one unaligned 8-byte load always holds.
  return std::min({wanted, 64 - BucketBits(num_entries), 57 - BitsFor(num_docs)});
}

void SortPostings(std::vector<PostingEntry>* entries, uint32_t num_docs, uint32_t remainder_bits) {
  const uint64_t n = entries->size();
  const uint32_t kept = BucketBits(n) + PostingRemainderBits(n, num_docs, remainder_bits);
  // LSD radix sort on the top `kept` bits, 12 bits a pass; stable, so entries equal in those bits
  // keep their input order.
  constexpr uint32_t kDigitBits = 12;
  const uint32_t passes = (kept + kDigitBits - 1) / kDigitBits;
  auto key = [kept](uint64_t hash) { return kept == 0 ? 0 : hash >> (64 - kept); };
  std::vector<PostingEntry> buffer(entries->size());
  std::vector<uint32_t> counts(size_t{1} << kDigitBits);
  for (uint32_t pass = 0; pass < passes; ++pass) {
    const uint32_t shift = pass * kDigitBits;
    std::fill(counts.begin(), counts.end(), 0);
    for (const PostingEntry& e : *entries) ++counts[(key(e.hash) >> shift) & ((1u << kDigitBits) - 1)];
    uint32_t sum = 0;
    for (uint32_t& c : counts) {
      const uint32_t here = c;
      c = sum;
      sum += here;
    }
    for (const PostingEntry& e : *entries) {
      buffer[counts[(key(e.hash) >> shift) & ((1u << kDigitBits) - 1)]++] = e;
    }
    entries->swap(buffer);
  }
}

void EncodePostingTable(absl::Span<const PostingEntry> sorted, uint32_t num_docs,
                        uint32_t remainder_bits, std::string* out) {
  const uint64_t n = sorted.size();
  const uint32_t q = BucketBits(n);
  const uint32_t r = PostingRemainderBits(n, num_docs, remainder_bits);
  const uint32_t d = BitsFor(num_docs);
  const uint32_t shift = 64 - q - r;
  ByteWriter w(out);
  w.U64(n);
  w.U32(q);
  w.U32(r);
  w.U32(d);
  w.U32(0);
  // Directory: first entry of each bucket, then n.
  const uint64_t buckets = uint64_t{1} << q;
  uint64_t next = 0;
  for (uint64_t b = 0; b < buckets; ++b) {
    while (next < n && (q == 0 ? 0 : sorted[next].hash >> (64 - q)) < b) ++next;
    w.U32(static_cast<uint32_t>(next));
  }
  w.U32(static_cast<uint32_t>(n));
  // Packed entries, LSB first.
  const uint32_t width = r + d;
  const size_t packed_bytes = (n * width + 7) / 8;
  const size_t start = out->size();
  out->append(packed_bytes + 8, '\0');
  char* packed = out->data() + start;
  const uint64_t remainder_mask = (uint64_t{1} << r) - 1;  // r <= 56
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t value =
        ((sorted[i].hash >> shift) & remainder_mask) | static_cast<uint64_t>(sorted[i].doc) << r;
    const uint64_t bit = i * width;
    uint64_t word;
    std::memcpy(&word, packed + (bit >> 3), 8);
    word |= value << (bit & 7);
    std::memcpy(packed + (bit >> 3), &word, 8);
  }
}

absl::Status PostingTable::Parse(absl::string_view section, uint32_t num_docs,
                                 uint32_t remainder_bits, PostingTable* table) {
  auto corrupt = [](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("posting table: ", what));
  };
  ByteReader in(section);
  uint64_t n = 0;
  uint32_t q = 0, r = 0, d = 0, reserved = 0;
  if (!in.U64(&n) || !in.U32(&q) || !in.U32(&r) || !in.U32(&d) || !in.U32(&reserved)) {
    return corrupt("truncated header");
  }
  if (reserved != 0) return corrupt("reserved field is not zero");
  if (n > UINT32_MAX) return corrupt("too many entries");
  if (q != BucketBits(n) || r != PostingRemainderBits(n, num_docs, remainder_bits)) {
    return corrupt("inconsistent bucket layout");
  }
  if (d != BitsFor(num_docs)) return corrupt("document field width does not match the segment");
  const uint64_t buckets = uint64_t{1} << q;
  const uint64_t directory_bytes = 4 * (buckets + 1);
  const uint64_t packed_bytes = (n * (r + d) + 7) / 8 + 8;
  if (section.size() != kPostingHeaderBytes + directory_bytes + packed_bytes) {
    return corrupt("section size does not match its header");
  }
  const char* directory = section.data() + kPostingHeaderBytes;
  uint32_t previous = 0;
  for (uint64_t b = 0; b <= buckets; ++b) {
    const uint32_t start = LoadU32(directory + 4 * b);
    if (start < previous || start > n || (b == 0 && start != 0) || (b == buckets && start != n)) {
      return corrupt("bucket directory out of order");
    }
    previous = start;
  }
  table->num_entries_ = n;
  table->num_docs_ = num_docs;
  table->bucket_bits_ = q;
  table->remainder_bits_ = r;
  table->doc_bits_ = d;
  table->remainder_shift_ = 64 - q - r;
  table->entry_bits_ = r + d;
  table->remainder_mask_ = (uint64_t{1} << r) - 1;  // r + d <= 57
  table->entry_mask_ = (uint64_t{1} << (r + d)) - 1;
  table->directory_ = directory;
  table->packed_ = directory + directory_bytes;
  return absl::OkStatus();
}

}  // namespace naql::internal
