#include "protoseg/eval/dice_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace protoseg::eval {
namespace {

std::vector<DiceRecord> records() {
  std::vector<DiceRecord> r;
  auto add = [&r](const std::string& organ, int query, const std::string& method, double dice) {
    DiceRecord d;
    d.organ = organ;
    d.query_id = query;
    d.method = method;
    d.dice = dice;
    d.support_slices = {3, 7};
    r.push_back(d);
  };
  add("liver", 1, "CE-T", 0.5);
  add("liver", 2, "CE-T", 0.7);
  add("spleen", 1, "CE-T", 0.2);
  add("spleen", 2, "CE-T", 0.4);
  add("liver", 1, "OCP", 0.9);
  add("liver", 2, "OCP", 0.8);
  add("spleen", 1, "OCP", 0.6);
  add("spleen", 2, "OCP", 0.7);
  return r;
}

TEST(DiceReportTest, MeansOverVolumesThenOrgans) {
  const DiceMeans means = mean_dice(records());
  EXPECT_EQ(means.methods, (std::vector<std::string>{"CE-T", "OCP"}));
  EXPECT_EQ(means.organs, (std::vector<std::string>{"liver", "spleen"}));
  EXPECT_NEAR(means.means.at("CE-T").at("liver"), 0.6, 1e-12);
  EXPECT_NEAR(means.organ_mean("CE-T"), 0.45, 1e-12);
  EXPECT_NEAR(means.organ_mean("OCP"), 0.75, 1e-12);
  EXPECT_EQ(dice_markdown(means),
            "| method | liver | spleen | mean |\n| --- | ---: | ---: | ---: |\n"
            "| CE-T | 0.6000 | 0.3000 | 0.4500 |\n| OCP | 0.8500 | 0.6500 | 0.7500 |\n");
}

TEST(DiceReportTest, CsvAndJsonHoldEveryRecord) {
  const std::string csv = dice_csv(records(), 2);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "fold,organ,label,support_id,support_slices,query_id,method,dice,predicted_voxels,"
            "true_voxels");
  EXPECT_NE(csv.find("\n2,liver,0,0,3;7,1,CE-T,0.5000,0,0\n"), std::string::npos) << csv;
  const auto json = nlohmann::json::parse(dice_json(records(), 2, "ep2"));
  EXPECT_EQ(json.at("records").size(), 8u);
  EXPECT_EQ(json.at("protocol"), "ep2");
  EXPECT_NEAR(json.at("means").at("OCP").at("mean").get<double>(), 0.75, 1e-12);
}

}  // namespace
}  // namespace protoseg::eval
