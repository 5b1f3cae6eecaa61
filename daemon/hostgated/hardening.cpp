// SPDX-License-Identifier: GPL-3.0-or-later
// Capability drop (libcap), NoNewPrivs (prctl) and the seccomp allow-list (libseccomp).
#include "hostgated/hardening.h"

#include "hostgated/seccomp_allowlist.h"
#include "util/errno_error.h"

#include <fmt/format.h>

#include <seccomp.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace hostgate {

namespace {

constexpr cap_value_t keptCapabilities[] = {CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE};

std::string capabilityName(cap_value_t capability)
{
    std::unique_ptr<char, decltype(&cap_free)> name(cap_to_name(capability), &cap_free);
    return name ? name.get() : fmt::format("cap_{}", capability);
}

Result<void> dropCapabilities(HardeningReport& report)
{
    std::unique_ptr<_cap_struct, decltype(&cap_free)> current(cap_get_proc(), &cap_free);
    if (!current)
        return errnoError("read the capabilities", errno);

    std::vector<cap_value_t> kept;
    for (const cap_value_t capability : keptCapabilities) {
        cap_flag_value_t permitted = CAP_CLEAR;
        if (cap_get_flag(current.get(), capability, CAP_PERMITTED, &permitted) == 0 && permitted == CAP_SET)
            kept.push_back(capability);
    }

    // The bounding set first: shrinking it needs CAP_SETPCAP, which the next step drops.
    cap_flag_value_t setpcap = CAP_CLEAR;
    cap_get_flag(current.get(), CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
    if (setpcap == CAP_SET) {
        for (cap_value_t capability = 0; capability <= CAP_LAST_CAP; ++capability) {
            if (std::find(kept.begin(), kept.end(), capability) != kept.end() || CAP_IS_SUPPORTED(capability) == 0)
                continue;
            if (cap_drop_bound(capability) != 0)
                return errnoError("drop " + capabilityName(capability) + " from the bounding set", errno);
        }
        report.boundingSetReduced = true;
    }
    if (cap_reset_ambient() != 0 && errno != EINVAL)
        return errnoError("clear the ambient capabilities", errno);

    std::unique_ptr<_cap_struct, decltype(&cap_free)> wanted(cap_init(), &cap_free);
    if (!wanted)
        return errnoError("allocate a capability set", errno);
    if (!kept.empty() &&
        (cap_set_flag(wanted.get(), CAP_PERMITTED, static_cast<int>(kept.size()), kept.data(), CAP_SET) != 0 ||
         cap_set_flag(wanted.get(), CAP_EFFECTIVE, static_cast<int>(kept.size()), kept.data(), CAP_SET) != 0))
        return errnoError("build the kept capability set", errno);
    if (cap_set_proc(wanted.get()) != 0)
        return errnoError("drop capabilities", errno);
    for (const cap_value_t capability : kept)
        report.keptCapabilities.push_back(capabilityName(capability));
    return Ok{};
}

Result<void> installSeccompFilter(const HardeningOptions& options, HardeningReport& report)
{
    const std::uint32_t defaultAction = options.seccompLogOnly ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
    std::unique_ptr<void, decltype(&seccomp_release)> filter(seccomp_init(defaultAction), &seccomp_release);
    if (!filter)
        return Error{"Failed to create the seccomp filter"};
    // Every thread (libraries may have started some), and NoNewPrivs (set before, asked again here).
    if (int error = seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_TSYNC, 1); error != 0)
        return errnoError("ask for a filter on every thread", -error);
    if (int error = seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_NNP, 1); error != 0)
        return errnoError("ask for NoNewPrivs", -error);

    for (const std::string_view name : seccompAllowedSyscalls) {
        const std::string text(name);
        const int number = seccomp_syscall_resolve_name(text.c_str());
        if (number == __NR_SCMP_ERROR) {
            report.unknownSyscalls.push_back(text);
            continue;
        }
        if (int error = seccomp_rule_add(filter.get(), SCMP_ACT_ALLOW, number, 0); error != 0)
            return errnoError("allow syscall " + text, -error);
        ++report.allowedSyscalls;
    }
    if (int error = seccomp_load(filter.get()); error != 0)
        return errnoError("install the seccomp filter", -error);
    return Ok{};
}

} // namespace

std::vector<std::string> keptCapabilityNames()
{
    std::vector<std::string> names;
    for (const cap_value_t capability : keptCapabilities)
        names.push_back(capabilityName(capability));
    return names;
}

Result<HardeningReport> hardenProcess(const HardeningOptions& options)
{
    HardeningReport report;
    if (auto dropped = dropCapabilities(report); !dropped)
        return dropped.error();
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return errnoError("set NoNewPrivs", errno);
    if (auto installed = installSeccompFilter(options, report); !installed)
        return installed.error();
    return report;
}

} // namespace hostgate
