// huge_pages.h — asking the kernel to back a large buffer with transparent huge pages.

#ifndef NAQL_HUGE_PAGES_H_
#define NAQL_HUGE_PAGES_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace naql::internal {

// Advises the kernel to back the 2 MiB-aligned part of [data, data + bytes) with transparent huge
// pages, where THP is enabled for advised memory (Debian's default, "madvise"). A large array
// filled once, such as the hundreds of megabytes of passage fingerprints a scan collects, then
// takes one page fault per 2 MiB instead of one per 4 KiB (several microseconds each on a
// virtual machine). Best effort: the buffer works the same if the advice is refused or THP is
// off. Resident memory grows by at most one huge page at the end being filled.
inline void AdviseHugePages(const void* data, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  const uintptr_t start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t begin = (start + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (start + bytes) & ~(kHugePage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace naql::internal

#endif  // NAQL_HUGE_PAGES_H_
