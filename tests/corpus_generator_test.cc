// Tests of the planted-corpus generator: determinism, and exactness of the truth checked by brute
// force with naql's Normalizer and Tokenizer — every truth pair shares a run of min_words tokens
// inside its recorded ranges, and no other pair shares one — on fresh corpora (synthesized and
// real bases, with and without boilerplate) and on the committed fixture fixtures/planted/.

#include "corpus_generator.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "naql/clusters.h"
#include "naql/normalizer.h"
#include "naql/tokenizer.h"
#include "testing.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace naql::testing {
namespace {


GeneratedCorpus Generate(const GeneratorOptions& options) {
  absl::StatusOr<GeneratedCorpus> corpus = GenerateCorpus(options, SeedArticles());
  EXPECT_TRUE(corpus.ok()) << corpus.status();
  return corpus.ok() ? *std::move(corpus) : GeneratedCorpus();
}

std::string Jsonl(const GeneratedCorpus& corpus) {
  std::string out;
  for (const Document& doc : corpus.docs) AppendDocumentJsonl(doc, &out);
  for (const TruthPair& pair : corpus.truth) AppendTruthJsonl(pair, corpus.docs, &out);
  return out;
}

// A document's tokens by naql's pipeline (default options).
struct Tokenized {
  std::vector<uint64_t> hashes;
  std::vector<OriginalSpan> spans;
};

Tokenized TokenizeText(absl::string_view text) {
  static const Normalizer* normalizer = new Normalizer();
  static const Tokenizer* tokenizer = new Tokenizer();
  NormalizedText folded;
  normalizer->Normalize(text, &folded);
  std::vector<Token> tokens;
  tokenizer->Tokenize(folded, &tokens);
  Tokenized out;
  for (const Token& t : tokens) {
    out.hashes.push_back(t.hash);
    out.spans.push_back(t.original);
  }
  return out;
}

// Sorted distinct hashes of the runs of k tokens. (XXH3 with a seed of its own: a collision
// could only add a pair, which the comparison with the truth would report.)
std::vector<uint64_t> Runs(const std::vector<uint64_t>& tokens, size_t k) {
  std::vector<uint64_t> runs;
  for (size_t i = 0; i + k <= tokens.size(); ++i) {
    runs.push_back(XXH3_64bits_withSeed(&tokens[i], k * sizeof(uint64_t), 0x7465737472756e73ULL));
  }
  std::sort(runs.begin(), runs.end());
  runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
  return runs;
}

bool ShareRun(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) return true;
    if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

// Tokens whose original span lies in [begin, end) (code points).
std::vector<uint64_t> TokensIn(const Tokenized& t, uint32_t begin, uint32_t end) {
  std::vector<uint64_t> out;
  for (size_t i = 0; i < t.hashes.size(); ++i) {
    if (t.spans[i].cp_begin >= begin && t.spans[i].cp_end <= end) out.push_back(t.hashes[i]);
  }
  return out;
}

bool StartsAToken(const Tokenized& t, uint32_t cp) {
  for (const OriginalSpan& s : t.spans) {
    if (s.cp_begin == cp) return true;
  }
  return false;
}
bool EndsAToken(const Tokenized& t, uint32_t cp) {
  for (const OriginalSpan& s : t.spans) {
    if (s.cp_end == cp) return true;
  }
  return false;
}

// The code points of UTF-8 `text` (valid UTF-8 assumed: generated text is).
std::u32string Decode(absl::string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const int length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t value = length == 1 ? c : c & (0xFF >> (length + 1));
    for (int k = 1; k < length; ++k) value = (value << 6) | (text[i + k] & 0x3F);
    out.push_back(value);
    i += length;
  }
  return out;
}

// True when the characters attached to the word starting at code point `cp` (back to the previous
// space) include an opening quotation mark we plant: « or ".
bool QuotedAt(absl::string_view text, uint32_t cp) {
  const std::u32string cps = Decode(text);
  for (uint32_t i = cp; i > 0 && cps[i - 1] != U' ' && cps[i - 1] != U'\n'; --i) {
    if (cps[i - 1] == U'«' || cps[i - 1] == U'"') return true;
  }
  return false;
}

// Checks the truth of `corpus` by brute force; `footer_free` gives each document's text without
// boilerplate (the truth ignores it).
void ExpectExactTruth(const GeneratedCorpus& corpus, const std::vector<std::string>& footer_free,
                      uint32_t min_words) {
  const size_t n = corpus.docs.size();
  std::vector<Tokenized> tokens(n);
  std::vector<std::vector<uint64_t>> runs(n);
  for (size_t d = 0; d < n; ++d) {
    tokens[d] = TokenizeText(corpus.docs[d].text);
    runs[d] = Runs(TokenizeText(footer_free[d]).hashes, min_words);
  }
  std::set<std::pair<uint32_t, uint32_t>> truth;
  for (const TruthPair& t : corpus.truth) {
    ASSERT_LT(t.a, t.b);
    ASSERT_TRUE(truth.emplace(t.a, t.b).second) << "pair listed twice";
    EXPECT_TRUE(t.planted) << "accidental overlap " << t.a << "," << t.b;
  }
  std::set<std::pair<uint32_t, uint32_t>> sharing;
  for (uint32_t a = 0; a < n; ++a) {
    for (uint32_t b = a + 1; b < n; ++b) {
      if (ShareRun(runs[a], runs[b])) sharing.emplace(a, b);
    }
  }
  EXPECT_EQ(sharing, truth) << "truth must be exactly the pairs sharing " << min_words
                            << " consecutive tokens";

  for (const TruthPair& t : corpus.truth) {
    SCOPED_TRACE(::testing::Message() << corpus.docs[t.a].id << " " << corpus.docs[t.b].id);
    const Tokenized& ta = tokens[t.a];
    const Tokenized& tb = tokens[t.b];
    ASSERT_LT(t.a_begin, t.a_end);
    ASSERT_LT(t.b_begin, t.b_end);
    EXPECT_TRUE(StartsAToken(ta, t.a_begin) && EndsAToken(ta, t.a_end));
    EXPECT_TRUE(StartsAToken(tb, t.b_begin) && EndsAToken(tb, t.b_end));
    // The recorded slices themselves share a run of min_words tokens.
    const std::vector<uint64_t> slice_a = TokensIn(ta, t.a_begin, t.a_end);
    const std::vector<uint64_t> slice_b = TokensIn(tb, t.b_begin, t.b_end);
    EXPECT_TRUE(ShareRun(Runs(slice_a, min_words), Runs(slice_b, min_words)));
    const double shorter = static_cast<double>(std::min(ta.hashes.size(), tb.hashes.size()));
    if (t.kind == PairKind::kDuplicate) {
      // Copies substitute words one for one: the slices align position by position, with few
      // differences, and cover the shorter article above the duplicate threshold.
      ASSERT_EQ(slice_a.size(), slice_b.size());
      size_t different = 0;
      for (size_t i = 0; i < slice_a.size(); ++i) different += slice_a[i] != slice_b[i];
      EXPECT_LE(different, slice_a.size() / 10);
      EXPECT_GE(slice_a.size() / shorter, kDuplicateCoverage);
    } else {
      // A passage with at most one light edit on each side: lengths differ by at most 2, the
      // first min_words tokens are untouched, and it stays below the duplicate cover.
      EXPECT_LE(std::max(slice_a.size(), slice_b.size()) - std::min(slice_a.size(), slice_b.size()),
                2u);
      ASSERT_GE(std::min(slice_a.size(), slice_b.size()), min_words);
      EXPECT_TRUE(std::equal(slice_a.begin(), slice_a.begin() + min_words, slice_b.begin()));
      EXPECT_LT(std::min(slice_a.size(), slice_b.size()) / shorter, kDuplicateCoverage);
    }
    if (t.quote) {
      for (const auto& [text, begin] : {std::make_pair(&corpus.docs[t.a].text, t.a_begin),
                                        std::make_pair(&corpus.docs[t.b].text, t.b_begin)}) {
        EXPECT_TRUE(QuotedAt(*text, begin));
      }
    }
  }
}

// No pair outside the truth has a near passage of the kind an edit-tolerant aligner could report:
// min_words equal tokens on one diagonal within min_words + 2 positions (two substitutions). Brute
// force: for every such pair, the positions where the two texts have equal tokens, grouped by
// diagonal, and any min_words of them within that span.
void ExpectNoNearPassages(const GeneratedCorpus& corpus, const std::vector<std::string>& texts,
                          uint32_t min_words) {
  const size_t n = corpus.docs.size();
  const size_t w = min_words + 2;
  std::vector<std::vector<uint64_t>> tokens(n);
  for (size_t d = 0; d < n; ++d) tokens[d] = TokenizeText(texts[d]).hashes;
  std::set<std::pair<uint32_t, uint32_t>> truth;
  for (const TruthPair& t : corpus.truth) truth.emplace(t.a, t.b);
  // (token hash, position) of every document, sorted.
  std::vector<std::vector<std::pair<uint64_t, uint32_t>>> sorted(n);
  for (size_t d = 0; d < n; ++d) {
    for (uint32_t i = 0; i < tokens[d].size(); ++i) sorted[d].emplace_back(tokens[d][i], i);
    std::sort(sorted[d].begin(), sorted[d].end());
  }
  size_t near = 0;
  std::vector<std::pair<int64_t, uint32_t>> matches;  // (diagonal i - j, i)
  for (uint32_t a = 0; a < n; ++a) {
    for (uint32_t b = a + 1; b < n; ++b) {
      if (truth.count({a, b})) continue;
      // Merge join: every (i, j) with equal tokens.
      matches.clear();
      const auto& x = sorted[a];
      const auto& y = sorted[b];
      for (size_t p = 0, q = 0; p < x.size() && q < y.size();) {
        if (x[p].first < y[q].first) {
          ++p;
        } else if (y[q].first < x[p].first) {
          ++q;
        } else {
          size_t p_end = p, q_end = q;
          while (p_end < x.size() && x[p_end].first == x[p].first) ++p_end;
          while (q_end < y.size() && y[q_end].first == y[q].first) ++q_end;
          for (size_t i = p; i < p_end; ++i) {
            for (size_t j = q; j < q_end; ++j) {
              matches.emplace_back(int64_t{x[i].second} - y[j].second, x[i].second);
            }
          }
          p = p_end;
          q = q_end;
        }
      }
      std::sort(matches.begin(), matches.end());
      for (size_t k = 0; k + min_words <= matches.size(); ++k) {
        const auto& first = matches[k];
        const auto& last = matches[k + min_words - 1];
        if (first.first == last.first && last.second - first.second < w) {
          ++near;
          ADD_FAILURE() << "near passage " << corpus.docs[a].id << " " << corpus.docs[b].id;
          break;
        }
      }
    }
  }
  EXPECT_EQ(near, 0u);
}

std::vector<std::string> Texts(const GeneratedCorpus& corpus) {
  std::vector<std::string> texts;
  for (const Document& doc : corpus.docs) texts.push_back(doc.text);
  return texts;
}

TEST(GeneratorOptionsTest, Validate) {
  EXPECT_TRUE(GeneratorOptions().Validate().ok());
  auto invalid = [](auto mutate) {
    GeneratorOptions options;
    mutate(options);
    return options.Validate().code() == absl::StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid([](GeneratorOptions& o) { o.num_documents = 0; }));
  EXPECT_TRUE(invalid([](GeneratorOptions& o) { o.duplicate_rate = 1.5; }));
  EXPECT_TRUE(invalid([](GeneratorOptions& o) { o.reuse_rate = 0.9; }));
  EXPECT_TRUE(invalid([](GeneratorOptions& o) { o.max_shared_words = 8; }));
  EXPECT_TRUE(invalid([](GeneratorOptions& o) { o.min_words = 1; }));
  EXPECT_TRUE(invalid([](GeneratorOptions& o) { o.min_article_words = 500; }));
  EXPECT_EQ(GenerateCorpus(GeneratorOptions(), {}).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "an empty pool";
}

TEST(GenerateCorpusTest, SameSeedSameBytesOtherSeedOtherBytes) {
  GeneratorOptions options;
  options.num_documents = 40;
  options.seed = TestSeed(11);
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << options.seed);
  const std::string first = Jsonl(Generate(options));
  EXPECT_EQ(first, Jsonl(Generate(options)));
  options.seed += 1;
  EXPECT_NE(first, Jsonl(Generate(options)));
}

TEST(GenerateCorpusTest, TruthIsExactOnSynthesizedBases) {
  GeneratorOptions options;
  options.num_documents = 150;
  options.seed = TestSeed(12);
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << options.seed);
  const GeneratedCorpus corpus = Generate(options);
  ASSERT_EQ(corpus.docs.size(), 150u);
  EXPECT_GT(corpus.stats.copies, 0u);
  EXPECT_GT(corpus.stats.passage_occurrences, 0u);
  EXPECT_GT(corpus.stats.quoted_occurrences, 0u);
  EXPECT_GT(corpus.stats.edited_occurrences, 0u);
  EXPECT_EQ(corpus.stats.accidental_pairs, 0u);
  EXPECT_EQ(corpus.stats.lost_pairs, 0u);
  std::set<std::string> ids;
  for (const Document& doc : corpus.docs) {
    EXPECT_TRUE(ids.insert(doc.id).second);
    EXPECT_EQ(doc.meta.date.size(), 10u);
    EXPECT_FALSE(doc.meta.source.empty());
  }
  ExpectExactTruth(corpus, Texts(corpus), options.min_words);
  ExpectNoNearPassages(corpus, Texts(corpus), options.min_words);
}

// Each cluster of copies has one origin, dated strictly before every copy.
TEST(GenerateCorpusTest, CopiesAreDatedAfterTheirOrigin) {
  GeneratorOptions options;
  options.num_documents = 80;
  options.duplicate_rate = 0.5;
  options.reuse_rate = 0;
  options.seed = TestSeed(13);
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << options.seed);
  const GeneratedCorpus corpus = Generate(options);
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (const TruthPair& t : corpus.truth) {
    EXPECT_EQ(t.kind, PairKind::kDuplicate);
    pairs.emplace_back(t.a, t.b);
  }
  const std::vector<Cluster> clusters =
      BuildClusters(static_cast<uint32_t>(corpus.docs.size()), pairs,
                    [&](uint32_t doc) { return absl::string_view(corpus.docs[doc].meta.date); });
  ASSERT_GT(clusters.size(), 5u);
  for (const Cluster& cluster : clusters) {
    EXPECT_LE(cluster.members.size(), 5u);
    for (const uint32_t m : cluster.members) {
      if (m != cluster.origin) {
        EXPECT_LT(corpus.docs[cluster.origin].meta.date, corpus.docs[m].meta.date);
      }
    }
    // Every pair of a cluster is a truth pair.
    const size_t k = cluster.members.size();
    size_t listed = 0;
    for (const TruthPair& t : corpus.truth) {
      listed += std::binary_search(cluster.members.begin(), cluster.members.end(), t.a);
    }
    EXPECT_EQ(listed, k * (k - 1) / 2);
  }
}

TEST(GenerateCorpusTest, TruthIsExactOnRealBases) {
  GeneratorOptions options;
  options.num_documents = 40;
  options.real_bases = true;
  options.seed = TestSeed(14);
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << options.seed);
  const GeneratedCorpus corpus = Generate(options);
  // The seed articles report one event and some quote the same statements: the later of two
  // such articles is not a base (it would be an unplanted reuse pair).
  EXPECT_GE(corpus.stats.real_articles, 2u);
  EXPECT_EQ(corpus.stats.real_articles + corpus.stats.pool_rejected, SeedArticles().size());
  ExpectExactTruth(corpus, Texts(corpus), options.min_words);
}

// Boilerplate footers are shared by many documents but are not truth; everything else is the same
// corpus as without them.
TEST(GenerateCorpusTest, BoilerplateIsNotTruth) {
  GeneratorOptions options;
  options.num_documents = 60;
  options.seed = TestSeed(15);
  SCOPED_TRACE(::testing::Message() << "NAQL_TEST_SEED=" << options.seed);
  const GeneratedCorpus plain = Generate(options);
  options.boilerplate_rate = 1;
  const GeneratedCorpus with_footers = Generate(options);
  ASSERT_EQ(plain.docs.size(), with_footers.docs.size());
  EXPECT_EQ(with_footers.stats.boilerplate_documents, with_footers.docs.size());
  std::string truth_plain, truth_footers;
  for (const TruthPair& t : plain.truth) AppendTruthJsonl(t, plain.docs, &truth_plain);
  for (const TruthPair& t : with_footers.truth) {
    AppendTruthJsonl(t, with_footers.docs, &truth_footers);
  }
  EXPECT_EQ(truth_plain, truth_footers);
  size_t shared_footers = 0;
  for (size_t d = 0; d < plain.docs.size(); ++d) {
    ASSERT_TRUE(absl::StartsWith(with_footers.docs[d].text, plain.docs[d].text + "\n\n"));
    for (size_t e = d + 1; e < plain.docs.size(); ++e) {
      shared_footers += plain.docs[d].meta.source == plain.docs[e].meta.source;
    }
  }
  EXPECT_GT(shared_footers, 0u) << "footers must be shared for the test to mean something";
  ExpectExactTruth(with_footers, Texts(plain), options.min_words);
}

// The final check on a hand-made corpus: a planted pair without a shared run is dropped, an
// unplanted pair with one is added with the offsets of the maximal shared run, and runs inside
// boilerplate do not count.
TEST(ReconcileTruthTest, DropsLostAndAddsAccidentalPairs) {
  const std::string shared = "واحد اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية تسعة";  // 9 words
  const std::string footer = " جميع الحقوق محفوظة لهذا الموقع الإخباري منذ عام ألفين";  // 9 words
  GeneratedCorpus corpus;
  corpus.docs.resize(4);
  corpus.docs[0].text = absl::StrCat("بداية النص «", shared, "» نهاية");
  corpus.docs[1].text = absl::StrCat("مقدمة أخرى ", shared, "، وخاتمة");
  corpus.docs[2].text = absl::StrCat("نص لا يشارك شيئا", footer);
  corpus.docs[3].text = absl::StrCat("نص آخر مختلف تماما", footer);
  for (size_t i = 0; i < 4; ++i) corpus.docs[i].id = absl::StrCat("d", i);
  TruthPair lost;
  lost.a = 0;
  lost.b = 2;
  corpus.truth.push_back(lost);
  // Boilerplate starts where the footer does in documents 2 and 3.
  const uint32_t none = 0xFFFFFFFFu;
  const std::vector<uint32_t> boilerplate = {none, none, 16, 18};
  ReconcileTruth(8, boilerplate, &corpus);
  EXPECT_EQ(corpus.stats.lost_pairs, 1u);
  EXPECT_EQ(corpus.stats.accidental_pairs, 1u);
  ASSERT_EQ(corpus.truth.size(), 1u);
  const TruthPair& t = corpus.truth[0];
  EXPECT_EQ(t.a, 0u);
  EXPECT_EQ(t.b, 1u);
  EXPECT_FALSE(t.planted);
  EXPECT_EQ(t.kind, PairKind::kReuse);
  // "بداية النص «" is 12 code points, "مقدمة أخرى " 11; the run is the 9 shared words.
  const uint32_t length = static_cast<uint32_t>(Decode(shared).size());
  EXPECT_EQ(t.a_begin, 12u);
  EXPECT_EQ(t.a_end, 12u + length);
  EXPECT_EQ(t.b_begin, 11u);
  EXPECT_EQ(t.b_end, 11u + length);

  // Without the boilerplate bounds the footers make documents 2 and 3 a pair too.
  GeneratedCorpus again;
  again.docs = corpus.docs;
  ReconcileTruth(8, {}, &again);
  ASSERT_EQ(again.truth.size(), 2u);
  EXPECT_EQ(again.truth[1].a, 2u);
  EXPECT_EQ(again.truth[1].b, 3u);
}

TEST(JsonlTest, RoundTrip) {
  GeneratorOptions options;
  options.num_documents = 20;
  const GeneratedCorpus corpus = Generate(options);
  const std::string dir = ::testing::TempDir();
  const std::string corpus_path = dir + "/naql_generator_corpus.jsonl";
  const std::string truth_path = dir + "/naql_generator_truth.jsonl";
  ASSERT_TRUE(WriteJsonl(corpus, corpus_path, truth_path).ok());
  absl::StatusOr<std::vector<Document>> docs = ReadDocumentsJsonl(corpus_path);
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), corpus.docs.size());
  for (size_t i = 0; i < docs->size(); ++i) {
    EXPECT_EQ((*docs)[i].id, corpus.docs[i].id);
    EXPECT_EQ((*docs)[i].text, corpus.docs[i].text);
    EXPECT_EQ((*docs)[i].meta.date, corpus.docs[i].meta.date);
    EXPECT_EQ((*docs)[i].meta.source, corpus.docs[i].meta.source);
  }
  absl::StatusOr<std::vector<TruthPair>> truth = ReadTruthJsonl(truth_path, *docs);
  ASSERT_TRUE(truth.ok()) << truth.status();
  std::string expected, got;
  for (const TruthPair& t : corpus.truth) AppendTruthJsonl(t, corpus.docs, &expected);
  for (const TruthPair& t : *truth) AppendTruthJsonl(t, *docs, &got);
  EXPECT_EQ(got, expected);
  std::remove(corpus_path.c_str());
  std::remove(truth_path.c_str());

  std::string escaped;
  AppendJsonString("a\"b\\c\n\x01", &escaped);
  EXPECT_EQ(escaped, "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(ReadDocumentsJsonl(dir + "/naql_no_such_file.jsonl").status().code(),
            absl::StatusCode::kNotFound);
}

// The committed fixture (see fixtures/planted/README.md) is exact under the current tokenizer.
TEST(PlantedFixtureTest, TruthIsExact) {
  absl::StatusOr<std::vector<Document>> docs =
      ReadDocumentsJsonl(FixturePath("planted/corpus.jsonl"));
  ASSERT_TRUE(docs.ok()) << docs.status();
  absl::StatusOr<std::vector<TruthPair>> truth =
      ReadTruthJsonl(FixturePath("planted/truth.jsonl"), *docs);
  ASSERT_TRUE(truth.ok()) << truth.status();
  EXPECT_GE(docs->size(), 200u);
  GeneratedCorpus corpus;
  corpus.docs = *std::move(docs);
  corpus.truth = *std::move(truth);
  ExpectExactTruth(corpus, Texts(corpus), 8);
  ExpectNoNearPassages(corpus, Texts(corpus), 8);
}

}  // namespace
}  // namespace naql::testing
