// IndexSearcher: the query side of the persistent index (naql/index_store.h).
//
// The searcher reproduces `naql scan`'s decision for every (indexed, query) pair and, with
// scan_new, every (query, query) pair, without the indexed documents' fingerprints in memory:
//   1. Fingerprint the query documents (in parallel) and find their boilerplate lines: a line is
//      boilerplate when the live indexed documents of its source holding it (the LINES tables)
//      plus the query documents holding it reach boilerplate.min_docs. Passage fingerprints that
//      touch a boilerplate line are dropped, as the scanner drops them (FindPassagePairs).
//   2. Candidates from the tables of every segment: the documents sharing an LSH band key with the
//      query (at most max_bucket_size per bucket, the oldest, as LshIndex::Query returns them), and
//      the documents sharing a passage fingerprint whose document frequency — live indexed
//      documents holding it outside their boilerplate lines, summed over segments, plus the query
//      documents holding it — is at most max_df (a fingerprint in more documents is boilerplate:
//      the scanner drops it too), with at least min_shared such fingerprints in common. The tables
//      count every document holding a fingerprint, boilerplate or not, plus rare false matches; a
//      count over max_df is therefore made exactly where it matters (PassageKept), cheaply for the
//      documents that cannot hold a boilerplate line (MarkMaybeBoilerplate).
//   3. The tables keep 13-bit remainders (index_format.h), so a candidate may be false. Each one
//      is loaded, fingerprinted exactly (its boilerplate lines found as in step 1), and kept only
//      if it shares an exact band key (when LSH proposed it) or min_shared exact undropped
//      fingerprints — the scan's criterion. Then both texts are analyzed, their boilerplate words
//      masked, and VerifyPair aligns them, as the scanner does; the Jaccard estimate is attached to
//      pairs LSH proposed.
// Among query documents (scan_new) the candidates are found in memory: an LshIndex over their band
// keys (ForEachCandidatePair, the scanner's call) and the fingerprints they share, with the same
// document frequencies as above.

#include <algorithm>
#include <list>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "index_internal.h"
#include "naql/pair_verifier.h"
#include "naql/status.h"
#include "parallel.h"

namespace naql {

absl::Status IndexQueryOptions::Validate() const {
  NAQL_RETURN_IF_ERROR(passage.Validate());
  NAQL_RETURN_IF_ERROR(boilerplate.Validate());
  if (max_bucket_size < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_bucket_size must be >= 2, got ", max_bucket_size));
  }
  NAQL_RETURN_IF_ERROR(aligner.Validate());
  if (threads < 1 || threads > 1024) {
    return absl::InvalidArgumentError(absl::StrCat("threads must be 1..1024, got ", threads));
  }
  return absl::OkStatus();
}

namespace {

// Query documents fingerprinted and processed at a time without scan_new.
constexpr size_t kChunkDocuments = 1024;
// Query documents whose findings are collected before they are passed to the sink.
constexpr size_t kWindowDocuments = 64;

// One finding waiting for the sink: the indexed document (loaded) or an earlier query document.
struct Finding {
  PairReport report;
  Document indexed;        // when !from_query
  uint32_t query_a = 0;    // index of the earlier query document when from_query
  bool from_query = false;
};

// What phase 1 keeps of a query document.
struct QueryDocument {
  DocumentFingerprint fp;                // passages: undropped by boilerplate, distinct, by hash
  std::vector<uint64_t> line_keys;       // its distinct line keys, sorted
  std::vector<TokenRange> boilerplate;   // its boilerplate lines
};

// A least-recently-used cache of decompressed text blocks, keyed by (segment, block), bounded in
// bytes; sharded so that workers rarely wait for each other.
class BlockCache {
 public:
  explicit BlockCache(size_t capacity) : shard_capacity_(capacity / kShards) {}

  std::shared_ptr<const std::string> Find(uint64_t key) {
    Shard& shard = shards_[Mix(key) % kShards];
    absl::MutexLock lock(&shard.mutex);
    auto it = shard.index.find(key);
    if (it == shard.index.end()) return nullptr;
    shard.order.splice(shard.order.begin(), shard.order, it->second);
    return it->second->second;
  }

  void Insert(uint64_t key, std::shared_ptr<const std::string> block) {
    Shard& shard = shards_[Mix(key) % kShards];
    absl::MutexLock lock(&shard.mutex);
    if (shard.index.contains(key)) return;
    shard.bytes += block->size();
    shard.order.emplace_front(key, std::move(block));
    shard.index[key] = shard.order.begin();
    while (shard.bytes > shard_capacity_ && shard.order.size() > 1) {
      shard.bytes -= shard.order.back().second->size();
      shard.index.erase(shard.order.back().first);
      shard.order.pop_back();
    }
  }

 private:
  static constexpr size_t kShards = 16;
  // Keys are (segment << 32 | block): mix them so that shards fill evenly.
  static uint64_t Mix(uint64_t x) { return (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ULL >> 32; }
  using Entry = std::pair<uint64_t, std::shared_ptr<const std::string>>;
  struct Shard {
    absl::Mutex mutex;
    std::list<Entry> order;  // most recently used first
    absl::flat_hash_map<uint64_t, std::list<Entry>::iterator> index;
    size_t bytes = 0;
  };
  size_t shard_capacity_;
  Shard shards_[kShards];
};

// Per-worker buffers.
struct Worker {
  FingerprintScratch scratch;
  internal::BlockScratch blocks;
  std::string record;
  DocumentFingerprint candidate;
  std::vector<LineFingerprint> lines;
  std::vector<TokenRange> ranges;
  std::vector<uint64_t> candidate_keys;
  std::vector<uint64_t> candidate_hashes;
  AnalyzedText query_text;
  AnalyzedText query_unquoted;
  AnalyzedText other_text;
  Document loaded;
  std::vector<uint32_t> bucket;
  std::vector<uint32_t> hits;
  std::vector<uint64_t> kept_hashes;
  std::vector<uint8_t> shared_mark;
  // Exact document-frequency counts (PassageKept): the passage hashes each indexed document holds
  // outside its boilerplate lines, sorted, for the line counts of query document `kept_query`
  // (any query document with scan_new, whose counts are those of the whole batch).
  absl::flat_hash_map<uint32_t, std::vector<uint64_t>> kept_of;
  size_t kept_query = ~size_t{0};
};

// Entries of Worker::kept_of kept at most (about 3 KB each); the map is emptied beyond.
constexpr size_t kMaxKeptMemo = 4096;

// Drops the passage fingerprints that touch `ranges` (one covers shingle_size tokens), then
// keeps each hash once, sorted.
void FilterPassages(absl::Span<const TokenRange> ranges, uint32_t shingle_size,
                    std::vector<PassageFingerprint>* passages) {
  if (!ranges.empty()) {
    passages->erase(std::remove_if(passages->begin(), passages->end(),
                                   [&](const PassageFingerprint& p) {
                                     return OverlapsAny(ranges, p.position,
                                                        p.position + shingle_size);
                                   }),
                    passages->end());
  }
  std::sort(passages->begin(), passages->end(),
            [](const PassageFingerprint& x, const PassageFingerprint& y) { return x.hash < y.hash; });
  passages->erase(std::unique(passages->begin(), passages->end(),
                              [](const PassageFingerprint& x, const PassageFingerprint& y) {
                                return x.hash == y.hash;
                              }),
                  passages->end());
}

}  // namespace

class IndexSearcher::Impl {
 public:
  Impl(const IndexReader* index, const IndexQueryOptions& options)
      : index_(index->impl()),
        options_(options),
        params_(index->params()),
        fingerprinter_(*params_.ToFingerprintOptions()),
        passage_shingle_(fingerprinter_.options().passage_shingle_size()),
        quotes_(fingerprinter_.options().quotes),
        aligner_(EffectiveAligner(options, params_)),
        cache_(options.block_cache_bytes > 0
                   ? std::make_unique<BlockCache>(options.block_cache_bytes)
                   : nullptr) {
    MarkMaybeBoilerplate();
  }

  absl::Status Run(absl::Span<const Document> docs, ScanSink* sink, QueryStats* stats) {
    QueryStats local_stats;
    if (stats == nullptr) stats = &local_stats;
    if (options_.scan_new) return RunChunk(docs, 0, sink, stats);
    for (size_t begin = 0; begin < docs.size(); begin += kChunkDocuments) {
      const size_t n = std::min(kChunkDocuments, docs.size() - begin);
      NAQL_RETURN_IF_ERROR(RunChunk(docs.subspan(begin, n), begin, sink, stats));
    }
    return absl::OkStatus();
  }

 private:
  // The query documents of one run, and what is counted over them.
  struct Batch {
    absl::Span<const Document> docs;
    size_t first_index = 0;  // of docs[0] among all query documents of Run()
    std::vector<QueryDocument> query;
    std::vector<uint64_t> keys;  // band keys, bands per document
    // scan_new: documents of the batch holding each passage hash / line key. Without scan_new
    // the count is that of the query document alone.
    absl::flat_hash_map<uint64_t, uint32_t> passage_df;
    absl::flat_hash_map<uint64_t, uint32_t> line_df;
    // scan_new: per document b, its candidate partners a < b and whether LSH proposed them.
    std::vector<std::vector<std::pair<uint32_t, uint8_t>>> new_candidates;
    // scan_new: indexed documents holding a line that two or more query documents hold and that
    // is boilerplate with them (MaybeBoilerplate).
    absl::flat_hash_set<uint32_t> maybe_boilerplate;
  };

  static AlignerOptions EffectiveAligner(const IndexQueryOptions& options,
                                         const IndexParams& params) {
    AlignerOptions aligner = options.aligner;
    aligner.min_words = params.min_words;
    aligner.seed_size = params.signature.shingle_size;
    return aligner;
  }

  // Appends to *out the live indexed documents whose entry in one table of each segment matches
  // `hash`, each once per segment (two hashes of a document may share a bucket and remainder), in
  // ascending order (segments are oldest first).
  template <typename TableOf>
  absl::Status LookupAll(uint64_t hash, TableOf table_of, absl::string_view table_name,
                         std::vector<uint32_t>* out) const {
    for (const auto& segment : index_.segments) {
      const size_t before = out->size();
      const bool ok = table_of(segment->view).Lookup(hash, [&](uint32_t local) {
        if (!segment->dead(local)) out->push_back(segment->base + local);
      });
      if (!ok) return IndexReader::Impl::CorruptTable(*segment, table_name);
      if (out->size() - before > 1) {
        std::sort(out->begin() + before, out->end());
        out->erase(std::unique(out->begin() + before, out->end()), out->end());
      }
    }
    return absl::OkStatus();
  }
  absl::Status LookupLsh(uint64_t key, std::vector<uint32_t>* out) const {
    return LookupAll(
        key, [](const internal::SegmentView& v) -> const internal::PostingTable& { return v.lsh(); },
        "lsh", out);
  }
  absl::Status LookupPassage(uint64_t hash, std::vector<uint32_t>* out) const {
    return LookupAll(
        hash,
        [](const internal::SegmentView& v) -> const internal::PostingTable& {
          return v.passages();
        },
        "passage", out);
  }

  // Which indexed documents may hold a boilerplate line. A line of an indexed document is
  // boilerplate for a query when the live indexed documents holding it plus the query documents
  // holding it (one at most without scan_new) reach min_docs, so only documents holding a line
  // that at least min_docs - 1 indexed documents hold can have one; Batch::maybe_boilerplate adds
  // the rest with scan_new. Every other document holds all of its passage fingerprints outside
  // boilerplate, which makes the exact document frequencies of PassageKept cheap. The LINES
  // tables are read once, whole (16 ms for 54,000 documents); keys are compared on
  // the bits that every segment keeps, so that a rare collision of two lines only marks more
  // documents (a superset is safe: those are checked exactly).
  void MarkMaybeBoilerplate() {
    maybe_boilerplate_.assign((index_.slots + 63) / 64, 0);
    if (!options_.remove_boilerplate) return;
    uint32_t bits = 64;
    for (const auto& segment : index_.segments) {
      const internal::PostingTable& table = segment->view.lines();
      if (table.num_entries() > 0) {
        bits = std::min(bits, table.bucket_bits() + table.remainder_bits());
      }
    }
    const uint64_t mask = bits >= 64 ? ~uint64_t{0} : ~((uint64_t{1} << (64 - bits)) - 1);
    absl::flat_hash_map<uint64_t, uint32_t> counts;
    bool ok = true;
    for (const auto& segment : index_.segments) {
      ok = ok && segment->view.lines().ForEach([&](uint64_t prefix, uint32_t local) {
        if (!segment->dead(local)) ++counts[prefix & mask];
      });
    }
    if (!ok) {
      // A corrupt table: every lookup will report it; meanwhile trust no document.
      std::fill(maybe_boilerplate_.begin(), maybe_boilerplate_.end(), ~uint64_t{0});
      return;
    }
    const uint32_t threshold = options_.boilerplate.min_docs - 1;
    for (const auto& segment : index_.segments) {
      segment->view.lines().ForEach([&](uint64_t prefix, uint32_t local) {
        if (segment->dead(local)) return;
        auto it = counts.find(prefix & mask);
        if (it->second >= threshold) {
          const uint32_t doc = segment->base + local;
          maybe_boilerplate_[doc >> 6] |= uint64_t{1} << (doc & 63);
        }
      });
    }
  }

  // scan_new: marks in batch->maybe_boilerplate the indexed documents holding a line that is
  // boilerplate because two or more query documents hold it too.
  absl::Status MarkBatchBoilerplate(Batch* batch) const {
    std::vector<uint32_t> holders;
    for (const auto& [key, query_count] : batch->line_df) {
      if (query_count < 2) continue;  // one query document: MarkMaybeBoilerplate's rule
      holders.clear();
      NAQL_RETURN_IF_ERROR(LookupAll(
          key,
          [](const internal::SegmentView& v) -> const internal::PostingTable& { return v.lines(); },
          "line", &holders));
      if (holders.size() + query_count >= options_.boilerplate.min_docs) {
        batch->maybe_boilerplate.insert(holders.begin(), holders.end());
      }
    }
    return absl::OkStatus();
  }

  // False when indexed document `doc` has no boilerplate line for the query documents of `batch`
  // (true when it may have one).
  bool MaybeBoilerplate(const Batch& batch, uint32_t doc) const {
    if ((maybe_boilerplate_[doc >> 6] >> (doc & 63) & 1) != 0) return true;
    return !batch.maybe_boilerplate.empty() && batch.maybe_boilerplate.contains(doc);
  }

  // The number of live indexed documents holding line `key`: LookupLine's count without building
  // the list, except in the rare segment where the key matches twice (then documents are
  // deduplicated as in LookupAll).
  absl::Status CountLine(uint64_t key, std::vector<uint32_t>* buffer, uint64_t* count) const {
    *count = 0;
    for (const auto& segment : index_.segments) {
      uint32_t matches = 0;
      bool ok = segment->view.lines().Lookup(key, [&](uint32_t local) {
        if (!segment->dead(local)) ++matches;
      });
      if (!ok) return IndexReader::Impl::CorruptTable(*segment, "line");
      if (matches <= 1) {
        *count += matches;
        continue;
      }
      buffer->clear();
      segment->view.lines().Lookup(key, [&](uint32_t local) {
        if (!segment->dead(local)) buffer->push_back(local);
      });
      std::sort(buffer->begin(), buffer->end());
      *count += std::unique(buffer->begin(), buffer->end()) - buffer->begin();
    }
    return absl::OkStatus();
  }

  // Boilerplate ranges of an article whose lines are `lines` (hashes already LineKey()s):
  // `query_count(key)` says how many query documents hold the key.
  template <typename QueryCount>
  absl::Status BoilerplateRanges(absl::Span<const LineFingerprint> lines, QueryCount query_count,
                                 std::vector<uint32_t>* buffer, std::vector<TokenRange>* out) const {
    out->clear();
    for (const LineFingerprint& line : lines) {
      uint64_t count = 0;
      NAQL_RETURN_IF_ERROR(CountLine(line.hash, buffer, &count));
      if (count + query_count(line.hash) >= options_.boilerplate.min_docs) {
        out->push_back({line.token_begin, line.token_end});
      }
    }
    return absl::OkStatus();
  }

  // The lines of a text just fingerprinted with `scratch`, keyed by LineKey(source, ·).
  static void KeyedLines(absl::string_view source, const FingerprintScratch& scratch,
                         std::vector<LineFingerprint>* lines) {
    FingerprintLines(scratch.words, scratch.token_hashes, lines);
    for (LineFingerprint& line : *lines) line.hash = internal::LineKey(source, line.hash);
  }

  // How many query documents hold line `key`, as seen from query document j.
  uint32_t QueryLineCount(const Batch& batch, size_t j, uint64_t key) const {
    if (options_.scan_new) {
      auto it = batch.line_df.find(key);
      return it == batch.line_df.end() ? 0 : it->second;
    }
    const std::vector<uint64_t>& own = batch.query[j].line_keys;
    return std::binary_search(own.begin(), own.end(), key) ? 1 : 0;
  }

  absl::Status RunChunk(absl::Span<const Document> docs, size_t first_index, ScanSink* sink,
                        QueryStats* stats) {
    const size_t n = docs.size();
    const unsigned threads = std::max(1u, options_.threads);
    const uint32_t bands = params_.lsh.bands;
    stats->documents += n;
    Batch batch;
    batch.docs = docs;
    batch.first_index = first_index;
    batch.query.resize(n);
    batch.keys.assign(n * bands, 0);
    std::vector<Worker> workers(threads);
    std::vector<std::vector<LineFingerprint>> lines(n);
    std::vector<absl::Status> status(n);

    // 1. Fingerprints, band keys and lines.
    internal::ParallelFor(n, threads, [&](size_t i, unsigned w) {
      QueryDocument& q = batch.query[i];
      fingerprinter_.Fingerprint(docs[i].text, &workers[w].scratch, &q.fp);
      if (q.fp.words > 0) {
        ComputeBandKeys(q.fp.signature, params_.lsh,
                        absl::MakeSpan(batch.keys).subspan(i * bands, bands));
      }
      if (options_.remove_boilerplate) {
        KeyedLines(docs[i].meta.source, workers[w].scratch, &lines[i]);
        for (const LineFingerprint& line : lines[i]) q.line_keys.push_back(line.hash);
        std::sort(q.line_keys.begin(), q.line_keys.end());
        q.line_keys.erase(std::unique(q.line_keys.begin(), q.line_keys.end()), q.line_keys.end());
      }
    });
    if (options_.scan_new && options_.remove_boilerplate) {
      for (const QueryDocument& q : batch.query) {
        for (uint64_t key : q.line_keys) ++batch.line_df[key];
      }
      NAQL_RETURN_IF_ERROR(MarkBatchBoilerplate(&batch));
    }
    // Boilerplate lines, then the passage fingerprints that do not touch them.
    internal::ParallelFor(n, threads, [&](size_t i, unsigned w) {
      QueryDocument& q = batch.query[i];
      if (options_.remove_boilerplate) {
        status[i] = BoilerplateRanges(
            lines[i], [&](uint64_t key) { return QueryLineCount(batch, i, key); },
            &workers[w].hits, &q.boilerplate);
      }
      FilterPassages(q.boilerplate, passage_shingle_, &q.fp.passages);
    });
    for (const absl::Status& s : status) NAQL_RETURN_IF_ERROR(s);

    // 2. Candidates among the query documents.
    if (options_.scan_new) NAQL_RETURN_IF_ERROR(FindNewCandidates(&batch, &workers, stats));

    // 3. Per query document, in windows whose findings go to the sink in order.
    std::vector<std::vector<Finding>> findings;
    std::vector<QueryStats> doc_stats;
    for (size_t begin = 0; begin < n; begin += kWindowDocuments) {
      const size_t end = std::min(n, begin + kWindowDocuments);
      findings.assign(end - begin, {});
      status.assign(end - begin, absl::OkStatus());
      doc_stats.assign(end - begin, QueryStats());
      internal::ParallelFor(end - begin, threads, [&](size_t k, unsigned w) {
        status[k] = ProcessDocument(batch, begin + k, &workers[w], &findings[k], &doc_stats[k]);
      });
      for (size_t k = 0; k < end - begin; ++k) {
        NAQL_RETURN_IF_ERROR(status[k]);
        stats->index_candidates += doc_stats[k].index_candidates;
        stats->false_candidates += doc_stats[k].false_candidates;
        stats->dropped_fingerprints += doc_stats[k].dropped_fingerprints;
        stats->block_reads += doc_stats[k].block_reads;
        stats->df_checks += doc_stats[k].df_checks;
        for (const Finding& finding : findings[k]) {
          ++stats->pairs;
          if (finding.report.kind == PairKind::kDuplicate) ++stats->duplicates;
          sink->OnPair(finding.report, finding.from_query ? docs[finding.query_a] : finding.indexed,
                       docs[begin + k]);
        }
      }
    }
    return absl::OkStatus();
  }

  // scan_new: the query documents' passage document frequencies and their candidate pairs.
  absl::Status FindNewCandidates(Batch* batch, std::vector<Worker>* workers,
                                 QueryStats* stats) const {
    const size_t n = batch->query.size();
    const uint32_t bands = params_.lsh.bands;
    const unsigned threads = std::max(1u, options_.threads);
    batch->new_candidates.assign(n, {});
    std::vector<uint64_t> pairs;  // (a << 32 | b) << 1 | from LSH

    // LSH among the query documents, exactly as the scanner pairs its documents.
    LshOptions lsh_options = params_.ToLshOptions();
    lsh_options.max_bucket_size = options_.max_bucket_size;
    LshIndex lsh(lsh_options, params_.signature.num_perm);
    for (size_t i = 0; i < n; ++i) {
      if (batch->query[i].fp.words > 0) {
        lsh.AddBandKeys(static_cast<uint32_t>(i),
                        absl::MakeConstSpan(batch->keys).subspan(i * bands, bands));
      }
    }
    lsh.Build();
    lsh.ForEachCandidatePair([&](uint32_t a, uint32_t b) {
      pairs.push_back((static_cast<uint64_t>(a) << 32 | b) << 1 | 1);
    });

    // Passage fingerprints: (hash, document) entries grouped by hash.
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    for (size_t i = 0; i < n; ++i) {
      for (const PassageFingerprint& p : batch->query[i].fp.passages) {
        entries.emplace_back(p.hash, static_cast<uint32_t>(i));
      }
    }
    std::sort(entries.begin(), entries.end());
    batch->passage_df.reserve(entries.size());
    std::vector<std::pair<size_t, size_t>> shared;  // entry ranges of hashes in >= 2 documents
    for (size_t i = 0; i < entries.size();) {
      size_t j = i;
      while (j < entries.size() && entries[j].first == entries[i].first) ++j;
      batch->passage_df[entries[i].first] = static_cast<uint32_t>(j - i);
      if (j - i >= 2) shared.emplace_back(i, j);
      i = j;
    }
    if (options_.find_partial) {
      // Whether each hash shared by two or more query documents is kept, counting the indexed
      // documents holding it too.
      std::vector<uint8_t> kept(shared.size());
      std::vector<absl::Status> status(shared.size());
      std::vector<QueryStats> worker_stats(threads);
      internal::ParallelFor(shared.size(), threads, [&](size_t k, unsigned w) {
        Worker& worker = (*workers)[w];
        worker.hits.clear();
        const uint64_t hash = entries[shared[k].first].first;
        status[k] = LookupPassage(hash, &worker.hits);
        if (!status[k].ok()) return;
        absl::StatusOr<bool> keep =
            PassageKept(hash, worker.hits, shared[k].second - shared[k].first, *batch, 0, &worker,
                        &worker_stats[w]);
        if (!keep.ok()) {
          status[k] = keep.status();
          return;
        }
        kept[k] = *keep;
      });
      for (const absl::Status& s : status) NAQL_RETURN_IF_ERROR(s);
      for (const QueryStats& w : worker_stats) {
        stats->block_reads += w.block_reads;
        stats->df_checks += w.df_checks;
      }
      std::vector<uint64_t> passage_pairs;
      for (size_t k = 0; k < shared.size(); ++k) {
        const auto [first, end] = shared[k];
        if (!kept[k]) continue;
        for (size_t x = first; x < end; ++x) {
          for (size_t y = x + 1; y < end; ++y) {
            passage_pairs.push_back(static_cast<uint64_t>(entries[x].second) << 32 |
                                    entries[y].second);
          }
        }
      }
      std::sort(passage_pairs.begin(), passage_pairs.end());
      for (size_t i = 0; i < passage_pairs.size();) {
        size_t j = i;
        while (j < passage_pairs.size() && passage_pairs[j] == passage_pairs[i]) ++j;
        if (j - i >= options_.passage.min_shared) pairs.push_back(passage_pairs[i] << 1);
        i = j;
      }
    }
    // One candidate per pair; a pair LSH proposed keeps that flag (it sorts last of its pair).
    std::sort(pairs.begin(), pairs.end());
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (i + 1 < pairs.size() && (pairs[i + 1] >> 1) == (pairs[i] >> 1)) continue;
      const uint64_t pair = pairs[i] >> 1;
      batch->new_candidates[static_cast<uint32_t>(pair)].emplace_back(
          static_cast<uint32_t>(pair >> 32), static_cast<uint8_t>(pairs[i] & 1));
      ++stats->new_candidates;
    }
    return absl::OkStatus();
  }

  // Reads indexed document `doc`, through the block cache when there is one.
  absl::Status LoadIndexed(uint32_t doc, Worker* w, QueryStats* stats, Document* out) const {
    if (cache_ == nullptr) {
      ++stats->block_reads;
      return index_.Load(doc, &w->blocks, out);
    }
    auto [segment, local] = index_.Locate(doc);
    // A structured binding cannot be captured by a lambda before C++20's P1091 (clang 14).
    const auto* const located = segment;
    auto in_file = [located](const absl::Status& status) {
      return IndexReader::Impl::InFile(*located, status);
    };
    uint32_t block = 0;
    if (absl::Status status = segment->view.BlockOf(local, &block); !status.ok()) {
      return in_file(status);
    }
    const uint64_t key = static_cast<uint64_t>(segment->ordinal) << 32 | block;
    std::shared_ptr<const std::string> packed = cache_->Find(key);
    if (packed == nullptr) {
      auto fresh = std::make_shared<std::string>();
      size_t size = 0;
      if (absl::Status status = segment->view.ReadBlock(block, w->blocks.dctx(), fresh.get(), &size);
          !status.ok()) {
        return in_file(status);
      }
      fresh->resize(size);
      ++stats->block_reads;
      packed = fresh;
      cache_->Insert(key, packed);
    }
    if (absl::Status status = segment->view.ReadDocument(local, *packed, &w->record, out);
        !status.ok()) {
      return in_file(status);
    }
    out->location = absl::StrCat(index_.dir, "#", doc);
    return absl::OkStatus();
  }

  // Whether indexed document `doc` holds passage fingerprint `hash` outside its boilerplate lines
  // (the scanner counts only those in a fingerprint's document frequency), for query document j.
  // The document is fingerprinted once per query document (once per batch with scan_new).
  absl::StatusOr<bool> HoldsPassage(uint32_t doc, uint64_t hash, const Batch& batch, size_t j,
                                    Worker* w, QueryStats* stats) const {
    if (!options_.scan_new && w->kept_query != batch.first_index + j) {
      w->kept_of.clear();
      w->kept_query = batch.first_index + j;
    }
    if (w->kept_of.size() >= kMaxKeptMemo) w->kept_of.clear();
    auto [it, fresh] = w->kept_of.try_emplace(doc);
    if (fresh) {
      ++stats->df_checks;
      absl::Status status = KeptPassages(doc, batch, j, w, stats, &it->second);
      if (!status.ok()) {
        w->kept_of.erase(doc);
        return status;
      }
    }
    return std::binary_search(it->second.begin(), it->second.end(), hash);
  }

  // The boilerplate ranges (w->ranges) of the indexed document in w->loaded, just fingerprinted
  // with w->scratch, for query document j.
  absl::Status LoadedBoilerplate(const Batch& batch, size_t j, Worker* w) const {
    w->ranges.clear();
    if (!options_.remove_boilerplate) return absl::OkStatus();
    KeyedLines(w->loaded.meta.source, w->scratch, &w->lines);
    return BoilerplateRanges(
        w->lines, [&](uint64_t key) { return QueryLineCount(batch, j, key); }, &w->bucket,
        &w->ranges);
  }

  // The distinct passage hashes of indexed document `doc` outside its boilerplate lines, sorted.
  absl::Status KeptPassages(uint32_t doc, const Batch& batch, size_t j, Worker* w,
                            QueryStats* stats, std::vector<uint64_t>* out) const {
    NAQL_RETURN_IF_ERROR(LoadIndexed(doc, w, stats, &w->loaded));
    fingerprinter_.Fingerprint(w->loaded.text, &w->scratch, &w->candidate);
    NAQL_RETURN_IF_ERROR(LoadedBoilerplate(batch, j, w));
    out->clear();
    for (const PassageFingerprint& p : w->candidate.passages) {
      if (!OverlapsAny(w->ranges, p.position, p.position + passage_shingle_)) {
        out->push_back(p.hash);
      }
    }
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
    return absl::OkStatus();
  }

  // Whether passage fingerprint `hash` is kept: its document frequency — the live indexed
  // documents holding it outside their boilerplate lines plus `query_count` query documents — is
  // at most max_df, as the scanner counts it. `hits` are the table's matches: every indexed
  // document holding the hash anywhere, plus a false match in about one lookup in 300 (13-bit
  // remainders). So:
  //   * hits + query_count <= max_df: kept, whatever the hits are;
  //   * the hits that cannot hold a boilerplate line (MaybeBoilerplate false) hold the hash
  //     outside boilerplate, unless they are false matches: more than max_df + kDfMargin of them
  //     (with the query documents) is beyond chance (three false matches in one lookup, about
  //     10^-8) and drops the hash;
  //   * otherwise the count is made exactly, document by document (HoldsPassage), the others
  //     first, stopping as soon as it exceeds max_df. Only a hash that lies in boilerplate lines
  //     of many indexed documents but outside boilerplate in the query costs many checks; a
  //     worker remembers each document's checked hashes for the rest of the query document.
  absl::StatusOr<bool> PassageKept(uint64_t hash, absl::Span<const uint32_t> hits,
                                   uint64_t query_count, const Batch& batch, size_t j, Worker* w,
                                   QueryStats* stats) const {
    constexpr uint64_t kDfMargin = 2;
    const uint64_t max_df = options_.passage.max_df;
    if (hits.size() + query_count <= max_df) return true;
    if (query_count > max_df) return false;
    uint64_t plain = 0;
    for (uint32_t doc : hits) plain += !MaybeBoilerplate(batch, doc);
    if (query_count + plain > max_df + kDfMargin) return false;
    uint64_t df = query_count;
    uint64_t unchecked_plain = plain;
    // The documents that may hold it in boilerplate only, then (if they can still matter) the
    // others.
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1 && df + unchecked_plain <= max_df) return true;
      for (uint32_t doc : hits) {
        if (MaybeBoilerplate(batch, doc) != (pass == 0)) continue;
        NAQL_ASSIGN_OR_RETURN(bool holds, HoldsPassage(doc, hash, batch, j, w, stats));
        df += holds;
        if (pass == 1) --unchecked_plain;
        if (df > max_df) return false;
      }
    }
    return true;
  }

  // Analyzes `text` for alignment with its boilerplate words masked (salt: its report number).
  void AnalyzeMasked(absl::string_view text, absl::Span<const TokenRange> boilerplate, uint64_t salt,
                     AnalyzedText* out) const {
    fingerprinter_.Analyze(text, out);
    if (!boilerplate.empty()) MaskTokens(boilerplate, salt, absl::MakeSpan(out->tokens));
  }

  absl::Status ProcessDocument(const Batch& batch, size_t j, Worker* w, std::vector<Finding>* out,
                               QueryStats* stats) const {
    const Document& doc = batch.docs[j];
    const QueryDocument& query = batch.query[j];
    const DocumentFingerprint& fp = query.fp;
    const uint32_t bands = params_.lsh.bands;
    const absl::Span<const uint64_t> query_keys =
        absl::MakeConstSpan(batch.keys).subspan(j * bands, bands);
    const uint32_t query_number = static_cast<uint32_t>(index_.slots + batch.first_index + j);
    std::vector<std::pair<uint32_t, uint8_t>> candidates;  // (indexed document, from LSH)

    // LSH candidates among the indexed documents.
    if (fp.words > 0) {
      for (uint64_t key : query_keys) {
        w->bucket.clear();
        NAQL_RETURN_IF_ERROR(LookupLsh(key, &w->bucket));
        if (w->bucket.size() > options_.max_bucket_size) w->bucket.resize(options_.max_bucket_size);
        for (uint32_t d : w->bucket) candidates.emplace_back(d, 1);
      }
    }
    // Passage candidates, with the document frequency over the index and the query documents.
    w->kept_hashes.clear();
    if (options_.find_partial) {
      w->hits.clear();
      for (const PassageFingerprint& p : fp.passages) {
        const size_t before = w->hits.size();
        NAQL_RETURN_IF_ERROR(LookupPassage(p.hash, &w->hits));
        uint64_t query_count = 1;
        if (options_.scan_new) {
          auto it = batch.passage_df.find(p.hash);
          if (it != batch.passage_df.end()) query_count = it->second;
        }
        NAQL_ASSIGN_OR_RETURN(
            bool kept, PassageKept(p.hash, absl::MakeConstSpan(w->hits).subspan(before),
                                   query_count, batch, j, w, stats));
        if (!kept) {
          w->hits.resize(before);
          ++stats->dropped_fingerprints;
          continue;
        }
        w->kept_hashes.push_back(p.hash);  // ascending: fp.passages is sorted by hash
      }
      std::sort(w->hits.begin(), w->hits.end());
      for (size_t i = 0; i < w->hits.size();) {
        size_t k = i;
        while (k < w->hits.size() && w->hits[k] == w->hits[i]) ++k;
        if (k - i >= options_.passage.min_shared) candidates.emplace_back(w->hits[i], 0);
        i = k;
      }
    }
    // Each candidate once, marked when LSH proposed it.
    std::sort(candidates.begin(), candidates.end());
    size_t unique = 0;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (unique > 0 && candidates[unique - 1].first == candidates[i].first) {
        candidates[unique - 1].second |= candidates[i].second;
      } else {
        candidates[unique++] = candidates[i];
      }
    }
    candidates.resize(unique);
    stats->index_candidates += candidates.size();

    bool query_analyzed = false;
    auto analyze_query = [&] {
      if (query_analyzed) return;
      AnalyzeMasked(doc.text, query.boilerplate, query_number, &w->query_text);
      // The same without quotations, for the first, filtering alignment of each candidate.
      w->query_unquoted.folded = w->query_text.folded;
      w->query_unquoted.tokens = w->query_text.tokens;
      w->query_unquoted.quotations.clear();
      query_analyzed = true;
    };
    for (const auto& [indexed, from_lsh] : candidates) {
      NAQL_RETURN_IF_ERROR(LoadIndexed(indexed, w, stats, &w->loaded));
      if (w->loaded.id == doc.id) continue;  // the same article, queried again
      fingerprinter_.Fingerprint(w->loaded.text, &w->scratch, &w->candidate);
      // The scan's criterion, on exact values.
      bool lsh_pair = false;
      if (from_lsh && fp.words > 0 && w->candidate.words > 0) {
        w->candidate_keys.resize(bands);
        ComputeBandKeys(w->candidate.signature, params_.lsh, absl::MakeSpan(w->candidate_keys));
        for (uint32_t b = 0; b < bands && !lsh_pair; ++b) {
          lsh_pair = w->candidate_keys[b] == query_keys[b];
        }
      }
      NAQL_RETURN_IF_ERROR(LoadedBoilerplate(batch, j, w));
      bool passage_pair = false;
      if (options_.find_partial && !w->kept_hashes.empty()) {
        // Distinct kept query hashes found among the candidate's fingerprints outside its
        // boilerplate (FilterPassages without the sort: each query hash is marked once).
        w->shared_mark.assign(w->kept_hashes.size(), 0);
        uint32_t shared = 0;
        for (const PassageFingerprint& p : w->candidate.passages) {
          auto it = std::lower_bound(w->kept_hashes.begin(), w->kept_hashes.end(), p.hash);
          if (it == w->kept_hashes.end() || *it != p.hash) continue;
          uint8_t& mark = w->shared_mark[it - w->kept_hashes.begin()];
          if (mark != 0) continue;
          if (!w->ranges.empty() &&
              OverlapsAny(w->ranges, p.position, p.position + passage_shingle_)) {
            continue;
          }
          mark = 1;
          ++shared;
        }
        passage_pair = shared >= options_.passage.min_shared;
      }
      if (!lsh_pair && !passage_pair) {
        ++stats->false_candidates;
        continue;
      }
      // The candidate's analysis without its quotations, which only flag spans: they are
      // detected only once alignment has found a span, and VerifyPair runs again with them.
      fingerprinter_.Analyze(w->loaded.text, {}, &w->other_text);
      if (!w->ranges.empty()) {
        MaskTokens(w->ranges, indexed, absl::MakeSpan(w->other_text.tokens));
      }
      analyze_query();
      Finding finding;
      if (!VerifyPair(aligner_, w->other_text, w->query_unquoted, &finding.report)) continue;
      quotes_.Detect(w->loaded.text, &w->other_text.quotations);
      VerifyPair(aligner_, w->other_text, w->query_text, &finding.report);
      finding.report.a = indexed;
      finding.report.b = query_number;
      if (lsh_pair) finding.report.jaccard = EstimateJaccard(w->candidate.signature, fp.signature);
      finding.indexed = std::move(w->loaded);
      out->push_back(std::move(finding));
    }

    // Earlier query documents (scan_new).
    if (options_.scan_new) {
      for (const auto& [a, from_lsh] : batch.new_candidates[j]) {
        analyze_query();
        const uint32_t a_number = static_cast<uint32_t>(index_.slots + batch.first_index + a);
        AnalyzeMasked(batch.docs[a].text, batch.query[a].boilerplate, a_number, &w->other_text);
        Finding finding;
        if (!VerifyPair(aligner_, w->other_text, w->query_text, &finding.report)) continue;
        finding.report.a = a_number;
        finding.report.b = query_number;
        if (from_lsh) {
          finding.report.jaccard = EstimateJaccard(batch.query[a].fp.signature, fp.signature);
        }
        finding.from_query = true;
        finding.query_a = a;
        out->push_back(std::move(finding));
      }
    }
    return absl::OkStatus();
  }

  const IndexReader::Impl& index_;
  IndexQueryOptions options_;
  IndexParams params_;
  Fingerprinter fingerprinter_;
  // Words a passage fingerprint covers from its position (the scanner's boilerplate rule).
  uint32_t passage_shingle_;
  QuoteDetector quotes_;  // the detector Fingerprinter::Analyze uses, for candidates
  Aligner aligner_;
  std::unique_ptr<BlockCache> cache_;
  // One bit per indexed document: it may hold a boilerplate line (MarkMaybeBoilerplate).
  std::vector<uint64_t> maybe_boilerplate_;
};

IndexSearcher::IndexSearcher(const IndexReader* index, const IndexQueryOptions& options)
    : impl_(std::make_unique<Impl>(index, options)) {}
IndexSearcher::~IndexSearcher() = default;

absl::Status IndexSearcher::Run(absl::Span<const Document> docs, ScanSink* sink,
                                QueryStats* stats) {
  return impl_->Run(docs, sink, stats);
}

}  // namespace naql
