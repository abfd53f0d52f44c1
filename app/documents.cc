#include "app/documents.h"

#include <fmt/format.h>

#include "app/errors.h"
#include "app/stream_reader.h"
#include "core/decider.h"

namespace accord::app {
namespace {

using accord::v1::Response;

constexpr char kDefaultMediaType[] = "application/octet-stream";

std::optional<Response> NoDocumentStore(uint64_t request_id) {
  return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT, "this server keeps no documents");
}

// A digest as asked: lower-case hex, or INVALID_ARGUMENT.
std::optional<Response> BadDigest(uint64_t request_id, const std::string& sha256) {
  if (core::IsSha256Hex(sha256)) return std::nullopt;
  return ErrorResponse(
      request_id, accord::v1::INVALID_ARGUMENT,
      fmt::format("'{}' is not a SHA-256 digest in 64 lower-case hex digits", sha256));
}

}  // namespace

std::optional<Response> Documents::Store(uint64_t request_id,
                                         const accord::v1::AttachDocument& attach,
                                         accord::v1::Command* command) const {
  if (documents_ == nullptr) return NoDocumentStore(request_id);
  // The rules check the description; the bytes are only stored once it is
  // well formed, so a refused attach leaves nothing behind.
  accord::v1::Document document;
  document.set_name(attach.name());
  document.set_media_type(attach.media_type().empty() ? kDefaultMediaType : attach.media_type());
  document.set_size(attach.content().size());
  document.set_sha256(std::string(64, '0'));  // a well-formed stand-in until it is stored
  if (std::string problem = core::DocumentProblem(document); !problem.empty()) {
    return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT, problem);
  }
  std::string sha256;
  if (core::Status s = documents_->Put(attach.content(), &sha256); !s.ok()) {
    return ErrorResponse(request_id, s);
  }
  document.set_sha256(std::move(sha256));
  command->Clear();
  command->set_agreement_id(attach.agreement_id());
  command->set_event_id(attach.event_id());
  if (attach.has_effective()) *command->mutable_effective() = attach.effective();
  auto* attached = command->mutable_milestone()->mutable_document_attached();
  attached->set_agreement_id(attach.agreement_id());
  attached->set_about_event_id(attach.about_event_id());
  *attached->mutable_document() = std::move(document);
  attached->set_note(attach.note());
  return std::nullopt;
}

std::string Documents::NotStored(const accord::v1::DocumentAttached& attached) const {
  if (documents_ == nullptr) return "this server keeps no documents";
  const accord::v1::Document& d = attached.document();
  uint64_t size = 0;
  if (!documents_->Has(d.sha256(), &size)) {
    return fmt::format(
        "no document {} is stored: attach the file itself (accord attach, or POST "
        "/api/v1/agreements/{{id}}/documents), which stores its bytes and records it",
        d.sha256());
  }
  if (size != d.size()) {
    return fmt::format("document {} is {} bytes, not {}", d.sha256(), size, d.size());
  }
  return "";
}

core::Status Documents::Records(const std::string& sha256, bool first_only,
                                accord::v1::DocumentRecords* records) const {
  records->Clear();
  bool done = false;
  return StreamReader::Log(*log_).ForEach(
      [&](const accord::v1::EventRecord& record) -> core::Status {
        if (done || record.event_type() != kDocumentAttachedType) return core::Status::OK();
        accord::v1::DomainEvent event;
        if (core::Status s = DecodePayload(record, &event); !s.ok()) return s;
        const accord::v1::DocumentAttached& attached = event.document_attached();
        if (attached.document().sha256() != sha256) return core::Status::OK();
        auto* found = records->add_records();
        found->set_agreement_id(record.stream_id());
        found->set_event_id(record.event_id());
        found->set_position(record.position());
        found->set_about_event_id(attached.about_event_id());
        found->set_name(attached.document().name());
        found->set_media_type(attached.document().media_type());
        found->set_size(attached.document().size());
        done = first_only;
        return core::Status::OK();
      });
}

Response Documents::Find(uint64_t request_id, const accord::v1::FindDocument& find) const {
  if (auto bad = BadDigest(request_id, find.sha256())) return *bad;
  Response response;
  response.set_request_id(request_id);
  if (core::Status s = Records(find.sha256(), false, response.mutable_document_records());
      !s.ok()) {
    return ErrorResponse(request_id, s);
  }
  if (response.document_records().records().empty()) {
    return ErrorResponse(request_id, accord::v1::NOT_FOUND,
                         fmt::format("no event records document {}", find.sha256()));
  }
  return response;
}

Response Documents::Get(uint64_t request_id, const accord::v1::GetDocument& get) const {
  if (documents_ == nullptr) return *NoDocumentStore(request_id);
  if (auto bad = BadDigest(request_id, get.sha256())) return *bad;
  accord::v1::DocumentRecords records;
  if (core::Status s = Records(get.sha256(), true, &records); !s.ok()) {
    return ErrorResponse(request_id, s);
  }
  // Only what the log records is served: a file no event names (left by a
  // crash between storing and logging) is not a document of the log.
  if (records.records().empty()) {
    return ErrorResponse(request_id, accord::v1::NOT_FOUND,
                         fmt::format("no event records document {}", get.sha256()));
  }
  const accord::v1::DocumentRecord& first = records.records(0);
  Response response;
  response.set_request_id(request_id);
  auto* content = response.mutable_document();
  core::Status s = documents_->Get(get.sha256(), content->mutable_content());
  if (s.code() == core::Status::Code::kNotFound) {
    s = core::Status::Corruption(fmt::format("document {}, recorded at position {}, is not stored",
                                             get.sha256(), first.position()));
  }
  if (!s.ok()) return ErrorResponse(request_id, s);
  auto* document = content->mutable_document();
  document->set_sha256(get.sha256());
  document->set_name(first.name());
  document->set_media_type(first.media_type());
  document->set_size(content->content().size());
  return response;
}

core::Status Documents::Verify(uint64_t* checked) const {
  *checked = 0;
  return StreamReader::Log(*log_).ForEach(
      [&](const accord::v1::EventRecord& record) -> core::Status {
        if (record.event_type() != kDocumentAttachedType) return core::Status::OK();
        accord::v1::DomainEvent event;
        if (core::Status s = DecodePayload(record, &event); !s.ok()) return s;
        const accord::v1::Document& d = event.document_attached().document();
        if (documents_ == nullptr) {
          return core::Status::Corruption(
              fmt::format("position {} records document {}, and there is no document store",
                          record.position(), d.sha256()));
        }
        std::string bytes;
        core::Status s = documents_->Get(d.sha256(), &bytes);
        if (!s.ok()) {
          return core::Status::Corruption(fmt::format("position {} records document {} ({}): {}",
                                                      record.position(), d.sha256(), d.name(),
                                                      s.message()));
        }
        if (bytes.size() != d.size()) {
          return core::Status::Corruption(
              fmt::format("position {} records document {} of {} bytes; the stored file has {}",
                          record.position(), d.sha256(), d.size(), bytes.size()));
        }
        ++*checked;
        return core::Status::OK();
      });
}

}  // namespace accord::app
