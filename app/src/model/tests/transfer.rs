#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::model::transfer::*;
use crate::model::*;

#[test]
fn every_starter_template_survives_export_and_import() {
    for template in starter::starter_templates() {
        let file = export_template(&template);
        assert!(file.contains(r#""format": "opsflow-template/1""#), "{file}");
        assert_eq!(import_template(&file), Ok(template));
    }
}

#[test]
fn unreadable_files_say_where_and_why() {
    let problems = import_template("{\n  \"format\": \"opsflow-template/1\",\n  \"template\": {\"name\": \"T\",}\n}")
        .expect_err("trailing comma");
    assert!(
        matches!(&problems[..], [ImportProblem::Unreadable { line: 3, reason, .. }] if reason == "trailing comma"),
        "{problems:?}"
    );

    let problems = import_template(
        r#"{"format": "opsflow-template/1", "template": {"name": "T", "fields": [{"key": "a", "label": "A", "kind": "signature"}]}}"#,
    )
    .expect_err("unknown kind");
    let message = problems[0].to_string();
    assert!(message.starts_with("The file cannot be read at line 1, column "), "{message}");
    assert!(message.contains("signature"), "{message}");
}

#[test]
fn other_files_are_refused_by_format() {
    assert_eq!(
        import_template(r#"{"name": "T", "fields": []}"#),
        Err(vec![ImportProblem::WrongFormat { found: None }])
    );
    assert_eq!(
        import_template(r#"{"format": "opsflow-template/9", "template": {}}"#),
        Err(vec![ImportProblem::WrongFormat { found: Some("opsflow-template/9".into()) }])
    );
    assert_eq!(import_template("[1, 2]"), Err(vec![ImportProblem::WrongFormat { found: None }]));
    let huge = " ".repeat(MAX_FILE_BYTES + 1);
    assert_eq!(import_template(&huge), Err(vec![ImportProblem::TooLarge { bytes: MAX_FILE_BYTES + 1 }]));
}

#[test]
fn a_template_with_problems_is_refused_with_all_of_them() {
    let broken = Template {
        name: String::new(),
        fields: vec![
            Field::new("a", "A", FieldKind::Dropdown),
            Field::new("b", "B", FieldKind::ShortText).show_if(RuleGroup::when("gone", Operator::IsNotEmpty, ())),
        ],
    };
    let problems = import_template(&export_template(&broken)).expect_err("broken template");
    assert_eq!(
        problems,
        vec![
            ImportProblem::Template(TemplateProblem::EmptyName),
            ImportProblem::Template(TemplateProblem::NoOptions { field: "a".into() }),
            ImportProblem::Template(TemplateProblem::RuleOnMissingField { field: "b".into(), missing: "gone".into() }),
        ]
    );
    assert_eq!(problems[1].to_string(), "Field “a” is a choice field without options; add at least one.");
}
