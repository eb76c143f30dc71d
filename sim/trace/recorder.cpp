#include "sim/trace/recorder.hpp"

namespace orrery::trace {

namespace {

class NullSink final : public SpanSink {
 public:
  std::int32_t intern(std::string_view /*name*/) override { return 0; }
  void span(const Span& /*s*/) override {}
  void counter(const CounterSample& /*c*/) override {}
};

}  // namespace

SpanSink& null_sink() {
  static NullSink sink;  // stateless: shared by every run
  return sink;
}

std::int32_t Recorder::intern(std::string_view name) {
  for (; indexed_ < names_.size(); ++indexed_) {  // rows add_name() appended; the first of equal names wins
    index_.emplace(names_[indexed_], static_cast<std::int32_t>(indexed_));
  }
  if (const auto it = index_.find(name); it != index_.end()) return it->second;
  const auto id = static_cast<std::int32_t>(names_.size());
  names_.emplace_back(name);
  index_.emplace(names_.back(), id);
  indexed_ = names_.size();
  return id;
}

std::int32_t Recorder::add_name(std::string name) {
  names_.push_back(std::move(name));
  return static_cast<std::int32_t>(names_.size() - 1);
}

void Recorder::reserve_names(std::size_t more) { names_.reserve(names_.size() + more); }

void Recorder::select(const RecordSelection& s, int devices) {
  filter_ = SelectionFilter(s, devices);
  selection_ = s;
}

void Recorder::keep_timeline() {
  if (kept_) return;
  kept_ = std::make_unique<TimelineBuffer>();
  observe(*kept_);
}

const std::vector<Span>& Recorder::spans() const {
  static const std::vector<Span> kNone;
  return kept_ ? kept_->spans() : kNone;
}

const std::vector<CounterSample>& Recorder::counters() const {
  static const std::vector<CounterSample> kNone;
  return kept_ ? kept_->counters() : kNone;
}

}  // namespace orrery::trace
