// SPDX-License-Identifier: GPL-3.0-or-later
// Reading and writing the mode chosen over D-Bus in the state directory.
#include "hostgated/saved_mode.h"

#include "store/atomic_file.h"
#include "store/file_trust.h"

#include <fstream>
#include <string>

namespace hostgate {

std::filesystem::path savedModePath(const std::filesystem::path& stateDir)
{
    return stateDir / "mode";
}

Result<std::optional<Mode>> loadSavedMode(const std::filesystem::path& stateDir)
{
    const auto path = savedModePath(stateDir);
    std::error_code error;
    if (!std::filesystem::exists(path, error))
        return std::optional<Mode>{};
    // Obeyed only from a root-owned file nobody else can write, in a directory nobody else can write.
    if (auto trusted = checkTrustedDirectory(stateDir); !trusted)
        return Error("Failed to read the saved mode: " + trusted.error().message);
    auto content = readTrustedFile(path, 64);
    if (!content)
        return Error("Failed to read the saved mode: " + content.error().message);
    std::string text = content->substr(0, content->find('\n'));
    const auto mode = parseMode(text);
    if (!mode)
        return Error("Failed to read the saved mode: '" + text + "' in " + path.string() +
                     " is not enforce, silent-allow, silent-deny or learning");
    return std::optional<Mode>{*mode};
}

Result<void> saveMode(const std::filesystem::path& stateDir, Mode mode)
{
    if (auto created = createPrivateDirectories(stateDir); !created)
        return created.error();
    return writeFileAtomically(savedModePath(stateDir), std::string(toString(mode)) + "\n", 0600);
}

} // namespace hostgate
