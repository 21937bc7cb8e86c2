// warc_format.h — web archives (WARC, and the WET files derived from them) as a DocumentReader
// input format (internal, not part of the public API; naql/reader.h documents what users see).
//
// A WARC file (ISO 28500:2017, WARC/1.0 and WARC/1.1) is a sequence of records:
//   WARC/1.0\r\n
//   WARC-Type: response\r\n                 named header fields, one per line
//   WARC-Record-ID: <urn:uuid:...>\r\n
//   Content-Length: 5120\r\n
//   ...\r\n
//   \r\n
//   <Content-Length bytes: the block>\r\n\r\n
// Common Crawl compresses each record as its own gzip member, so a record can be read alone from
// the member's offset; a .warc.gz made by `gzip` is one member for the whole file. WarcInput reads
// the decompressed stream either way, record by record, holding one record in memory at a time.
//
// Which records become documents:
//   - response records whose block is an HTTP response (Content-Type application/http) with a 2xx
//     status and an HTML (text/html, application/xhtml+xml) or text/plain payload — the media
//     type from the HTTP Content-Type header, else WARC-Identified-Payload-Type, else sniffed
//     (a payload that starts with "<!doctype html" or "<html" is HTML). A chunked
//     Transfer-Encoding and a gzip or deflate Content-Encoding are undone;
//   - resource records whose Content-Type is HTML or text/plain (their block is the payload);
//   - conversion records (the extracted text of WET files), text/plain unless said otherwise.
// HTML payloads become their visible text and title (html_text.h, which also converts the charset
// to UTF-8); text payloads are converted to UTF-8. Every other record (warcinfo, request,
// metadata, revisit, images, PDFs, redirects, errors) is passed over silently, as is a page
// without any visible text.
//
// A document: id = WARC-Record-ID without its angle brackets (e.g. "urn:uuid:1f0e..."); meta.url =
// WARC-Target-URI; meta.date = WARC-Date; meta.title = the HTML <title>; meta.source = the host of
// the URL, lowercased, without a leading "www." (so that naql's per-source boilerplate detection
// sees one site as one source).
//
// Locations name the record by where it starts, as "path@OFFSET": the byte offset of the record
// in a plain .warc; in a .warc.gz, the offset of the gzip member that holds it (what Common
// Crawl's indexes list, so `tail -c +$((OFFSET+1)) f.warc.gz | zcat | head` shows the record),
// followed by "+N" when the record starts N bytes into that member's output (files not written
// one record per member); in a .warc.zst, the offset in the decompressed stream.
//
// Problems (reported to the ProblemSink, the record skipped, reading goes on with the next
// record):
//   f.warc@0: not a WARC record (no "WARC/" version line); skipped 12 bytes to the next record
//   f.warc@977: invalid WARC header (line 3 has no ':')   (also: header longer than 65536 bytes,
//                 missing Content-Length, invalid Content-Length "12x")
//   f.warc@977: Content-Length 5000 does not match the record (no "\r\n\r\n" and next record after
//               it); skipped 3120 bytes to the next record
//   f.warc@977: truncated record: Content-Length 5000, but the input ends 3120 bytes into the block
//   f.warc@977: response of 300000000 bytes exceeds max_document_bytes (268435456)
//   f.warc@977: missing WARC-Record-ID
//   f.warc@977: invalid HTTP response (no status line)   (also: its headers do not end)
//   f.warc@977: cannot decode Content-Encoding gzip (invalid block type)
//   f.warc@977: unsupported Content-Encoding br
//   f.warc.gz: truncated gzip data (input ends at byte 5120)   (the stream's own errors end the
//                                                                file, as for JSONL)
// After a record whose Content-Length is wrong, reading resumes at the next line that starts with
// "WARC/" after the record's header, so no later record is lost.
//
// Example:
//   naql::internal::MemoryStream bytes(warc_file_bytes);
//   naql::internal::WarcInput input(&bytes, /*gzip=*/nullptr, "mem.warc", 1 << 20, &sink);
//   naql::Document doc;
//   naql::DocumentLocator locator;
//   while (*input.Next(&doc, &locator)) { ... }   // (check the StatusOr in real code)
//
// Thread safety: one WarcInput per thread; the static functions are thread-safe.

#ifndef NAQL_CORE_SRC_WARC_FORMAT_H_
#define NAQL_CORE_SRC_WARC_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "input_format.h"
#include "input_stream.h"
#include "naql/document.h"
#include "naql/reader.h"

namespace naql::internal {

// Longest WARC record header accepted (the header fields, not the block). Common Crawl's are
// under 2 KiB.
inline constexpr size_t kMaxWarcHeaderBytes = 64 << 10;

// "path@offset", or "path@offset+skip" when skip > 0 (see the file comment).
std::string WarcLocation(absl::string_view path, uint64_t offset, uint64_t skip);

class WarcInput : public InputFormat {
 public:
  // `stream` yields the decompressed WARC bytes; `gzip` is the GzipStream it reads through when
  // the file is gzip-compressed (its member offsets locate the records), else nullptr. `stream`,
  // `gzip` and `problems` are not owned and must outlive this object. Records whose block is
  // larger than `max_document_bytes` are skipped (and reported when they would have been a
  // document) without being held in memory.
  WarcInput(ByteStream* stream, GzipStream* gzip, std::string path, uint64_t max_document_bytes,
            ProblemSink* problems);
  ~WarcInput() override;

  // The next document (see the file comment). Fills doc (location "path@offset[+skip]") and
  // locator's offset, skip and length (line = 0): offset and skip as in the location; length =
  // the record's bytes (header and block) in the decompressed stream. Returns false at the end.
  absl::StatusOr<bool> Next(Document* doc, DocumentLocator* locator) override;

  // True when the gzip-compressed WARC file open as `fd` holds its first record alone in its
  // first gzip member (as WARC writers that compress record by record do), so that ReadAt can
  // inflate single records. Reads at most the first member (positioned reads: the file position
  // is not moved). False for anything else, including read errors.
  static bool HasRecordPerMember(int fd);

  // Reads again the document that Next() returned with `locator` from the file open as `fd`
  // (positioned reads): plain when !gzip, else by inflating from the member at locator.offset.
  // Sets doc->location as Next() did. Errors: DataLoss when the bytes there are no longer that
  // document (the file changed); the errors of pread(2).
  static absl::Status ReadAt(int fd, bool gzip, absl::string_view path,
                             const DocumentLocator& locator, uint64_t max_document_bytes,
                             Document* doc);

 private:
  class RecordParser;
  struct Member {
    uint64_t output_offset;  // stream offset of the member's first decompressed byte
    uint64_t offset;         // compressed offset of the member
  };

  // Makes at least `n` bytes available from begin_ (fewer only at the end of the stream) and
  // returns how many are available. A stream error ends the stream (eof_) and is kept in
  // stream_error_, to be reported where it cuts a record short or at the end.
  size_t Ensure(size_t n);
  void Consume(size_t n);
  // Skips `n` bytes through the stream without keeping them; returns how many were skipped
  // (fewer at the end of the stream).
  uint64_t Skip(uint64_t n);
  // Moves to the next line that starts with "WARC/" at or after begin_ + from (from >= 1), or to
  // the end of the stream. Returns the bytes skipped.
  uint64_t Resync(size_t from);
  // The location of the record that starts at begin_: compressed member offset and skip.
  void LocateRecord(uint64_t* offset, uint64_t* skip);

  // Reports a problem at `location`; returns the sink's verdict.
  absl::Status Problem(const std::string& location, absl::StatusCode code, absl::string_view what,
                       bool skipped = true);
  // Reports a record cut short by the end of the input: the stream's error when there was one
  // (and reading stops), else `what`.
  absl::Status ReportCut(const std::string& location, absl::string_view what);

  ByteStream* stream_;
  GzipStream* gzip_;
  std::string path_;
  uint64_t max_document_bytes_;
  ProblemSink* problems_;
  std::unique_ptr<RecordParser> parser_;

  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;     // first unconsumed byte
  size_t end_ = 0;       // one past the last byte read
  uint64_t offset_ = 0;  // stream offset of buffer_[begin_]
  bool eof_ = false;
  absl::Status stream_error_;
  bool done_ = false;
  bool seen_bytes_ = false;
  std::vector<Member> members_;  // gzip members of the bytes from begin_ on (and the one before)
};

}  // namespace naql::internal

#endif  // NAQL_CORE_SRC_WARC_FORMAT_H_
