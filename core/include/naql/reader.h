// naql/reader.h — reading articles from files, directories and standard input.
//
// A DocumentReader turns a list of inputs into a stream of Documents, one at a time, with memory
// bounded by one read buffer (however large the files are):
//   - a directory is walked recursively; its files are taken in byte-wise sorted order of their
//     paths (what `find DIR | LC_ALL=C sort` prints) when their names end in .txt, .jsonl,
//     .ndjson, .warc or .wet, optionally followed by .gz or .zst (case-insensitive); other files,
//     and files and directories whose name starts with '.', are ignored; symbolic links to
//     directories are not followed (no cycles);
//   - a path named explicitly is read whatever its name: .jsonl / .ndjson (optionally .gz / .zst)
//     as JSON Lines, .warc / .wet (so also Common Crawl's .warc.wet.gz) as a web archive, anything
//     else as one text article (.gz / .zst decompressed first);
//   - "-" reads JSON Lines from standard input (ReaderOptions::stdin_fd).
// Inputs are read in the order given, each directory expanded in place.
//
// JSON Lines: one object per line, {"id": "...", "text": "...", "date": ..., "source": ...,
// "url": ..., "title": ...}. "id" is a string or an integer (kept as its decimal text); "text" a
// string; the four metadata fields are optional strings (null means absent); other fields are
// ignored (their values are skipped, checked only for balanced brackets). Blank lines are skipped
// silently; a '\r' before '\n' and a UTF-8 byte order mark at the start of the file are removed.
// Text files: the whole file is one article, id = its path as given (for a directory input, the
// directory as given joined with the path below it), text = its bytes exactly (a BOM and '\r'
// included: offsets into the text stay offsets into the file).
// Web archives (WARC, ISO 28500; WET): record by record, whatever the file's size, also gzip
// compressed one record per member as Common Crawl writes them. Response and resource records with
// an HTML or plain-text payload, and the conversion records of WET files, are articles: id = the
// WARC-Record-ID without its angle brackets, url = WARC-Target-URI, date = WARC-Date, source = the
// URL's host without "www.", title = the page's <title>. An HTML page's text is its visible text,
// one line per paragraph (script, style, nav, header, footer and aside dropped, character
// references decoded), converted to UTF-8 from the declared charset (HTTP header, then <meta>;
// windows-1256 and ISO-8859-6 included; undeclared text that is not UTF-8 is read as
// windows-1256). Other records (requests, metadata, images, redirects, ...) are passed over. The
// location of a record is "path@OFFSET" (in a .warc.gz, OFFSET is that of the gzip member holding
// the record; see core/src/warc_format.h for the details and every message).
// Language: with ReaderOptions::language = "ar", articles in which fewer than min_language_share
// of the letters are Arabic are dropped (counted by filtered(), not reported as problems).
//
// Bad input never stops the reader unless ReaderOptions::strict is set. Every problem is passed to
// the on_problem callback with a message "<path>[:<line>]: <what>"; the messages are:
//   corpus.jsonl:3: invalid JSON (UNCLOSED_STRING)        (simdjson's error name)
//   corpus.jsonl:4: not a JSON object
//   corpus.jsonl:5: invalid UTF-8 at byte 17 of the line
//   corpus.jsonl:17: missing "text"              (also: missing "id", empty "id", empty "text")
//   corpus.jsonl:18: "text" is not a string      (also: "id" is not a string or an integer)
//   corpus.jsonl:19: duplicate "text"            (a key given twice in one object)
//   corpus.jsonl:20: line of 300000000 bytes exceeds max_document_bytes (268435456)
//   corpus.jsonl:21: duplicate id "a1" (first at corpus.jsonl:2)
//   x.txt: empty file                                     (JSONL: no line that is not blank)
//   x.txt: document larger than max_document_bytes (268435456)
//   dir/y.txt: invalid UTF-8 at byte 1234                 (a warning: the article is kept)
//   a.jsonl.gz: truncated gzip data (input ends at byte 5120)    (the rest of the file is lost)
//   a.jsonl.zst: corrupt zstd data at byte 77 (Unknown frame descriptor)
//   missing.txt: No such file or directory                (and other open/read errors)
//   crawl.warc.gz@5120: Content-Length 5000 does not match the record (no "\r\n\r\n" and next
//     record after it); skipped 3120 bytes to the next record        (the records after it are read)
//   crawl.warc@0: truncated record: Content-Length 5000, but the input ends 3120 bytes into the
//     block                                                 (and the other WARC messages of
//                                                           core/src/warc_format.h)
//   corpus: no input files (.txt, .jsonl, .ndjson, .warc, .wet, optionally .gz or .zst)  (a warning)
// All problems drop what they describe (InputProblem::skipped, counted by skipped()) except the two
// warnings: a directory without input files, and invalid UTF-8 in a text file, which keeps the
// article (later stages read each ill-formed sequence as U+FFFD without moving any offset).
//
// Example:
//   naql::ReaderOptions options;
//   auto reader = naql::DocumentReader::Open(
//       {"corpus/", "extra.jsonl.gz"}, options,
//       [](const naql::InputProblem& p) { std::cerr << p.status.message() << "\n"; });
//   if (!reader.ok()) return reader.status();
//   naql::Document doc;
//   naql::DocumentLocator where;
//   while (true) {
//     NAQL_ASSIGN_OR_RETURN(bool more, (*reader)->Next(&doc, &where));
//     if (!more) break;
//     ...  // later, when (*reader)->Rereadable(where.input), ReadAt(where) gives doc again
//   }
//
// Thread safety: Next() must be called from one thread at a time. ReadAt(), Rereadable(),
// input_paths() and the counters (bytes_read(), total_bytes(), documents(), skipped()) may be
// called from any thread, also while Next() runs.

#ifndef NAQL_READER_H_
#define NAQL_READER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "naql/document.h"

namespace naql {

struct ReaderOptions {
  // Every problem (see the file comment) is fatal: Open() or Next() returns it, after passing it to
  // on_problem. Default off: problems are reported and the reader goes on.
  bool strict = false;

  // Largest article (a text file, a JSONL line, or the block of a WARC record) accepted; a larger
  // one is a problem and is skipped without being held in memory. 1 ..= 2^32 - 256 (simdjson's
  // limit is 2^32 - 1 bytes). Peak memory is about 8 × the longest JSONL line read (line buffer,
  // simdjson's structural index of 4 bytes per byte and string buffer of 5/3 bytes per byte, the
  // Document's copy), or 1 × the longest text file, or about 3 × the largest WARC record read
  // (record buffer, decoded payload, text); the buffers shrink back after a record above 16 MiB.
  uint64_t max_document_bytes = uint64_t{256} << 20;

  // The file descriptor read for "-" (default 0, standard input). Not closed by the reader. Tests
  // pass the read end of a pipe.
  int stdin_fd = 0;

  // When true (default), what is read from "-" or another pipe is copied to an unlinked temporary
  // file as it is read, so that its documents stay re-readable (Rereadable() is true) at the cost
  // of disk space equal to the input. When false, such inputs are read once only.
  bool spool_pipes = true;

  // Directory for the spool files; empty (default) means $TMPDIR, or /tmp if that is unset.
  std::string spool_directory;

  // Most plain files whose descriptor is kept open for ReadAt (default 256). Files beyond this are
  // opened again by path on each ReadAt, which costs two more system calls but no descriptor.
  uint32_t max_open_files = 256;

  // Keep only articles in this language: "" (default) keeps every article; "ar" keeps an article
  // when at least min_language_share of its letters (code points of Unicode category L) are in
  // the Arabic script (ICU's uscript_getScript: U+0600–U+06FF, U+0750–U+077F, U+08A0–U+08FF and
  // the presentation forms). An article without letters is dropped. Dropped articles are counted
  // by filtered(); their ids are not checked for duplicates.
  std::string language;
  // The threshold, in (0, 1]; default 0.5. Arabic news articles score above 0.9 (Latin letters
  // come only from names, acronyms and URLs) and English or French pages below 0.1, so the
  // default leaves a wide margin either way; an Arabic article quoting a long English passage is
  // kept as long as Arabic letters are the majority. Persian and Urdu are written in the Arabic
  // script and pass.
  double min_language_share = 0.5;

  // InvalidArgument unless 1 <= max_document_bytes <= 2^32 - 256, stdin_fd >= 0, language is ""
  // or "ar", and 0 < min_language_share <= 1.
  absl::Status Validate() const;
};

// Where a document was read: enough to read it again (ReadAt) without keeping its text in memory.
struct DocumentLocator {
  uint32_t input = 0;   // index into DocumentReader::input_paths()
  uint64_t offset = 0;  // byte offset of the record in the (decompressed) input: 0 for a text file,
                        // the line's first byte for JSONL (after a byte order mark, if any), the
                        // WARC record's first byte; for a .warc.gz, the compressed offset of the
                        // gzip member where the record starts
  uint64_t length = 0;  // bytes of the record: the text file's size, or the line without "\r\n",
                        // or the WARC record's header and block (decompressed)
  uint64_t line = 0;    // 1-based JSONL line number; 0 for a text file and a WARC record
  uint64_t skip = 0;    // .warc.gz: bytes of the member's output before the record (0 when the
                        // record starts its member, as in files written one record per member)
};

// A problem with the input, as passed to the on_problem callback.
struct InputProblem {
  std::string location;  // "path" or "path:line"
  // The code (InvalidArgument for malformed data, AlreadyExists for a duplicate id, DataLoss for a
  // corrupt or truncated compressed file, NotFound / PermissionDenied / ... for files that cannot
  // be read) and the complete message "<location>: <what>".
  absl::Status status;
  bool skipped = true;  // something was dropped (counted by skipped()); false only for a warning
};

// Reads Documents from files, directories and standard input. See the file comment.
class DocumentReader {
 public:
  // Called once per problem, on the thread that calls Open() or Next(), before either returns.
  using ProblemCallback = std::function<void(const InputProblem&)>;

  // Expands `inputs` (files, directories, "-") in order into the list of files to read (nothing is
  // read yet besides directory listings and file sizes). `on_problem` may be empty (problems are
  // then only counted). Errors: InvalidArgument for no inputs, "-" given twice, or invalid
  // options; in strict mode, the first problem found while expanding (a nonexistent path is
  // NotFound "<path>: No such file or directory", an unreadable directory PermissionDenied, a
  // directory without input files InvalidArgument "<dir>: no input files"). Without strict, those
  // problems are reported and the input is skipped.
  static absl::StatusOr<std::unique_ptr<DocumentReader>> Open(
      const std::vector<std::string>& inputs, const ReaderOptions& options,
      ProblemCallback on_problem);

  ~DocumentReader();
  DocumentReader(const DocumentReader&) = delete;
  DocumentReader& operator=(const DocumentReader&) = delete;

  // Reads the next document into *doc, replacing all its fields (capacity is reused: pass the same
  // Document each time to avoid allocations): id, text, meta (empty when absent) and location
  // ("path" for a text file, "path:line" for JSONL). Fills *locator when it is not null. Returns
  // false when every input has been read (and false again on later calls). Returns an error only
  // in strict mode, with the first problem met (see the file comment); the reader must not be used
  // after that. When it returns false or an error, *doc and *locator hold unspecified values.
  absl::StatusOr<bool> Next(Document* doc, DocumentLocator* locator = nullptr);

  // True when documents of input_paths()[input] can be read again with ReadAt: uncompressed regular
  // files, and uncompressed pipes (including "-") when ReaderOptions::spool_pipes is set and the
  // spool file could be created; also a regular .warc.gz file whose first gzip member holds
  // exactly its first record (written one record per member: a record is re-read by inflating
  // its member). False for other compressed inputs, for an index out of range, and for an input
  // not opened yet (it is decided when the input is opened, before Next() returns any of its
  // documents).
  bool Rereadable(uint32_t input) const;

  // Reads again the document that Next() returned with `locator`, identical in id, text, meta and
  // location. Thread-safe (positioned reads, no shared state), also while Next() runs. Errors:
  // FailedPrecondition when !Rereadable(locator.input); DataLoss when the file is shorter than
  // before or the bytes no longer parse as the same kind of record (the file changed); the errors
  // of open(2) and pread(2) for a file that can no longer be read.
  absl::StatusOr<Document> ReadAt(const DocumentLocator& locator) const;

  // Where the document that Next() returned with `locator` can be read again by any process
  // (ReadOrigin): the absolute path of its input and the locator. Kind kNone when the input is not
  // a regular file that can be read in place: standard input and pipes (even when spooled: the
  // spool file dies with the reader), compressed files other than a .warc.gz written one record
  // per member, or an input not opened yet.
  DocumentOrigin OriginOf(const DocumentLocator& locator) const;

  // Reads the document at `origin` (made by OriginOf, in this process or another), identical in
  // id, text, meta and location to what Next() returned, with `origin` set. Records larger than
  // max_document_bytes are refused (InvalidArgument). Errors: InvalidArgument for kind kNone;
  // those of open(2) and pread(2) naming the path (NotFound "<path>: No such file or directory"
  // for a file moved away); FailedPrecondition when the path is not a regular file; DataLoss when
  // the file is shorter than the record or its bytes no longer parse as the same kind of record
  // (the file changed). A record that still parses but
  // holds other bytes is not detected here: callers that must know keep a checksum of the text.
  static absl::StatusOr<Document> ReadOrigin(const DocumentOrigin& origin,
                                             uint64_t max_document_bytes);

  // Bytes consumed from the inputs so far (compressed bytes for compressed inputs), for progress.
  // A finished file counts with its full size, even if it was cut short by a problem, so that
  // bytes_read() == total_bytes() at the end.
  uint64_t bytes_read() const;
  // Sum of the sizes of all inputs, comparable to bytes_read(); 0 when unknown (a pipe or "-" is
  // among the inputs).
  uint64_t total_bytes() const;
  // Documents returned by Next() so far.
  uint64_t documents() const;
  // Problems that dropped something so far (InputProblem::skipped).
  uint64_t skipped() const;
  // Articles dropped by the language filter (ReaderOptions::language) so far.
  uint64_t filtered() const;
  // The files being read, after directory expansion, in reading order ("-" for standard input).
  // DocumentLocator::input indexes this list. Fixed after Open().
  const std::vector<std::string>& input_paths() const;

 private:
  class Impl;
  explicit DocumentReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace naql

#endif  // NAQL_READER_H_
