// What the executor reports while it runs, and nothing more: a span per
// executed piece of work and a sample whenever a per-device counter changes.
// The executor knows only this interface; the Recorder (sim/trace/recorder.hpp)
// implements it and hands what its selection keeps to the writers, which
// stream it to disk. A run that records nothing reports to null_sink(), whose
// calls do nothing (no `if` in the executor's hot path).
#pragma once

#include <cstdint>
#include <string_view>

namespace orrery::trace {

struct Span {
  std::int64_t start;  // ns
  std::int64_t end;    // ns
  std::int32_t device;
  std::int8_t kind;   // index into Recorder::kinds()
  std::int32_t name;  // from SpanSink::intern
  std::int32_t micro_batch;
  std::int32_t stage;
  std::int64_t bytes;
};

// One sample of a per-device counter (e.g. memory in use), valid from `time` on.
struct CounterSample {
  std::int64_t time;  // ns
  std::int32_t device;
  std::int32_t name;  // from SpanSink::intern
  double value;
};

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  // The id of a span or counter name (the same name, the same id).
  virtual std::int32_t intern(std::string_view name) = 0;
  virtual void span(const Span& s) = 0;
  virtual void counter(const CounterSample& c) = 0;
  // Whether spans of `device` can be kept at all (some of its spans may still
  // fall outside a time window): producers may skip building the others.
  [[nodiscard]] virtual bool keeps_spans_of(std::int32_t /*device*/) const { return true; }
};

// What the writers receive: the spans and samples a recorder's selection kept.
class TimelineObserver {
 public:
  virtual ~TimelineObserver() = default;
  virtual void span(const Span& s) = 0;
  virtual void counter(const CounterSample& c) = 0;
};

// Records nothing.
[[nodiscard]] SpanSink& null_sink();

}  // namespace orrery::trace
