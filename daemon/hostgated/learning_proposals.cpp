// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's proposal book: suffix list, saved file, debounced saves.
#include "hostgated/learning_proposals.h"

#include "learning/public_suffix.h"
#include "store/proposal_file.h"

namespace hostgate {

namespace {

// Without a suffix list nothing is generalised: every name stays its own proposal.
class NoRegistrableDomains final : public RegistrableDomains {
public:
    std::optional<std::string> registrableDomain(std::string_view) const override { return std::nullopt; }
};

std::unique_ptr<RegistrableDomains> loadDomains(Logger& log)
{
    auto list = PublicSuffixList::load();
    if (!list) {
        log.warning("Failed to load the public suffix list, proposals are not generalised to domains",
                    {{"error", list.error().describe()}});
        return std::make_unique<NoRegistrableDomains>();
    }
    log.debug("Public suffix list loaded", {{"source", list->source()}});
    return std::make_unique<PublicSuffixList>(std::move(*list));
}

} // namespace

std::filesystem::path proposalsPath(const std::filesystem::path& stateDir)
{
    return stateDir / "proposals.toml";
}

LearningProposals::LearningProposals(std::filesystem::path file, Logger& log, ProposalLimits limits)
    : file_(std::move(file)), log_(log), domains_(loadDomains(log)), book_(*domains_, limits)
{}

void LearningProposals::load(TimePoint now)
{
    auto loaded = loadProposals(file_, now);
    if (loaded.error) {
        loadError_ = loaded.error->describe() + (loaded.keptAs.empty() ? std::string(" (it could not be moved aside)")
                                                                       : " (kept as " + loaded.keptAs.string() + ")");
        log_.error("Failed to load the learning proposals, starting with none", {{"error", *loadError_}});
    }
    book_.restore(std::move(loaded.contents));
    savedVersion_ = book_.version();
    announcedCount_ = book_.size();
    announcedDropped_ = book_.dropped();
    if (book_.size() > 0)
        log_.info("Learning proposals loaded", {{"proposals", book_.size()}, {"file", file_}});
}

void LearningProposals::saveIfChanged()
{
    if (book_.version() == savedVersion_)
        return;
    if (auto saved = save(); !saved) {
        if (!saveFailing_)
            log_.error("Failed to save the learning proposals, retrying", {{"error", saved.error().describe()}});
        saveFailing_ = true;
        return;
    }
    saveFailing_ = false;
}

Result<void> LearningProposals::save()
{
    const auto version = book_.version();
    if (auto saved = saveProposals(file_, book_.contents()); !saved)
        return saved;
    savedVersion_ = version;
    return Ok{};
}

bool LearningProposals::takeCountChange()
{
    if (book_.size() == announcedCount_ && book_.dropped() == announcedDropped_)
        return false;
    announcedCount_ = book_.size();
    announcedDropped_ = book_.dropped();
    return true;
}

} // namespace hostgate
