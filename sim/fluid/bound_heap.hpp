// A radix heap of ids by bound, for bounds that only rise and levels that
// only rise: MaxMinSolver keeps its tight fill's lazy links in one
// (max_min_lazy.hpp), each at the level below which it cannot fill.
//
// The lazy links. A churning fill keeps most of its region's links lazy and
// wakes few of them, but a lazy link's bound rises at each freeze of one of
// its flows elsewhere: in the fill's 4-ary heap of link keys two thirds of
// the sifts were those moves. A fill only asks whether some bound has come
// down to the coming round's level (due()), and its levels only rise. A
// radix heap over the bounds' bits (Ahuja, Mehlhorn, Orlin & Tarjan, "Faster
// algorithms for the shortest path problem", J. ACM 37(2), 1990) moves an id
// in O(1) and answers most of those questions from one bucket's range.
//
// A positive double's bits, read as an unsigned integer, order as the double
// does. Bucket 0 holds the bounds whose bits equal those of the last least
// bound found (`last_`), bucket i >= 1 those whose highest bit that differs
// from it is bit i - 1, so every bound in bucket i is at least that bit set
// over the bits of `last_` above it. When the lowest non-empty bucket can
// hold a bound at or below the level, it is scanned for its least bound,
// which becomes `last_`, and its ids move to lower buckets. A bound at or
// below zero, or below `last_` (a bound that rounding lowered), goes to
// bucket 0, where the least is chosen by the bounds themselves. Due ids come
// out in (bound, id) order. Ids are dense (0, 1, ..., one add() each);
// nothing is allocated after that.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace orrery::fluid {

class BoundHeap {
 public:
  void add() { nodes_.emplace_back(); }  // one more id: the next in 0, 1, ...
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] bool contains(std::int32_t id) const {
    return static_cast<std::size_t>(id) < nodes_.size() && node(id).bucket >= 0;
  }
  [[nodiscard]] double bound(std::int32_t id) const { return node(id).bound; }
  // While empty: the least bound about to be inserted, so that the others
  // spread over the buckets at once instead of all landing in the top one.
  void expect_least(double bound);
  void insert(std::int32_t id, double bound) {  // an id not in it
    Node& n = node(id);
    n.bound = bound;
    n.code = bits_of(bound);
    link_into(id, bucket_of(n.code));
    ++size_;
  }
  void remove(std::int32_t id) {  // an id in it
    unlink(id);
    node(id).bucket = -1;
    --size_;
  }
  void move(std::int32_t id, double bound) {  // an id in it takes the bound
    Node& n = node(id);
    n.bound = bound;
    n.code = bits_of(bound);
    const std::int32_t bucket = bucket_of(n.code);
    if (bucket == n.bucket) return;
    unlink(id);
    link_into(id, bucket);
  }
  // The id of least (bound, id) whose bound is at or below `level`, or -1.
  [[nodiscard]] std::int32_t due(double level);
  void clear();

 private:
  struct Node {
    double bound = 0;
    std::uint64_t code = 0;  // the bound's bits (0 for a bound at or below zero)
    std::int32_t next = -1;  // the other ids of its bucket
    std::int32_t prev = -1;
    std::int32_t bucket = -1;  // -1: not in the heap
  };
  static constexpr std::size_t kBuckets = 65;
  Node& node(std::int32_t id) { return nodes_[static_cast<std::size_t>(id)]; }
  [[nodiscard]] const Node& node(std::int32_t id) const { return nodes_[static_cast<std::size_t>(id)]; }
  [[nodiscard]] static std::uint64_t bits_of(double bound) {
    return bound > 0 ? std::bit_cast<std::uint64_t>(bound) : 0;
  }
  [[nodiscard]] std::int32_t bucket_of(std::uint64_t code) const {
    return code <= last_ ? 0 : 64 - std::countl_zero(code ^ last_);
  }
  void link_into(std::int32_t id, std::int32_t bucket) {
    Node& n = node(id);
    std::int32_t& head = buckets_[static_cast<std::size_t>(bucket)];
    n.prev = -1;
    n.next = head;
    n.bucket = bucket;
    if (head >= 0) node(head).prev = id;
    head = id;
    if (bucket > 0) occupied_ |= std::uint64_t{1} << (bucket - 1);
  }
  void unlink(std::int32_t id) {
    const Node& n = node(id);
    if (n.prev >= 0) {
      node(n.prev).next = n.next;
    } else {
      buckets_[static_cast<std::size_t>(n.bucket)] = n.next;
      if (n.next < 0 && n.bucket > 0) occupied_ &= ~(std::uint64_t{1} << (n.bucket - 1));
    }
    if (n.next >= 0) node(n.next).prev = n.prev;
  }
  static std::array<std::int32_t, kBuckets> empty_buckets();

  std::vector<Node> nodes_;                                       // by id
  std::array<std::int32_t, kBuckets> buckets_ = empty_buckets();  // each bucket's first id, or -1
  std::uint64_t occupied_ = 0;                                    // bit i − 1: bucket i ≥ 1 holds an id
  std::uint64_t last_ = 0;                                        // the bits of the last least bound found
  std::size_t size_ = 0;
};

}  // namespace orrery::fluid
