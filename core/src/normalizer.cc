// The Normalizer: one pass over the UTF-8 input with a per-code-point lookup table.
//
// Idea. Folding is, almost everywhere, a function of one code point: NFKC of a single code point,
// then case folding, then the rows of the fold table (arabic_folds.cc). So the constructor computes,
// for every BMP code point c and the given options, what c becomes — removed, or a short UTF-8
// string — and Normalize() only decodes, looks up and copies. Code points above U+FFFF (emoji,
// historic scripts, mathematical letters) are computed the same way on the fly.
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
    return absl::InvalidArgumentError(absl::StrCat(
        "normalizer option bits 0x", absl::Hex(bits), " set unknown bits 0x", absl::Hex(bits & ~known),
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
  struct Entry {
    Kind kind = kRemoved;
    uint8_t bytes = 0;        // output length in UTF-8 bytes
    uint8_t code_points = 0;  // output length in code points
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

  // Kind of any code point without computing the output for supplementary ones unless needed.
  Kind KindOf(char32_t c) const {
    if (c < 0x10000) return entries[c].kind;
    std::string scratch;
    size_t code_points;
    return Classify(c, &scratch, &code_points);
  }

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
    if (out.size() <= 4) {
      entry.kind = kInline;
      std::memcpy(&entry.data, out.data(), out.size());
    } else {
      entry.kind = kPool;
      entry.data = static_cast<uint32_t>(pool.size());
      pool += out;
    }
  }
  // Slack so that a kPool copy may also read 4 bytes past its end without a check.
  pool.append(8, '\0');
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
  // Fast path: no decomposition mapping means NFKC(c) = c; not Changes_When_Casefolded means
  // CaseFold(c) = c. Then only the fold rows apply. This covers most of the BMP.
  icu::UnicodeString decomposition;
  const bool decomposes = nfkc != nullptr && nfkc->getDecomposition(uc, decomposition);
  const bool case_folds = options.case_fold && u_hasBinaryProperty(uc, UCHAR_CHANGES_WHEN_CASEFOLDED);
  if (!decomposes && !case_folds) {
    const char32_t f = internal::ApplyFoldRules(c, options);
    char buffer[4];
    out->append(buffer, internal::EncodeUtf8(f, buffer));
    *code_points = 1;
    return kInline;
  }
  *code_points = FoldSegment(icu::UnicodeString(uc), out);
  if (*code_points == 0) return kRemoved;  // e.g. U+FE71 TATWEEL WITH FATHATAN ABOVE
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

void Normalizer::Normalize(absl::string_view original, NormalizedText* out) const {
  const Table& table = *table_;
  const char* const src = original.data();
  const size_t n = original.size();
  assert(n < (size_t{1} << 32));

  // Output arrays are sized up front and filled through raw pointers; `Reserve` grows them (rare:
  // only expansions such as ligatures make the output longer than the input). Estimate of the code
  // points: the original's (bytes that are not UTF-8 continuation bytes), a vectorized count.
  size_t original_code_points_estimate = 0;
  for (size_t i = 0; i < n; ++i) {
    original_code_points_estimate += (static_cast<unsigned char>(src[i]) & 0xC0) != 0x80;
  }
  std::string& text = out->text;
  std::vector<uint32_t>& byte_begin = out->map.byte_begin_;
  std::vector<uint32_t>& cp_begin = out->map.cp_begin_;
  text.resize(n + kMaxEntryBytes);
  byte_begin.resize(original_code_points_estimate + kMaxEntryCodePoints);
  cp_begin.resize(byte_begin.size());
  char* text_data = text.data();
  uint32_t* byte_data = byte_begin.data();
  uint32_t* cp_data = cp_begin.data();
  size_t text_limit = text.size() - kMaxEntryBytes;            // o may go up to here unchecked
  size_t map_limit = byte_begin.size() - kMaxEntryCodePoints;  // m likewise
  size_t o = 0;  // bytes written to text
  size_t m = 0;  // code points written to the map

  // Makes room for `bytes` more output bytes and `code_points` more map entries beyond the slack.
  auto reserve = [&](size_t bytes, size_t code_points) {
    if (o + bytes > text_limit) {
      text.resize(std::max(text.size() * 2, o + bytes + kMaxEntryBytes));
      text_data = text.data();
      text_limit = text.size() - kMaxEntryBytes;
    }
    if (m + code_points > map_limit) {
      const size_t size = std::max(byte_begin.size() * 2, m + code_points + kMaxEntryCodePoints);
      byte_begin.resize(size);
      cp_begin.resize(size);
      byte_data = byte_begin.data();
      cp_data = cp_begin.data();
      map_limit = size - kMaxEntryCodePoints;
    }
  };

  // The last emitted starter (a code point with a boundary before it), where a following
  // kSegment code point's segment begins: its original position and where its output starts.
  bool starter_open = false;
  size_t starter_o = 0, starter_m = 0;
  uint32_t starter_byte = 0, starter_cp = 0;
  size_t i = 0;    // original byte
  uint32_t k = 0;  // original code point
  auto mark_starter = [&] {
    starter_open = true;
    starter_o = o;
    starter_m = m;
    starter_byte = static_cast<uint32_t>(i);
    starter_cp = k;
  };

  std::string scratch;  // output of code points above U+FFFF and of segments (rare)
  icu::UnicodeString segment;

  while (i < n) {
    if (o > text_limit || m > map_limit) reserve(kMaxEntryBytes, kMaxEntryCodePoints);
    // Decode; ASCII and two-byte sequences (Arabic, Latin-1, Cyrillic, …) inline.
    const unsigned char lead = static_cast<unsigned char>(src[i]);
    char32_t c;
    size_t length;
    if (lead < 0x80) {
      c = lead;
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF && i + 1 < n &&
               (static_cast<unsigned char>(src[i + 1]) & 0xC0) == 0x80) {
      c = (static_cast<char32_t>(lead & 0x1F) << 6) | (static_cast<unsigned char>(src[i + 1]) & 0x3F);
      length = 2;
    } else {
      length = internal::DecodeUtf8(src + i, n - i, &c);
    }

    if (c < 0x10000) {
      const Table::Entry& entry = table.entries[c];
      if (entry.kind == Table::kInline) {
        mark_starter();
        std::memcpy(text_data + o, &entry.data, 4);  // within the slack
        o += entry.bytes;
        for (uint32_t j = 0; j < entry.code_points; ++j, ++m) {
          byte_data[m] = static_cast<uint32_t>(i);
          cp_data[m] = k;
        }
        i += length;
        ++k;
        continue;
      }
      if (entry.kind == Table::kRemoved) {
        i += length;
        ++k;
        continue;
      }
      if (entry.kind == Table::kPool) {
        mark_starter();
        std::memcpy(text_data + o, table.pool.data() + entry.data, entry.bytes);
        o += entry.bytes;
        for (uint32_t j = 0; j < entry.code_points; ++j, ++m) {
          byte_data[m] = static_cast<uint32_t>(i);
          cp_data[m] = k;
        }
        i += length;
        ++k;
        continue;
      }
      // kSegment: handled below.
    } else {
      scratch.clear();
      size_t code_points;
      const Table::Kind kind = table.Classify(c, &scratch, &code_points);
      if (kind == Table::kRemoved) {
        i += length;
        ++k;
        continue;
      }
      if (kind != Table::kSegment) {
        mark_starter();
        reserve(scratch.size(), code_points);
        std::memcpy(text_data + o, scratch.data(), scratch.size());
        o += scratch.size();
        for (size_t j = 0; j < code_points; ++j, ++m) {
          byte_data[m] = static_cast<uint32_t>(i);
          cp_data[m] = k;
        }
        i += length;
        ++k;
        continue;
      }
    }

    // A kept code point without a boundary before it: refold its whole segment, from the last
    // starter (if any since the last segment cut) up to the next starter or the length bound.
    size_t begin_byte = i;
    uint32_t begin_cp = k;
    if (starter_open) {
      o = starter_o;  // take back the starter's output
      m = starter_m;
      begin_byte = starter_byte;
      begin_cp = starter_cp;
    }
    segment.remove();
    int kept = 0;
    size_t pos = begin_byte;
    uint32_t pos_cp = begin_cp;
    while (pos < n) {
      char32_t d;
      const size_t d_length = internal::DecodeUtf8(src + pos, n - pos, &d);
      const Table::Kind kind = table.KindOf(d);
      if (kind != Table::kRemoved) {
        if (kept > 0 && kind != Table::kSegment) break;  // the next starter
        if (kept == kMaxSegmentCodePoints) break;         // cut (see kMaxSegmentCodePoints)
        segment.append(static_cast<UChar32>(d));
        ++kept;
      }
      pos += d_length;
      ++pos_cp;
    }
    scratch.clear();
    const size_t code_points = table.FoldSegment(segment, &scratch);
    reserve(scratch.size(), code_points);
    std::memcpy(text_data + o, scratch.data(), scratch.size());
    o += scratch.size();
    for (size_t j = 0; j < code_points; ++j, ++m) {
      byte_data[m] = static_cast<uint32_t>(begin_byte);
      cp_data[m] = begin_cp;
    }
    starter_open = false;
    i = pos;
    k = pos_cp;
  }

  text.resize(o);
  byte_begin.resize(m);
  cp_begin.resize(m);
  out->map.Finish(static_cast<uint32_t>(n), k);
}

}  // namespace naql
