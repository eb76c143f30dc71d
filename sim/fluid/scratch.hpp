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

// Sorts a few doubles, v[first, v.size()), without a branch on their values:
// up to 8 through a fixed sorting network of min/max exchanges (4 inputs: 5
// exchanges; 8: 19; Knuth, TAOCP vol. 3, §5.3.4), the list padded with +inf;
// more with std::sort. An insertion sort of a link's few rates mispredicts
// about once an element.
inline void sort_few(Scratch<double>& v, std::size_t first) {
  const std::size_t n = v.size() - first;
  if (n < 2) return;
  if (n > 8) {
    std::sort(v.begin() + first, v.end());
    return;
  }
  const std::size_t width = n <= 4 ? 4 : 8;
  v.resize(first + width);
  double* a = v.begin() + first;
  for (std::size_t i = n; i < width; ++i) a[i] = std::numeric_limits<double>::infinity();
  const auto x = [a](int i, int j) {
    const double lo = std::min(a[i], a[j]);
    a[j] = std::max(a[i], a[j]);
    a[i] = lo;
  };
  if (width == 4) {
    x(0, 1), x(2, 3), x(0, 2), x(1, 3), x(1, 2);
  } else {
    x(0, 2), x(1, 3), x(4, 6), x(5, 7), x(0, 4), x(1, 5), x(2, 6), x(3, 7), x(0, 1), x(2, 3);
    x(4, 5), x(6, 7), x(2, 4), x(3, 5), x(1, 4), x(3, 6), x(1, 2), x(3, 4), x(5, 6);
  }
  v.resize(first + n);
}

}  // namespace orrery::fluid
