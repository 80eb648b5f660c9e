//! The registry's HTML: pages rendered by askama from plain view structs that `server`
//! fills, in French or English, with their stylesheet, a little optional JavaScript, and
//! charts and the map of départements drawn as SVG on the server. This crate never touches
//! the database.

pub mod account;
pub mod api_doc;
pub mod assets;
pub mod atom;
pub mod chart;
pub mod contribute;
pub mod forge;
pub mod i18n;
pub mod map;
pub mod odt;
pub mod pages;
pub mod questions;
pub mod tender;
pub mod xml;

pub use account::*;
pub use api_doc::*;
pub use contribute::*;
pub use i18n::{Lang, T};
pub use pages::*;
pub use questions::*;
pub use tender::*;
