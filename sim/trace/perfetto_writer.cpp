// Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing open:
// one process per device, thread 0 its compute stream and thread 1 its
// outgoing transfers; a complete event ("ph":"X") per span with `ts` and
// `dur` in microseconds (fractional, so nanoseconds survive); counters
// ("ph":"C") as a counter track per device and counter name. Events are
// written as the run reports them (viewers sort by time); a device's track
// names come just before its first event.
#include <fmt/format.h>

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

PerfettoWriter::PerfettoWriter(const std::string& path, const Recorder& rec)
    : file_(path), out_(file_.temporary(), std::ios::binary), rec_(rec) {
  if (!out_) throw std::runtime_error(fmt::format("cannot write '{}' (is the disk full?)", file_.path()));
  out_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
}

void PerfettoWriter::next(std::int32_t device) {
  if (!first_) out_ << ",\n";
  first_ = false;
  const auto d = static_cast<std::size_t>(device);
  if (device < 0 || (d < seen_.size() && seen_[d])) return;
  if (d >= seen_.size()) seen_.resize(d + 1, false);
  seen_[d] = true;
  out_ << fmt::format(R"({{"ph":"M","pid":{},"name":"process_name","args":{{"name":"device {}"}}}})", device, device);
  out_ << fmt::format(R"(,{{"ph":"M","pid":{},"tid":0,"name":"thread_name","args":{{"name":"compute"}}}})", device);
  out_ << fmt::format(R"(,{{"ph":"M","pid":{},"tid":1,"name":"thread_name","args":{{"name":"send"}}}},)", device)
       << "\n";
}

void PerfettoWriter::span(const Span& s) {
  next(s.device);
  const std::string& kind = rec_.kinds()[static_cast<std::size_t>(s.kind)];
  const int tid = kind == "send" ? 1 : 0;
  std::string name = rec_.names()[static_cast<std::size_t>(s.name)];
  if (s.micro_batch >= 0) name += fmt::format(" {}", s.micro_batch);
  out_ << fmt::format(R"({{"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"name":{},"cat":{},"args":{{)", s.device, tid,
                      micros(s.start), micros(s.end - s.start), json_quote(name), json_quote(kind));
  out_ << fmt::format(R"("micro_batch":{},"stage":{},"bytes":{}}}}})", s.micro_batch, s.stage, s.bytes);
}

void PerfettoWriter::counter(const CounterSample& c) {
  next(c.device);
  out_ << fmt::format(R"({{"ph":"C","pid":{},"ts":{},"name":{},"args":{{"value":{}}}}})", c.device, micros(c.time),
                      json_quote(rec_.names()[static_cast<std::size_t>(c.name)]), c.value);
}

void PerfettoWriter::finish() {
  out_ << "\n]}\n";
  out_.flush();
  if (!out_) throw std::runtime_error(fmt::format("cannot write '{}' (is the disk full?)", file_.path()));
  out_.close();
  if (!out_) throw std::runtime_error(fmt::format("cannot write '{}' (is the disk full?)", file_.path()));
}

}  // namespace orrery::trace
