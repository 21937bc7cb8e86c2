#include "naql/scanner.h"

#include <zstd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "naql/clusters.h"
#include "naql/pair_verifier.h"
#include "naql/status.h"
#include "parallel.h"
#include "spill_file.h"

namespace naql {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Phase 1 reads articles in batches of this many, or of this many bytes, whichever comes first;
// while the workers fingerprint one batch, the calling thread reads the next.
constexpr size_t kReadBatchDocuments = 512;
constexpr size_t kReadBatchBytes = 8 << 20;

// zstd level for the texts kept of articles that cannot be read again, with
// ScanOptions::compress_stored_texts: the fastest that still takes them to ~0.39 of their size.
constexpr int kStoredTextLevel = 1;

// One zstd compression and one decompression context per worker thread: ZSTD_compress() and
// ZSTD_decompress() make a context per call, which costs more than a short article's frame.
class ZstdContexts {
 public:
  explicit ZstdContexts(unsigned threads) : c_(threads, nullptr), d_(threads, nullptr) {}
  ~ZstdContexts() {
    for (ZSTD_CCtx* c : c_) ZSTD_freeCCtx(c);
    for (ZSTD_DCtx* d : d_) ZSTD_freeDCtx(d);
  }
  ZstdContexts(const ZstdContexts&) = delete;
  ZstdContexts& operator=(const ZstdContexts&) = delete;

  // The context of `worker` (made on first use, set to kStoredTextLevel for ZSTD_compress2());
  // null only when zstd cannot allocate one.
  ZSTD_CCtx* Compression(unsigned worker) {
    if (c_[worker] == nullptr) {
      c_[worker] = ZSTD_createCCtx();
      if (c_[worker] != nullptr &&
          ZSTD_isError(ZSTD_CCtx_setParameter(c_[worker], ZSTD_c_compressionLevel,
                                              kStoredTextLevel))) {
        ZSTD_freeCCtx(c_[worker]);
        c_[worker] = nullptr;
      }
    }
    return c_[worker];
  }
  ZSTD_DCtx* Decompression(unsigned worker) {
    if (d_[worker] == nullptr) d_[worker] = ZSTD_createDCtx();
    return d_[worker];
  }

 private:
  std::vector<ZSTD_CCtx*> c_;
  std::vector<ZSTD_DCtx*> d_;
};

// A candidate pair: (a << 32 | b) and whether LSH proposed it (then its Jaccard is reported).
struct Candidate {
  uint64_t key;
  bool from_lsh;
};

}  // namespace

absl::Status ScanOptions::Validate() const {
  NAQL_RETURN_IF_ERROR(fingerprint.Validate());
  NAQL_RETURN_IF_ERROR(lsh.Validate(fingerprint.minhash.num_perm));
  NAQL_RETURN_IF_ERROR(passage.Validate());
  NAQL_RETURN_IF_ERROR(quotes.Validate());
  NAQL_RETURN_IF_ERROR(boilerplate.Validate());
  AlignerOptions effective = aligner;
  effective.min_words = fingerprint.min_words;
  effective.seed_size = fingerprint.shingle.size;
  NAQL_RETURN_IF_ERROR(effective.Validate());
  if (threads < 1 || threads > 1024) {
    return absl::InvalidArgumentError(absl::StrCat("threads must be 1..1024, got ", threads));
  }
  if (verify_batch_pairs < 1) return absl::InvalidArgumentError("verify_batch_pairs must be >= 1");
  if (verify_batch_words < 1) return absl::InvalidArgumentError("verify_batch_words must be >= 1");
  return absl::OkStatus();
}

class Scanner::Impl {
 public:
  Impl(const ScanOptions& options, std::vector<ScannedDocument>* documents, ScanStats* stats)
      : options_(options),
        fingerprinter_(options.fingerprint),
        lsh_(options.lsh, options.fingerprint.minhash.num_perm),
        minhasher_(options.fingerprint.minhash),
        aligner_(EffectiveAlignerOptions(options)),
        quote_clusterer_(ClustererOptions(options), &fingerprinter_.normalizer(),
                         &fingerprinter_.tokenizer()),
        boilerplate_(options.boilerplate),
        same_detector_(options.quotes.detector == options.fingerprint.quotes),
        documents_(documents),
        stats_(stats) {}

  absl::Status Run(DocumentReader* reader, ScanSink* sink,
                   const std::function<void(const ScanProgress&)>& progress) {
    reader_ = reader;
    progress_ = progress;
    Clock::time_point start = Clock::now();
    NAQL_RETURN_IF_ERROR(FingerprintAll());
    stats_->fingerprint_seconds = SecondsSince(start);

    if (options_.find_pairs) {
      start = Clock::now();
      NAQL_ASSIGN_OR_RETURN(std::vector<Candidate> candidates, FindCandidates());
      stats_->candidate_seconds = SecondsSince(start);

      start = Clock::now();
      NAQL_RETURN_IF_ERROR(VerifyAll(candidates, sink));
      stats_->verify_seconds = SecondsSince(start);
#ifdef __GLIBC__
      // The articles cached for verification are freed: give their pages back before the
      // quotations are clustered.
      malloc_trim(0);
#endif
    }

    start = Clock::now();
    for (const Cluster& cluster : BuildClusters(
             static_cast<uint32_t>(documents_->size()), duplicate_pairs_,
             [this](uint32_t doc) -> absl::string_view { return (*documents_)[doc].meta.date; })) {
      sink->OnCluster(cluster);
    }
    if (options_.find_quotes) {
      ZstdContexts zstd(1);
      std::vector<RepeatedQuote> quotes = quote_clusterer_.Build(options_.threads);
      NAQL_RETURN_IF_ERROR(quote_clusterer_.status());
      for (RepeatedQuote& quote : quotes) {
        ++stats_->quotes;
        if (options_.find_pairs) {
          NAQL_RETURN_IF_ERROR(FillQuoteTexts(zstd.Decompression(0), &quote));
        }
        sink->OnQuote(quote);
        quote = RepeatedQuote();  // its texts are written: free them
      }
    }
    stats_->cluster_seconds = SecondsSince(start);
    return absl::OkStatus();
  }

 private:
  static AlignerOptions EffectiveAlignerOptions(const ScanOptions& options) {
    AlignerOptions aligner = options.aligner;
    aligner.min_words = options.fingerprint.min_words;
    aligner.seed_size = options.fingerprint.shingle.size;
    return aligner;
  }

  void ReportProgress(const char* phase, uint64_t done, uint64_t total, bool force) {
    if (!progress_) return;
    Clock::time_point now = Clock::now();
    if (!force && now - last_progress_ < std::chrono::milliseconds(100)) return;
    last_progress_ = now;
    ScanProgress p;
    p.phase = phase;
    p.documents = stats_->documents;
    p.bytes = reader_->bytes_read();
    p.total_bytes = reader_->total_bytes();
    p.pairs = stats_->pairs;
    p.done = done;
    p.total = total;
    progress_(p);
  }

  // Reads up to one batch of articles; an empty batch means the input is exhausted.
  absl::Status ReadBatch(std::vector<Document>* batch, std::vector<DocumentLocator>* locators) {
    batch->clear();
    locators->clear();
    size_t bytes = 0;
    while (batch->size() < kReadBatchDocuments && bytes < kReadBatchBytes) {
      Document doc;
      DocumentLocator locator;
      NAQL_ASSIGN_OR_RETURN(bool more, reader_->Next(&doc, &locator));
      if (!more) break;
      bytes += doc.text.size();
      batch->push_back(std::move(doc));
      locators->push_back(locator);
    }
    return absl::OkStatus();
  }

  absl::Status FingerprintAll() {
    const unsigned threads = options_.threads;
    std::vector<FingerprintScratch> scratch(threads);
    ZstdContexts zstd(threads);
    std::vector<Document> batch, next_batch;
    std::vector<DocumentLocator> batch_locators, next_locators;
    std::vector<DocumentFingerprint> fingerprints;
    std::vector<std::string> stored;
    std::vector<std::vector<Quotation>> detected;
    std::vector<std::vector<PreparedQuotation>> quotations;
    std::vector<std::vector<LineFingerprint>> lines;
    NAQL_RETURN_IF_ERROR(ReadBatch(&batch, &batch_locators));
    if (options_.find_pairs || options_.find_quotes) {
      NAQL_ASSIGN_OR_RETURN(spill_, internal::SpillFile::Create(options_.temp_dir));
    }
    if (options_.find_quotes) quote_clusterer_.UseTemporaryFile(spill_.get());
    if (options_.find_pairs) {
      if (options_.find_partial) {
        passage_spill_ = std::make_unique<internal::PassageSpill>(
            spill_.get(), internal::PassageSpill::PartitionsFor(reader_->total_bytes()));
      }
    }

    while (!batch.empty()) {
      fingerprints.resize(batch.size());
      stored.assign(batch.size(), std::string());
      detected.resize(batch.size());
      quotations.resize(batch.size());
      lines.resize(batch.size());
      std::thread workers([&] {
        internal::ParallelFor(batch.size(), threads, [&](size_t i, unsigned worker) {
          detected[i].clear();
          if (options_.find_pairs) {
            fingerprinter_.Fingerprint(batch[i].text, &scratch[worker], &fingerprints[i]);
            if (options_.remove_boilerplate) {
              FingerprintLines(scratch[worker].words, scratch[worker].token_hashes, &lines[i]);
            }
            if (options_.compress_stored_texts && !reader_->Rereadable(batch_locators[i].input)) {
              stored[i] = Compress(batch[i].text, zstd.Compression(worker));
            }
            // Kept to flag quoted spans at verification, which then need not detect again.
            fingerprinter_.quote_detector().Detect(batch[i].text, &detected[i]);
          }
          if (options_.find_quotes) {
            if (options_.find_pairs && same_detector_) {
              quote_clusterer_.Prepare(batch[i].text, detected[i], &quotations[i]);
            } else {
              quote_clusterer_.Prepare(batch[i].text, &quotations[i]);
            }
          }
        });
      });
      absl::Status read_status = ReadBatch(&next_batch, &next_locators);
      workers.join();
      NAQL_RETURN_IF_ERROR(read_status);

      for (size_t i = 0; i < batch.size(); ++i) {
        const uint32_t index = static_cast<uint32_t>(documents_->size());
        Document& doc = batch[i];
        ScannedDocument scanned;
        scanned.id = std::move(doc.id);
        scanned.meta = std::move(doc.meta);
        scanned.location = std::move(doc.location);
        scanned.words = fingerprints[i].words;
        documents_->push_back(std::move(scanned));
        if (options_.find_pairs) {
          locators_.push_back(batch_locators[i]);
          StoredText& text = stored_texts_.emplace_back();
          if (!reader_->Rereadable(batch_locators[i].input)) {
            const absl::string_view kept =
                options_.compress_stored_texts ? absl::string_view(stored[i])
                                              : absl::string_view(batch[i].text);
            NAQL_ASSIGN_OR_RETURN(text.offset, spill_->Append(kept));
            text.size = kept.size();
          }
          uint64_t quotations_offset = 0;
          if (!detected[i].empty()) {
            NAQL_ASSIGN_OR_RETURN(
                quotations_offset,
                spill_->Append(absl::string_view(reinterpret_cast<const char*>(detected[i].data()),
                                                 detected[i].size() * sizeof(Quotation))));
          }
          quotations_offset_.push_back(quotations_offset);
          quotation_end_.push_back((quotation_end_.empty() ? 0 : quotation_end_.back()) +
                                   static_cast<uint32_t>(detected[i].size()));
          // The LSH index keeps the band keys; the signature itself is computed again for the
          // few articles of LSH candidates at verification (Analyzed::signature) rather than
          // held for every article (4 · num_perm bytes each).
          if (fingerprints[i].words > 0) lsh_.Add(index, fingerprints[i].signature);
          if (options_.remove_boilerplate) {
            boilerplate_.Add(documents_->back().meta.source, lines[i]);
            pending_lines_.insert(pending_lines_.end(), lines[i].begin(), lines[i].end());
            pending_line_end_.push_back(pending_lines_.size());
          }
          if (options_.find_partial) {
            NAQL_RETURN_IF_ERROR(passage_spill_->Add(index, fingerprints[i].passages));
          }
        }
        if (options_.find_quotes) quote_clusterer_.AddPrepared(index, quotations[i]);
        stats_->bytes += batch[i].text.size();
      }
      if (options_.find_quotes) NAQL_RETURN_IF_ERROR(quote_clusterer_.status());
      stats_->documents = documents_->size();
      ReportProgress("reading", 0, 0, /*force=*/false);
      std::swap(batch, next_batch);
      std::swap(batch_locators, next_locators);
    }
    stats_->skipped = reader_->skipped();
    if (passage_spill_ != nullptr) NAQL_RETURN_IF_ERROR(passage_spill_->Finish());
    if (spill_ != nullptr) {
      NAQL_RETURN_IF_ERROR(spill_->Flush());
      stats_->spill_bytes = spill_->size();
    }
    if (options_.find_pairs && options_.remove_boilerplate) FindBoilerplate();
    if (options_.find_quotes) quote_clusterer_.ShrinkToFit();
#ifdef __GLIBC__
    // Phase 1 freed many small per-article buffers (texts, pending fingerprints and lines); give
    // the free heap pages back before the candidate phase allocates its large arrays.
    malloc_trim(0);
#endif
    // The LSH index holds a band key a band and an id per article until it is built.
    stats_->fingerprint_bytes = documents_->size() * (sizeof(uint32_t) +
                                                      lsh_.params().bands * sizeof(uint64_t)) +
                                (passage_spill_ ? passage_spill_->memory_bytes() : 0) +
                                locators_.capacity() * sizeof(DocumentLocator) +
                                stored_texts_.capacity() * sizeof(StoredText) +
                                quotations_offset_.capacity() * sizeof(uint64_t) +
                                quotation_end_.capacity() * sizeof(uint32_t) +
                                quote_clusterer_.MemoryUsage();
    return absl::OkStatus();
  }

  // Finds the boilerplate lines and remembers each article's boilerplate token ranges.
  void FindBoilerplate() {
    boilerplate_.Build();
    stats_->boilerplate_lines = boilerplate_.boilerplate_lines();
    boilerplate_ranges_.resize(documents_->size());
    for (uint32_t doc = 0; doc < documents_->size(); ++doc) {
      std::vector<TokenRange>& ranges = boilerplate_ranges_[doc];
      const uint64_t line_begin = doc == 0 ? 0 : pending_line_end_[doc - 1];
      boilerplate_.BoilerplateRanges(
          (*documents_)[doc].meta.source,
          absl::MakeConstSpan(pending_lines_).subspan(line_begin,
                                                      pending_line_end_[doc] - line_begin),
          &ranges);
      if (!ranges.empty()) ++stats_->boilerplate_documents;
    }
    std::vector<LineFingerprint>().swap(pending_lines_);
    std::vector<uint64_t>().swap(pending_line_end_);
    boilerplate_ = BoilerplateDetector(options_.boilerplate);  // its line counts are done with
  }

  // Adds to `pairs` (sorted by key, one entry per pair with the fingerprints it shares) the pairs
  // of articles that share a passage fingerprint, one partition of the spilled fingerprints at a
  // time; fingerprints that touch boilerplate are left out.
  absl::Status FindPassagePairs(std::vector<std::pair<uint64_t, uint32_t>>* pairs) {
    const uint32_t shingle = options_.fingerprint.passage_shingle_size();
    PassageIndexOptions index_options = options_.passage;
    index_options.min_shared = 1;  // the counts of all partitions are summed first
    std::vector<PassageIndex::Entry> entries;
    std::vector<std::pair<uint64_t, uint32_t>> found;
    for (unsigned partition = 0; partition < passage_spill_->partitions(); ++partition) {
      entries.clear();
      NAQL_RETURN_IF_ERROR(passage_spill_->ForEach(
          partition, [&](const internal::PassageSpill::Record& record) {
            if (record.doc < boilerplate_ranges_.size()) {
              const std::vector<TokenRange>& ranges = boilerplate_ranges_[record.doc];
              if (!ranges.empty() &&
                  OverlapsAny(ranges, record.position, record.position + shingle)) {
                return;
              }
            }
            entries.push_back({record.hash_high, record.hash_low, record.doc});
          }));
      PassageIndex index(index_options);
      index.AdoptEntries(&entries);
      index.Build(options_.threads);
      stats_->dropped_fingerprints += index.dropped_hashes();
      found.clear();
      index.ForEachCandidatePair([&](uint32_t a, uint32_t b, uint32_t shared) {
        found.emplace_back(static_cast<uint64_t>(a) << 32 | b, shared);
      });
      // Both sorted by key: merge, adding the counts of a pair found in both.
      const size_t middle = pairs->size();
      pairs->insert(pairs->end(), found.begin(), found.end());
      std::inplace_merge(pairs->begin(), pairs->begin() + middle, pairs->end());
      size_t write = 0;
      for (size_t read = 0; read < pairs->size(); ++read) {
        if (write > 0 && (*pairs)[write - 1].first == (*pairs)[read].first) {
          (*pairs)[write - 1].second += (*pairs)[read].second;
        } else {
          (*pairs)[write++] = (*pairs)[read];
        }
      }
      pairs->resize(write);
      ReportProgress("candidates", partition + 1, passage_spill_->partitions(), /*force=*/false);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Candidate>> FindCandidates() {
    ReportProgress("candidates", 0, 0, /*force=*/true);
    std::vector<Candidate> candidates;
    lsh_.Build();
    lsh_.ForEachCandidatePair([&](uint32_t a, uint32_t b) {
      candidates.push_back({static_cast<uint64_t>(a) << 32 | b, true});
    });
    stats_->lsh_candidates = candidates.size();
    // The LSH index has said all it knows: give its memory to the passage stage.
    lsh_ = LshIndex(options_.lsh, options_.fingerprint.minhash.num_perm);
    if (options_.find_partial) {
      std::vector<std::pair<uint64_t, uint32_t>> passage_pairs;
      NAQL_RETURN_IF_ERROR(FindPassagePairs(&passage_pairs));
      passage_spill_.reset();
      for (const auto& [key, shared] : passage_pairs) {
        if (shared >= options_.passage.min_shared) {
          candidates.push_back({key, false});
          ++stats_->passage_candidates;
        }
      }
    }
    // Sort by pair; a pair proposed by both stages keeps from_lsh = true.
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
      return x.key != y.key ? x.key < y.key : x.from_lsh > y.from_lsh;
    });
    candidates.erase(std::unique(candidates.begin(), candidates.end(),
                                 [](const Candidate& x, const Candidate& y) { return x.key == y.key; }),
                     candidates.end());
    stats_->candidates = candidates.size();
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    return candidates;
  }

  // `cctx` (from ZstdContexts) may be null (zstd could not allocate): the text is then lost and
  // reported as corrupt if verification needs it. ZSTD_compress2() keeps the context's
  // parameters from frame to frame; on SaudiNewsNet's articles (a few KB each) it compressed
  // 1.5 times as fast as ZSTD_compressCCtx(), which is given the level on every call.
  std::string Compress(absl::string_view text, ZSTD_CCtx* cctx) const {
    if (cctx == nullptr) return std::string();
    std::string out(ZSTD_compressBound(text.size()), '\0');
    size_t n = ZSTD_compress2(cctx, out.data(), out.size(), text.data(), text.size());
    if (ZSTD_isError(n)) return std::string();  // not reached: the bound is always enough
    out.resize(n);
    out.shrink_to_fit();
    return out;
  }

  // The id, metadata and location of `doc`, as phase 1 kept them.
  Document StoredDocumentWithoutText(uint32_t doc) const {
    const ScannedDocument& scanned = (*documents_)[doc];
    Document out;
    out.id = scanned.id;
    out.meta = scanned.meta;
    out.location = scanned.location;
    return out;
  }

  // The full article `doc` again: re-read from its input, or from the temporary file, decompressed
  // with `dctx` when compress_stored_texts (may be null when zstd could not allocate one: then an
  // error).
  absl::StatusOr<Document> LoadDocument(uint32_t doc, ZSTD_DCtx* dctx) const {
    const DocumentLocator& locator = locators_[doc];
    if (reader_->Rereadable(locator.input)) {
      NAQL_ASSIGN_OR_RETURN(Document loaded, reader_->ReadAt(locator));
      return loaded;
    }
    Document loaded = StoredDocumentWithoutText(doc);
    const StoredText& stored = stored_texts_[doc];
    if (!options_.compress_stored_texts) {
      loaded.text.resize(stored.size);
      NAQL_RETURN_IF_ERROR(spill_->ReadAt(stored.offset, stored.size, loaded.text.data()));
      return loaded;
    }
    std::string compressed(stored.size, '\0');
    NAQL_RETURN_IF_ERROR(spill_->ReadAt(stored.offset, stored.size, compressed.data()));
    unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
      return absl::InternalError(absl::StrCat("stored text of ", loaded.location, " is corrupt"));
    }
    if (dctx == nullptr) return absl::ResourceExhaustedError("cannot allocate a zstd context");
    loaded.text.resize(size);
    size_t n = ZSTD_decompressDCtx(dctx, loaded.text.data(), loaded.text.size(), compressed.data(),
                                   compressed.size());
    if (ZSTD_isError(n) || n != size) {
      return absl::InternalError(absl::StrCat("stored text of ", loaded.location, " is corrupt"));
    }
    return loaded;
  }

  // With find_pairs, the articles stay re-readable (or stored) for verification, so the quote
  // clusterer need not keep a copy of every quotation's text (ClustererOptions): the texts of the
  // repeated ones are read back here.
  absl::Status FillQuoteTexts(ZSTD_DCtx* dctx, RepeatedQuote* quote) const {
    uint32_t loaded_doc = UINT32_MAX;
    Document loaded;
    for (QuoteOccurrence& occurrence : quote->occurrences) {  // ordered by document
      if (occurrence.doc != loaded_doc) {
        NAQL_ASSIGN_OR_RETURN(loaded, LoadDocument(occurrence.doc, dctx));
        loaded_doc = occurrence.doc;
      }
      const OriginalSpan& span = occurrence.span;
      if (span.byte_begin > span.byte_end || span.byte_end > loaded.text.size()) {
        return absl::InternalError(absl::StrCat("quotation outside ", loaded.location));
      }
      occurrence.text = loaded.text.substr(span.byte_begin, span.byte_end - span.byte_begin);
    }
    return absl::OkStatus();
  }

  static QuoteClustererOptions ClustererOptions(const ScanOptions& options) {
    QuoteClustererOptions clusterer = options.quotes;
    clusterer.keep_originals = !options.find_pairs;
    return clusterer;
  }

  // Quotations go to the temporary file as their bytes, read back by this process only.
  static_assert(std::is_trivially_copyable_v<Quotation>);

  // Reads the quotations phase 1 found in article `doc` into *out.
  absl::Status ReadQuotations(uint32_t doc, std::vector<Quotation>* out) const {
    const uint32_t begin = doc == 0 ? 0 : quotation_end_[doc - 1];
    out->resize(quotation_end_[doc] - begin);
    if (out->empty()) return absl::OkStatus();
    return spill_->ReadAt(quotations_offset_[doc], out->size() * sizeof(Quotation),
                          reinterpret_cast<char*>(out->data()));
  }

  // LoadDocument and ReadQuotations. A text kept uncompressed in the temporary file has its
  // quotations right after it (phase 1 appends them in turn): one read then brings both.
  absl::Status LoadWithQuotations(uint32_t doc, ZSTD_DCtx* dctx, Document* out,
                                  std::vector<Quotation>* quotations) const {
    const StoredText& stored = stored_texts_[doc];
    const uint32_t first_quotation = doc == 0 ? 0 : quotation_end_[doc - 1];
    const size_t quotation_bytes = (quotation_end_[doc] - first_quotation) * sizeof(Quotation);
    if (quotation_bytes == 0 || options_.compress_stored_texts ||
        reader_->Rereadable(locators_[doc].input) ||
        quotations_offset_[doc] != stored.offset + stored.size) {
      NAQL_ASSIGN_OR_RETURN(*out, LoadDocument(doc, dctx));
      return ReadQuotations(doc, quotations);
    }
    *out = StoredDocumentWithoutText(doc);
    out->text.resize(stored.size + quotation_bytes);
    NAQL_RETURN_IF_ERROR(
        spill_->ReadAt(stored.offset, stored.size + quotation_bytes, out->text.data()));
    quotations->resize(quotation_bytes / sizeof(Quotation));
    std::memcpy(quotations->data(), out->text.data() + stored.size, quotation_bytes);
    out->text.resize(stored.size);
    return absl::OkStatus();
  }

  // An article read again and analyzed for verification, cached across batches.
  struct Analyzed {
    Document doc;
    AnalyzedText text;
    std::vector<uint32_t> signature;  // MinHash, for an article of an LSH candidate pair only
    absl::Status status;
    uint64_t last_batch = 0;  // the last batch that used it (for LRU eviction)
    size_t bytes = 0;         // approximate heap bytes held

    void Measure() {
      // Analyze() leaves no offset map and no growth slack in the folded text.
      bytes = sizeof(*this) + doc.text.capacity() + doc.id.capacity() + doc.location.capacity() +
              text.folded.text.capacity() + text.tokens.capacity() * sizeof(Token) +
              text.quotations.capacity() * sizeof(Quotation) +
              signature.capacity() * sizeof(uint32_t);
    }
  };

  // Reads and analyzes `doc` (a failure is kept in `status`).
  // With `signature`, also its MinHash signature, from the tokens before boilerplate masking:
  // the same values phase 1 computed (the same normalizer, tokenizer and MinHasher).
  void LoadAndAnalyze(uint32_t doc, bool signature, ZSTD_DCtx* dctx, Analyzed* out) const {
    std::vector<Quotation> quotations;
    if (absl::Status read = LoadWithQuotations(doc, dctx, &out->doc, &quotations); !read.ok()) {
      out->status = std::move(read);
      return;
    }
    // Cached articles should hold no growth slack: the tokens are as many as phase 1 counted.
    out->text.tokens.reserve((*documents_)[doc].words);
    fingerprinter_.Analyze(out->doc.text, quotations, &out->text);
    if (signature) {
      std::vector<uint64_t> hashes, shingles;
      TokenHashes(out->text.tokens, &hashes);
      HashShingles(hashes, options_.fingerprint.shingle.size, &shingles);
      out->signature.resize(options_.fingerprint.minhash.num_perm);
      minhasher_.Compute(shingles, absl::MakeSpan(out->signature));
    }
    if (doc < boilerplate_ranges_.size() && !boilerplate_ranges_[doc].empty()) {
      MaskTokens(boilerplate_ranges_[doc], doc, absl::MakeSpan(out->text.tokens));
    }
    out->Measure();
  }

  // Drops least recently used articles until the cache holds at most verify_cache_bytes.
  void EvictAnalyzed(absl::flat_hash_map<uint32_t, std::unique_ptr<Analyzed>>* cache,
                     size_t* cache_bytes) const {
    if (*cache_bytes <= options_.verify_cache_bytes) return;
    std::vector<std::pair<uint64_t, uint32_t>> by_age;  // (last batch, doc), oldest first
    by_age.reserve(cache->size());
    for (const auto& [doc, entry] : *cache) by_age.emplace_back(entry->last_batch, doc);
    std::sort(by_age.begin(), by_age.end());
    for (const auto& [age, doc] : by_age) {
      if (*cache_bytes <= options_.verify_cache_bytes) break;
      auto it = cache->find(doc);
      *cache_bytes -= it->second->bytes;
      cache->erase(it);
    }
  }

  absl::Status VerifyAll(const std::vector<Candidate>& candidates, ScanSink* sink) {
    const unsigned threads = options_.threads;
    // The articles of LSH candidates, whose signatures give the pairs' Jaccard estimates.
    std::vector<bool> in_lsh_pair(documents_->size(), false);
    for (const Candidate& candidate : candidates) {
      if (!candidate.from_lsh) continue;
      in_lsh_pair[candidate.key >> 32] = true;
      in_lsh_pair[static_cast<uint32_t>(candidate.key)] = true;
    }
    std::vector<AlignScratch> align_scratch(threads);
    ZstdContexts zstd(threads);
    absl::flat_hash_map<uint32_t, std::unique_ptr<Analyzed>> cache;
    size_t cache_bytes = 0;
    std::vector<uint32_t> batch_docs, missing;
    std::vector<Analyzed*> missing_entries;
    absl::flat_hash_map<uint32_t, const Analyzed*> slot_of;
    std::vector<PairReport> reports;
    std::vector<char> found;
    uint64_t batch_number = 0;

    // batch_of[doc]: the last batch that needed `doc`.
    std::vector<uint64_t> batch_of(documents_->size(), 0);
    for (size_t begin = 0, end; begin < candidates.size(); begin = end) {
      ++batch_number;
      // The batch: up to verify_batch_pairs pairs, fewer when the articles it has to load (those
      // not cached) would hold more than verify_batch_words words; at least one pair.
      batch_docs.clear();
      uint64_t words_to_load = 0;
      for (end = begin; end < candidates.size() && end - begin < options_.verify_batch_pairs;
           ++end) {
        const uint32_t pair[2] = {static_cast<uint32_t>(candidates[end].key >> 32),
                                  static_cast<uint32_t>(candidates[end].key)};
        uint64_t words = 0;
        for (uint32_t doc : pair) {
          if (batch_of[doc] != batch_number && !cache.contains(doc)) {
            words += (*documents_)[doc].words;
          }
        }
        if (end > begin && words_to_load + words > options_.verify_batch_words) break;
        words_to_load += words;
        for (uint32_t doc : pair) {
          if (batch_of[doc] != batch_number) {
            batch_of[doc] = batch_number;
            batch_docs.push_back(doc);
          }
        }
      }
      std::sort(batch_docs.begin(), batch_docs.end());
      missing.clear();
      missing_entries.clear();
      slot_of.clear();
      for (uint32_t doc : batch_docs) {
        std::unique_ptr<Analyzed>& entry = cache[doc];
        if (entry == nullptr) {
          entry = std::make_unique<Analyzed>();
          missing.push_back(doc);
          missing_entries.push_back(entry.get());
        }
        entry->last_batch = batch_number;
        slot_of[doc] = entry.get();
      }
      internal::ParallelFor(missing.size(), threads, [&](size_t i, unsigned worker) {
        LoadAndAnalyze(missing[i], in_lsh_pair[missing[i]], zstd.Decompression(worker),
                       missing_entries[i]);
      });
      stats_->verify_analyses += missing.size();
      for (const Analyzed* entry : missing_entries) {
        NAQL_RETURN_IF_ERROR(entry->status);
        cache_bytes += entry->bytes;
      }

      // Align every pair of the batch.
      reports.assign(end - begin, PairReport());
      found.assign(end - begin, 0);
      internal::ParallelFor(end - begin, threads, [&](size_t i, unsigned worker) {
        const Candidate& candidate = candidates[begin + i];
        const uint32_t a = static_cast<uint32_t>(candidate.key >> 32);
        const uint32_t b = static_cast<uint32_t>(candidate.key);
        PairReport& report = reports[i];
        report.a = a;
        report.b = b;
        if (!VerifyPair(aligner_, slot_of.at(a)->text, slot_of.at(b)->text, &align_scratch[worker],
                        &report)) {
          return;
        }
        found[i] = 1;
        if (candidate.from_lsh) {
          report.jaccard = EstimateJaccard(slot_of.at(a)->signature, slot_of.at(b)->signature);
        }
      });

      for (size_t i = 0; i < reports.size(); ++i) {
        if (!found[i]) continue;
        const PairReport& report = reports[i];
        ++stats_->pairs;
        if (report.kind == PairKind::kDuplicate) {
          ++stats_->duplicates;
          duplicate_pairs_.emplace_back(report.a, report.b);
        }
        sink->OnPair(report, slot_of.at(report.a)->doc, slot_of.at(report.b)->doc);
      }
      slot_of.clear();
      EvictAnalyzed(&cache, &cache_bytes);
      ReportProgress("verifying", end, candidates.size(), /*force=*/false);
    }
    return absl::OkStatus();
  }

  const ScanOptions& options_;
  Fingerprinter fingerprinter_;
  LshIndex lsh_;
  MinHasher minhasher_;  // signatures again at verification (LoadAndAnalyze)
  Aligner aligner_;
  QuoteClusterer quote_clusterer_;
  BoilerplateDetector boilerplate_;
  const bool same_detector_;  // the quote clusterer detects like the fingerprinter
  std::vector<ScannedDocument>* documents_;
  ScanStats* stats_;
  DocumentReader* reader_ = nullptr;
  std::function<void(const ScanProgress&)> progress_;
  Clock::time_point last_progress_{};

  // Passage fingerprints, the texts of articles that cannot be read again, the quotations found
  // in phase 1 and the quotation clusterer's tables wait in spill_.
  std::unique_ptr<internal::SpillFile> spill_;
  std::unique_ptr<internal::PassageSpill> passage_spill_;
  std::vector<DocumentLocator> locators_;  // per document
  // Per document: where its text (zstd-compressed with compress_stored_texts) is in spill_; size
  // 0 when re-readable.
  struct StoredText {
    uint64_t offset = 0;
    uint64_t size = 0;
  };
  std::vector<StoredText> stored_texts_;
  // The quotations of every document (they flag quoted spans; detecting them again per
  // verification would cost more) wait in spill_: `doc`'s are at quotations_offset_[doc], and
  // quotation_end_[doc] counts those of documents 0..doc.
  std::vector<uint64_t> quotations_offset_;
  std::vector<uint32_t> quotation_end_;
  std::vector<std::pair<uint32_t, uint32_t>> duplicate_pairs_;
  // Boilerplate: per document, its lines until the end of phase 1 (flat, one row per document:
  // row d ends at pending_line_end_[d]), then the token ranges of its boilerplate lines (usually
  // none), which keep its passage fingerprints out of the index and mask its tokens at alignment.
  std::vector<LineFingerprint> pending_lines_;
  std::vector<uint64_t> pending_line_end_;
  std::vector<std::vector<TokenRange>> boilerplate_ranges_;
};

Scanner::Scanner(const ScanOptions& options) : options_(options) {}
Scanner::~Scanner() = default;

absl::Status Scanner::Run(DocumentReader* reader, ScanSink* sink,
                          std::function<void(const ScanProgress&)> progress) {
  documents_.clear();
  stats_ = ScanStats();
  Impl impl(options_, &documents_, &stats_);
  return impl.Run(reader, sink, progress);
}

}  // namespace naql
