#include "sim/cli/record_options.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace orrery::cli {

namespace po = boost::program_options;

void add_record_options(po::options_description& d) {
  d.add_options()(
      "record-devices", po::value<std::string>(),
      "devices whose spans and counters -o and --trace record: all (default), representative (one "
      "data-parallel replica: for training, the devices of dp rank 0), or ids and ranges, e.g. 0-63 or "
      "0,8,16-23")(
      "record-window", po::value<std::string>(),
      "simulated time to record, FROM,TO, e.g. 0s,2s; either end may be empty (1ms, is from 1 ms on). Spans "
      "that overlap it and counter samples inside it are recorded")(
      "record-kinds", po::value<std::string>(),
      "what to record: spans, counters, or spans,counters (default)")(
      "record-links", po::value<std::string>(),
      "also record every link's load over time in bins of this width, e.g. 1ms (/link_load: bytes and "
      "utilisation per link and bin)");
}

trace::RecordSelection record_selection(const po::variables_map& vm) {
  trace::RecordSelection s;
  const auto apply = [&](const char* option, void (*parse)(std::string_view, trace::RecordSelection&)) {
    if (!vm.count(option)) return;
    const std::string& value = vm[option].as<std::string>();
    try {
      parse(value, s);
    } catch (const ValueError& e) {
      throw ConfigError(fmt::format("--{} '{}': {}", option, value, e.what()));
    }
    if (!vm.count("output") && !vm.count("trace")) {
      throw ConfigError(fmt::format("--{}: records nothing without -o or --trace", option));
    }
  };
  apply("record-devices", trace::parse_record_devices);
  apply("record-window", trace::parse_record_window);
  apply("record-kinds", trace::parse_record_kinds);
  apply("record-links", trace::parse_record_links);
  return s;
}

}  // namespace orrery::cli
