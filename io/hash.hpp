// Size and xxh3-64 hash of an input file (recorded in universe.h5 and every snapshot).
#pragma once
#include <string>

#include "io/universe.hpp"

namespace signalrank {

InputFile describe_input(const std::string& role, const std::string& path);

// The same for large files that are hashed again and again (score and export hash the universe:
// 6.9 GB at national scale, ~1.5 s of a core each time). The hash is remembered per file
// identity — device, inode, size, and the modification and status-change times in nanoseconds —
// and reused while all of them are unchanged. Any write to the file moves its status-change time,
// which user programs cannot set back, so a changed file is always hashed again. A hash is only
// remembered when the identity was the same before and after reading the file.
//
// The cache is one small text file, `xxh3-cache`, in $SIGNALRANK_CACHE_DIR, else
// $XDG_CACHE_HOME/signalrank, else $HOME/.cache/signalrank; it keeps the 64 most recent files.
// SIGNALRANK_HASH_CACHE=off turns it off. A cache that cannot be read or written is ignored: the
// file is then hashed, as without it. `cache_hit`, when given, says which happened.
InputFile describe_input_cached(const std::string& role, const std::string& path, bool* cache_hit = nullptr);

}  // namespace signalrank
