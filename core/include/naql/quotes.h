// naql/quotes.h — quotations: finding them in an article, and clustering those that recur.
//
// News reuse is often reuse of what someone *said*: outlets quote the same sentence of a minister
// or a general, each with a word dropped, added or respelled. This header has three parts:
//
//   * QuoteDetector finds the quotations of one original text, with their offsets:
//       - marked quotations: the words between a pair of quotation marks « », “ ”, „ “, ‘ ’, ‹ ›
//         or straight "…" (pairing rules below);
//       - reported speech: a verb of saying (قال، أضاف، أكد، أوضح، صرح، تابع، أشار، ذكر، شدد، اعتبر،
//         كشف، لفت، ختم … in their past, present and participle forms, feminine and plural, with a
//         و or ف prefix: وقالت، وأضاف، مضيفا، مؤكدة) followed within a few words by ':' and then by
//         unmarked text; the quotation runs from after the colon to the end of the sentence.
//   * InsideQuotation() says whether an aligned span lies inside a quotation (the "quote" flag of a
//     scan's spans).
//   * QuoteClusterer gathers the quotations of a corpus and groups those whose normalized words
//     match allowing edits, reporting each quotation found in at least min_docs documents with
//     every occurrence (the `naql quotes` command).
//
// Example:
//   naql::QuoteDetector detector{naql::QuoteDetectorOptions{}};
//   std::vector<naql::Quotation> quotes;
//   detector.Detect(text, &quotes);
//   for (const naql::Quotation& q : quotes) {
//     absl::string_view words = text.substr(q.span.byte_begin, q.span.byte_end - q.span.byte_begin);
//   }
//
//   naql::Normalizer normalizer;
//   naql::Tokenizer tokenizer;
//   naql::QuoteClusterer clusterer(naql::QuoteClustererOptions{}, &normalizer, &tokenizer);
//   for (uint32_t doc = 0; doc < texts.size(); ++doc) clusterer.Add(doc, texts[doc]);
//   for (const naql::RepeatedQuote& quote : clusterer.Build()) { ... quote.occurrences ... }
//
// Pairing of quotation marks (one left-to-right pass with a stack of open marks; offsets are in
// logical order, so "opening" means "first in the text" whatever the display direction):
//   * « opens and » closes; ‹ and › likewise. Reversed use (»…«), common in Arabic text typed with
//     the marks mirrored, is accepted: a closing mark with nothing open opens when it stands where an
//     opening mark would (after a space, line start or punctuation, before a non-space), and the
//     other mark of the family then closes it.
//   * “ ” „: ” closes any open mark of the family; “ closes an open „ or ” (German „…“ and mirrored
//     ”…“) and opens otherwise; „ always opens; ” with nothing open opens where an opening mark
//     would (Arabic outlets often write :”…” with the same mark on both sides).
//   * ‘ ’: ‘ opens unless it follows a letter or digit (transliterations write the ayn as ‘); ’
//     closes an open ‘ unless a letter or digit follows (an apostrophe: Qur’an). The straight
//     apostrophe ' is never a quotation mark.
//   * Straight ": paired in order. A " with nothing open opens, except where it can only close (after
//     a non-space and before a space, punctuation or the end), which is a stray closing mark. An open
//     " that has crossed a line break is abandoned when the next " can only open (it starts a new
//     quotation on the new line), so that one unbalanced line does not shift the pairs of the next.
//   * A closing mark closes the nearest open mark of its family; marks opened after it and still
//     open are abandoned. Every open mark is abandoned at a paragraph break (a blank line, or
//     U+2029) and at the end of the text. Quotations may span single line breaks. At most 32
//     marks stay open; a 33rd forgets the oldest (real text nests a few levels at most).
//   * Matched pairs are therefore nested or disjoint. A pair holding more than max_words words is
//     dropped as a mispairing (its inner pairs stay candidates); of the rest only the outermost are
//     reported: «… “…” …» is one quotation.
// Reported speech: the colon must follow the verb within max_words_before_colon words, in the same
// sentence and line, and not sit between digits (10:30). The quotation starts at the first
// non-space after the colon (after an unmatched quotation mark there, if any) and ends before the
// end of the sentence: ! ? ؟ ۔, a full stop that is neither a decimal point nor part of an
// ellipsis (".." and "…" continue the sentence), a line break, or the end of the text; it is cut
// at max_words words. It never overlaps a marked quotation: when the text after the colon opens
// with a marked quotation, that quotation is the one reported; marked quotations further inside
// the sentence are stepped over (a full stop inside them ends nothing) and are part of it (the
// reported speech is the outermost). Speech without a colon ("وقال إن …") is not a quotation.
//
// The span of a quotation is what lies between its marks (or from the first non-space after the
// colon to the end of the sentence), without leading and trailing white space.
//
// Thread safety: QuoteDetector is immutable after construction; Detect() is const and thread-safe.
// QuoteClusterer: Prepare() and Build() are const and thread-safe; Add() and AddPrepared() must be
// called from one thread at a time and not concurrently with Build().

#ifndef NAQL_QUOTES_H_
#define NAQL_QUOTES_H_

#include <bitset>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "naql/aligner.h"
#include "naql/chunked_vector.h"
#include "naql/normalizer.h"
#include "naql/offset_map.h"
#include "naql/report.h"
#include "naql/tokenizer.h"

namespace naql {

namespace internal {
class SpillFile;  // core/src/spill_file.h
}  // namespace internal

// One quotation of an original text.
struct Quotation {
  enum class Kind : uint8_t {
    kMarked = 0,    // between quotation marks
    kReported = 1,  // after a verb of saying and a colon, to the end of the sentence
  };

  // The quoted words only: inside the marks, or after the colon; trimmed of white space. Offsets
  // into the original text (bytes and code points, half-open).
  OriginalSpan span;
  // Words in the span: maximal runs of letters, marks and digits (as the Tokenizer counts them,
  // up to format controls that normalization removes).
  uint32_t words = 0;
  Kind kind = Kind::kMarked;

  friend bool operator==(const Quotation&, const Quotation&) = default;
};

const char* QuotationKindName(Quotation::Kind kind);  // "marked" | "reported"

struct QuoteDetectorOptions {
  // Quotations with fewer words are not reported (a quoted name or term, «داعش», is not a
  // quotation). 1..max_words.
  uint32_t min_words = 3;
  // Marked pairs with more words are mispairings and dropped; reported speech is cut here.
  // min_words..100000.
  uint32_t max_words = 200;
  // Find reported speech (verb of saying + colon). false: marked quotations only.
  bool reported_speech = true;
  // At most this many words between the verb of saying and the colon ("وقال مسؤول في الحلف في
  // بيان:" has five). 0..64.
  uint32_t max_words_before_colon = 8;

  // InvalidArgument naming the first field out of range.
  absl::Status Validate() const;

  friend bool operator==(const QuoteDetectorOptions&, const QuoteDetectorOptions&) = default;
};

class QuoteDetector {
 public:
  // Requires options.Validate().ok() (asserted in debug builds). Builds the table of verbs of
  // saying (about 200 folded forms).
  explicit QuoteDetector(const QuoteDetectorOptions& options = QuoteDetectorOptions());

  const QuoteDetectorOptions& options() const { return options_; }

  // Clears `out` and appends the quotations of `original`, ordered by position and never
  // overlapping, each with min_words..max_words words. `original` may be any bytes: invalid UTF-8
  // counts as one code point per maximal invalid subpart (as the Normalizer counts it) and is never
  // a quotation mark. Requires original.size() < 4 GiB. Uses a per-thread scratch of about 13
  // bytes per code point, kept for the next call (released after a text of over 4M code points).
  void Detect(absl::string_view original, std::vector<Quotation>* out) const;

  // True when `word` (original UTF-8, one word) is a verb of saying after light folding (diacritics
  // and tatweel removed, alef/hamza/teh marbuta/alef maksura forms folded) and removal of one
  // leading و or ف. Exposed for tests and for the reader who wants the list in action.
  bool IsVerbOfSaying(absl::string_view word) const;

 private:
  // A necessary condition for MatchVerb on the word [begin, end) (code points), checked before
  // folding it: its first two folded code points, or the two after a leading و/ف, begin a verb
  // form. Most words fail it (the definite article alone is a third of them).
  bool MayBeVerb(const char32_t* begin, const char32_t* end) const;

 public:
  // Code point classes of the prefilter: the Arabic block, "none", "any other".
  static constexpr size_t kHeadIndices = 258;

 private:

  QuoteDetectorOptions options_;
  absl::flat_hash_set<std::string> verbs_;    // folded forms
  // Bit HeadBit(first, second) (quotes.cc) is set for the first two code points of each form.
  std::bitset<kHeadIndices * kHeadIndices> verb_heads_;
};

// The share of a span's code points that must lie inside one quotation for InsideQuotation().
inline constexpr double kInsideQuotationFraction = 0.9;

// True when at least `min_fraction` of the code points of `span` lie inside a single quotation of
// `quotes` (both in original code points of the same text). The tolerance lets an aligned span
// that starts or ends a word or a mark beyond the quotation (a closing "قال" aligned too) still
// count as inside, while a span that merely contains a quotation among other text does not. An
// empty span is never inside. `quotes` may be in any order. O(quotes.size()).
//
// The scanner flags a Span quote:true when InsideQuotation(span.a, quotes of a) and
// InsideQuotation(span.b, quotes of b).
bool InsideQuotation(const OriginalSpan& span, absl::Span<const Quotation> quotes,
                     double min_fraction = kInsideQuotationFraction);

struct QuoteClustererOptions {
  // How quotations are found. Its min_words is raised to min_words below when smaller.
  QuoteDetectorOptions detector;

  // A repeated quotation is reported when its occurrences come from at least this many distinct
  // documents (and there are at least two occurrences). 1..2^31. With 1, a quotation repeated
  // within one document is reported too; a quotation found once never is.
  uint32_t min_docs = 2;

  // Quotations with fewer tokens (after normalization) are not clustered: short quotations are
  // mostly set phrases that recur without being the same statement. 2..100000.
  uint32_t min_words = 5;

  // Two quotations are the same when
  //   similarity  2 · common / (words of a + words of b) >= min_similarity, where common is the
  //               number of words they share in order (longest common subsequence; equal words
  //               and spelling variants as the Aligner defines them), or
  //   containment the Aligner's local alignment of the two matches at least min_containment of
  //               the shorter quotation's words, and at least min_containment_words of them (one
  //               outlet quotes part of what another quotes).
  // Default 0.6: the seed fixtures' Milley quotation, 10 words against 9 with two dropped and one
  // added, scores 2 · 8 / 19 = 0.84; two copies of a quotation in which each word was deleted,
  // replaced or followed by an inserted word with probability 8% each score about 0.7. (0, 1].
  double min_similarity = 0.6;
  // Default 0.9 over at least 8 matched words: a full sentence quoted inside a longer quotation.
  // Set above 1 to disable the containment rule. (0, 2].
  double min_containment = 0.9;
  uint32_t min_containment_words = 8;  // 1..100000

  // Candidates: a quotation is compared with the earlier quotations that share at least
  // min_shared_bigrams word bigrams with it... 1..1000.
  uint32_t min_shared_bigrams = 2;
  // ... looking, for each of its bigrams, at no more than this many of the earlier quotation texts
  // that contain the bigram: the nearest ones in input order. This bounds the work per quotation
  // whatever the bigram's frequency. A frequency cut-off would not do: the bigrams of a quotation
  // that recurs in thousands of articles are as frequent as set phrases ("الولايات المتحدة"), and
  // dropping them would split its cluster. With probing, each copy of a popular quotation finds
  // earlier copies among the nearest texts holding its bigrams (they are mostly copies of it), so
  // the chain of accepted pairs keeps the cluster whole, while a set phrase costs only this many
  // comparisons. Cost of candidate generation: O(bigrams · max_probes_per_bigram). 1..2^20.
  uint32_t max_probes_per_bigram = 64;

  // With false, the clusterer does not keep each quotation's original text, and Build() leaves
  // QuoteOccurrence::text empty: for a caller that can read it back from the document (the
  // scanner, which keeps its articles re-readable for verification, fills it in). Quotations are
  // a good part of news text, so this saves about that much memory. Default true.
  bool keep_originals = true;

  // InvalidArgument naming the first field out of range (including the detector's).
  absl::Status Validate() const;
};

// One document's quotations, normalized and tokenized: the work of QuoteClusterer::Add that needs
// no shared state, so that callers can do it on many threads and add the results on one.
struct PreparedQuotation {
  Quotation quotation;   // offsets into the document's original text
  std::string original;  // the original text of the quotation (quotation.span's bytes); empty
                         // unless QuoteClustererOptions::keep_originals
  NormalizedText folded;      // normalization of `original`: its text only (no offset map)
  std::vector<Token> tokens;  // tokens of `folded`; at least min_words of them
};

class QuoteClusterer {
 public:
  // Requires options.Validate().ok() (asserted in debug builds). `normalizer` and `tokenizer` are
  // not owned and must outlive the clusterer; quotations are compared on the tokenizer's hashes, so
  // use the ones the rest of the run uses.
  QuoteClusterer(const QuoteClustererOptions& options, const Normalizer* normalizer,
                 const Tokenizer* tokenizer);
  ~QuoteClusterer();
  QuoteClusterer(const QuoteClusterer&) = delete;
  QuoteClusterer& operator=(const QuoteClusterer&) = delete;

  const QuoteClustererOptions& options() const { return options_; }

  // Detects, normalizes and tokenizes the quotations of `original` into `out` (cleared first);
  // those with fewer than min_words tokens are left out. Const and thread-safe.
  void Prepare(absl::string_view original, std::vector<PreparedQuotation>* out) const;

  // Same, for quotations already found in `original` by a QuoteDetector configured like
  // options().detector (the scanner detects once and uses the quotations twice).
  void Prepare(absl::string_view original, absl::Span<const Quotation> detected,
               std::vector<PreparedQuotation>* out) const;

  // Records the prepared quotations of document `doc` (any number the caller chooses, such as its
  // input index; reported back in QuoteOccurrence::doc). Keeps each quotation's original text,
  // token hashes and, once per distinct token sequence, its folded text: never the document.
  // Adding the same document twice records its quotations twice. Not thread-safe.
  void AddPrepared(uint32_t doc, absl::Span<const PreparedQuotation> prepared);

  // Prepare() then AddPrepared(). Not thread-safe.
  void Add(uint32_t doc, absl::string_view original);

  // Keeps what the clusterer records of each quotation (token table, folded text and, with
  // keep_originals, original text) in `file` rather than in memory, from the first Add() on:
  // memory then holds about 45 bytes per distinct quotation and 40 per occurrence, the file the
  // rest (16 bytes per token plus the texts: about a sixth of news text). Build() flushes the file
  // and reads the token tables and texts back into memory, once the bigram index it builds first
  // is freed. `file` is not owned and must outlive the clusterer; other writers may share it, but
  // not write while Build() runs. Call before any Add().
  void UseTemporaryFile(internal::SpillFile* file);

  // OK, or the first write or read error of the temporary file. After an error Add()s record
  // nothing more and Build() returns no clusters, so check this after adding and after Build().
  absl::Status status() const;

  // Quotations recorded so far, and distinct token sequences among them.
  size_t num_quotations() const { return occurrences_.size(); }
  size_t num_variants() const { return variants_.size(); }
  // Bytes held by the recorded quotations (texts, hashes, tables), for memory reports.
  size_t MemoryUsage() const;

  // Gives back the growth slack of the variant and occurrence tables (up to half of them, since
  // they grow by doubling; the store of token tables and texts grows in chunks and has none): for
  // a caller done adding, or pausing for long. Add()s may follow. Costs one copy of those two
  // tables.
  void ShrinkToFit();

  // Clusters the quotations recorded so far; may be called again after more Add()s.
  //  1. Candidates: distinct token sequences sharing at least min_shared_bigrams word bigrams,
  //     found through an inverted index of bigrams probed as max_probes_per_bigram describes.
  //  2. Verification by the similarity or containment rule of the options (containment is
  //     measured on local alignments so that a short quotation's words scattered over a long one
  //     do not count). Pairs already in one cluster are not compared again.
  //  3. Clusters are the connected components of accepted pairs (union–find), so a quotation
  //     similar to either of two others joins them.
  // Returns the clusters with occurrences in at least min_docs distinct documents and at least two
  // occurrences, ordered by number of documents (descending), then by first occurrence (document,
  // then offset); ids 0..n-1 in that order. Occurrences are ordered by document, then offset, and
  // carry their original text; `text` is the folded text of the occurrence with the most tokens
  // (the first of those). Deterministic: the result does not depend on thread timing, and the same
  // Add() sequence gives the same result. Step 2 runs on `threads` threads (>= 1).
  std::vector<RepeatedQuote> Build(unsigned threads = 1) const;

 private:
  // A distinct token sequence and where its record is in the store: the sequence's tokens
  // (StoredToken each), then the folded text of its first occurrence.
  struct Variant {
    uint64_t record = 0;
    uint32_t token_count = 0;
    uint32_t text_size = 0;
  };
  // What the aligner needs of a token, positions relative to the variant's folded text.
  // (16 bytes: a word longer than 65,535 bytes keeps only that much for spelling comparisons.)
  struct StoredToken {
    uint64_t hash = 0;
    uint32_t folded_begin = 0;
    uint16_t length = 0;  // folded_end - folded_begin
    uint8_t clitic = 0;   // stem_begin - folded_begin (the tokenizer strips at most 6 bytes)
    uint8_t letters = 0;  // code points in the stem, at most 255 (the spelling-variant prefilter)
  };
  struct Occurrence {
    uint32_t doc = 0;
    uint32_t variant = 0;
    OriginalSpan span;
    uint64_t original_begin = 0;  // in the store (with keep_originals)
    uint32_t original_size = 0;
  };

  // Stores `bytes` in memory or in the temporary file and sets *offset to where they start.
  // False after a write error (kept in status_).
  bool Store(absl::string_view bytes, uint64_t* offset);
  // Reads stored bytes [offset, offset + size) into *out. False after a read error (kept).
  bool Load(uint64_t offset, size_t size, std::string* out) const;
  void KeepError(absl::Status status) const;

  QuoteClustererOptions options_;
  QuoteDetector detector_;
  Aligner aligner_;
  const Normalizer* normalizer_;
  const Tokenizer* tokenizer_;

  std::vector<Variant> variants_;
  // XXH3-128 of a variant's token hashes → the variant. Two sequences with one 128-bit hash are
  // taken to be one (about one chance in 2^100 among a billion quotations).
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint32_t> variant_by_key_;
  std::vector<Occurrence> occurrences_;
  // The store: in memory, in chunks that never move (it grows for the whole scan: a sixth of the
  // input's size on news), unless spill_ is set.
  internal::ChunkedText memory_store_;
  internal::SpillFile* spill_ = nullptr;

  mutable absl::Mutex error_mutex_;
  mutable absl::Status error_ ABSL_GUARDED_BY(error_mutex_);
};

}  // namespace naql

#endif  // NAQL_QUOTES_H_
