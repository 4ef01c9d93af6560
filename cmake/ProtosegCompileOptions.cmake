# Warning and floating-point options shared by every protoseg target.
function(protoseg_set_compile_options target)
  target_compile_options(${target} PRIVATE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter
      # Bit-exact agreement with reference implementations needs unfused a*b+c;
      # sqrt need not set errno, which lets it vectorise (results are unchanged).
      -ffp-contract=off -fno-math-errno>)
endfunction()

# Adds precompiled headers to a target when PROTOSEG_USE_PCH=1.
function(protoseg_use_pch target)
  if(PROTOSEG_USE_PCH)
    target_precompile_headers(${target} PRIVATE <torch/torch.h> <vector> <string>)
  endif()
endfunction()
