// Scratch vectors for the solver's hot loops: resize() leaves new elements
// uninitialised (trivial types only) instead of zeroing them, so a loop can
// size a list for the most it may take, write every candidate and keep the
// count it took (a branch-free partition) without paying for a fill first.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace orrery::fluid {

template <class T>
struct DefaultInit : std::allocator<T> {
  static_assert(std::is_trivial_v<T>);
  template <class U>
  struct rebind {
    using other = DefaultInit<U>;
  };
  DefaultInit() = default;
  template <class U>
  explicit DefaultInit(const DefaultInit<U>& /*other*/) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;  // default-initialised: left as it is
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<std::allocator<U>>::construct(*reinterpret_cast<std::allocator<U>*>(this), p,
                                                        std::forward<Args>(args)...);
  }
};

template <class T>
using Scratch = std::vector<T, DefaultInit<T>>;

}  // namespace orrery::fluid
