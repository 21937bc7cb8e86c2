// The corpus generator. See corpus_generator.h for what it makes; this file explains how.
//
// Words and tokens. Documents are built as sequences of interned words (whitespace-free strings)
// joined by a space or a paragraph break. Each distinct word is normalized and tokenized once by
// naql's own Normalizer and Tokenizer, so the generator knows the token hashes every word
// contributes (0 for punctuation, 2 for "5.3", 1 usually). Whitespace separates tokens, so a
// document's tokens are the concatenation of its words' tokens; the final check re-tokenizes the
// assembled texts anyway, so truth never rests on that assumption.
//
// Freshness. Every document position has keys: the hash of the run of n = max_shared_words + 1
// tokens ending there, and the "near" keys — the hashes of every subsequence of min_words tokens
// that ends there and spans at most W = min_words + near_edits positions. Two texts share a near
// key exactly when they have min_words tokens in the same order within W positions in both: a
// shared run of min_words tokens, or one broken by up to near_edits substitutions, insertions or
// deletions — the passages an edit-tolerant aligner could report. `used_` holds the keys of every
// committed document. A synthesized word is accepted only if none of the keys it completes is in
// `used_` or in the document being written, so synthesized text shares at most max_shared_words
// consecutive tokens, and no near passage, with anything else. A derived document (a copy, an
// article with an inserted passage) is checked as a whole: each of its keys must be new or belong
// to one of the documents it is planted to share text with ("partners"); otherwise the random
// choices that made it (insertion point, lead, substitutions, edit) are redrawn.
//
// `used_` is a cache-blocked Bloom filter (all probes of a key in one 64-byte block: one cache
// miss), sized at 24 bits per expected key: a 200 MB corpus has about 250 million keys. A false
// positive only makes the generator redraw a choice (or reject a pool article) it could have kept;
// it never lets an overlap through. Exactness does not rest on it: the final check is exact.
//
// The Markov chain (order 2, with back-off to order 1 and to a word drawn by frequency, then to a
// random number) is stored as two sorted arrays of (context, successor) pairs: deterministic and
// compact, searched with equal_range.

#include "corpus_generator.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "naql/normalizer.h"
#include "naql/status.h"
#include "naql/tokenizer.h"
#include "testing.h"

#define XXH_INLINE_ALL
#include <xxhash.h>
#include <simdjson.h>

namespace naql::testing {
namespace {

constexpr uint32_t kNoWord = 0xFFFFFFFFu;
constexpr uint64_t kNgramSeed = 0x6e61716c67656e31ULL;  // "naqlgen1"
constexpr uint64_t kNearSeed = 0x6e61716c6e656172ULL;   // "naqlnear"
constexpr uint8_t kParagraphAfter = 1;

// A body must have this many words for its article to be republished (see GeneratorOptions).
constexpr uint32_t kMinRepublishedBodyWords = 150;
// Pool articles shorter than this are not used as base articles.
constexpr uint32_t kMinRealArticleWords = 40;
// Redraws of one random construction before giving up on it.
constexpr int kMaxAttempts = 30;

struct Outlet {
  const char* source;  // meta.source
  const char* name;    // as written in bylines and footers
};
constexpr Outlet kOutlets[] = {
    {"spa", "واس"},          {"sabq", "سبق"},        {"okaz", "عكاظ"},
    {"alriyadh", "الرياض"},  {"aljazirah", "الجزيرة"}, {"almadina", "المدينة"},
    {"alwatan", "الوطن"},    {"alyaum", "اليوم"},     {"aawsat", "الشرق الأوسط"},
    {"alhayat", "الحياة"},   {"aleqtisadiya", "الاقتصادية"}, {"alweeam", "الوئام"},
};
constexpr uint32_t kNumOutlets = sizeof(kOutlets) / sizeof(kOutlets[0]);

constexpr const char* kCities[] = {"الرياض", "جدة",   "مكة المكرمة", "الدمام", "المدينة المنورة",
                                   "أبها",   "تبوك",  "القاهرة",     "دبي",    "عمّان",
                                   "بيروت",  "الكويت"};

// Attributions before a quoted passage: at most 3 tokens each, so that the many articles that
// share one never share a run of max_shared_words + 1 tokens through it.
constexpr const char* kAttributions[] = {"وقال المتحدث الرسمي:", "وأضاف:", "وأكد الوزير:",
                                         "وقالت المصادر:",       "وجاء في البيان:",
                                         "وأوضح المسؤول:",       "وقال:"};

// The footer of an outlet: boilerplate shared by many of its articles.
std::string FooterOf(const Outlet& outlet) {
  return absl::StrCat("للاطلاع على المزيد من أخبار ", outlet.name,
                      " تابعونا على حساباتنا في مواقع التواصل الاجتماعي");
}

// ---- Dates: days since 1970-01-01 to ISO 8601 (proleptic Gregorian) ----

// Days from civil date: counts whole 400-year eras (146097 days), then years of the era with
// March-based years so that the leap day falls at the end.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::string IsoDate(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t d = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = year_of_era + era * 400 + (m <= 2);
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

bool EndsSentence(absl::string_view word) {
  if (word.empty()) return false;
  const char last = word.back();
  if (last == '.' || last == '!' || last == '?') return true;
  return absl::EndsWith(word, "؟");
}

// False when `word` ends with punctuation (ASCII, Arabic comma, semicolon, question mark, »).
bool EndsWithLetterOrDigit(absl::string_view word) {
  if (word.empty()) return false;
  const unsigned char last = static_cast<unsigned char>(word.back());
  if (last >= 0x80) {
    return !absl::EndsWith(word, "؟") && !absl::EndsWith(word, "،") &&
           !absl::EndsWith(word, "»") && !absl::EndsWith(word, "؛");
  }
  return (last >= '0' && last <= '9') || (last >= 'a' && last <= 'z') ||
         (last >= 'A' && last <= 'Z');
}

// Splits text on ASCII whitespace; paragraph[i] tells whether a newline follows word i.
void SplitWords(absl::string_view text, std::vector<absl::string_view>* words,
                std::vector<uint8_t>* paragraph) {
  words->clear();
  paragraph->clear();
  size_t i = 0;
  const size_t n = text.size();
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' ||
                                      c == '\f' || c == '\v'; };
  while (i < n) {
    bool newline = false;
    while (i < n && is_space(text[i])) newline |= text[i++] == '\n';
    if (!paragraph->empty() && newline) paragraph->back() = 1;
    if (i >= n) break;
    const size_t begin = i;
    while (i < n && !is_space(text[i])) ++i;
    words->push_back(text.substr(begin, i - begin));
    paragraph->push_back(0);
  }
}

// ---- A Bloom filter of 64-bit keys, one cache line per key ----

class KeyFilter {
 public:
  explicit KeyFilter(uint64_t expected_keys) {
    uint64_t blocks = 1024;
    while (blocks * kBlockBits < expected_keys * kBitsPerKey) blocks *= 2;
    bits_.assign(blocks * kWordsPerBlock, 0);
    block_mask_ = blocks - 1;
  }
  void Insert(uint64_t key) {
    uint64_t* block = Block(key);
    uint64_t x = key;
    for (int i = 0; i < kProbes; ++i) {
      const uint32_t bit = Next(&x);
      block[bit >> 6] |= uint64_t{1} << (bit & 63);
    }
  }
  bool MayContain(uint64_t key) const {
    const uint64_t* block = bits_.data() + (key & block_mask_) * kWordsPerBlock;
    uint64_t x = key;
    for (int i = 0; i < kProbes; ++i) {
      const uint32_t bit = Next(&x);
      if ((block[bit >> 6] & (uint64_t{1} << (bit & 63))) == 0) return false;
    }
    return true;
  }

 private:
  static constexpr uint64_t kBlockBits = 512;
  static constexpr uint64_t kWordsPerBlock = kBlockBits / 64;
  static constexpr uint64_t kBitsPerKey = 24;
  // 16 probes at 24 bits per key: false positive rate about 1e-5 (Putze, Sanders, Singler 2007 give
  // the small penalty of blocking).
  static constexpr int kProbes = 16;

  uint64_t* Block(uint64_t key) { return bits_.data() + (key & block_mask_) * kWordsPerBlock; }
  // Bit positions from a 64-bit LCG seeded by the key's upper bits (the lower ones chose the block).
  static uint32_t Next(uint64_t* x) {
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(*x >> 55);  // 0..511
  }

  std::vector<uint64_t> bits_;
  uint64_t block_mask_ = 0;
};

// ---- Vocabulary: interned words and their tokens ----

struct WordInfo {
  uint32_t token_begin = 0;  // into Vocabulary::tokens_
  uint32_t token_count = 0;
  uint32_t code_points = 0;     // of the word
  uint32_t first_token_cp = 0;  // where its first token starts, in code points from the word start
  uint32_t last_token_end_cp = 0;  // where its last token ends
};

class Vocabulary {
 public:
  uint32_t Intern(absl::string_view word) {
    auto it = ids_.find(word);
    if (it != ids_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(words_.size());
    words_.emplace_back(word);
    ids_.emplace(absl::string_view(words_.back()), id);
    WordInfo info;
    normalizer_.Normalize(word, &folded_);
    tokenizer_.Tokenize(folded_, &token_buffer_);
    info.token_begin = static_cast<uint32_t>(tokens_.size());
    info.token_count = static_cast<uint32_t>(token_buffer_.size());
    info.code_points = folded_.map.original_code_points();
    if (!token_buffer_.empty()) {
      info.first_token_cp = token_buffer_.front().original.cp_begin;
      info.last_token_end_cp = token_buffer_.back().original.cp_end;
    }
    for (const Token& t : token_buffer_) tokens_.push_back(t.hash);
    infos_.push_back(info);
    return id;
  }
  const std::string& text(uint32_t id) const { return words_[id]; }
  const WordInfo& info(uint32_t id) const { return infos_[id]; }
  absl::Span<const uint64_t> tokens(uint32_t id) const {
    const WordInfo& info = infos_[id];
    return absl::Span<const uint64_t>(tokens_.data() + info.token_begin, info.token_count);
  }

 private:
  Normalizer normalizer_;
  Tokenizer tokenizer_;
  NormalizedText folded_;
  std::vector<Token> token_buffer_;
  std::deque<std::string> words_;  // a deque never moves its strings: ids_ keys view them
  absl::flat_hash_map<absl::string_view, uint32_t> ids_;
  std::vector<WordInfo> infos_;
  std::vector<uint64_t> tokens_;
};

// ---- Markov chain ----

class MarkovChain {
 public:
  void AddText(absl::Span<const uint32_t> words) {
    if (words.empty()) return;
    sentence_starts_.push_back(static_cast<uint32_t>(stream_.size()));
    for (size_t i = 0; i < words.size(); ++i) {
      stream_.push_back(words[i]);
      if (i + 1 < words.size() && ends_sentence_(words[i])) {
        sentence_starts_.push_back(static_cast<uint32_t>(stream_.size()));
      }
    }
    stream_.push_back(kNoWord);
  }

  void set_ends_sentence(std::function<bool(uint32_t)> f) { ends_sentence_ = std::move(f); }

  void Finish() {
    for (size_t i = 0; i + 1 < stream_.size(); ++i) {
      if (stream_[i] == kNoWord || stream_[i + 1] == kNoWord) continue;
      order1_.emplace_back(stream_[i], stream_[i + 1]);
      if (i + 2 < stream_.size() && stream_[i + 2] != kNoWord) {
        order2_.emplace_back((static_cast<uint64_t>(stream_[i]) << 32) | stream_[i + 1],
                             stream_[i + 2]);
      }
    }
    std::sort(order1_.begin(), order1_.end());
    std::sort(order2_.begin(), order2_.end());
    for (size_t i = 0; i < stream_.size(); ++i) {
      if (stream_[i] != kNoWord) word_positions_.push_back(static_cast<uint32_t>(i));
    }
  }

  bool usable() const { return !order2_.empty(); }
  // Number of training words.
  size_t size() const { return word_positions_.size(); }

  // Successors of the context (w1, w2), as a range of order2_.
  std::pair<size_t, size_t> Successors(uint32_t w1, uint32_t w2) const {
    const uint64_t key = (static_cast<uint64_t>(w1) << 32) | w2;
    auto lo = std::lower_bound(order2_.begin(), order2_.end(), std::make_pair(key, uint32_t{0}));
    auto hi = std::lower_bound(lo, order2_.end(), std::make_pair(key + 1, uint32_t{0}));
    return {static_cast<size_t>(lo - order2_.begin()), static_cast<size_t>(hi - order2_.begin())};
  }
  uint32_t Order2At(size_t i) const { return order2_[i].second; }

  std::pair<size_t, size_t> Successors(uint32_t w1) const {
    auto lo = std::lower_bound(order1_.begin(), order1_.end(), std::make_pair(w1, uint32_t{0}));
    auto hi = std::lower_bound(lo, order1_.end(), std::make_pair(w1 + 1, uint32_t{0}));
    return {static_cast<size_t>(lo - order1_.begin()), static_cast<size_t>(hi - order1_.begin())};
  }
  uint32_t Order1At(size_t i) const { return order1_[i].second; }

  // A word drawn by frequency.
  uint32_t RandomWord(SplitMix64& rng) const {
    return stream_[word_positions_[rng.Uniform(word_positions_.size())]];
  }
  // The first two words of a random sentence (the second may be kNoWord).
  std::pair<uint32_t, uint32_t> RandomSentenceStart(SplitMix64& rng) const {
    const uint32_t at = sentence_starts_[rng.Uniform(sentence_starts_.size())];
    return {stream_[at], stream_[at + 1]};
  }

 private:
  std::function<bool(uint32_t)> ends_sentence_;
  std::vector<uint32_t> stream_;  // all training words, kNoWord after each text
  std::vector<uint32_t> sentence_starts_;
  std::vector<uint32_t> word_positions_;
  std::vector<std::pair<uint32_t, uint32_t>> order1_;  // (w1, successor), sorted
  std::vector<std::pair<uint64_t, uint32_t>> order2_;  // ((w1, w2), successor), sorted
};

// ---- Documents under construction ----

struct GenDoc {
  std::vector<uint32_t> words;
  std::vector<uint8_t> flags;  // kParagraphAfter
  uint32_t body_begin = 0;     // first word after the byline
  uint32_t outlet = 0;
  int64_t day = 0;

  uint32_t body_words() const { return static_cast<uint32_t>(words.size()) - body_begin; }
  void Append(uint32_t word, uint8_t flag = 0) {
    words.push_back(word);
    flags.push_back(flag);
  }
};

// A planted pair in word coordinates (word ranges are half-open, indices into GenDoc::words).
struct Planted {
  uint32_t a = 0, b = 0;  // indices into the generator's document list
  PairKind kind = PairKind::kReuse;
  uint32_t a_word_begin = 0, a_word_end = 0, b_word_begin = 0, b_word_end = 0;
  bool quote = false;
};

class Generator {
 public:
  Generator(const GeneratorOptions& options, absl::Span<const std::string> pool)
      : options_(options), pool_(pool), rng_(options.seed), n_(options.max_shared_words + 1) {
    chain_.set_ends_sentence([this](uint32_t w) { return EndsSentence(vocab_.text(w)); });
  }

  absl::StatusOr<GeneratedCorpus> Run();

 private:
  // A document's tokens: the concatenation of its words' tokens.
  void Tokens(const GenDoc& doc, std::vector<uint64_t>* out) const {
    out->clear();
    for (uint32_t w : doc.words) {
      for (uint64_t t : vocab_.tokens(w)) out->push_back(t);
    }
  }
  static uint64_t HashRun(const uint64_t* tokens, size_t count, uint64_t seed = kNgramSeed) {
    return XXH3_64bits_withSeed(tokens, count * sizeof(uint64_t), seed);
  }
  // Appends to `out` the keys of position p = count - 1 of `tokens[0, count)` (see the file
  // comment): the run of n tokens ending at p, and the near keys — every subsequence of min_words
  // tokens that ends with token p and starts at most W - 1 positions before it. Each key includes
  // token p, so a word that completes an already used key can always be replaced by another.
  // With near_only, only the near keys.
  void KeysAt(const uint64_t* tokens, size_t count, bool near_only,
              std::vector<uint64_t>* out) const {
    if (!near_only && count >= n_) out->push_back(HashRun(tokens + count - n_, n_));
    const size_t m = options_.min_words;
    const size_t w = m + options_.near_edits;
    const size_t previous = std::min(count - 1, w - 1);  // candidates for the first m - 1
    if (previous + 1 < m) return;
    const uint64_t* window = tokens + count - 1 - previous;
    uint64_t buffer[64];
    // Drop `previous - (m - 1)` (0, 1 or 2) of the previous tokens; keep the newest.
    switch (previous - (m - 1)) {
      case 0:
        out->push_back(HashRun(window, m, kNearSeed));
        break;
      case 1:
        for (size_t i = 0; i < previous; ++i) {
          std::copy(window, window + i, buffer);
          std::copy(window + i + 1, window + previous + 1, buffer + i);
          out->push_back(HashRun(buffer, m, kNearSeed));
        }
        break;
      default:
        for (size_t i = 0; i < previous; ++i) {
          for (size_t j = i + 1; j < previous; ++j) {
            std::copy(window, window + i, buffer);
            std::copy(window + i + 1, window + j, buffer + i);
            std::copy(window + j + 1, window + previous + 1, buffer + j - 1);
            out->push_back(HashRun(buffer, m, kNearSeed));
          }
        }
        break;
    }
  }
  // All keys of a token sequence.
  void AllKeys(const std::vector<uint64_t>& tokens, bool near_only, std::vector<uint64_t>* out) {
    out->clear();
    for (size_t end = 1; end <= tokens.size(); ++end) {
      KeysAt(tokens.data(), end, near_only, out);
    }
  }
  void Commit(const GenDoc& doc) {
    Tokens(doc, &scratch_tokens_);
    AllKeys(scratch_tokens_, /*near_only=*/false, &scratch_hashes_);
    for (uint64_t h : scratch_hashes_) used_->Insert(h);
  }
  // True when `doc` has a key that is in used_ but in none of `partners`.
  bool Conflicts(const GenDoc& doc, absl::Span<const GenDoc* const> partners) {
    absl::flat_hash_set<uint64_t> allowed;
    size_t partner_words = 0;
    for (const GenDoc* partner : partners) partner_words += partner->words.size();
    allowed.reserve(partner_words * keys_per_token_);
    for (const GenDoc* partner : partners) {
      Tokens(*partner, &scratch_tokens_);
      AllKeys(scratch_tokens_, /*near_only=*/false, &scratch_hashes_);
      allowed.insert(scratch_hashes_.begin(), scratch_hashes_.end());
    }
    Tokens(doc, &scratch_tokens_);
    AllKeys(scratch_tokens_, /*near_only=*/false, &scratch_hashes_);
    for (uint64_t h : scratch_hashes_) {
      if (!allowed.contains(h) && used_->MayContain(h)) return true;
    }
    return false;
  }

  // Appends `word` if every key it completes is new; `tokens` is the document's token history and
  // `pending` the keys it already has.
  bool TryAppend(uint32_t word, std::vector<uint64_t>* tokens,
                 absl::flat_hash_set<uint64_t>* pending) {
    const size_t old_size = tokens->size();
    const absl::Span<const uint64_t> word_tokens = vocab_.tokens(word);
    if (word_tokens.size() > 8) return false;
    std::vector<uint64_t>& fresh = fresh_keys_;
    fresh.clear();
    for (uint64_t t : word_tokens) {
      tokens->push_back(t);
      // The run key first: it rejects most candidates before the near keys are computed.
      for (const bool near_only : {false, true}) {
        const size_t before = fresh.size();
        if (near_only) {
          KeysAt(tokens->data(), tokens->size(), /*near_only=*/true, &fresh);
        } else if (tokens->size() >= n_) {
          fresh.push_back(HashRun(tokens->data() + tokens->size() - n_, n_));
        }
        for (size_t k = before; k < fresh.size(); ++k) {
          bool seen = pending->contains(fresh[k]) || used_->MayContain(fresh[k]);
          for (size_t i = 0; i < before && !seen; ++i) seen = fresh[i] == fresh[k];
          if (seen) {
            tokens->resize(old_size);
            return false;
          }
        }
      }
    }
    pending->insert(fresh.begin(), fresh.end());
    return true;
  }

  // Appends `count` synthesized words to `doc`, each fresh in the sense of TryAppend, then up to
  // `overrun` more until a sentence ends (a period is added to the last word if none does).
  void Synthesize(GenDoc* doc, uint32_t count, uint32_t overrun);
  // Picks the next synthesized word after (p2, p1) and appends it.
  uint32_t NextWord(uint32_t p2, uint32_t p1, std::vector<uint64_t>* tokens,
                    absl::flat_hash_set<uint64_t>* pending);

  void AddByline(GenDoc* doc, uint32_t outlet);
  // A new base article: the next real one with a body of at least min_body words, or a
  // synthesized one.
  GenDoc NewBase(uint32_t min_body);
  uint32_t AddDocument(GenDoc doc) {
    bytes_ += EstimateBytes(doc);
    docs_.push_back(std::move(doc));
    return static_cast<uint32_t>(docs_.size() - 1);
  }
  uint64_t EstimateBytes(const GenDoc& doc) const {
    uint64_t bytes = 0;
    for (uint32_t w : doc.words) bytes += vocab_.text(w).size() + 1;
    return bytes;
  }
  bool Done() const {
    if (options_.num_documents > 0 && docs_.size() >= options_.num_documents) return true;
    if (options_.target_bytes > 0 && bytes_ >= options_.target_bytes) return true;
    return false;
  }
  uint32_t Remaining() const {
    if (options_.num_documents == 0) return 1u << 30;
    return options_.num_documents - static_cast<uint32_t>(docs_.size());
  }

  absl::Status PrepareRealBases();
  void PlainUnit() { Commit(docs_[AddDocument(NewBase(0))]); }
  void ClusterUnit(uint32_t copies);
  void ReuseUnit(uint32_t targets);
  uint32_t RandomOtherOutlet(absl::Span<const uint32_t> taken);
  // A word drawn by frequency that makes exactly one token (edits change one token at a time).
  uint32_t RandomOneTokenWord() {
    for (int i = 0; i < 64; ++i) {
      const uint32_t word = chain_.RandomWord(rng_);
      if (vocab_.info(word).token_count == 1) return word;
    }
    return vocab_.Intern(absl::StrCat(rng_.Uniform(90000) + 10000));  // a number: one token
  }
  uint32_t WordWith(uint32_t word, absl::string_view prefix, absl::string_view suffix) {
    return vocab_.Intern(absl::StrCat(prefix, vocab_.text(word), suffix));
  }

  GeneratedCorpus Assemble();

  const GeneratorOptions& options_;
  absl::Span<const std::string> pool_;
  SplitMix64 rng_;
  const size_t n_;  // freshness run length: max_shared_words + 1
  Vocabulary vocab_;
  MarkovChain chain_;
  std::unique_ptr<KeyFilter> used_;  // keys of committed documents (sized in Run())
  size_t keys_per_token_ = 0;        // keys a token adds (run key + near keys)
  std::deque<GenDoc> real_bases_;  // deduplicated pool articles not yet used
  std::vector<GenDoc> docs_;
  std::vector<Planted> planted_;
  GeneratorStats stats_;
  uint64_t bytes_ = 0;
  std::vector<uint64_t> scratch_tokens_;
  std::vector<uint64_t> scratch_hashes_;
  std::vector<uint64_t> fresh_keys_;
};

uint32_t Generator::NextWord(uint32_t p2, uint32_t p1, std::vector<uint64_t>* tokens,
                             absl::flat_hash_set<uint64_t>* pending) {
  // Order 2: the successors of (p2, p1), from a random one on.
  if (p2 != kNoWord && p1 != kNoWord) {
    const auto [lo, hi] = chain_.Successors(p2, p1);
    if (lo < hi) {
      const size_t size = hi - lo;
      const size_t start = rng_.Uniform(size);
      for (size_t i = 0; i < std::min<size_t>(size, 8); ++i) {
        const uint32_t word = chain_.Order2At(lo + (start + i) % size);
        if (TryAppend(word, tokens, pending)) return word;
      }
    }
  }
  ++stats_.markov_backoffs;
  // Order 1: random successors of p1.
  if (p1 != kNoWord) {
    const auto [lo, hi] = chain_.Successors(p1);
    for (int i = 0; lo < hi && i < 8; ++i) {
      const uint32_t word = chain_.Order1At(lo + rng_.Uniform(hi - lo));
      if (TryAppend(word, tokens, pending)) return word;
    }
  } else {
    for (int i = 0; i < 8; ++i) {
      const uint32_t word = chain_.RandomSentenceStart(rng_).first;
      if (TryAppend(word, tokens, pending)) return word;
    }
  }
  // Order 0: words by frequency.
  for (int i = 0; i < 32; ++i) {
    const uint32_t word = chain_.RandomWord(rng_);
    if (TryAppend(word, tokens, pending)) return word;
  }
  // A number is a token no other text is likely to have next to these.
  for (;;) {
    const uint32_t word = vocab_.Intern(absl::StrCat(rng_.Uniform(90000) + 10000));
    if (TryAppend(word, tokens, pending)) return word;
  }
}

void Generator::Synthesize(GenDoc* doc, uint32_t count, uint32_t overrun) {
  std::vector<uint64_t> tokens;
  Tokens(*doc, &tokens);
  absl::flat_hash_set<uint64_t> pending;
  pending.reserve((tokens.size() + count + overrun) * keys_per_token_);
  AllKeys(tokens, /*near_only=*/false, &scratch_hashes_);
  pending.insert(scratch_hashes_.begin(), scratch_hashes_.end());
  // Continue the document's last words, unless they end a sentence or are the byline.
  uint32_t p2 = kNoWord, p1 = kNoWord;
  if (doc->words.size() > doc->body_begin && !EndsSentence(vocab_.text(doc->words.back()))) {
    p1 = doc->words.back();
    if (doc->words.size() > doc->body_begin + 1) p2 = doc->words[doc->words.size() - 2];
  }
  for (uint32_t i = 0; i < count + overrun; ++i) {
    if (i >= count && EndsSentence(vocab_.text(doc->words.back()))) break;
    uint32_t word;
    if (p1 == kNoWord) {
      // Start a sentence where the pool starts one.
      word = kNoWord;
      for (int attempt = 0; attempt < 8 && word == kNoWord; ++attempt) {
        const uint32_t candidate = chain_.RandomSentenceStart(rng_).first;
        if (TryAppend(candidate, &tokens, &pending)) word = candidate;
      }
      if (word == kNoWord) word = NextWord(kNoWord, kNoWord, &tokens, &pending);
    } else {
      word = NextWord(p2, p1, &tokens, &pending);
    }
    doc->Append(word);
    p2 = p1;
    p1 = word;
    if (EndsSentence(vocab_.text(word)) && rng_.Bernoulli(0.3)) doc->flags.back() = kParagraphAfter;
  }
  if (!doc->words.empty() && !EndsSentence(vocab_.text(doc->words.back()))) {
    // Same tokens, so freshness is unchanged.
    doc->words.back() = WordWith(doc->words.back(), "", ".");
  }
}

void Generator::AddByline(GenDoc* doc, uint32_t outlet) {
  std::vector<absl::string_view> words;
  std::vector<uint8_t> unused;
  const std::string byline = absl::StrCat(kCities[rng_.Uniform(std::size(kCities))], " - ",
                                          kOutlets[outlet].name);
  SplitWords(byline, &words, &unused);
  for (absl::string_view w : words) doc->Append(vocab_.Intern(w));
  doc->flags.back() = kParagraphAfter;
  doc->body_begin = static_cast<uint32_t>(doc->words.size());
  doc->outlet = outlet;
}

GenDoc Generator::NewBase(uint32_t min_body) {
  ++stats_.base_articles;
  const int64_t first_day = DaysFromCivil(2015, 1, 1);
  if (!real_bases_.empty() && real_bases_.front().body_words() >= min_body) {
    GenDoc doc = std::move(real_bases_.front());
    real_bases_.pop_front();
    ++stats_.real_articles;
    doc.day = first_day + static_cast<int64_t>(rng_.Uniform(365));
    return doc;
  }
  GenDoc doc;
  AddByline(&doc, static_cast<uint32_t>(rng_.Uniform(kNumOutlets)));
  doc.day = first_day + static_cast<int64_t>(rng_.Uniform(365));
  const uint32_t length = options_.min_article_words +
      static_cast<uint32_t>(rng_.Uniform(options_.max_article_words - options_.min_article_words + 1));
  Synthesize(&doc, std::max(length, min_body), /*overrun=*/40);
  return doc;
}

uint32_t Generator::RandomOtherOutlet(absl::Span<const uint32_t> taken) {
  for (;;) {
    const uint32_t outlet = static_cast<uint32_t>(rng_.Uniform(kNumOutlets));
    if (std::find(taken.begin(), taken.end(), outlet) == taken.end()) return outlet;
  }
}

void Generator::ClusterUnit(uint32_t copies) {
  const uint32_t origin = AddDocument(NewBase(kMinRepublishedBodyWords));
  Commit(docs_[origin]);
  ++stats_.clusters;
  std::vector<uint32_t> members = {origin};
  std::vector<uint32_t> keeps;  // body words each copy keeps
  std::vector<uint32_t> copy_body_begin;
  std::vector<uint32_t> outlets = {docs_[origin].outlet};
  for (uint32_t c = 0; c < copies; ++c) {
    const GenDoc& o = docs_[origin];
    const uint32_t body = o.body_words();
    GenDoc copy;
    for (int attempt = 0;; ++attempt) {
      copy = GenDoc();
      AddByline(&copy, RandomOtherOutlet(outlets));
      // A new lead sentence, short next to the body (the copy must stay above 80% cover).
      const uint32_t lead = std::clamp<uint32_t>(body / 12, 8, 20);
      Synthesize(&copy, lead, /*overrun=*/4);
      copy.flags.back() = kParagraphAfter;
      // Trim the tail by at most 15%, preferably at a sentence end.
      const uint32_t min_keep = body - body * 15 / 100;
      std::vector<uint32_t> sentence_ends;
      for (uint32_t k = min_keep; k <= body; ++k) {
        if (EndsSentence(vocab_.text(o.words[o.body_begin + k - 1]))) sentence_ends.push_back(k);
      }
      const uint32_t keep = sentence_ends.empty()
                                ? min_keep + static_cast<uint32_t>(rng_.Uniform(body - min_keep + 1))
                                : sentence_ends[rng_.Uniform(sentence_ends.size())];
      const uint32_t body_begin = static_cast<uint32_t>(copy.words.size());
      for (uint32_t k = 0; k < keep; ++k) {
        copy.Append(o.words[o.body_begin + k], k + 1 < keep ? o.flags[o.body_begin + k] : 0);
      }
      // A few one-word substitutions (one per ~80 words, at least one).
      const uint32_t substitutions = 1 + static_cast<uint32_t>(rng_.Uniform(1 + keep / 80));
      for (uint32_t s = 0; s < substitutions; ++s) {
        const uint32_t at = body_begin + static_cast<uint32_t>(rng_.Uniform(keep));
        if (vocab_.info(copy.words[at]).token_count != 1) continue;
        copy.words[at] = RandomOneTokenWord();
      }
      std::vector<const GenDoc*> partners;
      for (uint32_t m : members) partners.push_back(&docs_[m]);
      if (!Conflicts(copy, partners) || attempt + 1 >= kMaxAttempts) {
        keeps.push_back(keep);
        copy_body_begin.push_back(body_begin);
        break;
      }
      ++stats_.retries;
    }
    copy.day = o.day + 1 + static_cast<int64_t>(rng_.Uniform(4));
    outlets.push_back(copy.outlet);
    const uint32_t index = AddDocument(std::move(copy));
    Commit(docs_[index]);
    ++stats_.copies;
    // Truth: the copy with the origin and with every earlier copy.
    const GenDoc& origin_doc = docs_[origin];
    const uint32_t keep = keeps.back();
    planted_.push_back({origin, index, PairKind::kDuplicate, origin_doc.body_begin,
                        origin_doc.body_begin + keep, copy_body_begin.back(),
                        copy_body_begin.back() + keep, false});
    for (size_t j = 0; j + 1 < keeps.size(); ++j) {
      const uint32_t common = std::min(keeps[j], keep);
      planted_.push_back({members[j + 1], index, PairKind::kDuplicate, copy_body_begin[j],
                          copy_body_begin[j] + common, copy_body_begin.back(),
                          copy_body_begin.back() + common, false});
    }
    members.push_back(index);
  }
}

void Generator::ReuseUnit(uint32_t targets) {
  const uint32_t source = AddDocument(NewBase(60));
  Commit(docs_[source]);
  const GenDoc& x = docs_[source];
  // The passage: 15–60 tokens (at most 40% of the source's), starting at a word with a token.
  uint32_t body_tokens = 0;
  for (uint32_t i = x.body_begin; i < x.words.size(); ++i) {
    body_tokens += vocab_.info(x.words[i]).token_count;
  }
  const uint32_t want = std::min<uint32_t>(15 + static_cast<uint32_t>(rng_.Uniform(46)),
                                           body_tokens * 2 / 5);
  if (want < std::max<uint32_t>(15, options_.min_words)) return;  // too short: a plain article
  std::vector<uint32_t> passage;
  uint32_t passage_begin = 0;
  for (int attempt = 0; attempt < kMaxAttempts && passage.empty(); ++attempt) {
    const uint32_t start =
        x.body_begin + static_cast<uint32_t>(rng_.Uniform(x.words.size() - x.body_begin));
    if (vocab_.info(x.words[start]).token_count == 0) continue;
    uint32_t tokens = 0, end = start;
    while (end < x.words.size() && tokens < want) tokens += vocab_.info(x.words[end++]).token_count;
    if (tokens < want) continue;
    passage.assign(x.words.begin() + start, x.words.begin() + end);
    passage_begin = start;
  }
  if (passage.empty()) return;
  ++stats_.passages;
  // Word index in the passage before which an edit keeps min_words exact tokens in front.
  uint32_t first_editable = 0;
  for (uint32_t tokens = 0; first_editable < passage.size() && tokens < options_.min_words;) {
    tokens += vocab_.info(passage[first_editable++]).token_count;
  }

  struct Occurrence {
    uint32_t doc, word_begin, word_end;
    bool quote;
  };
  std::vector<Occurrence> occurrences;
  for (uint32_t t = 0; t < targets; ++t) {
    const uint32_t min_body = static_cast<uint32_t>(passage.size()) * 5 / 2;
    // Not committed: it is never emitted, and the target built from it is (with nearly all of its
    // keys).
    GenDoc original = NewBase(min_body);
    GenDoc target;
    Occurrence occurrence{};
    bool edited = false;
    for (int attempt = 0;; ++attempt) {
      // Insert after a sentence end of the body (or anywhere in it if it has none).
      std::vector<uint32_t> points;
      for (uint32_t i = original.body_begin; i + 1 < original.words.size(); ++i) {
        if (EndsSentence(vocab_.text(original.words[i]))) points.push_back(i + 1);
      }
      const uint32_t at =
          points.empty()
              ? original.body_begin + static_cast<uint32_t>(rng_.Uniform(original.body_words()))
              : points[rng_.Uniform(points.size())];
      std::vector<uint32_t> inserted = passage;
      // One light edit of one token, after the first min_words tokens and before the last word.
      edited = false;
      if (rng_.Bernoulli(options_.edit_rate) && first_editable + 1 < inserted.size()) {
        const uint32_t e = first_editable +
                           static_cast<uint32_t>(rng_.Uniform(inserted.size() - 1 - first_editable));
        if (vocab_.info(inserted[e]).token_count == 1) {
          edited = true;
          switch (rng_.Uniform(3)) {
            case 0:
              inserted[e] = RandomOneTokenWord();
              break;
            case 1:
              inserted.erase(inserted.begin() + e);
              break;
            default:
              inserted.insert(inserted.begin() + e, RandomOneTokenWord());
              break;
          }
        }
      }
      const bool quoted = rng_.Bernoulli(options_.quote_rate);
      std::vector<uint32_t> prefix;
      if (quoted) {
        std::vector<absl::string_view> words;
        std::vector<uint8_t> unused;
        SplitWords(kAttributions[rng_.Uniform(std::size(kAttributions))], &words, &unused);
        for (absl::string_view w : words) prefix.push_back(vocab_.Intern(w));
        const bool guillemets = rng_.Bernoulli(0.6);
        const absl::string_view open = guillemets ? "«" : "\"";
        const absl::string_view close = guillemets ? "»" : "\"";
        inserted.front() = WordWith(inserted.front(), open, "");
        const bool ends = EndsSentence(vocab_.text(inserted.back()));
        inserted.back() = WordWith(inserted.back(), "", ends ? std::string(close)
                                                             : absl::StrCat(close, "."));
      } else if (!EndsSentence(vocab_.text(inserted.back())) &&
                 EndsWithLetterOrDigit(vocab_.text(inserted.back()))) {
        inserted.back() = WordWith(inserted.back(), "", ".");
      }
      target = GenDoc();
      target.body_begin = original.body_begin;
      target.outlet = original.outlet;
      target.day = original.day;
      for (uint32_t i = 0; i < at; ++i) target.Append(original.words[i], original.flags[i]);
      if (at > 0) target.flags.back() = 0;
      for (uint32_t w : prefix) target.Append(w);
      occurrence.word_begin = static_cast<uint32_t>(target.words.size());
      for (uint32_t w : inserted) target.Append(w);
      occurrence.word_end = static_cast<uint32_t>(target.words.size());
      if (at < original.words.size()) target.flags.back() = kParagraphAfter;
      for (uint32_t i = at; i < original.words.size(); ++i) {
        target.Append(original.words[i], original.flags[i]);
      }
      occurrence.quote = quoted;
      std::vector<const GenDoc*> partners = {&original, &docs_[source]};
      for (const Occurrence& o : occurrences) partners.push_back(&docs_[o.doc]);
      if (!Conflicts(target, partners) || attempt + 1 >= kMaxAttempts) break;
      ++stats_.retries;
    }
    occurrence.doc = AddDocument(std::move(target));
    Commit(docs_[occurrence.doc]);
    ++stats_.passage_occurrences;
    stats_.quoted_occurrences += occurrence.quote;
    stats_.edited_occurrences += edited;
    // Truth: with the source and with every earlier occurrence.
    planted_.push_back({source, occurrence.doc, PairKind::kReuse, passage_begin,
                        passage_begin + static_cast<uint32_t>(passage.size()),
                        occurrence.word_begin, occurrence.word_end, false});
    for (const Occurrence& o : occurrences) {
      planted_.push_back({o.doc, occurrence.doc, PairKind::kReuse, o.word_begin, o.word_end,
                          occurrence.word_begin, occurrence.word_end, o.quote && occurrence.quote});
    }
    occurrences.push_back(occurrence);
  }
}

absl::Status Generator::PrepareRealBases() {
  // All pool articles, in order, minus the short ones and those sharing a near key (a run of
  // min_words tokens, or one with a single edit) with an earlier accepted one: the pool's own
  // syndicated copies and shared quotations. Their keys enter used_ now, so that no synthesized
  // text can copy them later.
  std::vector<absl::string_view> words;
  std::vector<uint8_t> paragraph;
  std::vector<uint64_t> tokens, keys;
  for (const std::string& text : pool_) {
    SplitWords(text, &words, &paragraph);
    GenDoc doc;
    AddByline(&doc, static_cast<uint32_t>(rng_.Uniform(kNumOutlets)));
    for (size_t i = 0; i < words.size(); ++i) {
      doc.Append(vocab_.Intern(words[i]), paragraph[i] ? kParagraphAfter : 0);
    }
    if (doc.body_words() < kMinRealArticleWords) {
      ++stats_.pool_rejected;
      continue;
    }
    tokens.clear();
    for (uint32_t i = doc.body_begin; i < doc.words.size(); ++i) {
      for (uint64_t t : vocab_.tokens(doc.words[i])) tokens.push_back(t);
    }
    AllKeys(tokens, /*near_only=*/true, &keys);
    bool copy = false;
    for (size_t i = 0; i < keys.size() && !copy; ++i) copy = used_->MayContain(keys[i]);
    if (copy) {
      ++stats_.pool_rejected;
      continue;
    }
    Commit(doc);
    real_bases_.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

absl::StatusOr<GeneratedCorpus> Generator::Run() {
  // Train the chain on the pool.
  std::vector<absl::string_view> words;
  std::vector<uint8_t> paragraph;
  std::vector<uint32_t> ids;
  for (const std::string& text : pool_) {
    SplitWords(text, &words, &paragraph);
    ids.clear();
    for (absl::string_view w : words) ids.push_back(vocab_.Intern(w));
    chain_.AddText(ids);
  }
  chain_.Finish();
  if (!chain_.usable()) {
    return absl::InvalidArgumentError("the pool has no text to learn from (need 3 words or more)");
  }
  // Size the key filter for the tokens to come: the pool's (as real bases) and the generated ones
  // (articles of at most max_article_words plus leads and passages; Arabic news text has about 10
  // UTF-8 bytes per token, 9 is a margin).
  uint64_t expected_tokens = options_.real_bases ? chain_.size() : 0;
  expected_tokens += std::max<uint64_t>(
      uint64_t{options_.num_documents} * (options_.max_article_words + 60) * 6 / 5,
      options_.target_bytes / 9);
  const uint64_t w = options_.min_words + options_.near_edits;
  keys_per_token_ = 1 + (options_.near_edits == 1 ? w : (w - 1) * (w - 2) / 2);
  used_ = std::make_unique<KeyFilter>(expected_tokens * keys_per_token_);
  if (options_.real_bases) NAQL_RETURN_IF_ERROR(PrepareRealBases());

  while (!Done()) {
    const uint32_t remaining = Remaining();
    const double r = rng_.UniformDouble();
    if (r < options_.duplicate_rate && remaining >= 2) {
      ClusterUnit(std::min<uint32_t>(1 + static_cast<uint32_t>(rng_.Uniform(4)), remaining - 1));
    } else if (r < options_.duplicate_rate + options_.reuse_rate && remaining >= 2) {
      ReuseUnit(std::min<uint32_t>(1 + static_cast<uint32_t>(rng_.Uniform(3)), remaining - 1));
    } else {
      PlainUnit();
    }
  }
  return Assemble();
}

GeneratedCorpus Generator::Assemble() {
  GeneratedCorpus corpus;
  const uint32_t count = static_cast<uint32_t>(docs_.size());
  // Output order: a seeded shuffle, so that input order says nothing about who copied whom.
  std::vector<uint32_t> order(count);  // order[final] = generated index
  for (uint32_t i = 0; i < count; ++i) order[i] = i;
  for (uint32_t i = count; i > 1; --i) std::swap(order[i - 1], order[rng_.Uniform(i)]);
  std::vector<uint32_t> final_of(count);
  for (uint32_t i = 0; i < count; ++i) final_of[order[i]] = i;

  // Texts, and each word's starting code point.
  std::vector<std::vector<uint32_t>> word_cp(count);
  std::vector<uint32_t> boilerplate_cp(count, 0xFFFFFFFFu);
  corpus.docs.resize(count);
  for (uint32_t f = 0; f < count; ++f) {
    const GenDoc& g = docs_[order[f]];
    Document& doc = corpus.docs[f];
    doc.id = absl::StrFormat("gen-%06u", f);
    doc.meta.date = IsoDate(g.day);
    doc.meta.source = kOutlets[g.outlet].source;
    std::vector<uint32_t>& cps = word_cp[f];
    cps.resize(g.words.size());
    uint32_t cp = 0;
    for (size_t i = 0; i < g.words.size(); ++i) {
      cps[i] = cp;
      doc.text += vocab_.text(g.words[i]);
      cp += vocab_.info(g.words[i]).code_points;
      if (i + 1 < g.words.size()) {
        const bool paragraph = g.flags[i] & kParagraphAfter;
        doc.text += paragraph ? "\n\n" : " ";
        cp += paragraph ? 2 : 1;
      }
    }
    if (rng_.Bernoulli(options_.boilerplate_rate)) {
      doc.text += "\n\n";
      boilerplate_cp[f] = cp + 2;
      doc.text += FooterOf(kOutlets[g.outlet]);
      ++stats_.boilerplate_documents;
    }
  }

  // Truth in code points.
  auto cp_range = [&](uint32_t f, uint32_t word_begin, uint32_t word_end) {
    const GenDoc& g = docs_[order[f]];
    uint32_t first = word_begin, last = word_end;
    while (first < last && vocab_.info(g.words[first]).token_count == 0) ++first;
    while (last > first && vocab_.info(g.words[last - 1]).token_count == 0) --last;
    if (first == last) return std::make_pair(word_cp[f][word_begin], word_cp[f][word_begin]);
    return std::make_pair(word_cp[f][first] + vocab_.info(g.words[first]).first_token_cp,
                          word_cp[f][last - 1] + vocab_.info(g.words[last - 1]).last_token_end_cp);
  };
  for (const Planted& p : planted_) {
    TruthPair t;
    uint32_t fa = final_of[p.a], fb = final_of[p.b];
    auto ra = cp_range(fa, p.a_word_begin, p.a_word_end);
    auto rb = cp_range(fb, p.b_word_begin, p.b_word_end);
    if (fa > fb) {
      std::swap(fa, fb);
      std::swap(ra, rb);
    }
    t.a = fa;
    t.b = fb;
    t.kind = p.kind;
    t.a_begin = ra.first;
    t.a_end = ra.second;
    t.b_begin = rb.first;
    t.b_end = rb.second;
    t.quote = p.quote;
    corpus.truth.push_back(t);
  }
  corpus.stats = stats_;
  ReconcileTruth(options_.min_words, boilerplate_cp, &corpus);
  return corpus;
}

}  // namespace

absl::Status GeneratorOptions::Validate() const {
  if (num_documents == 0 && target_bytes == 0) {
    return absl::InvalidArgumentError("set num_documents or target_bytes");
  }
  for (const double rate : {duplicate_rate, reuse_rate, quote_rate, edit_rate, boilerplate_rate}) {
    if (!(rate >= 0 && rate <= 1)) return absl::InvalidArgumentError("rates must be in [0, 1]");
  }
  if (duplicate_rate + reuse_rate > 1) {
    return absl::InvalidArgumentError("duplicate_rate + reuse_rate must be at most 1");
  }
  if (min_words < 2 || min_words > 30) {
    return absl::InvalidArgumentError(absl::StrCat("min_words must be 2..30, got ", min_words));
  }
  if (max_shared_words < 2 || max_shared_words >= min_words) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_shared_words must be 2..min_words - 1, got ", max_shared_words));
  }
  if (near_edits != 1 && near_edits != 2) {
    return absl::InvalidArgumentError(absl::StrCat("near_edits must be 1 or 2, got ", near_edits));
  }
  if (min_article_words < 60 || min_article_words > max_article_words) {
    return absl::InvalidArgumentError("need 60 <= min_article_words <= max_article_words");
  }
  return absl::OkStatus();
}

absl::StatusOr<GeneratedCorpus> GenerateCorpus(const GeneratorOptions& options,
                                               absl::Span<const std::string> pool) {
  NAQL_RETURN_IF_ERROR(options.Validate());
  Generator generator(options, pool);
  return generator.Run();
}

void ReconcileTruth(uint32_t min_words, absl::Span<const uint32_t> boilerplate_cp,
                    GeneratedCorpus* corpus) {
  const size_t k = min_words;
  auto hash_run = [](const uint64_t* t, size_t count) {
    return XXH3_64bits_withSeed(t, count * sizeof(uint64_t), kNgramSeed);
  };
  const uint32_t num_docs = static_cast<uint32_t>(corpus->docs.size());
  Normalizer normalizer;
  Tokenizer tokenizer;
  NormalizedText folded;
  std::vector<Token> tokens;
  // The tokens of a document up to its boilerplate, by naql's own pipeline.
  auto tokenize = [&](uint32_t d) {
    normalizer.Normalize(corpus->docs[d].text, &folded);
    tokenizer.Tokenize(folded, &tokens);
    size_t end = 0;
    while (end < tokens.size() && (d >= boilerplate_cp.size() || tokens[end].original.cp_begin < boilerplate_cp[d])) ++end;
    tokens.resize(end);
  };
  // Every run of k tokens as a 12-byte (hash, document) entry, sorted by hash.
  struct Entry {
    uint32_t hash_high, hash_low, doc;
    uint64_t hash() const { return (uint64_t{hash_high} << 32) | hash_low; }
  };
  std::vector<Entry> entries;
  std::vector<uint64_t> hashes;
  for (uint32_t d = 0; d < num_docs; ++d) {
    tokenize(d);
    hashes.resize(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) hashes[i] = tokens[i].hash;
    for (size_t i = 0; i + k <= hashes.size(); ++i) {
      const uint64_t h = hash_run(&hashes[i], k);
      entries.push_back({static_cast<uint32_t>(h >> 32), static_cast<uint32_t>(h), d});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return std::tie(x.hash_high, x.hash_low, x.doc) < std::tie(y.hash_high, y.hash_low, y.doc);
  });

  auto key = [](uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; };
  std::vector<std::pair<uint64_t, size_t>> planted;  // (pair key, index in corpus->truth)
  for (size_t i = 0; i < corpus->truth.size(); ++i) {
    planted.emplace_back(key(corpus->truth[i].a, corpus->truth[i].b), i);
  }
  std::sort(planted.begin(), planted.end());
  std::vector<bool> confirmed(corpus->truth.size(), false);
  std::vector<std::pair<uint64_t, uint64_t>> accidental;  // (pair key, a shared run's hash)
  for (size_t begin = 0, end; begin < entries.size(); begin = end) {
    end = begin + 1;
    while (end < entries.size() && entries[end].hash() == entries[begin].hash()) ++end;
    for (size_t i = begin; i < end; ++i) {
      for (size_t j = i + 1; j < end; ++j) {
        if (entries[i].doc == entries[j].doc) continue;
        const uint64_t pair = key(entries[i].doc, entries[j].doc);
        auto it = std::lower_bound(planted.begin(), planted.end(), std::make_pair(pair, size_t{0}));
        if (it != planted.end() && it->first == pair) {
          confirmed[it->second] = true;
        } else {
          accidental.emplace_back(pair, entries[i].hash());
        }
      }
    }
  }
  std::vector<Entry>().swap(entries);

  // Planted pairs without a shared run are not truth.
  std::vector<TruthPair> kept;
  for (size_t i = 0; i < corpus->truth.size(); ++i) {
    if (confirmed[i]) {
      kept.push_back(corpus->truth[i]);
    } else {
      ++corpus->stats.lost_pairs;
    }
  }
  // Unplanted pairs with one are, with the maximal run around their first shared k tokens (the
  // two documents are tokenized again: such pairs are rare).
  std::sort(accidental.begin(), accidental.end());
  std::vector<OriginalSpan> spans_a;
  std::vector<uint64_t> hashes_a;
  for (size_t i = 0; i < accidental.size(); ++i) {
    if (i > 0 && accidental[i].first == accidental[i - 1].first) continue;
    const uint32_t a = static_cast<uint32_t>(accidental[i].first >> 32);
    const uint32_t b = static_cast<uint32_t>(accidental[i].first);
    tokenize(a);
    hashes_a.clear();
    spans_a.clear();
    for (const Token& t : tokens) {
      hashes_a.push_back(t.hash);
      spans_a.push_back(t.original);
    }
    tokenize(b);
    hashes.resize(tokens.size());
    for (size_t t = 0; t < tokens.size(); ++t) hashes[t] = tokens[t].hash;
    auto first_with = [&](const std::vector<uint64_t>& h) {
      size_t at = 0;
      while (at + k <= h.size() && hash_run(&h[at], k) != accidental[i].second) ++at;
      return at;
    };
    size_t pa = first_with(hashes_a), pb = first_with(hashes);
    size_t length = k;
    while (pa > 0 && pb > 0 && hashes_a[pa - 1] == hashes[pb - 1]) --pa, --pb, ++length;
    while (pa + length < hashes_a.size() && pb + length < hashes.size() &&
           hashes_a[pa + length] == hashes[pb + length]) {
      ++length;
    }
    TruthPair t;
    t.a = a;
    t.b = b;
    t.kind = PairKind::kReuse;
    t.a_begin = spans_a[pa].cp_begin;
    t.a_end = spans_a[pa + length - 1].cp_end;
    t.b_begin = tokens[pb].original.cp_begin;
    t.b_end = tokens[pb + length - 1].original.cp_end;
    t.planted = false;
    kept.push_back(t);
    ++corpus->stats.accidental_pairs;
  }
  std::sort(kept.begin(), kept.end(), [](const TruthPair& x, const TruthPair& y) {
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  });
  corpus->truth = std::move(kept);
}

// ---- JSON Lines ----

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendDocumentJsonl(const Document& doc, std::string* out) {
  out->append("{\"id\":");
  AppendJsonString(doc.id, out);
  out->append(",\"text\":");
  AppendJsonString(doc.text, out);
  if (!doc.meta.date.empty()) {
    out->append(",\"date\":");
    AppendJsonString(doc.meta.date, out);
  }
  if (!doc.meta.source.empty()) {
    out->append(",\"source\":");
    AppendJsonString(doc.meta.source, out);
  }
  out->append("}\n");
}

void AppendTruthJsonl(const TruthPair& pair, absl::Span<const Document> docs, std::string* out) {
  out->append("{\"a\":");
  AppendJsonString(docs[pair.a].id, out);
  out->append(",\"b\":");
  AppendJsonString(docs[pair.b].id, out);
  absl::StrAppend(out, ",\"kind\":\"", PairKindName(pair.kind), "\",\"a_begin\":", pair.a_begin,
                  ",\"a_end\":", pair.a_end, ",\"b_begin\":", pair.b_begin,
                  ",\"b_end\":", pair.b_end, ",\"quote\":", pair.quote ? "true" : "false",
                  ",\"planted\":", pair.planted ? "true" : "false", "}\n");
}

namespace {

// Calls fn(line_number, element) for each non-blank line of a JSON Lines file.
absl::Status ForEachJsonLine(
    const std::string& path,
    const std::function<absl::Status(size_t, simdjson::dom::element)>& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  simdjson::dom::parser parser;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    simdjson::dom::element element;
    if (parser.parse(line).get(element) != simdjson::SUCCESS || !element.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": not a JSON object"));
    }
    NAQL_RETURN_IF_ERROR(fn(number, element));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteJsonl(const GeneratedCorpus& corpus, const std::string& corpus_path,
                        const std::string& truth_path) {
  // Streamed in 1 MiB pieces: a 200 MB corpus is not copied into one string.
  auto write = [](const std::string& path, size_t count, auto append) -> absl::Status {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return ErrnoToStatus(errno, absl::StrCat("cannot create ", path));
    std::string buffer;
    int error = 0;
    for (size_t i = 0; i < count && error == 0; ++i) {
      append(i, &buffer);
      if (buffer.size() >= (1 << 20) || i + 1 == count) {
        if (std::fwrite(buffer.data(), 1, buffer.size(), file) != buffer.size()) error = errno;
        buffer.clear();
      }
    }
    if (std::fclose(file) != 0 && error == 0) error = errno;
    if (error != 0) return ErrnoToStatus(error, absl::StrCat("cannot write ", path));
    return absl::OkStatus();
  };
  NAQL_RETURN_IF_ERROR(write(corpus_path, corpus.docs.size(), [&](size_t i, std::string* out) {
    AppendDocumentJsonl(corpus.docs[i], out);
  }));
  return write(truth_path, corpus.truth.size(), [&](size_t i, std::string* out) {
    AppendTruthJsonl(corpus.truth[i], corpus.docs, out);
  });
}

absl::StatusOr<std::vector<Document>> ReadDocumentsJsonl(const std::string& path) {
  std::vector<Document> docs;
  NAQL_RETURN_IF_ERROR(ForEachJsonLine(
      path, [&](size_t number, simdjson::dom::element element) -> absl::Status {
        Document doc;
        std::string_view value;
        if (element["text"].get_string().get(value) != simdjson::SUCCESS) {
          return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": no \"text\""));
        }
        doc.text = std::string(value);
        if (element["id"].get_string().get(value) == simdjson::SUCCESS) doc.id = std::string(value);
        if (element["date"].get_string().get(value) == simdjson::SUCCESS) {
          doc.meta.date = std::string(value);
        }
        if (element["source"].get_string().get(value) == simdjson::SUCCESS) {
          doc.meta.source = std::string(value);
        }
        doc.location = absl::StrCat(path, ":", number);
        docs.push_back(std::move(doc));
        return absl::OkStatus();
      }));
  return docs;
}

absl::StatusOr<std::vector<TruthPair>> ReadTruthJsonl(const std::string& path,
                                                      absl::Span<const Document> docs) {
  absl::flat_hash_map<std::string, uint32_t> index;
  for (uint32_t i = 0; i < docs.size(); ++i) index.emplace(docs[i].id, i);
  std::vector<TruthPair> truth;
  NAQL_RETURN_IF_ERROR(ForEachJsonLine(
      path, [&](size_t number, simdjson::dom::element element) -> absl::Status {
        auto bad = [&](absl::string_view what) {
          return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": ", what));
        };
        TruthPair pair;
        std::string_view a, b, kind;
        if (element["a"].get_string().get(a) != simdjson::SUCCESS ||
            element["b"].get_string().get(b) != simdjson::SUCCESS ||
            element["kind"].get_string().get(kind) != simdjson::SUCCESS) {
          return bad("needs string fields a, b, kind");
        }
        auto ia = index.find(std::string(a));
        auto ib = index.find(std::string(b));
        if (ia == index.end() || ib == index.end()) return bad("unknown document id");
        pair.a = ia->second;
        pair.b = ib->second;
        if (kind == "duplicate") {
          pair.kind = PairKind::kDuplicate;
        } else if (kind == "reuse") {
          pair.kind = PairKind::kReuse;
        } else {
          return bad("kind must be duplicate or reuse");
        }
        uint64_t value;
        for (auto [name, field] : {std::make_pair("a_begin", &pair.a_begin),
                                   std::make_pair("a_end", &pair.a_end),
                                   std::make_pair("b_begin", &pair.b_begin),
                                   std::make_pair("b_end", &pair.b_end)}) {
          if (element[name].get_uint64().get(value) != simdjson::SUCCESS || value > 0xFFFFFFFFu) {
            return bad(absl::StrCat("needs an unsigned ", name));
          }
          *field = static_cast<uint32_t>(value);
        }
        bool flag;
        if (element["quote"].get_bool().get(flag) == simdjson::SUCCESS) pair.quote = flag;
        if (element["planted"].get_bool().get(flag) == simdjson::SUCCESS) pair.planted = flag;
        truth.push_back(pair);
        return absl::OkStatus();
      }));
  return truth;
}

}  // namespace naql::testing
