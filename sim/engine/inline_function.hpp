// A move-only `void()` callable stored in a fixed inline buffer: no heap
// allocation, ever. Captures larger than the buffer fail to compile, which keeps
// event handlers small (capture a pointer to state, not the state).
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace orrery::sim {

template <std::size_t Capacity>
class InlineFunction {
 public:
  InlineFunction() = default;

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, InlineFunction> && std::is_invocable_r_v<void, D&>>>
  InlineFunction(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly
    construct(std::forward<F>(f));
  }

  // Replaces the callable, constructing the new one in place (no move).
  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, InlineFunction> && std::is_invocable_r_v<void, D&>>>
  void emplace(F&& f) {
    reset();
    construct(std::forward<F>(f));
  }

  InlineFunction(InlineFunction&& o) noexcept { take(o); }
  InlineFunction& operator=(InlineFunction&& o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { reset(); }

  void operator()() { invoke_(buf_); }
  explicit operator bool() const { return invoke_ != nullptr; }

  void reset() {
    if (manage_) manage_(nullptr, buf_);
    invoke_ = nullptr;
    manage_ = nullptr;
  }

 private:
  template <class F, class D = std::decay_t<F>>
  void construct(F&& f) {
    static_assert(sizeof(D) <= Capacity, "event handler capture too large: capture a pointer instead");
    static_assert(alignof(D) <= alignof(std::max_align_t), "event handler over-aligned");
    static_assert(std::is_nothrow_move_constructible_v<D>, "event handler must be nothrow-movable");
    ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
    invoke_ = [](void* p) { (*static_cast<D*>(p))(); };
    if constexpr (!std::is_trivially_destructible_v<D> || !std::is_trivially_move_constructible_v<D>) {
      manage_ = [](void* dst, void* src) {
        if (dst) ::new (dst) D(std::move(*static_cast<D*>(src)));
        static_cast<D*>(src)->~D();
      };
    }
  }

  void take(InlineFunction& o) {
    if (o.manage_) {
      o.manage_(buf_, o.buf_);
    } else if (o.invoke_) {
      __builtin_memcpy(buf_, o.buf_, Capacity);
    }
    invoke_ = o.invoke_;
    manage_ = o.manage_;
    o.invoke_ = nullptr;
    o.manage_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char buf_[Capacity];
  void (*invoke_)(void*) = nullptr;
  void (*manage_)(void* dst, void* src) = nullptr;  // move into dst (if non-null), then destroy src
};

}  // namespace orrery::sim
