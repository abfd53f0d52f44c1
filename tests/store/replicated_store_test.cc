// The replicated log as a cluster: several nodes in this process on a real
// three-member etcd cluster. What a node promises alone is tested in
// event_store_test.cc (its Etcd instances); here, what only several nodes
// show: forwarding, read-your-writes on any node, every copy the same log,
// failover, fencing of a deposed leader, catching up, refusing a copy of
// another log. The process-level kills (SIGKILL, SIGSTOP of real accordd
// and etcd processes under load) are tools/accord_clusterloop.cc's.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "store/cluster.h"
#include "store/document_store.h"
#include "store/etcd_client.h"
#include "tests/testing/builders.h"
#include "tests/testing/etcd_process.h"
#include "tests/testing/temp_dir.h"

namespace accord::store {
namespace {

using accord::testing::RawEvent;
using accord::v1::EventRecord;
using accord::v1::NewEvent;
using Clock = std::chrono::steady_clock;

class ReplicatedStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    etcd_dir_ = new accord::testing::TempDir();
    etcd_ = new accord::testing::EtcdCluster(etcd_dir_->Sub("etcd"), 3);
    ASSERT_TRUE(etcd_->WaitUntilHealthy()) << etcd_->log(0);
  }
  static void TearDownTestSuite() {
    delete etcd_;
    delete etcd_dir_;
  }

  void SetUp() override {
    static int tests = 0;
    prefix_ = "/cluster" + std::to_string(++tests) + "/";
    nodes_.resize(3);
  }

  ClusterOptions Options(int node) {
    ClusterOptions options;
    options.etcd_endpoints = etcd_->endpoints();
    options.prefix = prefix_;
    options.node_name = "n" + std::to_string(node + 1);
    options.peer_address = "127.0.0.1:" + std::to_string(accord::testing::FreePort());
    options.lease_seconds = 2;
    return options;
  }

  void Start(int node) {
    core::Status s =
        OpenClustered({}, dir_.Sub("n" + std::to_string(node + 1)), Options(node), &nodes_[node]);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // The node that leads, once one does (-1 if none within the time).
  int Leader(std::chrono::seconds limit = std::chrono::seconds(20)) {
    Clock::time_point until = Clock::now() + limit;
    while (Clock::now() < until) {
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i] && ViewCluster(*nodes_[i])->leader) return static_cast<int>(i);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  static std::vector<EventRecord> ReadEverything(const EventStore& store) {
    std::vector<EventRecord> all;
    ReadPage page;
    uint64_t from = 0;
    do {
      EXPECT_TRUE(store.ReadAll(from, 0, &page).ok());
      all.insert(all.end(), page.records.begin(), page.records.end());
      from = page.next;
    } while (!page.end_of_data);
    return all;
  }

  // Waits until `node`'s copy holds `count` records.
  bool AwaitApplied(int node, uint64_t count,
                    std::chrono::seconds limit = std::chrono::seconds(20)) {
    Clock::time_point until = Clock::now() + limit;
    while (Clock::now() < until) {
      if (nodes_[node]->Head().next_position >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Every running node holds the same log, verified, with the same head.
  void ExpectEveryCopyTheSame(uint64_t count) {
    std::string head_hash;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (!nodes_[i]) continue;
      ASSERT_TRUE(AwaitApplied(static_cast<int>(i), count)) << "node " << i;
      VerifyReport report;
      core::Status verified = nodes_[i]->Verify(&report);
      EXPECT_TRUE(verified.ok()) << "node " << i << ": " << verified.ToString();
      EXPECT_EQ(report.records, count) << "node " << i;
      if (head_hash.empty()) head_hash = report.head_hash;
      EXPECT_EQ(report.head_hash, head_hash) << "node " << i;
    }
  }

  static inline accord::testing::TempDir* etcd_dir_ = nullptr;
  static inline accord::testing::EtcdCluster* etcd_ = nullptr;
  std::string prefix_;
  accord::testing::TempDir dir_;
  std::vector<std::unique_ptr<EventStore>> nodes_;
};

TEST_F(ReplicatedStoreTest, EveryNodeTakesAppendsAndReadsItsOwnWritesAndAllCopiesAgree) {
  for (int i = 0; i < 3; ++i) Start(i);
  int leader = Leader();
  ASSERT_GE(leader, 0);
  uint64_t id = 1;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 3; ++i) {
      std::string stream = "s" + std::to_string(i);
      AppendResult result;
      core::Status s = nodes_[i]->Append(stream, ExpectedVersion::Any(), {RawEvent(id++)}, &result);
      ASSERT_TRUE(s.ok()) << "node " << i << ": " << s.ToString();
      // Read your writes: the node asked holds the event when it answers.
      EventRecord record;
      ASSERT_TRUE(nodes_[i]->FindEvent(RawEvent(id - 1).event_id(), &record).ok()) << "node " << i;
      EXPECT_EQ(record.position(), result.last_position);
    }
  }
  ExpectEveryCopyTheSame(15);
  EXPECT_GT(ViewCluster(*nodes_[(leader + 1) % 3])->forwarded, 0u) << "followers forward";
  for (const EventRecord& record : ReadEverything(*nodes_[0])) {
    EXPECT_EQ(record.leader_term(), ViewCluster(*nodes_[leader])->term);
  }
}

TEST_F(ReplicatedStoreTest, ExpectedVersionsAndIdempotencyHoldAcrossNodes) {
  for (int i = 0; i < 3; ++i) Start(i);
  ASSERT_GE(Leader(), 0);
  AppendResult first;
  ASSERT_TRUE(nodes_[0]->Append("mou", ExpectedVersion::NoStream(), {RawEvent(1)}, &first).ok());
  // The same append through another node: the original positions, nothing written.
  AppendResult retry;
  ASSERT_TRUE(nodes_[1]->Append("mou", ExpectedVersion::NoStream(), {RawEvent(1)}, &retry).ok());
  EXPECT_TRUE(retry.already_stored);
  EXPECT_EQ(retry.first_position, first.first_position);
  // A stale expected version through a third node is refused with the version now.
  AppendResult stale;
  core::Status s = nodes_[2]->Append("mou", ExpectedVersion::NoStream(), {RawEvent(2)}, &stale);
  EXPECT_TRUE(s.IsWrongExpectedVersion()) << s.ToString();
  ASSERT_TRUE(stale.current_version.has_value());
  EXPECT_EQ(*stale.current_version, 0u);
  // Two nodes racing on one version: exactly one wins.
  std::atomic<int> wins{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 3; ++i) {
    racers.emplace_back([&, i] {
      if (nodes_[i]->Append("mou", ExpectedVersion::Exact(0), {RawEvent(10 + i)}, nullptr).ok()) {
        ++wins;
      }
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(wins.load(), 1);
  ExpectEveryCopyTheSame(2);
}

TEST_F(ReplicatedStoreTest, WhenTheLeaderGoesAnotherLeadsAndTheLogGoesOn) {
  for (int i = 0; i < 3; ++i) Start(i);
  int leader = Leader();
  ASSERT_GE(leader, 0);
  uint64_t first_term = ViewCluster(*nodes_[leader])->term;
  for (uint64_t id = 1; id <= 10; ++id) {
    ASSERT_TRUE(nodes_[id % 3]->Append("a", ExpectedVersion::Any(), {RawEvent(id)}, nullptr).ok());
  }
  nodes_[leader].reset();  // a clean close lets go of the lease
  int next = Leader();
  ASSERT_GE(next, 0);
  ASSERT_NE(next, leader);
  uint64_t second_term = ViewCluster(*nodes_[next])->term;
  EXPECT_GT(second_term, first_term);
  int other = 3 - leader - next;
  for (uint64_t id = 11; id <= 20; ++id) {
    int via = id % 2 == 0 ? next : other;
    core::Status s = nodes_[via]->Append("a", ExpectedVersion::Any(), {RawEvent(id)}, nullptr);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  ExpectEveryCopyTheSame(20);
  // The old leader's node comes back: it catches up from where it stopped.
  Start(leader);
  ExpectEveryCopyTheSame(20);
  // Terms never decrease along the log; each term is one leader's.
  uint64_t last_term = 0;
  for (const EventRecord& record : ReadEverything(*nodes_[leader])) {
    EXPECT_GE(record.leader_term(), last_term) << "position " << record.position();
    last_term = record.leader_term();
  }
  EXPECT_EQ(last_term, second_term);
}

TEST_F(ReplicatedStoreTest, ADeposedLeaderWritesNothingAndItsAppendsGoToTheNewLeader) {
  for (int i = 0; i < 3; ++i) Start(i);
  int leader = Leader();
  ASSERT_GE(leader, 0);
  uint64_t old_term = ViewCluster(*nodes_[leader])->term;
  ASSERT_TRUE(nodes_[leader]->Append("a", ExpectedVersion::Any(), {RawEvent(1)}, nullptr).ok());
  // Depose it behind its back: its leader key goes, as when its lease
  // expires while it is paused, and another node takes the key.
  std::unique_ptr<EtcdClient> etcd;
  EtcdOptions etcd_options;
  etcd_options.endpoints = etcd_->endpoints();
  ASSERT_TRUE(EtcdClient::Connect(etcd_options, &etcd).ok());
  etcdserverpb::TxnRequest depose;
  auto* remove = depose.add_success()->mutable_request_delete_range();
  remove->set_key(prefix_ + "leader");
  etcdserverpb::TxnResponse deposed;
  ASSERT_TRUE(etcd->Txn(depose, &deposed).ok());
  // Until it notices, it still believes it leads; whatever it commits now
  // is refused by etcd and goes to whoever leads next.
  std::vector<std::thread> writers;
  std::atomic<int> ok{0};
  for (uint64_t id = 2; id <= 21; ++id) {
    writers.emplace_back([&, id] {
      core::Status s = nodes_[leader]->Append("a", ExpectedVersion::Any(), {RawEvent(id)}, nullptr);
      EXPECT_TRUE(s.ok()) << s.ToString();
      ok += s.ok();
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(ok.load(), 20);
  ExpectEveryCopyTheSame(21);
  std::vector<EventRecord> all = ReadEverything(*nodes_[0]);
  uint64_t last_term = 0;
  std::set<std::string> ids;
  for (const EventRecord& record : all) {
    EXPECT_GE(record.leader_term(), last_term);
    last_term = record.leader_term();
    EXPECT_TRUE(ids.insert(record.event_id()).second) << "each event once";
  }
  EXPECT_EQ(all[0].leader_term(), old_term);
  EXPECT_GT(last_term, old_term) << "a new term committed the rest";
}

TEST_F(ReplicatedStoreTest, ANodeStartedEmptyCatchesUpFromTheStartWhileAppendsGoOn) {
  Start(0);
  ASSERT_EQ(Leader(), 0);
  constexpr uint64_t kEvents = 3000;
  std::vector<NewEvent> batch;
  for (uint64_t id = 1; id <= kEvents; ++id) {
    batch.push_back(RawEvent(id));
    if (batch.size() == 30) {
      ASSERT_TRUE(nodes_[0]
                      ->Append("s" + std::to_string(id % 7), ExpectedVersion::Any(), batch, nullptr)
                      .ok());
      batch.clear();
    }
  }
  Start(1);
  std::thread more([&] {
    for (uint64_t id = kEvents + 1; id <= kEvents + 100; ++id) {
      EXPECT_TRUE(nodes_[0]->Append("late", ExpectedVersion::Any(), {RawEvent(id)}, nullptr).ok());
    }
  });
  more.join();
  nodes_.resize(2);
  ExpectEveryCopyTheSame(kEvents + 100);
}

TEST_F(ReplicatedStoreTest, ADocumentUploadedThroughOneNodeIsServedByAnother) {
  for (int i = 0; i < 2; ++i) Start(i);
  ASSERT_GE(Leader(), 0);
  std::vector<std::unique_ptr<DocumentStore>> documents(2);
  for (int i = 0; i < 2; ++i) {
    std::unique_ptr<DocumentStore> local;
    ASSERT_TRUE(DocumentStore::Open(dir_.Sub("n" + std::to_string(i + 1)), 1 << 20, &local).ok());
    documents[i] = ShareDocuments(nodes_[i].get(), std::move(local));
  }
  std::string digest;
  ASSERT_TRUE(documents[0]->Put("the signed MoU, as scanned", &digest).ok());
  std::string bytes;
  ASSERT_TRUE(documents[1]->Get(digest, &bytes).ok());
  EXPECT_EQ(bytes, "the signed MoU, as scanned");
  std::vector<std::string> kept;
  ASSERT_TRUE(documents[1]->List(&kept).ok());
  EXPECT_EQ(kept, std::vector<std::string>{digest}) << "fetched once, then kept";
  std::string unknown(64, 'a');
  EXPECT_TRUE(documents[1]->Get(unknown, &bytes).IsNotFound());
}

TEST_F(ReplicatedStoreTest, CutOffFromEtcdANodeSaysSoServesReadsAndItsAppendsWait) {
  Start(0);
  ASSERT_EQ(Leader(), 0);
  ASSERT_TRUE(nodes_[0]->Append("a", ExpectedVersion::Any(), {RawEvent(1)}, nullptr).ok());
  for (int m = 0; m < etcd_->size(); ++m) etcd_->Stop(m);
  Clock::time_point until = Clock::now() + std::chrono::seconds(10);
  while (nodes_[0]->WriteHealth().ok() && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  core::Status health = nodes_[0]->WriteHealth();
  EXPECT_FALSE(health.ok());
  EXPECT_NE(health.message().find("etcd has not answered"), std::string::npos) << health.ToString();
  EXPECT_NE(nodes_[0]->Stats().write_refusal, "") << "health and /readyz show it";
  EXPECT_EQ(ReadEverything(*nodes_[0]).size(), 1u) << "reads go on from the copy";
  core::Status appended;
  std::thread waiting(
      [&] { appended = nodes_[0]->Append("a", ExpectedVersion::Any(), {RawEvent(2)}, nullptr); });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (int m = 0; m < etcd_->size(); ++m) etcd_->Continue(m);
  waiting.join();
  EXPECT_TRUE(appended.ok()) << appended.ToString();
  EXPECT_TRUE(nodes_[0]->AwaitWritable(std::chrono::seconds(20)))
      << nodes_[0]->WriteHealth().ToString() << "; leader " << ViewCluster(*nodes_[0])->leader_name
      << ", this node leads " << ViewCluster(*nodes_[0])->leader;
  ExpectEveryCopyTheSame(2);
}

TEST_F(ReplicatedStoreTest, WhatOneEtcdTransactionCannotCarryIsRefusedUpFrontAndWritesNothing) {
  Start(0);  // etcd's default --max-txn-ops (128): 41 events a group
  ASSERT_EQ(Leader(), 0);
  std::vector<NewEvent> too_many;
  for (uint64_t id = 1; id <= 42; ++id) too_many.push_back(RawEvent(id));
  core::Status s = nodes_[0]->Append("a", ExpectedVersion::Any(), too_many, nullptr);
  EXPECT_EQ(s.code(), core::Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("--etcd-max-txn-ops"), std::string::npos) << s.message();
  too_many.pop_back();
  EXPECT_TRUE(nodes_[0]->Append("a", ExpectedVersion::Any(), too_many, nullptr).ok());

  NewEvent large = RawEvent(100, std::string(1200 * 1024, 'x'));  // over 1 MiB
  s = nodes_[0]->Append("b", ExpectedVersion::Any(), {large}, nullptr);
  EXPECT_EQ(s.code(), core::Status::Code::kInvalidArgument) << s.ToString();
  std::vector<accord::v1::LogEntry> import(42);
  s = nodes_[0]->ImportEntries(import);
  EXPECT_EQ(s.code(), core::Status::Code::kInvalidArgument) << s.ToString();
  ExpectEveryCopyTheSame(41);
}

TEST_F(ReplicatedStoreTest, ACopyOfAnotherLogIsRefused) {
  Start(0);
  ASSERT_EQ(Leader(), 0);
  ASSERT_TRUE(nodes_[0]->Append("a", ExpectedVersion::Any(), {RawEvent(1)}, nullptr).ok());
  nodes_[0].reset();
  // The same folder against a log that never held its record.
  ClusterOptions elsewhere = Options(0);
  elsewhere.prefix = prefix_ + "other/";
  std::unique_ptr<EventStore> node;
  core::Status s = OpenClustered({}, dir_.Sub("n1"), elsewhere, &node);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("empty folder"), std::string::npos) << s.message();
}

TEST_F(ReplicatedStoreTest, AnEtcdMemberKilledUnderLoadLosesNothingAcknowledged) {
  for (int i = 0; i < 3; ++i) Start(i);
  ASSERT_GE(Leader(), 0);
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<std::string, uint64_t> acknowledged;  // event id -> position
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&, c] {
      for (uint64_t n = 0; !stop; ++n) {
        NewEvent event = RawEvent(1000000 * (c + 1) + n);
        AppendResult result;
        core::Status s =
            nodes_[c]->Append("c" + std::to_string(c), ExpectedVersion::Any(), {event}, &result);
        if (s.ok()) {
          std::lock_guard lock(mutex);
          acknowledged[event.event_id()] = result.first_position;
        }
      }
    });
  }
  auto acknowledged_count = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size();
  };
  auto await_more = [&](size_t more) {
    size_t target = acknowledged_count() + more;
    Clock::time_point until = Clock::now() + std::chrono::seconds(30);
    while (acknowledged_count() < target && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return acknowledged_count() >= target;
  };
  ASSERT_TRUE(await_more(100));
  etcd_->Kill(0);
  EXPECT_TRUE(await_more(100)) << "appends go on with two members of three";
  etcd_->Restart(0);
  etcd_->Stop(1);
  EXPECT_TRUE(await_more(100)) << "appends go on while a member is stopped";
  etcd_->Continue(1);
  ASSERT_TRUE(await_more(50));
  stop = true;
  for (auto& t : clients) t.join();
  uint64_t head = 0;
  for (auto& node : nodes_) head = std::max(head, node->Head().next_position);
  ExpectEveryCopyTheSame(head);
  std::map<std::string, uint64_t> stored;
  for (const EventRecord& record : ReadEverything(*nodes_[2])) {
    EXPECT_TRUE(stored.emplace(record.event_id(), record.position()).second);
  }
  for (const auto& [id, position] : acknowledged) {
    auto found = stored.find(id);
    ASSERT_NE(found, stored.end()) << "acknowledged event " << id << " is missing";
    EXPECT_EQ(found->second, position) << id;
  }
}

}  // namespace
}  // namespace accord::store
