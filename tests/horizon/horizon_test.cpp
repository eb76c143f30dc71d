// The long-horizon failure simulation against closed forms: Daly's (2006)
// expected completion time for exponential failures with periodic
// checkpoints, the failure-free goodput, the erasure-coded in-memory
// checkpoints' survival rule, and the Llama 3 profile's rates.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <variant>
#include <vector>

#include "models/failure/checkpoint_interval.hpp"
#include "models/failure/failure_model.hpp"
#include "sim/horizon/checkpoint_async.hpp"
#include "sim/horizon/checkpoint_in_memory.hpp"
#include "sim/horizon/checkpoint_sync.hpp"
#include "sim/horizon/horizon.hpp"

namespace orrery::horizon {
namespace {

// One job-wide exponential failure class of mean `mtbf_s`, synchronous
// checkpoints of cost δ every τ of work, restart `restart_s` (+ loading the
// checkpoint, δ), no detection delay, training W seconds of work.
Setup daly_setup(double delta_s, double mtbf_s, double tau_s, double restart_s, double work_s, int replicas) {
  horizon::Setup s;
  models::FailureClass c;
  c.name = "job";
  c.scope = models::FailureScope::kJob;
  c.components = 1;
  c.time_to_failure.scale_s = mtbf_s;
  c.nodes_taken = 0;
  s.classes = {c};
  s.checkpoint = std::make_shared<SyncCheckpoint>(PeriodicParams{});
  const auto d = [](double x) { return Duration::ns(static_cast<std::int64_t>(std::llround(x * 1e9))); };
  s.interval = d(tau_s);
  s.costs.pause = d(delta_s);
  s.costs.storage_write = d(delta_s);
  s.costs.restore_storage = d(delta_s);
  s.restart = d(restart_s);
  s.detection = Duration{};
  s.iteration_time = d(tau_s);  // W = iterations × τ: whole segments
  s.iterations = static_cast<std::int64_t>(std::llround(work_s / tau_s));
  s.replicas = replicas;
  s.seed = 7;
  return s;
}

// Daly (2006), the exact renewal model his first- and higher-order estimates
// expand: a segment of x seconds (work plus checkpoint) that restarts, after a
// restart of R seconds (during which failures may also strike), whenever an
// exponential failure of mean M hits it, takes M·e^{R/M}·(e^{x/M} − 1) on
// average. k segments of τ + δ, the last one without its checkpoint (the run
// ends when the work is done).
double daly_expected(double delta, double M, double tau, double R, int k) {
  const auto seg = [&](double x) { return M * std::exp(R / M) * (std::exp(x / M) - 1); };
  return (k - 1) * seg(tau + delta) + seg(tau);
}

TEST(Horizon, CompletionTimeMatchesDalysModelWithinTheConfidenceInterval) {
  struct Case {
    double delta, M, tau, restart;
    int segments;
  };
  for (const Case& c : std::vector<Case>{{300, 6 * 3600, 3600, 600, 48},
                                         {60, 3600, 600, 120, 60},
                                         {600, 24 * 3600, 7200, 1200, 30},
                                         {30, 1800, 300, 60, 100}}) {
    const horizon::Setup s = daly_setup(c.delta, c.M, c.tau, c.restart, c.tau * c.segments, 400);
    const Result r = simulate(s, nullptr);
    std::vector<double> t;
    for (const auto& x : r.replicas) {
      ASSERT_TRUE(x.finished);
      t.push_back(x.wall_s);
    }
    const MeanCi m = mean_ci(t);
    const double expected = daly_expected(c.delta, c.M, c.tau, c.restart + c.delta, c.segments);
    // 2 × the 95% half-width (about 4 standard errors): a test that a correct
    // simulation fails with probability ~1e-4, and a model error of a few
    // percent does not pass.
    EXPECT_NEAR(m.mean, expected, 2 * m.ci95) << "δ=" << c.delta << " M=" << c.M << " τ=" << c.tau << " ± " << m.ci95;
    EXPECT_LT(m.ci95 / expected, 0.02);  // the interval is tight enough to mean something
  }
}

TEST(Horizon, TheSimulatedOptimumIntervalLiesNearDalys) {
  // Sweep τ from Daly's τ/4 to 4τ: the least mean completion time is within a
  // factor √2 of Daly's interval (his optimum of the exact model is flat near
  // the minimum, so the neighbours of the optimum differ by less than noise).
  const double delta = 120, M = 4 * 3600, R = 300;
  const double daly = models::daly_interval(Duration::s(120), Duration::s(4 * 3600)).seconds();
  const double work = 48 * 3600;
  double best_tau = 0, best = 1e300;
  for (double f : {0.25, 0.354, 0.5, 0.707, 1.0, 1.414, 2.0, 2.83, 4.0}) {
    const double tau = daly * f;
    const int k = static_cast<int>(std::ceil(work / tau));
    const horizon::Setup s = daly_setup(delta, M, tau, R, tau * k, 300);
    std::vector<double> t;
    for (const auto& x : simulate(s, nullptr).replicas) t.push_back(x.wall_s / (tau * k) * work);
    const double mean = mean_ci(t).mean;
    if (mean < best) {
      best = mean;
      best_tau = tau;
    }
  }
  EXPECT_GE(best_tau, daly / 1.5);
  EXPECT_LE(best_tau, daly * 1.5);
}

TEST(Horizon, WithoutFailuresGoodputIsWorkOverWorkPlusCheckpoints) {
  // W = 10 h of work, τ = 1 h, δ = 90 s: 9 checkpoints (none after the last
  // hour: the run ends), goodput W / (W + 9δ) exactly.
  horizon::Setup s = daly_setup(90, 1e15, 3600, 600, 10 * 3600, 3);
  const Result r = simulate(s, nullptr);
  for (const auto& x : r.replicas) {
    EXPECT_EQ(x.failures, 0);
    EXPECT_EQ(x.checkpoints, 9);
    EXPECT_DOUBLE_EQ(x.wall_s, 10 * 3600 + 9 * 90.0);
    EXPECT_DOUBLE_EQ(x.goodput(), 36000.0 / (36000.0 + 9 * 90.0));
  }
}

// In-memory checkpoints every hour of progress (5 s snapshots, 60 s storage
// writes and loads, 60 s restarts, no detection delay, 8 spares) on `nodes`
// nodes, with one class of `components` components of `scope` that never
// fails by itself (the tests script the failures).
horizon::Setup erasure_setup(models::FailureScope scope, std::int64_t components, int nodes,
                             const InMemoryCheckpoint::Params& params) {
  horizon::Setup s;
  models::FailureClass c;
  c.name = scope == models::FailureScope::kSwitch ? "switch" : "node";
  c.scope = scope;
  c.components = components;
  c.time_to_failure.scale_s = 1e15;
  s.classes = {c};
  s.checkpoint = std::make_shared<InMemoryCheckpoint>(params);
  s.interval = Duration::s(3600);
  s.costs.pause = Duration::s(5);
  s.costs.storage_write = s.costs.restore_storage = Duration::s(60);
  s.costs.restore_memory = Duration::s(5);
  s.detection = Duration{};
  s.restart = Duration::s(60);
  s.spares = 8;
  s.nodes = nodes;
  s.replicas = 1;
  return s;
}

TEST(Horizon, ErasureCodedMemoryCheckpointsSurviveParityLostNodesPerGroup) {
  // 16 nodes in consecutive groups of 4 with 2 parity blocks: the first two node failures
  // in group 0 since the last snapshot restore from memory; a third falls back
  // to storage. A failure in another group is counted on its own.
  horizon::Setup s = erasure_setup(models::FailureScope::kNode, 16, 16,
                                   InMemoryCheckpoint::Params{.periodic = {},
                                                              .group = 4,
                                                              .placement = InMemoryCheckpoint::Placement::kConsecutive,
                                                              .parity = 2,
                                                              .storage_interval = Duration::s(6 * 3600)});
  s.gpus_per_node = 8;
  s.length = Duration::s(48 * 3600);
  // The first snapshot, at 1 h of progress, stays in memory (1 h < the 6 h
  // storage interval); the failures come after it, each recovered in 65 s,
  // before the next snapshot.
  s.script = {{Duration::s(4000), 0, 1}, {Duration::s(4200), 0, 2}, {Duration::s(4400), 0, 3},
              {Duration::s(4600), 0, 9}};
  trace::Recorder rec({});
  (void)simulate(s, &rec);
  const trace::Table* failures = nullptr;
  for (const auto& t : rec.tables())
    if (t.name == "failures") failures = &t;
  ASSERT_NE(failures, nullptr);
  ASSERT_EQ(failures->rows(), 4U);
  const auto restored = [&](std::size_t row) { return failures->values[row * failures->columns.size() + 6]; };
  EXPECT_EQ(restored(0), 3);  // in-memory
  EXPECT_EQ(restored(1), 3);
  EXPECT_EQ(restored(2), 1);  // storage: a third lost node in group 0
  EXPECT_EQ(restored(3), 1);  // storage still: the in-memory copy fell with group 0 (no snapshot since)
  const auto lost = [&](std::size_t row) { return failures->values[row * failures->columns.size() + 4]; };
  EXPECT_DOUBLE_EQ(lost(0), 4000 - 3600 - 5);  // progress since the snapshot (taken at 3600 s, 5 s pause)
}

// One switch failure (8 consecutive nodes of 64) against erasure groups of 8
// nodes with 2 parity blocks: consecutive groups lose a whole group (8 > 2
// nodes) and restore from storage; spread groups (node n in group n mod 8)
// lose one node each and restore from memory. The summary says so by class.
TEST(Horizon, SpreadErasureGroupsSurviveASwitchFailureThatTakesAConsecutiveGroup) {
  for (const auto placement : {InMemoryCheckpoint::Placement::kConsecutive, InMemoryCheckpoint::Placement::kSpread}) {
    horizon::Setup s = erasure_setup(models::FailureScope::kSwitch, 8, 64,
                                     InMemoryCheckpoint::Params{.periodic = {},
                                                                .group = 8,
                                                                .placement = placement,
                                                                .parity = 2,
                                                                .storage_interval = Duration::s(6 * 3600)});
    const auto kind = std::static_pointer_cast<const InMemoryCheckpoint>(s.checkpoint);
    s.nodes_per_switch = 8;
    s.length = Duration::s(24 * 3600);
    s.script = {{Duration::s(4000), 0, 3}};  // switch 3: nodes 24..31
    trace::Recorder rec({});
    (void)simulate(s, &rec);
    const bool spread = placement == InMemoryCheckpoint::Placement::kSpread;
    const NodeLayout layout{64, 8};
    EXPECT_EQ(kind->most_lost_to_a_switch(layout), spread ? 1 : 8);
    EXPECT_EQ(kind->switch_warnings(layout).empty(), spread);
    const Summary& sum = rec.summary();
    ASSERT_NE(sum.find("failure_classes"), nullptr);
    EXPECT_EQ(std::get<std::string>(*sum.find("failure_classes")), "switch");
    const auto per_class = [&](const std::string& key) { return std::get<std::vector<double>>(*sum.find(key)); };
    EXPECT_EQ(per_class("restores_from_in_memory_per_class"), std::vector<double>{spread ? 1.0 : 0.0});
    EXPECT_EQ(per_class("restores_from_storage_per_class"), std::vector<double>{spread ? 0.0 : 1.0});
    EXPECT_EQ(per_class("restores_from_host_copy_per_class"), std::vector<double>{0.0});
  }
  // Fewer groups than a switch's nodes: 16 nodes in 2 spread groups, 8 per
  // switch: a switch takes ⌈8 / 2⌉ = 4 of a group, more than 2 parity blocks.
  const InMemoryCheckpoint few(InMemoryCheckpoint::Params{.periodic = {}, .group = 8, .parity = 2, .storage_interval = {}});
  EXPECT_EQ(few.most_lost_to_a_switch(NodeLayout{16, 8}), 4);
  EXPECT_EQ(few.group_of(9, NodeLayout{16, 8}), 1);  // 9 mod 2
}

TEST(FailureProfiles, Llama3RatesReproduceTheReportsCounts) {
  // 419 unexpected interruptions in 54 days on 16,384 GPUs: the profile's
  // total rate on that cluster is 419 / 54 days, and half of it on 8,192 GPUs.
  models::ClusterCounts c{.gpus = 16384, .nodes = 2048, .nics = 16384, .switches = 100, .links = 49152};
  const auto classes = models::llama3_profile(c, Duration::s(600), Duration::s(3600));
  EXPECT_NEAR(models::failure_rate(classes) * 54 * 86400, 419, 1e-6);
  c.gpus = 8192;
  c.nodes = 1024;
  EXPECT_NEAR(models::failure_rate(models::llama3_profile(c, Duration::s(600), Duration::s(3600))) * 54 * 86400,
              419.0 / 2, 1e-6);
  // Mean time between interruptions: 54 days / 419 ≈ 3.09 h ("about one every 3.1 h").
  EXPECT_NEAR(models::job_mtbf(classes).seconds() / 3600, 54.0 * 24 / 419, 1e-3);
}

TEST(FailureModel, WeibullMeanIsScaleTimesGamma) {
  models::FailureDistribution w{models::FailureDistribution::Kind::kWeibull, 0.5, 1000};
  EXPECT_NEAR(w.mean_s(), 1000 * std::tgamma(3.0), 1e-9);  // Γ(1 + 1/0.5) = Γ(3) = 2
  Rng rng(3);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) sum += w.draw_s(rng);
  // Sample mean within 4 standard errors; Var = λ²(Γ(1+2/k) − Γ(1+1/k)²) = 1000²(24 − 4).
  EXPECT_NEAR(sum / n, 2000, 4 * 1000 * std::sqrt(20.0 / n));
}

}  // namespace
}  // namespace orrery::horizon

namespace orrery::horizon {
namespace {

TEST(Horizon, AsyncHostCopiesServeSoftwareFailuresButNotLostNodes) {
  // Async checkpoints: a job-wide (software) failure keeps the host copy —
  // restored from it even before it is persisted; a node failure loses it and
  // falls back to the last checkpoint on storage.
  horizon::Setup s;
  models::FailureClass soft{"software", models::FailureScope::kJob, 1, {}, Duration{}, Duration{}, 0};
  soft.time_to_failure.scale_s = 1e15;
  models::FailureClass node{"node", models::FailureScope::kNode, 4, {}, Duration{}, Duration::s(600), 1};
  node.time_to_failure.scale_s = 1e15;
  s.classes = {soft, node};
  s.checkpoint = std::make_shared<AsyncCheckpoint>(PeriodicParams{}, 0.0);
  s.interval = Duration::s(1000);
  s.costs.pause = Duration::s(10);
  s.costs.persist = Duration::s(500);  // persisted 500 s after each snapshot
  s.costs.restore_storage = Duration::s(60);
  s.costs.restore_memory = Duration::s(10);
  s.detection = Duration{};
  s.restart = Duration::s(100);
  s.spares = 2;
  s.nodes = 4;
  s.length = Duration::s(20000);
  s.replicas = 1;
  // Snapshot at progress 1000 (t = 1000..1010), persisting until t = 1510.
  s.script = {{Duration::s(1200), 0, 0},   // software, before the persist ends: host copy (progress 1000)
              {Duration::s(3000), 1, 2}};  // a node: the host copies go; storage has the snapshot taken after restart? see below
  trace::Recorder rec({});
  (void)simulate(s, &rec);
  const trace::Table* t = nullptr;
  for (const auto& x : rec.tables())
    if (x.name == "failures") t = &x;
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows(), 2U);
  const std::size_t w = t->columns.size();
  EXPECT_EQ(t->values[0 * w + 6], 2);                  // host copy
  EXPECT_DOUBLE_EQ(t->values[0 * w + 4], 1200 - 1010);  // lost: progress since the snapshot
  // After the first failure: down 110 s (restart + host load) until t = 1310,
  // progress 1000; the persist was cut by the failure, so storage holds nothing
  // yet; the next snapshot at progress 2000 is taken at t = 2310..2320 and
  // persisted by t = 2820. The node failure at t = 3000 restores it from storage.
  EXPECT_EQ(t->values[1 * w + 6], 1);
  EXPECT_DOUBLE_EQ(t->values[1 * w + 4], (3000 - 2320) + 0.0);  // progress 2000 + 680 → back to 2000
}

}  // namespace
}  // namespace orrery::horizon

namespace orrery::horizon {
namespace {

TEST(Horizon, ResultsDoNotDependOnTheThreadCount) {
  // Each replica draws from its own named stream and writes only its own slot.
  const horizon::Setup s = daly_setup(60, 3600, 600, 120, 600 * 50, 7);
  const Result one = simulate(s, nullptr, 1);
  const Result two = simulate(s, nullptr, 2);
  const Result three = simulate(s, nullptr, 3);
  ASSERT_EQ(one.replicas.size(), 7U);
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(one.replicas[i].wall_s, two.replicas[i].wall_s);
    EXPECT_EQ(one.replicas[i].wall_s, three.replicas[i].wall_s);
    EXPECT_EQ(one.replicas[i].failures, three.replicas[i].failures);
  }
  EXPECT_NE(one.replicas[0].wall_s, one.replicas[1].wall_s);  // the replicas are different seeds
}

}  // namespace
}  // namespace orrery::horizon
