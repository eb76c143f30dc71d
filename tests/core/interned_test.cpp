// Interned<T>: equal values share one kept copy, so handles compare by
// address and equal values built apart (on other threads too) are one handle.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "sim/core/interned.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery {
namespace {

TEST(Interned, EqualValuesShareOneCopy) {
  const Interned<std::string> a = "ring";
  const Interned<std::string> b = std::string("ri") + "ng";  // built apart
  const Interned<std::string> c = "tree";
  EXPECT_EQ(&a.get(), &b.get());
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_TRUE(a == "ring");
  EXPECT_TRUE(a == std::string("ring"));
  EXPECT_EQ(std::string_view(a), "ring");
  EXPECT_EQ(a->size(), 4U);
  EXPECT_EQ(fmt::format("[{}]", c), "[tree]");
  EXPECT_EQ(std::hash<Interned<std::string>>{}(a), std::hash<std::string>{}("ring"));
}

TEST(Interned, TheDefaultIsTheEmptyValue) {
  const Interned<std::vector<int>> none;
  const Interned<std::vector<int>> also_none = std::vector<int>{};
  const Interned<std::vector<int>> grid = std::vector<int>{4, 8};
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none == also_none);
  ASSERT_EQ(grid.size(), 2U);
  EXPECT_EQ(grid[1], 8);
  int product = 1;
  for (int e : grid) product *= e;
  EXPECT_EQ(product, 32);
  EXPECT_TRUE(grid == (std::vector<int>{4, 8}));
}

// The Monte Carlo horizon builds graphs on several threads: values interned
// at once from 4 threads are still one copy each.
TEST(Interned, ThreadsInterningAtOnceGetOneCopy) {
  constexpr int kThreads = 4;
  constexpr int kValues = 200;
  std::vector<std::vector<const std::string*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &seen] {
      for (int i = 0; i < kValues; ++i) {
        const Interned<std::string> s = fmt::format("interned-thread-test-{}", i);
        seen[static_cast<std::size_t>(t)].push_back(&s.get());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  std::unordered_set<const std::string*> distinct;
  for (const auto& v : seen) distinct.insert(v.begin(), v.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kValues));
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[static_cast<std::size_t>(t)], seen[0]);
}

// A collective's default algorithm is "auto" and its grid empty.
TEST(Interned, ACollectiveDefaultsToAutoAndNoGrid) {
  const task::CollectiveWork c;
  EXPECT_TRUE(c.algorithm == "auto");
  EXPECT_TRUE(c.dims.empty());
}

}  // namespace
}  // namespace orrery
