// The hidden temporary names of signalrank's atomic writes, and the clean-up of the ones that runs
// which died left behind.
//
// Every output (snapshot, universe, checkpoint, CSV) is written as `.<name>.tmp.<host>.<pid>` in
// the target's folder, then renamed. The host and process ID are those of the process that
// creates the file (rank 0's for a collective write), so that a later run can tell whether the
// writer is still alive: a temporary file of this host whose process no longer exists belongs to a
// run that was killed, and the next successful write into the same folder removes it.
#pragma once
#include <string>
#include <vector>

namespace signalrank {

// This machine's host name ("unknown-host" when it has none). Dots are kept.
std::string this_host();

// `.<file name of path>.tmp.<host>.<pid>` beside `path`.
std::string temporary_name(const std::string& path, const std::string& host, long pid);
// The same for this process.
std::string temporary_name(const std::string& path);

// Why `path` (a file to write) cannot be held by its file system, or "" when it can: a name in it
// longer than the file system allows (pathconf NAME_MAX of the nearest existing folder, 255 on
// Linux file systems), counting the hidden temporary name the file is first written as, or the
// whole path longer than PATH_MAX.
std::string name_length_problem(const std::string& path);

// Removes, in `folder`, signalrank's temporary files whose writer ran on this host and has ended
// (no process with its PID exists). Files of other hosts are left alone: their writers cannot be
// checked from here. A file of an earlier release (`.<name>.tmp.<pid>`, no host) is taken to be of
// this host. Returns the paths removed; a file that cannot be removed is skipped silently.
std::vector<std::string> remove_stale_temporaries(const std::string& folder);

// One line per file removed, for the commands' logs: "removed stale temporary file X (left by
// process N of a run that has ended)". Empty for none.
std::string describe_removed_temporaries(const std::vector<std::string>& removed);

}  // namespace signalrank
