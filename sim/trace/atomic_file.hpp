// Writing an output file so that the requested path never holds a partial
// file: write to a temporary name in the same folder, then rename over the
// target (atomic on POSIX file systems). The temporary is removed if the
// writer throws, or if the file is dropped before it is committed (a
// streaming writer whose run failed).
#pragma once

#include <string>

namespace orrery::trace {

// A temporary beside `path`, renamed to `path` by commit(); removed otherwise.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();
  [[nodiscard]] const std::string& temporary() const { return tmp_; }
  // Renames the temporary to the path; throws when it cannot.
  void commit();

 private:
  std::string path_;
  std::string tmp_;
  bool committed_ = false;
};

// Throws ConfigError when `path`'s folder does not exist or is not a folder,
// so the CLI can refuse before simulating.
void check_output_path(const std::string& path, const std::string& option);

}  // namespace orrery::trace
