// Banded LSH over MinHash signatures; the scheme, its S-curve and the index's contract are in
// naql/lsh_index.h.
//
// Layout invariants of a built index with n documents and b bands:
//   * documents are numbered 0..n-1 in ascending id order (Build sorts them), so "smallest
//     document number" and "smallest id" are the same thing;
//   * sorted_keys_/sorted_docs_ hold, per band, the n (key, document) pairs sorted by key, then by
//     document: a bucket is a run of equal keys, its members ascending;
//   * directory_ maps the top directory_bits_ bits of a key to the first position with those bits,
//     so a lookup binary-searches a range of about one to two entries.
// Pair deduplication without memory: band j reports the pair (x, y) only if no earlier band i < j
// reports it. Whether band i reports it is decided from the documents' own keys (doc_keys_, one
// cache line or two per document) and the short list of oversize buckets, so
// ForEachCandidatePair needs no set of emitted pairs, however many pairs there are.

#include "naql/lsh_index.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>
#include <numeric>
#include <tuple>
#include <utility>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace naql {

static_assert(ABSL_IS_LITTLE_ENDIAN, "band keys are defined on little-endian encodings");

namespace {

// Nodes and weights of n-point Gauss–Legendre quadrature on [-1, 1], by Newton's method on the
// three-term recurrence of the Legendre polynomials (Golub–Welsch would do as well; n <= 513).
void GaussLegendre(uint32_t n, std::vector<double>* nodes, std::vector<double>* weights) {
  nodes->assign(n, 0.0);
  weights->assign(n, 0.0);
  for (uint32_t i = 0; i < (n + 1) / 2; ++i) {
    // Tricomi's initial guess for the i-th largest root.
    double x = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    double derivative = 1.0;
    for (int iteration = 0; iteration < 100; ++iteration) {
      double p0 = 1.0, p1 = x;  // P_0, P_1
      for (uint32_t k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      // P_n'(x) = n (x P_n - P_{n-1}) / (x^2 - 1).
      derivative = n * (x * p1 - p0) / (x * x - 1.0);
      const double step = p1 / derivative;
      x -= step;
      if (std::fabs(step) < 1e-16) break;
    }
    (*nodes)[i] = x;
    (*nodes)[n - 1 - i] = -x;
    const double w = 2.0 / ((1.0 - x * x) * derivative * derivative);
    (*weights)[i] = w;
    (*weights)[n - 1 - i] = w;
  }
}

}  // namespace

// ---- Parameters ---------------------------------------------------------------------------------

LshParams OptimalLshParams(double threshold, uint32_t num_perm, double false_positive_weight,
                           double false_negative_weight) {
  assert(threshold > 0.0 && threshold < 1.0);
  assert(num_perm >= 1 && num_perm <= kMaxNumPerm);
  assert(false_positive_weight >= 0.0 && false_negative_weight >= 0.0 &&
         false_positive_weight + false_negative_weight > 0.0);
  const uint32_t k = num_perm;

  // P(s) has degree b·r <= k, so n nodes with 2n - 1 >= k integrate it exactly on each interval.
  const uint32_t n = k / 2 + 1;
  std::vector<double> unit_nodes, unit_weights;
  GaussLegendre(n, &unit_nodes, &unit_weights);
  // Nodes 0..n-1 on [0, t] (false positives), n..2n-1 on [t, 1] (false negatives), with the
  // interval's half-length and the area's weight folded into the quadrature weight.
  std::vector<double> s(2 * n), w(2 * n);
  for (uint32_t i = 0; i < n; ++i) {
    const double half_fp = threshold / 2, half_fn = (1.0 - threshold) / 2;
    s[i] = half_fp * (unit_nodes[i] + 1.0);
    w[i] = half_fp * unit_weights[i] * false_positive_weight;
    s[n + i] = threshold + half_fn * (unit_nodes[i] + 1.0);
    w[n + i] = half_fn * unit_weights[i] * false_negative_weight;
  }

  // error[b * (k + 1) + r] for b·r <= k. For each r, (1 - s^r)^b is accumulated over b by one
  // multiplication per node, so the whole table costs O(k log k) passes over the 2n nodes.
  std::vector<double> error(static_cast<size_t>(k + 1) * (k + 1), 0.0);
  std::vector<double> s_pow_r(2 * n, 1.0), miss_pow_b(2 * n);
  for (uint32_t r = 1; r <= k; ++r) {
    for (uint32_t i = 0; i < 2 * n; ++i) s_pow_r[i] *= s[i];
    std::fill(miss_pow_b.begin(), miss_pow_b.end(), 1.0);
    for (uint32_t b = 1; b * r <= k; ++b) {
      double area = 0.0;
      for (uint32_t i = 0; i < n; ++i) {  // w_fp ∫_0^t P(s) ds
        miss_pow_b[i] *= 1.0 - s_pow_r[i];
        area += w[i] * (1.0 - miss_pow_b[i]);
      }
      for (uint32_t i = n; i < 2 * n; ++i) {  // w_fn ∫_t^1 (1 - P(s)) ds
        miss_pow_b[i] *= 1.0 - s_pow_r[i];
        area += w[i] * miss_pow_b[i];
      }
      error[static_cast<size_t>(b) * (k + 1) + r] = area;
    }
  }
  // datasketch's search order and tie rule.
  LshParams best;
  double best_error = INFINITY;
  for (uint32_t b = 1; b <= k; ++b) {
    for (uint32_t r = 1; b * r <= k; ++r) {
      const double e = error[static_cast<size_t>(b) * (k + 1) + r];
      if (e < best_error) {
        best_error = e;
        best = {b, r};
      }
    }
  }
  return best;
}

double CandidateProbability(double jaccard, LshParams params) {
  return 1.0 - std::pow(1.0 - std::pow(jaccard, params.rows), params.bands);
}

absl::Status LshOptions::Validate(uint32_t num_perm) const {
  if (num_perm < 1 || num_perm > kMaxNumPerm) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_perm must be 1..", kMaxNumPerm, ", got ", num_perm));
  }
  if (!(threshold > 0.0 && threshold < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("LSH threshold must be in (0, 1), got ", threshold));
  }
  if (!(false_positive_weight >= 0.0 && false_negative_weight >= 0.0 &&
        std::isfinite(false_positive_weight) && std::isfinite(false_negative_weight) &&
        false_positive_weight + false_negative_weight > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LSH false_positive_weight and false_negative_weight must be finite, >= 0, with a "
        "positive sum; got ",
        false_positive_weight, " and ", false_negative_weight));
  }
  if ((bands == 0) != (rows == 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("LSH bands and rows must both be 0 (optimal) or both positive; got ", bands,
                     " and ", rows));
  }
  if (static_cast<uint64_t>(bands) * rows > num_perm) {
    return absl::InvalidArgumentError(
        absl::StrCat("LSH bands x rows = ", bands, " x ", rows, " exceeds num_perm ", num_perm));
  }
  if (max_bucket_size < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("LSH max_bucket_size must be >= 2, got ", max_bucket_size));
  }
  return absl::OkStatus();
}

void ComputeBandKeys(absl::Span<const uint32_t> values, LshParams params,
                     absl::Span<uint64_t> keys) {
  assert(values.size() >= static_cast<size_t>(params.bands) * params.rows);
  assert(keys.size() == params.bands);
  const size_t bytes = sizeof(uint32_t) * params.rows;
  for (uint32_t band = 0; band < params.bands; ++band) {
    keys[band] = XXH3_64bits_withSeed(values.data() + static_cast<size_t>(band) * params.rows,
                                      bytes, kBandKeySeed + band * 0x9e3779b97f4a7c15ULL);
  }
}

// ---- LshIndex -----------------------------------------------------------------------------------

LshIndex::LshIndex(const LshOptions& options, uint32_t num_perm)
    : options_(options), num_perm_(num_perm), params_{options.bands, options.rows} {
  assert(options.Validate(num_perm).ok());
  if (params_.bands == 0) {
    params_ = OptimalLshParams(options.threshold, num_perm, options.false_positive_weight,
                               options.false_negative_weight);
  }
}

void LshIndex::AddBandKeys(uint32_t id, absl::Span<const uint64_t> keys) {
  assert(!built_ && keys.size() == params_.bands);
  if (built_ || keys.size() != params_.bands) return;
  ids_.push_back(id);
  doc_keys_.insert(doc_keys_.end(), keys.begin(), keys.end());
}

void LshIndex::Add(uint32_t id, absl::Span<const uint32_t> values) {
  assert(!built_ && values.size() == num_perm_);
  if (built_ || values.size() != num_perm_) return;
  ids_.push_back(id);
  doc_keys_.resize(doc_keys_.size() + params_.bands);
  ComputeBandKeys(values, params_, absl::MakeSpan(doc_keys_).last(params_.bands));
}

void LshIndex::Build() {
  assert(!built_);
  if (built_) return;
  // Positions are uint32 and reach n: at most 2^32 - 1 documents.
  assert(ids_.size() < (uint64_t{1} << 32));

  // Number documents by ascending id (a repeated id keeps its first addition).
  std::vector<uint32_t> by_id(ids_.size());
  std::iota(by_id.begin(), by_id.end(), 0u);
  std::sort(by_id.begin(), by_id.end(), [&](uint32_t a, uint32_t b) {
    return ids_[a] < ids_[b] || (ids_[a] == ids_[b] && a < b);
  });
  const auto repeated = std::unique(by_id.begin(), by_id.end(),
                                    [&](uint32_t a, uint32_t b) { return ids_[a] == ids_[b]; });
  assert(repeated == by_id.end() && "LshIndex: an id was added more than once");
  by_id.erase(repeated, by_id.end());
  const size_t n = by_id.size();
  const uint32_t bands = params_.bands;
  bool identity = n == ids_.size();
  for (size_t d = 0; identity && d < n; ++d) identity = by_id[d] == d;
  if (!identity) {  // the usual case, ids added in ascending order, needs no copy
    std::vector<uint32_t> ids(n);
    std::vector<uint64_t> doc_keys(n * bands);
    for (size_t d = 0; d < n; ++d) {
      ids[d] = ids_[by_id[d]];
      std::copy_n(doc_keys_.begin() + static_cast<size_t>(by_id[d]) * bands, bands,
                  doc_keys.begin() + d * bands);
    }
    ids_ = std::move(ids);
    doc_keys_ = std::move(doc_keys);
  } else {
    ids_.shrink_to_fit();  // drop the growth slack of the Add calls
    doc_keys_.shrink_to_fit();
  }

  // About one directory slot per document: a lookup lands in a range of ~1–2 keys.
  directory_bits_ = 0;
  while (directory_bits_ < 30 && (size_t{2} << directory_bits_) <= n) ++directory_bits_;
  const size_t slots = size_t{1} << directory_bits_;
  const size_t directory_size = slots + 1;
  const auto prefix_of = [shift = 64 - directory_bits_, bits = directory_bits_](uint64_t key) {
    return bits == 0 ? size_t{0} : static_cast<size_t>(key >> shift);
  };

  sorted_keys_.resize(n * bands);
  sorted_docs_.resize(n * bands);
  directory_.assign(directory_size * bands, 0);
  oversize_.clear();
  oversize_begin_.assign(1, 0);
  stats_ = Stats();
  stats_.documents = n;

  // Counting sort on the keys' top bits, all bands in two sequential passes over doc_keys_: band
  // keys are uniform hashes, so the top bits spread documents evenly over the ~n slots and what
  // remains is sorting slots of one or two entries. The counts become the directory.
  for (size_t d = 0; d < n; ++d) {
    const uint64_t* row = doc_keys_.data() + d * bands;
    for (uint32_t band = 0; band < bands; ++band) {
      ++directory_[band * directory_size + prefix_of(row[band]) + 1];
    }
  }
  for (uint32_t band = 0; band < bands; ++band) {
    uint32_t* dir = directory_.data() + band * directory_size;
    for (size_t p = 1; p < directory_size; ++p) dir[p] += dir[p - 1];  // dir[p] = start of slot p
  }
  for (size_t d = 0; d < n; ++d) {  // ascending d: documents stay ascending within a slot
    const uint64_t* row = doc_keys_.data() + d * bands;
    for (uint32_t band = 0; band < bands; ++band) {
      uint32_t& cursor = directory_[band * directory_size + prefix_of(row[band])];
      sorted_keys_[band * n + cursor] = row[band];
      sorted_docs_[band * n + cursor] = static_cast<uint32_t>(d);
      ++cursor;
    }
  }

  for (uint32_t band = 0; band < bands; ++band) {
    uint64_t* keys = sorted_keys_.data() + band * n;
    uint32_t* docs = sorted_docs_.data() + band * n;
    // The scatter advanced dir[p] to the end of slot p; shift back to starts.
    uint32_t* dir = directory_.data() + band * directory_size;
    for (size_t p = slots; p > 0; --p) dir[p] = dir[p - 1];
    dir[0] = 0;
    // Sort each slot by (key, document). Slots are tiny except for repeated keys, which are
    // already in document order; insertion sort handles both, std::sort guards large mixed slots.
    for (size_t p = 0; p < slots; ++p) {
      const size_t begin = dir[p], end = dir[p + 1];
      if (end - begin <= 32) {
        for (size_t i = begin + 1; i < end; ++i) {
          const uint64_t key = keys[i];
          const uint32_t doc = docs[i];
          size_t j = i;
          for (; j > begin && keys[j - 1] > key; --j) {  // strict: equal keys keep their order
            keys[j] = keys[j - 1];
            docs[j] = docs[j - 1];
          }
          keys[j] = key;
          docs[j] = doc;
        }
      } else if (!std::is_sorted(keys + begin, keys + end)) {
        std::vector<std::pair<uint64_t, uint32_t>> slot(end - begin);
        for (size_t i = begin; i < end; ++i) slot[i - begin] = {keys[i], docs[i]};
        std::sort(slot.begin(), slot.end());
        for (size_t i = begin; i < end; ++i) std::tie(keys[i], docs[i]) = slot[i - begin];
      }
    }
    // Buckets.
    for (size_t begin = 0; begin < n;) {
      size_t end = begin + 1;
      while (end < n && keys[end] == keys[begin]) ++end;
      ++stats_.buckets;
      stats_.largest_bucket = std::max<uint64_t>(stats_.largest_bucket, end - begin);
      if (end - begin > options_.max_bucket_size) {
        oversize_.push_back({keys[begin], docs[begin]});
        ++stats_.oversize_buckets;
      }
      begin = end;
    }
    oversize_begin_.push_back(static_cast<uint32_t>(oversize_.size()));
  }
  built_ = true;
  stats_.memory_bytes =
      ids_.capacity() * sizeof(uint32_t) + doc_keys_.capacity() * sizeof(uint64_t) +
      sorted_keys_.capacity() * sizeof(uint64_t) + sorted_docs_.capacity() * sizeof(uint32_t) +
      directory_.capacity() * sizeof(uint32_t) + oversize_.capacity() * sizeof(oversize_[0]) +
      oversize_begin_.capacity() * sizeof(uint32_t);
}

size_t LshIndex::LowerBound(uint32_t band, uint64_t key) const {
  const size_t n = ids_.size();
  const size_t directory_size = (size_t{1} << directory_bits_) + 1;
  const size_t prefix = directory_bits_ == 0 ? 0 : key >> (64 - directory_bits_);
  const uint32_t* dir = directory_.data() + band * directory_size;
  const uint64_t* keys = sorted_keys_.data() + band * n;
  return std::lower_bound(keys + dir[prefix], keys + dir[prefix + 1], key) - keys;
}

bool LshIndex::ReportedInBand(uint32_t band, uint32_t x, uint32_t y) const {
  const uint32_t bands = params_.bands;
  const uint64_t key = doc_keys_[static_cast<size_t>(x) * bands + band];
  if (key != doc_keys_[static_cast<size_t>(y) * bands + band]) return false;
  const auto begin = oversize_.begin() + oversize_begin_[band];
  const auto end = oversize_.begin() + oversize_begin_[band + 1];
  if (begin == end) return true;
  const auto it = std::lower_bound(
      begin, end, key,
      [](const std::pair<uint64_t, uint32_t>& e, uint64_t k) { return e.first < k; });
  if (it == end || it->first != key) return true;
  return x == it->second || y == it->second;  // an oversize bucket reports only its star
}

void LshIndex::Query(absl::Span<const uint32_t> values, std::vector<uint32_t>* ids) const {
  assert(built_ && values.size() == num_perm_);
  ids->clear();
  const size_t n = ids_.size();
  if (!built_ || values.size() != num_perm_ || n == 0) return;
  uint64_t keys[kMaxNumPerm];
  ComputeBandKeys(values, params_, absl::MakeSpan(keys, params_.bands));
  for (uint32_t band = 0; band < params_.bands; ++band) {
    const uint64_t* band_keys = sorted_keys_.data() + band * n;
    const uint32_t* band_docs = sorted_docs_.data() + band * n;
    size_t p = LowerBound(band, keys[band]);
    for (uint32_t taken = 0;
         p < n && band_keys[p] == keys[band] && taken < options_.max_bucket_size; ++p, ++taken) {
      ids->push_back(ids_[band_docs[p]]);
    }
  }
  std::sort(ids->begin(), ids->end());
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
}

void LshIndex::ForEachCandidatePair(absl::FunctionRef<void(uint32_t a, uint32_t b)> fn) const {
  assert(built_);
  if (!built_) return;
  const size_t n = ids_.size();
  const auto reported_earlier = [this](uint32_t band, uint32_t x, uint32_t y) {
    for (uint32_t earlier = 0; earlier < band; ++earlier) {
      if (ReportedInBand(earlier, x, y)) return true;
    }
    return false;
  };
  for (uint32_t band = 0; band < params_.bands; ++band) {
    const uint64_t* keys = sorted_keys_.data() + band * n;
    const uint32_t* docs = sorted_docs_.data() + band * n;
    for (size_t begin = 0; begin < n;) {
      size_t end = begin + 1;
      while (end < n && keys[end] == keys[begin]) ++end;
      if (end - begin <= options_.max_bucket_size) {
        for (size_t p = begin; p < end; ++p) {
          for (size_t q = p + 1; q < end; ++q) {
            if (!reported_earlier(band, docs[p], docs[q])) fn(ids_[docs[p]], ids_[docs[q]]);
          }
        }
      } else {
        const uint32_t hub = docs[begin];  // the bucket's smallest id
        for (size_t q = begin + 1; q < end; ++q) {
          if (!reported_earlier(band, hub, docs[q])) fn(ids_[hub], ids_[docs[q]]);
        }
      }
      begin = end;
    }
  }
}

}  // namespace naql
