// A VM for the control API's tests: records what it is asked and answers with what the
// test put in it.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "control/vm_control.h"

namespace vireo::control::test {

class FakeVm final : public VmControl {
public:
    static constexpr std::chrono::seconds kMaxHold{10};

    ApiResult<VmStatus> query_state() override {
        record("query-state");
        return status;
    }
    ApiResult<void> pause() override {
        record("pause");
        {
            std::unique_lock lock(mutex_);
            // A test may hold pause() here to show that other clients are served meanwhile;
            // never for long, so that a broken server fails the test instead of hanging it.
            released_.wait_for(lock, kMaxHold, [this] { return !hold_pause; });
        } // result() takes the mutex itself
        return result();
    }
    ApiResult<void> resume() override {
        record("resume");
        return result();
    }
    ApiResult<void> press_power_button() override {
        record("power-button");
        return result();
    }
    ApiResult<void> set_balloon_target(uint64_t bytes) override {
        record("balloon-set-target");
        if (auto failed = result(); !failed)
            return failed;
        std::lock_guard lock(mutex_);
        target = bytes;
        return {};
    }
    ApiResult<virtio::BalloonStatus> query_balloon(std::chrono::milliseconds wait) override {
        record("query-balloon");
        std::lock_guard lock(mutex_);
        last_wait = wait;
        if (error)
            return tl::unexpected(*error);
        return balloon;
    }

    void release_pause() {
        std::lock_guard lock(mutex_);
        hold_pause = false;
        released_.notify_all();
    }
    std::vector<std::string> calls() {
        std::lock_guard lock(mutex_);
        return calls_;
    }

    VmStatus status{"running", 2, uint64_t{512} << 20, "emu", std::chrono::milliseconds(1500),
                    true};
    virtio::BalloonStatus balloon;
    std::optional<ApiError> error; // what every command fails with, if set
    bool hold_pause = false;
    std::optional<uint64_t> target;
    std::optional<std::chrono::milliseconds> last_wait;

private:
    void record(std::string name) {
        std::lock_guard lock(mutex_);
        calls_.push_back(std::move(name));
    }
    ApiResult<void> result() {
        std::lock_guard lock(mutex_);
        if (error)
            return tl::unexpected(*error);
        return {};
    }

    std::mutex mutex_;
    std::condition_variable released_;
    std::vector<std::string> calls_;
};

} // namespace vireo::control::test
