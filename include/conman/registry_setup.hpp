// How conman's commands set up a RegistryClient for one registry: TLS from
// --tls-verify (overriding registries.conf's "insecure"), certificates from
// --cert-dir, credentials from --creds or the auth file. Shared by push and
// login (the image module); pull keeps its own copy in image_pull.cpp.
#pragma once
#include <optional>
#include <string>

#include "conman/credentials.hpp"
#include "conman/registries_conf.hpp"
#include "conman/registry.hpp"

namespace conman {

// name: "HOST" or "HOST/REPO", as registries.conf prefixes match it.
// Throws Error(Usage) when registries.conf blocks the registry.
RegistryOptions registry_options_for(const RegistriesConf& conf, const std::string& name,
                                     std::optional<bool> tls_verify, const std::string& cert_dir);

// creds when given, else what the auth file (authfile, or the default one)
// holds for registry/repository.
std::optional<Credentials> registry_credentials(const std::optional<Credentials>& creds, const std::string& authfile,
                                                const std::string& registry, const std::string& repository);

}  // namespace conman
