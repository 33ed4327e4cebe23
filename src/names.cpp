#include "conman/names.hpp"

#include <array>
#include <cerrno>
#include <sys/random.h>

#include "conman/error.hpp"

namespace conman {

namespace {

void random_bytes(void* buf, size_t n) {
    auto* p = static_cast<unsigned char*>(buf);
    while (n > 0) {
        ssize_t r = ::getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw_sys(errno, "getrandom");
        }
        p += r;
        n -= static_cast<size_t>(r);
    }
}

// Our own word lists: moods and traits, then animals and trees.
constexpr std::array kAdjectives = {
    "agile",   "amber",   "ancient", "bold",    "brave",   "breezy",  "bright",  "calm",    "clever",  "cosmic",
    "crisp",   "curious", "daring",  "dapper",  "eager",   "earnest", "elated",  "fancy",   "fervent", "festive",
    "fluffy",  "gallant", "gentle",  "gifted",  "glad",    "golden",  "happy",   "hardy",   "hopeful", "humble",
    "jolly",   "jovial",  "keen",    "kind",    "lively",  "lucid",   "lucky",   "mellow",  "merry",   "mighty",
    "modest",  "nimble",  "noble",   "patient", "peppy",   "plucky",  "polite",  "proud",   "quick",   "quiet",
    "rapid",   "serene",  "sharp",   "shiny",   "silent",  "smooth",  "snappy",  "solid",   "spry",    "stoic",
    "sunny",   "swift",   "tender",  "tidy",    "upbeat",  "vivid",   "warm",    "wise",    "witty",   "zesty",
};
constexpr std::array kNouns = {
    "albatross", "alder",   "antelope", "aspen",    "badger",   "beaver",  "birch",    "bison",   "bobcat",
    "cedar",     "cheetah", "cobra",    "condor",   "cougar",   "coyote",  "crane",    "cypress", "dolphin",
    "eagle",     "elm",     "falcon",   "ferret",   "finch",    "fir",     "gazelle",  "gecko",   "heron",
    "hickory",   "ibex",    "jackal",   "jaguar",   "juniper",  "kestrel", "koala",    "larch",   "lemur",
    "linden",    "lynx",    "magpie",   "maple",    "marmot",   "marten",  "mink",     "narwhal", "ocelot",
    "oak",       "orca",    "osprey",   "otter",    "panther",  "pelican", "pine",     "plover",  "puffin",
    "quail",     "raven",   "redwood",  "robin",    "salmon",   "sequoia", "spruce",   "stork",   "swallow",
    "tapir",     "tern",    "walnut",   "walrus",   "willow",   "wombat",  "wren",     "yak",     "zebra",
};

}  // namespace

std::string new_container_id() {
    unsigned char b[32];
    random_bytes(b, sizeof b);
    std::string out;
    out.reserve(64);
    for (unsigned char c : b) out += fmt::format("{:02x}", c);
    return out;
}

std::string random_name() {
    uint32_t r[2];
    random_bytes(r, sizeof r);
    return fmt::format("{}_{}", kAdjectives[r[0] % kAdjectives.size()], kNouns[r[1] % kNouns.size()]);
}

bool valid_name(std::string_view n) {
    if (n.empty() || n.size() > 253) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    if (!alnum(n[0])) return false;
    for (char c : n) {
        if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
    }
    return true;
}

bool looks_like_id_prefix(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string short_id(std::string_view id) { return std::string(id.substr(0, 12)); }

}  // namespace conman
