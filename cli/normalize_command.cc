// naql normalize — prints the folded text naql compares, or its tokens, for inspection.

#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app.h"
#include "naql/document.h"
#include "naql/normalizer.h"
#include "naql/reader.h"
#include "naql/status.h"
#include "naql/tokenizer.h"
#include "output.h"

namespace naql::cli {
namespace {

constexpr char kFooter[] = R"(Input: files and directories as for `naql scan` (.txt: one article; .jsonl: one
{"id","text",...} per line). With no INPUT, or with "-", the plain text on stdin is one article.

Output: for each article, a line "# ID" (omitted for plain stdin), then its folded text, then an
empty line. With --tokens, one word per line instead: BEGIN<TAB>END<TAB>WORD, where BEGIN and END
are the word's half-open code point offsets in the original text (what Python's text[b:e] uses)
and WORD its folded form (with --stems: the clitic-stripped stem that naql hashes).

Folds (all on by default): NFKC; diacritics, tatweel and format controls removed; alef, alef
maksura, teh marbuta, hamza carriers and Persian letters folded; digits to ASCII; case folding;
quote marks and Arabic punctuation to ASCII. --keep RULE turns one off (repeatable).

Examples:
  echo 'أَكَّدَ وزيرُ الدفاعِ ﻻ ١٢٣' | naql normalize      → اكد وزير الدفاع لا 123
  naql normalize --tokens fixtures/seeds/000_99452b6767717ae0.txt)";

struct NormalizeFlags {
  CommonFlags common;
  std::vector<std::string> inputs;
  bool tokens = false;
  bool stems = false;
  bool no_clitics = false;
  std::vector<std::string> keep;
};

absl::Status ApplyKeep(const std::vector<std::string>& keep, NormalizerOptions* options) {
  for (const std::string& rule : keep) {
    if (rule == "nfkc") options->nfkc = false;
    else if (rule == "diacritics") options->remove_diacritics = false;
    else if (rule == "tatweel") options->remove_tatweel = false;
    else if (rule == "controls") options->remove_format_controls = false;
    else if (rule == "alef") options->fold_alef = false;
    else if (rule == "alef-maksura") options->fold_alef_maksura = false;
    else if (rule == "teh-marbuta") options->fold_teh_marbuta = false;
    else if (rule == "hamza") options->fold_hamza_carriers = false;
    else if (rule == "persian") options->fold_persian_letters = false;
    else if (rule == "digits") options->fold_digits = false;
    else if (rule == "case") options->case_fold = false;
    else if (rule == "punctuation") options->fold_punctuation = false;
    else return absl::InvalidArgumentError(absl::StrCat("--keep: unknown rule '", rule, "'"));
  }
  return absl::OkStatus();
}

void PrintDocument(const Normalizer& normalizer, const Tokenizer& tokenizer,
                   const NormalizeFlags& flags, const Document& doc, bool header, Output* out,
                   NormalizedText* folded, std::vector<Token>* tokens) {
  normalizer.Normalize(doc.text, folded);
  if (header) out->Write(absl::StrCat("# ", doc.id, "\n"));
  if (!flags.tokens) {
    out->Write(folded->text);
    out->Write("\n\n");
    return;
  }
  tokenizer.Tokenize(*folded, tokens);
  std::string* buffer = out->buffer();
  for (const Token& token : *tokens) {
    absl::StrAppend(buffer, token.original.cp_begin, "\t", token.original.cp_end, "\t",
                    flags.stems ? StemText(*folded, token) : WordText(*folded, token), "\n");
    out->MaybeFlush();
  }
  out->Write("\n");
}

int RunNormalize(const NormalizeFlags& flags, Context* context) {
  flags.common.Configure(&context->diagnostics);
  NormalizerOptions normalizer_options;
  if (absl::Status status = ApplyKeep(flags.keep, &normalizer_options); !status.ok()) {
    return context->diagnostics.Fail(status);
  }
  Normalizer normalizer(normalizer_options);
  TokenizerOptions tokenizer_options;
  tokenizer_options.strip_clitics = !flags.no_clitics;
  Tokenizer tokenizer(tokenizer_options);
  Output out;
  NormalizedText folded;
  std::vector<Token> tokens;

  // Plain text on stdin: one article, printed without a header.
  if (flags.inputs.empty() || (flags.inputs.size() == 1 && flags.inputs[0] == "-")) {
    Document doc;
    doc.id = "-";
    char chunk[1 << 16];
    for (;;) {
      ssize_t n = ::read(0, chunk, sizeof(chunk));
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        return context->diagnostics.Fail(ErrnoToStatus(errno, "cannot read stdin"));
      }
      doc.text.append(chunk, static_cast<size_t>(n));
    }
    // A trailing newline ends the line; it is not part of the article.
    if (!doc.text.empty() && doc.text.back() == '\n') doc.text.pop_back();
    PrintDocument(normalizer, tokenizer, flags, doc, /*header=*/false, &out, &folded, &tokens);
    return kExitFound;
  }

  bool had_problem = false;
  ReaderOptions reader_options;
  reader_options.strict = flags.common.strict;
  auto reader = DocumentReader::Open(flags.inputs, reader_options, [&](const InputProblem& p) {
    had_problem = true;
    context->diagnostics.Warning(p.status.message());
  });
  if (!reader.ok()) return context->diagnostics.Fail(reader.status());
  Document doc;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&doc);
    if (!more.ok()) {
      out.Flush();
      return context->diagnostics.Fail(more.status());
    }
    if (!*more) break;
    PrintDocument(normalizer, tokenizer, flags, doc, /*header=*/true, &out, &folded, &tokens);
  }
  out.Flush();
  if (had_problem && flags.common.strict) return kExitError;
  return kExitFound;
}

}  // namespace

void RegisterNormalize(CLI::App* app, Context* context) {
  auto flags = std::make_shared<NormalizeFlags>();
  CLI::App* command = app->add_subcommand(
      "normalize", "Print the folded text (or tokens) naql compares, for inspection");
  if (context->long_help) command->footer(kFooter);
  command->add_option("INPUT", flags->inputs, "Files or directories; none or '-': plain text on stdin")
      ->type_name("");
  command->add_flag("--tokens", flags->tokens, "One word per line: BEGIN<TAB>END<TAB>WORD");
  command->add_flag("--stems", flags->stems, "With --tokens: print the hashed stem, not the word");
  command->add_flag("--no-clitics", flags->no_clitics,
                    "Do not strip the article and conjunction prefixes from stems");
  command->add_option("--keep", flags->keep,
                      "Turn a fold off: nfkc, diacritics, tatweel, controls, alef, alef-maksura, "
                      "teh-marbuta, hamza, persian, digits, case, punctuation");
  command->add_flag("--strict", flags->common.strict, "Treat malformed input as fatal (exit 2)");
  command->add_flag("-q,--quiet", flags->common.quiet, "No warnings on stderr");
  command->callback([flags, context] { context->exit_code = RunNormalize(*flags, context); });
}

}  // namespace naql::cli
