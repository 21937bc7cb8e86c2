// input_format.h — the formats a DocumentReader understands (internal, not part of the public API).
//
// Each format is one class that turns a ByteStream into Documents and reports problems with its
// input to a ProblemSink; DocumentReader (reader.cc) chooses the class from the file name and
// handles everything shared by all formats (walking directories, opening and decompressing files,
// duplicate ids, strict mode, re-reading). Adding a format (WARC/WET, say) means one class here
// with a Next() and, when its records can be re-read, a static Reparse(), plus one line in
// reader.cc's format choice.
//
// Example:
//   naql::internal::MemoryStream bytes(R"({"id":"a","text":"نص"})");
//   naql::internal::JsonlInput input(&bytes, "mem.jsonl", /*max_document_bytes=*/1 << 20, &sink);
//   naql::Document doc;
//   naql::DocumentLocator locator;
//   while (*input.Next(&doc, &locator)) { ... }   // (check the StatusOr in real code)
//
// Thread safety: one object per thread; Reparse() functions are thread-safe.

#ifndef NAQL_CORE_SRC_INPUT_FORMAT_H_
#define NAQL_CORE_SRC_INPUT_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "input_stream.h"
#include "naql/document.h"
#include "naql/reader.h"

namespace naql::internal {

// Where formats report problems with their input.
class ProblemSink {
 public:
  virtual ~ProblemSink() = default;
  // Reports a problem found at `location` ("path" or "path:line"); `status` carries the code and
  // the complete message "<location>: <what>" (see MakeProblem). `skipped`: something was dropped.
  // Returns OK to go on, or the status to return at once (strict mode).
  virtual absl::Status Report(absl::string_view location, absl::Status status, bool skipped) = 0;
};

// A status with `code` and the message "<location>: <what>".
absl::Status MakeProblem(absl::StatusCode code, absl::string_view location, absl::string_view what);

// Offset of the first byte of the first ill-formed UTF-8 sequence in `text` (Unicode §3.9, Table
// 3-7: no overlongs, surrogates or code points above U+10FFFF), or absl::string_view::npos when
// `text` is well-formed. Runs at memory speed on valid text (a SIMD check first).
size_t FirstInvalidUtf8(absl::string_view text);

// True when `text` is well-formed UTF-8 (the SIMD check alone: fast on broken text too).
bool IsValidUtf8(absl::string_view text);

// True for a line of JSON whitespace only (space, tab, CR; RFC 8259 §2), including the empty line.
bool IsBlankLine(absl::string_view line);

// Parses one JSONL record with simdjson's On-Demand API. Keeps simdjson's buffers between calls
// (they grow to the longest record; after a record above 8 MiB they are released).
class JsonlRecordParser {
 public:
  JsonlRecordParser();
  ~JsonlRecordParser();
  JsonlRecordParser(const JsonlRecordParser&) = delete;
  JsonlRecordParser& operator=(const JsonlRecordParser&) = delete;

  // Parses the record `data[0, size)` (one line, without "\r\n", not blank); requires
  // `padded_size >= size + kLinePadding` readable bytes at data. On success sets doc->id, text and
  // meta (location is left alone). Errors are InvalidArgument whose message is the <what> of the
  // file comment of naql/reader.h ("invalid JSON (TAPE_ERROR)", "missing \"text\"", ...).
  absl::Status Parse(const char* data, size_t size, size_t padded_size, Document* doc);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One input being read: a stream of documents.
class InputFormat {
 public:
  virtual ~InputFormat() = default;
  // Reads the next document: doc (all fields, location included) and locator's offset, length and
  // line (not input). Returns false at the end of the input, also after a read error, which is
  // reported to the sink. Returns an error only when the sink says so (strict mode).
  virtual absl::StatusOr<bool> Next(Document* doc, DocumentLocator* locator) = 0;
};

// JSON Lines: one document per non-blank line. See naql/reader.h for the rules and messages.
class JsonlInput : public InputFormat {
 public:
  // `stream` and `problems` are not owned and must outlive this object.
  JsonlInput(ByteStream* stream, std::string path, uint64_t max_document_bytes,
             ProblemSink* problems);

  // Location "path:line"; locator->line is the line number.
  absl::StatusOr<bool> Next(Document* doc, DocumentLocator* locator) override;

  // Parses a record again from `record[0, size)` with `padded_size` readable bytes (as above) and
  // sets its location to "path:line". DataLoss when it no longer parses.
  static absl::Status Reparse(const char* record, size_t size, size_t padded_size,
                              absl::string_view path, uint64_t line, Document* doc);

 private:
  LineReader lines_;
  std::string path_;
  uint64_t max_document_bytes_;
  ProblemSink* problems_;
  JsonlRecordParser parser_;
  bool done_ = false;
  bool seen_content_ = false;  // a line that is not blank was read
};

// A text file: one document, the whole stream.
class TextInput : public InputFormat {
 public:
  // `stream` and `problems` are not owned and must outlive this object. `size_hint` is the
  // expected size (0 if unknown), used to size the buffer.
  TextInput(ByteStream* stream, std::string path, uint64_t max_document_bytes, uint64_t size_hint,
            ProblemSink* problems);

  // Returns the document once (id = text's path), then false. Problems (empty file, too large, read
  // error, invalid UTF-8 as a warning) go to the sink. Returns an error only when the sink says so.
  absl::StatusOr<bool> Next(Document* doc, DocumentLocator* locator) override;

  // The document of `path` whose bytes are `text` (moved in).
  static void Reparse(std::string text, absl::string_view path, Document* doc);

 private:
  ByteStream* stream_;
  std::string path_;
  uint64_t max_document_bytes_;
  uint64_t size_hint_;
  ProblemSink* problems_;
  bool done_ = false;
};

}  // namespace naql::internal

#endif  // NAQL_CORE_SRC_INPUT_FORMAT_H_
