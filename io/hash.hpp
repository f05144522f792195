// Size and xxh3-64 hash of an input file (recorded in universe.h5 and every snapshot).
#pragma once
#include <string>

#include "io/universe.hpp"

namespace signalrank {

InputFile describe_input(const std::string& role, const std::string& path);

}  // namespace signalrank
