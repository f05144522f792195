// Preemption: SIGUSR1 and SIGTERM (what Slurm sends before preempting a job or at the end of its
// time limit) ask the PageRank driver to write a checkpoint at the end of the current iteration
// and stop (src/pipeline/pagerank.cpp). The handler only records the signal.
#pragma once

namespace signalrank::pipeline {

// Installs the handlers for SIGUSR1 and SIGTERM (score calls it once at the start).
void install_stop_handlers();

// Whether a stop signal arrived since the handlers were installed (on this rank).
bool stop_requested();

}  // namespace signalrank::pipeline
