#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "expect_error.h"
#include "protoseg/config/config_error.h"
#include "protoseg/config/load_config.h"
#include "protoseg/sweep/prolearn_sweep_plan.h"
#include "protoseg/sweep/prolearn_sweep_table.h"
#include "test_paths.h"

namespace protoseg::sweep {
namespace {

namespace fs = std::filesystem;

class ProLearnSweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_temp_dir("prolearn_sweep");
    std::ofstream(dir_ / "sweep.yaml") << R"(name: demo
out: runs
archive: archive
seeds: [42]
variants:
  text1: {config: qata.yaml, text_fraction: 0.01, seeds: [1, 2], set: ["model.weights=$W"]}
  image_only: {config: qata.yaml, model: image-only}
  unused: {config: qata.yaml, text_fraction: 0.5}
rows:
  - {label: ProLearn 1 %, variant: text1}
  - {label: GuideSeg-style 1 %, variant: text1, model: guideseg}
  - {label: "image-only, U-Net", variant: image_only, model: image-only}
)";
    config_ = config::load_config<ProLearnSweepConfig>(dir_ / "sweep.yaml");
  }
  static void write_metrics(const fs::path& run, const std::string& model, const std::string& split,
                            double dice) {
    const fs::path dir = run / ("eval_" + model + "_" + split);
    fs::create_directories(dir);
    std::ofstream(dir / "metrics.json")
        << "{\"images\": 700, \"mean_dice\": " << dice << ", \"mean_iou\": " << dice / 2
        << ", \"micro_dice\": 0, \"micro_iou\": 0}";
  }
  /// The ConfigError message of loading `yaml` as a sweep, or "no error".
  std::string error_of(const std::string& yaml) const {
    std::ofstream(dir_ / "bad.yaml") << yaml;
    try {
      config::load_config<ProLearnSweepConfig>(dir_ / "bad.yaml");
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path dir_;
  ProLearnSweepConfig config_;
};

TEST_F(ProLearnSweepTest, ExpandsVariantsAndSeedsIntoResumableCommands) {
  const auto jobs = plan_prolearn_sweep(config_, "/opt/bin");
  // Variants in name order; a variant no row reads is not trained; text1 has its own seeds.
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].variant, "image_only");
  EXPECT_EQ(jobs[0].seed, 42);
  EXPECT_EQ(jobs[0].run_dir, fs::absolute(dir_ / "runs" / "image_only" / "seed42"));
  EXPECT_EQ(jobs[0].command.find("--text-fraction"), std::string::npos) << jobs[0].command;
  EXPECT_EQ(jobs[1].variant, "text1");
  EXPECT_EQ(jobs[1].seed, 1);
  EXPECT_EQ(jobs[2].seed, 2);
  const std::string& command = jobs[2].command;
  EXPECT_EQ(command.find("'/opt/bin/prolearn-train' --config"), 0u) << command;
  EXPECT_NE(command.find(" --model prolearn --out "), std::string::npos) << command;
  EXPECT_NE(command.find(" --resume --text-fraction 0.01 --set seed=2 --set \"model.weights=$W\""),
            std::string::npos)
      << command;
  // Both models the rows read, on both splits, each scored only when its metrics are missing.
  for (const std::string model : {"prolearn", "guideseg"}) {
    for (const std::string split : {"val", "test"}) {
      EXPECT_NE(command.find("'/opt/bin/prolearn-eval' --run '" + jobs[2].run_dir.string() +
                             "' --model " + model + " --split " + split),
                std::string::npos)
          << command;
    }
  }
  EXPECT_NE(command.find("[ -f '" + (jobs[2].run_dir / "eval_guideseg_test").string() +
                         "/metrics.json' ] ||"),
            std::string::npos)
      << command;
  // The archive receives the config, histories and scores.
  EXPECT_NE(
      command.find("mkdir -p '" + fs::absolute(dir_ / "archive" / "text1" / "seed2").string()),
      std::string::npos)
      << command;
  EXPECT_EQ(command.find("threads"), std::string::npos);
  EXPECT_NE(plan_prolearn_sweep(config_, "/opt/bin", 1)[2].command.find(" --set threads=1 &&"),
            std::string::npos);
}

TEST_F(ProLearnSweepTest, RunIsDoneOnlyWithEveryScoreInTheRunOrTheArchive) {
  auto jobs = plan_prolearn_sweep(config_, "/opt/bin");
  write_metrics(jobs[1].run_dir, "prolearn", "val", 0.7);
  write_metrics(jobs[1].run_dir, "prolearn", "test", 0.7);
  write_metrics(jobs[1].run_dir, "guideseg", "val", 0.6);
  EXPECT_FALSE(plan_prolearn_sweep(config_, "/opt/bin")[1].done);  // guideseg test missing
  write_metrics(jobs[1].run_dir, "guideseg", "test", 0.6);
  jobs = plan_prolearn_sweep(config_, "/opt/bin");
  EXPECT_TRUE(jobs[1].done);
  EXPECT_EQ(jobs[1].scores_dir, jobs[1].run_dir);
  // A fresh clone has only the archive.
  const fs::path archived = dir_ / "archive" / "image_only" / "seed42";
  write_metrics(archived, "image-only", "val", 0.75);
  write_metrics(archived, "image-only", "test", 0.75);
  jobs = plan_prolearn_sweep(config_, "/opt/bin");
  EXPECT_TRUE(jobs[0].done);
  EXPECT_EQ(jobs[0].scores_dir, fs::absolute(archived));
}

TEST_F(ProLearnSweepTest, TableGivesMeanAndStdOverSeedsPerSplit) {
  const auto planned = plan_prolearn_sweep(config_, "/opt/bin");
  for (const auto& [job, dice] : {std::pair{planned[1], 0.70}, std::pair{planned[2], 0.80}}) {
    for (const std::string split : {"val", "test"}) {
      write_metrics(job.run_dir, "prolearn", split, dice);
      write_metrics(job.run_dir, "guideseg", split, dice - 0.1);
    }
  }
  const auto jobs = plan_prolearn_sweep(config_, "/opt/bin");
  const ProLearnSweepTable table = aggregate_prolearn_sweep(config_, jobs);
  EXPECT_EQ(table.expected_seeds, (std::vector<int>{2, 2, 1}));
  ASSERT_EQ(table.scores.size(), 8u);  // 2 rows x 2 seeds x 2 splits
  const std::string markdown = table.markdown();
  // Sample std of 0.7 and 0.8 is 0.0707; IoU is half the Dice here.
  EXPECT_NE(markdown.find("| ProLearn 1 % | 0.7500 +- 0.0707 (2) | 0.3750 +- 0.0354 (2) | "
                          "0.7500 +- 0.0707 (2) | 0.3750 +- 0.0354 (2) | 2/2 |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| image-only, U-Net | - | - | - | - | 0/1 |"), std::string::npos)
      << markdown;
  const std::string csv = table.csv();
  EXPECT_EQ(csv.rfind("label,variant,model,seed,split,images,mean_dice,mean_iou\n", 0), 0u);
  EXPECT_NE(csv.find("GuideSeg-style 1 %,text1,guideseg,2,test,700,0.700000,0.350000\n"),
            std::string::npos)
      << csv;
}

TEST_F(ProLearnSweepTest, OneSeedShowsTheValueAlone) {
  const auto planned = plan_prolearn_sweep(config_, "/opt/bin");
  write_metrics(planned[0].run_dir, "image-only", "val", 0.75);
  write_metrics(planned[0].run_dir, "image-only", "test", 0.76);
  const auto table = aggregate_prolearn_sweep(config_, plan_prolearn_sweep(config_, "/opt/bin"));
  EXPECT_NE(
      table.markdown().find("| image-only, U-Net | 0.7500 | 0.3750 | 0.7600 | 0.3800 | 1/1 |"),
      std::string::npos)
      << table.markdown();
  EXPECT_NE(table.csv().find("\"image-only, U-Net\",image_only,image-only,42,val"),
            std::string::npos)
      << table.csv();
}

TEST_F(ProLearnSweepTest, BaselineRowGivesEachRowsDifferenceSeedBySeed) {
  std::ofstream(dir_ / "ablation.yaml") << R"(name: ablation
out: runs
seeds: [1, 2, 3]
splits: [val]
variants:
  base: {config: qata.yaml, text_fraction: 0.5}
  top1: {config: qata.yaml, text_fraction: 0.5, teacher_of: base}
rows:
  - {label: base, variant: base, baseline: true}
  - {label: top-1, variant: top1}
  - {label: teacher, variant: base, model: guideseg}
)";
  const auto config = config::load_config<ProLearnSweepConfig>(dir_ / "ablation.yaml");
  const auto planned = plan_prolearn_sweep(config, "/opt/bin");
  ASSERT_EQ(planned.size(), 6u);  // base seeds 1-3, then top1 seeds 1-3
  // The seeds differ far more than the ablation does: +0.01, +0.02 paired; seed 3 of top1 is
  // still running, so only seeds 1 and 2 pair.
  const double base[] = {0.60, 0.70, 0.80}, top1[] = {0.61, 0.72};
  for (int s = 0; s < 3; ++s) {
    write_metrics(planned[s].run_dir, "prolearn", "val", base[s]);
    write_metrics(planned[s].run_dir, "guideseg", "val", base[s] + 0.05);
  }
  for (int s = 0; s < 2; ++s) write_metrics(planned[3 + s].run_dir, "prolearn", "val", top1[s]);
  const auto table = aggregate_prolearn_sweep(config, plan_prolearn_sweep(config, "/opt/bin"));
  EXPECT_EQ(table.baseline, 0);
  const std::string markdown = table.markdown();
  EXPECT_NE(markdown.find("| row | val Dice | val IoU | val Dice - baseline, same seed | seeds |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(
      markdown.find("| base | 0.7000 +- 0.1000 (3) | 0.3500 +- 0.0500 (3) | baseline | 3/3 |"),
      std::string::npos)
      << markdown;
  // Differences 0.01 and 0.02: mean +0.015, sample std 0.0071.
  EXPECT_NE(markdown.find("| top-1 | 0.6650 +- 0.0778 (2) | 0.3325 +- 0.0389 (2) | "
                          "+0.0150 +- 0.0071 (2) | 2/3 |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| teacher | 0.7500 +- 0.1000 (3) | 0.3750 +- 0.0500 (3) | "
                          "+0.0500 +- 0.0000 (3) | 3/3 |"),
            std::string::npos)
      << markdown;
  // Without a baseline row the table has no difference columns (TableGivesMeanAndStd...).
  EXPECT_EQ(aggregate_prolearn_sweep(config_, planned).baseline, -1);
}

TEST_F(ProLearnSweepTest, AtMostOneBaselineRow) {
  const std::string what = error_of(
      "name: bad\nout: runs\nvariants:\n  a: {config: q.yaml, text_fraction: 0.5}\nrows:\n"
      "  - {label: A, variant: a, baseline: true}\n"
      "  - {label: B, variant: a, model: guideseg, baseline: true}\n");
  EXPECT_NE(what.find("more than one row is marked baseline"), std::string::npos) << what;
}

TEST_F(ProLearnSweepTest, ShippedSweepsLoadAndPlan) {
  int shipped = 0;
  for (const auto& entry : fs::directory_iterator(testing::source_path("configs/sweeps"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("prolearn_", 0) != 0) continue;
    SCOPED_TRACE(name);
    const auto config = config::load_config<ProLearnSweepConfig>(entry.path());
    EXPECT_FALSE(plan_prolearn_sweep(config, "/opt/bin").empty());
    ++shipped;
  }
  EXPECT_GE(shipped, 6);
}

TEST_F(ProLearnSweepTest, MalformedMetricsAreNamed) {
  const auto planned = plan_prolearn_sweep(config_, "/opt/bin");
  write_metrics(planned[0].run_dir, "image-only", "val", 0.75);
  const fs::path broken = planned[0].run_dir / "eval_image-only_test" / "metrics.json";
  fs::create_directories(broken.parent_path());
  std::ofstream(broken) << R"({"images": 700})";
  testing::expect_error<std::runtime_error>(
      [&] { aggregate_prolearn_sweep(config_, plan_prolearn_sweep(config_, "/opt/bin")); },
      broken.string() + ": malformed prolearn-eval metrics");
}

TEST_F(ProLearnSweepTest, RowsMustScoreAModelTheirVariantTrains) {
  const auto error_of = [this](const std::string& variants_and_rows) {
    return ProLearnSweepTest::error_of("name: bad\nout: runs\n" + variants_and_rows);
  };
  const std::string image_only =
      "variants:\n  image_only: {config: qata.yaml, model: image-only}\nrows:\n";
  std::string what =
      error_of(image_only + "  - {label: GuideSeg, variant: image_only, model: guideseg}\n");
  EXPECT_NE(what.find("row 'GuideSeg' scores guideseg, but variant 'image_only' trains image-only"),
            std::string::npos)
      << what;
  what = error_of(image_only + "  - {label: Missing, variant: text5}\n");
  EXPECT_NE(what.find("row 'Missing' names unknown variant 'text5'"), std::string::npos) << what;
  what = error_of(
      "variants:\n  text1: {config: qata.yaml, model: prolearn}\nrows:\n"
      "  - {label: ProLearn, variant: text1}\n");
  EXPECT_NE(what.find("'variants.text1.text_fraction': must be in (0, 1]"), std::string::npos)
      << what;
}

TEST_F(ProLearnSweepTest, AblationsTakeTheSameSeedsTeacherOfTheirBase) {
  std::ofstream(dir_ / "ablation.yaml") << R"(name: ablation
out: runs
seeds: [42, 43]
variants:
  a_top1: {config: qata.yaml, text_fraction: 0.01, set: ["psa.top_k=1"], teacher_of: base}
  base: {config: qata.yaml, text_fraction: 0.01}
rows:
  - {label: top-1, variant: a_top1}
  - {label: base, variant: base}
)";
  const auto jobs = plan_prolearn_sweep(
      config::load_config<ProLearnSweepConfig>(dir_ / "ablation.yaml"), "/opt/bin");
  // The base trains first though its name sorts last: its teachers exist when the ablation runs.
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs[0].variant, "base");
  EXPECT_EQ(jobs[1].variant, "base");
  EXPECT_EQ(jobs[2].variant, "a_top1");
  EXPECT_EQ(jobs[0].command.find("teacher_from"), std::string::npos) << jobs[0].command;
  const std::string source = fs::absolute(dir_ / "runs" / "base" / "seed43").string();
  EXPECT_NE(jobs[3].command.find("--set \"psa.top_k=1\" --set 'teacher_from=" + source + "'"),
            std::string::npos)
      << jobs[3].command;
}

TEST_F(ProLearnSweepTest, TeacherOfMustNameAVariantWithATeacherAndEverySeed) {
  const auto error_of = [this](const std::string& variants) {
    return ProLearnSweepTest::error_of("name: bad\nout: runs\nvariants:\n" + variants +
                                       "rows:\n  - {label: A, variant: a}\n");
  };
  std::string what = error_of("  a: {config: q.yaml, text_fraction: 0.01, teacher_of: base}\n");
  EXPECT_NE(what.find("variant 'a' takes its teacher from 'base', which is not another variant"),
            std::string::npos)
      << what;
  what = error_of(
      "  a: {config: q.yaml, text_fraction: 0.01, teacher_of: u}\n"
      "  u: {config: q.yaml, model: image-only}\n");
  EXPECT_NE(what.find("which is not another variant with a teacher"), std::string::npos) << what;
  what = error_of(
      "  a: {config: q.yaml, text_fraction: 0.01, seeds: [1, 2], teacher_of: b}\n"
      "  b: {config: q.yaml, text_fraction: 0.01, seeds: [1]}\n");
  EXPECT_NE(what.find("variant 'a' needs seed 2 of 'b', which does not run it"), std::string::npos)
      << what;
  EXPECT_EQ(error_of("  a: {config: q.yaml, text_fraction: 0.01, teacher_of: b}\n"
                     "  b: {config: q.yaml, text_fraction: 0.01}\n"),
            "no error");
}

}  // namespace
}  // namespace protoseg::sweep
