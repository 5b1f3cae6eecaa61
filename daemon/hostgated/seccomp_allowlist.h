// The system calls hostgated may make once it is hardened: its seccomp allow-list, in one place to extend.
#pragma once

// How to extend it: run `hostgated --seccomp-log ...` (or an end-to-end test with that flag), exercise the
// new feature, and read the kernel log: every call outside this list appears once as
// `audit: type=1326 ... syscall=NR` (name it with `ausyscall NR` or /usr/include/asm/unistd_64.h). Add the
// name here with the reason. Names unknown to this architecture are skipped (and logged) at start, so
// listing both an old call and its newer replacement is fine.
//
// The tools the daemon runs after hardening (iptables-nft-restore, iptables-nft-save, ip6tables-*, nft)
// inherit the filter, so their calls are listed too (marked "tools").

#include <array>
#include <string_view>

namespace hostgate {

inline constexpr std::array seccompAllowedSyscalls = std::to_array<std::string_view>({
    // memory (glibc malloc, libbpf, sqlite, the dynamic loader of spawned tools)
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "munlock",
    // file descriptors and files (rule files, state dir, sqlite, /proc, the cgroup and bpffs)
    "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "close", "close_range",
    "dup", "dup2", "dup3", "fcntl", "ioctl", "lseek", "open", "openat", "openat2", "creat", "stat", "fstat",
    "lstat", "newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat", "faccessat2", "readlink",
    "readlinkat", "getdents", "getdents64", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir",
    "mkdirat", "rmdir", "fchmod", "fchmodat", "fsync", "fdatasync", "ftruncate", "fallocate", "flock", "getcwd",
    "chdir", "fchdir", "umask", "link", "linkat", "symlink", "symlinkat", "utimensat", "sync_file_range",
    "fadvise64", "copy_file_range", "sendfile",
    // the event loop: epoll, timers, signals, inotify (file watching), eventfd, pidfds (until-exit rules)
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll",
    "select", "pselect6", "timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd", "signalfd4",
    "eventfd", "eventfd2", "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
    "pidfd_open", "pidfd_send_signal", "waitid", "wait4",
    // signals and process state
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack", "kill", "tgkill",
    "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid",
    "getresgid", "getpgrp", "getpgid", "getsid", "setsid", "setpgid", "prctl", "arch_prctl", "capget",
    "getrlimit", "prlimit64", "setrlimit", "getrusage", "sched_getaffinity", "sched_yield", "uname", "sysinfo",
    "getpriority", "setpriority", // the DNS lane lowers its own priority (raising it needs CAP_SYS_NICE)
    "getrandom", "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "futex", "futex_waitv",
    "restart_syscall", "exit", "exit_group",
    // time
    "clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday", "nanosleep", "time",
    // sockets: netlink (nfqueue, sock_diag, nftables), raw DNS replies, the D-Bus unix socket (and reconnects)
    "socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername",
    "setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
    // BPF: verdict and owner map updates, ring buffer, pinning and adopting objects at runtime
    "bpf", "perf_event_open",
    // spawning the iptables-nft / nft tools (posix_spawn uses clone3 or clone + execve)
    "clone", "clone3", "vfork", "execve", "execveat", "pipe", "pipe2",
    // tools: what iptables-nft-restore, iptables-nft-save and nft do besides the calls above
    "sched_getparam", "sched_getscheduler", "getxattr", "lgetxattr", "fgetxattr",
});

} // namespace hostgate
