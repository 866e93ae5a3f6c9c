-- The reaction read-back after a restart lists the lesson posts sent since an instant across
-- every cohort in one query (`list_sent_since`), instead of every post of every cohort.
CREATE INDEX lesson_posts_sent_at ON lesson_posts (sent_at);
