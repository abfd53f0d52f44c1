#include "core/audit.h"

#include <gtest/gtest.h>

#include "tests/testing/builders.h"

namespace accord::core {
namespace {

TEST(AuditReport, ListsEveryEventWithItsEnvelopeAndCorrections) {
  std::vector<accord::v1::RecordedEvent> events(3);
  for (size_t i = 0; i < events.size(); ++i) {
    auto* r = events[i].mutable_record();
    r->set_position(10 + i);
    r->set_stream_version(i);
    r->set_event_id(accord::testing::Uuid(i + 1));
    r->set_payload("raw bytes");
    r->set_hash(std::string(32, static_cast<char>(i)));
  }
  events[0].mutable_event()->mutable_agreement_proposed()->set_title("MoU");
  events[1].mutable_event()->mutable_note_added()->set_text("a note");
  auto* correction = events[2].mutable_event()->mutable_event_corrected();
  correction->set_corrected_event_id(accord::testing::Uuid(2));

  accord::v1::AuditReport report = BuildAuditReport("mou", events);
  EXPECT_EQ(report.agreement_id(), "mou");
  ASSERT_EQ(report.entries_size(), 3) << "corrections are listed too";
  EXPECT_EQ(report.entries(1).record().position(), 11u);
  EXPECT_TRUE(report.entries(1).record().payload().empty()) << "decoded, not raw";
  EXPECT_EQ(report.entries(1).record().hash(), std::string(32, '\x01'));
  ASSERT_EQ(report.entries(1).corrected_by_size(), 1);
  EXPECT_EQ(report.entries(1).corrected_by(0), accord::testing::Uuid(3));
  EXPECT_EQ(report.entries(0).corrected_by_size(), 0);
}

}  // namespace
}  // namespace accord::core
