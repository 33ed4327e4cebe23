// Asking the person at the terminal for a user name or a password (login,
// push --creds). Prompts go to standard output, answers come from standard
// input, which must be a terminal (callers check with isatty first).
#pragma once
#include <string>

namespace conman::cli {

// Writes prompt and reads one line (without its newline), echoed as typed.
// Throws Error(Usage) at end of input.
std::string prompt_line(const std::string& prompt);
// The same with echo off. SIGINT, SIGTERM, SIGHUP and SIGQUIT restore the
// terminal's settings before they take effect.
std::string prompt_secret(const std::string& prompt);

}  // namespace conman::cli
