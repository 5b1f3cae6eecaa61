// Reading and writing the mode chosen over D-Bus in the state directory.
#include "hostgated/saved_mode.h"

#include "store/atomic_file.h"

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
    std::ifstream file(path);
    if (!file)
        return Error("Failed to read the saved mode: cannot open " + path.string());
    std::string text;
    std::getline(file, text);
    const auto mode = parseMode(text);
    if (!mode)
        return Error("Failed to read the saved mode: '" + text + "' in " + path.string() +
                     " is not enforce, silent-allow, silent-deny or learning");
    return std::optional<Mode>{*mode};
}

Result<void> saveMode(const std::filesystem::path& stateDir, Mode mode)
{
    std::error_code error;
    std::filesystem::create_directories(stateDir, error);
    return writeFileAtomically(savedModePath(stateDir), std::string(toString(mode)) + "\n", 0600);
}

} // namespace hostgate
