// A value kept once per process: equal values share one immutable copy, and
// a handle to it is one pointer. For the fields of a task that nearly every
// task leaves at its default and few values ever take (a collective's
// algorithm name, its grid shape): a task graph holds millions of tasks, and
// a std::string or std::vector member costs 24–32 bytes in each.
//
//   Interned<std::string> a = "ring";   // the process's one copy of "ring"
//   a == "ring";  a == b;               // value (pointer) comparison
//   std::string_view v = a;  a->size(); // read through the handle
//
// Copies never allocate. Interning a new value takes a lock (the Monte Carlo
// horizon runs replicas on threads); reading does not, since a kept value
// never moves or changes. Kept values live until the process ends.
#pragma once

#include <concepts>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace orrery {

template <class T>
class Interned {
 public:
  // The default value of T (an empty string or vector).
  Interned() : p_(default_value()) {}
  template <class U>
    requires std::constructible_from<T, U&&> && (!std::same_as<std::remove_cvref_t<U>, Interned>)
  Interned(U&& value) : p_(&kept(T(std::forward<U>(value)))) {}  // NOLINT: implicit, like the T it stands for

  [[nodiscard]] const T& get() const { return *p_; }
  operator const T&() const { return *p_; }  // NOLINT
  operator std::string_view() const  // NOLINT: a string's handle reads as one
    requires std::same_as<T, std::string>
  {
    return *p_;
  }
  const T* operator->() const { return p_; }
  // Read-only container access, for a vector's or a string's elements.
  [[nodiscard]] auto begin() const { return p_->begin(); }
  [[nodiscard]] auto end() const { return p_->end(); }
  [[nodiscard]] std::size_t size() const { return p_->size(); }
  [[nodiscard]] bool empty() const { return p_->empty(); }
  decltype(auto) operator[](std::size_t i) const { return (*p_)[i]; }

  // Equal values are one copy, so handles compare by address.
  friend bool operator==(const Interned& a, const Interned& b) { return a.p_ == b.p_; }
  template <class U>
    requires(!std::same_as<std::remove_cvref_t<U>, Interned>) && requires(const T& t, const U& u) {
      { t == u } -> std::convertible_to<bool>;
    }
  friend bool operator==(const Interned& a, const U& b) {
    return *a.p_ == b;
  }

 private:
  static const T& kept(T&& value) {
    static std::mutex lock;
    static std::set<T, std::less<>> values;  // nodes never move
    const std::scoped_lock hold(lock);
    return *values.insert(std::move(value)).first;
  }

  static const T* default_value() {
    static const T* const value = &kept(T{});
    return value;
  }

  const T* p_;
};

}  // namespace orrery

template <>
struct std::hash<orrery::Interned<std::string>> {
  std::size_t operator()(const orrery::Interned<std::string>& s) const { return std::hash<std::string>{}(s.get()); }
};

template <>
struct fmt::formatter<orrery::Interned<std::string>> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const orrery::Interned<std::string>& s, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.get()), ctx);
  }
};
