// prolearn-table: gathers prolearn-eval results of a text-fraction sweep into one table.
#include <filesystem>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/eval/text_fraction_table.h"

namespace fs = std::filesystem;
using namespace protoseg;

int main(int argc, char** argv) {
  CLI::App app{"Text-fraction table (markdown and CSV) from the runs under a folder"};
  fs::path root;
  std::string split = "test";
  app.add_option("--root", root, "folder holding one run folder per text fraction")->required();
  app.add_option("--split", split, "split the models were scored on");
  CLI11_PARSE(app, argc, argv);
  return core::run_cli("prolearn-table", [&] {
    const auto entries = eval::collect_text_fraction_entries(root, split);
    const std::string markdown =
        eval::text_fraction_markdown(entries) +
        "\nPaired per-image Dice differences (mean +- standard error over the same images):\n\n" +
        eval::text_fraction_comparisons_markdown(entries);
    config::write_text_atomically(root / ("table_" + split + ".md"), markdown);
    config::write_text_atomically(root / ("table_" + split + ".csv"),
                                  eval::text_fraction_csv(entries));
    std::cout << markdown;
    return 0;
  });
}
