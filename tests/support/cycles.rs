//! Small curricula written for tests: short cycles numbered the way an author numbers a journey.

use std::path::Path;

/// Writes `dir/file`: a cycle titled `title` with one module of days `first..=last`.
pub fn write_cycle(dir: &Path, file: &str, (first, last): (u32, u32), title: &str) {
    let mut text =
        format!("# Days {first}-{last}: {title}\n\n## **Module 1: {title} (Days {first}-{last})**\n");
    for day in first..=last {
        text.push_str(&format!(
            "\n### **Day {day} - Lesson {day}**\n**🎯 Learning Objective:** Learn {day}\n\
             - **Task (30 min):** Do {day}\n- **Checkpoint:** Done {day}\n"
        ));
    }
    std::fs::write(dir.join(file), text).unwrap();
}
