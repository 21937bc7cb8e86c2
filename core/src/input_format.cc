#include "input_format.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "naql/status.h"
#include "utf8.h"

namespace naql::internal {

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING,
              "LineReader must leave the padding simdjson reads past the end of a record");

namespace {

namespace ondemand = simdjson::ondemand;

// After a record this large, simdjson's buffers (about 6 bytes per input byte) are released
// rather than kept for the rest of the file.
constexpr size_t kReleaseParserAbove = 8 << 20;

constexpr unsigned char kByteOrderMark[3] = {0xEF, 0xBB, 0xBF};

bool StartsWithByteOrderMark(const char* data, size_t size) {
  return size >= 3 && std::memcmp(data, kByteOrderMark, 3) == 0;
}

// simdjson's error_code as its enumerator name: short, stable, and searchable in simdjson's docs
// (error_message() gives a sentence that differs between versions).
const char* ErrorName(simdjson::error_code error) {
  switch (error) {
    case simdjson::SUCCESS:
      return "SUCCESS";
    case simdjson::CAPACITY:
      return "CAPACITY";
    case simdjson::MEMALLOC:
      return "MEMALLOC";
    case simdjson::TAPE_ERROR:
      return "TAPE_ERROR";
    case simdjson::DEPTH_ERROR:
      return "DEPTH_ERROR";
    case simdjson::STRING_ERROR:
      return "STRING_ERROR";
    case simdjson::T_ATOM_ERROR:
      return "T_ATOM_ERROR";
    case simdjson::F_ATOM_ERROR:
      return "F_ATOM_ERROR";
    case simdjson::N_ATOM_ERROR:
      return "N_ATOM_ERROR";
    case simdjson::NUMBER_ERROR:
      return "NUMBER_ERROR";
    case simdjson::UTF8_ERROR:
      return "UTF8_ERROR";
    case simdjson::UNINITIALIZED:
      return "UNINITIALIZED";
    case simdjson::EMPTY:
      return "EMPTY";
    case simdjson::UNESCAPED_CHARS:
      return "UNESCAPED_CHARS";
    case simdjson::UNCLOSED_STRING:
      return "UNCLOSED_STRING";
    case simdjson::UNSUPPORTED_ARCHITECTURE:
      return "UNSUPPORTED_ARCHITECTURE";
    case simdjson::INCORRECT_TYPE:
      return "INCORRECT_TYPE";
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "NUMBER_OUT_OF_RANGE";
    case simdjson::INDEX_OUT_OF_BOUNDS:
      return "INDEX_OUT_OF_BOUNDS";
    case simdjson::NO_SUCH_FIELD:
      return "NO_SUCH_FIELD";
    case simdjson::IO_ERROR:
      return "IO_ERROR";
    case simdjson::INVALID_JSON_POINTER:
      return "INVALID_JSON_POINTER";
    case simdjson::INVALID_URI_FRAGMENT:
      return "INVALID_URI_FRAGMENT";
    case simdjson::UNEXPECTED_ERROR:
      return "UNEXPECTED_ERROR";
    case simdjson::PARSER_IN_USE:
      return "PARSER_IN_USE";
    case simdjson::OUT_OF_ORDER_ITERATION:
      return "OUT_OF_ORDER_ITERATION";
    case simdjson::INSUFFICIENT_PADDING:
      return "INSUFFICIENT_PADDING";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "INCOMPLETE_ARRAY_OR_OBJECT";
    case simdjson::SCALAR_DOCUMENT_AS_VALUE:
      return "SCALAR_DOCUMENT_AS_VALUE";
    case simdjson::OUT_OF_BOUNDS:
      return "OUT_OF_BOUNDS";
    case simdjson::TRAILING_CONTENT:
      return "TRAILING_CONTENT";
    default:
      return "UNKNOWN_ERROR";
  }
}

// The fields naql reads, in the order they are reported when missing.
enum Field { kId, kText, kDate, kSource, kUrl, kTitle, kNumFields, kOther = kNumFields };

Field FieldOf(std::string_view key) {
  switch (key.size()) {
    case 2:
      return key == "id" ? kId : kOther;
    case 3:
      return key == "url" ? kUrl : kOther;
    case 4:
      if (key == "text") return kText;
      if (key == "date") return kDate;
      return kOther;
    case 5:
      return key == "title" ? kTitle : kOther;
    case 6:
      return key == "source" ? kSource : kOther;
    default:
      return kOther;
  }
}

constexpr const char* kFieldNames[kNumFields] = {"id", "text", "date", "source", "url", "title"};

// An integer in JSON's grammar (RFC 8259 §6) without fraction or exponent: -?(0|[1-9][0-9]*).
bool IsJsonInteger(std::string_view token) {
  size_t i = !token.empty() && token[0] == '-' ? 1 : 0;
  if (i == token.size()) return false;
  if (token[i] == '0') return i + 1 == token.size();
  for (; i < token.size(); ++i) {
    if (token[i] < '0' || token[i] > '9') return false;
  }
  return true;
}

}  // namespace

absl::Status MakeProblem(absl::StatusCode code, absl::string_view location,
                         absl::string_view what) {
  return absl::Status(code, absl::StrCat(location, ": ", what));
}

bool IsValidUtf8(absl::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

size_t FirstInvalidUtf8(absl::string_view text) {
  if (IsValidUtf8(text)) return absl::string_view::npos;
  // Slow path, only for broken text: find where. DecodeUtf8 yields U+FFFD both for an ill-formed
  // subpart and for a real U+FFFD (EF BF BD); only the former is an error.
  size_t i = 0;
  while (i < text.size()) {
    // ASCII runs are the common case; skip them 8 bytes at a time.
    while (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= text.size()) break;
    char32_t cp;
    size_t n = DecodeUtf8(text.data() + i, text.size() - i, &cp);
    if (cp == kReplacementCharacter && !(n == 3 && text.substr(i, 3) == "\xEF\xBF\xBD")) {
      return i;
    }
    i += n;
  }
  return absl::string_view::npos;
}

bool IsBlankLine(absl::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// ---- JsonlRecordParser --------------------------------------------------------------------------

struct JsonlRecordParser::Impl {
  std::optional<ondemand::parser> parser;
};

JsonlRecordParser::JsonlRecordParser() : impl_(std::make_unique<Impl>()) {}
JsonlRecordParser::~JsonlRecordParser() = default;

absl::Status JsonlRecordParser::Parse(const char* data, size_t size, size_t padded_size,
                                      Document* doc) {
  if (!impl_->parser.has_value()) impl_->parser.emplace();
  struct Release {  // frees simdjson's buffers after a very large record, whatever the outcome
    Impl* impl;
    size_t size;
    ~Release() {
      if (size > kReleaseParserAbove) impl->parser.reset();
    }
  } release{impl_.get(), size};

  auto json_error = [&](simdjson::error_code error) {
    if (error == simdjson::UTF8_ERROR) {
      size_t at = FirstInvalidUtf8(absl::string_view(data, size));
      if (at != absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid UTF-8 at byte ", at, " of the line"));
      }
    }
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON (", ErrorName(error), ")"));
  };

  ondemand::document json;
  simdjson::error_code error = impl_->parser->iterate(data, size, padded_size).get(json);
  if (error) return json_error(error);
  ondemand::object object;
  error = json.get_object().get(object);
  if (error == simdjson::INCORRECT_TYPE) return absl::InvalidArgumentError("not a JSON object");
  if (error) return json_error(error);

  doc->id.clear();
  doc->text.clear();
  doc->meta.date.clear();
  doc->meta.source.clear();
  doc->meta.url.clear();
  doc->meta.title.clear();
  std::string* const targets[kNumFields] = {&doc->id,          &doc->text,     &doc->meta.date,
                                            &doc->meta.source, &doc->meta.url, &doc->meta.title};
  bool seen[kNumFields] = {};
  for (auto field_result : object) {
    ondemand::field field;
    if ((error = std::move(field_result).get(field))) return json_error(error);
    std::string_view key;
    if ((error = field.unescaped_key().get(key))) return json_error(error);
    const Field which = FieldOf(key);
    if (which == kOther) continue;  // the iteration skips its value
    if (seen[which]) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate \"", kFieldNames[which], "\""));
    }
    seen[which] = true;
    ondemand::value value = field.value();
    ondemand::json_type type;
    if ((error = value.type().get(type))) return json_error(error);
    if (type == ondemand::json_type::string) {
      std::string_view text;
      if ((error = value.get_string().get(text))) return json_error(error);
      targets[which]->assign(text.data(), text.size());
    } else if (which == kId && type == ondemand::json_type::number) {
      // An integer id is kept as its decimal text, exactly as written (JSON forbids leading zeros
      // and '+', so the text is canonical). Checked here: On-Demand does not validate a number
      // until it is converted.
      std::string_view token = value.raw_json_token();
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t' ||
                                token.back() == '\r' || token.back() == '\n')) {
        token.remove_suffix(1);
      }
      if (!IsJsonInteger(token)) {
        return absl::InvalidArgumentError("\"id\" is not a string or an integer");
      }
      targets[which]->assign(token.data(), token.size());
    } else if (which >= kDate && type == ondemand::json_type::null) {
      // Consume and check the atom: type() only looked at its first letter ("nul" is no null).
      bool is_null = false;
      if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
        return json_error(simdjson::N_ATOM_ERROR);
      }
    } else if (which == kId) {
      return absl::InvalidArgumentError("\"id\" is not a string or an integer");
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", kFieldNames[which], "\" is not a string"));
    }
  }
  // Anything after the object (`{...} {...}`, `{...}]`) makes the line invalid. At the end of the
  // document current_location() reports OUT_OF_BOUNDS.
  const char* trailing = nullptr;
  if (json.current_location().get(trailing) == simdjson::SUCCESS) {
    return json_error(simdjson::TRAILING_CONTENT);
  }
  if (!seen[kId]) return absl::InvalidArgumentError("missing \"id\"");
  if (!seen[kText]) return absl::InvalidArgumentError("missing \"text\"");
  if (doc->id.empty()) return absl::InvalidArgumentError("empty \"id\"");
  if (doc->text.empty()) return absl::InvalidArgumentError("empty \"text\"");
  return absl::OkStatus();
}

// ---- JsonlInput ---------------------------------------------------------------------------------

JsonlInput::JsonlInput(ByteStream* stream, std::string path, uint64_t max_document_bytes,
                       ProblemSink* problems)
    : lines_(stream, max_document_bytes),
      path_(std::move(path)),
      max_document_bytes_(max_document_bytes),
      problems_(problems) {}

absl::StatusOr<bool> JsonlInput::Next(Document* doc, DocumentLocator* locator) {
  LineReader::Line line;
  std::string& location = doc->location;  // built in place: its capacity is reused
  while (!done_) {
    absl::StatusOr<bool> more = lines_.Next(&line);
    if (!more.ok()) {
      // The stream cannot go on (read error, corrupt or truncated compressed data): what was read
      // stands, the rest of the file is lost. The status already names the file and the offset.
      done_ = true;
      NAQL_RETURN_IF_ERROR(problems_->Report(path_, more.status(), /*skipped=*/true));
      return false;
    }
    if (!*more) {
      done_ = true;
      if (!seen_content_) {
        NAQL_RETURN_IF_ERROR(problems_->Report(
            path_, MakeProblem(absl::StatusCode::kInvalidArgument, path_, "empty file"),
            /*skipped=*/true));
      }
      return false;
    }
    location.clear();
    absl::StrAppend(&location, path_, ":", line.number);
    if (line.too_long) {
      seen_content_ = true;
      NAQL_RETURN_IF_ERROR(problems_->Report(
          location,
          MakeProblem(absl::StatusCode::kInvalidArgument, location,
                      absl::StrCat("line of ", line.length, " bytes exceeds max_document_bytes (",
                                   max_document_bytes_, ")")),
          /*skipped=*/true));
      continue;
    }
    const char* data = line.data;
    size_t size = line.size;
    size_t padded_size = line.padded_size;
    uint64_t offset = line.offset;
    if (line.number == 1 && StartsWithByteOrderMark(data, size)) {
      data += 3;
      size -= 3;
      padded_size -= 3;
      offset += 3;
    }
    if (size > 0 && data[size - 1] == '\r') --size;
    if (IsBlankLine(absl::string_view(data, size))) continue;
    seen_content_ = true;
    absl::Status parsed = parser_.Parse(data, size, padded_size, doc);
    if (!parsed.ok()) {
      NAQL_RETURN_IF_ERROR(problems_->Report(
          location, MakeProblem(parsed.code(), location, parsed.message()), /*skipped=*/true));
      continue;
    }
    locator->offset = offset;
    locator->length = size;
    locator->line = line.number;
    return true;
  }
  return false;
}

absl::Status JsonlInput::Reparse(const char* record, size_t size, size_t padded_size,
                                 absl::string_view path, uint64_t line, Document* doc) {
  JsonlRecordParser parser;
  doc->location = absl::StrCat(path, ":", line);
  absl::Status parsed = parser.Parse(record, size, padded_size, doc);
  if (!parsed.ok()) {
    return absl::DataLossError(absl::StrCat(doc->location, ": ", parsed.message(),
                                            " (the file changed since it was read)"));
  }
  return absl::OkStatus();
}

// ---- TextInput ----------------------------------------------------------------------------------

TextInput::TextInput(ByteStream* stream, std::string path, uint64_t max_document_bytes,
                     uint64_t size_hint, ProblemSink* problems)
    : stream_(stream),
      path_(std::move(path)),
      max_document_bytes_(max_document_bytes),
      size_hint_(size_hint),
      problems_(problems) {}

absl::StatusOr<bool> TextInput::Next(Document* doc, DocumentLocator* locator) {
  if (done_) return false;
  done_ = true;
  std::string& text = doc->text;
  text.clear();
  // Read up to max_document_bytes + 1 bytes: one more than allowed tells that the file is too big
  // without reading the rest of it.
  const uint64_t limit = max_document_bytes_ + 1;
  size_t capacity = static_cast<size_t>(
      std::min<uint64_t>(limit, size_hint_ > 0 ? size_hint_ + 1 : uint64_t{64} << 10));
  size_t size = 0;
  while (size < limit) {
    if (size == capacity) capacity = static_cast<size_t>(std::min<uint64_t>(limit, capacity * 2));
    text.resize(capacity);
    absl::StatusOr<size_t> n = stream_->Read(text.data() + size, capacity - size);
    if (!n.ok()) {
      text.clear();
      NAQL_RETURN_IF_ERROR(problems_->Report(path_, n.status(), /*skipped=*/true));
      return false;
    }
    if (*n == 0) break;
    size += *n;
  }
  text.resize(size);
  if (size == 0) {
    NAQL_RETURN_IF_ERROR(problems_->Report(
        path_, MakeProblem(absl::StatusCode::kInvalidArgument, path_, "empty file"), true));
    return false;
  }
  if (size > max_document_bytes_) {
    text.clear();
    NAQL_RETURN_IF_ERROR(problems_->Report(
        path_,
        MakeProblem(
            absl::StatusCode::kInvalidArgument, path_,
            absl::StrCat("document larger than max_document_bytes (", max_document_bytes_, ")")),
        /*skipped=*/true));
    return false;
  }
  size_t invalid = FirstInvalidUtf8(text);
  if (invalid != absl::string_view::npos) {
    // A warning: the text is kept as it is; later stages read the bad bytes as U+FFFD.
    NAQL_RETURN_IF_ERROR(
        problems_->Report(path_,
                          MakeProblem(absl::StatusCode::kInvalidArgument, path_,
                                      absl::StrCat("invalid UTF-8 at byte ", invalid)),
                          /*skipped=*/false));
  }
  doc->id = path_;
  doc->meta = DocumentMeta();
  doc->location = path_;
  locator->offset = 0;
  locator->length = size;
  locator->line = 0;
  return true;
}

void TextInput::Reparse(std::string text, absl::string_view path, Document* doc) {
  doc->id = std::string(path);
  doc->text = std::move(text);
  doc->meta = DocumentMeta();
  doc->location = std::string(path);
}

}  // namespace naql::internal
