// Fuzz target for the Normalizer and the Tokenizer: any bytes, under any options.
//
// The first two bytes choose the NormalizerOptions (their low 12 bits, as NormalizerOptions::Bits)
// and whether clitics are stripped (bit 15); the rest is the text. Beyond "no crash, no sanitizer
// report", every run checks the offset map and token invariants and traps when one fails:
//   * the folded text is valid UTF-8 and the map has one entry per folded code point;
//   * map entries are monotone, start on code point boundaries of the original, and agree on
//     bytes and code points; the last source ends at the end of the original;
//   * tokens are in order, inside the folded text, and their spans inside the original.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "naql/normalizer.h"
#include "naql/tokenizer.h"
#include "utf8.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "normalizer_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

const naql::Normalizer& NormalizerFor(uint32_t bits) {
  // One per option set seen (at most 4096), built on first use: construction is a few ms.
  static auto* const normalizers = new std::map<uint32_t, std::unique_ptr<naql::Normalizer>>;
  auto& slot = (*normalizers)[bits];
  if (slot == nullptr) {
    naql::NormalizerOptions options;
    Check(naql::NormalizerOptions::FromBits(bits, &options).ok(), "FromBits");
    slot = std::make_unique<naql::Normalizer>(options);
  }
  return *slot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint32_t bits = 0xFFF;
  bool strip_clitics = true;
  if (size >= 2) {
    const uint32_t head = data[0] | (uint32_t{data[1]} << 8);
    bits = head & 0xFFF;
    strip_clitics = (head >> 15) == 0;
    data += 2;
    size -= 2;
  }
  const std::string original(reinterpret_cast<const char*>(data), size);
  const naql::NormalizedText out = NormalizerFor(bits).Normalize(original);

  // Folded text: valid UTF-8 (no U+FFFD from decoding it unless it is a real U+FFFD).
  uint32_t folded_cps = 0;
  for (size_t i = 0; i < out.text.size(); ++folded_cps) {
    char32_t c;
    const size_t n = naql::internal::DecodeUtf8(out.text.data() + i, out.text.size() - i, &c);
    Check(c != naql::internal::kReplacementCharacter || n == 3, "folded text is valid UTF-8");
    i += n;
  }
  const naql::OffsetMap& map = out.map;
  Check(map.size() == folded_cps, "one map entry per folded code point");
  Check(map.original_bytes() == original.size(), "original length recorded");

  // Code point index of each code point boundary of the original.
  std::vector<int64_t> cp_at_byte(original.size() + 1, -1);
  uint32_t cps = 0;
  for (size_t i = 0; i < original.size();) {
    cp_at_byte[i] = cps++;
    char32_t c;
    i += naql::internal::DecodeUtf8(original.data() + i, original.size() - i, &c);
  }
  cp_at_byte[original.size()] = cps;
  Check(map.original_code_points() == cps, "original code points recorded");
  for (uint32_t j = 0; j < map.size(); ++j) {
    const uint32_t b = map.byte_begins()[j];
    Check(b < original.size(), "source inside the original");
    Check(cp_at_byte[b] == map.cp_begins()[j], "bytes and code points agree");
    Check(j == 0 || map.byte_begins()[j - 1] <= b, "monotone");
  }
  if (map.size() > 0) {
    Check(map.ToOriginal(0, map.size()).byte_end == original.size(), "last source ends at the end");
  }

  naql::TokenizerOptions tokenizer_options;
  tokenizer_options.strip_clitics = strip_clitics;
  std::vector<naql::Token> tokens;
  naql::Tokenizer(tokenizer_options).Tokenize(out, &tokens);
  uint32_t previous_end = 0;
  for (const naql::Token& token : tokens) {
    Check(previous_end <= token.folded_begin, "tokens in order");
    Check(token.folded_begin <= token.stem_begin && token.stem_begin < token.folded_end,
          "stem inside the word");
    Check(token.folded_end <= out.text.size(), "word inside the folded text");
    Check(token.original.byte_begin < token.original.byte_end &&
              token.original.byte_end <= original.size(),
          "span inside the original");
    Check(cp_at_byte[token.original.byte_end] == token.original.cp_end, "span code points agree");
    previous_end = token.folded_end;
  }
  return 0;
}
