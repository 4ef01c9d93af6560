#include "protoseg/sweep/sweep_plan.h"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "expect_error.h"
#include "protoseg/config/load_config.h"
#include "protoseg/sweep/sweep_table.h"
#include "test_paths.h"

namespace protoseg::sweep {
namespace {

namespace fs = std::filesystem;

class SweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_temp_dir("sweep");
    std::ofstream(dir_ / "sweep.yaml") << R"(name: demo
out: runs
folds: [0, 1]
seeds: [1, 2]
variants:
  tpm: {config: tpm.yaml, set: ["encoder.weights=$HOME/w.pth"]}
  floor: {config: tpm.yaml, train: false}
rows:
  - {label: CE-T, variant: tpm, method: CE-T}
  - {label: Floor OCP, variant: floor, method: OCP}
)";
    config_ = config::load_config<SweepConfig>(dir_ / "sweep.yaml");
  }
  void write_results(const SweepJob& job, double liver, double spleen) {
    fs::create_directories(job.results_file.parent_path());
    std::ofstream(job.results_file)
        << "{\"means\": {\"CE-T\": {\"liver\": " << liver << ", \"spleen\": " << spleen
        << ", \"mean\": " << (liver + spleen) / 2 << "}, \"OCP\": {\"liver\": 1, \"spleen\": 1, "
        << "\"mean\": 1}}}";
  }
  fs::path dir_;
  SweepConfig config_;
};

TEST_F(SweepTest, ExpandsVariantsFoldsAndSeedsIntoResumableCommands) {
  const auto jobs = plan_sweep(config_, "/opt/bin");
  ASSERT_EQ(jobs.size(), 8u);
  const SweepJob& first = jobs[0];  // fold 0, seed 1, variants in name order: floor, tpm
  EXPECT_EQ(first.variant, "floor");
  EXPECT_EQ(first.run_dir, fs::absolute(dir_ / "runs" / "floor" / "fold0_seed1"));
  EXPECT_FALSE(first.needs_training);
  EXPECT_NE(first.command.find("'/opt/bin/eval-fold' --fold 0 --protocol ep2"), std::string::npos)
      << first.command;
  EXPECT_NE(first.command.find("--set seed=1"), std::string::npos) << first.command;
  const SweepJob& trained = jobs[7];
  EXPECT_EQ(trained.variant, "tpm");
  EXPECT_EQ(trained.fold, 1);
  EXPECT_EQ(trained.seed, 2);
  EXPECT_TRUE(trained.needs_training);
  EXPECT_NE(trained.command.find("'/opt/bin/train-tpm' --config"), std::string::npos);
  EXPECT_NE(trained.command.find("--set \"encoder.weights=$HOME/w.pth\""), std::string::npos)
      << trained.command;
  EXPECT_NE(trained.command.find("--resume && '/opt/bin/eval-fold'"), std::string::npos);
  EXPECT_EQ(trained.results_file, trained.run_dir / "eval_fold1_ep2" / "results.json");
  // Each variant is scored only by the methods its rows use.
  EXPECT_NE(trained.command.find("--methods 'CE-T'"), std::string::npos) << trained.command;
  EXPECT_NE(first.command.find("--methods 'OCP'"), std::string::npos) << first.command;
}

TEST_F(SweepTest, ThreadLimitReachesTrainingAndEvaluation) {
  for (const SweepJob& job : plan_sweep(config_, "/opt/bin")) {
    EXPECT_EQ(job.command.find("threads"), std::string::npos) << job.command;
  }
  const SweepJob trained = plan_sweep(config_, "/opt/bin", 1)[7];
  const size_t evaluation = trained.command.find("&& '/opt/bin/eval-fold'");
  ASSERT_NE(evaluation, std::string::npos) << trained.command;
  const size_t training_limit = trained.command.find(" --set threads=1 ");
  EXPECT_LT(training_limit, evaluation) << trained.command;
  EXPECT_NE(trained.command.find(" --set threads=1 ", evaluation), std::string::npos)
      << trained.command;
  const SweepJob floor = plan_sweep(config_, "/opt/bin", 2)[0];
  EXPECT_NE(floor.command.find(" --set threads=2 "), std::string::npos) << floor.command;
}

TEST_F(SweepTest, CellEvaluatedWithoutARowsMethodIsEvaluatedAgain) {
  auto jobs = plan_sweep(config_, "/opt/bin");
  const SweepJob& tpm = jobs[1];  // tpm fold 0 seed 1; its row needs CE-T
  fs::create_directories(tpm.results_file.parent_path());
  std::ofstream(tpm.results_file) << R"({"means": {"OCP": {"liver": 1, "mean": 1}}})";
  EXPECT_FALSE(plan_sweep(config_, "/opt/bin")[1].done);
  std::ofstream(tpm.results_file) << R"({"means": {"CE-T": {"liv)";  // cut off mid-write
  EXPECT_FALSE(plan_sweep(config_, "/opt/bin")[1].done);
  write_results(tpm, 0.5, 0.3);
  EXPECT_TRUE(plan_sweep(config_, "/opt/bin")[1].done);
}

TEST_F(SweepTest, FinishedCellsAreSkippedAndAggregatedAsMeanAndStd) {
  auto jobs = plan_sweep(config_, "/opt/bin");
  // Folds, then seeds, then variants (floor, tpm).
  write_results(jobs[1], 0.5, 0.3);  // tpm fold 0 seed 1
  write_results(jobs[3], 0.7, 0.5);  // tpm fold 0 seed 2
  write_results(jobs[0], 0.0, 0.0);  // floor fold 0 seed 1
  jobs = plan_sweep(config_, "/opt/bin");
  EXPECT_TRUE(jobs[1].done && jobs[3].done && jobs[0].done);
  EXPECT_FALSE(jobs[5].done);
  const SweepTable table = aggregate_sweep(config_, jobs);
  EXPECT_EQ(table.organs, (std::vector<std::string>{"liver", "spleen"}));
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0].cells, 2);
  EXPECT_EQ(table.rows[0].expected, 4);
  EXPECT_NEAR(table.rows[0].mean[0], 0.6, 1e-12);
  EXPECT_NEAR(table.rows[0].std[0], std::sqrt(0.02), 1e-12);  // sample std of 0.5, 0.7
  EXPECT_NEAR(table.rows[0].mean[2], 0.5, 1e-12);
  EXPECT_NEAR(table.rows[1].mean[2], 1.0, 1e-12);
  EXPECT_NE(
      table.markdown().find("| CE-T | 0.600 +- 0.141 | 0.400 +- 0.141 | 0.500 +- 0.141 | 2/4 |"),
      std::string::npos)
      << table.markdown();
  // The floor row has one finished cell: no spread to show.
  EXPECT_NE(table.markdown().find("| 1.000 | 1.000 | 1.000 | 1/4 |"), std::string::npos)
      << table.markdown();
}

TEST_F(SweepTest, ConfiguredOrgansOrderTheColumnsAndMustBeInTheResults) {
  auto jobs = plan_sweep(config_, "/opt/bin");
  write_results(jobs[1], 0.5, 0.3);  // tpm fold 0 seed 1
  jobs = plan_sweep(config_, "/opt/bin");
  config_.organs = {"spleen", "liver"};
  const SweepTable table = aggregate_sweep(config_, jobs);
  EXPECT_EQ(table.organs, (std::vector<std::string>{"spleen", "liver"}));
  EXPECT_NEAR(table.rows[0].mean[0], 0.3, 1e-12);
  EXPECT_NEAR(table.rows[0].mean[1], 0.5, 1e-12);
  config_.organs = {"liver", "left_kidney"};
  testing::expect_error<std::runtime_error>(
      [&] { aggregate_sweep(config_, jobs); },
      jobs[1].results_file.string() + ": no organ 'left_kidney' for method 'CE-T'");
}

TEST_F(SweepTest, FinishedCellsAreArchivedAndAnArchivedCellCountsAsFinished) {
  // Stand-ins for train-tpm and eval-fold that write what the real ones write into --out.
  const fs::path bin = dir_ / "bin";
  fs::create_directories(bin);
  const std::string find_out =
      "#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --out ]; then out=$2; fi; shift; done\n"
      "mkdir -p \"$out\"\n";
  std::ofstream(bin / "train-tpm") << find_out
                                   << "touch \"$out/model.pth\"\n"
                                      "echo '{\"step\": 10}' > \"$out/metrics.jsonl\"\n";
  std::ofstream(bin / "eval-fold")
      << find_out
      << "echo '{\"means\": {\"CE-T\": {\"liver\": 0.5, \"mean\": 0.5}}}' > \"$out/results.json\"\n"
         "echo 'volume,dice' > \"$out/per_volume.csv\"\n";
  for (const char* name : {"train-tpm", "eval-fold"}) {
    fs::permissions(bin / name, fs::perms::owner_all, fs::perm_options::add);
  }
  config_.archive = dir_ / "archive";
  const SweepJob tpm = plan_sweep(config_, bin)[1];  // tpm fold 0 seed 1
  ASSERT_TRUE(tpm.needs_training);
  ASSERT_EQ(std::system(("bash -c " + shell_quote(tpm.command)).c_str()), 0) << tpm.command;
  const fs::path cell = config_.archive / "tpm" / "fold0_seed1";
  EXPECT_TRUE(fs::exists(cell / "metrics.jsonl"));
  EXPECT_TRUE(fs::exists(cell / "eval_fold0_ep2" / "per_volume.csv"));
  EXPECT_FALSE(fs::exists(cell / "model.pth"));  // checkpoints stay in the run folder
  // A fresh clone has the archive but not the runs: the cell is finished and aggregated.
  fs::remove_all(dir_ / "runs");
  const auto jobs = plan_sweep(config_, bin);
  EXPECT_TRUE(jobs[1].done);
  EXPECT_EQ(jobs[1].results_file, cell / "eval_fold0_ep2" / "results.json");
  EXPECT_FALSE(jobs[3].done);
  EXPECT_NEAR(aggregate_sweep(config_, jobs).rows[0].mean[0], 0.5, 1e-12);
}

TEST_F(SweepTest, RowsMustNameKnownVariants) {
  std::ofstream(dir_ / "bad.yaml") << "name: x\nout: o\nvariants: {a: {config: c.yaml}}\n"
                                      "rows: [{label: L, variant: b, method: CE-T}]\n";
  testing::expect_error([&] { config::load_config<SweepConfig>(dir_ / "bad.yaml"); },
                        "unknown variant 'b'");
}

TEST_F(SweepTest, RowsMustNameMethodsOfTheTableKind) {
  // ADNet++ is a multi-class rule, CE-T_MP a binary method only.
  const std::string variants = "name: x\nout: o\nvariants: {a: {config: c.yaml}}\n";
  std::ofstream(dir_ / "binary.yaml")
      << variants << "rows: [{label: L, variant: a, method: ADNet++}]\n";
  std::ofstream(dir_ / "multi.yaml") << variants << "multi_class: true\n"
                                     << "rows: [{label: M, variant: a, method: CE-T_MP}]\n";
  for (const auto& [file, expected] :
       {std::pair<std::string, std::string>{"binary.yaml",
                                            "row 'L': unknown inference method "
                                            "'ADNet++'"},
        {"multi.yaml", "row 'M': unknown multi-class rule 'CE-T_MP'"}}) {
    const fs::path path = dir_ / file;
    SCOPED_TRACE(file);
    testing::expect_error([&] { config::load_config<SweepConfig>(path); }, expected);
  }
  std::ofstream(dir_ / "multi_ok.yaml") << variants << "multi_class: true\n"
                                        << "rows: [{label: M, variant: a, method: ADNet++}]\n";
  const auto config = config::load_config<SweepConfig>(dir_ / "multi_ok.yaml");
  EXPECT_NE(plan_sweep(config, "/opt/bin")[0].command.find("--multi-class --methods 'ADNet++'"),
            std::string::npos)
      << plan_sweep(config, "/opt/bin")[0].command;
}

TEST_F(SweepTest, CrossDomainCellsShareTrainedRunsAndKeepTheirOwnEvaluation) {
  std::ofstream(dir_ / "other.yaml") << "name: other\n";
  std::ofstream(dir_ / "cross.yaml") << "name: cross\nout: runs\nfolds: [0]\nseeds: [1]\n"
                                        "eval_dataset: other.yaml\n"
                                        "variants: {tpm: {config: tpm.yaml}}\n"
                                        "rows: [{label: CE-T, variant: tpm, method: CE-T}]\n";
  const auto cross = config::load_config<SweepConfig>(dir_ / "cross.yaml");
  const SweepJob job = plan_sweep(cross, "/opt/bin")[0];
  const SweepJob in_domain = plan_sweep(config_, "/opt/bin")[1];  // tpm, fold 0, seed 1
  EXPECT_EQ(job.run_dir, in_domain.run_dir);  // the in-domain sweep's trained model
  EXPECT_EQ(job.results_file, job.run_dir / "eval_fold0_ep2_on_other" / "results.json");
  const std::string dataset = " --dataset " + shell_quote((dir_ / "other.yaml").string());
  EXPECT_NE(job.command.find(dataset), std::string::npos) << job.command;
  EXPECT_EQ(in_domain.command.find("--dataset"), std::string::npos) << in_domain.command;
  // An in-domain result does not finish the cross-domain cell.
  write_results(in_domain, 0.5, 0.3);
  EXPECT_TRUE(plan_sweep(config_, "/opt/bin")[1].done);
  EXPECT_FALSE(plan_sweep(cross, "/opt/bin")[0].done);

  std::ofstream(dir_ / "missing.yaml") << "name: m\nout: o\neval_dataset: nowhere.yaml\n"
                                          "variants: {a: {config: c.yaml}}\n"
                                          "rows: [{label: L, variant: a, method: CE-T}]\n";
  testing::expect_error([&] { config::load_config<SweepConfig>(dir_ / "missing.yaml"); },
                        "nowhere.yaml");
}

TEST(ShellQuoteTest, QuotesAnApostrophe) { EXPECT_EQ(shell_quote("it's"), "'it'\\''s'"); }

}  // namespace
}  // namespace protoseg::sweep
