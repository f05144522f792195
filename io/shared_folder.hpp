// Every rank of a run must see the folder the snapshot goes to: the snapshot is one HDF5 file that
// all ranks write into (MPI-IO), and the PageRank checkpoints of all ranks sit next to it. On a
// folder that is local to each node (/tmp, node-local scratch), each node would write its own
// partial file and rank 0 would rename its own: a snapshot with other nodes' rows missing. This
// check finds that before any heavy work.
#pragma once
#include <string>

#include "partition/comm.hpp"

namespace signalrank {

// Collective. Rank 0 writes a probe file with a random token into `folder`, or into its nearest
// existing ancestor when `folder` does not exist yet (nothing is created); every rank reads it
// back; rank 0 removes it. Throws ConfigError(option, ...) on every rank, with the same text,
// when rank 0 cannot write there or some rank does not see the probe (the message names the
// first such rank and its host). One rank: nothing to compare, returns at once.
void check_shared_folder(const Comm& comm, const std::string& option, const std::string& folder);

// Collective, before any heavy work. Rank 0 checks that the file `file_name` can be written in
// `folder` (created later when missing): the names fit (io/temp_files.hpp: with the hidden
// temporary name the file is first written as), and the nearest existing part of the path is a
// folder this process may write in. Nothing is created. Throws ConfigError(option, ...) on every
// rank with the same text otherwise.
void check_output_folder(const Comm& comm, const std::string& option, const std::string& folder,
                         const std::string& file_name);

}  // namespace signalrank
