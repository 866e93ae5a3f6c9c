//! A curriculum file that no longer matches a running cohort's version: the cohort keeps running
//! on its version; the organizer is told once by DM and the operator warned once per process.
//!
//! The DM, e.g.: "📚 The curriculum file `lakehouse.md` changed, but the cohort in #general in
//! Data Study Group keeps running on its own version … • removed: days 124-150 …"

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::catalog::OnDisk;
use super::context::CohortCtx;
use super::error::CoachResult;
use super::tick::channel;
use super::version::{Version, short};
use super::{Coach, Delivery, Message, Outgoing};
use crate::curriculum::{Changes, diff};

/// How the file on disk differs from a cohort's version.
#[derive(Debug)]
pub enum Drift {
    /// The file loads, as another version.
    Changed { file: Arc<Version>, changes: Changes, bank_changed: bool },
    /// The file is there but does not load.
    Broken { hash: String, reason: String },
    /// No file of that name in the curriculum folder.
    Missing,
}

/// The notice kind in `notices`; the key is [`Drift::key`].
const NOTICE: &str = "curriculum_drift";

impl Drift {
    /// Compares the file on disk with a version. Cheap when they match: one hash comparison.
    pub fn of(on_disk: OnDisk<'_>, version: &Version) -> Option<Drift> {
        match on_disk {
            OnDisk::Loaded(file) if file.hash == version.hash => None,
            OnDisk::Loaded(file) => {
                let changes = diff(&version.curriculum, &file.curriculum);
                let bank_changed = file.bank_source() != version.bank_source();
                Some(Drift::Changed { file, changes, bank_changed })
            }
            OnDisk::Broken(b) => Some(Drift::Broken { hash: b.hash.clone(), reason: b.reason.clone() }),
            OnDisk::Missing => Some(Drift::Missing),
        }
    }

    /// Names what is on disk, so each different file is told once.
    pub fn key(&self) -> String {
        match self {
            Drift::Changed { file, .. } => file.hash.clone(),
            Drift::Broken { hash, .. } => format!("broken:{hash}"),
            Drift::Missing => "missing".into(),
        }
    }

    /// What differs, one line each: the day changes, then the quiz bank.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Drift::Changed { file, changes, bank_changed } => {
                let mut lines = changes.lines();
                if *bank_changed {
                    lines.push(match file.bank {
                        Some(_) => "the quiz bank changed".into(),
                        None => "the quiz bank is gone, or does not load with this file".into(),
                    });
                }
                if lines.is_empty() {
                    lines.push("only formatting: no lesson, heading or quiz differs".into());
                }
                lines
            }
            Drift::Broken { reason, .. } => vec![format!("the file does not load: {reason}")],
            Drift::Missing => vec!["the file is no longer in the curriculum folder".into()],
        }
    }
}

/// Tells the organizer (and admin members) once per cohort and file content that the file
/// differs, and warns the operator once per process. Nothing about the cohort changes.
pub(super) async fn tell_drift<D: Delivery>(
    coach: &Coach,
    ctx: &CohortCtx,
    delivery: &D,
    now: DateTime<Utc>,
    out: &mut Vec<Outgoing>,
) -> CoachResult<()> {
    let id = &ctx.cohort.curriculum_id;
    let Some(drift) = Drift::of(coach.catalog.on_disk(id), &ctx.version) else { return Ok(()) };
    let key = drift.key();
    if coach.versions.was_told(ctx.cohort.id, &key) {
        return Ok(());
    }
    let lines = drift.lines();
    tracing::warn!(
        curriculum = %id,
        version = ctx.version.short(),
        on_disk = short(key.trim_start_matches("broken:")),
        changes = %lines.join("; "),
        "the curriculum file differs from the version the cohort runs on; the cohort keeps its version"
    );
    let mut text = None;
    for user_id in recipients(coach, ctx).await? {
        let member = coach.store.ensure_member(ctx.cohort.platform, &user_id, now.timestamp()).await?;
        if !coach.store.notice_once(ctx.cohort.id, member.id, NOTICE, &key, now.timestamp()).await? {
            continue;
        }
        if text.is_none() {
            text = Some(notice(ctx, &drift, &lines, &delivery.channel_label(&channel(ctx)).await));
        }
        let message = Message::text(text.clone().unwrap_or_default());
        out.push(Outgoing::direct(ctx.cohort.platform.as_str(), &user_id, message));
    }
    coach.versions.mark_told(ctx.cohort.id, &key);
    Ok(())
}

/// The organizer who set the cohort up, and any member recorded as an admin.
async fn recipients(coach: &Coach, ctx: &CohortCtx) -> CoachResult<BTreeSet<String>> {
    let mut ids = BTreeSet::from([ctx.cohort.created_by.clone()]);
    for (membership, member) in coach.store.list_cohort_member_profiles(ctx.cohort.id).await? {
        if membership.is_admin {
            ids.insert(member.user_id);
        }
    }
    ids.retain(|id| !id.is_empty());
    Ok(ids)
}

fn notice(ctx: &CohortCtx, drift: &Drift, lines: &[String], label: &str) -> String {
    let file = format!("`{}.md`", ctx.cohort.curriculum_id);
    let runs = format!(
        "keeps running on its own version of **{}** (`{}`, {})",
        ctx.curriculum.title,
        ctx.version.short(),
        ctx.version.extent()
    );
    let what: Vec<String> = lines.iter().map(|l| format!("• {l}")).collect();
    let next = match drift {
        Drift::Changed { .. } => format!(
            "`/studybot curriculum` in {label} shows the difference; `/studybot curriculum apply` there moves \
             the cohort to the file's version (refused if a lesson already posted would disappear)."
        ),
        Drift::Broken { .. } | Drift::Missing => {
            "Nothing changes for the cohort until the file loads again.".to_string()
        }
    };
    format!(
        "📚 The curriculum file {file} changed on disk, but the cohort in {label} {runs}: nothing it posted \
         or recorded changes.\nIn the file now:\n{}\n{next}",
        what.join("\n")
    )
}
