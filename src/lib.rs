//! opsbook: turns an operating handbook (Markdown with YAML front matter) into a
//! cross-linked static site, and keeps it honest about owners and reviews.
//!
//! The library is driven through [`handbook::Handbook`]: load a handbook once, then build
//! its site with [`site::build`]. The `opsbook` binary is a thin layer over this API.
//! ARCHITECTURE.md describes the layers and which may use which.

pub mod cache;
pub mod check;
pub mod config;
pub mod crash;
pub mod diagnostics;
pub mod doc_types;
pub mod edit;
pub mod files;
pub mod followups;
pub mod freshness;
pub mod front_matter;
pub mod git;
pub mod graph;
pub mod handbook;
pub mod highlight;
pub mod links;
pub mod markdown;
pub mod new_doc;
pub mod owners;
pub mod report;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod taxonomy;

pub use handbook::{Handbook, LoadOptions};
pub use site::{build, BuildOptions, BuildReport};
