// Typed field access for the image JSON documents (manifest.cpp,
// image_config.cpp). Every failure is an Error(Usage) "<doc>: <path> <reason>".
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "conman/error.hpp"

namespace conman::image_json {

using nlohmann::json;

struct Doc {
    std::string_view name;  // "manifest", "image config"

    template <typename... Args>
    [[noreturn]] void bad(fmt::format_string<Args...> f, Args&&... args) const {
        fail(ErrorKind::Usage, "{}: {}", name, fmt::format(f, std::forward<Args>(args)...));
    }

    json parse(std::string_view body) const {
        json j;
        try {
            j = json::parse(body);
        } catch (const json::exception& e) {
            std::string_view w = e.what();
            if (size_t close = w.find("] "); !w.empty() && w[0] == '[' && close != std::string_view::npos)
                w.remove_prefix(close + 2);
            bad("invalid JSON: {}", w);
        }
        if (!j.is_object()) bad("top level must be a JSON object");
        return j;
    }

    // nullptr when the key is absent or null.
    static const json* field(const json& obj, const char* key) {
        auto it = obj.find(key);
        return it == obj.end() || it->is_null() ? nullptr : &*it;
    }

    static std::string join(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }

    std::string str(const json& obj, const char* key, const std::string& path, bool required = false) const {
        const json* v = field(obj, key);
        if (!v) {
            if (required) bad("{} is missing", join(path, key));
            return "";
        }
        if (!v->is_string()) bad("{} must be a string", join(path, key));
        return v->get<std::string>();
    }

    bool boolean(const json& obj, const char* key, const std::string& path) const {
        const json* v = field(obj, key);
        if (!v) return false;
        if (!v->is_boolean()) bad("{} must be a boolean", join(path, key));
        return v->get<bool>();
    }

    std::vector<std::string> strings(const json& obj, const char* key, const std::string& path) const {
        std::vector<std::string> out;
        const json* v = field(obj, key);
        if (!v) return out;
        if (!v->is_array()) bad("{} must be an array of strings", join(path, key));
        for (const auto& e : *v) {
            if (!e.is_string()) bad("{} must be an array of strings", join(path, key));
            out.push_back(e.get<std::string>());
        }
        return out;
    }

    std::map<std::string, std::string> string_map(const json& obj, const char* key, const std::string& path) const {
        std::map<std::string, std::string> out;
        const json* v = field(obj, key);
        if (!v) return out;
        if (!v->is_object()) bad("{} must be an object of strings", join(path, key));
        for (auto it = v->begin(); it != v->end(); ++it) {
            if (!it->is_string()) bad("{} must be an object of strings", join(path, key));
            out[it.key()] = it->get<std::string>();
        }
        return out;
    }

    // The keys of an object ({"80/tcp": {}}), sorted.
    std::vector<std::string> keys(const json& obj, const char* key, const std::string& path) const {
        std::vector<std::string> out;
        const json* v = field(obj, key);
        if (!v) return out;
        if (!v->is_object()) bad("{} must be an object", join(path, key));
        for (auto it = v->begin(); it != v->end(); ++it) out.push_back(it.key());
        return out;
    }

    const json* object(const json& obj, const char* key, const std::string& path, bool required = false) const {
        const json* v = field(obj, key);
        if (!v) {
            if (required) bad("{} is missing", join(path, key));
            return nullptr;
        }
        if (!v->is_object()) bad("{} must be an object", join(path, key));
        return v;
    }

    const json* array(const json& obj, const char* key, const std::string& path, bool required = false) const {
        const json* v = field(obj, key);
        if (!v) {
            if (required) bad("{} is missing", join(path, key));
            return nullptr;
        }
        if (!v->is_array()) bad("{} must be an array", join(path, key));
        return v;
    }
};

}  // namespace conman::image_json
