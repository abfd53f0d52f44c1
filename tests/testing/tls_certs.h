// A throwaway certificate authority and a server certificate it signs, made
// with OpenSSL inside a test and written as PEM files.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <string>

namespace accord::testing {

struct TlsFiles {
  std::string ca_certificate;
  std::string server_certificate;
  std::string server_key;
};

namespace tls_internal {

inline void AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

inline X509* MakeCertificate(EVP_PKEY* key, const char* common_name, X509* issuer,
                             EVP_PKEY* issuer_key, long serial, bool is_ca) {
  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial);
  X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 86400);
  X509_set_pubkey(certificate, key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(certificate, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer != nullptr ? issuer : certificate;
  if (is_ca) {
    AddExtension(certificate, signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(certificate, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(certificate, signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(certificate, signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    AddExtension(certificate, signer, NID_ext_key_usage, "serverAuth");
  }
  X509_sign(certificate, issuer_key, EVP_sha256());
  return certificate;
}

inline void WriteCertificate(const std::string& path, X509* certificate) {
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, certificate);
  std::fclose(f);
}

}  // namespace tls_internal

// A CA named `ca_name`, and a certificate for 127.0.0.1 and localhost that
// it signs, in `dir`.
inline TlsFiles MakeTlsFiles(const std::string& dir,
                             const std::string& ca_name = "accord test CA") {
  using namespace tls_internal;  // NOLINT(google-build-using-namespace)
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* server_key = EVP_EC_gen("P-256");
  X509* ca = MakeCertificate(ca_key, ca_name.c_str(), nullptr, ca_key, 1, true);
  X509* server = MakeCertificate(server_key, "accordd", ca, ca_key, 2, false);
  TlsFiles files{dir + "/" + ca_name.substr(0, 2) + "-ca.pem", dir + "/server.pem",
                 dir + "/server.key"};
  WriteCertificate(files.ca_certificate, ca);
  WriteCertificate(files.server_certificate, server);
  FILE* f = std::fopen(files.server_key.c_str(), "w");
  PEM_write_PrivateKey(f, server_key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(ca);
  X509_free(server);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(server_key);
  return files;
}

}  // namespace accord::testing
