#include "app/agreement_index.h"

#include <fmt/format.h>

#include <set>

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
  StreamReader reader = StreamReader::Log(*store_, checkpoint_);
  reader.PageSize(kPage);
  return reader.ForEachPage([this](const store::ReadPage& page) -> Status {
    mutex_.AssertHeld();  // held by CatchUp around the read
    // Room is made before the page, never inside it: an agreement folded
    // earlier in the page must still be here when its entry is written
    // below (clearing mid-page left the entries of the agreements cleared
    // stale while the checkpoint moved past their events).
    std::set<std::string> arriving;
    for (const auto& record : page.records) {
      if (!folded_.count(record.stream_id())) arriving.insert(record.stream_id());
    }
    if (folded_.size() + arriving.size() > kMaxFolded) folded_.clear();
    std::set<std::string> changed;
    for (const auto& record : page.records) {
      const std::string& id = record.stream_id();
      changed.insert(id);
      auto it = folded_.find(id);
      if (it != folded_.end() && record.stream_version() > it->second.event_count) {
        folded_.erase(it);  // a gap (it was cleared for room meanwhile): fold it afresh
        it = folded_.end();
      }
      if (it == folded_.end()) {
        LoadedAgreement fresh;
        if (record.stream_version() == 0) {
          fresh.state = core::InitialState(id);  // its first event is this one
        } else if (Status s = loader_.Load(id, &fresh); !s.ok()) {
          // Folded from the store as far as it is durable, which may be past
          // this page; the records it already holds are skipped below.
          return s;
        }
        it = folded_.emplace(id, std::move(fresh)).first;
      }
      if (record.stream_version() < it->second.event_count) continue;
      auto event = core::ToAgreementEvent(record);
      if (!event) return Status::Corruption(event.error());
      it->second.state = core::Evolve(std::move(it->second.state), *event);
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
    writes.push_back({kCheckpointKey, store::EncodePosition(page.next)});
    if (Status s = store_->WriteProjectionState(writes); !s.ok()) return s;
    checkpoint_ = page.next;
    events_processed_ += page.records.size();
    return Status::OK();
  });
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
