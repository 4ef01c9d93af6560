#include "protoseg/eval/training_priors.h"

#include <cmath>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/progress_bar.h"
#include "protoseg/data/episode_prefetcher.h"
#include "protoseg/eval/binary_predictor.h"
#include "protoseg/eval/support_prototypes.h"

namespace protoseg::eval {
namespace {

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

double slice_location(int64_t z, int64_t depth) {
  return depth > 1 ? static_cast<double>(z) / static_cast<double>(depth - 1) : 0.0;
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
  priors.episodes = options.episodes;
  core::ProgressBar progress("prior analysis", options.episodes, std::cerr);
  for (int done = 0; done < options.episodes;) {
    const int count = std::min(options.batch_size, options.episodes - done);
    std::vector<data::Episode> episodes;
    std::vector<at::Tensor> images;
    for (int i = 0; i < count; ++i) episodes.push_back(prefetcher.next());
    for (const auto& e : episodes) images.push_back(e.support_image);
    for (const auto& e : episodes) images.push_back(e.query_image);
    const at::Tensor features =
        encode_slices(encoder, torch::stack(images), 2 * count, options.device);
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
      s.location = options.reference_compat ? slice_location(e.support_rank, e.label_slice_count)
                                            : slice_location(e.query_slice, e.volume_depth);
      s.support_fraction = support.foreground_fraction;
      s.prior_single = predictor.ideal_priors(false, mask, options.reference_compat).item<double>();
      s.prior_multi = predictor.ideal_priors(true, mask, options.reference_compat).item<double>();
      priors.samples.push_back(s);
    }
    done += count;
    progress.update(done);
  }
  progress.finish();
  priors.average_single = finite_mean(priors.samples, &PriorSample::prior_single);
  priors.average_multi = finite_mean(priors.samples, &PriorSample::prior_multi);
  priors.linear_single = fit(priors.samples, &PriorSample::prior_single);
  priors.linear_multi = fit(priors.samples, &PriorSample::prior_multi);
  return priors;
}

void write_training_priors(const TrainingPriors& priors, const std::filesystem::path& json_file) {
  const nlohmann::json j = {{"average_single", priors.average_single},
                            {"average_multi", priors.average_multi},
                            {"linear_single", to_json(priors.linear_single)},
                            {"linear_multi", to_json(priors.linear_multi)},
                            {"reference_compat", priors.reference_compat},
                            {"episodes", priors.episodes}};
  config::write_text_atomically(json_file, j.dump(2) + "\n");
  std::string csv = "episode,location,support_fraction,prior_single,prior_multi\n";
  for (const PriorSample& s : priors.samples) {
    csv += std::to_string(s.episode) + "," + std::to_string(s.location) + "," +
           std::to_string(s.support_fraction) + "," + std::to_string(s.prior_single) + "," +
           std::to_string(s.prior_multi) + "\n";
  }
  auto csv_file = json_file;
  config::write_text_atomically(csv_file.replace_extension(".csv"), csv);
}

TrainingPriors read_training_priors(const std::filesystem::path& json_file) {
  std::ifstream in(json_file);
  if (!in) throw std::runtime_error(json_file.string() + ": cannot open prior analysis file");
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    TrainingPriors priors;
    priors.average_single = j.at("average_single").get<double>();
    priors.average_multi = j.at("average_multi").get<double>();
    priors.linear_single = linear_from_json(j.at("linear_single"));
    priors.linear_multi = linear_from_json(j.at("linear_multi"));
    priors.reference_compat = j.at("reference_compat").get<bool>();
    priors.episodes = j.at("episodes").get<int>();
    return priors;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(json_file.string() +
                             ": malformed prior analysis file: " + error.what());
  }
}

}  // namespace protoseg::eval
