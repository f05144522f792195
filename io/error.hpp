// The one exception type for problems in a user's input: it names the file, the line and the
// field, so `main` can print a single `error: file:line: field: reason` line and exit non-zero.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace signalrank {

// Exit codes, documented in README.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitBadInput = 2,     // malformed data file (CSV row, HDF5 universe)
  kExitBadConfig = 3,    // bad command line or campaign file
  kExitCheckpointed = 4, // stopped on a signal after writing a checkpoint
  kExitInternal = 70,    // a bug or an environment failure (I/O, MPI)
};

class InputError : public std::runtime_error {
 public:
  // line 0 means "the whole file"; an empty field means "the whole row".
  InputError(std::string file, std::uint64_t line, std::string field, const std::string& reason,
             int exit_code = kExitBadInput)
      : std::runtime_error(format(file, line, field, reason)),
        file_(std::move(file)), line_(line), field_(std::move(field)), exit_code_(exit_code) {}

  const std::string& file() const { return file_; }
  std::uint64_t line() const { return line_; }
  const std::string& field() const { return field_; }
  int exit_code() const { return exit_code_; }

  static std::string format(const std::string& file, std::uint64_t line, const std::string& field,
                            const std::string& reason) {
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line);
    s += ": ";
    if (!field.empty()) s += "field '" + field + "': ";
    s += reason;
    return s;
  }

 private:
  std::string file_;
  std::uint64_t line_;
  std::string field_;
  int exit_code_;
};

// A bad command line or campaign file.
class ConfigError : public InputError {
 public:
  ConfigError(std::string file, std::uint64_t line, std::string field, const std::string& reason)
      : InputError(std::move(file), line, std::move(field), reason, kExitBadConfig) {}
};

// An error raised on one rank and re-thrown on every rank with the same text and exit code
// (io/agree.hpp, run_on_root), so main prints it once and every rank exits alike.
class RelayedError : public InputError {
 public:
  RelayedError(std::string message, int exit_code)
      : InputError("", 0, "", "", exit_code), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// The exit code an exception escaping a command maps to: its own for input and config errors,
// kExitInternal for anything else.
inline int exit_code_of(const std::exception& e) {
  const auto* input = dynamic_cast<const InputError*>(&e);
  return input ? input->exit_code() : kExitInternal;
}

// Thrown by every rank together after a checkpoint was written on a stop signal; main prints the
// message once and exits with kExitCheckpointed.
class StoppedForCheckpoint : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace signalrank
