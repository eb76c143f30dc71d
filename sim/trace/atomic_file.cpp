#include "sim/trace/atomic_file.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "sim/core/error.hpp"

namespace orrery::trace {

namespace fs = std::filesystem;

namespace {

// The live temporaries, for the signal handler: fixed storage, so that the
// handler only reads memory and calls unlink (async-signal-safe). A slot is
// free (0), being written (1) or live (2).
constexpr int kSlots = 16;
constexpr std::size_t kPathBytes = 4096;
char g_paths[kSlots][kPathBytes];
std::atomic<int> g_state[kSlots];

int claim(const std::string& tmp) {
  if (tmp.size() >= kPathBytes) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_state[i].compare_exchange_strong(expected, 1)) {
      std::memcpy(g_paths[i], tmp.c_str(), tmp.size() + 1);
      g_state[i].store(2);
      return i;
    }
  }
  return -1;  // more live outputs than slots: this one is not cleaned on a signal
}

// The file is gone or committed: the handler no longer removes it.
void release(int slot) {
  if (slot >= 0) g_state[slot].store(0);
}

void on_signal(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_state[i].load() == 2) ::unlink(g_paths[i]);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void remove_temporaries_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

void check_output_path(const std::string& path, const std::string& option) {
  const fs::path p(path);
  if (p.filename().empty()) throw ConfigError(fmt::format("{} '{}': not a file name", option, path));
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw ConfigError(fmt::format("{} '{}': folder '{}' does not exist", option, path, dir.string()));
  }
  if (fs::is_directory(p, ec)) throw ConfigError(fmt::format("{} '{}': is a folder", option, path));
  // Writable, and the name not too long: create (and remove) a file named as
  // the temporary will be, before the simulation rather than after it. A
  // signal while it exists removes it too, as it does the temporaries.
  const std::string probe = fmt::format("{}.tmp-{}-probe", path, static_cast<long>(::getpid()));
  const int slot = claim(probe);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  const int err = errno;
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
  }
  release(slot);
  if (fd < 0) throw ConfigError(fmt::format("{} '{}': cannot write there: {}", option, path, std::strerror(err)));
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec1, ec2;
  const fs::path x = fs::weakly_canonical(a, ec1);
  const fs::path y = fs::weakly_canonical(b, ec2);
  if (ec1 || ec2) return a == b;
  return x == y;
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  tmp_ = fmt::format("{}.tmp-{}-{}", path_, static_cast<long>(::getpid()), counter++);
  slot_ = claim(tmp_);
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(tmp_.c_str());
  release(slot_);
}

void AtomicFile::commit() {
  std::error_code ec;
  fs::rename(tmp_, path_, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot write '{}': {}", path_, ec.message()));
  committed_ = true;
  release(slot_);
  slot_ = -1;
}

void commit_together(const std::vector<AtomicFile*>& files) {
  std::size_t done = 0;
  try {
    for (; done < files.size(); ++done) files[done]->commit();
  } catch (...) {
    for (std::size_t k = 0; k < done; ++k) std::remove(files[k]->path().c_str());
    throw;
  }
}

}  // namespace orrery::trace
