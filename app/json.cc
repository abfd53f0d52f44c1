#include "app/json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <map>
#include <memory>
#include <shared_mutex>

namespace accord::app {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// The generated pool's types, each resolved once. Entries are never
// removed, so one found may be copied after the lock is let go.
class CachingTypeResolver final : public google::protobuf::util::TypeResolver {
 public:
  CachingTypeResolver()
      : resolver_(google::protobuf::util::NewTypeResolverForDescriptorPool(
            kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool())) {}

  google::protobuf::util::Status ResolveMessageType(const std::string& url,
                                                    google::protobuf::Type* type) override {
    return Resolve(url, type, types_, [this](const std::string& u, google::protobuf::Type* t) {
      return resolver_->ResolveMessageType(u, t);
    });
  }

  google::protobuf::util::Status ResolveEnumType(const std::string& url,
                                                 google::protobuf::Enum* type) override {
    return Resolve(url, type, enums_, [this](const std::string& u, google::protobuf::Enum* t) {
      return resolver_->ResolveEnumType(u, t);
    });
  }

 private:
  template <typename T, typename Build>
  google::protobuf::util::Status Resolve(const std::string& url, T* out,
                                         std::map<std::string, T, std::less<>>& cache,
                                         const Build& build) {
    const T* found = nullptr;
    {
      std::shared_lock lock(mutex_);
      if (auto it = cache.find(url); it != cache.end()) found = &it->second;
    }
    if (found == nullptr) {
      T built;
      google::protobuf::util::Status s = build(url, &built);
      if (!s.ok()) return s;
      std::unique_lock lock(mutex_);
      found = &cache.try_emplace(url, std::move(built)).first->second;
    }
    *out = *found;
    return google::protobuf::util::Status();
  }

  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_;
  std::shared_mutex mutex_;
  std::map<std::string, google::protobuf::Type, std::less<>> types_;
  std::map<std::string, google::protobuf::Enum, std::less<>> enums_;
};

CachingTypeResolver& Resolver() {
  static auto* resolver = new CachingTypeResolver;
  return *resolver;
}

}  // namespace

bool PrintJson(const google::protobuf::Message& message, std::string* out) {
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  out->clear();
  const std::string url = std::string(kTypeUrlPrefix) + "/" + message.GetDescriptor()->full_name();
  return google::protobuf::util::BinaryToJsonString(&Resolver(), url, message.SerializeAsString(),
                                                    out, print)
      .ok();
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  if (!PrintJson(message, &json)) json.clear();
  return json;
}

}  // namespace accord::app
