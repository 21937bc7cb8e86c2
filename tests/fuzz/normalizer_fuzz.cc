// Fuzz target for the Normalizer and the Tokenizer: any bytes, under any options.
//
// The first byte chooses the options: bit 0 nfkc, bit 1 remove_diacritics, bit 2 remove_tatweel
// and remove_format_controls, bit 3 case_fold, bit 4 the letter and digit folds, bit 5
// fold_punctuation, bit 7 set = keep clitics. (Six bits, not all twelve switches: the grouped
// switches act alike, and 64 option sets keep the cache of normalizers, 512 KiB each, small.)
// The rest is the text. Beyond "no crash, no sanitizer
// report", every run checks the offset map and token invariants and traps when one fails:
//   * the folded text is valid UTF-8 and the map has one entry per folded code point;
//   * map entries are monotone, start on code point boundaries of the original, and agree on
//     bytes and code points; the last source ends at the end of the original;
//   * tokens are in order, inside the folded text, and their spans inside the original;
//   * NormalizeWords + HashWords (the fingerprinting pass) give the same text, words and hashes;
//     NormalizeWordsWithOriginals + Tokenize(FoldedWords) (the alignment pass) the same tokens.

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

const naql::Normalizer& NormalizerFor(uint8_t selector) {
  static auto* const normalizers = new std::map<uint8_t, std::unique_ptr<naql::Normalizer>>;
  auto& slot = (*normalizers)[selector & 0x3F];
  if (slot == nullptr) {
    naql::NormalizerOptions options;
    options.nfkc = selector & 1;
    options.remove_diacritics = selector & 2;
    options.remove_tatweel = options.remove_format_controls = selector & 4;
    options.case_fold = selector & 8;
    options.fold_alef = options.fold_alef_maksura = options.fold_teh_marbuta =
        options.fold_hamza_carriers = options.fold_persian_letters = options.fold_digits =
            selector & 16;
    options.fold_punctuation = selector & 32;
    naql::NormalizerOptions round_trip;
    Check(naql::NormalizerOptions::FromBits(options.Bits(), &round_trip).ok() &&
              round_trip.Bits() == options.Bits(),
          "options survive Bits/FromBits");
    slot = std::make_unique<naql::Normalizer>(options);
  }
  return *slot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t selector = 0x3F;  // the defaults
  if (size >= 1) {
    selector = data[0];
    ++data;
    --size;
  }
  const bool strip_clitics = (selector & 0x80) == 0;
  const std::string original(reinterpret_cast<const char*>(data), size);
  const naql::NormalizedText out = NormalizerFor(selector).Normalize(original);

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

  // The fingerprinting pass gives the same text, words and hashes.
  naql::FoldedWords words;
  NormalizerFor(selector).NormalizeWords(original, &words);
  Check(words.text == out.text, "NormalizeWords text is Normalize text");
  Check(words.words.size() == tokens.size(), "NormalizeWords has the tokens' words");
  std::vector<uint64_t> hashes;
  naql::Tokenizer(tokenizer_options).HashWords(words, &hashes);
  for (size_t i = 0; i < tokens.size(); ++i) {
    Check(words.words[i].begin == tokens[i].folded_begin &&
              words.words[i].end == tokens[i].folded_end,
          "NormalizeWords word is the token's word");
    Check(hashes[i] == tokens[i].hash, "HashWords hash is the token's hash");
  }

  // The alignment pass gives the same text and tokens, original spans included.
  NormalizerFor(selector).NormalizeWordsWithOriginals(original, &words);
  Check(words.text == out.text, "NormalizeWordsWithOriginals text is Normalize text");
  std::vector<naql::Token> from_words;
  naql::Tokenizer(tokenizer_options).Tokenize(words, &from_words);
  Check(from_words.size() == tokens.size(), "NormalizeWordsWithOriginals has the tokens");
  for (size_t i = 0; i < tokens.size(); ++i) {
    Check(from_words[i].hash == tokens[i].hash &&
              from_words[i].stem_begin == tokens[i].stem_begin &&
              from_words[i].folded_begin == tokens[i].folded_begin &&
              from_words[i].folded_end == tokens[i].folded_end,
          "NormalizeWordsWithOriginals word is the token's word");
    Check(from_words[i].original == tokens[i].original,
          "NormalizeWordsWithOriginals span is the token's span");
  }
  return 0;
}
