// planted_pairs.h — pairs of Arabic articles sharing planted passages with realistic edits, and
// the exact truth, for measuring span quality (PAN measures, pan_metrics.h).
//
// Source text is real: the sentences of the given articles (the seed fixtures). Each pair is
//   a = background sentences · passage · background sentences
//   b = other background sentences · the passage as another outlet would print it · more background
// where the passage is one to four consecutive sentences of one article and the copy in b carries
// the edits outlets make:
//   * spelling variants of long words that survive normalization: two adjacent letters swapped
//     (الأميركي → الأمريكي), a letter doubled (ميلي → ميللي), a medial alef dropped;
//   * words dropped, filler words added (أيضا، قد، كما …), an occasional word replaced;
//   * quote marks changed (« » → " " or “ ”), the Arabic comma changed or dropped, a conjunction و
//     attached to a word;
//   * two adjacent sentences of the passage swapped.
// Background sentences of a and b are chosen so that no sentence of a shares four consecutive
// tokens (as naql's default Normalizer and Tokenizer define them) with a sentence of b, apart from
// the planted passages: the truth is then complete, and a span outside it is a false positive.
//
// Truth ranges are in code points of the original texts and run from the passage's first word to
// its last word (surrounding punctuation excluded), which is what a naql span covers.
//
// Example:
//   std::vector<std::string> articles = {ReadFileOrDie(FixturePath("seeds/000_….txt")), …};
//   naql::testing::PlantedPairOptions options;
//   options.seed = 42;
//   for (const naql::testing::PlantedPair& pair : MakePlantedPairs(options, articles)) {
//     … align pair.a with pair.b, compare with pair.truth …
//   }
//
// Determinism: the output depends only on the options and the articles (SplitMix64).
// Thread safety: free functions without shared state.

#ifndef NAQL_TESTS_SUPPORT_PLANTED_PAIRS_H_
#define NAQL_TESTS_SUPPORT_PLANTED_PAIRS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pan_metrics.h"

namespace naql::testing {

struct PlantedPairOptions {
  uint64_t seed = 1;
  uint32_t pairs = 60;
  uint32_t max_passages_per_pair = 2;     // 1..max, uniformly
  uint32_t max_passage_sentences = 3;     // 1..max consecutive sentences, uniformly
  uint32_t max_background_sentences = 4;  // 0..max before and after each passage
  // Per word of the copy in b.
  double spelling_rate = 0.08;  // words of >= 5 letters only
  double drop_rate = 0.04;
  double add_rate = 0.04;
  double replace_rate = 0.02;
  double conjunction_rate = 0.03;
  // Per passage.
  double quote_change_rate = 0.7;
  double comma_change_rate = 0.5;
  double reorder_rate = 0.3;  // passages of >= 2 sentences
};

struct PlantedPair {
  std::string a;
  std::string b;
  std::vector<PassagePair> truth;  // `pair` is this pair's index in the result
  uint32_t reordered = 0;          // passages whose sentences were swapped
};

// Splits `articles` into sentences (8 to 80 words), then makes options.pairs pairs as described
// in the file comment. Aborts (tests only) if the articles have fewer than 12 usable sentences.
std::vector<PlantedPair> MakePlantedPairs(const PlantedPairOptions& options,
                                          const std::vector<std::string>& articles);

}  // namespace naql::testing

#endif  // NAQL_TESTS_SUPPORT_PLANTED_PAIRS_H_
