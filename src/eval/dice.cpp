#include "protoseg/eval/dice.h"

#include <torch/torch.h>

namespace protoseg::eval {

double dice_coefficient(const at::Tensor& prediction, const at::Tensor& truth) {
  TORCH_CHECK(prediction.sizes() == truth.sizes(), "dice_coefficient: prediction ",
              prediction.sizes(), " and truth ", truth.sizes(), " differ in shape");
  const at::Tensor p = prediction.ne(0);
  const at::Tensor t = truth.ne(0);
  const double tp = (p & t).sum().item<double>();
  const double predicted = p.sum().item<double>();
  const double actual = t.sum().item<double>();
  return predicted + actual == 0 ? 1.0 : 2.0 * tp / (predicted + actual);
}

}  // namespace protoseg::eval
