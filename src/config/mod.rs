//! Configuration: defaults, the TOML file and STUDYBOT_* environment variables, with secrets kept out of logs.
