// Link load over time (`orrery run --record-links BIN`, /link_load):
//  * LinkTimeline spreads bytes evenly over their interval, bin by bin: 8 MB
//    over [0.5 ms, 2.5 ms) in 1 ms bins is 2, 4 and 2 MB; an instant goes to
//    its bin;
//  * a run: a ring of 2 devices on a chain of 50 GB/s links moves 1 MB each
//    way, 20 µs on its link (1 MB ÷ 50 GB/s): in 5 µs bins each link carries
//    250 kB in each of 4 bins, utilisation 1 (250 kB ÷ (50 GB/s × 5 µs)), on
//    the flow network and on the analytic one alike; with a 3 µs bin the last
//    bin [18, 21) µs holds the 2 µs left, 100 kB, utilisation 2/3.
#include <gtest/gtest.h>

#include "sim/exec/link_timeline.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::link_timeline_test {
namespace {

TEST(LinkTimeline, SpreadsBytesEvenlyOverTheirInterval) {
  exec::LinkTimeline t(Duration::ms(1));
  t.add(3, Time::from_ns(500'000), Time::from_ns(2'500'000), 8e6);
  t.add(1, Time::from_ns(1'200'000), Time::from_ns(1'200'000), 5.0);
  const auto cells = t.cells();
  ASSERT_EQ(cells.size(), 4U);
  EXPECT_EQ(cells[0].link, 1);
  EXPECT_EQ(cells[0].bin, 1);
  EXPECT_DOUBLE_EQ(cells[0].bytes, 5.0);
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(cells[i].link, 3);
    EXPECT_EQ(cells[i].bin, static_cast<std::int64_t>(i - 1));
  }
  EXPECT_DOUBLE_EQ(cells[1].bytes, 2e6);
  EXPECT_DOUBLE_EQ(cells[2].bytes, 4e6);
  EXPECT_DOUBLE_EQ(cells[3].bytes, 2e6);
}

run::RunOutput run_ring(const std::string& model, const std::string& bin) {
  const std::string text = R"(
cluster: { nodes: 2, scale_out: { kind: chain, link_bandwidth: "50 GB/s", link_latency: "1 us" } }
network: { model: )" + model + R"( }
workload:
  kind: traffic
  flows:
    - { pattern: ring, bytes: "1 MB" }
)";
  const run::Catalog catalog;
  trace::RecordSelection selection;
  trace::parse_record_links(bin, selection);
  return run::simulate(run::parse_scenario(catalog, text, "ring.yaml", {}, std::nullopt), run::make_recorder(),
                       selection);
}

const trace::Table* link_load(const run::RunOutput& r) {
  for (const trace::Table& t : r.recorder->tables()) {
    if (t.name == "link_load") return &t;
  }
  return nullptr;
}

TEST(LinkTimeline, ARingFillsItsLinksBinByBin) {
  for (const std::string model : {"flow", "analytic"}) {
    const auto r = run_ring(model, "5us");
    const trace::Table* t = link_load(r);
    ASSERT_NE(t, nullptr) << model;
    ASSERT_EQ(t->columns, (std::vector<std::string>{"link", "start_s", "bytes", "utilisation"}));
    ASSERT_EQ(t->rows(), 8U) << model;  // 2 links × 4 bins
    for (std::size_t i = 0; i < t->rows(); ++i) {
      EXPECT_EQ(t->values[i * 4], static_cast<double>(i / 4)) << model;
      EXPECT_NEAR(t->values[i * 4 + 1], static_cast<double>(i % 4) * 5e-6, 1e-15) << model;
      EXPECT_NEAR(t->values[i * 4 + 2], 250e3, 1e-6) << model;
      EXPECT_NEAR(t->values[i * 4 + 3], 1.0, 1e-12) << model;
    }
  }
  const auto partial = run_ring("flow", "3us");  // the table lives in the run's recorder
  const trace::Table* t = link_load(partial);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows(), 14U);  // 2 links × 7 bins
  EXPECT_NEAR(t->values[6 * 4 + 2], 100e3, 1e-6);
  EXPECT_NEAR(t->values[6 * 4 + 3], 2.0 / 3.0, 1e-12);
}

TEST(LinkTimeline, ABinUnderAMicrosecondIsRefused) {
  trace::RecordSelection s;
  EXPECT_THROW(trace::parse_record_links("500 ns", s), ValueError);
  EXPECT_THROW(trace::parse_record_links("fast", s), ValueError);
  EXPECT_EQ(s.link_bin, 0);
}

}  // namespace
}  // namespace orrery::link_timeline_test
