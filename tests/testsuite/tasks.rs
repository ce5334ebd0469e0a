//! Checklists: counted the GitHub way, shown as progress.

use crate::support::TestBook;

#[test]
fn t1_task_counts_follow_gfm() {
    let book = TestBook::fixture("tasks/counting");
    let handbook = book.load();
    let doc = handbook.document("plan.md").unwrap();
    let tasks: Vec<(bool, &str)> = doc
        .rendered
        .tasks
        .iter()
        .map(|t| (t.done, t.text.as_str()))
        .collect();
    assert_eq!(
        tasks,
        [
            (true, "done"),
            (true, "uppercase done"),
            (false, "open @alice due 2026-01-02"),
            (true, "nested done"),
            (false, "nested open"),
            (false, "ordered open"),
        ]
    );
    book.build();
    let entry = book.catalog()[0].clone();
    assert_eq!(entry["path"], "content/no-tasks.md");
    assert_eq!(
        entry["checklist"],
        serde_json::json!({"done": 0, "total": 0})
    );
    let entry = book.catalog()[1].clone();
    assert_eq!(
        entry["checklist"],
        serde_json::json!({"done": 3, "total": 6})
    );
}

#[test]
fn t1_progress_is_shown_only_with_tasks() {
    let book = TestBook::fixture("tasks/counting");
    book.build();
    let main = book.main_of("plan.html");
    assert!(main.contains("3 of 6 items done"), "{main}");
    assert!(main.contains("width: 50%"), "{main}");
    let main = book.main_of("no-tasks.html");
    assert!(!main.contains("class=\"progress\""), "{main}");
    assert!(!main.contains("NaN"));
}
