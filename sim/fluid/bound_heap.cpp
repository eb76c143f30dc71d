// BoundHeap: a radix heap of ids by rising bounds (bound_heap.hpp).
#include "sim/fluid/bound_heap.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace orrery::fluid {

std::array<std::int32_t, BoundHeap::kBuckets> BoundHeap::empty_buckets() {
  std::array<std::int32_t, kBuckets> b{};
  b.fill(-1);
  return b;
}

void BoundHeap::expect_least(double bound) {
  assert(empty());
  last_ = bits_of(bound);
}

std::int32_t BoundHeap::due(double level) {
  if (size_ == 0) return -1;
  if (buckets_[0] < 0) {
    const int i = std::countr_zero(occupied_) + 1;
    // The least bound bucket i can hold: last_'s bits above bit i − 1, that bit set.
    const std::uint64_t lowest = ((last_ >> (i - 1)) | 1) << (i - 1);
    if (lowest > bits_of(level)) return -1;
    const auto b = static_cast<std::size_t>(i);
    std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
    for (std::int32_t id = buckets_[b]; id >= 0; id = node(id).next) least = std::min(least, node(id).code);
    last_ = least;
    std::int32_t id = buckets_[b];
    buckets_[b] = -1;
    occupied_ &= ~(std::uint64_t{1} << (i - 1));
    while (id >= 0) {
      const std::int32_t next = node(id).next;
      link_into(id, bucket_of(node(id).code));
      id = next;
    }
  }
  std::int32_t best = -1;
  for (std::int32_t id = buckets_[0]; id >= 0; id = node(id).next) {
    const Node& n = node(id);
    if (n.bound <= level &&
        (best < 0 || n.bound < node(best).bound || (n.bound == node(best).bound && id < best)))
      best = id;
  }
  return best;
}

void BoundHeap::clear() {
  if (size_ == 0) return;  // every bucket is empty already
  for (std::int32_t& head : buckets_) {
    for (std::int32_t id = head; id >= 0; id = node(id).next) node(id).bucket = -1;
    head = -1;
  }
  occupied_ = 0;
  size_ = 0;
}

}  // namespace orrery::fluid
