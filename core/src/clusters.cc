// Clusters of syndicated copies: connected components by union-find, then one pass that groups
// members by representative in ascending document order.
//
// Grouping without a hash map: scanning documents in ascending order, the first member seen of a
// component is its smallest one, so numbering components at first sight orders clusters by
// smallest member, and appending each document to its component's list keeps members ascending.

#include "naql/clusters.h"

#include <cassert>
#include <limits>
#include <string>

namespace naql {

DisjointSets::DisjointSets(uint32_t size) : parent_(size), set_size_(size, 1) {
  for (uint32_t i = 0; i < size; ++i) parent_[i] = i;
}

uint32_t DisjointSets::Find(uint32_t x) {
  assert(x < parent_.size());
  uint32_t root = x;
  while (parent_[root] != root) root = parent_[root];
  // Path compression: point every node on the path straight at the root.
  while (parent_[x] != root) {
    const uint32_t next = parent_[x];
    parent_[x] = root;
    x = next;
  }
  return root;
}

bool DisjointSets::Union(uint32_t x, uint32_t y) {
  uint32_t rx = Find(x);
  uint32_t ry = Find(y);
  if (rx == ry) return false;
  // Union by size: hang the smaller tree under the larger, so depth stays O(log n).
  if (set_size_[rx] < set_size_[ry]) std::swap(rx, ry);
  parent_[ry] = rx;
  set_size_[rx] += set_size_[ry];
  return true;
}

std::vector<Cluster> BuildClusters(
    uint32_t num_documents, absl::Span<const std::pair<uint32_t, uint32_t>> duplicate_pairs,
    absl::FunctionRef<absl::string_view(uint32_t)> date_of) {
  DisjointSets sets(num_documents);
  for (const auto& [a, b] : duplicate_pairs) {
    assert(a < num_documents && b < num_documents);
    if (a != b) sets.Union(a, b);
  }

  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> cluster_of_root(num_documents, kNone);
  std::vector<Cluster> clusters;
  for (uint32_t doc = 0; doc < num_documents; ++doc) {
    const uint32_t root = sets.Find(doc);
    if (sets.SetSize(root) < 2) continue;
    uint32_t& id = cluster_of_root[root];
    if (id == kNone) {
      id = static_cast<uint32_t>(clusters.size());
      Cluster& cluster = clusters.emplace_back();
      cluster.id = id;
      cluster.members.reserve(sets.SetSize(root));
    }
    clusters[id].members.push_back(doc);
  }

  // Origins: the earliest non-empty date; strict comparison keeps the smallest member on ties.
  std::string best_date;
  for (Cluster& cluster : clusters) {
    cluster.origin = cluster.members.front();
    best_date.clear();
    for (const uint32_t doc : cluster.members) {
      const absl::string_view date = date_of(doc);
      if (date.empty()) continue;
      if (best_date.empty() || date < absl::string_view(best_date)) {
        best_date.assign(date.data(), date.size());
        cluster.origin = doc;
      }
    }
  }
  return clusters;
}

}  // namespace naql
