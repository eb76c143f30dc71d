// The engine's queue of event keys: a radix heap (Ahuja, Mehlhorn, Orlin &
// Tarjan 1990, "Faster algorithms for the shortest path problem", J. ACM 37(2))
// on the time, with ties kept in insertion order. A radix heap is a monotone
// priority queue: no key pushed is earlier than the last one popped, which an
// event engine guarantees, since no event is scheduled before the clock.
//
// Bucket 0 holds the keys at `last_` (the time of the last key popped), bucket
// b > 0 those whose time differs from `last_` first in bit b-1. Push appends a
// key to its bucket in O(1). Each bucket's vector is in insertion order: a
// bucket is refilled only when it and every lower one are empty, from one
// higher bucket, in that bucket's order, and later pushes carry later
// sequence numbers. So bucket 0 is a FIFO of the keys at the earliest time:
// popping it costs O(1), and only when it runs dry does the lowest non-empty
// bucket get re-filed around its earliest time (each key into a strictly lower
// bucket, so at most 64 moves per key over its life). With many events per
// nanosecond, as in a large simulation, most pops are O(1); all the work is
// sequential scans, none of the dependent cache misses that make an implicit
// heap slow once it outgrows the caches.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace orrery::sim {

struct EventKey {
  std::int64_t time;    // ns, never negative
  std::uint64_t order;  // insertion sequence (and payload); increases with every push
};

class RadixQueue {
 public:
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  // The least key by (time, insertion order); only when not empty().
  [[nodiscard]] const EventKey& top() const { return least_; }

  // `k.time` must not be earlier than the last key popped, and `k.order` must
  // exceed every order pushed before.
  void push(EventKey k) {
    file(k);
    if (size_++ == 0 || k.time < least_.time) least_ = k;
  }

  void pop() {
    if (head_ == buckets_[0].size()) refile_lowest();  // brings least_ to the front of bucket 0
    ++head_;
    --size_;
    if (head_ < buckets_[0].size()) {
      least_ = buckets_[0][head_];
      return;
    }
    buckets_[0].clear();
    head_ = 0;
    nonempty_ &= ~std::uint64_t{1};
    if (size_ != 0) least_ = earliest_in(buckets_[std::countr_zero(nonempty_)]);
  }

  // Takes every key out, in no order, and restarts at time `floor`, which
  // must not be later than any key; for renumbering, after which the keys go
  // back in, in order.
  std::vector<EventKey> drain(std::int64_t floor) {
    std::vector<EventKey> all;
    all.reserve(size_);
    all.insert(all.end(), buckets_[0].begin() + static_cast<std::ptrdiff_t>(head_), buckets_[0].end());
    buckets_[0].clear();
    head_ = 0;
    for (std::size_t b = 1; b < buckets_.size(); ++b) {
      all.insert(all.end(), buckets_[b].begin(), buckets_[b].end());
      buckets_[b].clear();
    }
    nonempty_ = 0;
    size_ = 0;
    last_ = floor;
    return all;
  }

 private:
  void file(const EventKey& k) {
    const int b = static_cast<int>(std::bit_width(static_cast<std::uint64_t>(k.time ^ last_)));
    buckets_[b].push_back(k);
    nonempty_ |= std::uint64_t{1} << b;
  }

  // The first key at the earliest time in `keys`: the least, since the vector
  // is in insertion order.
  static EventKey earliest_in(const std::vector<EventKey>& keys) {
    EventKey least = keys.front();
    for (const EventKey& k : keys) least = k.time < least.time ? k : least;
    return least;
  }

  void refile_lowest() {
    const int b = std::countr_zero(nonempty_);
    last_ = least_.time;
    nonempty_ &= ~(std::uint64_t{1} << b);
    std::vector<EventKey>& keys = buckets_[b];
    for (const EventKey& k : keys) file(k);  // each into a bucket below b, in order
    keys.clear();
  }

  // Times are below 2^63, so bucket indices run to 63.
  std::array<std::vector<EventKey>, 64> buckets_;
  std::size_t head_ = 0;        // bucket 0's keys before head_ have been popped
  std::uint64_t nonempty_ = 0;  // bit b: bucket b holds keys
  std::int64_t last_ = 0;
  EventKey least_{0, 0};  // valid when size_ > 0
  std::size_t size_ = 0;
};

}  // namespace orrery::sim
