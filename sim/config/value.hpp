// How each type of scenario value is read from a YAML scalar or sequence,
// named in messages, and written back to the resolved scenario. One
// specialization per type; the Reader does the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/core/units.hpp"

namespace orrery::config {

// Each specialization: `static T parse(const YAML::Node&)` (throws ValueError),
// `static YAML::Node emit(const T&)`, and `type()`, the name used in messages and docs.
template <class T>
struct Value;

namespace detail {
std::string scalar_or_throw(const YAML::Node& n, const char* what);
std::string describe_node(const YAML::Node& n);
}  // namespace detail

template <>
struct Value<bool> {
  static bool parse(const YAML::Node& n);
  static YAML::Node emit(bool v) { return YAML::Node(v); }
  static std::string type() { return "boolean"; }
};

template <>
struct Value<std::int64_t> {
  static std::int64_t parse(const YAML::Node& n);
  static YAML::Node emit(std::int64_t v) { return YAML::Node(v); }
  static std::string type() { return "integer"; }
};

template <>
struct Value<int> {
  static int parse(const YAML::Node& n);
  static YAML::Node emit(int v) { return YAML::Node(v); }
  static std::string type() { return "integer"; }
};

template <>
struct Value<double> {
  static double parse(const YAML::Node& n);
  static YAML::Node emit(double v);
  static std::string type() { return "number"; }
};

template <>
struct Value<std::string> {
  static std::string parse(const YAML::Node& n) { return detail::scalar_or_throw(n, "a string"); }
  static YAML::Node emit(const std::string& v) { return YAML::Node(v); }
  static std::string type() { return "string"; }
};

// Quantities with units: the YAML scalar is "<number> <unit>".
#define ORRERY_UNIT_VALUE(T, parser, name)                                                 \
  template <>                                                                             \
  struct Value<T> {                                                                       \
    static T parse(const YAML::Node& n) { return parser(detail::scalar_or_throw(n, name)); } \
    static YAML::Node emit(const T& v) { return YAML::Node(to_string(v)); }               \
    static std::string type() { return name; }                                            \
  };
ORRERY_UNIT_VALUE(Bytes, parse_bytes, "size")
ORRERY_UNIT_VALUE(Bandwidth, parse_bandwidth, "bandwidth")
ORRERY_UNIT_VALUE(Duration, parse_duration, "duration")
ORRERY_UNIT_VALUE(Flops, parse_flops, "FLOP count")
ORRERY_UNIT_VALUE(FlopRate, parse_flop_rate, "compute rate")
ORRERY_UNIT_VALUE(Frequency, parse_frequency, "frequency")
ORRERY_UNIT_VALUE(Power, parse_power, "power")
#undef ORRERY_UNIT_VALUE

template <class T>
struct Value<std::vector<T>> {
  static std::vector<T> parse(const YAML::Node& n);  // defined in reader.hpp (needs element locations)
  static YAML::Node emit(const std::vector<T>& v) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& x : v) out.push_back(Value<T>::emit(x));
    return out;
  }
  static std::string type() { return "list of " + Value<T>::type(); }
};

// One value for all, or a list of values (one per stage, say): `forward: "2 ms"`
// or `forward: ["2 ms", "3 ms"]`.
template <class T>
struct OneOrList {
  std::vector<T> values;
};

template <class T>
struct Value<OneOrList<T>> {
  static OneOrList<T> parse(const YAML::Node& n) {
    if (n.IsSequence()) return {Value<std::vector<T>>::parse(n)};
    return {{Value<T>::parse(n)}};
  }
  static YAML::Node emit(const OneOrList<T>& v) {
    return v.values.size() == 1 ? Value<T>::emit(v.values.front()) : Value<std::vector<T>>::emit(v.values);
  }
  static std::string type() { return Value<T>::type() + ", or a list of them"; }
};

// An integer, or `auto` (no value): a size the program fills from elsewhere
// (training's `dp: auto`, from the cluster's device count).
struct AutoInt {
  std::optional<int> value;
};

template <>
struct Value<AutoInt> {
  static AutoInt parse(const YAML::Node& n);
  static YAML::Node emit(const AutoInt& v) { return v.value ? YAML::Node(*v.value) : YAML::Node("auto"); }
  static std::string type() { return "integer or auto"; }
};

}  // namespace orrery::config
