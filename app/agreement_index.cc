#include "app/agreement_index.h"

#include <fmt/format.h>

#include <deque>
#include <set>
#include <string_view>
#include <thread>

#include "core/event_types.h"
#include "core/summary.h"
#include "store/coding.h"

namespace accord::app {
namespace {

using core::Status;

constexpr char kPrefix[] = "agreements/";
constexpr char kVersionKey[] = "agreements/version";
constexpr char kCheckpointKey[] = "agreements/checkpoint";
constexpr char kEntryPrefix[] = "agreements/entry/";
constexpr size_t kPage = 1000;

std::string StageKey(accord::v1::AgreementStage stage, const std::string& id) {
  return fmt::format("agreements/stage/{}/{}", accord::v1::AgreementStage_Name(stage), id);
}

std::string PartyKey(const std::string& party, const std::string& id) {
  return fmt::format("agreements/party/{}/{}", party, id);
}

std::string LinkKey(const accord::v1::AgreementLinked& link, const std::string& id) {
  return fmt::format("agreements/link/{}/{}/{}", link.other_agreement_id(), id,
                     accord::v1::AgreementLinked::Relation_Name(link.relation()));
}

std::set<std::string> IndexKeys(const std::string& id, const accord::v1::AgreementIndexEntry& e) {
  std::set<std::string> keys = {StageKey(e.stage(), id)};
  for (const auto& party : e.party_ids()) keys.insert(PartyKey(party, id));
  for (const auto& link : e.links()) keys.insert(LinkKey(link, id));
  return keys;
}

// What the index keeps of a folded agreement.
accord::v1::AgreementIndexEntry EntryOf(const LoadedAgreement& loaded) {
  accord::v1::AgreementIndexEntry entry;
  entry.set_stage(core::ToStage(loaded.state.stage));
  for (const auto& p : loaded.state.parties) entry.add_party_ids(p.party.organisation_id());
  entry.set_version(loaded.event_count - 1);
  for (const auto& l : loaded.state.links) *entry.add_links() = l.link;
  return entry;
}

}  // namespace

// A record of the log as the index folds it: its agreement, its version
// there, and its event, decoded once.
struct DecodedRecord {
  std::string stream_id;
  uint64_t stream_version = 0;
  bool folds = true;  // false: it only counts (a note), and `event` is empty
  core::AgreementEvent event;
};

// The event type whose events change nothing the index keeps, so that
// their payloads need not be decoded nor kept: core's Evolve applies a
// NoteAdded as nothing (only `history` holds it), and a correction of one
// may change only that note (a correction's replacement must be of the
// kind it corrects). Verify folds every event, and would name an entry
// that this made wrong.
constexpr std::string_view kNoteAdded = "accord.v1.NoteAdded";

struct AgreementIndex::DecodedBatch {
  std::vector<DecodedRecord> records;  // consecutive, from where the read began
  uint64_t next = 0;                   // the position after the last record
  bool end_of_data = false;            // nothing more is stored now
};

Status AgreementIndex::Decode(const store::StoredPage& page, DecodedBatch* batch) {
  batch->records.reserve(page.records.size());
  accord::v1::EventRecord record;  // reused: parsing into it keeps its fields' buffers
  for (size_t i = 0; i < page.records.size(); ++i) {
    if (!record.ParseFromString(page.records[i])) {
      return Status::Corruption(
          fmt::format("the record at position {} does not parse", page.first_position + i));
    }
    if (record.event_type() == kNoteAdded) {
      // Of a schema this build reads, as DecodeEvent would require.
      uint32_t current = core::CurrentSchemaVersion(kNoteAdded);
      if (record.schema_version() == 0 || record.schema_version() > current) {
        return Status::Corruption(
            fmt::format("position {}: {} schema version {} is not one this build reads (1 to {})",
                        record.position(), kNoteAdded, record.schema_version(), current));
      }
      DecodedRecord& out = batch->records.emplace_back();
      out.stream_id = record.stream_id();
      out.stream_version = record.stream_version();
      out.folds = false;
      continue;
    }
    auto decoded =
        core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
    if (!decoded) {
      return Status::Corruption(fmt::format("position {}: {}", record.position(), decoded.error()));
    }
    DecodedRecord& out = batch->records.emplace_back();
    out.stream_id = record.stream_id();
    out.stream_version = record.stream_version();
    out.event.event_id = record.event_id();
    out.event.effective = record.effective();
    out.event.event = std::move(decoded.value());
  }
  batch->next = page.next;
  batch->end_of_data = page.end_of_data;
  return Status::OK();
}

// Reads page after page of stored records from a position, on a thread of
// its own (the store checks each record's hash there), at most kAhead pages
// ahead of the caller of Next(). Stops after the end of the log, an error,
// or when destroyed.
class AgreementIndex::ReadAhead {
 public:
  ReadAhead(const store::EventStore& store, uint64_t from)
      : store_(store), thread_([this, from] { Run(from); }) {}
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  ~ReadAhead() {
    {
      core::MutexLock lock(&mutex_);
      stopping_ = true;
      room_.Signal();
    }
    thread_.join();
  }

  // The next page, in log order, and the status of reading it; blocks
  // until it is read. After the last (an error, no records, or the end of
  // the data), not to be called again.
  Status Next(store::StoredPage* page) {
    core::MutexLock lock(&mutex_);
    while (ready_.empty()) filled_.Wait();
    Status status = std::move(ready_.front().first);
    *page = std::move(ready_.front().second);
    ready_.pop_front();
    room_.Signal();
    return status;
  }

 private:
  // Two pages ahead keep the folding thread fed; each holds up to
  // kReadPage records, and at most the store's page bytes (4 MiB).
  static constexpr size_t kAhead = 2;

  void Run(uint64_t from) {
    for (;;) {
      store::StoredPage page;
      Status status = store_.ReadStored(from, kReadPage, 0, &page);
      bool last = !status.ok() || page.records.empty() || page.end_of_data;
      from = page.next;
      core::MutexLock lock(&mutex_);
      while (ready_.size() >= kAhead && !stopping_) room_.Wait();
      if (stopping_) return;
      ready_.emplace_back(std::move(status), std::move(page));
      filled_.Signal();
      if (last) return;
    }
  }

  const store::EventStore& store_;
  core::Mutex mutex_;
  core::CondVar filled_{&mutex_};  // a batch was added
  core::CondVar room_{&mutex_};    // a batch was taken, or stopping_ set
  std::deque<std::pair<Status, store::StoredPage>> ready_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;  // last: started once the members it uses are
};

Status AgreementIndex::Open() {
  if (Status s = ReadCheckpoint(); !s.ok()) return s;
  return CatchUp();
}

Status AgreementIndex::ReadCheckpoint() {
  core::MutexLock lock(&mutex_);
  std::string version;
  Status s = store_->GetProjectionState(kVersionKey, &version);
  if (!s.ok() && !s.IsNotFound()) return s;
  if (version != kVersion) {
    if (s = Clear(); !s.ok()) return s;
  } else {
    std::string checkpoint;
    s = store_->GetProjectionState(kCheckpointKey, &checkpoint);
    if (s.ok() && checkpoint.size() == 8) {
      checkpoint_ = store::DecodeFixed64BE(checkpoint);
    } else if (!s.IsNotFound()) {
      return s.ok() ? Status::Corruption("the agreement index checkpoint is malformed") : s;
    }
  }
  return Status::OK();
}

Status AgreementIndex::Rebuild() {
  {
    core::MutexLock lock(&mutex_);
    if (Status s = Clear(); !s.ok()) return s;
    folded_.clear();
  }
  return CatchUp();
}

Status AgreementIndex::Clear() {
  for (;;) {
    std::vector<std::pair<std::string, std::string>> entries;
    if (Status s = store_->ScanProjectionState(kPrefix, "", kPage, &entries); !s.ok()) return s;
    if (entries.empty()) break;
    std::vector<store::EventStore::ProjectionWrite> deletes;
    deletes.reserve(entries.size());
    for (auto& [key, value] : entries) deletes.push_back({key, std::nullopt});
    if (Status s = store_->WriteProjectionState(deletes); !s.ok()) return s;
  }
  checkpoint_ = 0;
  return store_->WriteProjectionState(
      {{kVersionKey, std::string(kVersion)}, {kCheckpointKey, store::EncodePosition(0)}});
}

Status AgreementIndex::CatchUp() {
  core::MutexLock lock(&mutex_);
  // A long way behind (a rebuild, a start-up after many appends), the
  // next pages are read (and their hashes checked) on a thread of its own
  // while this one decodes, folds and writes the one before; a few records
  // are read here.
  std::unique_ptr<ReadAhead> ahead;
  if (store_->Head().next_position > checkpoint_ + kReadPage) {
    ahead = std::make_unique<ReadAhead>(*store_, checkpoint_.load());
  }
  for (;;) {
    store::StoredPage page;
    Status read = ahead ? ahead->Next(&page) : store_->ReadStored(checkpoint_, kReadPage, 0, &page);
    if (!read.ok()) return read;
    if (page.records.empty()) return Status::OK();
    DecodedBatch batch;
    if (Status s = Decode(page, &batch); !s.ok()) return s;
    if (Status s = Fold(batch); !s.ok()) return s;
    if (batch.end_of_data) return Status::OK();
  }
}

Status AgreementIndex::Fold(DecodedBatch& batch) {
  // Room is made before the batch, never inside it: an agreement folded
  // earlier in the batch must still be here when its entry is written
  // below (clearing mid-page left the entries of the agreements cleared
  // stale while the checkpoint moved past their events).
  std::set<std::string_view> arriving;
  for (const auto& record : batch.records) {
    if (!folded_.count(record.stream_id)) arriving.insert(record.stream_id);
  }
  if (folded_.size() + arriving.size() > kMaxFolded) folded_.clear();
  std::set<std::string> changed;
  for (auto& record : batch.records) {
    const std::string& id = record.stream_id;
    changed.insert(id);
    auto it = folded_.find(id);
    if (it != folded_.end() && record.stream_version > it->second.event_count) {
      folded_.erase(it);  // a gap (it was cleared for room meanwhile): fold it afresh
      it = folded_.end();
    }
    if (it == folded_.end()) {
      LoadedAgreement fresh;
      if (record.stream_version == 0) {
        fresh.state = core::InitialState(id);  // its first event is this one
      } else if (Status s = loader_.Load(id, &fresh); !s.ok()) {
        // Folded from the store as far as it is durable, which may be past
        // this batch; the records it already holds are skipped below.
        return s;
      }
      it = folded_.emplace(id, std::move(fresh)).first;
    }
    if (record.stream_version < it->second.event_count) continue;
    if (record.folds) {
      it->second.state = core::Evolve(std::move(it->second.state), std::move(record.event));
    }
    ++it->second.event_count;
  }

  std::vector<store::EventStore::ProjectionWrite> writes;
  for (const std::string& id : changed) {
    const LoadedAgreement& loaded = folded_.at(id);
    if (loaded.event_count == 0 || loaded.state.stage == core::Stage::kNone) continue;
    accord::v1::AgreementIndexEntry now = EntryOf(loaded);

    std::string stored;
    Status s = store_->GetProjectionState(kEntryPrefix + id, &stored);
    if (!s.ok() && !s.IsNotFound()) return s;
    accord::v1::AgreementIndexEntry before;
    std::set<std::string> old_keys;
    if (s.ok() && before.ParseFromString(stored)) old_keys = IndexKeys(id, before);
    std::set<std::string> new_keys = IndexKeys(id, now);
    for (const auto& key : old_keys) {
      if (new_keys.count(key) == 0) writes.push_back({key, std::nullopt});
    }
    for (const auto& key : new_keys) writes.push_back({key, std::string()});
    writes.push_back({kEntryPrefix + id, now.SerializeAsString()});
  }
  writes.push_back({kCheckpointKey, store::EncodePosition(batch.next)});
  if (Status s = store_->WriteProjectionState(writes); !s.ok()) return s;
  checkpoint_ = batch.next;
  events_processed_ += batch.records.size();
  return Status::OK();
}

Status AgreementIndex::Verify(uint64_t* agreements) {
  core::MutexLock lock(&mutex_);
  *agreements = 0;
  // The stored checkpoint, so that a read-only store can be checked without
  // opening (and catching up) the index.
  std::string checkpoint;
  Status read = store_->GetProjectionState(kCheckpointKey, &checkpoint);
  if (read.IsNotFound()) return Status::OK();  // no index kept in this store yet
  if (!read.ok()) return read;
  if (checkpoint.size() != 8)
    return Status::Corruption("the agreement index checkpoint is malformed");
  uint64_t upto = store::DecodeFixed64BE(checkpoint);
  std::set<std::string> expected_keys;
  std::string after;
  for (;;) {
    std::vector<std::string> streams;
    bool end = false;
    if (Status s = store_->ListStreams(after, kPage, &streams, &end); !s.ok()) return s;
    for (const std::string& id : streams) {
      LoadedAgreement folded;
      folded.state = core::InitialState(id);
      StreamReader reader = StreamReader::Stream(*store_, id);
      reader.PageSize(kPage).Before(upto);
      if (Status s = FoldAgreement(reader, &folded); !s.ok()) return s;
      if (folded.event_count == 0 || folded.state.stage == core::Stage::kNone) continue;
      accord::v1::AgreementIndexEntry want = EntryOf(folded);
      std::string stored;
      Status s = store_->GetProjectionState(kEntryPrefix + id, &stored);
      if (!s.ok() && !s.IsNotFound()) return s;
      if (!s.ok() || stored != want.SerializeAsString()) {
        return Status::Corruption(fmt::format(
            "the agreement index entry of '{}' disagrees with the log (up to position {})", id,
            upto));
      }
      for (const auto& key : IndexKeys(id, want)) {
        std::string present;
        if (!store_->GetProjectionState(key, &present).ok()) {
          return Status::Corruption(fmt::format("the agreement index lacks '{}'", key));
        }
        expected_keys.insert(key);
      }
      expected_keys.insert(kEntryPrefix + id);
      ++*agreements;
    }
    if (end || streams.empty()) break;
    after = streams.back();
  }
  // Nothing else under the index's prefix but its version and checkpoint.
  std::string cursor;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> entries;
    if (Status s = store_->ScanProjectionState(kPrefix, cursor, kPage, &entries); !s.ok()) return s;
    for (const auto& [key, value] : entries) {
      cursor = key;
      if (key == kVersionKey || key == kCheckpointKey) continue;
      if (!expected_keys.count(key)) {
        return Status::Corruption(
            fmt::format("the agreement index holds '{}', which the log does not give", key));
      }
    }
    if (entries.size() < kPage) break;
  }
  return Status::OK();
}

Status AgreementIndex::LinksTo(const std::string& agreement_id,
                               std::vector<accord::v1::LinkSummary>* links) const {
  links->clear();
  std::string prefix = fmt::format("agreements/link/{}/", agreement_id);
  std::string cursor;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> entries;
    if (Status s = store_->ScanProjectionState(prefix, cursor, kPage, &entries); !s.ok()) return s;
    for (const auto& [key, value] : entries) {
      cursor = key;
      std::string rest = key.substr(prefix.size());  // <id>/<RELATION>
      size_t slash = rest.rfind('/');
      if (slash == std::string::npos) continue;
      accord::v1::AgreementLinked::Relation relation;
      if (!accord::v1::AgreementLinked::Relation_Parse(rest.substr(slash + 1), &relation)) {
        continue;
      }
      auto& link = links->emplace_back();
      link.set_relation(relation);
      link.set_other_agreement_id(rest.substr(0, slash));
      link.set_direction(accord::v1::LinkSummary::INCOMING);
    }
    if (entries.size() < kPage) return Status::OK();
  }
}

Status AgreementIndex::Find(accord::v1::AgreementStage stage, const std::string& party_id,
                            const std::string& after, size_t max_count,
                            std::vector<std::string>* ids, bool* end) const {
  ids->clear();
  std::string prefix =
      !party_id.empty() ? fmt::format("agreements/party/{}/", party_id)
      : stage != accord::v1::AGREEMENT_STAGE_UNSPECIFIED
          ? fmt::format("agreements/stage/{}/", accord::v1::AgreementStage_Name(stage))
          : std::string(kEntryPrefix);
  bool filter_stage = !party_id.empty() && stage != accord::v1::AGREEMENT_STAGE_UNSPECIFIED;
  std::string cursor = after.empty() ? std::string() : prefix + after;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> entries;
    if (Status s = store_->ScanProjectionState(prefix, cursor, kPage, &entries); !s.ok()) return s;
    for (const auto& [key, value] : entries) {
      cursor = key;
      std::string id = key.substr(prefix.size());
      if (filter_stage) {
        std::string stored;
        accord::v1::AgreementIndexEntry entry;
        Status s = store_->GetProjectionState(kEntryPrefix + id, &stored);
        if (!s.ok() || !entry.ParseFromString(stored) || entry.stage() != stage) continue;
      }
      ids->push_back(std::move(id));
      if (ids->size() == max_count) {
        std::vector<std::pair<std::string, std::string>> more;
        if (Status s = store_->ScanProjectionState(prefix, cursor, 1, &more); !s.ok()) return s;
        *end = more.empty();
        return Status::OK();
      }
    }
    if (entries.size() < kPage) {
      *end = true;
      return Status::OK();
    }
  }
}

}  // namespace accord::app
