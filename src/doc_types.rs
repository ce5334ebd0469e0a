//! Document types: the built-in ones (chapter, sop, runbook, ...), those declared in
//! `book.toml`, and which folder implies which type.

use crate::config::Config;
use crate::freshness::ReviewEvery;
use std::collections::BTreeMap;

/// One document type and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocType {
    pub name: String,
    /// The top-level content folder whose documents get this type by default.
    pub folder: Option<String>,
    pub review_every: ReviewEvery,
    pub label: String,
    pub plural: String,
}

/// The types a handbook knows, by name.
#[derive(Debug, Clone)]
pub struct DocTypes {
    by_name: BTreeMap<String, DocType>,
    /// folder → type name.
    by_folder: BTreeMap<String, String>,
}

pub const PAGE: &str = "page";

const BUILTIN: &[(&str, Option<&str>, ReviewEvery, &str, &str)] = &[
    (
        "chapter",
        Some("playbook"),
        ReviewEvery::Days(180),
        "Chapter",
        "Playbook",
    ),
    ("sop", Some("sops"), ReviewEvery::Days(180), "SOP", "SOPs"),
    (
        "runbook",
        Some("runbooks"),
        ReviewEvery::Days(90),
        "Runbook",
        "Runbooks",
    ),
    (
        "decision",
        Some("decisions"),
        ReviewEvery::Never,
        "Decision",
        "Decision log",
    ),
    (
        "incident",
        Some("incidents"),
        ReviewEvery::Never,
        "Incident",
        "Incident log",
    ),
    ("rfc", Some("rfcs"), ReviewEvery::Never, "RFC", "RFCs"),
    (
        "onboarding",
        Some("onboarding"),
        ReviewEvery::Days(180),
        "Onboarding",
        "Onboarding",
    ),
    (PAGE, None, ReviewEvery::Days(365), "Page", "Pages"),
];

impl DocTypes {
    /// The built-in types with the overrides and additions of `[types.NAME]` tables. The
    /// configuration was validated on load, so review periods parse here.
    pub fn new(config: &Config) -> DocTypes {
        let mut by_name: BTreeMap<String, DocType> = BUILTIN
            .iter()
            .map(|&(name, folder, every, label, plural)| {
                let t = DocType {
                    name: name.to_string(),
                    folder: folder.map(str::to_string),
                    review_every: every,
                    label: label.to_string(),
                    plural: plural.to_string(),
                };
                (name.to_string(), t)
            })
            .collect();
        for (name, tc) in &config.types {
            let entry = by_name.entry(name.clone()).or_insert_with(|| DocType {
                name: name.clone(),
                folder: None,
                review_every: ReviewEvery::Days(365),
                label: humanize(name),
                plural: format!("{}s", humanize(name)),
            });
            if let Some(folder) = &tc.folder {
                entry.folder = Some(folder.trim_matches('/').to_string());
            }
            if let Some(every) = tc.review_every.as_deref().and_then(|e| e.parse().ok()) {
                entry.review_every = every;
            }
            if let Some(label) = &tc.label {
                entry.label = label.clone();
            }
            if let Some(plural) = &tc.plural {
                entry.plural = plural.clone();
            }
        }
        let by_folder = by_name
            .values()
            .filter_map(|t| Some((t.folder.clone()?, t.name.clone())))
            .collect();
        DocTypes { by_name, by_folder }
    }

    pub fn get(&self, name: &str) -> Option<&DocType> {
        self.by_name.get(name)
    }

    pub fn all(&self) -> impl Iterator<Item = &DocType> {
        self.by_name.values()
    }

    /// The type a document at `rel` (relative to the content folder, `/`-separated) gets when
    /// its front matter names none: its top-level folder's type, or `page`. Section pages
    /// (`index.md`) and files at the top are pages.
    pub fn infer(&self, rel: &str) -> &str {
        let Some((folder, rest)) = rel.split_once('/') else {
            return PAGE;
        };
        if rest == "index.md" {
            return PAGE;
        }
        self.by_folder.get(folder).map_or(PAGE, String::as_str)
    }
}

/// `on-call_rota` → `On call rota`.
pub fn humanize(name: &str) -> String {
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_from_top_folder() {
        let types = DocTypes::new(&Config::default());
        assert_eq!(types.infer("runbooks/db.md"), "runbook");
        assert_eq!(types.infer("runbooks/postgres/failover.md"), "runbook");
        assert_eq!(types.infer("playbook/growth.md"), "chapter");
        assert_eq!(types.infer("runbooks/index.md"), "page");
        assert_eq!(types.infer("misc/x.md"), "page");
        assert_eq!(types.infer("about.md"), "page");
    }

    #[test]
    fn config_moves_folders_and_adds_types() {
        let (config, _) = Config::parse(
            "[types.runbook]\nfolder = \"ops/\"\nreview-every = \"30d\"\n[types.policy]\nfolder = \"policies\"\n",
        )
        .unwrap();
        let types = DocTypes::new(&config);
        assert_eq!(types.infer("ops/x.md"), "runbook");
        assert_eq!(types.infer("runbooks/x.md"), "page");
        assert_eq!(types.infer("policies/x.md"), "policy");
        assert_eq!(
            types.get("runbook").unwrap().review_every,
            ReviewEvery::Days(30)
        );
        assert_eq!(types.get("policy").unwrap().label, "Policy");
    }
}
