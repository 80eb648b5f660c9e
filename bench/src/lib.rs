//! What the benchmarks share: the national dataset's generator and loader, the load
//! generator, the server as a child process, and the search bench's corpus.

pub mod contrib;
pub mod corpus;
pub mod dataset;
pub mod load;
pub mod loadgen;
pub mod profile;
pub mod rng;
pub mod server;
