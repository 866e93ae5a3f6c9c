//! The audit trail as admins see it: the entry every admin act writes ([`entry`]), and
//! `/studybot audit [member:]`, the channel's recent entries newest first.
//!
//! ```text
//! /studybot audit member:bob
//! 🧾 Audit log — about bob (newest first, times in UTC):
//! • Tue 8 Dec 10:00 UTC · alice · member.correct · bob day 122: missed → excused — “was ill”
//! ```

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::context::{CohortCtx, instant};
use super::error::CoachResult;
use super::{Call, Coach, Inbound, platform_of, progress};
use crate::store::{AuditEntry, NewAudit};

/// How many entries `/studybot audit` shows at most.
pub const SHOWN: u32 = 20;
/// What one reply may hold: Discord's message limit.
pub const REPLY_MAX: usize = 2_000;
/// The longest detail or reason shown in one line; the store keeps all of it.
const PART_MAX: usize = 200;

/// The entry of an act by `inbound`'s actor on `cohort_id`, now; `reason` and `member` empty
/// (set them with struct update syntax where the act has them).
pub(super) fn entry(
    inbound: &Inbound,
    cohort_id: i64,
    action: &str,
    detail: impl Into<String>,
    now: DateTime<Utc>,
) -> NewAudit {
    NewAudit {
        at: now.timestamp(),
        platform: inbound.channel.platform.clone(),
        actor: inbound.actor.user_id.clone(),
        cohort_id: Some(cohort_id),
        action: action.into(),
        detail: detail.into(),
        reason: String::new(),
        member: String::new(),
    }
}

/// `/studybot audit [member:]`: the channel's newest entries, every cycle's, as one reply.
pub(super) async fn command(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
) -> CoachResult<String> {
    let member = match call.text("member") {
        Some(who) => Some(progress::lookup(coach, ctx, inbound, who).await?),
        None => None,
    };
    let platform = platform_of(&inbound.channel)?;
    let about = member.as_ref().map(|m| m.user_id.as_str());
    let entries = coach.store.list_recent_audit(platform, &inbound.channel.channel, about, SHOWN).await?;
    let names: HashMap<String, String> = coach
        .store
        .list_cohort_member_profiles(ctx.cohort.id)
        .await?
        .into_iter()
        .map(|(_, m)| (m.user_id, m.display_name))
        .collect();
    let whose = member.map_or(String::new(), |m| format!(" — about {}", m.display_name));
    let head = format!("🧾 Audit log{whose} (newest first, times in {}):", ctx.cohort.timezone);
    if entries.is_empty() {
        return Ok(format!("{head}\nNothing recorded yet."));
    }
    let lines: Vec<String> = entries.iter().map(|e| line(ctx, &names, e)).collect();
    Ok(fit(&head, &lines, REPLY_MAX))
}

/// `• Tue 8 Dec 10:00 UTC · alice · correct · bob day 122: missed → excused — “was ill”`
fn line(ctx: &CohortCtx, names: &HashMap<String, String>, e: &AuditEntry) -> String {
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut out = format!("• {} · {} · {}", ctx.local(instant(e.at)), name(&e.actor), e.action);
    if !e.detail.is_empty() {
        out.push_str(&format!(" · {}", clip(&e.detail)));
    }
    if !e.reason.is_empty() {
        out.push_str(&format!(" — “{}”", clip(&e.reason)));
    }
    out
}

/// `text`, cut to [`PART_MAX`] characters with `…`.
fn clip(text: &str) -> String {
    match text.char_indices().nth(PART_MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The head and as many whole lines as fit in `max` characters, saying how many were left out.
fn fit(head: &str, lines: &[String], max: usize) -> String {
    let more = |n: usize| format!("… and {n} older not shown; `member:` narrows the list.");
    let mut out = head.to_string();
    for (i, line) in lines.iter().enumerate() {
        let left = lines.len() - i - 1;
        let tail = if left > 0 { more(left).chars().count() + 1 } else { 0 };
        if out.chars().count() + 1 + line.chars().count() + tail > max {
            return format!("{out}\n{}", more(lines.len() - i));
        }
        out.push('\n');
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_log_keeps_whole_lines_within_the_limit_and_says_what_it_left_out() {
        let lines: Vec<String> = (0..20).map(|i| format!("• entry {i} {}", "x".repeat(180))).collect();
        let out = fit("head", &lines, REPLY_MAX);
        assert!(out.chars().count() <= REPLY_MAX, "{}", out.chars().count());
        assert!(out.ends_with("older not shown; `member:` narrows the list."), "{out}");
        let shown = out.lines().filter(|l| l.starts_with("• entry")).count();
        assert!(out.contains(&format!("… and {} older", 20 - shown)), "{out}");
        assert!(out.lines().filter(|l| l.starts_with('•')).all(|l| l.ends_with('x')), "whole lines only");
        assert_eq!(fit("head", &lines[..2], REPLY_MAX).lines().count(), 3, "all fit: no note");
    }

    #[test]
    fn a_long_detail_is_clipped() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(PART_MAX + 5);
        assert_eq!(clip(&long).chars().count(), PART_MAX + 1);
        assert!(clip(&long).ends_with('…'));
    }
}
