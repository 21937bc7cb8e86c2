// The naql binary: argument parsing and dispatch live in app.cc; each command in its own file.

#include <csignal>

#include "app.h"

int main(int argc, char** argv) {
  // A closed pipe shows up as EPIPE from write(), which Output turns into a quiet exit 0.
  std::signal(SIGPIPE, SIG_IGN);
  return naql::cli::Run(argc, argv);
}
