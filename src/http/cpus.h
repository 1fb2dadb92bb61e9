// cpus.h — how many CPUs this process may run on: the size of its affinity
// mask (taskset, cgroup cpusets), not the machine's CPU count. Servers size
// their thread pools by it, so a process pinned to one core runs one I/O
// thread instead of several that preempt each other on that core.
// Thread-safe; never less than 1.
#pragma once

namespace tollgate::http {

unsigned usable_cpus();

}  // namespace tollgate::http
