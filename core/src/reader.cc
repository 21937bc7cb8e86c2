// DocumentReader: expands the inputs into a list of files, opens them one at a time with the right
// decompressor and format (input_stream.h, input_format.h), checks ids for duplicates, and applies
// strict mode to every problem the formats report.
//
// Duplicate ids are found with a hash set of 128-bit XXH3 hashes of the ids (fixed seed) rather
// than the ids themselves, so memory per document is fixed (about 40 bytes with the table's slack)
// whatever the ids' length. Two different ids collide with probability about n² / 2^129 for n
// documents (the birthday bound): below 10^-22 for a billion documents.

#include "naql/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "input_format.h"
#include "input_stream.h"
#include "language.h"
#include "naql/status.h"
#include "spill_file.h"
#include "warc_format.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace naql {
namespace {

using internal::MakeProblem;

// Seed of the id hashes ("naqlid01"). Only compared within one run, but fixed all the same so that
// runs are reproducible.
constexpr uint64_t kIdHashSeed = 0x6e61716c69643031ULL;

// simdjson handles documents of up to 2^32 - 1 bytes; leave room for its padding.
constexpr uint64_t kMaxDocumentBytesLimit = (uint64_t{1} << 32) - 256;

// ReadAt descriptor states (besides a descriptor >= 0).
constexpr int kNotRereadable = -1;
constexpr int kReopenByPath = -2;

enum class Format { kText, kJsonl, kWarc };
enum class Compression { kNone, kGzip, kZstd };

struct InputFile {
  std::string path;  // as reported and used as id ("-" for standard input)
  Format format = Format::kText;
  Compression compression = Compression::kNone;
  bool is_stdin = false;
  bool size_known = false;  // a regular file at expansion time
  uint64_t size = 0;
};

// What a file name says: its compression suffix, and whether the rest names an input format.
struct NameInfo {
  Compression compression = Compression::kNone;
  bool jsonl = false;  // ends in .jsonl or .ndjson (before the compression suffix)
  bool text = false;   // ends in .txt (before the compression suffix)
  bool warc = false;   // ends in .warc or .wet (before the compression suffix)
  Format format() const { return warc ? Format::kWarc : jsonl ? Format::kJsonl : Format::kText; }
};

NameInfo ClassifyName(absl::string_view name) {
  NameInfo info;
  if (absl::EndsWithIgnoreCase(name, ".gz")) {
    info.compression = Compression::kGzip;
    name.remove_suffix(3);
  } else if (absl::EndsWithIgnoreCase(name, ".zst")) {
    info.compression = Compression::kZstd;
    name.remove_suffix(4);
  }
  info.jsonl =
      absl::EndsWithIgnoreCase(name, ".jsonl") || absl::EndsWithIgnoreCase(name, ".ndjson");
  info.text = absl::EndsWithIgnoreCase(name, ".txt");
  info.warc = absl::EndsWithIgnoreCase(name, ".warc") || absl::EndsWithIgnoreCase(name, ".wet");
  return info;
}

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (!dir.empty() && dir.back() == '/') return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

struct IdKey {
  uint64_t low;
  uint64_t high;
  bool operator==(const IdKey& other) const { return low == other.low && high == other.high; }
};

// The key is already a uniform hash: use its low half as the table's hash.
struct IdKeyHash {
  size_t operator()(const IdKey& key) const { return static_cast<size_t>(key.low); }
};

struct FirstSeen {
  uint32_t input;
  uint64_t line;  // JSONL: the line; WARC: the record's offset (DocumentLocator::offset)
  uint64_t skip;  // WARC: DocumentLocator::skip
};

}  // namespace

absl::Status ReaderOptions::Validate() const {
  if (max_document_bytes < 1 || max_document_bytes > kMaxDocumentBytesLimit) {
    return absl::InvalidArgumentError(absl::StrCat("max_document_bytes must be in [1, ",
                                                   kMaxDocumentBytesLimit, "], got ",
                                                   max_document_bytes));
  }
  if (stdin_fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat("stdin_fd must be >= 0, got ", stdin_fd));
  }
  if (!language.empty() && language != "ar") {
    return absl::InvalidArgumentError(
        absl::StrCat("language must be \"\" (all) or \"ar\", got \"", language, "\""));
  }
  if (!(min_language_share > 0 && min_language_share <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_language_share must be in (0, 1], got ", min_language_share));
  }
  return absl::OkStatus();
}

// Reads the record at `locator` from `fd` (positioned reads only): DocumentReader::ReadAt and
// ReadOrigin. `path` names the file in messages and locations.
static absl::StatusOr<Document> ReadRecordAt(int fd, Format format, Compression compression,
                                             const std::string& path,
                                             const DocumentLocator& locator,
                                             uint64_t max_document_bytes) {
  const uint64_t header_allowance = format == Format::kWarc ? internal::kMaxWarcHeaderBytes : 0;
  if (locator.length > max_document_bytes + header_allowance) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": locator length ", locator.length,
                                                   " exceeds max_document_bytes"));
  }
  Document doc;
  if (format == Format::kWarc) {
    NAQL_RETURN_IF_ERROR(internal::WarcInput::ReadAt(fd, compression == Compression::kGzip, path,
                                                     locator, max_document_bytes, &doc));
    return doc;
  }
  const size_t length = static_cast<size_t>(locator.length);
  std::string bytes(length + internal::kLinePadding, '\0');
  NAQL_ASSIGN_OR_RETURN(size_t got,
                        internal::PreadFully(fd, bytes.data(), length, locator.offset, path));
  if (got != length) {
    return absl::DataLossError(absl::StrCat(path, ": ends before byte ", locator.offset + length,
                                            " (the file changed since it was read)"));
  }
  if (format == Format::kJsonl) {
    NAQL_RETURN_IF_ERROR(internal::JsonlInput::Reparse(bytes.data(), length, bytes.size(), path,
                                                       locator.line, &doc));
  } else {
    bytes.resize(length);
    internal::TextInput::Reparse(std::move(bytes), path, &doc);
  }
  return doc;
}

class DocumentReader::Impl : public internal::ProblemSink {
 public:
  Impl(const ReaderOptions& options, ProblemCallback on_problem)
      : options_(options), on_problem_(std::move(on_problem)) {}

  ~Impl() override {
    format_.reset();
    stream_.reset();
    for (size_t i = 0; reread_fds_ != nullptr && i < files_.size(); ++i) {
      int fd = reread_fds_[i].load(std::memory_order_relaxed);
      if (fd >= 0) ::close(fd);
    }
  }

  absl::Status Report(absl::string_view location, absl::Status status, bool skipped) override {
    if (skipped) skipped_.fetch_add(1, std::memory_order_relaxed);
    ++problems_;
    if (on_problem_) on_problem_(InputProblem{std::string(location), status, skipped});
    return options_.strict ? status : absl::OkStatus();
  }

  absl::Status Expand(const std::vector<std::string>& inputs) {
    bool stdin_seen = false;
    for (const std::string& input : inputs) {
      if (input == "-") {
        if (stdin_seen) return absl::InvalidArgumentError("\"-\" (standard input) given twice");
        stdin_seen = true;
        InputFile file;
        file.path = "-";
        file.format = Format::kJsonl;
        file.is_stdin = true;
        files_.push_back(std::move(file));
        continue;
      }
      struct stat st;
      if (::stat(input.c_str(), &st) != 0) {
        NAQL_RETURN_IF_ERROR(Report(input, ErrnoToStatus(errno, input), /*skipped=*/true));
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        NAQL_RETURN_IF_ERROR(ExpandDirectory(input));
        continue;
      }
      NameInfo name = ClassifyName(input);
      InputFile file;
      file.path = input;
      file.format = name.format();
      file.compression = name.compression;
      file.size_known = S_ISREG(st.st_mode);
      file.size = file.size_known ? static_cast<uint64_t>(st.st_size) : 0;
      files_.push_back(std::move(file));
    }
    total_bytes_ = 0;
    for (const InputFile& file : files_) {
      if (!file.size_known) {
        total_bytes_ = 0;
        break;
      }
      total_bytes_ += file.size;
    }
    reread_fds_ = std::make_unique<std::atomic<int>[]>(files_.size());
    for (size_t i = 0; i < files_.size(); ++i) reread_fds_[i].store(kNotRereadable);
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Next(Document* doc, DocumentLocator* out) {
    DocumentLocator scratch;
    DocumentLocator* locator = out != nullptr ? out : &scratch;
    while (true) {
      if (format_ == nullptr) {
        if (next_input_ >= files_.size()) return false;
        const uint32_t index = next_input_++;
        NAQL_ASSIGN_OR_RETURN(bool opened, OpenInput(index));
        if (!opened) {
          FinishInput(index);
          continue;
        }
      }
      absl::StatusOr<bool> more = format_->Next(doc, locator);
      bytes_read_.store(finished_bytes_ + stream_->consumed(), std::memory_order_relaxed);
      if (!more.ok()) return more.status();
      if (!*more) {
        FinishInput(current_);
        continue;
      }
      locator->input = current_;
      if (!options_.language.empty() &&
          internal::ArabicLetterShare(doc->text) < options_.min_language_share) {
        filtered_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      NAQL_ASSIGN_OR_RETURN(bool unique, CheckId(*doc, *locator));
      if (!unique) continue;
      documents_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }

  bool Rereadable(uint32_t input) const {
    return input < files_.size() &&
           reread_fds_[input].load(std::memory_order_relaxed) != kNotRereadable;
  }

  absl::StatusOr<Document> ReadAt(const DocumentLocator& locator) const {
    if (!Rereadable(locator.input)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "input ", locator.input,
          locator.input < files_.size() ? absl::StrCat(" (", files_[locator.input].path, ")") : "",
          " cannot be re-read"));
    }
    const InputFile& file = files_[locator.input];
    int fd = reread_fds_[locator.input].load(std::memory_order_relaxed);
    int opened = -1;
    if (fd == kReopenByPath) {
      opened = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (opened < 0) return ErrnoToStatus(errno, file.path);
      fd = opened;
    }
    absl::StatusOr<Document> doc = ReadRecordAt(fd, file.format, file.compression, file.path,
                                                locator, options_.max_document_bytes);
    if (opened >= 0) ::close(opened);
    return doc;
  }

  DocumentOrigin OriginOf(const DocumentLocator& locator) const {
    DocumentOrigin origin;
    if (locator.input >= origin_paths_.size() || origin_paths_[locator.input].empty()) {
      return origin;
    }
    const InputFile& file = files_[locator.input];
    switch (file.format) {
      case Format::kText: origin.kind = OriginKind::kTextFile; break;
      case Format::kJsonl: origin.kind = OriginKind::kJsonLine; break;
      case Format::kWarc:
        origin.kind = file.compression == Compression::kGzip ? OriginKind::kWarcGzipMember
                                                             : OriginKind::kWarcRecord;
        break;
    }
    origin.path = origin_paths_[locator.input];
    origin.offset = locator.offset;
    origin.length = locator.length;
    origin.line = locator.line;
    origin.skip = locator.skip;
    return origin;
  }

  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
  uint64_t total_bytes() const { return total_bytes_; }
  uint64_t documents() const { return documents_.load(std::memory_order_relaxed); }
  uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  uint64_t filtered() const { return filtered_.load(std::memory_order_relaxed); }
  const std::vector<std::string>& input_paths() const { return input_paths_; }
  void SetInputPaths() {
    input_paths_.reserve(files_.size());
    for (const InputFile& file : files_) input_paths_.push_back(file.path);
  }

 private:
  // Appends the input files below `dir` in byte-wise order of their paths.
  absl::Status ExpandDirectory(const std::string& dir) {
    std::vector<std::pair<std::string, uint64_t>> found;  // path, size
    const uint64_t problems_before = problems_;
    NAQL_RETURN_IF_ERROR(Walk(dir, &found));
    if (found.empty() && problems_ == problems_before) {  // else the problems say why
      NAQL_RETURN_IF_ERROR(
          Report(dir,
                 MakeProblem(absl::StatusCode::kInvalidArgument, dir,
                             "no input files (.txt, .jsonl, .ndjson, .warc, .wet, optionally "
                             ".gz or .zst)"),
                 /*skipped=*/false));
    }
    std::sort(found.begin(), found.end());  // std::string compares bytes as unsigned char
    for (auto& [path, size] : found) {
      NameInfo name = ClassifyName(path);
      InputFile file;
      file.path = std::move(path);
      file.format = name.format();
      file.compression = name.compression;
      file.size_known = true;
      file.size = size;
      files_.push_back(std::move(file));
    }
    return absl::OkStatus();
  }

  // Collects the input files below `dir`. Entries are visited in sorted order so that problems
  // are reported in the same order on every run (readdir's order is the file system's).
  absl::Status Walk(const std::string& dir, std::vector<std::pair<std::string, uint64_t>>* found) {
    std::vector<std::pair<std::string, bool>> entries;  // name, is a directory (not a link to one)
    std::error_code error;
    std::filesystem::directory_iterator it(dir, error);
    if (error) return Report(dir, ErrnoToStatus(error.value(), dir), /*skipped=*/true);
    for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
      if (error) break;
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;  // hidden files and directories
      std::error_code type_error;
      // A link to a directory is not walked: no cycles, and each file is read once.
      const bool is_directory = it->is_directory(type_error) && !it->is_symlink(type_error);
      entries.emplace_back(std::move(name), is_directory);
    }
    if (error) NAQL_RETURN_IF_ERROR(Report(dir, ErrnoToStatus(error.value(), dir), true));
    std::sort(entries.begin(), entries.end());
    for (const auto& [name, is_directory] : entries) {
      std::string child = JoinPath(dir, name);
      if (is_directory) {
        NAQL_RETURN_IF_ERROR(Walk(child, found));
        continue;
      }
      NameInfo info = ClassifyName(name);
      if (!info.jsonl && !info.text && !info.warc) continue;
      struct stat st;
      if (::stat(child.c_str(), &st) != 0) {
        // A dangling link, or a file removed meanwhile: say so rather than skip it in silence.
        NAQL_RETURN_IF_ERROR(Report(child, ErrnoToStatus(errno, child), /*skipped=*/true));
        continue;
      }
      if (S_ISDIR(st.st_mode)) continue;  // a link to a directory named like a file
      if (!S_ISREG(st.st_mode)) {
        NAQL_RETURN_IF_ERROR(Report(
            child, MakeProblem(absl::StatusCode::kInvalidArgument, child, "not a regular file"),
            /*skipped=*/true));
        continue;
      }
      found->emplace_back(std::move(child), static_cast<uint64_t>(st.st_size));
    }
    return absl::OkStatus();
  }

  // Opens files_[index] and sets stream_ and format_. Returns false (after reporting) when it
  // cannot be opened.
  absl::StatusOr<bool> OpenInput(uint32_t index) {
    const InputFile& file = files_[index];
    int fd = options_.stdin_fd;
    bool owns_fd = false;
    if (!file.is_stdin) {
      fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        NAQL_RETURN_IF_ERROR(Report(file.path, ErrnoToStatus(errno, file.path), true));
        return false;
      }
      owns_fd = true;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      absl::Status status = ErrnoToStatus(errno, file.path);
      if (owns_fd) ::close(fd);
      NAQL_RETURN_IF_ERROR(Report(file.path, status, true));
      return false;
    }
    if (S_ISDIR(st.st_mode)) {  // replaced by a directory since the expansion
      if (owns_fd) ::close(fd);
      NAQL_RETURN_IF_ERROR(Report(
          file.path, MakeProblem(absl::StatusCode::kInvalidArgument, file.path, "is a directory"),
          true));
      return false;
    }
    const bool regular = S_ISREG(st.st_mode) && !file.is_stdin;
    int spool_fd = -1;
    int reread = kNotRereadable;
    const bool warc_members = file.format == Format::kWarc &&
                              file.compression == Compression::kGzip && regular &&
                              internal::WarcInput::HasRecordPerMember(fd);
    if (file.compression == Compression::kNone || warc_members) {
      if (regular) {
        if (kept_open_ < options_.max_open_files) {
          ++kept_open_;
          reread = fd;
          owns_fd = false;  // kept for ReadAt, closed by ~Impl
        } else {
          reread = kReopenByPath;
        }
      } else if (options_.spool_pipes) {
        absl::StatusOr<int> spool =
            internal::CreateTempFile(internal::TempDirectory(options_.spool_directory));
        if (spool.ok()) {
          spool_fd = *spool;
          reread = spool_fd;
        } else {
          // Not fatal outside strict mode: the input is read, only not re-readable.
          absl::Status status = MakeProblem(
              spool.status().code(), file.path,
              absl::StrCat(spool.status().message(), "; its documents cannot be re-read"));
          absl::Status fatal = Report(file.path, status, /*skipped=*/false);
          if (!fatal.ok()) {
            if (owns_fd) ::close(fd);
            return fatal;
          }
        }
      }
    }
    reread_fds_[index].store(reread, std::memory_order_relaxed);
    if (regular && reread != kNotRereadable) {
      if (origin_paths_.size() < files_.size()) origin_paths_.resize(files_.size());
      char* absolute = ::realpath(file.path.c_str(), nullptr);
      if (absolute != nullptr) {
        origin_paths_[index] = absolute;
        std::free(absolute);
      }
    }
    std::unique_ptr<internal::ByteStream> stream =
        std::make_unique<internal::FdStream>(fd, owns_fd, file.path, spool_fd);
    internal::GzipStream* gzip = nullptr;
    if (file.compression == Compression::kGzip) {
      auto decoder = std::make_unique<internal::GzipStream>(std::move(stream), file.path);
      gzip = decoder.get();
      stream = std::move(decoder);
    } else if (file.compression == Compression::kZstd) {
      stream = std::make_unique<internal::ZstdStream>(std::move(stream), file.path);
    }
    stream_ = std::move(stream);
    if (file.format == Format::kJsonl) {
      format_ = std::make_unique<internal::JsonlInput>(stream_.get(), file.path,
                                                       options_.max_document_bytes, this);
    } else if (file.format == Format::kWarc) {
      format_ = std::make_unique<internal::WarcInput>(stream_.get(), gzip, file.path,
                                                      options_.max_document_bytes, this);
    } else {
      const uint64_t size_hint =
          regular && file.compression == Compression::kNone ? static_cast<uint64_t>(st.st_size) : 0;
      format_ = std::make_unique<internal::TextInput>(stream_.get(), file.path,
                                                      options_.max_document_bytes, size_hint, this);
    }
    current_ = index;
    return true;
  }

  // Closes the input being read, if any, and counts `index` as read in full: its size when known
  // (so that bytes_read() ends at total_bytes() even when a file was cut short or could not be
  // opened), otherwise what was consumed.
  void FinishInput(uint32_t index) {
    const InputFile& file = files_[index];
    const uint64_t consumed = stream_ != nullptr ? stream_->consumed() : 0;
    finished_bytes_ += file.size_known ? file.size : consumed;
    bytes_read_.store(finished_bytes_, std::memory_order_relaxed);
    format_.reset();
    stream_.reset();
  }

  // False (after reporting) when the id was seen before.
  absl::StatusOr<bool> CheckId(const Document& doc, const DocumentLocator& locator) {
    const XXH128_hash_t hash = XXH3_128bits_withSeed(doc.id.data(), doc.id.size(), kIdHashSeed);
    const bool warc = files_[locator.input].format == Format::kWarc;
    auto [it, inserted] = first_seen_.try_emplace(
        IdKey{hash.low64, hash.high64},
        FirstSeen{locator.input, warc ? locator.offset : locator.line, warc ? locator.skip : 0});
    if (inserted) return true;
    const InputFile& first_file = files_[it->second.input];
    std::string first;
    if (first_file.format == Format::kWarc) {
      first = internal::WarcLocation(first_file.path, it->second.line, it->second.skip);
    } else if (it->second.line > 0) {
      first = absl::StrCat(first_file.path, ":", it->second.line);
    } else {
      first = first_file.path;
    }
    NAQL_RETURN_IF_ERROR(
        Report(doc.location,
               MakeProblem(absl::StatusCode::kAlreadyExists, doc.location,
                           absl::StrCat("duplicate id \"", absl::Utf8SafeCHexEscape(doc.id),
                                        "\" (first at ", first, ")")),
               /*skipped=*/true));
    return false;
  }

  const ReaderOptions options_;
  const ProblemCallback on_problem_;
  std::vector<InputFile> files_;
  std::vector<std::string> input_paths_;
  uint64_t total_bytes_ = 0;
  // Per input: a descriptor for ReadAt, kReopenByPath or kNotRereadable. Set when the input is
  // opened, before any of its documents is returned; atomics so that Rereadable() may run
  // concurrently with that store.
  std::unique_ptr<std::atomic<int>[]> reread_fds_;
  // Per input: its absolute path when OriginOf() can name it (a regular file read in place), else
  // empty. Set when the input is opened, on the thread that calls Next().
  std::vector<std::string> origin_paths_;
  uint32_t kept_open_ = 0;
  uint64_t problems_ = 0;  // reported so far

  uint32_t next_input_ = 0;
  uint32_t current_ = 0;
  std::unique_ptr<internal::ByteStream> stream_;   // of the input being read
  std::unique_ptr<internal::InputFormat> format_;  // reads stream_
  uint64_t finished_bytes_ = 0;                    // consumed from inputs already closed

  absl::flat_hash_map<IdKey, FirstSeen, IdKeyHash> first_seen_;

  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> documents_{0};
  std::atomic<uint64_t> skipped_{0};
  std::atomic<uint64_t> filtered_{0};
};

absl::StatusOr<std::unique_ptr<DocumentReader>> DocumentReader::Open(
    const std::vector<std::string>& inputs, const ReaderOptions& options,
    ProblemCallback on_problem) {
  NAQL_RETURN_IF_ERROR(options.Validate());
  if (inputs.empty()) return absl::InvalidArgumentError("no inputs");
  auto impl = std::make_unique<Impl>(options, std::move(on_problem));
  NAQL_RETURN_IF_ERROR(impl->Expand(inputs));
  impl->SetInputPaths();
  return std::unique_ptr<DocumentReader>(new DocumentReader(std::move(impl)));
}

DocumentReader::DocumentReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DocumentReader::~DocumentReader() = default;

absl::StatusOr<bool> DocumentReader::Next(Document* doc, DocumentLocator* locator) {
  return impl_->Next(doc, locator);
}
bool DocumentReader::Rereadable(uint32_t input) const { return impl_->Rereadable(input); }
absl::StatusOr<Document> DocumentReader::ReadAt(const DocumentLocator& locator) const {
  return impl_->ReadAt(locator);
}
DocumentOrigin DocumentReader::OriginOf(const DocumentLocator& locator) const {
  return impl_->OriginOf(locator);
}

absl::StatusOr<Document> DocumentReader::ReadOrigin(const DocumentOrigin& origin,
                                                    uint64_t max_document_bytes) {
  Format format = Format::kText;
  Compression compression = Compression::kNone;
  switch (origin.kind) {
    case OriginKind::kNone:
      return absl::InvalidArgumentError(absl::StrCat(origin.path, ": the document has no origin"));
    case OriginKind::kTextFile: break;
    case OriginKind::kJsonLine: format = Format::kJsonl; break;
    case OriginKind::kWarcRecord: format = Format::kWarc; break;
    case OriginKind::kWarcGzipMember:
      format = Format::kWarc;
      compression = Compression::kGzip;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          origin.path, ": unknown origin kind ", static_cast<uint32_t>(origin.kind)));
  }
  // Non-blocking, so that a path that names a FIFO (an index damaged or forged) cannot hang the
  // open; only regular files are read, and a record past the end is not allocated for.
  const int fd = ::open(origin.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ErrnoToStatus(errno, origin.path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return ErrnoToStatus(error, origin.path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(origin.path, ": not a regular file"));
  }
  if (compression == Compression::kNone &&
      (origin.offset > static_cast<uint64_t>(st.st_size) ||
       origin.length > static_cast<uint64_t>(st.st_size) - origin.offset)) {
    ::close(fd);
    return absl::DataLossError(absl::StrCat(origin.path, ": ends before byte ",
                                            origin.offset + origin.length,
                                            " (the file changed since it was read)"));
  }
  DocumentLocator locator;
  locator.offset = origin.offset;
  locator.length = origin.length;
  locator.line = origin.line;
  locator.skip = origin.skip;
  absl::StatusOr<Document> doc =
      ReadRecordAt(fd, format, compression, origin.path, locator, max_document_bytes);
  ::close(fd);
  if (doc.ok()) doc->origin = origin;
  return doc;
}
uint64_t DocumentReader::bytes_read() const { return impl_->bytes_read(); }
uint64_t DocumentReader::total_bytes() const { return impl_->total_bytes(); }
uint64_t DocumentReader::documents() const { return impl_->documents(); }
uint64_t DocumentReader::skipped() const { return impl_->skipped(); }
uint64_t DocumentReader::filtered() const { return impl_->filtered(); }
const std::vector<std::string>& DocumentReader::input_paths() const { return impl_->input_paths(); }

}  // namespace naql
