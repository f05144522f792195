// signalrank: one executable, one subcommand per job (SPEC §1; src/commands/).
#include "src/commands/commands.hpp"

int main(int argc, char** argv) { return signalrank::run_cli(argc, argv, {}); }
