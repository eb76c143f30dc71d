// Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing open:
// one process per device, thread 0 its compute stream and thread 1 its
// outgoing transfers; a complete event ("ph":"X") per span with `ts` and
// `dur` in microseconds (fractional, so nanoseconds survive); counters
// ("ph":"C") as a counter track per device and counter name.
#include <fmt/format.h>

#include <fstream>
#include <set>
#include <stdexcept>

#include "sim/trace/atomic_file.hpp"
#include "sim/trace/writers.hpp"

namespace orrery::trace {

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

namespace {

std::string micros(std::int64_t ns) { return fmt::format("{}.{:03}", ns / 1000, ns % 1000); }

}  // namespace

void write_perfetto(const std::string& path, const Recorder& rec) {
  write_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", tmp));
    out << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
    std::set<std::int32_t> devices;
    for (const auto& s : rec.spans()) devices.insert(s.device);
    for (const auto& c : rec.counters()) devices.insert(c.device);
    bool first = true;
    const auto sep = [&] {
      if (!first) out << ",\n";
      first = false;
    };
    for (const auto d : devices) {
      sep();
      out << fmt::format(R"({{"ph":"M","pid":{},"name":"process_name","args":{{"name":"device {}"}}}})", d, d);
      out << fmt::format(R"(,{{"ph":"M","pid":{},"tid":0,"name":"thread_name","args":{{"name":"compute"}}}})", d);
      out << fmt::format(R"(,{{"ph":"M","pid":{},"tid":1,"name":"thread_name","args":{{"name":"send"}}}})", d);
    }
    const std::string send = "send";
    for (const auto& s : rec.spans()) {
      sep();
      const std::string& kind = rec.kinds()[static_cast<std::size_t>(s.kind)];
      const int tid = kind == send ? 1 : 0;
      std::string name = rec.names()[static_cast<std::size_t>(s.name)];
      if (s.micro_batch >= 0) name += fmt::format(" {}", s.micro_batch);
      out << fmt::format(R"({{"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"name":{},"cat":{},"args":{{)", s.device, tid,
                         micros(s.start), micros(s.end - s.start), json_quote(name), json_quote(kind));
      out << fmt::format(R"("micro_batch":{},"stage":{},"bytes":{}}}}})", s.micro_batch, s.stage, s.bytes);
    }
    for (const auto& c : rec.counters()) {
      sep();
      out << fmt::format(R"({{"ph":"C","pid":{},"ts":{},"name":{},"args":{{"value":{}}}}})", c.device, micros(c.time),
                         json_quote(rec.names()[static_cast<std::size_t>(c.name)]), c.value);
    }
    out << "\n]}\n";
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", tmp));
  });
}

}  // namespace orrery::trace
