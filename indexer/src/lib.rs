//! Harvest: git2 mirrors of the catalog's repositories, the facts read at their HEAD and
//! an explained health score.

pub mod harvest;
pub mod history;
