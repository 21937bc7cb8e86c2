// Fuzz target for the quotation detector and clusterer: any bytes as an article.
//
// Checks the detector's contract on every input: quotations are ordered and disjoint, inside the
// text, with byte and code point offsets that agree (each span starts and ends on a code point
// boundary and the code point counts match the decoder's), word counts within the options, and
// each quotation lies inside itself by InsideQuotation. The input is also split into two articles
// and clustered, which must not crash and must report only offsets inside the articles.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "naql/quotes.h"
#include "utf8.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "quotes_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const naql::QuoteDetector* const detector = new naql::QuoteDetector();
  static const naql::Normalizer* const normalizer = new naql::Normalizer();
  static const naql::Tokenizer* const tokenizer = new naql::Tokenizer();
  const std::string text(reinterpret_cast<const char*>(data), size);

  // Byte offset of every code point, by the shared decoder.
  std::vector<uint32_t> byte_of;
  for (size_t i = 0; i < text.size();) {
    byte_of.push_back(static_cast<uint32_t>(i));
    char32_t c;
    i += naql::internal::DecodeUtf8(text.data() + i, text.size() - i, &c);
  }
  byte_of.push_back(static_cast<uint32_t>(text.size()));

  std::vector<naql::Quotation> quotes;
  detector->Detect(text, &quotes);
  const naql::QuoteDetectorOptions& options = detector->options();
  uint32_t previous_end = 0;
  for (const naql::Quotation& q : quotes) {
    Check(q.span.cp_begin < q.span.cp_end, "non-empty");
    Check(q.span.cp_end < byte_of.size(), "inside the text");
    Check(byte_of[q.span.cp_begin] == q.span.byte_begin, "byte_begin matches cp_begin");
    Check(byte_of[q.span.cp_end] == q.span.byte_end, "byte_end matches cp_end");
    Check(q.span.cp_begin >= previous_end, "ordered and disjoint");
    Check(q.words >= options.min_words && q.words <= options.max_words, "word count in range");
    Check(naql::InsideQuotation(q.span, quotes), "inside itself");
    previous_end = q.span.cp_end;
  }

  naql::QuoteClustererOptions clusterer_options;
  clusterer_options.min_docs = 1;
  clusterer_options.min_words = 2;
  naql::QuoteClusterer clusterer(clusterer_options, normalizer, tokenizer);
  const size_t half = text.size() / 2;
  const std::string first = text.substr(0, half), second = text.substr(half);
  clusterer.Add(0, first);
  clusterer.Add(1, second);
  clusterer.Add(2, text);
  for (const naql::RepeatedQuote& quote : clusterer.Build()) {
    Check(quote.occurrences.size() >= 2, "repeated");
    for (const naql::QuoteOccurrence& o : quote.occurrences) {
      const size_t length = o.doc == 0 ? first.size() : o.doc == 1 ? second.size() : text.size();
      Check(o.doc <= 2 && o.span.byte_begin < o.span.byte_end && o.span.byte_end <= length,
            "occurrence inside its article");
      Check(o.text.size() == o.span.byte_end - o.span.byte_begin, "occurrence text is its span");
    }
  }
  return 0;
}
