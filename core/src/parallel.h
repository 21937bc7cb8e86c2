// parallel.h — the small amount of threading naql needs: run a loop body on N threads.
//
// Work is handed out one index at a time from an atomic counter, so uneven items (a 50 KB article
// next to a 500-byte one) balance across workers. The calling thread is one of the workers.

#ifndef NAQL_PARALLEL_H_
#define NAQL_PARALLEL_H_

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"

namespace naql::internal {

// Calls fn(i, worker) for every i in [0, n), on `threads` threads (worker in [0, threads)).
// Returns when all calls have returned. fn must be safe to call concurrently for different i.
inline void ParallelFor(size_t n, unsigned threads,
                        absl::FunctionRef<void(size_t index, unsigned worker)> fn) {
  if (threads <= 1 || n <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  if (threads > n) threads = static_cast<unsigned>(n);
  std::atomic<size_t> next{0};
  auto work = [&](unsigned worker) {
    for (size_t i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      fn(i, worker);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned worker = 1; worker < threads; ++worker) pool.emplace_back(work, worker);
  work(0);
  for (std::thread& thread : pool) thread.join();
}

}  // namespace naql::internal

#endif  // NAQL_PARALLEL_H_
