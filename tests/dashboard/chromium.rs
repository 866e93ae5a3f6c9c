//! The dashboard in a real headless Chromium: rendered without console errors, a screenshot kept
//! under target/.

use super::*;

/// Where `cargo test` builds: the screenshot goes there, for people to look at.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"), Path::to_path_buf)
}

/// Debian's `chromium`, or `None` (after saying so) when it is missing and not required.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let found = ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("STUDYBOT_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "STUDYBOT_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install chromium)"
        );
        eprintln!("skipped: no chromium on PATH (set STUDYBOT_REQUIRE_CHROMIUM=1 to fail instead)");
    }
    found
}

/// Headless Chromium on `url` with `args`: its stdout and stderr. Killed after 90 s.
async fn browse(chromium: &Path, profile: &Path, args: &[String], url: &str) -> (String, String) {
    let mut command = std::process::Command::new(chromium);
    command
        .args(["--headless=new", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions"])
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("chromium starts");
    let pid = child.id();
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium (pid {pid}) took more than 90 s on {url}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (out.join().unwrap(), err.join().unwrap())
}

/// Console messages about the page: there is no script, so there must be none.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_renders_the_dashboard_without_console_errors() {
    let Some(chromium) = chromium() else { return };
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(dir.path());
        let store = Store::open(&url).await.unwrap();
        let mut screen = console(&store, &configured());
        let (study, _) = play(&mut screen).await;
        let path = link_path(&say(&mut screen, &["/studybot dashboard"]).await);
        let bot = start_bot(dir.path(), &url, Some(SECRET));
        let page = format!("http://{}{path}", bot.http_address());
        let profile = dir.path().join("chromium");

        let (dom, stderr) = browse(&chromium, &profile, &["--dump-dom".into()], &page).await;
        assert!(dom.contains("<h1>") && dom.contains("cohort"), "the page rendered:\n{dom}\n{stderr}");
        for day in [121, 128] {
            assert!(dom.contains(&format!(">Day {day}<")), "day {day}:\n{dom}");
        }
        assert!(dom.contains(">ada<") && dom.contains(SCRIPTED_SHOWN), "members, the script as text:\n{dom}");
        assert!(dom.contains("id=\"quiz-table\"") && dom.contains(">5/7<"), "the quiz table:\n{dom}");
        assert!(console_errors(&stderr).is_empty(), "console messages: {:?}", console_errors(&stderr));

        let shot = target_dir().join("dashboard.png");
        let args = [format!("--screenshot={}", shot.display()), "--window-size=1280,900".into()];
        let (_, stderr) = browse(&chromium, &profile, &args, &page).await;
        let png = std::fs::read(&shot)
            .unwrap_or_else(|e| panic!("no screenshot at {}: {e}\n{stderr}", shot.display()));
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "a real picture: {} bytes", png.len());
        eprintln!("screenshot: {}", shot.display());

        let token = path.rsplit('/').next().unwrap();
        let forged = format!("{}{}", &token[..token.len() - 1], if token.ends_with('0') { '1' } else { '0' });
        let forged = format!("http://{}/dashboard/{study}/{forged}", bot.http_address());
        let (dom, stderr) = browse(&chromium, &profile, &["--dump-dom".into()], &forged).await;
        let text = dom.replace(['<', '>'], " ");
        assert!(dom.contains("Forbidden") && !dom.contains("ada") && !dom.contains("Day 121"), "{dom}");
        assert!(!text.contains("cohort"), "nothing but forbidden:\n{dom}");
        assert!(console_errors(&stderr).is_empty(), "{:?}", console_errors(&stderr));
        store.close().await;
    })
    .await;
}
