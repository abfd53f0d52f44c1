// core/hash.h: SHA-256 against FIPS 180-2's test vectors, the parts form
// against the whole, and hex both ways.
#include "core/hash.h"

#include <gtest/gtest.h>

namespace accord::core {
namespace {

TEST(Sha256, MatchesTheStandardsTestVectors) {
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("abc").size(), kSha256Bytes);
}

TEST(Sha256, PartsHashAsTheirConcatenation) {
  std::string with_nul("\x00left", 5);
  EXPECT_EQ(Sha256({std::string_view("\x00", 1), "left", "right"}), Sha256(with_nul + "right"));
  EXPECT_EQ(Sha256({}), Sha256(""));
}

TEST(Hex, EncodesLowerCaseAndDecodesBack) {
  std::string bytes("\x00\x01\xab\xff", 4);
  EXPECT_EQ(HexEncode(bytes), "0001abff");
  EXPECT_EQ(HexDecode("0001abff"), bytes);
  EXPECT_EQ(HexDecode(""), std::string());
  EXPECT_EQ(HexEncode(""), "");
}

TEST(Hex, RefusesWhatAccordDoesNotWrite) {
  EXPECT_EQ(HexDecode("abc"), std::nullopt) << "odd length";
  EXPECT_EQ(HexDecode("0G"), std::nullopt);
  EXPECT_EQ(HexDecode("AB"), std::nullopt) << "upper case";
  EXPECT_EQ(HexDecode(" a"), std::nullopt);
}

}  // namespace
}  // namespace accord::core
