// SPDX-License-Identifier: GPL-3.0-or-later
// Reading process identity from /proc, defensively: processes exit while we read them.
#include "identity/process_info.h"

#include <fmt/format.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

namespace hostgate {

namespace {

constexpr std::size_t maxCommandLine = 4096;

std::optional<std::string> readSmallFile(const std::filesystem::path& path, std::size_t limit)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::string content(limit, '\0');
    in.read(content.data(), static_cast<std::streamsize>(limit));
    content.resize(static_cast<std::size_t>(in.gcount()));
    return content;
}

std::vector<std::string> splitNul(std::string_view raw)
{
    std::vector<std::string> parts;
    while (!raw.empty()) {
        const auto end = raw.find('\0');
        parts.emplace_back(raw.substr(0, end));
        if (end == std::string_view::npos)
            break;
        raw.remove_prefix(end + 1);
    }
    return parts;
}

std::string joinForDisplay(const std::vector<std::string>& argv)
{
    std::string line;
    for (const auto& arg : argv) {
        if (!line.empty())
            line.push_back(' ');
        line += arg;
    }
    return line;
}

bool isInterpreter(std::string_view name)
{
    static constexpr std::array<std::string_view, 13> exact = {"sh",   "bash",   "dash", "zsh", "ksh", "fish", "perl",
                                                               "node", "nodejs", "ruby", "php", "lua", "tclsh"};
    for (auto candidate : exact)
        if (name == candidate)
            return true;
    // Versioned names: python3, python3.11, perl5.36, ruby3.1, lua5.4.
    for (std::string_view prefix : {"python", "perl", "ruby", "lua", "php", "pypy"})
        if (name.starts_with(prefix))
            return true;
    return false;
}

// Options that consume the following argument, so it is not mistaken for the script.
bool optionTakesValue(std::string_view interpreter, std::string_view option)
{
    if (interpreter.starts_with("python") || interpreter.starts_with("pypy"))
        return option == "-W" || option == "-X" || option == "-Q";
    if (interpreter == "node" || interpreter == "nodejs")
        return option == "-r" || option == "--require";
    return false;
}

} // namespace

bool isInterpreterExecutable(std::string_view executable)
{
    return isInterpreter(std::filesystem::path(executable).filename().string());
}

std::optional<std::string> interpreterScript(std::string_view executable, const std::vector<std::string>& argv,
                                             const std::filesystem::path& cwd)
{
    const auto name = std::filesystem::path(executable).filename().string();
    if (!isInterpreter(name) || argv.size() < 2)
        return std::nullopt;
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-c" || arg == "-e" || arg == "-E" || arg == "--eval" || arg == "-p")
            return std::nullopt; // inline code, no script file
        if (arg == "-m" && i + 1 < argv.size())
            return "-m " + argv[i + 1]; // python -m module: the module is the identity
        if (arg == "--")
            continue;
        if (arg.starts_with('-')) {
            if (optionTakesValue(name, arg))
                ++i;
            continue;
        }
        std::filesystem::path script(argv[i]);
        if (script.is_relative())
            script = cwd / script;
        return script.lexically_normal().string();
    }
    return std::nullopt;
}

std::string processCgroup(std::int32_t pid, const std::filesystem::path& procRoot)
{
    const auto text = readSmallFile(procRoot / std::to_string(pid) / "cgroup", 16384);
    if (!text)
        return {};
    // The cgroup v2 line is "0::/path"; v1 controllers' lines (hybrid hierarchies) come before or after it.
    for (std::size_t start = 0; start < text->size();) {
        const std::size_t end = std::min(text->find('\n', start), text->size());
        const std::string_view line(text->data() + start, end - start);
        if (line.starts_with("0::"))
            return std::string(line.substr(3));
        start = end + 1;
    }
    return {};
}

std::optional<std::string> sandboxAppId(std::int32_t pid, const std::filesystem::path& procRoot)
{
    const auto base = procRoot / std::to_string(pid);

    if (const auto info = readSmallFile(base / "root/.flatpak-info", 16384)) {
        std::istringstream lines(*info);
        std::string line;
        bool inApplication = false;
        while (std::getline(lines, line)) {
            if (line.starts_with('['))
                inApplication = line == "[Application]";
            else if (inApplication && line.starts_with("name="))
                return "flatpak:" + line.substr(5);
        }
    }

    if (const auto cgroup = readSmallFile(base / "cgroup", 16384)) {
        // e.g. "0::/user.slice/user-1000.slice/user@1000.service/app.slice/snap.firefox.firefox-1234.scope"
        const auto at = cgroup->find("/snap.");
        if (at != std::string::npos) {
            const auto start = at + 6;
            const auto end = cgroup->find('.', start);
            if (end != std::string::npos && end > start)
                return "snap:" + cgroup->substr(start, end - start);
        }
    }

    if (const auto environ = readSmallFile(base / "environ", 1 << 20)) {
        for (const auto& entry : splitNul(*environ))
            if (entry.starts_with("APPIMAGE=") && entry.size() > 9) {
                // Named by its file name: where the user keeps the file does not change which app it is.
                const auto name = std::filesystem::path(entry.substr(9)).filename().string();
                if (!name.empty() && name != "." && name != "..")
                    return "appimage:" + name;
            }
    }
    return std::nullopt;
}

std::optional<std::string> systemUnitOf(std::string_view cgroupPath)
{
    std::optional<std::string> unit;
    std::size_t start = 0;
    while (start < cgroupPath.size()) {
        const auto end = std::min(cgroupPath.find('/', start), cgroupPath.size());
        const auto component = cgroupPath.substr(start, end - start);
        // Below a user's service manager every name is the user's choice: it could imitate any system unit.
        if (component.starts_with("user@") && component.ends_with(".service"))
            return std::nullopt;
        if (component.ends_with(".service") || component.ends_with(".scope"))
            unit = "unit:" + std::string(component);
        start = end + 1;
    }
    return unit;
}

std::optional<std::uint64_t> processStartTime(std::int32_t pid, const std::filesystem::path& procRoot)
{
    const auto stat = readSmallFile(procRoot / std::to_string(pid) / "stat", 4096);
    if (!stat)
        return std::nullopt;
    // Fields after the command name, which may contain spaces and ')': state is field 3, starttime 22.
    const auto close = stat->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(stat->substr(close + 1));
    std::string field;
    for (int index = 3; index <= 22; ++index) {
        if (!(fields >> field))
            return std::nullopt;
    }
    std::uint64_t ticks = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), ticks);
    if (ec != std::errc() || end != field.data() + field.size())
        return std::nullopt;
    return ticks;
}

Result<ProcessInfo> readProcessInfo(std::int32_t pid, const std::filesystem::path& procRoot,
                                    const std::filesystem::path& hostRoot)
{
    const auto base = procRoot / std::to_string(pid);
    const auto failed = [&](std::string_view what, const std::string& reason) {
        return Error{"Failed to read " + std::string(what) + " of process " + std::to_string(pid) + ": " + reason};
    };

    ProcessInfo info;
    info.pid = pid;

    std::error_code ec;
    auto exe = std::filesystem::read_symlink(base / "exe", ec);
    if (ec)
        return failed("executable", ec.message());
    auto exePath = exe.string();
    // A binary replaced on disk (package upgrade) still runs; /proc marks it so.
    constexpr std::string_view deletedSuffix = " (deleted)";
    if (exePath.ends_with(deletedSuffix))
        exePath.resize(exePath.size() - deletedSuffix.size());

    struct stat st {};
    if (::stat((base / "exe").c_str(), &st) != 0)
        return failed("executable", "stat failed");
    info.app.device = st.st_dev;
    info.app.inode = st.st_ino;
    info.app.path = exePath;

    // The real uid decides whose prompt agent is asked (setuid helpers still belong to their user).
    const auto status = readSmallFile(base / "status", 16384);
    if (!status)
        return failed("status", "process is gone");
    const auto uidLine = status->find("\nUid:");
    if (uidLine == std::string::npos)
        return failed("status", "no Uid line");
    std::istringstream(status->substr(uidLine + 5)) >> info.uid;

    const auto cmdline = readSmallFile(base / "cmdline", maxCommandLine);
    const auto argv = cmdline ? splitNul(*cmdline) : std::vector<std::string>{};
    info.commandLine = joinForDisplay(argv);

    if (const auto stat = readSmallFile(base / "stat", 4096)) {
        // "pid (comm) state ppid ..." — comm may contain spaces and parentheses, so parse after the last ')'.
        const auto close = stat->rfind(')');
        if (close != std::string::npos) {
            std::istringstream rest(stat->substr(close + 1));
            char state = 0;
            rest >> state >> info.parentPid;
        }
    }

    const auto cwd = std::filesystem::read_symlink(base / "cwd", ec);
    info.app.script = interpreterScript(exePath, argv, ec ? std::filesystem::path("/") : cwd);
    info.app.sharedExecutable = isInterpreter(std::filesystem::path(exePath).filename().string());
    if (info.app.sharedExecutable && !info.app.script)
        info.app.script = std::string(kInlineScript);
    info.app.appId = sandboxAppId(pid, procRoot);
    if (const auto cgroup = processCgroup(pid, procRoot); !cgroup.empty())
        info.app.unit = systemUnitOf(cgroup);
    struct stat processRoot {};
    struct stat ownRoot {};
    if (::stat((base / "root").c_str(), &processRoot) == 0 && ::stat(hostRoot.c_str(), &ownRoot) == 0)
        info.app.ownRoot = processRoot.st_dev != ownRoot.st_dev || processRoot.st_ino != ownRoot.st_ino;
    return info;
}

std::string userNameOf(std::uint32_t uid)
{
    std::array<char, 4096> buffer{};
    passwd entry{};
    passwd* found = nullptr;
    if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
        return {};
    return found->pw_name;
}

std::string executableOf(std::int32_t pid)
{
    if (pid <= 0)
        return {};
    std::array<char, 4096> buffer{};
    const auto link = fmt::format("/proc/{}/exe", pid);
    const auto length = readlink(link.c_str(), buffer.data(), buffer.size() - 1);
    if (length <= 0)
        return {};
    return std::string(buffer.data(), static_cast<std::size_t>(length));
}

} // namespace hostgate
