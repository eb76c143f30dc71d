// The record selection: parsing of --record-devices, --record-window and
// --record-kinds (and their error messages), the filter's window and device
// rules written out case by case, and the Recorder passing only what the
// filter keeps to its observers.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sim/core/error.hpp"
#include "sim/core/units.hpp"
#include "sim/trace/recorder.hpp"

namespace orrery::trace {
namespace {

using Devices = RecordSelection::Devices;

std::string error_of(void (*parse)(std::string_view, RecordSelection&), std::string_view text) {
  RecordSelection s;
  try {
    parse(text, s);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RecordSelection, ParsesDeviceListsRangesAndNames) {
  RecordSelection s;
  parse_record_devices("8,0-3,2", s);
  EXPECT_EQ(s.devices, Devices::kList);
  EXPECT_EQ(s.list, (std::vector<std::int32_t>{0, 1, 2, 3, 8}));  // sorted, the repeated 2 once
  parse_record_devices("representative", s);
  EXPECT_EQ(s.devices, Devices::kRepresentative);
  EXPECT_TRUE(s.list.empty());
  parse_record_devices("all", s);
  EXPECT_EQ(s.devices, Devices::kAll);
  EXPECT_EQ(device_ranges({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
}

TEST(RecordSelection, ParsesWindowsAndKinds) {
  RecordSelection s;
  parse_record_window("1 ms,2ms", s);
  EXPECT_EQ(s.from, 1'000'000);
  EXPECT_EQ(s.to, 2'000'000);
  parse_record_window(",5us", s);
  EXPECT_EQ(s.from, 0);
  EXPECT_EQ(s.to, 5'000);
  parse_record_window("1s,", s);
  EXPECT_EQ(s.from, 1'000'000'000);
  EXPECT_EQ(s.to, std::numeric_limits<std::int64_t>::max());
  parse_record_kinds("counters", s);
  EXPECT_FALSE(s.spans);
  EXPECT_TRUE(s.counters);
  parse_record_kinds("spans,counters", s);
  EXPECT_TRUE(s.spans && s.counters);
}

TEST(RecordSelectionInvalid, SaysWhatItExpected) {
  EXPECT_EQ(error_of(parse_record_devices, "3-1"), "range '3-1' ends before it starts");
  EXPECT_EQ(error_of(parse_record_devices, "0,x"),
            "'x' is not a device id in '0,x'; expected all, representative, or ids and ranges such as 0-63 "
            "or 0,8,16-23");
  EXPECT_EQ(error_of(parse_record_devices, "-4"),
            "'' is not a device id in '-4'; expected all, representative, or ids and ranges such as 0-63 or "
            "0,8,16-23");
  EXPECT_EQ(error_of(parse_record_window, "2s"),
            "'2s' is not a window; expected FROM,TO such as 0s,2s (either end may be empty)");
  EXPECT_EQ(error_of(parse_record_window, "2s,1s"),
            fmt::format("the window ends ({}) at or before it starts ({})", to_string(Duration::s(1)),
                        to_string(Duration::s(2))));
  EXPECT_EQ(error_of(parse_record_kinds, "spans,span"),
            "unknown kind 'span'; valid: spans, counters (comma-separated)");
}

Span span(std::int64_t start, std::int64_t end, std::int32_t device = 0) {
  return Span{start, end, device, 0, 0, -1, -1, 0};
}
CounterSample sample(std::int64_t time, std::int32_t device = 0) {
  return CounterSample{time, device, 0, 1.0};
}

TEST(SelectionFilter, KeepsSpansOverlappingTheWindowAndSamplesInsideIt) {
  RecordSelection s;
  s.from = 10;
  s.to = 20;
  const SelectionFilter f(s, 4);
  // [from, to) half-open: a span touching `from` from the left ends before the window.
  EXPECT_FALSE(f.keeps(span(0, 10)));
  EXPECT_TRUE(f.keeps(span(5, 15)));
  EXPECT_TRUE(f.keeps(span(19, 30)));
  EXPECT_TRUE(f.keeps(span(0, 30)));
  EXPECT_FALSE(f.keeps(span(20, 25)));
  EXPECT_TRUE(f.keeps(span(10, 10)));  // an instant at the window's start is in it
  EXPECT_FALSE(f.keeps(span(20, 20)));
  EXPECT_FALSE(f.keeps(sample(9)));
  EXPECT_TRUE(f.keeps(sample(10)));
  EXPECT_TRUE(f.keeps(sample(19)));
  EXPECT_FALSE(f.keeps(sample(20)));
}

TEST(SelectionFilter, KeepsTheListedDevicesAndTheKindsAsked) {
  RecordSelection s;
  parse_record_devices("1,3", s);
  parse_record_kinds("spans", s);
  const SelectionFilter f(s, 4);
  EXPECT_FALSE(f.keeps(span(0, 1, 0)));
  EXPECT_TRUE(f.keeps(span(0, 1, 1)));
  EXPECT_TRUE(f.keeps(span(0, 1, 3)));
  EXPECT_FALSE(f.keeps(sample(0, 1)));  // counters not asked for
  parse_record_devices("4", s);
  try {
    const SelectionFilter g(s, 4);
    ADD_FAILURE() << "device 4 of 4 accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.message(), "--record-devices: device 4 is outside the cluster's 4 devices (0-3)");
  }
}

TEST(SelectionFilter, ARepresentativeOfAWorkloadWithoutReplicasIsEveryDevice) {
  RecordSelection s;
  parse_record_devices("representative", s);  // replica_devices() gave nothing
  const SelectionFilter f(s, 4);
  EXPECT_TRUE(f.keeps(span(0, 1, 0)) && f.keeps(span(0, 1, 3)));
  EXPECT_EQ(s.describe(),
            fmt::format("devices all (representative: no replicas); window {} to end; spans, counters",
                        to_string(Duration::ns(0))));
}

class Collect final : public TimelineObserver {
 public:
  void span(const Span& s) override { spans.push_back(s); }
  void counter(const CounterSample& c) override { counters.push_back(c); }
  std::vector<Span> spans;
  std::vector<CounterSample> counters;
};

TEST(Recorder, PassesWhatItsSelectionKeepsToEveryObserver) {
  Recorder rec({"k"});
  EXPECT_FALSE(rec.records_timeline());  // no observer: the executor need not report
  Collect a, b;
  rec.observe(a);
  rec.observe(b);
  RecordSelection s;
  parse_record_devices("2", s);
  rec.select(s, 3);
  EXPECT_TRUE(rec.records_timeline());
  for (std::int32_t d = 0; d < 3; ++d) {
    rec.span(span(d, d + 1, d));
    rec.counter(sample(d, d));
  }
  for (const Collect* c : {&a, &b}) {
    ASSERT_EQ(c->spans.size(), 1U);
    EXPECT_EQ(c->spans[0].device, 2);
    ASSERT_EQ(c->counters.size(), 1U);
    EXPECT_EQ(c->counters[0].device, 2);
  }
  EXPECT_TRUE(rec.spans().empty());  // nothing kept in memory unless asked
  EXPECT_EQ(rec.selection().describe(),
            fmt::format("devices 2; window {} to end; spans, counters", to_string(Duration::ns(0))));
}

// Names appended unlooked-up (the links') take the next rows, and intern()
// still finds them rather than adding a second row.
TEST(Recorder, FindsNamesAddedWithoutLookup) {
  Recorder rec({"k"});
  EXPECT_EQ(rec.intern("F"), 0);
  EXPECT_EQ(rec.add_name("a->b"), 1);
  EXPECT_EQ(rec.add_name("b->a"), 2);
  EXPECT_EQ(rec.intern("b->a"), 2);
  EXPECT_EQ(rec.intern("F"), 0);
  EXPECT_EQ(rec.intern("B"), 3);
  EXPECT_EQ(rec.add_name("c->d"), 4);
  EXPECT_EQ(rec.intern("c->d"), 4);
  EXPECT_EQ(rec.names(), (std::vector<std::string>{"F", "a->b", "b->a", "B", "c->d"}));
}

}  // namespace
}  // namespace orrery::trace
