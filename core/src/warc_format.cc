// WarcInput: WARC records from a decompressed byte stream, one record in memory at a time.
//
// The reader keeps one growable buffer. A record is read in two steps: its header (up to the
// empty line, at most kMaxWarcHeaderBytes), then its block of Content-Length bytes plus the
// "\r\n\r\n" that must follow. Content-Length is trusted only when the bytes after the block are
// that trailer and then the next record's "WARC/" (or the end of the input): a wrong length —
// too short, too long, or pointing past the end — is caught there, and reading resumes at the
// first line starting with "WARC/" after the bad record's header, which is where the next record
// really starts (unless a block itself holds such a line, which only an archive of WARC files
// would). Blocks of documents up to max_document_bytes, and of other records up to 1 MiB, are
// held in memory for this; larger blocks are streamed through and only their trailer checked.
//
// Member offsets: GzipStream tells which gzip member produced each chunk it returns (a chunk
// never spans two members); the reader keeps the members of the bytes it holds, so the member
// where a record starts, and how far into its output, are known without extra work.

#include "warc_format.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "html_text.h"
#include "naql/status.h"

namespace naql::internal {
namespace {

constexpr size_t kInitialBuffer = 1 << 20;
constexpr size_t kMinRead = 64 << 10;
// A buffer grown beyond this for a large record is shrunk back once the record is consumed.
constexpr size_t kShrinkAbove = 16 << 20;
// Blocks of records that are not documents are held in memory (to recover from a wrong
// Content-Length) up to this size, and streamed through beyond it.
constexpr uint64_t kMaxBufferedOtherBlock = 1 << 20;
// Bytes of a large block looked at to decide whether it would have been a document.
constexpr size_t kPeekBytes = 16 << 10;
// The first gzip member is inflated up to this size to see whether it holds one record.
constexpr size_t kMaxSniffedMember = 4 << 20;

constexpr absl::string_view kVersionPrefix = "WARC/";
constexpr absl::string_view kTrailer = "\r\n\r\n";

// The header fields naql reads; views into the record.
struct WarcFields {
  absl::string_view type;
  absl::string_view record_id;
  absl::string_view target_uri;
  absl::string_view date;
  absl::string_view content_type;
  absl::string_view payload_type;  // WARC-Identified-Payload-Type
  uint64_t content_length = 0;
};

// Offset just after the empty line that ends a header block in data[0, size) (lines end in "\n"
// or "\r\n"), or npos.
size_t FindHeaderEnd(const char* data, size_t size) {
  size_t line = 0;
  while (line < size) {
    const char* newline = static_cast<const char*>(std::memchr(data + line, '\n', size - line));
    if (newline == nullptr) return absl::string_view::npos;
    const size_t length = static_cast<size_t>(newline - (data + line));
    if (length == 0 || (length == 1 && data[line] == '\r')) return line + length + 1;
    line += length + 1;
  }
  return absl::string_view::npos;
}

// Splits `text` into lines ("\n", an optional '\r' before it removed); calls on_line(line, number)
// until it returns false or the first empty line.
template <typename OnLine>
void ForEachHeaderLine(absl::string_view text, OnLine&& on_line) {
  size_t number = 0;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    absl::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == absl::string_view::npos ? text.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    if (line.empty() || !on_line(line, number)) return;
  }
}

// Parses a record header (the version line, the fields, the empty line). InvalidArgument with
// the <what> of the file comment.
absl::Status ParseWarcFields(absl::string_view header, WarcFields* fields) {
  *fields = WarcFields();
  bool has_length = false;
  absl::Status status;
  const size_t first_newline = header.find('\n');
  if (first_newline == absl::string_view::npos) {
    return absl::InvalidArgumentError("invalid WARC header (no version line)");
  }
  ForEachHeaderLine(header.substr(first_newline + 1), [&](absl::string_view line, size_t number) {
    if (line[0] == ' ' || line[0] == '\t') return true;  // a folded continuation: not needed
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      status = absl::InvalidArgumentError(
          absl::StrCat("invalid WARC header (line ", number + 1, " has no ':')"));
      return false;
    }
    const absl::string_view name = absl::StripAsciiWhitespace(line.substr(0, colon));
    const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "WARC-Type")) {
      fields->type = value;
    } else if (absl::EqualsIgnoreCase(name, "WARC-Record-ID")) {
      fields->record_id = value;
    } else if (absl::EqualsIgnoreCase(name, "WARC-Target-URI")) {
      fields->target_uri = value;
    } else if (absl::EqualsIgnoreCase(name, "WARC-Date")) {
      fields->date = value;
    } else if (absl::EqualsIgnoreCase(name, "Content-Type")) {
      fields->content_type = value;
    } else if (absl::EqualsIgnoreCase(name, "WARC-Identified-Payload-Type")) {
      fields->payload_type = value;
    } else if (absl::EqualsIgnoreCase(name, "Content-Length")) {
      uint64_t length = 0;
      bool valid = !value.empty() && value.size() <= 18;  // below 10^18: no overflow
      for (char c : value) {
        if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) valid = false;
        length = length * 10 + static_cast<uint64_t>(c - '0');
      }
      if (!valid) {
        status = absl::InvalidArgumentError(
            absl::StrCat("invalid Content-Length \"", absl::CHexEscape(value.substr(0, 40)), "\""));
        return false;
      }
      fields->content_length = length;
      has_length = true;
    }
    return true;
  });
  if (!status.ok()) return status;
  if (!has_length) return absl::InvalidArgumentError("missing Content-Length");
  return absl::OkStatus();
}

absl::string_view StripAngleBrackets(absl::string_view value) {
  if (value.size() >= 2 && value.front() == '<' && value.back() == '>') {
    value.remove_prefix(1);
    value.remove_suffix(1);
  }
  return value;
}

// The host of a URL, lowercased, without "www.", userinfo or port; empty when there is none.
std::string HostOf(absl::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == absl::string_view::npos) return std::string();
  absl::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const size_t at = rest.rfind('@');
  if (at != absl::string_view::npos) rest.remove_prefix(at + 1);
  if (!rest.empty() && rest[0] == '[') {  // IPv6 literal
    rest = rest.substr(0, rest.find(']') + 1);
  } else {
    rest = rest.substr(0, rest.find(':'));
  }
  std::string host = absl::AsciiStrToLower(rest);
  if (absl::StartsWith(host, "www.")) host.erase(0, 4);
  return host;
}

bool IsDocumentType(absl::string_view type) {
  return absl::EqualsIgnoreCase(type, "response") || absl::EqualsIgnoreCase(type, "resource") ||
         absl::EqualsIgnoreCase(type, "conversion");
}

enum class Media { kOther, kHtml, kText, kUnknown };

Media MediaOf(absl::string_view content_type) {
  absl::string_view mime = content_type.substr(0, content_type.find(';'));
  mime = absl::StripAsciiWhitespace(mime);
  if (mime.empty()) return Media::kUnknown;
  if (absl::EqualsIgnoreCase(mime, "text/html") ||
      absl::EqualsIgnoreCase(mime, "application/xhtml+xml")) {
    return Media::kHtml;
  }
  if (absl::EqualsIgnoreCase(mime, "text/plain")) return Media::kText;
  return Media::kOther;
}

// A payload without a media type is taken as HTML when it starts (after a byte order mark and
// whitespace) with a doctype, a comment or an <html> tag.
bool LooksLikeHtml(absl::string_view payload) {
  if (absl::StartsWith(payload, "\xEF\xBB\xBF")) payload.remove_prefix(3);
  payload = absl::StripLeadingAsciiWhitespace(payload.substr(0, 1024));
  return absl::StartsWithIgnoreCase(payload, "<!doctype html") ||
         absl::StartsWithIgnoreCase(payload, "<html") || absl::StartsWith(payload, "<!--");
}

// An HTTP response message (RFC 9112 §2): status line, header fields, empty line, body.
struct HttpResponse {
  int status = 0;
  absl::string_view content_type;
  absl::string_view transfer_encoding;
  absl::string_view content_encoding;
  absl::string_view body;
};

absl::Status ParseHttpResponse(absl::string_view block, HttpResponse* response) {
  *response = HttpResponse();
  if (!absl::StartsWith(block, "HTTP/")) {
    return absl::InvalidArgumentError("invalid HTTP response (no status line)");
  }
  const size_t newline = block.find('\n');
  if (newline == absl::string_view::npos) {
    return absl::InvalidArgumentError("invalid HTTP response (its headers do not end)");
  }
  absl::string_view status_line = block.substr(0, newline);
  const size_t space = status_line.find(' ');
  if (space == absl::string_view::npos || status_line.size() < space + 4 ||
      !absl::ascii_isdigit(static_cast<unsigned char>(status_line[space + 1])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(status_line[space + 2])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(status_line[space + 3]))) {
    return absl::InvalidArgumentError("invalid HTTP response (no status line)");
  }
  response->status = (status_line[space + 1] - '0') * 100 + (status_line[space + 2] - '0') * 10 +
                     (status_line[space + 3] - '0');
  const size_t end = FindHeaderEnd(block.data() + newline + 1, block.size() - newline - 1);
  if (end == absl::string_view::npos) {
    return absl::InvalidArgumentError("invalid HTTP response (its headers do not end)");
  }
  const absl::string_view headers = block.substr(newline + 1, end);
  ForEachHeaderLine(headers, [&](absl::string_view line, size_t) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return true;
    const absl::string_view name = absl::StripAsciiWhitespace(line.substr(0, colon));
    const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "Content-Type")) {
      response->content_type = value;
    } else if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      response->transfer_encoding = value;
    } else if (absl::EqualsIgnoreCase(name, "Content-Encoding")) {
      response->content_encoding = value;
    }
    return true;
  });
  response->body = block.substr(newline + 1 + end);
  return absl::OkStatus();
}

// Undoes the chunked transfer coding (RFC 9112 §7.1) of `body` into *out. Returns false when
// `body` does not start with a chunk size (it is then not chunked after all, as happens when a
// crawler stored the decoded payload but kept the header). A body cut short keeps what is there.
bool Dechunk(absl::string_view body, std::string* out) {
  out->clear();
  size_t at = 0;
  bool first = true;
  while (at < body.size()) {
    uint64_t size = 0;
    size_t digits = 0;
    while (at + digits < body.size() && digits < 15 &&
           absl::ascii_isxdigit(static_cast<unsigned char>(body[at + digits]))) {
      const char c = absl::ascii_tolower(static_cast<unsigned char>(body[at + digits]));
      size = size * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
      ++digits;
    }
    if (digits == 0) return !first;
    first = false;
    const size_t newline = body.find('\n', at + digits);  // past chunk extensions
    if (newline == absl::string_view::npos) return true;
    at = newline + 1;
    if (size == 0) return true;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(size, body.size() - at));
    out->append(body.data() + at, take);
    at += take;
    if (at < body.size() && body[at] == '\r') ++at;
    if (at < body.size() && body[at] == '\n') ++at;
  }
  return true;
}

// Inflates a gzip, zlib or raw deflate body (Content-Encoding gzip / x-gzip / deflate) into *out,
// at most `limit` bytes. A body cut short keeps what could be inflated.
absl::Status InflateBody(absl::string_view body, uint64_t limit, std::string* out) {
  out->clear();
  for (int window_bits : {15 + 32, -15}) {  // gzip or zlib (detected), then raw deflate
    z_stream zs{};
    if (inflateInit2(&zs, window_bits) != Z_OK) {
      return absl::ResourceExhaustedError("cannot initialize zlib");
    }
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
    zs.avail_in = static_cast<uInt>(std::min<size_t>(body.size(), UINT_MAX));
    int ret = Z_OK;
    size_t written = 0;
    while (ret == Z_OK) {
      if (written == out->size()) {
        if (out->size() >= limit) {
          inflateEnd(&zs);
          return absl::InvalidArgumentError(
              absl::StrCat("decoded body exceeds max_document_bytes (", limit, ")"));
        }
        out->resize(static_cast<size_t>(
            std::min<uint64_t>(limit, std::max<size_t>(out->size() * 2, body.size() * 4 + 4096))));
      }
      zs.next_out = reinterpret_cast<Bytef*>(out->data() + written);
      zs.avail_out = static_cast<uInt>(std::min<size_t>(out->size() - written, UINT_MAX));
      ret = inflate(&zs, Z_NO_FLUSH);
      written = out->size() - zs.avail_out;
    }
    const std::string message = zs.msg != nullptr ? zs.msg : "zlib error";
    inflateEnd(&zs);
    out->resize(written);
    if (ret == Z_STREAM_END || (ret == Z_BUF_ERROR && written > 0)) return absl::OkStatus();
    if (window_bits < 0 || written > 0) return absl::InvalidArgumentError(message);
    out->clear();
  }
  return absl::InternalError("not reached");
}

// Reads a file with pread(2) from a starting offset: a ByteStream that never moves the file
// position, so ReadAt can run on several threads over one descriptor.
class PreadStream : public ByteStream {
 public:
  PreadStream(int fd, uint64_t offset, absl::string_view path)
      : fd_(fd), offset_(offset), path_(path) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    while (true) {
      ssize_t n =
          ::pread(fd_, buffer, std::min<size_t>(size, 1u << 30), static_cast<off_t>(offset_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoToStatus(errno, absl::StrCat(path_, ": read failed at byte ", offset_));
      }
      offset_ += static_cast<uint64_t>(n);
      AddConsumed(static_cast<uint64_t>(n));
      return static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  uint64_t offset_;
  std::string path_;
};

// Reads exactly `size` bytes (fewer only at the end of the stream) into *out.
absl::Status ReadFully(ByteStream* stream, size_t size, std::string* out) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    NAQL_ASSIGN_OR_RETURN(size_t n, stream->Read(out->data() + done, size - done));
    if (n == 0) break;
    done += n;
  }
  out->resize(done);
  return absl::OkStatus();
}

}  // namespace

std::string WarcLocation(absl::string_view path, uint64_t offset, uint64_t skip) {
  return skip > 0 ? absl::StrCat(path, "@", offset, "+", skip) : absl::StrCat(path, "@", offset);
}

// ---- RecordParser -------------------------------------------------------------------------------

// Turns a record into a document; keeps the HTML extractor and scratch buffers between records.
class WarcInput::RecordParser {
 public:
  explicit RecordParser(uint64_t max_document_bytes) : max_document_bytes_(max_document_bytes) {}

  // True with doc's id, text and meta set when the record is a document; false when it is not
  // one (silently passed over); InvalidArgument with the <what> for a bad record.
  absl::StatusOr<bool> Parse(const WarcFields& fields, absl::string_view block, Document* doc) {
    // Memory grown for a very large record is given back at the next one.
    for (std::string* scratch : {&dechunked_, &inflated_, &page_.text, &page_.title}) {
      if (scratch->capacity() > kShrinkAbove) std::string().swap(*scratch);
    }
    absl::string_view payload;
    absl::string_view content_type;
    if (absl::EqualsIgnoreCase(fields.type, "response") &&
        absl::StartsWithIgnoreCase(fields.content_type, "application/http")) {
      HttpResponse http;
      NAQL_RETURN_IF_ERROR(ParseHttpResponse(block, &http));
      if (http.status < 200 || http.status > 299) return false;
      content_type = !http.content_type.empty() ? http.content_type : fields.payload_type;
      if (MediaOf(content_type) == Media::kOther) return false;
      payload = http.body;
      if (absl::StrContains(absl::AsciiStrToLower(http.transfer_encoding), "chunked") &&
          Dechunk(payload, &dechunked_)) {
        payload = dechunked_;
      }
      const absl::string_view coding = absl::StripAsciiWhitespace(http.content_encoding);
      if (absl::EqualsIgnoreCase(coding, "gzip") || absl::EqualsIgnoreCase(coding, "x-gzip") ||
          absl::EqualsIgnoreCase(coding, "deflate")) {
        absl::Status inflated = InflateBody(payload, max_document_bytes_, &inflated_);
        if (!inflated.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("cannot decode Content-Encoding ", coding,
                                                         " (", inflated.message(), ")"));
        }
        payload = inflated_;
      } else if (!coding.empty() && !absl::EqualsIgnoreCase(coding, "identity")) {
        return absl::InvalidArgumentError(
            absl::StrCat("unsupported Content-Encoding ", absl::CHexEscape(coding.substr(0, 40))));
      }
    } else if (IsDocumentType(fields.type)) {
      payload = block;
      content_type = fields.content_type;
      if (content_type.empty() && absl::EqualsIgnoreCase(fields.type, "conversion")) {
        content_type = "text/plain";
      }
    } else {
      return false;
    }
    Media media = MediaOf(content_type);
    if (media == Media::kUnknown) media = LooksLikeHtml(payload) ? Media::kHtml : Media::kOther;
    if (media == Media::kOther) return false;
    const absl::string_view id = StripAngleBrackets(fields.record_id);
    if (id.empty()) return absl::InvalidArgumentError("missing WARC-Record-ID");

    const absl::string_view charset = CharsetFromContentType(content_type);
    if (media == Media::kHtml) {
      NAQL_RETURN_IF_ERROR(extractor_.ExtractHtml(payload, charset, &page_));
    } else {
      NAQL_RETURN_IF_ERROR(extractor_.ExtractPlainText(payload, charset, &page_));
    }
    if (page_.text.find_first_not_of(" \t\n\r\f") == std::string::npos) return false;
    doc->id.assign(id.data(), id.size());
    doc->text.swap(page_.text);
    const absl::string_view url = StripAngleBrackets(fields.target_uri);
    doc->meta.url.assign(url.data(), url.size());
    doc->meta.date.assign(fields.date.data(), fields.date.size());
    doc->meta.title.swap(page_.title);
    doc->meta.source = HostOf(url);
    return true;
  }

  // Whether a record with these fields whose block starts with `prefix` could be a document (to
  // decide whether skipping a large one is worth a report).
  bool MaybeDocument(const WarcFields& fields, absl::string_view prefix) const {
    if (!IsDocumentType(fields.type)) return false;
    if (absl::EqualsIgnoreCase(fields.type, "response") &&
        absl::StartsWithIgnoreCase(fields.content_type, "application/http")) {
      HttpResponse http;
      if (!ParseHttpResponse(prefix, &http).ok()) return true;  // headers not all in the prefix
      const absl::string_view type =
          !http.content_type.empty() ? http.content_type : fields.payload_type;
      return http.status >= 200 && http.status <= 299 && MediaOf(type) != Media::kOther;
    }
    return MediaOf(fields.content_type) != Media::kOther;
  }

 private:
  uint64_t max_document_bytes_;
  HtmlTextExtractor extractor_;
  WebText page_;
  std::string dechunked_;
  std::string inflated_;
};

// ---- WarcInput ----------------------------------------------------------------------------------

WarcInput::WarcInput(ByteStream* stream, GzipStream* gzip, std::string path,
                     uint64_t max_document_bytes, ProblemSink* problems)
    : stream_(stream),
      gzip_(gzip),
      path_(std::move(path)),
      max_document_bytes_(max_document_bytes),
      problems_(problems),
      parser_(std::make_unique<RecordParser>(max_document_bytes)) {}

WarcInput::~WarcInput() = default;

size_t WarcInput::Ensure(size_t n) {
  size_t available = end_ - begin_;
  if (available >= n || eof_) return available;
  if (buffer_ == nullptr || capacity_ < n || capacity_ - begin_ < n + kMinRead ||
      (capacity_ > kShrinkAbove && n + available < kInitialBuffer / 2)) {
    size_t capacity = capacity_;
    if (capacity < n + kMinRead) capacity = std::max(n + kMinRead, capacity * 2);
    if (capacity < kInitialBuffer) capacity = kInitialBuffer;
    if (capacity_ > kShrinkAbove && n + available < kInitialBuffer / 2) capacity = kInitialBuffer;
    if (capacity != capacity_) {
      std::unique_ptr<char[]> bigger(new char[capacity]);
      if (available > 0) std::memcpy(bigger.get(), buffer_.get() + begin_, available);
      buffer_ = std::move(bigger);
      capacity_ = capacity;
    } else if (begin_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, available);
    }
    begin_ = 0;
    end_ = available;
  }
  while (end_ - begin_ < n && !eof_) {
    absl::StatusOr<size_t> got = stream_->Read(buffer_.get() + end_, capacity_ - end_);
    if (!got.ok()) {
      // What was decoded before the error stands; the error is reported where it cuts a record
      // short, or at the end.
      stream_error_ = got.status();
      eof_ = true;
      break;
    }
    if (*got == 0) {
      eof_ = true;
      break;
    }
    if (gzip_ != nullptr) {
      const uint64_t member_output = gzip_->member_output_offset();
      if (members_.empty() || members_.back().output_offset != member_output) {
        members_.push_back(Member{member_output, gzip_->member_offset()});
      }
    }
    end_ += *got;
    seen_bytes_ = true;
  }
  return end_ - begin_;
}

void WarcInput::Consume(size_t n) {
  begin_ += n;
  offset_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
}

uint64_t WarcInput::Skip(uint64_t n) {
  uint64_t done = 0;
  while (done < n) {
    const size_t available = Ensure(1);
    if (available == 0) break;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(available, n - done));
    Consume(take);
    done += take;
  }
  return done;
}

uint64_t WarcInput::Resync(size_t from) {
  static constexpr absl::string_view kLineStart = "\nWARC/";
  uint64_t skipped = 0;
  size_t search_from = from - 1;  // the '\n' before a "WARC/" at `from` counts
  while (true) {
    const size_t available = end_ - begin_;
    if (available > search_from) {
      const absl::string_view window(buffer_.get() + begin_ + search_from, available - search_from);
      const size_t hit = window.find(kLineStart);
      if (hit != absl::string_view::npos) {
        const size_t at = search_from + hit + 1;
        Consume(at);
        return skipped + at;
      }
    }
    if (eof_) {
      Consume(available);
      return skipped + available;
    }
    // Keep the last bytes: a match may straddle the refill.
    const size_t keep = kLineStart.size() - 1;
    const size_t drop = available > keep ? available - keep : 0;
    Consume(drop);
    skipped += drop;
    search_from = search_from > drop ? search_from - drop : 0;
    Ensure(end_ - begin_ + kMinRead);
  }
}

void WarcInput::LocateRecord(uint64_t* offset, uint64_t* skip) {
  if (gzip_ == nullptr || members_.empty()) {
    *offset = offset_;
    *skip = 0;
    return;
  }
  size_t i = members_.size() - 1;
  while (i > 0 && members_[i].output_offset > offset_) --i;
  members_.erase(members_.begin(), members_.begin() + static_cast<ptrdiff_t>(i));
  *offset = members_.front().offset;
  *skip = offset_ - members_.front().output_offset;
}

absl::Status WarcInput::Problem(const std::string& location, absl::StatusCode code,
                                absl::string_view what, bool skipped) {
  return problems_->Report(location, MakeProblem(code, location, what), skipped);
}

absl::Status WarcInput::ReportCut(const std::string& location, absl::string_view what) {
  if (!stream_error_.ok()) {
    // The decoder's error says why the input ended; reading stops here.
    done_ = true;
    return problems_->Report(path_, stream_error_, /*skipped=*/true);
  }
  return Problem(location, absl::StatusCode::kInvalidArgument, what);
}

namespace {

std::string SkipNote(uint64_t skipped, bool at_end) {
  return at_end ? absl::StrCat("skipped ", skipped, " bytes to the end of the input")
                : absl::StrCat("skipped ", skipped, " bytes to the next record");
}

}  // namespace

absl::StatusOr<bool> WarcInput::Next(Document* doc, DocumentLocator* locator) {
  while (!done_) {
    // Line breaks between records beyond the two the standard asks for are tolerated.
    while (Ensure(1) > 0 && (buffer_[begin_] == '\r' || buffer_[begin_] == '\n')) Consume(1);
    const size_t available = Ensure(kVersionPrefix.size());
    if (available == 0) {
      done_ = true;
      if (!stream_error_.ok()) {
        NAQL_RETURN_IF_ERROR(problems_->Report(path_, stream_error_, /*skipped=*/true));
      } else if (!seen_bytes_) {
        NAQL_RETURN_IF_ERROR(Problem(path_, absl::StatusCode::kInvalidArgument, "empty file"));
      }
      return false;
    }
    uint64_t record_offset, record_skip;
    LocateRecord(&record_offset, &record_skip);
    const std::string location = WarcLocation(path_, record_offset, record_skip);
    auto resync = [this](size_t from) {
      const uint64_t skipped = Resync(from);
      return SkipNote(skipped, end_ == begin_ && eof_);
    };

    if (available < kVersionPrefix.size() ||
        absl::string_view(buffer_.get() + begin_, kVersionPrefix.size()) != kVersionPrefix) {
      const std::string note = resync(1);
      NAQL_RETURN_IF_ERROR(
          Problem(location, absl::StatusCode::kInvalidArgument,
                  absl::StrCat("not a WARC record (no \"WARC/\" version line); ", note)));
      continue;
    }

    // The header: read more until its empty line shows, up to the limit.
    size_t header_size = absl::string_view::npos;
    size_t want = 4096;
    size_t have = 0;
    while (true) {
      have = Ensure(want);
      header_size = FindHeaderEnd(buffer_.get() + begin_, std::min(have, kMaxWarcHeaderBytes));
      if (header_size != absl::string_view::npos || have < want || want >= kMaxWarcHeaderBytes) {
        break;
      }
      want = std::min(want * 4, kMaxWarcHeaderBytes);
    }
    if (header_size == absl::string_view::npos) {
      if (have < kMaxWarcHeaderBytes) {  // the input ended
        Consume(have);
        NAQL_RETURN_IF_ERROR(
            ReportCut(location, "truncated record (the input ends in its header)"));
        continue;
      }
      const std::string note = resync(1);
      NAQL_RETURN_IF_ERROR(
          Problem(location, absl::StatusCode::kInvalidArgument,
                  absl::StrCat("header longer than ", kMaxWarcHeaderBytes, " bytes; ", note)));
      continue;
    }
    WarcFields fields;
    absl::Status parsed =
        ParseWarcFields(absl::string_view(buffer_.get() + begin_, header_size), &fields);
    if (!parsed.ok()) {
      const std::string note = resync(header_size);
      NAQL_RETURN_IF_ERROR(Problem(location, absl::StatusCode::kInvalidArgument,
                                   absl::StrCat(parsed.message(), "; ", note)));
      continue;
    }

    const uint64_t length = fields.content_length;
    const bool candidate = IsDocumentType(fields.type);
    if (length > (candidate ? max_document_bytes_ : kMaxBufferedOtherBlock)) {
      // Too large to hold: stream through the block, then check its trailer.
      const size_t peeked = Ensure(header_size + kPeekBytes);
      const absl::string_view prefix(buffer_.get() + begin_ + header_size,
                                     std::min<size_t>(peeked - header_size, length));
      if (candidate && length > max_document_bytes_ && parser_->MaybeDocument(fields, prefix)) {
        NAQL_RETURN_IF_ERROR(
            Problem(location, absl::StatusCode::kInvalidArgument,
                    absl::StrCat(absl::AsciiStrToLower(fields.type), " of ", length,
                                 " bytes exceeds max_document_bytes (", max_document_bytes_, ")")));
      }
      Consume(header_size);
      const uint64_t skipped = Skip(length);
      if (skipped < length) {
        NAQL_RETURN_IF_ERROR(ReportCut(
            location, absl::StrCat("truncated record: Content-Length ", length,
                                   ", but the input ends ", skipped, " bytes into the block")));
        continue;
      }
      const size_t tail = Ensure(kTrailer.size());
      if (tail > 0 && !absl::StartsWith(absl::string_view(buffer_.get() + begin_, tail), "\r\n")) {
        const std::string note = resync(1);
        NAQL_RETURN_IF_ERROR(Problem(
            location, absl::StatusCode::kInvalidArgument,
            absl::StrCat("Content-Length ", length,
                         " does not match the record (no \"\\r\\n\\r\\n\" after it); ", note)));
      }
      continue;
    }

    // The block, its trailer, and the start of what follows.
    const size_t record_size = header_size + static_cast<size_t>(length);
    const size_t got = Ensure(record_size + kTrailer.size() + kVersionPrefix.size());
    bool matches = got >= record_size;
    if (matches && got > record_size) {
      // "\r\n\r\n" (at the very end of the input, a shorter tail is forgiven), then more line
      // breaks at most, then the next record or the end.
      size_t at = record_size;
      const absl::string_view trailer(buffer_.get() + begin_ + at,
                                      std::min(got - at, kTrailer.size()));
      matches =
          got - at >= kTrailer.size() ? trailer == kTrailer : absl::StartsWith(kTrailer, trailer);
      at += trailer.size();
      while (matches) {
        const size_t more = Ensure(at + kVersionPrefix.size());
        while (at < more && (buffer_[begin_ + at] == '\r' || buffer_[begin_ + at] == '\n')) ++at;
        if (at == more) {
          if (eof_) break;  // only line breaks up to the end
          continue;
        }
        matches =
            more - at >= kVersionPrefix.size() &&
            absl::string_view(buffer_.get() + begin_ + at, kVersionPrefix.size()) == kVersionPrefix;
        break;
      }
    }
    if (!matches) {
      const bool short_of_block = got < record_size;
      const std::string note = resync(header_size);
      if (short_of_block && end_ == begin_ && eof_) {
        NAQL_RETURN_IF_ERROR(ReportCut(
            location,
            absl::StrCat("truncated record: Content-Length ", length, ", but the input ends ",
                         got - header_size, " bytes into the block")));
      } else {
        NAQL_RETURN_IF_ERROR(
            Problem(location, absl::StatusCode::kInvalidArgument,
                    absl::StrCat("Content-Length ", length,
                                 " does not match the record (no \"\\r\\n\\r\\n\" and next record "
                                 "after it); ",
                                 note)));
      }
      continue;
    }

    absl::StatusOr<bool> made = false;
    if (candidate) {
      made = parser_->Parse(fields, absl::string_view(buffer_.get() + begin_ + header_size, length),
                            doc);
    }
    Consume(std::min(record_size + kTrailer.size(), end_ - begin_));
    if (!made.ok()) {
      NAQL_RETURN_IF_ERROR(Problem(location, made.status().code(), made.status().message()));
      continue;
    }
    if (!*made) continue;
    doc->location = location;
    locator->offset = record_offset;
    locator->skip = record_skip;
    locator->length = record_size;
    locator->line = 0;
    return true;
  }
  return false;
}

// ---- Re-reading ---------------------------------------------------------------------------------

bool WarcInput::HasRecordPerMember(int fd) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return false;
  std::string out(64 << 10, '\0');
  size_t written = 0;
  std::unique_ptr<unsigned char[]> in(new unsigned char[64 << 10]);
  uint64_t position = 0;
  int ret = Z_OK;
  while (ret == Z_OK || ret == Z_BUF_ERROR) {
    if (zs.avail_in == 0) {
      ssize_t n = ::pread(fd, in.get(), 64 << 10, static_cast<off_t>(position));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      position += static_cast<uint64_t>(n);
      zs.next_in = in.get();
      zs.avail_in = static_cast<uInt>(n);
    }
    if (written == out.size()) {
      if (out.size() >= kMaxSniffedMember) break;
      out.resize(out.size() * 2);
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    zs.avail_out = static_cast<uInt>(out.size() - written);
    ret = inflate(&zs, Z_NO_FLUSH);
    written = out.size() - zs.avail_out;
  }
  inflateEnd(&zs);
  if (ret != Z_STREAM_END) return false;
  out.resize(written);
  if (!absl::StartsWith(out, kVersionPrefix)) return false;
  const size_t header_size = FindHeaderEnd(out.data(), out.size());
  if (header_size == absl::string_view::npos) return false;
  WarcFields fields;
  if (!ParseWarcFields(absl::string_view(out).substr(0, header_size), &fields).ok()) return false;
  return header_size + fields.content_length + kTrailer.size() == out.size() &&
         absl::EndsWith(out, kTrailer);
}

absl::Status WarcInput::ReadAt(int fd, bool gzip, absl::string_view path,
                               const DocumentLocator& locator, uint64_t max_document_bytes,
                               Document* doc) {
  const std::string location = WarcLocation(path, locator.offset, locator.skip);
  const size_t length = static_cast<size_t>(locator.length);
  std::string record;
  if (gzip) {
    GzipStream stream(std::make_unique<PreadStream>(fd, locator.offset, path), std::string(path));
    for (uint64_t left = locator.skip; left > 0;) {
      char discard[16 << 10];
      NAQL_ASSIGN_OR_RETURN(
          size_t n,
          stream.Read(discard, static_cast<size_t>(std::min<uint64_t>(left, sizeof(discard)))));
      if (n == 0) break;
      left -= n;
    }
    absl::Status read = ReadFully(&stream, length, &record);
    if (!read.ok()) {
      return absl::DataLossError(
          absl::StrCat(location, ": ", read.message(), " (the file changed since it was read)"));
    }
  } else {
    PreadStream stream(fd, locator.offset, path);
    NAQL_RETURN_IF_ERROR(ReadFully(&stream, length, &record));
  }
  auto changed = [&location](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(location, ": ", why, " (the file changed since it was read)"));
  };
  if (record.size() != length) return changed("the record ends early");
  const size_t header_size = FindHeaderEnd(record.data(), record.size());
  if (!absl::StartsWith(record, kVersionPrefix) || header_size == absl::string_view::npos) {
    return changed("no WARC record there");
  }
  WarcFields fields;
  absl::Status parsed = ParseWarcFields(absl::string_view(record).substr(0, header_size), &fields);
  if (!parsed.ok()) return changed(parsed.message());
  if (header_size + fields.content_length != length) return changed("the record's size differs");
  RecordParser parser(max_document_bytes);
  absl::StatusOr<bool> made =
      parser.Parse(fields, absl::string_view(record).substr(header_size), doc);
  if (!made.ok()) return changed(made.status().message());
  if (!*made) return changed("the record there is not a document");
  doc->location = location;
  return absl::OkStatus();
}

}  // namespace naql::internal
