// naql/json.h — writing JSON strings (RFC 8259) from text that may hold invalid UTF-8.
//
// Reports quote original text, and original text may be broken. JSON must be valid UTF-8, so each
// ill-formed sequence is written as U+FFFD (one per maximal subpart, the same rule the normalizer
// uses, so code point offsets stay consistent with the printed text).
//
// Example:
//   std::string line = "{\"id\":";
//   naql::AppendJsonString(doc.id, &line);   // "\"…\"" with quotes, escapes and U+FFFD repairs
//
// Thread safety: free functions without state.

#ifndef NAQL_JSON_H_
#define NAQL_JSON_H_

#include <string>

#include "absl/strings/string_view.h"

namespace naql {

// Appends `text` as a quoted JSON string: " \ and control characters escaped (\n \t \r \b \f,
// others as \u00XX), U+2028/U+2029 escaped (for JavaScript embedding), invalid UTF-8 → U+FFFD.
void AppendJsonString(absl::string_view text, std::string* out);

// Appends a finite double with up to `digits` decimals, trailing zeros trimmed ("0.5", "1", "0.913").
void AppendJsonNumber(double value, int digits, std::string* out);

// Appends `text` with every ill-formed UTF-8 sequence replaced by U+FFFD.
void AppendValidUtf8(absl::string_view text, std::string* out);

}  // namespace naql

#endif  // NAQL_JSON_H_
