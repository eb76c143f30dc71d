// The flows' completion times, earliest first: a binary min-heap of flow ids
// keyed by (time in ns, sequence), that knows where each id sits so that a
// flow whose rate changed is moved in O(log n) rather than searched for. The
// sequence breaks ties between flows that finish in the same nanosecond, so
// they complete in a fixed order. Steady state allocates nothing.
#pragma once

#include <cstdint>
#include <vector>

namespace orrery::fluid {

class CompletionQueue {
 public:
  [[nodiscard]] bool empty() const { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const { return heap_.size(); }
  [[nodiscard]] std::int64_t top_time() const { return heap_.front().time; }
  [[nodiscard]] std::int32_t top_id() const { return heap_.front().id; }
  [[nodiscard]] bool contains(std::int32_t id) const {
    return static_cast<std::size_t>(id) < where_.size() && where_[static_cast<std::size_t>(id)] >= 0;
  }

  // Inserts `id` at (time, sequence), or moves it there if it is queued.
  void set(std::int32_t id, std::int64_t time, std::uint64_t sequence) {
    if (static_cast<std::size_t>(id) >= where_.size()) where_.resize(static_cast<std::size_t>(id) + 1, -1);
    const Entry e{time, sequence, id};
    std::int32_t at = where_[static_cast<std::size_t>(id)];
    if (at < 0) {
      at = static_cast<std::int32_t>(heap_.size());
      heap_.push_back(e);
    }
    place(at, e);
  }

  // Removes and returns the earliest id.
  std::int32_t pop() {
    const std::int32_t id = heap_.front().id;
    erase(id);
    return id;
  }

  void erase(std::int32_t id) {
    const std::int32_t at = where_[static_cast<std::size_t>(id)];
    where_[static_cast<std::size_t>(id)] = -1;
    const Entry last = heap_.back();
    heap_.pop_back();
    if (static_cast<std::size_t>(at) < heap_.size()) place(at, last);
  }

 private:
  struct Entry {
    std::int64_t time;
    std::uint64_t sequence;
    std::int32_t id;
    [[nodiscard]] bool before(const Entry& o) const {
      return time < o.time || (time == o.time && sequence < o.sequence);
    }
  };

  // Puts `e` at hole `at`, then sifts the hole up or down to where `e` belongs.
  void place(std::int32_t at, const Entry& e) {
    auto i = static_cast<std::size_t>(at);
    while (i > 0 && e.before(heap_[(i - 1) / 2])) {
      move(i, heap_[(i - 1) / 2]);
      i = (i - 1) / 2;
    }
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= heap_.size()) break;
      if (child + 1 < heap_.size() && heap_[child + 1].before(heap_[child])) ++child;
      if (!heap_[child].before(e)) break;
      move(i, heap_[child]);
      i = child;
    }
    move(i, e);
  }
  void move(std::size_t to, const Entry& e) {
    heap_[to] = e;
    where_[static_cast<std::size_t>(e.id)] = static_cast<std::int32_t>(to);
  }

  std::vector<Entry> heap_;
  std::vector<std::int32_t> where_;  // id -> index in heap_, -1 when not queued
};

}  // namespace orrery::fluid
