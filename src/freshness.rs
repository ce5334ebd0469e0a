//! Review periods and review state: when a document is next due and whether it is stale.
//!
//! Pure date arithmetic over values captured once per run (`today` is passed in, never read
//! from the clock here). The site shows these states and the checks report them; neither
//! recomputes them.

use jiff::civil::Date;
use jiff::ToSpan;
use std::fmt;
use std::str::FromStr;

/// How often a document must be reviewed: `90d`, `6w`, `6m`, `1y`, or `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReviewEvery {
    Never,
    Days(i32),
    Weeks(i32),
    Months(i32),
    Years(i32),
}

impl FromStr for ReviewEvery {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("never") {
            return Ok(ReviewEvery::Never);
        }
        let bad = || {
            format!("`{s}` is not a review period; write a number and a unit (`90d`, `6w`, `6m`, `1y`) or `never`")
        };
        let unit = s.chars().last().ok_or_else(bad)?;
        let number: i32 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
        if !(1..=100_000).contains(&number) {
            return Err(bad());
        }
        match unit {
            'd' => Ok(ReviewEvery::Days(number)),
            'w' => Ok(ReviewEvery::Weeks(number)),
            'm' => Ok(ReviewEvery::Months(number)),
            'y' => Ok(ReviewEvery::Years(number)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for ReviewEvery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewEvery::Never => f.write_str("never"),
            ReviewEvery::Days(n) => write!(f, "{n}d"),
            ReviewEvery::Weeks(n) => write!(f, "{n}w"),
            ReviewEvery::Months(n) => write!(f, "{n}m"),
            ReviewEvery::Years(n) => write!(f, "{n}y"),
        }
    }
}

impl ReviewEvery {
    /// The date a review done on `last` is next due, or `None` when it never is.
    /// Months and years clamp to the end of a shorter month (Jan 31 + 1m = Feb 28).
    pub fn next_after(self, last: Date) -> Option<Date> {
        let span = match self {
            ReviewEvery::Never => return None,
            ReviewEvery::Days(n) => n.days(),
            ReviewEvery::Weeks(n) => n.weeks(),
            ReviewEvery::Months(n) => n.months(),
            ReviewEvery::Years(n) => n.years(),
        };
        last.checked_add(span).ok()
    }
}

/// Where a document stands against its review period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewState {
    Ok,
    DueSoon,
    Stale,
    NeverReviewed,
    Exempt,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Ok => "ok",
            ReviewState::DueSoon => "due-soon",
            ReviewState::Stale => "stale",
            ReviewState::NeverReviewed => "never-reviewed",
            ReviewState::Exempt => "exempt",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            ReviewState::Ok => "Reviewed",
            ReviewState::DueSoon => "Review due soon",
            ReviewState::Stale => "Stale",
            ReviewState::NeverReviewed => "Never reviewed",
            ReviewState::Exempt => "No review needed",
        }
    }
}

/// The review state of one document and the figures behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Review {
    pub state: ReviewState,
    pub next_review: Option<Date>,
    /// Days past `next_review` (positive when stale), or days left (negative) otherwise.
    pub days_overdue: Option<i64>,
}

/// Statuses that retire a document: it is never stale.
pub fn is_retired_status(status: Option<&str>) -> bool {
    status.is_some_and(|s| {
        let s = s.trim();
        ["deprecated", "rejected", "superseded"]
            .iter()
            .any(|r| s.eq_ignore_ascii_case(r))
    })
}

/// Computes a document's review state as of `today`.
pub fn review(
    last_reviewed: Option<Date>,
    every: ReviewEvery,
    status: Option<&str>,
    today: Date,
    due_soon_days: i64,
) -> Review {
    if every == ReviewEvery::Never || is_retired_status(status) {
        return Review {
            state: ReviewState::Exempt,
            next_review: None,
            days_overdue: None,
        };
    }
    let Some(last) = last_reviewed else {
        return Review {
            state: ReviewState::NeverReviewed,
            next_review: None,
            days_overdue: None,
        };
    };
    let Some(next) = every.next_after(last) else {
        // Beyond the calendar's end: effectively never due.
        return Review {
            state: ReviewState::Ok,
            next_review: None,
            days_overdue: None,
        };
    };
    let overdue = days_between(next, today);
    let state = if overdue > 0 {
        ReviewState::Stale
    } else if -overdue <= due_soon_days {
        ReviewState::DueSoon
    } else {
        ReviewState::Ok
    };
    Review {
        state,
        next_review: Some(next),
        days_overdue: Some(overdue),
    }
}

/// Whole days from `from` to `to` (positive when `to` is later).
pub fn days_between(from: Date, to: Date) -> i64 {
    from.until(to).map_or(0, |span| i64::from(span.get_days()))
}

/// Parses a strict `YYYY-MM-DD` date, with a message fit for a person.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let t = s.trim();
    let shape_ok = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(format!("`{t}` is not a date; write it as YYYY-MM-DD"));
    }
    t.parse::<Date>()
        .map_err(|_| format!("`{t}` is not a real calendar date"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn parses_periods() {
        assert_eq!("90d".parse(), Ok(ReviewEvery::Days(90)));
        assert_eq!("6w".parse(), Ok(ReviewEvery::Weeks(6)));
        assert_eq!("6m".parse(), Ok(ReviewEvery::Months(6)));
        assert_eq!("1y".parse(), Ok(ReviewEvery::Years(1)));
        assert_eq!("Never".parse(), Ok(ReviewEvery::Never));
        for bad in ["", "d", "90", "90x", "-3d", "0d", "1.5m"] {
            assert!(bad.parse::<ReviewEvery>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn months_clamp_to_month_end() {
        let next = ReviewEvery::Months(1).next_after(date(2026, 1, 31));
        assert_eq!(next, Some(date(2026, 2, 28)));
    }

    #[test]
    fn states_against_today() {
        let today = date(2026, 11, 21);
        let every = ReviewEvery::Days(90);
        let r = review(Some(date(2026, 5, 2)), every, None, today, 14);
        assert_eq!(r.state, ReviewState::Stale);
        assert_eq!(r.next_review, Some(date(2026, 7, 31)));
        assert_eq!(r.days_overdue, Some(113));
        // Due exactly today is not stale yet, but due soon.
        let r = review(Some(date(2026, 8, 23)), every, None, today, 14);
        assert_eq!((r.state, r.days_overdue), (ReviewState::DueSoon, Some(0)));
        let r = review(Some(date(2026, 11, 1)), every, None, today, 14);
        assert_eq!(r.state, ReviewState::Ok);
        let r = review(None, every, None, today, 14);
        assert_eq!(r.state, ReviewState::NeverReviewed);
        let r = review(None, ReviewEvery::Never, None, today, 14);
        assert_eq!(r.state, ReviewState::Exempt);
        let r = review(Some(date(2020, 1, 1)), every, Some("Superseded"), today, 14);
        assert_eq!(r.state, ReviewState::Exempt);
    }

    #[test]
    fn strict_dates() {
        assert_eq!(parse_date("2026-02-28"), Ok(date(2026, 2, 28)));
        assert!(parse_date("2024-02-30").unwrap_err().contains("not a real"));
        assert!(parse_date("2026-13-45").unwrap_err().contains("not a real"));
        assert!(parse_date("next week").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("2026-1-5").is_err());
    }
}
