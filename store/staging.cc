// Staging: the stager's check of one writer against the staged state (the
// log as it will be once every group before is written), and, if it fits,
// its records, index entries, stream heads and Merkle nodes in the open
// group. An append gets its positions, recorded-at time and hashes here; an
// import brings its own and is checked against them. Either is staged whole
// or not at all. Runs on the stager thread only (see rocksdb_store.h).
#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "store/internal.h"
#include "store/pipeline_types.h"
#include "store/rocksdb_store.h"

namespace accord::store {

using accord::v1::EventRecord;
using accord::v1::LogEntry;
using accord::v1::NewEvent;
using accord::v1::StreamHead;
using namespace internal;  // NOLINT(google-build-using-namespace)

namespace {

constexpr size_t kMaxStreamIdBytes = 512;
constexpr size_t kMaxCachedHeads = 100000;

bool SameContent(const EventRecord& stored, std::string_view stream_id, const NewEvent& e) {
  return stored.stream_id() == stream_id && stored.event_type() == e.event_type() &&
         stored.schema_version() == e.schema_version() && stored.payload() == e.payload() &&
         stored.effective().SerializeAsString() == e.effective().SerializeAsString() &&
         stored.actor() == e.actor() && stored.correlation_id() == e.correlation_id() &&
         stored.causation_id() == e.causation_id();
}

// The event a record was appended as: what a retry of it is compared to.
NewEvent AsNewEvent(const EventRecord& record) {
  NewEvent event;
  event.set_event_id(record.event_id());
  event.set_event_type(record.event_type());
  event.set_schema_version(record.schema_version());
  event.set_payload(record.payload());
  if (record.has_effective()) *event.mutable_effective() = record.effective();
  event.set_actor(record.actor());
  event.set_correlation_id(record.correlation_id());
  event.set_causation_id(record.causation_id());
  return event;
}

}  // namespace

core::Status RocksDbStore::LoadHead(std::string_view stream_id, std::optional<StreamHead>* head) {
  std::string key(stream_id);
  if (auto cached = head_cache_.find(key); cached != head_cache_.end()) {
    *head = cached->second;
    return core::Status::OK();
  }
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), stream_heads_, key, &value);
  if (rs.IsNotFound()) {
    head->reset();
    return core::Status::OK();
  }
  if (!rs.ok()) return FromRocks(rs, "reading a stream head");
  StreamHead stored;
  if (!stored.ParseFromString(value)) {
    return core::Status::Corruption(
        fmt::format("the head of stream '{}' does not parse", stream_id));
  }
  if (head_cache_.size() >= kMaxCachedHeads) head_cache_.clear();
  head_cache_[key] = stored;
  *head = stored;
  return core::Status::OK();
}

core::Status RocksDbStore::StageAppend(Writer* w, Group* g) {
  const std::vector<NewEvent>& events = w->events;
  AppendResult* result = &w->result;
  if (w->stream_id.empty() || w->stream_id.size() > kMaxStreamIdBytes ||
      w->stream_id.find('\0') != std::string::npos) {
    return core::Status::InvalidArgument("a stream id is 1-512 bytes without NUL");
  }
  if (events.empty()) return core::Status::InvalidArgument("an append needs at least one event");

  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const NewEvent& e : events) {
    std::optional<std::string> id = UuidBytes(e.event_id());
    if (!id) {
      return core::Status::InvalidArgument(
          fmt::format("event id '{}' is not a canonical lower-case UUID", e.event_id()));
    }
    if (e.event_type().empty() || e.schema_version() == 0) {
      return core::Status::InvalidArgument(
          fmt::format("event {} needs an event type and a schema version", e.event_id()));
    }
    ids.push_back(std::move(*id));
  }
  if (ids.size() > 1 &&
      std::unordered_set<std::string>(ids.begin(), ids.end()).size() != ids.size()) {
    return core::Status::InvalidArgument("an event id appears twice in one append");
  }

  // Idempotency comes before the version check: a retry of an append that
  // succeeded must succeed again, although the stream has moved on. Staged
  // events are looked up before the disk: one leaves the in-flight map only
  // after it is written.
  size_t found = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    std::optional<InFlightEvent> in_flight;
    {
      core::MutexLock lock(&in_flight_mutex_);
      if (auto it = in_flight_ids_.find(ids[i]); it != in_flight_ids_.end()) in_flight = it->second;
    }
    uint64_t position = 0;
    uint64_t version = 0;
    bool same = false;
    if (in_flight) {
      position = in_flight->position;
      version = in_flight->stream_version;
      // Compared only when an id repeats, so serializing here costs the
      // append path nothing.
      same = *in_flight->stream_id == w->stream_id &&
             in_flight->event->SerializeAsString() == events[i].SerializeAsString();
    } else {
      std::string value;
      rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), event_ids_, ids[i], &value);
      if (rs.IsNotFound()) continue;
      if (!rs.ok()) return FromRocks(rs, "reading the event id index");
      position = DecodeFixed64BE(value);
      EventRecord record;
      if (core::Status s = ReadRecordAt(position, &record); !s.ok()) return s;
      version = record.stream_version();
      same = SameContent(record, w->stream_id, events[i]);
    }
    bool in_sequence = found == i && (i == 0 || position == result->last_position + 1);
    if (!same || !in_sequence) {
      return core::Status::DuplicateEvent(
          fmt::format("event {} is stored at position {} with other content or in another append",
                      events[i].event_id(), position));
    }
    if (i == 0) result->first_position = position;
    result->last_position = position;
    result->last_version = version;
    ++found;
  }
  if (found > 0) {
    if (found != ids.size()) {
      *result = AppendResult{};
      return core::Status::DuplicateEvent(fmt::format(
          "{} of the {} events are stored already: a retry must resend exactly the original "
          "append",
          found, ids.size()));
    }
    result->already_stored = true;
    return core::Status::OK();
  }

  std::optional<StreamHead> head;
  if (core::Status s = LoadHead(w->stream_id, &head); !s.ok()) return s;
  bool matches = true;
  switch (w->expected.kind()) {
    case ExpectedVersion::Kind::kAny:
      break;
    case ExpectedVersion::Kind::kNoStream:
      matches = !head.has_value();
      break;
    case ExpectedVersion::Kind::kStreamExists:
      matches = head.has_value();
      break;
    case ExpectedVersion::Kind::kExact:
      matches = head.has_value() && head->last_version() == w->expected.version();
      break;
  }
  if (!matches) {
    if (head) result->current_version = head->last_version();
    return core::Status::WrongExpectedVersion(fmt::format(
        "stream '{}' was expected at {} but is at {}", w->stream_id, w->expected.ToString(),
        head ? fmt::format("version {}", head->last_version()) : std::string("no stream")));
  }

  google::protobuf::Timestamp recorded_at =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(g->recorded_micros);
  uint64_t version = head ? head->last_version() + 1 : 0;
  StreamHead next_head;
  next_head.set_event_count(head ? head->event_count() : 0);
  std::vector<std::pair<std::string, InFlightEvent>> staged;
  staged.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i, ++version) {
    const NewEvent& e = events[i];
    uint64_t position = next_position_++;
    EventRecord record;
    record.set_position(position);
    record.set_stream_id(w->stream_id);
    record.set_stream_version(version);
    record.set_event_id(e.event_id());
    record.set_event_type(e.event_type());
    record.set_schema_version(e.schema_version());
    *record.mutable_recorded_at() = recorded_at;
    *record.mutable_effective() = e.effective();
    record.set_actor(e.actor());
    record.set_correlation_id(e.correlation_id());
    record.set_causation_id(e.causation_id());
    record.set_payload(e.payload());
    record.set_prev_hash(chain_hash_);
    if (g->gate) record.set_leader_term(g->gate->term);

    LogEntry entry;
    entry.set_record(record.SerializeAsString());
    entry.set_hash(Sha256(entry.record()));
    std::string key = EncodePosition(position);
    std::string value = entry.SerializeAsString();
    g->batch.Put(log_, key, value);
    if (g->gate) g->gate_entries.push_back(std::move(value));
    g->stream_index_puts.emplace_back(StreamIndexKey(w->stream_id, version), key);
    g->event_id_puts.emplace_back(ids[i], key);
    chain_hash_ = entry.hash();
    merkle_frontier_.Append(core::LeafHash(entry.record()),
                            [g](int level, uint64_t index, const core::MerkleHash& hash) {
                              g->merkle_node_puts.emplace_back(MerkleNodeKey(level, index), hash);
                            });
    staged.emplace_back(ids[i], InFlightEvent{position, version, &w->stream_id, &e});
    g->id_keys.push_back(ids[i]);

    if (i == 0) result->first_position = position;
    result->last_position = position;
    next_head.set_last_version(version);
    next_head.set_last_position(position);
    next_head.set_event_count(next_head.event_count() + 1);
  }
  {
    core::MutexLock lock(&in_flight_mutex_);
    for (auto& [id, event] : staged) in_flight_ids_[id] = event;
  }
  result->last_version = next_head.last_version();
  g->stream_head_puts[w->stream_id] = next_head.SerializeAsString();
  head_cache_[w->stream_id] = next_head;
  g->events += events.size();
  return core::Status::OK();
}

core::Status RocksDbStore::StageImport(Writer* w, Group* g) {
  // Every entry is checked, against the staged head and the entries before
  // it, before anything is staged.
  std::vector<EventRecord> records;
  std::vector<std::string> ids;
  records.reserve(w->imported.size());
  ids.reserve(w->imported.size());
  std::unordered_map<std::string, StreamHead> heads;  // this batch's streams, as it goes
  std::unordered_set<std::string> batch_ids;
  uint64_t position = next_position_;
  std::string hash = chain_hash_;
  int64_t recorded_micros = g->recorded_micros;
  for (const LogEntry& entry : w->imported) {
    EventRecord record;
    if (!record.ParseFromString(entry.record())) {
      return core::Status::Corruption(
          fmt::format("record at position {}: its bytes do not parse as a record", position));
    }
    auto refuse = [&record](std::string_view why) {
      return core::Status::Corruption(
          fmt::format("record at position {}: {}", record.position(), why));
    };
    // Over the bytes as given: they are what is stored.
    if (Sha256(entry.record()) != entry.hash()) return refuse("it does not match its hash");
    if (record.position() != position) {
      return refuse(fmt::format("position {} was due", position));
    }
    if (record.prev_hash() != hash) return refuse("it does not chain to the record before it");
    std::optional<std::string> id = UuidBytes(record.event_id());
    if (!id || !batch_ids.insert(*id).second) {
      return refuse("its event id is malformed or repeated");
    }
    bool staged_already = false;
    {
      core::MutexLock lock(&in_flight_mutex_);
      staged_already = in_flight_ids_.count(*id) > 0;
    }
    std::string existing;
    rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), event_ids_, *id, &existing);
    if (staged_already || rs.ok()) return refuse("its event id is stored already");
    if (!rs.IsNotFound()) return FromRocks(rs, "reading the event id index");
    std::optional<StreamHead> head;
    if (auto it = heads.find(record.stream_id()); it != heads.end()) {
      head = it->second;
    } else if (core::Status s = LoadHead(record.stream_id(), &head); !s.ok()) {
      return s;
    }
    uint64_t version = head ? head->last_version() + 1 : 0;
    if (record.stream_version() != version) {
      return refuse(fmt::format("version {} of stream '{}' was due", version, record.stream_id()));
    }
    StreamHead next_head;
    next_head.set_last_version(version);
    next_head.set_last_position(position);
    next_head.set_event_count(version + 1);
    heads[record.stream_id()] = next_head;
    hash = entry.hash();
    recorded_micros =
        std::max(recorded_micros,
                 google::protobuf::util::TimeUtil::TimestampToMicroseconds(record.recorded_at()));
    ++position;
    records.push_back(std::move(record));
    ids.push_back(std::move(*id));
  }

  // It fits: stage it. The writer keeps the records and their events, which
  // the in-flight entries point into, until the group is written.
  w->imported_records = std::move(records);
  w->events.reserve(w->imported_records.size());
  for (const EventRecord& record : w->imported_records) w->events.push_back(AsNewEvent(record));
  std::vector<std::pair<std::string, InFlightEvent>> staged;
  staged.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const EventRecord& record = w->imported_records[i];
    const LogEntry& given = w->imported[i];
    LogEntry entry;
    entry.set_record(given.record());
    entry.set_hash(given.hash());
    std::string key = EncodePosition(record.position());
    std::string value = entry.SerializeAsString();
    g->batch.Put(log_, key, value);
    if (g->gate) g->gate_entries.push_back(std::move(value));
    g->stream_index_puts.emplace_back(StreamIndexKey(record.stream_id(), record.stream_version()),
                                      key);
    g->event_id_puts.emplace_back(ids[i], key);
    merkle_frontier_.Append(core::LeafHash(entry.record()),
                            [g](int level, uint64_t index, const core::MerkleHash& node) {
                              g->merkle_node_puts.emplace_back(MerkleNodeKey(level, index), node);
                            });
    staged.emplace_back(ids[i], InFlightEvent{record.position(), record.stream_version(),
                                              &record.stream_id(), &w->events[i]});
    g->id_keys.push_back(ids[i]);
  }
  {
    core::MutexLock lock(&in_flight_mutex_);
    for (auto& [id, event] : staged) in_flight_ids_[id] = event;
  }
  for (const auto& [stream, head] : heads) {
    g->stream_head_puts[stream] = head.SerializeAsString();
    head_cache_[stream] = head;
  }
  w->result.first_position = next_position_;
  w->result.last_position = position - 1;
  next_position_ = position;
  chain_hash_ = hash;
  // Appends staged after it in this group are recorded no earlier than it.
  g->recorded_micros = recorded_micros;
  last_recorded_micros_ = std::max(last_recorded_micros_, recorded_micros);
  g->events += ids.size();
  return core::Status::OK();
}

}  // namespace accord::store
