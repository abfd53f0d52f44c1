// Signed checkpoints. The known answers are the C2SP signed-note example of
// golang.org/x/mod/sumdb/note (Ed25519 is deterministic, so our signature
// must be byte for byte the Go implementation's).
#include "core/checkpoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accord::core {
namespace {

constexpr char kSkey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kVkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kSignedNote[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(SignedNote, SignsAsTheReferenceImplementationDoes) {
  auto signer = NoteSigner::FromPrivateKey(kSkey);
  ASSERT_TRUE(signer.ok()) << signer.error();
  EXPECT_EQ(signer->VerifierKey(), kVkey);
  EXPECT_EQ(signer->PrivateKey(), kSkey);
  EXPECT_EQ(signer->Sign(kText), kSignedNote);
}

TEST(SignedNote, OpensTheReferenceNote) {
  auto text = OpenNote(kSignedNote, kVkey);
  ASSERT_TRUE(text.ok()) << text.error();
  EXPECT_EQ(*text, kText);
}

TEST(SignedNote, EveryAlteredByteIsRefused) {
  std::string note = kSignedNote;
  for (size_t i = 0; i < note.size(); ++i) {
    std::string forged = note;
    forged[i] = static_cast<char>(forged[i] ^ 0x01);
    auto text = OpenNote(forged, kVkey);
    EXPECT_FALSE(text.ok() && *text != kText) << "byte " << i << " changed the text unnoticed";
    // A flipped bit in the text or the signature must fail outright; only a
    // flip that leaves the text and signature intact could pass, and none does.
    EXPECT_FALSE(text.ok()) << "byte " << i;
  }
}

TEST(SignedNote, AnotherKeyOrAForgedKeyIdIsRefused) {
  auto other = NoteSigner::Generate("PeterNeumann");
  ASSERT_TRUE(other.ok());
  auto opened = OpenNote(kSignedNote, other->VerifierKey());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("not signed by"), std::string::npos) << opened.error();
  // The right key with another id: the id must be the key's own.
  EXPECT_FALSE(
      OpenNote(kSignedNote, "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
          .ok());
  EXPECT_FALSE(NoteSigner::FromPrivateKey(
                   "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
                   .ok());
  // A signature by another key under the same name and id is refused.
  std::string forged = other->Sign(kText);
  EXPECT_FALSE(OpenNote(forged, kVkey).ok());
}

TEST(Checkpoint, RoundTripsThroughASignedNote) {
  auto signer = NoteSigner::Generate("accord.example/agreements");
  ASSERT_TRUE(signer.ok()) << signer.error();
  auto again = NoteSigner::FromPrivateKey(signer->PrivateKey());
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->VerifierKey(), signer->VerifierKey());

  Checkpoint checkpoint{"accord.example/agreements", 25, std::string(32, '\x5a')};
  std::string body = CheckpointBody(checkpoint);
  EXPECT_EQ(body, "accord.example/agreements\n25\nWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=\n");
  auto opened = OpenCheckpoint(signer->Sign(body), signer->VerifierKey());
  ASSERT_TRUE(opened.ok()) << opened.error();
  EXPECT_EQ(opened->origin, checkpoint.origin);
  EXPECT_EQ(opened->size, 25u);
  EXPECT_EQ(opened->root_hash, checkpoint.root_hash);
}

TEST(Checkpoint, MalformedBodiesAreRefusedWithAReason) {
  const std::string root = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=";
  for (const std::string& body : std::vector<std::string>{
           "", "origin\n25\n" + root, "\n25\n" + root + "\n", "origin\n025\n" + root + "\n",
           "origin\n-1\n" + root + "\n", "origin\n2x\n" + root + "\n",
           std::string("origin\n25\nnot base64\n"), std::string("origin\n25\nWlpa\n"),
           std::string("origin\n25\n")}) {
    auto parsed = ParseCheckpointBody(body);
    EXPECT_FALSE(parsed.ok()) << body;
    if (!parsed.ok()) {
      EXPECT_FALSE(parsed.error().empty());
    }
  }
  auto with_extension = ParseCheckpointBody("origin\n0\n" + root + "\nextension line\n");
  ASSERT_TRUE(with_extension.ok()) << with_extension.error();
  EXPECT_EQ(with_extension->size, 0u);
}

TEST(Base64, IsStrict) {
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(*Base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("aGVsbG8").ok());
  EXPECT_FALSE(Base64Decode("aGVs bG8=").ok());
  EXPECT_FALSE(Base64Decode("aGV=bG8=").ok());
  EXPECT_FALSE(Base64Decode("aGVsbG8=\n").ok());
}

}  // namespace
}  // namespace accord::core
