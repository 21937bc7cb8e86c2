// The Normalizer: one pass over the UTF-8 input with a per-code-point lookup table.
//
// Idea. Folding is, almost everywhere, a function of one code point: NFKC of a single code point,
// then case folding, then the rows of the fold table (arabic_folds.cc). So the constructor
// computes, for every BMP code point c and the given options, what c becomes — removed, or a short
// UTF-8 string — and Normalize() only decodes, looks up and copies. Code points above U+FFFF
// (emoji, historic scripts, mathematical letters) are computed the same way on the fly.
//
// Where one code point is not enough. NFKC composes and reorders across code points, but only
// inside a *segment*: a code point for which ICU's Normalizer2::hasBoundaryBefore() holds never
// interacts with the text before it (UAX #15, §9 "Detecting Normalization Forms"; ICU's "boundary
// before" test), so NFKC(xy) = NFKC(x) NFKC(y) whenever y starts with such a code point. Letters,
// digits, spaces and punctuation all have a boundary before them; combining marks that are kept
// (Latin accents, or Arabic marks when remove_diacritics is off), Hangul vowel and final jamo do
// not. When such a code point comes, the pass goes back to the segment's first code point (its
// *starter*), folds the whole segment with ICU, and gives every output code point the segment's
// original range as its source (OffsetMap's rule for multi-code-point sources).
//
// Removal comes first. Characters the options remove (diacritics, tatweel, format controls) are
// dropped before segments are formed, so they neither start nor join a segment: alef + U+0654
// HAMZA ABOVE becomes alef, as أ does under fold_alef. With remove_diacritics on, the marks of
// Arabic text never reach ICU and the pass stays on the table.
//
// The definition, exactly: drop removed code points; cut the rest into segments at code points
// with a boundary before them (and after 32 code points, see kMaxSegmentCodePoints); each segment
// s becomes Fold(NFKC(CaseFold(NFKC(s)))) where CaseFold is ICU full case folding and Fold applies
// the rows of the fold table to each code point and drops those a row removes. (With nfkc off the
// NFKC steps are identities and every code point is its own segment.)
//
// Offsets. The map gets one entry per output code point: the original byte and code point where
// its source starts. A removed code point emits nothing, so it falls inside the source before it,
// as offset_map.h requires.

#include "naql/normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arabic_folds.h"
#include "utf8.h"

namespace naql {
namespace {

// Longest segment handed to ICU at once, in kept code points. Without a bound, a run of a million
// combining marks would be one segment, and canonical reordering inside it is quadratic. The
// Unicode Stream-Safe Text Format (UAX #15, §13) bounds runs of non-starters at 30 for the same
// reason; real text never comes near it. Segments are cut every kMaxSegmentCodePoints code points
// counted from the starter, which keeps the cut positions a function of the segment alone (so a
// substring that starts at a cut normalizes the same way).
constexpr int kMaxSegmentCodePoints = 32;

// Room kept free at the end of the output arrays, so that one table entry can always be copied
// without a bounds check (entries are at most kMaxEntryBytes bytes and kMaxEntryCodePoints code
// points; the constructor checks).
constexpr size_t kMaxEntryBytes = 128;
constexpr size_t kMaxEntryCodePoints = 64;

// Bounds on what the hot loop writes per byte of input, so that it can make room for a chunk of
// input at once: a kInline entry has at most 4 bytes, and at most as many code points as its
// input has bytes (the constructor makes the rare exceptions, such as U+0390 → 3 code points, kPool
// entries); ASCII gives 1 byte. Invalid sequences of 1 or 2 bytes (U+FFFD is 3 bytes) go through
// the slow path.
constexpr size_t kMaxInlineBytesPerInputByte = 2;
constexpr size_t kMaxInlineCodePointsPerInputByte = 1;

// Input bytes per chunk of the hot loop. Small, because the room made for a chunk beyond the
// expected output is zero-filled by std::string and std::vector on every call.
constexpr size_t kChunk = 1024;

// GCC's SLP vectorizer packs the hot loop's two counters (output bytes and map entries) into
// one SSE register and moves them back and forth on every code point; turning it off for
// Normalize() alone makes the pass about 20% faster (bench/normalizer_benchmark.cc). The loop
// vectorizer, which counts code points up front, is not affected.
#if defined(__GNUC__) && !defined(__clang__)
#define NAQL_NO_SLP_VECTORIZE __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define NAQL_NO_SLP_VECTORIZE
#endif

[[noreturn]] void Die(const char* what, UErrorCode status) {
  std::fprintf(stderr, "naql::Normalizer: %s failed: %s (broken ICU installation?)\n", what,
               u_errorName(status));
  std::abort();
}

}  // namespace

// ---- Options ------------------------------------------------------------------------------------

uint32_t NormalizerOptions::Bits() const {
  uint32_t bits = 0;
  const auto switches = internal::NormalizerOptionSwitches();
  for (size_t i = 0; i < switches.size(); ++i) {
    if (this->*switches[i].member) bits |= uint32_t{1} << i;
  }
  return bits;
}

absl::Status NormalizerOptions::FromBits(uint32_t bits, NormalizerOptions* options) {
  const auto switches = internal::NormalizerOptionSwitches();
  const uint32_t known = (uint32_t{1} << switches.size()) - 1;
  if ((bits & ~known) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("normalizer option bits 0x", absl::Hex(bits),
                                                   " set unknown bits 0x", absl::Hex(bits & ~known),
                                                   " (made by a newer naql?)"));
  }
  NormalizerOptions result;
  for (size_t i = 0; i < switches.size(); ++i) result.*switches[i].member = (bits >> i) & 1;
  *options = result;
  return absl::OkStatus();
}

// ---- The lookup table ---------------------------------------------------------------------------

struct Normalizer::Table {
  enum Kind : uint8_t {
    kInline,   // has a boundary before it; output (1..4 bytes) stored in `data`
    kPool,     // has a boundary before it; output stored in `pool` at offset `data`
    kRemoved,  // emits nothing
    kSegment,  // kept, but no boundary before it: fold together with its segment
  };
  // What a kInline or kPool output is made of, for NormalizeWords: word characters only
  // (internal::IsWordChar), none, or both.
  enum Words : uint8_t { kNoWordChars = 0, kWordChars = 1, kMixed = 2 };  // 0, 1: as bits
  struct Entry {
    Kind kind = kRemoved;
    uint8_t bytes = 0;        // output length in UTF-8 bytes
    uint8_t code_points = 0;  // output length in code points
    Words words = kNoWordChars;
    uint32_t data = 0;        // kInline: the output bytes (memory order); kPool: offset in pool
  };
  static_assert(sizeof(Entry) == 8);

  explicit Table(const NormalizerOptions& options);

  // Appends Fold(NFKC(CaseFold(NFKC(segment)))) to `out` as UTF-8 (see the file comment); returns
  // the number of code points appended. `segment` holds no removed code points.
  size_t FoldSegment(const icu::UnicodeString& segment, std::string* out) const;

  // Kind of `c` and, for kInline/kPool, its output (appended to `out`, code points returned in
  // *code_points). Used to build the table and for code points above U+FFFF.
  Kind Classify(char32_t c, std::string* out, size_t* code_points) const;

  // What `folded` (UTF-8) is made of.
  static Words WordsOf(absl::string_view folded) {
    bool word = false, other = false;
    for (size_t i = 0; i < folded.size();) {
      char32_t c;
      i += internal::DecodeUtf8(folded.data() + i, folded.size() - i, &c);
      (internal::IsWordChar(c) ? word : other) = true;
    }
    return word && other ? kMixed : word ? kWordChars : kNoWordChars;
  }

  // Kind of any code point without computing the output for supplementary ones unless needed.
  Kind KindOf(char32_t c) const {
    if (c < 0x10000) return entries[c].kind;
    std::string scratch;
    size_t code_points;
    return Classify(c, &scratch, &code_points);
  }

  // The state of one Normalize() pass. The hot loop keeps its copy of the positions in locals
  // (registers) and syncs them with this struct around the rare out-of-line steps.
  struct Pass {
    const char* src;
    size_t n;
    NormalizedText* out;
    char* text_data;
    uint32_t* byte_data;
    uint32_t* cp_data;
    size_t text_limit;  // o may reach this without a check (kMaxEntryBytes of slack beyond)
    size_t map_limit;   // m likewise (kMaxEntryCodePoints of slack beyond)
    size_t i = 0;       // original byte
    uint32_t k = 0;     // original code point
    size_t o = 0;       // folded bytes written
    size_t m = 0;       // map entries written
    // The value of m just after the last segment was emitted. The last emitted source is a
    // starter that a following kSegment code point joins exactly when m differs from it: a
    // segment ends at a starter or at a cut, and is not reopened. (Kept this way, rather than as
    // a flag, so that the hot loop stores nothing for it.)
    size_t m_after_segment = 0;
    std::string scratch;  // output of code points above U+FFFF and of segments
    icu::UnicodeString segment;

    // Makes room for `bytes` more output bytes and `code_points` more map entries beyond the
    // slack, growing the output (rare: only expansions make the output longer than the input).
    void Reserve(size_t bytes, size_t code_points);
    // Appends `bytes` of output with `code_points` map entries, all with source (byte, cp).
    void Append(absl::string_view bytes, size_t code_points, uint32_t byte, uint32_t cp);
  };

  // Handles code point c (`length` bytes at pass->i) when it is not a kInline or kRemoved BMP
  // code point: kPool entries, code points above U+FFFF, and kSegment code points, whose
  // segment it folds with ICU. Advances pass->i and pass->k past what it consumed.
  void SlowStep(Pass* pass, char32_t c, size_t length) const;

  // The state of one NormalizeWords() pass, kept like Pass: the hot loop has its own copy.
  struct WordsPass {
    FoldedWords* out;
    bool originals = false;  // NormalizeWordsWithOriginals: record the boundaries' sources
    char* text_data;
    size_t text_limit;  // o may reach this without a check (kMaxEntryBytes of slack beyond)
    uint32_t* bound_data;
    uint32_t* bound_byte_data = nullptr;  // with originals
    uint32_t* bound_cp_data = nullptr;
    size_t o = 0;          // folded bytes written
    size_t b = 0;          // word boundaries written (see NormalizeWords)
    uint32_t in_word = 0;  // the last output code point is a word character
    uint32_t i = 0;        // with originals: the source of the code point being folded
    uint32_t k = 0;
    std::string scratch;   // output of code points above U+FFFF

    // Makes room for `bytes` more output bytes and as many boundaries beyond the slack.
    void Reserve(size_t bytes);
    // Appends UTF-8 `bytes`, recording the word boundaries in them.
    void Append(absl::string_view bytes);
  };

  // NormalizeWords' handling of code point c when it is not a kInline entry of one kind of
  // characters or a kRemoved BMP code point (or is U+FFFD for 1 or 2 invalid bytes, appended here
  // for the room it needs). Returns false for a kSegment code point and, with originals, for one
  // that folds into word and non-word characters at once (a word could end inside its output,
  // and the word's original end is then where the next source starts, past any removed
  // characters: the map's rule, which one boundary's source cannot give).
  bool WordsSlowStep(WordsPass* pass, char32_t c) const;

  NormalizerOptions options;
  const icu::Normalizer2* nfkc = nullptr;  // owned by ICU; null when options.nfkc is off
  std::vector<Entry> entries;              // 65,536 entries, one per BMP code point
  std::string pool;                        // outputs longer than 4 bytes
};

Normalizer::Table::Table(const NormalizerOptions& opts) : options(opts), entries(0x10000) {
  if (options.nfkc) {
    UErrorCode status = U_ZERO_ERROR;
    nfkc = icu::Normalizer2::getNFKCInstance(status);
    if (U_FAILURE(status) || nfkc == nullptr) Die("Normalizer2::getNFKCInstance", status);
  }
  std::string out;
  for (uint32_t index = 0; index < 0x10000; ++index) {
    // Surrogates never come out of DecodeUtf8; give them the entry of U+FFFD all the same.
    const char32_t c = (index >= 0xD800 && index <= 0xDFFF) ? internal::kReplacementCharacter
                                                            : static_cast<char32_t>(index);
    Entry& entry = entries[index];
    out.clear();
    size_t code_points = 0;
    const Kind kind = Classify(c, &out, &code_points);
    entry.kind = kind;
    if (kind != kInline && kind != kPool) continue;
    if (out.size() > kMaxEntryBytes || code_points > kMaxEntryCodePoints) {
      std::fprintf(stderr, "naql::Normalizer: U+%04X folds to %zu bytes, over the bound\n",
                   static_cast<unsigned>(c), out.size());
      std::abort();
    }
    entry.bytes = static_cast<uint8_t>(out.size());
    entry.code_points = static_cast<uint8_t>(code_points);
    entry.words = WordsOf(out);
    const size_t input_bytes = internal::Utf8Length(c);
    if (out.size() <= std::min<size_t>(4, kMaxInlineBytesPerInputByte * input_bytes) &&
        code_points <= kMaxInlineCodePointsPerInputByte * input_bytes) {
      entry.kind = kInline;
      std::memcpy(&entry.data, out.data(), out.size());
    } else {
      entry.kind = kPool;
      entry.data = static_cast<uint32_t>(pool.size());
      pool += out;
    }
  }
}

size_t Normalizer::Table::FoldSegment(const icu::UnicodeString& segment, std::string* out) const {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded = nfkc ? nfkc->normalize(segment, status) : segment;
  if (U_FAILURE(status)) Die("Normalizer2::normalize", status);
  if (options.case_fold) {
    folded.foldCase(U_FOLD_CASE_DEFAULT);
    // Case folding can undo NFKC (e.g. U+0130 folds to i + U+0307), hence NFKC once more.
    if (nfkc != nullptr && !nfkc->isNormalized(folded, status)) {
      folded = nfkc->normalize(folded, status);
    }
    if (U_FAILURE(status)) Die("Normalizer2::normalize", status);
  }
  size_t code_points = 0;
  char buffer[4];
  for (int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    const char32_t f = internal::ApplyFoldRules(static_cast<char32_t>(c), options);
    if (f == internal::kRemovedCodePoint) continue;
    // ICU never produces a lone surrogate from valid input; guard anyway so the output is UTF-8.
    const char32_t safe = (f >= 0xD800 && f <= 0xDFFF) ? internal::kReplacementCharacter : f;
    out->append(buffer, internal::EncodeUtf8(safe, buffer));
    ++code_points;
  }
  return code_points;
}

Normalizer::Table::Kind Normalizer::Table::Classify(char32_t c, std::string* out,
                                                    size_t* code_points) const {
  *code_points = 0;
  // Removal comes before segmentation (see the file comment).
  if (internal::ApplyFoldRules(c, options) == internal::kRemovedCodePoint) return kRemoved;
  const UChar32 uc = static_cast<UChar32>(c);
  if (nfkc != nullptr && !nfkc->hasBoundaryBefore(uc)) return kSegment;
  // Fast path: no decomposition mapping means NFKC(c) = c, and then CaseFold(c) = c unless c has
  // the property Changes_When_Casefolded. (That property is defined on NFD(c): a precomposed
  // letter such as U+1FD7 lacks it yet folds to three code points, so a code point with a
  // canonical decomposition always takes the full path.) Then only the fold rows apply. This
  // covers most of the BMP.
  icu::UnicodeString decomposition;
  const bool decomposes = nfkc != nullptr && nfkc->getDecomposition(uc, decomposition);
  const bool case_folds =
      options.case_fold && (u_hasBinaryProperty(uc, UCHAR_CHANGES_WHEN_CASEFOLDED) ||
                            u_getIntPropertyValue(uc, UCHAR_DECOMPOSITION_TYPE) == U_DT_CANONICAL);
  if (!decomposes && !case_folds) {
    const char32_t f = internal::ApplyFoldRules(c, options);
    char buffer[4];
    out->append(buffer, internal::EncodeUtf8(f, buffer));
    *code_points = 1;
    return kInline;
  }
  // A code point whose own fold is empty (U+FE71 TATWEEL WITH FATHATAN ABOVE is tatweel +
  // fathatan, both removed) is a removed character like those it stands for: it neither starts
  // nor ends a segment. (Were it a starter, the text around it would not be normalized as a whole:
  // 가 U+FE71 U+11A8 would fold to 가 U+11A8, which folds again to 각.)
  *code_points = FoldSegment(icu::UnicodeString(uc), out);
  if (*code_points == 0) return kRemoved;
  return out->size() <= 4 ? kInline : kPool;
}

// ---- Normalizer ---------------------------------------------------------------------------------

Normalizer::Normalizer(const NormalizerOptions& options)
    : options_(options), table_(std::make_unique<const Table>(options)) {}

Normalizer::~Normalizer() = default;

NormalizedText Normalizer::Normalize(absl::string_view original) const {
  NormalizedText out;
  Normalize(original, &out);
  return out;
}

namespace {

// Makes room in the folded text `text` for `bytes` more bytes after the first `o` beyond the
// slack of kMaxEntryBytes, doubling it when it grows; *data and *limit follow it.
void ReserveText(size_t o, size_t bytes, std::string* text, char** data, size_t* limit) {
  if (o + bytes > *limit) {
    text->resize(std::max(text->size() * 2, o + bytes + kMaxEntryBytes));
    *data = text->data();
    *limit = text->size() - kMaxEntryBytes;
  }
}

}  // namespace

void Normalizer::Table::Pass::Reserve(size_t bytes, size_t code_points) {
  ReserveText(o, bytes, &out->text, &text_data, &text_limit);
  std::vector<uint32_t>& byte_begin = out->map.byte_begin_;
  std::vector<uint32_t>& cp_begin = out->map.cp_begin_;
  if (m + code_points > map_limit) {
    const size_t size = std::max(byte_begin.size() * 2, m + code_points + kMaxEntryCodePoints);
    byte_begin.resize(size);
    cp_begin.resize(size);
    byte_data = byte_begin.data();
    cp_data = cp_begin.data();
    map_limit = size - kMaxEntryCodePoints;
  }
}

void Normalizer::Table::Pass::Append(absl::string_view bytes, size_t code_points, uint32_t byte,
                                     uint32_t cp) {
  Reserve(bytes.size(), code_points);
  std::memcpy(text_data + o, bytes.data(), bytes.size());
  o += bytes.size();
  for (size_t j = 0; j < code_points; ++j, ++m) {
    byte_data[m] = byte;
    cp_data[m] = cp;
  }
}

void Normalizer::Table::SlowStep(Pass* pass, char32_t c, size_t length) const {
  Pass& p = *pass;
  Kind kind;
  if (c < 0x10000) {
    const Entry& entry = entries[c];
    kind = entry.kind;
    if (kind == kInline || kind == kPool) {  // kInline: U+FFFD for 1 or 2 invalid bytes
      const char* bytes =
          kind == kInline ? reinterpret_cast<const char*>(&entry.data) : pool.data() + entry.data;
      p.Append(absl::string_view(bytes, entry.bytes), entry.code_points, static_cast<uint32_t>(p.i),
               p.k);
    }
  } else {
    p.scratch.clear();
    size_t code_points;
    kind = Classify(c, &p.scratch, &code_points);
    if (kind == kInline || kind == kPool) {
      p.Append(p.scratch, code_points, static_cast<uint32_t>(p.i), p.k);
    }
  }
  if (kind != kSegment) {
    p.i += length;
    ++p.k;
    return;
  }

  // A kept code point without a boundary before it: refold its whole segment, from the last
  // starter (unless a segment came since) up to the next starter or the length bound.
  uint32_t begin_byte = static_cast<uint32_t>(p.i);
  uint32_t begin_cp = p.k;
  if (p.m != p.m_after_segment) {
    // The starter is the source of the last map entry; take back its entries and output bytes.
    begin_byte = p.byte_data[p.m - 1];
    begin_cp = p.cp_data[p.m - 1];
    size_t first = p.m - 1;
    while (first > 0 && p.byte_data[first - 1] == begin_byte) --first;
    for (; p.m > first; --p.m) {
      do --p.o;
      while ((static_cast<unsigned char>(p.text_data[p.o]) & 0xC0) == 0x80);
    }
  }
  p.segment.remove();
  int kept = 0;
  size_t pos = begin_byte;
  uint32_t pos_cp = begin_cp;
  while (pos < p.n) {
    char32_t d;
    const size_t d_length = internal::DecodeUtf8(p.src + pos, p.n - pos, &d);
    const Kind d_kind = KindOf(d);
    if (d_kind != kRemoved) {
      if (kept > 0 && d_kind != kSegment) break;  // the next starter
      if (kept == kMaxSegmentCodePoints) break;   // cut (see kMaxSegmentCodePoints)
      p.segment.append(static_cast<UChar32>(d));
      ++kept;
    }
    pos += d_length;
    ++pos_cp;
  }
  p.scratch.clear();
  const size_t code_points = FoldSegment(p.segment, &p.scratch);
  p.Append(p.scratch, code_points, begin_byte, begin_cp);
  p.m_after_segment = p.m;
  p.i = pos;
  p.k = pos_cp;
}

NAQL_NO_SLP_VECTORIZE void Normalizer::Normalize(absl::string_view original,
                                                 NormalizedText* out) const {
  const Table& table = *table_;
  const char* const src = original.data();
  const size_t n = original.size();
  assert(n < (size_t{1} << 32));

  // The output arrays are sized up front and written through raw pointers; Pass::Reserve grows
  // them when needed. Map size estimate: the original's code points (the bytes that are not UTF-8
  // continuation bytes, a vectorized count); removals make the output shorter, expansions longer.
  size_t original_code_points_estimate = 0;
  for (size_t i = 0; i < n; ++i) {
    original_code_points_estimate += (static_cast<unsigned char>(src[i]) & 0xC0) != 0x80;
  }
  // With room for one chunk more than the input, text that does not grow never needs more.
  out->text.resize(n + kMaxInlineBytesPerInputByte * kChunk + kMaxEntryBytes);
  out->map.byte_begin_.resize(original_code_points_estimate +
                              kMaxInlineCodePointsPerInputByte * kChunk + kMaxEntryCodePoints);
  out->map.cp_begin_.resize(out->map.byte_begin_.size());

  Table::Pass pass;
  pass.src = src;
  pass.n = n;
  pass.out = out;
  pass.text_data = out->text.data();
  pass.byte_data = out->map.byte_begin_.data();
  pass.cp_data = out->map.cp_begin_.data();
  pass.text_limit = out->text.size() - kMaxEntryBytes;
  pass.map_limit = out->map.byte_begin_.size() - kMaxEntryCodePoints;

  // The hot loop's copy of the pass (kept in registers).
  const Table::Entry* const entries = table.entries.data();
  char* text_data = pass.text_data;
  uint32_t* byte_data = pass.byte_data;
  uint32_t* cp_data = pass.cp_data;
  size_t i = 0, o = 0, m = 0;
  uint32_t k = 0;
  auto to_pass = [&] { pass.i = i, pass.k = k, pass.o = o, pass.m = m; };
  auto from_pass = [&] {
    i = pass.i, k = pass.k, o = pass.o, m = pass.m;
    text_data = pass.text_data, byte_data = pass.byte_data, cp_data = pass.cp_data;
  };

  // The input goes in chunks of kChunk bytes; before each, room is made for what the chunk can
  // produce through table entries (kMaxInlineBytesPerInputByte, kMaxInlineCodePointsPerInput-
  // Byte), so the inner loop needs no bounds checks.
  while (i < n) {
    const size_t chunk_end = std::min(n, i + kChunk);
    to_pass();
    pass.Reserve(kMaxInlineBytesPerInputByte * (chunk_end - i),
                 kMaxInlineCodePointsPerInputByte * (chunk_end - i));
    from_pass();
    while (i < chunk_end) {
      char32_t c;
      const size_t length = internal::DecodeUtf8Fast(src, i, n, &c);
      // U+FFFD from 1 or 2 invalid bytes would break kMaxInlineBytesPerInputByte.
      const bool short_invalid = c == internal::kReplacementCharacter && length < 3;
      if (c < 0x10000 && !short_invalid) [[likely]] {
        const Table::Entry& entry = entries[c];
        if (entry.kind == Table::kInline) [[likely]] {
          std::memcpy(text_data + o, &entry.data, 4);  // within the slack
          o += entry.bytes;
          byte_data[m] = static_cast<uint32_t>(i);
          cp_data[m] = k;
          for (uint32_t j = 1; j < entry.code_points; ++j) {  // ligatures
            byte_data[m + j] = static_cast<uint32_t>(i);
            cp_data[m + j] = k;
          }
          m += entry.code_points;
          i += length;
          ++k;
          continue;
        }
        if (entry.kind == Table::kRemoved) {
          i += length;
          ++k;
          continue;
        }
      }
      to_pass();
      table.SlowStep(&pass, c, length);
      if (pass.i < chunk_end) {  // the slow step may have used the room made for the chunk
        pass.Reserve(kMaxInlineBytesPerInputByte * (chunk_end - pass.i),
                     kMaxInlineCodePointsPerInputByte * (chunk_end - pass.i));
      }
      from_pass();
    }
  }

  out->text.resize(o);
  out->map.byte_begin_.resize(m);
  out->map.cp_begin_.resize(m);
  out->map.Finish(static_cast<uint32_t>(n), k);
}

// The same pass as Normalize() without the map, cutting words as it goes: each table entry says
// whether its output is made of word characters, so the folded text need not be decoded again.
// The rare outputs of both kinds (½ → 1⁄2) and those outside the table (kPool entries, code
// points above U+FFFF, U+FFFD for short invalid sequences) are decoded by WordsPass::Append. A
// kSegment code point needs the map to find its segment's starter: the whole text then takes
// Normalize().
//
// Word boundaries are recorded without a branch: every output code point stores the output
// position at boundaries[b], and b advances when the code point starts or ends a word, so
// boundaries[2j] and boundaries[2j + 1] end up as word j's range. There is at most one boundary
// per output code point, so the room made for the text per chunk of input is enough for them too.

void Normalizer::Table::WordsPass::Reserve(size_t bytes) {
  ReserveText(o, bytes, &out->text, &text_data, &text_limit);
  std::vector<uint32_t>& boundaries = out->boundaries;
  if (b + bytes + 1 > boundaries.size()) {
    boundaries.resize(std::max(boundaries.size() * 2, b + bytes + 1));
    bound_data = boundaries.data();
  }
  if (originals && out->boundary_bytes.size() < boundaries.size()) {
    out->boundary_bytes.resize(boundaries.size());
    out->boundary_code_points.resize(boundaries.size());
    bound_byte_data = out->boundary_bytes.data();
    bound_cp_data = out->boundary_code_points.data();
  }
}

void Normalizer::Table::WordsPass::Append(absl::string_view bytes) {
  // Keeps the room the rest of the chunk may need too (see NormalizeWords).
  Reserve(bytes.size() + kMaxInlineBytesPerInputByte * kChunk);
  const uint64_t* const word_bits = internal::WordCharBmpBits();
  for (size_t j = 0; j < bytes.size();) {
    char32_t c;
    const size_t length = internal::DecodeUtf8(bytes.data() + j, bytes.size() - j, &c);
    const uint32_t word = internal::IsWordChar(word_bits, c);
    bound_data[b] = static_cast<uint32_t>(o);
    if (originals) {  // the output of one source (WordsSlowStep turns mixed outputs away)
      bound_byte_data[b] = i;
      bound_cp_data[b] = k;
    }
    b += word ^ in_word;
    in_word = word;
    std::memcpy(text_data + o, bytes.data() + j, length);
    o += length;
    j += length;
  }
}

bool Normalizer::Table::WordsSlowStep(WordsPass* pass, char32_t c) const {
  Kind kind;
  if (c < 0x10000) {
    const Entry& entry = entries[c];
    kind = entry.kind;
    if (pass->originals && entry.words == kMixed && (kind == kInline || kind == kPool)) {
      return false;
    }
    if (kind == kInline || kind == kPool) {
      pass->Append(absl::string_view(kind == kInline ? reinterpret_cast<const char*>(&entry.data)
                                                     : pool.data() + entry.data,
                                     entry.bytes));
    }
  } else {
    pass->scratch.clear();
    size_t code_points;
    kind = Classify(c, &pass->scratch, &code_points);
    if (kind == kInline || kind == kPool) {
      if (pass->originals && WordsOf(pass->scratch) == kMixed) return false;
      pass->Append(pass->scratch);
    }
  }
  return kind != kSegment;
}

void Normalizer::NormalizeWords(absl::string_view original, FoldedWords* out) const {
  FoldWords<false>(original, out);
}

void Normalizer::NormalizeWordsWithOriginals(absl::string_view original,
                                             FoldedWords* out) const {
  FoldWords<true>(original, out);
}

// With kOriginals, each output code point also stores its source's original byte and code point
// at boundary b, beside the folded offset: a word's start boundary then holds the source of its
// first code point and its end boundary the source of the first code point after it — where the
// source of the word's last code point ends, removed characters included (OffsetMap's rules), as
// long as no source folds into word and non-word characters at once (those take the fallback).
template <bool kOriginals>
NAQL_NO_SLP_VECTORIZE void Normalizer::FoldWords(absl::string_view original,
                                                 FoldedWords* out) const {
  const Table& table = *table_;
  const char* const src = original.data();
  const size_t n = original.size();
  assert(n < (size_t{1} << 32));
  out->words.clear();
  out->originals.clear();
  out->text.resize(n + kMaxInlineBytesPerInputByte * kChunk + kMaxEntryBytes);
  if (out->boundaries.size() < kChunk + 1) out->boundaries.resize(kChunk + 1);

  Table::WordsPass pass;
  pass.out = out;
  pass.originals = kOriginals;
  pass.text_data = out->text.data();
  pass.text_limit = out->text.size() - kMaxEntryBytes;
  pass.bound_data = out->boundaries.data();
  if constexpr (kOriginals) {
    if (out->boundary_bytes.size() < out->boundaries.size()) {
      out->boundary_bytes.resize(out->boundaries.size());
      out->boundary_code_points.resize(out->boundaries.size());
    }
    pass.bound_byte_data = out->boundary_bytes.data();
    pass.bound_cp_data = out->boundary_code_points.data();
  }

  // The hot loop's copy of the pass (kept in registers).
  const Table::Entry* const entries = table.entries.data();
  char* text_data = pass.text_data;
  uint32_t* bound_data = pass.bound_data;
  uint32_t* bound_byte_data = pass.bound_byte_data;
  uint32_t* bound_cp_data = pass.bound_cp_data;
  size_t o = 0, b = 0;
  uint32_t in_word = 0;
  size_t i = 0;    // original byte
  uint32_t k = 0;  // original code point (kOriginals)
  auto to_pass = [&] {
    pass.o = o, pass.b = b, pass.in_word = in_word;
    pass.i = static_cast<uint32_t>(i), pass.k = k;
  };
  auto from_pass = [&] {
    o = pass.o, b = pass.b, in_word = pass.in_word;
    text_data = pass.text_data, bound_data = pass.bound_data;
    bound_byte_data = pass.bound_byte_data, bound_cp_data = pass.bound_cp_data;
  };
  // Folds code point c of `length` bytes: false when it needs the fallback (a kSegment code
  // point; with kOriginals also a mixed output, see WordsSlowStep).
  auto fold = [&](char32_t c, size_t length) -> bool {
    // U+FFFD from 1 or 2 invalid bytes would break kMaxInlineBytesPerInputByte.
    const bool short_invalid = c == internal::kReplacementCharacter && length < 3;
    if (c < 0x10000 && !short_invalid) [[likely]] {
      const Table::Entry& entry = entries[c];
      if (entry.kind == Table::kInline && entry.words != Table::kMixed) [[likely]] {
        bound_data[b] = static_cast<uint32_t>(o);
        if constexpr (kOriginals) {
          bound_byte_data[b] = static_cast<uint32_t>(i);
          bound_cp_data[b] = k;
        }
        b += entry.words ^ in_word;
        in_word = entry.words;
        std::memcpy(text_data + o, &entry.data, 4);  // within the slack
        o += entry.bytes;
        return true;
      }
      if (entry.kind == Table::kRemoved) return true;
    }
    to_pass();
    const bool folded = table.WordsSlowStep(&pass, c);
    from_pass();
    return folded;
  };

  // The input goes in chunks of kChunk bytes, with room made before each for what the chunk can
  // produce through table entries, as in Normalize(). (Decoding eight bytes at a time, with a
  // mask of the bytes that start code points, measured 25% slower than this loop.)
  bool fallback = false;
  while (i < n && !fallback) {
    const size_t chunk_end = std::min(n, i + kChunk);
    to_pass();
    pass.Reserve(kMaxInlineBytesPerInputByte * (chunk_end - i));
    from_pass();
    while (i < chunk_end && !fallback) {
      char32_t c;
      const size_t length = internal::DecodeUtf8Fast(src, i, n, &c);
      fallback = !fold(c, length);
      i += length;
      if constexpr (kOriginals) ++k;
    }
  }
  std::vector<WordRange>& words = out->words;
  if (fallback) {
    Normalize(original, &out->scratch);
    out->text.assign(out->scratch.text);
    internal::ForEachWord(out->text, [&](size_t begin, size_t end, uint32_t begin_cp,
                                         uint32_t end_cp) {
      words.push_back(WordRange{static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
      if constexpr (kOriginals) {
        out->originals.push_back(out->scratch.map.ToOriginal(begin_cp, end_cp));
      }
    });
    return;
  }
  if (in_word) {
    bound_data[b] = static_cast<uint32_t>(o);
    if constexpr (kOriginals) {
      bound_byte_data[b] = static_cast<uint32_t>(n);
      bound_cp_data[b] = k;
    }
    ++b;
  }
  words.resize(b / 2);
  for (size_t j = 0; j < b / 2; ++j) words[j] = WordRange{bound_data[2 * j], bound_data[2 * j + 1]};
  if constexpr (kOriginals) {
    out->originals.resize(b / 2);
    for (size_t j = 0; j < b / 2; ++j) {
      out->originals[j] = OriginalSpan{bound_byte_data[2 * j], bound_byte_data[2 * j + 1],
                                       bound_cp_data[2 * j], bound_cp_data[2 * j + 1]};
    }
  }
  out->text.resize(o);
}

}  // namespace naql
