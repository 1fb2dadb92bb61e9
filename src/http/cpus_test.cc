#include "http/cpus.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace tollgate::http {
namespace {

// The count follows the affinity mask: pinned to one CPU, one thread.
TEST(UsableCpus, FollowsTheAffinityMask) {
  const unsigned all = usable_cpus();
  EXPECT_GE(all, 1u);
  EXPECT_LE(all, std::max(1u, std::thread::hardware_concurrency()));
  unsigned seen = 0;
  std::thread t([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    seen = usable_cpus();
  });
  t.join();
  EXPECT_EQ(seen, 1u);
}

}  // namespace
}  // namespace tollgate::http
