// Tests of the scan's temporary file and the passage fingerprints partitioned into it.

#include "spill_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"

namespace naql::internal {
namespace {

std::unique_ptr<SpillFile> MakeFile() {
  absl::StatusOr<std::unique_ptr<SpillFile>> file = SpillFile::Create(::testing::TempDir());
  EXPECT_TRUE(file.ok()) << file.status();
  return *std::move(file);
}

std::string Read(const SpillFile& file, uint64_t offset, size_t size) {
  std::string out(size, '\0');
  absl::Status status = file.ReadAt(offset, size, out.data());
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

TEST(SpillFileTest, ReadsBackWhatWasAppendedAtItsOffset) {
  std::unique_ptr<SpillFile> file = MakeFile();
  std::mt19937_64 random(7);
  std::vector<std::pair<uint64_t, std::string>> written;
  uint64_t expected_offset = 0;
  // Sizes around the 1 MiB buffer: small appends that fill it, one that straddles its end, and
  // ones larger than the buffer that bypass it.
  for (size_t size : {size_t{0}, size_t{1}, size_t{100}, size_t{700'000}, size_t{500'000},
                      size_t{1} << 20, (size_t{1} << 20) + 3, size_t{5}, size_t{3'000'000}}) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    absl::StatusOr<uint64_t> offset = file->Append(bytes);
    ASSERT_TRUE(offset.ok()) << offset.status();
    EXPECT_EQ(*offset, expected_offset);
    expected_offset += size;
    EXPECT_EQ(file->size(), expected_offset);
    written.emplace_back(*offset, std::move(bytes));
  }
  ASSERT_TRUE(file->Flush().ok());
  for (const auto& [offset, bytes] : written) {
    EXPECT_EQ(Read(*file, offset, bytes.size()), bytes) << "offset " << offset;
  }
  // A part of one append, and a range across two.
  EXPECT_EQ(Read(*file, written[3].first + 10, 20), written[3].second.substr(10, 20));
  const std::string& third = written[3].second;
  EXPECT_EQ(Read(*file, written[4].first - 2, 4),
            third.substr(third.size() - 2) + written[4].second.substr(0, 2));
}

TEST(SpillFileTest, BlockReaderReadsWhatReadAtReads) {
  std::unique_ptr<SpillFile> file = MakeFile();
  std::mt19937_64 random(11);
  std::string all(300'000, '\0');
  for (char& c : all) c = static_cast<char>(random());
  ASSERT_TRUE(file->Append(all).ok());
  ASSERT_TRUE(file->Flush().ok());
  // Ranges in increasing order (the intended use), then in any order, some longer than a block
  // and some reaching the end of the file, through blocks of 1 KiB.
  std::vector<std::pair<uint64_t, size_t>> ranges;
  for (uint64_t offset = 0; offset < all.size();) {
    const size_t size = std::min<size_t>(random() % 3000, all.size() - offset);
    ranges.emplace_back(offset, size);
    offset += size + random() % 500;
  }
  ranges.emplace_back(all.size() - 10, 10);
  ranges.emplace_back(all.size(), 0);
  for (int shuffled = 0; shuffled < 2; ++shuffled) {
    if (shuffled) std::shuffle(ranges.begin(), ranges.end(), random);
    SpillFile::BlockReader reader(file.get(), 1024);
    std::string out;
    for (const auto& [offset, size] : ranges) {
      ASSERT_TRUE(reader.Read(offset, size, &out).ok()) << offset << " " << size;
      ASSERT_EQ(out, all.substr(offset, size)) << offset << " " << size;
    }
  }
  SpillFile::BlockReader reader(file.get(), 1024);
  std::string out;
  EXPECT_EQ(reader.Read(all.size() - 5, 10, &out).code(), absl::StatusCode::kInternal);
  EXPECT_FALSE(reader.Read(~uint64_t{0}, 2, &out).ok());  // no overflow
  ASSERT_TRUE(reader.Read(5, 5, &out).ok());  // usable after an error
  EXPECT_EQ(out, all.substr(5, 5));
}

TEST(SpillFileTest, ReadingPastWhatWasFlushedIsAnError) {
  std::unique_ptr<SpillFile> file = MakeFile();
  ASSERT_TRUE(file->Append("abc").ok());
  char out[4];
  EXPECT_FALSE(file->ReadAt(0, 3, out).ok());  // still in the buffer
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_TRUE(file->ReadAt(0, 3, out).ok());
  absl::Status past = file->ReadAt(1, 3, out);
  EXPECT_EQ(past.code(), absl::StatusCode::kInternal);
  EXPECT_NE(past.message().find("temporary file"), std::string::npos) << past;
  EXPECT_FALSE(file->ReadAt(~uint64_t{0}, 2, out).ok());  // no overflow
}

TEST(SpillFileTest, LeavesNoFileBehind) {
  const std::string dir = ::testing::TempDir() + "/spill_file_test_dir";
  mkdir(dir.c_str(), 0700);
  {
    absl::StatusOr<std::unique_ptr<SpillFile>> file = SpillFile::Create(dir);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->Append("x").ok());
    ASSERT_TRUE((*file)->Flush().ok());
  }
  EXPECT_EQ(rmdir(dir.c_str()), 0) << "the directory should be empty";
}

TEST(SpillFileTest, AMissingDirectoryIsAnErrorNamingIt) {
  absl::StatusOr<std::unique_ptr<SpillFile>> file = SpillFile::Create("/nonexistent/naql-dir");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(file.status().message().find("/nonexistent/naql-dir"), std::string::npos)
      << file.status();
  EXPECT_NE(file.status().message().find("--temp-dir"), std::string::npos) << file.status();
}

TEST(SpillFileTest, DirectoryDefaultsToTmpdirThenTmp) {
  EXPECT_EQ(TempDirectory("/given"), "/given");
  const char* saved = getenv("TMPDIR");
  const std::string saved_value = saved == nullptr ? "" : saved;
  setenv("TMPDIR", "/from-env", 1);
  EXPECT_EQ(TempDirectory(""), "/from-env");
  unsetenv("TMPDIR");
  EXPECT_EQ(TempDirectory(""), "/tmp");
  if (saved != nullptr) setenv("TMPDIR", saved_value.c_str(), 1);
}

TEST(PassageSpillTest, PartitionsGrowWithTheInputWithinBounds) {
  EXPECT_EQ(PassageSpill::PartitionsFor(0), 16u);
  EXPECT_EQ(PassageSpill::PartitionsFor(uint64_t{1} << 30), 16u);
  EXPECT_EQ(PassageSpill::PartitionsFor(uint64_t{4} << 30), 64u);
  EXPECT_EQ(PassageSpill::PartitionsFor(uint64_t{1} << 40), 256u);
}

// Every fingerprint comes back exactly once, in the partition of its hash, in the order added,
// with its document and position; a hash's records are all in one partition.
TEST(PassageSpillTest, EveryFingerprintComesBackOnceInItsHashPartition) {
  for (unsigned partitions : {1u, 2u, 16u, 256u}) {
    std::unique_ptr<SpillFile> file = MakeFile();
    PassageSpill spill(file.get(), partitions);
    std::mt19937_64 random(partitions);
    using Key = std::tuple<uint64_t, uint32_t, uint32_t>;  // hash, doc, position
    std::vector<Key> added;
    std::vector<PassageFingerprint> fps;
    for (uint32_t doc = 0; doc < 300; ++doc) {
      fps.clear();
      const size_t n = random() % 200;  // with 300 documents, several chunks per partition
      for (size_t i = 0; i < n; ++i) {
        // A small hash space, so that hashes repeat across documents.
        const uint64_t hash = (random() % 5000) * 0x9E3779B97F4A7C15ull;
        fps.push_back({hash, static_cast<uint32_t>(i)});
        added.emplace_back(hash, doc, static_cast<uint32_t>(i));
      }
      ASSERT_TRUE(spill.Add(doc, fps).ok());
    }
    ASSERT_TRUE(spill.Finish().ok());
    EXPECT_EQ(spill.records(), added.size());
    ASSERT_EQ(spill.partitions(), partitions);

    std::vector<Key> read;
    std::map<uint64_t, unsigned> partition_of_hash;
    for (unsigned p = 0; p < partitions; ++p) {
      std::vector<Key> part;
      ASSERT_TRUE(spill.ForEach(p, [&](const PassageSpill::Record& r) {
                         part.emplace_back(uint64_t{r.hash_high} << 32 | r.hash_low, r.doc,
                                           r.position);
                       }).ok());
      for (const Key& key : part) {
        auto [it, inserted] = partition_of_hash.emplace(std::get<0>(key), p);
        EXPECT_EQ(it->second, p) << "hash in two partitions";
      }
      // In the order added: the subsequence of `added` in this partition.
      std::vector<Key> expected;
      for (const Key& key : added) {
        if (partition_of_hash.count(std::get<0>(key)) && partition_of_hash[std::get<0>(key)] == p) {
          expected.push_back(key);
        }
      }
      EXPECT_EQ(part, expected) << "partition " << p << " of " << partitions;
      read.insert(read.end(), part.begin(), part.end());
    }
    EXPECT_EQ(read.size(), added.size());
    std::sort(read.begin(), read.end());
    std::sort(added.begin(), added.end());
    EXPECT_EQ(read, added);
    // The hashes spread over every partition.
    std::vector<bool> used(partitions, false);
    for (const auto& [hash, p] : partition_of_hash) used[p] = true;
    EXPECT_EQ(std::count(used.begin(), used.end(), true), static_cast<long>(partitions));
  }
}

}  // namespace
}  // namespace naql::internal
