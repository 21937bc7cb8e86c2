#include "naql/fingerprinter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "naql/status.h"

namespace naql {

absl::Status FingerprintOptions::Validate() const {
  NAQL_RETURN_IF_ERROR(normalizer.Validate());
  NAQL_RETURN_IF_ERROR(tokenizer.Validate());
  NAQL_RETURN_IF_ERROR(shingle.Validate());
  NAQL_RETURN_IF_ERROR(minhash.Validate());
  NAQL_RETURN_IF_ERROR(quotes.Validate());
  if (min_words < shingle.size) {
    return absl::InvalidArgumentError(absl::StrCat("--min-words (", min_words,
                                                   ") must be at least the shingle size (",
                                                   shingle.size, ")"));
  }
  if (passage_shingle > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("passage shingle must be 0..32, got ", passage_shingle));
  }
  if (min_words > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("--min-words must be at most 1000, got ",
                                                   min_words));
  }
  return absl::OkStatus();
}

SignatureParams FingerprintOptions::signature_params() const {
  return SignatureParams::Make(minhash, shingle, tokenizer, normalizer.Bits());
}

Fingerprinter::Fingerprinter(const FingerprintOptions& options)
    : options_(options),
      normalizer_(options.normalizer),
      tokenizer_(options.tokenizer),
      minhasher_(options.minhash),
      quote_detector_(options.quotes) {}

void Fingerprinter::Fingerprint(absl::string_view text, FingerprintScratch* scratch,
                                DocumentFingerprint* out) const {
  normalizer_.NormalizeWords(text, &scratch->words);
  tokenizer_.HashWords(scratch->words, &scratch->token_hashes);
  HashShingles(scratch->token_hashes, options_.shingle.size, &scratch->shingles);

  out->words = static_cast<uint32_t>(scratch->token_hashes.size());
  out->signature.resize(options_.minhash.num_perm);
  minhasher_.Compute(scratch->shingles, absl::MakeSpan(out->signature));
  // A passage shorter than min_words is never reported, so a text shorter than that has none.
  out->passages.clear();
  if (out->words >= options_.min_words) {
    const uint32_t passage_shingle = options_.passage_shingle_size();
    if (passage_shingle == options_.shingle.size) {
      Winnow(scratch->shingles, options_.winnow_window(), &out->passages);
    } else {
      HashShingles(scratch->token_hashes, passage_shingle, &scratch->passage_shingles);
      Winnow(scratch->passage_shingles, options_.winnow_window(), &out->passages);
    }
  }
}

void Fingerprinter::Analyze(absl::string_view text, AnalyzedText* out) const {
  FoldAndTokenize(normalizer_, tokenizer_, text, &out->folded, &out->tokens);
  quote_detector_.Detect(text, &out->quotations);
}

void Fingerprinter::Analyze(absl::string_view text, absl::Span<const Quotation> quotations,
                            AnalyzedText* out) const {
  FoldAndTokenize(normalizer_, tokenizer_, text, &out->folded, &out->tokens);
  out->quotations.assign(quotations.begin(), quotations.end());
}

}  // namespace naql
