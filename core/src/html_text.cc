// HtmlTextExtractor: charset detection and conversion (ICU ucnv), and a streaming HTML tokenizer
// that keeps the visible text.
//
// Why not a full HTML5 parser: the tree builders available (gumbo, the obvious Debian choice)
// build a DOM node per element and per text run and parse at about 7 MB/s on Arabic news pages
// here, a tenth of what reading a crawl needs (bench/warc_benchmark.cc). Visible text needs much
// less than a DOM: a tokenizer that gets the lexical structure exactly right (tags, attribute
// quoting, comments, raw-text elements, character references — where a mistake would let markup
// leak into the text or swallow text) and a stack of open elements precise enough to know when a
// dropped element (nav, script, ...) ends. The tests check this tokenizer against gumbo's tree on
// generated pages (tests/html_text_test.cc), so the two agree wherever the reduced tree building
// is enough — which is everywhere but in malformed tables and misnested formatting elements,
// where only the line layout can differ, never which text is kept.
//
// Cost: one pass over the bytes with a byte-class table; text runs are appended word by word;
// tags cost a lowercase copy of the name (at most 32 bytes), an FNV-1a hash and a probe of a
// 512-slot table. No allocation once the output strings and the stack have grown.

#include "html_text.h"

#include <unicode/ucnv.h>
#include <unicode/utypes.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "input_format.h"
#include "naql/json.h"
#include "naql/status.h"
#include "utf8.h"

namespace naql::internal {
namespace {

// ---- Named character references -----------------------------------------------------------------

struct NamedReference {
  const char* name;  // without ';'
  char32_t first;
  char32_t second;  // 0 when the reference is one code point
  bool legacy;      // also recognized without ';'
};

constexpr NamedReference kNamedReferences[] = {
#include "html_entities.inc"
};

// The longest name (CounterClockwiseContourIntegral) and the longest legacy name (e.g. "middot").
constexpr size_t kMaxReferenceName = 31;
constexpr size_t kMaxLegacyName = 6;

const NamedReference* FindReference(absl::string_view name) {
  const NamedReference* begin = std::begin(kNamedReferences);
  const NamedReference* end = std::end(kNamedReferences);
  const NamedReference* it =
      std::lower_bound(begin, end, name, [](const NamedReference& row, absl::string_view key) {
        return absl::string_view(row.name) < key;
      });
  return it != end && absl::string_view(it->name) == name ? it : nullptr;
}

// Numeric references to 0x80..0x9F name the windows-1252 character at that byte (HTML standard,
// §13.2.5.80 "numeric character reference end state"); 0 means "keep the code point".
constexpr char16_t kC1Replacements[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80..87
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 88..8F
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90..97
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 98..9F
};

// ---- Byte classes -------------------------------------------------------------------------------

enum : uint8_t { kPlain = 0, kSpace = 1, kMarkup = 2 };

// ASCII whitespace as HTML defines it (U+0009, U+000A, U+000C, U+000D, U+0020), and the two bytes
// that can start markup in text ('<', '&').
constexpr auto kByteClass = [] {
  std::array<uint8_t, 256> table{};
  for (unsigned char c : {'\t', '\n', '\f', '\r', ' '}) table[c] = kSpace;
  table['<'] = kMarkup;
  table['&'] = kMarkup;
  return table;
}();

// memchr over [p, end), also for an empty range (whose pointers may be null).
inline const char* FindByte(const char* p, const char* end, char c) {
  return p < end ? static_cast<const char*>(std::memchr(p, c, static_cast<size_t>(end - p)))
                 : nullptr;
}

inline bool IsHtmlSpace(char c) { return kByteClass[static_cast<unsigned char>(c)] == kSpace; }
inline bool IsAsciiAlpha(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }
inline bool IsAsciiAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// ---- Tags ---------------------------------------------------------------------------------------

enum TagFlag : uint32_t {
  kIgnored = 1u << 0,      // html, head, body: their tags change nothing here
  kBlock = 1u << 1,        // starts and ends a line
  kDropped = 1u << 2,      // its text is never shown
  kChrome = 1u << 3,       // page chrome: dropped unless keep_page_chrome
  kRawText = 1u << 4,      // content is text up to its end tag (RAWTEXT, script data)
  kRcdata = 1u << 5,       // content is text with character references up to its end tag
  kPlaintext = 1u << 6,    // everything after the start tag is text
  kVoid = 1u << 7,         // never has content or an end tag
  kClosesP = 1u << 8,      // its start tag closes an open <p> in button scope
  kScope = 1u << 9,        // boundary of the default scope
  kTableScope = 1u << 10,  // boundary of table scope
  kButton = 1u << 11,      // extra boundary of button scope
  kList = 1u << 12,        // ol, ul
  kForeign = 1u << 13,     // svg, math: self-closing tags are honoured, no raw text inside
  kIsP = 1u << 14,
  kIsLi = 1u << 15,
  kIsDdDt = 1u << 16,
  kIsCell = 1u << 17,     // td, th
  kIsRow = 1u << 18,      // tr
  kIsSection = 1u << 19,  // tbody, thead, tfoot
  kTablePart = 1u << 20,  // end tag searched in table scope: table, caption, sections, tr, cells
  kBreak = 1u << 21,      // br, hr: a line break of their own
  kTitle = 1u << 22,
  // Stops the search for an open li, dd or dt to close: the standard's "special" elements other
  // than address, div and p (set by TagTable for every block and scope boundary but those).
  kSpecial = 1u << 23,
};

struct TagInfo {
  const char* name;
  uint32_t flags;
};

constexpr uint32_t kBlockP = kBlock | kClosesP;

constexpr TagInfo kTags[] = {
    {"html", kIgnored | kScope | kTableScope},
    {"head", kIgnored},
    {"body", kIgnored},
    {"address", kBlockP},
    {"article", kBlockP},
    {"aside", kBlockP | kChrome},
    {"blockquote", kBlockP},
    {"center", kBlockP},
    {"details", kBlockP},
    {"dialog", kBlockP},
    {"dir", kBlockP},
    {"div", kBlockP},
    {"dl", kBlockP},
    {"dd", kBlockP | kIsDdDt},
    {"dt", kBlockP | kIsDdDt},
    {"fieldset", kBlockP},
    {"figcaption", kBlockP},
    {"figure", kBlockP},
    {"footer", kBlockP | kChrome},
    {"form", kBlockP},
    {"h1", kBlockP},
    {"h2", kBlockP},
    {"h3", kBlockP},
    {"h4", kBlockP},
    {"h5", kBlockP},
    {"h6", kBlockP},
    {"header", kBlockP | kChrome},
    {"hgroup", kBlockP},
    {"main", kBlockP},
    {"menu", kBlockP},
    {"nav", kBlockP | kChrome},
    {"ol", kBlockP | kList},
    {"ul", kBlockP | kList},
    {"li", kBlockP | kIsLi},
    {"p", kBlockP | kIsP},
    {"pre", kBlockP},
    {"listing", kBlockP},
    {"section", kBlockP},
    {"summary", kBlockP},
    {"legend", kBlock},
    {"table", kBlockP | kScope | kTableScope | kTablePart},
    {"caption", kBlock | kScope | kTablePart},
    {"tbody", kBlock | kIsSection | kTablePart},
    {"thead", kBlock | kIsSection | kTablePart},
    {"tfoot", kBlock | kIsSection | kTablePart},
    {"tr", kBlock | kIsRow | kTablePart},
    {"td", kBlock | kIsCell | kScope | kTablePart},
    {"th", kBlock | kIsCell | kScope | kTablePart},
    {"br", kVoid | kBreak},
    {"hr", kVoid | kBreak | kClosesP},
    {"area", kVoid},
    {"base", kVoid},
    {"basefont", kVoid},
    {"bgsound", kVoid},
    {"col", kVoid},
    {"embed", kVoid},
    {"frame", kVoid},
    {"img", kVoid},
    {"image", kVoid},
    {"input", kVoid},
    {"keygen", kVoid},
    {"link", kVoid},
    {"meta", kVoid},
    {"param", kVoid},
    {"source", kVoid},
    {"track", kVoid},
    {"wbr", kVoid},
    {"script", kDropped | kRawText},
    {"style", kDropped | kRawText},
    {"noscript", kDropped | kRawText},
    {"iframe", kDropped | kRawText},
    {"noembed", kDropped | kRawText},
    {"noframes", kDropped | kRawText},
    {"xmp", kBlockP | kRawText},
    {"textarea", kDropped | kRcdata},
    {"title", kDropped | kRcdata | kTitle},
    {"plaintext", kBlockP | kPlaintext},
    {"template", kDropped | kScope | kTableScope},
    {"select", kDropped},
    {"button", kDropped | kButton},
    {"canvas", kDropped},
    {"audio", kDropped},
    {"video", kDropped},
    {"object", kDropped | kScope},
    {"applet", kDropped | kScope},
    {"marquee", kScope},
    {"svg", kDropped | kForeign},
    {"math", kDropped | kForeign},
};

// FNV-1a (32 bits) of the lowercased tag name: the key of the tag table and of the open-element
// stack, where names are only compared with each other within one page.
constexpr uint32_t kFnvBasis = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;

constexpr uint32_t HashName(absl::string_view lower) {
  uint32_t h = kFnvBasis;
  for (char c : lower) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return h;
}

// Open addressing over the tag table; 512 slots for ~90 names keeps probes short.
class TagTable {
 public:
  TagTable() {
    for (const TagInfo& tag : kTags) {
      const uint32_t hash = HashName(tag.name);
      size_t slot = hash & kMask;
      while (slots_[slot].name != nullptr) slot = (slot + 1) & kMask;
      uint32_t flags = tag.flags;
      const absl::string_view name = tag.name;
      if ((flags & (kBlock | kScope)) && name != "address" && name != "div" && name != "p" &&
          name != "li" && name != "dd" && name != "dt") {
        flags |= kSpecial;
      }
      slots_[slot] = Slot{tag.name, hash, flags};
    }
  }
  // Flags of the tag named `lower` (lowercase) with hash `hash`; 0 for an unknown name.
  uint32_t Find(absl::string_view lower, uint32_t hash) const {
    for (size_t slot = hash & kMask;; slot = (slot + 1) & kMask) {
      const Slot& s = slots_[slot];
      if (s.name == nullptr) return 0;
      if (s.hash == hash && lower == s.name) return s.flags;
    }
  }

 private:
  static constexpr size_t kMask = 511;
  struct Slot {
    const char* name = nullptr;
    uint32_t hash = 0;
    uint32_t flags = 0;
  };
  Slot slots_[kMask + 1];
};

const TagTable& Tags() {
  static const TagTable* const table = new TagTable();
  return *table;
}

constexpr size_t kMaxTagName = 32;  // longer names are hashed whole but never match the table

// A tag as the tokenizer read it.
struct Tag {
  char lower[kMaxTagName];  // first bytes of the lowercased name
  size_t length = 0;        // of the whole name
  uint32_t hash = kFnvBasis;
  bool self_closing = false;
  bool hidden = false;       // has the `hidden` attribute
  bool chrome_role = false;  // role="navigation|banner|contentinfo|complementary"
  absl::string_view name() const { return absl::string_view(lower, std::min(length, kMaxTagName)); }
};

// Reads a tag name starting at `p` (the first letter); stops at whitespace, '/', '>' or the end.
const char* ReadTagName(const char* p, const char* end, Tag* tag) {
  tag->length = 0;
  tag->hash = kFnvBasis;
  while (p < end && !IsHtmlSpace(*p) && *p != '/' && *p != '>') {
    const char c = absl::ascii_tolower(static_cast<unsigned char>(*p));
    if (tag->length < kMaxTagName) tag->lower[tag->length] = c;
    ++tag->length;
    tag->hash = (tag->hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
    ++p;
  }
  return p;
}

// Steps through the attributes of a tag (HTML standard §13.2.5.32–42) from `p`, just after the
// name, and calls on_attribute(name, value) for each (value empty when absent; both raw, not
// lowercased, references not decoded). Returns the byte after the closing '>', or nullptr when the
// input ends inside the tag (the tag is then dropped, as the standard's EOF-in-tag rule says).
template <typename OnAttribute>
const char* ReadAttributes(const char* p, const char* end, bool* self_closing,
                           OnAttribute&& on_attribute) {
  *self_closing = false;
  while (true) {
    while (p < end && IsHtmlSpace(*p)) ++p;
    if (p == end) return nullptr;
    if (*p == '>') return p + 1;
    if (*p == '/') {
      ++p;
      if (p < end && *p == '>') {
        *self_closing = true;
        return p + 1;
      }
      continue;
    }
    // Attribute name: a leading '=' belongs to the name (unexpected-equals-sign parse error).
    const char* name_begin = p++;
    while (p < end && !IsHtmlSpace(*p) && *p != '/' && *p != '>' && *p != '=') ++p;
    const absl::string_view name(name_begin, static_cast<size_t>(p - name_begin));
    while (p < end && IsHtmlSpace(*p)) ++p;
    if (p == end) return nullptr;
    absl::string_view value;
    if (*p == '=') {
      ++p;
      while (p < end && IsHtmlSpace(*p)) ++p;
      if (p == end) return nullptr;
      if (*p == '"' || *p == '\'') {
        const char quote = *p++;
        const char* close = FindByte(p, end, quote);
        if (close == nullptr) return nullptr;
        value = absl::string_view(p, static_cast<size_t>(close - p));
        p = close + 1;
      } else if (*p != '>') {
        const char* value_begin = p;
        while (p < end && !IsHtmlSpace(*p) && *p != '>') ++p;
        value = absl::string_view(value_begin, static_cast<size_t>(p - value_begin));
      }
    }
    on_attribute(name, value);
  }
}

// Skips to the byte after the next '>' (or to the end): doctypes, bogus comments, tags not read.
const char* SkipToGreater(const char* q, const char* end) {
  const char* close = FindByte(q, end, '>');
  return close == nullptr ? end : close + 1;
}

bool IsChromeRole(absl::string_view value) {
  // ARIA: the first token of the role attribute is the element's role.
  size_t begin = 0;
  while (begin < value.size() && IsHtmlSpace(value[begin])) ++begin;
  size_t end = begin;
  while (end < value.size() && !IsHtmlSpace(value[end])) ++end;
  const absl::string_view role = value.substr(begin, end - begin);
  return absl::EqualsIgnoreCase(role, "navigation") || absl::EqualsIgnoreCase(role, "banner") ||
         absl::EqualsIgnoreCase(role, "contentinfo") ||
         absl::EqualsIgnoreCase(role, "complementary");
}

// Finds the end tag that closes a raw-text element named `lower`: "</" + the name in any case +
// whitespace, '/' or '>'. Returns its '<', or `end`.
const char* FindRawTextEnd(const char* p, const char* end, absl::string_view lower) {
  while (true) {
    p = FindByte(p, end, '<');
    if (p == nullptr) return end;
    const size_t rest = static_cast<size_t>(end - p);
    if (rest >= lower.size() + 2 && p[1] == '/' &&
        absl::EqualsIgnoreCase(absl::string_view(p + 2, lower.size()), lower)) {
      const char* after = p + 2 + lower.size();
      // At the very end of the input "</title" is an end tag cut short: the element ends there.
      if (after == end || IsHtmlSpace(*after) || *after == '/' || *after == '>') return p;
    }
    ++p;
  }
}

// Where collapsed text is written: words separated by one space or one newline, nothing at the
// start or end.
class TextSink {
 public:
  enum Separator : uint8_t { kNone = 0, kSpaceSeparator = 1, kLineSeparator = 2 };

  void Reset(std::string* out) {
    out_ = out;
    out_->clear();
    pending_ = kNone;
  }
  void Space() {
    if (pending_ < kSpaceSeparator) pending_ = kSpaceSeparator;
  }
  void Line() { pending_ = kLineSeparator; }
  void Word(const char* begin, const char* end) {
    if (pending_ != kNone) {
      if (!out_->empty()) out_->push_back(pending_ == kLineSeparator ? '\n' : ' ');
      pending_ = kNone;
    }
    out_->append(begin, static_cast<size_t>(end - begin));
  }
  // Text that may hold whitespace: split into words.
  void Text(const char* p, const char* end) {
    while (p < end) {
      if (IsHtmlSpace(*p)) {
        Space();
        ++p;
        continue;
      }
      const char* word = p;
      while (p < end && !IsHtmlSpace(*p)) ++p;
      Word(word, p);
    }
  }

 private:
  std::string* out_ = nullptr;
  Separator pending_ = kNone;
};

// Decodes the character reference at `p` ('&') into `sink`; returns the byte after it. Text
// that is not a reference is written as it is.
const char* DecodeReference(const char* p, const char* end, TextSink* sink) {
  const char* q = p + 1;
  char buffer[8];
  if (q < end && *q == '#') {
    ++q;
    const bool hex = q < end && (*q == 'x' || *q == 'X');
    if (hex) ++q;
    const char* digits = q;
    uint32_t value = 0;
    while (q < end) {
      const unsigned char c = static_cast<unsigned char>(*q);
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (hex && absl::ascii_isxdigit(c)) {
        digit = (absl::ascii_tolower(c) - 'a') + 10;
      } else {
        break;
      }
      value = std::min<uint32_t>(value * (hex ? 16 : 10) + digit, 0x110000);
      ++q;
    }
    if (q == digits) {  // "&#" or "&#x" without digits: not a reference
      sink->Word(p, p + 1);
      return p + 1;
    }
    if (q < end && *q == ';') ++q;
    char32_t cp = value;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      cp = kReplacementCharacter;
    } else if (cp >= 0x80 && cp <= 0x9F && kC1Replacements[cp - 0x80] != 0) {
      cp = kC1Replacements[cp - 0x80];
    }
    const size_t n = EncodeUtf8(cp, buffer);
    sink->Text(buffer, buffer + n);
    return q;
  }
  const char* name = q;
  while (q < end && static_cast<size_t>(q - name) <= kMaxReferenceName && IsAsciiAlnum(*q)) ++q;
  const size_t length = static_cast<size_t>(q - name);
  const NamedReference* found = nullptr;
  const char* after = q;
  if (length > 0 && length <= kMaxReferenceName && q < end && *q == ';') {
    found = FindReference(absl::string_view(name, length));
    after = q + 1;
  }
  if (found == nullptr) {
    // The legacy names match without ';', also as a prefix of a longer run ("&notit" is "¬it").
    for (size_t n = std::min(length, kMaxLegacyName); n >= 2 && found == nullptr; --n) {
      const NamedReference* row = FindReference(absl::string_view(name, n));
      if (row != nullptr && row->legacy) {
        found = row;
        after = name + n;
      }
    }
  }
  if (found == nullptr) {
    sink->Word(p, p + 1);
    return p + 1;
  }
  size_t n = EncodeUtf8(found->first, buffer);
  if (found->second != 0) n += EncodeUtf8(found->second, buffer + n);
  sink->Text(buffer, buffer + n);
  return after;
}

// Text with character references (RCDATA content such as a title) into `sink`.
void DecodeText(const char* p, const char* end, TextSink* sink) {
  while (p < end) {
    const char* amp = FindByte(p, end, '&');
    if (amp == nullptr) amp = end;
    sink->Text(p, amp);
    if (amp == end) break;
    p = DecodeReference(amp, end, sink);
  }
}

}  // namespace

// ---- The tokenizer ------------------------------------------------------------------------------

class HtmlTextExtractor::Tokenizer {
 public:
  explicit Tokenizer(const HtmlTextOptions& options) : options_(options) { stack_.reserve(64); }

  void Run(absl::string_view html, std::string* text, std::string* title) {
    text_.Reset(text);
    title_.Reset(title);
    title_seen_ = false;
    stack_.clear();
    open_by_hash_.fill(0);
    open_by_group_.fill(0);
    dropped_ = 0;
    foreign_ = 0;
    const char* p = html.data();
    const char* const end = p + html.size();
    while (p < end) {
      if (dropped_ > 0) {
        p = FindByte(p, end, '<');
        if (p == nullptr) break;
        p = Markup(p, end);
        continue;
      }
      const char* word = p;
      while (p < end) {
        const uint8_t c = kByteClass[static_cast<unsigned char>(*p)];
        if (c == kPlain) {
          ++p;
          continue;
        }
        if (p > word) text_.Word(word, p);
        if (c == kSpace) {
          text_.Space();
          word = ++p;
          continue;
        }
        break;
      }
      if (p == end) {
        if (p > word) text_.Word(word, p);
        break;
      }
      p = *p == '&' ? DecodeReference(p, end, &text_) : Markup(p, end);
    }
  }

 private:
  struct Open {
    uint32_t hash;
    uint32_t flags;
    bool dropped;
  };

  bool Dropping() const { return dropped_ > 0; }

  // Handles the markup that starts at `p` ('<'); returns the byte after it.
  const char* Markup(const char* p, const char* end) {
    const char* q = p + 1;
    if (q == end) {
      if (!Dropping()) text_.Word(p, q);
      return end;
    }
    if (*q == '!') {
      if (end - q >= 3 && q[1] == '-' && q[2] == '-') return SkipComment(q + 3, end);
      if (foreign_ > 0 && end - q >= 8 && std::memcmp(q + 1, "[CDATA[", 7) == 0) {
        const absl::string_view rest(q + 8, static_cast<size_t>(end - q - 8));
        const size_t close = rest.find("]]>");
        return close == absl::string_view::npos ? end : q + 8 + close + 3;
      }
      return SkipToGreater(q, end);  // doctype or bogus comment
    }
    if (*q == '?') return SkipToGreater(q, end);
    if (*q == '/') {
      ++q;
      if (q == end) {
        if (!Dropping()) text_.Word(p, end);
        return end;
      }
      if (*q == '>') return q + 1;
      if (!IsAsciiAlpha(*q)) return SkipToGreater(q, end);
      Tag tag;
      q = ReadTagName(q, end, &tag);
      q = ReadAttributes(q, end, &tag.self_closing, [](absl::string_view, absl::string_view) {});
      if (q == nullptr) return end;
      EndTag(tag);
      return q;
    }
    if (!IsAsciiAlpha(*q)) {
      if (!Dropping()) text_.Word(p, q);
      return q;
    }
    Tag tag;
    q = ReadTagName(q, end, &tag);
    q = ReadAttributes(
        q, end, &tag.self_closing, [&tag](absl::string_view name, absl::string_view value) {
          if (name.size() == 6 && absl::EqualsIgnoreCase(name, "hidden")) tag.hidden = true;
          if (name.size() == 4 && absl::EqualsIgnoreCase(name, "role") && IsChromeRole(value)) {
            tag.chrome_role = true;
          }
        });
    if (q == nullptr) return end;
    return StartTag(tag, q, end);
  }

  // After "<!--": the comment ends at "-->" or "--!>"; "<!-->" and "<!--->" are empty comments.
  static const char* SkipComment(const char* q, const char* end) {
    if (q < end && *q == '>') return q + 1;
    if (end - q >= 2 && q[0] == '-' && q[1] == '>') return q + 2;
    const absl::string_view rest(q, static_cast<size_t>(end - q));
    for (size_t at = rest.find("--"); at != absl::string_view::npos; at = rest.find("--", at + 1)) {
      if (at + 2 < rest.size() && rest[at + 2] == '>') return q + at + 3;
      if (at + 3 < rest.size() && rest[at + 2] == '!' && rest[at + 3] == '>') return q + at + 4;
    }
    return end;
  }

  uint32_t Flags(const Tag& tag) const {
    return tag.length <= kMaxTagName ? Tags().Find(tag.name(), tag.hash) : 0;
  }

  const char* StartTag(const Tag& tag, const char* q, const char* end) {
    const uint32_t flags = Flags(tag);
    if (flags & kIgnored) return q;
    if (foreign_ == 0) {
      if (flags & (kRawText | kRcdata)) {
        const char* close = FindRawTextEnd(q, end, tag.name());
        if (!Dropping()) {
          if (flags & kTitle) {
            if (!title_seen_) {
              title_seen_ = true;
              DecodeText(q, close, &title_);
            }
          } else if (!(flags & kDropped)) {  // xmp: shown as it is
            if (flags & kClosesP) ClosePrevious(kIsP, kScope | kButton);
            text_.Line();
            text_.Text(q, close);
            text_.Line();
          }
        }
        if (close == end) return end;
        const char* after = SkipToGreater(close, end);
        return after;
      }
      if (flags & kPlaintext) {
        if (!Dropping()) {
          ClosePrevious(kIsP, kScope | kButton);
          text_.Line();
          text_.Text(q, end);
        }
        return end;
      }
    }
    if (flags & kClosesP) ClosePrevious(kIsP, kScope | kButton);
    if (flags & kIsLi) ClosePrevious(kIsLi, kSpecial);
    if (flags & kIsDdDt) ClosePrevious(kIsDdDt, kSpecial);
    if (flags & kIsCell) ClosePrevious(kIsCell, kTableScope);
    if (flags & kIsRow) ClosePrevious(kIsRow, kTableScope);
    if (flags & kIsSection) ClosePrevious(kIsSection, kTableScope);
    if (flags & kBreak) text_.Line();
    if ((flags & kVoid) || (tag.self_closing && foreign_ > 0)) return q;
    if (flags & kBlock) text_.Line();
    const bool dropped = (flags & kDropped) || tag.hidden ||
                         (!options_.keep_page_chrome && ((flags & kChrome) || tag.chrome_role));
    if (stack_.size() < options_.max_depth) {
      stack_.push_back(Open{tag.hash, flags, dropped});
      Count(stack_.back(), +1);
    }
    return q;
  }

  void EndTag(const Tag& tag) {
    const uint32_t flags = Flags(tag);
    if (flags & kIgnored) return;
    if (flags & kBreak) {  // </br> is a <br> (HTML standard, "in body", end tag "br")
      text_.Line();
      return;
    }
    const uint32_t boundary = (flags & kTablePart) ? kTableScope : kScope;
    // Most stray end tags name nothing open: the count per hash bucket says so without a search.
    for (size_t i = open_by_hash_[tag.hash & kHashBuckets] > 0 ? stack_.size() : 0; i-- > 0;) {
      if (stack_[i].hash == tag.hash) {
        PopTo(i);
        break;
      }
      if (stack_[i].flags & boundary) break;
    }
    if (flags & kBlock) text_.Line();
  }

  // Closes the nearest open element with one of `group` flags unless an element with `boundary`
  // flags comes first.
  void ClosePrevious(uint32_t group, uint32_t boundary) {
    if (open_by_group_[std::countr_zero(group)] == 0) return;
    for (size_t i = stack_.size(); i-- > 0;) {
      if (stack_[i].flags & group) {
        PopTo(i);
        return;
      }
      if (stack_[i].flags & boundary) return;
    }
  }

  // Pops stack_[index] and everything above it.
  void PopTo(size_t index) {
    while (stack_.size() > index) {
      const Open& open = stack_.back();
      Count(open, -1);
      if (open.flags & kBlock) text_.Line();
      stack_.pop_back();
    }
  }

  // Keeps the counters of open elements in step with the stack.
  void Count(const Open& open, int delta) {
    dropped_ += open.dropped ? delta : 0;
    foreign_ += (open.flags & kForeign) ? delta : 0;
    open_by_hash_[open.hash & kHashBuckets] += delta;
    if (open.flags & kGroups) open_by_group_[std::countr_zero(open.flags & kGroups)] += delta;
  }

  static constexpr uint32_t kHashBuckets = 255;
  static constexpr uint32_t kGroups = kIsP | kIsLi | kIsDdDt | kIsCell | kIsRow | kIsSection;

  const HtmlTextOptions& options_;
  TextSink text_;
  TextSink title_;
  bool title_seen_ = false;
  std::vector<Open> stack_;
  uint32_t dropped_ = 0;                                   // open elements whose text is dropped
  uint32_t foreign_ = 0;                                   // open svg / math elements
  std::array<uint32_t, kHashBuckets + 1> open_by_hash_{};  // open elements by hash & 255
  std::array<uint32_t, 32> open_by_group_{};  // open elements by group flag (bit index)
};

// ---- Charsets -----------------------------------------------------------------------------------

namespace {

constexpr absl::string_view kUtf8 = "UTF-8";

// How a page's declared label is read. Returns the canonical name: "UTF-8", "windows-1256",
// "ISO-8859-6", "windows-1252", or the label itself for ICU to resolve.
std::string CanonicalCharset(absl::string_view label, bool from_meta) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(label));
  static constexpr absl::string_view kUtf8Labels[] = {
      "utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"};
  static constexpr absl::string_view kWindows1256Labels[] = {"windows-1256", "cp1256", "x-cp1256"};
  static constexpr absl::string_view kIso88596Labels[] = {
      "iso-8859-6",       "arabic",   "asmo-708",     "csiso88596e",    "csiso88596i",
      "csisolatinarabic", "ecma-114", "iso-8859-6-e", "iso-8859-6-i",   "iso-ir-127",
      "iso8859-6",        "iso88596", "iso_8859-6",   "iso_8859-6:1987"};
  static constexpr absl::string_view kWindows1252Labels[] = {"ansi_x3.4-1968",
                                                             "ascii",
                                                             "cp1252",
                                                             "cp819",
                                                             "csisolatin1",
                                                             "ibm819",
                                                             "iso-8859-1",
                                                             "iso-ir-100",
                                                             "iso8859-1",
                                                             "iso88591",
                                                             "iso_8859-1",
                                                             "iso_8859-1:1987",
                                                             "l1",
                                                             "latin1",
                                                             "us-ascii",
                                                             "windows-1252",
                                                             "x-cp1252",
                                                             "x-user-defined"};
  auto in = [&lower](auto& labels) {
    return std::find(std::begin(labels), std::end(labels), lower) != std::end(labels);
  };
  if (in(kUtf8Labels)) return std::string(kUtf8);
  if (in(kWindows1256Labels)) return "windows-1256";
  if (in(kIso88596Labels)) return "ISO-8859-6";
  if (in(kWindows1252Labels)) return "windows-1252";
  // A page cannot be in UTF-16 and hold a readable <meta> (WHATWG prescan: "utf-16be/le" → UTF-8).
  if (from_meta && absl::StartsWith(lower, "utf-16")) return std::string(kUtf8);
  return lower;
}

bool IsUtf8(absl::string_view canonical) { return canonical == kUtf8; }

}  // namespace

absl::string_view CharsetFromContentType(absl::string_view content_type) {
  size_t at = 0;
  while (true) {
    const size_t semicolon = content_type.find(';', at);
    if (semicolon == absl::string_view::npos) return {};
    absl::string_view parameter = content_type.substr(semicolon + 1);
    parameter = absl::StripLeadingAsciiWhitespace(parameter);
    at = semicolon + 1;
    if (parameter.size() < 8 || !absl::StartsWithIgnoreCase(parameter, "charset")) continue;
    parameter.remove_prefix(7);
    parameter = absl::StripLeadingAsciiWhitespace(parameter);
    if (parameter.empty() || parameter[0] != '=') continue;
    parameter.remove_prefix(1);
    parameter = absl::StripLeadingAsciiWhitespace(parameter);
    if (!parameter.empty() && (parameter[0] == '"' || parameter[0] == '\'')) {
      const char quote = parameter[0];
      parameter.remove_prefix(1);
      const size_t close = parameter.find(quote);
      return parameter.substr(0, close);
    }
    size_t stop = 0;
    while (stop < parameter.size() && parameter[stop] != ';' && !IsHtmlSpace(parameter[stop])) {
      ++stop;
    }
    return parameter.substr(0, stop);
  }
}

std::string SniffMetaCharset(absl::string_view html) {
  const char* p = html.data();
  const char* const end = p + html.size();
  while (true) {
    p = FindByte(p, end, '<');
    if (p == nullptr || p + 1 >= end) return std::string();
    const char* q = p + 1;
    if (end - q >= 3 && q[0] == '!' && q[1] == '-' && q[2] == '-') {
      const absl::string_view rest(q + 3, static_cast<size_t>(end - q - 3));
      const size_t close = rest.find("-->");
      if (close == absl::string_view::npos) return std::string();
      p = q + 3 + close + 3;
      continue;
    }
    if (*q == '/') ++q;
    if (q >= end || !IsAsciiAlpha(*q)) {
      p = SkipToGreater(q, end);
      continue;
    }
    Tag tag;
    q = ReadTagName(q, end, &tag);
    const bool is_meta = p[1] != '/' && tag.name() == "meta";
    absl::string_view charset, http_equiv, content;
    bool self_closing;
    q = ReadAttributes(q, end, &self_closing, [&](absl::string_view name, absl::string_view value) {
      if (!is_meta) return;
      if (absl::EqualsIgnoreCase(name, "charset") && charset.empty()) charset = value;
      if (absl::EqualsIgnoreCase(name, "http-equiv")) http_equiv = value;
      if (absl::EqualsIgnoreCase(name, "content")) content = value;
    });
    if (q == nullptr) return std::string();
    if (is_meta) {
      absl::string_view found = absl::StripAsciiWhitespace(charset);
      if (found.empty() && absl::EqualsIgnoreCase(http_equiv, "content-type")) {
        found = CharsetFromContentType(content);
      }
      if (!found.empty()) return std::string(found);
    }
    p = q;
  }
}

// Open ICU converters by canonical name, the most recent few.
struct HtmlTextExtractor::Converters {
  struct Entry {
    std::string name;
    UConverter* converter = nullptr;
  };
  static constexpr size_t kMaxOpen = 4;
  std::vector<Entry> open;  // most recently used last
  UConverter* utf8 = nullptr;

  ~Converters() {
    for (Entry& entry : open) ucnv_close(entry.converter);
    if (utf8 != nullptr) ucnv_close(utf8);
  }

  // The converter for `name`, or nullptr when ICU does not know it.
  UConverter* Get(const std::string& name) {
    for (size_t i = 0; i < open.size(); ++i) {
      if (open[i].name == name) {
        std::rotate(open.begin() + i, open.begin() + i + 1, open.end());
        return open.back().converter;
      }
    }
    UErrorCode error = U_ZERO_ERROR;
    UConverter* converter = ucnv_open(name.c_str(), &error);
    if (U_FAILURE(error)) return nullptr;
    if (open.size() == kMaxOpen) {
      ucnv_close(open.front().converter);
      open.erase(open.begin());
    }
    open.push_back(Entry{name, converter});
    return converter;
  }
};

absl::Status HtmlTextOptions::Validate() const {
  if (prescan_bytes < 64 || prescan_bytes > (1u << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HtmlTextOptions::prescan_bytes must be in [64, 1048576], got ", prescan_bytes));
  }
  if (max_depth < 16 || max_depth > 65536) {
    return absl::InvalidArgumentError(
        absl::StrCat("HtmlTextOptions::max_depth must be in [16, 65536], got ", max_depth));
  }
  if (!undeclared_fallback.empty()) {
    const std::string name = CanonicalCharset(undeclared_fallback, /*from_meta=*/false);
    UErrorCode error = U_ZERO_ERROR;
    UConverter* converter = ucnv_open(name.c_str(), &error);
    if (converter != nullptr) ucnv_close(converter);
    if (U_FAILURE(error)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HtmlTextOptions::undeclared_fallback: unknown charset \"", undeclared_fallback, "\""));
    }
  }
  return absl::OkStatus();
}

HtmlTextExtractor::HtmlTextExtractor(HtmlTextOptions options)
    : options_(std::move(options)),
      tokenizer_(std::make_unique<Tokenizer>(options_)),
      converters_(std::make_unique<Converters>()) {}

HtmlTextExtractor::~HtmlTextExtractor() = default;

absl::StatusOr<absl::string_view> HtmlTextExtractor::Decode(absl::string_view bytes,
                                                            absl::string_view declared_charset,
                                                            bool is_html, std::string* charset) {
  if (decoded_.capacity() > (16u << 20)) std::string().swap(decoded_);  // after a huge page
  std::string name;
  // 1. Byte order mark.
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    name = std::string(kUtf8);
  } else if (bytes.size() >= 2 && bytes.substr(0, 2) == "\xFE\xFF") {
    bytes.remove_prefix(2);
    name = "UTF-16BE";
  } else if (bytes.size() >= 2 && bytes.substr(0, 2) == "\xFF\xFE") {
    bytes.remove_prefix(2);
    name = "UTF-16LE";
  }
  // 2. HTTP; 3. <meta>. A label ICU does not know is no declaration.
  if (name.empty() && !declared_charset.empty()) {
    name = CanonicalCharset(declared_charset, /*from_meta=*/false);
    if (!IsUtf8(name) && converters_->Get(name) == nullptr) name.clear();
  }
  if (name.empty() && is_html) {
    const std::string meta = SniffMetaCharset(bytes.substr(0, options_.prescan_bytes));
    if (!meta.empty()) {
      name = CanonicalCharset(meta, /*from_meta=*/true);
      if (!IsUtf8(name) && converters_->Get(name) == nullptr) name.clear();
    }
  }
  // 4. UTF-8, or the fallback for undeclared bytes that are not UTF-8.
  const bool declared = !name.empty();
  if (!declared) name = std::string(kUtf8);
  if (IsUtf8(name)) {
    if (FirstInvalidUtf8(bytes) == absl::string_view::npos) {
      *charset = std::move(name);
      return bytes;
    }
    if (declared || options_.undeclared_fallback.empty()) {
      decoded_.clear();
      AppendValidUtf8(bytes, &decoded_);
      *charset = std::move(name);
      return absl::string_view(decoded_);
    }
    name = CanonicalCharset(options_.undeclared_fallback, /*from_meta=*/false);
  }
  UConverter* from = converters_->Get(name);
  if (from == nullptr) {  // only the fallback can get here; Validate() checked it
    return absl::InternalError(absl::StrCat("cannot open the charset converter for ", name));
  }
  if (converters_->utf8 == nullptr) {
    UErrorCode error = U_ZERO_ERROR;
    converters_->utf8 = ucnv_open("UTF-8", &error);
    if (U_FAILURE(error)) return IcuToStatus(error, "cannot open the UTF-8 converter");
  }
  // Streaming conversion through a UTF-16 pivot (ucnv_convertEx): any input size, and the output
  // grows as needed. Single-byte charsets need at most 3 output bytes per input byte.
  decoded_.resize(bytes.size() * 3 + 16);
  const char* source = bytes.data();
  const char* const source_limit = source + bytes.size();
  UChar pivot[1024];
  UChar* pivot_source = pivot;
  UChar* pivot_target = pivot;
  size_t written = 0;
  bool reset = true;
  while (true) {
    char* target = decoded_.data() + written;
    UErrorCode error = U_ZERO_ERROR;
    ucnv_convertEx(converters_->utf8, from, &target, decoded_.data() + decoded_.size(), &source,
                   source_limit, pivot, &pivot_source, &pivot_target, pivot + 1024, reset,
                   /*flush=*/true, &error);
    reset = false;
    written = static_cast<size_t>(target - decoded_.data());
    if (error == U_BUFFER_OVERFLOW_ERROR) {
      decoded_.resize(decoded_.size() * 2);
      continue;
    }
    if (U_FAILURE(error)) {
      ucnv_reset(from);
      return IcuToStatus(error, absl::StrCat("converting from ", name));
    }
    break;
  }
  decoded_.resize(written);
  *charset = std::move(name);
  return absl::string_view(decoded_);
}

absl::Status HtmlTextExtractor::ExtractHtml(absl::string_view bytes,
                                            absl::string_view declared_charset, WebText* page) {
  NAQL_ASSIGN_OR_RETURN(absl::string_view utf8,
                        Decode(bytes, declared_charset, /*is_html=*/true, &page->charset));
  tokenizer_->Run(utf8, &page->text, &page->title);
  return absl::OkStatus();
}

absl::Status HtmlTextExtractor::ExtractPlainText(absl::string_view bytes,
                                                 absl::string_view declared_charset,
                                                 WebText* page) {
  NAQL_ASSIGN_OR_RETURN(absl::string_view utf8,
                        Decode(bytes, declared_charset, /*is_html=*/false, &page->charset));
  page->text.assign(utf8.data(), utf8.size());
  page->title.clear();
  return absl::OkStatus();
}

void HtmlTextExtractor::ExtractUtf8(absl::string_view html, std::string* text, std::string* title) {
  tokenizer_->Run(html, text, title);
}

}  // namespace naql::internal
