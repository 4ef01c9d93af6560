#include "protoseg/config/load_config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "test_paths.h"

namespace protoseg::config {
namespace {

struct OptimizerConfig {
  double lr = 1e-3;
  int steps = 100;

  template <class V>
  void visit(V& v) {
    v.required("lr", lr);
    v.optional("steps", steps);
  }
  template <class V>
  void validate(V& v) const {
    if (lr <= 0) v.invalid("lr", "must be positive");
  }
};

struct ExperimentConfig {
  std::string name;
  std::filesystem::path data;
  bool amp = false;
  std::vector<int> folds;
  OptimizerConfig optimizer;

  template <class V>
  void visit(V& v) {
    v.required("name", name);
    v.optional("data", data);
    v.optional("amp", amp);
    v.optional("folds", folds);
    v.required("optimizer", optimizer);
  }
  template <class V>
  void validate(V& v) const {}
};

std::filesystem::path write_yaml(const std::string& text) {
  const auto file = protoseg::testing::fresh_temp_dir("config") / "experiment.yaml";
  std::ofstream(file) << text;
  return file;
}

TEST(LoadConfigTest, ReadsValuesAndResolvesPathsAgainstTheFile) {
  const auto file = write_yaml(
      "name: demo\ndata: ../volumes\namp: true\nfolds: [0, 2]\noptimizer:\n  lr: 0.01\n");
  const auto config = load_config<ExperimentConfig>(file);
  EXPECT_EQ(config.name, "demo");
  EXPECT_EQ(config.data,
            std::filesystem::absolute(file.parent_path() / "../volumes").lexically_normal());
  EXPECT_TRUE(config.amp);
  EXPECT_EQ(config.folds, (std::vector<int>{0, 2}));
  EXPECT_DOUBLE_EQ(config.optimizer.lr, 0.01);
  EXPECT_EQ(config.optimizer.steps, 100);
}

TEST(LoadConfigTest, ReportsEveryProblemWithFileLineColumnAndKey) {
  const auto file = write_yaml(
      "name: demo\n"
      "amp: maybe\n"
      "colour: blue\n"
      "optimizer:\n"
      "  steps: many\n");
  try {
    load_config<ExperimentConfig>(file);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string f = file.string();
    const std::vector<std::string> expected{
        f + ":2:6 'amp': expected true or false, got 'maybe'",
        f + ":5:3 'optimizer.lr': required key is missing",
        f + ":5:10 'optimizer.steps': expected an integer, got 'many'",
        f + ":3:1 'colour': unknown key",
    };
    EXPECT_EQ(e.problems(), expected) << e.what();
  }
}

TEST(LoadConfigTest, SemanticChecksRunAfterTypes) {
  const auto file = write_yaml("name: demo\noptimizer: {lr: -1}\n");
  try {
    load_config<ExperimentConfig>(file);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0], file.string() + ":2:17 'optimizer.lr': must be positive");
  }
}

TEST(LoadConfigTest, OverridesAreAppliedAndValidatedAgain) {
  const auto file = write_yaml("name: demo\noptimizer:\n  lr: 0.01\n");
  const auto config = load_config<ExperimentConfig>(
      file, {"optimizer.steps=7", "folds=[1, 3]", "data=relative/dir"});
  EXPECT_EQ(config.optimizer.steps, 7);
  EXPECT_EQ(config.folds, (std::vector<int>{1, 3}));
  // Command-line paths stay relative to the working directory.
  EXPECT_EQ(config.data, std::filesystem::absolute("relative/dir").lexically_normal());

  try {
    load_config<ExperimentConfig>(file, {"optimizer.lr=fast", "optimiser.lr=1", "noequals"});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::vector<std::string> expected{
        "--set 'noequals': expected key=value",
    };
    EXPECT_EQ(e.problems(), expected) << e.what();
  }
  try {
    load_config<ExperimentConfig>(file, {"optimizer.lr=fast", "optimiser.lr=1"});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::vector<std::string> expected{
        "--set 'optimizer.lr': expected a number, got 'fast'",
        "--set 'optimiser': unknown key",
    };
    EXPECT_EQ(e.problems(), expected) << e.what();
  }
}

TEST(LoadConfigTest, SyntaxErrorsAndMissingFilesNameTheFile) {
  const auto file = write_yaml("name: demo\noptimizer: [unclosed\n");
  try {
    load_config<ExperimentConfig>(file);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(file.string() + ":", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("YAML syntax error"), std::string::npos) << e.what();
  }
  try {
    load_config<ExperimentConfig>("/nonexistent/experiment.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/experiment.yaml: config file not found");
  }
}

TEST(LoadConfigTest, SavedConfigLoadsBackIdentically) {
  const auto file = write_yaml("name: demo\nfolds: [4]\noptimizer:\n  lr: 0.25\n  steps: 3\n");
  const auto config = load_config<ExperimentConfig>(file);
  const auto saved = file.parent_path() / "resolved.yaml";
  save_config(config, saved);
  const auto again = load_config<ExperimentConfig>(saved);
  EXPECT_EQ(to_yaml(again), to_yaml(config));
  EXPECT_EQ(again.folds, config.folds);
  EXPECT_DOUBLE_EQ(again.optimizer.lr, 0.25);
}

}  // namespace
}  // namespace protoseg::config
