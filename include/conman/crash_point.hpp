// Fault injection for the crash suite (tests/integration/220-crash.bats).
// With CONMAN_CRASH_AT=NAME in the environment, the process SIGKILLs itself
// the moment it reaches crash_point(NAME): no destructor, no rollback, no
// unlock runs, exactly as if `kill -9` had hit it there. The names are listed
// in docs/reliability.md ("create:record-saved", "rm:renamed", ...). Without
// the variable a crash point costs one pointer test.
#pragma once

namespace conman {

void crash_point(const char* name) noexcept;

}  // namespace conman
