#include "net/ordered_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>

namespace accord::net {
namespace {

TEST(OrderedJson, WritesScalars) {
  EXPECT_EQ(OrderedJson().Write(), "null");
  EXPECT_EQ(OrderedJson(true).Write(), "true");
  EXPECT_EQ(OrderedJson(false).Write(), "false");
  EXPECT_EQ(OrderedJson(0).Write(), "0");
  EXPECT_EQ(OrderedJson(-42).Write(), "-42");
  EXPECT_EQ(OrderedJson(uint32_t{4294967295}).Write(), "4294967295");
  EXPECT_EQ(OrderedJson("text").Write(), "\"text\"");
  EXPECT_EQ(OrderedJson(std::string("text")).Write(), "\"text\"");
}

TEST(OrderedJson, KeepsMembersInTheOrderTheyWereAdded) {
  OrderedJson object = OrderedJson::Object();
  object["zeta"] = 1;
  object["alpha"] = 2;
  object["mid"] = 3;
  object["zeta"] = 4;  // replaced where it stands
  EXPECT_EQ(object.Write(0), R"({"zeta":4,"alpha":2,"mid":3})");
  EXPECT_EQ(object.size(), 3U);
}

TEST(OrderedJson, IndentsOneMemberOrElementALine) {
  OrderedJson document;
  document["name"] = "accord";
  document["tags"].Append("a").Append(OrderedJson::Object());
  document["empty"] = OrderedJson::Array();
  document["nested"]["deeper"]["flag"] = true;
  EXPECT_EQ(document.Write(2),
            "{\n"
            "  \"name\": \"accord\",\n"
            "  \"tags\": [\n"
            "    \"a\",\n"
            "    {}\n"
            "  ],\n"
            "  \"empty\": [],\n"
            "  \"nested\": {\n"
            "    \"deeper\": {\n"
            "      \"flag\": true\n"
            "    }\n"
            "  }\n"
            "}");
  EXPECT_EQ(document.Write(0),
            R"({"name":"accord","tags":["a",{}],"empty":[],"nested":{"deeper":{"flag":true}}})");
}

TEST(OrderedJson, FindsMembersOfObjectsOnly) {
  OrderedJson object;
  object["a"] = "x";
  ASSERT_NE(object.Find("a"), nullptr);
  EXPECT_EQ(object.Find("a")->Write(), "\"x\"");
  EXPECT_EQ(object.Find("b"), nullptr);
  EXPECT_EQ(OrderedJson("a").Find("a"), nullptr);
  EXPECT_EQ(OrderedJson::Array().Find("a"), nullptr);
  EXPECT_TRUE(OrderedJson().IsNull());
  EXPECT_TRUE(object.IsObject());
  EXPECT_TRUE(OrderedJson::Array().IsArray());
}

TEST(OrderedJson, EscapesWhatJsonRequiresAndNothingElse) {
  EXPECT_EQ(JsonQuote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonQuote("line\nnext\ttab\rcr\bbs\fff"), R"("line\nnext\ttab\rcr\bbs\fff")");
  EXPECT_EQ(JsonQuote(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(JsonQuote("/ é — ü"), "\"/ é — ü\"");  // UTF-8 and slashes as they are
  EXPECT_EQ(JsonQuote(""), "\"\"");
}

// What is written reads back through a real JSON parser (protobuf's) as the
// same text, for every control character, quotes, backslashes and UTF-8.
TEST(OrderedJson, StringsReadBackAsThemselves) {
  std::string text;
  for (int c = 0; c < 0x20; ++c) text.push_back(static_cast<char>(c));
  text += "\"\\/ plain, é, 日本, \x7f";
  OrderedJson object;
  object[text] = text;
  google::protobuf::Value parsed;
  auto status = google::protobuf::util::JsonStringToMessage(object.Write(2), &parsed);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(parsed.struct_value().fields().size(), 1U);
  EXPECT_EQ(parsed.struct_value().fields().begin()->first, text);
  EXPECT_EQ(parsed.struct_value().fields().begin()->second.string_value(), text);
}

}  // namespace
}  // namespace accord::net
