// tollgate — one binary, every role. See src/app/cli.h.
#include "app/cli.h"

int main(int argc, char** argv) { return tollgate::app::main(argc, argv); }
