// SPDX-License-Identifier: GPL-3.0-or-later
// libpsl behind the core's RegistrableDomains interface.
#include "learning/public_suffix.h"

#include <libpsl.h>

namespace hostgate {

void PublicSuffixList::Free::operator()(psl_ctx_st* context) const
{
    psl_free(context);
}

PublicSuffixList::PublicSuffixList(std::unique_ptr<psl_ctx_st, Free> owned, const psl_ctx_st* context,
                                   std::string source)
    : owned_(std::move(owned)), context_(context), source_(std::move(source))
{}

PublicSuffixList::PublicSuffixList(PublicSuffixList&&) noexcept = default;
PublicSuffixList& PublicSuffixList::operator=(PublicSuffixList&&) noexcept = default;
PublicSuffixList::~PublicSuffixList() = default;

Result<PublicSuffixList> PublicSuffixList::load()
{
    // psl_latest(NULL) compares the built-in list with the distribution's file and loads the newer one.
    if (psl_ctx_t* latest = psl_latest(nullptr)) {
        const char* file = psl_dist_filename();
        std::string source = file && *file ? file : "libpsl";
        return PublicSuffixList(std::unique_ptr<psl_ctx_st, Free>(latest), latest, std::move(source));
    }
    if (const psl_ctx_t* builtin = psl_builtin())
        return PublicSuffixList(nullptr, builtin, "built-in");
    return Error{"libpsl has no public suffix list (neither built in nor in the publicsuffix package)"};
}

std::optional<std::string> PublicSuffixList::registrableDomain(std::string_view name) const
{
    if (name.empty())
        return std::nullopt;
    const std::string text(name);
    const char* domain = psl_registrable_domain(context_, text.c_str());
    if (!domain)
        return std::nullopt;
    return std::string(domain);
}

} // namespace hostgate
