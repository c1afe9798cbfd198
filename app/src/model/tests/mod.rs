//! Unit tests of the model. On wasm32 the same tests run under wasm-bindgen-test, which is what
//! proves the browser and the server compute the same thing.

mod dates_and_values;
mod editing;
mod events;
mod form_submitted;
mod locale;
mod messaging;
mod note;
mod operators;
mod records;
mod template_checks;
mod transfer;
mod triggers;
mod validation;
mod visibility;
mod wire_format;
mod workflows;

use super::*;

pub(crate) fn answers(pairs: &[(&str, Answer)]) -> Answers {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

pub(crate) fn plan(fields: Vec<Field>) -> FormPlan {
    let template = Template { name: "Test".to_owned(), fields };
    match FormPlan::new(&template, NumberFormat::default()) {
        Ok(plan) => plan,
        Err(problems) => panic!("test template should be sound: {problems:?}"),
    }
}

pub(crate) fn visible_keys(plan: &FormPlan, answers: &Answers) -> Vec<String> {
    let visible = plan.visibility(answers);
    plan.template().fields.iter().zip(visible).filter(|(_, v)| *v).map(|(f, _)| f.key.clone()).collect()
}
