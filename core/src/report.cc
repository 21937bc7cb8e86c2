#include "naql/report.h"

namespace naql {

const char* PairKindName(PairKind kind) {
  switch (kind) {
    case PairKind::kDuplicate:
      return "duplicate";
    case PairKind::kReuse:
      return "reuse";
  }
  return "reuse";
}

}  // namespace naql
