// Tests of the persistent index (naql/index_store.h): the byte-level pieces against known answers
// and brute-force oracles, the store's life cycle (create, add, replace, compact, reopen), the
// parameter checks, the writer lock, and corruption: every flipped byte and every truncation of
// an index file is detected and reported with the file's name, never read as data.
//
// Randomized tests print their seed (SCOPED_TRACE); NAQL_TEST_SEED=<seed> replays one.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "corpus_generator.h"
#include "gtest/gtest.h"
#include "index_format.h"
#include "index_segment.h"
#include "naql/index_store.h"
#include "testing.h"

namespace naql {
namespace {

using internal::PostingEntry;
using internal::PostingTable;
using ::naql::testing::SplitMix64;
using ::naql::testing::TestSeed;

// ---- Helpers -------------------------------------------------------------------------------------

// A fresh directory under the test's temporary directory, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "naql_index_XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}


// A generated corpus with planted copies and passages (corpus_generator.h).
std::vector<Document> Corpus(uint64_t seed, uint32_t documents) {
  ::naql::testing::GeneratorOptions options;
  options.seed = seed;
  options.num_documents = documents;
  options.min_article_words = 60;
  options.max_article_words = 160;
  absl::StatusOr<::naql::testing::GeneratedCorpus> corpus =
      ::naql::testing::GenerateCorpus(options, ::naql::testing::SeedArticles());
  EXPECT_TRUE(corpus.ok()) << corpus.status();
  return corpus.ok() ? corpus->docs : std::vector<Document>();
}

IndexParams DefaultParams() {
  absl::StatusOr<IndexParams> params = IndexParams::FromOptions(FingerprintOptions(), LshOptions());
  EXPECT_TRUE(params.ok()) << params.status();
  return *params;
}

IndexWriteOptions SmallBlocks() {
  IndexWriteOptions options;
  options.text_block_bytes = 4096;  // many blocks, so that corruption tests hit several
  return options;
}

// Creates an index in `dir` holding `docs`, one segment per element of `segments` (sizes).
void Build(const std::string& dir, const std::vector<Document>& docs,
           const std::vector<size_t>& segments, const IndexWriteOptions& options = SmallBlocks()) {
  auto writer = IndexWriter::Create(dir, DefaultParams(), options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  size_t begin = 0;
  for (size_t size : segments) {
    AddStats stats;
    ASSERT_TRUE((*writer)->AddBatch(absl::MakeConstSpan(docs).subspan(begin, size), &stats).ok());
    ASSERT_TRUE((*writer)->Commit(&stats).ok());
    EXPECT_EQ(stats.segments, 1u);
    begin += size;
  }
}

struct Collected : ScanSink {
  struct Pair {
    std::string a, b;
    PairKind kind;
  };
  std::vector<Pair> pairs;
  void OnPair(const PairReport& report, const Document& a, const Document& b) override {
    pairs.push_back({a.id, b.id, report.kind});
  }
};

// ---- Encoding primitives -------------------------------------------------------------------------

TEST(IndexFormatTest, VarintRoundTripsAndRejectsOverlongInput) {
  const uint64_t values[] = {0, 1, 127, 128, 300, 16383, 16384, uint64_t{1} << 35, ~uint64_t{0}};
  std::string bytes;
  for (uint64_t v : values) internal::AppendVarint(v, &bytes);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x00\x01\x7f\x80", 4));  // 0, 1, 127, then 128 = 80 01
  internal::ByteReader in(bytes);
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(in.Varint(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_EQ(in.remaining(), 0u);
  uint64_t got = 0;
  internal::ByteReader truncated(absl::string_view("\x80\x80", 2));
  EXPECT_FALSE(truncated.Varint(&got));
  // Eleven bytes, or a tenth byte above 1, exceed 64 bits.
  const std::string eleven_bytes = std::string(10, '\xff') + "\x01";  // outlives the reader
  internal::ByteReader too_long(eleven_bytes);
  EXPECT_FALSE(too_long.Varint(&got));
}

TEST(IndexFormatTest, PackTextKnownAnswers) {
  std::string packed;
  internal::PackText("\xd8\xa8", &packed);  // ب U+0628
  EXPECT_EQ(packed, "\xa8");
  packed.clear();
  internal::PackText("\xd9\x8a a", &packed);  // ي U+064A, space, a
  EXPECT_EQ(packed, "\xca a");
  packed.clear();
  internal::PackText("\x01\xe2\x80\x9c\xd8", &packed);  // 0x01, “ (three bytes), a lone D8
  EXPECT_EQ(packed, "\x01\x01\x01\xe2\x01\x80\x01\x9c\x01\xd8");
}

TEST(IndexFormatTest, PackUnpackRoundTripsAnyBytes) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  SplitMix64 rng(seed);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const size_t n = rng.Uniform(300);
    for (size_t i = 0; i < n; ++i) {
      // Mostly Arabic letters, some escapes and ASCII, as in a news text with stray bytes.
      const uint64_t kind = rng.Uniform(10);
      if (kind < 6) {
        text.push_back(static_cast<char>(0xD8 + rng.Uniform(2)));
        text.push_back(static_cast<char>(0x80 + rng.Uniform(64)));
      } else if (kind < 8) {
        text.push_back(static_cast<char>(rng.Uniform(128)));
      } else {
        text.push_back(static_cast<char>(rng.Uniform(256)));
      }
    }
    std::string packed, unpacked;
    internal::PackText(text, &packed);
    ASSERT_TRUE(internal::UnpackText(packed, &unpacked));
    ASSERT_EQ(unpacked, text);
    EXPECT_LE(packed.size(), 2 * text.size());
  }
  std::string out;
  EXPECT_FALSE(internal::UnpackText("ab\x01", &out));  // ends inside an escape
}

// The table against a brute-force oracle: a lookup returns exactly the entries whose bucket and
// remainder (the top q + 13 bits) equal the key's — every true entry, and the rare false ones.
TEST(IndexFormatTest, PostingTableMatchesBruteForce) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  SplitMix64 rng(seed);
  for (const size_t n : {0, 1, 5, 33, 1000, 20000}) {
    for (const uint32_t remainder_bits : {13u, 32u}) {
      const uint32_t num_docs = 1 + static_cast<uint32_t>(rng.Uniform(5000));
      std::vector<PostingEntry> entries;
      std::vector<uint64_t> keys;
      for (size_t i = 0; i < n; ++i) {
        // Some hashes repeat (a fingerprint in several documents), some differ in low bits only.
        uint64_t hash = rng.Next();
        if (!keys.empty() && rng.Bernoulli(0.3)) hash = keys[rng.Uniform(keys.size())];
        if (!keys.empty() && rng.Bernoulli(0.05)) {
          hash = keys[rng.Uniform(keys.size())] ^ rng.Uniform(256);
        }
        keys.push_back(hash);
        entries.push_back({hash, static_cast<uint32_t>(rng.Uniform(num_docs))});
      }
      std::vector<PostingEntry> sorted = entries;
      internal::SortPostings(&sorted, num_docs, remainder_bits);
      std::string bytes;
      internal::EncodePostingTable(sorted, num_docs, remainder_bits, &bytes);
      PostingTable table;
      ASSERT_TRUE(PostingTable::Parse(bytes, num_docs, remainder_bits, &table).ok());
      EXPECT_EQ(table.remainder_bits(), remainder_bits);
      ASSERT_EQ(table.num_entries(), n);
      const uint32_t kept = table.bucket_bits() + table.remainder_bits();
      auto prefix = [&](uint64_t h) { return h >> (64 - kept); };
      for (int probe = 0; probe < 300; ++probe) {
        const uint64_t key = n > 0 && probe % 2 == 0 ? keys[rng.Uniform(n)] : rng.Next();
        std::multiset<uint32_t> expected, got;
        for (const PostingEntry& e : entries) {
          if (prefix(e.hash) == prefix(key)) expected.insert(e.doc);
        }
        ASSERT_TRUE(table.Lookup(key, [&](uint32_t doc) { got.insert(doc); }));
        ASSERT_EQ(got, expected) << "n " << n << " key " << key;
      }
      // ForEach: every entry once, as (kept key bits left-aligned, doc), in table order.
      std::multiset<std::pair<uint64_t, uint32_t>> expected_entries, got_entries;
      for (const PostingEntry& e : entries) {
        expected_entries.insert({kept == 0 ? 0 : prefix(e.hash) << (64 - kept), e.doc});
      }
      uint64_t previous = 0;
      ASSERT_TRUE(table.ForEach([&](uint64_t key_prefix, uint32_t doc) {
        EXPECT_GE(key_prefix, previous);
        previous = key_prefix;
        got_entries.insert({key_prefix, doc});
      }));
      EXPECT_EQ(got_entries, expected_entries) << "n " << n;
    }
  }
}

TEST(IndexFormatTest, PostingTableRejectsInconsistentHeaders) {
  std::vector<PostingEntry> entries = {{1, 0}, {2, 1}, {~uint64_t{0}, 2}};
  internal::SortPostings(&entries, 3, 13);
  std::string bytes;
  internal::EncodePostingTable(entries, 3, 13, &bytes);
  PostingTable table;
  ASSERT_TRUE(PostingTable::Parse(bytes, 3, 13, &table).ok());
  EXPECT_FALSE(PostingTable::Parse(bytes, 1000, 13, &table).ok());  // document width differs
  EXPECT_FALSE(PostingTable::Parse(bytes, 3, 14, &table).ok());     // remainder width differs
  EXPECT_FALSE(PostingTable::Parse(bytes.substr(0, bytes.size() - 1), 3, 13, &table).ok());
  for (size_t i = 0; i < internal::kPostingHeaderBytes + 8; ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x40;
    EXPECT_FALSE(PostingTable::Parse(bad, 3, 13, &table).ok()) << "byte " << i;
  }
}

TEST(IndexFormatTest, SegmentFileNames) {
  EXPECT_EQ(internal::SegmentFileName(1), "seg-0000000000000001.nqs");
  EXPECT_EQ(internal::SegmentFileName(0xabcdef), "seg-0000000000abcdef.nqs");
  uint64_t number = 0;
  EXPECT_TRUE(internal::ParseSegmentFileName("seg-00000000000000ff.nqs", &number));
  EXPECT_EQ(number, 255u);
  EXPECT_FALSE(internal::ParseSegmentFileName("seg-00000000000000FF.nqs", &number));
  EXPECT_FALSE(internal::ParseSegmentFileName("seg-01.nqs", &number));
  EXPECT_FALSE(internal::ParseSegmentFileName("seg-0000000000000001.nqs.tmp", &number));
}

TEST(IndexFormatTest, ManifestRoundTripsAndEveryByteIsChecked) {
  internal::Manifest manifest;
  manifest.generation = 7;
  manifest.next_segment_number = 5;
  manifest.params = DefaultParams();
  manifest.segments.push_back({1, 1000, 0x1234, 10, {}});
  manifest.segments.push_back({4, 2000, 0x5678, 20, {0, 3, 19}});
  const std::string bytes = internal::EncodeManifest(manifest);
  internal::Manifest decoded;
  ASSERT_TRUE(internal::DecodeManifest(bytes, &decoded).ok());
  EXPECT_EQ(decoded.generation, 7u);
  EXPECT_EQ(decoded.next_segment_number, 5u);
  EXPECT_EQ(decoded.params, manifest.params);
  ASSERT_EQ(decoded.segments.size(), 2u);
  EXPECT_EQ(decoded.segments[1].dead, (std::vector<uint32_t>{0, 3, 19}));
  EXPECT_EQ(decoded.segments[1].checksum, 0x5678u);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (const uint8_t flip : {0x01, 0x80}) {
      std::string bad = bytes;
      bad[i] ^= static_cast<char>(flip);
      EXPECT_EQ(internal::DecodeManifest(bad, &decoded).code(), absl::StatusCode::kDataLoss)
          << "byte " << i;
    }
  }
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_EQ(internal::DecodeManifest(bytes.substr(0, size), &decoded).code(),
              absl::StatusCode::kDataLoss)
        << "size " << size;
  }
}

// ---- Parameters ----------------------------------------------------------------------------------

TEST(IndexParamsTest, DefaultsAndRoundTrip) {
  const IndexParams params = DefaultParams();
  EXPECT_EQ(params.lsh, (LshParams{32, 4}));  // threshold 0.5, 128 permutations
  EXPECT_EQ(params.min_words, 8u);
  EXPECT_TRUE(params.Validate().ok());
  absl::StatusOr<FingerprintOptions> options = params.ToFingerprintOptions();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->signature_params(), params.signature);
  absl::StatusOr<IndexParams> again = IndexParams::FromOptions(*options, params.ToLshOptions());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, params);
  std::string bytes;
  internal::ByteWriter out(&bytes);
  internal::EncodeParams(params, &out);
  EXPECT_EQ(bytes.size(), internal::kParamsBytes);
  internal::ByteReader in(bytes);
  IndexParams decoded;
  ASSERT_TRUE(internal::DecodeParams(&in, &decoded));
  EXPECT_EQ(decoded, params);

  // The passage shingle travels too (it changes the passage fingerprints), clamped to min_words.
  EXPECT_EQ(params.passage_shingle, 7u);
  FingerprintOptions five = *options;
  five.passage_shingle = 5;
  absl::StatusOr<IndexParams> with_five = IndexParams::FromOptions(five, params.ToLshOptions());
  ASSERT_TRUE(with_five.ok());
  EXPECT_EQ(with_five->passage_shingle, 5u);
  EXPECT_EQ(with_five->ToFingerprintOptions()->passage_shingle_size(), 5u);
  bytes.clear();
  internal::EncodeParams(*with_five, &out);
  internal::ByteReader in_five(bytes);
  ASSERT_TRUE(internal::DecodeParams(&in_five, &decoded));
  EXPECT_EQ(decoded, *with_five);
  EXPECT_NE(with_five->CheckCompatible(params).message().find("--passage-shingle is 5"),
            absl::string_view::npos);
  five.min_words = 6;  // a passage shingle longer than min_words acts as min_words
  five.passage_shingle = 7;
  with_five = IndexParams::FromOptions(five, params.ToLshOptions());
  ASSERT_TRUE(with_five.ok());
  EXPECT_EQ(with_five->passage_shingle, 6u);
}

TEST(IndexParamsTest, MismatchNamesTheOption) {
  const IndexParams index = DefaultParams();
  FingerprintOptions options;
  options.shingle.size = 4;
  absl::StatusOr<IndexParams> asked = IndexParams::FromOptions(options, LshOptions());
  ASSERT_TRUE(asked.ok());
  absl::Status status = asked->CheckCompatible(index);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("--shingle is 4 but the index was built with 5"),
            absl::string_view::npos)
      << status;

  options = FingerprintOptions();
  options.minhash.num_perm = 64;
  asked = IndexParams::FromOptions(options, LshOptions());
  ASSERT_TRUE(asked.ok());
  EXPECT_NE(asked->CheckCompatible(index).message().find("--num-perm is 64"),
            absl::string_view::npos);

  options = FingerprintOptions();
  options.normalizer.fold_alef = false;
  asked = IndexParams::FromOptions(options, LshOptions());
  ASSERT_TRUE(asked.ok());
  EXPECT_NE(asked->CheckCompatible(index).message().find("normalizer folds"),
            absl::string_view::npos);

  LshOptions lsh;
  lsh.threshold = 0.8;
  asked = IndexParams::FromOptions(FingerprintOptions(), lsh);
  ASSERT_TRUE(asked.ok());
  EXPECT_NE(asked->CheckCompatible(index).message().find("--threshold"), absl::string_view::npos);

  IndexParams other_version = index;
  other_version.signature.normalizer_version += 1;
  EXPECT_EQ(other_version.ToFingerprintOptions().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// ---- The store -----------------------------------------------------------------------------------

TEST(IndexStoreTest, CreateAddReopenFindLoad) {
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  const std::vector<Document> docs = Corpus(11, 60);
  ASSERT_EQ(docs.size(), 60u);
  Build(dir, docs, {25, 35});

  auto index = IndexReader::Open(dir);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ((*index)->num_documents(), 60u);
  EXPECT_EQ((*index)->num_slots(), 60u);
  ASSERT_EQ((*index)->segments().size(), 2u);
  EXPECT_EQ((*index)->segments()[0].documents, 25u);
  EXPECT_EQ((*index)->generation(), 3u);  // create, then two publications
  EXPECT_EQ((*index)->params(), DefaultParams());
  EXPECT_TRUE((*index)->Verify().ok());
  uint64_t text = 0;
  for (const Document& doc : docs) text += doc.text.size();
  EXPECT_EQ((*index)->text_bytes(), text);
  for (uint32_t i = 0; i < docs.size(); ++i) {
    absl::StatusOr<std::optional<uint32_t>> found = (*index)->Find(docs[i].id);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(*found, std::optional<uint32_t>(i));  // numbered oldest first, in input order
    Document loaded;
    ASSERT_TRUE((*index)->Load(i, &loaded).ok());
    EXPECT_EQ(loaded.id, docs[i].id);
    EXPECT_EQ(loaded.text, docs[i].text);
    EXPECT_EQ(loaded.meta.date, docs[i].meta.date);
    EXPECT_EQ(loaded.meta.source, docs[i].meta.source);
  }
  absl::StatusOr<std::optional<uint32_t>> missing = (*index)->Find("no-such-id");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

// ExpectTextBytes only sizes the builder's tables: whatever the hint (none, too small, far too
// large), the segments written are the same bytes.
TEST(IndexStoreTest, SizeHintsDoNotChangeTheSegments) {
  ScratchDir scratch;
  const std::vector<Document> docs = Corpus(12, 40);
  uint64_t text = 0;
  for (const Document& doc : docs) text += doc.text.size();
  std::vector<std::string> segments;
  for (const uint64_t hint : {uint64_t{0}, uint64_t{1}, text / 3, text, uint64_t{64} << 20}) {
    const std::string dir = scratch.Sub(absl::StrCat("index-", segments.size()));
    auto writer = IndexWriter::Create(dir, DefaultParams(), SmallBlocks());
    ASSERT_TRUE(writer.ok()) << writer.status();
    if (hint != 0) (*writer)->ExpectTextBytes(hint);
    AddStats stats;
    ASSERT_TRUE((*writer)->AddBatch(docs, &stats).ok());
    ASSERT_TRUE((*writer)->Commit(&stats).ok());
    writer->reset();
    segments.push_back(ReadFile(dir + "/" + internal::SegmentFileName(1)));
    ASSERT_FALSE(segments.back().empty());
    EXPECT_EQ(segments.back(), segments.front()) << "hint " << hint;
  }
}

TEST(IndexStoreTest, EmptyDocumentsAndEmptyIndex) {
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  {
    auto writer = IndexWriter::Create(dir, DefaultParams(), IndexWriteOptions());
    ASSERT_TRUE(writer.ok()) << writer.status();
    AddStats stats;
    ASSERT_TRUE((*writer)->Commit(&stats).ok());  // nothing to publish
    EXPECT_EQ(stats.segments, 0u);
  }
  auto empty = IndexReader::Open(dir);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ((*empty)->num_documents(), 0u);
  IndexSearcher searcher(empty->get(), IndexQueryOptions());
  Collected sink;
  std::vector<Document> query = Corpus(3, 5);
  ASSERT_TRUE(searcher.Run(query, &sink).ok());
  EXPECT_TRUE(sink.pairs.empty());

  auto writer = IndexWriter::Open(dir, IndexWriteOptions());
  ASSERT_TRUE(writer.ok());
  std::vector<Document> docs(2);
  docs[0].id = "blank";
  docs[0].text = " \n ";
  docs[1].id = "short";
  docs[1].text = "كلمة";
  AddStats stats;
  ASSERT_TRUE((*writer)->AddBatch(docs, &stats).ok());
  ASSERT_TRUE((*writer)->Commit(&stats).ok());
  EXPECT_EQ(stats.documents, 2u);
  EXPECT_EQ(stats.empty, 1u);
  writer->reset();
  auto index = IndexReader::Open(dir);
  ASSERT_TRUE(index.ok());
  Document loaded;
  ASSERT_TRUE((*index)->Load(0, &loaded).ok());
  EXPECT_EQ(loaded.text, " \n ");
  EXPECT_TRUE((*index)->Verify().ok());
}

TEST(IndexStoreTest, DuplicateIdsAreSkippedOrReplaced) {
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  const std::vector<Document> docs = Corpus(5, 20);
  Build(dir, docs, {20});

  std::vector<Document> again = {docs[3], docs[7]};
  again[1].text = "نص جديد تماما لهذه المقالة بعد التصحيح";
  {
    auto writer = IndexWriter::Open(dir, IndexWriteOptions());
    ASSERT_TRUE(writer.ok());
    AddStats stats;
    std::vector<std::string> told;
    ASSERT_TRUE((*writer)
                    ->AddBatch(again, &stats,
                               [&](const Document& doc, bool replaced) {
                                 EXPECT_FALSE(replaced);
                                 told.push_back(doc.id);
                               })
                    .ok());
    ASSERT_TRUE((*writer)->Commit(&stats).ok());
    EXPECT_EQ(stats.duplicates, 2u);
    EXPECT_EQ(stats.documents, 0u);
    EXPECT_EQ(stats.segments, 0u);
    EXPECT_EQ(told, (std::vector<std::string>{docs[3].id, docs[7].id}));
  }
  {
    IndexWriteOptions options;
    options.replace = true;
    auto writer = IndexWriter::Open(dir, options);
    ASSERT_TRUE(writer.ok());
    AddStats stats;
    ASSERT_TRUE((*writer)->AddBatch({again[1]}, &stats).ok());
    ASSERT_TRUE((*writer)->Commit(&stats).ok());
    EXPECT_EQ(stats.replaced, 1u);
    EXPECT_EQ((*writer)->num_documents(), 20u);
  }
  auto index = IndexReader::Open(dir);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ((*index)->num_documents(), 20u);
  EXPECT_EQ((*index)->num_slots(), 21u);
  EXPECT_FALSE((*index)->live(7));
  absl::StatusOr<std::optional<uint32_t>> found = (*index)->Find(docs[7].id);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(*found, std::optional<uint32_t>(20));
  Document loaded;
  ASSERT_TRUE((*index)->Load(20, &loaded).ok());
  EXPECT_EQ(loaded.text, again[1].text);

  // Compaction drops the replaced document and keeps the others in order.
  {
    auto writer = IndexWriter::Open(dir, IndexWriteOptions());
    ASSERT_TRUE(writer.ok());
    CompactStats stats;
    ASSERT_TRUE((*writer)->Compact(&stats).ok());
    EXPECT_EQ(stats.segments_before, 2u);
    EXPECT_EQ(stats.segments_after, 1u);
    EXPECT_EQ(stats.dropped, 1u);
  }
  auto compacted = IndexReader::Open(dir);
  ASSERT_TRUE(compacted.ok());
  EXPECT_EQ((*compacted)->num_slots(), 20u);
  EXPECT_TRUE((*compacted)->Verify().ok());
  ASSERT_TRUE((*compacted)->Load(6, &loaded).ok());
  EXPECT_EQ(loaded.id, docs[6].id);
  ASSERT_TRUE((*compacted)->Load(7, &loaded).ok());
  EXPECT_EQ(loaded.id, docs[8].id);
  ASSERT_TRUE((*compacted)->Load(19, &loaded).ok());
  EXPECT_EQ(loaded.text, again[1].text);
  // Only the live segment file is left.
  int segment_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    uint64_t number;
    segment_files += internal::ParseSegmentFileName(entry.path().filename().string(), &number);
  }
  EXPECT_EQ(segment_files, 1);
}

TEST(IndexStoreTest, QueryFindsIndexedCopiesAndNotItself) {
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  const std::vector<Document> docs = Corpus(21, 80);
  Build(dir, docs, {80});
  auto index = IndexReader::Open(dir);
  ASSERT_TRUE(index.ok());
  // A copy of an indexed article under a new id is its duplicate; the article itself, queried
  // again under its own id, finds nothing of itself.
  std::vector<Document> query = {docs[10], docs[10]};
  query[0].id = "copy-of-10";
  IndexQueryOptions options;
  IndexSearcher searcher(index->get(), options);
  Collected sink;
  QueryStats stats;
  ASSERT_TRUE(searcher.Run(query, &sink, &stats).ok());
  bool found_copy = false;
  for (const auto& pair : sink.pairs) {
    EXPECT_NE(pair.a, pair.b);
    if (pair.a == docs[10].id && pair.b == "copy-of-10") {
      found_copy = true;
      EXPECT_EQ(pair.kind, PairKind::kDuplicate);
    }
  }
  EXPECT_TRUE(found_copy);
  EXPECT_EQ(stats.documents, 2u);
}

// Queries `docs` against the index in `dir`: every pair as "a|b|kind|spans".
std::vector<std::string> QueryPairs(const std::string& dir, const std::vector<Document>& docs) {
  auto index = IndexReader::Open(dir);
  EXPECT_TRUE(index.ok()) << index.status();
  if (!index.ok()) return {};
  struct Sink : ScanSink {
    std::vector<std::string> pairs;
    void OnPair(const PairReport& report, const Document& a, const Document& b) override {
      std::string line = absl::StrCat(a.id, "|", b.id, "|", static_cast<int>(report.kind));
      for (const Span& span : report.spans) {
        absl::StrAppend(&line, "|", span.a.byte_begin, "-", span.a.byte_end, ":",
                        span.b.byte_begin, "-", span.b.byte_end);
      }
      pairs.push_back(std::move(line));
    }
  } sink;
  IndexSearcher searcher(index->get(), IndexQueryOptions());
  EXPECT_TRUE(searcher.Run(docs, &sink).ok());
  std::sort(sink.pairs.begin(), sink.pairs.end());
  return sink.pairs;
}

// --texts reference: the index keeps each text's origin instead of a copy, reads the texts back
// from the input for queries, Verify() and compaction, with the same results as a copy, and names
// the input when it has been changed or moved.
TEST(IndexStoreTest, ReferencedTextsAreReadFromTheirInputs) {
  ScratchDir scratch;
  std::vector<Document> generated = Corpus(31, 90);
  std::string jsonl;
  for (const Document& doc : generated) ::naql::testing::AppendDocumentJsonl(doc, &jsonl);
  const std::string input = scratch.Sub("crawl.jsonl");
  WriteFile(input, jsonl);
  std::vector<Document> docs;
  {
    auto reader = DocumentReader::Open({input}, ReaderOptions(), nullptr);
    ASSERT_TRUE(reader.ok());
    Document doc;
    DocumentLocator locator;
    while (*(*reader)->Next(&doc, &locator)) {
      doc.origin = (*reader)->OriginOf(locator);
      ASSERT_EQ(doc.origin.kind, OriginKind::kJsonLine);
      docs.push_back(doc);
    }
  }
  ASSERT_EQ(docs.size(), generated.size());
  const std::string copied = scratch.Sub("copied"), referenced = scratch.Sub("referenced");
  IndexWriteOptions reference = SmallBlocks();
  reference.reference_texts = true;
  Build(copied, docs, {60, 30});  // reference_texts false: origins are ignored
  Build(referenced, docs, {60, 30}, reference);

  std::vector<Document> queries(docs.begin() + 40, docs.begin() + 70);
  for (Document& query : queries) query.id += "-again";
  const std::vector<std::string> expected = QueryPairs(copied, queries);
  ASSERT_GT(expected.size(), 30u);
  EXPECT_EQ(QueryPairs(referenced, queries), expected);
  {
    auto a = IndexReader::Open(copied);
    auto b = IndexReader::Open(referenced);
    ASSERT_TRUE(a.ok() && b.ok());
    uint64_t stored_a = 0, stored_b = 0, referenced_a = 0, referenced_b = 0;
    for (const IndexSegmentInfo& s : (*a)->segments()) {
      stored_a += s.stored_text_bytes;
      referenced_a += s.referenced_texts;
    }
    for (const IndexSegmentInfo& s : (*b)->segments()) {
      stored_b += s.stored_text_bytes;
      referenced_b += s.referenced_texts;
    }
    EXPECT_EQ(referenced_a, 0u);
    EXPECT_EQ(referenced_b, docs.size());
    EXPECT_LT(stored_b * 3, stored_a);  // ids and metadata only
    EXPECT_EQ((*b)->text_bytes(), (*a)->text_bytes());
    Document loaded;
    ASSERT_TRUE((*b)->Load(7, &loaded).ok());
    EXPECT_EQ(loaded.text, docs[7].text);
    EXPECT_EQ(loaded.id, docs[7].id);
    EXPECT_EQ(loaded.origin, docs[7].origin);
    EXPECT_TRUE((*b)->Verify().ok());
  }
  // Compaction reads every text from the input and keeps it referenced.
  {
    auto writer = IndexWriter::Open(referenced, IndexWriteOptions());
    ASSERT_TRUE(writer.ok());
    CompactStats stats;
    ASSERT_TRUE((*writer)->Compact(&stats).ok());
    EXPECT_EQ(stats.segments_after, 1u);
  }
  {
    auto b = IndexReader::Open(referenced);
    ASSERT_TRUE(b.ok());
    ASSERT_EQ((*b)->segments().size(), 1u);
    EXPECT_EQ((*b)->segments()[0].referenced_texts, docs.size());
    EXPECT_TRUE((*b)->Verify().ok());
  }
  EXPECT_EQ(QueryPairs(referenced, queries), expected);

  // A changed input: same length, one byte of a text replaced ('ا' is D8 A7; make it D8 A8).
  std::string changed = jsonl;
  const size_t at = changed.find("\xD8\xA7", docs[3].origin.offset);
  ASSERT_LT(at, docs[4].origin.offset);
  changed[at + 1] = '\xA8';
  WriteFile(input, changed);
  {
    auto b = IndexReader::Open(referenced);
    ASSERT_TRUE(b.ok());
    absl::Status status = (*b)->Verify();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(status.message().find(absl::StrCat(docs[3].origin.path, ":", docs[3].origin.line)),
              absl::string_view::npos) << status;
    EXPECT_NE(status.message().find("changed since it was indexed"), absl::string_view::npos)
        << status;
  }
  // A moved input: NotFound naming it.
  std::filesystem::remove(input);
  {
    auto b = IndexReader::Open(referenced);
    ASSERT_TRUE(b.ok());  // opening needs no text
    Document loaded;
    absl::Status status = (*b)->Load(0, &loaded);
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
    EXPECT_NE(status.message().find(docs[0].origin.path + ": No such file or directory"),
              absl::string_view::npos) << status;
  }
}

TEST(IndexStoreTest, SecondWriterIsRefusedWhileTheLockIsHeld) {
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  Build(dir, Corpus(2, 10), {10});
  auto first = IndexWriter::Open(dir, IndexWriteOptions());
  ASSERT_TRUE(first.ok());
  auto second = IndexWriter::Open(dir, IndexWriteOptions());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("LOCK"), absl::string_view::npos);
  // Readers are never locked out.
  EXPECT_TRUE(IndexReader::Open(dir).ok());
  first->reset();
  EXPECT_TRUE(IndexWriter::Open(dir, IndexWriteOptions()).ok());
}

TEST(IndexStoreTest, CreateRefusesAnIndexOrForeignFiles) {
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  Build(dir, Corpus(2, 5), {5});
  EXPECT_EQ(IndexWriter::Create(dir, DefaultParams(), IndexWriteOptions()).status().code(),
            absl::StatusCode::kAlreadyExists);
  const std::string other = scratch.Sub("other");
  std::filesystem::create_directory(other);
  WriteFile(other + "/notes.txt", "mine");
  EXPECT_EQ(IndexWriter::Create(other, DefaultParams(), IndexWriteOptions()).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(IndexReader::Open(other).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(IndexWriter::Open(other, IndexWriteOptions()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(IndexStoreTest, OrphansFromACrashAreIgnoredThenRemoved) {
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  const std::vector<Document> docs = Corpus(8, 12);
  Build(dir, docs, {12});
  // What a writer killed between writing a segment and publishing the MANIFEST leaves behind.
  const std::string orphan = dir + "/" + internal::SegmentFileName(99);
  std::filesystem::copy_file(dir + "/" + internal::SegmentFileName(1), orphan);
  WriteFile(dir + "/MANIFEST.tmp", "half a manifest");
  WriteFile(dir + "/" + internal::SegmentFileName(2) + ".tmp", "half a segment");
  auto index = IndexReader::Open(dir);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ((*index)->num_documents(), 12u);
  {
    auto writer = IndexWriter::Open(dir, IndexWriteOptions());
    ASSERT_TRUE(writer.ok()) << writer.status();
  }
  EXPECT_FALSE(std::filesystem::exists(orphan));
  EXPECT_FALSE(std::filesystem::exists(dir + "/MANIFEST.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/" + internal::SegmentFileName(2) + ".tmp"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/" + internal::SegmentFileName(1)));
}

// ---- Corruption ----------------------------------------------------------------------------------

// Opens the index and reads everything in it. OK only when every document read back equals the
// original; otherwise the error must be DataLoss naming `file`.
void ExpectIntactOrDataLoss(const std::string& dir, const std::vector<Document>& docs,
                            const std::string& file, const std::string& what) {
  SCOPED_TRACE(what);
  absl::Status status;
  auto index = IndexReader::Open(dir);
  if (!index.ok()) {
    status = index.status();
  } else {
    status = (*index)->Verify();
    for (uint32_t i = 0; status.ok() && i < (*index)->num_slots(); ++i) {
      Document loaded;
      status = (*index)->Load(i, &loaded);
      if (status.ok()) {
        ASSERT_EQ(loaded.id, docs[i].id);
        ASSERT_EQ(loaded.text, docs[i].text);
      }
    }
    if (status.ok()) {
      // Lookups through the tables must not fail either.
      IndexSearcher searcher(index->get(), IndexQueryOptions());
      Collected sink;
      status = searcher.Run(absl::MakeConstSpan(docs).first(3), &sink);
    }
  }
  if (status.ok()) {
    ADD_FAILURE() << "corruption not detected";
    return;
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find(file), absl::string_view::npos) << status;
}

TEST(IndexCorruptionTest, EveryFlippedByteOfASegmentIsDetected) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  SplitMix64 rng(seed);
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  const std::vector<Document> docs = Corpus(31, 12);
  Build(dir, docs, {12});
  const std::string name = internal::SegmentFileName(1);
  const std::string path = dir + "/" + name;
  const std::string original = ReadFile(path);
  // Every byte of the header, directory and footer, and a sample of the rest.
  std::vector<size_t> positions;
  for (size_t i = 0; i < original.size(); ++i) {
    if (i < 160 || i + 300 > original.size() || rng.Bernoulli(0.02)) positions.push_back(i);
  }
  for (size_t i : positions) {
    std::string bad = original;
    bad[i] ^= static_cast<char>(1u << rng.Uniform(8));
    WriteFile(path, bad);
    ExpectIntactOrDataLoss(dir, docs, name, absl::StrCat("flipped byte ", i));
  }
  for (size_t size : {size_t{0}, size_t{10}, original.size() / 2, original.size() - 1}) {
    WriteFile(path, original.substr(0, size));
    ExpectIntactOrDataLoss(dir, docs, name, absl::StrCat("truncated to ", size));
  }
  WriteFile(path, original + "x");
  ExpectIntactOrDataLoss(dir, docs, name, "one byte appended");
  std::filesystem::remove(path);
  ExpectIntactOrDataLoss(dir, docs, name, "segment file missing");
  WriteFile(path, original);
  auto restored = IndexReader::Open(dir);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_TRUE((*restored)->Verify().ok());
}

TEST(IndexCorruptionTest, FlippedOrTruncatedManifestIsDetected) {
  ScratchDir scratch;
  const std::string dir = scratch.Sub("index");
  const std::vector<Document> docs = Corpus(32, 6);
  Build(dir, docs, {6});
  const std::string path = dir + "/MANIFEST";
  const std::string original = ReadFile(path);
  for (size_t i = 0; i < original.size(); ++i) {
    std::string bad = original;
    bad[i] ^= 0x10;
    WriteFile(path, bad);
    ExpectIntactOrDataLoss(dir, docs, "MANIFEST", absl::StrCat("flipped byte ", i));
  }
  for (size_t size = 0; size < original.size(); size += 7) {
    WriteFile(path, original.substr(0, size));
    ExpectIntactOrDataLoss(dir, docs, "MANIFEST", absl::StrCat("truncated to ", size));
  }
}

TEST(IndexCorruptionTest, ASegmentFromAnotherIndexIsRefused) {
  ScratchDir scratch;
  const std::vector<Document> docs = Corpus(33, 8);
  Build(scratch.Sub("a"), docs, {8});
  Build(scratch.Sub("b"), Corpus(34, 8), {8});
  const std::string name = internal::SegmentFileName(1);
  std::filesystem::copy_file(scratch.Sub("b") + "/" + name, scratch.Sub("a") + "/" + name,
                             std::filesystem::copy_options::overwrite_existing);
  ExpectIntactOrDataLoss(scratch.Sub("a"), docs, name, "segment of another index");
}

}  // namespace
}  // namespace naql
