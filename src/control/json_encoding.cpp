#include "control/json_encoding.h"

#include <array>
#include <string_view>

namespace vireo::control {

namespace {

using virtio::balloon::kPageSize;
using virtio::balloon::StatTag;

struct StatName {
    StatTag tag;
    std::string_view name;
};

// The guest's statistics (virtio 1.2 5.5.6.4). Linux reports swap traffic and memory sizes
// in bytes and faults as counts; the names say which.
constexpr std::array<StatName, virtio::balloon::kStatTagCount> kStatNames{{
    {StatTag::SwapIn, "swap-in-bytes"},
    {StatTag::SwapOut, "swap-out-bytes"},
    {StatTag::MajorFaults, "major-faults"},
    {StatTag::MinorFaults, "minor-faults"},
    {StatTag::FreeMemory, "free-bytes"},
    {StatTag::TotalMemory, "total-bytes"},
    {StatTag::AvailableMemory, "available-bytes"},
    {StatTag::DiskCaches, "disk-caches-bytes"},
    {StatTag::HugetlbAllocations, "hugetlb-allocations"},
    {StatTag::HugetlbFailures, "hugetlb-failures"},
}};

Json encode_stats(virtio::balloon::BalloonStats const& stats) {
    Json out = Json::object();
    for (auto const& stat : kStatNames) {
        if (auto const value = stats.get(stat.tag))
            out[std::string(stat.name)] = *value;
    }
    return out;
}

} // namespace

Json encode_status(VmStatus const& status) {
    return {
        {"state", status.state},
        {"vcpus", status.vcpus},
        {"memory-bytes", status.memory_bytes},
        {"accel", status.accel},
        {"uptime-ms", status.uptime.count()},
        {"balloon", status.balloon},
    };
}

Json encode_balloon(virtio::BalloonStatus const& status) {
    Json out = {
        {"driver-ready", status.driver_active},
        {"target-bytes", uint64_t{status.target_pages} * kPageSize},
        {"actual-bytes", uint64_t{status.actual_pages} * kPageSize},
        {"inflated-bytes", status.inflated_pages * kPageSize},
        {"reported-bytes", status.reported_bytes},
        {"stats-updates", status.stats_updates},
        {"stats", encode_stats(status.stats)},
        {"stats-age-ms", nullptr},
    };
    if (status.stats_age)
        out["stats-age-ms"] =
            std::chrono::duration_cast<std::chrono::milliseconds>(*status.stats_age).count();
    return out;
}

} // namespace vireo::control
