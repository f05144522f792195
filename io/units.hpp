// Sizes for people: "1.5 GiB".
#pragma once
#include <cstdio>
#include <string>

namespace signalrank {

// `bytes` in B, KiB, MiB, GiB or TiB, one decimal above bytes.
inline std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

}  // namespace signalrank
