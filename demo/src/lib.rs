//! Generators of data that is not the registry's own: the demo's records and git
//! repositories, the tests' repositories, the national dataset and the corpora the benches
//! measure with. Every random draw comes from [`rng::Rng`], seeded, so that a generated
//! history, dataset or corpus is the same on every machine and in every run.
//!
//! The `communs` binary calls this crate only for the demo (`serve --demo`, `seed` without a
//! file); nothing of the product's own paths depends on it.

pub mod dataset;
pub mod fixtures;
pub mod git_corpus;
pub mod history;
pub mod rng;
pub mod search_corpus;
