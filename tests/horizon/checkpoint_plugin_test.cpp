// Checkpoint kinds are plugins: a kind defined here, in the test, registered
// in a Catalog by one line, is read from a scenario and run by the
// long-horizon simulation without any edit of sim/horizon. Also the restore
// sources' names, which label the /failures table.
#include <gtest/gtest.h>

#include "sim/run/catalog.hpp"
#include "sim/run/long_run.hpp"
#include "sim/run/scenario.hpp"
#include "sim/horizon/checkpoint_policy.hpp"
#include "sim/horizon/horizon.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::horizon {
namespace {

// A toy kind: training pauses a fixed `pause`, then the copy is written to
// storage in the background for `persist` (no interference), durable after it.
class ToyCopies final : public CheckpointCopies {
 public:
  ToyCopies(Duration pause, Duration persist) : pause_(pause), persist_(persist) {}
  CheckpointStep begin(Time) override { return {pause_, false}; }
  std::optional<Background> end(Time, Duration, bool) override { return Background{persist_, true}; }
  Restore restore(std::span<const int>, const Restore& storage) override { return storage; }

 private:
  Duration pause_, persist_;
};

class ToyCheckpoint final : public CheckpointPolicy {
 public:
  static std::shared_ptr<const CheckpointPolicy> read(config::Reader& r) {
    auto t = std::make_shared<ToyCheckpoint>();
    t->periodic_ = PeriodicParams::read(r);
    t->pause_ = r.required<Duration>("pause", "training waits this long at each checkpoint");
    t->persist_ = r.optional<Duration>("persist", Duration{}, "then the copy is written in the background");
    return t;
  }
  [[nodiscard]] const PeriodicParams* periodic() const override { return &periodic_; }
  [[nodiscard]] CheckpointCosts costs(const ClusterFigures&) const override {
    CheckpointCosts c;
    c.pause = pause_;
    c.persist = c.storage_write = c.restore_storage = persist_;
    return c;
  }
  [[nodiscard]] std::unique_ptr<CheckpointCopies> start(const CheckpointCosts& c, const NodeLayout&) const override {
    return std::make_unique<ToyCopies>(c.pause, c.persist);
  }

 private:
  PeriodicParams periodic_;
  Duration pause_, persist_;
};

// 2 nodes of 8 GPUs; a job-wide failure class so rare that no replica draws
// one within the run (P ≈ 37000 s / 7.2e9 s ≈ 5e-6 per replica, and the seed
// is fixed); W = 3600 iterations of 10 s = 10 h of work.
const std::string kScenario = std::string(test::kSmallTraining) + R"(policies:
  failures:
    kind: classes
    classes:
      - { name: software, scope: job, mtbf: "2000000 h" }
  checkpoint: { kind: toy, interval: "1 h", pause: "90 s", persist: "10 min" }
  horizon: { iterations: 3600, iteration_time: "10 s", replicas: 3 }
)";

TEST(CheckpointPlugin, AKindRegisteredInTheTestRunsTheHorizon) {
  run::Catalog catalog;
  catalog.policies.checkpoints.add("toy", "a test's checkpoint kind: fixed pause, background write",
                                   ToyCheckpoint::read);
  const run::Scenario s = run::parse_scenario(catalog, kScenario, "toy.yaml", {}, std::nullopt);
  const horizon::Setup setup = run::horizon_setup(s, run::RunContext(s).cluster(), Duration::s(10), std::nullopt);
  EXPECT_EQ(setup.costs.pause, Duration::s(90));
  EXPECT_EQ(setup.interval, Duration::s(3600));
  EXPECT_TRUE(setup.warnings.empty());
  // No failures: W = 10 h, τ = 1 h, δ = 90 s: checkpoints at 1 h … 9 h of
  // progress (none after the last hour: the run ends), so n = 9 and goodput
  // W / (W + n·δ) exactly; the background writes cost nothing (no interference).
  const Result r = simulate(setup, nullptr);
  ASSERT_EQ(r.replicas.size(), 3U);
  for (const auto& x : r.replicas) {
    EXPECT_EQ(x.failures, 0);
    EXPECT_EQ(x.checkpoints, 9);
    EXPECT_DOUBLE_EQ(x.wall_s, 36000 + 9 * 90.0);
    EXPECT_DOUBLE_EQ(x.goodput(), 36000.0 / (36000.0 + 9 * 90.0));
  }
}

TEST(CheckpointPlugin, AnUnknownKindListsTheRegisteredOnes) {
  run::Catalog catalog;
  catalog.policies.checkpoints.add("toy", "a test's checkpoint kind", ToyCheckpoint::read);
  std::string text = kScenario;
  text.replace(text.find("kind: toy"), 9, "kind: tyo");
  try {
    (void)run::parse_scenario(catalog, text, "toy.yaml", {}, std::nullopt);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("async, in_memory, none, sync, toy"), std::string::npos) << e.what();
  }
}

TEST(RestoreSource, NamesAreTheFailureTablesLabels) {
  // The HDF5 /failures table stores the enum's value and labels it with these
  // names (scripts/RESULTS_LAYOUT.md): both are part of the file format.
  const std::vector<std::pair<RestoreSource, std::string>> expected{
      {RestoreSource::kStart, "start"},
      {RestoreSource::kStorage, "storage"},
      {RestoreSource::kHostCopy, "host copy"},
      {RestoreSource::kInMemory, "in-memory"},
      {RestoreSource::kWhileDown, "(while down)"}};
  ASSERT_EQ(kRestoreSources.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(kRestoreSources[i], expected[i].first);
    EXPECT_EQ(static_cast<std::size_t>(expected[i].first), i);
    EXPECT_EQ(name_of(expected[i].first), expected[i].second);
  }
  // The recorded table carries them as its `restored_from` labels.
  horizon::Setup s;
  s.length = Duration::s(10);
  trace::Recorder rec({});
  (void)simulate(s, &rec);
  int found = 0;
  for (const auto& t : rec.tables()) {
    if (t.name != "failures") continue;
    for (const auto& [name, labels] : t.labels) {
      if (name != "restored_from") continue;
      ++found;
      EXPECT_EQ(labels,
                (std::vector<std::string>{"start", "storage", "host copy", "in-memory", "(while down)"}));
    }
  }
  EXPECT_EQ(found, 1);
}

}  // namespace
}  // namespace orrery::horizon
