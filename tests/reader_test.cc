// Tests of naql/reader.h and its internal pieces (input_stream.h, input_format.h): formats,
// directory walks, compression, every problem message, strict mode, duplicate ids, re-reading,
// and the line reader against a brute-force oracle over random buffer boundaries.

#include "naql/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "input_format.h"
#include "input_stream.h"
#include "testing.h"
#include "warc_writer.h"

namespace naql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Large inputs are cut down when the build is instrumented or unoptimized, to keep the file fast.
#if defined(__SANITIZE_ADDRESS__) || !defined(NDEBUG)
constexpr size_t kHugeLineBytes = size_t{20} << 20;  // still above LineReader's 16 MiB shrink mark
#else
constexpr size_t kHugeLineBytes = size_t{50} << 20;
#endif

// A fresh directory under the test temporary directory, removed with everything in it at the end.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = ::testing::TempDir() + "naql_reader_XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    if (made == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string operator/(absl::string_view relative) const {
    return absl::StrCat(path_, "/", relative);
  }

  // Writes `content` to path()/relative, creating directories as needed; returns the full path.
  std::string Write(absl::string_view relative, absl::string_view content) const {
    std::string full = *this / relative;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream out(full, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) std::abort();
    return full;
  }

 private:
  std::string path_;
};

struct ReadResult {
  std::vector<Document> docs;
  std::vector<DocumentLocator> locators;
  std::vector<InputProblem> problems;
  absl::Status status;  // of Open or of the Next that failed
  std::unique_ptr<DocumentReader> reader;

  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    for (const InputProblem& p : problems) out.emplace_back(p.status.message());
    return out;
  }
  std::vector<std::string> Ids() const {
    std::vector<std::string> out;
    for (const Document& d : docs) out.push_back(d.id);
    return out;
  }
};

// Opens `inputs` and reads to the end (or to the first error). The reader is kept for ReadAt.
ReadResult ReadAll(const std::vector<std::string>& inputs, ReaderOptions options = {}) {
  ReadResult result;
  auto problems = std::make_shared<std::vector<InputProblem>>();
  auto reader = DocumentReader::Open(inputs, options,
                                     [problems](const InputProblem& p) { problems->push_back(p); });
  if (!reader.ok()) {
    result.status = reader.status();
    result.problems = *problems;
    return result;
  }
  result.reader = std::move(*reader);
  while (true) {
    Document doc;
    DocumentLocator locator;
    absl::StatusOr<bool> more = result.reader->Next(&doc, &locator);
    if (!more.ok()) {
      result.status = more.status();
      break;
    }
    if (!*more) break;
    result.docs.push_back(std::move(doc));
    result.locators.push_back(locator);
  }
  result.problems = *problems;
  return result;
}

void ExpectSameDocument(const Document& a, const Document& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.meta.date, b.meta.date);
  EXPECT_EQ(a.meta.source, b.meta.source);
  EXPECT_EQ(a.meta.url, b.meta.url);
  EXPECT_EQ(a.meta.title, b.meta.title);
  EXPECT_EQ(a.location, b.location);
}

// Every document of `result` read again with ReadAt is identical to what Next returned.
void ExpectReadAtIdentical(const ReadResult& result) {
  ASSERT_NE(result.reader, nullptr);
  for (size_t i = 0; i < result.docs.size(); ++i) {
    SCOPED_TRACE(result.docs[i].location);
    ASSERT_TRUE(result.reader->Rereadable(result.locators[i].input));
    absl::StatusOr<Document> again = result.reader->ReadAt(result.locators[i]);
    ASSERT_TRUE(again.ok()) << again.status();
    ExpectSameDocument(*again, result.docs[i]);
  }
}

// ---- Formats ------------------------------------------------------------------------------------

TEST(ReaderTest, ReadsJsonlWithMetadata) {
  TempDirectory dir;
  std::string path = dir.Write(
      "news.jsonl",
      "{\"id\":\"spa-1\",\"text\":\"قال الوزير\",\"date\":\"2015-07-21\",\"source\":\"spa\","
      "\"url\":\"https://spa.gov.sa/"
      "1\",\"title\":\"عنوان\",\"lang\":\"ar\",\"tags\":[1,{\"a\":null}]}\n"
      "\n"
      "   \t\n"
      "{\"text\":\"نص \\\"مقتبس\\\"\\n\\u0627\",\"id\":42,\"date\":null}\n");
  ReadResult r = ReadAll({path});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.problems.empty()) << r.Messages()[0];
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].id, "spa-1");
  EXPECT_EQ(r.docs[0].text, "قال الوزير");
  EXPECT_EQ(r.docs[0].meta.date, "2015-07-21");
  EXPECT_EQ(r.docs[0].meta.source, "spa");
  EXPECT_EQ(r.docs[0].meta.url, "https://spa.gov.sa/1");
  EXPECT_EQ(r.docs[0].meta.title, "عنوان");
  EXPECT_EQ(r.docs[0].location, path + ":1");
  EXPECT_EQ(r.docs[1].id, "42");  // an integer id becomes its decimal text
  EXPECT_EQ(r.docs[1].text, "نص \"مقتبس\"\nا");
  EXPECT_EQ(r.docs[1].meta.date, "");  // null means absent; other fields reset between documents
  EXPECT_EQ(r.docs[1].meta.source, "");
  EXPECT_EQ(r.docs[1].location, path + ":4");
  EXPECT_EQ(r.locators[0].line, 1u);
  EXPECT_EQ(r.locators[0].offset, 0u);
  EXPECT_EQ(r.locators[1].line, 4u);
  EXPECT_EQ(r.reader->documents(), 2u);
  EXPECT_EQ(r.reader->skipped(), 0u);
  EXPECT_EQ(r.reader->bytes_read(), r.reader->total_bytes());
  EXPECT_EQ(r.reader->total_bytes(), std::filesystem::file_size(path));
  ExpectReadAtIdentical(r);
}

TEST(ReaderTest, ReadsTextFileAsOneDocument) {
  TempDirectory dir;
  const std::string text = "السطر الأول\r\nالسطر الثاني\n";
  std::string path = dir.Write("a.txt", text);
  ReadResult r = ReadAll({path});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].id, path);
  EXPECT_EQ(r.docs[0].text, text);  // exactly the bytes: '\r' kept, offsets stay file offsets
  EXPECT_EQ(r.docs[0].location, path);
  EXPECT_EQ(r.locators[0].offset, 0u);
  EXPECT_EQ(r.locators[0].length, text.size());
  EXPECT_EQ(r.locators[0].line, 0u);
  ExpectReadAtIdentical(r);
}

TEST(ReaderTest, ExplicitFileIsReadWhateverItsExtension) {
  TempDirectory dir;
  std::string notes = dir.Write("notes.md", "# عنوان");
  std::string lines = dir.Write("feed.NDJSON", "{\"id\":\"x\",\"text\":\"y\"}\n");
  ReadResult r = ReadAll({notes, lines});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.Ids(), ElementsAre(notes, "x"));
  EXPECT_EQ(r.docs[0].text, "# عنوان");
}

TEST(ReaderTest, NulBytesAreKept) {
  TempDirectory dir;
  const std::string raw("a\0b\0\0c", 6);
  std::string txt = dir.Write("nul.txt", raw);
  std::string jsonl = dir.Write("nul.jsonl", "{\"id\":\"n\",\"text\":\"x\\u0000y\"}\n");
  ReadResult r = ReadAll({txt, jsonl});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].text, raw);
  EXPECT_EQ(r.docs[1].text, std::string("x\0y", 3));
  EXPECT_TRUE(r.problems.empty());
  ExpectReadAtIdentical(r);
}

TEST(ReaderTest, CrlfLineEndingsAreStripped) {
  TempDirectory dir;
  std::string path = dir.Write(
      "crlf.jsonl", "{\"id\":\"a\",\"text\":\"one\"}\r\n\r\n{\"id\":\"b\",\"text\":\"two\"}\r\n");
  ReadResult r = ReadAll({path});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[1].location, path + ":3");
  EXPECT_EQ(r.locators[0].length, std::string("{\"id\":\"a\",\"text\":\"one\"}").size());
  ExpectReadAtIdentical(r);
}

TEST(ReaderTest, ByteOrderMarkIsStrippedFromJsonlAndKeptInText) {
  TempDirectory dir;
  const std::string bom = "\xEF\xBB\xBF";
  std::string jsonl = dir.Write("bom.jsonl", bom + "{\"id\":\"a\",\"text\":\"نص\"}\n");
  std::string txt = dir.Write("bom.txt", bom + "نص");
  ReadResult r = ReadAll({jsonl, txt});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].text, "نص");
  EXPECT_EQ(r.locators[0].offset, 3u);  // after the mark
  // The text keeps U+FEFF (offsets stay file offsets); the normalizer removes it as a format
  // control (NormalizerOptions::remove_format_controls).
  EXPECT_EQ(r.docs[1].text, bom + "نص");
  ExpectReadAtIdentical(r);
}

TEST(ReaderTest, HugeSingleLine) {
  TempDirectory dir;
  std::string text(kHugeLineBytes, 'x');
  for (size_t i = 0; i < text.size(); i += 997) text[i] = ' ';
  std::string line = absl::StrCat("{\"id\":\"big\",\"text\":\"", text, "\"}");
  std::string path =
      dir.Write("big.jsonl", absl::StrCat(line, "\n{\"id\":\"small\",\"text\":\"s\"}"));
  ReadResult r = ReadAll({path});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].text.size(), text.size());
  EXPECT_TRUE(r.docs[0].text == text);
  EXPECT_EQ(r.docs[1].id, "small");  // the last line has no '\n'
  ExpectReadAtIdentical(r);

  // The same line over the limit is skipped with its length, and the next line still read.
  ReaderOptions options;
  options.max_document_bytes = kHugeLineBytes;
  ReadResult limited = ReadAll({path}, options);
  ASSERT_TRUE(limited.status.ok()) << limited.status;
  EXPECT_THAT(limited.Ids(), ElementsAre("small"));
  EXPECT_THAT(limited.Messages(), ElementsAre(absl::StrCat(path, ":1: line of ", line.size(),
                                                           " bytes exceeds max_document_bytes (",
                                                           kHugeLineBytes, ")")));
  EXPECT_EQ(limited.reader->skipped(), 1u);
}

// ---- Directories --------------------------------------------------------------------------------

TEST(ReaderTest, WalksDirectoriesInByteOrderIgnoringHiddenAndOtherFiles) {
  TempDirectory dir;
  const std::string root = dir / "corpus";
  dir.Write("corpus/b.txt", "b");
  dir.Write("corpus/a/z.txt", "az");
  dir.Write("corpus/a-c.txt", "a-c");  // '-' (0x2D) sorts before '/' (0x2F): before a/z.txt
  dir.Write("corpus/A.txt", "A");      // uppercase before lowercase
  dir.Write("corpus/c.jsonl", "{\"id\":\"c1\",\"text\":\"c\"}\n");
  dir.Write("corpus/d.jsonl.gz", testing::GzipMember("{\"id\":\"d1\",\"text\":\"d\"}\n"));
  dir.Write("corpus/e.ndjson.zst", testing::ZstdFrame("{\"id\":\"e1\",\"text\":\"e\"}\n"));
  dir.Write("corpus/f.txt.gz", testing::GzipMember("f"));
  dir.Write("corpus/g.TXT", "G");
  dir.Write("corpus/readme.md", "ignored");
  dir.Write("corpus/data.json", "ignored");
  dir.Write("corpus/.hidden.txt", "ignored");
  dir.Write("corpus/.git/x.txt", "ignored");
  dir.Write("corpus/dir.txt/inner.txt", "inner");  // a directory named like a file is walked
  std::filesystem::create_directories(dir / "corpus/empty");

  ReadResult r = ReadAll({root + "/"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.problems.empty());
  const std::string p = root + "/";
  EXPECT_THAT(r.reader->input_paths(),
              ElementsAre(p + "A.txt", p + "a-c.txt", p + "a/z.txt", p + "b.txt", p + "c.jsonl",
                          p + "d.jsonl.gz", p + "dir.txt/inner.txt", p + "e.ndjson.zst",
                          p + "f.txt.gz", p + "g.TXT"));
  EXPECT_THAT(r.Ids(),
              ElementsAre(p + "A.txt", p + "a-c.txt", p + "a/z.txt", p + "b.txt", "c1", "d1",
                          p + "dir.txt/inner.txt", "e1", p + "f.txt.gz", p + "g.TXT"));
  EXPECT_EQ(r.docs[8].text, "f");
  EXPECT_EQ(r.reader->bytes_read(), r.reader->total_bytes());

  // Without the trailing slash the ids are joined the same way.
  ReadResult again = ReadAll({root});
  EXPECT_EQ(again.reader->input_paths(), r.reader->input_paths());
}

TEST(ReaderTest, DirectoryWithoutInputFilesIsAWarning) {
  TempDirectory dir;
  dir.Write("d/readme.md", "x");
  ReadResult r = ReadAll({dir / "d"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.Messages(),
              ElementsAre(dir / "d: no input files (.txt, .jsonl, .ndjson, .warc, .wet, "
                                "optionally .gz or .zst)"));
  EXPECT_FALSE(r.problems[0].skipped);
  EXPECT_EQ(r.reader->skipped(), 0u);
}

TEST(ReaderTest, WalkFollowsFileLinksButNotDirectoryLinks) {
  TempDirectory dir;
  std::string real = dir.Write("real/a.txt", "a");
  const std::string c = dir / "c";
  std::filesystem::create_directories(c);
  std::filesystem::create_directory_symlink("../real", c + "/linked_dir");
  std::filesystem::create_symlink("../real/a.txt", c + "/link.txt");
  std::filesystem::create_symlink("../real/nowhere.txt", c + "/dangling.txt");
  ASSERT_EQ(::mkfifo((c + "/fifo.jsonl").c_str(), 0600), 0);
  std::string file_as_dir = real + "/x.txt";  // a path through a file
  ReadResult r = ReadAll({c, file_as_dir});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.Ids(), ElementsAre(c + "/link.txt"));
  EXPECT_EQ(r.docs[0].text, "a");
  EXPECT_THAT(r.Messages(), ElementsAre(c + "/dangling.txt: No such file or directory",
                                        c + "/fifo.jsonl: not a regular file",
                                        file_as_dir + ": Not a directory"));
  EXPECT_EQ(r.problems[2].status.code(), absl::StatusCode::kNotFound);
}

// ---- Compression --------------------------------------------------------------------------------

std::string SampleJsonl(int n, uint64_t seed, absl::string_view id_prefix = "doc-") {
  testing::SplitMix64 rng(seed);
  const char* words[] = {"قال", "الوزير", "إن", "المملكة", "ترحب", "news", "\\\"quote\\\"", "١٢٣"};
  std::string out;
  for (int i = 0; i < n; ++i) {
    std::string text;
    const uint64_t length = 1 + rng.Uniform(200);
    for (uint64_t w = 0; w < length; ++w) absl::StrAppend(&text, words[rng.Uniform(8)], " ");
    absl::StrAppend(&out, "{\"id\":\"", id_prefix, i, "\",\"source\":\"s", rng.Uniform(5),
                    "\",\"text\":\"", text, "\"}\n");
  }
  return out;
}

TEST(ReaderTest, GzipAndZstdRoundTrip) {
  const uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  TempDirectory dir;
  const std::string plain = SampleJsonl(3000, seed);  // > 1 MiB: several buffer refills
  std::string a = dir.Write("a.jsonl", plain);
  std::string b = dir.Write("b.jsonl.gz", testing::GzipMember(plain));
  std::string c = dir.Write("c.jsonl.zst", testing::ZstdFrame(plain));
  ReaderOptions options;
  ReadResult ra = ReadAll({a}, options), rb = ReadAll({b}, options), rc = ReadAll({c}, options);
  ASSERT_TRUE(ra.status.ok() && rb.status.ok() && rc.status.ok());
  ASSERT_EQ(ra.docs.size(), 3000u);
  ASSERT_EQ(rb.docs.size(), ra.docs.size());
  ASSERT_EQ(rc.docs.size(), ra.docs.size());
  for (size_t i = 0; i < ra.docs.size(); ++i) {
    EXPECT_EQ(rb.docs[i].text, ra.docs[i].text);
    EXPECT_EQ(rc.docs[i].text, ra.docs[i].text);
    EXPECT_EQ(rb.docs[i].meta.source, ra.docs[i].meta.source);
    // Offsets and lines are those of the decompressed stream.
    EXPECT_EQ(rb.locators[i].offset, ra.locators[i].offset);
    EXPECT_EQ(rc.locators[i].line, ra.locators[i].line);
  }
  EXPECT_TRUE(ra.reader->Rereadable(0));
  EXPECT_FALSE(rb.reader->Rereadable(0));
  EXPECT_FALSE(rc.reader->Rereadable(0));
  // Only the plain file can be referenced by path (an index with --texts reference).
  EXPECT_EQ(ra.reader->OriginOf(ra.locators[0]).kind, OriginKind::kJsonLine);
  EXPECT_EQ(rb.reader->OriginOf(rb.locators[0]).kind, OriginKind::kNone);
  EXPECT_EQ(rc.reader->OriginOf(rc.locators[0]).kind, OriginKind::kNone);
  absl::StatusOr<Document> refused = rb.reader->ReadAt(rb.locators[0]);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  // Progress counts compressed bytes.
  EXPECT_EQ(rb.reader->bytes_read(), std::filesystem::file_size(b));
  EXPECT_EQ(rc.reader->bytes_read(), rc.reader->total_bytes());
}

// OriginOf names a document by absolute path; ReadOrigin reads it back without a reader, as
// another process does for an index that references its texts, and notices a moved or changed
// file.
TEST(ReaderTest, OriginsAreReadBackByAbsolutePath) {
  TempDirectory dir;
  const std::string jsonl = dir.Write(
      "sub/news.jsonl",
      "{\"id\":\"a\",\"text\":\"قال الوزير\",\"source\":\"spa\"}\n"
      "\n"
      "{\"id\":\"b\",\"text\":\"نص \\\"مقتبس\\\"\\n\\u0627\",\"date\":\"2015-07-21\"}\n");
  const std::string text = dir.Write("sub/x.txt", "السطر الأول\r\n");
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  ReadResult r = ReadAll({"sub"});  // relative paths: origins must not depend on the cwd
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.docs.size(), 3u);
  const OriginKind kinds[] = {OriginKind::kJsonLine, OriginKind::kJsonLine, OriginKind::kTextFile};
  const std::string paths[] = {jsonl, jsonl, text};
  for (size_t i = 0; i < r.docs.size(); ++i) {
    SCOPED_TRACE(r.docs[i].location);
    const DocumentOrigin origin = r.reader->OriginOf(r.locators[i]);
    EXPECT_EQ(origin.kind, kinds[i]);
    EXPECT_EQ(origin.path, std::filesystem::canonical(paths[i]).string());
    EXPECT_EQ(origin.offset, r.locators[i].offset);
    EXPECT_EQ(origin.length, r.locators[i].length);
    EXPECT_EQ(origin.line, r.locators[i].line);
    absl::StatusOr<Document> again = DocumentReader::ReadOrigin(origin, 1 << 20);
    ASSERT_TRUE(again.ok()) << again.status();
    if (kinds[i] == OriginKind::kJsonLine) {
      EXPECT_EQ(again->id, r.docs[i].id);
    }
    EXPECT_EQ(again->text, r.docs[i].text);
    EXPECT_EQ(again->meta.source, r.docs[i].meta.source);
    EXPECT_EQ(again->meta.date, r.docs[i].meta.date);
    EXPECT_EQ(again->origin, origin);
  }
  const DocumentOrigin second = r.reader->OriginOf(r.locators[1]);
  // Too large for the limit, no origin, a truncated file, a moved file.
  EXPECT_EQ(DocumentReader::ReadOrigin(second, 4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DocumentReader::ReadOrigin(DocumentOrigin(), 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::filesystem::resize_file(jsonl, second.offset + 5);
  absl::StatusOr<Document> cut = DocumentReader::ReadOrigin(second, 1 << 20);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(cut.status().message().find(second.path), absl::string_view::npos) << cut.status();
  std::filesystem::remove(jsonl);
  absl::StatusOr<Document> gone = DocumentReader::ReadOrigin(second, 1 << 20);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gone.status().message(), second.path + ": No such file or directory");
}

TEST(ReaderTest, ConcatenatedGzipMembersAndZstdFrames) {
  TempDirectory dir;
  const std::string one = "{\"id\":\"1\",\"text\":\"a\"}\n",
                    two = "{\"id\":\"2\",\"text\":\"b\"}\n";
  std::string gz = dir.Write("m.jsonl.gz", testing::GzipMember(one) + testing::GzipMember("") +
                                               testing::GzipMember(two));
  std::string zst = dir.Write("m.jsonl.zst", testing::ZstdFrame(one) + testing::ZstdFrame(two));
  for (const std::string& path : {gz, zst}) {
    ReadResult r = ReadAll({path});
    ASSERT_TRUE(r.status.ok()) << r.status;
    EXPECT_THAT(r.Messages(), ElementsAre());
    EXPECT_THAT(r.Ids(), ElementsAre("1", "2"));
    EXPECT_EQ(r.docs[1].location, path + ":2");
  }
}

TEST(ReaderTest, CorruptAndTruncatedCompressedFilesKeepWhatWasRead) {
  const uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  TempDirectory dir;
  const std::string gz = testing::GzipMember(SampleJsonl(4000, seed));
  const std::string zst = testing::ZstdFrame(SampleJsonl(4000, seed, "z-"));
  std::string truncated_gz = dir.Write("t.jsonl.gz", gz.substr(0, gz.size() * 3 / 4));
  std::string truncated_zst = dir.Write("t.jsonl.zst", zst.substr(0, zst.size() * 3 / 4));
  std::string garbage_gz = dir.Write("g.txt.gz", "this is not gzip data");
  std::string garbage_zst = dir.Write("g.jsonl.zst", "neither is this");
  std::string after = dir.Write("z.jsonl", "{\"id\":\"after\",\"text\":\"x\"}\n");
  ReadResult r = ReadAll({truncated_gz, truncated_zst, garbage_gz, garbage_zst, after});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.problems.size(), 4u);
  EXPECT_THAT(r.problems[0].status.message(),
              HasSubstr(truncated_gz + ": truncated gzip data (input ends at byte "));
  EXPECT_EQ(r.problems[0].status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(r.problems[0].location, truncated_gz);
  EXPECT_THAT(r.problems[1].status.message(),
              HasSubstr(truncated_zst + ": truncated zstd data (input ends at byte "));
  EXPECT_EQ(r.problems[2].status.message(),
            garbage_gz + ": corrupt gzip data at byte 2 (incorrect header check)");
  EXPECT_THAT(r.problems[3].status.message(),
              HasSubstr(garbage_zst + ": corrupt zstd data at byte 0 (Unknown frame descriptor)"));
  EXPECT_EQ(r.reader->skipped(), 4u);
  EXPECT_EQ(r.reader->bytes_read(), r.reader->total_bytes());  // cut-short files count in full
  // Most documents of the truncated files were read before the cut, in order, and the next file
  // was read too.
  size_t from_gz = 0;
  while (from_gz < r.docs.size() && r.locators[from_gz].input == 0) ++from_gz;
  EXPECT_GT(from_gz, 1000u);
  EXPECT_LT(from_gz, 4000u);
  EXPECT_EQ(r.docs[from_gz - 1].id, absl::StrCat("doc-", from_gz - 1));
  EXPECT_EQ(r.docs.back().id, "after");
}

// Decoding through a source that returns a few bytes at a time gives the same bytes as one shot.
TEST(ReaderTest, DecodersAreChunkingInvariant) {
  const std::string plain = SampleJsonl(300, 7);
  const std::string gz = testing::GzipMember(plain) + testing::GzipMember(plain);
  const std::string zst = testing::ZstdFrame(plain) + testing::ZstdFrame(plain);
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{4096}, SIZE_MAX}) {
    SCOPED_TRACE(chunk);
    for (int kind = 0; kind < 2; ++kind) {
      auto source = std::make_unique<internal::MemoryStream>(kind == 0 ? gz : zst, chunk);
      std::unique_ptr<internal::ByteStream> decoder;
      if (kind == 0) {
        decoder = std::make_unique<internal::GzipStream>(std::move(source), "x");
      } else {
        decoder = std::make_unique<internal::ZstdStream>(std::move(source), "x");
      }
      std::string out;
      char buffer[777];
      while (true) {
        absl::StatusOr<size_t> n = decoder->Read(buffer, chunk == 1 ? 1 : sizeof(buffer));
        ASSERT_TRUE(n.ok()) << n.status();
        if (*n == 0) break;
        out.append(buffer, *n);
      }
      EXPECT_TRUE(out == plain + plain);
      EXPECT_EQ(decoder->consumed(), (kind == 0 ? gz : zst).size());
    }
  }
}

// ---- Problems -----------------------------------------------------------------------------------

TEST(ReaderTest, EachJsonlProblemHasItsMessageAndLine) {
  TempDirectory dir;
  const std::string lines[] = {
      R"({"id":"ok1","text":"fine"})",             // 1
      R"({"id":"a","text":"unclosed})",            // 2
      R"([1,2,3])",                                // 3
      "{\"id\":\"b\",\"text\":\"\xD8\xA7\xFF\"}",  // 4: invalid byte at 20
      R"({"id":"c"})",                             // 5
      R"({"text":"no id"})",                       // 6
      R"({"id":"","text":"x"})",                   // 7
      R"({"id":"d","text":""})",                   // 8
      R"({"id":"e","text":5})",                    // 9
      R"({"id":1.5,"text":"x"})",                  // 10
      R"({"id":"f","text":"x","text":"y"})",       // 11
      R"({"id":"g","text":"x","date":7})",         // 12
      R"({"id":"h","text":"x"} {"id":"i"})",       // 13
      R"({"id":"ok1","text":"again"})",            // 14
      R"({"id":"j","text":"x")",                   // 15
      R"({"id":[],"text":"x"})",                   // 16
      R"({"id":"k","text":"x","title":nul})",      // 17
      R"(nonsense)",                               // 18
      R"({"id":"ok2","text":"fine"})",             // 19
  };
  std::string content;
  for (const std::string& line : lines) absl::StrAppend(&content, line, "\n");
  std::string path = dir.Write("bad.jsonl", content);
  ReadResult r = ReadAll({path});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.Ids(), ElementsAre("ok1", "ok2"));
  const std::string p = path;
  // One expected message per line.
  // clang-format off
  EXPECT_THAT(r.Messages(),
              ElementsAre(p + ":2: invalid JSON (UNCLOSED_STRING)",
                          p + ":3: not a JSON object",
                          p + ":4: invalid UTF-8 at byte 20 of the line",
                          p + ":5: missing \"text\"",
                          p + ":6: missing \"id\"",
                          p + ":7: empty \"id\"",
                          p + ":8: empty \"text\"",
                          p + ":9: \"text\" is not a string",
                          p + ":10: \"id\" is not a string or an integer",
                          p + ":11: duplicate \"text\"",
                          p + ":12: \"date\" is not a string",
                          p + ":13: invalid JSON (TRAILING_CONTENT)",
                          p + ":14: duplicate id \"ok1\" (first at " + p + ":1)",
                          p + ":15: invalid JSON (INCOMPLETE_ARRAY_OR_OBJECT)",
                          p + ":16: \"id\" is not a string or an integer",
                          p + ":17: invalid JSON (N_ATOM_ERROR)",
                          p + ":18: not a JSON object"));
  // clang-format on
  ASSERT_EQ(r.problems.size(), 17u);
  EXPECT_EQ(r.problems[0].location, p + ":2");
  EXPECT_EQ(r.problems[0].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.problems[12].status.code(), absl::StatusCode::kAlreadyExists);
  for (const InputProblem& problem : r.problems) EXPECT_TRUE(problem.skipped);
  EXPECT_EQ(r.reader->skipped(), 17u);
  EXPECT_EQ(r.reader->documents(), 2u);
}

TEST(ReaderTest, IntegerIds) {
  TempDirectory dir;
  std::string path = dir.Write("ids.jsonl",
                               "{\"id\":0,\"text\":\"x\"}\n{\"id\":-17,\"text\":\"x\"}\n"
                               "{\"id\":123456789012345678901234567890 ,\"text\":\"x\"}\n"
                               "{\"id\":1e3,\"text\":\"x\"}\n{\"id\":01,\"text\":\"x\"}\n"
                               "{\"id\":true,\"text\":\"x\"}\n");
  ReadResult r = ReadAll({path});
  EXPECT_THAT(r.Ids(), ElementsAre("0", "-17", "123456789012345678901234567890"));
  ASSERT_EQ(r.problems.size(), 3u);
  EXPECT_EQ(r.problems[0].status.message(), path + ":4: \"id\" is not a string or an integer");
  EXPECT_EQ(r.problems[1].location, path + ":5");
  EXPECT_EQ(r.problems[2].status.message(), path + ":6: \"id\" is not a string or an integer");
}

TEST(ReaderTest, FileProblems) {
  TempDirectory dir;
  std::string empty_txt = dir.Write("empty.txt", "");
  std::string empty_jsonl = dir.Write("empty.jsonl", "\n  \n\r\n");
  std::string empty_gz = dir.Write("empty.txt.gz", "");
  std::string missing = dir / "missing.txt";
  std::string bad_utf8 = dir.Write("bad.txt", std::string("abc\xC3\x28xyz\xED\xA0\x80", 11));
  std::string big = dir.Write("big.txt", std::string(101, 'x'));
  std::string ok = dir.Write("ok.txt", std::string(100, 'y'));
  ReaderOptions options;
  options.max_document_bytes = 100;
  ReadResult r = ReadAll({empty_txt, empty_jsonl, empty_gz, missing, bad_utf8, big, ok}, options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.Messages(),
              ElementsAre(missing + ": No such file or directory",  // found by Open
                          empty_txt + ": empty file", empty_jsonl + ": empty file",
                          empty_gz + ": empty file", bad_utf8 + ": invalid UTF-8 at byte 3",
                          big + ": document larger than max_document_bytes (100)"));
  EXPECT_EQ(r.problems[0].status.code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(r.problems[4].skipped);  // invalid UTF-8 in text: a warning, the document is kept
  EXPECT_THAT(r.Ids(), ElementsAre(bad_utf8, ok));
  EXPECT_EQ(r.docs[0].text, std::string("abc\xC3\x28xyz\xED\xA0\x80", 11));
  EXPECT_EQ(r.reader->skipped(), 5u);
  EXPECT_EQ(r.reader->documents(), 2u);
  // The missing file is not among the inputs.
  EXPECT_EQ(r.reader->input_paths().size(), 6u);
  EXPECT_EQ(r.reader->bytes_read(), r.reader->total_bytes());
}

TEST(ReaderTest, UnreadableFileAndDirectory) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their permissions";
  TempDirectory dir;
  std::string secret = dir.Write("d/secret.txt", "x");
  std::string ok = dir.Write("d/ok.txt", "y");
  std::string locked_dir = dir / "locked";
  dir.Write("locked/x.txt", "z");
  ::chmod(secret.c_str(), 0);
  ::chmod(locked_dir.c_str(), 0);
  ReadResult r = ReadAll({dir / "d", locked_dir});
  ::chmod(locked_dir.c_str(), 0700);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.Messages(),
              ElementsAre(locked_dir + ": Permission denied", secret + ": Permission denied"));
  EXPECT_EQ(r.problems[0].status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(r.Ids(), ElementsAre(ok));
}

TEST(ReaderTest, DuplicateIdsAcrossFilesNameTheFirstLocation) {
  TempDirectory dir;
  std::string a =
      dir.Write("a.jsonl", "{\"id\":\"x\",\"text\":\"1\"}\n{\"id\":\"y\",\"text\":\"2\"}\n");
  std::string b = dir.Write("b.jsonl", "\n{\"id\":\"y\",\"text\":\"3\"}\n");
  std::string t = dir.Write("t.txt", "text");
  ReadResult r = ReadAll({a, t, b, t});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.Ids(), ElementsAre("x", "y", t));
  EXPECT_THAT(r.Messages(), ElementsAre(b + ":2: duplicate id \"y\" (first at " + a + ":2)",
                                        t + ": duplicate id \"" + t + "\" (first at " + t + ")"));
  EXPECT_EQ(r.docs[1].text, "2");  // the first one is kept
}

TEST(ReaderTest, StrictModeMakesEveryProblemFatal) {
  TempDirectory dir;
  ReaderOptions strict;
  strict.strict = true;

  ReadResult missing = ReadAll({dir / "nope.jsonl"}, strict);
  EXPECT_EQ(missing.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status.message(), dir / "nope.jsonl: No such file or directory");
  EXPECT_EQ(missing.problems.size(), 1u);  // reported too

  std::string path = dir.Write("s.jsonl",
                               "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\"}\n"
                               "{\"id\":\"c\",\"text\":\"y\"}\n");
  ReadResult bad = ReadAll({path}, strict);
  EXPECT_EQ(bad.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status.message(), path + ":2: missing \"text\"");
  EXPECT_THAT(bad.Ids(), ElementsAre("a"));

  std::string dup =
      dir.Write("dup.jsonl", "{\"id\":\"d\",\"text\":\"x\"}\n{\"id\":\"d\",\"text\":\"y\"}\n");
  EXPECT_EQ(ReadAll({dup}, strict).status.code(), absl::StatusCode::kAlreadyExists);

  std::string utf8 = dir.Write("u.txt", "\xFF");
  EXPECT_EQ(ReadAll({utf8}, strict).status.message(), utf8 + ": invalid UTF-8 at byte 0");

  std::string trunc =
      dir.Write("t.jsonl.gz",
                testing::GzipMember("{\"id\":\"a\",\"text\":\"x\"}\n").substr(0, 15));
  EXPECT_EQ(ReadAll({trunc}, strict).status.code(), absl::StatusCode::kDataLoss);

  // Without strict, the same inputs are read with problems reported.
  ReadResult lenient = ReadAll({dir / "nope.jsonl", path, dup, utf8, trunc});
  EXPECT_TRUE(lenient.status.ok());
  EXPECT_EQ(lenient.problems.size(), 5u);
}

TEST(ReaderTest, OpenRefusesBadArguments) {
  ReaderOptions options;
  EXPECT_EQ(DocumentReader::Open({}, options, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DocumentReader::Open({"-", "-"}, options, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.max_document_bytes = 0;
  EXPECT_EQ(DocumentReader::Open({"-"}, options, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.max_document_bytes = uint64_t{1} << 32;
  EXPECT_FALSE(options.Validate().ok());
  options = ReaderOptions();
  options.stdin_fd = -1;
  EXPECT_FALSE(options.Validate().ok());
  EXPECT_TRUE(ReaderOptions().Validate().ok());
}

TEST(ReaderTest, BinaryGarbageIsReportedNotFatal) {
  const uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  testing::SplitMix64 rng(seed);
  TempDirectory dir;
  std::string bytes(200000, '\0');
  for (char& c : bytes) c = static_cast<char>(rng.Next());
  std::string jsonl = dir.Write("bin.jsonl", bytes);
  std::string txt = dir.Write("bin.txt", bytes);
  ReadResult r = ReadAll({jsonl, txt});
  ASSERT_TRUE(r.status.ok());
  EXPECT_THAT(r.Ids(), ElementsAre(txt));  // the text is kept, with a warning
  // One problem per line that is not blank, plus the text file's UTF-8 warning.
  size_t not_blank = 0;
  for (absl::string_view line : absl::StrSplit(bytes, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!internal::IsBlankLine(line)) ++not_blank;
  }
  EXPECT_EQ(r.problems.size(), not_blank + 1);
  EXPECT_EQ(r.reader->skipped(), not_blank);
  for (const InputProblem& p : r.problems) EXPECT_FALSE(p.status.ok());
}

// ---- Re-reading ---------------------------------------------------------------------------------

TEST(ReaderTest, ReadAtReturnsIdenticalDocuments) {
  const uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  TempDirectory dir;
  dir.Write("c/1.jsonl", SampleJsonl(50, seed));
  dir.Write("c/2.txt", "نص الأول");
  dir.Write("c/3.jsonl",
            "\xEF\xBB\xBF" + SampleJsonl(5, seed + 1, "b-") + "\r\n{\"id\":7,\"text\":\"t\"}");
  dir.Write("c/4.txt", "نص الثاني");
  for (uint32_t max_open : {256u, 1u, 0u}) {  // kept descriptors, and files reopened by path
    SCOPED_TRACE(absl::StrCat("max_open_files=", max_open));
    ReaderOptions options;
    options.max_open_files = max_open;
    ReadResult r = ReadAll({dir / "c"}, options);
    ASSERT_TRUE(r.status.ok()) << r.status;
    ASSERT_EQ(r.docs.size(), 50u + 1 + 6 + 1);
    ExpectReadAtIdentical(r);
    // Concurrent re-reads from several threads.
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&r, &failures, t] {
        for (size_t i = t; i < r.docs.size(); i += 4) {
          absl::StatusOr<Document> again = r.reader->ReadAt(r.locators[i]);
          if (!again.ok() || again->text != r.docs[i].text || again->id != r.docs[i].id) ++failures;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
  }
}

TEST(ReaderTest, ReadAtNoticesAChangedFile) {
  TempDirectory dir;
  std::string path = dir.Write("x.jsonl", "{\"id\":\"a\",\"text\":\"abc\"}\n");
  ReaderOptions options;
  options.max_open_files = 0;  // reopen by path, so the rewrite below is seen
  ReadResult r = ReadAll({path}, options);
  ASSERT_EQ(r.docs.size(), 1u);
  dir.Write("x.jsonl", "{\"id\":\"a\"");
  EXPECT_EQ(r.reader->ReadAt(r.locators[0]).status().code(), absl::StatusCode::kDataLoss);
  dir.Write("x.jsonl", "{\"id\":\"a\",\"tex\":\"abcd\"}\n");
  absl::StatusOr<Document> changed = r.reader->ReadAt(r.locators[0]);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(changed.status().message(), HasSubstr("missing \"text\""));
  DocumentLocator out_of_range = r.locators[0];
  out_of_range.input = 5;
  EXPECT_EQ(r.reader->ReadAt(out_of_range).status().code(), absl::StatusCode::kFailedPrecondition);
}

// Standard input through a pipe: spooled to a temporary file so that ReadAt works, also while the
// rest is still being read.
TEST(ReaderTest, StdinPipeIsSpooledAndRereadable) {
  const uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  const std::string data = SampleJsonl(2000, seed);  // larger than a pipe's buffer
  for (bool spool : {true, false}) {
    SCOPED_TRACE(absl::StrCat("spool_pipes=", spool));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::thread writer([&data, fd = fds[1]] {
      size_t done = 0;
      while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      ::close(fd);
    });
    TempDirectory spool_dir;
    ReaderOptions options;
    options.stdin_fd = fds[0];
    options.spool_pipes = spool;
    options.spool_directory = spool_dir.path();
    ReadResult r = ReadAll({"-"}, options);
    writer.join();
    ::close(fds[0]);
    ASSERT_TRUE(r.status.ok()) << r.status;
    ASSERT_EQ(r.docs.size(), 2000u);
    EXPECT_EQ(r.docs[0].location, "-:1");
    EXPECT_EQ(r.reader->total_bytes(), 0u);  // unknown for a pipe
    EXPECT_EQ(r.reader->bytes_read(), data.size());
    EXPECT_EQ(r.reader->Rereadable(0), spool);
    if (spool) {
      ExpectReadAtIdentical(r);
      // The spool file is unlinked: nothing is left in its directory.
      EXPECT_TRUE(std::filesystem::is_empty(spool_dir.path()));
    }
  }
}

TEST(ReaderTest, ReadAtWhileStillReadingStdin) {
  const std::string data = SampleJsonl(500, 11);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&data, fd = fds[1]] {
    for (size_t done = 0; done < data.size();) {
      ssize_t n = ::write(fd, data.data() + done, std::min<size_t>(1000, data.size() - done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
  });
  ReaderOptions options;
  options.stdin_fd = fds[0];
  auto reader = DocumentReader::Open({"-"}, options, nullptr);
  ASSERT_TRUE(reader.ok());
  Document doc;
  DocumentLocator locator;
  size_t n = 0;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&doc, &locator);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    absl::StatusOr<Document> again = (*reader)->ReadAt(locator);
    ASSERT_TRUE(again.ok()) << again.status();
    ExpectSameDocument(*again, doc);
    // The spool file dies with the reader: no origin another process could read.
    EXPECT_EQ((*reader)->OriginOf(locator).kind, OriginKind::kNone);
    ++n;
  }
  writer.join();
  ::close(fds[0]);
  EXPECT_EQ(n, 500u);
}

// ---- Internals ----------------------------------------------------------------------------------

// LineReader against splitting the whole buffer, over random contents, limits and read sizes.
TEST(LineReaderTest, MatchesSplitOracle) {
  const uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  testing::SplitMix64 rng(seed);
  for (int round = 0; round < 300; ++round) {
    SCOPED_TRACE(round);
    std::string data;
    const uint64_t lines = rng.Uniform(20);
    for (uint64_t i = 0; i < lines; ++i) {
      // Mostly short lines, some long enough to cross the 1 MiB first buffer.
      uint64_t length = rng.Bernoulli(0.05) ? rng.Uniform(3 << 20) : rng.Uniform(300);
      data.append(length, static_cast<char>('a' + rng.Uniform(26)));
      if (i + 1 < lines || rng.Bernoulli(0.5)) data.push_back('\n');
    }
    const uint64_t max_line = rng.Bernoulli(0.5) ? 1 + rng.Uniform(400) : uint64_t{4} << 20;
    const size_t chunk = rng.Bernoulli(0.3) ? 1 + rng.Uniform(10) : SIZE_MAX;

    // Oracle: lines of the whole buffer; a final line without '\n' counts unless empty.
    struct Expected {
      uint64_t offset, length;
    };
    std::vector<Expected> expected;
    for (size_t start = 0; start < data.size();) {
      size_t end = data.find('\n', start);
      if (end == std::string::npos) end = data.size();
      expected.push_back({start, end - start});
      start = end + 1;
    }

    internal::MemoryStream stream(data, chunk);
    internal::LineReader reader(&stream, max_line);
    internal::LineReader::Line line;
    size_t i = 0;
    while (true) {
      absl::StatusOr<bool> more = reader.Next(&line);
      ASSERT_TRUE(more.ok());
      if (!*more) break;
      ASSERT_LT(i, expected.size());
      EXPECT_EQ(line.number, i + 1);
      EXPECT_EQ(line.offset, expected[i].offset);
      EXPECT_EQ(line.length, expected[i].length);
      EXPECT_EQ(line.too_long, expected[i].length > max_line);
      if (!line.too_long) {
        ASSERT_EQ(line.size, expected[i].length);
        ASSERT_GE(line.padded_size, line.size + internal::kLinePadding);
        EXPECT_TRUE(absl::string_view(line.data, line.size) ==
                    absl::string_view(data).substr(expected[i].offset, expected[i].length));
      }
      ++i;
    }
    EXPECT_EQ(i, expected.size());
  }
}

// A reference validator straight from Unicode Table 3-7, one byte pattern at a time.
size_t ReferenceFirstInvalid(absl::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t i = 0;
  while (i < s.size()) {
    unsigned char b = byte(i);
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b <= 0x7F)
      n = 1;
    else if (b >= 0xC2 && b <= 0xDF)
      n = 2;
    else if (b == 0xE0)
      n = 3, lo = 0xA0;
    else if (b == 0xED)
      n = 3, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF)
      n = 3;
    else if (b == 0xF0)
      n = 4, lo = 0x90;
    else if (b == 0xF4)
      n = 4, hi = 0x8F;
    else if (b >= 0xF1 && b <= 0xF3)
      n = 4;
    else
      return i;
    if (i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      unsigned char c = byte(i + k);
      if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return i;
    }
    i += n;
  }
  return absl::string_view::npos;
}

TEST(ReaderUtf8Test, FirstInvalidKnownAnswers) {
  using internal::FirstInvalidUtf8;
  constexpr size_t npos = absl::string_view::npos;
  EXPECT_EQ(FirstInvalidUtf8(""), npos);
  EXPECT_EQ(FirstInvalidUtf8("plain ascii"), npos);
  EXPECT_EQ(FirstInvalidUtf8("قال \xEF\xBF\xBD"), npos);  // a real U+FFFD is valid
  EXPECT_EQ(FirstInvalidUtf8("\xF0\x9F\x98\x80"), npos);  // U+1F600
  EXPECT_EQ(FirstInvalidUtf8("ab\x80"), 2u);              // lone continuation
  EXPECT_EQ(FirstInvalidUtf8("\xC0\x80"), 0u);            // overlong NUL
  EXPECT_EQ(FirstInvalidUtf8("xx\xED\xA0\x80"), 2u);      // surrogate U+D800
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);    // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("12345678\xE2\x82"), 8u);    // truncated at the end
  EXPECT_EQ(FirstInvalidUtf8("قال\xFF"), 6u);
}

TEST(ReaderUtf8Test, FirstInvalidMatchesReference) {
  const uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(absl::StrCat("NAQL_TEST_SEED=", seed));
  testing::SplitMix64 rng(seed);
  const std::string pieces[] = {"a",
                                "ب",
                                "€",
                                "\xF0\x9F\x98\x80",
                                "\x80",
                                "\xC3",
                                "\xE0\xA0",
                                "\xED\xBF\xBF",
                                "\xF4\x8F\xBF\xBF",
                                "\xF8",
                                "\xEF\xBF\xBD",
                                "0123456789"};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const uint64_t n = rng.Uniform(12);
    for (uint64_t i = 0; i < n; ++i) {
      // Mostly valid pieces, sometimes a broken one or a random byte.
      uint64_t pick = rng.Uniform(16);
      if (pick < 12)
        s += pieces[pick];
      else if (pick < 14)
        s += pieces[rng.Uniform(4)];
      else
        s.push_back(static_cast<char>(rng.Next()));
    }
    ASSERT_EQ(internal::FirstInvalidUtf8(s), ReferenceFirstInvalid(s)) << absl::CHexEscape(s);
  }
}

}  // namespace
}  // namespace naql
