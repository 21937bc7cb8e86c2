#include "output.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace naql::cli {

void Output::Flush() {
  size_t written = 0;
  while (written < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) std::_Exit(0);
      std::fprintf(stderr, "naql: cannot write results: %s\n", std::strerror(errno));
      std::_Exit(2);
    }
    written += static_cast<size_t>(n);
  }
  buffer_.clear();
}

}  // namespace naql::cli
