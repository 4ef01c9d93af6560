// bench-supervoxels: per-phase timing and peak memory of the supervoxel pipeline.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/core/cli_main.h"
#include "protoseg/core/threads.h"
#include "protoseg/io/volume_io.h"
#include "protoseg/supervoxel/body_mask.h"
#include "protoseg/supervoxel/felzenszwalb3d.h"
#include "protoseg/supervoxel/numpy_order_sort.h"
#include "protoseg/supervoxel/supervoxels.h"

namespace fs = std::filesystem;
using namespace protoseg;

namespace {

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // kilobytes on Linux
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time the supervoxel pipeline phase by phase on image volumes"};
  std::vector<fs::path> images;
  int n_sv = 5000;
  int threads = 0;
  int repeats = 1;
  app.add_option("images", images, "image volumes (NIfTI, MHA, NRRD)")->required();
  app.add_option("--n-sv", n_sv, "Felzenszwalb min_size");
  app.add_option("--threads", threads, "threads (default: all cores)");
  app.add_option("--repeats", repeats, "runs per volume; the fastest is reported");
  const std::map<std::string, supervoxel::StopperSearch> searches{
      {"scalar", supervoxel::StopperSearch::kScalar},
      {"avx2", supervoxel::StopperSearch::kAvx2},
      {"avx512", supervoxel::StopperSearch::kAvx512}};
  supervoxel::StopperSearch search = supervoxel::StopperSearch::kAvx512;
  app.add_option("--stopper-search", search,
                 "widest SIMD stopper search of the sort (the CPU's widest by default)")
      ->transform(CLI::CheckedTransformer(searches, CLI::ignore_case));
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("bench-supervoxels", [&] {
    const int used = core::configure_threads(threads);
    const supervoxel::StopperSearch in_use = supervoxel::use_stopper_search(search);
    std::string search_name;
    for (const auto& [name, level] : searches) {
      if (level == in_use) search_name = name;
    }
    std::printf("threads %d, stopper search %s\n", used, search_name.c_str());
    std::printf("%-18s %9s %6s %6s %8s %8s %11s %9s %9s %8s %8s %9s\n", "volume", "edges", "zero",
                "used", "read_s", "edges_s", "sort+merge", "(zeros)", "(waited)", "finish_s",
                "total_s", "peak_MiB");
    // Reused across volumes, as make-supervoxels does.
    supervoxel::FelzenszwalbWorkspace workspace;
    for (const auto& file : images) {
      double best_total = 1e30;
      supervoxel::FelzenszwalbProfile best{};
      double best_read = 0, best_mask = 0;
      for (int r = 0; r < repeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        const io::Volume image = io::read_volume(file, torch::kFloat64);
        const auto read = std::chrono::steady_clock::now();
        const at::Tensor scaled = supervoxel::rescale_to_255(image.data);
        supervoxel::FelzenszwalbOptions options;
        options.min_size = n_sv;
        options.z_over_xy_spacing = image.geometry.spacing[2] / image.geometry.spacing[0];
        options.threads = used;
        supervoxel::FelzenszwalbProfile profile;
        // As make_supervoxels(): the body mask is computed beside the segmentation.
        auto mask = std::async(std::launch::async,
                               [&] { return supervoxel::body_mask(scaled, 10.0, false); });
        at::Tensor labels = supervoxel::felzenszwalb3d(scaled, options, &profile, &workspace);
        const auto segmented = std::chrono::steady_clock::now();
        labels.masked_fill_(labels == 0, labels.max().item<int32_t>() + 1);
        labels.masked_fill_(mask.get().logical_not(), 0);
        const auto end = std::chrono::steady_clock::now();
        const double total = std::chrono::duration<double>(end - start).count();
        if (total < best_total) {
          best_total = total;
          best = profile;
          best_read = std::chrono::duration<double>(read - start).count();
          best_mask = std::chrono::duration<double>(end - segmented).count();
        }
      }
      const double edges = static_cast<double>(std::max<int64_t>(best.edge_count, 1));
      std::printf("%-18s %9lld %5.0f%% %5.0f%% %8.3f %8.3f %11.3f %9.3f %9.3f %8.3f %8.3f %9.0f\n",
                  file.filename().c_str(), static_cast<long long>(best.edge_count),
                  100.0 * best.zero_cost_edges / edges, 100.0 * best.edges_used / edges, best_read,
                  best.edges_s, best.sort_merge_s, best.zero_merge_s, best.merge_waited_s,
                  best_mask, best_total, peak_rss_mib());
    }
    return 0;
  });
}
