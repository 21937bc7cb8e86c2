// naql/document.h — the unit of input: one article with its id, original text and metadata.
//
// Example:
//   naql::Document doc;
//   doc.id = "spa-2015-07-21-17";
//   doc.text = "قال وزير الخارجية …";
//   doc.meta.date = "2015-07-21";

#ifndef NAQL_DOCUMENT_H_
#define NAQL_DOCUMENT_H_

#include <cstdint>
#include <string>

namespace naql {

// Optional descriptive fields. Empty strings mean "absent".
struct DocumentMeta {
  std::string date;    // ISO 8601 (e.g. "2015-07-21" or "2015-07-21T10:00:00Z"); orders clusters.
  std::string source;  // outlet name, e.g. "spa".
  std::string url;
  std::string title;
};

// How a document's record is stored in the file it was read from (see DocumentOrigin).
enum class OriginKind : uint32_t {
  kNone = 0,            // no origin: the text cannot be read again from a file
  kTextFile = 1,        // the whole file is the text
  kJsonLine = 2,        // one JSON Lines record
  kWarcRecord = 3,      // a record of an uncompressed WARC/WET file
  kWarcGzipMember = 4,  // a record of a .warc.gz written one record per gzip member
};

// Where a document can be read again, by any process, while its file stays unchanged: an index
// created with `--texts reference` keeps this instead of a copy of the text (naql/index_store.h).
// DocumentReader::OriginOf() makes one; DocumentReader::ReadOrigin() reads the document back.
struct DocumentOrigin {
  OriginKind kind = OriginKind::kNone;
  std::string path;     // absolute path of the file
  uint64_t offset = 0;  // as DocumentLocator (naql/reader.h): the record's first byte, or for
                        // kWarcGzipMember the compressed offset of its gzip member
  uint64_t length = 0;  // the record's bytes
  uint64_t line = 0;    // kJsonLine: the 1-based line number (for messages)
  uint64_t skip = 0;    // kWarcGzipMember: bytes of the member's output before the record

  friend bool operator==(const DocumentOrigin&, const DocumentOrigin&) = default;
};

// One article. `text` is the original UTF-8 text exactly as read (it may hold invalid UTF-8,
// which later stages treat as U+FFFD without changing any offset); every reported offset points
// into it.
struct Document {
  std::string id;        // unique within a run
  std::string text;      // original bytes
  DocumentMeta meta;
  std::string location;  // where it was read, for messages: "path" or "path:line"
  // Set only where a caller asks for it (an index that references texts); kind kNone otherwise.
  DocumentOrigin origin;
};

}  // namespace naql

#endif  // NAQL_DOCUMENT_H_
