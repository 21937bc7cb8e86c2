#include "synthetic_report.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <string>

#include "testing.h"

namespace naql::testing {
namespace {

// Common words of Arabic news, all in U+0621–U+064A (two UTF-8 bytes per code point).
constexpr const char* kWords[] = {
    "قال",    "وزير",   "الخارجية", "في",     "بيان",   "اليوم",  "إن",      "الحكومة",
    "العراقية", "أكدت",  "على",     "ضرورة",  "الحوار", "بين",    "البلدين", "من",
    "أجل",    "تعزيز",  "الشراكة",  "القوات", "الأمريكية", "مجلس", "النواب",  "قرار",
    "سحب",    "رئيس",   "الوزراء",  "الأمن",  "المنطقة", "العاصمة", "بغداد",  "واشنطن",
};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

uint32_t CodePoints(const std::string& text) {
  uint32_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Where each word starts and ends in a generated text.
struct WordPositions {
  std::vector<OriginalSpan> words;
};

}  // namespace

SyntheticReport MakeSyntheticReport(const SyntheticReportOptions& options) {
  assert(options.documents >= 2 && options.words_per_document >= 40 && options.spans_per_pair >= 1 &&
         options.words_per_document / options.spans_per_pair >= 24);
  SplitMix64 rng(options.seed);
  SyntheticReport report;
  std::vector<WordPositions> positions(options.documents);
  report.documents.resize(options.documents);
  report.scanned.resize(options.documents);
  for (uint32_t d = 0; d < options.documents; ++d) {
    Document& doc = report.documents[d];
    char id[32];
    std::snprintf(id, sizeof(id), "doc-%06u", d);
    doc.id = id;
    char date[16];
    std::snprintf(date, sizeof(date), "2020-01-%02u", 1 + d % 28);
    doc.meta.date = date;
    doc.meta.source = d % 2 == 0 ? "agency" : "daily";
    uint32_t cp = 0;
    for (uint32_t w = 0; w < options.words_per_document; ++w) {
      if (w > 0) {
        const bool paragraph = w % 60 == 0;
        doc.text.push_back(paragraph ? '\n' : ' ');
        ++cp;
      }
      const std::string word = kWords[rng.Uniform(kWordCount)];
      OriginalSpan span;
      span.byte_begin = static_cast<uint32_t>(doc.text.size());
      span.cp_begin = cp;
      doc.text += word;
      cp += CodePoints(word);
      span.byte_end = static_cast<uint32_t>(doc.text.size());
      span.cp_end = cp;
      positions[d].words.push_back(span);
    }
    ScannedDocument& scanned = report.scanned[d];
    scanned.id = doc.id;
    scanned.meta = doc.meta;
    scanned.location = doc.id;
    scanned.words = options.words_per_document;
  }

  // Spans: the words are cut into spans_per_pair equal slots; each span lies inside its slot.
  const uint32_t slot = options.words_per_document / options.spans_per_pair;
  report.pairs.resize(options.pairs);
  for (PairReport& pair : report.pairs) {
    pair.a = static_cast<uint32_t>(rng.Uniform(options.documents - 1));
    pair.b = pair.a + 1 + static_cast<uint32_t>(rng.Uniform(options.documents - 1 - pair.a));
    pair.kind = rng.Bernoulli(0.3) ? PairKind::kDuplicate : PairKind::kReuse;
    if (rng.Bernoulli(0.7)) pair.jaccard = static_cast<double>(rng.Uniform(10001)) / 10000;
    uint32_t covered = 0;
    for (uint32_t s = 0; s < options.spans_per_pair; ++s) {
      Span span;
      const uint32_t words = 8 + static_cast<uint32_t>(rng.Uniform(slot / 2 - 4));
      const uint32_t a_first = s * slot + static_cast<uint32_t>(rng.Uniform(slot - words));
      const uint32_t b_first = s * slot + static_cast<uint32_t>(rng.Uniform(slot - words));
      span.a_token_begin = a_first;
      span.a_token_end = a_first + words;
      span.b_token_begin = b_first;
      span.b_token_end = b_first + words;
      const std::vector<OriginalSpan>& wa = positions[pair.a].words;
      const std::vector<OriginalSpan>& wb = positions[pair.b].words;
      span.a = {wa[a_first].byte_begin, wa[a_first + words - 1].byte_end, wa[a_first].cp_begin,
                wa[a_first + words - 1].cp_end};
      span.b = {wb[b_first].byte_begin, wb[b_first + words - 1].byte_end, wb[b_first].cp_begin,
                wb[b_first + words - 1].cp_end};
      span.words = words;
      span.matches = words - static_cast<uint32_t>(rng.Uniform(3));
      span.edits = words - span.matches;
      span.similarity = static_cast<double>(span.matches) / words;
      span.quote = rng.Bernoulli(0.1);
      covered += words;
      pair.spans.push_back(span);
    }
    pair.coverage_a = static_cast<double>(covered) / options.words_per_document;
    pair.coverage_b = pair.coverage_a;
  }
  std::sort(report.pairs.begin(), report.pairs.end(), [](const PairReport& x, const PairReport& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  return report;
}

}  // namespace naql::testing
