// app.h — the naql command line: subcommand registration, shared flags, diagnostics, exit codes.
//
// Each command lives in its own file (normalize_command.cc, scan_command.cc, …) and provides a
// Register*() function that adds a CLI11 subcommand with its flags and a callback. The callback sets
// the exit code: kExitFound (0), kExitNothing (1) or kExitError (2). The library (naql::core) never
// sees argv; commands only parse, wire components and print.

#ifndef NAQL_CLI_APP_H_
#define NAQL_CLI_APP_H_

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "naql/scanner.h"

namespace naql::cli {

inline constexpr int kExitFound = 0;    // something was found / success
inline constexpr int kExitNothing = 1;  // nothing was found
inline constexpr int kExitError = 2;    // bad usage, unreadable input under --strict, corrupt index

// Messages on stderr. Results never go there; diagnostics never go to stdout.
class Diagnostics {
 public:
  void set_quiet(bool quiet) { quiet_ = quiet; }
  void set_verbosity(int verbosity) { verbosity_ = verbosity; }
  bool quiet() const { return quiet_; }
  int verbosity() const { return verbosity_; }

  void Error(absl::string_view message) const;    // always printed: "naql: error: …"
  void Warning(absl::string_view message) const;  // unless -q: "naql: warning: …"
  void Info(absl::string_view message) const;     // with -v: "naql: …"
  // Prints a Status as an error and returns kExitError.
  int Fail(const absl::Status& status) const;

 private:
  bool quiet_ = false;
  int verbosity_ = 0;
};

// Flags shared by the commands that read articles. Each command registers the subset it uses.
struct CommonFlags {
  std::string format = "text";
  unsigned threads = 0;  // 0: all cores
  bool strict = false;
  bool quiet = false;
  int verbose = 0;
  bool progress = false;
  bool no_progress = false;

  // Whether to draw a progress line: forced by --progress/--no-progress, else only on a terminal.
  bool ShowProgress() const;
  // --threads resolved (0 → hardware concurrency, at least 1).
  unsigned ResolvedThreads() const;
  // Applies -q/-v to `diagnostics`.
  void Configure(Diagnostics* diagnostics) const;
};

// A range check whose bounds the option's description states (keeps -h output readable).
template <typename T>
CLI::Validator Bounded(T low, T high) {
  return CLI::Range(low, high).description("");
}

// Registers --format with the given allowed values (the first is the default).
void AddFormatFlag(CLI::App* command, CommonFlags* flags, std::initializer_list<const char*> formats);
// Registers the flags that set what counts as shared text: --min-words, --threshold, --shingle,
// --num-perm, --max-df, --max-gap, --exact (into `options`).
void AddMatchingFlags(CLI::App* command, ScanOptions* options);

// Registers --lang LANG (into `language`): keep only articles in this language; "ar" is the one
// language known (see ReaderOptions::language).
void AddLangFlag(CLI::App* command, std::string* language);

// Registers --temp-dir DIR (ScanOptions::temp_dir).
void AddTempDirFlag(CLI::App* command, std::string* directory);

// Registers --threads, --strict, -q, -v, --progress/--no-progress.
void AddRunFlags(CLI::App* command, CommonFlags* flags);

// State shared by all commands of one invocation.
struct Context {
  Diagnostics diagnostics;
  int exit_code = kExitFound;
  bool long_help = false;  // --help (long) rather than -h (short)
};

// Command registration, one per file.
void RegisterNormalize(CLI::App* app, Context* context);
void RegisterScan(CLI::App* app, Context* context);
void RegisterCompare(CLI::App* app, Context* context);
void RegisterQuotes(CLI::App* app, Context* context);
void RegisterIndex(CLI::App* app, Context* context);

// Runs the command line; returns the process exit code.
int Run(int argc, char** argv);

}  // namespace naql::cli

#endif  // NAQL_CLI_APP_H_
