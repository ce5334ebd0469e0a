//! Reading an HTTP/1.1 request head from bytes: the request line and the header fields, with
//! the limits and the strictness a server on a laptop needs.
//!
//! Pure functions over a byte buffer; the sockets, the deadlines and the answers live in
//! [`super::connections`]. Anything ambiguous is refused rather than guessed at (RFC 9112):
//! whitespace between a field name and its colon, folded lines, a bare CR, both
//! `Transfer-Encoding` and `Content-Length`, differing `Content-Length` values. The server
//! reads no request bodies: a request that has one is answered and its connection closed.

/// The longest request head read: the request line and every header field. Browsers send a
/// few kilobytes at most.
pub const MAX_HEAD: usize = 32 * 1024;
/// More header fields than any browser sends.
pub const MAX_FIELDS: usize = 100;
/// More bytes of header fields than any browser sends (the request line not counted).
pub const MAX_FIELD_BYTES: usize = 16 * 1024;

/// A request head that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    /// The request target as sent (checked later by [`super::resolve::resolve_url`]).
    pub target: String,
    /// The minor version: `HTTP/1.0` or `HTTP/1.1`.
    pub minor: u8,
    /// Field names as sent, values without surrounding whitespace.
    pub fields: Vec<(String, String)>,
}

/// Why a head was refused; each maps to a status code, and the connection is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Not HTTP/1.x as RFC 9112 writes it (400).
    BadRequest,
    /// The request line alone fills [`MAX_HEAD`] (414).
    TargetTooLong,
    /// Too many header fields or too many bytes of them (431).
    FieldsTooLarge,
    /// A well-formed version other than 1.x (505).
    Version,
}

impl Malformed {
    pub fn status(self) -> u16 {
        match self {
            Malformed::BadRequest => 400,
            Malformed::TargetTooLong => 414,
            Malformed::FieldsTooLarge => 431,
            Malformed::Version => 505,
        }
    }
}

/// What follows the head on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    /// A body the server will not read: answer, then close the connection.
    Unread,
}

impl Head {
    /// The value of the only field `name`, or of the first when it repeats.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the field `name` (case-insensitive), in order.
    pub fn fields_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client keeps the connection open for another request.
    pub fn keep_alive(&self) -> bool {
        let tokens = || {
            self.fields_named("Connection")
                .flat_map(|v| v.split(','))
                .map(str::trim)
        };
        if self.minor == 0 {
            tokens().any(|t| t.eq_ignore_ascii_case("keep-alive"))
        } else {
            !tokens().any(|t| t.eq_ignore_ascii_case("close"))
        }
    }

    /// Whether a body follows, refusing the framings a request smuggler relies on.
    pub fn body(&self) -> Result<Body, Malformed> {
        let lengths: Vec<&str> = self.fields_named("Content-Length").collect();
        let chunked = self.fields_named("Transfer-Encoding").next().is_some();
        if chunked {
            return if lengths.is_empty() {
                Ok(Body::Unread)
            } else {
                Err(Malformed::BadRequest)
            };
        }
        let mut length: Option<u64> = None;
        for value in lengths.iter().flat_map(|v| v.split(',')).map(str::trim) {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Malformed::BadRequest);
            }
            let n: u64 = value.parse().map_err(|_| Malformed::BadRequest)?;
            if length.is_some_and(|l| l != n) {
                return Err(Malformed::BadRequest);
            }
            length = Some(n);
        }
        Ok(if length.unwrap_or(0) == 0 {
            Body::None
        } else {
            Body::Unread
        })
    }
}

/// Parses the head at the start of `buf`. `Ok(None)` while the head is incomplete (read
/// more); `Ok(Some((head, n)))` with the `n` bytes it took; an error when the bytes so far
/// can never make an acceptable head.
pub fn parse(buf: &[u8]) -> Result<Option<(Head, usize)>, Malformed> {
    // Empty lines before the request line are ignored (RFC 9112 §2.2), within the limit.
    let start = buf
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(buf.len());
    let mut lines = Lines {
        buf,
        at: start.min(buf.len()),
    };
    let Some(request_line) = lines.next()? else {
        return if buf.len() >= MAX_HEAD {
            Err(Malformed::TargetTooLong)
        } else {
            Ok(None)
        };
    };
    let (method, target, minor) = request_line_parts(request_line)?;
    let mut fields = Vec::new();
    let mut field_bytes = 0;
    loop {
        let Some(line) = lines.next()? else {
            return if buf.len() >= MAX_HEAD {
                Err(Malformed::FieldsTooLarge)
            } else {
                Ok(None)
            };
        };
        if line.is_empty() {
            break;
        }
        field_bytes += line.len() + 2;
        if fields.len() >= MAX_FIELDS || field_bytes > MAX_FIELD_BYTES {
            return Err(Malformed::FieldsTooLarge);
        }
        fields.push(field(line)?);
    }
    if lines.at > MAX_HEAD {
        return Err(Malformed::FieldsTooLarge);
    }
    Ok(Some((
        Head {
            method,
            target,
            minor,
            fields,
        },
        lines.at,
    )))
}

/// The lines of a head: ended by LF, with the CR before it dropped; a CR anywhere else is an
/// error (a bare CR has split requests apart in proxies).
struct Lines<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Lines<'a> {
    fn next(&mut self) -> Result<Option<&'a [u8]>, Malformed> {
        let rest = &self.buf[self.at..];
        let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let line = rest[..lf].strip_suffix(b"\r").unwrap_or(&rest[..lf]);
        if line.contains(&b'\r') {
            return Err(Malformed::BadRequest);
        }
        self.at += lf + 1;
        Ok(Some(line))
    }
}

/// `METHOD SP request-target SP HTTP/1.x`, single spaces, nothing else.
fn request_line_parts(line: &[u8]) -> Result<(String, String, u8), Malformed> {
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Malformed::BadRequest);
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(Malformed::BadRequest);
    }
    if target.is_empty() || target.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return Err(Malformed::BadRequest);
    }
    let minor = match version {
        b"HTTP/1.0" => 0,
        // A later 1.x is answered as 1.1 (RFC 9110 §6.2).
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor] if minor.is_ascii_digit() => 1,
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(Malformed::Version)
        }
        [b'H', b'T', b'T', b'P', b'/', major] if major.is_ascii_digit() => {
            return Err(Malformed::Version)
        }
        _ => return Err(Malformed::BadRequest),
    };
    // Bytes above 0x7f are refused later by the URL check; keep them visible, not replaced.
    let target = String::from_utf8(target.to_vec()).map_err(|_| Malformed::BadRequest)?;
    Ok((String::from_utf8_lossy(method).into_owned(), target, minor))
}

/// `name: value`: a token right before the colon, optional whitespace around the value, no
/// control characters but tab.
fn field(line: &[u8]) -> Result<(String, String), Malformed> {
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(Malformed::BadRequest)?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    // Also refuses a folded line (starting with whitespace) and `Name : value`.
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(Malformed::BadRequest);
    }
    if value.iter().any(|&b| (b < b' ' && b != b'\t') || b == 0x7f) {
        return Err(Malformed::BadRequest);
    }
    let value = String::from_utf8_lossy(value);
    Ok((
        String::from_utf8_lossy(name).into_owned(),
        value.trim_matches([' ', '\t']).to_string(),
    ))
}

/// A token character (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Head {
        let (head, n) = parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
            .unwrap_or_else(|| panic!("{text:?}: incomplete"));
        assert_eq!(n, text.len(), "{text:?}");
        head
    }

    #[test]
    fn a_browser_request_parses() {
        let h = head("GET /runbooks/db.html?q=x HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAccept:text/html \r\nX-Empty:\r\n\r\n");
        assert_eq!(h.method, "GET");
        assert_eq!(h.target, "/runbooks/db.html?q=x");
        assert_eq!(h.minor, 1);
        assert_eq!(h.field("host"), Some("127.0.0.1:3000"));
        assert_eq!(h.field("ACCEPT"), Some("text/html"));
        assert_eq!(h.field("x-empty"), Some(""));
        assert!(h.keep_alive());
        assert_eq!(h.body(), Ok(Body::None));
        // Bare LF line ends, and empty lines before the request line.
        let h = head("\r\n\nHEAD / HTTP/1.0\nHost: x\n\n");
        assert_eq!((h.method.as_str(), h.minor), ("HEAD", 0));
        assert!(!h.keep_alive());
        assert!(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive());
        assert!(!head("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n").keep_alive());
    }

    #[test]
    fn an_incomplete_head_asks_for_more() {
        for part in [
            "",
            "GE",
            "GET / HTTP/1.1",
            "GET / HTTP/1.1\r\nHost: x\r\n",
            "\r\n",
        ] {
            assert_eq!(parse(part.as_bytes()), Ok(None), "{part:?}");
        }
        // What follows the head (a pipelined request) is left for the next parse.
        let two = b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        let (h, n) = parse(two).unwrap().unwrap();
        assert_eq!(h.target, "/a");
        assert_eq!(parse(&two[n..]).unwrap().unwrap().0.target, "/b");
    }

    #[test]
    fn s10_malformed_heads_are_refused() {
        let bad = [
            "GARBAGE\r\n\r\n",
            "GET /a b c HTTP/1.1\r\n\r\n",
            "GET  / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1 \r\n\r\n",
            "GET /\tx HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n",
            "GET / HTTP/1.1\r\n Host: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
            "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
            "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
            "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n",
            "GET / HTTP/1.1\rHost: x\r\n\r\n",
            "G(T / HTTP/1.1\r\n\r\n",
            "GET / HTTPS/1.1\r\n\r\n",
            "GET / http/1.1\r\n\r\n",
            "GET / HTTP/1.1.1\r\n\r\n",
        ];
        for text in bad {
            assert_eq!(
                parse(text.as_bytes()),
                Err(Malformed::BadRequest),
                "{text:?}"
            );
        }
        assert_eq!(parse(b"GET / HTTP/2.0\r\n\r\n"), Err(Malformed::Version));
        assert_eq!(parse(b"GET / HTTP/3\r\n\r\n"), Err(Malformed::Version));
        assert_eq!(
            parse(b"GET /\xff HTTP/1.1\r\n\r\n"),
            Err(Malformed::BadRequest)
        );
    }

    #[test]
    fn s10_oversized_heads_are_refused_before_they_are_complete() {
        let long_line = format!("GET /{}", "a".repeat(MAX_HEAD));
        assert_eq!(parse(long_line.as_bytes()), Err(Malformed::TargetTooLong));
        let big = format!("GET / HTTP/1.1\r\nX-Big: {}", "a".repeat(MAX_HEAD));
        assert_eq!(parse(big.as_bytes()), Err(Malformed::FieldsTooLarge));
        let many = format!("GET / HTTP/1.1\r\n{}", "X-A: b\r\n".repeat(MAX_FIELDS + 1));
        assert_eq!(parse(many.as_bytes()), Err(Malformed::FieldsTooLarge));
        let wide = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            format!("X-A: {}\r\n", "b".repeat(1000)).repeat(17)
        );
        assert_eq!(parse(wide.as_bytes()), Err(Malformed::FieldsTooLarge));
        let fine = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(MAX_FIELDS));
        assert!(parse(fine.as_bytes()).unwrap().is_some());
    }

    #[test]
    fn s10_bodies_are_noticed_and_smuggling_framings_refused() {
        let body = |fields: &str| head(&format!("POST / HTTP/1.1\r\n{fields}\r\n")).body();
        assert_eq!(body(""), Ok(Body::None));
        assert_eq!(body("Content-Length: 0\r\n"), Ok(Body::None));
        assert_eq!(body("Content-Length: 4\r\n"), Ok(Body::Unread));
        assert_eq!(
            body("Content-Length: 4\r\nContent-Length: 4\r\n"),
            Ok(Body::Unread)
        );
        assert_eq!(body("Content-Length: 4, 4\r\n"), Ok(Body::Unread));
        assert_eq!(body("Transfer-Encoding: chunked\r\n"), Ok(Body::Unread));
        for bad in [
            "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
            "Content-Length: 4\r\nContent-Length: 5\r\n",
            "Content-Length: -1\r\n",
            "Content-Length: +4\r\n",
            "Content-Length: 0x10\r\n",
            "Content-Length: \r\n",
            "Content-Length: 99999999999999999999999\r\n",
        ] {
            assert_eq!(body(bad), Err(Malformed::BadRequest), "{bad:?}");
        }
    }
}
