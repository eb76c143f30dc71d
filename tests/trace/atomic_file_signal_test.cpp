// SIGTERM while check_output_path()'s probe file exists removes it, as it
// removes the temporaries (sim/trace/atomic_file.cpp). A child process, with
// the handlers of remove_temporaries_on_signals(), probes an output path in a
// loop, where most of its time is the probe's own open, close and unlink; the
// parent sends SIGTERM. The child must die of the signal and leave its folder
// empty, in each of 40 runs. With the probe not registered with the handler,
// a clean-clone CI run once found `out.h5.tmp-PID-probe` left behind
// (tests/cli/signal_cleanup.sh), and this test left it in most of its runs.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "sim/trace/atomic_file.hpp"

namespace orrery::trace {
namespace {

namespace fs = std::filesystem;

TEST(AtomicFileSignal, ATermDuringTheOutputProbeLeavesNothing) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("orrery-probe-{}", ::getpid());
  int left_behind = 0;
  for (int run = 0; run < 40; ++run) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      remove_temporaries_on_signals();
      const std::string out = (dir / "out.h5").string();
      for (;;) check_output_path(out, "-o");
    }
    ::usleep(2000 + 250 * static_cast<useconds_t>(run));  // a different moment in the loop each run
    ::kill(child, SIGTERM);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "run " << run;
    if (!fs::is_empty(dir)) ++left_behind;
  }
  fs::remove_all(dir);
  EXPECT_EQ(left_behind, 0);
}

}  // namespace
}  // namespace orrery::trace
