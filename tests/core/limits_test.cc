// The command limits (core/limits.h): every text, id and list of every
// milestone kind is bounded, and the refusal names the field and the limit.
#include "core/limits.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace accord::core {
namespace {

using accord::testing::CommandBuilder;
using accord::v1::Command;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string Refusal(const Command& command) {
  LimitCheck checked = ValidateCommandLimits(command);
  if (checked) return "accepted";
  EXPECT_EQ(checked.error().code, accord::v1::INVALID_COMMAND);
  return checked.error().message;
}

struct Case {
  const char* what;
  std::function<void(Command&)> mutate;
  const char* refusal;  // "accepted", or the exact message
};

TEST(CommandLimits, EachBreachIsRefusedNamingTheFieldAndTheLimit) {
  const std::vector<Case> cases = {
      {"a title of 500 characters",
       [](Command& c) {
         c.mutable_milestone()->mutable_agreement_proposed()->set_title(std::string(500, 't'));
       },
       "accepted"},
      {"a title of 501 characters",
       [](Command& c) {
         c.mutable_milestone()->mutable_agreement_proposed()->set_title(std::string(501, 't'));
       },
       "milestone.agreement_proposed.title is 501 characters, over the limit of 500"},
      {"500 characters of a three-byte script",
       [](Command& c) {
         std::string title;
         for (int i = 0; i < 500; ++i) title += "\xe5\x8d\x94";  // 协
         c.mutable_milestone()->mutable_agreement_proposed()->set_title(title);
       },
       "accepted"},
      {"a long name of the fourth party",
       [](Command& c) {
         auto* p = c.mutable_milestone()->mutable_agreement_proposed();
         while (p->parties_size() < 4) p->add_parties()->set_name("Party");
         p->mutable_parties(3)->set_name(std::string(612, 'n'));
       },
       "milestone.agreement_proposed.parties[3].name is 612 characters, over the limit of 500"},
      {"1,001 parties",
       [](Command& c) {
         auto* p = c.mutable_milestone()->mutable_agreement_proposed();
         while (p->parties_size() < 1001) *p->add_parties() = accord::testing::MakeParty("x", "X");
       },
       "milestone.agreement_proposed.parties has 1001 elements, over the limit of 1000"},
      {"1,000 parties",
       [](Command& c) {
         auto* p = c.mutable_milestone()->mutable_agreement_proposed();
         while (p->parties_size() < 1000) *p->add_parties() = accord::testing::MakeParty("x", "X");
       },
       "accepted"},
      {"an agreement id of 129 characters",
       [](Command& c) { c.set_agreement_id(std::string(129, 'a')); },
       "agreement_id is 129 characters, over the limit of 128"},
      {"a correlation id of 129 characters",
       [](Command& c) { c.set_correlation_id(std::string(129, 'a')); },
       "correlation_id is 129 characters, over the limit of 128"},
      {"the source's words for a date",
       [](Command& c) { c.mutable_effective()->set_as_stated(std::string(501, 'w')); },
       "effective.as_stated is 501 characters, over the limit of 500"},
      {"a summary of 10,001 characters",
       [](Command& c) {
         c.mutable_milestone()->mutable_agreement_proposed()->set_summary(std::string(10001, 's'));
       },
       "milestone.agreement_proposed.summary is 10001 characters, over the limit of 10000"},
      {"a commitment's description",
       [](Command& c) {
         auto* t = c.mutable_milestone()->mutable_terms_agreed();
         t->add_commitments();
         t->add_commitments()->set_description(std::string(10001, 'd'));
       },
       "milestone.terms_agreed.commitments[1].description is 10001 characters, over the limit of "
       "10000"},
      {"a responsible party's id",
       [](Command& c) {
         c.mutable_milestone()
             ->mutable_terms_agreed()
             ->add_commitments()
             ->add_responsible_party_ids(std::string(129, 'p'));
       },
       "milestone.terms_agreed.commitments[0].responsible_party_ids[0] is 129 characters, over the "
       "limit of 128"},
      {"1,001 attendees of a meeting",
       [](Command& c) {
         auto* f = c.mutable_milestone()->mutable_follow_up_meeting_held();
         for (int i = 0; i < 1001; ++i) f->add_attendees()->set_name("A");
       },
       "milestone.follow_up_meeting_held.attendees has 1001 elements, over the limit of 1000"},
      {"a commitment id progressed",
       [](Command& c) {
         c.mutable_milestone()->mutable_follow_up_meeting_held()->add_commitments_progressed(
             std::string(129, 'c'));
       },
       "milestone.follow_up_meeting_held.commitments_progressed[0] is 129 characters, over the "
       "limit of 128"},
      {"101 areas of cooperation",
       [](Command& c) {
         auto* p = c.mutable_milestone()->mutable_agreement_proposed();
         for (int i = 0; i < 101; ++i) p->add_areas_of_cooperation("area");
       },
       "milestone.agreement_proposed.areas_of_cooperation has 101 elements, over the limit of 100"},
      {"a correction's replacement, one level down",
       [](Command& c) {
         auto* corrected = c.mutable_milestone()->mutable_event_corrected();
         corrected->mutable_replacement()->mutable_visit_held()->mutable_place()->set_city(
             std::string(501, 'c'));
       },
       "milestone.event_corrected.replacement.visit_held.place.city is 501 characters, over the "
       "limit of 500"},
      {"corrections nested nine deep",
       [](Command& c) {
         accord::v1::DomainEvent* event = c.mutable_milestone();
         for (int i = 0; i < 5; ++i)
           event = event->mutable_event_corrected()->mutable_replacement();
         event->mutable_note_added()->set_text("deep");
       },
       "milestone.event_corrected.replacement.event_corrected.replacement.event_corrected."
       "replacement.event_corrected.replacement nests messages deeper than the limit of 8"},
      {"a command of more than 1 MiB in fields within their limits",
       [](Command& c) {
         auto* p = c.mutable_milestone()->mutable_agreement_proposed();
         for (int i = 0; i < 200; ++i) p->add_parties()->set_description(std::string(9000, 'd'));
       },
       "the command is 1801275 bytes encoded, over the limit of 1048576"},
  };
  for (const Case& c : cases) {
    Command command = CommandBuilder().Propose();
    command.mutable_milestone()->Clear();
    c.mutate(command);
    EXPECT_EQ(Refusal(command), c.refusal) << c.what;
  }
}

// A field, reached from the Command through a chain of fields; repeated
// ones at their first element.
using Chain = std::vector<const FieldDescriptor*>;

std::string PathOf(const Chain& chain) {
  std::string path;
  for (const FieldDescriptor* f : chain) {
    if (!path.empty()) path += '.';
    path += f->name();
    if (f->is_repeated() && f != chain.back()) path += "[0]";
  }
  return path;
}

// Every string and repeated field under `type`, up to `depth` messages down.
void CollectChains(const Descriptor* type, Chain prefix, int depth, std::vector<Chain>* out) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    Chain chain = prefix;
    chain.push_back(field);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING || field->is_repeated()) {
      out->push_back(chain);
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth > 0) {
      CollectChains(field->message_type(), chain, depth - 1, out);
    }
  }
}

// The message holding the chain's last field, created along the way.
Message* Reach(Command* command, const Chain& chain) {
  Message* at = command;
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    const auto* reflection = at->GetReflection();
    at = chain[i]->is_repeated() ? reflection->AddMessage(at, chain[i])
                                 : reflection->MutableMessage(at, chain[i]);
  }
  return at;
}

// Generic over the schema: a field added to any milestone is covered here
// without an edit, and must be limited.
TEST(CommandLimits, EveryStringAndListOfEveryMilestoneKindIsLimited) {
  std::vector<Chain> chains;
  CollectChains(Command::descriptor(), {}, 3, &chains);
  int strings = 0;
  int lists = 0;
  for (const Chain& chain : chains) {
    const FieldDescriptor* leaf = chain.back();
    FieldLimit limit = LimitOf(*leaf);
    std::string path = PathOf(chain);
    Command command;
    Message* holder = Reach(&command, chain);
    const auto* reflection = holder->GetReflection();
    if (leaf->is_repeated()) {
      for (size_t i = 0; i <= limit.max_count; ++i) {
        if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          reflection->AddMessage(holder, leaf);
        } else if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          reflection->AddString(holder, leaf, "x");
        } else if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
          reflection->AddEnumValue(holder, leaf, 0);
        } else {
          FAIL() << path << ": a repeated field of a kind this test does not fill";
        }
      }
      EXPECT_EQ(Refusal(command), fmt::format("{} has {} elements, over the limit of {}", path,
                                              limit.max_count + 1, limit.max_count));
      ++lists;
    } else {
      bool is_bytes = leaf->type() == FieldDescriptor::TYPE_BYTES;
      reflection->SetString(holder, leaf, std::string(limit.max_length, 'x'));
      EXPECT_EQ(Refusal(command), "accepted") << path << " at its limit";
      reflection->SetString(holder, leaf, std::string(limit.max_length + 1, 'x'));
      EXPECT_EQ(Refusal(command),
                fmt::format("{} is {} {}, over the limit of {}", path, limit.max_length + 1,
                            is_bytes ? "bytes" : "characters", limit.max_length));
      ++strings;
    }
  }
  // Every milestone kind's own fields were among them.
  for (int k = 0; k < accord::v1::DomainEvent::descriptor()->field_count(); ++k) {
    const FieldDescriptor* kind = accord::v1::DomainEvent::descriptor()->field(k);
    bool covered = false;
    for (const Chain& chain : chains) {
      covered |= chain.size() >= 3 && chain[1] == kind;
    }
    EXPECT_TRUE(covered || kind->message_type()->field_count() == 0) << kind->name();
  }
  EXPECT_GT(strings, 60);
  EXPECT_GT(lists, 10);
}

TEST(CommandLimits, OrdinaryCommandsAreWithinTheLimits) {
  CommandBuilder b;
  for (const Command& c : {b.Propose(), b.Visit(), b.Terms(), b.Sign("cospar"), b.FollowUp(),
                           b.Schedule("signing", accord::testing::Month(2025, 1)), b.Withdraw(),
                           b.Terminate(), b.Note("a note")}) {
    EXPECT_EQ(Refusal(c), "accepted") << c.DebugString();
  }
}

TEST(CommandLimits, CharactersAreCodePoints) {
  EXPECT_EQ(CountCharacters(""), 0u);
  EXPECT_EQ(CountCharacters("abc"), 3u);
  EXPECT_EQ(CountCharacters("\xe5\x8d\x94\xe8\xae\xae"), 2u);  // 协议
  EXPECT_EQ(CountCharacters("\xf0\x9f\x93\x9c"), 1u);          // one four-byte character
}

}  // namespace
}  // namespace accord::core
