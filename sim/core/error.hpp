// Typed errors. Library code throws them; only the CLI's `main` catches them,
// prints the message and picks the exit status (DESIGN.md: 1 infeasible or
// simulation failure, 2 usage or configuration error).
#pragma once

#include <stdexcept>
#include <string>

namespace orrery {

// Where a configuration value came from: a file position (1-based line and
// column), or an override given on the command line (`origin` = "--set").
struct SourceLocation {
  std::string file;
  int line = 0;    // 0: unknown
  int column = 0;  // 0: unknown
  [[nodiscard]] std::string str() const;
};

// Exit status 2: bad command line or bad scenario.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(SourceLocation where, std::string key_path, std::string message);
  explicit ConfigError(std::string message);  // no location (e.g. a missing file)
  [[nodiscard]] const SourceLocation& where() const { return where_; }
  [[nodiscard]] const std::string& key_path() const { return key_path_; }
  [[nodiscard]] const std::string& message() const { return message_; }

 private:
  SourceLocation where_;
  std::string key_path_;
  std::string message_;
};

// Exit status 1: the scenario is valid but cannot run (out of memory, deadlock, ...).
class InfeasibleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A value given to a parser or a constructor is outside its domain; the config
// reader turns it into a ConfigError carrying the value's location.
class ValueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace orrery
