// Tests of the Scanner, end to end through the DocumentReader: the seed articles' shared letter,
// pair-level recall and precision on a generated corpus with planted copies, quotations and site
// boilerplate, and findings that do not depend on threads or on how the input is stored.

#include "naql/scanner.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "corpus_generator.h"
#include "gtest/gtest.h"
#include "naql/reader.h"
#include "naql/status.h"
#include "testing.h"

namespace naql {
namespace {

using ::naql::testing::FixturePath;

// Everything a scan reports, by document id, in a comparable form.
struct Finding {
  std::string a, b;
  PairKind kind;
  std::vector<Span> spans;
  std::string a_text, b_text;  // the originals (for slicing checks)
};

class CollectingSink : public ScanSink {
 public:
  void OnPair(const PairReport& pair, const Document& a, const Document& b) override {
    findings.push_back({a.id, b.id, pair.kind, pair.spans, a.text, b.text});
  }
  void OnCluster(const Cluster& cluster) override { clusters.push_back(cluster); }
  void OnQuote(const RepeatedQuote& quote) override { quotes.push_back(quote); }

  // A canonical text of the findings, to compare runs.
  std::string Serialize() const {
    std::string out;
    for (const Finding& f : findings) {
      absl::StrAppend(&out, f.a, " ", f.b, " ", PairKindName(f.kind), "\n");
      for (const Span& s : f.spans) {
        absl::StrAppend(&out, "  ", s.a.byte_begin, "-", s.a.byte_end, " ", s.b.byte_begin, "-",
                        s.b.byte_end, " ", s.a.cp_begin, "-", s.a.cp_end, " ", s.b.cp_begin, "-",
                        s.b.cp_end, " ", s.matches, " ", s.edits, " ", s.quote, "\n");
      }
    }
    for (const Cluster& c : clusters) {
      absl::StrAppend(&out, "cluster ", c.id, " origin ", c.origin, ":");
      for (uint32_t m : c.members) absl::StrAppend(&out, " ", m);
      out.push_back('\n');
    }
    for (const RepeatedQuote& q : quotes) {
      absl::StrAppend(&out, "quote ", q.id, " ", q.occurrences.size(), "\n");
    }
    return out;
  }

  std::vector<Finding> findings;
  std::vector<Cluster> clusters;
  std::vector<RepeatedQuote> quotes;
};

CollectingSink ScanOrDie(const std::vector<std::string>& inputs, const ScanOptions& options,
                         std::vector<ScannedDocument>* documents = nullptr,
                         ScanStats* stats = nullptr) {
  CollectingSink sink;
  auto reader = DocumentReader::Open(inputs, ReaderOptions(), nullptr);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return sink;
  Scanner scanner(options);
  absl::Status status = scanner.Run(reader->get(), &sink);
  EXPECT_TRUE(status.ok()) << status;
  if (documents != nullptr) *documents = scanner.documents();
  if (stats != nullptr) *stats = scanner.stats();
  return sink;
}

size_t CodePoints(absl::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Checks that a span's code point offsets describe the same text as its byte offsets.
void ExpectConsistentOffsets(const std::string& text, const OriginalSpan& span) {
  ASSERT_LE(span.byte_end, text.size());
  EXPECT_EQ(span.cp_begin, CodePoints(absl::string_view(text).substr(0, span.byte_begin)));
  EXPECT_EQ(span.cp_end, CodePoints(absl::string_view(text).substr(0, span.byte_end)));
}

bool SpanCovers(const OriginalSpan& span, size_t byte_begin, size_t byte_end) {
  return span.byte_begin <= byte_begin && byte_end <= span.byte_end;
}

TEST(ScannerTest, SeedLetterBetween001And003) {
  ScanOptions options;
  options.threads = 2;
  CollectingSink sink = ScanOrDie({FixturePath("seeds")}, options);
  const Finding* letter = nullptr;
  for (const Finding& f : sink.findings) {
    for (const Span& s : f.spans) {
      ExpectConsistentOffsets(f.a_text, s.a);
      ExpectConsistentOffsets(f.b_text, s.b);
    }
    if (absl::StrContains(f.a, "001_") && absl::StrContains(f.b, "003_")) letter = &f;
  }
  ASSERT_NE(letter, nullptr) << sink.Serialize();
  // The four passages of the translated letter, as each article spells them.
  const std::vector<std::pair<std::string, std::string>> passages = {
      {"احتراما لسيادة جمهورية العراق", "احتراماً لسيادة جمهورية العراق"},
      {"لضمان الخروج من العراق بشكل آمن", "لضمان الخروج من العراق بشكل آمن"},
      {"زيادة برحلات الطائرات المروحية", "زيادة برحلات الطائرات المروحية"},
      {"على قيمة شراكتنا", "على قيمة شراكتنا"},
  };
  for (const auto& [in_a, in_b] : passages) {
    SCOPED_TRACE(in_a);
    const size_t pos_a = letter->a_text.find(in_a);
    const size_t pos_b = letter->b_text.find(in_b);
    ASSERT_NE(pos_a, std::string::npos);
    ASSERT_NE(pos_b, std::string::npos);
    bool covered = false;
    for (const Span& s : letter->spans) {
      covered |= SpanCovers(s.a, pos_a, pos_a + in_a.size()) &&
                 SpanCovers(s.b, pos_b, pos_b + in_b.size());
    }
    EXPECT_TRUE(covered) << sink.Serialize();
  }
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "naql_scanner_XXXXXX";
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~TempDir() { std::system(absl::StrCat("rm -rf '", path_, "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};


struct Quality {
  double recall = 0;
  double precision = 0;
  size_t truth = 0;
  size_t reported = 0;
  size_t kind_agree = 0;
};

Quality Measure(const testing::GeneratedCorpus& corpus, const CollectingSink& sink) {
  std::map<std::pair<std::string, std::string>, PairKind> truth;
  for (const testing::TruthPair& t : corpus.truth) {
    truth[{corpus.docs[t.a].id, corpus.docs[t.b].id}] = t.kind;
  }
  Quality q;
  q.truth = truth.size();
  q.reported = sink.findings.size();
  size_t hits = 0;
  for (const Finding& f : sink.findings) {
    auto it = truth.find({f.a, f.b});
    if (it == truth.end()) it = truth.find({f.b, f.a});
    if (it == truth.end()) continue;
    ++hits;
    q.kind_agree += it->second == f.kind;
  }
  q.recall = truth.empty() ? 1.0 : static_cast<double>(hits) / truth.size();
  q.precision = sink.findings.empty() ? 1.0 : static_cast<double>(hits) / sink.findings.size();
  return q;
}

TEST(ScannerTest, PlantedCorpusRecallAndPrecision) {
  const uint64_t seed = testing::TestSeed(20261123);
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  testing::GeneratorOptions generator;
  generator.seed = seed;
  generator.num_documents = 240;
  generator.boilerplate_rate = 0.5;  // site footers: never reuse
  // Synthesized articles share phrases of at most three words: with spelling variants and clitics
  // matched by the aligner, two longer shared phrases around one variant would be real reuse that
  // the generator's exact-token truth does not count.
  generator.max_shared_words = 3;
  absl::StatusOr<testing::GeneratedCorpus> corpus =
      testing::GenerateCorpus(generator, testing::SeedArticles());
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  TempDir dir;
  const std::string path = dir.path() + "/corpus.jsonl";
  ASSERT_TRUE(testing::WriteJsonl(*corpus, path, dir.path() + "/truth.jsonl").ok());

  ScanOptions options;
  options.threads = 2;
  options.boilerplate.min_docs = 3;  // a small corpus: ~10 articles per outlet carry its footer
  CollectingSink sink = ScanOrDie({path}, options);
  Quality q = Measure(*corpus, sink);
  EXPECT_GE(q.truth, 50u);
  EXPECT_GE(q.recall, 0.98) << q.reported << " reported, " << q.truth << " true";
  EXPECT_GE(q.precision, 0.98) << q.reported << " reported, " << q.truth << " true";
  EXPECT_GE(q.kind_agree, q.truth * 95 / 100);

  // Without boilerplate detection the site footers make unrelated articles look like reuse.
  options.remove_boilerplate = false;
  CollectingSink with_chrome = ScanOrDie({path}, options);
  EXPECT_LT(Measure(*corpus, with_chrome).precision, 0.9);
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

// Generates a corpus of `num_documents` articles from the seed articles and writes it to
// dir/corpus.jsonl (and its truth beside it).
absl::StatusOr<testing::GeneratedCorpus> WriteGeneratedCorpus(uint64_t seed,
                                                              uint32_t num_documents,
                                                              const TempDir& dir) {
  testing::GeneratorOptions generator;
  generator.seed = seed;
  generator.num_documents = num_documents;
  NAQL_ASSIGN_OR_RETURN(testing::GeneratedCorpus corpus,
                        testing::GenerateCorpus(generator, testing::SeedArticles()));
  NAQL_RETURN_IF_ERROR(testing::WriteJsonl(corpus, dir.path() + "/corpus.jsonl",
                                           dir.path() + "/truth.jsonl"));
  return corpus;
}

TEST(ScannerTest, FindingsDoNotDependOnThreadsOrStorage) {
  TempDir dir;
  absl::StatusOr<testing::GeneratedCorpus> corpus = WriteGeneratedCorpus(99, 120, dir);
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  const std::string path = dir.path() + "/corpus.jsonl";
  WriteGzip(dir.path() + "/corpus.jsonl.gz", testing::ReadFileOrDie(path));

  ScanOptions options;
  options.threads = 1;
  options.verify_batch_pairs = 7;  // many small verification batches
  options.verify_cache_bytes = 0;  // each analyzing what it needs
  ScanStats uncached;
  const std::string one = ScanOrDie({path}, options, nullptr, &uncached).Serialize();
  options.verify_cache_bytes = 200'000;  // a cache that evicts all the time
  const std::string evicting = ScanOrDie({path}, options).Serialize();
  options.verify_cache_bytes = ScanOptions().verify_cache_bytes;
  ScanStats cached;
  const std::string cached_one = ScanOrDie({path}, options, nullptr, &cached).Serialize();
  // With room for every article, each is analyzed at most once; without, articles that appear in
  // pairs of several batches are analyzed again.
  EXPECT_LE(cached.verify_analyses, cached.documents);
  EXPECT_GT(uncached.verify_analyses, cached.verify_analyses);
  options.verify_batch_words = 1;  // batches of one pair (each has articles to load)
  const std::string word_bound = ScanOrDie({path}, options).Serialize();
  options.verify_batch_words = ScanOptions().verify_batch_words;
  options.threads = 2;
  options.verify_batch_pairs = 4096;
  ScanStats plain;
  const std::string two = ScanOrDie({path}, options, nullptr, &plain).Serialize();
  // Compressed input cannot be re-read: texts are kept in the temporary file, as they are or
  // zstd-compressed.
  ScanStats kept, compressed;
  const std::string gz =
      ScanOrDie({dir.path() + "/corpus.jsonl.gz"}, options, nullptr, &kept).Serialize();
  options.compress_stored_texts = true;
  const std::string gz_compressed =
      ScanOrDie({dir.path() + "/corpus.jsonl.gz"}, options, nullptr, &compressed).Serialize();
  // Both hold the texts (more than in the .jsonl scan's file), compressed in less room.
  EXPECT_GT(compressed.spill_bytes, plain.spill_bytes);
  EXPECT_LT(compressed.spill_bytes, kept.spill_bytes);
  EXPECT_GE(kept.spill_bytes - plain.spill_bytes, testing::ReadFileOrDie(path).size() / 2);
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(one, word_bound);
  EXPECT_EQ(one, evicting);
  EXPECT_EQ(one, cached_one);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, gz);
  EXPECT_EQ(one, gz_compressed);
}

// The passage fingerprints wait in the temporary file split by hash into partitions, indexed one
// at a time; the candidate pairs, their shared-fingerprint counts and the df filter are those of
// one index of every fingerprint in memory (the oracle).
TEST(ScannerTest, PartitionedPassageIndexEqualsOneIndexInMemory) {
  TempDir dir;
  absl::StatusOr<testing::GeneratedCorpus> corpus = WriteGeneratedCorpus(5, 150, dir);
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  const std::string path = dir.path() + "/corpus.jsonl";

  ScanOptions options;
  options.remove_boilerplate = false;  // every fingerprint goes to the index
  options.passage.max_df = 4;          // and some are dropped as too frequent
  options.temp_dir = dir.path();
  Fingerprinter fingerprinter(options.fingerprint);
  FingerprintScratch scratch;
  DocumentFingerprint fingerprint;
  for (uint32_t min_shared : {1u, 2u, 3u}) {
    options.passage.min_shared = min_shared;
    PassageIndex oracle(options.passage);
    for (uint32_t doc = 0; doc < corpus->docs.size(); ++doc) {
      fingerprinter.Fingerprint(corpus->docs[doc].text, &scratch, &fingerprint);
      oracle.Add(doc, fingerprint.passages);
    }
    oracle.Build();
    uint64_t oracle_pairs = 0;
    oracle.ForEachCandidatePair([&](uint32_t, uint32_t, uint32_t) { ++oracle_pairs; });

    ScanStats stats;
    ScanOrDie({path}, options, nullptr, &stats);
    EXPECT_EQ(stats.documents, corpus->docs.size());
    EXPECT_EQ(stats.passage_candidates, oracle_pairs) << "min_shared " << min_shared;
    EXPECT_EQ(stats.dropped_fingerprints, oracle.dropped_hashes());
    EXPECT_GT(stats.spill_bytes, 0u);
    if (min_shared == 1) {
      EXPECT_GT(oracle_pairs, 50u);
      EXPECT_GT(oracle.dropped_hashes(), 0u);
    }
  }
}

TEST(ScannerTest, AnUnusableTemporaryDirectoryIsAnErrorNamingIt) {
  ScanOptions options;
  options.temp_dir = "/nonexistent/naql-temp";
  CollectingSink sink;
  auto reader = DocumentReader::Open({FixturePath("seeds")}, ReaderOptions(), nullptr);
  ASSERT_TRUE(reader.ok()) << reader.status();
  Scanner scanner(options);
  absl::Status status = scanner.Run(reader->get(), &sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(status.message(), "/nonexistent/naql-temp")) << status;
  EXPECT_TRUE(sink.findings.empty());
}

TEST(ScannerTest, QuotationsOnlyModeFindsTheMilleyQuotation) {
  ScanOptions options;
  options.find_pairs = false;
  CollectingSink sink = ScanOrDie({FixturePath("seeds")}, options);
  EXPECT_TRUE(sink.findings.empty());
  bool milley = false;
  for (const RepeatedQuote& quote : sink.quotes) {
    milley |= absl::StrContains(quote.text, "سييه الصياغه وتوحي بالانسحاب");
  }
  EXPECT_TRUE(milley);
}

TEST(ScannerTest, InvalidOptionsAreRefused) {
  ScanOptions options;
  options.threads = 0;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options.threads = 1;
  options.fingerprint.min_words = 3;  // below the shingle size
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace naql
