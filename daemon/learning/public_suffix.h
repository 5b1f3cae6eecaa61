// SPDX-License-Identifier: GPL-3.0-or-later
// PublicSuffixList: registrable domains from libpsl, reading the newest of its built-in list and Debian's
// publicsuffix package (/usr/share/publicsuffix), for the proposal book's generalisation.
#pragma once

#include "learning/proposal_book.h"
#include "util/result.h"

#include <memory>
#include <string>

struct psl_ctx_st;

namespace hostgate {

class PublicSuffixList final : public RegistrableDomains {
public:
    // The list libpsl considers newest (psl_latest), else its built-in one; an error when neither is there.
    static Result<PublicSuffixList> load();

    PublicSuffixList(PublicSuffixList&&) noexcept;
    PublicSuffixList& operator=(PublicSuffixList&&) noexcept;
    ~PublicSuffixList() override;

    std::optional<std::string> registrableDomain(std::string_view name) const override;
    // Where the list came from, for the log: a file name or "built-in".
    const std::string& source() const { return source_; }

private:
    struct Free {
        void operator()(psl_ctx_st* context) const;
    };
    PublicSuffixList(std::unique_ptr<psl_ctx_st, Free> owned, const psl_ctx_st* context, std::string source);

    std::unique_ptr<psl_ctx_st, Free> owned_; // null for the built-in list, which is never freed
    const psl_ctx_st* context_ = nullptr;
    std::string source_;
};

} // namespace hostgate
