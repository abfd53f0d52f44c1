// app/metrics.h: every family written, each door the application had with
// its figures, series written once counted. The application's own counting
// is tested through the application (tests/app/application_test.cc), the
// text format in tests/app/exposition_test.cc.
#include "app/metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace accord::app {
namespace {

TEST(Metrics, WritesEveryFamilyWithTheDoorsTheApplicationHad) {
  Metrics metrics;
  metrics.CountMilestone(CommandOutcome::kRejected, accord::v1::TERMS_NOT_AGREED);
  metrics.CountError(accord::v1::Request::kGetAgreement, accord::v1::NOT_FOUND);
  metrics.ObserveRequest(Door::kHttp, accord::v1::Request::kGetHealth, 0.0002);
  metrics.CountDroppedConnection(Door::kTcp, ConnectionDrop::kIdleTimeout);
  ScrapeFigures figures;
  figures.log_records = 60;
  figures.projections.push_back({"agreement-index", 2});
  figures.doors[static_cast<size_t>(Door::kTcp)] = FrontDoorFigures{5, 1};
  std::string text = metrics.Write(figures);

  for (const char* line : {
           "accord_milestones_total{outcome=\"rejected\"} 1\n",
           "accord_milestones_total{outcome=\"logged\"} 0\n",
           "accord_milestone_rejections_total{code=\"TERMS_NOT_AGREED\"} 1\n",
           "accord_errors_total{kind=\"get_agreement\",code=\"NOT_FOUND\"} 1\n",
           "accord_request_duration_seconds_count{door=\"http\",kind=\"get_health\"} 1\n",
           "accord_connections{door=\"tcp\"} 5\n",
           "accord_subscriptions{door=\"tcp\"} 1\n",
           "accord_connections_dropped_total{door=\"tcp\",reason=\"idle_timeout\"} 1\n",
           "accord_connections_dropped_total{door=\"tcp\",reason=\"slow_reader\"} 0\n",
           "accord_log_records 60\n",
           "accord_projection_lag_events{projection=\"agreement-index\"} 2\n",
           "accord_store_group_commit_events_count 0\n",
           "accord_store_writes_refused 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "is not in:\n" << text;
  }
  const std::string bucket =
      R"(accord_request_duration_seconds_bucket{door="http",kind="get_health",le="0.00025"} 1)";
  EXPECT_NE(text.find(bucket), std::string::npos) << text;
  EXPECT_EQ(text.find("accord_appends_total{outcome=\"rejected\"}"), std::string::npos)
      << "raw appends skip the rules";
  EXPECT_EQ(text.find("door=\"http\"} "), std::string::npos)
      << "the HTTP door never registered: no gauges for it";
  EXPECT_EQ(text.find("process_"), std::string::npos) << "no process figures were given";
}

TEST(Metrics, ANodeOfAClusterSaysWhetherItLeadsAndHowFarItsCopyLags) {
  Metrics metrics;
  ScrapeFigures single;
  EXPECT_EQ(metrics.Write(single).find("accord_cluster_"), std::string::npos)
      << "a single node has no cluster families";
  ScrapeFigures figures;
  store::ClusterView view;
  view.node_name = "n2";
  view.leader = false;
  view.leader_name = "n1";
  view.term = 41;
  view.etcd_head = 1000;
  view.applied = 990;
  view.forwarded = 7;
  view.terms_led = 2;
  figures.cluster = view;
  std::string text = metrics.Write(figures);
  for (const char* line : {
           "accord_cluster_leader{node=\"n2\"} 0\n",
           "accord_cluster_term 41\n",
           "accord_cluster_copy_lag_events 10\n",
           "accord_cluster_forwarded_appends_total 7\n",
           "accord_cluster_terms_led_total 2\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "is not in:\n" << text;
  }
}

}  // namespace
}  // namespace accord::app
