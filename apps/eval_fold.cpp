// eval-fold: few-shot evaluation (EP2 or EP1) of a trained model on one fold: Dice per query
// volume, organ and inference method as CSV and JSON, a Markdown summary and PNG overlays.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/precision.h"
#include "protoseg/core/threads.h"
#include "protoseg/data/dataset_config.h"
#include "protoseg/data/supervoxel_episode_sampler.h"
#include "protoseg/data/volume_dataset.h"
#include "protoseg/eval/dice_report.h"
#include "protoseg/eval/fold_evaluation.h"
#include "protoseg/eval/multi_class_evaluation.h"
#include "protoseg/eval/overlay.h"
#include "protoseg/eval/training_priors.h"
#include "protoseg/io/image2d_io.h"
#include "protoseg/io/torch_state_dict.h"
#include "protoseg/models/load_weights.h"
#include "protoseg/models/reference_checkpoint.h"
#include "protoseg/train/train_config.h"
#include "protoseg/train/trainer.h"

namespace fs = std::filesystem;
using namespace protoseg;

namespace {

bool needs_priors(const std::vector<eval::InferenceMethod>& methods) {
  return std::any_of(methods.begin(), methods.end(), [](eval::InferenceMethod method) {
    return eval::needs_training_priors(method);
  });
}

bool needs_priors(const std::vector<eval::MultiClassRule>& rules) {
  return std::any_of(rules.begin(), rules.end(),
                     [](eval::MultiClassRule rule) { return eval::needs_training_priors(rule); });
}

std::string slug(std::string text) {
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Evaluate a few-shot model on one fold and write Dice tables"};
  fs::path run_dir, config_file, model_file, out_dir;
  int fold = -1;
  std::string protocol_name = "ep2", method_list = "all", log_level = "info";
  bool reference_compat = false, multi_class = false;
  int analysis_episodes = 1000, overlay_volumes = 1, batch_size = 8;
  std::vector<std::string> overrides, dataset_overrides;
  fs::path evaluation_dataset_file;
  app.add_option("--run", run_dir, "train-tpm run folder (config.yaml, dataset.yaml, model.pth)");
  app.add_option("--config", config_file, "training YAML (instead of --run)");
  app.add_option("--model", model_file,
                 "model.pth to evaluate (default: <run>/model.pth; with --config and no "
                 "--model: the config's initial weights, e.g. ImageNet features)");
  app.add_option("--fold", fold, "fold to evaluate (default: the config's)");
  app.add_option("--protocol", protocol_name, "ep2 (paper) or ep1")
      ->check(CLI::IsMember({"ep1", "ep2"}));
  app.add_option("--methods", method_list,
                 "comma-separated: CE-T,AvgEst,LinEst,OCP and *_MP, or all; with --multi-class: "
                 "ADNet++,CE-T,AvgEst,LinEst,OCP, or all");
  app.add_flag("--reference-compat", reference_compat,
               "the reference's off-by-one boundary, LinEst locations and multi-class queries");
  app.add_flag("--multi-class", multi_class,
               "each fold volume in turn gives one support slice with every organ; per-pixel "
               "argmax over organs and background (ADNet++, and Eq. 9 with the CE-T, AvgEst, "
               "LinEst and OCP priors)");
  std::string support_slice = "random";
  app.add_option("--support-slice", support_slice,
                 "multi-class support slice among those with the most classes: random (the "
                 "reference's Table 2) or balanced")
      ->check(CLI::IsMember({"random", "balanced"}));
  app.add_option("--analysis-episodes", analysis_episodes,
                 "training episodes for the AvgEst_MP / LinEst fit");
  app.add_option("--overlays", overlay_volumes, "query volumes with PNG overlays (0: none)");
  app.add_option("--batch-size", batch_size, "slices per encoder call");
  app.add_option("--out", out_dir, "output folder (default: <run>/eval_fold<F>_<protocol>)");
  app.add_option("--set", overrides, "override a config key");
  app.add_option("--dataset", evaluation_dataset_file,
                 "evaluate on another dataset (cross-domain: e.g. an ABD-MRI run on "
                 "configs/data/abd_ct.yaml); the training priors stay the run's");
  app.add_option("--dataset-set", dataset_overrides, "override a key of the evaluated dataset");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("eval-fold", [&] {
    core::setup_logging(log_level);
    if (run_dir.empty() == config_file.empty()) {
      throw std::invalid_argument("give either --run or --config");
    }
    if (!run_dir.empty()) {
      config_file = run_dir / "config.yaml";
      if (model_file.empty()) model_file = run_dir / "model.pth";
      if (!fs::exists(model_file)) {
        throw std::runtime_error(model_file.string() +
                                 ": no model in the run folder (has train-tpm finished?)");
      }
    }
    const bool cross_domain = !evaluation_dataset_file.empty();
    // In-domain, --fold is the run's fold for everything; cross-domain it picks the evaluated
    // fold while the training priors keep the run's own fold and dataset.
    if (fold >= 0 && !cross_domain) overrides.push_back("fold=" + std::to_string(fold));
    auto config = config::load_config<train::TrainConfig>(config_file, overrides);
    // A run folder keeps the resolved dataset next to its config.
    const fs::path run_dataset = config_file.parent_path() / "dataset.yaml";
    const fs::path dataset_file = fs::exists(run_dataset) ? run_dataset : fs::path(config.dataset);
    const auto dataset_config = config::load_config<data::DatasetConfig>(
        dataset_file, cross_domain ? std::vector<std::string>{} : dataset_overrides);
    const auto evaluation_config = cross_domain ? config::load_config<data::DatasetConfig>(
                                                      evaluation_dataset_file, dataset_overrides)
                                                : dataset_config;
    const int evaluation_fold = fold >= 0 ? fold : config.fold;
    if (multi_class && protocol_name != "ep2") {
      throw std::invalid_argument("--multi-class evaluates every query slice (EP2 queries)");
    }
    const std::string suffix = protocol_name + (multi_class ? "_mc" : "") +
                               (multi_class && support_slice == "balanced" ? "_balanced" : "") +
                               (reference_compat ? "_compat" : "");
    const fs::path base = run_dir.empty() ? out_dir : run_dir;
    if (base.empty()) throw std::invalid_argument("--out is required with --config");
    if (out_dir.empty()) {
      const std::string prefix =
          cross_domain ? "eval_" + evaluation_config.name + "_fold" : "eval_fold";
      out_dir = run_dir / (prefix + std::to_string(evaluation_fold) + "_" + suffix);
    }
    fs::create_directories(out_dir);

    eval::FoldEvaluationOptions options;
    options.protocol = protocol_name == "ep1" ? eval::Protocol::kEP1 : eval::Protocol::kEP2;
    std::vector<eval::MultiClassRule> rules;
    if (multi_class) {
      rules = eval::parse_multi_class_rules(method_list);
    } else {
      options.methods = eval::parse_methods(method_list);
    }
    options.reference_compat = reference_compat;
    options.balanced_support_slice = support_slice == "balanced";
    options.batch_size = batch_size;
    options.seed = static_cast<uint64_t>(config.seed);
    options.device = core::resolve_device(config.device);
    options.image_size = config.episodes.image_size;
    const core::Precision precision = core::resolve_precision(config.precision, options.device);
    const int threads = core::configure_threads(config.threads);

    std::string source;
    if (!model_file.empty()) {
      config.encoder.weights = train::EncoderConfig::kNoWeights;  // all from the model file
      source = model_file.string();
    } else {
      source =
          "initial weights " + (config.encoder.random_weights() ? std::string("(random)")
                                                                : config.encoder.weights.string());
    }
    models::FewShotSegmenter model = train::make_segmenter(config);
    if (!model_file.empty()) {
      // protoseg's model.pth or a reference TPM-FSS checkpoint (docs/fidelity.md).
      const auto report = models::load_state_dict(
          *model,
          models::protoseg_state_dict(io::read_torch_state_dict(model_file), model->head->options));
      source += " (" + report.summary() + ")";
    }
    model->to(options.device);
    model->eval();
    const data::VolumeDataset dataset(evaluation_config);
    spdlog::info("{} fold {} {}: {}, {} threads, {}", evaluation_config.name, evaluation_fold,
                 protocol_name, source, threads, core::to_string(precision));
    const eval::SliceEncoder encoder =
        eval::make_slice_encoder(model->encoder, options.device, precision);

    eval::TrainingPriors priors;
    if (multi_class ? needs_priors(rules) : needs_priors(options.methods)) {
      // The multi-class head's priors come from multi-foreground episodes (5 structures).
      const fs::path priors_file =
          base / ("training_priors_fold" + std::to_string(config.fold) +
                  (multi_class ? "_mc" : "") + (reference_compat ? "_compat" : "") + ".json");
      bool cached = false;
      if (fs::exists(priors_file)) {
        try {
          priors = eval::read_training_priors(priors_file);
          cached = priors.episodes == analysis_episodes;
        } catch (const std::runtime_error& e) {
          spdlog::warn("{}; running the analysis again", e.what());
        }
      }
      if (cached) {
        spdlog::info("training priors from {}", priors_file.string());
      } else {
        data::SupervoxelEpisodeOptions episodes = config.episodes;
        if (multi_class) episodes.max_foregrounds = std::max(episodes.max_foregrounds, 5);
        const data::VolumeDataset training_dataset(dataset_config);
        const data::SupervoxelEpisodeSampler sampler(
            training_dataset, training_dataset.training_indices(config.fold), episodes,
            static_cast<uint64_t>(config.seed) + 1);
        eval::PriorAnalysisOptions analysis;
        analysis.episodes = analysis_episodes;
        analysis.workers = config.workers;
        analysis.reference_compat = reference_compat;
        analysis.multi_class = multi_class;
        analysis.seed = static_cast<uint64_t>(config.seed);
        analysis.device = options.device;
        priors = eval::analyze_training_priors(*model->head, encoder, sampler, analysis);
        eval::write_training_priors(priors, priors_file);
        spdlog::info("training priors ({} episodes) in {}", analysis_episodes,
                     priors_file.string());
      }
      spdlog::info(
          "AvgEst_MP prior {:.4f}; LinEst logit = {:.3f} + {:.3f} (loc - 0.5)^2 + "
          "{:.3f} size (one prototype), {:.3f} + {:.3f} (loc - 0.5)^2 + {:.3f} size "
          "(multi)",
          priors.average_multi, priors.linear_single.intercept, priors.linear_single.location_coef,
          priors.linear_single.size_coef, priors.linear_multi.intercept,
          priors.linear_multi.location_coef, priors.linear_multi.size_coef);
      if (multi_class) {
        const eval::MultiClassLinearPrior& m = priors.linear_multi_class;
        spdlog::info(
            "multi-class: AvgEst q {:.4f}; LinEst log F = {:.3f} (loc - 0.5)^2 + {:.3f} size + "
            "{:.3f}, log B = {:.3f} (loc - 0.5)^2 + {:.3f} size ({} episodes)",
            priors.average_multi_class, m.foreground_weight[0], m.foreground_weight[1],
            m.foreground_bias, m.background_weight[0], m.background_weight[1], m.samples);
      }
      options.priors = &priors;
    }

    // Overlays: the scored slice with the most true voxels, per query volume, organ, method.
    const fs::path overlay_dir = out_dir / "overlays";
    std::vector<int> overlay_ids;
    eval::PredictionObserver observer = [&](const eval::PredictionView& view) {
      if (std::find(overlay_ids.begin(), overlay_ids.end(), view.query_id) == overlay_ids.end()) {
        if (static_cast<int>(overlay_ids.size()) >= overlay_volumes) return;
        overlay_ids.push_back(view.query_id);
      }
      const int64_t best = view.truth.flatten(1).sum(1).argmax().item<int64_t>();
      fs::create_directories(overlay_dir);
      io::write_image(
          eval::overlay_rgb(view.query_image[best], view.truth[best], view.prediction[best]),
          overlay_dir / ("query" + std::to_string(view.query_id) + "_" + slug(view.organ) + "_z" +
                         std::to_string(view.slices[static_cast<size_t>(best)]) + "_" +
                         slug(view.method) + ".png"));
    };

    const auto started = std::chrono::steady_clock::now();
    const auto records =
        multi_class ? eval::evaluate_fold_multi_class(*model->head, encoder, dataset,
                                                      evaluation_fold, options, observer, rules)
                    : eval::evaluate_fold(*model->head, encoder, dataset, evaluation_fold, options,
                                          observer);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    config::write_text_atomically(out_dir / "dice.csv", eval::dice_csv(records, evaluation_fold));
    config::write_text_atomically(out_dir / "results.json",
                                  eval::dice_json(records, evaluation_fold, suffix));
    const std::string table = eval::dice_markdown(eval::mean_dice(records));
    config::write_text_atomically(
        out_dir / "summary.md", "Mean 3D Dice over the query volumes of " + evaluation_config.name +
                                    " fold " + std::to_string(evaluation_fold) + ", " +
                                    protocol_name + (multi_class ? ", multi-class" : "") +
                                    (reference_compat ? ", reference_compat" : "") + " (" + source +
                                    ")\n\n" + table);
    std::printf("%s", table.c_str());
    spdlog::info("evaluation {:.1f} s; results in {}", seconds, out_dir.string());
    return 0;
  });
}
