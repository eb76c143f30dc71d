#include "sim/run/docs.hpp"

#include <fmt/format.h>

#include "sim/run/scenario.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::run {

namespace {

std::string escape_cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void rows(const std::vector<config::KeyDoc>& docs, const std::string& prefix, bool markdown, std::string& out) {
  for (const auto& d : docs) {
    const std::string key = prefix + d.key;
    const std::string dflt = d.required ? "required" : (d.default_value.empty() ? "" : d.default_value);
    if (markdown) {
      const std::string shown =
          d.required ? std::string("required") : (dflt.empty() ? std::string("optional") : fmt::format("`{}`", escape_cell(dflt)));
      out += fmt::format("| `{}` | {} | {} | {} |\n", key, escape_cell(d.type), shown, escape_cell(d.help));
    } else {
      out += fmt::format("  {:<28} {:<22} {:<14} {}\n", key, d.type, d.required ? std::string("required") : fmt::format("= {}", dflt), d.help);
    }
    rows(d.children, key + (d.type == "list of sections" ? "[]." : "."), markdown, out);
  }
}

std::string table(const std::vector<config::KeyDoc>& docs, bool markdown) {
  std::string out;
  if (markdown) out += "| key | type | default | description |\n|---|---|---|---|\n";
  rows(docs, "", markdown, out);
  return out;
}

}  // namespace

std::string describe_entry(const Catalog& catalog, const std::string& family, const std::string& name, bool markdown) {
  const config::RegistryBase* reg = catalog.find(family);
  if (!reg) {
    std::vector<std::string> families{"scenario"};
    for (const auto* r : catalog.all()) families.push_back(r->family());
    std::string msg = fmt::format("unknown family '{}'", family);
    if (auto near = nearest(family, families)) msg += fmt::format("; did you mean '{}'?", *near);
    throw ConfigError(fmt::format("{}; valid: {}", msg, join(families)));
  }
  std::vector<config::KeyDoc> docs;
  if (!reg->describe(name, docs)) {
    std::vector<std::string> names;
    for (const auto& [n, d] : reg->list()) names.push_back(n);
    throw ConfigError(fmt::format("unknown {} '{}'; valid: {}", family, name, join(names)));
  }
  std::string description;
  for (const auto& [n, d] : reg->list())
    if (n == name) description = d;
  std::string out;
  if (markdown) {
    out += fmt::format("### {} `{}`\n\n{}.\n\n", family, name, description);
    out += reg->selector() == family ? fmt::format("Selected by `{}: {}`.\n\n", family, name)
                                     : fmt::format("Selected by `{}: {}`.\n\n", reg->selector(), name);
    out += docs.empty() ? "No parameters.\n" : table(docs, true);
  } else {
    out += fmt::format("{} '{}': {}\n", family, name, description);
    out += docs.empty() ? "  (no parameters)\n" : table(docs, false);
  }
  return out;
}

std::string describe_scenario(const Catalog& catalog, bool markdown) {
  std::vector<config::KeyDoc> docs;
  config::Reader r(&docs);
  Scenario s;
  read_scenario(r, catalog, s);
  return table(docs, markdown);
}

std::string reference_markdown(const Catalog& catalog) {
  std::string out = fmt::format("## Top-level keys\n\n{}", describe_scenario(catalog, true));
  for (const auto* reg : catalog.all()) {
    out += fmt::format("\n## {} (`{}:`)\n\n", reg->family(), reg->selector());
    if (reg == &catalog.devices) {
      // Devices are data files: document the file's keys once, not per device.
      out += "Devices are data files in `models/devices/` (`orrery list devices`, `orrery describe device NAME`), "
             "selected by `cluster.device: NAME`. Every number is written `{ value: \"...\", source: \"...\" }`; "
             "a number without a source is rejected. The keys of a device file:\n\n";
      out += table(models::device_file_keys(), true);
      continue;
    }
    for (const auto& [name, description] : reg->list()) out += fmt::format("\n{}", describe_entry(catalog, reg->family(), name, true));
  }
  return out;
}

}  // namespace orrery::run
