// The request table (app/requests.h) covers the schema: every kind of
// accord.v1.Request has one row, named as its field, with a handler unless
// the front door answers it.
#include "app/requests.h"

#include <gtest/gtest.h>

#include <set>

namespace accord::app {
namespace {

using accord::v1::Request;

TEST(RequestTable, EveryKindOfTheSchemaHasItsRow) {
  const google::protobuf::OneofDescriptor* kinds = Request::descriptor()->FindOneofByName("kind");
  ASSERT_NE(kinds, nullptr);
  ASSERT_EQ(static_cast<size_t>(kinds->field_count()), RequestKinds().size());
  for (int i = 0; i < kinds->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = kinds->field(i);
    const RequestKind* row = FindRequestKind(static_cast<Request::KindCase>(field->number()));
    ASSERT_NE(row, nullptr) << field->name() << " has no row in the request table";
    EXPECT_EQ(row->name, field->name());
    EXPECT_EQ(row->handler == nullptr, row->runs == Runs::kFrontDoor) << field->name();
  }
}

TEST(RequestTable, UnknownKindsHaveNoRow) {
  EXPECT_EQ(FindRequestKind(Request::KIND_NOT_SET), nullptr);
  EXPECT_EQ(FindRequestKind(static_cast<Request::KindCase>(1000)), nullptr);
  // A number kept free in a block of kinds (wire.proto).
  EXPECT_EQ(FindRequestKind(static_cast<Request::KindCase>(39)), nullptr);
  // A number the schema skips (wire.proto reserves ranges for parts).
  EXPECT_EQ(FindRequestKind(static_cast<Request::KindCase>(Request::kSearch - 1)), nullptr);
  ASSERT_NE(FindRequestKind(Request::kSearch), nullptr);
  EXPECT_EQ(FindRequestKind(Request::kSearch)->name, "search");
}

TEST(RequestTable, AdminsMayMakeEveryRequestAndOnlyAdminsAppendRawOrBackUp) {
  for (const RequestKind& row : RequestKinds()) {
    EXPECT_TRUE(row.Allows(accord::v1::ADMIN)) << row.name;
    EXPECT_FALSE(row.Allows(accord::v1::ROLE_UNSPECIFIED)) << row.name;
  }
  std::set<std::string_view> admins_only;
  for (const RequestKind& row : RequestKinds()) {
    if (!row.Allows(accord::v1::LOGGER) && !row.Allows(accord::v1::AUDITOR)) {
      admins_only.insert(row.name);
    }
  }
  EXPECT_EQ(admins_only, (std::set<std::string_view>{"append_events", "backup", "import_records"}));
}

TEST(RequestTable, StoreWorkNeverRunsOnTheCallersThread) {
  // Only health and parsing a date (no store at all) are answered at once;
  // everything that reads or decides runs on the store's pool, and raw
  // appends are queued for the group commit.
  for (const RequestKind& row : RequestKinds()) {
    if (row.runs == Runs::kAtOnce) {
      EXPECT_TRUE(row.name == "get_health" || row.name == "parse_date") << row.name;
    }
    if (row.runs == Runs::kQueued) {
      EXPECT_TRUE(row.name == "append_events" || row.name == "import_records") << row.name;
    }
  }
}

}  // namespace
}  // namespace accord::app
