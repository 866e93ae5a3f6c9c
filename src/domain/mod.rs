//! Domain: pure rules — lesson calendar, streaks, ranking, points. No I/O, no platform, no clock.
