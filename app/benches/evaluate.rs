//! Rule evaluation on a 200-field template where every field after the first few is shown by a
//! nested AND/OR rule on earlier fields — the work the browser does on every keystroke.
//!
//! `cargo bench -p app --bench evaluate`
#![expect(clippy::expect_used, reason = "a benchmark of a broken template measures nothing")]

use app::model::{
    Answer, Answers, Condition, Field, FieldKind, FormPlan, NumberFormat, Operator, Rule, RuleGroup, Template,
};
use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};

const FIELDS: usize = 200;

fn kind(i: usize) -> FieldKind {
    [FieldKind::ShortText, FieldKind::Number, FieldKind::Dropdown, FieldKind::Checkbox, FieldKind::Date][i % 5]
}

fn field(i: usize) -> Field {
    let field = Field::new(format!("f{i}"), format!("Field {i}"), kind(i));
    let field = if kind(i) == FieldKind::Dropdown { field.options(["Red", "Green", "Blue"]) } else { field };
    if i < 3 {
        return field;
    }
    // show when (previous is answered AND an earlier number > 10) OR an earlier dropdown is Green
    let number = (0..i).rev().find(|j| kind(*j) == FieldKind::Number).unwrap_or(1);
    let dropdown = (0..i).rev().find(|j| kind(*j) == FieldKind::Dropdown).unwrap_or(2);
    let previous = Condition::new(&format!("f{}", i - 1), Operator::IsNotEmpty, ());
    let big = Condition::new(&format!("f{number}"), Operator::GreaterThan, 10.0);
    let green = Condition::new(&format!("f{dropdown}"), Operator::Equals, "Green");
    field.show_if(RuleGroup::any(vec![
        Rule::Group(RuleGroup::all(vec![Rule::Condition(previous), Rule::Condition(big)])),
        Rule::Condition(green),
    ]))
}

fn answers() -> Answers {
    (0..FIELDS)
        .map(|i| {
            let value = match kind(i) {
                FieldKind::ShortText => "some text",
                FieldKind::Number => "42",
                FieldKind::Dropdown => {
                    if i % 2 == 0 {
                        "Green"
                    } else {
                        "Red"
                    }
                }
                FieldKind::Checkbox => "yes",
                _ => "2026-11-21",
            };
            (format!("f{i}"), Answer::One(value.to_owned()))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let template = Template { name: "Bench".to_owned(), fields: (0..FIELDS).map(field).collect() };
    let plan = FormPlan::new(&template, NumberFormat::default()).expect("the bench template is sound");
    let answers = answers();
    assert!(plan.visibility(&answers).iter().filter(|v| **v).count() > FIELDS / 2, "most fields are shown");

    let mut group = c.benchmark_group("200-field template");
    group.throughput(Throughput::Elements(1));
    group.bench_function("visibility (rules only)", |b| b.iter(|| plan.visibility(black_box(&answers))));
    group.bench_function("evaluate (rules, validation, cleaning)", |b| b.iter(|| plan.evaluate(black_box(&answers))));
    group.bench_function("compile the template", |b| {
        b.iter(|| FormPlan::new(black_box(&template), NumberFormat::default()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
