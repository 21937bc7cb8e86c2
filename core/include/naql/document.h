// naql/document.h — the unit of input: one article with its id, original text and metadata.
//
// Example:
//   naql::Document doc;
//   doc.id = "spa-2015-07-21-17";
//   doc.text = "قال وزير الخارجية …";
//   doc.meta.date = "2015-07-21";

#ifndef NAQL_DOCUMENT_H_
#define NAQL_DOCUMENT_H_

#include <string>

namespace naql {

// Optional descriptive fields. Empty strings mean "absent".
struct DocumentMeta {
  std::string date;    // ISO 8601 (e.g. "2015-07-21" or "2015-07-21T10:00:00Z"); orders clusters.
  std::string source;  // outlet name, e.g. "spa".
  std::string url;
  std::string title;
};

// One article. `text` is the original UTF-8 text exactly as read (it may hold invalid UTF-8,
// which later stages treat as U+FFFD without changing any offset); every reported offset points
// into it.
struct Document {
  std::string id;        // unique within a run
  std::string text;      // original bytes
  DocumentMeta meta;
  std::string location;  // where it was read, for messages: "path" or "path:line"
};

}  // namespace naql

#endif  // NAQL_DOCUMENT_H_
