// Treaty-grade agreements through the server: a logger (legal-affairs
// staff) runs the agreements report without an auditor's rights, a link
// shows on both agreements, and a day's view lists that day's parties.
#include <gtest/gtest.h>

#include "app/auth.h"
#include "net/client.h"
#include "net/server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/treaty_builders.h"

namespace accord::net {
namespace {

using accord::testing::Day;
using accord::testing::Month;
using accord::v1::Request;
using accord::v1::Response;

TEST(Roles, LoggersAndAuditorsRunTheReportButOnlyAuditorsSubscribe) {
  Request report;
  report.mutable_get_report();
  Request subscribe;
  subscribe.mutable_subscribe();
  EXPECT_TRUE(app::Allows(accord::v1::LOGGER, report));
  EXPECT_TRUE(app::Allows(accord::v1::AUDITOR, report));
  EXPECT_FALSE(app::Allows(accord::v1::LOGGER, subscribe));
  EXPECT_FALSE(app::Allows(accord::v1::ROLE_UNSPECIFIED, report));
}

class TreatyServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = dir_.path() + "/tokens";
    logger_ = app::TokenFile::AddUser(path, "legal-affairs", accord::v1::LOGGER)->token;
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path() + "/data", &store_).ok());
    ServerOptions options;
    options.port = 0;
    options.tokens = app::TokenFile::Load(path).value();
    server_ = std::make_unique<Server>(store_.get(), options);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_TRUE(
        Client::Connect("127.0.0.1", server_->port(), ConnectOptions{"test", logger_, ""}, &client_)
            .ok());
  }
  void TearDown() override { server_->Stop(); }

  Response MustCall(Request request) {
    Response response;
    core::Status s = client_->Call(std::move(request), &response);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return response;
  }
  void MustLog(const accord::v1::Command& command) {
    Request request;
    *request.mutable_log_milestone() = command;
    Response response = MustCall(request);
    ASSERT_TRUE(response.has_logged()) << response.DebugString();
  }

  // The arrangement: alpha and beta sign in 2020, gamma joins in 2021 and
  // signs in 2022; "data-annex" implements it.
  void LogArrangement() {
    MustLog(t_.Propose(Month(2020, 3)));
    MustLog(t_.Terms(Month(2020, 3)));
    MustLog(t_.Sign("alpha", Day(2020, 4, 1)));
    MustLog(t_.Sign("beta", Day(2020, 4, 1)));
    MustLog(t_.Join("gamma", Day(2021, 6, 1)));
    MustLog(t_.Sign("gamma", Day(2022, 9, 1)));
    accord::testing::TreatyBuilder annex("data-annex", 5000);
    MustLog(annex.Propose(Month(2023, 1), /*open=*/false));
    MustLog(annex.Link(accord::v1::AgreementLinked::IMPLEMENTS, accord::testing::kArrangement));
  }

  accord::testing::TempDir dir_;
  std::string logger_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
  accord::testing::TreatyBuilder t_;
};

TEST_F(TreatyServerTest, ALoggerRunsTheReportOfEveryMultilateralAgreement) {
  LogArrangement();
  Request request;
  request.mutable_get_report();
  Response response = MustCall(request);
  ASSERT_TRUE(response.has_report()) << response.DebugString();
  const auto& report = response.report();
  EXPECT_EQ(report.events_replayed(), 8u);
  int rows = 0;
  for (const auto& row : report.convention_parties()) {
    EXPECT_EQ(row.agreement_id(), accord::testing::kArrangement) << "the annex is bilateral";
    ++rows;
    if (row.party().party().organisation_id() == "gamma") {
      EXPECT_EQ(row.party().days_to_signature(), 457);  // from its joining
    }
  }
  EXPECT_EQ(rows, 3);
  // How many had signed by the end of each year.
  std::map<int, uint32_t> signed_by_year;
  for (const auto& y : report.counts_by_year()) {
    if (y.agreement_id() == accord::testing::kArrangement) {
      signed_by_year[y.year()] = y.counts().have_signed();
    }
  }
  EXPECT_EQ(signed_by_year[2020], 2u);
  EXPECT_EQ(signed_by_year[2021], 2u);
  EXPECT_EQ(signed_by_year[2022], 3u);

  Request subscribe;
  subscribe.mutable_subscribe();
  EXPECT_EQ(MustCall(subscribe).error().code(), accord::v1::PERMISSION_DENIED)
      << "the report does not come with an auditor's subscription";
}

TEST_F(TreatyServerTest, BothAgreementsShowTheirLinkAndADayShowsItsParties) {
  LogArrangement();
  Request show;
  show.mutable_get_agreement()->set_agreement_id(accord::testing::kArrangement);
  Response arrangement = MustCall(show);
  ASSERT_TRUE(arrangement.has_agreement()) << arrangement.DebugString();
  ASSERT_EQ(arrangement.agreement().links_size(), 1);
  EXPECT_EQ(arrangement.agreement().links(0).other_agreement_id(), "data-annex");
  EXPECT_EQ(arrangement.agreement().links(0).direction(), accord::v1::LinkSummary::INCOMING);
  EXPECT_EQ(arrangement.agreement().links(0).relation(), accord::v1::AgreementLinked::IMPLEMENTS);

  show.mutable_get_agreement()->set_agreement_id("data-annex");
  Response annex = MustCall(show);
  ASSERT_EQ(annex.agreement().links_size(), 1);
  EXPECT_EQ(annex.agreement().links(0).direction(), accord::v1::LinkSummary::OUTGOING);

  show.mutable_get_agreement()->set_agreement_id(accord::testing::kArrangement);
  *show.mutable_get_agreement()->mutable_true_on() = Day(2020, 12, 31).date();
  Response in_2020 = MustCall(show);
  ASSERT_TRUE(in_2020.has_agreement());
  EXPECT_EQ(in_2020.agreement().parties_size(), 2) << "gamma joined in 2021";
  EXPECT_EQ(in_2020.agreement().stage(), accord::v1::SIGNED);
}

}  // namespace
}  // namespace accord::net
