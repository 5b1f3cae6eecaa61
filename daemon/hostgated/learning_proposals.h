// SPDX-License-Identifier: GPL-3.0-or-later
// LearningProposals: the daemon's proposal book — libpsl's registrable domains, the book the engine records
// into in learning mode, and its file in the state directory (loaded at start, saved when it changed).
#pragma once

#include "learning/proposal_book.h"
#include "service/log.h"
#include "util/result.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace hostgate {

// <state_dir>/proposals.toml
std::filesystem::path proposalsPath(const std::filesystem::path& stateDir);

class LearningProposals {
public:
    // Learning mode changes the book with every new destination: it is saved (and a new count announced) at
    // most this often, so a crash loses at most this much of what was learned.
    static constexpr std::chrono::seconds saveInterval{2};

    LearningProposals(std::filesystem::path file, Logger& log, ProposalLimits limits = {});

    // Loads the suffix list and the saved book. A broken file is kept aside (its name is logged and reported in
    // loadError()) and learning starts from an empty book.
    void load(TimePoint now);

    ProposalBook& book() { return book_; }
    const ProposalBook& book() const { return book_; }
    const RegistrableDomains& domains() const { return *domains_; }
    // "file:line:column: message (kept as FILE)" of the last load, when it failed.
    const std::optional<std::string>& loadError() const { return loadError_; }

    // Saves the book when it changed since the last save (debounced by the caller's timer); failures are
    // logged once and retried at the next call.
    void saveIfChanged();
    // Saves now (after an accept or reject, before the reply).
    Result<void> save();
    // True once after each change of the number of proposals (for ProposalsChanged).
    bool takeCountChange();

private:
    std::filesystem::path file_;
    Logger& log_;
    std::unique_ptr<RegistrableDomains> domains_;
    ProposalBook book_;
    std::uint64_t savedVersion_ = 0;
    std::size_t announcedCount_ = 0;
    std::uint64_t announcedDropped_ = 0;
    std::optional<std::string> loadError_;
    bool saveFailing_ = false;
};

} // namespace hostgate
