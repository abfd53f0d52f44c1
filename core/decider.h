// The lifecycle rules of an agreement: the "decide" half of the decider.
//
//   Decision d = Decide(command, state);
//   if (!d) { show d.error().message; }           // typed rejection, nothing to log
//   else    { append d.value(), then Evolve each }  // what the log must record
//
// Decide is a pure function of the command and the state folded from the
// agreement's events (core/agreement_state.h): no clock, no storage. It is
// the only producer of domain events; the store appends what it returns.
// Every rejection has a stable code (accord.v1.RejectionCode) and a sentence
// naming the agreement, its stage and what would be allowed instead.
//
// The rules: a proposal starts a stream, once. Visits, milestone plans,
// membership categories and entry-into-force conditions any time before the
// agreement is closed. Terms only after the proposal, once. A signature only
// after terms, once per signatory party. Follow-up meetings only after terms.
// Ratification, acceptance and approval after that party's signature;
// accession without one. Withdrawal before the agreement is fully signed,
// termination after. After either, only notes, documents and corrections.
// A document (DocumentAttached) to the agreement or one of its events, any
// time: its digest, name, type and size well formed (DocumentProblem); that
// its bytes are stored, and within the size limit, is the application's
// check before it decides.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "accord/v1/commands.pb.h"
#include "core/agreement_state.h"
#include "core/expected.h"

namespace accord::core {

struct Rejection {
  accord::v1::RejectionCode code = accord::v1::REJECTION_CODE_UNSPECIFIED;
  std::string message;
};

using Decision = Expected<std::vector<AgreementEvent>, Rejection>;

// REQUIRES: state was folded from the events of command.agreement_id()
// (InitialState for an agreement with none).
Decision Decide(const accord::v1::Command& command, const AgreementState& state);

// What the rules would accept next, in words: "agree terms", "sign (apsco)".
std::vector<std::string> AllowedActions(const AgreementState& state);

// Lower-case letters, digits and inner hyphens, 1 to 128 characters.
bool IsValidAgreementId(const std::string& id);
// The canonical lower-case 8-4-4-4-12 form of a UUID.
bool IsCanonicalUuid(const std::string& id);
// 64 lower-case hex digits: how a document's SHA-256 is written.
bool IsSha256Hex(std::string_view digest);
// type/subtype, each an RFC 6838 restricted name ("application/pdf").
bool IsMediaType(std::string_view type);
// Why `document` is not a well-formed description of a file (its digest,
// name, media type, a size above 0), in words; empty when it is.
std::string DocumentProblem(const accord::v1::Document& document);

}  // namespace accord::core
