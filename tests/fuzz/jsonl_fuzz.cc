// Fuzz target for the JSONL reader: arbitrary bytes are read as a JSONL file (plain, and through
// the gzip and zstd decoders), and the reader's invariants are checked:
//   - it never crashes, hangs or reads out of bounds (the sanitizers watch);
//   - reading is the same whatever the read sizes (streaming ≡ one-shot);
//   - every document's locator points at bytes that parse again to the same document (ReadAt's
//     contract), and every document has a non-empty id and text in valid UTF-8;
//   - FirstInvalidUtf8 finds a prefix that is valid.
// Replayed over tests/fuzz/corpus/jsonl_fuzz/ by ctest; with NAQL_BUILD_FUZZERS, a libFuzzer
// binary.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "input_format.h"
#include "input_stream.h"

namespace {

using naql::Document;
using naql::DocumentLocator;

void Check(bool condition) {
  if (!condition) std::abort();
}

class CountingSink : public naql::internal::ProblemSink {
 public:
  absl::Status Report(absl::string_view, absl::Status status, bool) override {
    Check(!status.ok());
    ++problems;
    return absl::OkStatus();
  }
  int problems = 0;
};

struct Read {
  std::vector<Document> docs;
  std::vector<DocumentLocator> locators;
  int problems = 0;
};

// Reads `stream` as JSONL with a small document limit (so that the too-long path is reached).
Read ReadJsonl(naql::internal::ByteStream* stream) {
  CountingSink sink;
  naql::internal::JsonlInput input(stream, "fuzz.jsonl", /*max_document_bytes=*/4096, &sink);
  Read read;
  while (true) {
    Document doc;
    DocumentLocator locator;
    absl::StatusOr<bool> more = input.Next(&doc, &locator);
    Check(more.ok());  // the sink never asks to stop
    if (!*more) break;
    read.docs.push_back(std::move(doc));
    read.locators.push_back(locator);
  }
  read.problems = sink.problems;
  return read;
}

void Drain(naql::internal::ByteStream* stream) {
  char buffer[4096];
  while (true) {
    absl::StatusOr<size_t> n = stream->Read(buffer, sizeof(buffer));
    if (!n.ok() || *n == 0) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);

  // One shot, and in small pieces whose size the input chooses.
  naql::internal::MemoryStream whole(bytes);
  Read read = ReadJsonl(&whole);
  const size_t chunk = size > 0 ? 1 + data[0] % 13 : 1;
  naql::internal::MemoryStream pieces(bytes, chunk);
  Read chunked = ReadJsonl(&pieces);
  Check(read.docs.size() == chunked.docs.size());
  Check(read.problems == chunked.problems);

  for (size_t i = 0; i < read.docs.size(); ++i) {
    const Document& doc = read.docs[i];
    const DocumentLocator& locator = read.locators[i];
    Check(doc.id == chunked.docs[i].id && doc.text == chunked.docs[i].text);
    Check(locator.offset == chunked.locators[i].offset &&
          locator.length == chunked.locators[i].length);
    Check(!doc.id.empty() && !doc.text.empty());
    Check(naql::internal::FirstInvalidUtf8(doc.text) == absl::string_view::npos);
    Check(doc.location == "fuzz.jsonl:" + std::to_string(locator.line));
    // The locator's bytes parse again to the same document.
    Check(locator.offset + locator.length <= size);
    std::string record(bytes.substr(locator.offset, locator.length));
    const size_t length = record.size();
    record.resize(length + naql::internal::kLinePadding);
    Document again;
    Check(naql::internal::JsonlInput::Reparse(record.data(), length, record.size(), "fuzz.jsonl",
                                              locator.line, &again)
              .ok());
    Check(again.id == doc.id && again.text == doc.text && again.meta.date == doc.meta.date &&
          again.meta.source == doc.meta.source && again.meta.url == doc.meta.url &&
          again.meta.title == doc.meta.title && again.location == doc.location);
  }

  // The same bytes as compressed data: errors are fine, crashes are not.
  {
    naql::internal::GzipStream gzip(std::make_unique<naql::internal::MemoryStream>(bytes, chunk),
                                    "fuzz.gz");
    Drain(&gzip);
    naql::internal::ZstdStream zstd(std::make_unique<naql::internal::MemoryStream>(bytes, chunk),
                                    "fuzz.zst");
    Drain(&zstd);
  }

  const size_t invalid = naql::internal::FirstInvalidUtf8(bytes);
  if (invalid != absl::string_view::npos) {
    Check(invalid < size);
    Check(naql::internal::FirstInvalidUtf8(bytes.substr(0, invalid)) == absl::string_view::npos);
  }
  return 0;
}
