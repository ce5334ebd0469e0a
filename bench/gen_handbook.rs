//! Synthetic handbook generator for opsbook benchmarks.
//!
//! Writes `book.toml`, `owners.yml` and `content/**/*.md` for a handbook of exactly `--pages`
//! Markdown pages (documents plus the `index.md` section pages). The output depends only on
//! `--pages` and `--seed`: every choice comes from a seeded splitmix64 generator, one stream per
//! document, so the bodies can be written in parallel and still be byte-identical between runs.
//!
//! The content exercises what opsbook does with a real handbook: front matter of every document
//! type, headings, tables, fenced code, task lists with owners and due dates, and relative links
//! (many with `#anchor`s) that all resolve. It must not depend on anything but the standard
//! library, so it can be built with plain `rustc` as well as a Cargo example.
//!
//! Usage: `gen_handbook --pages N --out DIR [--seed S] [--force]`

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: gen_handbook --pages N --out DIR [--seed S] [--force]

Writes a synthetic opsbook handbook of exactly N Markdown pages (N >= 10) into DIR.
  --pages N   number of .md files under DIR/content, index pages included
  --out DIR   output directory (must be empty or missing unless --force)
  --seed S    seed of the generator (default 1); same N and S give identical files
  --force     replace DIR/content, DIR/book.toml and DIR/owners.yml if they exist";

/// Most documents that one folder holds directly before the rest go into sub-folders.
const MAX_DIRECT: usize = 60;
/// Documents kept directly in a topic folder once it has sub-folders.
const KEEP_DIRECT: usize = 20;
/// Target size of a topic sub-folder.
const PER_SUBFOLDER: usize = 70;
/// Hard cap of documents in a dated sub-folder (decisions, incidents).
const MAX_PER_DATED: usize = 90;
/// Review dates and incident/decision dates fall in this range (inclusive).
const FIRST_DAY: (i64, u32, u32) = (2025, 1, 1);
const LAST_DAY: (i64, u32, u32) = (2026, 11, 20);

// ---------------------------------------------------------------------------------------------
// Random numbers

/// splitmix64: tiny, fast, good enough for text, and trivially seedable per document.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must be positive.
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
}

/// Derives an independent seed from a base seed and a stream number.
fn derive(seed: u64, stream: u64) -> u64 {
    Rng::new(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

// ---------------------------------------------------------------------------------------------
// Dates (proleptic Gregorian, days since 1970-01-01; Howard Hinnant's algorithms)

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn first_day() -> i64 {
    days_from_civil(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2)
}

fn last_day() -> i64 {
    days_from_civil(LAST_DAY.0, LAST_DAY.1, LAST_DAY.2)
}

fn iso(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

#[rustfmt::skip]
const TAGS: [&str; 40] = [
    "postgres", "mysql", "redis", "kafka", "kubernetes", "terraform", "dns", "tls", "cdn",
    "storage", "backups", "networking", "security", "access", "compliance", "billing", "payments",
    "search", "observability", "alerting", "logging", "tracing", "on-call", "capacity", "cost",
    "deploys", "ci", "release", "incident-response", "customer-impact", "vendor", "data",
    "privacy", "auth", "edge", "queues", "batch", "mobile", "api", "frontend",
];

#[rustfmt::skip]
const PEOPLE: [(&str, &str); 30] = [
    ("alice", "Alice Moreau"), ("bob", "Bob Lindqvist"), ("carol", "Carol Nakamura"),
    ("dave", "Dave Okafor"), ("erin", "Erin Castillo"), ("frank", "Frank Novak"),
    ("grace", "Grace Abernathy"), ("heidi", "Heidi Sorensen"), ("ivan", "Ivan Petrov"),
    ("judy", "Judy Fernandes"), ("mallory", "Mallory Brooks"), ("niaj", "Niaj Rahman"),
    ("olivia", "Olivia Wright"), ("peggy", "Peggy Laurent"), ("quentin", "Quentin Dubois"),
    ("rupert", "Rupert Hale"), ("sybil", "Sybil Marsh"), ("trent", "Trent Kowalski"),
    ("ursula", "Ursula Berg"), ("victor", "Victor Alvarez"), ("walter", "Walter Grant"),
    ("xena", "Xena Papadopoulos"), ("yusuf", "Yusuf Demir"), ("zoe", "Zoe Fitzgerald"),
    ("amara", "Amara Eze"), ("bruno", "Bruno Costa"), ("chen", "Chen Wei"),
    ("dana", "Dana Whitfield"), ("emeka", "Emeka Obi"), ("farah", "Farah Haddad"),
];

const TEAMS: usize = 20;

#[rustfmt::skip]
const SUBJECTS: [&str; 24] = [
    "The on-call engineer", "The incident commander", "The primary database", "Every deploy",
    "The load balancer", "The scheduler", "Each replica", "The platform team",
    "The release pipeline", "A failed health check", "The queue consumer", "The backup job",
    "Our alerting", "The edge proxy", "The service owner", "The cache layer",
    "The storage cluster", "The secondary region", "The change advisory board",
    "The runbook author", "The deploy bot", "Each tenant", "The billing worker",
    "The search indexer",
];

#[rustfmt::skip]
const VERBS: [&str; 22] = [
    "must verify", "should confirm", "drains", "replicates", "pages on", "records", "rolls back",
    "promotes", "throttles", "monitors", "reconciles", "escalates", "snapshots", "rotates",
    "validates", "restarts", "reviews", "documents", "isolates", "re-enables", "never touches",
    "is allowed to pause",
];

#[rustfmt::skip]
const OBJECTS: [&str; 26] = [
    "the replication lag", "all pending writes", "the error budget", "the current leader",
    "stale connections", "the TLS certificates", "the deploy manifest",
    "the customer-facing status page", "the write-ahead log", "the failing node",
    "queued messages", "the feature flag", "the capacity forecast", "the retention policy",
    "the audit trail", "the access grants", "the DNS records", "the canary cohort",
    "the on-call schedule", "the backup snapshot", "the connection pool", "the rate limits",
    "the cron schedule", "the service mesh config", "the signing keys", "the disk quota",
];

#[rustfmt::skip]
const MODIFIERS: [&str; 20] = [
    "before the maintenance window opens", "within fifteen minutes of the first page",
    "unless the incident commander decides otherwise", "during peak traffic",
    "after every schema migration", "as soon as the alert clears", "in both regions",
    "without waiting for approval", "once the change freeze ends", "at least once per quarter",
    "when latency exceeds the SLO", "before closing the ticket", "for every production account",
    "after the postmortem is published", "using the standard tooling", "on the first Monday",
    "while traffic is shifted away", "for the duration of the incident",
    "before handing over the shift", "in the staging environment first",
];

#[rustfmt::skip]
const CONDITIONS: [&str; 10] = [
    "the lag exceeds thirty seconds", "the health check keeps failing",
    "a customer reports data loss", "the rollback does not finish", "two alerts fire at once",
    "the queue depth keeps growing", "the certificate expires in less than a week",
    "the error rate doubles", "the primary stops answering", "a deploy is already running",
];

#[rustfmt::skip]
const PURPOSES: [&str; 8] = [
    "nobody is paged twice", "the audit log stays complete", "we stay within the error budget",
    "the next shift has full context", "recovery stays predictable",
    "customers see a consistent status", "the change can be reverted in one step",
    "the numbers in the report add up",
];

/// Commands, shown as inline code after "Run".
#[rustfmt::skip]
const COMMANDS: [&str; 10] = [
    "kubectl get pods -A", "systemctl status nginx", "terraform plan", "vault kv get",
    "dig +short", "redis-cli INFO replication", "kafka-consumer-groups --describe",
    "psql -c 'SELECT 1'", "journalctl -u api --since -1h", "opsctl drain --dry-run",
];

/// Names of settings, files and signals, shown as inline code.
#[rustfmt::skip]
const IDENTS: [&str; 10] = [
    "pg_stat_replication", "max_connections", "/var/log/syslog", "HTTP 503", "retry_budget",
    "GOMAXPROCS", "ops.yaml", "wal_keep_size", "--dry-run", "replica_lag_seconds",
];

#[rustfmt::skip]
const VERB_BASES: [&str; 16] = [
    "Verify", "Drain", "Promote", "Rotate", "Restart", "Snapshot", "Reconcile", "Isolate",
    "Re-enable", "Throttle", "Review", "Document", "Check", "Pause", "Resume", "Scale",
];

#[rustfmt::skip]
const TASKS: [&str; 16] = [
    "Rotate keys", "Update the dashboard links", "Confirm backups restore cleanly",
    "Remove the temporary firewall rule", "File the follow-up ticket", "Review alert thresholds",
    "Announce the change in the ops channel", "Archive the old runbook",
    "Add a synthetic check", "Schedule the game day", "Raise the connection limit",
    "Delete the stale feature flag", "Write the customer summary", "Tag the release",
    "Re-run the load test", "Update the capacity sheet",
];

#[rustfmt::skip]
const SERVICES_WORDS: [&str; 12] = [
    "checkout", "billing", "search", "auth", "ledger", "gateway", "notifications", "reports",
    "catalog", "uploads", "scheduler", "exports",
];

#[rustfmt::skip]
const REGIONS: [&str; 6] = [
    "eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "ap-northeast-1",
];

#[rustfmt::skip]
const TECH: [&str; 14] = [
    "PostgreSQL", "Kafka", "Redis", "gRPC", "OpenTelemetry", "Terraform", "Kubernetes",
    "object storage", "a service mesh", "feature flags", "SQLite", "NATS", "Envoy",
    "short-lived credentials",
];

/// Statuses, repeated to weight them.
#[rustfmt::skip]
const DECISION_STATUS: [&str; 11] = [
    "accepted", "accepted", "accepted", "accepted", "accepted", "proposed", "proposed",
    "rejected", "deprecated", "superseded", "superseded",
];

#[rustfmt::skip]
const RFC_STATUS: [&str; 7] = [
    "draft", "in review", "accepted", "accepted", "rejected", "implemented", "withdrawn",
];

const INCIDENT_STATUS: [&str; 4] = ["resolved", "resolved", "resolved", "monitoring"];

#[rustfmt::skip]
const AREAS: [&str; 12] = [
    "the billing ledger", "internal RPC", "session storage", "audit logs", "batch exports",
    "the search index", "secrets", "service discovery", "rate limiting", "background jobs",
    "metrics", "config rollout",
];

// ---------------------------------------------------------------------------------------------
// Document types and the layout of the handbook

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Playbook,
    Sop,
    Runbook,
    Decision,
    Incident,
    Rfc,
    Onboarding,
    Guide,
}

const KINDS: [Kind; 8] = [
    Kind::Playbook,
    Kind::Sop,
    Kind::Runbook,
    Kind::Decision,
    Kind::Incident,
    Kind::Rfc,
    Kind::Onboarding,
    Kind::Guide,
];

impl Kind {
    fn folder(self) -> &'static str {
        match self {
            Kind::Playbook => "playbook",
            Kind::Sop => "sops",
            Kind::Runbook => "runbooks",
            Kind::Decision => "decisions",
            Kind::Incident => "incidents",
            Kind::Rfc => "rfcs",
            Kind::Onboarding => "onboarding",
            Kind::Guide => "guides",
        }
    }

    fn section_title(self) -> &'static str {
        match self {
            Kind::Playbook => "Playbook",
            Kind::Sop => "Standard operating procedures",
            Kind::Runbook => "Runbooks",
            Kind::Decision => "Decision log",
            Kind::Incident => "Incidents",
            Kind::Rfc => "RFCs",
            Kind::Onboarding => "Onboarding",
            Kind::Guide => "Guides",
        }
    }

    /// Share of the documents, in percent (sums to 100).
    fn weight(self) -> u64 {
        match self {
            Kind::Playbook => 8,
            Kind::Sop => 15,
            Kind::Runbook => 25,
            Kind::Decision => 10,
            Kind::Incident => 15,
            Kind::Rfc => 7,
            Kind::Onboarding => 5,
            Kind::Guide => 15,
        }
    }

    /// Names of the topic sub-folders (suffixed `-2`, `-3`, … when the list runs out).
    fn topics(self) -> &'static [&'static str] {
        match self {
            Kind::Playbook => &["on-call", "communication", "planning", "hiring", "quality"],
            Kind::Sop => &[
                "database",
                "networking",
                "storage",
                "access",
                "deploys",
                "backups",
                "security",
                "compliance",
                "observability",
                "capacity",
                "vendors",
                "finance",
            ],
            Kind::Rfc => &[
                "platform",
                "data",
                "developer-experience",
                "reliability",
                "security",
            ],
            Kind::Onboarding => &["engineering", "support", "data-team", "managers"],
            Kind::Guide => &[
                "tooling",
                "kubernetes",
                "terraform",
                "debugging",
                "performance",
                "writing",
                "testing",
                "cost",
            ],
            _ => &[],
        }
    }

    fn dated(self) -> bool {
        matches!(self, Kind::Decision | Kind::Incident)
    }
}

/// The kind of the `j`-th document, from a smooth weighted round-robin. A fixed sequence makes
/// the per-kind counts non-decreasing in the number of documents, which the page-count search
/// relies on.
fn kind_sequence(n: usize) -> Vec<Kind> {
    let total: i64 = KINDS.iter().map(|k| k.weight() as i64).sum();
    let mut current = [0i64; 8];
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut best = 0;
        for (i, k) in KINDS.iter().enumerate() {
            current[i] += k.weight() as i64;
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        out.push(KINDS[best]);
    }
    out
}

/// A run of documents of one kind that share a folder: `range` indexes the kind's documents.
struct Group {
    sub: Option<String>,
    range: std::ops::Range<usize>,
}

/// The date of the `i`-th of `n` dated documents: spread evenly over the date range.
fn spread_day(i: usize, n: usize) -> i64 {
    let span = last_day() - first_day();
    first_day() + (i as i64 * span) / (n.max(1) as i64)
}

/// How the `c` documents of one kind (plus `pad` extra top-level ones) are split into folders.
fn groups_for(kind: Kind, c: usize, pad: usize) -> Vec<Group> {
    let mut groups = Vec::new();
    match kind {
        Kind::Runbook => {
            // Every runbook belongs to a service and lives in that service's folder.
            let nsvc = c.div_ceil(PER_SUBFOLDER);
            let mut start = 0;
            for s in 0..nsvc {
                let len = c / nsvc + usize::from(s < c % nsvc);
                groups.push(Group {
                    sub: Some(format!("svc-{:02}", s + 1)),
                    range: start..start + len,
                });
                start += len;
            }
            if pad > 0 {
                groups.push(Group {
                    sub: None,
                    range: start..start + pad,
                });
            }
        }
        Kind::Decision | Kind::Incident => {
            let n = c + pad;
            if c <= MAX_DIRECT {
                groups.push(Group {
                    sub: None,
                    range: 0..n,
                });
                return groups;
            }
            // By year while that keeps folders small, else by month; full folders spill over
            // into `KEY-2`, `KEY-3`, ...
            let by_month = c > 2 * MAX_PER_DATED;
            let key = |i: usize| {
                let (y, m, _) = civil_from_days(spread_day(i, c));
                if by_month {
                    format!("{y:04}-{m:02}")
                } else {
                    format!("{y:04}")
                }
            };
            let mut start = 0;
            while start < c {
                let k = key(start);
                let mut end = start;
                while end < c && key(end) == k {
                    end += 1;
                }
                let parts = (end - start).div_ceil(MAX_PER_DATED);
                let len = end - start;
                let mut s = start;
                for p in 0..parts {
                    let l = len / parts + usize::from(p < len % parts);
                    let name = if p == 0 {
                        k.clone()
                    } else {
                        format!("{k}-{}", p + 1)
                    };
                    groups.push(Group {
                        sub: Some(name),
                        range: s..s + l,
                    });
                    s += l;
                }
                start = end;
            }
            if pad > 0 {
                groups.push(Group {
                    sub: None,
                    range: c..n,
                });
            }
        }
        _ => {
            let direct = if c <= MAX_DIRECT { c } else { KEEP_DIRECT };
            groups.push(Group {
                sub: None,
                range: 0..direct,
            });
            let rest = c - direct;
            let nsub = rest.div_ceil(PER_SUBFOLDER);
            let topics = kind.topics();
            let mut start = direct;
            for s in 0..nsub {
                let len = rest / nsub + usize::from(s < rest % nsub);
                let base = topics[s % topics.len()];
                let round = s / topics.len();
                let name = if round == 0 {
                    base.to_string()
                } else {
                    format!("{base}-{}", round + 1)
                };
                groups.push(Group {
                    sub: Some(name),
                    range: start..start + len,
                });
                start += len;
            }
            if pad > 0 {
                groups.push(Group {
                    sub: None,
                    range: c..c + pad,
                });
            }
        }
    }
    groups
}

/// Per-kind document counts for `d` documents.
fn counts(d: usize) -> [usize; 8] {
    let mut c = [0usize; 8];
    for k in kind_sequence(d) {
        c[KINDS.iter().position(|x| *x == k).unwrap_or(0)] += 1;
    }
    c
}

/// Number of sub-folders (each has an index page) for `d` documents.
fn subfolder_count(d: usize) -> usize {
    let c = counts(d);
    KINDS
        .iter()
        .zip(c)
        .map(|(k, n)| {
            groups_for(*k, n, 0)
                .iter()
                .filter(|g| g.sub.is_some())
                .count()
        })
        .sum()
}

/// Chooses the number of documents and the padding so that documents + index pages == pages.
fn plan_counts(pages: usize) -> (usize, usize) {
    let fixed = 1 + KINDS.len();
    let total = |d: usize| fixed + subfolder_count(d) + d;
    // Largest d with total(d) <= pages; total(0) == fixed <= pages.
    let (mut lo, mut hi) = (0usize, pages - fixed);
    if total(hi) <= pages {
        lo = hi;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if total(mid) <= pages {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo, pages - total(lo))
}

// ---------------------------------------------------------------------------------------------
// The model: every document's path, title, headings and metadata, decided before any body is
// written so that bodies can link to any document and any of its headings.

struct Doc {
    /// Relative to `content/`, `/`-separated.
    path: String,
    kind: Kind,
    title: String,
    /// (level, Markdown text) of every heading of the body, all with distinct slugs.
    headings: Vec<(u8, String)>,
    target_len: usize,
    day: Option<i64>,
    service: Option<String>,
    status: Option<&'static str>,
    supersedes: Option<usize>,
    superseded_by: Option<usize>,
    seed: u64,
}

struct Folder {
    /// Relative to `content/`, e.g. `runbooks/svc-07`.
    path: String,
    title: String,
    docs: Vec<usize>,
    subfolders: Vec<String>,
}

struct Handbook {
    docs: Vec<Doc>,
    folders: Vec<Folder>,
    /// Start of each kind's documents in `docs`, plus the end.
    kind_start: [usize; 9],
}

/// GitHub-style heading slug: lowercase, punctuation other than `-` and `_` dropped,
/// spaces turned into `-`.
fn slug(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '-' || ch == '_' {
            s.extend(ch.to_lowercase());
        } else if ch == ' ' {
            s.push('-');
        }
    }
    s
}

/// File-name slug of a title: lowercase ASCII words joined by `-`, at most ~40 characters.
fn file_slug(title: &str) -> String {
    let mut out = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() {
        out.push_str("doc");
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn title_for(kind: Kind, rng: &mut Rng, service: Option<&str>) -> String {
    let obj = *rng.pick(&OBJECTS);
    let bare = obj.trim_start_matches("the ").trim_start_matches("all ");
    match kind {
        Kind::Runbook => {
            let svc = service.unwrap_or("svc-01");
            match rng.below(4) {
                0 => format!("{} {} on {svc}", rng.pick(&VERB_BASES), obj),
                1 => format!("{svc}: {} {}", lower_first(rng.word(&VERB_BASES)), obj),
                2 => format!(
                    "Recover {svc} after {}",
                    rng.pick(&[
                        "a node loss",
                        "a bad deploy",
                        "a full disk",
                        "a region outage",
                        "a certificate expiry"
                    ])
                ),
                _ => format!("{} for {svc} in {}", capitalize(bare), rng.pick(&REGIONS)),
            }
        }
        Kind::Sop => format!(
            "{} {}",
            rng.pick(&[
                "Rotating",
                "Auditing",
                "Approving changes to",
                "Requesting access to",
                "Restoring",
                "Decommissioning",
                "Reviewing",
                "Handing over"
            ]),
            obj
        ),
        Kind::Decision => match rng.below(3) {
            0 => format!("Use {} for {}", rng.pick(&TECH), rng.pick(&AREAS)),
            1 => format!("Adopt {} across {}", rng.pick(&TECH), rng.pick(&AREAS)),
            _ => format!("Stop using {} for {}", rng.pick(&TECH), rng.pick(&AREAS)),
        },
        Kind::Incident => format!(
            "{} on {} in {}",
            rng.pick(&[
                "Elevated 5xx",
                "Partial outage",
                "Degraded latency",
                "Failed payments",
                "Delayed emails",
                "Stale search results",
                "Login failures",
                "Data export backlog"
            ]),
            rng.pick(&SERVICES_WORDS),
            rng.pick(&REGIONS)
        ),
        Kind::Rfc => format!(
            "RFC: {} {}",
            rng.pick(&[
                "Introduce",
                "Replace",
                "Consolidate",
                "Automate",
                "Retire",
                "Split"
            ]),
            obj
        ),
        Kind::Playbook => format!(
            "{} {}",
            rng.pick(&[
                "How we handle",
                "Principles for",
                "Owning",
                "Planning around",
                "Talking about",
                "Measuring"
            ]),
            obj
        ),
        Kind::Onboarding => format!(
            "{} ({})",
            rng.pick(&[
                "Your first week",
                "Getting production access",
                "Shadowing on-call",
                "Setting up your laptop",
                "Meet the team",
                "Your first deploy"
            ]),
            rng.pick(&SERVICES_WORDS)
        ),
        Kind::Guide => format!("Guide to {} with {}", obj, rng.pick(&TECH)),
    }
}

fn heading_pool(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Runbook => &[
            "Overview",
            "Symptoms",
            "Impact",
            "Diagnosis",
            "Mitigation",
            "Failover steps",
            "Rollback",
            "Verification",
            "Escalation",
            "Dashboards and alerts",
            "Known issues",
            "Prerequisites",
            "Access required",
            "Recovery",
        ],
        Kind::Sop => &[
            "Purpose",
            "Scope",
            "Roles and responsibilities",
            "Procedure",
            "Approvals",
            "Exceptions",
            "Records to keep",
            "Schedule",
            "Tooling",
            "Checklist",
        ],
        Kind::Decision => &[
            "Context",
            "Decision",
            "Consequences",
            "Alternatives considered",
            "Rollout plan",
            "Open questions",
            "Cost",
            "Risks",
        ],
        Kind::Incident => &[
            "Summary",
            "Timeline",
            "Impact",
            "Root cause",
            "Detection",
            "Response",
            "What went well",
            "What went wrong",
            "Follow-up actions",
            "Lessons learned",
        ],
        Kind::Rfc => &[
            "Summary",
            "Motivation",
            "Proposal",
            "Detailed design",
            "Drawbacks",
            "Alternatives",
            "Migration",
            "Unresolved questions",
            "Security considerations",
        ],
        _ => &[
            "Why this matters",
            "How we work",
            "Principles",
            "Getting started",
            "Day one",
            "First week",
            "Tools you will use",
            "Who to ask",
            "Common pitfalls",
            "Examples",
            "Background",
        ],
    }
}

const RELATED: &str = "Related documents";

fn headings_for(kind: Kind, rng: &mut Rng, target_len: usize) -> Vec<(u8, String)> {
    let n = (target_len / 900).clamp(2, 18);
    let mut pool: Vec<&str> = heading_pool(kind).to_vec();
    // Shuffle a little, but keep the first heading: real documents start with their type's
    // usual opening section (Overview, Context, Summary, ...).
    for i in (2..pool.len()).rev() {
        if rng.chance(0.3) {
            let j = 1 + rng.below(i);
            pool.swap(i, j);
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    seen.insert(slug(RELATED));
    let mut out: Vec<(u8, String)> = Vec::with_capacity(n + 1);
    let mut pool_iter = pool.into_iter();
    let mut step = 1;
    while out.len() < n {
        let choice = if out.is_empty() { 0 } else { rng.below(5) };
        let text = match choice {
            0 | 1 => match pool_iter.next() {
                Some(t) => t.to_string(),
                None => continue,
            },
            2 => {
                let t = format!(
                    "Step {step}: {} {}",
                    lower_first(rng.word(&VERB_BASES)),
                    rng.pick(&OBJECTS)
                );
                step += 1;
                t
            }
            3 => format!("{} {}", rng.pick(&VERB_BASES), rng.pick(&OBJECTS)),
            _ => match rng.below(3) {
                0 => format!("Check `{}`", rng.pick(&IDENTS)),
                1 => format!(
                    "{} {} (optional)",
                    rng.pick(&VERB_BASES),
                    rng.pick(&OBJECTS)
                ),
                _ => format!("When {}", rng.pick(&CONDITIONS)),
            },
        };
        if !seen.insert(slug(&text)) {
            continue;
        }
        let level = if out.is_empty() || !rng.chance(0.35) {
            2
        } else {
            3
        };
        out.push((level, text));
    }
    out.push((2, RELATED.to_string()));
    out
}

fn target_len(rng: &mut Rng) -> usize {
    let r = rng.below(100);
    if r < 12 {
        rng.range(1_000, 2_500)
    } else if r < 67 {
        rng.range(2_500, 7_000)
    } else if r < 93 {
        rng.range(7_000, 12_000)
    } else {
        rng.range(12_000, 19_000)
    }
}

fn plan(pages: usize, seed: u64) -> Handbook {
    let (d, pad) = plan_counts(pages);
    let c = counts(d);
    let mut docs: Vec<Doc> = Vec::with_capacity(d + pad);
    let mut folders: Vec<Folder> = Vec::new();
    let mut kind_start = [0usize; 9];
    let mut used_names: HashSet<String> = HashSet::new();

    for (ki, kind) in KINDS.iter().copied().enumerate() {
        kind_start[ki] = docs.len();
        // The padding (at most a few documents) goes to the guides' top folder.
        let kpad = if kind == Kind::Guide { pad } else { 0 };
        let n = c[ki] + kpad;
        let top = kind.folder().to_string();
        let top_index = folders.len();
        folders.push(Folder {
            path: top.clone(),
            title: kind.section_title().to_string(),
            docs: Vec::new(),
            subfolders: Vec::new(),
        });
        let mut decision_seq: std::collections::HashMap<i64, usize> = Default::default();
        let mut incident_seq: std::collections::HashMap<i64, usize> = Default::default();

        for group in groups_for(kind, c[ki], kpad) {
            let (dir, folder_index) = match &group.sub {
                Some(sub) => {
                    let path = format!("{top}/{sub}");
                    let title = match kind {
                        Kind::Runbook => format!("Runbooks for {sub}"),
                        Kind::Decision => format!("Decisions {sub}"),
                        Kind::Incident => format!("Incidents {sub}"),
                        _ => format!("{}: {}", kind.section_title(), sub.replace('-', " ")),
                    };
                    folders[top_index].subfolders.push(path.clone());
                    folders.push(Folder {
                        path: path.clone(),
                        title,
                        docs: Vec::new(),
                        subfolders: Vec::new(),
                    });
                    (path, folders.len() - 1)
                }
                None => (top.clone(), top_index),
            };
            for i in group.range.clone() {
                let idx = docs.len();
                let doc_seed = derive(seed, idx as u64 + 1);
                let mut rng = Rng::new(doc_seed);
                let service = if kind == Kind::Runbook {
                    Some(group.sub.clone().unwrap_or_else(|| "svc-01".to_string()))
                } else {
                    None
                };
                let day = if kind.dated() {
                    Some(spread_day(i.min(n.saturating_sub(1)), c[ki].max(1)))
                } else {
                    None
                };
                let title = title_for(kind, &mut rng, service.as_deref());
                let name = match kind {
                    Kind::Decision => {
                        let (y, _, _) = civil_from_days(day.unwrap_or_else(first_day));
                        let seq = decision_seq.entry(y).or_insert(0);
                        *seq += 1;
                        format!("{y:04}-{:03}-{}.md", *seq, file_slug(&title))
                    }
                    Kind::Incident => {
                        let dd = day.unwrap_or_else(first_day);
                        let seq = incident_seq.entry(dd).or_insert(0);
                        *seq += 1;
                        let (y, m, dm) = civil_from_days(dd);
                        format!("INC-{y:04}{m:02}{dm:02}-{:02}.md", *seq)
                    }
                    _ => format!("{}-{:05}.md", file_slug(&title), idx + 1),
                };
                let path = format!("{dir}/{name}");
                // Names embed a unique number, so this only guards against generator bugs.
                assert!(
                    used_names.insert(path.to_lowercase()),
                    "duplicate path {path}"
                );
                let status = match kind {
                    Kind::Decision => Some(*rng.pick(&DECISION_STATUS)),
                    Kind::Rfc => Some(*rng.pick(&RFC_STATUS)),
                    Kind::Incident => Some(*rng.pick(&INCIDENT_STATUS)),
                    _ => None,
                };
                let target_len = target_len(&mut rng);
                let headings = headings_for(kind, &mut rng, target_len);
                folders[folder_index].docs.push(idx);
                docs.push(Doc {
                    path,
                    kind,
                    title,
                    headings,
                    target_len,
                    day,
                    service,
                    status,
                    supersedes: None,
                    superseded_by: None,
                    seed: derive(doc_seed, 0xB0D1),
                });
            }
        }
    }
    kind_start[8] = docs.len();

    // Supersession chains between decisions: a superseded decision points at a later one.
    let (ds, de) = (kind_start[3], kind_start[4]);
    for i in ds..de {
        if docs[i].status != Some("superseded") {
            continue;
        }
        let mut rng = Rng::new(derive(docs[i].seed, 7));
        // Both sides of a pair name each other, as a careful author writes them: the successor
        // is a later decision that does not supersede another one yet.
        let later = (i + 1)..(i + 25).min(de);
        let target = if later.is_empty() {
            None
        } else {
            let start = rng.below(later.len());
            (0..later.len())
                .map(|k| later.start + (start + k) % later.len())
                .find(|&j| docs[j].supersedes.is_none())
        };
        match target {
            Some(j) => {
                docs[i].superseded_by = Some(j);
                docs[j].supersedes = Some(i);
            }
            None => docs[i].status = Some("deprecated"),
        }
    }

    Handbook {
        docs,
        folders,
        kind_start,
    }
}

/// Relative link from the file `from` to the file `to` (both relative to `content/`).
fn rel_path(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = {
        let mut v: Vec<&str> = from.split('/').collect();
        v.pop();
        v
    };
    let to_parts: Vec<&str> = to.split('/').collect();
    let to_dir = &to_parts[..to_parts.len() - 1];
    let common = from_dir
        .iter()
        .zip(to_dir)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = String::new();
    for _ in common..from_dir.len() {
        out.push_str("../");
    }
    out.push_str(&to_parts[common..].join("/"));
    out
}

// ---------------------------------------------------------------------------------------------
// Writing Markdown

struct Writer<'a> {
    rng: Rng,
    out: String,
    hb: &'a Handbook,
}

/// A relative link planned for a document: where it points and whether it goes inline.
struct Link {
    target: usize,
    anchor: Option<String>,
}

fn team(i: usize) -> String {
    format!("@team-{:02}", i + 1)
}

impl<'a> Writer<'a> {
    fn owner_handle(&mut self) -> String {
        if self.rng.chance(0.8) {
            team(self.rng.below(TEAMS))
        } else {
            self.rng.pick(&PEOPLE).0.to_string()
        }
    }

    fn yaml_owner(h: &str) -> String {
        if h.starts_with('@') {
            format!("\"{h}\"")
        } else {
            h.to_string()
        }
    }

    fn front_matter(&mut self, doc: &Doc) {
        let o = &mut self.out;
        o.push_str("---\n");
        let _ = writeln!(o, "title: \"{}\"", doc.title);
        let r = self.rng.below(100);
        if r < 88 {
            let h = self.owner_handle();
            let _ = writeln!(self.out, "owner: {}", Self::yaml_owner(&h));
        } else {
            let a = team(self.rng.below(TEAMS));
            let b = self.rng.pick(&PEOPLE).0;
            if r < 94 {
                let _ = writeln!(self.out, "owner: [{}, {}]", Self::yaml_owner(&a), b);
            } else {
                let _ = writeln!(self.out, "owner:\n  - {}\n  - {}", Self::yaml_owner(&a), b);
            }
        }
        if self.rng.chance(0.97) {
            let day = first_day() + self.rng.below((last_day() - first_day() + 1) as usize) as i64;
            let _ = writeln!(self.out, "last_reviewed: {}", iso(day));
        }
        if let Some(day) = doc.day {
            if doc.kind == Kind::Incident {
                let _ = writeln!(
                    self.out,
                    "severity: {}",
                    self.rng
                        .pick(&["SEV-1", "SEV-2", "SEV-2", "SEV-3", "SEV-3", "SEV-3"])
                );
                let _ = writeln!(self.out, "started: {}", iso(day));
            }
        }
        if let Some(s) = doc.status {
            let _ = writeln!(self.out, "status: {s}");
        }
        if let Some(s) = &doc.service {
            let _ = writeln!(self.out, "service: {s}");
        }
        if let Some(j) = doc.supersedes {
            let _ = writeln!(
                self.out,
                "supersedes: {}",
                rel_path(&doc.path, &self.hb.docs[j].path)
            );
        }
        if let Some(j) = doc.superseded_by {
            let _ = writeln!(
                self.out,
                "superseded_by: {}",
                rel_path(&doc.path, &self.hb.docs[j].path)
            );
        }
        let ntags = self.rng.range(1, 3);
        let mut tags: Vec<&str> = Vec::with_capacity(ntags);
        while tags.len() < ntags {
            let t = *self.rng.pick(&TAGS);
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let _ = writeln!(self.out, "tags: [{}]", tags.join(", "));
        if self.rng.chance(0.2) {
            let _ = writeln!(self.out, "weight: {}", self.rng.range(1, 100));
        }
        if self.rng.chance(0.05) {
            let _ = writeln!(
                self.out,
                "review_every: {}",
                self.rng.pick(&["30d", "6w", "3m", "6m", "1y", "never"])
            );
        }
        self.out.push_str("---\n\n");
    }

    fn sentence(&mut self) -> String {
        let rng = &mut self.rng;
        let subj = *rng.pick(&SUBJECTS);
        let verb = *rng.pick(&VERBS);
        let obj = *rng.pick(&OBJECTS);
        let m = *rng.pick(&MODIFIERS);
        match rng.below(12) {
            0 => format!(
                "If {}, {} {} {obj}.",
                rng.pick(&CONDITIONS),
                lower_first(subj),
                verb
            ),
            1 => format!("{subj} {verb} {obj} so that {}.", rng.pick(&PURPOSES)),
            2 => format!(
                "Run `{}` to see {obj} before you change anything.",
                rng.pick(&COMMANDS)
            ),
            3 => format!("{subj} {verb} {obj} *{m}*."),
            4 => format!("{subj} **must not** skip this step, even {m}."),
            5 => format!(
                "Ask {} if {}.",
                team(rng.below(TEAMS)),
                rng.pick(&CONDITIONS)
            ),
            6 => format!("Check `{}` and compare it with {obj}.", rng.pick(&IDENTS)),
            _ => format!("{subj} {verb} {obj} {m}."),
        }
    }

    fn paragraph(&mut self, inline: Option<&Link>, doc: &Doc) {
        let n = if doc.target_len < 2_500 {
            self.rng.range(1, 2)
        } else if doc.target_len < 4_000 {
            self.rng.range(1, 4)
        } else {
            self.rng.range(2, 6)
        };
        for i in 0..n {
            if i > 0 {
                self.out.push(' ');
            }
            let s = self.sentence();
            self.out.push_str(&s);
            if i == 0 {
                if let Some(link) = inline {
                    let t = &self.hb.docs[link.target];
                    let href = self.href(doc, link);
                    let lead =
                        *self
                            .rng
                            .pick(&["See", "Follow", "Compare with", "Background is in"]);
                    let _ = write!(self.out, " {lead} [{}]({href}) for the details.", t.title);
                }
            }
        }
        self.out.push_str("\n\n");
    }

    fn href(&self, doc: &Doc, link: &Link) -> String {
        let mut h = rel_path(&doc.path, &self.hb.docs[link.target].path);
        if let Some(a) = &link.anchor {
            h.push('#');
            h.push_str(a);
        }
        h
    }

    fn bullets(&mut self, small: bool) {
        let n = if small {
            self.rng.range(2, 3)
        } else {
            self.rng.range(3, 6)
        };
        let numbered = self.rng.chance(0.25);
        for i in 0..n {
            let s = self.sentence();
            if numbered {
                let _ = writeln!(self.out, "{}. {s}", i + 1);
            } else {
                let _ = writeln!(self.out, "- {s}");
            }
            if self.rng.chance(0.1) {
                let s = self.sentence();
                let _ = writeln!(self.out, "{}- {s}", if numbered { "   " } else { "  " });
            }
        }
        self.out.push('\n');
    }

    fn table(&mut self, small: bool) {
        let rows = if small { 3 } else { self.rng.range(3, 6) };
        match self.rng.below(4) {
            0 => {
                self.out
                    .push_str("| Signal | Threshold | Action |\n|---|---:|---|\n");
                for _ in 0..rows {
                    let metric = *self.rng.pick(&[
                        "p99 latency",
                        "error rate",
                        "replication lag",
                        "queue depth",
                        "disk used",
                        "CPU saturation",
                        "open connections",
                    ]);
                    let thr = self.rng.range(2, 95);
                    let act = lower_first(&self.sentence());
                    let _ = writeln!(self.out, "| {metric} | {thr} | {act} |");
                }
            }
            1 => {
                self.out
                    .push_str("| Environment | Region | Owner | Notes |\n|---|---|---|---|\n");
                for _ in 0..rows {
                    let env = *self.rng.pick(&["production", "staging", "sandbox", "dr"]);
                    let region = *self.rng.pick(&REGIONS);
                    let owner = team(self.rng.below(TEAMS));
                    let note = *self.rng.pick(&MODIFIERS);
                    let _ = writeln!(
                        self.out,
                        "| {env} | {region} | {owner} | {} |",
                        capitalize(note)
                    );
                }
            }
            2 => {
                self.out
                    .push_str("| Step | Command | Expected result |\n|---:|---|---|\n");
                for i in 0..rows {
                    let cmd = *self.rng.pick(&COMMANDS);
                    let obj = *self.rng.pick(&OBJECTS);
                    let _ = writeln!(
                        self.out,
                        "| {} | `{cmd}` | {} looks healthy |",
                        i + 1,
                        capitalize(obj)
                    );
                }
            }
            _ => {
                self.out
                    .push_str("| Severity | Response time | Who is paged |\n|---|---|---|\n");
                for i in 0..rows {
                    let mins = [5, 15, 30, 60, 240, 1440][i % 6];
                    let who = team(self.rng.below(TEAMS));
                    let _ = writeln!(
                        self.out,
                        "| SEV-{} | {mins} min | {who} and the incident commander |",
                        i % 3 + 1
                    );
                }
            }
        }
        self.out.push('\n');
    }

    fn tasks(&mut self, small: bool) {
        let n = if small {
            self.rng.range(2, 3)
        } else {
            self.rng.range(3, 7)
        };
        for _ in 0..n {
            let task = *self.rng.pick(&TASKS);
            let obj = *self.rng.pick(&OBJECTS);
            if self.rng.chance(0.4) {
                let _ = writeln!(self.out, "- [x] {task} for {obj}");
                continue;
            }
            match self.rng.below(3) {
                0 => {
                    let who = self.task_owner();
                    let due = days_from_civil(2026, 6, 1) + self.rng.below(300) as i64;
                    let _ = writeln!(self.out, "- [ ] {task} — {who} — due {}", iso(due));
                }
                1 => {
                    let who = self.task_owner();
                    let _ = writeln!(self.out, "- [ ] {task} for {obj} — {who}");
                }
                _ => {
                    let _ = writeln!(self.out, "- [ ] {task} for {obj}");
                }
            }
            if self.rng.chance(0.15) {
                let sub = *self.rng.pick(&TASKS);
                let mark = if self.rng.chance(0.5) { "x" } else { " " };
                let _ = writeln!(self.out, "  - [{mark}] {sub}");
            }
        }
        self.out.push('\n');
    }

    /// An incident timeline: times of day in UTC, each with what happened.
    fn timeline(&mut self, doc: &Doc) {
        let day = iso(doc.day.unwrap_or_else(first_day));
        let mut minute = self.rng.range(0, 20 * 60);
        let events = [
            "first alert fired",
            "on-call engineer acknowledged the page",
            "incident declared and commander assigned",
            "status page updated",
            "mitigation started",
            "traffic shifted to the secondary region",
            "error rate back to normal",
            "incident resolved",
        ];
        let n = self.rng.range(4, events.len());
        let _ = writeln!(self.out, "All times are UTC on {day}.\n");
        for event in &events[..n] {
            let _ = writeln!(
                self.out,
                "- **{:02}:{:02}** {event}",
                (minute / 60) % 24,
                minute % 60
            );
            minute += self.rng.range(2, 45);
        }
        self.out.push('\n');
    }

    fn task_owner(&mut self) -> String {
        if self.rng.chance(0.75) {
            team(self.rng.below(TEAMS))
        } else {
            format!("@{}", self.rng.pick(&PEOPLE).0)
        }
    }

    fn quote(&mut self, small: bool) {
        let label = *self
            .rng
            .pick(&["**Note:**", "**Warning:**", "**Tip:**", "**Important:**"]);
        let a = self.sentence();
        if small {
            let _ = writeln!(self.out, "> {label} {a}\n");
        } else {
            let b = self.sentence();
            let _ = writeln!(self.out, "> {label} {a}\n> {b}\n");
        }
    }

    fn code(&mut self, doc_len: usize) {
        let lang = *self
            .rng
            .pick(&["bash", "bash", "yaml", "sql", "json", "rust", "python"]);
        let lines = self.rng.range(5, (5 + doc_len / 400).min(30));
        let fence = if self.rng.chance(0.1) { "~~~" } else { "```" };
        let _ = writeln!(self.out, "{fence}{lang}");
        match lang {
            "bash" => {
                for i in 0..lines {
                    let svc = *self.rng.pick(&SERVICES_WORDS);
                    let line = match self.rng.below(8) {
                        0 => format!("# {}", lower_first(&self.sentence())),
                        1 => format!("kubectl -n {svc} rollout status deploy/{svc}-api --timeout=300s"),
                        2 => "psql \"$DATABASE_URL\" -c 'SELECT now() - pg_last_xact_replay_timestamp();'".to_string(),
                        3 => format!("curl -fsS https://{svc}.internal.example/healthz | jq .status"),
                        4 => format!("export REGION={}", self.rng.pick(&REGIONS)),
                        5 => format!("for host in $(cat hosts-{i}.txt); do ssh \"$host\" sudo systemctl restart {svc}; done"),
                        6 => format!("terraform -chdir=infra/{svc} plan -out=plan-{i}.tfplan"),
                        _ => format!("aws s3 cp s3://backups-{svc}/latest.tar.zst /tmp/{svc}.tar.zst"),
                    };
                    let _ = writeln!(self.out, "{line}");
                }
            }
            "yaml" => {
                let svc = *self.rng.pick(&SERVICES_WORDS);
                let _ = writeln!(
                    self.out,
                    "service: {svc}\nowner: \"{}\"\nalerts:",
                    team(self.rng.below(TEAMS))
                );
                for i in 0..lines.saturating_sub(3) {
                    if i % 3 == 0 {
                        let _ = writeln!(self.out, "  - name: {svc}-alert-{i}");
                    } else if i % 3 == 1 {
                        let _ = writeln!(self.out, "    threshold: {}", self.rng.range(1, 500));
                    } else {
                        let _ = writeln!(self.out, "    severity: sev{}", self.rng.range(1, 3));
                    }
                }
            }
            "sql" => {
                for i in 0..lines {
                    let line = match i % 5 {
                        0 => "SELECT client_addr, state, sent_lsn, replay_lsn".to_string(),
                        1 => "  FROM pg_stat_replication".to_string(),
                        2 => format!(
                            " WHERE application_name = 'replica_{}'",
                            self.rng.range(1, 9)
                        ),
                        3 => format!(" ORDER BY replay_lag DESC LIMIT {};", self.rng.range(1, 50)),
                        _ => format!("-- {}", lower_first(&self.sentence())),
                    };
                    let _ = writeln!(self.out, "{line}");
                }
            }
            "json" => {
                self.out.push_str("{\n");
                let inner = lines.saturating_sub(2).max(1);
                for i in 0..inner {
                    let comma = if i + 1 < inner { "," } else { "" };
                    let v = self.rng.range(0, 10_000);
                    let _ = writeln!(
                        self.out,
                        "  \"{}_{i}\": {v}{comma}",
                        self.rng.pick(&SERVICES_WORDS)
                    );
                }
                self.out.push_str("}\n");
            }
            "rust" => {
                let _ = writeln!(
                    self.out,
                    "fn check_lag(lag_ms: u64) -> Result<(), String> {{"
                );
                for i in 0..lines.saturating_sub(3) {
                    let _ = writeln!(self.out, "    if lag_ms > {} {{ return Err(format!(\"lag {{lag_ms}} ms at step {i}\")); }}", self.rng.range(100, 60_000));
                }
                let _ = writeln!(self.out, "    Ok(())\n}}");
            }
            _ => {
                let _ = writeln!(self.out, "def check(client):");
                for i in 0..lines.saturating_sub(2) {
                    let _ = writeln!(
                        self.out,
                        "    assert client.get(\"/{}/{i}\").status_code == 200",
                        self.rng.pick(&SERVICES_WORDS)
                    );
                }
                let _ = writeln!(self.out, "    return True");
            }
        }
        let _ = writeln!(self.out, "{fence}\n");
    }

    fn external(&mut self) -> String {
        let a = *self.rng.pick(&SERVICES_WORDS);
        let b = *self.rng.pick(&TAGS);
        let text = *self.rng.pick(&[
            "vendor documentation",
            "the upstream guide",
            "the status page",
            "the design notes",
        ]);
        format!("Background reading: [{text}](https://example.com/docs/{b}/{a}).")
    }

    /// Chooses 3–8 distinct link targets: half near the document (same kind), half anywhere.
    fn plan_links(&mut self, idx: usize, doc: &Doc) -> Vec<Link> {
        let hb = self.hb;
        let n_docs = hb.docs.len();
        let most = if doc.target_len < 2_500 { 4 } else { 8 };
        let want = self.rng.range(3, most).min(n_docs.saturating_sub(1));
        let ki = KINDS.iter().position(|k| *k == doc.kind).unwrap_or(0);
        let (ks, ke) = (hb.kind_start[ki], hb.kind_start[ki + 1]);
        let mut chosen: Vec<usize> = Vec::with_capacity(want);
        let mut tries = 0;
        while chosen.len() < want && tries < 100 {
            tries += 1;
            let t = if self.rng.chance(0.5) && ke - ks > 1 {
                let lo = idx.saturating_sub(30).max(ks);
                let hi = (idx + 30).min(ke - 1);
                self.rng.range(lo, hi)
            } else {
                self.rng.below(n_docs)
            };
            if t != idx && !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        chosen
            .into_iter()
            .map(|t| {
                let anchor = if self.rng.chance(0.4) {
                    let hs = &hb.docs[t].headings;
                    Some(slug(&self.rng.pick(hs).1))
                } else {
                    None
                };
                Link { target: t, anchor }
            })
            .collect()
    }

    fn document(&mut self, idx: usize) {
        let hb = self.hb;
        let doc = &hb.docs[idx];
        self.front_matter(doc);
        let links = self.plan_links(idx, doc);
        // The last heading is "Related documents"; the others share the content elements.
        let sections = doc.headings.len() - 1;
        let mut slots: Vec<Vec<u8>> = vec![Vec::new(); sections];
        const TABLE: u8 = 0;
        const TASKS: u8 = 1;
        const CODE: u8 = 2;
        const QUOTE: u8 = 3;
        const LIST: u8 = 4;
        const EXTERNAL: u8 = 5;
        let mut elems = vec![TABLE, TASKS, QUOTE, LIST];
        let small = doc.target_len < 2_500;
        let max_code = if small {
            0
        } else {
            (doc.target_len / 3_000).min(3)
        };
        let n_code = self.rng.range(0, max_code);
        elems.extend(std::iter::repeat_n(CODE, n_code));
        let n_external = self.rng.range(0, 2);
        elems.extend(std::iter::repeat_n(EXTERNAL, n_external));
        for e in elems {
            let s = self.rng.below(sections);
            slots[s].push(e);
        }
        // Roughly half the links go inline, the rest into the related list.
        let n_inline = links.len() / 2;
        let mut inline_at: Vec<Vec<usize>> = vec![Vec::new(); sections];
        for li in 0..n_inline {
            let s = self.rng.below(sections);
            inline_at[s].push(li);
        }

        self.paragraph(None, doc);
        for (s, (level, text)) in doc.headings[..sections].iter().enumerate() {
            // Spread what is left of the target over the remaining sections, so an early
            // overshoot (a long code block) is made up for later.
            let budget = doc.target_len.saturating_sub(self.out.len() + 200) / (sections - s);
            let start = self.out.len();
            let _ = writeln!(self.out, "{} {text}\n", "#".repeat(*level as usize));
            if text == "Timeline" {
                self.timeline(doc);
            }
            let mut pending = inline_at[s].iter();
            let first = pending.next().map(|&li| &links[li]);
            self.paragraph(first, doc);
            for e in slots[s].clone() {
                match e {
                    TABLE => self.table(small),
                    TASKS => self.tasks(small),
                    CODE => self.code(doc.target_len),
                    QUOTE => self.quote(small),
                    LIST => self.bullets(small),
                    _ => {
                        let s = self.external();
                        self.out.push_str(&s);
                        self.out.push_str("\n\n");
                    }
                }
            }
            for &li in pending {
                self.paragraph(Some(&links[li]), doc);
            }
            while self.out.len() - start + 200 < budget {
                if self.rng.chance(0.8) {
                    self.paragraph(None, doc);
                } else {
                    self.bullets(small);
                }
            }
        }
        let _ = writeln!(self.out, "## {RELATED}\n");
        for link in &links[n_inline..] {
            let href = self.href(doc, link);
            let t = &hb.docs[link.target];
            let _ = writeln!(self.out, "- [{}]({href})", t.title);
        }
        if links.len() <= n_inline {
            self.out.push_str("- None yet.\n");
        }
    }

    fn index_page(&mut self, path: &str, title: &str, children: &[(String, String)]) {
        self.out.clear();
        let _ = writeln!(
            self.out,
            "---\ntitle: \"{title}\"\nowner: \"{}\"\nlast_reviewed: {}\n---\n",
            team(self.rng.below(TEAMS)),
            iso(last_day() - self.rng.below(200) as i64)
        );
        let s = self.sentence();
        let t = self.sentence();
        let _ = writeln!(self.out, "{s} {t}\n\n## Contents\n");
        for (child_path, child_title) in children {
            let _ = writeln!(
                self.out,
                "- [{child_title}]({})",
                rel_path(path, child_path)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Output

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn owners_yml() -> String {
    let mut o = String::new();
    for t in 0..TEAMS {
        let members: Vec<&str> = (0..3)
            .map(|k| PEOPLE[(t * 3 + k) % PEOPLE.len()].0)
            .collect();
        let _ = writeln!(
            o,
            "\"@team-{n:02}\":\n  name: Team {n:02}\n  contact: \"#team-{n:02}\"\n  members: [{}]",
            members.join(", "),
            n = t + 1
        );
    }
    for (handle, name) in PEOPLE {
        let _ = writeln!(
            o,
            "{handle}:\n  name: {name}\n  contact: {handle}@handbook.example"
        );
    }
    o
}

const BOOK_TOML: &str = "[book]
title = \"Synthetic Handbook\"
[build]
site-url = \"https://handbook.example/\"
";

fn generate(pages: usize, seed: u64, out: &Path) -> Result<(usize, u64), String> {
    let hb = plan(pages, seed);
    let content = out.join("content");
    fs::create_dir_all(&content)
        .map_err(|e| format!("cannot create {}: {e}", content.display()))?;
    write_file(&out.join("book.toml"), BOOK_TOML)?;
    write_file(&out.join("owners.yml"), &owners_yml())?;
    for f in &hb.folders {
        let dir = content.join(&f.path);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }

    // Index pages: the home page, one per folder and sub-folder.
    let mut bytes: u64 = 0;
    let mut files = 0usize;
    let mut w = Writer {
        rng: Rng::new(derive(seed, 0x1DE7)),
        out: String::new(),
        hb: &hb,
    };
    let home_children: Vec<(String, String)> = hb
        .folders
        .iter()
        .filter(|f| !f.path.contains('/'))
        .map(|f| (format!("{}/index.md", f.path), f.title.clone()))
        .collect();
    w.index_page("index.md", "Synthetic Handbook", &home_children);
    write_file(&content.join("index.md"), &w.out)?;
    bytes += w.out.len() as u64;
    files += 1;
    for f in &hb.folders {
        let path = format!("{}/index.md", f.path);
        let mut children: Vec<(String, String)> = f
            .subfolders
            .iter()
            .map(|s| {
                let title = hb
                    .folders
                    .iter()
                    .find(|x| &x.path == s)
                    .map(|x| x.title.clone())
                    .unwrap_or_default();
                (format!("{s}/index.md"), title)
            })
            .collect();
        children.extend(
            f.docs
                .iter()
                .map(|&d| (hb.docs[d].path.clone(), hb.docs[d].title.clone())),
        );
        w.index_page(&path, &f.title, &children);
        write_file(&content.join(&path), &w.out)?;
        bytes += w.out.len() as u64;
        files += 1;
    }

    // Documents, in parallel; each has its own random stream so the split does not matter.
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(16);
    let n = hb.docs.len();
    let chunk = n.div_ceil(threads).max(1);
    let results: Vec<Result<u64, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|start| {
                let hb = &hb;
                let content = &content;
                scope.spawn(move || -> Result<u64, String> {
                    let mut total = 0u64;
                    let mut w = Writer {
                        rng: Rng::new(0),
                        out: String::with_capacity(32 * 1024),
                        hb,
                    };
                    for idx in start..(start + chunk).min(n) {
                        w.rng = Rng::new(hb.docs[idx].seed);
                        w.out.clear();
                        w.document(idx);
                        write_file(&content.join(&hb.docs[idx].path), &w.out)?;
                        total += w.out.len() as u64;
                    }
                    Ok(total)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("worker panicked".into())))
            .collect()
    });
    for r in results {
        bytes += r?;
    }
    files += n;
    Ok((files, bytes))
}

struct Args {
    pages: usize,
    out: PathBuf,
    seed: u64,
    force: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut pages = None;
    let mut out = None;
    let mut seed = 1u64;
    let mut force = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{name} needs a value"))
        };
        match key.as_str() {
            "--pages" => {
                pages = Some(
                    value("--pages")?
                        .parse::<usize>()
                        .map_err(|e| format!("--pages: {e}"))?,
                )
            }
            "--out" | "-o" => out = Some(PathBuf::from(value("--out")?)),
            "--seed" => {
                seed = value("--seed")?
                    .parse::<u64>()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--force" => force = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let pages = pages.ok_or("--pages is required")?;
    if pages < 10 {
        return Err("--pages must be at least 10".into());
    }
    let out = out.ok_or("--out is required")?;
    Ok(Args {
        pages,
        out,
        seed,
        force,
    })
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let started = Instant::now();
    if args.out.exists() {
        let non_empty = fs::read_dir(&args.out)
            .map_err(|e| format!("cannot read {}: {e}", args.out.display()))?
            .next()
            .is_some();
        if non_empty && !args.force {
            return Err(format!(
                "{} is not empty (pass --force to replace its handbook)",
                args.out.display()
            ));
        }
        let content = args.out.join("content");
        if content.exists() {
            fs::remove_dir_all(&content)
                .map_err(|e| format!("cannot remove {}: {e}", content.display()))?;
        }
    }
    let (files, bytes) = generate(args.pages, args.seed, &args.out)?;
    eprintln!(
        "gen_handbook: wrote {files} pages ({:.1} MB of Markdown) to {} in {:.2} s",
        bytes as f64 / 1e6,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_handbook: error: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
