// Fuzz target for the WARC reader (core/src/warc_format.h): arbitrary bytes are read as a WARC
// file, plain and through the gzip decoder, and the reader's invariants are checked:
//   - it never crashes, hangs or reads out of bounds (the sanitizers watch);
//   - reading is the same whatever the read sizes (streaming ≡ one-shot);
//   - every document has a non-empty id and valid UTF-8 text, and its locator names a record
//     inside the input that reads again (WarcInput::ReadAt) to the same document;
//   - every problem message starts with its location.
// Replayed over tests/fuzz/corpus/warc_fuzz/ by ctest; with NAQL_BUILD_FUZZERS, a libFuzzer
// binary.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "input_format.h"
#include "input_stream.h"
#include "warc_format.h"

namespace {

using naql::Document;
using naql::DocumentLocator;

void Check(bool condition) {
  if (!condition) std::abort();
}

class CheckingSink : public naql::internal::ProblemSink {
 public:
  absl::Status Report(absl::string_view location, absl::Status status, bool) override {
    Check(!status.ok());
    Check(absl::StartsWith(status.message(), location));
    messages.emplace_back(status.message());
    return absl::OkStatus();
  }
  std::vector<std::string> messages;
};

struct Read {
  std::vector<Document> docs;
  std::vector<DocumentLocator> locators;
  std::vector<std::string> messages;
};

Read ReadWarc(absl::string_view bytes, size_t chunk, bool gzip) {
  std::unique_ptr<naql::internal::ByteStream> stream =
      std::make_unique<naql::internal::MemoryStream>(bytes, chunk);
  naql::internal::GzipStream* decoder = nullptr;
  if (gzip) {
    auto owned = std::make_unique<naql::internal::GzipStream>(std::move(stream), "fuzz.warc.gz");
    decoder = owned.get();
    stream = std::move(owned);
  }
  CheckingSink sink;
  // A small limit, so that the oversized-record path is reached.
  naql::internal::WarcInput input(stream.get(), decoder, "fuzz.warc", 4096, &sink);
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
  read.messages = std::move(sink.messages);
  return read;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t chunk = size > 0 ? 1 + data[0] % 13 : 1;
  for (bool gzip : {false, true}) {
    const Read whole = ReadWarc(bytes, SIZE_MAX, gzip);
    const Read pieces = ReadWarc(bytes, chunk, gzip);
    // zlib detects corrupt data (a bad check value, a bad block) after producing an amount of
    // output that depends on how the input was cut: streaming ≡ one-shot holds for valid gzip
    // data only.
    bool corrupt = false;
    for (const Read* read : {&whole, &pieces}) {
      for (const std::string& message : read->messages) {
        corrupt = corrupt || absl::StrContains(message, "gzip data");
      }
    }
    if (gzip && corrupt) continue;
    Check(whole.docs.size() == pieces.docs.size());
    Check(whole.messages == pieces.messages);
    for (size_t i = 0; i < whole.docs.size(); ++i) {
      const Document& doc = whole.docs[i];
      const DocumentLocator& locator = whole.locators[i];
      Check(doc.id == pieces.docs[i].id && doc.text == pieces.docs[i].text);
      Check(doc.location == pieces.docs[i].location);
      Check(!doc.id.empty() && !doc.text.empty());
      Check(naql::internal::FirstInvalidUtf8(doc.text) == absl::string_view::npos);
      if (gzip) continue;
      // The record reads again from a file holding the same bytes.
      Check(locator.skip == 0 && locator.offset + locator.length <= size);
      char name[] = "/tmp/naql_warc_fuzz_XXXXXX";
      const int fd = ::mkstemp(name);
      Check(fd >= 0);
      ::unlink(name);
      Check(::write(fd, data, size) == static_cast<ssize_t>(size));
      Document again;
      const absl::Status status =
          naql::internal::WarcInput::ReadAt(fd, /*gzip=*/false, "fuzz.warc", locator, 4096, &again);
      ::close(fd);
      Check(status.ok());
      Check(again.id == doc.id && again.text == doc.text && again.location == doc.location &&
            again.meta.url == doc.meta.url && again.meta.date == doc.meta.date &&
            again.meta.title == doc.meta.title && again.meta.source == doc.meta.source);
    }
  }
  return 0;
}
