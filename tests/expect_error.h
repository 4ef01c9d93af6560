#pragma once

#include <exception>
#include <string>

#include <gtest/gtest.h>

namespace protoseg::testing {

/// Expects `body` to throw an exception whose message contains `needle`; a body that returns,
/// or a message without `needle`, fails the test.
template <class Body>
void expect_error(Body&& body, const std::string& needle) {
  try {
    body();
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace protoseg::testing
