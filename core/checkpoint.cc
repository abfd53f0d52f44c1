#include "core/checkpoint.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <memory>
#include <optional>
#include <vector>

#include "core/hash.h"

namespace accord::core {
namespace {

constexpr char kSignatureDash[] = "\xE2\x80\x94 ";  // "— ", an em dash and a space
constexpr char kEd25519Type = 0x01;
constexpr size_t kKeyBytes = 32;
constexpr size_t kSignatureBytes = 64;
constexpr size_t kMaxSignatureLines = 100;

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

uint32_t KeyId(std::string_view name, std::string_view public_key) {
  std::string input(name);
  input += '\n';
  input += kEd25519Type;
  input += public_key;
  std::string digest = Sha256(input);
  uint32_t id = 0;
  for (int i = 0; i < 4; ++i) id = (id << 8) | static_cast<unsigned char>(digest[i]);
  return id;
}

bool ValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= ' ' || c == '+' || c == 0x7f) return false;
  }
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(separator, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

// name+id+key: the key's base64 may itself hold '+'.
std::vector<std::string_view> SplitKey(std::string_view text) {
  size_t first = text.find('+');
  size_t second = first == std::string_view::npos ? first : text.find('+', first + 1);
  if (second == std::string_view::npos) return {text};
  return {text.substr(0, first), text.substr(first + 1, second - first - 1),
          text.substr(second + 1)};
}

std::optional<uint32_t> ParseHexKeyId(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  if (ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  for (char c : hex) {
    if (c >= 'A' && c <= 'F') return std::nullopt;  // the format writes lower case
  }
  return value;
}

// name+hexid+base64(type || key) -> name and raw key, with the id checked
// against the key it names.
Expected<std::pair<std::string, std::string>, std::string> ParseKey(std::string_view text,
                                                                    std::string_view what) {
  std::vector<std::string_view> parts = SplitKey(text);
  if (parts.size() != 3 || !ValidKeyName(parts[0])) {
    return MakeUnexpected(fmt::format("the {} is not name+keyid+key", what));
  }
  std::optional<uint32_t> id = ParseHexKeyId(parts[1]);
  Expected<std::string, std::string> raw = Base64Decode(parts[2]);
  if (!id || !raw.ok() || raw->size() != kKeyBytes + 1 || (*raw)[0] != kEd25519Type) {
    return MakeUnexpected(fmt::format("the {} is not a well-formed Ed25519 key", what));
  }
  return std::make_pair(std::string(parts[0]), raw->substr(1));
}

PkeyPtr PrivateKeyFromSeed(std::string_view seed) {
  return PkeyPtr(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()),
                 &EVP_PKEY_free);
}

std::optional<std::string> PublicKeyOf(EVP_PKEY* key) {
  std::string public_key(kKeyBytes, '\0');
  size_t length = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(public_key.data()),
                                  &length) != 1 ||
      length != kKeyBytes) {
    return std::nullopt;
  }
  return public_key;
}

bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature) {
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()),
      &EVP_PKEY_free);
  MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                          message.size()) == 1;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(bytes),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Expected<std::string, std::string> Base64Decode(std::string_view text) {
  // EVP_DecodeBlock forgives whitespace and padding; signatures and keys
  // must have one spelling only, so check the form first.
  if (text.size() % 4 != 0) return MakeUnexpected(std::string("base64 of a wrong length"));
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (c == '=' && i + 2 >= text.size()) {
      ++padding;
    } else if (!alphabet || padding > 0) {
      return MakeUnexpected(std::string("not base64"));
    }
  }
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(text),
                          static_cast<int>(text.size()));
  if (n < 0) return MakeUnexpected(std::string("not base64"));
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string CheckpointBody(const Checkpoint& checkpoint) {
  return fmt::format("{}\n{}\n{}\n", checkpoint.origin, checkpoint.size,
                     Base64Encode(checkpoint.root_hash));
}

Expected<Checkpoint, std::string> ParseCheckpointBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return MakeUnexpected(std::string("a checkpoint ends with a newline"));
  }
  std::vector<std::string_view> lines = Split(body.substr(0, body.size() - 1), '\n');
  if (lines.size() < 3) {
    return MakeUnexpected(std::string("a checkpoint has an origin, a size and a root hash"));
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  if (checkpoint.origin.empty()) return MakeUnexpected(std::string("the origin line is empty"));
  std::string_view size = lines[1];
  auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), checkpoint.size);
  if (size.empty() || ec != std::errc() || end != size.data() + size.size() ||
      (size.size() > 1 && size[0] == '0')) {
    return MakeUnexpected(fmt::format("the size line '{}' is not a decimal number", size));
  }
  Expected<std::string, std::string> root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != 32) {
    return MakeUnexpected(std::string("the root hash line is not 32 bytes in base64"));
  }
  checkpoint.root_hash = std::move(root).value();
  return checkpoint;
}

NoteSigner::NoteSigner(std::string name, std::string seed, std::string public_key)
    : name_(std::move(name)), seed_(std::move(seed)), public_key_(std::move(public_key)) {}

Expected<NoteSigner, std::string> NoteSigner::Generate(std::string_view name) {
  if (!ValidKeyName(name)) {
    return MakeUnexpected(fmt::format("'{}' is not a key name (no spaces or '+')", name));
  }
  std::string seed(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), kKeyBytes) != 1) {
    return MakeUnexpected(std::string("the system gave no random bytes for a key"));
  }
  PkeyPtr key = PrivateKeyFromSeed(seed);
  std::optional<std::string> public_key = key ? PublicKeyOf(key.get()) : std::nullopt;
  if (!public_key) return MakeUnexpected(std::string("OpenSSL could not make an Ed25519 key"));
  return NoteSigner(std::string(name), seed, *public_key);
}

Expected<NoteSigner, std::string> NoteSigner::FromPrivateKey(std::string_view private_key) {
  constexpr std::string_view kPrefix = "PRIVATE+KEY+";
  while (!private_key.empty() && (private_key.back() == '\n' || private_key.back() == '\r')) {
    private_key.remove_suffix(1);
  }
  if (!private_key.starts_with(kPrefix)) {
    return MakeUnexpected(std::string("a private key starts with PRIVATE+KEY+"));
  }
  std::string_view rest = private_key.substr(kPrefix.size());
  auto parsed = ParseKey(rest, "private key");
  if (!parsed.ok()) return MakeUnexpected(parsed.error());
  auto& [name, seed] = *parsed;
  PkeyPtr key = PrivateKeyFromSeed(seed);
  std::optional<std::string> public_key = key ? PublicKeyOf(key.get()) : std::nullopt;
  if (!public_key) return MakeUnexpected(std::string("the private key is not an Ed25519 seed"));
  NoteSigner signer(name, seed, *public_key);
  if (ParseHexKeyId(SplitKey(rest)[1]) != KeyId(name, *public_key)) {
    return MakeUnexpected(std::string("the private key's id does not match its key"));
  }
  return signer;
}

std::string NoteSigner::PrivateKey() const {
  return fmt::format("PRIVATE+KEY+{}+{:08x}+{}", name_, KeyId(name_, public_key_),
                     Base64Encode(std::string(1, kEd25519Type) + seed_));
}

std::string NoteSigner::VerifierKey() const {
  return fmt::format("{}+{:08x}+{}", name_, KeyId(name_, public_key_),
                     Base64Encode(std::string(1, kEd25519Type) + public_key_));
}

std::string NoteSigner::Sign(std::string_view text) const {
  PkeyPtr key = PrivateKeyFromSeed(seed_);
  MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string signature(kSignatureBytes, '\0');
  size_t length = signature.size();
  // Cannot fail for a key that FromPrivateKey accepted.
  EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get());
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                 Bytes(text), text.size());
  uint32_t id = KeyId(name_, public_key_);
  std::string blob;
  for (int shift = 24; shift >= 0; shift -= 8) blob += static_cast<char>((id >> shift) & 0xff);
  blob += signature;
  return fmt::format("{}\n{}{} {}\n", text, kSignatureDash, name_, Base64Encode(blob));
}

Expected<std::string, std::string> OpenNote(std::string_view note, std::string_view verifier_key) {
  auto parsed = ParseKey(verifier_key, "verifier key");
  if (!parsed.ok()) return MakeUnexpected(parsed.error());
  const auto& [name, public_key] = *parsed;
  std::optional<uint32_t> id = ParseHexKeyId(SplitKey(verifier_key)[1]);
  if (id != KeyId(name, public_key)) {
    return MakeUnexpected(std::string("the verifier key's id does not match its key"));
  }
  if (note.empty() || note.back() != '\n') {
    return MakeUnexpected(std::string("a signed note ends with a newline"));
  }
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return MakeUnexpected(std::string("the note has no blank line before its signatures"));
  }
  std::string_view text = note.substr(0, split + 1);
  std::string_view signatures = note.substr(split + 2);
  signatures.remove_suffix(1);
  std::vector<std::string_view> lines = Split(signatures, '\n');
  if (lines.size() > kMaxSignatureLines) return MakeUnexpected(std::string("too many signatures"));
  for (std::string_view line : lines) {
    if (!line.starts_with(kSignatureDash)) {
      return MakeUnexpected(fmt::format("'{}' is not a signature line", line));
    }
    line.remove_prefix(std::string_view(kSignatureDash).size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return MakeUnexpected(std::string("a signature line has no signature"));
    }
    std::string_view signer = line.substr(0, space);
    Expected<std::string, std::string> blob = Base64Decode(line.substr(space + 1));
    if (!blob.ok() || blob->size() < 5) {
      return MakeUnexpected(std::string("a signature is not base64 of a key id and signature"));
    }
    uint32_t signer_id = 0;
    for (int i = 0; i < 4; ++i)
      signer_id = (signer_id << 8) | static_cast<unsigned char>((*blob)[i]);
    if (signer != name || signer_id != *id) continue;
    if (!VerifySignature(public_key, text, std::string_view(*blob).substr(4))) {
      return MakeUnexpected(fmt::format("the signature by '{}' does not match the note", name));
    }
    return std::string(text);
  }
  return MakeUnexpected(fmt::format("the note is not signed by the key '{}'", name));
}

Expected<Checkpoint, std::string> OpenCheckpoint(std::string_view note,
                                                 std::string_view verifier_key) {
  Expected<std::string, std::string> text = OpenNote(note, verifier_key);
  if (!text.ok()) return MakeUnexpected(text.error());
  return ParseCheckpointBody(*text);
}

}  // namespace accord::core
