// The search index projection: every event of the log as one Xapian
// document, found by the words people search with (accord.v1.Search).
//
// It lives in app/, beside the agreement index it mirrors: Xapian is a
// library with no socket and no RocksDB, and its database is a folder of
// its own (DATA/search/ under accordd), not the store's, so the store's
// interface need not grow a second kind of projection state. Only this
// file's .cc includes Xapian.
//
// What is indexed, for the event at log position P (document id P + 1):
//
//   text      every string field of the event's payload, found by walking
//             the message with protobuf reflection (a new event type is
//             searchable without code here), grouped by its top-level field
//             (IndexedEvent.Field: "party", "outcome", "place", ...), plus
//             the words of its effective date ("date") and of its kind
//             ("event": "visit held"); English stemming; ids of events and
//             digests are left out (they are not words)
//   terms     Q<event id>, A<agreement id>, T<event type> (boolean)
//   values    0: the position (sortable), 1: agreement id, 2: event id,
//             3: event type
//   data      the IndexedEvent: the fields' texts, for snippets
//   metadata  "version" (kVersion), "checkpoint" (the next position to
//             index, decimal), "checkpoint-hash" (hex SHA-256 of the record
//             before it), "title/<agreement id>" (its title)
//
// The documents and the metadata of a page of the log go in one Xapian
// commit, so the checkpoint never says more or less than what is indexed.
// Opening resumes from the checkpoint (reading only the log's tail); it
// starts again from position 0 when the folder is missing, does not open,
// was written by another kVersion, or does not match the log (its
// checkpoint past the log's head, or the record before it another one).
//
// Thread safety: shareable. Catching up is serialised; searches run at the
// same time as catching up and each other, on a reader of their own, and
// see the index as its last commit left it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "accord/v1/search.pb.h"
#include "core/mutex.h"
#include "core/status.h"
#include "core/thread_annotations.h"
#include "store/event_store.h"

namespace accord::app {

// Limits of a search (docs/http.md, "Searching").
inline constexpr size_t kMaxSearchQueryChars = 500;
inline constexpr uint32_t kDefaultSearchHits = 20;
inline constexpr uint32_t kMaxSearchHits = 100;

// A hit's snippet (HTML: escaped, matches in <mark>) as plain text, for a
// terminal.
std::string SnippetAsText(std::string_view snippet);

class SearchIndex {
 public:
  // Bump when what is indexed, or how, changes: the index is rebuilt.
  static constexpr char kVersion[] = "1";

  // REQUIRES: store outlives the index. `directory` is the index's folder,
  // made if missing.
  SearchIndex(const store::EventStore* store, std::string directory);
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // Opens the folder and loads the checkpoint, starting afresh from
  // position 0 when the folder cannot be resumed (see above); does not
  // catch up (CatchUp does). *rebuilt (when not null): whether it started
  // afresh, and why ("" when it resumed).
  core::Status Open(std::string* rebuilt = nullptr) EXCLUDES(mutex_);
  // Indexes every event logged since the checkpoint, a page per commit.
  core::Status CatchUp() EXCLUDES(mutex_);
  // Forgets everything and indexes the whole log again.
  core::Status Rebuild() EXCLUDES(mutex_);
  // A CatchUp running returns after the page it is on, and none indexes
  // from then on (the server is stopping: it need not finish a rebuild).
  void Stop() { stopped_ = true; }
  // Checks the index as last committed against the log: Corruption when
  // its checkpoint is past the log's head, or it does not hold exactly one
  // document per event before its checkpoint.
  core::Status Verify() const;

  // The events that match `search`, best first (catching up first when the
  // index is at most a page behind, so that a caller finds what it has just
  // logged). InvalidArgument for an empty or over-long query, or one
  // Xapian's parser refuses, with a sentence.
  core::Status Search(const accord::v1::Search& search, accord::v1::SearchResults* results);

  uint64_t checkpoint() const { return checkpoint_.load(); }
  uint64_t events_processed() const { return events_processed_.load(); }
  const std::string& directory() const { return directory_; }

 private:
  struct Writer;  // the Xapian database open for writing

  core::Status OpenFresh() REQUIRES(mutex_);
  // Indexes one page from the checkpoint; *more: whether the log goes on.
  core::Status IndexNextPage(bool* more) EXCLUDES(mutex_);

  const store::EventStore* store_;
  const std::string directory_;
  core::Mutex mutex_;  // serialises the writer: Open, CatchUp, Rebuild
  std::unique_ptr<Writer> writer_ GUARDED_BY(mutex_);
  std::atomic<uint64_t> checkpoint_{0};
  std::atomic<uint64_t> events_processed_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace accord::app
