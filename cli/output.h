// output.h — buffered writing of results to stdout, quiet on a closed pipe.
//
// stdout carries results only. When the reader goes away (`naql scan … | head`), write() fails with
// EPIPE (SIGPIPE is ignored in main); the process then ends at once with exit code 0, as ripgrep and
// other Unix filters do: the reader asked for no more.

#ifndef NAQL_CLI_OUTPUT_H_
#define NAQL_CLI_OUTPUT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace naql::cli {

class Output {
 public:
  explicit Output(int fd = 1) : fd_(fd) { buffer_.reserve(kFlushAt * 2); }
  ~Output() { Flush(); }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void Write(absl::string_view bytes) {
    buffer_.append(bytes.data(), bytes.size());
    if (buffer_.size() >= kFlushAt) Flush();
  }
  // The buffer to append to directly (call MaybeFlush() after).
  std::string* buffer() { return &buffer_; }
  void MaybeFlush() {
    if (buffer_.size() >= kFlushAt) Flush();
  }
  // Writes everything buffered. On EPIPE ends the process with status 0; on any other error prints
  // a message to stderr and ends it with status 2 (results would be incomplete).
  void Flush();

 private:
  static constexpr size_t kFlushAt = 1 << 16;
  int fd_;
  std::string buffer_;
};

}  // namespace naql::cli

#endif  // NAQL_CLI_OUTPUT_H_
