// The index directory: parameters, files, the reader's snapshot and the writer's publication
// protocol. See naql/index_store.h for the contract and docs/index_format.md for the bytes.
//
// Publication protocol (the only way the index changes):
//   1. encode the new segment in memory;
//   2. write it to seg-N.nqs.tmp, fsync it, rename it to seg-N.nqs, fsync the directory;
//   3. write the new MANIFEST (generation + 1, the segment appended, replaced documents marked) to
//      MANIFEST.tmp, fsync it, rename it to MANIFEST, fsync the directory.
// rename(2) is atomic, so a reader (or a crash) sees the old MANIFEST or the new one. A segment
// file is complete and synced before any MANIFEST names it; a crash between 2 and 3 leaves an
// unlisted segment file, which readers never open and the next writer deletes. Compaction writes
// its segments the same way and replaces all old segments in one MANIFEST, then deletes the old
// files; a reader that read the old MANIFEST just before finds a segment missing, reads the
// MANIFEST again and retries.

#include "naql/index_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index_internal.h"
#include "naql/boilerplate.h"
#include "naql/status.h"
#include "parallel.h"

namespace naql {

using internal::JoinPath;
using internal::Manifest;
using internal::ManifestSegment;

// ---- IndexParams ---------------------------------------------------------------------------------

absl::StatusOr<IndexParams> IndexParams::FromOptions(const FingerprintOptions& fingerprint,
                                                     const LshOptions& lsh) {
  NAQL_RETURN_IF_ERROR(fingerprint.Validate());
  NAQL_RETURN_IF_ERROR(lsh.Validate(fingerprint.minhash.num_perm));
  IndexParams params;
  params.signature = fingerprint.signature_params();
  params.min_words = fingerprint.min_words;
  params.passage_shingle = fingerprint.passage_shingle_size();
  if (lsh.bands != 0) {
    params.lsh = LshParams{lsh.bands, lsh.rows};
  } else {
    params.lsh = OptimalLshParams(lsh.threshold, fingerprint.minhash.num_perm,
                                  lsh.false_positive_weight, lsh.false_negative_weight);
  }
  params.lsh_version = kLshVersion;
  return params;
}

absl::Status IndexParams::Validate() const {
  const SignatureParams& s = signature;
  if (s.num_perm < 1 || s.num_perm > kMaxNumPerm) {
    return absl::InvalidArgumentError(absl::StrCat("num_perm ", s.num_perm, " out of range"));
  }
  if (s.shingle_size < 1 || s.shingle_size > 32) {
    return absl::InvalidArgumentError(absl::StrCat("shingle size ", s.shingle_size, " out of range"));
  }
  if (min_words < s.shingle_size || min_words > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("min_words ", min_words, " out of range"));
  }
  if (passage_shingle < 1 || passage_shingle > min_words || passage_shingle > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("passage shingle ", passage_shingle, " out of range"));
  }
  if (lsh.bands < 1 || lsh.rows < 1 || uint64_t{lsh.bands} * lsh.rows > s.num_perm) {
    return absl::InvalidArgumentError(absl::StrCat("LSH ", lsh.bands, " × ", lsh.rows,
                                                   " does not fit ", s.num_perm, " permutations"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FingerprintOptions> IndexParams::ToFingerprintOptions() const {
  NAQL_RETURN_IF_ERROR(Validate());
  const SignatureParams current = FingerprintOptions().signature_params();
  const std::pair<const char*, std::pair<uint32_t, uint32_t>> versions[] = {
      {"normalizer", {signature.normalizer_version, current.normalizer_version}},
      {"tokenizer", {signature.tokenizer_version, current.tokenizer_version}},
      {"shingler", {signature.shingler_version, current.shingler_version}},
      {"minhash", {signature.minhash_version, current.minhash_version}},
      {"LSH", {lsh_version, kLshVersion}},
  };
  for (const auto& [name, v] : versions) {
    if (v.first != v.second) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "the index was built with %s version %u but this naql has version %u: its fingerprints "
          "cannot be compared; rebuild the index (naql index create)",
          name, v.first, v.second));
    }
  }
  FingerprintOptions options;
  if (absl::Status status = NormalizerOptions::FromBits(signature.normalizer_bits,
                                                        &options.normalizer);
      !status.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the index uses normalizer folds this naql does not know: ", status.message()));
  }
  options.tokenizer.strip_clitics = signature.strip_clitics;
  options.shingle.size = signature.shingle_size;
  options.minhash.num_perm = signature.num_perm;
  options.minhash.seed = signature.seed;
  options.min_words = min_words;
  options.passage_shingle = passage_shingle;
  NAQL_RETURN_IF_ERROR(options.Validate());
  return options;
}

LshOptions IndexParams::ToLshOptions() const {
  LshOptions options;
  options.bands = lsh.bands;
  options.rows = lsh.rows;
  return options;
}

std::string IndexParams::Describe() const {
  return absl::StrFormat(
      "%u-word shingles, %u perms, --min-words %u (%u-word passage fingerprints), LSH %u × %u "
      "(v%u); minhash v%u seed %#x, tokenizer v%u %s clitic stripping, normalizer v%u bits %#x",
      signature.shingle_size, signature.num_perm, min_words, passage_shingle, lsh.bands, lsh.rows,
      lsh_version,
      signature.minhash_version, signature.seed, signature.tokenizer_version,
      signature.strip_clitics ? "with" : "without", signature.normalizer_version,
      signature.normalizer_bits);
}

absl::Status IndexParams::CheckCompatible(const IndexParams& index) const {
  struct Field {
    const char* name;
    uint64_t here;
    uint64_t there;
    bool hex;
  };
  const Field fields[] = {
      {"the normalizer version", signature.normalizer_version, index.signature.normalizer_version,
       false},
      {"the normalizer folds (bits)", signature.normalizer_bits, index.signature.normalizer_bits,
       true},
      {"the tokenizer version", signature.tokenizer_version, index.signature.tokenizer_version,
       false},
      {"clitic stripping", signature.strip_clitics, index.signature.strip_clitics, false},
      {"the shingler version", signature.shingler_version, index.signature.shingler_version, false},
      {"--shingle", signature.shingle_size, index.signature.shingle_size, false},
      {"--min-words", min_words, index.min_words, false},
      {"--passage-shingle", passage_shingle, index.passage_shingle, false},
      {"the MinHash version", signature.minhash_version, index.signature.minhash_version, false},
      {"--num-perm", signature.num_perm, index.signature.num_perm, false},
      {"the MinHash seed", signature.seed, index.signature.seed, true},
      {"the LSH version", lsh_version, index.lsh_version, false},
      {"the LSH bands (--threshold)", lsh.bands, index.lsh.bands, false},
      {"the LSH rows (--threshold)", lsh.rows, index.lsh.rows, false},
  };
  for (const Field& f : fields) {
    if (f.here == f.there) continue;
    const std::string here = f.hex ? absl::StrFormat("%#x", f.here) : absl::StrCat(f.here);
    const std::string there = f.hex ? absl::StrFormat("%#x", f.there) : absl::StrCat(f.there);
    return absl::FailedPreconditionError(absl::StrCat(
        f.name, " is ", here, " but the index was built with ", there,
        ": fingerprints made with different parameters cannot be compared (index: ",
        index.Describe(), ")"));
  }
  return absl::OkStatus();
}

absl::Status IndexWriteOptions::Validate() const {
  if (text_level < 1 || text_level > 19) {
    return absl::InvalidArgumentError(absl::StrCat("text_level must be 1..19, got ", text_level));
  }
  if (text_block_bytes < 4096 || text_block_bytes > (16u << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("text_block_bytes must be 4 KiB..16 MiB, got ", text_block_bytes));
  }
  if (max_segment_bytes < 1024 || max_segment_bytes > (uint64_t{4} << 30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_segment_bytes must be 1 KiB..4 GiB, got ", max_segment_bytes));
  }
  if (threads < 1 || threads > 1024) {
    return absl::InvalidArgumentError(absl::StrCat("threads must be 1..1024, got ", threads));
  }
  return absl::OkStatus();
}

// ---- Files ---------------------------------------------------------------------------------------

namespace internal {

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (dir.empty()) return std::string(name);
  if (dir.back() == '/') return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

absl::StatusOr<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return ErrnoToStatus(error, path);
  }
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    void* data = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      return ErrnoToStatus(error, absl::StrCat("cannot map ", path));
    }
    file->data_ = static_cast<const char*>(data);
  }
  ::close(fd);
  return file;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, path);
  std::string data;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return ErrnoToStatus(error, path);
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, dir);
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    return ErrnoToStatus(error, absl::StrCat("cannot sync ", dir));
  }
  ::close(fd);
  return absl::OkStatus();
}

absl::Status WriteFileDurably(const std::string& dir, const std::string& name,
                              absl::string_view bytes) {
  const std::string path = JoinPath(dir, name);
  const std::string temp = absl::StrCat(path, kTempSuffix);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, temp);
  auto fail = [&](int error, absl::string_view what) {
    ::close(fd);
    ::unlink(temp.c_str());
    return ErrnoToStatus(error, absl::StrCat(what, " ", temp));
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, std::min<size_t>(bytes.size() - done, 1 << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(errno, "cannot sync");
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return ErrnoToStatus(error, absl::StrCat("cannot close ", temp));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return ErrnoToStatus(error, absl::StrCat("cannot rename ", temp));
  }
  return SyncDirectory(dir);
}

}  // namespace internal

// ---- IndexReader ---------------------------------------------------------------------------------

absl::Status IndexReader::Impl::InFile(const Segment& segment, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(segment.path, ": ", status.message()));
}

absl::Status IndexReader::Impl::CorruptTable(const Segment& segment, absl::string_view table) {
  return absl::DataLossError(absl::StrCat(segment.path, ": corrupt index segment: ", table,
                                          " table entry out of range"));
}

absl::Status IndexReader::Impl::Load(uint32_t doc, internal::BlockScratch* scratch,
                                     Document* out) const {
  auto [segment, local] = Locate(doc);
  if (absl::Status status = segment->view.LoadDocument(local, scratch, out); !status.ok()) {
    return InFile(*segment, status);
  }
  out->location = absl::StrCat(dir, "#", doc);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<IndexReader::Impl>> IndexReader::Impl::Load(
    const std::string& dir, const Manifest& manifest, uint64_t manifest_bytes,
    const IndexOpenOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->manifest = manifest;
  impl->disk_bytes = manifest_bytes;
  uint64_t slots = 0;
  for (const ManifestSegment& listed : manifest.segments) {
    auto segment = std::make_unique<Segment>();
    segment->path = JoinPath(dir, internal::SegmentFileName(listed.number));
    absl::StatusOr<std::unique_ptr<internal::MappedFile>> file =
        internal::MappedFile::Open(segment->path);
    if (!file.ok()) return file.status();  // NotFound lets Open() retry with a newer MANIFEST
    segment->file = *std::move(file);
    const absl::string_view bytes = segment->file->bytes();
    auto corrupt = [&](absl::string_view what) {
      return absl::DataLossError(absl::StrCat(segment->path, ": corrupt index segment: ", what));
    };
    if (bytes.size() != listed.file_size) {
      return corrupt(absl::StrCat("the file has ", bytes.size(), " bytes but the MANIFEST says ",
                                  listed.file_size, " (truncated or replaced)"));
    }
    if (absl::Status status = internal::SegmentView::Parse(bytes, /*verify_sections=*/true,
                                                           &segment->view);
        !status.ok()) {
      return InFile(*segment, status);
    }
    const internal::SegmentView& view = segment->view;
    if (view.file_checksum() != listed.checksum) {
      return corrupt("its checksum does not match the MANIFEST (replaced file?)");
    }
    if (view.number() != listed.number || view.num_docs() != listed.num_docs) {
      return corrupt("its number or document count does not match the MANIFEST");
    }
    if (!(view.params() == manifest.params)) {
      return corrupt("its parameters differ from the MANIFEST's");
    }
    if (options.verify_all) {
      if (absl::Status status = view.VerifyAll(); !status.ok()) return InFile(*segment, status);
    }
    if (slots + view.num_docs() >= UINT32_MAX) {
      return absl::ResourceExhaustedError(absl::StrCat(dir, ": more than 2^32 documents"));
    }
    segment->ordinal = static_cast<uint32_t>(impl->segments.size());
    segment->base = static_cast<uint32_t>(slots);
    slots += view.num_docs();
    if (!listed.dead.empty()) {
      segment->dead_bits.assign((view.num_docs() + 63) / 64, 0);
      for (uint32_t local : listed.dead) segment->dead_bits[local >> 6] |= uint64_t{1} << (local & 63);
    }
    IndexSegmentInfo info;
    info.file = segment->path;
    info.number = listed.number;
    info.documents = view.num_docs();
    info.replaced = listed.dead.size();
    info.file_bytes = bytes.size();
    info.text_bytes = view.text_bytes();
    info.stored_text_bytes = view.section(internal::SectionKind::kText).size +
                             view.section(internal::SectionKind::kBlocks).size;
    info.referenced_texts = view.referenced_docs();
    info.lsh_bytes = view.section(internal::SectionKind::kLsh).size;
    info.passage_bytes = view.section(internal::SectionKind::kPassages).size;
    info.line_bytes = view.section(internal::SectionKind::kLines).size;
    info.document_table_bytes = view.section(internal::SectionKind::kDocuments).size +
                                view.section(internal::SectionKind::kIds).size;
    info.lsh_entries = view.lsh().num_entries();
    info.passage_entries = view.passages().num_entries();
    impl->infos.push_back(info);
    impl->live += view.num_docs() - listed.dead.size();
    impl->disk_bytes += bytes.size();
    impl->text_bytes += view.text_bytes();
    impl->segments.push_back(std::move(segment));
  }
  impl->slots = static_cast<uint32_t>(slots);
  return impl;
}

namespace {

// Reads and decodes DIR/MANIFEST.
absl::Status ReadManifest(const std::string& dir, Manifest* manifest, uint64_t* size) {
  const std::string path = JoinPath(dir, internal::kManifestName);
  absl::StatusOr<std::string> bytes = internal::ReadSmallFile(path);
  if (!bytes.ok()) {
    if (absl::IsNotFound(bytes.status())) {
      struct stat st;
      if (::stat(dir.c_str(), &st) != 0) return ErrnoToStatus(errno, dir);
      return absl::NotFoundError(absl::StrCat(dir, ": not a naql index (no MANIFEST)"));
    }
    return bytes.status();
  }
  if (absl::Status status = internal::DecodeManifest(*bytes, manifest); !status.ok()) {
    return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
  }
  if (absl::Status status = manifest->params.Validate(); !status.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, ": corrupt index manifest: invalid parameters (", status.message(), ")"));
  }
  *size = bytes->size();
  return absl::OkStatus();
}

}  // namespace

IndexReader::IndexReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexReader::~IndexReader() = default;

absl::StatusOr<std::unique_ptr<IndexReader>> IndexReader::Open(const std::string& dir,
                                                               const IndexOpenOptions& options) {
  // A compaction may replace the MANIFEST and delete the segments it listed between our reading
  // the MANIFEST and opening them: then the MANIFEST has a new generation and we try again.
  constexpr int kAttempts = 20;
  for (int attempt = 0;; ++attempt) {
    Manifest manifest;
    uint64_t size = 0;
    NAQL_RETURN_IF_ERROR(ReadManifest(dir, &manifest, &size));
    // An index made by another version of a component cannot be queried or extended.
    if (absl::Status status = manifest.params.ToFingerprintOptions().status(); !status.ok()) {
      return absl::Status(status.code(), absl::StrCat(dir, ": ", status.message()));
    }
    absl::StatusOr<std::unique_ptr<Impl>> impl = Impl::Load(dir, manifest, size, options);
    if (impl.ok()) return std::unique_ptr<IndexReader>(new IndexReader(*std::move(impl)));
    if (!absl::IsNotFound(impl.status())) return impl.status();
    Manifest again;
    uint64_t again_size = 0;
    NAQL_RETURN_IF_ERROR(ReadManifest(dir, &again, &again_size));
    if (again.generation == manifest.generation || attempt + 1 == kAttempts) {
      return absl::DataLossError(absl::StrCat(impl.status().message(),
                                              " (a segment the MANIFEST lists is missing)"));
    }
  }
}

const std::string& IndexReader::dir() const { return impl_->dir; }
const IndexParams& IndexReader::params() const { return impl_->manifest.params; }
uint64_t IndexReader::generation() const { return impl_->manifest.generation; }
uint64_t IndexReader::num_documents() const { return impl_->live; }
uint32_t IndexReader::num_slots() const { return impl_->slots; }
bool IndexReader::live(uint32_t doc) const {
  if (doc >= impl_->slots) return false;
  auto [segment, local] = impl_->Locate(doc);
  return !segment->dead(local);
}
const std::vector<IndexSegmentInfo>& IndexReader::segments() const { return impl_->infos; }
uint64_t IndexReader::disk_bytes() const { return impl_->disk_bytes; }
uint64_t IndexReader::text_bytes() const { return impl_->text_bytes; }

absl::StatusOr<std::optional<uint32_t>> IndexReader::Find(absl::string_view id) const {
  const uint64_t hash = internal::IdHash(id);
  internal::BlockScratch scratch;
  Document doc;
  // Newest first: ids are unique among live documents, so the first live match is the one.
  for (size_t s = impl_->segments.size(); s-- > 0;) {
    const Impl::Segment& segment = *impl_->segments[s];
    std::vector<uint32_t> locals;
    if (!segment.view.FindIdHash(hash, [&](uint32_t local) { locals.push_back(local); })) {
      return Impl::CorruptTable(segment, "id");
    }
    for (uint32_t local : locals) {
      if (segment.dead(local)) continue;
      if (absl::Status status = segment.view.LoadDocument(local, &scratch, &doc); !status.ok()) {
        return Impl::InFile(segment, status);
      }
      if (doc.id == id) return std::optional<uint32_t>(segment.base + local);
    }
  }
  return std::optional<uint32_t>();
}

absl::Status IndexReader::Load(uint32_t doc, Document* out) const {
  if (doc >= impl_->slots) return absl::InvalidArgumentError("document number out of range");
  internal::BlockScratch scratch;
  return impl_->Load(doc, &scratch, out);
}

absl::Status IndexReader::Verify() const {
  for (const auto& segment : impl_->segments) {
    if (absl::Status status = segment->view.VerifyAll(); !status.ok()) {
      return Impl::InFile(*segment, status);
    }
  }
  return absl::OkStatus();
}

// ---- IndexWriter ---------------------------------------------------------------------------------

namespace {

// Documents per fingerprinting batch in Add() and Compact(), or this many text bytes.
constexpr size_t kBatchDocuments = 512;
constexpr size_t kBatchBytes = 8 << 20;

// Takes DIR/LOCK. Unavailable when another process (or writer) holds it.
absl::StatusOr<int> AcquireLock(const std::string& dir) {
  const std::string path = JoinPath(dir, internal::kLockName);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return absl::UnavailableError(absl::StrCat(
          path, ": the index is locked by another writer (naql index create, add or compact is "
                "running on it); try again when it has finished"));
    }
    return ErrnoToStatus(error, absl::StrCat("cannot lock ", path));
  }
  return fd;
}

// The names in `dir` (without "." and "..").
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoToStatus(errno, dir);
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(d)) {
    const absl::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool EndsWith(absl::string_view s, absl::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Files a writer may leave behind: its lock, temporaries, segment files.
bool IsIndexFile(absl::string_view name) {
  uint64_t number;
  return name == internal::kLockName || name == internal::kManifestName ||
         EndsWith(name, internal::kTempSuffix) || internal::ParseSegmentFileName(name, &number);
}

}  // namespace

class IndexWriter::Impl {
 public:
  Impl(std::string dir, const IndexWriteOptions& options, int lock_fd)
      : dir_(std::move(dir)), options_(options), lock_fd_(lock_fd) {}
  ~Impl() {
    if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the descriptor releases the flock
  }

  // Reads the published state and prepares the fingerprinter and an empty builder.
  absl::Status Load() {
    NAQL_ASSIGN_OR_RETURN(reader_, IndexReader::Open(dir_));
    manifest_ = reader_->impl().manifest;
    NAQL_ASSIGN_OR_RETURN(FingerprintOptions fingerprint, manifest_.params.ToFingerprintOptions());
    fingerprinter_ = std::make_unique<Fingerprinter>(fingerprint);
    ResetBuilder();
    return absl::OkStatus();
  }

  // Deletes temporaries and segment files the MANIFEST does not list.
  absl::Status RemoveOrphans() {
    NAQL_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(dir_));
    bool removed = false;
    for (const std::string& name : names) {
      uint64_t number = 0;
      bool orphan = EndsWith(name, internal::kTempSuffix);
      if (internal::ParseSegmentFileName(name, &number)) {
        orphan = std::none_of(manifest_.segments.begin(), manifest_.segments.end(),
                              [&](const ManifestSegment& s) { return s.number == number; });
      }
      if (!orphan) continue;
      const std::string path = JoinPath(dir_, name);
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return ErrnoToStatus(errno, absl::StrCat("cannot remove ", path));
      }
      removed = true;
    }
    return removed ? internal::SyncDirectory(dir_) : absl::OkStatus();
  }

  const IndexParams& params() const { return manifest_.params; }
  uint64_t num_documents() const {
    return reader_->num_documents() - pending_dead_.size() + builder_->num_docs() -
           pending_self_dead_.size();
  }

  absl::Status AddBatch(absl::Span<const Document> docs, AddStats* stats,
                        const DuplicateCallback& on_duplicate) {
    NAQL_RETURN_IF_ERROR(CheckUsable());
    const unsigned threads = options_.threads;
    fingerprints_.resize(docs.size());
    scratch_.resize(threads);
    lines_.resize(docs.size());
    internal::ParallelFor(docs.size(), threads, [&](size_t i, unsigned worker) {
      fingerprinter_->Fingerprint(docs[i].text, &scratch_[worker], &fingerprints_[i]);
      FingerprintLines(scratch_[worker].words, scratch_[worker].token_hashes, &lines_[i]);
    });
    for (size_t i = 0; i < docs.size(); ++i) {
      const Document& doc = docs[i];
      // Already indexed? First among the documents added since the last publication, then in
      // the published index.
      bool replacing = false;
      if (auto it = pending_ids_.find(doc.id); it != pending_ids_.end()) {
        if (!options_.replace) {
          ++stats->duplicates;
          if (on_duplicate) on_duplicate(doc, false);
          continue;
        }
        pending_self_dead_.push_back(it->second);
        replacing = true;
      } else {
        absl::StatusOr<std::optional<uint32_t>> found = reader_->Find(doc.id);
        if (!found.ok()) return Fail(found.status());
        if (found->has_value()) {
          if (!options_.replace) {
            ++stats->duplicates;
            if (on_duplicate) on_duplicate(doc, false);
            continue;
          }
          pending_dead_.push_back(**found);
          replacing = true;
        }
      }
      const uint32_t local = builder_->num_docs();
      const bool reference = options_.reference_texts && doc.origin.kind != OriginKind::kNone;
      if (absl::Status status = builder_->Add(doc, fingerprints_[i], lines_[i], reference);
          !status.ok()) {
        return Fail(status);
      }
      stats->referenced += reference;
      pending_ids_[doc.id] = local;
      ++stats->documents;
      stats->text_bytes += doc.text.size();
      if (fingerprints_[i].words == 0) ++stats->empty;
      if (replacing) {
        ++stats->replaced;
        if (on_duplicate) on_duplicate(doc, true);
      }
      if (builder_->text_bytes() >= options_.max_segment_bytes) {
        NAQL_RETURN_IF_ERROR(Commit(stats));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Commit(AddStats* stats) {
    NAQL_RETURN_IF_ERROR(CheckUsable());
    if (builder_->num_docs() == 0) return absl::OkStatus();
    Manifest next = manifest_;
    const uint64_t number = next.next_segment_number++;
    ++next.generation;
    ManifestSegment segment;
    segment.number = number;
    segment.num_docs = builder_->num_docs();
    segment.dead = pending_self_dead_;
    std::sort(segment.dead.begin(), segment.dead.end());
    segment.dead.erase(std::unique(segment.dead.begin(), segment.dead.end()), segment.dead.end());
    // Mark the published documents that the new ones replace.
    for (uint32_t doc : pending_dead_) {
      const auto located = reader_->impl().Locate(doc);
      const auto* const where = located.first;
      const uint32_t local = located.second;
      const size_t s = static_cast<size_t>(
          std::find_if(reader_->impl().segments.begin(), reader_->impl().segments.end(),
                       [where](const auto& p) { return p.get() == where; }) -
          reader_->impl().segments.begin());
      std::vector<uint32_t>& dead = next.segments[s].dead;
      dead.insert(std::upper_bound(dead.begin(), dead.end(), local), local);
      dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
    }
    const std::string bytes = builder_->Finish(number);
    segment.file_size = bytes.size();
    segment.checksum = internal::LoadU64(bytes.data() + bytes.size() - 8);
    next.segments.push_back(std::move(segment));
    NAQL_RETURN_IF_ERROR(
        Guard(internal::WriteFileDurably(dir_, internal::SegmentFileName(number), bytes)));
    NAQL_RETURN_IF_ERROR(Publish(next));
    ++stats->segments;
    stats->segment_bytes += bytes.size();
    return absl::OkStatus();
  }

  void ExpectTextBytes(uint64_t text_bytes) {
    // Reservations are address space, but a machine that does not overcommit memory counts
    // them: at most an eighth of the physical memory is asked for.
    const uint64_t physical = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                              static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    builder_->Reserve(std::min({text_bytes, options_.max_segment_bytes, physical / 8}));
  }

  absl::Status Add(DocumentReader* reader, AddStats* stats, const DuplicateCallback& on_duplicate) {
    ExpectTextBytes(reader->total_bytes());
    std::vector<Document> batch;
    bool more = true;
    while (more) {
      batch.clear();
      size_t bytes = 0;
      while (batch.size() < kBatchDocuments && bytes < kBatchBytes) {
        Document doc;
        DocumentLocator locator;
        absl::StatusOr<bool> next = reader->Next(&doc, &locator);
        if (!next.ok()) {
          stats->skipped = reader->skipped();
          return next.status();
        }
        if (!*next) {
          more = false;
          break;
        }
        if (options_.reference_texts) doc.origin = reader->OriginOf(locator);
        bytes += doc.text.size();
        batch.push_back(std::move(doc));
      }
      NAQL_RETURN_IF_ERROR(AddBatch(batch, stats, on_duplicate));
    }
    stats->skipped = reader->skipped();
    return Commit(stats);
  }

  absl::Status Compact(CompactStats* stats) {
    NAQL_RETURN_IF_ERROR(CheckUsable());
    if (builder_->num_docs() != 0) {
      return absl::FailedPreconditionError("Compact() with documents not yet committed");
    }
    const IndexReader::Impl& index = reader_->impl();
    *stats = CompactStats();
    stats->segments_before = manifest_.segments.size();
    stats->bytes_before = index.disk_bytes;
    stats->documents = index.live;
    for (const ManifestSegment& s : manifest_.segments) stats->dropped += s.dead.size();
    if (manifest_.segments.size() <= 1 && stats->dropped == 0) {
      stats->segments_after = stats->segments_before;
      stats->bytes_after = stats->bytes_before;
      return absl::OkStatus();
    }
    Manifest next = manifest_;
    next.segments.clear();
    ++next.generation;
    std::vector<Document> batch;
    size_t batch_bytes = 0;
    auto flush_batch = [&]() -> absl::Status {
      fingerprints_.resize(batch.size());
      scratch_.resize(options_.threads);
      lines_.resize(batch.size());
      internal::ParallelFor(batch.size(), options_.threads, [&](size_t i, unsigned worker) {
        fingerprinter_->Fingerprint(batch[i].text, &scratch_[worker], &fingerprints_[i]);
        FingerprintLines(scratch_[worker].words, scratch_[worker].token_hashes, &lines_[i]);
      });
      for (size_t i = 0; i < batch.size(); ++i) {
        // Each document stays as it is: referenced when it has an origin, else stored.
        NAQL_RETURN_IF_ERROR(builder_->Add(batch[i], fingerprints_[i], lines_[i],
                                           batch[i].origin.kind != OriginKind::kNone));
        if (builder_->text_bytes() >= options_.max_segment_bytes) {
          NAQL_RETURN_IF_ERROR(WriteSegment(&next));
        }
      }
      batch.clear();
      batch_bytes = 0;
      return absl::OkStatus();
    };
    for (const auto& segment : index.segments) {
      absl::Status write_status;  // an error of our own, as opposed to one of the segment
      absl::Status status = segment->view.ForEachDocument([&](uint32_t local, Document& doc) {
        if (segment->dead(local)) return absl::OkStatus();
        batch_bytes += doc.text.size();
        batch.push_back(std::move(doc));
        if (batch.size() >= kBatchDocuments || batch_bytes >= kBatchBytes) {
          write_status = flush_batch();
          return write_status;
        }
        return absl::OkStatus();
      });
      if (!write_status.ok()) return Fail(write_status);
      if (!status.ok()) return Fail(IndexReader::Impl::InFile(*segment, status));
    }
    if (absl::Status status = flush_batch(); !status.ok()) return Fail(status);
    if (builder_->num_docs() > 0) NAQL_RETURN_IF_ERROR(WriteSegment(&next));
    const std::vector<ManifestSegment> old = manifest_.segments;
    NAQL_RETURN_IF_ERROR(Publish(next));
    // The old segments are no longer listed: delete them (readers holding mappings keep reading).
    for (const ManifestSegment& s : old) {
      const std::string path = JoinPath(dir_, internal::SegmentFileName(s.number));
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return Fail(ErrnoToStatus(errno, absl::StrCat("cannot remove ", path)));
      }
    }
    NAQL_RETURN_IF_ERROR(Guard(internal::SyncDirectory(dir_)));
    stats->segments_after = manifest_.segments.size();
    stats->bytes_after = reader_->impl().disk_bytes;
    return absl::OkStatus();
  }

  // Creates a new index: the directory must be missing, empty, or hold only what a crashed
  // `create` leaves (lock, temporaries, unlisted segments).
  static absl::StatusOr<std::unique_ptr<Impl>> Create(const std::string& dir,
                                                      const IndexParams& params,
                                                      const IndexWriteOptions& options) {
    NAQL_RETURN_IF_ERROR(params.Validate());
    NAQL_RETURN_IF_ERROR(params.ToFingerprintOptions().status());
    NAQL_RETURN_IF_ERROR(options.Validate());
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, absl::StrCat("cannot create ", dir));
    }
    NAQL_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(dir));
    for (const std::string& name : names) {
      if (name == internal::kManifestName) {
        return absl::AlreadyExistsError(absl::StrCat(dir, " already holds a naql index"));
      }
      if (!IsIndexFile(name)) {
        return absl::AlreadyExistsError(
            absl::StrCat(dir, " is not empty (it holds ", name, "): refusing to create an index in it"));
      }
    }
    NAQL_ASSIGN_OR_RETURN(int lock_fd, AcquireLock(dir));
    auto impl = std::make_unique<Impl>(dir, options, lock_fd);
    impl->manifest_.params = params;
    impl->manifest_.generation = 0;
    impl->manifest_.next_segment_number = 1;
    NAQL_RETURN_IF_ERROR(impl->RemoveOrphans());
    Manifest first = impl->manifest_;
    first.generation = 1;
    NAQL_RETURN_IF_ERROR(internal::WriteFileDurably(dir, internal::kManifestName,
                                                    internal::EncodeManifest(first)));
    NAQL_RETURN_IF_ERROR(impl->Load());
    return impl;
  }

  static absl::StatusOr<std::unique_ptr<Impl>> Open(const std::string& dir,
                                                    const IndexWriteOptions& options) {
    NAQL_RETURN_IF_ERROR(options.Validate());
    struct stat st;
    if (::stat(JoinPath(dir, internal::kManifestName).c_str(), &st) != 0) {
      if (::stat(dir.c_str(), &st) != 0) return ErrnoToStatus(errno, dir);
      return absl::NotFoundError(absl::StrCat(dir, ": not a naql index (no MANIFEST)"));
    }
    NAQL_ASSIGN_OR_RETURN(int lock_fd, AcquireLock(dir));
    auto impl = std::make_unique<Impl>(dir, options, lock_fd);
    NAQL_RETURN_IF_ERROR(impl->Load());
    NAQL_RETURN_IF_ERROR(impl->RemoveOrphans());
    return impl;
  }

 private:
  absl::Status CheckUsable() const {
    if (failed_) {
      return absl::FailedPreconditionError("the index writer failed earlier and cannot continue");
    }
    return absl::OkStatus();
  }
  absl::Status Fail(absl::Status status) {
    failed_ = true;
    return status;
  }
  absl::Status Guard(absl::Status status) {
    if (!status.ok()) failed_ = true;
    return status;
  }

  void ResetBuilder() {
    internal::SegmentBuildOptions build;
    build.text_level = options_.text_level;
    build.text_block_bytes = options_.text_block_bytes;
    build.threads = options_.threads;
    builder_ = std::make_unique<internal::SegmentBuilder>(manifest_.params, build);
    pending_ids_.clear();
    pending_dead_.clear();
    pending_self_dead_.clear();
  }

  // Compaction: writes the builder's documents as a segment file listed in `next` (not yet
  // published).
  absl::Status WriteSegment(Manifest* next) {
    const uint64_t number = next->next_segment_number++;
    ManifestSegment segment;
    segment.number = number;
    segment.num_docs = builder_->num_docs();
    const std::string bytes = builder_->Finish(number);
    segment.file_size = bytes.size();
    segment.checksum = internal::LoadU64(bytes.data() + bytes.size() - 8);
    NAQL_RETURN_IF_ERROR(
        Guard(internal::WriteFileDurably(dir_, internal::SegmentFileName(number), bytes)));
    next->segments.push_back(std::move(segment));
    return absl::OkStatus();
  }

  // Writes `next` as the MANIFEST and makes it the writer's state.
  absl::Status Publish(const Manifest& next) {
    NAQL_RETURN_IF_ERROR(Guard(internal::WriteFileDurably(dir_, internal::kManifestName,
                                                          internal::EncodeManifest(next))));
    manifest_ = next;
    absl::StatusOr<std::unique_ptr<IndexReader>> reader = IndexReader::Open(dir_);
    if (!reader.ok()) return Fail(reader.status());
    reader_ = *std::move(reader);
    ResetBuilder();
    return absl::OkStatus();
  }

  std::string dir_;
  IndexWriteOptions options_;
  int lock_fd_ = -1;
  bool failed_ = false;
  Manifest manifest_;
  std::unique_ptr<IndexReader> reader_;  // the published state
  std::unique_ptr<Fingerprinter> fingerprinter_;
  std::unique_ptr<internal::SegmentBuilder> builder_;
  absl::flat_hash_map<std::string, uint32_t> pending_ids_;  // id → document in builder_
  std::vector<uint32_t> pending_dead_;       // published documents replaced by builder_'s
  std::vector<uint32_t> pending_self_dead_;  // builder_'s documents replaced by later ones
  std::vector<DocumentFingerprint> fingerprints_;
  std::vector<FingerprintScratch> scratch_;
  std::vector<std::vector<LineFingerprint>> lines_;
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexWriter::~IndexWriter() = default;

absl::StatusOr<std::unique_ptr<IndexWriter>> IndexWriter::Create(const std::string& dir,
                                                                 const IndexParams& params,
                                                                 const IndexWriteOptions& options) {
  NAQL_ASSIGN_OR_RETURN(std::unique_ptr<Impl> impl, Impl::Create(dir, params, options));
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<IndexWriter>> IndexWriter::Open(const std::string& dir,
                                                               const IndexWriteOptions& options) {
  NAQL_ASSIGN_OR_RETURN(std::unique_ptr<Impl> impl, Impl::Open(dir, options));
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(impl)));
}

const IndexParams& IndexWriter::params() const { return impl_->params(); }
uint64_t IndexWriter::num_documents() const { return impl_->num_documents(); }

absl::Status IndexWriter::AddBatch(absl::Span<const Document> docs, AddStats* stats,
                                   const DuplicateCallback& on_duplicate) {
  return impl_->AddBatch(docs, stats, on_duplicate);
}
absl::Status IndexWriter::Commit(AddStats* stats) { return impl_->Commit(stats); }
void IndexWriter::ExpectTextBytes(uint64_t text_bytes) { impl_->ExpectTextBytes(text_bytes); }
absl::Status IndexWriter::Add(DocumentReader* reader, AddStats* stats,
                              const DuplicateCallback& on_duplicate) {
  return impl_->Add(reader, stats, on_duplicate);
}
absl::Status IndexWriter::Compact(CompactStats* stats) { return impl_->Compact(stats); }

}  // namespace naql
