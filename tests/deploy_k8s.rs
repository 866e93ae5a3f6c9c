//! Checks on deploy/k8s/ without a cluster: every manifest against the Kubernetes schemas (the
//! `kubernetes-validate` package from PyPI, which .ci/run installs), and the manifests agreeing
//! with each other and with the binary (ports, probes, names, the config they mount).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;

const MANIFESTS: [&str; 5] = ["configmap", "deployment", "pdb", "secret", "service"];
const VALIDATOR: &str = "kubernetes-validate";

fn manifest_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s").join(format!("{name}.yaml"))
}

fn manifest(name: &str) -> Value {
    let text = fs::read_to_string(manifest_path(name)).unwrap_or_else(|e| panic!("{name}.yaml: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}.yaml is not YAML: {e}"))
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}

#[test]
fn every_manifest_passes_the_kubernetes_schemas() {
    if Command::new(VALIDATOR).arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{VALIDATOR} is required in CI (.ci/run installs it with pip)"
        );
        eprintln!(
            "note: {VALIDATOR} is not on PATH (pip install kubernetes-validate); skipping the schema check"
        );
        return;
    }
    let output = Command::new(VALIDATOR)
        .arg("--strict")
        .args(MANIFESTS.map(manifest_path))
        .output()
        .expect("run kubernetes-validate");
    let said = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{VALIDATOR} --strict:\n{said}");
    assert_eq!(said.matches(" passed for resource ").count(), MANIFESTS.len(), "{said}");
    assert!(!said.contains("WARN"), "{said}");
}

#[test]
fn the_deployment_runs_two_replicas_probed_on_the_http_port() {
    let deployment = manifest("deployment");
    let spec = &deployment["spec"];
    assert_eq!(spec["replicas"].as_u64(), Some(2), "two replicas against PostgreSQL");
    let labels = &spec["selector"]["matchLabels"];
    assert_eq!(&spec["template"]["metadata"]["labels"], labels);
    let pod = &spec["template"]["spec"];
    let container = &pod["containers"][0];
    let port = &container["ports"][0];
    assert_eq!((text(&port["name"]), port["containerPort"].as_u64()), ("http", Some(9464)));
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        let get = &container[probe]["httpGet"];
        assert_eq!((text(&get["path"]), text(&get["port"])), (path, "http"), "{probe}");
    }
    let annotations = &spec["template"]["metadata"]["annotations"];
    assert_eq!(text(&annotations["prometheus.io/port"]), "9464");
    assert_eq!(text(&annotations["prometheus.io/path"]), "/metrics");
    let args: Vec<&str> = container["args"].as_sequence().unwrap().iter().map(text).collect();
    assert_eq!(args, ["run", "--config", "/etc/studybot/studybot.toml"], "the image's own command");
    assert_eq!(text(&container["volumeMounts"][0]["mountPath"]), "/etc/studybot");
    assert!(container["resources"]["requests"]["memory"].is_string(), "sized from the measured RSS");
    assert_eq!(pod["securityContext"]["runAsUser"].as_u64(), Some(10001), "the image's studybot user");

    // The other manifests point at the same pods, config and secrets.
    let (service, pdb) = (manifest("service"), manifest("pdb"));
    assert_eq!(&service["spec"]["selector"], labels);
    assert_eq!(text(&service["spec"]["ports"][0]["targetPort"]), "http");
    assert_eq!(&pdb["spec"]["selector"]["matchLabels"], labels);
    assert_eq!(pdb["spec"]["minAvailable"].as_u64(), Some(1));
    let config_name = text(&manifest("configmap")["metadata"]["name"]).to_string();
    assert_eq!(text(&pod["volumes"][0]["configMap"]["name"]), config_name);
    let secret_name = text(&manifest("secret")["metadata"]["name"]).to_string();
    assert_eq!(text(&container["envFrom"][0]["secretRef"]["name"]), secret_name);
}

#[test]
fn secrets_live_in_the_secret_only() {
    let config = text(&manifest("configmap")["data"]["studybot.toml"]).to_lowercase();
    for word in ["password", "token", "secret ="] {
        assert!(
            !config.contains(&format!("{word} =")) && !config.contains(":change-me@"),
            "{word} in the ConfigMap"
        );
    }
    let deployment = manifest("deployment");
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"].as_sequence().unwrap();
    assert!(
        env.iter().all(|e| !text(&e["name"]).contains("TOKEN") && !text(&e["name"]).contains("PASSWORD"))
    );
    let secret = manifest("secret");
    let keys = secret["stringData"].as_mapping().unwrap();
    assert!(keys.keys().all(|k| text(k).starts_with("STUDYBOT_")), "environment variables the bot reads");
}

#[test]
fn the_configmap_config_loads_and_serves_where_the_probes_look() {
    let toml = manifest("configmap")["data"]["studybot.toml"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.toml");
    fs::write(&path, toml).unwrap();
    let config = studybot::config::Config::load_from(Some(&path), Vec::new())
        .unwrap_or_else(|e| panic!("the ConfigMap's studybot.toml: {e}"));
    assert!(config.database.url.starts_with("postgres://"), "two replicas need PostgreSQL");
    assert_eq!(config.curriculum.dir, Path::new("/usr/share/studybot/curriculum"), "the image's curriculum");
    assert_eq!(
        config.http.listen.as_deref(),
        Some("0.0.0.0:9464"),
        "the port the probes and the Service use"
    );
}
