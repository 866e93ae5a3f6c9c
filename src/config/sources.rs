//! Figment providers for the TOML files and the `STUDYBOT_*` environment, which name the exact file or variable in errors.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider, Source};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use super::ConfigError;

pub const ENV_PREFIX: &str = "STUDYBOT_";
const ENV_SEPARATOR: &str = "__";

/// The environment variable that sets a dotted key: `database.url` → `STUDYBOT_DATABASE__URL`.
pub fn env_var_name<K: AsRef<str>>(keys: &[K]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| k.as_ref().to_ascii_uppercase()).collect();
    format!("{ENV_PREFIX}{}", keys.join(ENV_SEPARATOR))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRole {
    Config,
    Secrets,
}

impl FileRole {
    pub fn label(self) -> &'static str {
        match self {
            FileRole::Config => "config file",
            FileRole::Secrets => "secrets file",
        }
    }
}

/// A parsed TOML file. We parse it ourselves rather than through figment's `Toml` provider so a
/// syntax error is reported by line and column without quoting the line, which may hold a secret.
#[derive(Clone, Debug)]
pub struct TomlFile {
    pub path: PathBuf,
    pub role: FileRole,
    pub table: toml::Table,
}

impl TomlFile {
    /// Reads and parses `path`. An absent file is `Ok(None)` unless `required`.
    pub fn read(path: &Path, role: FileRole, required: bool) -> Result<Option<Self>, ConfigError> {
        let what = role.label();
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound && !required => return Ok(None),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(ConfigError::NotFound { what, path: path.into() });
            }
            Err(source) => return Err(ConfigError::Read { what, path: path.into(), source }),
        };
        let table = text.parse::<toml::Table>().map_err(|e| {
            let offset = e.span().map_or(0, |span| span.start);
            let before = &text[..offset.min(text.len())];
            ConfigError::Syntax {
                what,
                path: path.into(),
                line: before.matches('\n').count() + 1,
                column: before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
                message: e.message().trim().to_string(),
            }
        })?;
        Ok(Some(Self { path: path.into(), role, table }))
    }

    /// The value at a dotted key such as `database.url`.
    pub fn get(&self, key: &str) -> Option<&toml::Value> {
        let mut parts = key.split('.');
        let mut value = self.table.get(parts.next()?)?;
        for part in parts {
            value = value.as_table()?.get(part)?;
        }
        Some(value)
    }

    /// Dotted keys of every non-table value, e.g. `["database.url", "log.format"]`.
    pub fn leaf_keys(&self) -> Vec<String> {
        fn walk(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
            for (key, value) in table {
                let dotted = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                match value.as_table() {
                    Some(inner) => walk(&dotted, inner, out),
                    None => out.push(dotted),
                }
            }
        }
        let mut out = Vec::new();
        walk("", &self.table, &mut out);
        out
    }
}

impl Provider for TomlFile {
    fn metadata(&self) -> Metadata {
        let location = format!("{} {}", self.role.label(), self.path.display());
        Metadata::from(self.role.label(), Source::File(self.path.clone()))
            .interpolater(move |_: &Profile, keys: &[&str]| format!("{location}, key `{}`", keys.join(".")))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let dict = Value::serialize(&self.table)?.into_dict().expect("a TOML table serialises to a dict");
        Ok(Profile::Default.collect(dict))
    }
}

/// The `STUDYBOT_*` variables that address a known top-level key. Anything else under the prefix
/// (CI's `STUDYBOT_TEST_POSTGRES_URL`, `STUDYBOT_REQUIRE_POSTGRES`) belongs to someone else.
#[derive(Clone, Debug, Default)]
pub struct EnvVars {
    vars: Vec<(Vec<String>, String)>,
}

impl EnvVars {
    pub fn scoped(env: impl IntoIterator<Item = (String, String)>, known: &[&str]) -> Self {
        let mut vars: Vec<(Vec<String>, String)> = env
            .into_iter()
            // Compose and Kubernetes often define a variable as empty to mean "unset".
            .filter(|(_, value)| !value.is_empty())
            .filter_map(|(name, value)| {
                let rest = name.strip_prefix(ENV_PREFIX)?;
                let keys: Vec<String> = rest.split(ENV_SEPARATOR).map(str::to_ascii_lowercase).collect();
                let addressable = keys.iter().all(|k| !k.is_empty()) && known.contains(&keys[0].as_str());
                addressable.then_some((keys, value))
            })
            .collect();
        // Deterministic layering whatever order the environment came in.
        vars.sort();
        Self { vars }
    }
}

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable")
            .interpolater(|_: &Profile, keys: &[&str]| format!("environment variable {}", env_var_name(keys)))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (keys, value) in &self.vars {
            // Kept as strings (not figment's value parser, which would turn `[x]` into an array);
            // `extract_lossy` converts the numeric and boolean ones on the way into the struct.
            insert(&mut dict, keys, Value::from(value.clone()));
        }
        Ok(Profile::Default.collect(dict))
    }
}

fn insert(dict: &mut Dict, keys: &[String], value: Value) {
    let Some((last, parents)) = keys.split_last() else { return };
    let mut current = dict;
    for key in parents {
        let slot = current.entry(key.clone()).or_insert_with(|| Dict::new().into());
        // A scalar set on the section itself (`STUDYBOT_DATABASE=…`) gives way to its keys.
        if !matches!(slot, Value::Dict(..)) {
            *slot = Dict::new().into();
        }
        let Value::Dict(_, inner) = slot else { unreachable!("just made a dict") };
        current = inner;
    }
    current.insert(last.clone(), value);
}

/// The field names serde expects for `T`, read from its derived `Deserialize` impl, so the list
/// of known top-level keys cannot drift from the struct. (A `#[serde(flatten)]` field would hide
/// its names from this probe.)
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("probe only records the fields"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn env_var_name_joins_with_double_underscore() {
        assert_eq!(env_var_name(&["database", "password"]), "STUDYBOT_DATABASE__PASSWORD");
        assert_eq!(env_var_name(&["secrets_file"]), "STUDYBOT_SECRETS_FILE");
    }

    #[test]
    fn env_scoping_keeps_only_known_sections() {
        let vars = EnvVars::scoped(
            env(&[
                ("STUDYBOT_DATABASE__URL", "sqlite://x.db"),
                ("STUDYBOT_TEST_POSTGRES_URL", "postgres://ci"),
                ("STUDYBOT_REQUIRE_POSTGRES", "1"),
                ("STUDYBOT_LOG__FORMAT", ""),
                ("STUDYBOT_DATABASE____URL", "x"),
                ("OTHER_DATABASE__URL", "x"),
                ("STUDYBOT_SECRETS_FILE", "/run/secrets/s.toml"),
            ]),
            &["database", "log", "secrets_file"],
        );
        let keys: Vec<String> = vars.vars.iter().map(|(k, _)| k.join(".")).collect();
        assert_eq!(keys, ["database.url", "secrets_file"]);
    }

    #[test]
    fn field_names_reads_the_derived_impl() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Two {
            alpha: u8,
            #[serde(rename = "beta_key")]
            beta: u8,
        }
        assert_eq!(field_names::<Two>(), ["alpha", "beta_key"]);
    }

    #[test]
    fn syntax_error_gives_line_and_column_without_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        fs::write(&path, "[database]\npassword = \"hunter2\n").unwrap();
        let err = TomlFile::read(&path, FileRole::Secrets, true).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
