// A store that forwards every call to another: the base of test stores
// that change one behaviour (a read that fails, a read that waits).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "store/event_store.h"

namespace accord::testing {

class ForwardingStore : public store::EventStore {
 public:
  explicit ForwardingStore(store::EventStore* inner) : inner_(inner) {}

  core::Status ReadStored(uint64_t from_position, size_t max_count, size_t max_bytes,
                          store::StoredPage* page) const override {
    return inner_->ReadStored(from_position, max_count, max_bytes, page);
  }
  core::Status Append(std::string_view stream_id, store::ExpectedVersion expected,
                      const std::vector<accord::v1::NewEvent>& events,
                      store::AppendResult* result) override {
    return inner_->Append(stream_id, expected, events, result);
  }
  void AppendAsync(std::string stream_id, store::ExpectedVersion expected,
                   std::vector<accord::v1::NewEvent> events, store::AppendCallback done) override {
    inner_->AppendAsync(std::move(stream_id), expected, std::move(events), std::move(done));
  }
  void SetCommitListener(std::function<void(uint64_t)> listener) override {
    inner_->SetCommitListener(std::move(listener));
  }
  core::Status Backup(const std::string& directory, uint64_t* position) const override {
    return inner_->Backup(directory, position);
  }
  core::Status ImportEntries(const std::vector<accord::v1::LogEntry>& entries) override {
    return inner_->ImportEntries(entries);
  }
  core::Status ReadStreamForward(std::string_view stream_id, uint64_t from_version,
                                 size_t max_count, store::ReadPage* page) const override {
    return inner_->ReadStreamForward(stream_id, from_version, max_count, page);
  }
  core::Status ReadStreamBackward(std::string_view stream_id, uint64_t from_version,
                                  size_t max_count, store::ReadPage* page) const override {
    return inner_->ReadStreamBackward(stream_id, from_version, max_count, page);
  }
  core::Status ReadAll(uint64_t from_position, size_t max_count,
                       store::ReadPage* page) const override {
    return inner_->ReadAll(from_position, max_count, page);
  }
  core::Status GetStreamHead(std::string_view stream_id,
                             accord::v1::StreamHead* head) const override {
    return inner_->GetStreamHead(stream_id, head);
  }
  core::Status ListStreams(std::string_view after, size_t max_count,
                           std::vector<std::string>* streams, bool* end) const override {
    return inner_->ListStreams(after, max_count, streams, end);
  }
  core::Status FindEvent(std::string_view event_id,
                         accord::v1::EventRecord* record) const override {
    return inner_->FindEvent(event_id, record);
  }
  store::LogHead Head() const override { return inner_->Head(); }
  store::StoreStats Stats() const override { return inner_->Stats(); }
  core::Status WriteHealth() const override { return inner_->WriteHealth(); }
  bool AwaitWritable(std::chrono::milliseconds timeout) const override {
    return inner_->AwaitWritable(timeout);
  }
  std::optional<store::LogHead> Reached() const override { return inner_->Reached(); }
  core::Status Salvage(store::EventStore* into, store::SalvageReport* report) const override {
    return inner_->Salvage(into, report);
  }
  core::Status MerkleRoot(uint64_t size, std::string* root) const override {
    return inner_->MerkleRoot(size, root);
  }
  core::Status InclusionProof(uint64_t position, uint64_t size,
                              std::vector<std::string>* proof) const override {
    return inner_->InclusionProof(position, size, proof);
  }
  core::Status ConsistencyProof(uint64_t first, uint64_t second,
                                std::vector<std::string>* proof) const override {
    return inner_->ConsistencyProof(first, second, proof);
  }
  core::Status ReadLeaf(uint64_t position, std::string* leaf) const override {
    return inner_->ReadLeaf(position, leaf);
  }
  core::Status Verify(store::VerifyReport* report) const override { return inner_->Verify(report); }
  core::Status PutProjectionState(std::string_view name, std::string_view value) override {
    return inner_->PutProjectionState(name, value);
  }
  core::Status GetProjectionState(std::string_view name, std::string* value) const override {
    return inner_->GetProjectionState(name, value);
  }
  core::Status WriteProjectionState(const std::vector<ProjectionWrite>& writes) override {
    return inner_->WriteProjectionState(writes);
  }
  core::Status ScanProjectionState(
      std::string_view prefix, std::string_view after, size_t max_count,
      std::vector<std::pair<std::string, std::string>>* entries) const override {
    return inner_->ScanProjectionState(prefix, after, max_count, entries);
  }

 protected:
  store::EventStore* inner_;
};

}  // namespace accord::testing
