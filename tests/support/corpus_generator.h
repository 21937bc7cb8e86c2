// corpus_generator.h — seeded generator of Arabic news corpora with planted reuse and exact truth.
//
// naql's pair-level recall and precision, and its span-level measures, are checked on corpora whose
// answer is known. This generator makes them from a pool of real article texts:
//
//   * base articles: the pool's own articles (without their copies and near copies, when
//     GeneratorOptions::real_bases) and
//     articles synthesized by an order-2 word Markov chain trained on the pool (backing off to
//     order 1 and 0). Synthesized text is constrained as it is written: a word is accepted only if
//     every run of max_shared_words + 1 tokens it completes is new to the whole corpus, and so is
//     every near passage (min_words tokens in order within a window with up to near_edits edits),
//     so two articles share words and phrases of up to max_shared_words tokens — the same topic
//     and vocabulary — but never a passage, not even one an edit-tolerant aligner could piece
//     together;
//   * syndicated copies (kind duplicate): an article republished by 1–4 other outlets with a new
//     byline, a new lead sentence, a trimmed tail (at most 15% of the body), a few one-word
//     substitutions, and a later date. Every pair within such a cluster is a truth pair;
//   * partial reuse (kind reuse): a passage of 15–60 tokens of one article inserted into 1–3 other
//     articles, in « » or " " quotation marks (with an attribution such as "وقال المتحدث:") or
//     plain, optionally with one light edit (a substitution, deletion or insertion after the
//     passage's first min_words tokens, so that an exact run of min_words tokens always remains).
//     Every pair of the passage's occurrences is a truth pair;
//   * optionally, boilerplate: a per-outlet footer line of 9–12 words shared by many articles. It
//     is not reuse: truth ignores every run that touches it.
//
// Truth is exact by construction and then checked: "documents a and b share a passage" means they
// share a run of min_words consecutive tokens, tokens as naql's Normalizer and Tokenizer (default
// options) define them, not counting boilerplate. A final pass finds every pair sharing such a run;
// a planted pair without one is dropped from the truth and a pair with one that was not planted
// is added as reuse with planted = false (both are counted in GeneratorStats; with synthesized
// bases neither happens in practice). Each generator edit that could create an unplanned overlap
// (junctions around inserted text, substitutions, new leads) is checked against the corpus and
// retried with another random choice when it does.
//
// Determinism: the output depends only on the options and the pool — same seed, same bytes, on
// every platform (SplitMix64 streams, XXH3 hashes; hash sets are used for membership only, never
// iterated).
//
// Example:
//   std::vector<std::string> pool = {ReadFileOrDie(FixturePath("seeds/000_....txt")), ...};
//   naql::testing::GeneratorOptions options;
//   options.seed = 7;
//   options.num_documents = 240;
//   absl::StatusOr<naql::testing::GeneratedCorpus> corpus =
//       naql::testing::GenerateCorpus(options, pool);
//   // corpus->docs[i].text, corpus->truth[j].a / .b / .kind / .a_begin ...
//   NAQL_RETURN_IF_ERROR(naql::testing::WriteJsonl(*corpus, "corpus.jsonl", "truth.jsonl"));
//
// Thread safety: free functions without shared state.

#ifndef NAQL_TESTS_SUPPORT_CORPUS_GENERATOR_H_
#define NAQL_TESTS_SUPPORT_CORPUS_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "naql/document.h"
#include "naql/report.h"

namespace naql::testing {

struct GeneratorOptions {
  uint64_t seed = 1;  // every random choice derives from it (SplitMix64)

  // Stop conditions: generation stops at exactly num_documents documents, or as soon as the texts
  // reach target_bytes (UTF-8 bytes of all texts), whichever is set; at least one must be > 0.
  uint32_t num_documents = 240;
  uint64_t target_bytes = 0;

  // Share of base articles that are republished (each by 1–4 copies), and share that lend a
  // passage to 1–3 other (new) articles. The rest stand alone. Both in [0, 1], sum <= 1.
  double duplicate_rate = 0.15;
  double reuse_rate = 0.15;
  // Share of reuse passages inside quotation marks, and share with one light edit; in [0, 1].
  double quote_rate = 0.5;
  double edit_rate = 0.3;
  // Share of articles that end with their outlet's boilerplate footer; in [0, 1].
  double boilerplate_rate = 0;

  // The truth's passage length: a pair shares a passage when it shares a run of min_words tokens
  // (naql's --min-words). 2..30.
  uint32_t min_words = 8;
  // Synthesized text shares no run longer than this many tokens with any other document (except
  // through planted reuse). Below min_words, with a margin, so that an edit-tolerant aligner does
  // not join two short shared phrases into a passage. 2..min_words - 1.
  uint32_t max_shared_words = 5;
  // Nor any near passage: a window of min_words + near_edits tokens that another document has
  // with up to near_edits tokens substituted, inserted or deleted (min_words of them in order).
  // 1 or 2. With 2 an aligner that tolerates two edits in a short span still finds no unplanted
  // passage, but the generator keeps 8 times as many keys: about 110 bytes of memory per token
  // instead of 35 (a 200 MB corpus with near_edits = 1 needs about 1 GB).
  uint32_t near_edits = 2;

  // Length of synthesized base articles in words, uniform in [min, max]; 60 <= min <= max.
  // Republished articles need bodies long enough that a new lead and a trimmed tail keep the copy
  // above the duplicate cover (80% of the shorter article): pool articles shorter than 150 body
  // words are never republished.
  uint32_t min_article_words = 160;
  uint32_t max_article_words = 400;

  // Use the pool's articles themselves as base articles (in pool order, skipping any shorter than
  // 40 words and any that shares a near passage — see near_edits — with one taken before: the
  // pool's own syndicated copies and shared quotations) before synthesizing more. Off: all base
  // articles are synthesized.
  bool real_bases = false;

  // InvalidArgument for out-of-range fields.
  absl::Status Validate() const;
};

// One truth pair: documents a < b (indices into GeneratedCorpus::docs) share a passage.
struct TruthPair {
  uint32_t a = 0;
  uint32_t b = 0;
  PairKind kind = PairKind::kReuse;
  // The planted passage in each original text, in code points, half-open, from the start of its
  // first token to the end of its last (quotation marks and attached punctuation excluded). For a
  // duplicate, the copied body range (the part both carry; substituted words included).
  uint32_t a_begin = 0;
  uint32_t a_end = 0;
  uint32_t b_begin = 0;
  uint32_t b_end = 0;
  bool quote = false;    // the passage is inside quotation marks in both documents
  bool planted = true;   // false: an overlap the final check found but the generator did not plant
};

struct GeneratorStats {
  uint32_t base_articles = 0;         // real + synthesized
  uint32_t real_articles = 0;         // taken from the pool
  uint32_t pool_rejected = 0;         // pool articles skipped as copies of earlier ones or too short
  uint32_t clusters = 0;              // republished articles
  uint32_t copies = 0;
  uint32_t passages = 0;              // reuse passages planted
  uint32_t passage_occurrences = 0;   // insertions into other articles
  uint32_t quoted_occurrences = 0;
  uint32_t edited_occurrences = 0;
  uint32_t boilerplate_documents = 0;
  uint32_t retries = 0;               // random choices redrawn because they overlapped other text
  uint32_t markov_backoffs = 0;       // words not drawn from the order-2 chain
  uint32_t accidental_pairs = 0;      // unplanted overlaps found by the final check (added)
  uint32_t lost_pairs = 0;            // planted pairs without a shared run (dropped)
};

struct GeneratedCorpus {
  // In output order (shuffled, so copies may come before their origin); ids "gen-000000", ... in
  // that order; meta.date (ISO 8601 date) and meta.source (outlet) are always set.
  std::vector<Document> docs;
  std::vector<TruthPair> truth;  // ascending (a, b), one per pair
  GeneratorStats stats;
};

// Generates a corpus from `pool`, a list of article texts (UTF-8; at least one with 20 words or
// more). InvalidArgument for bad options or an unusable pool. Memory: the texts plus about 60 bytes
// per token (Markov chain, n-gram sets); a 200 MB corpus needs a few GB.
absl::StatusOr<GeneratedCorpus> GenerateCorpus(const GeneratorOptions& options,
                                               absl::Span<const std::string> pool);

// The generator's final check, exposed for tests: keeps the pairs of corpus->truth whose documents
// share a run of min_words tokens (naql's Normalizer and Tokenizer, default options) and counts the
// others in corpus->stats.lost_pairs; adds every other pair sharing one as kind reuse with
// planted = false and the offsets of the maximal shared run around the first one found (counted in
// corpus->stats.accidental_pairs); sorts the truth by (a, b). Tokens of document d starting at or
// after code point boilerplate_cp[d] are ignored (pass an empty span for none). Requires truth
// pairs with a < b < docs.size(), one per pair. Memory: 12 bytes per token of the corpus.
void ReconcileTruth(uint32_t min_words, absl::Span<const uint32_t> boilerplate_cp,
                    GeneratedCorpus* corpus);

// ---- JSON Lines ----

// Appends `text` as a JSON string literal (quotes included), escaping ", \ and control characters;
// other bytes are copied (invalid UTF-8 is not repaired).
void AppendJsonString(absl::string_view text, std::string* out);

// {"id":…,"text":…,"date":…,"source":…}\n (date and source only when non-empty).
void AppendDocumentJsonl(const Document& doc, std::string* out);

// {"a":ID,"b":ID,"kind":"duplicate"|"reuse","a_begin":…,"a_end":…,"b_begin":…,"b_end":…,
//  "quote":bool,"planted":bool}\n with ids taken from docs[pair.a], docs[pair.b].
void AppendTruthJsonl(const TruthPair& pair, absl::Span<const Document> docs, std::string* out);

// Writes the documents to corpus_path and the truth to truth_path (JSON Lines, as above).
// Errors from the file system (ErrnoToStatus codes).
absl::Status WriteJsonl(const GeneratedCorpus& corpus, const std::string& corpus_path,
                        const std::string& truth_path);

// Reads documents from JSON Lines (fields id, text, date, source; others ignored; blank lines
// skipped). InvalidArgument on malformed lines (with the line number), NotFound etc. from the file.
absl::StatusOr<std::vector<Document>> ReadDocumentsJsonl(const std::string& path);

// Reads a truth file written by AppendTruthJsonl, resolving ids against `docs`. InvalidArgument
// on malformed lines or unknown ids.
absl::StatusOr<std::vector<TruthPair>> ReadTruthJsonl(const std::string& path,
                                                      absl::Span<const Document> docs);

}  // namespace naql::testing

#endif  // NAQL_TESTS_SUPPORT_CORPUS_GENERATOR_H_
