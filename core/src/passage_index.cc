// Winnowing and the df-filtered passage index.
//
// Winnow() keeps, for the current window, the position of its rightmost minimum. Sliding the window
// by one either keeps that position (the entering hash is larger), moves it to the entering hash
// (smaller or equal: rightmost wins), or — when the minimum falls off the left edge — re-finds the
// rightmost minimum by scanning the window. A position is emitted whenever the selection changes,
// so each selected position appears once and positions increase. This is the algorithm of Figure 5
// in Schleimer, Wilkerson, Aiken (SIGMOD 2003) without the circular buffer (the hashes are already
// in memory).
//
// The index is a single array of 12-byte (hash, document) entries. Build() sorts it, removes
// duplicate entries and drops the runs (hashes) longer than max_df, compacting in place, so the
// kept index is the sorted array itself: Query() binary-searches it, ForEachCandidatePair() walks
// its runs.
//
// ForEachCandidatePair() counts shared hashes per pair without a hash table. Every run of df
// documents d_0 < ... < d_{df-1} contributes the incidences (d_i, d_j), i < j. A first pass counts
// the incidences of each first document a; a second pass places each incidence's b into a's
// bucket (a counting sort by a); sorting each bucket and counting equal b's gives the number of
// hashes the pair shares. When the incidences exceed pair_batch, the range of first documents is
// cut into batches and the second pass runs once per batch, so memory stays bounded.

#include "naql/passage_index.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "parallel.h"

namespace naql {
namespace {

inline uint64_t EntryHash(uint32_t high, uint32_t low) {
  return (static_cast<uint64_t>(high) << 32) | low;
}

}  // namespace

namespace {

// One in-place radix pass (American flag sort) over data[0, n) on the 8 bits of hash_high at
// `shift`: afterwards the entries of each of the 256 digits are contiguous, in digit order;
// start[d] is where digit d begins (start[256] = n).
template <typename E>
void FlagSortPass(E* data, size_t n, int shift, size_t start[257]) {
  auto digit = [shift](const E& e) { return (e.hash_high >> shift) & 0xFF; };
  size_t count[256] = {};
  for (size_t i = 0; i < n; ++i) ++count[digit(data[i])];
  start[0] = 0;
  for (size_t d = 0; d < 256; ++d) start[d + 1] = start[d] + count[d];
  size_t next[256];
  std::copy(start, start + 256, next);
  for (size_t d = 0; d < 256; ++d) {
    while (next[d] < start[d + 1]) {
      E e = data[next[d]];
      size_t t = digit(e);
      // Follow the cycle: place e in its digit's next free slot, take what was there, until an
      // entry of digit d comes back.
      while (t != d) {
        std::swap(e, data[next[t]++]);
        t = digit(e);
      }
      data[next[d]++] = e;
    }
  }
}

}  // namespace

void PassageIndex::SortEntries(std::vector<Entry>* entries, unsigned threads) {
  auto less = [](const Entry& x, const Entry& y) {
    if (x.hash_high != y.hash_high) return x.hash_high < y.hash_high;
    if (x.hash_low != y.hash_low) return x.hash_low < y.hash_low;
    return x.doc < y.doc;
  };
  const size_t n = entries->size();
  if (n < (size_t{1} << 16)) {
    std::sort(entries->begin(), entries->end(), less);
    return;
  }
  // Hashes are uniform, so two radix passes on the top 16 bits leave buckets of about n / 65536
  // entries, each finished by a small comparison sort that stays in cache. The passes permute in
  // place (American flag sort: McIlroy, Bostic, McIlroy, "Engineering radix sort", 1993), so the
  // sort needs no second array; 8 bits a pass keeps the 256 write positions in cache.
  // The first pass's buckets are disjoint, so they are finished in parallel.
  Entry* const data = entries->data();
  size_t outer[257];
  FlagSortPass(data, n, 24, outer);
  internal::ParallelFor(256, threads, [&](size_t d, unsigned /*worker*/) {
    Entry* const bucket = data + outer[d];
    const size_t size = outer[d + 1] - outer[d];
    size_t inner[257];
    FlagSortPass(bucket, size, 16, inner);
    for (size_t e = 0; e < 256; ++e) std::sort(bucket + inner[e], bucket + inner[e + 1], less);
  });
}

uint32_t WinnowWindow(uint32_t min_words, uint32_t shingle_size) {
  assert(shingle_size >= 1 && shingle_size <= min_words);
  return min_words - shingle_size + 1;
}

void Winnow(absl::Span<const uint64_t> shingle_hashes, uint32_t window,
            std::vector<PassageFingerprint>* out) {
  assert(window >= 1);
  out->clear();
  const size_t n = shingle_hashes.size();
  if (n == 0) return;
  const uint64_t* h = shingle_hashes.data();
  const size_t w = std::min<size_t>(window, n);
  if (w == 2) {
    // The default window (--min-words 8, passage shingles of 7). Each window's rightmost minimum
    // is r or r - 1, and it is a new fingerprint when it differs from the last one: both decided
    // without a branch, since comparing random hashes is a coin toss no predictor learns.
    out->resize(n);  // at most one fingerprint per window
    PassageFingerprint* const fps = out->data();
    uint32_t last = 1 - static_cast<uint32_t>(h[1] > h[0]);
    fps[0] = {h[last], last};
    size_t count = 1;
    for (uint32_t r = 2; r < n; ++r) {
      // Arithmetic on the comparison, not a conditional (which the compiler makes a branch).
      const uint32_t position = r - static_cast<uint32_t>(h[r] > h[r - 1]);
      fps[count] = {h[position], position};
      count += position != last;
      last = position;
    }
    out->resize(count);
    return;
  }
  out->reserve(out->size() + 2 * n / (w + 1) + 2);

  // First window [0, w): its rightmost minimum.
  size_t min_pos = 0;
  for (size_t i = 1; i < w; ++i) {
    if (h[i] <= h[min_pos]) min_pos = i;
  }
  out->push_back({h[min_pos], static_cast<uint32_t>(min_pos)});

  // Window [r - w + 1, r] for each r >= w.
  for (size_t r = w; r < n; ++r) {
    const size_t left = r - w + 1;
    if (min_pos < left) {
      // The minimum left the window: re-find the rightmost minimum of [left, r].
      min_pos = left;
      for (size_t i = left + 1; i <= r; ++i) {
        if (h[i] <= h[min_pos]) min_pos = i;
      }
      out->push_back({h[min_pos], static_cast<uint32_t>(min_pos)});
    } else if (h[r] <= h[min_pos]) {
      min_pos = r;
      out->push_back({h[min_pos], static_cast<uint32_t>(min_pos)});
    }
  }
}

absl::Status PassageIndexOptions::Validate() const {
  if (max_df < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_df must be at least 2 (a hash in one document makes no pair), got ",
                     max_df));
  }
  if (min_shared < 1) {
    return absl::InvalidArgumentError("min_shared must be at least 1");
  }
  if (pair_batch < 1) {
    return absl::InvalidArgumentError("pair_batch must be at least 1");
  }
  return absl::OkStatus();
}

PassageIndex::PassageIndex(const PassageIndexOptions& options) : options_(options) {
  assert(options_.Validate().ok());
}

void PassageIndex::Add(uint32_t doc, absl::Span<const PassageFingerprint> fps) {
  assert(!built_);
  assert(doc != UINT32_MAX);
  if (fps.empty()) return;
  scratch_.resize(fps.size());
  for (size_t i = 0; i < fps.size(); ++i) scratch_[i] = fps[i].hash;
  std::sort(scratch_.begin(), scratch_.end());
  const auto last = std::unique(scratch_.begin(), scratch_.end());
  for (auto it = scratch_.begin(); it != last; ++it) {
    entries_.push_back(
        {static_cast<uint32_t>(*it >> 32), static_cast<uint32_t>(*it), doc});
  }
  num_documents_ = std::max(num_documents_, doc + 1);
  // The scratch buffer only serves Add(); do not let one huge document pin its memory.
  if (scratch_.capacity() > (size_t{1} << 16) && scratch_.capacity() > 4 * fps.size()) {
    std::vector<uint64_t>().swap(scratch_);
  }
}

void PassageIndex::AdoptEntries(std::vector<Entry>* entries) {
  assert(!built_);
  assert(entries_.empty());
  for (const Entry& e : *entries) {
    assert(e.doc != UINT32_MAX);
    num_documents_ = std::max(num_documents_, e.doc + 1);
  }
  entries_.swap(*entries);
  std::vector<Entry>().swap(*entries);
}

void PassageIndex::Reserve(size_t entries) {
  assert(!built_);
  entries_.reserve(entries_.size() + entries);
}

void PassageIndex::Build(unsigned threads) {
  assert(!built_);
  built_ = true;
  std::vector<uint64_t>().swap(scratch_);
  SortEntries(&entries_, std::max(1u, threads));

  // One pass: drop duplicate entries and the runs longer than max_df, compacting in place.
  const size_t n = entries_.size();
  size_t write = 0;
  size_t begin = 0;
  while (begin < n) {
    const Entry& first = entries_[begin];
    size_t end = begin + 1;
    size_t df = 1;
    // Runs are short after filtering but may be long before; count distinct documents as we go.
    while (end < n && entries_[end].hash_high == first.hash_high &&
           entries_[end].hash_low == first.hash_low) {
      if (entries_[end].doc != entries_[end - 1].doc) ++df;
      ++end;
    }
    if (df > options_.max_df) {
      ++dropped_hashes_;
      dropped_entries_ += df;
    } else {
      for (size_t i = begin; i < end; ++i) {
        if (i > begin && entries_[i].doc == entries_[i - 1].doc) continue;
        entries_[write++] = entries_[i];
      }
    }
    begin = end;
  }
  entries_.resize(write);
  // Give back the dropped share when it is large (the copy is cheap next to the sort). Capacity
  // past the entries ever written (a generous Reserve) was never resident and is left alone.
  if (n - write > n / 4 + 1024) entries_.shrink_to_fit();
}

void PassageIndex::ForEachCandidatePair(
    absl::FunctionRef<void(uint32_t a, uint32_t b, uint32_t shared)> fn) const {
  assert(built_);
  const size_t n = entries_.size();
  if (n < 2) return;

  // Pass 1: incidences per first document. A run of df documents gives d_i (df - 1 - i) of them.
  std::vector<uint64_t> per_first(num_documents_, 0);
  uint64_t total = 0;
  for (size_t begin = 0, end; begin < n; begin = end) {
    end = begin + 1;
    while (end < n && entries_[end].hash_low == entries_[begin].hash_low &&
           entries_[end].hash_high == entries_[begin].hash_high) {
      ++end;
    }
    const size_t df = end - begin;
    if (df < 2) continue;
    for (size_t i = begin; i + 1 < end; ++i) per_first[entries_[i].doc] += end - 1 - i;
    total += df * (df - 1) / 2;
  }
  if (total == 0) return;

  std::vector<uint64_t> cursor;  // per first document of the batch: next free slot
  std::vector<uint32_t> seconds;  // the b of each incidence, bucketed by a
  uint32_t batch_begin = 0;
  while (batch_begin < num_documents_) {
    // The batch [batch_begin, batch_end): as many first documents as fit in pair_batch (at least
    // one, however many incidences it has).
    uint32_t batch_end = batch_begin;
    uint64_t batch_total = 0;
    while (batch_end < num_documents_ &&
           (batch_end == batch_begin ||
            batch_total + per_first[batch_end] <= options_.pair_batch)) {
      batch_total += per_first[batch_end];
      ++batch_end;
    }
    if (batch_total == 0) {
      batch_begin = batch_end;
      continue;
    }
    cursor.assign(batch_end - batch_begin + 1, 0);
    for (uint32_t a = batch_begin; a < batch_end; ++a) {
      cursor[a - batch_begin + 1] = cursor[a - batch_begin] + per_first[a];
    }
    seconds.resize(batch_total);

    // Pass 2: place the incidences whose first document is in the batch.
    for (size_t begin = 0, end; begin < n; begin = end) {
      end = begin + 1;
      while (end < n && entries_[end].hash_low == entries_[begin].hash_low &&
             entries_[end].hash_high == entries_[begin].hash_high) {
        ++end;
      }
      if (end - begin < 2) continue;
      for (size_t i = begin; i + 1 < end; ++i) {
        const uint32_t a = entries_[i].doc;
        if (a < batch_begin) continue;
        if (a >= batch_end) break;  // documents ascend within a run
        uint64_t& slot = cursor[a - batch_begin];
        for (size_t j = i + 1; j < end; ++j) seconds[slot++] = entries_[j].doc;
      }
    }

    // Each a's bucket now ends where the next one starts; sort it and count equal b's.
    uint64_t bucket_begin = 0;
    for (uint32_t a = batch_begin; a < batch_end; ++a) {
      const uint64_t bucket_end = cursor[a - batch_begin];
      uint32_t* first = seconds.data() + bucket_begin;
      uint32_t* last = seconds.data() + bucket_end;
      std::sort(first, last);
      for (uint32_t* run = first; run != last;) {
        uint32_t* run_end = run + 1;
        while (run_end != last && *run_end == *run) ++run_end;
        const uint32_t shared = static_cast<uint32_t>(run_end - run);
        if (shared >= options_.min_shared) fn(a, *run, shared);
        run = run_end;
      }
      bucket_begin = bucket_end;
    }
    batch_begin = batch_end;
  }
}

void PassageIndex::Query(absl::Span<const PassageFingerprint> fps,
                         std::vector<std::pair<uint32_t, uint32_t>>* doc_shared) const {
  assert(built_);
  doc_shared->clear();
  if (fps.empty() || entries_.empty()) return;
  std::vector<uint64_t> hashes(fps.size());
  for (size_t i = 0; i < fps.size(); ++i) hashes[i] = fps[i].hash;
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());

  std::vector<uint32_t> docs;
  auto from = entries_.begin();
  for (const uint64_t hash : hashes) {
    // Query hashes ascend, so each search starts where the previous one ended.
    from = std::lower_bound(from, entries_.end(), hash, [](const Entry& e, uint64_t h) {
      return EntryHash(e.hash_high, e.hash_low) < h;
    });
    while (from != entries_.end() && EntryHash(from->hash_high, from->hash_low) == hash) {
      docs.push_back(from->doc);
      ++from;
    }
    if (from == entries_.end()) break;
  }
  std::sort(docs.begin(), docs.end());
  for (size_t i = 0; i < docs.size();) {
    size_t j = i + 1;
    while (j < docs.size() && docs[j] == docs[i]) ++j;
    const uint32_t shared = static_cast<uint32_t>(j - i);
    if (shared >= options_.min_shared) doc_shared->emplace_back(docs[i], shared);
    i = j;
  }
}

size_t PassageIndex::memory_bytes() const {
  return entries_.size() * sizeof(Entry) + scratch_.size() * sizeof(uint64_t);
}

}  // namespace naql
