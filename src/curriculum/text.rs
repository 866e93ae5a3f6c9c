//! Line-level Markdown helpers for the curriculum parser: cleaning headings and labels, finding links.

use super::model::Resource;

/// Removes `**`, leading emoji and a trailing colon: `## 🎯 **Cycle Goals:**` → `Cycle Goals`.
pub fn clean_heading(raw: &str) -> String {
    let text = raw.replace("**", "");
    let text = strip_leading_symbols(&text).trim_end();
    text.strip_suffix(':').unwrap_or(text).trim_end().to_string()
}

/// Leading emoji and pictographs are decoration; ASCII punctuation is content and stays.
fn strip_leading_symbols(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_whitespace() || (!c.is_ascii() && !c.is_alphanumeric()))
}

/// A list item: `  - text` → (indent width, `text`). Tabs count as four spaces.
pub fn list_item(line: &str) -> Option<(usize, &str)> {
    let body = line.trim_start();
    let indent: usize = line[..line.len() - body.len()].chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
    let rest =
        body.strip_prefix("- ").or_else(|| body.strip_prefix("* ")).or_else(|| body.strip_prefix("+ "))?;
    Some((indent, rest.trim()))
}

/// `- [ ] item` or `- [x] item` → `item`.
pub fn checklist_item(content: &str) -> Option<&str> {
    let rest = content
        .strip_prefix("[ ]")
        .or_else(|| content.strip_prefix("[x]"))
        .or_else(|| content.strip_prefix("[X]"))?;
    Some(rest.trim())
}

/// A labelled line `**Label:** text` or `**Label**: text` → (`Label`, `text`).
/// Bold text without a colon is emphasis, not a label.
pub fn labelled(content: &str) -> Option<(String, &str)> {
    let inner = content.trim_start().strip_prefix("**")?;
    let close = inner.find("**")?;
    let (label, after) = (&inner[..close], &inner[close + 2..]);
    let (label, rest) = if let Some(label) = label.trim_end().strip_suffix(':') {
        (label, after)
    } else {
        (label, after.trim_start().strip_prefix(':')?)
    };
    let label = strip_leading_symbols(label).trim();
    if label.is_empty() {
        return None;
    }
    Some((label.to_string(), rest.trim()))
}

/// Removes one pair of surrounding straight or curly quotes.
pub fn unquote(text: &str) -> &str {
    let pairs = [('"', '"'), ('\u{201c}', '\u{201d}'), ('\'', '\'')];
    for (open, close) in pairs {
        if let Some(inner) = text.strip_prefix(open).and_then(|t| t.strip_suffix(close)) {
            return inner.trim();
        }
    }
    text
}

/// Every link on a line, in order: `[title](url)`, `<url>` or a bare `http(s)://` URL.
/// Err says why the text is not a usable link, for the `FILE:LINE` diagnostic.
pub fn links(text: &str) -> Result<Vec<Resource>, String> {
    let mut found = markdown_links(text)?;
    if found.is_empty() {
        found = bare_urls(text);
    }
    if found.is_empty() {
        return Err(format!(
            "`{}` is not a link; write it as `[Title](https://example.com/page)`",
            shorten(text)
        ));
    }
    for link in &found {
        check_url(&link.url)?;
    }
    Ok(found)
}

fn markdown_links(text: &str) -> Result<Vec<Resource>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = matching(after, '[', ']') else {
            break;
        };
        let title = after[..close].trim();
        let tail = &after[close + 1..];
        let Some(target) = tail.strip_prefix('(') else {
            rest = tail;
            continue;
        };
        let Some(end) = matching(target, '(', ')') else {
            return Err(format!("the link `{}` has no closing `)`", shorten(&rest[open..])));
        };
        let url = target[..end].trim().trim_start_matches('<').trim_end_matches('>');
        let title = if title.is_empty() { url } else { title };
        found.push(Resource { title: title.to_string(), url: url.to_string() });
        rest = &target[end + 1..];
    }
    Ok(found)
}

/// Index of the bracket closing an already opened one, honouring nesting.
fn matching(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
    }
    None
}

fn bare_urls(text: &str) -> Vec<Resource> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_start_matches('<').trim_end_matches(['>', '.', ';']))
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| Resource { title: w.to_string(), url: w.to_string() })
        .collect()
}

fn check_url(url: &str) -> Result<(), String> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(format!("`{}` is not a web link; use an http:// or https:// URL", shorten(url))),
        Err(e) => Err(format!(
            "`{}` is not a valid URL ({e}); use a full address such as https://example.com/page",
            shorten(url)
        )),
    }
}

/// Keeps diagnostics readable when a line is long.
pub fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// Typed input as an answer may quote it: control characters written out (`\0`, `\u{1b}`) so
/// none reaches a terminal or chat raw, and at most 80 characters, as [`shorten`] cuts them.
pub fn quoted(text: &str) -> String {
    quoted_to(text, 80)
}

/// [`quoted`] with another length: for a message that itself quotes input (a cron parser's reason).
pub fn quoted_to(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_lose_bold_emoji_and_colon() {
        let cases = [
            (
                "**Module 17: Delta Lake Fundamentals (Days 121-127)**",
                "Module 17: Delta Lake Fundamentals (Days 121-127)",
            ),
            ("🎯 **Cycle Goals**", "Cycle Goals"),
            ("📊 **Final Cycle Assessment**", "Final Cycle Assessment"),
            ("**Technical Skills Acquired:**", "Technical Skills Acquired"),
            ("🎯 **Beachhead Cycle Goals**", "Beachhead Cycle Goals"),
            (
                "**Day 121 - Lakehouse Architecture Introduction**",
                "Day 121 - Lakehouse Architecture Introduction",
            ),
            ("  plain  ", "plain"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(clean_heading(raw), want, "{raw}");
        }
    }

    #[test]
    fn labels_in_both_colon_positions() {
        let cases = [
            ("**🎯 Learning Objective:** Understand it", Some(("Learning Objective", "Understand it"))),
            ("**Task (30 min):** Study", Some(("Task (30 min)", "Study"))),
            ("**Checkpoint**: Done", Some(("Checkpoint", "Done"))),
            ("**Resources:**", Some(("Resources", ""))),
            ("**🐳 Docker Setup:** `docker run`", Some(("Docker Setup", "`docker run`"))),
            ("**bold** without colon", None),
            ("no label: here", None),
            ("**:** empty", None),
            ("**unclosed: text", None),
        ];
        for (raw, want) in cases {
            let got = labelled(raw);
            assert_eq!(got.as_ref().map(|(l, t)| (l.as_str(), *t)), want, "{raw}");
        }
    }

    #[test]
    fn list_items_and_checklists() {
        assert_eq!(list_item("- a"), Some((0, "a")));
        assert_eq!(list_item("  - [x](u)"), Some((2, "[x](u)")));
        assert_eq!(list_item("\t* b"), Some((4, "b")));
        assert_eq!(list_item("-no space"), None);
        assert_eq!(checklist_item("[ ] Delta Lake"), Some("Delta Lake"));
        assert_eq!(checklist_item("[x] Done"), Some("Done"));
        assert_eq!(checklist_item("Delta Lake"), None);
    }

    #[test]
    fn quotes_are_removed_once() {
        assert_eq!(unquote("\"Why it matters\""), "Why it matters");
        assert_eq!(unquote("\u{201c}Curly\u{201d}"), "Curly");
        assert_eq!(unquote("\"unbalanced"), "\"unbalanced");
        assert_eq!(unquote("plain"), "plain");
    }

    #[test]
    fn links_inline_nested_and_bare() {
        let got = links("[A](https://a.example/x), [B [v2]](https://b.example/wiki/Foo_(bar))").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].title, "B [v2]");
        assert_eq!(got[1].url, "https://b.example/wiki/Foo_(bar)");
        let bare = links("see https://c.example/docs.").unwrap();
        assert_eq!(bare[0].url, "https://c.example/docs");
        assert!(links("Designing Data-Intensive Applications").is_err());
        assert!(links("[Local](docs/file.md)").unwrap_err().contains("not a valid URL"));
        assert!(links("[Mail](mailto:a@b.c)").unwrap_err().contains("http"));
        assert!(links("[Broken](https://x.example").unwrap_err().contains("closing"));
    }
}
