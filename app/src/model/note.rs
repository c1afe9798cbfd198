//! The contact note a submitted form writes back, in the exact format of the product docs:
//!
//! ```text
//! --- OpsFlow: [Template Name] ---
//! Contact: [Contact Name]
//! Date: [YYYY-MM-DD]
//! [Field Label]: [Value]
//! ```

use super::date::Date;
use super::locale::NumberFormat;
use super::plan::CleanAnswer;

/// Formats the note for a submission. `answers` are the cleaned answers, so hidden and
/// unanswered fields are already gone; each answer is one line, numbers and money as the
/// sub-account writes them.
pub fn format_note(
    template_name: &str,
    contact_name: &str,
    date: Date,
    answers: &[CleanAnswer],
    format: &NumberFormat,
) -> String {
    let mut lines = vec![
        format!("--- OpsFlow: {} ---", one_line(template_name)),
        format!("Contact: {}", one_line(contact_name)),
        format!("Date: {date}"),
    ];
    lines.extend(answers.iter().map(|answer| format!("{}: {}", one_line(&answer.label), answer.value.show(format))));
    lines.join("\n")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
