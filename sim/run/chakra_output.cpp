#include "sim/run/chakra_output.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "sim/core/error.hpp"
#include "workloads/chakra/chakra_export.hpp"

namespace orrery::run {

namespace {

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw std::runtime_error(fmt::format("--chakra: cannot write '{}'", path));
}

}  // namespace

ChakraOutput::ChakraOutput(std::string prefix) : prefix_(std::move(prefix)) {
  trace::check_output_path(prefix_ + ".0.et", "--chakra");
}

void ChakraOutput::write(const task::TaskGraph& graph, const task::TaskTimes& times, int devices) {
  const auto file = [&](const std::string& path, const std::string& bytes) {
    files_.push_back(std::make_unique<trace::AtomicFile>(path));
    write_file(files_.back()->temporary(), bytes);
  };
  const std::string groups = workload::chakra::export_trace(
      graph, times, devices, [&](int rank, const std::string& bytes) { file(fmt::format("{}.{}.et", prefix_, rank), bytes); });
  file(prefix_ + ".comm_groups.json", groups);
}

std::vector<trace::AtomicFile*> ChakraOutput::files() const {
  std::vector<trace::AtomicFile*> out;
  for (const auto& f : files_) out.push_back(f.get());
  return out;
}

}  // namespace orrery::run
