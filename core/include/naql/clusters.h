// naql/clusters.h — syndicated copies grouped into clusters, each with its origin.
//
// A wire story republished by several outlets shows up as many pairwise "duplicate" findings; a
// media monitor wants one line per story: which articles carry it, and which came first. Clusters
// are the connected components of the graph whose edges are the duplicate pairs, found with a
// disjoint-set forest (union by size and path compression: Tarjan 1975, near-constant amortized
// time per operation, O(m α(n)) in all). Each cluster names its members and its origin, the
// earliest dated member.
//
// Example:
//   std::vector<std::pair<uint32_t, uint32_t>> duplicates = {{0, 3}, {3, 5}, {1, 2}};
//   std::vector<naql::Cluster> clusters = naql::BuildClusters(
//       documents.size(), duplicates,
//       [&](uint32_t doc) { return absl::string_view(documents[doc].meta.date); });
//   // clusters[0].members == {0, 3, 5}, clusters[1].members == {1, 2}
//
// Thread safety: BuildClusters() has no shared state; a DisjointSets instance needs external
// synchronization for Union() and Find() (Find() compresses paths, so it mutates).

#ifndef NAQL_CLUSTERS_H_
#define NAQL_CLUSTERS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "naql/report.h"

namespace naql {

// A disjoint-set forest over the elements 0..size-1 with union by size and path compression.
class DisjointSets {
 public:
  explicit DisjointSets(uint32_t size);

  uint32_t size() const { return static_cast<uint32_t>(parent_.size()); }

  // The representative of x's set. Requires x < size(). Compresses the path (not const).
  uint32_t Find(uint32_t x);

  // Merges the sets of x and y; returns false when they were already one set.
  // Requires x, y < size().
  bool Union(uint32_t x, uint32_t y);

  // Number of elements in x's set. Requires x < size().
  uint32_t SetSize(uint32_t x) { return set_size_[Find(x)]; }

 private:
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> set_size_;  // valid at representatives
};

// Groups documents 0..num_documents-1 linked by `duplicate_pairs` into clusters.
//
//   * A cluster is a connected component with at least two members (singletons are not clusters).
//     Pairs (x, x) are ignored.
//   * Members are ascending; clusters are ordered by their smallest member and numbered 0, 1, ...
//     in that order, so the result depends only on the set of pairs, not on their order.
//   * origin is the member with the earliest non-empty date_of(member); members with an empty date
//     are never origins unless no member has a date, and ties (equal dates) go to the smallest
//     member, as does a cluster without dates. Dates are compared as strings, which orders ISO 8601
//     correctly when the formats agree: "2015-07-21" < "2015-07-22", "2015-07-21T09:00:00Z" <
//     "2015-07-21T10:00:00Z", and a bare date sorts before the same day with a time. Time zones are
//     not converted; mixing offsets ("+03:00" vs "Z") gives the string order, not the instant order.
//
// date_of is called once per clustered document (never for singletons); the views it returns need
// to stay valid only until it is called again. Requires every pair's elements < num_documents.
// O(num_documents + pairs) time and memory (near-linear: union-find).
std::vector<Cluster> BuildClusters(
    uint32_t num_documents, absl::Span<const std::pair<uint32_t, uint32_t>> duplicate_pairs,
    absl::FunctionRef<absl::string_view(uint32_t)> date_of);

}  // namespace naql

#endif  // NAQL_CLUSTERS_H_
