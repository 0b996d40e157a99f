// A host tap interface (Linux's tun driver in tap mode): guest frames become frames the host
// kernel receives on IFNAME, and what the host sends there reaches the guest. Frames carry
// the virtio-net header across (IFF_VNET_HDR), so checksum and segmentation offloads pass
// through to the host kernel, which finishes them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "net/backend.h"

namespace vireo::net {

class TapBackend final : public Backend {
public:
    // Attaches to IFNAME, creating it if it does not exist (that takes CAP_NET_ADMIN).
    // Errors are one line naming the interface.
    static Result<std::unique_ptr<TapBackend>> create(std::string const& interface);

    [[nodiscard]] std::string_view name() const override { return "tap"; }
    // The tun driver takes partial checksums and TCP super-packets from us and finishes or
    // segments them itself when the host needs it (Documentation/networking/tuntap.rst).
    [[nodiscard]] HostOffloads host_offloads() const override { return {true, true, true, true}; }
    void set_guest_offloads(GuestOffloads offloads) override;

    void prepare(PollSet& set, int& timeout_ms) override;
    void dispatch(PollSet const& set) override;
    void send(NetHeader const& header, std::span<uint8_t> frame) override;

private:
    TapBackend(UniqueFd tap, std::string interface);
    void read_frames();

    UniqueFd tap_;
    std::string interface_;
    size_t poll_index_ = 0;
    bool polled_ = false;
    std::vector<uint8_t> buffer_;
};

} // namespace vireo::net
