// Writing an output file so that the requested path never holds a partial
// file: write to a temporary name in the same folder, then rename over the
// target (atomic on POSIX file systems). The temporary is removed if the
// writer throws.
#pragma once

#include <functional>
#include <string>

namespace orrery::trace {

// Calls `write(temporary_path)`, then renames the temporary to `path`.
void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

// Throws ConfigError when `path`'s folder does not exist or is not a folder,
// so the CLI can refuse before simulating.
void check_output_path(const std::string& path, const std::string& option);

}  // namespace orrery::trace
