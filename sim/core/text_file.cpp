#include "sim/core/text_file.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/core/error.hpp"

namespace orrery {

std::string read_text_file(const std::string& path, std::string_view what, std::uintmax_t max_bytes,
                           std::string_view hint) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!ec && fs::exists(status) && !fs::is_regular_file(status)) {
    throw ValueError(fmt::format("{} '{}' is not a regular file", what, path));
  }
  if (!ec && fs::is_regular_file(status) && fs::file_size(path, ec) > max_bytes) {
    const std::string cap = max_bytes >= (std::uintmax_t{1} << 30) && max_bytes % (std::uintmax_t{1} << 30) == 0
                                ? fmt::format("{} GiB", max_bytes >> 30)
                                : fmt::format("{} MiB", max_bytes >> 20);
    throw ValueError(fmt::format("{} '{}' is larger than orrery's cap of {}{}", what, path, cap, hint));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ValueError(fmt::format("cannot open {} '{}'", what, path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ValueError(fmt::format("cannot read {} '{}'", what, path));
  return text.str();
}

}  // namespace orrery
