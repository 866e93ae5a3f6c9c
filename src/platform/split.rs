//! Cutting text to a platform's length limit at line, then word boundaries, never inside an indivisible piece, keeping code blocks closed.

/// How a platform measures text, and which pieces of it may not be cut apart.
pub trait Units {
    fn len(text: &str) -> usize;
    /// The indivisible pieces of `text`, in order.
    fn atoms(text: &str) -> impl Iterator<Item = &str>;
}

/// Closing a code block at a cut costs this much, so every chunk keeps room for it.
const CLOSE: &str = "\n```";
/// A code block reopened after a cut starts with its fence line, at most this long.
const MAX_OPENER: usize = 16;

/// `text` cut to `max` (≥ 1) units between atoms, ending in "…" when something was cut.
pub fn trim<U: Units>(text: &str, max: usize) -> String {
    if U::len(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for atom in U::atoms(text) {
        let size = U::len(atom);
        if used + size > max.saturating_sub(1) {
            break;
        }
        out.push_str(atom);
        used += size;
    }
    out.push('…');
    out
}

/// Splits `text` into chunks of at most `limit` (> 40) units: at line breaks, then at spaces,
/// and inside a word only for a word longer than a chunk. A code block cut in two is closed at
/// the end of one chunk and reopened at the start of the next, so both still render. Blank
/// chunks are left out (platforms refuse them).
pub fn split<U: Units>(text: &str, limit: usize) -> Vec<String> {
    let mut chunks = Chunks {
        len: U::len,
        budget: limit - CLOSE.len(),
        done: Vec::new(),
        current: String::new(),
        current_len: 0,
        open: None,
    };
    let piece_max = chunks.budget - MAX_OPENER - 1;
    for line in text.split('\n') {
        let fence = line.trim_start().starts_with("```");
        for piece in words::<U>(line, piece_max) {
            chunks.push(&piece);
        }
        if fence {
            chunks.toggle_fence(line);
        }
    }
    chunks.finish()
}

struct Chunks {
    len: fn(&str) -> usize,
    budget: usize,
    done: Vec<String>,
    current: String,
    current_len: usize,
    /// The fence line of the code block open at this point, if any.
    open: Option<String>,
}

impl Chunks {
    fn push(&mut self, piece: &str) {
        let size = (self.len)(piece);
        if !self.current.is_empty() && self.current_len + 1 + size > self.budget {
            self.flush();
        }
        if !self.current.is_empty() {
            self.current.push('\n');
            self.current_len += 1;
        }
        self.current.push_str(piece);
        self.current_len += size;
    }

    fn flush(&mut self) {
        if let Some(opener) = self.open.clone() {
            self.current.push_str(CLOSE);
            self.keep();
            self.current_len = (self.len)(&opener);
            self.current = opener;
        } else {
            self.keep();
            self.current_len = 0;
        }
    }

    fn keep(&mut self) {
        let chunk = std::mem::take(&mut self.current);
        let chunk = chunk.trim_matches('\n');
        if !chunk.trim().is_empty() {
            self.done.push(chunk.to_string());
        }
    }

    fn toggle_fence(&mut self, line: &str) {
        self.open = match self.open {
            Some(_) => None,
            None => {
                let opener = line.trim();
                let short = (self.len)(opener) <= MAX_OPENER && !opener[3..].contains('`');
                Some(if short { opener.to_string() } else { "```".to_string() })
            }
        };
    }

    fn finish(mut self) -> Vec<String> {
        self.keep();
        self.done
    }
}

/// One line as pieces of at most `max` units, cut at spaces where it can.
fn words<U: Units>(line: &str, max: usize) -> Vec<String> {
    if U::len(line) <= max {
        return vec![line.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        let word_len = U::len(word);
        if current_len > 0 && current_len + 1 + word_len > max {
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if word_len > max {
            pieces.extend(cut_word::<U>(word, max));
            let rest = pieces.pop().unwrap_or_default();
            current_len = U::len(&rest);
            current = rest;
            continue;
        }
        if current_len > 0 {
            current.push(' ');
            current_len += 1;
        }
        current.push_str(word);
        current_len += word_len;
    }
    if current_len > 0 {
        pieces.push(current);
    }
    pieces
}

/// A word longer than a chunk, cut between atoms into pieces of at most `max` units.
fn cut_word<U: Units>(word: &str, max: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut used = 0;
    for atom in U::atoms(word) {
        let size = U::len(atom);
        if used + size > max {
            pieces.push(String::new());
            used = 0;
        }
        if let Some(last) = pieces.last_mut() {
            last.push_str(atom);
        }
        used += size;
    }
    pieces
}
