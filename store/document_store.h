// accord/store: documents' bytes, kept beside the log and addressed by
// their SHA-256.
//
// A DocumentAttached event (proto/accord/v1/events.proto) names a document
// by its digest; the bytes live here. Put stores bytes once whatever the
// number of times it is given them, and answers their digest; Get answers
// the bytes of a digest, checked against it. The application stores the
// bytes before it appends the event that names them, so no event ever names
// a document that is not here. A crash between the two leaves a file that
// no event names: harmless (a retry of the attach finds it stored; nothing
// reads a document no event names), and never removed.
//
// The filesystem implementation keeps one file per document:
//
//   DIR/documents/<first 2 hex digits>/<other 62 hex digits>
//
// written as DIR/documents/<ab>/.<rest>.tmp-<random>, fsynced, renamed into
// place, and the directory fsynced, so that after a crash a document is
// either wholly there or absent. Get rehashes the file: a damaged file is
// Corruption naming it, never served. docs/storage.md carries the layout.
//
// Thread safety: any number of threads may call any method at once (two
// Puts of the same bytes both succeed; one rename wins, with the same
// content).
//
// Example:
//   std::unique_ptr<DocumentStore> documents;
//   Status s = DocumentStore::Open(data_dir, 16 << 20, &documents);
//   std::string sha256;
//   s = documents->Put(file_bytes, &sha256);  // "9f86d081884c7d65..."
//   std::string bytes;
//   s = documents->Get(sha256, &bytes);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace accord::store {

// The default of accordd's --max-document-bytes.
inline constexpr uint64_t kDefaultMaxDocumentBytes = 16 << 20;

class DocumentStore {
 public:
  // Opens (creating it) the document store of the data folder `data_dir`:
  // its files are under data_dir/documents. Documents over max_bytes are
  // refused by Put.
  static core::Status Open(const std::string& data_dir, uint64_t max_bytes,
                           std::unique_ptr<DocumentStore>* store);

  DocumentStore() = default;
  DocumentStore(const DocumentStore&) = delete;
  DocumentStore& operator=(const DocumentStore&) = delete;
  virtual ~DocumentStore() = default;

  // The largest document Put takes, in bytes.
  virtual uint64_t max_bytes() const = 0;

  // Stores `bytes` (durably, when it returns OK) and sets *sha256 to their
  // digest in lower-case hex. Bytes already stored are not written again.
  // InvalidArgument for no bytes or more than max_bytes(); IOError when the
  // disk refuses (nothing half written is left where Get looks).
  virtual core::Status Put(std::string_view bytes, std::string* sha256) = 0;

  // The bytes of `sha256` (lower-case hex). NotFound when not stored;
  // InvalidArgument for a malformed digest; Corruption, naming the file,
  // when the stored bytes no longer hash to it.
  virtual core::Status Get(std::string_view sha256, std::string* bytes) const = 0;

  // Whether `sha256` is stored, and its size (from the file system, not
  // rehashed: Get checks the bytes).
  virtual bool Has(std::string_view sha256, uint64_t* size = nullptr) const = 0;

  // Every stored digest, in lower-case hex order (for backups, exports and
  // verification).
  virtual core::Status List(std::vector<std::string>* digests) const = 0;

  // Copies every document into `data_dir`/documents (a backup's data
  // folder), each file written as Put writes it. Documents already there
  // are kept.
  virtual core::Status CopyTo(const std::string& data_dir) const = 0;
};

// Stores a document that comes with its digest (an import's), checked
// first: InvalidArgument, with nothing stored, when the bytes hash to
// another digest; otherwise as Put.
core::Status PutAsNamed(DocumentStore& documents, std::string_view bytes, std::string_view sha256);

}  // namespace accord::store
