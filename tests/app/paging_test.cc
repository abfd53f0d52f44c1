// Pages cut by bytes (app/paging.h).
#include "app/paging.h"

#include <gtest/gtest.h>

namespace accord::app {
namespace {

TEST(PageCutter, TakesTheFirstItemAlwaysThenStopsBeforeTheBudget) {
  PageCutter page(1000);
  EXPECT_TRUE(page.Admit(5000)) << "one item larger than the budget still makes a page";
  EXPECT_FALSE(page.Admit(1));

  PageCutter small(1000);
  EXPECT_TRUE(small.Admit(400));
  EXPECT_TRUE(small.Admit(400));
  EXPECT_FALSE(small.Admit(400));
  EXPECT_EQ(small.items(), 2u);
  EXPECT_LE(small.bytes(), 1000u);
}

TEST(PageBudget, NeverLetsAPageReachTheFrameLimit) {
  EXPECT_EQ(PageBudget(1 << 20, 4 << 20), size_t{1} << 20);
  EXPECT_LT(PageBudget(1 << 20, 600 << 10), size_t{600} << 10);
  EXPECT_TRUE(FitsInFrame(PageBudget(1 << 20, 600 << 10) - 64, 600 << 10));
  EXPECT_FALSE(FitsInFrame(600 << 10, 600 << 10));
  EXPECT_GE(PageBudget(1 << 20, 100), 1u);
}

}  // namespace
}  // namespace accord::app
