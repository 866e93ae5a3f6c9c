//! A cohort's record for its organizer: members × posted days (on time, late, freeze, excused,
//! missed, open), streaks, points, quiz scores and content posts, as CSV or JSON; and
//! `/studybot export`, which hands it to the admin as a file.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::progress::{Mark, marks};
use super::{Attachment, Block, Call, Coach, Inbound, Message, Outgoing, audit, stats};
use crate::domain::DayNumber;
use crate::store::{self, ContentKind};

/// The formats, as `/studybot export format:` and `studybot export --format` name them.
pub const FORMATS: &[&str] = &["csv", "json"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// One of [`FORMATS`].
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv",
            Format::Json => "application/json",
        }
    }

    /// The record as this format's text.
    pub fn render(self, record: &Record) -> String {
        match self {
            Format::Csv => record.csv(),
            Format::Json => format!("{:#}\n", record.json()),
        }
    }
}

/// `/studybot export [format:]`: the record as of now, as a file only the admin gets; audited,
/// since it carries every member's data.
pub(super) async fn command(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let format = call.text("format").and_then(Format::from_name).unwrap_or(Format::Csv);
    let record = record(coach, ctx, now).await?;
    let cohort = ctx.cohort.id;
    let (members, days) = (record.lines.len(), record.days.len());
    let detail = format!("{} record: {members} members × {days} days", format.name());
    let mut tx = coach.store.begin().await?;
    store::record_audit(&mut tx, &audit::entry(inbound, cohort, "cohort.export", detail, now)).await?;
    tx.commit().await?;
    let file = Attachment {
        name: format!("studybot-cohort-{cohort}-{}.{}", ctx.today(now), format.name()),
        content_type: format.content_type().into(),
        description: format!(
            "{} record of cohort {cohort} ({}), {members} members × {days} days",
            format.name().to_uppercase(),
            record.curriculum
        ),
        bytes: format.render(&record).into_bytes(),
    };
    let text = format!(
        "📎 The record of **{}** as of {}: {members} members × {days} posted days (on time, late, freeze, excused, missed), streaks, points, quiz scores and posts. Only you get this file; the export is noted in the audit log.",
        ctx.curriculum.title,
        ctx.local(now)
    );
    Ok(vec![Outgoing::ephemeral_message(Message::text(text).with(Block::File(file)))])
}

/// One member's line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub member: String,
    /// One mark per posted day, in [`Record::days`] order.
    pub marks: Vec<Mark>,
    pub lessons_done: i64,
    pub on_time: i64,
    pub late: i64,
    pub missed: i64,
    pub current_streak: i64,
    pub best_streak: i64,
    pub points: i64,
    pub quiz_points: i64,
    /// Right answers and questions of the counted attempt, per quiz in [`Record::quizzes`] order.
    pub quizzes: Vec<Option<(i64, i64)>>,
    pub linkedin: usize,
    pub blog: usize,
}

/// The whole cohort as of an instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub curriculum: String,
    pub days: Vec<DayNumber>,
    pub quizzes: Vec<String>,
    pub lines: Vec<Line>,
    /// The cohort's stored checkpoints, all days.
    pub checkpoints: usize,
}

/// The record of `ctx`'s cohort at `now`, members in the order they joined.
pub async fn record(coach: &Coach, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<Record> {
    let mut tx = coach.store.begin_read().await?;
    let lessons = ctx.lessons(now);
    let days: Vec<DayNumber> = lessons.iter().map(|l| l.day).collect();
    let counted = store::counted_quiz_scores(&mut tx, ctx.cohort.id, None).await?;
    let quizzes: Vec<String> =
        counted.iter().map(|(_, quiz, ..)| quiz.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut scores: HashMap<(i64, String), (i64, i64)> = HashMap::new();
    for (member, quiz, score, max) in counted {
        scores.insert((member, quiz), (score, max));
    }
    // The whole cohort in five reads, grouped by member: no query per member.
    let mut checkpoints: HashMap<i64, Vec<store::Checkpoint>> = HashMap::new();
    let stored = store::list_cohort_checkpoints(&mut tx, ctx.cohort.id).await?;
    let total = stored.len();
    for c in stored {
        checkpoints.entry(c.member_id).or_default().push(c);
    }
    let mut excused: HashMap<i64, BTreeSet<DayNumber>> = HashMap::new();
    for (member, day) in store::list_cohort_excusals(&mut tx, ctx.cohort.id).await? {
        excused.entry(member).or_default().insert(day);
    }
    let saved: HashMap<i64, store::MemberStats> = store::list_member_stats(&mut tx, ctx.cohort.id)
        .await?
        .into_iter()
        .map(|s| (s.member_id, s))
        .collect();
    let mut posts: HashMap<(i64, ContentKind), usize> = HashMap::new();
    for post in store::list_cohort_content_posts(&mut tx, ctx.cohort.id).await? {
        *posts.entry((post.member_id, post.kind)).or_default() += 1;
    }
    let mut lines = Vec::new();
    for (_, member) in store::list_cohort_member_profiles(&mut tx, ctx.cohort.id).await? {
        let mine = checkpoints.remove(&member.id).unwrap_or_default();
        let summary =
            stats::summary_of(ctx, &lessons, &mine, &excused.remove(&member.id).unwrap_or_default(), now);
        let checked: HashMap<DayNumber, bool> = mine.iter().map(|c| (c.day, c.on_time)).collect();
        let saved = saved.get(&member.id).cloned().unwrap_or_default();
        let count = |kind| posts.get(&(member.id, kind)).copied().unwrap_or(0);
        lines.push(Line {
            member: member.display_name.clone(),
            marks: marks(&lessons, &checked, &summary, now).into_iter().map(|(_, mark)| mark).collect(),
            lessons_done: i64::from(summary.on_time + summary.late),
            on_time: summary.on_time.into(),
            late: summary.late.into(),
            missed: summary.missed.into(),
            current_streak: summary.current.into(),
            best_streak: summary.best.into(),
            points: saved.points,
            quiz_points: saved.quiz_points,
            quizzes: quizzes.iter().map(|q| scores.get(&(member.id, q.clone())).copied()).collect(),
            linkedin: count(ContentKind::Linkedin),
            blog: count(ContentKind::Blog),
        });
    }
    Ok(Record { curriculum: ctx.cohort.curriculum_id.clone(), days, quizzes, lines, checkpoints: total })
}

impl Record {
    fn header(&self) -> Vec<String> {
        let mut header = vec!["member".to_string()];
        header.extend(self.days.iter().map(|d| format!("day {d}")));
        for name in
            ["lessons done", "on time", "late", "missed", "streak", "best streak", "points", "quiz points"]
        {
            header.push(name.into());
        }
        header.extend(self.quizzes.iter().map(|q| format!("quiz {q}")));
        header.extend(["linkedin posts".into(), "blog posts".into()]);
        header
    }

    /// RFC 4180: a header line, then one line per member; CRLF line ends.
    pub fn csv(&self) -> String {
        let mut out = csv_line(&self.header());
        for line in &self.lines {
            let mut cells = vec![line.member.clone()];
            cells.extend(line.marks.iter().map(|m| m.word().to_string()));
            for n in [
                line.lessons_done,
                line.on_time,
                line.late,
                line.missed,
                line.current_streak,
                line.best_streak,
                line.points,
                line.quiz_points,
            ] {
                cells.push(n.to_string());
            }
            cells.extend(line.quizzes.iter().map(|s| s.map_or(String::new(), |(r, of)| format!("{r}/{of}"))));
            cells.extend([line.linkedin.to_string(), line.blog.to_string()]);
            out.push_str(&csv_line(&cells));
        }
        out
    }

    pub fn json(&self) -> Value {
        let members: Vec<Value> = self
            .lines
            .iter()
            .map(|line| {
                let days: serde_json::Map<String, Value> = self
                    .days
                    .iter()
                    .zip(&line.marks)
                    .map(|(day, mark)| (day.to_string(), json!(mark.word())))
                    .collect();
                let quizzes: serde_json::Map<String, Value> = self
                    .quizzes
                    .iter()
                    .zip(&line.quizzes)
                    .filter_map(|(q, s)| s.map(|(right, of)| (q.clone(), json!({"right": right, "of": of}))))
                    .collect();
                json!({
                    "member": line.member,
                    "days": days,
                    "lessons_done": line.lessons_done,
                    "on_time": line.on_time,
                    "late": line.late,
                    "missed": line.missed,
                    "current_streak": line.current_streak,
                    "best_streak": line.best_streak,
                    "points": line.points,
                    "quiz_points": line.quiz_points,
                    "quizzes": quizzes,
                    "linkedin_posts": line.linkedin,
                    "blog_posts": line.blog,
                })
            })
            .collect();
        json!({"curriculum": self.curriculum, "members": members})
    }
}

/// One CSV line: a cell with a comma, a quote or a line break is quoted, quotes doubled. A
/// cell a spreadsheet would run as a formula (a member named `=HYPERLINK(…)`) gets a leading
/// `'`, as OWASP advises against CSV injection.
fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{c}") } else { c.clone() };
            if c.contains([',', '"', '\n', '\r']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c }
        })
        .collect();
    format!("{}\r\n", quoted.join(","))
}

#[cfg(test)]
mod tests {
    use super::csv_line;

    #[test]
    fn cells_with_commas_quotes_and_line_breaks_are_quoted() {
        let cells =
            ["ada".to_string(), "a, b".into(), "say \"hi\"".into(), "two\nlines".into(), String::new()];
        assert_eq!(csv_line(&cells), "ada,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_defused() {
        let cells = ["=HYPERLINK(\"http://x\")".to_string(), "+1".into(), "@sum".into(), "ada".into()];
        assert_eq!(csv_line(&cells), r#""'=HYPERLINK(""http://x"")",'+1,'@sum,ada"#.to_string() + "\r\n");
    }
}
