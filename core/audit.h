// The audit report of one agreement: every event in log order, with its
// envelope, content and corrections. Pure; the caller adds the result of
// verifying the log (store::EventStore::Verify).
#pragma once

#include <string>
#include <vector>

#include "accord/v1/views.pb.h"

namespace accord::core {

// REQUIRES: `events` are the agreement's events in version order, decoded.
accord::v1::AuditReport BuildAuditReport(const std::string& agreement_id,
                                         const std::vector<accord::v1::RecordedEvent>& events);

}  // namespace accord::core
