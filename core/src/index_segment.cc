// Segment files: SegmentBuilder encodes one, SegmentView reads one in place. The byte layout is
// docs/index_format.md; the invariants a reader relies on are checked in Parse() (structure) and in
// each accessor (values), so that no byte of a file is trusted before it is checked.
//
// Text layout. Documents are stored in the order of the connected components of "shares an LSH
// band key" within the segment (components ordered by their first document), not in input order:
// syndicated copies of one story then sit side by side in one block, where zstd turns each copy
// after the first into a few long matches instead of meeting it again, if at all, in another
// block. The document table maps each document to its block and offset, so the order costs
// nothing at lookup time.

#include "index_segment.h"

#include <zstd.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "naql/lsh_index.h"
#include "naql/reader.h"
#include "naql/status.h"
#include "parallel.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace naql::internal {
namespace {

uint64_t Checksum(absl::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt index segment: ", what));
}

void AppendField(absl::string_view field, std::string* out) {
  AppendVarint(field.size(), out);
  out->append(field.data(), field.size());
}

// The origin field of a record (docs/index_format.md, "Text blocks"): empty when the text is
// stored; else kind, offset, length, line and skip as varints, the XXH3 of the text (8 bytes,
// little-endian), then the absolute path.
void AppendOrigin(const DocumentOrigin& origin, absl::string_view text, std::string* out) {
  if (origin.kind == OriginKind::kNone) {
    AppendVarint(0, out);
    return;
  }
  std::string field;
  AppendVarint(static_cast<uint32_t>(origin.kind), &field);
  AppendVarint(origin.offset, &field);
  AppendVarint(origin.length, &field);
  AppendVarint(origin.line, &field);
  AppendVarint(origin.skip, &field);
  ByteWriter(&field).U64(Checksum(text));
  field.append(origin.path);
  AppendField(field, out);
}

bool ParseOrigin(absl::string_view field, DocumentOrigin* origin, uint64_t* checksum) {
  ByteReader in(field);
  uint64_t kind = 0;
  absl::string_view path;
  if (!in.Varint(&kind) || kind < static_cast<uint32_t>(OriginKind::kTextFile) ||
      kind > static_cast<uint32_t>(OriginKind::kWarcGzipMember) || !in.Varint(&origin->offset) ||
      !in.Varint(&origin->length) || !in.Varint(&origin->line) || !in.Varint(&origin->skip) ||
      !in.U64(checksum) || !in.Bytes(in.remaining(), &path) || path.empty() || path[0] != '/') {
    return false;
  }
  origin->kind = static_cast<OriginKind>(kind);
  origin->path.assign(path.data(), path.size());
  return true;
}

bool ReadField(ByteReader* in, std::string* out) {
  uint64_t size = 0;
  absl::string_view bytes;
  if (!in->Varint(&size) || size > in->remaining() || !in->Bytes(size, &bytes)) return false;
  out->assign(bytes.data(), bytes.size());
  return true;
}

// Smallest member of each connected component of the graph whose edges join documents with an
// equal band key (adjacent entries of the sorted LSH entries).
std::vector<uint32_t> ComponentRoots(const std::vector<PostingEntry>& sorted_lsh,
                                     uint32_t num_docs) {
  std::vector<uint32_t> parent(num_docs);
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (size_t i = 1; i < sorted_lsh.size(); ++i) {
    if (sorted_lsh[i].hash != sorted_lsh[i - 1].hash) continue;
    const uint32_t a = find(sorted_lsh[i].doc), b = find(sorted_lsh[i - 1].doc);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);  // the root is the smallest member
  }
  for (uint32_t doc = 0; doc < num_docs; ++doc) parent[doc] = find(doc);
  return parent;
}

}  // namespace

const char* SectionName(SectionKind kind) {
  switch (kind) {
    case SectionKind::kDocuments: return "documents";
    case SectionKind::kIds: return "ids";
    case SectionKind::kLsh: return "lsh";
    case SectionKind::kPassages: return "passages";
    case SectionKind::kBlocks: return "blocks";
    case SectionKind::kText: return "text";
    case SectionKind::kLines: return "lines";
  }
  return "unknown";
}

uint64_t IdHash(absl::string_view id) { return XXH3_64bits_withSeed(id.data(), id.size(), kIdHashSeed); }

// ---- SegmentBuilder ------------------------------------------------------------------------------

SegmentBuilder::SegmentBuilder(const IndexParams& params, const SegmentBuildOptions& options)
    : params_(params), options_(options), band_keys_(params.lsh.bands) {}

void SegmentBuilder::Reserve(uint64_t text_bytes) {
  // Rough shapes of news text: an article of a few KB, a word of about 11 bytes, and a passage
  // fingerprint for about 2/3 of the words; a line of about 20 words. Over-reserving costs only
  // address space: pages never written are never resident.
  const uint64_t docs = text_bytes / 2048 + 1;
  records_.reserve(records_.size() + text_bytes + docs * 64);
  record_offsets_.reserve(record_offsets_.size() + docs + 1);
  referenced_.reserve(referenced_.size() + docs);
  ids_.reserve(ids_.size() + docs);
  lsh_.reserve(lsh_.size() + docs * params_.lsh.bands);
  passages_.reserve(passages_.size() + text_bytes / 16);
  lines_.reserve(lines_.size() + text_bytes / 200);
}

absl::Status SegmentBuilder::Add(const Document& doc, const DocumentFingerprint& fp,
                                 absl::Span<const LineFingerprint> lines, bool reference) {
  const bool referenced = reference && doc.origin.kind != OriginKind::kNone;
  const uint64_t record_bytes = doc.id.size() + doc.meta.date.size() + doc.meta.source.size() +
                                doc.meta.url.size() + doc.meta.title.size() +
                                (referenced ? doc.origin.path.size() + 64 : doc.text.size());
  if (record_bytes > kMaxRecordBytes) {
    return absl::InvalidArgumentError(absl::StrCat("document \"", doc.id, "\" has ", record_bytes,
                                                   " bytes; the index stores at most ",
                                                   kMaxRecordBytes, " per document"));
  }
  const size_t new_lsh = fp.words > 0 ? params_.lsh.bands : 0;
  if (num_docs() >= UINT32_MAX - 1 || lsh_.size() + new_lsh >= UINT32_MAX ||
      passages_.size() + fp.passages.size() >= UINT32_MAX ||
      lines_.size() + lines.size() >= UINT32_MAX) {
    return absl::InvalidArgumentError("segment full: lower max_segment_bytes");
  }
  const uint32_t local = num_docs();
  record_offsets_.push_back(records_.size());
  AppendField(doc.id, &records_);
  AppendField(doc.meta.date, &records_);
  AppendField(doc.meta.source, &records_);
  AppendField(doc.meta.url, &records_);
  AppendField(doc.meta.title, &records_);
  AppendField(referenced ? absl::string_view() : absl::string_view(doc.text), &records_);
  AppendOrigin(referenced ? doc.origin : DocumentOrigin(), doc.text, &records_);
  referenced_.push_back(referenced);
  text_bytes_ += doc.text.size();
  ids_.push_back({IdHash(doc.id), local});
  // The scan adds only documents with words to LSH (an empty text's signature says nothing).
  if (fp.words > 0) {
    ComputeBandKeys(fp.signature, params_.lsh, absl::MakeSpan(band_keys_));
    for (uint64_t key : band_keys_) lsh_.push_back({key, local});
  }
  // A hash repeated within a document counts once (as in PassageIndex::Add).
  const size_t first = passages_.size();
  for (const PassageFingerprint& passage : fp.passages) passages_.push_back({passage.hash, local});
  std::sort(passages_.begin() + first, passages_.end(),
            [](const PostingEntry& x, const PostingEntry& y) { return x.hash < y.hash; });
  passages_.erase(std::unique(passages_.begin() + first, passages_.end(),
                              [](const PostingEntry& x, const PostingEntry& y) {
                                return x.hash == y.hash;
                              }),
                  passages_.end());
  // Lines: each (source, line) once per document, as BoilerplateDetector counts them.
  const size_t first_line = lines_.size();
  for (const LineFingerprint& line : lines) {
    lines_.push_back({LineKey(doc.meta.source, line.hash), local});
  }
  std::sort(lines_.begin() + first_line, lines_.end(),
            [](const PostingEntry& x, const PostingEntry& y) { return x.hash < y.hash; });
  lines_.erase(std::unique(lines_.begin() + first_line, lines_.end(),
                           [](const PostingEntry& x, const PostingEntry& y) {
                             return x.hash == y.hash;
                           }),
               lines_.end());
  return absl::OkStatus();
}

std::string SegmentBuilder::Finish(uint64_t segment_number) {
  const uint32_t num_docs = this->num_docs();
  record_offsets_.push_back(records_.size());  // sentinel: end of the last record

  // Tables. Sorting the LSH entries first gives the components for the text layout.
  SortPostings(&lsh_, num_docs, kLshRemainderBits);
  SortPostings(&passages_, num_docs, kPassageRemainderBits);
  SortPostings(&lines_, num_docs, kLineRemainderBits);
  std::sort(ids_.begin(), ids_.end(), [](const PostingEntry& x, const PostingEntry& y) {
    return x.hash != y.hash ? x.hash < y.hash : x.doc < y.doc;
  });

  // Text layout: documents by (component root, document), cut into blocks.
  const std::vector<uint32_t> roots = ComponentRoots(lsh_, num_docs);
  std::vector<uint32_t> order(num_docs);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t x, uint32_t y) { return roots[x] < roots[y]; });
  struct Block {
    size_t first = 0;  // index into `order`
    size_t end = 0;
    uint64_t raw_bytes = 0;
    std::string compressed;
    uint32_t packed_bytes = 0;
    uint32_t referenced = 0;  // documents whose text is referenced, not stored
  };
  std::vector<Block> blocks;
  std::vector<uint32_t> block_of(num_docs);
  for (size_t i = 0; i < order.size(); ++i) {
    const uint32_t doc = order[i];
    const uint64_t size = record_offsets_[doc + 1] - record_offsets_[doc];
    // Packing at most doubles a record: a block's packed bytes stay below 2^32.
    if (blocks.empty() || blocks.back().raw_bytes >= options_.text_block_bytes ||
        blocks.back().raw_bytes + size > UINT32_MAX / 2) {
      blocks.push_back(Block{i, i, 0, {}, 0});
    }
    Block& block = blocks.back();
    block_of[doc] = static_cast<uint32_t>(blocks.size() - 1);
    block.raw_bytes += size;
    block.referenced += referenced_[doc];
    block.end = i + 1;
  }
  // Each document's record within its packed block: (offset, length).
  std::vector<std::pair<uint32_t, uint32_t>> packed_at(num_docs);
  const unsigned threads = std::max(1u, options_.threads);
  std::vector<ZSTD_CCtx*> contexts(threads, nullptr);
  std::vector<std::string> packed(threads);
  internal::ParallelFor(blocks.size(), threads, [&](size_t b, unsigned worker) {
    if (contexts[worker] == nullptr) contexts[worker] = ZSTD_createCCtx();
    Block& block = blocks[b];
    std::string& buffer = packed[worker];
    buffer.clear();
    for (size_t i = block.first; i < block.end; ++i) {
      const uint32_t doc = order[i];
      const size_t start = buffer.size();
      PackText(absl::string_view(records_).substr(
                   record_offsets_[doc], record_offsets_[doc + 1] - record_offsets_[doc]),
               &buffer);
      packed_at[doc] = {static_cast<uint32_t>(start), static_cast<uint32_t>(buffer.size() - start)};
    }
    block.packed_bytes = static_cast<uint32_t>(buffer.size());
    block.compressed.resize(ZSTD_compressBound(buffer.size()));
    const size_t n = ZSTD_compressCCtx(contexts[worker], block.compressed.data(),
                                       block.compressed.size(), buffer.data(), buffer.size(),
                                       options_.text_level);
    // The bound always suffices and the level is validated: an error here is a bug.
    if (ZSTD_isError(n)) std::abort();
    block.compressed.resize(n);
  });
  for (ZSTD_CCtx* context : contexts) ZSTD_freeCCtx(context);

  // Encode.
  std::string file;
  uint64_t compressed_bytes = 0;
  for (const Block& block : blocks) compressed_bytes += block.compressed.size();
  file.reserve(kSegmentHeaderBytes + compressed_bytes + uint64_t{num_docs} * 16 +
               blocks.size() * kBlockEntryBytes +
               (lsh_.size() + passages_.size() + ids_.size() + lines_.size()) * 12 + 4096);
  ByteWriter out(&file);
  out.Bytes(absl::string_view(kSegmentMagic, 8));
  out.U32(kIndexFormatVersion);
  out.U32(kSegmentHeaderBytes);
  out.U64(segment_number);
  out.U32(num_docs);
  out.U32(kNumSectionKinds);
  out.U64(text_bytes_);
  EncodeParams(params_, &out);

  SegmentSection sections[kNumSectionKinds];
  auto begin_section = [&](SectionKind kind) {
    out.PadTo(8);
    sections[static_cast<uint32_t>(kind) - 1].offset = file.size();
  };
  auto end_section = [&](SectionKind kind) {
    SegmentSection& s = sections[static_cast<uint32_t>(kind) - 1];
    s.size = file.size() - s.offset;
    s.checksum = Checksum(absl::string_view(file).substr(s.offset, s.size));
  };

  begin_section(SectionKind::kDocuments);
  for (uint32_t doc = 0; doc < num_docs; ++doc) {
    out.U32(block_of[doc]);
    out.U32(packed_at[doc].first);
    out.U32(packed_at[doc].second);
  }
  end_section(SectionKind::kDocuments);

  begin_section(SectionKind::kIds);
  for (const PostingEntry& entry : ids_) {
    out.U64(entry.hash);
    out.U32(entry.doc);
  }
  end_section(SectionKind::kIds);

  begin_section(SectionKind::kLsh);
  EncodePostingTable(lsh_, num_docs, kLshRemainderBits, &file);
  end_section(SectionKind::kLsh);

  begin_section(SectionKind::kPassages);
  EncodePostingTable(passages_, num_docs, kPassageRemainderBits, &file);
  end_section(SectionKind::kPassages);

  begin_section(SectionKind::kLines);
  EncodePostingTable(lines_, num_docs, kLineRemainderBits, &file);
  end_section(SectionKind::kLines);

  begin_section(SectionKind::kBlocks);
  out.U32(kTextCodecPackedZstd);
  out.U32(static_cast<uint32_t>(blocks.size()));
  uint64_t frame_offset = 0;
  for (const Block& block : blocks) {
    out.U64(frame_offset);
    out.U32(static_cast<uint32_t>(block.compressed.size()));
    out.U32(block.packed_bytes);
    out.U32(static_cast<uint32_t>(block.raw_bytes));
    out.U32(block.referenced);
    out.U64(Checksum(block.compressed));
    frame_offset += block.compressed.size();
  }
  end_section(SectionKind::kBlocks);

  begin_section(SectionKind::kText);
  for (Block& block : blocks) {
    out.Bytes(block.compressed);
    std::string().swap(block.compressed);
  }
  end_section(SectionKind::kText);

  out.PadTo(8);
  const uint64_t directory_offset = file.size();
  for (uint32_t k = 0; k < kNumSectionKinds; ++k) {
    out.U32(k + 1);
    out.U32(kSectionVersion);
    out.U64(sections[k].offset);
    out.U64(sections[k].size);
    out.U64(sections[k].checksum);
  }
  // The directory checksum covers the header and the directory: what Parse() reads before
  // trusting any section.
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, file.data(), kSegmentHeaderBytes);
  XXH3_64bits_update(&state, file.data() + directory_offset, kNumSectionKinds * kSectionEntryBytes);
  const uint64_t directory_checksum = XXH3_64bits_digest(&state);
  out.U64(directory_offset);
  out.U64(directory_checksum);
  out.Bytes(absl::string_view(kSegmentEndMagic, 8));
  out.U64(Checksum(file));

  // Empty the builder.
  std::string().swap(records_);
  std::vector<uint64_t>().swap(record_offsets_);
  std::vector<uint8_t>().swap(referenced_);
  std::vector<PostingEntry>().swap(lsh_);
  std::vector<PostingEntry>().swap(passages_);
  std::vector<PostingEntry>().swap(ids_);
  std::vector<PostingEntry>().swap(lines_);
  text_bytes_ = 0;
  return file;
}

// ---- BlockScratch --------------------------------------------------------------------------------

BlockScratch::BlockScratch() = default;
BlockScratch::~BlockScratch() { ZSTD_freeDCtx(dctx_); }  // accepts null

ZSTD_DCtx_s* BlockScratch::dctx() {
  if (dctx_ == nullptr) dctx_ = ZSTD_createDCtx();
  return dctx_;
}

// ---- SegmentView ---------------------------------------------------------------------------------

absl::Status SegmentView::Parse(absl::string_view bytes, bool verify_sections, SegmentView* view) {
  if (bytes.size() < kSegmentHeaderBytes + kSegmentFooterBytes) return Corrupt("file too short");
  if (std::memcmp(bytes.data(), kSegmentMagic, 8) != 0) return Corrupt("bad magic number");
  const char* footer = bytes.data() + bytes.size() - kSegmentFooterBytes;
  if (std::memcmp(footer + 16, kSegmentEndMagic, 8) != 0) {
    return Corrupt("bad end marker (truncated file?)");
  }
  const uint64_t directory_offset = LoadU64(footer);
  const uint64_t directory_bytes = kNumSectionKinds * kSectionEntryBytes;
  if (directory_offset < kSegmentHeaderBytes ||
      directory_offset > bytes.size() - kSegmentFooterBytes ||
      bytes.size() - kSegmentFooterBytes - directory_offset != directory_bytes) {
    return Corrupt("section directory out of bounds");
  }
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, bytes.data(), kSegmentHeaderBytes);
  XXH3_64bits_update(&state, bytes.data() + directory_offset, directory_bytes);
  if (XXH3_64bits_digest(&state) != LoadU64(footer + 8)) {
    return Corrupt("header or section directory checksum mismatch");
  }

  ByteReader header(bytes.substr(8, kSegmentHeaderBytes - 8));
  uint32_t version = 0, header_bytes = 0, num_sections = 0;
  header.U32(&version);
  if (version != kIndexFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("index format version ", version, " is not supported (this naql reads version ",
                     kIndexFormatVersion, ")"));
  }
  header.U32(&header_bytes);
  header.U64(&view->number_);
  header.U32(&view->num_docs_);
  header.U32(&num_sections);
  header.U64(&view->text_bytes_);
  if (header_bytes != kSegmentHeaderBytes || num_sections != kNumSectionKinds) {
    return Corrupt("unexpected header layout");
  }
  if (!DecodeParams(&header, &view->params_)) return Corrupt("malformed parameters");
  view->bytes_ = bytes;
  view->file_checksum_ = LoadU64(footer + 24);

  // Directory: each kind once, version 1, inside [header end, directory), not overlapping.
  bool seen[kNumSectionKinds] = {};
  for (uint32_t i = 0; i < kNumSectionKinds; ++i) {
    const char* entry = bytes.data() + directory_offset + i * kSectionEntryBytes;
    const uint32_t kind = LoadU32(entry);
    const uint32_t section_version = LoadU32(entry + 4);
    if (kind < 1 || kind > kNumSectionKinds || seen[kind - 1]) {
      return Corrupt("unknown or repeated section kind");
    }
    if (section_version != kSectionVersion) return Corrupt("unknown section version");
    seen[kind - 1] = true;
    SegmentSection& s = view->sections_[kind - 1];
    s.offset = LoadU64(entry + 8);
    s.size = LoadU64(entry + 16);
    s.checksum = LoadU64(entry + 24);
    if (s.offset < kSegmentHeaderBytes || s.offset > directory_offset ||
        s.size > directory_offset - s.offset) {
      return Corrupt(absl::StrCat("section ", SectionName(static_cast<SectionKind>(kind)),
                                  " out of bounds"));
    }
  }
  for (uint32_t a = 0; a < kNumSectionKinds; ++a) {
    for (uint32_t b = a + 1; b < kNumSectionKinds; ++b) {
      const SegmentSection &x = view->sections_[a], &y = view->sections_[b];
      if (x.offset < y.offset + y.size && y.offset < x.offset + x.size) {
        return Corrupt("sections overlap");
      }
    }
  }
  auto section_bytes = [&](SectionKind kind) {
    const SegmentSection& s = view->section(kind);
    return bytes.substr(s.offset, s.size);
  };
  if (verify_sections) {
    for (uint32_t k = 1; k <= kNumSectionKinds; ++k) {
      const SectionKind kind = static_cast<SectionKind>(k);
      if (kind == SectionKind::kText) continue;  // checked block by block when read
      if (Checksum(section_bytes(kind)) != view->section(kind).checksum) {
        return Corrupt(absl::StrCat("checksum mismatch in section ", SectionName(kind)));
      }
    }
  }

  const uint64_t n = view->num_docs_;
  if (section_bytes(SectionKind::kDocuments).size() != n * kDocumentEntryBytes) {
    return Corrupt("document table size does not match the document count");
  }
  if (section_bytes(SectionKind::kIds).size() != n * kIdEntryBytes) {
    return Corrupt("id table size does not match the document count");
  }
  view->documents_ = section_bytes(SectionKind::kDocuments).data();
  view->ids_ = section_bytes(SectionKind::kIds).data();
  if (absl::Status s = PostingTable::Parse(section_bytes(SectionKind::kLsh), view->num_docs_,
                                           kLshRemainderBits, &view->lsh_);
      !s.ok()) {
    return Corrupt(absl::StrCat("lsh ", s.message()));
  }
  if (absl::Status s = PostingTable::Parse(section_bytes(SectionKind::kPassages), view->num_docs_,
                                           kPassageRemainderBits, &view->passages_);
      !s.ok()) {
    return Corrupt(absl::StrCat("passages ", s.message()));
  }
  if (absl::Status s = PostingTable::Parse(section_bytes(SectionKind::kLines), view->num_docs_,
                                           kLineRemainderBits, &view->lines_);
      !s.ok()) {
    return Corrupt(absl::StrCat("lines ", s.message()));
  }

  ByteReader blocks(section_bytes(SectionKind::kBlocks));
  uint32_t codec = 0;
  if (!blocks.U32(&codec) || !blocks.U32(&view->num_blocks_)) return Corrupt("truncated block table");
  if (codec != kTextCodecPackedZstd) return Corrupt("unknown text codec");
  if (blocks.remaining() != uint64_t{view->num_blocks_} * kBlockEntryBytes) {
    return Corrupt("block table size does not match the block count");
  }
  if (view->num_blocks_ == 0 && n > 0) return Corrupt("documents without text blocks");
  view->blocks_ = section_bytes(SectionKind::kBlocks).data() + 8;
  view->text_ = section_bytes(SectionKind::kText);
  // Frames are contiguous and fill the TEXT section exactly.
  uint64_t expected = 0;
  uint64_t referenced = 0;
  for (uint32_t b = 0; b < view->num_blocks_; ++b) {
    const char* entry = view->blocks_ + b * kBlockEntryBytes;
    if (LoadU64(entry) != expected) return Corrupt("block table out of order");
    expected += LoadU32(entry + 8);
    referenced += LoadU32(entry + 20);
  }
  if (referenced > n) return Corrupt("more referenced texts than documents");
  view->referenced_docs_ = static_cast<uint32_t>(referenced);
  if (expected != view->text_.size()) return Corrupt("text section size does not match its blocks");
  view->block_verified_ = std::make_unique<std::atomic<uint8_t>[]>(view->num_blocks_);
  return absl::OkStatus();
}

absl::Status SegmentView::ReadBlock(uint32_t block, ZSTD_DCtx_s* dctx, std::string* packed,
                                    size_t* size) const {
  const char* entry = blocks_ + static_cast<size_t>(block) * kBlockEntryBytes;
  const uint64_t offset = LoadU64(entry);
  const uint32_t compressed_bytes = LoadU32(entry + 8);
  const uint32_t packed_bytes = LoadU32(entry + 12);
  const uint32_t raw_bytes = LoadU32(entry + 16);
  const absl::string_view frame = text_.substr(offset, compressed_bytes);
  if (block_verified_[block].load(std::memory_order_relaxed) == 0) {
    if (Checksum(frame) != LoadU64(entry + 24)) {
      return Corrupt(absl::StrCat("checksum mismatch in text block ", block));
    }
    block_verified_[block].store(1, std::memory_order_relaxed);
  }
  // Packing never more than doubles a text and never shrinks it below half.
  if (packed_bytes > 2 * uint64_t{raw_bytes} || raw_bytes > 2 * uint64_t{packed_bytes}) {
    return Corrupt(absl::StrCat("text block ", block, " has inconsistent sizes"));
  }
  const unsigned long long content = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (content != packed_bytes) return Corrupt(absl::StrCat("text block ", block, " is malformed"));
  if (packed->size() < packed_bytes) packed->resize(packed_bytes);
  const size_t n =
      ZSTD_decompressDCtx(dctx, packed->data(), packed_bytes, frame.data(), frame.size());
  if (ZSTD_isError(n) || n != packed_bytes) {
    return Corrupt(absl::StrCat("text block ", block, " does not decompress"));
  }
  *size = packed_bytes;
  return absl::OkStatus();
}

absl::Status SegmentView::LoadBlock(uint32_t block, BlockScratch* scratch) const {
  if (scratch->owner_ == this && scratch->block_ == block) return absl::OkStatus();
  scratch->owner_ = nullptr;
  NAQL_RETURN_IF_ERROR(ReadBlock(block, scratch->dctx(), &scratch->packed_, &scratch->packed_size_));
  scratch->owner_ = this;
  scratch->block_ = block;
  return absl::OkStatus();
}

absl::Status SegmentView::BlockOf(uint32_t doc, uint32_t* block) const {
  if (doc >= num_docs_) return Corrupt("document number out of range");
  *block = LoadU32(documents_ + static_cast<size_t>(doc) * kDocumentEntryBytes);
  if (*block >= num_blocks_) {
    return Corrupt(absl::StrCat("document ", doc, " points past the blocks"));
  }
  return absl::OkStatus();
}

absl::Status SegmentView::ReadDocument(uint32_t doc, absl::string_view packed_block,
                                       std::string* buffer, Document* out) const {
  absl::string_view record;
  NAQL_RETURN_IF_ERROR(RecordOf(doc, packed_block, &record));
  return ParseRecord(doc, record, buffer, out);
}

absl::Status SegmentView::RecordOf(uint32_t doc, absl::string_view packed_block,
                                   absl::string_view* record) const {
  const char* entry = documents_ + static_cast<size_t>(doc) * kDocumentEntryBytes;
  const uint32_t offset = LoadU32(entry + 4);
  const uint32_t length = LoadU32(entry + 8);
  if (offset > packed_block.size() || length > packed_block.size() - offset) {
    return Corrupt(absl::StrCat("document ", doc, " points past its block"));
  }
  *record = packed_block.substr(offset, length);
  return absl::OkStatus();
}

absl::Status SegmentView::ParseRecord(uint32_t doc, absl::string_view packed_record,
                                      std::string* buffer, Document* out) const {
  // The buffer only grows, so that resizing it does not zero-fill it on every record.
  if (buffer->size() < 2 * packed_record.size()) buffer->resize(2 * packed_record.size());
  const size_t n = UnpackTextTo(packed_record, buffer->data());
  uint64_t origin_size = 0;
  absl::string_view origin_field;
  if (n != kUnpackError) {
    ByteReader in(absl::string_view(*buffer).substr(0, n));
    if (ReadField(&in, &out->id) && ReadField(&in, &out->meta.date) &&
        ReadField(&in, &out->meta.source) && ReadField(&in, &out->meta.url) &&
        ReadField(&in, &out->meta.title) && ReadField(&in, &out->text) &&
        in.Varint(&origin_size) && origin_size == in.remaining() &&
        in.Bytes(origin_size, &origin_field)) {
      if (origin_field.empty()) {
        out->origin = DocumentOrigin();
        return absl::OkStatus();
      }
      uint64_t checksum = 0;
      if (out->text.empty() && ParseOrigin(origin_field, &out->origin, &checksum)) {
        return ReadReferencedText(checksum, out);
      }
    }
  }
  return Corrupt(absl::StrCat("record of document ", doc, " is malformed"));
}

absl::Status SegmentView::ReadReferencedText(uint64_t checksum, Document* out) const {
  const DocumentOrigin& origin = out->origin;
  absl::StatusOr<Document> read = DocumentReader::ReadOrigin(origin, kMaxRecordBytes);
  const std::string where =
      origin.kind == OriginKind::kJsonLine ? absl::StrCat(origin.path, ":", origin.line)
      : origin.kind == OriginKind::kTextFile ? origin.path
                                             : absl::StrCat(origin.path, "@", origin.offset);
  if (!read.ok()) {
    return absl::Status(read.status().code(),
                        absl::StrCat("document \"", out->id, "\" keeps its text in its input (",
                                     where, "), which cannot be read: ", read.status().message()));
  }
  if (Checksum(read->text) != checksum) {
    return absl::DataLossError(absl::StrCat("document \"", out->id,
                                            "\" keeps its text in its input (", where,
                                            "), which changed since it was indexed"));
  }
  out->text = std::move(read->text);
  return absl::OkStatus();
}

absl::Status SegmentView::LoadDocument(uint32_t doc, BlockScratch* scratch, Document* out) const {
  uint32_t block = 0;
  NAQL_RETURN_IF_ERROR(BlockOf(doc, &block));
  NAQL_RETURN_IF_ERROR(LoadBlock(block, scratch));
  return ReadDocument(doc, absl::string_view(scratch->packed_).substr(0, scratch->packed_size_),
                      &scratch->record_, out);
}

absl::Status SegmentView::VerifyAll() const {
  if (Checksum(bytes_.substr(0, bytes_.size() - 8)) != file_checksum_) {
    return Corrupt("file checksum mismatch");
  }
  for (uint32_t k = 1; k <= kNumSectionKinds; ++k) {
    const SectionKind kind = static_cast<SectionKind>(k);
    if (Checksum(bytes_.substr(section(kind).offset, section(kind).size)) != section(kind).checksum) {
      return Corrupt(absl::StrCat("checksum mismatch in section ", SectionName(kind)));
    }
  }
  // Every block decompresses and unpacks to its recorded size; every record parses (documents
  // are visited block by block so that each block is decompressed once).
  std::vector<std::pair<uint32_t, uint32_t>> by_block(num_docs_);  // (block, doc)
  for (uint32_t d = 0; d < num_docs_; ++d) {
    by_block[d] = {LoadU32(documents_ + static_cast<size_t>(d) * kDocumentEntryBytes), d};
  }
  std::sort(by_block.begin(), by_block.end());
  BlockScratch scratch;
  Document doc;
  std::string unpacked;
  size_t next = 0;
  for (uint32_t block = 0; block < num_blocks_; ++block) {
    block_verified_[block].store(0, std::memory_order_relaxed);  // check it again
    if (absl::Status status = LoadBlock(block, &scratch); !status.ok()) return status;
    unpacked.clear();
    if (!UnpackText(absl::string_view(scratch.packed_).substr(0, scratch.packed_size_), &unpacked) ||
        unpacked.size() != LoadU32(blocks_ + static_cast<size_t>(block) * kBlockEntryBytes + 16)) {
      return Corrupt(absl::StrCat("text block ", block, " does not unpack"));
    }
    uint32_t referenced = 0;
    for (; next < by_block.size() && by_block[next].first == block; ++next) {
      if (absl::Status status = LoadDocument(by_block[next].second, &scratch, &doc); !status.ok()) {
        return status;
      }
      referenced += doc.origin.kind != OriginKind::kNone;
    }
    if (referenced != LoadU32(blocks_ + static_cast<size_t>(block) * kBlockEntryBytes + 20)) {
      return Corrupt(absl::StrCat("text block ", block, " miscounts its referenced texts"));
    }
  }
  if (next != by_block.size()) return Corrupt("a document points past the blocks");
  return absl::OkStatus();
}

absl::Status SegmentView::ForEachDocument(
    absl::FunctionRef<absl::Status(uint32_t doc, Document& document)> fn) const {
  // Decompress every block once, keeping the packed bytes, then read the records in document
  // order.
  std::vector<std::string> packed(num_blocks_);
  {
    BlockScratch scratch;
    for (uint32_t block = 0; block < num_blocks_; ++block) {
      if (absl::Status status = LoadBlock(block, &scratch); !status.ok()) return status;
      packed[block].assign(scratch.packed_, 0, scratch.packed_size_);
      scratch.owner_ = nullptr;
    }
  }
  Document doc;
  std::string buffer;
  for (uint32_t d = 0; d < num_docs_; ++d) {
    const uint32_t block = LoadU32(documents_ + static_cast<size_t>(d) * kDocumentEntryBytes);
    if (block >= num_blocks_) return Corrupt(absl::StrCat("document ", d, " points past the blocks"));
    absl::string_view record;
    if (absl::Status status = RecordOf(d, packed[block], &record); !status.ok()) return status;
    if (absl::Status status = ParseRecord(d, record, &buffer, &doc); !status.ok()) return status;
    if (absl::Status status = fn(d, doc); !status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace naql::internal
