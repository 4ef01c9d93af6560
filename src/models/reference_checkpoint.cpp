#include "protoseg/models/reference_checkpoint.h"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace protoseg::models {
namespace {

const std::string kModulePrefix = "module.";
const std::string kBackbone = "encoder.backbone.";

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

const at::Tensor& entry(const io::StateDict& state, const std::string& key, const char* what) {
  const auto it = state.find(key);
  if (it == state.end()) {
    throw std::runtime_error(std::string(what) + " has no '" + key + "'");
  }
  return it->second;
}

std::string threshold_key(const TiedPrototypeHeadOptions& head) {
  return head.parameterization() == ThresholdParameterization::kSoftplus ? "pre_T_S" : "T_S";
}

at::Tensor scalar(double value) { return torch::full({1}, value, torch::kFloat); }

/// The ASPP head torchvision's deeplabv3 builder attaches (rates 12, 24, 36 on 2048 channels),
/// kept by the reference encoder as `aspp_out` next to a 1x1 `asppconv`; neither is used.
std::vector<std::pair<std::string, std::vector<int64_t>>> unused_aspp_convolutions() {
  return {{"encoder.asppconv.weight", {256, 256, 1, 1}},
          {"encoder.aspp_out.0.convs.0.0.weight", {256, 2048, 1, 1}},
          {"encoder.aspp_out.0.convs.1.0.weight", {256, 2048, 3, 3}},
          {"encoder.aspp_out.0.convs.2.0.weight", {256, 2048, 3, 3}},
          {"encoder.aspp_out.0.convs.3.0.weight", {256, 2048, 3, 3}},
          {"encoder.aspp_out.0.convs.4.1.weight", {256, 2048, 1, 1}},
          {"encoder.aspp_out.0.project.0.weight", {256, 1280, 1, 1}},
          {"encoder.aspp_out.1.weight", {256, 256, 3, 3}}};
}

std::vector<std::string> unused_aspp_batch_norms() {
  return {"encoder.aspp_out.0.convs.0.1", "encoder.aspp_out.0.convs.1.1",
          "encoder.aspp_out.0.convs.2.1", "encoder.aspp_out.0.convs.3.1",
          "encoder.aspp_out.0.convs.4.2", "encoder.aspp_out.0.project.1"};
}

}  // namespace

bool is_reference_checkpoint(const io::StateDict& state) {
  return state.count("encoder.localconv.weight") > 0 ||
         state.count(kModulePrefix + "encoder.localconv.weight") > 0;
}

io::StateDict from_reference_checkpoint(const io::StateDict& reference,
                                        const TiedPrototypeHeadOptions& head) {
  io::StateDict state;  // without the DataParallel prefix
  for (const auto& [key, value] : reference) {
    state[starts_with(key, kModulePrefix) ? key.substr(kModulePrefix.size()) : key] = value;
  }
  const char* what = "reference checkpoint";
  const double alpha = entry(state, "alpha", what).item<double>();
  if (std::abs(alpha - head.alpha()) > 1e-4 * head.alpha()) {
    throw std::runtime_error("reference checkpoint: trained with alpha " + std::to_string(alpha) +
                             ", the model is configured with alpha " +
                             std::to_string(head.alpha()));
  }
  if (state.count(threshold_key(head)) == 0) {
    throw std::runtime_error(std::string("reference checkpoint: no '") + threshold_key(head) +
                             "': it was trained " +
                             (head.parameterization() == ThresholdParameterization::kSoftplus
                                  ? "without --adnet (set head.threshold: direct)"
                                  : "with --adnet (set head.threshold: softplus)"));
  }
  io::StateDict ours;
  for (const auto& [key, value] : state) {
    if (starts_with(key, kBackbone)) ours[key] = value;
  }
  if (ours.empty()) throw std::runtime_error("reference checkpoint has no encoder.backbone.*");
  ours["encoder.projection.weight"] = entry(state, "encoder.localconv.weight", what);
  ours["head.threshold"] = entry(state, threshold_key(head), what).reshape({1});
  ours["head.sigma_foreground"] = entry(state, "sig1", what).reshape({1});
  ours["head.sigma_background"] = entry(state, "sig2", what).reshape({1});
  ours["head.ideal_threshold_ema"] = entry(state, "T_D_hat", what).reshape({1});
  return ours;
}

io::StateDict to_reference_checkpoint(const io::StateDict& ours,
                                      const TiedPrototypeHeadOptions& head,
                                      const at::Tensor& average_prior) {
  const char* what = "protoseg model";
  io::StateDict reference;
  for (const auto& [key, value] : ours) {
    if (starts_with(key, kBackbone)) reference[key] = value;
  }
  if (reference.empty()) throw std::runtime_error("protoseg model has no encoder.backbone.*");
  const at::Tensor& projection = entry(ours, "encoder.projection.weight", what);
  if (projection.sizes() != at::IntArrayRef({256, 2048, 1, 1})) {
    throw std::runtime_error(
        "the reference encoder reduces 2048 to 256 channels; this model's projection is " +
        std::to_string(projection.size(1)) + " -> " + std::to_string(projection.size(0)));
  }
  reference["encoder.localconv.weight"] = projection;
  reference[threshold_key(head)] = entry(ours, "head.threshold", what);
  reference["sig1"] = entry(ours, "head.sigma_foreground", what);
  reference["sig2"] = entry(ours, "head.sigma_background", what);
  reference["T_D_hat"] = entry(ours, "head.ideal_threshold_ema", what);
  reference["p_F_hat"] = average_prior.detach().to(torch::kCPU, torch::kFloat).reshape({1});
  for (const char* key : {"alpha", "alpha_hat", "alpha_hat2"})
    reference[key] = scalar(head.alpha());
  reference["p_F"] = scalar(0.5);
  for (const auto& [key, shape] : unused_aspp_convolutions()) {
    reference[key] = torch::zeros(shape, torch::kFloat);
  }
  for (const std::string& norm : unused_aspp_batch_norms()) {
    reference[norm + ".weight"] = torch::ones({256}, torch::kFloat);
    reference[norm + ".bias"] = torch::zeros({256}, torch::kFloat);
    reference[norm + ".running_mean"] = torch::zeros({256}, torch::kFloat);
    reference[norm + ".running_var"] = torch::ones({256}, torch::kFloat);
    reference[norm + ".num_batches_tracked"] = torch::zeros({}, torch::kLong);
  }
  return reference;
}

io::StateDict protoseg_state_dict(const io::StateDict& state,
                                  const TiedPrototypeHeadOptions& head) {
  return is_reference_checkpoint(state) ? from_reference_checkpoint(state, head) : state;
}

}  // namespace protoseg::models
