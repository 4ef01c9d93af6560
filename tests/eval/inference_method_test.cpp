#include "protoseg/eval/inference_method.h"

#include <gtest/gtest.h>

#include "expect_error.h"

namespace protoseg::eval {
namespace {

TEST(InferenceMethodTest, NamesRoundTrip) {
  const auto all = all_binary_methods();
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(method_name(all[0]), "CE-T");
  EXPECT_EQ(method_name(all[7]), "OCP_MP");
  std::string list;
  for (const auto& m : all) list += (list.empty() ? "" : ",") + method_name(m);
  EXPECT_EQ(parse_methods(list), all);
  EXPECT_EQ(parse_methods("all"), all);
  EXPECT_EQ(parse_methods("LinEst_MP").front(), (InferenceMethod{PriorRule::kLinEst, true}));
}

TEST(InferenceMethodTest, UnknownNamesListTheKnownOnes) {
  testing::expect_error<std::invalid_argument>([] { parse_methods("CE-T,Oracle"); },
                                               "unknown inference method 'Oracle' (known: CE-T");
}

}  // namespace
}  // namespace protoseg::eval
