// A memo of prices by a non-negative 64-bit key: open addressing with linear
// probing in one flat array (a lookup touches one cache line where a node-based
// map touches several), grown at half full. The serving run looks a price up
// for every iteration, millions of times an hour of traffic.
#pragma once

#include <cstdint>
#include <vector>

namespace orrery::workload::serving {

template <class V>
class PriceMemo {
 public:
  // The value at `key` (>= 0), or null.
  [[nodiscard]] const V* find(std::int64_t key) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = slot(key);; i = (i + 1) & mask()) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key < 0) return nullptr;
    }
  }
  const V& insert(std::int64_t key, const V& value) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    std::size_t i = slot(key);
    while (slots_[i].key >= 0 && slots_[i].key != key) i = (i + 1) & mask();
    if (slots_[i].key < 0) ++size_;
    slots_[i] = Slot{key, value};
    return slots_[i].value;
  }

 private:
  struct Slot {
    std::int64_t key = -1;
    V value{};
  };
  [[nodiscard]] std::size_t mask() const { return slots_.size() - 1; }
  [[nodiscard]] std::size_t slot(std::int64_t key) const {
    // splitmix64's finalizer: keys that differ in high bits spread over the table.
    auto z = static_cast<std::uint64_t>(key) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>(z ^ (z >> 31)) & mask();
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : 2 * old.size(), Slot{});
    size_ = 0;
    for (const Slot& s : old)
      if (s.key >= 0) insert(s.key, s.value);
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace orrery::workload::serving
