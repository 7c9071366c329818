// Every core header includes this first: the core must build and be tested without Postgres, and a
// Postgres header seen before it means a glue file is reaching into C++ (see ARCHITECTURE.md).
#pragma once

#ifdef POSTGRES_H
#error "src/core is C++ without Postgres: include it through src/shim, not from Postgres code"
#endif
