// The long-horizon simulation's driver: replicas on a pool of threads, each
// writing only its own slot, then their tables and summary keys recorded.
#include "sim/horizon/horizon.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "sim/core/suggest.hpp"
#include "sim/horizon/horizon_replica.hpp"

namespace orrery::horizon {

MeanCi mean_ci(const std::vector<double>& x) {
  MeanCi out;
  if (x.empty()) return out;
  for (double v : x) out.mean += v;
  out.mean /= static_cast<double>(x.size());
  if (x.size() < 2) return out;
  double var = 0;
  for (double v : x) var += (v - out.mean) * (v - out.mean);
  var /= static_cast<double>(x.size() - 1);
  out.ci95 = 1.96 * std::sqrt(var / static_cast<double>(x.size()));
  return out;
}

Result simulate(const Setup& setup, trace::Recorder* rec, unsigned threads) {
  const auto n = static_cast<std::size_t>(setup.replicas);
  std::vector<ReplicaOut> outs(n);
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, static_cast<unsigned>(n));
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(threads);
  std::atomic<std::size_t> done{0};
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        for (std::size_t i = t; i < n; i += threads) {
          outs[i] = run_replica(setup, static_cast<int>(i));
          const std::size_t d = ++done;
          if (setup.progress) setup.progress("long horizon", static_cast<double>(d) / static_cast<double>(n));
        }
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& th : pool) th.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);

  Result result;
  for (const auto& o : outs) result.replicas.push_back(o.stats);
  if (!rec) return result;

  std::vector<std::string> class_names;
  for (const auto& c : setup.classes) class_names.push_back(c.name);
  auto& failures = rec->table("failures", {"replica", "time_s", "class", "component", "lost_work_s", "downtime_s", "restored_from"});
  failures.labels.emplace_back("classes", class_names);
  std::vector<std::string> sources;
  for (const RestoreSource x : kRestoreSources) sources.emplace_back(name_of(x));
  failures.labels.emplace_back("restored_from", sources);
  auto& checkpoints = rec->table("checkpoints", {"replica", "time_s", "progress_s", "storage"});
  auto& restarts = rec->table("restarts", {"replica", "start_s", "end_s"});
  auto& replicas = rec->table("replicas", {"replica", "wall_s", "useful_s", "goodput", "lost_work_s", "checkpoint_s",
                                           "downtime_s", "failures", "checkpoints", "finished"});
  // Room for every row at once: the tables grow by millions of values.
  std::size_t failure_rows = 0, checkpoint_rows = 0, restart_rows = 0;
  for (const auto& o : outs) {
    failure_rows += o.failures.size();
    checkpoint_rows += o.checkpoints.size();
    restart_rows += o.restarts.size();
  }
  failures.reserve_rows(failure_rows);
  checkpoints.reserve_rows(checkpoint_rows);
  restarts.reserve_rows(restart_rows);
  replicas.reserve_rows(n);
  std::vector<double> goodput, wall, lost, ckpt, down, fails;
  // Restores by source and failure class, summed over replicas.
  std::vector<std::vector<double>> restores(kRestoreSources.size(), std::vector<double>(setup.classes.size(), 0.0));
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = static_cast<double>(i);
    for (const auto& f : outs[i].failures) {
      failures.add({r, f.time_s, static_cast<double>(f.cls), static_cast<double>(f.component), f.lost_s, f.down_s,
                    static_cast<double>(static_cast<int>(f.source))});
      restores[static_cast<std::size_t>(f.source)][static_cast<std::size_t>(f.cls)] += 1;
    }
    for (const auto& c : outs[i].checkpoints) checkpoints.add({r, c.time_s, c.progress_s, static_cast<double>(c.storage)});
    for (const auto& x : outs[i].restarts) restarts.add({r, x.start_s, x.end_s});
    const ReplicaStats& s = outs[i].stats;
    replicas.add({r, s.wall_s, s.useful_s, s.goodput(), s.lost_s, s.checkpoint_s, s.down_s,
                  static_cast<double>(s.failures), static_cast<double>(s.checkpoints), s.finished ? 1.0 : 0.0});
    goodput.push_back(s.goodput());
    wall.push_back(s.wall_s);
    lost.push_back(s.lost_s);
    ckpt.push_back(s.checkpoint_s);
    down.push_back(s.down_s);
    fails.push_back(static_cast<double>(s.failures));
  }
  Summary& sum = rec->summary();
  const auto put = [&sum](const std::string& key, const std::vector<double>& x) {
    const MeanCi m = mean_ci(x);
    sum.set(key, m.mean);
    sum.set(key + "_ci95", m.ci95);
  };
  put("goodput", goodput);
  if (setup.iterations > 0) put("time_to_train_s", wall);
  put("lost_work_s", lost);
  put("checkpoint_overhead_s", ckpt);
  put("restart_overhead_s", down);
  put("failures", fails);
  // Where the rollbacks came from, per failure class (means over replicas),
  // so that a policy's result can be read off the summary: an in-memory
  // checkpoint whose every switch failure restores from storage shows it here.
  sum.set("failure_classes", join(class_names, ","));
  for (std::size_t k = 0; k < kRestoreSources.size(); ++k) {
    for (double& x : restores[k]) x /= static_cast<double>(n);
    sum.set(fmt::format("restores_from_{}_per_class", key_of(kRestoreSources[k])), restores[k]);
  }
  sum.set("replicas", static_cast<std::int64_t>(n));
  std::int64_t unfinished = 0;
  for (const auto& o : outs) unfinished += (setup.iterations > 0 && !o.stats.finished) ? 1 : 0;
  if (setup.iterations > 0) sum.set("replicas_unfinished", unfinished);
  return result;
}

}  // namespace orrery::horizon
