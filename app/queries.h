// app/queries: what people ask of the log, answered as Responses.
//
// An agreement's summary (as it stands, as it was recorded by a moment, as
// true on a day), its timeline, the listing by stage or party, the report,
// and pages of a stream or of the whole log. Each reads the store, so each
// runs on the store's pool (the request table says so), and none writes.
//
// Pages for the wire are cut by bytes (app/paging.h): no answer is larger
// than max_frame_bytes; one item that alone would be is RESPONSE_TOO_LARGE
// (a listing abridges it instead).
//
// Thread safety: any number of threads may ask at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "accord/v1/wire.pb.h"
#include "app/agreement_index.h"
#include "app/command_handler.h"
#include "core/clock.h"
#include "store/event_store.h"

namespace accord::app {

struct QueryLimits {
  size_t page_bytes = 1 << 20;         // a page stops before passing this
  uint32_t max_frame_bytes = 4 << 20;  // and always below a frame
};

class Queries {
 public:
  // REQUIRES: everything given outlives the queries.
  Queries(const store::EventStore* store, AgreementIndex* index, const CommandHandler* commands,
          const core::Clock* clock, QueryLimits limits)
      : store_(store), index_(index), commands_(commands), clock_(clock), limits_(limits) {}

  accord::v1::Response ReadStream(uint64_t request_id, const accord::v1::ReadStream& read) const;
  accord::v1::Response ReadAll(uint64_t request_id, const accord::v1::ReadAll& read) const;
  // With recorded_before, the agreement as the log held it then; with
  // true_on, as true on that day (statuses judged then); links other
  // agreements make to it come from the index, caught up first.
  accord::v1::Response Agreement(uint64_t request_id, const accord::v1::GetAgreement& get) const;
  accord::v1::Response Timeline(uint64_t request_id, const accord::v1::GetTimeline& get) const;
  // The whole log replayed into the report (overdue, awaiting, in force).
  accord::v1::Response Report(uint64_t request_id) const;
  // Found through the index (caught up first, so that a caller sees what it
  // has just logged), each agreement listed folded as it stands today.
  accord::v1::Response List(uint64_t request_id, const accord::v1::ListAgreements& list) const;

 private:
  enum class Cut { kNone, kByPosition, kByVersion };
  accord::v1::Response Page(uint64_t request_id, const core::Status& s, const store::ReadPage& page,
                            Cut cut) const;
  // All of an agreement's events, decoded; an error response when it fails.
  std::optional<accord::v1::Response> ReadAgreement(
      uint64_t request_id, const std::string& agreement_id,
      std::vector<accord::v1::RecordedEvent>* events) const;

  const store::EventStore* store_;
  AgreementIndex* index_;  // catching up is safe from any thread
  const CommandHandler* commands_;
  const core::Clock* clock_;
  QueryLimits limits_;
};

// A summary with what makes it large (notes, documents, ...) left out, for a
// listing whose one agreement would not fit a frame.
accord::v1::AgreementSummary Abridged(const accord::v1::AgreementSummary& full);

}  // namespace accord::app
