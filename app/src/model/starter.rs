//! The three templates every sub-account starts with. Each shows off conditional fields the way
//! a real team would use them.

use super::field::{Field, FieldKind as K};
use super::rule::{Condition, Operator as O, Rule, RuleGroup};
use super::template::Template;

pub fn starter_templates() -> Vec<Template> {
    vec![call_disposition(), job_complete(), appointment_follow_up()]
}

fn call_disposition() -> Template {
    Template {
        name: "Call Disposition".to_owned(),
        fields: vec![
            Field::new("outcome", "Call outcome", K::Dropdown).required().options([
                "Interested",
                "Not interested",
                "Callback requested",
                "No answer",
                "Wrong number",
            ]),
            Field::new("callback_date", "Callback date", K::Date)
                .required()
                .help("When the contact asked to be called back.")
                .show_if(RuleGroup::when("outcome", O::Equals, "Callback requested")),
            Field::new("callback_window", "Best time to call", K::Radio)
                .options(["Morning", "Afternoon", "Evening"])
                .show_if(RuleGroup::when("outcome", O::Equals, "Callback requested")),
            Field::new("interest_level", "Interest level", K::Radio)
                .required()
                .options(["Hot", "Warm", "Cold"])
                .show_if(RuleGroup::when("outcome", O::Equals, "Interested")),
            Field::new("budget", "Stated budget", K::Currency).range(Some(0.0), None).show_if(RuleGroup::when(
                "interest_level",
                O::In,
                vec!["Hot", "Warm"],
            )),
            Field::new("not_interested_reason", "Reason", K::Dropdown)
                .options(["Price", "Timing", "Chose a competitor", "No need", "Other"])
                .show_if(RuleGroup::when("outcome", O::Equals, "Not interested")),
            Field::new("notes", "Call notes", K::LongText).length(None, Some(2000)),
        ],
    }
}

fn job_complete() -> Template {
    Template {
        name: "Job Complete".to_owned(),
        fields: vec![
            Field::new("completed", "Was the job completed?", K::Radio).required().options(["Yes", "Partially", "No"]),
            Field::new("incomplete_reason", "What is left to do?", K::LongText).required().show_if(RuleGroup::when(
                "completed",
                O::In,
                vec!["Partially", "No"],
            )),
            Field::new("work_done", "Work performed", K::MultiSelect)
                .options(["Inspection", "Repair", "Replacement", "Installation", "Cleaning"])
                .show_if(RuleGroup::when("completed", O::NotEquals, "No")),
            Field::new("hours", "Hours on site", K::Number).range(Some(0.0), Some(24.0)),
            Field::new("invoice_amount", "Invoice amount", K::Currency)
                .range(Some(0.0), None)
                .show_if(RuleGroup::when("completed", O::Equals, "Yes")),
            Field::new("satisfaction", "Customer satisfaction (1–10)", K::Number)
                .range(Some(1.0), Some(10.0))
                .show_if(RuleGroup::when("completed", O::Equals, "Yes")),
            Field::new("follow_up_needed", "Follow-up visit needed", K::Checkbox),
            Field::new("follow_up_details", "Follow-up details", K::LongText).required().show_if(RuleGroup::when(
                "follow_up_needed",
                O::IsNotEmpty,
                (),
            )),
        ],
    }
}

fn appointment_follow_up() -> Template {
    let rescheduled_over_price = RuleGroup::all(vec![
        Rule::Condition(Condition::new("attendance", O::Equals, "Rescheduled")),
        Rule::Condition(Condition::new("reschedule_reason", O::Contains, "price")),
    ]);
    Template {
        name: "Appointment Follow-Up".to_owned(),
        fields: vec![
            Field::new("attendance", "Did the contact attend?", K::Radio).required().options([
                "Attended",
                "No-show",
                "Rescheduled",
            ]),
            Field::new("new_date", "New appointment date", K::Date).required().show_if(RuleGroup::when(
                "attendance",
                O::Equals,
                "Rescheduled",
            )),
            Field::new("reschedule_reason", "Why did they reschedule?", K::ShortText)
                .length(None, Some(200))
                .show_if(RuleGroup::when("attendance", O::Equals, "Rescheduled")),
            Field::new("services", "Services discussed", K::MultiSelect)
                .options(["Consultation", "Quote", "Maintenance plan", "Upgrade"])
                .show_if(RuleGroup::when("attendance", O::Equals, "Attended")),
            Field::new("offer_discount", "Offer a win-back discount", K::Checkbox)
                .help("Shown for no-shows, and for reschedules over price.")
                .show_if(RuleGroup::any(vec![
                    Rule::Condition(Condition::new("attendance", O::Equals, "No-show")),
                    Rule::Group(rescheduled_over_price),
                ])),
            Field::new("best_phone", "Best phone number", K::Phone),
            Field::new("best_email", "Best email", K::Email),
            Field::new("summary", "Summary", K::LongText).placeholder("What was agreed?"),
        ],
    }
}
