#pragma once

#include <exception>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace protoseg::testing {

/// Expects `body` to throw an `Error` whose message contains every one of `needles`; a body that
/// returns, or a message without one of them, fails the test (an exception of another type
/// escapes, and gtest fails the test on it).
template <class Error = std::exception, class Body, class... Needles>
void expect_error(Body&& body, const Needles&... needles) {
  static_assert(sizeof...(Needles) > 0, "name what the message must contain");
  const std::vector<std::string> wanted{std::string(needles)...};
  try {
    body();
    ADD_FAILURE() << "expected an error containing '" << wanted.front() << "'";
  } catch (const Error& e) {
    for (const std::string& needle : wanted) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << needle << "' not in: " << e.what();
    }
  }
}

}  // namespace protoseg::testing
