// The timeline projection: an agreement's events ordered by when they
// happened, each beside when it was recorded and by whom, with corrections
// applied and what was believed before kept visible. Pure.
#pragma once

#include <vector>

#include "accord/v1/record.pb.h"
#include "accord/v1/views.pb.h"

namespace accord::core {

// REQUIRES: `events` are one agreement's events in version order, with
// `event` decoded (as the store's readers give them).
accord::v1::Timeline BuildTimeline(const std::string& agreement_id,
                                   const std::vector<accord::v1::RecordedEvent>& events);

}  // namespace accord::core
