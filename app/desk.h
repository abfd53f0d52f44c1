// app/desk: what the web desk reads, answered as Responses: the desk (what
// needs attention on a day), a date read as people type it, an agreement's
// timeline drawn as SVG, its audit report, and the planned items a calendar
// file is made of. Each reads through the same projections as the report
// and the summaries (core/desk.h, core/report.h, app/queries.h); none writes.
//
// Thread safety: any number of threads may ask at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "accord/v1/wire.pb.h"
#include "app/agreement_index.h"
#include "app/queries.h"
#include "core/clock.h"
#include "store/event_store.h"

namespace accord::app {

class DeskQueries {
 public:
  // REQUIRES: everything given outlives the desk queries.
  DeskQueries(const store::EventStore* store, AgreementIndex* index, const Queries* queries,
              const core::Clock* clock)
      : store_(store), index_(index), queries_(queries), clock_(clock) {}

  // The whole log replayed (as the report is), judged on get.today or the
  // clock's day.
  accord::v1::Response Desk(uint64_t request_id, const accord::v1::GetDesk& get) const;
  // One agreement's (NOT_FOUND when it has no event) or every agreement's
  // open milestones and commitments, judged on the clock's day, stamped
  // with its time.
  accord::v1::Response Calendar(uint64_t request_id, const accord::v1::GetCalendar& get) const;
  // The agreement's summary (as GetAgreement answers it, on either time
  // axis) and its timeline drawn; with true_on, only events that had
  // certainly happened by that day are drawn.
  accord::v1::Response TimelineSvg(uint64_t request_id,
                                   const accord::v1::GetTimelineSvg& get) const;
  // The audit report of one agreement with the whole log verified (the
  // store's chain, Merkle tree and indexes, and the agreement index).
  accord::v1::Response Audit(uint64_t request_id, const accord::v1::GetAudit& get) const;

 private:
  const store::EventStore* store_;
  AgreementIndex* index_;  // verifying is safe from any thread
  const Queries* queries_;
  const core::Clock* clock_;
};

// Reads `parse.text` as a milestone's {"asStated": text} is read:
// INVALID_ARGUMENT with the parser's sentence when it is no date.
accord::v1::Response ParseDate(uint64_t request_id, const accord::v1::ParseDate& parse);

// The audit report of `agreement_id`: its events (also returned in
// `events`, decoded, in version order), and the verification of the whole
// log and of `index` against it. NotFound when the agreement has no event.
// A failed verification is reported in the report, not returned.
core::Status BuildAgreementAudit(const store::EventStore& store, AgreementIndex* index,
                                 const std::string& agreement_id, accord::v1::AuditReport* report,
                                 std::vector<accord::v1::RecordedEvent>* events);

}  // namespace accord::app
