// Transparent huge pages for the few large arrays a big run fills once (the
// task graph, the executor's per-task records). Where the kernel's THP mode
// is `madvise` (Debian's default), anonymous memory gets huge pages only when
// asked; a run that touches hundreds of MiB then takes a page fault and a TLB
// entry per 4 KiB. advise_huge_pages() asks for the whole 2 MiB pages inside
// [data, data + bytes): call it after reserving and before the first write.
// A hint only: it does nothing where unsupported, and results never depend on it.
#pragma once

#include <cstddef>
#include <vector>

namespace orrery {

void advise_huge_pages(const void* data, std::size_t bytes);

// Reserves room for `n` elements and advises huge pages over it.
template <class T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
  v.reserve(n);
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

}  // namespace orrery
