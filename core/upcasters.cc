#include "core/upcasters.h"

#include <fmt/format.h>

#include "accord/v1/events.pb.h"
#include "accord/v1/legacy.pb.h"

namespace accord::core {
namespace {

// VisitHeld 1 -> 2: the free-text location becomes a Place named by it and
// the free-text host becomes the host party id (hosts were always written as
// the party's acronym, and party ids are the lower-cased acronyms).
Expected<std::string, std::string> VisitHeldV1ToV2(std::string_view payload) {
  accord::v1::legacy::VisitHeldV1 old;
  if (!old.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return MakeUnexpected(std::string("accord.v1.VisitHeld version 1 payload does not parse"));
  }
  accord::v1::VisitHeld now;
  now.mutable_place()->set_name(old.location());
  std::string host = old.host();
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  now.set_host_party_id(host);
  *now.mutable_delegations() = old.delegations();
  *now.mutable_topics() = old.topics();
  *now.mutable_outcomes() = old.outcomes();
  return now.SerializeAsString();
}

}  // namespace

Expected<std::string, std::string> Upcast(std::string_view event_type, uint32_t from_version,
                                          std::string_view payload) {
  if (event_type == "accord.v1.VisitHeld" && from_version == 1) return VisitHeldV1ToV2(payload);
  return MakeUnexpected(
      fmt::format("no upcaster for {} schema version {}", event_type, from_version));
}

}  // namespace accord::core
