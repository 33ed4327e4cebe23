// Fuzz target: every decoder of the shim protocol (shim_protocol.hpp): the
// sync line, exit records, requests, replies, and the shim's command line
// (the input split at NUL bytes). The first byte picks the decoder, as the
// packet type byte does on the socket. What decodes must encode to text that
// decodes to the same values.
#include "conman/shim_protocol.hpp"
#include "fuzz_common.hpp"

namespace shim = conman::shim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    uint8_t which = data[0];
    std::string_view body = fuzz::input(data + 1, size - 1);
    try {
        switch (which % 6) {
        case 0: {
            shim::SyncMessage m = shim::decode_sync(body);
            shim::SyncMessage m2 = shim::decode_sync(shim::encode_sync(m));
            FUZZ_CHECK(m2.error == m.error);
            if (m.error.empty()) FUZZ_CHECK(m2.pid == m.pid && m2.shim_pid == m.shim_pid);
            break;
        }
        case 1: {
            shim::ExitRecord r = shim::decode_exit(body);
            shim::ExitRecord r2 = shim::decode_exit(shim::encode_exit(r));
            FUZZ_CHECK(r2.exit_code == r.exit_code && r2.signal == r.signal && r2.exited_at == r.exited_at &&
                       r2.oom_killed == r.oom_killed && r2.reason == r.reason);
            break;
        }
        case 2: {
            shim::Request r = shim::decode_request(body);
            shim::Request r2 = shim::decode_request(shim::encode_request(r));
            FUZZ_CHECK(r2.op == r.op);
            break;
        }
        case 3: {
            std::string err = shim::decode_reply(body);
            FUZZ_CHECK(shim::decode_reply(shim::encode_reply(err)) == err);
            break;
        }
        case 4: {
            shim::Reply r = shim::decode_reply_full(body);
            shim::Reply r2 = shim::decode_reply_full(shim::encode_reply(r));
            FUZZ_CHECK(r2.error == r.error);
            break;
        }
        case 5: {
            std::vector<std::string> argv = fuzz::split(body, '\0');
            shim::ShimArgs a = shim::parse_argv(argv);
            std::vector<std::string> again = shim::to_argv("conman-shim", a);
            again.erase(again.begin());
            shim::ShimArgs a2 = shim::parse_argv(again);
            FUZZ_CHECK(a2.id == a.id && a2.bundle == a.bundle && a2.runtime_args == a.runtime_args &&
                       a2.exit_command == a.exit_command && a2.sync_fd == a.sync_fd);
            break;
        }
        }
    } catch (const conman::Error&) {
    }
    // Packets are a type byte and the payload.
    FUZZ_CHECK(shim::make_packet(static_cast<shim::Packet>(which), body).size() == size);
    return 0;
}
