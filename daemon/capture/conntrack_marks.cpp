// SPDX-License-Identifier: GPL-3.0-or-later
// ctnetlink mark changes with libnetfilter_conntrack.
#include "capture/conntrack_marks.h"

#include "util/errno_error.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace hostgate {

namespace {

struct CtFree {
    void operator()(nf_conntrack* ct) const { nfct_destroy(ct); }
};

std::unique_ptr<nf_conntrack, CtFree> tupleOf(const FiveTuple& outgoing)
{
    std::unique_ptr<nf_conntrack, CtFree> ct(nfct_new());
    if (!ct)
        return ct;
    if (outgoing.src.isV4()) {
        std::uint32_t src = 0;
        std::uint32_t dst = 0;
        std::memcpy(&src, outgoing.src.bytes().data(), 4);
        std::memcpy(&dst, outgoing.dst.bytes().data(), 4);
        nfct_set_attr_u8(ct.get(), ATTR_L3PROTO, AF_INET);
        nfct_set_attr_u32(ct.get(), ATTR_IPV4_SRC, src);
        nfct_set_attr_u32(ct.get(), ATTR_IPV4_DST, dst);
    } else {
        nfct_set_attr_u8(ct.get(), ATTR_L3PROTO, AF_INET6);
        nfct_set_attr(ct.get(), ATTR_IPV6_SRC, outgoing.src.bytes().data());
        nfct_set_attr(ct.get(), ATTR_IPV6_DST, outgoing.dst.bytes().data());
    }
    nfct_set_attr_u8(ct.get(), ATTR_L4PROTO, outgoing.proto == Protocol::Tcp ? IPPROTO_TCP : IPPROTO_UDP);
    nfct_set_attr_u16(ct.get(), ATTR_PORT_SRC, htons(outgoing.sport));
    nfct_set_attr_u16(ct.get(), ATTR_PORT_DST, htons(outgoing.dport));
    return ct;
}

int remember(enum nf_conntrack_msg_type, struct nf_conntrack* ct, void* data)
{
    *static_cast<std::optional<std::uint32_t>*>(data) = nfct_get_attr_u32(ct, ATTR_MARK);
    return NFCT_CB_STOP;
}

} // namespace

void ConntrackMarks::Closer::operator()(nfct_handle* handle) const
{
    nfct_close(handle);
}

Result<ConntrackMarks> ConntrackMarks::open()
{
    std::unique_ptr<nfct_handle, Closer> handle(nfct_open(CONNTRACK, 0));
    if (!handle)
        return Error("Failed to open a ctnetlink socket: " + errnoText(errno));
    return ConntrackMarks(std::move(handle));
}

Result<void> ConntrackMarks::clearBits(const FiveTuple& outgoing, std::uint32_t bits)
{
    auto ct = tupleOf(outgoing);
    if (!ct)
        return Error("Failed to change a conntrack mark: out of memory");
    std::optional<std::uint32_t> mark;
    nfct_callback_register(handle_.get(), NFCT_T_ALL, &remember, &mark);
    const int got = nfct_query(handle_.get(), NFCT_Q_GET, ct.get());
    const int lookupErrno = errno;
    nfct_callback_unregister(handle_.get());
    if (got < 0 || !mark)
        return Error("Failed to read the conntrack entry of the flow: " +
                     (got < 0 ? errnoText(lookupErrno) : std::string("no entry")));
    if ((*mark & bits) == 0)
        return Ok{};
    nfct_set_attr_u32(ct.get(), ATTR_MARK, *mark & ~bits);
    if (nfct_query(handle_.get(), NFCT_Q_UPDATE, ct.get()) < 0)
        return Error("Failed to change the conntrack mark of the flow: " + errnoText(errno));
    return Ok{};
}

} // namespace hostgate
