//! `owners.yml`: the optional registry of teams and people who own documents.

use crate::diagnostics::Diagnostic;
use crate::front_matter;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub const OWNERS_FILE: &str = "owners.yml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    pub name: Option<String>,
    pub contact: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
}

/// Teams and people by handle (`@platform`, `alice`).
#[derive(Debug, Clone, Default)]
pub struct Owners {
    pub by_handle: BTreeMap<String, Owner>,
}

impl Owners {
    /// Reads `owners.yml` from the handbook root: `Ok(None)` when there is none.
    pub fn load(root: &Path) -> Result<Option<Owners>, Diagnostic> {
        let path = root.join(OWNERS_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::error("invalid-owners", OWNERS_FILE, 0)
                .message(format!("could not read: {e}"))
        })?;
        let map: Option<BTreeMap<String, Option<Owner>>> = front_matter::from_yaml(&text, 1)
            .map_err(|p| {
                Diagnostic::error("invalid-owners", OWNERS_FILE, p.line)
                    .column(p.column)
                    .message(p.message)
                    .help("each entry is a handle with optional `name`, `contact` and `members`")
            })?;
        let by_handle = map
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect();
        Ok(Some(Owners { by_handle }))
    }

    pub fn get(&self, handle: &str) -> Option<&Owner> {
        self.by_handle.get(handle)
    }
}
