// The aligner: seed → chain → extend → select → split → anchor → join.
//
// 1. Seeds. Every k-word run of b (k = seed size) goes into an open-addressing table keyed by the
//    XXH3 hash of its k token hashes; every k-word run of a looks itself up there. A k-gram found
//    more than max_seed_occurrences times in b is skipped, so a word repeated fifty times cannot
//    make 2,500 seeds: the number of seeds is at most (n − k + 1) · max_seed_occurrences.
//    Consecutive seeds on one diagonal (j − i constant) merge into runs.
// 2. Chaining (edit-tolerant). The usual chaining dynamic program over the runs sorted by position
//    (forwards and backwards) gives each run the exact words of the best chain through it, runs
//    following each other within max_gap words and max_gap diagonals. Only runs whose chain
//    covers min_anchor_words are extended: two articles on one story share dozens of three-word
//    phrases, and each would otherwise cost an extension.
// 3. Extension, longest run first; a run that already lies on the path of an earlier alignment is
//    skipped. Exact-only mode extends a run along its diagonal to the maximal run of equal tokens.
//    Edit-tolerant mode runs two X-drop dynamic programs from the run's first cell, one to the
//    right and one (on the reversed prefixes) to the left. Each is the Smith–Waterman recurrence
//    (Smith & Waterman 1981) anchored at the seed,
//        H(i, j) = max(H(i−1, j−1) + s(a_i, b_j), H(i−1, j) + gap, H(i, j−1) + gap),  H(0, 0) = 0,
//    evaluated row by row over the cells still "alive": a cell whose score falls more than X below
//    the best score seen so far is dropped (X-drop, Zhang, Schwartz, Wagner & Miller 1998; the
//    gapped extension of BLAST, Altschul et al. 1997). The live band is at most 2X/|gap| + 1 cells
//    wide, so an extension costs O(length · X); exact runs of jump_run_ words or more are taken
//    whole, which makes long unedited stretches cost O(length). The alignment ends at the best
//    cell (ties: the longer alignment); with X = max_gap · max(|gap|, |mismatch|) a run of
//    max_gap unaligned words can be crossed and a longer one ends it. The best local alignment
//    through the seed is what full Smith–Waterman finds whenever no prefix of it dips more than X
//    below its running maximum (tests/aligner_test.cc checks this against the full O(nm)
//    dynamic program).
// 4. Selection. Alignments are taken by decreasing score. Words already inside an accepted span
//    cut an alignment into pieces; so does any stretch of more than max_gap consecutive unaligned
//    words on either side. Each piece is trimmed to begin and end on a matching pair and accepted
//    when it has min_words matches and similarity >= min_similarity. Accepted spans therefore
//    never overlap on either side.
// 5. Anchors (edit-tolerant). A span without min_anchor_words unedited matches in a row is kept
//    only when a span that has them lies within min_words words in both articles.
// 6. Join (edit-tolerant). Spans sorted by position in a; neighbours within max_gap words of each
//    other in both articles are joined, also when their order differs in b (reordered
//    sentences), until no two can be.
//
// Token similarity: equal hashes score match_score. Two different stems are spelling variants
// when both are long enough and their optimal-string-alignment distance (Levenshtein with
// adjacent transpositions; Damerau 1964) is small, or when one is the other behind a proclitic
// letter; a variant with similarity σ = 1 − d / max(len) scores mismatch + (match − mismatch) · σ.
// Before the distance is computed, two cheap filters reject most pairs: the lengths must differ
// by at most the allowed distance, and the 64-bit letter-set masks may differ in at most 2·d bits
// (a substitution changes at most two bits, an insertion or deletion one, a transposition none).

#include "naql/aligner.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "utf8.h"
#include "window_hashes.h"

namespace naql {
namespace {

// Stems longer than this are compared by hash only (the distance uses fixed-size rows).
constexpr uint32_t kMaxVariantLetters = 32;
// Seed for the k-gram hashes of the seed table; in-process only, fixed for reproducibility.
constexpr uint64_t kSeedGramSeed = 0x6e61716c616c6e31ULL;  // "naqlaln1"
constexpr uint32_t kNone = 0xFFFFFFFFu;
// Selection rounds after the first (see Select); more are never needed on real text.
constexpr int kMaxSelectionRounds = 4;
constexpr double kDead = -std::numeric_limits<double>::infinity();

// Alignment operations, in the order of increasing positions.
enum Op : uint8_t {
  kMatch = 0,       // equal tokens
  kVariant = 1,     // spelling variants (counted as matches)
  kSubstitute = 2,  // different tokens aligned to each other
  kDeleteA = 3,     // a word of a aligned to nothing
  kInsertB = 4,     // a word of b aligned to nothing
};
inline bool IsMatch(uint8_t op) { return op <= kVariant; }
inline bool ConsumesA(uint8_t op) { return op != kInsertB; }
inline bool ConsumesB(uint8_t op) { return op != kDeleteA; }

// Traceback codes of the extension dynamic program.
enum Trace : uint8_t {
  kTraceDead = 0,
  kTraceDiag = 1,
  kTraceUp = 2,
  kTraceLeft = 3,
  kTraceStart = 4
};

// Bit of a letter in a 64-bit letter-set mask (Fibonacci hashing of the code point).
inline uint64_t LetterBit(char32_t cp) {
  return uint64_t{1} << ((static_cast<uint32_t>(cp) * 0x9E3779B1u) >> 26);
}

// Bits set in x (SWAR; the portable build has no popcnt instruction, and std::popcount would call
// a library routine on every cell of the dynamic program).
inline uint32_t PopCount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<uint32_t>((x * 0x0101010101010101ULL) >> 56);
}

// Optimal-string-alignment distance of a[0, la) and b[0, lb), or limit + 1 when it exceeds
// `limit`. Requires la, lb <= kMaxVariantLetters.
uint32_t BoundedOsaDistance(const char32_t* a, uint32_t la, const char32_t* b, uint32_t lb,
                            uint32_t limit) {
  if ((la > lb ? la - lb : lb - la) > limit) return limit + 1;
  uint32_t rows[3][kMaxVariantLetters + 1];
  uint32_t* two_back = rows[0];
  uint32_t* prev = rows[1];
  uint32_t* cur = rows[2];
  for (uint32_t j = 0; j <= lb; ++j) prev[j] = j;
  for (uint32_t i = 1; i <= la; ++i) {
    cur[0] = i;
    uint32_t row_min = cur[0];
    for (uint32_t j = 1; j <= lb; ++j) {
      const uint32_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      uint32_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        v = std::min(v, two_back[j - 2] + 1);
      }
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > limit) return limit + 1;
    uint32_t* recycled = two_back;
    two_back = prev;
    prev = cur;
    cur = recycled;
  }
  return std::min(prev[lb], limit + 1);
}

// Edit distance allowed between two stems whose shorter one has `letters` code points.
inline uint32_t AllowedDistance(uint32_t letters, const AlignerOptions& options) {
  if (options.fuzzy_two_edit_letters != 0 && letters >= options.fuzzy_two_edit_letters) return 2;
  if (options.fuzzy_min_letters != 0 && letters >= options.fuzzy_min_letters) return 1;
  return 0;
}

// Single-letter Arabic proclitics the tokenizer keeps on short words: و (U+0648 WAW), ف (U+0641
// FEH), ب (U+0628 BEH), ل (U+0644 LAM), ك (U+0643 KAF).
inline bool IsProclitic(char32_t cp) {
  return cp == 0x0648 || cp == 0x0641 || cp == 0x0628 || cp == 0x0644 || cp == 0x0643;
}

// `longer` is `shorter` (of at least two letters) behind one proclitic letter: ومن/من.
inline bool ProcliticForm(const char32_t* longer, uint32_t l_len, const char32_t* shorter,
                          uint32_t s_len) {
  return l_len == s_len + 1 && s_len >= 2 && IsProclitic(longer[0]) &&
         std::equal(shorter, shorter + s_len, longer + 1);
}

// The variant similarity of two different code point strings (0 when not variants).
double VariantSimilarity(const char32_t* a, uint32_t la, const char32_t* b, uint32_t lb,
                         const AlignerOptions& options) {
  if (la > kMaxVariantLetters || lb > kMaxVariantLetters) return 0;
  if (options.fuzzy_proclitics && (ProcliticForm(a, la, b, lb) || ProcliticForm(b, lb, a, la))) {
    return 1.0 - 1.0 / std::max(la, lb);
  }
  const uint32_t allowed = AllowedDistance(std::min(la, lb), options);
  if (allowed == 0) return 0;
  const uint32_t d = BoundedOsaDistance(a, la, b, lb, allowed);
  if (d > allowed) return 0;
  if (d == 0) return 1;
  return 1.0 - static_cast<double>(d) / std::max(la, lb);
}

void DecodeAll(absl::string_view text, std::vector<char32_t>* out) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp;
    i += internal::DecodeUtf8(text.data() + i, text.size() - i, &cp);
    out->push_back(cp);
  }
}

}  // namespace

namespace internal {

// One sequence as the dynamic program reads it. Stems are measured lazily, the first time the
// variant rule looks at a token (most tokens are only ever compared by hash), and decoded to code
// points only for the few pairs that pass the cheap filters.
struct PreparedSequence {
  const Token* tokens = nullptr;
  const std::string* text = nullptr;  // null: no variant rule
  uint32_t size = 0;
  std::vector<uint64_t> hashes;  // token hashes, contiguous
  // The hashes of the k-word windows (seeds), for k = grams_k (0: none computed).
  std::vector<uint64_t> grams;
  uint32_t grams_k = 0;
  // Stems, measured lazily (the variant rule's filters read them on every cell it looks at, so
  // they are kept apart, in arrays of their own): length in code points, saturated at 255 (0: not
  // measured yet, or an empty stem, which the tokenizer never makes), and letter-set mask.
  std::vector<uint8_t> letters;
  std::vector<uint64_t> masks;

  void Prepare(const TokenSequence& sequence, bool with_stems) {
    tokens = sequence.tokens.data();
    size = static_cast<uint32_t>(sequence.tokens.size());
    text = with_stems ? &sequence.text->text : nullptr;
    // The same words as the sequence before (the scanner verifies pairs in order of their first
    // article): its seed k-grams and measured stems still hold. Different words usually differ
    // at the first one.
    uint32_t same = 0;
    if (hashes.size() == size) {
      while (same < size && hashes[same] == tokens[same].hash) ++same;
    }
    const bool unchanged = same == size;
    if (!unchanged) {
      hashes.resize(size);
      for (uint32_t i = same; i < size; ++i) hashes[i] = tokens[i].hash;
      grams_k = 0;
    }
    // Equal hashes are equal stems (the aligner's premise): the stems measured stay measured.
    if (with_stems && !(unchanged && letters.size() == size)) {
      letters.assign(size, 0);
      masks.resize(size);
    }
  }

  // Decodes the stem of token t, calling visit(code_point) for each. NormalizedText::text is
  // valid UTF-8, so a sequence's length follows from its lead byte (bounded by the stem's end all
  // the same).
  template <typename Visit>
  void ForEachCodePoint(uint32_t t, Visit visit) const {
    const auto* bytes = reinterpret_cast<const unsigned char*>(text->data());
    size_t i = tokens[t].stem_begin;
    const size_t end = std::min<size_t>(tokens[t].folded_end, text->size());
    while (i < end) {
      const unsigned char lead = bytes[i];
      const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
      for (size_t k = 1; k < length && i + k < end; ++k) cp = (cp << 6) | (bytes[i + k] & 0x3F);
      i += length;
      visit(cp);
    }
  }

  // Length of token t's stem in code points (saturated at 255); its mask is then masks[t].
  uint32_t LettersOf(uint32_t t) {
    const uint32_t known = letters[t];
    return known != 0 ? known : Measure(t);
  }

  // Writes the first kMaxVariantLetters code points of token t's stem to out.
  void CodePoints(uint32_t t, char32_t* out) const {
    uint32_t count = 0;
    ForEachCodePoint(t, [&](char32_t cp) {
      if (count < kMaxVariantLetters) out[count] = cp;
      ++count;
    });
  }

 private:
  [[gnu::noinline]] uint32_t Measure(uint32_t t) {
    uint32_t count = 0;
    uint64_t mask = 0;
    ForEachCodePoint(t, [&](char32_t cp) {
      mask |= LetterBit(cp);
      ++count;
    });
    masks[t] = mask;
    letters[t] = static_cast<uint8_t>(std::min<uint32_t>(count, 255));
    return letters[t];
  }
};

struct Run {
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t length = 0;  // words
};

struct Candidate {
  double score = 0;
  uint32_t a_begin = 0;
  uint32_t b_begin = 0;
  uint32_t op_begin = 0;  // into AlignScratchData::ops
  uint32_t op_count = 0;
};

struct ExtensionResult {
  double score = 0;
  uint32_t a_length = 0;
  uint32_t b_length = 0;
};

struct AlignScratchData {
  PreparedSequence a;
  PreparedSequence b;
  // Seed table over b's k-grams.
  std::vector<uint64_t> table_key;
  std::vector<uint32_t> table_head;   // first position of the k-gram in b
  std::vector<uint32_t> table_count;  // 0: empty slot
  std::vector<uint32_t> next_position;
  // MayMatch: the distinct words of the longer sequence (b), the words of the shorter (a) with no
  // equal word, and masks of b's words grouped by length.
  std::vector<uint32_t> distinct;
  std::vector<uint32_t> unmatched;
  std::vector<uint64_t> length_masks;
  // Runs.
  std::vector<int32_t> diagonal_run;  // per diagonal j − i + n: the run open on it, or −1
  std::vector<Run> runs;
  std::vector<uint32_t> run_order;
  std::vector<uint32_t> chain_forward;  // chaining: best chain ending at each run
  std::vector<uint32_t> evidence;       // chaining: best chain through each run
  // Alignments.
  std::vector<uint32_t> path_b_at_a;  // b position the first accepted path pairs with a[i]
  std::vector<Candidate> candidates;
  std::vector<uint32_t> candidate_order;
  std::vector<uint8_t> ops;
  // Extension dynamic program.
  std::vector<double> row_prev;
  std::vector<double> row_cur;
  std::vector<uint8_t> trace;
  std::vector<uint32_t> row_first;   // per row: first column computed
  std::vector<uint32_t> row_offset;  // per row: offset into trace (row i ends at row_offset[i+1])
  std::vector<uint8_t> reversed_ops;
  std::vector<uint8_t> outward_ops;
  // Selection.
  std::vector<int32_t> a_owner;  // per token: the accepted span that holds it, or −1
  std::vector<int32_t> b_owner;
  std::vector<uint8_t> anchored;  // per accepted span: contains an unedited run of anchor words
  std::vector<uint8_t> keep;      // per accepted span: anchored or next to an anchored span
  std::vector<uint32_t> span_candidate;  // per accepted span: the candidate it comes from
  std::vector<uint8_t> excluded;  // per candidate: 1 when selection skips it
};

}  // namespace internal

using internal::AlignScratchData;
using internal::Candidate;
using internal::ExtensionResult;
using internal::PreparedSequence;
using internal::Run;

absl::Status AlignerOptions::Validate() const {
  if (min_words < 1 || min_words > 100000) {
    return absl::InvalidArgumentError(absl::StrCat("min_words must be 1..100000, got ", min_words));
  }
  if (max_gap > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("max_gap must be 0..1000, got ", max_gap));
  }
  if (seed_size < 1 || seed_size > 32) {
    return absl::InvalidArgumentError(absl::StrCat("seed_size must be 1..32, got ", seed_size));
  }
  if (tolerant_seed_size < 1 || tolerant_seed_size > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("tolerant_seed_size must be 1..32, got ", tolerant_seed_size));
  }
  if (min_anchor_words < 1 || min_anchor_words > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_anchor_words must be 1..100000, got ", min_anchor_words));
  }
  if (max_seed_occurrences < 1 || max_seed_occurrences > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_seed_occurrences must be 1..65535, got ", max_seed_occurrences));
  }
  if (!(min_similarity >= 0 && min_similarity <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_similarity must be in [0, 1], got ", min_similarity));
  }
  if (!(match_score > 0) || !std::isfinite(match_score)) {
    return absl::InvalidArgumentError(absl::StrCat("match_score must be > 0, got ", match_score));
  }
  if (!(mismatch_score < 0) || !std::isfinite(mismatch_score)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mismatch_score must be < 0, got ", mismatch_score));
  }
  if (!(gap_score < 0) || !std::isfinite(gap_score)) {
    return absl::InvalidArgumentError(absl::StrCat("gap_score must be < 0, got ", gap_score));
  }
  for (const auto& [name, value] :
       {std::pair<const char*, uint32_t>{"fuzzy_min_letters", fuzzy_min_letters},
        std::pair<const char*, uint32_t>{"fuzzy_two_edit_letters", fuzzy_two_edit_letters}}) {
    if (value != 0 && (value < 2 || value > kMaxVariantLetters)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " must be 0 or 2..", kMaxVariantLetters, ", got ", value));
    }
  }
  if (fuzzy_min_letters != 0 && fuzzy_two_edit_letters != 0 &&
      fuzzy_two_edit_letters < fuzzy_min_letters) {
    return absl::InvalidArgumentError(
        absl::StrCat("fuzzy_two_edit_letters (", fuzzy_two_edit_letters,
                     ") must not be below fuzzy_min_letters (", fuzzy_min_letters, ")"));
  }
  return absl::OkStatus();
}

double AlignerOptions::x_drop() const {
  return static_cast<double>(max_gap) * std::max(-gap_score, -mismatch_score);
}

AlignScratch::AlignScratch() : data_(std::make_unique<AlignScratchData>()) {}
AlignScratch::~AlignScratch() = default;
AlignScratch::AlignScratch(AlignScratch&&) noexcept = default;
AlignScratch& AlignScratch::operator=(AlignScratch&&) noexcept = default;

double StemSimilarity(absl::string_view a_stem, absl::string_view b_stem,
                      const AlignerOptions& options) {
  if (a_stem == b_stem) return 1;
  std::vector<char32_t> a, b;
  DecodeAll(a_stem, &a);
  DecodeAll(b_stem, &b);
  return VariantSimilarity(a.data(), static_cast<uint32_t>(a.size()), b.data(),
                           static_cast<uint32_t>(b.size()), options);
}

double TokenSimilarity(const NormalizedText* a_text, const Token& a, const NormalizedText* b_text,
                       const Token& b, const AlignerOptions& options) {
  if (a.hash == b.hash) return 1;
  if (a_text == nullptr || b_text == nullptr) return 0;
  return StemSimilarity(StemText(*a_text, a), StemText(*b_text, b), options);
}

namespace {

// The work of one Align() call; lives on the stack, state in the scratch.
class Alignment {
 public:
  Alignment(const AlignerOptions& options, AlignScratchData* s) : o_(options), s_(*s) {}

  void Execute(const TokenSequence& a, const TokenSequence& b, std::vector<Span>* out) {
    out->clear();
    const uint32_t n = static_cast<uint32_t>(a.tokens.size());
    const uint32_t m = static_cast<uint32_t>(b.tokens.size());
    if (std::min(n, m) < o_.min_words) return;
    Prepare(a, b);
    match_ = o_.match_score;
    mismatch_ = o_.mismatch_score;
    gap_ = o_.gap_score;
    x_drop_ = o_.x_drop();
    // Runs this long are taken whole (see Extend): longer than any gap the extension crosses.
    jump_run_ = std::max<uint32_t>(8, o_.max_gap + 3);

    const uint32_t k = o_.edit_tolerant ? std::min(o_.tolerant_seed_size, o_.min_words)
                                        : std::min(o_.seed_size, o_.min_words);
    FindRuns(k);
    ExtendRuns();
    Select(out);
    if (o_.edit_tolerant) Join(out);
    for (Span& span : *out) FillOriginal(&span);
  }

  // Aligner::MayMatch: whether at least `matches` words of the shorter sequence equal or may be
  // a spelling variant of (pass VariantScore's length and letter-set filters with) some word of
  // the other. Each match
  // of Execute() pairs such a word with one of its partners, and the spans are disjoint on both
  // sides, so no alignment has more matches than such words. Equal words first, through a hash
  // set of the longer sequence; then the variant filters for the words left, against the
  // distinct words of the longer one grouped by length (a variant's length differs by at most
  // two letters), stopping as soon as the answer is known.
  bool MayMatch(const TokenSequence& a, const TokenSequence& b, uint32_t matches) {
    const uint32_t n = static_cast<uint32_t>(a.tokens.size());
    const uint32_t m = static_cast<uint32_t>(b.tokens.size());
    const uint32_t shorter = std::min(n, m), longer = std::max(n, m);
    if (matches > shorter) return false;
    if (matches == 0) return true;
    // Prepared with the shorter sequence as s_.a: the filters are symmetric.
    if (n <= m) {
      Prepare(a, b);
    } else {
      Prepare(b, a);
    }

    // The longer sequence's distinct hashes, in the seed table (FindRuns clears it again).
    const uint32_t mask = ClearTable(longer);
    s_.distinct.clear();
    for (uint32_t j = 0; j < longer; ++j) {
      const uint32_t slot = TableSlot(s_.b.hashes[j], mask);
      if (s_.table_count[slot] != 0) continue;
      s_.table_key[slot] = s_.b.hashes[j];
      s_.table_count[slot] = 1;
      s_.distinct.push_back(j);
    }
    uint32_t found = 0;
    s_.unmatched.clear();
    for (uint32_t i = 0; i < shorter; ++i) {
      if (s_.table_count[TableSlot(s_.a.hashes[i], mask)] != 0) {
        if (++found == matches) return true;
      } else {
        s_.unmatched.push_back(i);
      }
    }
    if (!variants_) return false;

    // The distinct words of the longer sequence that can be variants (at most kMaxVariantLetters
    // letters), their letter-set masks grouped by length: length l at [by_length[l],
    // by_length[l + 1]).
    uint32_t by_length[kMaxVariantLetters + 2] = {};
    for (uint32_t j : s_.distinct) {
      const uint32_t letters = s_.b.LettersOf(j);
      if (letters <= kMaxVariantLetters) ++by_length[letters + 1];
    }
    for (uint32_t l = 1; l < kMaxVariantLetters + 2; ++l) by_length[l] += by_length[l - 1];
    s_.length_masks.resize(by_length[kMaxVariantLetters + 1]);
    {
      uint32_t fill[kMaxVariantLetters + 1];
      std::copy_n(by_length, kMaxVariantLetters + 1, fill);
      for (uint32_t j : s_.distinct) {
        const uint32_t letters = s_.b.letters[j];
        if (letters <= kMaxVariantLetters) s_.length_masks[fill[letters]++] = s_.b.masks[j];
      }
    }
    // Whether a mask of length l is within `bits` differing bits of `word_mask`.
    auto any_within = [&](uint32_t l, uint64_t word_mask, int32_t bits) {
      for (uint32_t k = by_length[l]; k < by_length[l + 1]; ++k) {
        if (static_cast<int32_t>(PopCount(word_mask ^ s_.length_masks[k])) <= bits) return true;
      }
      return false;
    };
    uint32_t hopeless = 0;  // words with no partner at all
    for (uint32_t i : s_.unmatched) {
      const uint32_t la = s_.a.LettersOf(i);
      bool partner = false;
      if (la <= kMaxVariantLetters) {
        const uint64_t word_mask = s_.a.masks[i];
        const uint32_t first = la > 2 ? la - 2 : 0;
        const uint32_t last = std::min(la + 2, kMaxVariantLetters);
        // VariantScore's filters, by length of the partner.
        for (uint32_t lb = first; lb <= last && !partner; ++lb) {
          const int32_t bits = VariantMaskBits(la, lb);
          partner = bits >= 0 && any_within(lb, word_mask, bits);
        }
      }
      if (partner) {
        if (++found == matches) return true;
      } else if (++hopeless > shorter - matches) {
        return false;
      }
    }
    return false;  // not reached: found + hopeless = shorter
  }

 private:
  void Prepare(const TokenSequence& a, const TokenSequence& b) {
    variants_ =
        o_.edit_tolerant && a.text != nullptr && b.text != nullptr &&
        (o_.fuzzy_min_letters != 0 || o_.fuzzy_two_edit_letters != 0 || o_.fuzzy_proclitics);
    s_.a.Prepare(a, variants_);
    s_.b.Prepare(b, variants_);
  }

  // ---- Seeds ------------------------------------------------------------------------------

  // The hashes of the k-word windows of `sequence`, computed unless they are at hand.
  static const std::vector<uint64_t>& GramHashes(PreparedSequence* sequence, uint32_t k) {
    if (sequence->grams_k != k) {
      const std::vector<uint64_t>& hashes = sequence->hashes;
      const size_t count = hashes.size() >= k ? hashes.size() - k + 1 : 0;
      sequence->grams.resize(count);
      internal::HashWindows(hashes.data(), count, k, kSeedGramSeed, sequence->grams.data());
      sequence->grams_k = k;
    }
    return sequence->grams;
  }

  // Empties the seed table (open addressing, linear probing) with room for `keys` keys at a load
  // of at most one half; returns the mask of its slot indices.
  uint32_t ClearTable(uint32_t keys) {
    uint32_t capacity = 16;
    while (capacity < 2 * keys) capacity *= 2;
    if (s_.table_key.size() < capacity) {
      s_.table_key.resize(capacity);
      s_.table_head.resize(capacity);
      s_.table_count.resize(capacity);
    }
    std::fill_n(s_.table_count.begin(), capacity, 0u);
    return capacity - 1;
  }

  // The slot of `key` in the seed table: where it is, or the empty slot where it would go.
  uint32_t TableSlot(uint64_t key, uint32_t mask) const {
    uint32_t slot = static_cast<uint32_t>(key) & mask;
    while (s_.table_count[slot] != 0 && s_.table_key[slot] != key) slot = (slot + 1) & mask;
    return slot;
  }

  // Finds the seeds of k-grams and merges them into diagonal runs (s_.runs).
  void FindRuns(uint32_t k) {
    s_.runs.clear();
    const uint32_t n = s_.a.size, m = s_.b.size;
    if (n < k || m < k) return;
    // The table over b.
    const std::vector<uint64_t>& b_gram_hashes = GramHashes(&s_.b, k);
    const uint32_t b_grams = static_cast<uint32_t>(b_gram_hashes.size());
    const uint32_t mask = ClearTable(b_grams);
    s_.next_position.resize(b_grams);
    // Insert from the last position to the first so that each chain lists positions ascending.
    for (uint32_t j = b_grams; j-- > 0;) {
      const uint64_t key = b_gram_hashes[j];
      const uint32_t slot = TableSlot(key, mask);
      if (s_.table_count[slot] == 0) {
        s_.table_key[slot] = key;
        s_.next_position[j] = kNone;
      } else {
        s_.next_position[j] = s_.table_head[slot];
      }
      s_.table_head[slot] = j;
      if (s_.table_count[slot] < kNone) ++s_.table_count[slot];
    }
    // Look up a's k-grams in order of position; extend the run open on each seed's diagonal.
    const std::vector<uint64_t>& a_gram_hashes = GramHashes(&s_.a, k);
    s_.diagonal_run.assign(static_cast<size_t>(n) + m + 1, -1);
    const uint32_t a_grams = static_cast<uint32_t>(a_gram_hashes.size());
    for (uint32_t i = 0; i < a_grams; ++i) {
      const uint64_t key = a_gram_hashes[i];
      const uint32_t slot = TableSlot(key, mask);
      const uint32_t count = s_.table_count[slot];
      if (count == 0 || count > o_.max_seed_occurrences) continue;
      for (uint32_t j = s_.table_head[slot]; j != kNone; j = s_.next_position[j]) {
        // Hash equality of k-grams is checked on the tokens: a 64-bit collision must not seed.
        if (!std::equal(&s_.a.hashes[i], &s_.a.hashes[i] + k, &s_.b.hashes[j])) continue;
        const size_t diagonal = static_cast<size_t>(j) + n - i;
        const int32_t open = s_.diagonal_run[diagonal];
        if (open >= 0) {
          Run& run = s_.runs[open];
          if (run.a + run.length - k + 1 == i) {  // the next k-gram of the same run
            ++run.length;
            continue;
          }
        }
        s_.diagonal_run[diagonal] = static_cast<int32_t>(s_.runs.size());
        s_.runs.push_back(Run{i, j, k});
      }
    }
  }

  // ---- Extension --------------------------------------------------------------------------

  // The variant similarity σ of a[i] and b[j] (0 when they are not variants). Called on most
  // cells of the extension's band, and almost always rejected by the cheap filters (see the file
  // comment), which are therefore inline; the letters are compared out of line.
  double VariantScore(uint32_t i, uint32_t j) {
    const uint32_t la = s_.a.LettersOf(i), lb = s_.b.LettersOf(j);
    // Lengths, then letter sets.
    const int32_t bits = VariantMaskBits(la, lb);
    if (bits < 0 || PopCount(s_.a.masks[i] ^ s_.b.masks[j]) > static_cast<uint32_t>(bits)) {
      return 0;
    }
    if (la > kMaxVariantLetters || lb > kMaxVariantLetters) return 0;
    return CompareLetters(i, la, j, lb);
  }

  // The most letter-set bits in which stems of la and lb letters can differ and be variants, or
  // -1 when their lengths rule it out: an edit changes the length by at most one letter and the
  // mask by at most two bits; a proclitic form is one letter longer, with at most one new bit.
  int32_t VariantMaskBits(uint32_t la, uint32_t lb) const {
    const uint32_t difference = la > lb ? la - lb : lb - la;
    const uint32_t allowed = AllowedDistance(std::min(la, lb), o_);
    if (allowed != 0 && difference <= allowed) return static_cast<int32_t>(2 * allowed);
    if (o_.fuzzy_proclitics && difference == 1) return 1;
    return -1;
  }

  [[gnu::noinline]] double CompareLetters(uint32_t i, uint32_t la, uint32_t j, uint32_t lb) {
    char32_t a_letters[kMaxVariantLetters], b_letters[kMaxVariantLetters];
    s_.a.CodePoints(i, a_letters);
    s_.b.CodePoints(j, b_letters);
    return VariantSimilarity(a_letters, la, b_letters, lb, o_);
  }

  // Similarity of a[i] and b[j]: 1, a variant's σ, or 0.
  double Similarity(uint32_t i, uint32_t j) {
    if (s_.a.hashes[i] == s_.b.hashes[j]) return 1;
    return variants_ ? VariantScore(i, j) : 0;
  }

  double PairScore(uint32_t i, uint32_t j) {
    if (s_.a.hashes[i] == s_.b.hashes[j]) return match_;
    if (!variants_) return mismatch_;
    const double sigma = VariantScore(i, j);
    return sigma > 0 ? mismatch_ + (match_ - mismatch_) * sigma : mismatch_;
  }

  uint8_t DiagonalOp(uint32_t i, uint32_t j) {
    const double sigma = Similarity(i, j);
    return sigma >= 1 ? kMatch : sigma > 0 ? kVariant : kSubstitute;
  }

  // X-drop extension from the cell before a[i0], b[j0] (forward) or after a[i0 − 1], b[j0 − 1]
  // (backward), over at most a_limit words of a and b_limit words of b. Appends the operations of
  // the best alignment to s_.ops in increasing position order.
  //
  // Long exact runs are taken whole: when the best cell so far is followed by at least
  // jump_run_ equal words on its diagonal, the program stops there, the run is appended as
  // matches, and a new program starts at the run's end. Any other live cell is at most X below
  // the best, and to overtake the run it would have to match as many words on another diagonal —
  // repeated text, which the X-drop band would not keep apart anyway. This makes a
  // near-duplicate cost O(length) instead of O(length · X).
  template <bool kForward>
  ExtensionResult Extend(uint32_t i0, uint32_t j0, uint32_t a_limit, uint32_t b_limit) {
    s_.outward_ops.clear();
    ExtensionResult total;
    for (;;) {
      const uint32_t oi = kForward ? i0 + total.a_length : i0 - total.a_length;
      const uint32_t oj = kForward ? j0 + total.b_length : j0 - total.b_length;
      uint32_t jump = 0;
      const ExtensionResult segment = ExtendSegment<kForward>(oi, oj, a_limit - total.a_length,
                                                              b_limit - total.b_length, &jump);
      total.score += segment.score;
      total.a_length += segment.a_length;
      total.b_length += segment.b_length;
      if (jump == 0) break;
      s_.outward_ops.insert(s_.outward_ops.end(), jump, kMatch);
      total.score += jump * match_;
      total.a_length += jump;
      total.b_length += jump;
    }
    // Outward order is increasing position order forwards, decreasing backwards.
    if (kForward) {
      s_.ops.insert(s_.ops.end(), s_.outward_ops.begin(), s_.outward_ops.end());
    } else {
      s_.ops.insert(s_.ops.end(), s_.outward_ops.rbegin(), s_.outward_ops.rend());
    }
    return total;
  }

  // One X-drop dynamic program from origin (i0, j0) (see Extend). Appends its best path to
  // s_.outward_ops, from the origin outwards. Sets *jump to the length of the exact run that
  // follows the best cell when it is at least jump_run_ (the program stopped there), else 0.
  template <bool kForward>
  ExtensionResult ExtendSegment(uint32_t i0, uint32_t j0, uint32_t a_limit, uint32_t b_limit,
                                uint32_t* jump) {
    auto a_at = [i0](uint32_t row) { return kForward ? i0 + row - 1 : i0 - row; };
    auto b_at = [j0](uint32_t column) { return kForward ? j0 + column - 1 : j0 - column; };
    // Equal words on the diagonal after cell (row, column).
    auto exact_run = [&](uint32_t row, uint32_t column) {
      uint32_t r = 0;
      while (row + r < a_limit && column + r < b_limit &&
             s_.a.hashes[a_at(row + r + 1)] == s_.b.hashes[b_at(column + r + 1)]) {
        ++r;
      }
      return r;
    };
    *jump = 0;
    const uint32_t at_origin = exact_run(0, 0);
    if (at_origin >= jump_run_) {
      *jump = at_origin;
      return ExtensionResult{};
    }
    uint32_t next_check = at_origin + 1;  // rows before this lie on a run already measured

    if (s_.row_prev.size() < b_limit + 2) {
      s_.row_prev.resize(b_limit + 2);
      s_.row_cur.resize(b_limit + 2);
    }
    double* prev = s_.row_prev.data();
    double* cur = s_.row_cur.data();
    s_.trace.clear();
    s_.row_first.clear();
    s_.row_offset.clear();

    double best = 0;
    uint32_t best_row = 0, best_column = 0;
    // Row 0: only gaps in a.
    s_.row_first.push_back(0);
    s_.row_offset.push_back(0);
    prev[0] = 0;
    s_.trace.push_back(kTraceStart);
    uint32_t lo = 0, hi = 0;
    for (uint32_t j = 1; j <= b_limit; ++j) {
      const double v = gap_ * j;
      if (v < best - x_drop_) break;
      prev[j] = v;
      s_.trace.push_back(kTraceLeft);
      hi = j;
    }
    for (uint32_t i = 1; i <= a_limit && *jump == 0; ++i) {
      s_.row_first.push_back(lo);
      s_.row_offset.push_back(static_cast<uint32_t>(s_.trace.size()));
      const uint32_t ai = a_at(i);
      uint32_t new_lo = kNone, new_hi = 0;
      for (uint32_t j = lo; j <= b_limit; ++j) {
        const double up = j <= hi ? prev[j] + gap_ : kDead;
        const double left = j > lo ? cur[j - 1] + gap_ : kDead;
        const double floor = best - x_drop_;
        double h = kDead;
        uint8_t code = kTraceDead;
        if (j >= 1 && j - 1 >= lo && j - 1 <= hi && prev[j - 1] != kDead &&
            prev[j - 1] + match_ >= std::max({up, left, floor})) {
          // (A pair adds at most match_: when even that loses to a gap or to the X-drop, the
          // pair's score — the costly part of a cell — is not needed.)
          h = prev[j - 1] + PairScore(ai, b_at(j));
          code = kTraceDiag;
        }
        if (up > h) {
          h = up;
          code = kTraceUp;
        }
        if (left > h) {
          h = left;
          code = kTraceLeft;
        }
        if (h < floor) {
          h = kDead;
          code = kTraceDead;
        }
        cur[j] = h;
        s_.trace.push_back(code);
        if (h != kDead) {
          if (new_lo == kNone) new_lo = j;
          new_hi = j;
          if (h >= best) {  // ties: the longer alignment (maximal passages)
            best = h;
            best_row = i;
            best_column = j;
            if (i >= next_check) {
              const uint32_t run = exact_run(i, j);
              if (run >= jump_run_) {
                *jump = run;
                break;
              }
              next_check = i + run + 1;
            }
          }
        } else if (j > hi) {
          break;  // past the previous row only a chain of gaps could continue
        }
      }
      if (new_lo == kNone) break;
      std::swap(prev, cur);
      lo = new_lo;
      hi = new_hi;
    }

    // Traceback from the best cell to the origin (inward), then reversed to outward order.
    s_.reversed_ops.clear();
    uint32_t i = best_row, j = best_column;
    while (i > 0 || j > 0) {
      const uint8_t code = s_.trace[s_.row_offset[i] + (j - s_.row_first[i])];
      assert(code != kTraceDead && code != kTraceStart);
      if (code == kTraceDiag) {
        s_.reversed_ops.push_back(DiagonalOp(a_at(i), b_at(j)));
        --i;
        --j;
      } else if (code == kTraceUp) {
        s_.reversed_ops.push_back(kDeleteA);
        --i;
      } else {
        s_.reversed_ops.push_back(kInsertB);
        --j;
      }
    }
    s_.outward_ops.insert(s_.outward_ops.end(), s_.reversed_ops.rbegin(), s_.reversed_ops.rend());
    return ExtensionResult{best, best_row, best_column};
  }

  bool OnPath(const Run& run) const {
    for (uint32_t t = 0; t < run.length; ++t) {
      if (s_.path_b_at_a[run.a + t] == run.b + t) return true;
    }
    return false;
  }

  void MarkPath(const Candidate& c) {
    uint32_t i = c.a_begin, j = c.b_begin;
    for (uint32_t t = 0; t < c.op_count; ++t) {
      const uint8_t op = s_.ops[c.op_begin + t];
      if (ConsumesA(op) && ConsumesB(op) && s_.path_b_at_a[i] == kNone) s_.path_b_at_a[i] = j;
      i += ConsumesA(op);
      j += ConsumesB(op);
    }
  }

  // Whether run q can follow run p (p.a <= q.a) in one passage: each starts within max_gap words
  // after the other ends, in both articles, on a diagonal at most max_gap away. Returns the words
  // of a that q adds (its length minus any overlap with p), or 0 when it cannot follow.
  uint32_t Follows(const Run& p, const Run& q) const {
    const int64_t gap_a = int64_t{q.a} - (int64_t{p.a} + p.length);
    const int64_t gap_b = int64_t{q.b} - (int64_t{p.b} + p.length);
    const int64_t drift = (int64_t{q.b} - q.a) - (int64_t{p.b} - p.a);
    if (gap_a > o_.max_gap || gap_b > o_.max_gap) return 0;
    if (q.a + q.length <= p.a + p.length || q.b + q.length <= p.b + p.length || q.b < p.b) return 0;
    if (drift > int64_t{o_.max_gap} || -drift > int64_t{o_.max_gap}) return 0;
    return q.length - static_cast<uint32_t>(std::max<int64_t>(0, -gap_a));
  }

  // s_.evidence[r]: the words of exact seed runs in the best chain of runs through run r (runs
  // that may lie in one passage, see Follows), by the usual chaining dynamic program forwards and
  // backwards over the runs sorted by position in a.
  void ChainEvidence() {
    const std::vector<Run>& runs = s_.runs;
    const size_t count = runs.size();
    s_.chain_forward.assign(count, 0);
    s_.evidence.assign(count, 0);
    // Predecessors further back than this cannot end within max_gap of a run's start, unless
    // they are long enough to pass the gate alone.
    const uint32_t reach = o_.max_gap + std::min(o_.min_anchor_words, o_.min_words);
    for (size_t q = 0; q < count; ++q) {
      uint32_t best = runs[q].length;
      for (size_t p = q; p-- > 0 && runs[p].a + reach >= runs[q].a;) {
        const uint32_t added = Follows(runs[p], runs[q]);
        if (added > 0) best = std::max(best, s_.chain_forward[p] + added);
      }
      s_.chain_forward[q] = best;
    }
    std::vector<uint32_t>& backward = s_.evidence;  // filled backwards, then combined in place
    for (size_t p = count; p-- > 0;) {
      uint32_t best = runs[p].length;
      for (size_t q = p + 1; q < count && runs[p].a + reach >= runs[q].a; ++q) {
        const uint32_t added = Follows(runs[p], runs[q]);
        if (added > 0) best = std::max(best, backward[q] + added);
      }
      backward[p] = best;
    }
    for (size_t r = 0; r < count; ++r) {
      backward[r] = s_.chain_forward[r] + backward[r] - runs[r].length;
    }
  }

  void ExtendRuns() {
    const uint32_t n = s_.a.size, m = s_.b.size;
    s_.candidates.clear();
    s_.ops.clear();
    s_.path_b_at_a.assign(n, kNone);
    s_.run_order.resize(s_.runs.size());
    for (uint32_t r = 0; r < s_.runs.size(); ++r) s_.run_order[r] = r;
    std::sort(s_.run_order.begin(), s_.run_order.end(), [this](uint32_t x, uint32_t y) {
      const Run& rx = s_.runs[x];
      const Run& ry = s_.runs[y];
      if (rx.length != ry.length) return rx.length > ry.length;
      if (rx.a != ry.a) return rx.a < ry.a;
      return rx.b < ry.b;
    });
    if (o_.edit_tolerant) ChainEvidence();
    const uint32_t gate = std::min(o_.min_anchor_words, o_.min_words);
    for (uint32_t r : s_.run_order) {
      const Run& run = s_.runs[r];
      if (o_.edit_tolerant && s_.evidence[r] < gate) continue;
      if (OnPath(run)) continue;
      Candidate c;
      c.op_begin = static_cast<uint32_t>(s_.ops.size());
      if (!o_.edit_tolerant) {
        // Maximal run of equal tokens through the seed run.
        uint32_t a0 = run.a, b0 = run.b;
        while (a0 > 0 && b0 > 0 && s_.a.hashes[a0 - 1] == s_.b.hashes[b0 - 1]) --a0, --b0;
        uint32_t a1 = run.a + run.length, b1 = run.b + run.length;
        while (a1 < n && b1 < m && s_.a.hashes[a1] == s_.b.hashes[b1]) ++a1, ++b1;
        c.a_begin = a0;
        c.b_begin = b0;
        c.op_count = a1 - a0;
        c.score = c.op_count;
        s_.ops.insert(s_.ops.end(), c.op_count, kMatch);
      } else {
        const ExtensionResult left = Extend<false>(run.a, run.b, run.a, run.b);
        const ExtensionResult right = Extend<true>(run.a, run.b, n - run.a, m - run.b);
        c.a_begin = run.a - left.a_length;
        c.b_begin = run.b - left.b_length;
        c.score = left.score + right.score;
        c.op_count = static_cast<uint32_t>(s_.ops.size()) - c.op_begin;
      }
      MarkPath(c);
      s_.candidates.push_back(c);
    }
  }

  // ---- Selection ------------------------------------------------------------------------

  // Accepts ops [first, last] of candidate `c` (both matches), starting at a[i], b[j], when the
  // piece passes the filters.
  void AcceptPiece(const Candidate& c, uint32_t first, uint32_t last, uint32_t i, uint32_t j,
                   std::vector<Span>* out) {
    uint32_t a_words = 0, b_words = 0, matches = 0, edits = 0, run = 0, longest_run = 0;
    for (uint32_t t = first; t <= last; ++t) {
      const uint8_t op = s_.ops[c.op_begin + t];
      a_words += ConsumesA(op);
      b_words += ConsumesB(op);
      if (IsMatch(op)) {
        ++matches;
        longest_run = std::max(longest_run, ++run);
      } else {
        ++edits;
        run = 0;
      }
    }
    if (matches < o_.min_words) return;
    const double similarity = 2.0 * matches / (a_words + b_words);
    if (similarity < o_.min_similarity) {
      // An extension that wandered through stretches of edits around a real passage: cut the
      // piece at its longest stretch of edits and try both sides, so that the passage itself is
      // not lost with the wandering (an exact run of min_words words always survives this).
      uint32_t gap_first = 0, gap_last = 0, gap_length = 0;  // ops of the longest edit stretch
      uint32_t gap_i = 0, gap_j = 0;  // positions after the stretch
      uint32_t ii = i, jj = j, stretch_begin = 0, stretch = 0;
      for (uint32_t t = first; t <= last; ++t) {
        const uint8_t op = s_.ops[c.op_begin + t];
        ii += ConsumesA(op);
        jj += ConsumesB(op);
        if (IsMatch(op)) {
          stretch = 0;
          continue;
        }
        if (stretch++ == 0) stretch_begin = t;
        if (stretch > gap_length) {
          gap_length = stretch;
          gap_first = stretch_begin;
          gap_last = t;
          gap_i = ii;
          gap_j = jj;
        }
      }
      if (gap_length == 0) return;  // not reached: a similarity below 1 needs an edit
      AcceptPiece(c, first, gap_first - 1, i, j, out);
      AcceptPiece(c, gap_last + 1, last, gap_i, gap_j, out);
      return;
    }
    Span span;
    span.a_token_begin = i;
    span.a_token_end = i + a_words;
    span.b_token_begin = j;
    span.b_token_end = j + b_words;
    span.words = std::max(a_words, b_words);
    span.matches = matches;
    span.edits = edits;
    span.similarity = similarity;
    const int32_t id = static_cast<int32_t>(out->size());
    std::fill(s_.a_owner.begin() + span.a_token_begin, s_.a_owner.begin() + span.a_token_end, id);
    std::fill(s_.b_owner.begin() + span.b_token_begin, s_.b_owner.begin() + span.b_token_end, id);
    out->push_back(span);
    s_.anchored.push_back(longest_run >= std::min(o_.min_anchor_words, o_.min_words));
  }

  // Words between two token ranges (0 when they touch or overlap).
  static uint32_t Distance(uint32_t begin1, uint32_t end1, uint32_t begin2, uint32_t end2) {
    return end1 <= begin2 ? begin2 - end1 : end2 <= begin1 ? begin1 - end2 : 0;
  }

  // Marks in s_.keep the spans that have an anchor (an unedited run of min_anchor_words matches) or
  // an anchored span within min_words words of them in both articles (see AlignerOptions).
  void FindAnchored(const std::vector<Span>& spans) {
    s_.keep.assign(spans.size(), 0);
    for (size_t s = 0; s < spans.size(); ++s) {
      const Span& span = spans[s];
      bool keep = s_.anchored[s];
      for (size_t t = 0; !keep && t < spans.size(); ++t) {
        const Span& other = spans[t];
        keep = s_.anchored[t] &&
               Distance(span.a_token_begin, span.a_token_end, other.a_token_begin,
                        other.a_token_end) <= o_.min_words &&
               Distance(span.b_token_begin, span.b_token_end, other.b_token_begin,
                        other.b_token_end) <= o_.min_words;
      }
      s_.keep[s] = keep;
    }
  }

  // Drops the spans FindAnchored did not keep and frees their words.
  void DropUnanchored(std::vector<Span>* spans) {
    size_t kept = 0;
    for (size_t s = 0; s < spans->size(); ++s) {
      const Span& span = (*spans)[s];
      if (s_.keep[s]) {
        (*spans)[kept++] = span;
      } else {  // its words are free again (Join looks at them)
        std::fill(s_.a_owner.begin() + span.a_token_begin, s_.a_owner.begin() + span.a_token_end,
                  -1);
        std::fill(s_.b_owner.begin() + span.b_token_begin, s_.b_owner.begin() + span.b_token_end,
                  -1);
      }
    }
    spans->resize(kept);
  }

  // Takes the pieces of every candidate not excluded, by decreasing score (see the file comment).
  void SelectPieces(std::vector<Span>* out) {
    out->clear();
    s_.a_owner.assign(s_.a.size, -1);
    s_.b_owner.assign(s_.b.size, -1);
    s_.anchored.clear();
    s_.span_candidate.clear();
    for (uint32_t index : s_.candidate_order) {
      if (s_.excluded[index]) continue;
      const Candidate& c = s_.candidates[index];
      uint32_t i = c.a_begin, j = c.b_begin;
      uint32_t first = kNone, last = 0;   // ops of the open piece's first and last match
      uint32_t first_i = 0, first_j = 0;  // positions at the open piece's first match
      uint32_t gap_a = 0, gap_b = 0;      // unaligned words since the last match
      for (uint32_t t = 0; t < c.op_count; ++t) {
        const uint8_t op = s_.ops[c.op_begin + t];
        const bool conflict =
            (ConsumesA(op) && s_.a_owner[i] >= 0) || (ConsumesB(op) && s_.b_owner[j] >= 0);
        if (conflict) {
          if (first != kNone) AcceptPiece(c, first, last, first_i, first_j, out);
          first = kNone;
        } else if (IsMatch(op)) {
          if (first != kNone && std::max(gap_a, gap_b) > o_.max_gap) {
            AcceptPiece(c, first, last, first_i, first_j, out);
            first = kNone;
          }
          if (first == kNone) {
            first = t;
            first_i = i;
            first_j = j;
          }
          last = t;
          gap_a = gap_b = 0;
        } else {
          gap_a += ConsumesA(op);
          gap_b += ConsumesB(op);
        }
        i += ConsumesA(op);
        j += ConsumesB(op);
      }
      if (first != kNone) AcceptPiece(c, first, last, first_i, first_j, out);
      s_.span_candidate.resize(out->size(), index);
    }
  }

  void Select(std::vector<Span>* out) {
    s_.candidate_order.resize(s_.candidates.size());
    for (uint32_t c = 0; c < s_.candidates.size(); ++c) s_.candidate_order[c] = c;
    std::sort(s_.candidate_order.begin(), s_.candidate_order.end(), [this](uint32_t x, uint32_t y) {
      const Candidate& cx = s_.candidates[x];
      const Candidate& cy = s_.candidates[y];
      if (cx.score != cy.score) return cx.score > cy.score;
      if (cx.a_begin != cy.a_begin) return cx.a_begin < cy.a_begin;
      return cx.b_begin < cy.b_begin;
    });
    s_.excluded.assign(s_.candidates.size(), 0);
    SelectPieces(out);
    if (o_.edit_tolerant) {
      // An unanchored alignment that wandered over a real passage on another diagonal would hide
      // it: its words are taken first (higher score), then it is dropped for lack of an anchor.
      // Candidates all of whose pieces are dropped are excluded and the selection is made again
      // (each round excludes at least one candidate; a few rounds at most in practice).
      for (int round = 0; round < kMaxSelectionRounds; ++round) {
        FindAnchored(*out);
        bool excluded_any = false;
        for (size_t s = 0; s < out->size(); ++s) {
          const uint32_t c = s_.span_candidate[s];
          if (s_.excluded[c] == 0) s_.excluded[c] = 2;  // 2: no kept piece seen yet
        }
        for (size_t s = 0; s < out->size(); ++s) {
          if (s_.keep[s]) s_.excluded[s_.span_candidate[s]] = 0;
        }
        for (uint8_t& e : s_.excluded) {
          if (e == 2) {
            e = 1;
            excluded_any = true;
          }
        }
        if (!excluded_any) break;
        SelectPieces(out);
      }
      FindAnchored(*out);
      DropUnanchored(out);
    }
    std::sort(out->begin(), out->end(),
              [](const Span& x, const Span& y) { return x.a_token_begin < y.a_token_begin; });
  }

  // ---- Join -------------------------------------------------------------------------------

  // Joins until nothing changes: a joined span can become joinable with its predecessor (a
  // passage whose second and third sentences were swapped joins those two first).
  void Join(std::vector<Span>* spans) {
    while (spans->size() >= 2 && JoinPass(spans)) {
    }
  }

  // One pass over neighbours in a; returns whether any two spans were joined.
  bool JoinPass(std::vector<Span>* spans) {
    const size_t before = spans->size();
    size_t kept = 0;
    for (size_t t = 1; t < spans->size(); ++t) {
      Span& cur = (*spans)[kept];
      const Span& next = (*spans)[t];
      const uint32_t gap_a = next.a_token_begin - cur.a_token_end;
      uint32_t gap_begin, gap_end;  // the b words between the two spans
      if (next.b_token_begin >= cur.b_token_end) {
        gap_begin = cur.b_token_end;
        gap_end = next.b_token_begin;
      } else {
        gap_begin = next.b_token_end;
        gap_end = cur.b_token_begin;
      }
      const bool in_order = next.b_token_begin >= cur.b_token_end;
      bool join = gap_a <= o_.max_gap && gap_end - gap_begin <= o_.max_gap &&
                  (in_order || o_.join_reordered);
      for (uint32_t w = gap_begin; join && w < gap_end; ++w) join = s_.b_owner[w] < 0;
      const uint32_t joined_a = next.a_token_end - cur.a_token_begin;
      const uint32_t joined_b = std::max(cur.b_token_end, next.b_token_end) -
                                std::min(cur.b_token_begin, next.b_token_begin);
      const uint32_t joined_matches = cur.matches + next.matches;
      join = join && 2.0 * joined_matches / (joined_a + joined_b) >= o_.min_similarity;
      if (!join) {
        (*spans)[++kept] = next;
        continue;
      }
      const uint32_t gap_b = gap_end - gap_begin;
      std::fill(s_.b_owner.begin() + gap_begin, s_.b_owner.begin() + gap_end, 0);
      cur.a_token_end = next.a_token_end;
      cur.b_token_begin = std::min(cur.b_token_begin, next.b_token_begin);
      cur.b_token_end = std::max(cur.b_token_end, next.b_token_end);
      cur.matches = joined_matches;
      cur.edits += next.edits + std::max(gap_a, gap_b);
      cur.words = std::max(joined_a, joined_b);
      cur.similarity = 2.0 * joined_matches / (joined_a + joined_b);
    }
    spans->resize(kept + 1);
    return spans->size() < before;
  }

  void FillOriginal(Span* span) const {
    auto fill = [](const Token* tokens, uint32_t begin, uint32_t end, OriginalSpan* out) {
      out->byte_begin = tokens[begin].original.byte_begin;
      out->cp_begin = tokens[begin].original.cp_begin;
      out->byte_end = tokens[end - 1].original.byte_end;
      out->cp_end = tokens[end - 1].original.cp_end;
    };
    fill(s_.a.tokens, span->a_token_begin, span->a_token_end, &span->a);
    fill(s_.b.tokens, span->b_token_begin, span->b_token_end, &span->b);
  }

  const AlignerOptions& o_;
  AlignScratchData& s_;
  bool variants_ = false;
  double match_ = 1, mismatch_ = -1, gap_ = -1, x_drop_ = 0;
  uint32_t jump_run_ = 8;
};

}  // namespace

Aligner::Aligner(const AlignerOptions& options) : options_(options) {
  assert(options_.Validate().ok());
}

std::vector<Span> Aligner::Align(const TokenSequence& a, const TokenSequence& b) const {
  std::vector<Span> spans;
  AlignScratch scratch;
  Align(a, b, &spans, &scratch);
  return spans;
}

void Aligner::Align(const TokenSequence& a, const TokenSequence& b, std::vector<Span>* out,
                    AlignScratch* scratch) const {
  Alignment(options_, scratch->data_.get()).Execute(a, b, out);
}

bool Aligner::MayMatch(const TokenSequence& a, const TokenSequence& b, uint32_t matches,
                       AlignScratch* scratch) const {
  return Alignment(options_, scratch->data_.get()).MayMatch(a, b, matches);
}

}  // namespace naql
