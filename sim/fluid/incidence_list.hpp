// MaxMinSolver's two sides of a flow crossing a link (max_min.hpp): the flow's
// incidence names the link and where the flow sits in that link's member list,
// the link's member names the flow and which of its incidences points back, so
// a removal swaps either out of its list in O(1).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include "sim/fluid/scratch.hpp"

namespace orrery::fluid {

struct Incidence {  // one link of a flow
  std::int32_t link;
  std::int32_t slot;  // where the flow sits in that link's member list
};

struct Member {  // one flow of a link
  std::int32_t flow;
  std::int32_t incidence;  // which of the flow's incidences points back here
};

// A flow's links: a vector of incidences in 16 bytes (pointer, size,
// capacity) rather than std::vector's 24, so that a flow's record, its
// place in the held lists included, is one cache line. A list that holds
// any has room for kBlock at least, so that a hot loop may copy a route of
// up to kBlock links as one fixed block (block()) rather than link by link.
class IncidenceList {
 public:
  static constexpr std::size_t kBlock = 8;
  IncidenceList() = default;
  IncidenceList(const IncidenceList& o) { append(o); }
  IncidenceList(IncidenceList&& o) noexcept { swap(o); }
  IncidenceList& operator=(const IncidenceList& o) {
    if (this != &o) {
      size_ = 0;
      append(o);
    }
    return *this;
  }
  IncidenceList& operator=(IncidenceList&& o) noexcept {
    swap(o);
    return *this;
  }
  ~IncidenceList() { delete[] data_; }
  [[nodiscard]] const Incidence* begin() const { return data_; }
  [[nodiscard]] const Incidence* end() const { return data_ + size_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] const Incidence& front() const { return data_[0]; }
  // The first kBlock incidences' storage, of which size() are the list's:
  // valid while the list holds any (the rest is unset).
  [[nodiscard]] const Incidence* block() const { return data_; }
  [[nodiscard]] Incidence& operator[](std::size_t i) { return data_[i]; }
  [[nodiscard]] const Incidence& operator[](std::size_t i) const { return data_[i]; }
  void clear() { size_ = 0; }  // keeps the capacity for the slot's next flow
  void push_back(Incidence inc) {
    if (size_ == capacity_) grow();
    data_[size_++] = inc;
  }

 private:
  void swap(IncidenceList& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(capacity_, o.capacity_);
  }
  void append(const IncidenceList& o) {
    for (const Incidence& inc : o) push_back(inc);
  }
  void grow() {
    const std::uint32_t capacity = capacity_ == 0 ? static_cast<std::uint32_t>(kBlock) : 2 * capacity_;
    auto* data = new Incidence[capacity];
    std::copy(data_, data_ + size_, data);
    delete[] data_;
    data_ = data;
    capacity_ = capacity;
  }
  Incidence* data_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
};

// A flow's links appended to `links`, and `value` beside each to `values`,
// if `keep`. A route of at most kBlock links goes as fixed blocks (a few
// moves and stores, kept or dropped by the lists' new ends) rather than link
// by link: a hot loop over each flow's 2 to 6 links mispredicts its end once
// a flow, since the count follows no pattern.
inline void append_links(Scratch<Incidence>& links, Scratch<double>& values, const IncidenceList& on,
                         double value, bool keep = true) {
  const std::size_t at = links.size();
  const std::size_t n = on.size();
  if (n - 1 >= IncidenceList::kBlock) {  // none (no block to read), or more than a block
    if (!keep) return;
    for (const Incidence& inc : on) {
      links.push_back(inc);
      values.push_back(value);
    }
    return;
  }
  constexpr std::size_t kBlock = IncidenceList::kBlock;
  links.resize(at + kBlock);
  values.resize(at + kBlock);
  __builtin_memcpy(links.begin() + at, on.block(), kBlock * sizeof(Incidence));
  for (std::size_t i = 0; i < kBlock; ++i) values[at + i] = value;
  const std::size_t kept = n & (std::size_t{0} - static_cast<std::size_t>(keep));
  links.resize(at + kept);
  values.resize(at + kept);
}

// The same without values.
inline void append_links(Scratch<Incidence>& links, const IncidenceList& on) {
  const std::size_t at = links.size();
  if (on.size() - 1 >= IncidenceList::kBlock) {  // as above
    for (const Incidence& inc : on) links.push_back(inc);
    return;
  }
  links.resize(at + IncidenceList::kBlock);
  __builtin_memcpy(links.begin() + at, on.block(), IncidenceList::kBlock * sizeof(Incidence));
  links.resize(at + on.size());
}

}  // namespace orrery::fluid
