//! The integration tests: one test binary, a small fixture handbook per feature under
//! `tests/fixtures/<feature>/<case>/`, generated handbooks for pathological input.

#[path = "../common/pathological_markdown.rs"]
mod pathological_markdown;
mod support;

mod assets;
mod bad_input;
mod bench_scripts;
mod browser;
mod catalog;
mod check;
mod cli;
mod config;
mod determinism;
mod drafts;
mod escaping;
mod failed_build;
mod generated;
mod highlight;
mod incremental;
mod links;
mod lock;
mod navigation;
mod new;
mod properties;
mod reliability;
mod review;
mod sample;
mod search;
mod serve;
mod tasks;
mod types;
