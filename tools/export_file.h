// tools/export_file: reading an export of the log, in either of its formats,
// and importing it batch by batch while the next batch is read.
//
//   NDJSON   one accord.v1.EventRecord per line in protobuf's JSON mapping,
//            with its hash; a document (accord.v1.DocumentContent) on a line
//            of its own before the first record that names it. Readable.
//   binary   proto/accord/v1/export.proto: an ExportHeader, then
//            length-delimited ExportItems (each record's stored bytes and
//            hash, documents), then an end item. Fast: nothing is decoded.
//
// ExportReader tells them apart by the header: a file that opens with a
// delimited ExportHeader naming the format is binary; one whose first byte
// is '{' is NDJSON; anything else is refused. Either way it gives each
// record as the LogEntry the store keeps (its bytes and the hash the export
// says it has), so the store, not the reader, judges whether it fits.
//
// Thread safety: an ExportReader is used by one thread. PipeImport runs its
// `write` on a thread of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "accord/v1/documents.pb.h"
#include "accord/v1/export.pb.h"
#include "accord/v1/record.pb.h"
#include "core/status.h"

namespace accord::tools {

// ExportHeader.format and .version of what this build writes and reads.
inline constexpr char kExportFormat[] = "accord.v1.Export";
inline constexpr uint32_t kExportVersion = 1;

class ExportReader {
 public:
  // Opens `path` and reads its header (binary) or nothing yet (NDJSON).
  // InvalidArgument when it is neither; IOError when it cannot be read.
  static core::Status Open(const std::string& path, std::unique_ptr<ExportReader>* reader);
  virtual ~ExportReader() = default;

  // Sets *item to the next item: an entry, a document, or the end (after
  // which Next is not called again). Corruption naming where it stopped
  // (the line, or the record count and byte offset) for an item that does
  // not parse and for a binary file cut short (no end item, or one whose
  // counts disagree with what came before it).
  virtual core::Status Next(accord::v1::ExportItem* item) = 0;
  virtual bool binary() const = 0;
  // The binary header (empty for NDJSON).
  virtual const accord::v1::ExportHeader& header() const = 0;
};

// What one write takes: documents to store before its entries, and the
// entries in log order.
struct ImportBatch {
  std::vector<accord::v1::DocumentContent> documents;
  std::vector<accord::v1::LogEntry> entries;
  uint64_t first_position = 0;  // of entries[0], as its record says
  size_t bytes = 0;             // of the entries' records and the documents' content
};

struct PipeOptions {
  size_t max_entries = 8192;   // per batch
  size_t max_bytes = 8 << 20;  // per batch, about (a batch holds one item at least)
  size_t batches_ahead = 2;    // read at most this many batches ahead of `write`
};

struct PipeCounts {
  uint64_t entries = 0;    // written
  uint64_t documents = 0;  // written
  uint64_t batches = 0;
  // Where the time went: inside `write` (the writer busy), and the reader
  // waiting for the writer to take a batch (it was ahead).
  double write_seconds = 0;
  double reader_wait_seconds = 0;
};

// Reads every item of `reader` on the calling thread, cuts them into
// batches, and calls `write` on each, in order, on a thread of its own, so
// that reading and writing overlap. Stops at the first error of either: a
// batch `write` refused was not counted, and nothing after it is written.
// Returns that error (a read error after writes finish).
core::Status PipeImport(ExportReader& reader, const PipeOptions& options,
                        const std::function<core::Status(ImportBatch& batch)>& write,
                        PipeCounts* counts);

}  // namespace accord::tools
