//! Harvest: git2 mirrors of the catalog's repositories, the facts read at their HEAD and
//! an explained health score; search: the tantivy index of the catalog and its queries.

pub mod harvest;
pub mod search;
