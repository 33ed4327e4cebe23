// Helpers for unit tests: a temporary directory removed at scope exit.
#pragma once
#include <cstdlib>
#include <string>

#include "conman/fs.hpp"

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/conman-unit-XXXXXX";
        char* p = ::mkdtemp(tmpl);
        path = p ? p : "/tmp";
    }
    ~TempDir() {
        try {
            conman::remove_all(path);
        } catch (...) {
        }
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};
