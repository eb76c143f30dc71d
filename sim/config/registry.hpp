// A registry of named, pluggable parts of one family (topologies, schedules,
// workload kinds, ...). Each entry has a name, a one-line description and a
// `read` function that parses and validates the part's parameters from a
// Reader and returns the product (a cheap spec; heavy building comes later).
// Registration is an explicit call in each folder's `register_builtin`, never
// static initialisation. A failed lookup lists the valid names.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::config {

// What `orrery list` and `orrery describe` need of any registry.
class RegistryBase {
 public:
  virtual ~RegistryBase() = default;
  [[nodiscard]] const std::string& family() const { return family_; }    // e.g. "topology"
  [[nodiscard]] const std::string& selector() const { return selector_; }  // e.g. "kind"
  [[nodiscard]] virtual std::vector<std::pair<std::string, std::string>> list() const = 0;
  // Documents entry `name`'s keys; false if there is no such entry.
  virtual bool describe(const std::string& name, std::vector<KeyDoc>& out) const = 0;

 protected:
  RegistryBase(std::string family, std::string selector)
      : family_(std::move(family)), selector_(std::move(selector)) {}

 private:
  std::string family_;
  std::string selector_;
};

template <class Product>
class Registry final : public RegistryBase {
 public:
  using ReadFn = std::function<Product(Reader&)>;
  struct Entry {
    std::string name;
    std::string description;
    ReadFn read;
  };

  // `selector` is the key that names the entry in a section ("kind", or "model" for `network:`).
  explicit Registry(std::string family, std::string selector = "kind")
      : RegistryBase(std::move(family), std::move(selector)) {}

  void add(std::string name, std::string description, ReadFn read) {
    entries_.push_back(Entry{std::move(name), std::move(description), std::move(read)});
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  }

  [[nodiscard]] const Entry* find(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }

  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }

  // Reads the selector key of section `r`, then the entry's parameters.
  // The caller (Reader::section) rejects unknown keys afterwards.
  Product create(Reader& r, std::optional<std::string> fallback = std::nullopt) const {
    const std::string name = r.choice(selector(), names(), fallback, "which " + family() + " (see `orrery list`)");
    if (r.describing()) return Product{};
    return find(name)->read(r);
  }

  // The entry whose name is the scalar at `key` (for parts without parameters, like `schedule: 1f1b`).
  const Entry& lookup(Reader& r, std::string_view key, std::optional<std::string> fallback,
                      std::string_view help) const {
    const std::string name = r.choice(key, names(), std::move(fallback), help);
    return r.describing() ? entries_.front() : *find(name);
  }

  [[nodiscard]] std::vector<std::pair<std::string, std::string>> list() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : entries_) out.emplace_back(e.name, e.description);
    return out;
  }

  bool describe(const std::string& name, std::vector<KeyDoc>& out) const override {
    const Entry* e = find(name);
    if (!e) return false;
    Reader r(&out);
    (void)e->read(r);
    return true;
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace orrery::config
