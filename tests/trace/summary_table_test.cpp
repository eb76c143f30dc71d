// The summary table for people (write_summary_table): each value with the unit
// its key's suffix names, rounded to three or four significant digits; lists
// longer than eight cut to their first six and last two. --json keeps the raw
// numbers (write_summary_json), checked here beside it.
#include <gtest/gtest.h>

#include <sstream>

#include "sim/trace/writers.hpp"

namespace orrery::trace::summary_table_test {
namespace {

std::string table(const Summary& s, double wall_s) {
  std::ostringstream out;
  write_summary_table(out, s, wall_s);
  return out.str();
}

TEST(SummaryTable, ValuesCarryTheUnitsOfTheirKeys) {
  Summary s;
  s.set("iteration_time_s", 7.0);
  s.set("peak_memory_bytes", std::int64_t{59311577600});  // 55.24 GiB
  s.set("tokens_per_s", 5749.28);
  s.set("tflops_per_device", 133.309);
  s.set("mfu", 0.52387);
  s.set("lost_work_s", 49320.0);     // 13.7 h
  s.set("restart_overhead_s", 296352.0);  // 3.43 days
  s.set("bubble_s", 0.153);
  s.set("model_flops", 4.70282e14);
  s.set("parameters", 1.6791e9);
  s.set("micro_batches", std::int64_t{32});
  s.set("schedule", std::string("1f1b"));
  const std::string t = table(s, 0.0856);
  for (const char* line : {"iteration_time_s    7 s\n", "peak_memory_bytes   55.2 GiB\n", "tokens_per_s        5.75 k/s\n",
                           "tflops_per_device   133.3 TFLOP/s\n", "mfu                 0.5239 (52.4%)\n",
                           "lost_work_s         13.7 h\n", "restart_overhead_s  3.43 days\n", "bubble_s            153 ms\n",
                           "model_flops         470 TFLOP\n", "parameters          1.68 G\n", "micro_batches       32\n",
                           "schedule            1f1b\n", "wall_s              85.6 ms\n"}) {
    EXPECT_NE(t.find(line), std::string::npos) << "missing: " << line << "in:\n" << t;
  }
  // --json: every digit.
  std::ostringstream json;
  write_summary_json(json, s, 0.0856);
  EXPECT_NE(json.str().find("\"peak_memory_bytes\":59311577600"), std::string::npos) << json.str();
}

TEST(SummaryTable, LongListsShowTheirEnds) {
  Summary s;
  std::vector<double> per_stage;
  for (int i = 0; i < 64; ++i) per_stage.push_back(i * 1e-3);  // 0, 1 ms, ..., 63 ms
  s.set("bubble_s_per_stage", per_stage);
  s.set("bubble_fraction_per_stage", std::vector<double>{0.25, 0.5});
  const std::string t = table(s, 1.0);
  EXPECT_NE(t.find("0 s, 1 ms, 2 ms, 3 ms, 4 ms, 5 ms, ... (64 values), 62 ms, 63 ms\n"), std::string::npos) << t;
  EXPECT_NE(t.find("0.25, 0.5\n"), std::string::npos) << t;  // fractions in a list stay plain
}

}  // namespace
}  // namespace orrery::trace::summary_table_test
