//! The index on disk: `.js` files that call `OPSBOOK_SEARCH_LOAD(key, data…)`, so the client
//! can load them with `<script>` elements, which also works from `file://`.
//!
//! - `index.js`: the shard layout, the filter vocabularies (types, owners, tags, states) and
//!   the documents table (title, url, type, owners, state, tags, headings as targets). The
//!   only file needed before the first result, with the shards of the words typed.
//! - `t-HEX.js`: the terms starting with the same `key_len` characters (HEX is their UTF-8
//!   in hex), sorted, each with its postings as numbers `target delta × 4 + field`.
//! - `s-N.js`: the snippets of targets `N × CHUNK ..`, loaded for the results shown.
//!
//! Everything is written in a fixed order, so the same index gives the same bytes.

use super::index::{DocEntry, Field, Posting, SearchIndex};
use crate::cache::{Hasher, Key};
use anyhow::{anyhow, bail, Context, Result};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// The format's version, checked by the client.
pub const VERSION: u64 = 1;
/// Snippets per `s-N.js` file.
pub const CHUNK: usize = 64;

/// How many leading characters of a term pick its shard: none for a small handbook (one
/// file), more as the number of postings grows so that each download stays small.
pub fn key_len(postings: usize) -> usize {
    match postings {
        0..20_000 => 0,
        20_000..400_000 => 1,
        _ => 2,
    }
}

/// The shard of a term.
pub fn shard_key(term: &str, key_len: usize) -> &str {
    match term.char_indices().nth(key_len) {
        Some((i, _)) => &term[..i],
        None => term,
    }
}

/// The file name (without `.js`) of a shard.
pub fn shard_name(key: &str) -> String {
    if key.is_empty() {
        return "t-all".to_string();
    }
    let mut name = String::from("t-");
    for b in key.bytes() {
        name.push_str(&format!("{b:02x}"));
    }
    name
}

/// A term and its postings.
type Entry = (String, Vec<Posting>);

/// The files of the index: (name under the search folder, contents), `index.js` first and
/// carrying the version of the others (see [`version_line`]).
pub fn write(index: &SearchIndex) -> Vec<(String, Vec<u8>)> {
    let files = std::sync::Mutex::new(Vec::new());
    let written = write_each(index, |name, bytes| {
        files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_string(), bytes.to_vec()));
        Ok(())
    });
    let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
    // Writing to memory cannot fail; the order is the written one, `index.js` first.
    if let Ok(written) = written {
        let order: std::collections::HashMap<&str, usize> = written
            .files
            .iter()
            .enumerate()
            .map(|(k, (n, _))| (n.as_str(), k))
            .collect();
        files.sort_by_key(|(n, _)| {
            (
                n != "index.js",
                order.get(n.as_str()).copied().unwrap_or(usize::MAX),
            )
        });
    }
    files
}

/// What writing the index gave: every file but `index.js` with the hash of its contents (in
/// a fixed order), and `index.js` without its version line.
pub struct Written {
    pub files: Vec<(String, Key)>,
    pub manifest: Vec<u8>,
}

/// Makes the files of the index one by one and hands each to `emit` (from several threads),
/// `index.js` last: its version covers the others. Nothing is kept: the index's files are
/// never all in memory at once.
pub fn write_each(
    index: &SearchIndex,
    emit: impl Fn(&str, &[u8]) -> Result<()> + Sync,
) -> Result<Written> {
    let total: usize = index.terms.iter().map(|(_, p)| p.len()).sum();
    let key_len = key_len(total);
    let mut shards: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for entry in &index.terms {
        shards
            .entry(shard_key(&entry.0, key_len))
            .or_default()
            .push(entry);
    }
    let manifest = manifest(index, key_len, shards.keys().copied());
    let shards: Vec<(&str, Vec<&Entry>)> = shards.into_iter().collect();
    let hashed = |(name, bytes): (String, Vec<u8>)| -> Result<(String, Key)> {
        emit(&name, &bytes)?;
        let key = Hasher::new().piece(&bytes).finish();
        Ok((name, key))
    };
    let mut files: Vec<(String, Key)> = shards
        .par_iter()
        .map(|(key, entries)| hashed(shard_file(key, entries.iter().copied())))
        .collect::<Result<_>>()?;
    files.par_extend(
        index
            .snippets
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(n, chunk)| hashed(snippet_file(n, chunk)))
            .collect::<Result<Vec<_>>>()?,
    );
    let version = version_line(files.iter().map(|(n, k)| (n.as_str(), *k)));
    emit("index.js", &[version, manifest.clone()].concat())?;
    Ok(Written { files, manifest })
}

/// `index.js` without its version line: the layout, the vocabularies and the documents.
pub fn manifest<'a>(
    index: &SearchIndex,
    key_len: usize,
    shard_keys: impl Iterator<Item = &'a str>,
) -> Vec<u8> {
    // Serialized straight from the index: a `serde_json::Value` of every document would hold
    // the documents a second time, as a tree, at the build's peak of memory. Fields in the
    // order a JSON object of them always had (sorted by name).
    #[derive(serde::Serialize)]
    struct Manifest<'a> {
        chunk: usize,
        docs: Vec<DocJson<'a>>,
        #[serde(rename = "keyLen")]
        key_len: usize,
        owners: &'a [String],
        shards: Vec<&'a str>,
        states: &'a [String],
        tags: &'a [String],
        types: Vec<[&'a String; 2]>,
        v: u64,
    }
    let manifest = Manifest {
        chunk: CHUNK,
        docs: index.docs.iter().map(doc_json).collect(),
        key_len,
        owners: &index.owners,
        shards: shard_keys.collect(),
        states: &index.states,
        tags: &index.tags,
        types: index.types.iter().map(|(n, l)| [n, l]).collect(),
        v: VERSION,
    };
    let json = serde_json::to_string(&manifest).unwrap_or_default();
    call("index", &[json])
}

/// The file of one shard: its terms (sorted) and their postings.
pub fn shard_file<'a>(
    key: &str,
    entries: impl Iterator<Item = &'a Entry> + Clone,
) -> (String, Vec<u8>) {
    let name = shard_name(key);
    let terms: Vec<&str> = entries.clone().map(|(t, _)| t.as_str()).collect();
    let mut postings = String::from("[");
    // Millions of numbers for a large handbook: `itoa` instead of the formatting machinery
    // (2% of a clean build's instructions went there).
    let mut number = itoa::Buffer::new();
    for (k, (_, list)) in entries.enumerate() {
        if k > 0 {
            postings.push(',');
        }
        postings.push('[');
        let mut last = 0;
        for (j, p) in list.iter().enumerate() {
            if j > 0 {
                postings.push(',');
            }
            let delta = u64::from(p.target - last);
            postings.push_str(number.format(delta * 4 + p.field as u64));
            last = p.target;
        }
        postings.push(']');
    }
    postings.push(']');
    let terms = serde_json::to_string(&terms).unwrap_or_default();
    (format!("{name}.js"), call(&name, &[terms, postings]))
}

/// The file of snippet chunk `n`.
pub fn snippet_file(n: usize, chunk: &[String]) -> (String, Vec<u8>) {
    let name = format!("s-{n}");
    let text = serde_json::to_string(chunk).unwrap_or_default();
    (format!("{name}.js"), call(&name, &[text]))
}

/// The first line of `index.js`: the version of the other index files, a hash of their names
/// and contents (`files`: name and content hash, in any order). The client always fetches
/// `index.js` afresh (it is small) and the other files with `?v=VERSION`, so no browser cache
/// serves an old one; pages do not name it, so an edit that changes only the index leaves
/// the other pages as they are.
pub fn version_line<'a>(files: impl Iterator<Item = (&'a str, Key)>) -> Vec<u8> {
    let mut files: Vec<(&str, Key)> = files.filter(|(n, _)| *n != "index.js").collect();
    files.sort_unstable();
    let mut hash = Hasher::new();
    for (name, key) in files {
        hash.piece(name.as_bytes()).piece(&key.to_le_bytes());
    }
    format!(
        "window.OPSBOOK_SEARCH_VERSION = \"{:08x}\";\n",
        hash.finish() as u32
    )
    .into_bytes()
}

/// A document in the manifest: `[title, url, type, owners, state, tags, [[heading, id]…]]`.
type DocJson<'a> = (
    &'a str,
    &'a str,
    u32,
    &'a [u32],
    u32,
    &'a [u32],
    Vec<[&'a String; 2]>,
);

fn doc_json(d: &DocEntry) -> DocJson<'_> {
    (
        &d.title,
        &d.url,
        d.doc_type,
        &d.owners,
        d.state,
        &d.tags,
        d.headings.iter().map(|(t, id)| [t, id]).collect(),
    )
}

/// `OPSBOOK_SEARCH_LOAD("key",a,b);` with the JSON made safe for a script.
fn call(key: &str, args: &[String]) -> Vec<u8> {
    let mut out = format!("OPSBOOK_SEARCH_LOAD(\"{key}\"");
    for a in args {
        out.push(',');
        push_script_safe(&mut out, a);
    }
    out.push_str(");\n");
    out.into_bytes()
}

/// `<`, `>` and `&` escaped (the same text may end up inline some day) and the line
/// separators JavaScript once refused in strings.
/// Appends JSON so that it is safe inside a `<script>` element and a `.js` file: `<`, `>` and
/// `&` escaped, and the two line separators JavaScript once refused in strings.
pub(crate) fn push_script_safe(out: &mut String, json: &str) {
    out.reserve(json.len());
    if !json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        out.push_str(json);
        return;
    }
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
}

/// Reads back what `write` wrote (for tests and tools): the inverse of `write`.
pub fn read(files: &[(String, Vec<u8>)]) -> Result<SearchIndex> {
    let mut index = SearchIndex::default();
    let mut by_name: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for (name, bytes) in files {
        let text = std::str::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8"))?;
        let text = match text.split_once('\n') {
            Some((first, rest)) if first.starts_with("window.OPSBOOK_SEARCH_VERSION") => rest,
            _ => text,
        };
        let inner = text
            .strip_prefix("OPSBOOK_SEARCH_LOAD(")
            .and_then(|t| t.strip_suffix(");\n"))
            .ok_or_else(|| anyhow!("{name} is not an index file"))?;
        let args: Vec<Value> =
            serde_json::from_str(&format!("[{inner}]")).with_context(|| format!("in {name}"))?;
        by_name.insert(name.as_str(), args);
    }
    let manifest = by_name
        .get("index.js")
        .and_then(|a| a.get(1))
        .ok_or_else(|| anyhow!("no index.js"))?;
    if manifest["v"] != VERSION {
        bail!("unknown index version {}", manifest["v"]);
    }
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    let numbers = |v: &Value| -> Vec<u32> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_u64().map(|n| n as u32))
            .collect()
    };
    index.types = manifest["types"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let p = strings(p);
            (p[0].clone(), p[1].clone())
        })
        .collect();
    index.owners = strings(&manifest["owners"]);
    index.tags = strings(&manifest["tags"]);
    index.states = strings(&manifest["states"]);
    for d in manifest["docs"].as_array().into_iter().flatten() {
        index.docs.push(DocEntry {
            title: d[0].as_str().unwrap_or_default().to_string(),
            url: d[1].as_str().unwrap_or_default().to_string(),
            doc_type: d[2].as_u64().unwrap_or_default() as u32,
            owners: numbers(&d[3]),
            state: d[4].as_u64().unwrap_or_default() as u32,
            tags: numbers(&d[5]),
            headings: d[6]
                .as_array()
                .into_iter()
                .flatten()
                .map(|h| {
                    let h = strings(h);
                    (h[0].clone(), h[1].clone())
                })
                .collect(),
        });
    }
    for key in strings(&manifest["shards"]) {
        let name = format!("{}.js", shard_name(&key));
        let args = by_name
            .get(name.as_str())
            .ok_or_else(|| anyhow!("missing {name}"))?;
        let terms = strings(&args[1]);
        for (term, list) in terms
            .into_iter()
            .zip(args[2].as_array().into_iter().flatten())
        {
            let mut target = 0u32;
            let postings = list
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .map(|code| {
                    target += (code / 4) as u32;
                    Posting {
                        target,
                        field: Field::from_code(code),
                    }
                })
                .collect();
            index.terms.push((term, postings));
        }
    }
    for n in 0.. {
        let Some(args) = by_name.get(format!("s-{n}.js").as_str()) else {
            break;
        };
        index.snippets.extend(strings(&args[1]));
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::super::index::{build, Source};
    use super::*;

    fn sample() -> SearchIndex {
        let owners = ["@platform".to_string(), "alice".to_string()];
        let tags = ["database".to_string()];
        let text = "Database failover\nWhen the primary <dies>.\nPromote\nRun `promote` & wait.\n";
        let promote = text.find("Promote").unwrap();
        let sources: Vec<Source<'_>> = (0..600)
            .map(|k| Source {
                title: if k == 7 {
                    "Café </script> \u{2028}"
                } else {
                    "Database failover"
                },
                url: "runbooks/db.html",
                doc_type: if k % 2 == 0 { "runbook" } else { "decision" },
                type_label: if k % 2 == 0 { "Runbook" } else { "Decision" },
                owners: &owners[k % 2..],
                tags: &tags,
                state: if k % 3 == 0 { "stale" } else { "ok" },
                extra: vec!["postgres"],
                text,
                headings: vec![("Promote", "promote", promote)],
                body_start: 18,
            })
            .collect();
        build(&sources)
    }

    #[test]
    fn written_index_reads_back_the_same() {
        let index = sample();
        let files = write(&index);
        let back = read(&files).unwrap();
        assert_eq!(back, index);
    }

    #[test]
    fn x2_output_is_script_safe_and_deterministic() {
        let files = write(&sample());
        assert_eq!(files, write(&sample()));
        for (name, bytes) in &files {
            let text = std::str::from_utf8(bytes).unwrap();
            let text = match name.as_str() {
                "index.js" => {
                    let (version, rest) = text.split_once('\n').unwrap();
                    assert!(version.starts_with("window.OPSBOOK_SEARCH_VERSION = \""));
                    rest
                }
                _ => text,
            };
            assert!(!text.contains('<') && !text.contains('\u{2028}'), "{name}");
            assert!(text.starts_with("OPSBOOK_SEARCH_LOAD(\""), "{name}");
        }
        // 600 documents of 2 targets: 1,200 snippets in chunks of 64.
        assert!(files.iter().any(|(n, _)| n == "s-18.js"));
        assert!(!files.iter().any(|(n, _)| n == "s-19.js"));
    }

    #[test]
    fn shards_by_leading_characters() {
        assert_eq!(key_len(10), 0);
        assert_eq!(key_len(100_000), 1);
        assert_eq!(key_len(1_000_000), 2);
        assert_eq!(shard_key("failover", 2), "fa");
        assert_eq!(shard_key("é", 2), "é");
        assert_eq!(shard_key("数据", 1), "数");
        assert_eq!(shard_key("x", 0), "");
        assert_eq!(shard_name("fa"), "t-6661");
        assert_eq!(shard_name("é"), "t-c3a9");
        assert_eq!(shard_name(""), "t-all");
    }
}
