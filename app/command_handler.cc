#include "app/command_handler.h"

#include <fmt/format.h>

#include <functional>
#include <future>

#include "core/event_types.h"
#include "core/limits.h"

namespace accord::app {
namespace {

using core::MakeUnexpected;
using core::Status;

constexpr size_t kLoadPage = 500;

LogFailure StoreFailure(Status status, std::optional<uint64_t> current_version = std::nullopt) {
  LogFailure failure;
  failure.kind = LogFailure::Kind::kStore;
  failure.status = std::move(status);
  failure.current_version = current_version;
  return failure;
}

}  // namespace

std::string LogFailure::Message() const {
  return kind == Kind::kRejected ? rejection.message : status.ToString();
}

Status FoldAgreement(StreamReader& reader, LoadedAgreement* loaded) {
  return reader.ForEach([loaded](const accord::v1::EventRecord& record) {
    auto event = core::ToAgreementEvent(record);
    if (!event) return Status::Corruption(event.error());
    loaded->state = core::Evolve(std::move(loaded->state), *event);
    ++loaded->event_count;
    return Status::OK();
  });
}

Status CommandHandler::CatchUp(std::string_view agreement_id, LoadedAgreement* loaded) const {
  StreamReader reader =
      StreamReader::Stream(*store_, std::string(agreement_id), loaded->event_count);
  reader.PageSize(kLoadPage);
  return FoldAgreement(reader, loaded);
}

Status CommandHandler::Load(std::string_view agreement_id, LoadedAgreement* loaded) const {
  std::shared_ptr<const LoadedAgreement> cached;
  {
    core::MutexLock lock(&cache_mutex_);
    if (auto it = cache_.find(std::string(agreement_id)); it != cache_.end()) cached = it->second;
  }
  if (cached) {
    *loaded = *cached;
  } else {
    loaded->state = core::InitialState(std::string(agreement_id));
    loaded->event_count = 0;
  }
  uint64_t cached_count = loaded->event_count;
  if (Status s = CatchUp(agreement_id, loaded); !s.ok()) return s;
  if (loaded->event_count > 0 && (!cached || loaded->event_count != cached_count)) {
    auto fresh = std::make_shared<const LoadedAgreement>(*loaded);
    core::MutexLock lock(&cache_mutex_);
    if (cache_.size() >= kMaxCached) cache_.clear();
    cache_[std::string(agreement_id)] = std::move(fresh);
  }
  return Status::OK();
}

CommandHandler::Stripe& CommandHandler::StripeFor(std::string_view agreement_id) const {
  return stripes_[std::hash<std::string_view>()(agreement_id) % stripes_.size()];
}

void CommandHandler::Execute(std::function<void()> work) const {
  if (executor_) {
    executor_(std::move(work));
  } else {
    work();
  }
}

CommandHandler::Prepared CommandHandler::Prepare(const accord::v1::Command& command,
                                                 std::string_view actor) const {
  Prepared prepared;
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
      prepared.answer = MakeUnexpected(StoreFailure(Status::DuplicateEvent(
          fmt::format("event id {} was used for another milestone, at position {}",
                      command.event_id(), existing.position()))));
    } else {
      prepared.answer = Logged{existing.position(), existing.stream_version(), true};
    }
    return prepared;
  }
  if (!found.IsNotFound() && found.code() != Status::Code::kInvalidArgument) {
    prepared.answer = MakeUnexpected(StoreFailure(found));
    return prepared;
  }

  LoadedAgreement loaded;
  std::unique_ptr<LoadedAgreement> decided;
  {
    core::MutexLock lock(&decided_mutex_);
    if (auto it = decided_.find(command.agreement_id()); it != decided_.end()) {
      decided = std::move(it->second);
      decided_.erase(it);
    }
  }
  // What this queue decided last (no copy of the history), and anything
  // appended to the agreement since by others; else the durable state.
  Status loaded_status =
      decided ? (loaded = std::move(*decided), CatchUp(command.agreement_id(), &loaded))
              : Load(command.agreement_id(), &loaded);
  if (!loaded_status.ok()) {
    prepared.answer = MakeUnexpected(StoreFailure(loaded_status));
    return prepared;
  }
  if (command.has_expected_version() &&
      (loaded.event_count == 0 || command.expected_version() != loaded.event_count - 1)) {
    prepared.answer = MakeUnexpected(StoreFailure(
        Status::WrongExpectedVersion(fmt::format(
            "agreement '{}' was expected at version {} but is at {}: reload it and decide again",
            command.agreement_id(), command.expected_version(),
            loaded.event_count == 0 ? std::string("no stream")
                                    : fmt::format("version {}", loaded.event_count - 1))),
        loaded.event_count == 0 ? std::nullopt : std::optional<uint64_t>(loaded.event_count - 1)));
    prepared.after = std::move(loaded);
    prepared.keep = true;
    return prepared;
  }

  core::Decision decision = core::Decide(command, loaded.state);
  if (!decision) {
    LogFailure failure;
    failure.kind = LogFailure::Kind::kRejected;
    failure.rejection = decision.error();
    prepared.answer = MakeUnexpected(std::move(failure));
    prepared.after = std::move(loaded);
    prepared.keep = true;
    return prepared;
  }
  prepared.after = std::move(loaded);
  for (const core::AgreementEvent& e : decision.value()) {
    prepared.after.state = core::Evolve(std::move(prepared.after.state), e);
    ++prepared.after.event_count;
    core::EncodedEvent encoded = core::EncodeEvent(e.event);
    accord::v1::NewEvent& out = prepared.events.emplace_back();
    out.set_event_id(e.event_id);
    out.set_event_type(std::move(encoded.event_type));
    out.set_schema_version(encoded.schema_version);
    out.set_payload(std::move(encoded.payload));
    *out.mutable_effective() = e.effective;
    out.set_actor(std::string(actor));
    out.set_correlation_id(command.correlation_id());
    out.set_causation_id(command.causation_id());
  }
  uint64_t before = prepared.after.event_count - prepared.events.size();
  prepared.expected =
      before == 0 ? store::ExpectedVersion::NoStream() : store::ExpectedVersion::Exact(before - 1);
  return prepared;
}

void CommandHandler::LogAsync(accord::v1::Command command, std::string actor,
                              LogCallback done) const {
  // Over a limit (core/limits.h): refused before anything is read or
  // queued, as a malformed argument rather than a rule of the lifecycle.
  if (core::LimitCheck checked = core::ValidateCommandLimits(command); !checked) {
    done(MakeUnexpected(StoreFailure(Status::InvalidArgument(checked.error().message))));
    return;
  }
  auto shared_command = std::make_shared<const accord::v1::Command>(std::move(command));
  auto shared_actor = std::make_shared<const std::string>(std::move(actor));
  auto start = [this, shared_command, shared_actor, done = std::move(done)]() mutable {
    Run(shared_command, shared_actor, std::move(done), 1);
  };
  Stripe& stripe = StripeFor(shared_command->agreement_id());
  {
    core::MutexLock lock(&stripe.mutex);
    if (stripe.busy) {
      stripe.waiting.push_back(std::move(start));
      return;
    }
    stripe.busy = true;
  }
  start();
}

// REQUIRES: the command's stripe is held (busy) for it.
void CommandHandler::Run(std::shared_ptr<const accord::v1::Command> command,
                         std::shared_ptr<const std::string> actor, LogCallback done,
                         int attempt) const {
  Prepared prepared = Prepare(*command, *actor);
  if (prepared.answer) {
    if (prepared.keep && prepared.after.event_count > 0) {
      Remember(command->agreement_id(), std::move(prepared.after));
    }
    Finish(command->agreement_id(), done, std::move(*prepared.answer));
    return;
  }
  // The next command of this agreement decides on the state these events
  // leave, while they wait for their group commit.
  Remember(command->agreement_id(), std::move(prepared.after));
  store_->AppendAsync(
      command->agreement_id(), prepared.expected, std::move(prepared.events),
      [this, command, actor, done, attempt](const Status& appended,
                                            const store::AppendResult& result) {
        if (appended.ok()) {
          done(Logged{result.first_position, result.last_version, result.already_stored});
          return;
        }
        // What was remembered assumed this write: fold from the store again.
        Forget(command->agreement_id());
        // The command before it failed, or someone appended to the
        // agreement beside the rules' queue (a raw append, another
        // process): decide again, behind the agreement's queue.
        bool decide_again = appended.IsWrongExpectedVersion() && !command->has_expected_version() &&
                            attempt < max_attempts_;
        if (!decide_again) {
          done(MakeUnexpected(StoreFailure(appended, result.current_version)));
          return;
        }
        auto retry = [this, command, actor, done, attempt] {
          Run(command, actor, done, attempt + 1);
        };
        Stripe& stripe = StripeFor(command->agreement_id());
        {
          core::MutexLock lock(&stripe.mutex);
          if (stripe.busy) {
            stripe.waiting.push_back(std::move(retry));
            return;
          }
          stripe.busy = true;
        }
        Execute(std::move(retry));
      });
  Release(command->agreement_id());
}

void CommandHandler::Remember(const std::string& agreement_id, LoadedAgreement loaded) const {
  auto remembered = std::make_unique<LoadedAgreement>(std::move(loaded));
  core::MutexLock lock(&decided_mutex_);
  if (decided_.size() >= kMaxCached) decided_.clear();
  decided_[agreement_id] = std::move(remembered);
}

void CommandHandler::Forget(const std::string& agreement_id) const {
  core::MutexLock lock(&decided_mutex_);
  decided_.erase(agreement_id);
}

void CommandHandler::Finish(const std::string& agreement_id, const LogCallback& done,
                            LogResult result) const {
  done(std::move(result));
  Release(agreement_id);
}

void CommandHandler::Release(const std::string& agreement_id) const {
  Stripe& stripe = StripeFor(agreement_id);
  std::function<void()> next;
  {
    core::MutexLock lock(&stripe.mutex);
    if (stripe.waiting.empty()) {
      stripe.busy = false;
      return;
    }
    next = std::move(stripe.waiting.front());
    stripe.waiting.pop_front();
  }
  Execute(std::move(next));
}

CommandHandler::LogResult CommandHandler::Log(const accord::v1::Command& command,
                                              std::string_view actor) const {
  std::promise<LogResult> answer;
  std::future<LogResult> future = answer.get_future();
  LogAsync(command, std::string(actor),
           [&answer](LogResult result) { answer.set_value(std::move(result)); });
  return future.get();
}

}  // namespace accord::app
