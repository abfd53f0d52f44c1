#include "app/search_index.h"

#include <fmt/format.h>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "app/stream_reader.h"
#include "core/fuzzy_date.h"
#include "core/hash.h"
#include "core/limits.h"

namespace accord::app {

struct SearchIndex::Writer {
  Xapian::WritableDatabase db;
};

namespace {

using core::Status;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr size_t kPage = 1000;  // records per commit
constexpr Xapian::valueno kPositionSlot = 0;
constexpr Xapian::valueno kAgreementSlot = 1;
constexpr Xapian::valueno kEventIdSlot = 2;
constexpr Xapian::valueno kEventTypeSlot = 3;
constexpr char kVersionKey[] = "version";
constexpr char kCheckpointKey[] = "checkpoint";
constexpr char kCheckpointHashKey[] = "checkpoint-hash";
constexpr char kTitlePrefix[] = "title/";
constexpr size_t kSnippetBytes = 240;

Xapian::docid DocumentIdOf(uint64_t position) { return static_cast<Xapian::docid>(position + 1); }

Status FromXapian(const Xapian::Error& error, std::string_view doing) {
  std::string what = fmt::format("the search index cannot {}: {}", doing, error.get_description());
  if (std::string_view(error.get_type()) == "DatabaseCorruptError") {
    return Status::Corruption(what);
  }
  return Status::IOError(what);
}

// "NoteAdded" -> {"note", "added"}.
std::vector<std::string> CamelWords(std::string_view name) {
  std::vector<std::string> words;
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c)) || words.empty()) words.emplace_back();
    words.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return words;
}

std::string Singular(std::string word) {
  auto ends = [&](std::string_view tail) {
    return word.size() > tail.size() &&
           word.compare(word.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (ends("ies")) return word.substr(0, word.size() - 3) + "y";
  if (ends("s") && !ends("ss") && !ends("us") && !ends("is")) word.pop_back();
  return word;
}

bool EndsWith(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// The short word a hit names for a top-level field of `event_type` (a
// message of events.proto), derived from the field's name so that a new
// field or event type needs no entry here:
//   text                      the event's first word: NoteAdded -> "note"
//   proposer_party_id(s)      the id's last word: "party"
//   areas_of_cooperation      the name, its first word singular: "area of cooperation"
std::string WordOf(const FieldDescriptor& field, const google::protobuf::Descriptor& event_type) {
  std::string name = field.name();
  if (name == "text") return CamelWords(event_type.name()).front();
  for (std::string_view suffix : {"_ids", "_id"}) {
    if (EndsWith(name, suffix)) {
      name.resize(name.size() - suffix.size());
      return name.substr(name.rfind('_') == std::string::npos ? 0 : name.rfind('_') + 1);
    }
  }
  size_t underscore = name.find('_');
  std::string word = Singular(name.substr(0, underscore));
  if (underscore != std::string::npos) word += name.substr(underscore);
  std::replace(word.begin(), word.end(), '_', ' ');
  return word;
}

// Strings that are not words: references to other events (UUIDs) and a
// document's digest and media type.
bool NotWords(const FieldDescriptor& field) {
  const std::string& name = field.name();
  return EndsWith(name, "event_id") || EndsWith(name, "event_ids") || name == "sha256" ||
         name == "media_type";
}

void Append(std::string* text, std::string_view more) {
  if (more.empty()) return;
  if (!text->empty()) text->append("; ");
  text->append(more);
}

// Every string of `message`, in schema order, into *text; a date as it
// reads ("July 2024", with its source's words).
void CollectText(const Message& message, int depth, std::string* text) {
  if (message.GetDescriptor() == accord::v1::FuzzyDate::descriptor()) {
    const auto& date = static_cast<const accord::v1::FuzzyDate&>(message);
    Append(text, core::FormatFuzzyDate(date));
    return;
  }
  if (depth > core::kMaxNesting) return;
  const Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (NotWords(*field)) continue;
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          Append(text, reflection.GetRepeatedString(message, field, i));
        }
      } else {
        Append(text, reflection.GetString(message, field));
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          CollectText(reflection.GetRepeatedMessage(message, field, i), depth + 1, text);
        }
      } else {
        CollectText(reflection.GetMessage(message, field), depth + 1, text);
      }
    }
  }
}

// The payload message a DomainEvent holds; null when none is set.
const Message* PayloadOf(const accord::v1::DomainEvent& event) {
  const auto* kind = accord::v1::DomainEvent::descriptor()->FindOneofByName("kind");
  const FieldDescriptor* set = event.GetReflection()->GetOneofFieldDescriptor(event, kind);
  return set == nullptr ? nullptr : &event.GetReflection()->GetMessage(event, set);
}

// The payload's top-level fields, each with its word and text; each element
// of a repeated field apart (one delegate, one outcome), so that a snippet
// shows the one that matched and a phrase never runs from one into the
// next. A DomainEvent inside (a correction's replacement) gives its own
// payload's fields.
void CollectFields(const Message& payload, accord::v1::IndexedEvent* indexed) {
  const Reflection& reflection = *payload.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(payload, &fields);
  for (const FieldDescriptor* field : fields) {
    if (NotWords(*field)) continue;
    if (field->message_type() == accord::v1::DomainEvent::descriptor() && !field->is_repeated()) {
      const auto& inner =
          static_cast<const accord::v1::DomainEvent&>(reflection.GetMessage(payload, field));
      if (const Message* replacement = PayloadOf(inner)) CollectFields(*replacement, indexed);
      continue;
    }
    const std::string word = WordOf(*field, *payload.GetDescriptor());
    auto add = [&](std::string text) {
      if (text.empty()) return;
      auto* indexed_field = indexed->add_fields();
      indexed_field->set_word(word);
      indexed_field->set_text(std::move(text));
    };
    const bool text = field->type() == FieldDescriptor::TYPE_STRING;
    if (!text && field->type() != FieldDescriptor::TYPE_MESSAGE) continue;
    const int count = field->is_repeated() ? reflection.FieldSize(payload, field) : 1;
    for (int i = 0; i < count; ++i) {
      if (text) {
        add(field->is_repeated() ? reflection.GetRepeatedString(payload, field, i)
                                 : reflection.GetString(payload, field));
        continue;
      }
      std::string collected;
      CollectText(field->is_repeated() ? reflection.GetRepeatedMessage(payload, field, i)
                                       : reflection.GetMessage(payload, field),
                  1, &collected);
      add(std::move(collected));
    }
  }
}

// What the index keeps of one record.
accord::v1::IndexedEvent IndexedEventOf(const accord::v1::EventRecord& record,
                                        const accord::v1::DomainEvent& event) {
  accord::v1::IndexedEvent indexed;
  indexed.set_position(record.position());
  indexed.set_agreement_id(record.stream_id());
  indexed.set_event_id(record.event_id());
  indexed.set_event_type(record.event_type());
  if (const Message* payload = PayloadOf(event)) {
    CollectFields(*payload, &indexed);
    if (record.has_effective()) {
      auto* date = indexed.add_fields();
      date->set_word("date");
      date->set_text(core::FormatFuzzyDate(record.effective()));
    }
    std::vector<std::string> words = CamelWords(payload->GetDescriptor()->name());
    auto* kind = indexed.add_fields();
    kind->set_word("event");
    kind->set_text(fmt::format("{}", fmt::join(words, " ")));
  }
  return indexed;
}

Xapian::TermGenerator TermGenerator() {
  Xapian::TermGenerator generator;
  generator.set_stemmer(Xapian::Stem("en"));
  generator.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  return generator;
}

Xapian::Document DocumentOf(const accord::v1::IndexedEvent& indexed) {
  Xapian::TermGenerator generator = TermGenerator();
  Xapian::Document document;
  generator.set_document(document);
  for (const auto& field : indexed.fields()) {
    generator.index_text(field.text());
    generator.increase_termpos();  // no phrase runs from one field into the next
  }
  document.add_boolean_term("Q" + indexed.event_id());
  document.add_boolean_term("A" + indexed.agreement_id());
  document.add_boolean_term("T" + indexed.event_type());
  document.add_value(kPositionSlot,
                     Xapian::sortable_serialise(static_cast<double>(indexed.position())));
  document.add_value(kAgreementSlot, indexed.agreement_id());
  document.add_value(kEventIdSlot, indexed.event_id());
  document.add_value(kEventTypeSlot, indexed.event_type());
  document.set_data(indexed.SerializeAsString());
  return document;
}

// The agreement's title when `event` sets it: its proposal, or a correction
// of the proposal's title.
std::optional<std::string> TitleSetBy(const accord::v1::DomainEvent& event) {
  if (event.has_agreement_proposed()) return event.agreement_proposed().title();
  if (event.has_event_corrected()) {
    const auto& correction = event.event_corrected();
    bool title = std::find(correction.fields().begin(), correction.fields().end(), "title") !=
                 correction.fields().end();
    if (title && correction.replacement().has_agreement_proposed()) {
      return correction.replacement().agreement_proposed().title();
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseCheckpoint(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

// Why the index at its checkpoint cannot be resumed over `store`'s log;
// empty when it can.
std::string Mismatch(const store::EventStore& store, const Xapian::Database& db,
                     uint64_t* checkpoint) {
  std::string version = db.get_metadata(kVersionKey);
  if (version.empty()) return "it holds no index yet";
  if (version != SearchIndex::kVersion) {
    return fmt::format("it was written by version {}, this is version {}", version,
                       SearchIndex::kVersion);
  }
  std::optional<uint64_t> at = ParseCheckpoint(db.get_metadata(kCheckpointKey));
  if (!at) return "its checkpoint is malformed";
  uint64_t head = store.Head().next_position;
  if (*at > head) return fmt::format("its checkpoint {} is past the log's {} records", *at, head);
  if (*at > 0) {
    store::ReadPage page;
    Status s = store.ReadAll(*at - 1, 1, &page);
    if (!s.ok() || page.records.empty() ||
        core::HexEncode(page.records.front().hash()) != db.get_metadata(kCheckpointHashKey)) {
      return fmt::format("the log's record at position {} is not the one it indexed", *at - 1);
    }
  }
  if (db.get_doccount() != *at) {
    return fmt::format("it holds {} events, its checkpoint says {}", db.get_doccount(), *at);
  }
  *checkpoint = *at;
  return "";
}

// Files a Xapian (glass) database folder holds: only these are removed to
// start afresh, so that a folder named by mistake is never emptied.
bool XapianFile(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  return name == "iamglass" || name == "iamchert" || name == "flintlock" ||
         EndsWith(name, ".glass") || EndsWith(name, ".tmp") || EndsWith(name, ".baseA") ||
         EndsWith(name, ".baseB") || EndsWith(name, ".DB");
}

Status EmptyFolder(const std::string& directory) {
  std::error_code error;
  if (!std::filesystem::exists(directory, error)) return Status::OK();
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    if (!it->is_regular_file() || !XapianFile(it->path())) {
      return Status::IOError(fmt::format(
          "the search index folder {} holds {}, which is not the index's: not emptying it",
          directory, it->path().filename().string()));
    }
    files.push_back(it->path());
  }
  if (error) return Status::IOError(fmt::format("cannot list {}: {}", directory, error.message()));
  for (const auto& file : files) {
    if (!std::filesystem::remove(file, error) && error) {
      return Status::IOError(fmt::format("cannot remove {}: {}", file.string(), error.message()));
    }
  }
  return Status::OK();
}

}  // namespace

std::string SnippetAsText(std::string_view snippet) {
  std::string text;
  text.reserve(snippet.size());
  static constexpr std::pair<std::string_view, std::string_view> kMarkup[] = {
      {"<mark>", ""}, {"</mark>", ""},  {"&amp;", "&"}, {"&lt;", "<"},
      {"&gt;", ">"},  {"&quot;", "\""}, {"&#39;", "'"}};
  while (!snippet.empty()) {
    bool replaced = false;
    for (const auto& [markup, plain] : kMarkup) {
      if (snippet.substr(0, markup.size()) == markup) {
        text.append(plain);
        snippet.remove_prefix(markup.size());
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      text.push_back(snippet.front());
      snippet.remove_prefix(1);
    }
  }
  return text;
}

SearchIndex::SearchIndex(const store::EventStore* store, std::string directory)
    : store_(store), directory_(std::move(directory)) {}

SearchIndex::~SearchIndex() = default;

Status SearchIndex::Open(std::string* rebuilt) {
  core::MutexLock lock(&mutex_);
  std::string why;
  uint64_t checkpoint = 0;
  try {
    writer_ = std::make_unique<Writer>(
        Writer{Xapian::WritableDatabase(directory_, Xapian::DB_CREATE_OR_OPEN)});
    why = Mismatch(*store_, writer_->db, &checkpoint);
  } catch (const Xapian::DatabaseLockError& error) {
    writer_.reset();
    return FromXapian(error, "take its folder's lock");
  } catch (const Xapian::Error& error) {
    writer_.reset();
    why = "it does not open: " + error.get_description();
  }
  if (rebuilt != nullptr) *rebuilt = why;
  if (!why.empty()) return OpenFresh();
  checkpoint_ = checkpoint;
  return Status::OK();
}

Status SearchIndex::OpenFresh() {
  writer_.reset();
  checkpoint_ = 0;
  if (Status s = EmptyFolder(directory_); !s.ok()) return s;
  try {
    writer_ = std::make_unique<Writer>(
        Writer{Xapian::WritableDatabase(directory_, Xapian::DB_CREATE_OR_OVERWRITE)});
    writer_->db.set_metadata(kVersionKey, kVersion);
    writer_->db.set_metadata(kCheckpointKey, "0");
    writer_->db.commit();
  } catch (const Xapian::Error& error) {
    writer_.reset();
    return FromXapian(error, "be made afresh");
  }
  return Status::OK();
}

Status SearchIndex::Rebuild() {
  {
    core::MutexLock lock(&mutex_);
    if (Status s = OpenFresh(); !s.ok()) return s;
  }
  return CatchUp();
}

Status SearchIndex::CatchUp() {
  for (bool more = true; more && !stopped_;) {
    if (Status s = IndexNextPage(&more); !s.ok()) return s;
  }
  return Status::OK();
}

Status SearchIndex::IndexNextPage(bool* more) {
  core::MutexLock lock(&mutex_);
  *more = false;
  if (writer_ == nullptr) return Status::IOError("the search index is not open");
  store::ReadPage page;
  if (Status s = store_->ReadAll(checkpoint_, kPage, &page); !s.ok()) return s;
  if (page.records.empty()) return Status::OK();
  Xapian::WritableDatabase& db = writer_->db;
  try {
    db.begin_transaction();
    try {
      for (const auto& record : page.records) {
        accord::v1::DomainEvent event;
        if (Status s = DecodePayload(record, &event); !s.ok()) {
          db.cancel_transaction();
          return s;
        }
        db.replace_document(DocumentIdOf(record.position()),
                            DocumentOf(IndexedEventOf(record, event)));
        if (std::optional<std::string> title = TitleSetBy(event)) {
          db.set_metadata(kTitlePrefix + record.stream_id(), *title);
        }
      }
      db.set_metadata(kCheckpointKey, std::to_string(page.next));
      db.set_metadata(kCheckpointHashKey, core::HexEncode(page.records.back().hash()));
      db.commit_transaction();
    } catch (const Xapian::Error&) {
      db.cancel_transaction();
      throw;
    }
  } catch (const Xapian::Error& error) {
    return FromXapian(error, "index the log");
  }
  checkpoint_ = page.next;
  events_processed_ += page.records.size();
  *more = !page.end_of_data;
  return Status::OK();
}

Status SearchIndex::Verify() const {
  try {
    Xapian::Database db(directory_);
    std::optional<uint64_t> at = ParseCheckpoint(db.get_metadata(kCheckpointKey));
    if (!at) return Status::Corruption("the search index's checkpoint is malformed");
    // The head after the checkpoint: the log only grows meanwhile.
    uint64_t log_size = store_->Head().next_position;
    if (*at > log_size) {
      return Status::Corruption(fmt::format(
          "the search index's checkpoint {} is past the log's {} records", *at, log_size));
    }
    if (db.get_doccount() != *at || (*at > 0 && db.get_lastdocid() != DocumentIdOf(*at - 1))) {
      return Status::Corruption(fmt::format(
          "the search index holds {} events, its checkpoint says {}", db.get_doccount(), *at));
    }
  } catch (const Xapian::Error& error) {
    return FromXapian(error, "be read");
  }
  return Status::OK();
}

Status SearchIndex::Search(const accord::v1::Search& search, accord::v1::SearchResults* results) {
  results->Clear();
  const std::string& text = search.query();
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    return Status::InvalidArgument("the query is empty: give at least one word");
  }
  if (size_t chars = core::CountCharacters(text); chars > kMaxSearchQueryChars) {
    return Status::InvalidArgument(fmt::format("the query is {} characters, over the limit of {}",
                                               chars, kMaxSearchQueryChars));
  }
  uint32_t limit =
      search.limit() == 0 ? kDefaultSearchHits : std::min(search.limit(), kMaxSearchHits);
  // What was just logged is found, unless the index is rebuilding: then
  // what it holds so far, rather than a wait for the whole log.
  const uint64_t head = store_->Head().next_position;
  if (head - std::min(head, checkpoint_.load()) <= kPage) {
    bool more = false;
    if (Status s = IndexNextPage(&more); !s.ok()) return s;
  }
  const Xapian::Stem stemmer("en");
  for (int attempt = 0;; ++attempt) {
    try {
      Xapian::Database db(directory_);
      Xapian::QueryParser parser;
      parser.set_stemmer(stemmer);
      parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
      parser.set_default_op(Xapian::Query::OP_AND);
      parser.set_database(db);
      parser.set_max_expansion(1000, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
      Xapian::Query query;
      try {
        query = parser.parse_query(
            text, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD);
      } catch (const Xapian::QueryParserError& error) {
        return Status::InvalidArgument(fmt::format("the query does not read: {}", error.get_msg()));
      }
      if (!search.agreement_id().empty()) {
        query = Xapian::Query(Xapian::Query::OP_FILTER, query,
                              Xapian::Query("A" + search.agreement_id()));
      }
      Xapian::Enquire enquire(db);
      enquire.set_query(query);
      // Counted exactly up to this many matches, estimated past them.
      constexpr Xapian::doccount kCountedExactly = 1000;
      Xapian::MSet matches = enquire.get_mset(0, limit, kCountedExactly);
      results->set_estimated_total(matches.get_matches_estimated());
      for (auto it = matches.begin(); it != matches.end(); ++it) {
        accord::v1::IndexedEvent indexed;
        if (!indexed.ParseFromString(it.get_document().get_data())) {
          return Status::Corruption(
              fmt::format("the search index's document {} does not parse", *it));
        }
        auto* hit = results->add_hits();
        hit->set_agreement_id(indexed.agreement_id());
        hit->set_agreement_title(db.get_metadata(kTitlePrefix + indexed.agreement_id()));
        hit->set_position(indexed.position());
        hit->set_event_id(indexed.event_id());
        hit->set_event_type(indexed.event_type());
        // The first field the query matches, in the event's order.
        for (const auto& field : indexed.fields()) {
          std::string snippet = matches.snippet(
              field.text(), kSnippetBytes, stemmer,
              Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH | Xapian::MSet::SNIPPET_EXHAUSTIVE,
              "<mark>", "</mark>", "…");
          if (!snippet.empty()) {
            hit->set_field(field.word());
            hit->set_snippet(std::move(snippet));
            break;
          }
        }
        if (hit->field().empty() && indexed.fields_size() > 0) {
          const auto& first = indexed.fields(0);
          hit->set_field(first.word());
          hit->set_snippet(
              matches.snippet(first.text(), kSnippetBytes, stemmer, 0, "<mark>", "</mark>", "…"));
        }
      }
      return Status::OK();
    } catch (const Xapian::DatabaseModifiedError& error) {
      // Committed past while reading: read the new revision.
      results->Clear();
      if (attempt == 3) return FromXapian(error, "be read while it changes");
    } catch (const Xapian::Error& error) {
      return FromXapian(error, "be searched");
    }
  }
}

}  // namespace accord::app
