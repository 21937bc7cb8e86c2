// naql/fingerprinter.h — one document's way through normalize → tokenize → shingle → fingerprints.
//
// The Fingerprinter owns the configured Normalizer, Tokenizer and MinHasher and turns an article's
// original text into what the indexes need: its word count, its MinHash signature (whole-article
// resemblance, for LSH) and its winnowed passage fingerprints (shared passages of min_words words,
// for the passage index). Fingerprint() needs no original offsets: it folds the text and cuts its
// words in one pass without the offset map (Normalizer::NormalizeWords) and hashes the words as
// Tokenize() would. Analyze() keeps the folded text and the tokens, with their original spans,
// instead, for alignment: the same one pass records where each word comes from in the original
// (Normalizer::NormalizeWordsWithOriginals); the folded text's map (NormalizedText::map) stays
// empty.
//
// Example:
//   naql::Fingerprinter fingerprinter(naql::FingerprintOptions{});
//   naql::FingerprintScratch scratch;
//   naql::DocumentFingerprint fp;
//   fingerprinter.Fingerprint(doc.text, &scratch, &fp);
//
// Thread safety: immutable after construction; const methods are thread-safe (each thread passes
// its own scratch and outputs).

#ifndef NAQL_FINGERPRINTER_H_
#define NAQL_FINGERPRINTER_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "naql/aligner.h"
#include "naql/minhash.h"
#include "naql/normalizer.h"
#include "naql/passage_index.h"
#include "naql/quotes.h"
#include "naql/shingler.h"
#include "naql/tokenizer.h"

namespace naql {

struct FingerprintOptions {
  NormalizerOptions normalizer;
  TokenizerOptions tokenizer;
  ShingleOptions shingle;  // words per shingle (default 5)
  MinHashOptions minhash;  // permutations (default 128)
  QuoteDetectorOptions quotes;  // quotations found by Analyze()
  // Any passage of at least this many words shared by two articles yields a shared passage
  // fingerprint: winnowing keeps one passage shingle in every window of
  // min_words - passage_shingle + 1 of them.
  uint32_t min_words = 8;
  // Words per passage shingle (the fingerprints of the passage index), at most min_words (larger
  // values act as min_words); 0: shingle.size. Two articles on one story share many 5-word phrases
  // outside any shared passage, and each such phrase picked by winnowing makes a candidate pair
  // that alignment must reject; 7-word phrases shared by chance are far rarer, and rarer phrases
  // are also less often dropped by max_df inside a rare shared passage. The price is density:
  // winnowing keeps 2 / (window + 1) of the shingles, 2/3 at window 2 against 2/5 at window 4.
  // Measured on SaudiNewsNet (bench/README.md): 7 against 5 makes 47% fewer candidates and
  // finds more of the pairs sharing a rare 8-word run (recall 0.95 against 0.92).
  uint32_t passage_shingle = 7;

  // InvalidArgument when a component's options are invalid or min_words < shingle.size.
  absl::Status Validate() const;
  // Everything that changes fingerprint values, to store with them and compare before use.
  SignatureParams signature_params() const;
  uint32_t passage_shingle_size() const {
    return std::min(passage_shingle != 0 ? passage_shingle : shingle.size, min_words);
  }
  uint32_t winnow_window() const { return min_words - passage_shingle_size() + 1; }
};

// What the indexes keep of one article.
struct DocumentFingerprint {
  uint32_t words = 0;                         // number of tokens
  std::vector<uint32_t> signature;            // num_perm MinHash values (empty text: all 0xFFFFFFFF)
  std::vector<PassageFingerprint> passages;   // winnowed shingles, distinct hashes
};

// Reusable buffers for Fingerprint(); one per thread.
struct FingerprintScratch {
  FoldedWords words;                  // the folded text and its words (no offset map)
  std::vector<uint64_t> token_hashes;  // one per word: the hashes of Tokenizer::Tokenize
  std::vector<uint64_t> shingles;
  std::vector<uint64_t> passage_shingles;  // when the passage shingle size differs
};

// An article prepared for alignment: folded text, tokens and quotations.
struct AnalyzedText {
  NormalizedText folded;  // the folded text; its map is empty (the tokens hold original spans)
  std::vector<Token> tokens;
  std::vector<Quotation> quotations;  // in original offsets; flags spans as quotes
  // A view for the Aligner; valid while *this lives and is not modified.
  TokenSequence sequence() const { return TokenSequence{&folded, tokens}; }
};

class Fingerprinter {
 public:
  // Requires options.Validate().ok().
  explicit Fingerprinter(const FingerprintOptions& options);

  const FingerprintOptions& options() const { return options_; }
  const Normalizer& normalizer() const { return normalizer_; }
  const Tokenizer& tokenizer() const { return tokenizer_; }
  const QuoteDetector& quote_detector() const { return quote_detector_; }

  void Fingerprint(absl::string_view text, FingerprintScratch* scratch,
                   DocumentFingerprint* out) const;
  // Normalizes, tokenizes and finds the quotations of `text`.
  void Analyze(absl::string_view text, AnalyzedText* out) const;
  // Normalizes and tokenizes `text`, taking its quotations as given (found earlier by
  // quote_detector() on the same text): for callers that analyze an article more than once.
  void Analyze(absl::string_view text, absl::Span<const Quotation> quotations,
               AnalyzedText* out) const;

 private:
  FingerprintOptions options_;
  Normalizer normalizer_;
  Tokenizer tokenizer_;
  MinHasher minhasher_;
  QuoteDetector quote_detector_;
};

}  // namespace naql

#endif  // NAQL_FINGERPRINTER_H_
