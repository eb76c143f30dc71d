// MaxMinSolver's heaps of the links' keys (max_min.hpp):
//  * the heap of the filling links (a link's fair share, or where it fills
//    past its boundary flows): the region's links with unfrozen flows, a 4-ary
//    min-heap on (key, link id) that records where each link sits, so that a
//    link whose key settle() changes moves to its place;
//  * the lazy links by bound (max_min_lazy.hpp), in a radix heap (bound_heap.hpp).
#include <algorithm>

#include "sim/fluid/max_min.hpp"

namespace orrery::fluid {

void MaxMinSolver::heap_place(std::size_t at, const HeapEntry& e) {
  heap_[at] = e;
  fill_at(e.link).heap_at = static_cast<std::int32_t>(at);
}

void MaxMinSolver::sift_up(std::size_t at) {
  const HeapEntry e = heap_[at];
  while (at > 0) {
    const std::size_t parent = (at - 1) / 4;
    if (!before(e, heap_[parent])) break;
    heap_place(at, heap_[parent]);
    at = parent;
  }
  heap_place(at, e);
}

void MaxMinSolver::sift_down(std::size_t at) {
  const HeapEntry e = heap_[at];
  const std::size_t n = heap_.size();
  for (;;) {
    const std::size_t first = 4 * at + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t last = std::min(first + 4, n);
    for (std::size_t c = first + 1; c < last; ++c) {
      if (before(heap_[c], heap_[best])) best = c;
    }
    if (!before(heap_[best], e)) break;
    heap_place(at, heap_[best]);
    at = best;
  }
  heap_place(at, e);
}

// The region's links with unfrozen flows, heapified (no lazy links: region_shares() enters those).
void MaxMinSolver::heap_build() {
  heap_.clear();
  for (std::int32_t l : component_links_) {
    if (fill_at(l).unfrozen > 0) heap_append(l);
  }
  heap_heapify();
}

// A non-lazy link's key computed and, with flows unfrozen, its entry put at
// the heap's end (heap_heapify() orders them).
void MaxMinSolver::heap_enter(std::int32_t l) {
  Fill& k = fill_at(l);
  k.next = key(k);
  if (k.unfrozen > 0) heap_append(l);
}

// The link's entry at the heap's end, at its key as last computed: for a
// sift, or a heapify of all of them.
void MaxMinSolver::heap_append(std::int32_t link) {
  Fill& k = fill_at(link);
  k.heap_at = static_cast<std::int32_t>(heap_.size());
  heap_.push_back({k.next, link});
}

void MaxMinSolver::heap_heapify() {
  heap_live_ = true;
  if (heap_.size() < 2) return;
  for (std::size_t i = (heap_.size() - 2) / 4 + 1; i-- > 0;) sift_down(i);  // every parent, last first
}

void MaxMinSolver::heap_remove(std::int32_t link) {
  Fill& k = fill_at(link);
  const auto at = static_cast<std::size_t>(k.heap_at);
  k.heap_at = -1;
  const HeapEntry moved = heap_.back();
  heap_.pop_back();
  if (moved.link == link) return;
  heap_place(at, moved);  // the last entry, in the hole: up or down from there
  heap_move(at, moved.key);
}

// The entry at `at` takes `key`, then moves up or down to its place.
void MaxMinSolver::heap_move(std::size_t at, double key) {
  heap_[at].key = key;
  if (at > 0 && before(heap_[at], heap_[(at - 1) / 4])) {
    sift_up(at);
  } else {
    sift_down(at);
  }
}

void MaxMinSolver::heap_push(std::int32_t link) {
  heap_append(link);
  sift_up(heap_.size() - 1);
}

// Empty, every link out of it; the next fill's first round runs without it.
void MaxMinSolver::heap_clear() {
  for (const HeapEntry& e : heap_) fill_at(e.link).heap_at = -1;
  heap_.clear();
  lazy_heap_.clear();
  heap_live_ = false;
}

}  // namespace orrery::fluid
