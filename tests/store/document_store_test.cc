// The document store (store/document_store.h): bytes stored once by their
// SHA-256, read back checked, a damaged file named and never served, and a
// file either wholly in place or absent.
#include "store/document_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/hash.h"
#include "tests/testing/temp_dir.h"

namespace accord::store {
namespace {

namespace fs = std::filesystem;

class DocumentStoreTest : public ::testing::Test {
 protected:
  void Open(uint64_t max_bytes = kDefaultMaxDocumentBytes) {
    documents_.reset();
    ASSERT_TRUE(DocumentStore::Open(dir_.Sub("data"), max_bytes, &documents_).ok());
  }
  std::string PathOf(const std::string& sha256) const {
    return dir_.Sub("data") + "/documents/" + sha256.substr(0, 2) + "/" + sha256.substr(2);
  }
  // Every file under DATA/documents, temporary ones included.
  std::vector<std::string> Files() const {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.Sub("data") + "/documents")) {
      if (entry.is_regular_file()) files.push_back(entry.path().filename().string());
    }
    return files;
  }

  testing::TempDir dir_;
  std::unique_ptr<DocumentStore> documents_;
};

TEST_F(DocumentStoreTest, PutReturnsTheDigestAndGetTheSameBytes) {
  Open();
  const std::string bytes("%PDF-1.7 the memorandum\0with a NUL", 35);
  std::string sha256;
  ASSERT_TRUE(documents_->Put(bytes, &sha256).ok());
  EXPECT_EQ(sha256, core::HexEncode(core::Sha256(bytes)));
  EXPECT_TRUE(fs::exists(PathOf(sha256)));
  std::string back;
  ASSERT_TRUE(documents_->Get(sha256, &back).ok());
  EXPECT_EQ(back, bytes);
  uint64_t size = 0;
  EXPECT_TRUE(documents_->Has(sha256, &size));
  EXPECT_EQ(size, bytes.size());

  // And after a reopen.
  Open();
  ASSERT_TRUE(documents_->Get(sha256, &back).ok());
  EXPECT_EQ(back, bytes);
}

// An import's document comes with its digest: bytes that hash to another
// are refused, naming both, and nothing is stored.
TEST_F(DocumentStoreTest, PutAsNamedStoresOnlyBytesThatAreTheirDigests) {
  Open();
  const std::string bytes = "the convention's text";
  const std::string sha256 = core::HexEncode(core::Sha256(bytes));
  const std::string other = core::HexEncode(core::Sha256("another text"));
  core::Status refused = PutAsNamed(*documents_, bytes, other);
  EXPECT_EQ(refused.code(), core::Status::Code::kInvalidArgument);
  EXPECT_NE(refused.message().find("the bytes of document " + other + " hash to " + sha256),
            std::string::npos)
      << refused.message();
  EXPECT_TRUE(Files().empty()) << "nothing stored";

  ASSERT_TRUE(PutAsNamed(*documents_, bytes, sha256).ok());
  std::string back;
  ASSERT_TRUE(documents_->Get(sha256, &back).ok());
  EXPECT_EQ(back, bytes);
}

TEST_F(DocumentStoreTest, TheSameBytesAreStoredOnce) {
  Open();
  std::string first, second;
  ASSERT_TRUE(documents_->Put("minutes of the meeting", &first).ok());
  struct stat before {};
  ASSERT_EQ(::stat(PathOf(first).c_str(), &before), 0);
  ASSERT_TRUE(documents_->Put("minutes of the meeting", &second).ok());
  EXPECT_EQ(first, second);
  struct stat after {};
  ASSERT_EQ(::stat(PathOf(first).c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the file was written again";
  EXPECT_EQ(Files().size(), 1u);
  std::vector<std::string> listed;
  ASSERT_TRUE(documents_->List(&listed).ok());
  EXPECT_EQ(listed, std::vector<std::string>{first});
}

TEST_F(DocumentStoreTest, RefusesNoBytesAndMoreThanTheLimit) {
  Open(/*max_bytes=*/10);
  std::string sha256;
  EXPECT_EQ(documents_->Put("", &sha256).code(), core::Status::Code::kInvalidArgument);
  core::Status over = documents_->Put("eleven byte", &sha256);
  EXPECT_EQ(over.code(), core::Status::Code::kInvalidArgument);
  EXPECT_NE(over.message().find("over the limit of 10"), std::string::npos) << over.ToString();
  EXPECT_TRUE(Files().empty());
  EXPECT_TRUE(documents_->Put("ten bytes!", &sha256).ok());
}

TEST_F(DocumentStoreTest, UnknownAndMalformedDigests) {
  Open();
  std::string bytes;
  EXPECT_TRUE(documents_->Get(std::string(64, 'a'), &bytes).IsNotFound());
  EXPECT_EQ(documents_->Get("../../etc/passwd", &bytes).code(),
            core::Status::Code::kInvalidArgument);
  EXPECT_EQ(documents_->Get(std::string(64, 'A'), &bytes).code(),
            core::Status::Code::kInvalidArgument);
  EXPECT_FALSE(documents_->Has(std::string(64, 'a')));
}

TEST_F(DocumentStoreTest, ADamagedFileIsCorruptionNamingItAndNeverServed) {
  Open();
  std::string sha256;
  ASSERT_TRUE(documents_->Put("the signed text of the memorandum", &sha256).ok());
  {
    std::fstream file(PathOf(sha256), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4);
    file.put('X');  // one byte flipped
  }
  std::string bytes = "left over";
  core::Status s = documents_->Get(sha256, &bytes);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(PathOf(sha256)), std::string::npos) << s.ToString();
  EXPECT_TRUE(bytes.empty());

  // Storing the right bytes again repairs it.
  ASSERT_TRUE(documents_->Put("the signed text of the memorandum", &sha256).ok());
  EXPECT_TRUE(documents_->Get(sha256, &bytes).ok());
}

TEST_F(DocumentStoreTest, ATemporaryFileLeftByACrashIsNeverADocument) {
  // A crash between write and rename leaves only a temporary file: the
  // document is absent, not half there, and storing it again succeeds.
  Open();
  const std::string bytes = "photograph of the signature page";
  const std::string sha256 = core::HexEncode(core::Sha256(bytes));
  fs::create_directories(fs::path(PathOf(sha256)).parent_path());
  {
    std::ofstream torn(fs::path(PathOf(sha256)).parent_path() /
                       ("." + sha256.substr(2) + ".tmp-1-0"));
    torn << bytes.substr(0, 10);
  }
  EXPECT_FALSE(documents_->Has(sha256));
  std::string read;
  EXPECT_TRUE(documents_->Get(sha256, &read).IsNotFound());
  std::vector<std::string> listed;
  ASSERT_TRUE(documents_->List(&listed).ok());
  EXPECT_TRUE(listed.empty());

  std::string stored;
  ASSERT_TRUE(documents_->Put(bytes, &stored).ok());
  ASSERT_TRUE(documents_->Get(sha256, &read).ok());
  EXPECT_EQ(read, bytes);
}

TEST_F(DocumentStoreTest, PutLeavesNoTemporaryFileBehind) {
  Open();
  std::string sha256;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(documents_->Put("document " + std::to_string(i), &sha256).ok());
  }
  for (const std::string& name : Files()) EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
  EXPECT_EQ(Files().size(), 5u);
}

TEST_F(DocumentStoreTest, APutTheDiskRefusesLeavesNothingWhereGetLooks) {
  Open();
  const std::string bytes = "minutes";
  const std::string sha256 = core::HexEncode(core::Sha256(bytes));
  // Where the document's directory should be stands a file: the temporary
  // file cannot be made (even by root), and nothing appears.
  { std::ofstream in_the_way(fs::path(PathOf(sha256)).parent_path()); }
  std::string stored;
  core::Status s = documents_->Put(bytes, &stored);
  EXPECT_EQ(s.code(), core::Status::Code::kIOError) << s.ToString();
  EXPECT_FALSE(documents_->Has(sha256));
  std::string read;
  EXPECT_FALSE(documents_->Get(sha256, &read).ok());
}

TEST_F(DocumentStoreTest, CopyToMakesADataFolderThatServesTheSameDocuments) {
  Open();
  std::string a, b;
  ASSERT_TRUE(documents_->Put("the memorandum", &a).ok());
  ASSERT_TRUE(documents_->Put("the minutes", &b).ok());
  ASSERT_TRUE(documents_->CopyTo(dir_.Sub("backup")).ok());
  std::unique_ptr<DocumentStore> copy;
  ASSERT_TRUE(DocumentStore::Open(dir_.Sub("backup"), kDefaultMaxDocumentBytes, &copy).ok());
  std::string bytes;
  ASSERT_TRUE(copy->Get(a, &bytes).ok());
  EXPECT_EQ(bytes, "the memorandum");
  ASSERT_TRUE(copy->Get(b, &bytes).ok());
  EXPECT_EQ(bytes, "the minutes");
}

}  // namespace
}  // namespace accord::store
