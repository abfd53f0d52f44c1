// The agreement index projection: which agreements are at which stage and
// which have which party, kept in the store's projection state beside a
// checkpoint (the next log position to process), both written in one batch.
//
//   agreements/version               -> projection code version
//   agreements/checkpoint            -> next position, u64 big-endian
//   agreements/entry/<id>            -> AgreementIndexEntry
//   agreements/stage/<STAGE>/<id>    -> ""
//   agreements/party/<party>/<id>    -> ""
//   agreements/link/<other>/<id>/<RELATION> -> note  (<id> links to <other>)
//
// Opening resumes from the checkpoint, so start-up reads only the events
// logged since; a changed kVersion rebuilds the index from position 0.
// Thread safety: shareable; catching up is serialised.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "accord/v1/views.pb.h"
#include "app/command_handler.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "store/event_store.h"

namespace accord::app {

class AgreementIndex {
 public:
  // Bump when what the index stores, or how it is derived, changes.
  static constexpr char kVersion[] = "2";

  // REQUIRES: store outlives the index.
  explicit AgreementIndex(store::EventStore* store) : store_(store), loader_(store) {}

  // Loads the checkpoint (rebuilding if the version changed) and catches up.
  core::Status Open();
  // Processes every event logged since the checkpoint.
  core::Status CatchUp();
  // Forgets everything and processes the whole log again.
  core::Status Rebuild();
  // Checks the stored index against the log up to its checkpoint: each
  // agreement folded from its own events, its entry, stage key and party
  // keys present and right, and no entry or key for anything else.
  // Corruption names the first agreement that disagrees. One agreement in
  // memory at a time. *agreements: how many were checked.
  core::Status Verify(uint64_t* agreements);

  // Agreement ids in id order after `after`, at most `max_count`, only
  // those at `stage` (unspecified: any) and with `party_id` (empty: any).
  // *end is true when no more match.
  core::Status Find(accord::v1::AgreementStage stage, const std::string& party_id,
                    const std::string& after, size_t max_count, std::vector<std::string>* ids,
                    bool* end) const;

  // The links other agreements make to `agreement_id` (AgreementLinked),
  // as INCOMING LinkSummary rows in the linking agreement's id order.
  core::Status LinksTo(const std::string& agreement_id,
                       std::vector<accord::v1::LinkSummary>* links) const;

  uint64_t checkpoint() const { return checkpoint_.load(); }
  uint64_t events_processed() const { return events_processed_.load(); }

 private:
  struct DecodedBatch;  // records of the log, each decoded once
  class ReadAhead;      // reads the next pages on a thread of its own

  // Records read at a time from the store: each batch's entries are
  // written with its checkpoint in one write.
  static constexpr size_t kReadPage = 4096;

  core::Status Clear() REQUIRES(mutex_);
  core::Status ReadCheckpoint() EXCLUDES(mutex_);
  // Parses and decodes each record of `page` once.
  static core::Status Decode(const store::StoredPage& page, DecodedBatch* batch);
  // Folds a batch into folded_, then writes the entries it changed and the
  // checkpoint past it in one write. Moves the events out of `batch`.
  core::Status Fold(DecodedBatch& batch) REQUIRES(mutex_);

  store::EventStore* store_;
  CommandHandler loader_;  // folds an agreement's stream
  // The agreements folded as far as the checkpoint, so that catching up
  // applies each new record once instead of folding its agreement again.
  // Bounded: emptied before a batch that would take it past kMaxFolded
  // (a batch of more agreements than that holds them all, so at most
  // max(kMaxFolded, kReadPage) agreements); an agreement missing is folded
  // from the store.
  static constexpr size_t kMaxFolded = 1024;
  core::Mutex mutex_;  // serialises Open, CatchUp, Rebuild and Verify
  std::unordered_map<std::string, LoadedAgreement> folded_ GUARDED_BY(mutex_);
  std::atomic<uint64_t> checkpoint_{0};
  std::atomic<uint64_t> events_processed_{0};
};

}  // namespace accord::app
