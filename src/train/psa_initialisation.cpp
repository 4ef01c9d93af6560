#include "protoseg/train/psa_initialisation.h"

#include <fstream>
#include <map>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "protoseg/cluster/hdbscan.h"
#include "protoseg/cluster/kmeans.h"
#include "protoseg/config/load_config.h"
#include "protoseg/train/archive_file.h"
#include "protoseg/train/report_filter.h"

namespace protoseg::train {
namespace {

/// Surrogate labels from HDBSCAN on the text features of the distinct filtered sentences.
std::vector<int64_t> surrogate_labels(const FilteredReports& samples, int64_t min_cluster_size,
                                      int64_t& label_count) {
  std::map<std::vector<int64_t>, int64_t> sentence_of;
  std::vector<int64_t> sample_sentence, representative;
  for (size_t i = 0; i < samples.kept_ids.size(); ++i) {
    const auto [it, inserted] =
        sentence_of.emplace(samples.kept_ids[i], static_cast<int64_t>(sentence_of.size()));
    if (inserted) representative.push_back(static_cast<int64_t>(i));
    sample_sentence.push_back(it->second);
  }
  const auto distinct = static_cast<int64_t>(representative.size());
  std::vector<int64_t> sentence_label(static_cast<size_t>(distinct), 0);
  label_count = 1;
  if (distinct > min_cluster_size) {
    const torch::Tensor index = torch::tensor(representative, torch::kLong);
    const torch::Tensor mask = samples.masks.index_select(0, index).unsqueeze(2).to(torch::kFloat);
    const torch::Tensor text_features =
        (samples.responses.index_select(0, index) * mask).sum(1) / mask.sum(1).clamp_min(1);
    const cluster::HdbscanResult clusters = cluster::hdbscan(text_features, {min_cluster_size});
    const bool any_noise = std::count(clusters.labels.begin(), clusters.labels.end(), 0) > 0;
    if (clusters.cluster_count > 0) {
      label_count = clusters.cluster_count + (any_noise ? 1 : 0);
      for (int64_t s = 0; s < distinct; ++s) {
        const int64_t label = clusters.labels[static_cast<size_t>(s)];
        sentence_label[static_cast<size_t>(s)] = label > 0 ? label - 1 : clusters.cluster_count;
      }
    }
  }
  spdlog::info("PSA: {} distinct filtered sentences in {} surrogate labels", distinct, label_count);
  std::vector<int64_t> labels;
  for (const int64_t s : sample_sentence) labels.push_back(sentence_label[static_cast<size_t>(s)]);
  return labels;
}

}  // namespace

PsaPrototypes initialise_prototypes(
    models::LanguageGuidedUNet& teacher, models::TextEncoderImpl& text_encoder,
    const text::WordPieceTokenizer& tokenizer, const data::ImageReportSet& train,
    const std::vector<int64_t>& paired_rows, const PsaConfig& config, int64_t token_length,
    uint64_t seed, const c10::Device& device, core::Precision precision, int64_t batch_size) {
  TORCH_CHECK(!paired_rows.empty(), "PSA initialisation needs at least one paired sample");
  const FilteredReports samples =
      filter_reports(teacher, text_encoder, tokenizer, train, paired_rows, config.tau, token_length,
                     device, precision, batch_size);
  torch::NoGradGuard no_grad;

  PsaPrototypes out;
  out.rows = paired_rows;
  for (const auto& ids : samples.kept_ids)
    out.filtered_reports.push_back(join_tokens(tokenizer, ids));
  out.labels = surrogate_labels(samples, config.min_cluster_size, out.surrogate_labels);
  out.sub_clusters.assign(paired_rows.size(), 0);

  namespace F = torch::nn::functional;
  std::vector<torch::Tensor> queries, responses, masks;
  for (int64_t label = 0; label < out.surrogate_labels; ++label) {
    std::vector<int64_t> members;
    for (size_t i = 0; i < out.labels.size(); ++i) {
      if (out.labels[i] == label) members.push_back(static_cast<int64_t>(i));
    }
    if (members.empty()) continue;
    const torch::Tensor member_index = torch::tensor(members, torch::kLong);
    const torch::Tensor embeddings = F::normalize(samples.queries.index_select(0, member_index),
                                                  F::NormalizeFuncOptions().dim(1));
    cluster::KMeansOptions kmeans_options;
    kmeans_options.clusters = std::min<int64_t>(config.sub_clusters, embeddings.size(0));
    kmeans_options.seed = seed + static_cast<uint64_t>(label);
    const cluster::KMeansResult groups = cluster::kmeans(embeddings, kmeans_options);
    for (int64_t j = 0; j < kmeans_options.clusters; ++j) {
      const torch::Tensor in_group = groups.labels.eq(j).nonzero().flatten();
      if (in_group.numel() == 0) continue;
      for (int64_t k = 0; k < in_group.numel(); ++k) {
        out.sub_clusters[static_cast<size_t>(
            members[static_cast<size_t>(in_group[k].item<int64_t>())])] = j;
      }
      const torch::Tensor sample_index = member_index.index_select(0, in_group);
      if (config.prototype == "centroid") {
        queries.push_back(samples.queries.index_select(0, sample_index).mean(0));
        responses.push_back(samples.responses.index_select(0, sample_index).mean(0));
        masks.push_back(samples.masks.index_select(0, sample_index).amax(0));
        out.prototype_rows.push_back(-1);
      } else {
        const torch::Tensor distance =
            (embeddings.index_select(0, in_group) - groups.centres[j]).norm(2, 1);
        const int64_t nearest = sample_index[distance.argmin().item<int64_t>()].item<int64_t>();
        queries.push_back(samples.queries[nearest]);
        responses.push_back(samples.responses[nearest]);
        masks.push_back(samples.masks[nearest]);
        out.prototype_rows.push_back(paired_rows[static_cast<size_t>(nearest)]);
      }
    }
  }
  out.queries = torch::stack(queries);
  out.responses = torch::stack(responses);
  out.response_mask = torch::stack(masks);
  spdlog::info("PSA: {} prototypes from {} paired samples ({} surrogate labels, M = {})",
               out.queries.size(0), paired_rows.size(), out.surrogate_labels, config.sub_clusters);
  return out;
}

void save_prototypes(const PsaPrototypes& prototypes, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  torch::serialize::OutputArchive archive;
  archive.write("queries", prototypes.queries);
  archive.write("responses", prototypes.responses);
  archive.write("response_mask", prototypes.response_mask);
  archive.write("prototype_rows", torch::tensor(prototypes.prototype_rows, torch::kLong));
  archive.write("surrogate_labels", torch::tensor(prototypes.surrogate_labels));
  archive.write("rows", torch::tensor(prototypes.rows, torch::kLong));
  archive.write("labels", torch::tensor(prototypes.labels, torch::kLong));
  archive.write("sub_clusters", torch::tensor(prototypes.sub_clusters, torch::kLong));
  std::string csv = "row,label,sub_cluster,filtered_report\n";
  for (size_t i = 0; i < prototypes.rows.size(); ++i) {
    csv += std::to_string(prototypes.rows[i]) + "," + std::to_string(prototypes.labels[i]) + "," +
           std::to_string(prototypes.sub_clusters[i]) + ",\"" + prototypes.filtered_reports[i] +
           "\"\n";
  }
  config::write_text_atomically(dir / "samples.csv", csv);
  save_archive_atomically(archive, dir / "prototypes.pt");
}

PsaPrototypes load_prototypes(const std::filesystem::path& dir) {
  torch::serialize::InputArchive archive;
  load_archive(archive, dir / "prototypes.pt");
  PsaPrototypes out;
  torch::Tensor rows, labels, sub_clusters, prototype_rows, label_count;
  try {
    archive.read("queries", out.queries);
    archive.read("responses", out.responses);
    archive.read("response_mask", out.response_mask);
    archive.read("prototype_rows", prototype_rows);
    archive.read("surrogate_labels", label_count);
    archive.read("rows", rows);
    archive.read("labels", labels);
    archive.read("sub_clusters", sub_clusters);
  } catch (const c10::Error& e) {
    throw std::runtime_error((dir / "prototypes.pt").string() +
                             ": incomplete: " + e.what_without_backtrace());
  }
  auto to_vector = [](const torch::Tensor& t) {
    return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  };
  out.prototype_rows = to_vector(prototype_rows);
  out.rows = to_vector(rows);
  out.labels = to_vector(labels);
  out.sub_clusters = to_vector(sub_clusters);
  out.surrogate_labels = label_count.item<int64_t>();
  return out;
}

}  // namespace protoseg::train
