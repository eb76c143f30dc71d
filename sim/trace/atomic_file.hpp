// Writing an output file so that the requested path never holds a partial
// file: write to a temporary name in the same folder, then rename over the
// target (atomic on POSIX file systems). The temporary is removed if the
// writer throws, or if the file is dropped before it is committed (a
// streaming writer whose run failed).
#pragma once

#include <string>
#include <vector>

namespace orrery::trace {

// A temporary beside `path`, renamed to `path` by commit(); removed otherwise.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();
  [[nodiscard]] const std::string& temporary() const { return tmp_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Renames the temporary to the path; throws when it cannot.
  void commit();

 private:
  std::string path_;
  std::string tmp_;
  bool committed_ = false;
  int slot_ = -1;  // its slot in the signal handler's list (-1: none)
};

// Commits every file in order; when one cannot be renamed, the ones already
// renamed are removed again and the error is thrown, so that a run's outputs
// (-o, --trace, --chakra) appear together or not at all.
void commit_together(const std::vector<AtomicFile*>& files);

// SIGINT and SIGTERM remove the temporaries of the AtomicFiles alive at the
// time, then end the program as the signal would have (exit status 128 + n).
// Call once, before writing.
void remove_temporaries_on_signals();

// Throws ConfigError when `path`'s folder does not exist or is not a folder,
// when `path` is a folder, or when a file of its temporary's name cannot be
// created there (no permission, a read-only or full file system, a name too
// long), so the CLI can refuse before simulating.
void check_output_path(const std::string& path, const std::string& option);
// Whether two output paths name the same file (after resolving ".", ".." and links).
[[nodiscard]] bool same_file(const std::string& a, const std::string& b);

}  // namespace orrery::trace
