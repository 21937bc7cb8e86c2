#include "printers.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "html_printer.h"
#include "naql/json.h"

namespace naql::cli {
namespace {

absl::string_view Slice(const Document& doc, const OriginalSpan& span) {
  return absl::string_view(doc.text).substr(span.byte_begin, span.byte_end - span.byte_begin);
}

// ---- jsonl ------------------------------------------------------------------------------------

class JsonlPrinter : public ReportPrinter {
 public:
  JsonlPrinter(Output* out, const std::vector<ScannedDocument>* documents)
      : out_(out), documents_(documents) {}

  void OnPair(const PairReport& pair, const Document& a, const Document& b) override {
    std::string* line = out_->buffer();
    line->append("{\"type\":\"pair\",\"a\":");
    AppendJsonString(a.id, line);
    line->append(",\"b\":");
    AppendJsonString(b.id, line);
    absl::StrAppend(line, ",\"kind\":\"", PairKindName(pair.kind), "\",\"jaccard\":");
    if (pair.jaccard.has_value()) AppendJsonNumber(*pair.jaccard, 4, line);
    else line->append("null");
    line->append(",\"coverage_a\":");
    AppendJsonNumber(pair.coverage_a, 4, line);
    line->append(",\"coverage_b\":");
    AppendJsonNumber(pair.coverage_b, 4, line);
    line->append(",\"spans\":[");
    for (size_t i = 0; i < pair.spans.size(); ++i) {
      const Span& s = pair.spans[i];
      if (i > 0) line->push_back(',');
      absl::StrAppend(line, "{\"a_begin\":", s.a.cp_begin, ",\"a_end\":", s.a.cp_end,
                      ",\"b_begin\":", s.b.cp_begin, ",\"b_end\":", s.b.cp_end,
                      ",\"a_byte_begin\":", s.a.byte_begin, ",\"a_byte_end\":", s.a.byte_end,
                      ",\"b_byte_begin\":", s.b.byte_begin, ",\"b_byte_end\":", s.b.byte_end,
                      ",\"words\":", s.words, ",\"matches\":", s.matches, ",\"edits\":", s.edits,
                      ",\"similarity\":");
      AppendJsonNumber(s.similarity, 4, line);
      absl::StrAppend(line, ",\"quote\":", s.quote ? "true" : "false", ",\"a_text\":");
      AppendJsonString(Slice(a, s.a), line);
      line->append(",\"b_text\":");
      AppendJsonString(Slice(b, s.b), line);
      line->push_back('}');
    }
    line->append("]}\n");
    out_->MaybeFlush();
  }

  void OnCluster(const Cluster& cluster) override {
    std::string* line = out_->buffer();
    absl::StrAppend(line, "{\"type\":\"cluster\",\"id\":", cluster.id, ",\"members\":[");
    for (size_t i = 0; i < cluster.members.size(); ++i) {
      if (i > 0) line->push_back(',');
      AppendJsonString((*documents_)[cluster.members[i]].id, line);
    }
    line->append("],\"origin\":");
    AppendJsonString((*documents_)[cluster.origin].id, line);
    line->append("}\n");
    out_->MaybeFlush();
  }

  void OnQuote(const RepeatedQuote& quote) override {
    std::string* line = out_->buffer();
    absl::StrAppend(line, "{\"type\":\"quote\",\"id\":", quote.id, ",\"text\":");
    AppendJsonString(quote.text, line);
    line->append(",\"occurrences\":[");
    for (size_t i = 0; i < quote.occurrences.size(); ++i) {
      const QuoteOccurrence& o = quote.occurrences[i];
      if (i > 0) line->push_back(',');
      line->append("{\"doc\":");
      AppendJsonString((*documents_)[o.doc].id, line);
      absl::StrAppend(line, ",\"begin\":", o.span.cp_begin, ",\"end\":", o.span.cp_end,
                      ",\"byte_begin\":", o.span.byte_begin, ",\"byte_end\":", o.span.byte_end,
                      ",\"text\":");
      AppendJsonString(o.text, line);
      line->push_back('}');
    }
    line->append("]}\n");
    out_->MaybeFlush();
  }

  void PrintSummary(const ReportSummary& summary) override {
    std::string* line = out_->buffer();
    absl::StrAppend(line, "{\"type\":\"summary\",\"documents\":", summary.documents,
                    ",\"skipped\":", summary.skipped, ",\"pairs\":", summary.pairs,
                    ",\"clusters\":", summary.clusters, ",\"quotes\":", summary.quotes,
                    ",\"seconds\":");
    AppendJsonNumber(summary.seconds, 3, line);
    line->append("}\n");
    out_->Flush();
  }

 private:
  Output* out_;
  const std::vector<ScannedDocument>* documents_;
};

// ---- tsv --------------------------------------------------------------------------------------

// Columns, one span per row (a pair with n spans gives n rows). Documented in the README.
constexpr char kTsvHeader[] =
    "a\tb\tkind\tjaccard\tcoverage_a\tcoverage_b\tspan\ta_begin\ta_end\tb_begin\tb_end\t"
    "a_byte_begin\ta_byte_end\tb_byte_begin\tb_byte_end\twords\tmatches\tedits\tsimilarity\t"
    "quote\ta_text\tb_text\n";

}  // namespace

void AppendTsvField(absl::string_view text, std::string* out) {
  const size_t start = out->size();
  AppendValidUtf8(text, out);
  // Most fields need no escape. Otherwise the valid copy is rewritten from its first byte that
  // does, a run of plain bytes at a time.
  const size_t first = out->find_first_of("\t\n\r\\", start);
  if (first == std::string::npos) return;
  const std::string rest = out->substr(first);
  out->resize(first);
  size_t run = 0;
  for (size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    const char* const escape = c == '\t'   ? "\\t"
                               : c == '\n' ? "\\n"
                               : c == '\r' ? "\\r"
                               : c == '\\' ? "\\\\"
                                           : nullptr;
    if (escape == nullptr) continue;
    out->append(rest, run, i - run);
    out->append(escape, 2);
    run = i + 1;
  }
  out->append(rest, run);
}

namespace {

class TsvPrinter : public ReportPrinter {
 public:
  explicit TsvPrinter(Output* out) : out_(out) { out_->Write(kTsvHeader); }

  void OnPair(const PairReport& pair, const Document& a, const Document& b) override {
    std::string* line = out_->buffer();
    for (size_t i = 0; i < pair.spans.size(); ++i) {
      const Span& s = pair.spans[i];
      AppendTsvField(a.id, line);
      line->push_back('\t');
      AppendTsvField(b.id, line);
      absl::StrAppend(line, "\t", PairKindName(pair.kind), "\t");
      if (pair.jaccard.has_value()) AppendJsonNumber(*pair.jaccard, 4, line);
      line->push_back('\t');
      AppendJsonNumber(pair.coverage_a, 4, line);
      line->push_back('\t');
      AppendJsonNumber(pair.coverage_b, 4, line);
      absl::StrAppend(line, "\t", i, "\t", s.a.cp_begin, "\t", s.a.cp_end, "\t", s.b.cp_begin,
                      "\t", s.b.cp_end, "\t", s.a.byte_begin, "\t", s.a.byte_end, "\t",
                      s.b.byte_begin, "\t", s.b.byte_end, "\t", s.words, "\t", s.matches, "\t",
                      s.edits, "\t");
      AppendJsonNumber(s.similarity, 4, line);
      absl::StrAppend(line, "\t", s.quote ? "true" : "false", "\t");
      AppendTsvField(Slice(a, s.a), line);
      line->push_back('\t');
      AppendTsvField(Slice(b, s.b), line);
      line->push_back('\n');
    }
    out_->MaybeFlush();
  }

  void PrintSummary(const ReportSummary&) override { out_->Flush(); }

 private:
  Output* out_;
};

// ---- text -------------------------------------------------------------------------------------

// Passages longer than this many code points are shown as their first and last halves.
constexpr size_t kTextPassageLimit = 360;

// One line of readable passage: whitespace runs folded to one space, long passages elided.
std::string Readable(absl::string_view original, bool elide) {
  std::string flat;
  AppendFolded(original, &flat);
  if (!flat.empty() && flat.back() == ' ') flat.pop_back();
  if (!flat.empty() && flat.front() == ' ') flat.erase(0, 1);
  // Count code points (UTF-8 lead bytes) to elide in the middle.
  size_t code_points = 0;
  for (char c : flat) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (!elide || code_points <= kTextPassageLimit) return flat;
  const size_t keep = kTextPassageLimit / 2;
  size_t cut_begin = 0, cut_end = flat.size(), seen = 0;
  for (size_t i = 0; i < flat.size(); ++i) {
    if ((static_cast<unsigned char>(flat[i]) & 0xC0) == 0x80) continue;
    if (seen == keep) cut_begin = i;
    if (seen == code_points - keep) cut_end = i;
    ++seen;
  }
  return absl::StrCat(flat.substr(0, cut_begin), " … ", flat.substr(cut_end));
}

class TextPrinter : public ReportPrinter {
 public:
  TextPrinter(Output* out, const std::vector<ScannedDocument>* documents,
              const PrinterOptions& options)
      : out_(out), documents_(documents), options_(options) {}

  void OnPair(const PairReport& pair, const Document& a, const Document& b) override {
    std::string* text = out_->buffer();
    absl::StrAppend(text, PairKindName(pair.kind), "  ", a.id, "  ↔  ", b.id, "\n  ");
    if (pair.jaccard.has_value()) absl::StrAppend(text, absl::StrFormat("jaccard %.2f, ", *pair.jaccard));
    absl::StrAppend(text, absl::StrFormat("coverage %.2f / %.2f, ", pair.coverage_a, pair.coverage_b),
                    pair.spans.size(), pair.spans.size() == 1 ? " passage\n" : " passages\n");
    if (options_.marker != nullptr) absl::StrAppend(text, "  ", options_.marker->Legend(), "\n");
    for (size_t i = 0; i < pair.spans.size(); ++i) {
      const Span& s = pair.spans[i];
      absl::StrAppend(text, "  [", i + 1, "] a ", s.a.cp_begin, "-", s.a.cp_end, ", b ",
                      s.b.cp_begin, "-", s.b.cp_end, ": ", s.words, " words, ", s.matches,
                      " matching, ", s.edits, " edits",
                      absl::StrFormat(", similarity %.2f", s.similarity),
                      s.quote ? ", quotation" : "", "\n");
      if (options_.marker != nullptr) {
        std::string marked_a, marked_b;
        options_.marker->AppendMarked(s, a, b, &marked_a, &marked_b);
        absl::StrAppend(text, "      a: ", marked_a, "\n      b: ", marked_b, "\n");
        continue;
      }
      absl::StrAppend(text, "      a: ", Readable(Slice(a, s.a), options_.elide_long_passages), "\n");
      absl::StrAppend(text, "      b: ", Readable(Slice(b, s.b), options_.elide_long_passages), "\n");
    }
    text->push_back('\n');
    out_->MaybeFlush();
  }

  void OnCluster(const Cluster& cluster) override {
    std::string* text = out_->buffer();
    absl::StrAppend(text, "cluster ", cluster.id, ": ", cluster.members.size(),
                    " copies, origin ", (*documents_)[cluster.origin].id, "\n");
    for (uint32_t member : cluster.members) {
      const ScannedDocument& doc = (*documents_)[member];
      absl::StrAppend(text, "  ", doc.id);
      if (!doc.meta.date.empty()) absl::StrAppend(text, "  ", doc.meta.date);
      if (!doc.meta.source.empty()) absl::StrAppend(text, "  ", doc.meta.source);
      text->push_back('\n');
    }
    text->push_back('\n');
    out_->MaybeFlush();
  }

  void OnQuote(const RepeatedQuote& quote) override {
    std::string* text = out_->buffer();
    absl::StrAppend(text, "quotation ", quote.id, ": ", quote.occurrences.size(),
                    " occurrences\n");
    for (const QuoteOccurrence& o : quote.occurrences) {
      absl::StrAppend(text, "  ", (*documents_)[o.doc].id, " ", o.span.cp_begin, "-",
                      o.span.cp_end, ": ", Readable(o.text, options_.elide_long_passages), "\n");
    }
    text->push_back('\n');
    out_->MaybeFlush();
  }

  void PrintSummary(const ReportSummary& summary) override {
    out_->Write(absl::StrFormat(
        "%d documents (%d skipped), %d pairs, %d clusters, %d quotations, %.2f s\n",
        summary.documents, summary.skipped, summary.pairs, summary.clusters, summary.quotes,
        summary.seconds));
    out_->Flush();
  }

 private:
  Output* out_;
  const std::vector<ScannedDocument>* documents_;
  PrinterOptions options_;
};

}  // namespace

std::unique_ptr<ReportPrinter> MakePrinter(const std::string& format, Output* out,
                                           const std::vector<ScannedDocument>* documents,
                                           const PrinterOptions& options) {
  if (format == "jsonl") return std::make_unique<JsonlPrinter>(out, documents);
  if (format == "tsv") return std::make_unique<TsvPrinter>(out);
  if (format == "html") return std::make_unique<HtmlPrinter>(out, documents);
  return std::make_unique<TextPrinter>(out, documents, options);
}

}  // namespace naql::cli
