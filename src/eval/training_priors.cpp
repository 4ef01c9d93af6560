#include "protoseg/eval/training_priors.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/elapsed.h"
#include "protoseg/core/progress_bar.h"
#include "protoseg/data/episode_prefetcher.h"
#include "protoseg/eval/binary_predictor.h"
#include "protoseg/eval/multi_class_prediction.h"
#include "protoseg/eval/support_prototypes.h"
#include "protoseg/models/prototype_ops.h"

namespace protoseg::eval {
namespace {

// Version of the JSON written by write_training_priors (2: multi-class Linear(2, 2) LinEst).
constexpr int kFormat = 2;

double finite_mean(const std::vector<PriorSample>& samples, double PriorSample::*field) {
  double sum = 0.0;
  int count = 0;
  for (const PriorSample& s : samples) {
    if (std::isfinite(s.*field)) {
      sum += s.*field;
      ++count;
    }
  }
  if (count == 0) throw std::runtime_error("prior analysis: no training query had a boundary");
  return sum / count;
}

LinearPrior fit(const std::vector<PriorSample>& samples, double PriorSample::*field) {
  std::vector<double> locations, fractions, priors;
  for (const PriorSample& s : samples) {
    locations.push_back(s.location);
    fractions.push_back(s.support_fraction);
    priors.push_back(s.*field);
  }
  return fit_linear_prior(locations, fractions, priors);
}

nlohmann::json to_json(const LinearPrior& p) {
  return {{"intercept", p.intercept},
          {"location_coef", p.location_coef},
          {"size_coef", p.size_coef},
          {"samples", p.samples}};
}

LinearPrior linear_from_json(const nlohmann::json& j) {
  LinearPrior p;
  p.intercept = j.at("intercept").get<double>();
  p.location_coef = j.at("location_coef").get<double>();
  p.size_coef = j.at("size_coef").get<double>();
  p.samples = j.at("samples").get<int>();
  return p;
}

}  // namespace

double prior_location(const data::Episode& episode, bool reference_compat) {
  // The reference's support_idx / (support_len - 1): the support's rank among the structure's
  // slices over the volume's depth.
  if (reference_compat) return slice_location(episode.support_rank, episode.volume_depth);
  return slice_location(episode.query_slice, episode.volume_depth);
}

TrainingPriors analyze_training_priors(const models::TiedPrototypeHeadImpl& head,
                                       const SliceEncoder& encoder,
                                       const data::SupervoxelEpisodeSampler& sampler,
                                       const PriorAnalysisOptions& options) {
  if (options.episodes < 3) throw std::invalid_argument("prior analysis needs >= 3 episodes");
  torch::NoGradGuard no_grad;
  data::EpisodePrefetcher prefetcher([&sampler](int64_t i) { return sampler.sample(i); }, 0,
                                     options.workers, 2 * options.batch_size);
  const double sigma_f = head.sigma_foreground.item<double>();
  const int64_t size = sampler.options().image_size;
  TrainingPriors priors;
  priors.reference_compat = options.reference_compat;
  priors.multi_class = options.multi_class;
  priors.episodes = options.episodes;
  core::ProgressBar progress("prior analysis", options.episodes, std::cerr);
  for (int done = 0; done < options.episodes;) {
    const int count = std::min(options.batch_size, options.episodes - done);
    std::vector<data::Episode> episodes;
    std::vector<at::Tensor> images;
    auto phase_start = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i) episodes.push_back(prefetcher.next());
    priors.seconds_waiting += core::seconds_since(phase_start);
    phase_start = std::chrono::steady_clock::now();
    for (const auto& e : episodes) images.push_back(e.support_image);
    for (const auto& e : episodes) images.push_back(e.query_image);
    const at::Tensor features =
        encode_slices(encoder, torch::stack(images), 2 * count, options.device);
    priors.seconds_encoding += core::seconds_since(phase_start);
    phase_start = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i) {
      const data::Episode& e = episodes[static_cast<size_t>(i)];
      at::Generator generator =
          at::detail::createCPUGenerator(data::episode_seed(options.seed, e.index));
      const SupportPrototypes support = make_support_prototypes(
          features.slice(0, i, i + 1), e.support_mask, sigma_f, options.mixture, generator);
      const BinaryPredictor predictor(head, support, features.slice(0, count + i, count + i + 1),
                                      size);
      const at::Tensor mask = e.query_mask.unsqueeze(0).to(options.device);
      PriorSample s;
      s.episode = e.index;
      s.location = prior_location(e, options.reference_compat);
      s.support_fraction = support.foreground_fraction;
      s.prior_single = predictor.ideal_priors(false, mask, options.reference_compat).item<double>();
      s.prior_multi = predictor.ideal_priors(true, mask, options.reference_compat).item<double>();
      if (options.multi_class) {
        const int64_t classes = e.foreground_count;
        std::vector<at::Tensor> masks;
        for (int64_t k = 1; k <= classes; ++k) {
          masks.push_back(e.support_labels.eq(k).to(torch::kFloat));
        }
        const at::Tensor support_masks = torch::stack(masks).to(options.device);
        const at::Tensor prototypes = models::masked_average_pooling(
            features.slice(0, i, i + 1).expand({classes, -1, -1, -1}), support_masks);
        const at::Tensor query = features.slice(0, count + i, count + i + 1);
        const at::Tensor cosines = models::prototype_cosines(query, prototypes);  // [1, K, h, w]
        const at::Tensor q = multi_class_ideal_prior(
            head, cosines, e.query_labels.gt(0).sum().reshape({1}).to(options.device), size,
            options.reference_compat);
        const at::Tensor fractions =
            support_masks.sum({1, 2}).cpu().to(torch::kDouble) / static_cast<double>(size * size);
        s.classes = static_cast<int>(classes);
        for (int64_t k = 0; k < classes; ++k) {
          s.support_fractions.push_back(fractions[k].item<double>());
        }
        s.support_fraction_total = fractions.sum().item<double>();
        s.prior_multi_class = std::isfinite(q.item<double>()) ? q.item<double>() : std::nan("");
      }
      priors.samples.push_back(s);
    }
    priors.seconds_statistics += core::seconds_since(phase_start);
    done += count;
    progress.update(done);
  }
  progress.finish();
  spdlog::info(
      "prior analysis: {} episodes, {:.1f} s waiting for episodes, {:.1f} s encoder, {:.1f} s "
      "prototypes and ideal priors",
      options.episodes, priors.seconds_waiting, priors.seconds_encoding, priors.seconds_statistics);
  priors.average_single = finite_mean(priors.samples, &PriorSample::prior_single);
  priors.average_multi = finite_mean(priors.samples, &PriorSample::prior_multi);
  priors.linear_single = fit(priors.samples, &PriorSample::prior_single);
  priors.linear_multi = fit(priors.samples, &PriorSample::prior_multi);
  if (options.multi_class) {
    // The reference: nanmean of the priors clipped to [1e-3, 1 - 1e-3] (AvgEst), and the
    // Linear(2, 2) fit on the episodes that hold the most structures (max_protos).
    double sum = 0.0;
    int finite = 0;
    for (const PriorSample& s : priors.samples) {
      if (!std::isfinite(s.prior_multi_class)) continue;
      sum += std::clamp(s.prior_multi_class, 1e-3, 1.0 - 1e-3);
      ++finite;
    }
    if (finite == 0)
      throw std::runtime_error("prior analysis: no multi-class query had a boundary");
    priors.average_multi_class = sum / finite;
    const int full = sampler.options().max_foregrounds;
    std::vector<MultiClassPriorSample> fit_samples;
    for (const PriorSample& s : priors.samples) {
      if (s.classes == full)
        fit_samples.push_back({s.location, s.support_fractions, s.prior_multi_class});
    }
    if (fit_samples.size() < 3) {
      throw std::runtime_error("prior analysis: only " + std::to_string(fit_samples.size()) +
                               " of " + std::to_string(priors.samples.size()) + " episodes hold " +
                               std::to_string(full) +
                               " structures; multi-class LinEst needs more episodes");
    }
    MultiClassLinearFitOptions fit_options;
    fit_options.seed = options.seed;
    priors.linear_multi_class = fit_multi_class_linear_prior(fit_samples, fit_options);
  }
  return priors;
}

void write_training_priors(const TrainingPriors& priors, const std::filesystem::path& json_file) {
  nlohmann::json j = {{"format", kFormat},
                      {"average_single", priors.average_single},
                      {"average_multi", priors.average_multi},
                      {"linear_single", to_json(priors.linear_single)},
                      {"linear_multi", to_json(priors.linear_multi)},
                      {"reference_compat", priors.reference_compat},
                      {"episodes", priors.episodes}};
  if (priors.multi_class) {
    const MultiClassLinearPrior& m = priors.linear_multi_class;
    j["average_multi_class"] = priors.average_multi_class;
    j["linear_multi_class"] = {{"foreground_weight", m.foreground_weight},
                               {"foreground_bias", m.foreground_bias},
                               {"background_weight", m.background_weight},
                               {"samples", m.samples}};
  }
  config::write_text_atomically(json_file, j.dump(2) + "\n");
  std::string csv = "episode,location,support_fraction,prior_single,prior_multi";
  csv += priors.multi_class
             ? ",classes,support_fractions,support_fraction_total,prior_multi_class\n"
             : "\n";
  for (const PriorSample& s : priors.samples) {
    csv += std::to_string(s.episode) + "," + std::to_string(s.location) + "," +
           std::to_string(s.support_fraction) + "," + std::to_string(s.prior_single) + "," +
           std::to_string(s.prior_multi);
    if (priors.multi_class) {
      std::string fractions;
      for (double f : s.support_fractions) {
        fractions += (fractions.empty() ? "" : ";") + std::to_string(f);
      }
      csv += "," + std::to_string(s.classes) + "," + fractions + "," +
             std::to_string(s.support_fraction_total) + "," + std::to_string(s.prior_multi_class);
    }
    csv += "\n";
  }
  auto csv_file = json_file;
  config::write_text_atomically(csv_file.replace_extension(".csv"), csv);
}

TrainingPriors read_training_priors(const std::filesystem::path& json_file) {
  std::ifstream in(json_file);
  if (!in) throw std::runtime_error(json_file.string() + ": cannot open prior analysis file");
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    if (!j.contains("format") || j.at("format").get<int>() != kFormat) {
      throw std::runtime_error(json_file.string() +
                               ": prior analysis of an older protoseg; delete it to rerun");
    }
    TrainingPriors priors;
    priors.average_single = j.at("average_single").get<double>();
    priors.average_multi = j.at("average_multi").get<double>();
    priors.linear_single = linear_from_json(j.at("linear_single"));
    priors.linear_multi = linear_from_json(j.at("linear_multi"));
    priors.reference_compat = j.at("reference_compat").get<bool>();
    priors.episodes = j.at("episodes").get<int>();
    if (j.contains("average_multi_class")) {
      priors.multi_class = true;
      priors.average_multi_class = j.at("average_multi_class").get<double>();
      const nlohmann::json& m = j.at("linear_multi_class");
      priors.linear_multi_class.foreground_weight =
          m.at("foreground_weight").get<std::array<double, 2>>();
      priors.linear_multi_class.foreground_bias = m.at("foreground_bias").get<double>();
      priors.linear_multi_class.background_weight =
          m.at("background_weight").get<std::array<double, 2>>();
      priors.linear_multi_class.samples = m.at("samples").get<int>();
    }
    return priors;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(json_file.string() +
                             ": malformed prior analysis file: " + error.what());
  }
}

}  // namespace protoseg::eval
