// A scratch list for the solver's hot loops: a vector of a trivial type whose
// resize() leaves new elements unset (a loop sizes a list for the most it may
// take, writes every candidate and keeps the count it took: a branch-free
// partition) and sets the size without a branch on growing or shrinking
// (only a growth past the capacity allocates). Steady state allocates
// nothing: clear() keeps the capacity.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>

namespace orrery::fluid {

// `a` where `take`, else `b`, by a mask over their bits rather than a select
// (which the compiler may make a branch of): for the solver's decisions that
// follow no pattern and wait on a record just fetched.
inline double pick(bool take, double a, double b) {
  const auto mask = std::uint64_t{0} - static_cast<std::uint64_t>(take);
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & mask) |
                               (std::bit_cast<std::uint64_t>(b) & ~mask));
}
inline std::int32_t pick(bool take, std::int32_t a, std::int32_t b) {
  const std::int32_t mask = -static_cast<std::int32_t>(take);
  return (a & mask) | (b & ~mask);
}

template <class T>
class Scratch {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  Scratch() = default;
  Scratch(const Scratch& o) { *this = o; }
  Scratch(Scratch&& o) noexcept { swap(o); }
  Scratch& operator=(const Scratch& o) {
    if (this != &o) {
      resize(o.size_);
      std::copy(o.begin(), o.end(), begin());
    }
    return *this;
  }
  Scratch& operator=(Scratch&& o) noexcept {
    swap(o);
    return *this;
  }
  ~Scratch() = default;

  [[nodiscard]] T* begin() { return data_.get(); }
  [[nodiscard]] T* end() { return data_.get() + size_; }
  [[nodiscard]] const T* begin() const { return data_.get(); }
  [[nodiscard]] const T* end() const { return data_.get() + size_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] T& operator[](std::size_t i) { return data_[i]; }
  [[nodiscard]] const T& operator[](std::size_t i) const { return data_[i]; }
  [[nodiscard]] T& back() { return data_[size_ - 1]; }
  void clear() { size_ = 0; }
  void push_back(const T& x) {
    if (size_ == capacity_) grow(size_ + 1);
    data_[size_++] = x;
  }
  void resize(std::size_t n) {  // new elements unset
    if (n > capacity_) grow(n);
    size_ = n;
  }

 private:
  void swap(Scratch& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(capacity_, o.capacity_);
  }
  void grow(std::size_t n) {
    const std::size_t capacity = std::max({n, 2 * capacity_, std::size_t{16}});
    auto data = std::make_unique_for_overwrite<T[]>(capacity);
    std::copy(begin(), end(), data.get());
    data_ = std::move(data);
    capacity_ = capacity;
  }
  std::unique_ptr<T[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Batcher's odd-even merge sort of 16 values (63 min/max exchanges): each
// half sorted by the 19 of an 8-input network, then merged by 25.
inline void sort16(double* a) {
  const auto x = [a](int i, int j) {
    const double lo = std::min(a[i], a[j]);
    a[j] = std::max(a[i], a[j]);
    a[i] = lo;
  };
  for (int h = 0; h < 16; h += 8) {
    x(h + 0, h + 1), x(h + 2, h + 3), x(h + 0, h + 2), x(h + 1, h + 3), x(h + 1, h + 2);
    x(h + 4, h + 5), x(h + 6, h + 7), x(h + 4, h + 6), x(h + 5, h + 7), x(h + 5, h + 6);
    x(h + 0, h + 4), x(h + 2, h + 6), x(h + 2, h + 4), x(h + 1, h + 5), x(h + 3, h + 7);
    x(h + 3, h + 5), x(h + 1, h + 2), x(h + 3, h + 4), x(h + 5, h + 6);
  }
  x(0, 8), x(4, 12), x(4, 8), x(2, 10), x(6, 14), x(6, 10), x(2, 4), x(6, 8), x(10, 12);
  x(1, 9), x(5, 13), x(5, 9), x(3, 11), x(7, 15), x(7, 11), x(3, 5), x(7, 9), x(11, 13);
  x(1, 2), x(3, 4), x(5, 6), x(7, 8), x(9, 10), x(11, 12), x(13, 14);
}

// Sorts a few doubles, v[first, v.size()), without a branch on their values:
// up to 16 through a fixed sorting network of min/max exchanges (4 inputs: 5
// exchanges; 8: 19; Knuth, TAOCP vol. 3, §5.3.4; 16: Batcher's odd-even merge
// sort, 63, which tests/fluid/scratch_test.cpp checks on all 2^16 inputs of
// zeros and ones: the 0-1 principle, Knuth §5.3.4 Theorem Z), the list padded
// with +inf; more with std::sort. An insertion sort of a link's few rates
// mispredicts about once an element, and std::sort's about as often.
inline void sort_few(Scratch<double>& v, std::size_t first) {
  const std::size_t n = v.size() - first;
  if (n < 2) return;
  if (n > 16) {
    std::sort(v.begin() + first, v.end());
    return;
  }
  const std::size_t width = n <= 4 ? 4 : n <= 8 ? 8 : 16;
  // The padding: 16 +inf past the values, a fixed count whatever the width
  // (a loop up to the width mispredicted its end about once a sort).
  v.resize(first + n + 16);
  double* a = v.begin() + first;
  for (std::size_t i = 0; i < 16; ++i) a[n + i] = std::numeric_limits<double>::infinity();
  const auto x = [a](int i, int j) {
    const double lo = std::min(a[i], a[j]);
    a[j] = std::max(a[i], a[j]);
    a[i] = lo;
  };
  if (width == 4) {
    x(0, 1), x(2, 3), x(0, 2), x(1, 3), x(1, 2);
  } else if (width == 8) {
    x(0, 2), x(1, 3), x(4, 6), x(5, 7), x(0, 4), x(1, 5), x(2, 6), x(3, 7), x(0, 1), x(2, 3);
    x(4, 5), x(6, 7), x(2, 4), x(3, 5), x(1, 4), x(3, 6), x(1, 2), x(3, 4), x(5, 6);
  } else {
    sort16(a);
  }
  v.resize(first + n);
}

}  // namespace orrery::fluid
