//! The dashboard's HTML, rendered on the server with maud (which escapes every value it is
//! given): no JavaScript, tables with captions and header scopes, headings in order, and each
//! state shown by a symbol and a word as well as a colour.

use base64::prelude::{BASE64_STANDARD, Engine as _};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::data::{AdminPage, Head, PublicPage, quiz_label};
use crate::coach::Mark;

/// Dark text on light fills, every pair at least 4.5:1 (WCAG AA); nothing depends on colour
/// alone, since each cell also carries its symbol and word.
const CSS: &str = r#"
:root{color:#1a1a1a;background:#fff;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0}main{max-width:80rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid #767676}
a{color:#0645ad}a:focus,.scroll:focus{outline:3px solid #0645ad;outline-offset:2px}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;list-style:none}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}td.n{text-align:right}
.grid td{text-align:center;white-space:nowrap}.grid th[scope=row]{white-space:nowrap}
.m-on{background:#d9f2dd;color:#0b3d12}.m-late{background:#fff1c2;color:#4d3800}
.m-rest{background:#e0f0ff;color:#063a57}.m-missed{background:#f2f2f2;color:#333}
.m-open{background:#eee6ff;color:#2d1466}
.legend{display:flex;flex-wrap:wrap;gap:.5rem;padding:0;list-style:none}.legend li{padding:0 .5rem}
.bar{display:inline-block;height:.6rem;background:#0b6b2a;vertical-align:middle;margin-left:.5rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.muted{color:#555}
@media (max-width:40rem){main{padding:.5rem}th,td{padding:.2rem .3rem}h1{font-size:1.3rem}}
"#;

/// The whole document around a page's content.
fn layout(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex, nofollow";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body { main { (content) } }
        }
    }
}

fn intro(head: &Head) -> Markup {
    html! {
        p {
            "Curriculum " code { (head.curriculum_id) } ", cycle " (head.cycle_no) ", " (head.state)
            ". Times in " (head.timezone) "; as of " (head.as_of) "."
        }
    }
}

/// A wide table scrolls on its own on a narrow screen, reachable by keyboard.
fn scroll(label: &str, table: Markup) -> Markup {
    html! { div.scroll role="region" aria-label=(label) tabindex="0" { (table) } }
}

fn mark_class(mark: Mark) -> &'static str {
    match mark {
        Mark::OnTime => "m-on",
        Mark::Late => "m-late",
        Mark::Freeze | Mark::Excused => "m-rest",
        Mark::Missed => "m-missed",
        Mark::Open => "m-open",
    }
}

/// A glyph every common font has (the chat's emoji need an emoji font, which a server-side
/// screenshot or an older desktop lacks), so the state never rests on the colour alone.
fn glyph(mark: Mark) -> &'static str {
    match mark {
        Mark::OnTime => "✓",
        Mark::Late => "L",
        Mark::Freeze => "❄",
        Mark::Excused => "E",
        Mark::Missed => "✗",
        Mark::Open => "…",
    }
}

const MARKS: [Mark; 6] = [Mark::OnTime, Mark::Late, Mark::Freeze, Mark::Excused, Mark::Missed, Mark::Open];

/// The page an admin's signed link opens.
pub fn admin(page: &AdminPage) -> Markup {
    let head = &page.head;
    let title = format!("{} — cohort {}", head.title, head.cohort_id);
    layout(
        &title,
        html! {
            h1 { (title) }
            (intro(head))
            p.muted { "This private page works until " (page.link_expires) ". Public leaderboard page: "
                strong { @if page.public { "on" } @else { "off" } } "." }
            nav aria-label="Sections" { ul {
                li { a href="#grid" { "Members and days" } }
                li { a href="#modules" { "Modules" } }
                li { a href="#quizzes" { "Quiz results" } }
                li { a href="#content" { "Content posts" } }
                li { a href="#checklist" { "Cycle checklist" } }
                li { a href="#audit" { "Audit trail" } }
            } }
            (grid(page))
            (modules(page))
            (quizzes(page))
            (content(page))
            (checklist(page))
            @if let Some(pictures) = pictures(page) {
                section #pictures { h2 { "Pictures" } (pictures) }
            }
            (audit(page))
        },
    )
}

/// The pictures the chat shows (the cohort grid), inline as `data:` PNGs with their alt text;
/// the page's Content-Security-Policy allows `data:` images and nothing else.
pub fn pictures(page: &AdminPage) -> Option<Markup> {
    if page.pictures.is_empty() {
        return None;
    }
    Some(html! {
        @for picture in &page.pictures {
            figure {
                img src=(format!("data:{};base64,{}", picture.content_type, BASE64_STANDARD.encode(&picture.bytes)))
                    alt=(picture.description) style="max-width:100%;height:auto";
                figcaption { (picture.description) }
            }
        }
    })
}

fn grid(page: &AdminPage) -> Markup {
    let record = &page.record;
    html! {
        section #grid {
            h2 { "Members and days" }
            ul.legend aria-label="Legend" {
                @for mark in MARKS { li class=(mark_class(mark)) { (glyph(mark)) " " (mark.word()) } }
            }
            @if record.lines.is_empty() {
                p { "Nobody has joined yet." }
            } @else {
                (scroll("Members and days", html! {
                    table.grid {
                        caption { (record.lines.len()) " members × " (record.days.len()) " posted days" }
                        thead { tr {
                            th scope="col" { "Member" }
                            @for day in &record.days { th scope="col" { "Day " (day) } }
                            th scope="col" { "Streak" } th scope="col" { "Best" }
                            th scope="col" { "Lessons done" } th scope="col" { "Points" }
                        } }
                        tbody { @for line in &record.lines { tr {
                            th scope="row" { (line.member) }
                            @for mark in &line.marks {
                                td class=(mark_class(*mark)) {
                                    span aria-hidden="true" title=(mark.word()) { (glyph(*mark)) } span.sr { (mark.word()) }
                                }
                            }
                            td.n { (line.current_streak) } td.n { (line.best_streak) }
                            td.n { (line.lessons_done) } td.n { (line.points) }
                        } } }
                    }
                }))
            }
        }
    }
}

fn modules(page: &AdminPage) -> Markup {
    html! {
        section #modules {
            h2 { "Modules" }
            (scroll("Modules", html! {
                table {
                    caption { "Completion per module: lessons checked (on time or late) of the member-days posted" }
                    thead { tr {
                        th scope="col" { "Module" } th scope="col" { "Title" } th scope="col" { "Days" }
                        th scope="col" { "Posted" } th scope="col" { "Completion" }
                    } }
                    tbody { @for m in &page.modules { tr {
                        th scope="row" { @if let Some(n) = m.number { (n) } @else { "—" } }
                        td { (m.title) } td { (m.days) }
                        td.n { (m.posted_days) " of " (m.total_days) }
                        td { @match m.done_percent {
                            Some(p) => { (p) "%" span.bar style={ "width:" (p / 2) "px" } aria-hidden="true" {} }
                            None => span.muted { "not posted yet" },
                        } }
                    } } }
                }
            }))
        }
    }
}

fn quizzes(page: &AdminPage) -> Markup {
    let record = &page.record;
    html! {
        section #quizzes {
            h2 { "Quiz results" }
            @if record.quizzes.is_empty() {
                p { "No quiz finished yet." }
            } @else {
                (scroll("Quiz results", html! {
                    table #quiz-table {
                        caption { "Counted attempt per member and quiz: right answers of questions" }
                        thead { tr {
                            th scope="col" { "Member" }
                            @for quiz in &record.quizzes { th scope="col" { (quiz_label(quiz)) } }
                        } }
                        tbody { @for line in &record.lines { tr {
                            th scope="row" { (line.member) }
                            @for score in &line.quizzes { @match score {
                                Some((right, of)) => td.n { (right) "/" (of) },
                                None => td { span aria-hidden="true" { "—" } span.sr { "not taken" } },
                            } }
                        } } }
                        tfoot { tr {
                            th scope="row" { "Taken by" }
                            @for i in 0..record.quizzes.len() {
                                td.n { (record.lines.iter().filter(|l| l.quizzes[i].is_some()).count()) }
                            }
                        } }
                    }
                }))
            }
        }
    }
}

/// Only an http(s) address becomes a link: a member-supplied `javascript:` URL stays text.
fn web_link(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

fn content(page: &AdminPage) -> Markup {
    html! {
        section #content {
            h2 { "Content posts" }
            @if page.posts.is_empty() {
                p { "No LinkedIn or blog post logged yet." }
            } @else {
                (scroll("Content posts", html! {
                    table {
                        caption { "LinkedIn and blog posts members logged with /posted, by day" }
                        thead { tr {
                            th scope="col" { "Day" } th scope="col" { "Member" } th scope="col" { "Kind" }
                            th scope="col" { "Post" } th scope="col" { "Logged" }
                        } }
                        tbody { @for post in &page.posts { tr {
                            th scope="row" { (post.day) } td { (post.member) } td { (post.kind) }
                            td { @if web_link(&post.url) {
                                a href=(post.url) rel="noopener noreferrer nofollow ugc" { (post.url) }
                            } @else { (post.url) } }
                            td { (post.posted) }
                        } } }
                    }
                }))
            }
        }
    }
}

fn checklist(page: &AdminPage) -> Markup {
    let members = page.record.lines.len();
    html! {
        section #checklist {
            h2 { "Cycle checklist" }
            @if page.checklist.is_empty() {
                p { "This curriculum has no assessment checklist." }
            } @else {
                (scroll("Cycle checklist", html! {
                    table {
                        caption { "Assessment items and who ticked them with /assess" }
                        thead { tr {
                            th scope="col" { "Item" } th scope="col" { "Part" }
                            th scope="col" { "Ticked" } th scope="col" { "By" }
                        } }
                        tbody { @for item in &page.checklist { tr {
                            th scope="row" { (item.text) } td { (item.heading) }
                            td.n { (item.ticked_by.len()) " of " (members) }
                            td { (item.ticked_by.join(", ")) }
                        } } }
                    }
                }))
            }
        }
    }
}

fn audit(page: &AdminPage) -> Markup {
    html! {
        section #audit {
            h2 { "Audit trail" }
            @if page.audit.is_empty() {
                p { "Nothing recorded yet." }
            } @else {
                (scroll("Audit trail", html! {
                    table {
                        caption { "Admin acts on this cohort, newest first" }
                        thead { tr {
                            th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Action" }
                            th scope="col" { "About" } th scope="col" { "What" } th scope="col" { "Why" }
                        } }
                        tbody { @for act in &page.audit { tr {
                            th scope="row" { (act.at) } td { (act.actor) } td { code { (act.action) } }
                            td { (act.member) } td { (act.detail) } td { (act.reason) }
                        } } }
                    }
                }))
            }
        }
    }
}

/// The page anyone may open while the cohort's admins keep it public.
pub fn public(page: &PublicPage) -> Markup {
    let head = &page.head;
    let title = format!("{} — leaderboard", head.title);
    layout(
        &title,
        html! {
            h1 { (title) }
            (intro(head))
            @if page.board.is_empty() {
                p { "Nobody is on the board yet." }
            } @else {
                (scroll("Leaderboard", html! {
                    table #board {
                        caption { "Members by points; members who opted out of leaderboards are not listed" }
                        thead { tr {
                            th scope="col" { "Rank" } th scope="col" { "Member" } th scope="col" { "Points" }
                            th scope="col" { "Streak" } th scope="col" { "Best streak" }
                            th scope="col" { "Lessons done" }
                        } }
                        tbody { @for r in &page.board { tr {
                            td.n { (r.rank) } th scope="row" { (r.member) } td.n { (r.points) }
                            td.n { (r.current_streak) } td.n { (r.best_streak) } td.n { (r.lessons_done) }
                        } } }
                    }
                }))
            }
        },
    )
}
