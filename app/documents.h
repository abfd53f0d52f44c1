// app/documents: documents bound into the log (the attach_document,
// get_document and find_document requests, documents.proto).
//
// Attach stores the bytes in the document store (store/document_store.h)
// first, then logs a DocumentAttached event through the command handler,
// like any milestone: the lifecycle rules decide it, against the
// agreement's version, idempotent by event id. So an event never names a
// document that is not stored; a crash between the two leaves a file no
// event names, which is harmless.
//
// Find and Get read the whole log for the DocumentAttached records that
// name a digest: one pass over every record, decoding only those of that
// type (their envelopes are read and skipped), so their cost grows with
// the log: about a second per few million records on one core. The web
// desk checks a file with one find; a download is one find and one read
// of the file, rehashed.
//
// Thread safety: any number of threads may call any method at once.
#pragma once

#include <optional>
#include <string>

#include "accord/v1/commands.pb.h"
#include "accord/v1/documents.pb.h"
#include "accord/v1/wire.pb.h"
#include "core/status.h"
#include "store/document_store.h"
#include "store/event_store.h"

namespace accord::app {

class Documents {
 public:
  // REQUIRES: every pointer outlives this object. documents may be null:
  // then every document request answers that this server keeps none.
  Documents(const store::EventStore* log, store::DocumentStore* documents)
      : log_(log), documents_(documents) {}

  // The first half of an attach: stores the bytes and sets *command to the
  // DocumentAttached command that logs them (the application logs it as any
  // milestone). The error answer instead when they are not stored
  // (INVALID_ARGUMENT for no bytes or over the limit, IO_ERROR).
  std::optional<accord::v1::Response> Store(uint64_t request_id,
                                            const accord::v1::AttachDocument& attach,
                                            accord::v1::Command* command) const;
  // A document's bytes and the name and type of the first record naming it.
  accord::v1::Response Get(uint64_t request_id, const accord::v1::GetDocument& get) const;
  // Every record naming a digest.
  accord::v1::Response Find(uint64_t request_id, const accord::v1::FindDocument& find) const;

  // Empty when a DocumentAttached logged as a milestone names a document
  // that is stored, with its size; otherwise why it is refused.
  std::string NotStored(const accord::v1::DocumentAttached& attached) const;

  // Every DocumentAttached record of the log, checked against the document
  // store: its file is there and hashes to its digest, of its size.
  // Corruption naming the first position whose document is missing or
  // damaged. Sets *checked to the records checked.
  core::Status Verify(uint64_t* checked) const;

  store::DocumentStore* store() const { return documents_; }

 private:
  // The DocumentAttached records naming `sha256` (all of them, or the first).
  core::Status Records(const std::string& sha256, bool first_only,
                       accord::v1::DocumentRecords* records) const;

  const store::EventStore* log_;
  store::DocumentStore* documents_;
};

// The stored event type of DocumentAttached.
inline constexpr char kDocumentAttachedType[] = "accord.v1.DocumentAttached";

}  // namespace accord::app
