// Links all elements of a MemoryGraph with several threads. The threads run only core code; the
// calling thread stays in charge, polling its caller (the Postgres glue checks for interrupts
// and reports progress there) and stopping the threads when asked to.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <functional>
#include <string>

#include "hnsw_memory_graph.hpp"

namespace mvvd::hnsw {

enum class BuildResult { kDone, kCancelled, kFailed };

// Links every element (several threads), then links back on the calling thread the elements
// pruning left unreachable (MemoryGraph::reconnect).
// poll(linked) is called on the calling thread about every poll_ms; returning false cancels.
// On kFailed, *error says why (e.g. out of memory in a thread).
BuildResult link_all(MemoryGraph& graph, int threads, int poll_ms,
                     const std::function<bool(std::size_t linked)>& poll, std::string* error);

}  // namespace mvvd::hnsw
