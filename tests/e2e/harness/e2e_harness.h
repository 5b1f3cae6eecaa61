// SPDX-License-Identifier: GPL-3.0-or-later
// The end-to-end test harness in one include: network, cgroup, DNS, servers, process placement.
#pragma once

#include "harness/child_cgroup.h"
#include "harness/dns_server.h"
#include "harness/harness_result.h"
#include "harness/process_kill.h"
#include "harness/process_runner.h"
#include "harness/requirements.h"
#include "harness/servers.h"
#include "harness/test_addresses.h"
#include "harness/test_network.h"
