// MaxMinSolver's heaps of the links' keys (max_min.hpp):
//  * the heap of the filling links (a link's fair share, or where it fills
//    past its boundary flows): the region's links with unfrozen flows, a 4-ary
//    min-heap on (key, link id) that records where each link sits, so that a
//    link whose key settle() changes moves to its place;
//  * the lazy links' bounds (max_min_lazy.hpp), in a radix heap.
//
// The lazy links. A churning fill keeps most of its region's links lazy and
// wakes few of them, but a lazy link's bound rises at each freeze of one of
// its flows elsewhere: in a 4-ary heap two thirds of the fill's sifts were
// those moves. A fill only asks whether some lazy bound has come down to the
// coming round's level, and the levels only rise: a radix heap over the
// bounds' bits (Ahuja, Mehlhorn, Orlin & Tarjan, "Faster algorithms for the
// shortest path problem", J. ACM 37(2), 1990) moves a link in O(1) and
// answers most of those questions from one bucket's range. A positive
// double's bits, read as an unsigned integer, order as the double does.
// Bucket 0 holds the bounds whose bits equal those of the last least bound
// found (`lazy_last_`), bucket i >= 1 those whose highest bit that differs
// from it is bit i - 1, so every bound in bucket i is at least that bit set
// over the bits of `lazy_last_` above it. When the lowest non-empty bucket
// can hold a bound at or below the level, it is scanned for its least
// bound, which becomes `lazy_last_`, and its links move to lower buckets.
// A bound at or below zero, or below `lazy_last_` (rounding), goes to bucket
// 0, where the least is chosen by the bounds themselves; due lazy links are
// woken in (bound, link id) order, as the single heap did.
#include <algorithm>
#include <bit>

#include "sim/fluid/max_min.hpp"

namespace orrery::fluid {

namespace {

std::uint64_t bits_of(double key) {
  return key > 0 ? std::bit_cast<std::uint64_t>(key) : 0;
}

}  // namespace

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

// The region's links with unfrozen flows, heapified, and its lazy links by bound.
void MaxMinSolver::heap_build() {
  heap_.clear();
  // The least lazy bound first, as if just found: the others spread over
  // the buckets at once instead of all landing in the top one.
  std::uint64_t least = ~std::uint64_t{0};
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    if (k.lazy) {
      if (k.next < kUncapped) least = std::min(least, bits_of(k.next));
    } else if (k.unfrozen > 0) {
      k.heap_at = static_cast<std::int32_t>(heap_.size());
      heap_.push_back({k.next, l});
    }
  }
  lazy_last_ = least;
  if (lazy_.links > 0) {
    for (std::int32_t l : component_links_) {
      const Fill& k = fill_at(l);
      if (k.lazy && k.next < kUncapped) lazy_insert(l, k.next);
    }
  }
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
  Fill& k = fill_at(link);
  k.heap_at = static_cast<std::int32_t>(heap_.size());
  heap_.push_back({k.next, link});
  sift_up(heap_.size() - 1);
}

// Empty, every link out of it; the next fill's first round runs without it.
void MaxMinSolver::heap_clear() {
  for (const HeapEntry& e : heap_) fill_at(e.link).heap_at = -1;
  heap_.clear();
  if (lazy_size_ > 0) {  // (else every bucket is empty already)
    for (std::int32_t& head : lazy_buckets_) {
      for (std::int32_t l = head; l >= 0; l = lazy_nodes_[static_cast<std::size_t>(l)].next)
        fill_at(l).heap_at = -1;
      head = -1;
    }
    lazy_occupied_ = 0;
    lazy_size_ = 0;
  }
  heap_live_ = false;
}

std::int32_t MaxMinSolver::lazy_bucket(std::uint64_t code) const {
  return code <= lazy_last_ ? 0 : 64 - std::countl_zero(code ^ lazy_last_);
}

void MaxMinSolver::lazy_link_into(std::int32_t link, std::int32_t bucket) {
  LazyNode& n = lazy_nodes_[static_cast<std::size_t>(link)];
  std::int32_t& head = lazy_buckets_[static_cast<std::size_t>(bucket)];
  n.prev = -1;
  n.next = head;
  if (head >= 0) lazy_nodes_[static_cast<std::size_t>(head)].prev = link;
  head = link;
  fill_at(link).heap_at = bucket;
  if (bucket > 0) lazy_occupied_ |= std::uint64_t{1} << (bucket - 1);
}

void MaxMinSolver::lazy_unlink(std::int32_t link) {
  const LazyNode& n = lazy_nodes_[static_cast<std::size_t>(link)];
  const std::int32_t bucket = fill_at(link).heap_at;
  if (n.prev >= 0) {
    lazy_nodes_[static_cast<std::size_t>(n.prev)].next = n.next;
  } else {
    lazy_buckets_[static_cast<std::size_t>(bucket)] = n.next;
    if (n.next < 0 && bucket > 0) lazy_occupied_ &= ~(std::uint64_t{1} << (bucket - 1));
  }
  if (n.next >= 0) lazy_nodes_[static_cast<std::size_t>(n.next)].prev = n.prev;
}

void MaxMinSolver::lazy_insert(std::int32_t link, double bound) {
  LazyNode& n = lazy_nodes_[static_cast<std::size_t>(link)];
  n.bound = bound;
  n.code = bits_of(bound);
  lazy_link_into(link, lazy_bucket(n.code));
  ++lazy_size_;
}

void MaxMinSolver::lazy_remove(std::int32_t link) {
  lazy_unlink(link);
  fill_at(link).heap_at = -1;
  --lazy_size_;
}

// The link's bound moves to `bound`, and to the bucket that goes with it.
void MaxMinSolver::lazy_move(std::int32_t link, double bound) {
  LazyNode& n = lazy_nodes_[static_cast<std::size_t>(link)];
  n.bound = bound;
  n.code = bits_of(bound);
  const std::int32_t bucket = lazy_bucket(n.code);
  if (bucket == fill_at(link).heap_at) return;
  lazy_unlink(link);
  lazy_link_into(link, bucket);
}

// The lazy link of least (bound, link id) whose bound is at or below
// `level`, or -1 when none is.
std::int32_t MaxMinSolver::lazy_due(double level) {
  if (lazy_size_ == 0) return -1;
  if (lazy_buckets_[0] < 0) {
    const int i = std::countr_zero(lazy_occupied_) + 1;
    // The least bound bucket i can hold: lazy_last_'s bits above bit i − 1, that bit set.
    const std::uint64_t lowest = ((lazy_last_ >> (i - 1)) | 1) << (i - 1);
    if (lowest > bits_of(level)) return -1;
    std::uint64_t least = ~std::uint64_t{0};
    const auto b = static_cast<std::size_t>(i);
    for (std::int32_t l = lazy_buckets_[b]; l >= 0; l = lazy_nodes_[static_cast<std::size_t>(l)].next)
      least = std::min(least, lazy_nodes_[static_cast<std::size_t>(l)].code);
    lazy_last_ = least;
    std::int32_t l = lazy_buckets_[b];
    lazy_buckets_[b] = -1;
    lazy_occupied_ &= ~(std::uint64_t{1} << (i - 1));
    while (l >= 0) {
      const std::int32_t next = lazy_nodes_[static_cast<std::size_t>(l)].next;
      lazy_link_into(l, lazy_bucket(lazy_nodes_[static_cast<std::size_t>(l)].code));
      l = next;
    }
  }
  std::int32_t best = -1;
  for (std::int32_t l = lazy_buckets_[0]; l >= 0; l = lazy_nodes_[static_cast<std::size_t>(l)].next) {
    const LazyNode& n = lazy_nodes_[static_cast<std::size_t>(l)];
    if (n.bound <= level && (best < 0 || n.bound < lazy_nodes_[static_cast<std::size_t>(best)].bound ||
                             (n.bound == lazy_nodes_[static_cast<std::size_t>(best)].bound && l < best)))
      best = l;
  }
  return best;
}

}  // namespace orrery::fluid
