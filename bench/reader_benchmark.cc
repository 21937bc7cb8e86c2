// Benchmarks of the document readers (MB/s of decompressed input on one core).
//
// Input: ≈32 MB of JSON Lines generated deterministically from the words of fixtures/seeds/
// (SplitMix64, fixed seed): articles of 1–8 KB of Arabic with quotation marks and JSON escapes,
// each with id, date, source and url, written once to a temporary directory as .jsonl, .jsonl.gz
// (zlib level 6) and .jsonl.zst (level 3), and as 4000 .txt files.
//   * ReadJsonl/{plain,gzip,zstd}: DocumentReader end to end (open, read, decompress, cut lines,
//     parse, check ids), one Document reused as a pipeline would; bytes = decompressed bytes;
//   * ParseJsonlInMemory: the JSONL format alone over a memory buffer (no system calls);
//   * ReadTextDirectory: a directory of small .txt files (walk + open + read + UTF-8 check);
//   * Inflate / ZstdDecompress: the decoders alone, the ceiling for the compressed readers.
// Files are read from the page cache (warm after the first iteration).
//
// Run: build-*/bench/reader_benchmark [--benchmark_filter=ReadJsonl]

#include <benchmark/benchmark.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "input_format.h"
#include "input_stream.h"
#include "naql/reader.h"
#include "testing.h"
#include "warc_writer.h"

namespace {

constexpr size_t kCorpusBytes = size_t{32} << 20;
constexpr int kTextFiles = 4000;

void AppendJson(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void WriteFile(const std::string& path, absl::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) std::abort();
}

// The generated inputs, made once per process and removed at exit.
struct Inputs {
  std::string directory;
  std::string jsonl;  // the bytes of the .jsonl file
  std::string plain_path, gzip_path, zstd_path, text_directory;
  std::string gzip_bytes, zstd_bytes;
  uint64_t text_bytes = 0;

  ~Inputs() {
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
};

void MakeInputs(Inputs* in) {
  {
    std::vector<std::string> words;
    for (const auto& entry :
         std::filesystem::directory_iterator(naql::testing::FixturePath("seeds"))) {
      std::string seed = naql::testing::ReadFileOrDie(entry.path().string());
      for (absl::string_view word :
           absl::StrSplit(seed, absl::ByAnyChar(" \n\t"), absl::SkipEmpty())) {
        words.emplace_back(word);
      }
    }
    std::sort(words.begin(), words.end());  // independent of the directory's listing order
    naql::testing::SplitMix64 rng(20261123);
    std::string pattern = (std::filesystem::temp_directory_path() / "naql_reader_bench_XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    in->directory = pattern;
    in->text_directory = in->directory + "/texts";
    std::filesystem::create_directories(in->text_directory);
    std::vector<std::string> articles;
    for (int i = 0; in->jsonl.size() < kCorpusBytes; ++i) {
      std::string text;
      const size_t target = 1024 + rng.Uniform(7 * 1024);
      while (text.size() < target) {
        const bool quoted = rng.Bernoulli(0.1);
        text += quoted ? (rng.Bernoulli(0.5) ? "\"" : "«") : "";
        const size_t length = 6 + rng.Uniform(25);
        for (size_t w = 0; w < length; ++w) {
          if (w > 0) text += ' ';
          text += words[rng.Uniform(words.size())];
        }
        text += quoted ? "»" : "";
        text += rng.Bernoulli(0.2) ? ".\n" : ". ";
      }
      absl::StrAppend(&in->jsonl, "{\"id\":\"bench-", i, "\",\"date\":\"2015-07-",
                      10 + rng.Uniform(20), "\",\"source\":\"outlet", rng.Uniform(40),
                      "\",\"url\":\"https://example.com/", i, "\",\"text\":");
      AppendJson(text, &in->jsonl);
      in->jsonl += "}\n";
      if (i < kTextFiles) {
        in->text_bytes += text.size();
        WriteFile(absl::StrFormat("%s/%06d.txt", in->text_directory, i), text);
      }
    }
    in->gzip_bytes = naql::testing::GzipMember(in->jsonl);
    in->zstd_bytes = naql::testing::ZstdFrame(in->jsonl);
    in->plain_path = in->directory + "/corpus.jsonl";
    in->gzip_path = in->directory + "/corpus.jsonl.gz";
    in->zstd_path = in->directory + "/corpus.jsonl.zst";
    WriteFile(in->plain_path, in->jsonl);
    WriteFile(in->gzip_path, in->gzip_bytes);
    WriteFile(in->zstd_path, in->zstd_bytes);
  }
}

// Made on first use; the static's destructor removes the files at exit.
const Inputs& GetInputs() {
  static Inputs inputs;
  static const bool made = (MakeInputs(&inputs), true);
  (void)made;
  return inputs;
}

void ReadAll(benchmark::State& state, const std::vector<std::string>& paths, uint64_t bytes) {
  naql::Document doc;
  uint64_t documents = 0, compressed = 0;
  for (auto _ : state) {
    auto reader = naql::DocumentReader::Open(paths, naql::ReaderOptions(), nullptr);
    if (!reader.ok()) {
      state.SkipWithError(std::string(reader.status().message()).c_str());
      return;
    }
    while (true) {
      absl::StatusOr<bool> more = (*reader)->Next(&doc);
      if (!more.ok() || !*more) break;
      benchmark::DoNotOptimize(doc.text.data());
    }
    if ((*reader)->skipped() != 0) state.SkipWithError("problems while reading");
    documents += (*reader)->documents();
    compressed += (*reader)->bytes_read();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
  state.counters["docs/s"] =
      benchmark::Counter(static_cast<double>(documents), benchmark::Counter::kIsRate);
  state.counters["input_MB/s"] =
      benchmark::Counter(static_cast<double>(compressed) / 1e6, benchmark::Counter::kIsRate);
}

void BM_ReadJsonl(benchmark::State& state) {
  const Inputs& in = GetInputs();
  const std::string* paths[] = {&in.plain_path, &in.gzip_path, &in.zstd_path};
  ReadAll(state, {*paths[state.range(0)]}, in.jsonl.size());
}
BENCHMARK(BM_ReadJsonl)
    ->ArgName("plain0_gzip1_zstd2")
    ->DenseRange(0, 2)
    ->Unit(benchmark::kMillisecond);

void BM_ParseJsonlInMemory(benchmark::State& state) {
  const Inputs& in = GetInputs();
  class NoProblems : public naql::internal::ProblemSink {
    absl::Status Report(absl::string_view, absl::Status status, bool) override { return status; }
  } sink;
  naql::Document doc;
  naql::DocumentLocator locator;
  for (auto _ : state) {
    naql::internal::MemoryStream stream(in.jsonl);
    naql::internal::JsonlInput input(&stream, "mem.jsonl", uint64_t{256} << 20, &sink);
    while (true) {
      absl::StatusOr<bool> more = input.Next(&doc, &locator);
      if (!more.ok() || !*more) break;
      benchmark::DoNotOptimize(doc.text.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(in.jsonl.size() * state.iterations()));
}
BENCHMARK(BM_ParseJsonlInMemory)->Unit(benchmark::kMillisecond);

void BM_ReadTextDirectory(benchmark::State& state) {
  const Inputs& in = GetInputs();
  ReadAll(state, {in.text_directory}, in.text_bytes);
}
BENCHMARK(BM_ReadTextDirectory)->Unit(benchmark::kMillisecond);

// The decoders alone: what the compressed readers cannot beat.
void BM_Decompress(benchmark::State& state) {
  const Inputs& in = GetInputs();
  std::vector<char> buffer(1 << 20);
  for (auto _ : state) {
    const std::string& bytes = state.range(0) == 0 ? in.gzip_bytes : in.zstd_bytes;
    auto source = std::make_unique<naql::internal::MemoryStream>(bytes);
    std::unique_ptr<naql::internal::ByteStream> decoder;
    if (state.range(0) == 0) {
      decoder = std::make_unique<naql::internal::GzipStream>(std::move(source), "gz");
    } else {
      decoder = std::make_unique<naql::internal::ZstdStream>(std::move(source), "zst");
    }
    while (true) {
      absl::StatusOr<size_t> n = decoder->Read(buffer.data(), buffer.size());
      if (!n.ok() || *n == 0) break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(in.jsonl.size() * state.iterations()));
}
BENCHMARK(BM_Decompress)->ArgName("gzip0_zstd1")->DenseRange(0, 1)->Unit(benchmark::kMillisecond);

void BM_FirstInvalidUtf8(benchmark::State& state) {
  const Inputs& in = GetInputs();
  for (auto _ : state) benchmark::DoNotOptimize(naql::internal::FirstInvalidUtf8(in.jsonl));
  state.SetBytesProcessed(static_cast<int64_t>(in.jsonl.size() * state.iterations()));
}
BENCHMARK(BM_FirstInvalidUtf8)->Unit(benchmark::kMillisecond);

}  // namespace
