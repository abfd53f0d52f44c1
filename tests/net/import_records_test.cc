// import_records over real loopback TCP: stored records imported exactly,
// in the order a connection sends them; refused for every role but admins;
// a record that does not continue the log refused, naming it, with nothing
// of its request written.
#include <gtest/gtest.h>

#include <vector>

#include "app/auth.h"
#include "app/command_handler.h"
#include "core/hash.h"
#include "net/client.h"
#include "net/server.h"
#include "store/document_store.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
namespace {

using accord::testing::CommandBuilder;
using accord::v1::Request;
using accord::v1::Response;

class ImportRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tokens = dir_.path() + "/tokens";
    logger_ = app::TokenFile::AddUser(tokens, "legal-affairs", accord::v1::LOGGER)->token;
    auditor_ = app::TokenFile::AddUser(tokens, "auditor", accord::v1::AUDITOR)->token;
    admin_ = app::TokenFile::AddUser(tokens, "ops", accord::v1::ADMIN)->token;

    // The log to import: two agreements, interleaved, and a document.
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path() + "/source", &source_).ok());
    ASSERT_TRUE(
        store::DocumentStore::Open(dir_.path() + "/source", 1 << 20, &source_documents_).ok());
    app::CommandHandler handler(source_.get());
    CommandBuilder mou;
    CommandBuilder other("other-mou", 500);
    std::string sha256;
    ASSERT_TRUE(source_documents_->Put(kDocument, &sha256).ok());
    for (const accord::v1::Command& command :
         {mou.Propose(), other.Propose(), mou.Terms(), other.Terms(), mou.Sign("apsco"),
          mou.Document(kDocument), mou.Sign("cospar"), other.Note("a note")}) {
      auto logged = handler.Log(command, "legal-affairs");
      ASSERT_TRUE(static_cast<bool>(logged)) << logged.error().Message();
    }
    store::StoredPage page;
    ASSERT_TRUE(source_->ReadStored(0, 0, 0, &page).ok());
    ASSERT_EQ(page.records.size(), 8u);
    for (std::string& bytes : page.records) {
      accord::v1::LogEntry& entry = entries_.emplace_back();
      entry.set_hash(core::Sha256(bytes));
      entry.set_record(std::move(bytes));
    }
    document_.mutable_document()->set_sha256(sha256);
    document_.mutable_document()->set_size(kDocument.size());
    document_.set_content(kDocument);

    ASSERT_TRUE(store::EventStore::Open({}, dir_.path() + "/target", &store_).ok());
    ASSERT_TRUE(store::DocumentStore::Open(dir_.path() + "/target", 1 << 20, &documents_).ok());
    ServerOptions options;
    options.port = 0;
    options.tokens = app::TokenFile::Load(tokens).value();
    options.documents = documents_.get();
    server_ = std::make_unique<Server>(store_.get(), options);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<Client> Connect(const std::string& token) {
    std::unique_ptr<Client> client;
    core::Status s = Client::Connect("127.0.0.1", server_->port(),
                                     ConnectOptions{"importer", token, ""}, &client);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return client;
  }

  // An import_records request of entries_[from, to), with the document when asked.
  Request Import(size_t from, size_t to, bool with_document = false) const {
    Request request;
    auto* import = request.mutable_import_records();
    for (size_t i = from; i < to; ++i) *import->add_entries() = entries_[i];
    if (with_document) *import->add_documents() = document_;
    return request;
  }

  static Response MustCall(Client& client, Request request) {
    Response response;
    core::Status s = client.Call(std::move(request), &response);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return response;
  }

  const std::string kDocument = "%PDF-1.7\nthe memorandum as signed\n";
  accord::testing::TempDir dir_;
  std::string logger_, auditor_, admin_;
  std::unique_ptr<store::EventStore> source_;
  std::unique_ptr<store::DocumentStore> source_documents_;
  std::vector<accord::v1::LogEntry> entries_;
  accord::v1::DocumentContent document_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<store::DocumentStore> documents_;
  std::unique_ptr<Server> server_;
};

TEST_F(ImportRecordsTest, ImportsIntoAnEmptyServerTheLogExactlyInTheOrderSent) {
  auto admin = Connect(admin_);
  // Three requests in flight at once on one connection: written in the
  // order sent, each continuing the log the one before left.
  std::vector<Request> requests = {Import(0, 3, true), Import(3, 6), Import(6, 8)};
  std::vector<uint64_t> ids;
  for (Request& request : requests) {
    uint64_t id = 0;
    ASSERT_TRUE(admin->Send(&request, &id).ok());
    ids.push_back(id);
  }
  std::map<uint64_t, Response> answers;
  for (size_t i = 0; i < requests.size(); ++i) {
    Response response;
    ASSERT_TRUE(admin->Receive(&response).ok());
    answers[response.request_id()] = response;
  }
  ASSERT_TRUE(answers[ids[0]].has_imported()) << answers[ids[0]].DebugString();
  EXPECT_EQ(answers[ids[0]].imported().first_position(), 0u);
  EXPECT_EQ(answers[ids[0]].imported().next_position(), 3u);
  EXPECT_EQ(answers[ids[0]].imported().documents(), 1u);
  ASSERT_TRUE(answers[ids[1]].has_imported()) << answers[ids[1]].DebugString();
  EXPECT_EQ(answers[ids[1]].imported().first_position(), 3u);
  ASSERT_TRUE(answers[ids[2]].has_imported()) << answers[ids[2]].DebugString();
  EXPECT_EQ(answers[ids[2]].imported().next_position(), 8u);

  EXPECT_EQ(store_->Head().next_position, 8u);
  EXPECT_EQ(store_->Head().last_hash, source_->Head().last_hash);
  std::string root, source_root;
  ASSERT_TRUE(store_->MerkleRoot(8, &root).ok());
  ASSERT_TRUE(source_->MerkleRoot(8, &source_root).ok());
  EXPECT_EQ(root, source_root);
  for (uint64_t position = 0; position < 8; ++position) {
    std::string leaf;
    ASSERT_TRUE(store_->ReadLeaf(position, &leaf).ok());
    EXPECT_EQ(leaf, entries_[position].record()) << "position " << position;
  }
  Request verify;
  verify.mutable_verify_log();
  Response verified = MustCall(*admin, verify);
  ASSERT_TRUE(verified.has_verified()) << verified.DebugString();
  EXPECT_EQ(verified.verified().records(), 8u);
  EXPECT_EQ(verified.verified().documents(), 1u) << "the document came with the records";
  Request get;
  get.mutable_get_document()->set_sha256(document_.document().sha256());
  Response got = MustCall(*admin, get);
  ASSERT_TRUE(got.has_document()) << got.DebugString();
  EXPECT_EQ(got.document().content(), kDocument);
}

TEST_F(ImportRecordsTest, OnlyAdminsMayImportAndADeniedImportWritesNothing) {
  for (const std::string* token : {&logger_, &auditor_}) {
    auto client = Connect(*token);
    Response denied = MustCall(*client, Import(0, 8, true));
    ASSERT_TRUE(denied.has_error()) << denied.DebugString();
    EXPECT_EQ(denied.error().code(), accord::v1::PERMISSION_DENIED);
  }
  EXPECT_EQ(store_->Head().next_position, 0u);
  uint64_t size = 0;
  EXPECT_FALSE(documents_->Has(document_.document().sha256(), &size));
}

TEST_F(ImportRecordsTest, ARecordThatDoesNotContinueTheLogIsRefusedNamingItAndWritesNothing) {
  auto admin = Connect(admin_);
  // Out of order: position 3 is not the next one.
  Response skipped = MustCall(*admin, Import(3, 6));
  ASSERT_TRUE(skipped.has_error()) << skipped.DebugString();
  EXPECT_EQ(skipped.error().code(), accord::v1::CORRUPTION);
  EXPECT_NE(skipped.error().message().find("record at position 3: position 0 was due"),
            std::string::npos)
      << skipped.error().message();
  EXPECT_EQ(store_->Head().next_position, 0u);

  // An edited record in the middle of a request: it no longer matches its
  // hash, and the records before it in the request are not written either.
  Request edited = Import(0, 3);
  std::string* bytes = edited.mutable_import_records()->mutable_entries(1)->mutable_record();
  (*bytes)[bytes->size() - 1] = static_cast<char>((*bytes)[bytes->size() - 1] ^ 0x01);
  Response refused = MustCall(*admin, edited);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), accord::v1::CORRUPTION);
  EXPECT_NE(refused.error().message().find("record at position 1: it does not match its hash"),
            std::string::npos)
      << refused.error().message();
  EXPECT_NE(refused.error().message().find("nothing of them written"), std::string::npos);
  EXPECT_EQ(store_->Head().next_position, 0u);

  // A document whose bytes are not its digest's: refused before anything.
  Request wrong_document = Import(0, 3, true);
  wrong_document.mutable_import_records()->mutable_documents(0)->set_content("another file");
  Response wrong = MustCall(*admin, wrong_document);
  ASSERT_TRUE(wrong.has_error()) << wrong.DebugString();
  EXPECT_EQ(wrong.error().code(), accord::v1::INVALID_ARGUMENT);
  EXPECT_NE(wrong.error().message().find("hash to"), std::string::npos) << wrong.error().message();
  EXPECT_EQ(store_->Head().next_position, 0u);

  // Nothing was left behind: the whole log still imports, and verifies.
  ASSERT_TRUE(MustCall(*admin, Import(0, 8, true)).has_imported());
  EXPECT_EQ(store_->Head().last_hash, source_->Head().last_hash);
  store::VerifyReport report;
  EXPECT_TRUE(store_->Verify(&report).ok());
  // Imported again: every record is stored already, so none continues the log.
  Response again = MustCall(*admin, Import(0, 8));
  EXPECT_EQ(again.error().code(), accord::v1::CORRUPTION) << again.DebugString();
  EXPECT_EQ(store_->Head().next_position, 8u);
}

TEST_F(ImportRecordsTest, AnEmptyImportIsRefused) {
  auto admin = Connect(admin_);
  Request empty;
  empty.mutable_import_records();
  EXPECT_EQ(MustCall(*admin, empty).error().code(), accord::v1::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace accord::net
