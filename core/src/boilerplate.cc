#include "naql/boilerplate.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "absl/strings/str_cat.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace naql {
namespace {

constexpr uint64_t kLineSeed = 0x6e61716c6c696e31ULL;    // "naqllin1"
constexpr uint64_t kSourceSeed = 0x6e61716c73726331ULL;  // "naqlsrc1"
constexpr uint64_t kMaskSeed = 0x6e61716c6d736b31ULL;    // "naqlmsk1"

}  // namespace

absl::Status BoilerplateOptions::Validate() const {
  if (min_docs < 2 || min_docs > (1u << 31)) {
    return absl::InvalidArgumentError(
        absl::StrCat("boilerplate min_docs must be 2..2^31, got ", min_docs));
  }
  return absl::OkStatus();
}

void FingerprintLines(const FoldedWords& words, absl::Span<const uint64_t> word_hashes,
                      std::vector<LineFingerprint>* out) {
  out->clear();
  const std::vector<WordRange>& ranges = words.words;
  assert(word_hashes.size() == ranges.size());
  const char* const text = words.text.data();
  size_t begin = 0;
  while (begin < ranges.size()) {
    size_t end = begin + 1;
    // The line goes on while no newline separates a word from the next one.
    while (end < ranges.size()) {
      const uint32_t gap_begin = ranges[end - 1].end;
      const uint32_t gap_end = ranges[end].begin;
      if (std::memchr(text + gap_begin, '\n', gap_end - gap_begin) != nullptr) break;
      ++end;
    }
    uint64_t hash = kLineSeed;
    for (size_t i = begin; i < end; ++i) {
      const uint64_t link[2] = {hash, word_hashes[i]};
      hash = XXH3_64bits(link, sizeof(link));
    }
    out->push_back({hash, static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
    begin = end;
  }
}

uint64_t BoilerplateDetector::Key(absl::string_view source, uint64_t line_hash) {
  return XXH3_64bits_withSeed(source.data(), source.size(), kSourceSeed ^ line_hash);
}

void BoilerplateDetector::Add(absl::string_view source, absl::Span<const LineFingerprint> lines) {
  scratch_.clear();
  for (const LineFingerprint& line : lines) scratch_.push_back(Key(source, line.hash));
  std::sort(scratch_.begin(), scratch_.end());
  scratch_.erase(std::unique(scratch_.begin(), scratch_.end()), scratch_.end());
  for (uint64_t key : scratch_) ++counts_[key];
}

void BoilerplateDetector::Build() {
  absl::erase_if(counts_, [this](const auto& entry) { return entry.second < options_.min_docs; });
  counts_.rehash(0);
  built_ = true;
}

void BoilerplateDetector::BoilerplateRanges(absl::string_view source,
                                            absl::Span<const LineFingerprint> lines,
                                            std::vector<TokenRange>* out) const {
  out->clear();
  if (counts_.empty()) return;
  for (const LineFingerprint& line : lines) {
    if (counts_.contains(Key(source, line.hash))) {
      out->push_back({line.token_begin, line.token_end});
    }
  }
}

void MaskTokens(absl::Span<const TokenRange> ranges, uint64_t salt, absl::Span<Token> tokens) {
  for (const TokenRange& range : ranges) {
    for (uint32_t i = range.begin; i < range.end && i < tokens.size(); ++i) {
      const uint64_t position[2] = {salt, i};
      tokens[i].hash = XXH3_64bits_withSeed(position, sizeof(position), kMaskSeed);
      // An empty stem: no spelling-variant rule can match it either.
      tokens[i].stem_begin = tokens[i].folded_end;
    }
  }
}

bool OverlapsAny(absl::Span<const TokenRange> ranges, uint32_t begin, uint32_t end) {
  // First range that ends after `begin`.
  auto it = std::partition_point(ranges.begin(), ranges.end(),
                                 [begin](const TokenRange& r) { return r.end <= begin; });
  return it != ranges.end() && it->begin < end;
}

}  // namespace naql
