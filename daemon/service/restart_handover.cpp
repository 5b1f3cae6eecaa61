// SPDX-License-Identifier: GPL-3.0-or-later
// Reads and consumes the keep-kernel-state request of a handover restart.
#include "service/restart_handover.h"

#include <cstdlib>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace hostgate {

std::optional<std::filesystem::path> runtimeDirectoryFromEnvironment()
{
    const char* value = std::getenv("RUNTIME_DIRECTORY");
    if (value == nullptr || *value == '\0')
        return std::nullopt;
    const std::string list(value);
    return std::filesystem::path(list.substr(0, list.find(':')));
}

bool takeKeepKernelStateRequest(const std::filesystem::path& runtimeDirectory)
{
    const auto request = runtimeDirectory / kKeepKernelStateFile;
    struct stat status {};
    if (::lstat(request.c_str(), &status) != 0)
        return false;
    // Only root can write the directory systemd made (0700, root's); checked anyway, as for rule files.
    if (!S_ISREG(status.st_mode) || status.st_uid != 0)
        return false;
    return ::unlink(request.c_str()) == 0;
}

} // namespace hostgate
