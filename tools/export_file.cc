#include "tools/export_file.h"

#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "core/mutex.h"

namespace accord::tools {
namespace {

using accord::v1::ExportItem;

// Large reads: a binary export is read straight through.
constexpr int kReadBlockBytes = 1 << 20;

class BinaryReader final : public ExportReader {
 public:
  BinaryReader(std::string path, int fd, accord::v1::ExportHeader header,
               std::unique_ptr<google::protobuf::io::FileInputStream> input)
      : path_(std::move(path)), fd_(fd), header_(std::move(header)), input_(std::move(input)) {}
  ~BinaryReader() override {
    input_.reset();
    ::close(fd_);
  }

  core::Status Next(ExportItem* item) override {
    item->Clear();
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(item, input_.get(), &clean_eof)) {
      if (input_->GetErrno() != 0) {
        return core::Status::IOError(
            fmt::format("reading {}: {}", path_, std::strerror(input_->GetErrno())));
      }
      return core::Status::Corruption(
          fmt::format("{} is {} after {} records and {} documents (byte {}): {}", path_,
                      clean_eof ? "cut short" : "damaged or cut short", records_, documents_,
                      input_->ByteCount(),
                      clean_eof ? "it ends without its end item" : "an item does not parse"));
    }
    switch (item->item_case()) {
      case ExportItem::kEntry:
        ++records_;
        return core::Status::OK();
      case ExportItem::kDocument:
        ++documents_;
        return core::Status::OK();
      case ExportItem::kEnd:
        if (item->end().records() != records_ || item->end().documents() != documents_) {
          return core::Status::Corruption(fmt::format(
              "{}: its end item counts {} records and {} documents, but {} and {} came before it",
              path_, item->end().records(), item->end().documents(), records_, documents_));
        }
        return core::Status::OK();
      case ExportItem::ITEM_NOT_SET:
        break;
    }
    return core::Status::Corruption(
        fmt::format("{}: item {} (byte {}) is of a kind this build does not know", path_,
                    records_ + documents_ + 1, input_->ByteCount()));
  }
  bool binary() const override { return true; }
  const accord::v1::ExportHeader& header() const override { return header_; }

 private:
  std::string path_;
  int fd_;
  accord::v1::ExportHeader header_;
  std::unique_ptr<google::protobuf::io::FileInputStream> input_;
  uint64_t records_ = 0;
  uint64_t documents_ = 0;
};

class NdjsonReader final : public ExportReader {
 public:
  NdjsonReader(std::string path, std::ifstream in) : path_(std::move(path)), in_(std::move(in)) {}

  core::Status Next(ExportItem* item) override {
    item->Clear();
    std::string line;
    while (std::getline(in_, line)) {
      ++number_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      accord::v1::EventRecord record;
      auto parsed = google::protobuf::util::JsonStringToMessage(line, &record);
      if (parsed.ok()) {
        // What the store wrote: the record without its hash, which the
        // export carries beside it; an edited line no longer matches it.
        accord::v1::LogEntry* entry = item->mutable_entry();
        entry->set_hash(record.hash());
        record.clear_hash();
        entry->set_record(record.SerializeAsString());
        return core::Status::OK();
      }
      // A document line: stored, checked against its digest, before any
      // later record that names it is imported.
      if (!google::protobuf::util::JsonStringToMessage(line, item->mutable_document()).ok() ||
          !item->document().has_document()) {
        return core::Status::Corruption(
            fmt::format("{}:{}: not a record: {}", path_, number_, std::string(parsed.message())));
      }
      return core::Status::OK();
    }
    if (in_.bad()) return core::Status::IOError(fmt::format("reading {} failed", path_));
    item->mutable_end();
    return core::Status::OK();
  }
  bool binary() const override { return false; }
  const accord::v1::ExportHeader& header() const override {
    return accord::v1::ExportHeader::default_instance();
  }

 private:
  std::string path_;
  std::ifstream in_;
  int number_ = 0;
};

}  // namespace

core::Status ExportReader::Open(const std::string& path, std::unique_ptr<ExportReader>* reader) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return core::Status::IOError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  char first = 0;
  ssize_t got = ::pread(fd, &first, 1, 0);
  auto input = std::make_unique<google::protobuf::io::FileInputStream>(fd, kReadBlockBytes);
  accord::v1::ExportHeader header;
  bool clean_eof = false;
  if (google::protobuf::util::ParseDelimitedFromZeroCopyStream(&header, input.get(), &clean_eof) &&
      header.format() == kExportFormat) {
    if (header.version() != kExportVersion) {
      input.reset();
      ::close(fd);
      return core::Status::InvalidArgument(
          fmt::format("{} is a binary export of version {}; this build reads version {}", path,
                      header.version(), kExportVersion));
    }
    *reader = std::make_unique<BinaryReader>(path, fd, std::move(header), std::move(input));
    return core::Status::OK();
  }
  input.reset();
  ::close(fd);
  if (got == 1 && first == '{') {
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::Status::IOError("cannot read " + path);
    *reader = std::make_unique<NdjsonReader>(path, std::move(in));
    return core::Status::OK();
  }
  return core::Status::InvalidArgument(fmt::format(
      "{} is not an export{}: it opens neither with a binary export's header nor with an NDJSON "
      "record ('{{')",
      path, got == 0 ? " (it is empty)" : ""));
}

core::Status PipeImport(ExportReader& reader, const PipeOptions& options,
                        const std::function<core::Status(ImportBatch& batch)>& write,
                        PipeCounts* counts) {
  // Batches read and not yet written, and the writer's outcome.
  struct Shared {
    core::Mutex mutex;
    core::CondVar changed{&mutex};
    std::deque<ImportBatch> ready GUARDED_BY(mutex);
    bool reading_done GUARDED_BY(mutex) = false;
    core::Status write_failure GUARDED_BY(mutex);
    PipeCounts written GUARDED_BY(mutex);
  } shared;

  std::thread writer([&] {
    for (;;) {
      ImportBatch batch;
      {
        core::MutexLock lock(&shared.mutex);
        while (shared.ready.empty() && !shared.reading_done) shared.changed.Wait();
        if (shared.ready.empty()) return;
        batch = std::move(shared.ready.front());
        shared.ready.pop_front();
        shared.changed.SignalAll();  // room for the reader
      }
      const auto started = std::chrono::steady_clock::now();
      core::Status s = write(batch);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      core::MutexLock lock(&shared.mutex);
      shared.written.write_seconds += took.count();
      if (!s.ok()) {
        shared.write_failure = s;
        shared.ready.clear();
        shared.changed.SignalAll();
        return;
      }
      shared.written.entries += batch.entries.size();
      shared.written.documents += batch.documents.size();
      ++shared.written.batches;
    }
  });

  // Hands `batch` to the writer, waiting while it is far enough behind;
  // false once the writer has failed.
  auto hand_over = [&](ImportBatch& batch) {
    if (batch.entries.empty() && batch.documents.empty()) return true;
    if (!batch.entries.empty()) {
      accord::v1::EventRecord first;
      if (first.ParseFromString(batch.entries.front().record())) {
        batch.first_position = first.position();
      }
    }
    const auto started = std::chrono::steady_clock::now();
    core::MutexLock lock(&shared.mutex);
    while (shared.write_failure.ok() && shared.ready.size() >= options.batches_ahead) {
      shared.changed.Wait();
    }
    const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - started;
    shared.written.reader_wait_seconds += waited.count();
    if (!shared.write_failure.ok()) return false;
    shared.ready.push_back(std::move(batch));
    batch = ImportBatch();
    shared.changed.SignalAll();
    return true;
  };

  core::Status read_status;
  ImportBatch batch;
  ExportItem item;
  for (;;) {
    read_status = reader.Next(&item);
    if (!read_status.ok() || item.has_end()) break;
    size_t bytes =
        item.has_entry() ? item.entry().record().size() : item.document().content().size();
    // A document goes before the records that name it: in this batch, or
    // in the next one if it does not fit beside what this one holds.
    if (batch.bytes + bytes > options.max_bytes && !hand_over(batch)) break;
    if (item.has_entry()) {
      batch.entries.push_back(std::move(*item.mutable_entry()));
    } else {
      batch.documents.push_back(std::move(*item.mutable_document()));
    }
    batch.bytes += bytes;
    if (batch.entries.size() >= options.max_entries && !hand_over(batch)) break;
  }
  // What was read whole goes on only when the file was read to its end.
  if (read_status.ok()) hand_over(batch);
  {
    core::MutexLock lock(&shared.mutex);
    shared.reading_done = true;
    shared.changed.SignalAll();
  }
  writer.join();
  core::MutexLock lock(&shared.mutex);
  if (counts != nullptr) *counts = shared.written;
  if (!shared.write_failure.ok()) return shared.write_failure;
  return read_status;
}

}  // namespace accord::tools
