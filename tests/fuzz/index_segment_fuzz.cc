// Fuzz target for the index file readers: arbitrary bytes are parsed as a segment file (with and
// without section checksum verification, so that mutations reach the structural checks behind
// the checksums) and as a MANIFEST, and everything a parsed segment offers is exercised — table
// lookups, id lookups, every document's record, the full verification. Invariants:
//   - nothing crashes, hangs or reads out of bounds (the sanitizers watch);
//   - every failure is a DataLoss (or FailedPrecondition for a format version) status, or, for a
//     record whose text is referenced in an input file, the error of reading that file;
//   - a document that loads twice loads the same.
// Replayed over tests/fuzz/corpus/index_segment_fuzz/ by ctest (valid segments and manifests made
// by `naql index create`, and truncated and bit-flipped variants); with NAQL_BUILD_FUZZERS, a
// libFuzzer binary.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "index_format.h"
#include "index_segment.h"
#include "naql/document.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckError(const absl::Status& status) {
  Check(status.ok() || status.code() == absl::StatusCode::kDataLoss ||
        status.code() == absl::StatusCode::kFailedPrecondition ||
        // A record that references its text in an input file (index create --texts reference)
        // names a path, which a mutation may turn into one that does not exist or is unreadable.
        status.code() == absl::StatusCode::kNotFound ||
        status.code() == absl::StatusCode::kPermissionDenied ||
        status.code() == absl::StatusCode::kInvalidArgument ||
        status.code() == absl::StatusCode::kUnavailable ||
        status.code() == absl::StatusCode::kUnknown);
}

void Exercise(absl::string_view bytes, bool verify_sections) {
  naql::internal::SegmentView view;
  const absl::Status parsed = naql::internal::SegmentView::Parse(bytes, verify_sections, &view);
  CheckError(parsed);
  if (!parsed.ok()) return;
  // Table lookups with keys taken from the bytes themselves (so that some hit).
  uint64_t calls = 0;
  auto count = [&](uint32_t doc) {
    Check(doc < view.num_docs());
    ++calls;
  };
  for (size_t i = 0; i + 8 <= bytes.size() && i < 4096; i += 8) {
    const uint64_t key = naql::internal::LoadU64(bytes.data() + i);
    view.lsh().Lookup(key, count);
    view.passages().Lookup(key, count);
    view.lines().Lookup(key, count);
    view.FindIdHash(key, count);
  }
  // Whole-table walks (the searcher reads the line tables this way), each entry in range.
  for (const naql::internal::PostingTable* table : {&view.lsh(), &view.passages(), &view.lines()}) {
    uint64_t entries = 0;
    const bool ok = table->ForEach([&](uint64_t, uint32_t doc) {
      Check(doc < view.num_docs());
      ++entries;
    });
    Check(!ok || entries == table->num_entries());
  }
  naql::internal::BlockScratch scratch;
  const uint32_t docs = view.num_docs() < 256 ? view.num_docs() : 256;
  for (uint32_t d = 0; d < docs; ++d) {
    naql::Document first, second;
    const absl::Status status = view.LoadDocument(d, &scratch, &first);
    CheckError(status);
    if (!status.ok()) continue;
    Check(view.LoadDocument(d, &scratch, &second).ok());
    Check(first.id == second.id && first.text == second.text);
  }
  CheckError(view.VerifyAll());
  if (view.num_docs() < 256) {
    CheckError(view.ForEachDocument([](uint32_t, naql::Document&) { return absl::OkStatus(); }));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Copy into an 8-byte aligned buffer of exactly `size` bytes, as a mapping would provide.
  std::string bytes(reinterpret_cast<const char*>(data), size);
  Exercise(bytes, /*verify_sections=*/true);
  Exercise(bytes, /*verify_sections=*/false);
  naql::internal::Manifest manifest;
  CheckError(naql::internal::DecodeManifest(bytes, &manifest));
  return 0;
}
