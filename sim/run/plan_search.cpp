#include "sim/run/plan_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <atomic>
#include <cmath>
#include <exception>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "sim/core/error.hpp"
#include "sim/core/suggest.hpp"
#include "sim/run/run_context.hpp"
#include "sim/run/scenario.hpp"
#include "sim/run/simulation.hpp"
#include "workloads/training/training.hpp"

namespace orrery::run {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Each axis: its --set key under workload, and its values: integers in
// [least, most], or the names of `choices` (schedule: the schedule registry's).
struct AxisInfo {
  const char* name;
  const char* key;
  int least = 1, most = 1 << 20;
  const std::vector<std::string>* choices = nullptr;
  bool schedule = false;
};
const AxisInfo kAxes[] = {
    {"tp", "parallel.tp"},
    {"pp", "parallel.pp"},
    {"vpp", "parallel.vpp"},
    {"cp", "parallel.cp"},
    {"ep", "parallel.ep"},
    {"micro_batch", "training.micro_batch"},
    {"schedule", "training.schedule", 0, 0, nullptr, true},
    {"zero_stage", "training.zero_stage", 0, 3},
    {"recompute", "training.recompute", 0, 0, &workload::training::kRecomputeNames},
    {"offload", "training.offload", 0, 0, &workload::training::kOffloadNames},
};

const AxisInfo& axis_info(const std::string& name) {
  std::vector<std::string> names;
  for (const AxisInfo& a : kAxes) {
    if (name == a.name) return a;
    names.emplace_back(a.name);
  }
  std::string msg = fmt::format("unknown search axis '{}'", name);
  if (const auto near = nearest(name, names)) msg += fmt::format("; did you mean '{}'?", *near);
  throw ConfigError(msg + "; valid: " + join(names));
}

std::string read_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("cannot open the scenario '{}'", file));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const workload::training::TrainingWorkload& training_of(const Scenario& s, const std::string& file) {
  const auto* t = dynamic_cast<const workload::training::TrainingWorkload*>(s.workload.get());
  if (!t) throw ConfigError(fmt::format("{}: orrery search varies training plans; this scenario's workload is not "
                                        "`kind: training`", file));
  return *t;
}

std::vector<std::string> ints(const std::vector<int>& v) {
  std::vector<std::string> out;
  for (int x : v) out.push_back(std::to_string(x));
  return out;
}

// Runs `work(i)` for i in [0, n) on `jobs` threads, each with its own state
// made by `make()`; rethrows the first exception (by index) after all end.
template <class State>
void parallel_for(std::size_t n, int jobs, const std::function<std::unique_ptr<State>()>& make,
                  const std::function<void(State&, std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(std::max(jobs, 1)));
  const auto worker = [&](std::size_t w) {
    try {
      std::unique_ptr<State> state;
      for (std::size_t i = next++; i < n; i = next++) {
        if (!state) state = make();
        work(*state, i);
      }
    } catch (...) {
      errors[w] = std::current_exception();
      next = n;
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < errors.size(); ++w) threads.emplace_back(worker, w);
  worker(0);
  for (std::thread& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

std::string axis_key(const std::string& name) { return axis_info(name).key; }

bool text_axis(const std::string& name) {
  const AxisInfo& a = axis_info(name);
  return a.schedule || a.choices;
}

void check_axis(const SearchAxis& axis, const Catalog& catalog) {
  const AxisInfo& info = axis_info(axis.name);
  std::set<std::string> seen;
  for (const std::string& v : axis.values) {
    const auto bad = [&](const std::string& why) {
      return ConfigError(fmt::format("--axis {}={}: '{}' {}", axis.name, join(axis.values, ","), v, why));
    };
    if (v.empty()) throw bad("is empty");
    if (!seen.insert(v).second) throw bad("is given twice");
    if (info.schedule || info.choices) {
      const std::vector<std::string> valid = info.schedule ? catalog.schedules.names() : *info.choices;
      if (std::find(valid.begin(), valid.end(), v) == valid.end()) {
        std::string msg = fmt::format("is not a {}", axis.name);
        if (const auto near = nearest(v, valid)) msg += fmt::format("; did you mean '{}'?", *near);
        throw bad(msg + "; valid: " + join(valid));
      }
      continue;
    }
    int n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < info.least || n > info.most) {
      throw bad(fmt::format("is not an integer from {} to {}", info.least, info.most));
    }
  }
}

std::string_view name_of(PlanStatus s) {
  switch (s) {
    case PlanStatus::kOk: return "ok";
    case PlanStatus::kPruned: return "pruned";
    case PlanStatus::kFailed: return "failed";
  }
  return "?";
}

std::vector<SearchAxis> default_axes(const Catalog& catalog, const std::string& file,
                                     const std::vector<std::string>& sets) {
  const Scenario base = load_scenario(catalog, file, sets, std::nullopt);
  const auto& p = training_of(base, file).params();
  const int devices = base.cluster.nodes * base.cluster.node->devices();
  const int per_node = base.cluster.node->devices();
  const auto& m = p.model;
  std::vector<int> tp, pp, cp, ep, mb;
  // tp inside a node (Megatron-LM §3: across nodes its all-reduces dominate), dividing heads and the ffn.
  for (int t = 1; t <= per_node; t *= 2)
    if (m.heads % t == 0 && m.ffn_hidden % t == 0 && devices % t == 0) tp.push_back(t);
  for (int s = 1; s <= std::min<std::int64_t>(m.layers, 64); ++s)
    if (m.layers % s == 0 && devices % s == 0) pp.push_back(s);
  cp.push_back(1);
  if (m.seq_len >= 8192) cp.push_back(2);  // long sequences: context parallelism starts to pay (Megatron-Core docs)
  ep.push_back(1);
  for (int e = 2; e <= std::min<std::int64_t>(m.experts, per_node); e *= 2)
    if (m.experts % e == 0) ep.push_back(e);
  for (int b : {1, 2, 4})
    if (p.global_batch % b == 0) mb.push_back(b);
  std::vector<SearchAxis> axes{{"tp", ints(tp)},
                               {"pp", ints(pp)},
                               {"vpp", {"1", "2"}},
                               {"cp", ints(cp)},
                               {"ep", ints(ep)},
                               {"micro_batch", ints(mb)},
                               {"schedule", {"1f1b", "interleaved_1f1b", "zb_h1"}},
                               {"zero_stage", {"0", "1", "2", "3"}},
                               {"recompute", {"none", "selective", "full"}},
                               {"offload", {"none"}}};
  if (base.cluster.host) axes.back().values.push_back("cpu");
  return axes;
}

SearchResult plan_search(const Catalog& catalog, const std::string& file, const std::vector<std::string>& sets,
                         const std::vector<SearchAxis>& axes, const SearchOptions& o) {
  if (o.jobs < 1 || o.jobs > 256) throw ConfigError(fmt::format("search: --jobs must be in [1, 256], got {}", o.jobs));
  if (o.refine < 0) throw ConfigError(fmt::format("search: --refine must be at least 0, got {}", o.refine));
  const std::string text = read_text(file);
  const Scenario base = parse_scenario(catalog, text, file, sets, std::nullopt);
  (void)training_of(base, file);
  SearchResult r;
  r.axes = axes;
  r.devices = base.cluster.nodes * base.cluster.node->devices();
  r.resolved_yaml = base.resolved_yaml;
  std::size_t total = 1;
  for (const SearchAxis& a : axes) {
    check_axis(a, catalog);
    if (a.values.empty()) throw ConfigError(fmt::format("search: axis {} has no values", a.name));
    total *= a.values.size();
    if (total > 1'000'000) throw ConfigError("search: the space has more than 1,000,000 plans; narrow an axis");
  }

  // A plan is the scenario with `sets`, then its own words, dp filled by the
  // cluster and memory checked; on the analytic network, or else the
  // scenario's own network when it is the flow model (the flow model's
  // defaults otherwise). The cluster is the base's (only workload.* and the
  // network differ), so it is not read again: its calibration table is loaded once.
  const bool own_flow = base.network->name() == "flow";
  const auto read_plan = [&](const Catalog& reader, const std::vector<std::string>& plan_words, bool analytic) {
    std::vector<std::string> words = sets;
    if (analytic) words.emplace_back("network={model: analytic}");
    if (!analytic && !own_flow) words.emplace_back("network={model: flow}");
    words.emplace_back("cluster.calibration=none");
    words.emplace_back("workload.parallel.dp=auto");
    words.emplace_back("workload.training.check_memory=true");
    words.insert(words.end(), plan_words.begin(), plan_words.end());
    Scenario s = parse_scenario(reader, text, file, words, std::nullopt);
    s.cluster = base.cluster;
    return s;
  };

  // Phase 1: read each plan, prune. Each thread reads with a catalog of its
  // own (a catalog caches the device files it loaded); they live to the end,
  // since the plans' parts came from them.
  r.rows.resize(total);
  std::vector<std::optional<Scenario>> plans(total);
  std::vector<std::vector<std::string>> plan_words(total);
  std::vector<std::unique_ptr<Catalog>> own(static_cast<std::size_t>(o.jobs));
  std::atomic<std::size_t> next_catalog{0};
  const double capacity =
      base.cluster.device ? static_cast<double>(base.cluster.device->memory_capacity.value.count()) : 0;
  parallel_for<const Catalog*>(
      total, o.jobs,
      [&] {
        const std::size_t k = next_catalog++;
        if (k == 0) return std::make_unique<const Catalog*>(&catalog);
        own[k] = std::make_unique<Catalog>();
        return std::make_unique<const Catalog*>(own[k].get());
      },
      [&](const Catalog*& reader, std::size_t c) {
        PlanRow& row = r.rows[c];
        std::vector<std::string>& words = plan_words[c];
        std::size_t rest = c;  // candidate c in mixed radix, the last axis turning fastest
        row.choice.resize(axes.size());
        for (std::size_t a = axes.size(); a-- > 0;) {
          row.choice[a] = axes[a].values[rest % axes[a].values.size()];
          rest /= axes[a].values.size();
        }
        for (std::size_t a = 0; a < axes.size(); ++a) {
          words.push_back(fmt::format("workload.{}={}", axis_key(axes[a].name), row.choice[a]));
          // zero_stage alone says how the model states are sharded: 1 is also
          // Megatron's distributed optimizer (the same sharding of the optimizer states).
          if (axes[a].name == "zero_stage") words.emplace_back("workload.training.distributed_optimizer=false");
        }
        try {
          Scenario s = read_plan(*reader, words, /*analytic=*/true);
          const auto& t = training_of(s, file);
          row.dp = t.params().plan.dp;
          row.memory_floor_bytes = t.memory_floor();
          if (o.memory_prune && capacity > 0 && row.memory_floor_bytes > capacity) {
            row.reason = fmt::format("memory floor {:.1f} GiB > {:.1f} GiB", row.memory_floor_bytes / (1 << 30),
                                     capacity / (1 << 30));
          } else {
            plans[c] = std::move(s);
          }
        } catch (const ConfigError& e) {
          row.reason = e.what();
        }
      });
  std::vector<Scenario> scenarios;
  std::vector<std::size_t> runnable;
  std::vector<std::vector<std::string>> runnable_words;
  for (std::size_t c = 0; c < total; ++c) {
    if (!plans[c]) continue;
    runnable.push_back(c);
    scenarios.push_back(std::move(*plans[c]));
    runnable_words.push_back(std::move(plan_words[c]));
  }
  plans.clear();

  // Phase 2: simulate the rest, each thread on its own cluster (RunContext).
  // A plan that fails on the flow network keeps its analytic row, the
  // failure added to its reason.
  const auto simulate_rows = [&](const std::vector<std::size_t>& which, bool flow) {
    parallel_for<RunContext>(
        which.size(), o.jobs, [&] { return std::make_unique<RunContext>(scenarios.front()); },
        [&](RunContext& context, std::size_t k) {
          const std::size_t si = which[k];
          PlanRow& row = r.rows[runnable[si]];
          std::string failure;
          try {
            const RunOutput out = simulate(scenarios[si], context, make_recorder(), trace::RecordSelection{});
            const Summary& sum = out.recorder->summary();
            const auto value = [&](const char* key) { return sum.number(key).value_or(kNaN); };
            if (flow) {
              row.flow_iteration_time_s = value("iteration_time_s");
            } else {
              row.status = PlanStatus::kOk;
              row.iteration_time_s = value("iteration_time_s");
              row.peak_memory_bytes = value("peak_memory_bytes");
              row.mfu = value("mfu");
              row.tokens_per_s = value("tokens_per_s");
            }
          } catch (const InfeasibleError& e) {
            failure = e.what();
          } catch (const ConfigError& e) {
            failure = e.what();
          }
          if (failure.empty()) return;
          if (flow) {
            row.reason = "on the flow network: " + failure;
          } else {
            row.status = PlanStatus::kFailed;
            row.reason = failure;
          }
        });
  };
  if (!scenarios.empty()) {
    std::vector<std::size_t> all(scenarios.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    simulate_rows(all, false);
  }

  // Rank the simulated plans: fastest first, ties by less memory, then by candidate order.
  std::vector<std::size_t> ok;
  for (std::size_t i = 0; i < scenarios.size(); ++i)
    if (r.rows[runnable[i]].status == PlanStatus::kOk) ok.push_back(i);
  std::stable_sort(ok.begin(), ok.end(), [&](std::size_t a, std::size_t b) {
    const PlanRow& x = r.rows[runnable[a]];
    const PlanRow& y = r.rows[runnable[b]];
    if (x.iteration_time_s != y.iteration_time_s) return x.iteration_time_s < y.iteration_time_s;
    return x.peak_memory_bytes < y.peak_memory_bytes;
  });
  for (std::size_t k = 0; k < ok.size(); ++k) r.rows[runnable[ok[k]]].rank = static_cast<int>(k + 1);
  // Phase 3: the best few again on the flow network (contention between concurrent transfers).
  ok.resize(std::min<std::size_t>(ok.size(), static_cast<std::size_t>(o.refine)));
  for (std::size_t i : ok) scenarios[i] = read_plan(catalog, runnable_words[i], /*analytic=*/false);
  if (!ok.empty()) simulate_rows(ok, true);
  return r;
}

}  // namespace orrery::run
