// naql/index_store.h — the persistent, crash-safe index: fingerprints of an archive that grows
// every day, queried with new articles without re-scanning the archive.
//
// An index is a directory (the byte-level format is docs/index_format.md):
//   MANIFEST              the live segments, their sizes and checksums, the parameters, and the
//                         documents replaced since the segments were written; replaced atomically
//   seg-<16 hex>.nqs      immutable segment files, one per `add` batch (or per max_segment_bytes)
//   LOCK                  flock(2)ed by the one writer (create, add, compact)
// in the spirit of an LSM store: segments are written once, published by renaming a new MANIFEST
// into place, and merged by compaction. Each segment holds, for its documents:
//   * the LSH band keys of their MinHash signatures (whole-article resemblance; Broder 1997, banding
//     as in Leskovec–Rajaraman–Ullman, Mining of Massive Datasets ch. 3.4),
//   * their winnowed passage fingerprints (Schleimer–Wilkerson–Aiken 2003),
//   * a document table (id, metadata) and a zstd-compressed copy of each text, so that candidates
//     can be aligned and printed without the original inputs — or, with
//     IndexWriteOptions::reference_texts, where each text is in its input file,
// and begins with the parameters that made the fingerprints (IndexParams). Everything that changes
// a fingerprint travels with the index; using the index with other parameters is refused
// (IndexParams::CheckCompatible names the first difference).
//
// Candidates are found in compact hash tables that keep only 13 bits below each key's bucket
// (docs/index_format.md, "Posting tables"): a lookup may return a false candidate (about one per
// 300 lookups), which is removed exactly: every candidate's text is fingerprinted again and kept
// only when it shares a band key (LSH) or an undropped passage fingerprint with the query,
// exactly as `naql scan` decides. Query results therefore equal a scan's, pair for pair, up to
// the rare cases named on IndexSearcher (tests/index_equivalence_test.cc checks it).
//
// Crash safety: a segment is written to a temporary file, fsync'ed, renamed and its directory
// fsync'ed before a new MANIFEST is written the same way; a crash at any point leaves the previous
// MANIFEST or the new one, never a mix. Files the MANIFEST does not list are ignored by readers and
// deleted by the next writer. Corruption: every file ends with an XXH3-64 checksum; readers check
// the header, the section directory and every section except the compressed texts at open, and
// each compressed text block (its own checksum) when it is first read. A corrupt or truncated file
// is a DataLoss error naming the file; nothing is read from it unchecked.
//
// Example:
//   naql::FingerprintOptions fingerprint;                      // defaults of `naql scan`
//   naql::LshOptions lsh;
//   NAQL_ASSIGN_OR_RETURN(naql::IndexParams params, naql::IndexParams::FromOptions(fingerprint, lsh));
//   NAQL_ASSIGN_OR_RETURN(auto writer, naql::IndexWriter::Create("archive.naql", params, {}));
//   naql::AddStats added;
//   NAQL_RETURN_IF_ERROR(writer->AddBatch(archive_documents, &added));
//   NAQL_RETURN_IF_ERROR(writer->Commit(&added));              // publishes one segment
//   writer.reset();                                            // releases the lock
//
//   NAQL_ASSIGN_OR_RETURN(auto index, naql::IndexReader::Open("archive.naql"));
//   naql::IndexSearcher searcher(index.get(), naql::IndexQueryOptions());
//   MySink sink;                                               // a naql::ScanSink
//   NAQL_RETURN_IF_ERROR(searcher.Run(new_documents, &sink));  // OnPair(report, archived, new)
//
// Thread safety: an IndexWriter is used by one thread at a time (it runs its own workers). An
// IndexReader is immutable after Open(); its const methods are thread-safe, and any number of
// readers (in any number of processes) may read an index while one writer adds to it. An
// IndexSearcher's Run() may be called from several threads at once.

#ifndef NAQL_INDEX_STORE_H_
#define NAQL_INDEX_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "naql/aligner.h"
#include "naql/boilerplate.h"
#include "naql/document.h"
#include "naql/fingerprinter.h"
#include "naql/lsh_index.h"
#include "naql/passage_index.h"
#include "naql/reader.h"
#include "naql/scanner.h"

namespace naql {

// Version of the directory layout and of every file format in it (docs/index_format.md). Bumped
// for any change to the bytes; readers refuse other versions (FailedPrecondition).
inline constexpr uint32_t kIndexFormatVersion = 3;

// Everything that changes the stored fingerprints. Recorded in the MANIFEST and in every segment.
struct IndexParams {
  SignatureParams signature;      // normalizer, tokenizer, shingles, MinHash
  uint32_t min_words = 8;         // passage length; the winnowing window is min_words - passage_shingle + 1
  uint32_t passage_shingle = 7;   // words per passage fingerprint (FingerprintOptions::passage_shingle_size())
  LshParams lsh{32, 4};           // bands × rows of the band keys
  uint32_t lsh_version = kLshVersion;

  friend bool operator==(const IndexParams&, const IndexParams&) = default;

  // The parameters of the pipeline configured by `fingerprint` and `lsh` (bands × rows from
  // lsh.bands/rows, or OptimalLshParams(threshold, num_perm, weights) when those are 0), with the
  // current component versions. InvalidArgument when the options are invalid.
  static absl::StatusOr<IndexParams> FromOptions(const FingerprintOptions& fingerprint,
                                                 const LshOptions& lsh);

  // The fingerprint options that reproduce these parameters. FailedPrecondition when a component
  // version differs from this naql's (the index was built by another version: rebuild it);
  // InvalidArgument when a field is out of range (Validate()).
  absl::StatusOr<FingerprintOptions> ToFingerprintOptions() const;

  // LshOptions with explicit bands and rows (and the other fields at their defaults).
  LshOptions ToLshOptions() const;

  // InvalidArgument naming the first field out of range (e.g. num_perm 0, bands · rows > num_perm,
  // min_words < shingle size).
  absl::Status Validate() const;

  // One line naming every field, e.g. "5-word shingles, 128 perms, --min-words 8, LSH 32 × 4 (v1);
  // minhash v1 seed 0x6e61716c6d696e31, tokenizer v1 with clitic stripping, normalizer v1 bits
  // 0xfff".
  std::string Describe() const;

  // OkStatus when *this (what a command asks for) equals `index` (what an index holds). Otherwise
  // FailedPrecondition whose message names the first differing field by its option where it has
  // one, with both values, e.g. "--shingle is 4 but the index was built with 5", followed by
  // "(index: <Describe()>)". Fields are compared in pipeline order (normalizer first), so the
  // message names the earliest cause.
  absl::Status CheckCompatible(const IndexParams& index) const;
};

// How segments are written (create, add, compact).
struct IndexWriteOptions {
  // zstd level of the stored texts (1..19). Texts are stored in blocks of text_block_bytes, packed
  // first (Arabic letters from two UTF-8 bytes to one, docs/index_format.md) and laid out so that
  // documents sharing an LSH band key — syndicated copies — sit in the same or neighbouring blocks,
  // where zstd finds them as long matches. On the generated 200 MB crawl (bench/index_bench_tool.cc)
  // the texts take 22.4% of their size at level 3, 21.3% at 5 and 21.1% at 6; level 5 keeps the
  // whole build faster than `naql scan`'s fingerprint phase.
  int text_level = 5;
  // Uncompressed bytes per text block (a larger document gets a block of its own). A candidate
  // costs one block decompression unless the searcher's block cache holds it; 256 KiB blocks
  // compress 4% better than 128 KiB ones and decompress in well under a millisecond. 4 KiB..16 MiB.
  uint32_t text_block_bytes = 256 << 10;
  // A segment is published when the texts added since the last one reach this many bytes (and at
  // Commit()). Bounds the writer's memory (about 1.6 × this) and the work a crash can lose.
  // 1 KiB..4 GiB.
  uint64_t max_segment_bytes = uint64_t{512} << 20;
  // Worker threads for fingerprinting and compression, >= 1.
  unsigned threads = 1;
  // With true, a document whose id is already in the index replaces the indexed one (which is
  // dropped from queries at once and from disk at the next compaction). With false (default) it
  // is reported (AddStats::duplicates, on_duplicate) and skipped.
  bool replace = false;
  // With true, a document whose Document::origin is set (DocumentReader::OriginOf: a text file, a
  // JSON Lines record or a WARC record of a regular, uncompressed file, or of a .warc.gz written
  // one record per member) is stored without its text: the index keeps the origin and the XXH3 of
  // the text, and reads the text from the input whenever a query or a compaction needs it, as a
  // CDX index points into WARC files. The texts then take nothing on disk (the index is about 29%
  // of the text instead of 49% on the generated crawl), but the inputs must stay where they were,
  // unchanged: a query that needs a moved or changed one fails, naming it. Documents without an
  // origin (standard input, compressed JSON Lines) are stored as usual. Default false: the index
  // is self-contained. Compaction keeps each document as it is.
  bool reference_texts = false;

  // InvalidArgument naming the first field out of range.
  absl::Status Validate() const;
};

// What AddBatch/Commit/Add did.
struct AddStats {
  uint64_t documents = 0;        // documents added (including replacements)
  uint64_t replaced = 0;         // of which replaced an indexed document with the same id
  uint64_t duplicates = 0;       // skipped: id already indexed (without replace)
  uint64_t empty = 0;            // added documents without a single word (kept, never matched)
  uint64_t text_bytes = 0;       // bytes of the added texts
  uint64_t segments = 0;         // segments published
  uint64_t segment_bytes = 0;    // bytes of the published segment files
  uint64_t skipped = 0;          // inputs or lines the reader skipped (Add only)
  uint64_t referenced = 0;       // added documents whose text stays in its input (reference_texts)
};

struct CompactStats {
  uint64_t segments_before = 0;
  uint64_t segments_after = 0;
  uint64_t documents = 0;          // live documents rewritten
  uint64_t dropped = 0;            // replaced documents removed
  uint64_t bytes_before = 0;       // segment file bytes
  uint64_t bytes_after = 0;
};

// Writes to an index directory. Holds the directory's LOCK (flock) from construction to
// destruction, so at most one writer per index exists at a time, across processes.
class IndexWriter {
 public:
  // Called for each document skipped or replaced because its id is already indexed.
  using DuplicateCallback = std::function<void(const Document& doc, bool replaced)>;

  // Creates a new index in `dir` (created if missing; it must not hold an index) with `params`,
  // and publishes its first, empty MANIFEST. Errors: InvalidArgument for invalid params or options;
  // AlreadyExists when `dir` already holds a MANIFEST or files that are not an index's; the
  // errno-based errors of mkdir/open (NotFound, PermissionDenied, ...).
  static absl::StatusOr<std::unique_ptr<IndexWriter>> Create(const std::string& dir,
                                                             const IndexParams& params,
                                                             const IndexWriteOptions& options);

  // Opens the existing index in `dir` for adding or compacting. Deletes files left by writers
  // that crashed (temporary files, segments the MANIFEST does not list). Errors: Unavailable when
  // another writer holds the lock (the message names DIR/LOCK); NotFound when `dir` holds no
  // index; DataLoss for a corrupt MANIFEST or segment (naming the file); FailedPrecondition for a
  // format version this naql does not read.
  static absl::StatusOr<std::unique_ptr<IndexWriter>> Open(const std::string& dir,
                                                           const IndexWriteOptions& options);

  ~IndexWriter();
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  const IndexParams& params() const;
  // Live documents in the published index plus those added since the last publication.
  uint64_t num_documents() const;

  // Fingerprints `docs` (on options.threads threads) and adds them to the segment being built,
  // publishing it whenever it reaches max_segment_bytes. A document whose id is already indexed
  // (published, or added earlier in this writer) is skipped or replaces the old one (see
  // IndexWriteOptions::replace); on_duplicate is told either way. Documents are not visible to
  // readers until their segment is published. Errors: those of publication (I/O, ENOSPC), after
  // which the writer must not be used again.
  absl::Status AddBatch(absl::Span<const Document> docs, AddStats* stats,
                        const DuplicateCallback& on_duplicate = nullptr);

  // A hint: about `text_bytes` bytes of article text are coming (e.g. the size of the input
  // files). The segment being built sizes its tables for them (up to max_segment_bytes and an
  // eighth of the physical memory) instead of growing them step by step, which copies them and,
  // on a large crawl, took a third of the build's time. Add(reader) gives the hint itself.
  void ExpectTextBytes(uint64_t text_bytes);

  // Publishes the documents added since the last publication as one segment (nothing when there
  // are none): writes it, fsyncs, renames, then replaces the MANIFEST the same way.
  absl::Status Commit(AddStats* stats);

  // Reads every document of `reader` (in batches), AddBatch()es them, and Commit()s. Errors: the
  // reader's fatal errors (strict mode) and those of AddBatch/Commit; segments published before an
  // error stay published.
  absl::Status Add(DocumentReader* reader, AddStats* stats,
                   const DuplicateCallback& on_duplicate = nullptr);

  // Merges all segments into as few as max_segment_bytes allows, dropping replaced documents, and
  // publishes the result in one MANIFEST replacement; the old files are deleted afterwards.
  // Fingerprints are recomputed from the stored texts (the tables keep only key prefixes), so this
  // costs about as much as adding the documents again. Nothing happens when the index already has
  // at most one segment and no replaced documents. Requires that nothing was added since the last
  // Commit() (FailedPrecondition otherwise).
  absl::Status Compact(CompactStats* stats);

 private:
  class Impl;
  explicit IndexWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// How an index is opened for reading.
struct IndexOpenOptions {
  // Also verify the whole-file checksum of every segment and every compressed text block at open
  // (reads the whole index: about 1 s per GB). By default those are checked lazily: each text block
  // when it is read, the whole files by IndexReader::Verify().
  bool verify_all = false;
};

// Per-segment figures for `naql index stats`.
struct IndexSegmentInfo {
  std::string file;              // path of the segment file
  uint64_t number = 0;           // segment number (from the file name)
  uint64_t documents = 0;        // documents written in the segment
  uint64_t replaced = 0;         // of which replaced by later ones
  uint64_t file_bytes = 0;
  uint64_t text_bytes = 0;       // bytes of the original texts written in the segment
  uint64_t stored_text_bytes = 0;    // compressed texts (TEXT section)
  uint64_t referenced_texts = 0;     // documents whose text is read from their input file
  uint64_t lsh_bytes = 0;            // LSH band-key table
  uint64_t passage_bytes = 0;        // passage fingerprint table
  uint64_t line_bytes = 0;           // line table (boilerplate detection)
  uint64_t document_table_bytes = 0; // document and id tables
  uint64_t lsh_entries = 0;
  uint64_t passage_entries = 0;
};

// A read-only snapshot of an index: the MANIFEST at the time of Open() and the segments it lists,
// memory-mapped. Later publications by a writer are not seen (open again to see them); segments
// deleted by a compaction stay readable through the mappings.
class IndexReader {
 public:
  // Opens the index in `dir`. Errors: NotFound when `dir` holds no MANIFEST; DataLoss naming the
  // file for a corrupt or truncated MANIFEST or segment (or a segment the MANIFEST lists that is
  // missing); FailedPrecondition for another format version; errno-based errors otherwise.
  static absl::StatusOr<std::unique_ptr<IndexReader>> Open(
      const std::string& dir, const IndexOpenOptions& options = IndexOpenOptions());

  ~IndexReader();
  IndexReader(const IndexReader&) = delete;
  IndexReader& operator=(const IndexReader&) = delete;

  const std::string& dir() const;
  const IndexParams& params() const;
  uint64_t generation() const;  // MANIFEST generation, +1 per publication
  // Live documents (written minus replaced).
  uint64_t num_documents() const;
  // Document numbers run from 0 to num_slots() - 1 over all segments, oldest first; replaced
  // documents keep their numbers but are not live().
  uint32_t num_slots() const;
  bool live(uint32_t doc) const;
  const std::vector<IndexSegmentInfo>& segments() const;
  // Bytes of the MANIFEST plus all segment files.
  uint64_t disk_bytes() const;
  // Bytes of the original texts of the live documents.
  uint64_t text_bytes() const;

  // The live document with this id, or nullopt. Errors: DataLoss naming the file when the
  // document table is corrupt.
  absl::StatusOr<std::optional<uint32_t>> Find(absl::string_view id) const;

  // Reads document `doc` (id, metadata, original text; location "DIR#doc") into *out. Requires
  // doc < num_slots(). Errors: DataLoss naming the file when its text block is corrupt.
  absl::Status Load(uint32_t doc, Document* out) const;

  // Verifies every checksum of every file (whole files and each text block) and that every text
  // block decompresses. DataLoss naming the first corrupt file.
  absl::Status Verify() const;

  class Impl;  // private; used by IndexSearcher and IndexWriter
  const Impl& impl() const { return *impl_; }

 private:
  explicit IndexReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct IndexQueryOptions {
  // max_df: a passage fingerprint found in more than max_df documents is boilerplate and ignored,
  // counting the indexed documents that hold it outside their boilerplate lines (summed over
  // segments, replaced ones excluded) plus the query documents that hold it — the query document
  // alone, or with scan_new all query documents of the run, so that index + query --scan-new sees
  // the df a scan of everything sees.
  // min_shared as in `naql scan`. (pair_batch is unused.)
  PassageIndexOptions passage;
  // LSH buckets with more members than this (summed over segments) return only their
  // max_bucket_size oldest members (LshIndex::Query's rule). >= 2.
  uint32_t max_bucket_size = 256;
  // Alignment; min_words and seed_size are taken from the index parameters.
  AlignerOptions aligner;
  // Boilerplate lines (naql/boilerplate.h) as the scanner finds them: a line of an article is
  // boilerplate when at least boilerplate.min_docs articles of its source hold it, counting the
  // live indexed articles (each segment keeps every article's lines) and the query articles as
  // for max_df. Its passage fingerprints are then ignored and its words masked before alignment,
  // in the query article and in each candidate. false: no boilerplate detection
  // (--keep-boilerplate).
  bool remove_boilerplate = true;
  BoilerplateOptions boilerplate;
  // The passage stage (partial reuse); false: whole-article near-duplicates only.
  bool find_partial = true;
  // Also report pairs among the query documents themselves (the earlier one as `a`).
  bool scan_new = false;
  // Worker threads, >= 1. Results do not depend on it.
  unsigned threads = 1;
  // Decompressed text blocks kept by the searcher between candidates and between Run() calls,
  // least recently used first out. A query article has tens of candidates (on a news crawl most
  // share a common phrase or two with it and are rejected by alignment), each in some block, and
  // decompressing a block costs more than fingerprinting the candidate. Blocks are kept packed
  // (about 0.56 byte per text byte), so 256 MiB holds the blocks of about 450 MB of Arabic
  // text. 0: no cache (each candidate decompresses its block).
  size_t block_cache_bytes = size_t{256} << 20;

  // InvalidArgument naming the first field out of range.
  absl::Status Validate() const;
};

struct QueryStats {
  uint64_t documents = 0;           // query documents
  uint64_t index_candidates = 0;    // (query, indexed) pairs proposed by the tables
  uint64_t false_candidates = 0;    // of which rejected by the exact re-check
  uint64_t new_candidates = 0;      // (query, query) pairs proposed (scan_new)
  uint64_t pairs = 0;               // findings reported
  uint64_t duplicates = 0;          // of which kind duplicate
  uint64_t dropped_fingerprints = 0;  // query fingerprints over max_df
  uint64_t block_reads = 0;         // text blocks decompressed (block cache misses)
  // Indexed documents fingerprinted to count a passage fingerprint's document frequency exactly
  // (IndexSearcher: a hash found in more than max_df indexed documents, some of which may hold it
  // only inside boilerplate lines).
  uint64_t df_checks = 0;
};

// Answers "which indexed articles does this new article reuse?".
//
// For each query document (in input order) the searcher reports, through ScanSink::OnPair, first
// its pairs with indexed documents (the indexed one as `a`, oldest first), then, with scan_new, its
// pairs with earlier query documents. A pair is reported exactly when `naql scan` over the indexed
// and the query documents would report it (same candidates, same VerifyPair), with the same kind,
// spans and Jaccard estimate; PairReport::a and ::b number indexed documents 0..num_slots()-1 and
// query document i as num_slots() + i. An indexed document with the query document's own id (the
// same article queried again) is never paired with it.
//
// Document frequencies are the scan's exactly: a fingerprint counts in an indexed document only
// when it lies there outside boilerplate lines (as the scanner counts it), so a source's footer
// quoted in another source's articles is kept or dropped as a scan would. The tables hold every
// fingerprint of every document; a count over max_df is made exactly, document by document, where
// some of its documents may hold a boilerplate line (see the cost below).
//
// Where the result can differ from a scan's (none occurs in the equivalence tests):
//   * an LSH bucket with more than max_bucket_size members returns its oldest max_bucket_size
//     (LshIndex::Query's rule) where the scan pairs every member with the bucket's first
//     (LshIndex::ForEachCandidatePair's rule); only degenerate buckets are that large;
//   * three false table matches in one lookup (about 10^-8) can drop a fingerprint; a false match
//     in the line table (2^-27 per lookup) can make a line boilerplate one article too early.
//
// Cost per query document: one fingerprint, about 170 table lookups per segment, and for each
// candidate one fingerprint and one alignment, plus one text-block decompression when the block
// cache does not hold its block. A passage fingerprint over max_df whose indexed documents may
// hold it only inside boilerplate costs one fingerprint per such document (QueryStats::df_checks:
// about one per query article on the generated 200 MB crawl with default options). Construction
// reads every line table once (16 ms for 54,000 documents) to find the documents without a
// possible boilerplate line.
class IndexSearcher {
 public:
  // Requires options.Validate().ok() and that `index` outlives the searcher.
  IndexSearcher(const IndexReader* index, const IndexQueryOptions& options);
  ~IndexSearcher();

  // Finds and reports the findings of `docs`; calls sink->OnPair from the calling thread, in the
  // order described above, with the indexed document (text included) as `a`. Without scan_new,
  // documents are processed in chunks (memory bounded by the chunk); with it, the fingerprints of
  // all `docs` are held. Errors: DataLoss naming the file when an indexed text is corrupt.
  absl::Status Run(absl::Span<const Document> docs, ScanSink* sink, QueryStats* stats = nullptr);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace naql

#endif  // NAQL_INDEX_STORE_H_
