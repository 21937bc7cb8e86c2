#include "planted_pairs.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "naql/normalizer.h"
#include "naql/shingler.h"
#include "naql/tokenizer.h"
#include "testing.h"

namespace naql::testing {
namespace {

// ---- UTF-8 (the inputs are valid UTF-8 articles) ----------------------------------------------

std::u32string Decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string Encode(const std::u32string& s) {
  std::string out;
  for (char32_t cp : s) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

uint32_t CodePoints(std::string_view s) {
  uint32_t count = 0;
  for (unsigned char c : s) count += (c & 0xC0) != 0x80;
  return count;
}

bool IsArabicLetter(char32_t cp) { return cp >= 0x0621 && cp <= 0x064A; }

// Letters and digits; everything else (spaces, punctuation, quote marks, dashes) is not.
bool IsWordCodePoint(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
  if (cp >= 0x0600 && cp <= 0x06FF) {
    return cp != 0x060C && cp != 0x061B && cp != 0x061F && cp != 0x066A && cp != 0x066B &&
           cp != 0x066C && cp != 0x06D4;
  }
  return cp >= 0x00C0 && (cp < 0x2000 || cp > 0x2BFF);
}

// ---- Sentences --------------------------------------------------------------------------------

struct Sentence {
  std::string text;
  uint32_t article = 0;
  uint32_t index = 0;                // position among the article's usable sentences
  std::vector<uint64_t> four_grams;  // sorted, distinct
};

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n' && text[j] != '\t') ++j;
    if (j > i) words.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

std::vector<Sentence> SplitSentences(const std::vector<std::string>& articles) {
  const Normalizer normalizer;
  const Tokenizer tokenizer;
  std::vector<Sentence> sentences;
  std::vector<Token> tokens;
  std::vector<uint64_t> hashes;
  for (uint32_t article = 0; article < articles.size(); ++article) {
    const std::string& text = articles[article];
    uint32_t index = 0;
    size_t begin = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      bool end = i == text.size() || text[i] == '\n';
      size_t cut = i;  // sentence text is [begin, cut)
      if (!end && (text[i] == '.' || text[i] == '!' || text[i] == '?')) {
        end = true;
        cut = i + 1;
      }
      if (!end && i + 1 < text.size() && static_cast<unsigned char>(text[i]) == 0xD8 &&
          static_cast<unsigned char>(text[i + 1]) == 0x9F) {  // ؟ U+061F
        end = true;
        cut = i + 2;
      }
      if (!end) continue;
      std::string sentence =
          JoinWords(SplitWords(std::string_view(text).substr(begin, cut - begin)));
      begin = cut;
      const size_t words = SplitWords(sentence).size();
      if (words < 8 || words > 80) continue;
      Sentence s;
      s.text = std::move(sentence);
      s.article = article;
      s.index = index++;
      const NormalizedText folded = normalizer.Normalize(s.text);
      tokenizer.Tokenize(folded, &tokens);
      TokenHashes(tokens, &hashes);
      HashShingles(hashes, 4, &s.four_grams);
      std::sort(s.four_grams.begin(), s.four_grams.end());
      s.four_grams.erase(std::unique(s.four_grams.begin(), s.four_grams.end()), s.four_grams.end());
      sentences.push_back(std::move(s));
    }
  }
  return sentences;
}

bool ShareFourGram(const Sentence& x, const Sentence& y) {
  auto i = x.four_grams.begin(), j = y.four_grams.begin();
  while (i != x.four_grams.end() && j != y.four_grams.end()) {
    if (*i == *j) return true;
    *i < *j ? ++i : ++j;
  }
  return false;
}

// ---- Edits ------------------------------------------------------------------------------------

const char* const kFillers[] = {"أيضا", "قد",   "كما", "حاليا", "بدوره",
                                "فعلا", "الآن", "إذ",  "وقتها", "تحديدا"};
constexpr size_t kNumFillers = sizeof(kFillers) / sizeof(kFillers[0]);

// A spelling variant that survives normalization: adjacent letters swapped, a letter doubled, or
// a medial alef dropped. Returns the word unchanged when it has fewer than five Arabic letters.
std::string Respell(SplitMix64& rng, const std::string& word) {
  std::u32string cps = Decode(word);
  std::vector<size_t> letters;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (IsArabicLetter(cps[i])) letters.push_back(i);
  }
  if (letters.size() < 5) return word;
  // A medial position: not the first two letters (a clitic may sit there) nor the last.
  const size_t at = letters[2 + rng.Uniform(letters.size() - 3)];
  switch (rng.Uniform(3)) {
    case 0:
      if (at + 1 < cps.size() && IsArabicLetter(cps[at + 1]) && cps[at] != cps[at + 1]) {
        std::swap(cps[at], cps[at + 1]);
        break;
      }
      [[fallthrough]];
    case 1:
      cps.insert(cps.begin() + at, cps[at]);
      break;
    default: {
      const size_t alef = cps.find(U'\u0627', letters[1] + 1);
      if (alef != std::u32string::npos && alef < letters.back()) {
        cps.erase(alef, 1);
      } else {
        cps.insert(cps.begin() + at, cps[at]);
      }
    }
  }
  return Encode(cps);
}

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// The passage as another outlet prints it.
std::string EditPassage(SplitMix64& rng, const PlantedPairOptions& o,
                        std::vector<std::string> sentences, bool* reordered) {
  *reordered = false;
  if (sentences.size() >= 2 && rng.Bernoulli(o.reorder_rate)) {
    const size_t k = rng.Uniform(sentences.size() - 1);
    std::swap(sentences[k], sentences[k + 1]);
    *reordered = true;
  }
  std::vector<std::string> out;
  for (const std::string& sentence : sentences) {
    for (const std::string& word : SplitWords(sentence)) {
      if (rng.Bernoulli(o.add_rate)) out.push_back(kFillers[rng.Uniform(kNumFillers)]);
      if (rng.Bernoulli(o.drop_rate)) continue;
      if (rng.Bernoulli(o.replace_rate)) {
        out.push_back(kFillers[rng.Uniform(kNumFillers)]);
        continue;
      }
      std::string w = rng.Bernoulli(o.spelling_rate) ? Respell(rng, word) : word;
      if (rng.Bernoulli(o.conjunction_rate) && !w.empty() && IsArabicLetter(Decode(w)[0]) &&
          w.rfind("و", 0) != 0) {
        w = "و" + w;
      }
      out.push_back(std::move(w));
    }
  }
  std::string text = JoinWords(out);
  if (rng.Bernoulli(o.quote_change_rate)) {
    const bool curly = rng.Bernoulli(0.5);
    text =
        ReplaceAll(ReplaceAll(std::move(text), "«", curly ? "“" : "\""), "»", curly ? "”" : "\"");
  }
  if (rng.Bernoulli(o.comma_change_rate)) {
    text = ReplaceAll(std::move(text), "،", rng.Bernoulli(0.5) ? "," : "");
  }
  return text;
}

// Appends `piece` to `doc` after a separator (a space, sometimes a paragraph break) and returns
// the piece's range from its first to its last word character, in code points of `doc`.
CharRange AppendPiece(SplitMix64& rng, std::string* doc, const std::string& piece) {
  if (!doc->empty()) doc->append(rng.Bernoulli(0.3) ? "\n\n" : " ");
  const uint32_t start = CodePoints(*doc);
  doc->append(piece);
  const std::u32string cps = Decode(piece);
  size_t first = 0, last = cps.size();
  while (first < last && !IsWordCodePoint(cps[first])) ++first;
  while (last > first && !IsWordCodePoint(cps[last - 1])) --last;
  return CharRange{start + static_cast<uint32_t>(first), start + static_cast<uint32_t>(last)};
}

}  // namespace

std::vector<PlantedPair> MakePlantedPairs(const PlantedPairOptions& options,
                                          const std::vector<std::string>& articles) {
  const std::vector<Sentence> pool = SplitSentences(articles);
  const uint32_t n = static_cast<uint32_t>(pool.size());
  if (n < 12) {
    std::fprintf(stderr, "MakePlantedPairs: only %u usable sentences\n", n);
    std::abort();
  }
  std::vector<uint8_t> conflict(static_cast<size_t>(n) * n, 0);
  for (uint32_t x = 0; x < n; ++x) {
    for (uint32_t y = x; y < n; ++y) {
      conflict[x * n + y] = conflict[y * n + x] = x == y || ShareFourGram(pool[x], pool[y]);
    }
  }
  auto clashes = [&](uint32_t s, const std::vector<uint32_t>& set) {
    for (uint32_t t : set) {
      if (conflict[s * n + t]) return true;
    }
    return false;
  };

  SplitMix64 rng(options.seed);
  std::vector<PlantedPair> pairs;
  for (uint32_t p = 0; p < options.pairs; ++p) {
    std::vector<uint32_t> in_a, in_b;  // sentences used on each side
    // Passages: runs of consecutive sentences of one article, clashing with nothing chosen.
    std::vector<std::vector<uint32_t>> passages;
    const uint32_t wanted = 1 + static_cast<uint32_t>(rng.Uniform(options.max_passages_per_pair));
    for (int attempt = 0; attempt < 200 && passages.size() < wanted; ++attempt) {
      const uint32_t first = static_cast<uint32_t>(rng.Uniform(n));
      const uint32_t length = 1 + static_cast<uint32_t>(rng.Uniform(options.max_passage_sentences));
      std::vector<uint32_t> run;
      for (uint32_t s = first; s < n && run.size() < length; ++s) {
        if (pool[s].article != pool[first].article) break;
        if (clashes(s, in_a) || clashes(s, in_b)) break;
        run.push_back(s);
      }
      if (run.size() < length) continue;
      in_a.insert(in_a.end(), run.begin(), run.end());
      in_b.insert(in_b.end(), run.begin(), run.end());
      passages.push_back(std::move(run));
    }
    // Background: slot k comes before passage k (the last slot after the last passage).
    auto background = [&](std::vector<uint32_t>* own, const std::vector<uint32_t>& other) {
      std::vector<std::vector<uint32_t>> slots(passages.size() + 1);
      for (auto& slot : slots) {
        const uint64_t count = rng.Uniform(options.max_background_sentences + 1);
        for (int attempt = 0; attempt < 100 && slot.size() < count; ++attempt) {
          const uint32_t s = static_cast<uint32_t>(rng.Uniform(n));
          if (clashes(s, other) || std::find(own->begin(), own->end(), s) != own->end()) continue;
          own->push_back(s);
          slot.push_back(s);
        }
      }
      return slots;
    };
    const std::vector<std::vector<uint32_t>> background_a = background(&in_a, in_b);
    const std::vector<std::vector<uint32_t>> background_b = background(&in_b, in_a);

    PlantedPair pair;
    std::vector<CharRange> range_a(passages.size()), range_b(passages.size());
    for (size_t k = 0; k <= passages.size(); ++k) {
      for (uint32_t s : background_a[k]) AppendPiece(rng, &pair.a, pool[s].text);
      if (k == passages.size()) break;
      std::vector<std::string> texts;
      for (uint32_t s : passages[k]) texts.push_back(pool[s].text);
      range_a[k] = AppendPiece(rng, &pair.a, JoinWords(texts));
    }
    // In b the passages may come in another order.
    std::vector<size_t> order(passages.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng.Uniform(k)]);
    for (size_t slot = 0; slot <= passages.size(); ++slot) {
      for (uint32_t s : background_b[slot]) AppendPiece(rng, &pair.b, pool[s].text);
      if (slot == passages.size()) break;
      const size_t k = order[slot];
      std::vector<std::string> texts;
      for (uint32_t s : passages[k]) texts.push_back(pool[s].text);
      bool reordered = false;
      const std::string copy = EditPassage(rng, options, std::move(texts), &reordered);
      pair.reordered += reordered;
      range_b[k] = AppendPiece(rng, &pair.b, copy);
    }
    for (size_t k = 0; k < passages.size(); ++k) {
      pair.truth.push_back(PassagePair{p, range_a[k], range_b[k]});
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

}  // namespace naql::testing
