#include "naql/status.h"

#include <unicode/utypes.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace naql {

absl::Status ErrnoToStatus(int error, absl::string_view context) {
  std::string message = absl::StrCat(context, ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EISDIR:
    case EINVAL:
    case ENAMETOOLONG:
      return absl::InvalidArgumentError(message);
    case ENOSPC:
    case ENOMEM:
    case EMFILE:
    case ENFILE:
    case EFBIG:
      return absl::ResourceExhaustedError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case EAGAIN:
    case EINTR:
    case EBUSY:
      return absl::UnavailableError(message);
    case EIO:
      return absl::DataLossError(message);
    default:
      return absl::UnknownError(message);
  }
}

absl::Status IcuToStatus(int icu_error_code, absl::string_view context) {
  UErrorCode code = static_cast<UErrorCode>(icu_error_code);
  if (U_SUCCESS(code)) return absl::OkStatus();
  std::string message = absl::StrCat(context, ": ICU error ", u_errorName(code));
  switch (code) {
    case U_ILLEGAL_ARGUMENT_ERROR:
    case U_INVALID_CHAR_FOUND:
    case U_TRUNCATED_CHAR_FOUND:
    case U_ILLEGAL_CHAR_FOUND:
      return absl::InvalidArgumentError(message);
    case U_MEMORY_ALLOCATION_ERROR:
    case U_BUFFER_OVERFLOW_ERROR:
      return absl::ResourceExhaustedError(message);
    case U_FILE_ACCESS_ERROR:
    case U_MISSING_RESOURCE_ERROR:
      return absl::NotFoundError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace naql
