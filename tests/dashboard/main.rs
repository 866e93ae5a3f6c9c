//! The web dashboard of the real `studybot run`: a cohort played through the console (members,
//! check-ins, a content post, a checklist tick, a member named like a script, admin acts) and
//! quiz results, then its pages fetched over HTTP on SQLite and PostgreSQL — the signed link
//! from `/studybot dashboard`, 403 for another cohort's, an expired or a forged token, the
//! public leaderboard on and off — and once in a real headless Chromium.

#[path = "../support/mod.rs"]
mod support;

mod chromium;
mod platforms;

use base64::prelude::Engine as _;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use studybot::coach::{Block, Catalog, Coach};
use studybot::config::{Config, Secret};
use studybot::ops::dashboard::ConfigLinks;
use studybot::ops::dashboard::token::Signer;
use studybot::platform::console::Console;
use studybot::store::{NewQuizAttempt, Platform, QuizStart, Store};
use support::bot::{Bot, CURRICULUM, Timeline, curriculum_dir};
use support::db::{Fixture, sqlite_url};
use support::{discord_bot, slack_bot};

backend_tests!(the_dashboard_shows_its_cohort_and_nothing_else);

/// How long one test may take, bot start and all.
const LIMIT: Duration = Duration::from_secs(180);
const SECRET: &str = "a test secret of at least 32 bytes, not a real one";
const PUBLIC_URL: &str = "https://studybot.example.org/";
/// A member whose name is markup: the page must show it as text.
const SCRIPTED: &str = "<script>alert('x')</script>";
const SCRIPTED_SHOWN: &str = "&lt;script&gt;alert('x')&lt;/script&gt;";
/// When the script ends and the bot's virtual clock starts.
const AS_OF: &str = "2026-12-14T12:00:00Z";

type Screen = Console<Vec<u8>>;

/// The configuration an operator gives the bot for the dashboard, as `studybot console` reads it.
fn config(env: &[(&str, &str)]) -> Config {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.toml");
    std::fs::write(&path, "").unwrap();
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Config::load_from(Some(&path), env).expect("a valid configuration")
}

fn configured() -> Config {
    config(&[
        ("STUDYBOT_DASHBOARD__SECRET", SECRET),
        ("STUDYBOT_HTTP__PUBLIC_URL", "https://studybot.example.org"),
    ])
}

fn console(store: &Store, config: &Config) -> Screen {
    let catalog = Catalog::load_dir(&curriculum_dir()).unwrap();
    let coach = Coach::new(store.clone(), catalog).with_dashboard(Arc::new(ConfigLinks::new(config)));
    Console::new(coach, "2026-12-06T12:00:00Z".parse().unwrap(), Vec::new())
}

/// Runs console lines; the text of the last reply.
async fn say(console: &mut Screen, lines: &[&str]) -> String {
    for line in lines {
        console.line(line).await.unwrap();
    }
    let blocks = console.replies().iter().flat_map(|r| &r.message.blocks);
    blocks
        .filter_map(|b| if let Block::Text(t) = b { Some(t.as_str()) } else { None })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A week of cohort `study` (and a cohort `other` with a member of its own); returns their ids.
async fn play(console: &mut Screen) -> (i64, i64) {
    let setup = |start: &str| {
        format!("/studybot setup curriculum:{CURRICULUM} start:{start} schedule:\"0 9 * * *\" timezone:UTC")
    };
    let (first, later) = (setup("2026-12-07"), setup("2026-12-15"));
    let scripted = format!(":as {SCRIPTED}");
    #[rustfmt::skip]
    let script = [
        ":admin org", &first, ":advance-to 2026-12-07T10:00",
        ":as ada", "/join", "/checkpoint", "/posted linkedin https://example.com/ada/121",
        &scripted, "/join", "/checkpoint",
        ":as cy", "/join", "/checkpoint", "/leaderboard optout",
        ":advance-to 2026-12-08T10:00", ":as ada", "/checkpoint", "/assess item:4.1",
        ":advance-to 2026-12-14T12:00", ":admin org", "/studybot pause", "/studybot resume",
        ":channel other", &later, ":as zed", "/join", ":channel study", ":admin org",
    ];
    say(console, &script).await;
    let store = console.coach().store().clone();
    let id = |channel: &'static str| {
        let store = store.clone();
        async move { store.find_cohort_by_channel(Platform::Console, channel).await.unwrap().unwrap().id }
    };
    let (study, other) = (id("study").await, id("other").await);
    // Module 17's quiz: ada 5 of 7, the scripted member 3 of 7 (a quiz is played through in
    // tests/coach_quiz.rs; here only its counted result matters).
    let at: DateTime<Utc> = "2026-12-13T10:00:00Z".parse().unwrap();
    for (who, score) in [("ada", 5), (SCRIPTED, 3)] {
        let member = store.find_member(Platform::Console, who).await.unwrap().unwrap().id;
        let new = NewQuizAttempt {
            cohort_id: study,
            member_id: member,
            quiz_key: "module:17".into(),
            seed: 1,
            started_at: at.timestamp(),
        };
        let QuizStart::Started(attempt) = store.start_quiz_attempt(&new).await.unwrap() else {
            panic!("open")
        };
        store.finish_quiz_attempt(attempt.id, score, 7, at.timestamp() + 60).await.unwrap();
    }
    (study, other)
}

/// The path of the link in a reply (the bot's public address stands for the server here).
fn link_path(reply: &str) -> String {
    let start = reply.find(PUBLIC_URL).unwrap_or_else(|| panic!("no link in: {reply}"));
    let url = reply[start..].split_whitespace().next().unwrap();
    format!("/{}", &url[PUBLIC_URL.len()..])
}

/// One bounded GET: status, the headers that guard the page, body.
async fn fetch(address: SocketAddr, path: &str) -> (u16, String, String) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let response = client.get(format!("http://{address}{path}")).send().await.expect("the server answers");
    let status = response.status().as_u16();
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let guard = format!(
        "{} | {} | {}",
        header("content-security-policy"),
        header("referrer-policy"),
        header("cache-control")
    );
    (status, guard, response.text().await.unwrap_or_default())
}

fn start_bot(dir: &Path, url: &str, secret: Option<&str>) -> Bot {
    let timeline = Timeline::starting_now(AS_OF.parse().unwrap(), 1.0);
    let record = dir.join("record.jsonl").display().to_string();
    let mut env = vec![("STUDYBOT_DATABASE__URL", url)];
    env.extend(secret.map(|s| ("STUDYBOT_DASHBOARD__SECRET", s)));
    let args = ["--quiet".into(), "--record".into(), record, "--lease-poll".into(), "1".into()];
    Bot::spawn(dir, &env, &timeline, &args)
}

async fn bounded(test: impl Future<Output = ()>) {
    tokio::time::timeout(LIMIT, test).await.expect("the test finished in time");
}

async fn the_dashboard_shows_its_cohort_and_nothing_else(fx: Fixture) {
    bounded(async {
        let mut screen = console(&fx.store, &configured());
        let (study, other) = play(&mut screen).await;
        let reply = say(&mut screen, &["/studybot dashboard"]).await;
        assert!(reply.contains("for you only, valid until Mon 21 Dec 12:00 UTC"), "{reply}");
        let path = link_path(&reply);
        assert!(path.starts_with(&format!("/dashboard/{study}/")), "{path}");
        let theirs =
            link_path(&say(&mut screen, &[":channel other", "/studybot dashboard", ":channel study"]).await);
        let dir = tempfile::tempdir().unwrap();
        let bot = start_bot(dir.path(), &fx.url, Some(SECRET));
        let address = bot.http_address();

        let (status, guard, page) = fetch(address, &path).await;
        assert_eq!(status, 200, "{page}\n{}", bot.log());
        assert!(
            guard.contains("default-src 'none'")
                && guard.contains("no-referrer")
                && guard.contains("no-store")
        );
        for day in 121..=128 {
            assert!(page.contains(&format!(">Day {day}<")), "day {day} in the grid:\n{page}");
        }
        assert!(page.contains(">ada<") && page.contains(">cy<"), "{page}");
        assert!(page.contains(SCRIPTED_SHOWN) && !page.contains(SCRIPTED), "the name is escaped:\n{page}");
        assert!(!page.contains("zed"), "nothing of the other cohort:\n{page}");
        let quiz = &page[page.find("id=\"quiz-table\"").expect("the quiz table")..];
        let quiz = &quiz[..quiz.find("</table>").unwrap()];
        assert!(quiz.contains("Module 17") && quiz.contains(">5/7<") && quiz.contains(">3/7<"), "{quiz}");
        assert!(page.contains("href=\"https://example.com/ada/121\""), "the content tracker:\n{page}");
        assert!(page.contains("cohort.pause") && page.contains("dashboard.link"), "the audit trail:\n{page}");
        assert!(page.contains("1 of 3"), "a checklist item ticked by one of three:\n{page}");
        // The grid the chat shows, inline as a PNG with its alt text.
        let png = page.split("src=\"data:image/png;base64,").nth(1).and_then(|rest| rest.split('"').next());
        let png = base64::prelude::BASE64_STANDARD.decode(png.expect("an inline picture")).unwrap();
        support::png::Decoded::from_png("the inline grid", &png).assert_drawn("the inline grid");
        assert!(
            page.contains("days, one row per member, one square per day"),
            "the picture's alt text:\n{page}"
        );
        assert!(!page.contains("<script"), "no script at all");

        let token = path.rsplit('/').next().unwrap();
        let their_token = theirs.rsplit('/').next().unwrap();
        let now = Utc::now().max(AS_OF.parse().unwrap()).timestamp();
        let expired = Signer::new(Secret::new(SECRET)).sign(study, now - 3600);
        let foreign =
            Signer::new(Secret::new("another secret of at least 32 bytes....")).sign(study, now + 3600);
        let flipped =
            format!("{}{}", &token[..token.len() - 1], if token.ends_with('0') { '1' } else { '0' });
        for (why, bad) in [
            ("another cohort's token", format!("/dashboard/{study}/{their_token}")),
            ("this cohort's token on another cohort", format!("/dashboard/{other}/{token}")),
            ("an expired token", format!("/dashboard/{study}/{expired}")),
            ("another secret's token", format!("/dashboard/{study}/{foreign}")),
            ("a changed signature", format!("/dashboard/{study}/{flipped}")),
            ("garbage", format!("/dashboard/{study}/nothing")),
            ("no cohort number", format!("/dashboard/x{study}/{token}")),
        ] {
            let (status, _, body) = fetch(address, &bad).await;
            assert_eq!((status, body.as_str()), (403, "Forbidden"), "{why}");
        }
        let (status, _, _) = fetch(address, &theirs).await;
        assert_eq!(status, 200, "the other cohort's own link works");

        let public = format!("/dashboard/public/{study}");
        assert_eq!(fetch(address, &public).await.0, 404, "not public until an admin says so");
        let on = say(&mut screen, &["/studybot dashboard public:on"]).await;
        assert!(on.contains(&format!("{PUBLIC_URL}dashboard/public/{study}")), "{on}");
        let (status, _, board) = fetch(address, &public).await;
        assert_eq!(status, 200, "{board}");
        assert!(
            board.contains(">ada<") && board.contains(SCRIPTED_SHOWN) && !board.contains(SCRIPTED),
            "{board}"
        );
        assert!(!board.contains(">cy<"), "cy opted out of leaderboards:\n{board}");
        for admin_only in ["Audit trail", "example.com", "Quiz results", "zed"] {
            assert!(!board.contains(admin_only), "{admin_only} is not public:\n{board}");
        }
        assert_eq!(fetch(address, &format!("/dashboard/public/{other}")).await.0, 404, "only that cohort");
        let off = say(&mut screen, &["/studybot dashboard public:off"]).await;
        assert!(off.contains("withdrawn"), "{off}");
        assert_eq!(fetch(address, &public).await.0, 404, "withdrawn");
        let (_, _, page) = fetch(address, &path).await;
        assert!(page.contains("dashboard.public"), "both changes are audited:\n{page}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_secret_there_is_no_dashboard_and_the_admin_is_told_what_to_set() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(dir.path());
        let store = Store::open(&url).await.unwrap();
        let mut screen = console(&store, &config(&[]));
        let (study, _) = play(&mut screen).await;
        let reply = say(&mut screen, &["/studybot dashboard"]).await;
        assert!(reply.contains("not configured") && reply.contains("STUDYBOT_DASHBOARD__SECRET"), "{reply}");
        let reply = say(&mut screen, &["/studybot dashboard public:on"]).await;
        assert!(reply.contains("not configured"), "{reply}");
        let no_address = config(&[("STUDYBOT_DASHBOARD__SECRET", SECRET)]);
        let mut screen = console(&store, &no_address);
        let reply = say(&mut screen, &[":admin org", "/studybot dashboard"]).await;
        assert!(reply.contains("http.public_url") && !reply.contains(SECRET), "{reply}");

        let bot = start_bot(dir.path(), &url, None);
        let address = bot.http_address();
        let token = Signer::new(Secret::new(SECRET)).sign(study, Utc::now().timestamp() + 3600);
        assert_eq!(fetch(address, &format!("/dashboard/{study}/{token}")).await.0, 404);
        store.set_dashboard_public(study, true, "org", 0).await.unwrap();
        assert_eq!(fetch(address, &format!("/dashboard/public/{study}")).await.0, 404);
        assert_eq!(fetch(address, "/healthz").await.0, 200);
        store.close().await;
    })
    .await;
}
