// The index's contract with `naql scan`: for the same documents, `index create` of an archive plus
// `index query --scan-new` of the new part finds exactly the pairs one scan of everything finds —
// same ids, kinds, Jaccard estimates, coverages and spans — on generated corpora with planted
// copies, quotations, boilerplate footers and Markov text that shares many short phrases (so that
// most candidates are rejected by alignment, the hard case for the index's exact re-check).
//
// Seeded (SCOPED_TRACE prints it); NAQL_TEST_SEED=<seed> replays a run.

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <iterator>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "corpus_generator.h"
#include "gtest/gtest.h"
#include "naql/index_store.h"
#include "naql/reader.h"
#include "naql/scanner.h"
#include "testing.h"

namespace naql {
namespace {

using ::naql::testing::GeneratedCorpus;
using ::naql::testing::GeneratorOptions;


class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "naql_equiv_XXXXXX";
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Everything a printer shows of a pair, keyed by (a id, b id).
using PairKey = std::pair<std::string, std::string>;
std::string Describe(const PairReport& r) {
  std::string out = absl::StrFormat("%s jaccard=%s cov=%.6f/%.6f", PairKindName(r.kind),
                                    r.jaccard ? absl::StrFormat("%.6f", *r.jaccard) : "null",
                                    r.coverage_a, r.coverage_b);
  for (const Span& s : r.spans) {
    absl::StrAppendFormat(&out, " [%u-%u|%u-%u b%u-%u|%u-%u w%u m%u e%u s%.6f q%d]", s.a.cp_begin,
                          s.a.cp_end, s.b.cp_begin, s.b.cp_end, s.a.byte_begin, s.a.byte_end,
                          s.b.byte_begin, s.b.byte_end, s.words, s.matches, s.edits, s.similarity,
                          s.quote ? 1 : 0);
  }
  return out;
}

struct Collect : ScanSink {
  std::map<PairKey, std::string> pairs;
  std::vector<PairKey> order;
  void OnPair(const PairReport& report, const Document& a, const Document& b) override {
    const PairKey key(a.id, b.id);
    EXPECT_EQ(pairs.count(key), 0u) << "pair reported twice: " << a.id << " " << b.id;
    pairs[key] = Describe(report);
    order.push_back(key);
  }
};

struct Scenario {
  uint32_t documents = 200;
  double boilerplate_rate = 0.3;
  uint32_t max_df = 100;
  uint32_t boilerplate_docs = 10;
  size_t archive_segments = 2;  // the archive is added in this many segments
  unsigned threads = 1;
  size_t block_cache_bytes = size_t{256} << 20;
  bool scan_new = true;  // false: each new article is compared with a scan of it and the archive
};

// What CompareScanAndIndex saw.
struct Comparison {
  std::map<PairKey, std::string> expected;  // the scan's pairs that the query must report
  size_t archive_pairs = 0;                 // of which with an archived article
  QueryStats stats;                         // the query's
};

// Indexes docs[0, archive_size) in setup.archive_segments segments, queries the rest, and expects
// the query to report exactly the pairs a scan reports whose later article is new, described
// identically, in the searcher's order: with scan_new, the pairs of one scan of `docs`; without,
// those of a scan of the archive and one new article, for each new article.
void CompareScanAndIndex(const std::vector<Document>& docs, size_t archive_size,
                         const Scenario& setup, Comparison* out) {
  SCOPED_TRACE(absl::StrCat(docs.size(), " documents, ", archive_size, " archived, max_df ",
                            setup.max_df, ", boilerplate_docs ", setup.boilerplate_docs,
                            ", threads ", setup.threads, setup.scan_new ? ", scan_new" : ""));
  ScratchDir scratch;
  ScanOptions scan_options;
  scan_options.passage.max_df = setup.max_df;
  scan_options.boilerplate.min_docs = setup.boilerplate_docs;
  scan_options.find_quotes = false;
  scan_options.threads = setup.threads;
  // The scan's pairs among `subset`, keyed by id.
  auto scan = [&](const std::vector<Document>& subset, Collect* scanned) {
    const std::string corpus_path = scratch.Sub("corpus.jsonl");
    GeneratedCorpus corpus;
    corpus.docs = subset;
    ASSERT_TRUE(::naql::testing::WriteJsonl(corpus, corpus_path, scratch.Sub("truth.jsonl")).ok());
    Scanner scanner(scan_options);
    auto reader = DocumentReader::Open({corpus_path}, ReaderOptions(), nullptr);
    ASSERT_TRUE(reader.ok());
    ASSERT_TRUE(scanner.Run(reader->get(), scanned).ok());
    ASSERT_EQ(scanner.documents().size(), subset.size());
    for (size_t i = 0; i < subset.size(); ++i) ASSERT_EQ(scanner.documents()[i].id, subset[i].id);
  };
  // With scan_new, one scan of everything; without, one scan of the archive and each new article
  // (the query counts document frequencies and boilerplate lines over those alone).
  Collect scanned;
  if (setup.scan_new) {
    scan(docs, &scanned);
  } else {
    for (size_t i = archive_size; i < docs.size(); ++i) {
      std::vector<Document> subset(docs.begin(), docs.begin() + archive_size);
      subset.push_back(docs[i]);
      Collect one;
      scan(subset, &one);
      for (const auto& [key, description] : one.pairs) {
        if (key.second == docs[i].id) scanned.pairs[key] = description;
      }
    }
  }
  if (::testing::Test::HasFatalFailure()) return;

  const std::string dir = scratch.Sub("index");
  {
    absl::StatusOr<IndexParams> params =
        IndexParams::FromOptions(scan_options.fingerprint, scan_options.lsh);
    ASSERT_TRUE(params.ok());
    IndexWriteOptions write;
    write.text_block_bytes = 8192;
    write.threads = setup.threads;
    auto writer = IndexWriter::Create(dir, *params, write);
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (size_t s = 0; s < setup.archive_segments; ++s) {
      const size_t begin = archive_size * s / setup.archive_segments;
      const size_t end = archive_size * (s + 1) / setup.archive_segments;
      AddStats stats;
      ASSERT_TRUE(
          (*writer)->AddBatch(absl::MakeConstSpan(docs).subspan(begin, end - begin), &stats).ok());
      ASSERT_TRUE((*writer)->Commit(&stats).ok());
    }
  }
  auto index = IndexReader::Open(dir);
  ASSERT_TRUE(index.ok()) << index.status();

  IndexQueryOptions query_options;
  query_options.passage.max_df = setup.max_df;
  query_options.boilerplate.min_docs = setup.boilerplate_docs;
  query_options.scan_new = setup.scan_new;
  query_options.threads = setup.threads;
  query_options.block_cache_bytes = setup.block_cache_bytes;
  IndexSearcher searcher(index->get(), query_options);
  Collect queried;
  ASSERT_TRUE(
      searcher.Run(absl::MakeConstSpan(docs).subspan(archive_size), &queried, &out->stats).ok());

  // The scan's pairs whose later article is new, against the query's.
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < docs.size(); ++i) position[docs[i].id] = i;
  for (const auto& [key, description] : scanned.pairs) {
    if (position[key.second] < archive_size) continue;
    out->expected[key] = description;
    out->archive_pairs += position[key.first] < archive_size;
  }
  size_t missing = 0, extra = 0, different = 0;
  for (const auto& [key, description] : out->expected) {
    auto it = queried.pairs.find(key);
    if (it == queried.pairs.end()) {
      ADD_FAILURE() << "missed " << key.first << " " << key.second << ": " << description;
      ++missing;
    } else if (it->second != description) {
      ADD_FAILURE() << "differs " << key.first << " " << key.second << "\n  scan:  " << description
                    << "\n  index: " << it->second;
      ++different;
    }
  }
  for (const auto& [key, description] : queried.pairs) {
    if (!out->expected.count(key)) {
      ADD_FAILURE() << "extra " << key.first << " " << key.second << ": " << description;
      ++extra;
    }
  }
  EXPECT_EQ(missing + extra + different, 0u);

  // Order: by query article, indexed articles first (oldest first), then earlier new ones.
  for (size_t i = 1; i < queried.order.size(); ++i) {
    const PairKey& x = queried.order[i - 1];
    const PairKey& y = queried.order[i];
    const auto rank = [&](const PairKey& k) {
      return std::make_tuple(position[k.second], position[k.first] >= archive_size,
                             position[k.first]);
    };
    EXPECT_LT(rank(x), rank(y));
  }
}

// A generated corpus, its first half archived.
void RunEquivalence(const Scenario& setup, uint64_t seed, Comparison* out) {
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  GeneratorOptions generator;
  generator.seed = seed;
  generator.num_documents = setup.documents;
  generator.boilerplate_rate = setup.boilerplate_rate;
  generator.min_article_words = 60;
  generator.max_article_words = 220;
  absl::StatusOr<GeneratedCorpus> corpus =
      ::naql::testing::GenerateCorpus(generator, ::naql::testing::SeedArticles());
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  const size_t archive_size = corpus->docs.size() / 2;
  CompareScanAndIndex(corpus->docs, archive_size, setup, out);
  // The comparison is not vacuous: the corpus has findings of both kinds, archive-to-new and
  // new-to-new, and candidates that alignment rejects.
  EXPECT_GT(out->archive_pairs, 5u);
  if (setup.scan_new) {
    EXPECT_GT(out->expected.size() - out->archive_pairs, 5u);
  }
  EXPECT_GT(out->stats.index_candidates, out->archive_pairs);
}

// `n` random words of 3 to 6 Arabic letters (U+0628..U+064A without the non-letters).
std::string Words(::naql::testing::SplitMix64* rng, size_t n) {
  static const char* const kLetters[] = {"ب", "ت", "ث", "ج", "ح", "خ", "د", "ذ", "ر",
                                         "ز", "س", "ش", "ص", "ض", "ط", "ظ", "ع", "غ",
                                         "ف", "ق", "ك", "م", "ن", "ه", "ي"};
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out.push_back(' ');
    const size_t letters = 3 + rng->Uniform(4);
    for (size_t k = 0; k < letters; ++k) {
      out.append(kLetters[rng->Uniform(std::size(kLetters))]);
    }
  }
  return out;
}

Document Article(std::string id, std::string source, std::string text) {
  Document doc;
  doc.id = std::move(id);
  doc.meta.source = std::move(source);
  doc.text = std::move(text);
  return doc;
}

TEST(IndexEquivalenceTest, CreatePlusQueryScanNewEqualsOneScan) {
  Comparison comparison;
  RunEquivalence(Scenario(), ::naql::testing::TestSeed(), &comparison);
}

// Without scan_new each new article is counted with the archive alone (document frequencies,
// boilerplate lines): a searcher that carried counts or cached checks from one query article to the
// next would differ from a scan of the archive and that article.
TEST(IndexEquivalenceTest, QueryWithoutScanNewEqualsAScanOfTheArchiveAndEachArticle) {
  Scenario setup;
  setup.documents = 80;
  setup.scan_new = false;
  setup.max_df = 3;
  setup.boilerplate_docs = 3;
  Comparison comparison;
  RunEquivalence(setup, ::naql::testing::TestSeed() + 2, &comparison);
}

// A low max_df drops shared fingerprints by their document frequency over archive and new
// documents together, and a low boilerplate threshold makes many lines boilerplate: both counts
// must add up across segments and query documents exactly as in the scan, including fingerprints
// that many indexed articles hold only inside boilerplate lines (those the scan does not count).
// Two threads and no block cache must not change anything.
TEST(IndexEquivalenceTest, DocumentFrequenciesSpanArchiveAndNewDocuments) {
  Scenario setup;
  setup.max_df = 3;
  setup.boilerplate_docs = 3;
  setup.archive_segments = 3;
  setup.threads = 2;
  setup.block_cache_bytes = 0;
  Comparison comparison;
  RunEquivalence(setup, ::naql::testing::TestSeed() + 1, &comparison);
  // The exact recount ran: hashes over max_df in the tables, some held in boilerplate only.
  EXPECT_GT(comparison.stats.dropped_fingerprints, 0u);
  EXPECT_GT(comparison.stats.df_checks, 0u);
}

// An article of `source` ending with `footer` on a line of its own.
Document WithFooter(::naql::testing::SplitMix64* rng, std::string id, std::string source,
                    const std::string& footer) {
  return Article(std::move(id), std::move(source), absl::StrCat(Words(rng, 80), "\n", footer));
}

// An article of `source` quoting `footer` on a line of its own between two paragraphs.
Document QuotingFooter(::naql::testing::SplitMix64* rng, std::string id, std::string source,
                       const std::string& footer) {
  return Article(std::move(id), std::move(source),
                 absl::StrCat(Words(rng, 50), "\n", footer, "\n", Words(rng, 30)));
}

// CompareScanAndIndex with max_df 3, once per scan_new value, expecting the scan to find `pair`
// and nothing else.
void ExpectOnlyPair(const std::vector<Document>& docs, size_t archive_size,
                    uint32_t boilerplate_docs, std::initializer_list<bool> scan_new_values,
                    const PairKey& pair) {
  for (const bool scan_new : scan_new_values) {
    Scenario setup;
    setup.max_df = 3;
    setup.boilerplate_docs = boilerplate_docs;
    setup.scan_new = scan_new;
    Comparison comparison;
    CompareScanAndIndex(docs, archive_size, setup, &comparison);
    ASSERT_EQ(comparison.expected.size(), 1u);
    EXPECT_EQ(comparison.expected.begin()->first, pair);
    EXPECT_GT(comparison.stats.df_checks, 0u);  // the footer's indexed copies were checked
  }
}

// Regression: a source's footer (boilerplate there) quoted in the body of two articles of another
// source. The scan counts the footer's fingerprints in those two articles only (df 2 <= max_df)
// and pairs them; the index once counted every indexed article holding the fingerprints (9, all
// but one inside boilerplate), dropped them as over max_df and missed the pair.
TEST(IndexEquivalenceTest, RegressionFooterOfOneSourceInAnotherSourcesBody) {
  const uint64_t seed = ::naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  ::naql::testing::SplitMix64 rng(seed);
  const std::string footer = Words(&rng, 14);
  std::vector<Document> docs;
  for (int i = 0; i < 8; ++i) docs.push_back(WithFooter(&rng, absl::StrCat("s", i), "S", footer));
  docs.push_back(QuotingFooter(&rng, "t0", "T", footer));
  docs.push_back(QuotingFooter(&rng, "t1", "T", footer));
  ExpectOnlyPair(docs, docs.size() - 1, 3, {true, false}, PairKey("t0", "t1"));
}

// A footer that becomes boilerplate only with the new articles of its source (6 indexed + 4 new
// = --boilerplate-docs 10), quoted in another source's articles: the indexed articles of the first
// source hold its fingerprints inside boilerplate, which only the query's own line counts reveal.
// The scan pairs the two articles of the other source; so must the query.
TEST(IndexEquivalenceTest, LineMadeBoilerplateByTheNewArticles) {
  const uint64_t seed = ::naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  ::naql::testing::SplitMix64 rng(seed);
  const std::string footer = Words(&rng, 14);
  std::vector<Document> docs;
  for (int i = 0; i < 6; ++i) docs.push_back(WithFooter(&rng, absl::StrCat("s", i), "S", footer));
  docs.push_back(QuotingFooter(&rng, "t0", "T", footer));
  for (int i = 6; i < 10; ++i) docs.push_back(WithFooter(&rng, absl::StrCat("s", i), "S", footer));
  docs.push_back(QuotingFooter(&rng, "t1", "T", footer));
  ExpectOnlyPair(docs, 7, 10, {true}, PairKey("t0", "t1"));
}

// The same with one new article that makes its source's footer boilerplate by itself (9 indexed
// articles + itself = --boilerplate-docs 10) and quotes the footer again inside a longer line,
// which is not boilerplate: its fingerprints count there, and in the other source's article, but
// not in the nine indexed footers. With and without scan_new (one new article: the same counts).
TEST(IndexEquivalenceTest, NewArticleMakesItsOwnFooterBoilerplate) {
  const uint64_t seed = ::naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  ::naql::testing::SplitMix64 rng(seed);
  const std::string footer = Words(&rng, 14);
  std::vector<Document> docs;
  for (int i = 0; i < 9; ++i) docs.push_back(WithFooter(&rng, absl::StrCat("s", i), "S", footer));
  docs.push_back(QuotingFooter(&rng, "t0", "T", footer));
  docs.push_back(Article("q", "S",
                         absl::StrCat(Words(&rng, 50), "\n", Words(&rng, 10), " ", footer, " ",
                                      Words(&rng, 10), "\n", footer)));
  ExpectOnlyPair(docs, docs.size() - 1, 10, {true, false}, PairKey("t0", "q"));
}

// Regression: a sentence shared by four new articles and no indexed one, with max_df 3. The scan
// drops its fingerprints (df 4); the index's exact recount, reached with no indexed holder, once
// kept them and paired all four articles.
TEST(IndexEquivalenceTest, RegressionHashOverMaxDfAmongNewArticlesOnly) {
  const uint64_t seed = ::naql::testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  ::naql::testing::SplitMix64 rng(seed);
  const std::string half = Words(&rng, 8);
  const std::string sentence = absl::StrCat(half, " ", Words(&rng, 8));
  std::vector<Document> docs;
  for (int i = 0; i < 4; ++i) {
    docs.push_back(Article(absl::StrCat("a", i), "A", Words(&rng, 100)));
  }
  for (int i = 0; i < 4; ++i) {
    docs.push_back(Article(absl::StrCat("n", i), absl::StrCat("N", i),
                           absl::StrCat(Words(&rng, 40), " ", sentence, " ", Words(&rng, 40))));
  }
  // One indexed article shares half of the sentence: its tables hold some of the hashes, so that
  // both the zero- and the one-holder paths are taken.
  absl::StrAppend(&docs[3].text, " ", half);
  Scenario setup;
  setup.max_df = 3;
  setup.boilerplate_docs = 3;
  Comparison comparison;
  CompareScanAndIndex(docs, 4, setup, &comparison);
  // The sentence's inner fingerprints (df 4) make no pair in the scan; only its edges, which
  // winnowing picks in some of the articles but not in others, may pair two or three of them.
  EXPECT_LT(comparison.expected.size(), 6u);
  EXPECT_GT(comparison.stats.dropped_fingerprints, 0u);
}

}  // namespace
}  // namespace naql
