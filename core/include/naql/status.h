// naql/status.h — one place that turns errno and ICU error codes into absl::Status.
//
// The library reports every failure as an absl::Status (or StatusOr<T>); no exception leaves it.
// Codes carry meaning: InvalidArgument for bad options or input, FailedPrecondition for calls made in
// the wrong order, DataLoss for corrupt index files, NotFound for missing paths, Internal for bugs.
//
// Example:
//   int fd = open(path.c_str(), O_RDONLY);
//   if (fd < 0) return naql::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));

#ifndef NAQL_STATUS_H_
#define NAQL_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace naql {

// Maps an errno value to the closest absl::StatusCode (ENOENT → NotFound, EACCES → PermissionDenied,
// EISDIR/EINVAL → InvalidArgument, ENOSPC → ResourceExhausted, …) with the message
// "<context>: <strerror(error)>".
absl::Status ErrnoToStatus(int error, absl::string_view context);

// Maps an ICU UErrorCode (passed as int so that this header does not pull in ICU) to a Status.
// U_ZERO_ERROR and warnings give OkStatus.
absl::Status IcuToStatus(int icu_error_code, absl::string_view context);

}  // namespace naql

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define NAQL_RETURN_IF_ERROR(expr)                 \
  do {                                             \
    ::absl::Status naql_status_ = (expr);          \
    if (!naql_status_.ok()) return naql_status_;   \
  } while (0)

#define NAQL_STATUS_CONCAT_INNER_(a, b) a##b
#define NAQL_STATUS_CONCAT_(a, b) NAQL_STATUS_CONCAT_INNER_(a, b)
// `NAQL_ASSIGN_OR_RETURN(auto x, MakeX());` assigns the value of a StatusOr or returns its error.
#define NAQL_ASSIGN_OR_RETURN(lhs, expr) \
  NAQL_ASSIGN_OR_RETURN_IMPL_(NAQL_STATUS_CONCAT_(naql_statusor_, __LINE__), lhs, expr)
#define NAQL_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) return statusor.status();          \
  lhs = std::move(statusor).value()

#endif  // NAQL_STATUS_H_
