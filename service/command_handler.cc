#include "service/command_handler.h"

#include <fmt/format.h>

#include <functional>

#include "core/event_types.h"

namespace accord::service {
namespace {

using core::MakeUnexpected;
using store::Status;

constexpr size_t kLoadPage = 500;

LogFailure StoreFailure(Status status) {
  LogFailure failure;
  failure.kind = LogFailure::Kind::kStore;
  failure.status = std::move(status);
  return failure;
}

}  // namespace

std::string LogFailure::Message() const {
  return kind == Kind::kRejected ? rejection.message : status.ToString();
}

Status CommandHandler::Load(std::string_view agreement_id, LoadedAgreement* loaded) const {
  std::shared_ptr<const LoadedAgreement> cached;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(std::string(agreement_id)); it != cache_.end()) cached = it->second;
  }
  if (cached) {
    *loaded = *cached;
  } else {
    loaded->state = core::InitialState(std::string(agreement_id));
    loaded->event_count = 0;
  }
  uint64_t cached_count = loaded->event_count;
  store::ReadPage page;
  uint64_t from = loaded->event_count;
  do {
    if (Status s = store_->ReadStreamForward(agreement_id, from, kLoadPage, &page); !s.ok()) {
      return s;
    }
    for (const auto& record : page.records) {
      auto event = core::ToAgreementEvent(record);
      if (!event) return Status::Corruption(event.error());
      loaded->state = core::Evolve(std::move(loaded->state), *event);
      ++loaded->event_count;
    }
    from = page.next;
  } while (!page.end_of_data);
  if (loaded->event_count > 0 && (!cached || loaded->event_count != cached_count)) {
    auto fresh = std::make_shared<const LoadedAgreement>(*loaded);
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= kMaxCached) cache_.clear();
    cache_[std::string(agreement_id)] = std::move(fresh);
  }
  return Status::OK();
}

std::mutex& CommandHandler::StripeFor(std::string_view agreement_id) const {
  return stripes_[std::hash<std::string_view>()(agreement_id) % stripes_.size()];
}

core::Expected<Logged, LogFailure> CommandHandler::Log(const accord::v1::Command& command,
                                                       std::string_view actor) const {
  std::lock_guard agreement_lock(StripeFor(command.agreement_id()));
  for (int attempt = 1;; ++attempt) {
    // A retry of a logged command is answered from the store first: the
    // rules would refuse it now ("already signed"), yet it succeeded.
    accord::v1::EventRecord existing;
    Status found = store_->FindEvent(command.event_id(), &existing);
    if (found.ok()) {
      auto stored = core::ToAgreementEvent(existing);
      bool same = stored && existing.stream_id() == command.agreement_id() &&
                  stored->event.SerializeAsString() == command.milestone().SerializeAsString() &&
                  stored->effective.SerializeAsString() == command.effective().SerializeAsString();
      if (!same) {
        return MakeUnexpected(StoreFailure(Status::DuplicateEvent(
            fmt::format("event id {} was used for another milestone, at position {}",
                        command.event_id(), existing.position()))));
      }
      return Logged{existing.position(), existing.stream_version(), true};
    }
    if (!found.IsNotFound() && found.code() != Status::Code::kInvalidArgument) {
      return MakeUnexpected(StoreFailure(found));
    }

    LoadedAgreement loaded;
    if (Status s = Load(command.agreement_id(), &loaded); !s.ok()) {
      return MakeUnexpected(StoreFailure(s));
    }
    if (command.has_expected_version() &&
        (loaded.event_count == 0 || command.expected_version() != loaded.event_count - 1)) {
      return MakeUnexpected(StoreFailure(Status::WrongExpectedVersion(fmt::format(
          "agreement '{}' was expected at version {} but is at {}: reload it and decide again",
          command.agreement_id(), command.expected_version(),
          loaded.event_count == 0 ? std::string("no stream")
                                  : fmt::format("version {}", loaded.event_count - 1)))));
    }

    core::Decision decision = core::Decide(command, loaded.state);
    if (!decision) {
      LogFailure failure;
      failure.kind = LogFailure::Kind::kRejected;
      failure.rejection = decision.error();
      return MakeUnexpected(std::move(failure));
    }

    std::vector<accord::v1::NewEvent> events;
    for (const core::AgreementEvent& e : decision.value()) {
      core::EncodedEvent encoded = core::EncodeEvent(e.event);
      accord::v1::NewEvent& out = events.emplace_back();
      out.set_event_id(e.event_id);
      out.set_event_type(std::move(encoded.event_type));
      out.set_schema_version(encoded.schema_version);
      out.set_payload(std::move(encoded.payload));
      *out.mutable_effective() = e.effective;
      out.set_actor(std::string(actor));
      out.set_correlation_id(command.correlation_id());
      out.set_causation_id(command.causation_id());
    }
    store::ExpectedVersion expected = loaded.event_count == 0
                                          ? store::ExpectedVersion::NoStream()
                                          : store::ExpectedVersion::Exact(loaded.event_count - 1);
    store::AppendResult result;
    Status appended = store_->Append(command.agreement_id(), expected, events, &result);
    if (appended.ok())
      return Logged{result.first_position, result.last_version, result.already_stored};
    bool decide_again = appended.IsWrongExpectedVersion() && !command.has_expected_version() &&
                        attempt < max_attempts_;
    if (!decide_again) return MakeUnexpected(StoreFailure(appended));
  }
}

}  // namespace accord::service
