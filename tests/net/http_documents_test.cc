// Documents over the HTTP door, through a real client against a real
// server: upload a file as the raw body, download the same bytes with its
// name and type, find the events that record it, retries, refusals and
// limits (docs/http.md, "Documents").
#include <gtest/gtest.h>

#include <fstream>

#include "accord/v1/documents.pb.h"
#include "core/hash.h"
#include "tests/testing/http_door.h"

namespace accord::testing {
namespace {

class HttpDocumentsTest : public HttpDoorTest {
 protected:
  // The MoU proposed, its visit logged; returns the visit's event id.
  std::string LogTheMou() {
    auto client = Client(logger_);
    accord::v1::Command visit = b_.Visit();
    MustLog(*client, b_.Propose());
    MustLog(*client, visit);
    return visit.event_id();
  }

  HttpReply Attach(HttpClient& client, const std::string& bytes, const std::string& query,
                   HttpClient::Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/pdf");
    return client.Post(kMouPath + "/documents?" + query, bytes, headers);
  }

  static std::string Sha256Of(const std::string& bytes) {
    return core::HexEncode(core::Sha256(bytes));
  }
};

const std::string kSigned = std::string("%PDF-1.7\n the signed memorandum \0\xff\xfe", 35);

TEST_F(HttpDocumentsTest, AnUploadIsStoredRecordedAndDownloadedAsItWas) {
  Start();
  const std::string visit = LogTheMou();
  auto client = Client(logger_);
  const uint64_t head = Head();
  HttpReply attached =
      Attach(*client, kSigned,
             "name=M%C3%A9morandum%20sign%C3%A9.pdf&event=" + visit + "&note=as%20signed");
  ASSERT_EQ(attached.status(), 201u) << attached.body();
  const std::string sha256 = Sha256Of(kSigned);
  EXPECT_EQ(attached.Header(http::field::location), "/api/v1/documents/" + sha256);
  accord::v1::AttachedDocument answer;
  ASSERT_TRUE(attached.Parse(&answer)) << attached.body();
  EXPECT_EQ(answer.position(), head);
  EXPECT_FALSE(answer.already_logged());
  EXPECT_EQ(answer.document().sha256(), sha256);
  EXPECT_EQ(answer.document().name(), "Mémorandum signé.pdf");
  EXPECT_EQ(answer.document().media_type(), "application/pdf");
  EXPECT_EQ(answer.document().size(), kSigned.size());

  // Anyone may read it: the auditor downloads the same bytes.
  auto auditor = Client(auditor_);
  HttpReply download = auditor->Get("/api/v1/documents/" + sha256);
  ASSERT_EQ(download.status(), 200u) << download.body();
  EXPECT_EQ(download.body(), kSigned);
  EXPECT_EQ(download.Header(http::field::content_type), "application/pdf");
  EXPECT_EQ(download.Header(http::field::etag), "\"" + sha256 + "\"");
  EXPECT_EQ(download.Header(http::field::content_disposition),
            "attachment; filename=\"M__morandum sign__.pdf\"; "
            "filename*=UTF-8''M%C3%A9morandum%20sign%C3%A9.pdf")
      << "non-ASCII bytes become _ in filename=, and are percent-encoded in filename*=";
  EXPECT_EQ(download.Header("X-Content-Type-Options"), "nosniff");

  // The records name the event, its position and the document.
  HttpReply records = auditor->Get("/api/v1/documents/" + sha256 + "/records");
  ASSERT_EQ(records.status(), 200u) << records.body();
  accord::v1::DocumentRecords found;
  ASSERT_TRUE(records.Parse(&found)) << records.body();
  ASSERT_EQ(found.records_size(), 1);
  EXPECT_EQ(found.records(0).agreement_id(), kMou);
  EXPECT_EQ(found.records(0).position(), head);
  EXPECT_EQ(found.records(0).about_event_id(), visit);
  EXPECT_EQ(found.records(0).size(), kSigned.size());

  // The agreement lists it.
  HttpReply mou = auditor->Get(kMouPath);
  accord::v1::AgreementSummary summary;
  ASSERT_TRUE(mou.Parse(&summary)) << mou.body();
  ASSERT_EQ(summary.documents_size(), 1);
  EXPECT_EQ(summary.documents(0).sha256(), sha256);
  EXPECT_EQ(summary.documents(0).about_event_id(), visit);
  EXPECT_EQ(summary.documents(0).note(), "as signed");
}

TEST_F(HttpDocumentsTest, ARetryWithTheSameIdempotencyKeyWritesNothing) {
  Start();
  LogTheMou();
  auto client = Client(logger_);
  HttpClient::Headers key{{"Idempotency-Key", "attach-signed-mou"}};
  HttpReply first = Attach(*client, kSigned, "name=signed.pdf", key);
  ASSERT_EQ(first.status(), 201u) << first.body();
  const uint64_t head = Head();
  HttpReply again = Attach(*client, kSigned, "name=signed.pdf", key);
  ASSERT_EQ(again.status(), 200u) << again.body();
  accord::v1::AttachedDocument answer;
  ASSERT_TRUE(again.Parse(&answer));
  EXPECT_TRUE(answer.already_logged());
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(again.Header(http::field::location), first.Header(http::field::location));
}

TEST_F(HttpDocumentsTest, AnUnknownEventIsRefusedWithTheRulesSentenceAndNothingIsRecorded) {
  Start();
  LogTheMou();
  auto client = Client(logger_);
  const uint64_t head = Head();
  HttpReply refused = Attach(*client, kSigned, "name=signed.pdf&event=" + Uuid(999));
  accord::v1::Problem problem = ExpectProblem(refused, 422);
  EXPECT_EQ(problem.code(), "UNKNOWN_EVENT");
  EXPECT_NE(problem.detail().find("no event '" + Uuid(999) + "'"), std::string::npos);
  EXPECT_EQ(Head(), head);
  ExpectProblem(client->Get("/api/v1/documents/" + Sha256Of(kSigned) + "/records"), 404);
  ExpectProblem(client->Get("/api/v1/documents/" + Sha256Of(kSigned)), 404);
}

TEST_F(HttpDocumentsTest, ABodyOverTheDocumentLimitIs413AndOtherRoutesKeepTheirLimit) {
  net::HttpServerOptions options;
  options.max_document_bytes = 8000;
  options.max_body_bytes = 4000;
  Start(options);
  LogTheMou();
  {
    auto client = Client(logger_);
    // Between the two limits: a document may be that large.
    HttpReply fits = Attach(*client, std::string(6000, 'x'), "name=fits.bin");
    EXPECT_EQ(fits.status(), 201u) << fits.body();
  }
  {
    auto client = Client(logger_);
    accord::v1::Problem problem =
        ExpectProblem(Attach(*client, std::string(8001, 'x'), "name=big.bin"), 413);
    EXPECT_NE(problem.detail().find("8000"), std::string::npos) << problem.detail();
  }
  {
    // A JSON route still refuses a body over its own limit.
    auto client = Client(logger_);
    ExpectProblem(client->Post(kMouPath + "/milestones", std::string(6000, ' ')), 413);
  }
}

TEST_F(HttpDocumentsTest, AuditorsMayNotAttachAndBadInputIsRefused) {
  Start();
  LogTheMou();
  auto auditor = Client(auditor_);
  ExpectProblem(Attach(*auditor, kSigned, "name=signed.pdf"), 403);
  auto client = Client(logger_);
  ExpectProblem(Attach(*client, kSigned, ""), 400);                // no name
  ExpectProblem(Attach(*client, kSigned, "name=a%2Fb.pdf"), 400);  // a "/" in it
  ExpectProblem(Attach(*client, "", "name=empty.pdf"), 400);       // no bytes
  ExpectProblem(client->Get("/api/v1/documents/not-a-digest"), 400);
  ExpectProblem(client->Get("/api/v1/documents/" + std::string(64, 'a')), 404);
  accord::v1::Problem unknown =
      ExpectProblem(client->Post("/api/v1/agreements/no-such/documents?name=x.pdf", kSigned,
                                 {{"Content-Type", "application/pdf"}}),
                    422);
  EXPECT_EQ(unknown.code(), "UNKNOWN_AGREEMENT");
}

TEST_F(HttpDocumentsTest, AStoredDocumentIsRecordedAgainAsAMilestoneAndAnUnstoredOneIsRefused) {
  Start();
  LogTheMou();
  auto client = Client(logger_);
  ASSERT_EQ(Attach(*client, kSigned, "name=signed.pdf").status(), 201u);
  // The same document recorded on the milestone route, by digest: stored, so
  // accepted; the record names the path's agreement when the body does not.
  MustLog(*client, b_.Document(kSigned));
  accord::v1::Command unnamed = b_.Document(kSigned);
  unnamed.mutable_milestone()->mutable_document_attached()->clear_agreement_id();
  MustLog(*client, unnamed);
  // One the server does not hold is refused, and nothing is written.
  const uint64_t head = Head();
  HttpReply refused =
      client->Post(kMouPath + "/milestones", Json(b_.Document("bytes never uploaded")));
  accord::v1::Problem problem = ExpectProblem(refused, 422);
  EXPECT_NE(problem.detail().find("is stored"), std::string::npos) << problem.detail();
  EXPECT_EQ(Head(), head);
  HttpReply records = client->Get("/api/v1/documents/" + Sha256Of(kSigned) + "/records");
  accord::v1::DocumentRecords found;
  ASSERT_TRUE(records.Parse(&found)) << records.body();
  ASSERT_EQ(found.records_size(), 3);
  EXPECT_EQ(found.records(2).agreement_id(), kMou);
}

TEST_F(HttpDocumentsTest, ADamagedFileIsNeverServed) {
  Start();
  LogTheMou();
  auto client = Client(logger_);
  ASSERT_EQ(Attach(*client, kSigned, "name=signed.pdf").status(), 201u);
  const std::string sha256 = Sha256Of(kSigned);
  {
    std::ofstream file(dir_.Sub("data") + "/documents/" + sha256.substr(0, 2) + "/" +
                       sha256.substr(2));
    file << "something else";
  }
  accord::v1::Problem problem = ExpectProblem(client->Get("/api/v1/documents/" + sha256), 500);
  EXPECT_EQ(problem.code(), "CORRUPTION");
  EXPECT_NE(problem.detail().find(sha256), std::string::npos);
  accord::v1::Problem verify = ExpectProblem(Client(auditor_)->Post("/api/v1/verify", ""), 500);
  EXPECT_NE(verify.detail().find(sha256), std::string::npos) << verify.detail();
}

}  // namespace
}  // namespace accord::testing
