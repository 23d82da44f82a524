//! Nothing panics on any event: every fixture, mutated at every JSON path (the value
//! removed, or replaced by null, a number, a string, an empty array or an empty
//! object), is either parsed or refused with an error — never a panic. Strings that
//! hold JSON (a Config invocation's `invokingEvent`) are mutated inside too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

/// Every path in a JSON value, as a list of steps.
fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(Step::Key(k.clone()));
                out.push(here.clone());
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(Step::Index(i));
                out.push(here.clone());
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Apply `f` to the value at `path` (`None` removes it).
fn mutate(v: &mut Value, path: &[Step], f: &dyn Fn() -> Option<Value>) {
    let (last, parents) = path.split_last().unwrap();
    let mut cur = v;
    for s in parents {
        cur = match s {
            Step::Key(k) => cur.get_mut(k).unwrap(),
            Step::Index(i) => cur.get_mut(*i).unwrap(),
        };
    }
    match (last, f()) {
        (Step::Key(k), None) => {
            cur.as_object_mut().unwrap().remove(k);
        }
        (Step::Index(i), None) => {
            cur.as_array_mut().unwrap().remove(*i);
        }
        (Step::Key(k), Some(x)) => cur[k.as_str()] = x,
        (Step::Index(i), Some(x)) => cur[*i] = x,
    }
}

fn replacements() -> Vec<Box<dyn Fn() -> Option<Value>>> {
    vec![
        Box::new(|| None),
        Box::new(|| Some(Value::Null)),
        Box::new(|| Some(json!(42))),
        Box::new(|| Some(json!("x"))),
        Box::new(|| Some(json!([]))),
        Box::new(|| Some(json!({}))),
    ]
}

fn check_all_mutations(doc: &Value, name: &str) -> usize {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let mut n = 0;
    for p in &all {
        for r in replacements() {
            let mut v = doc.clone();
            mutate(&mut v, p, &*r);
            let result = std::panic::catch_unwind(|| policy::Event::parse(&v).map(|_| ()).map_err(|e| e.to_string()));
            assert!(result.is_ok(), "{name}: Event::parse panicked with {p:?} mutated");
            n += 1;
        }
    }
    n
}

#[test]
fn no_mutation_of_any_fixture_panics_the_parser() {
    let dir = harness::fixtures_dir();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        checked += check_all_mutations(&doc, &name);
        // The JSON inside a Config invocation's invokingEvent string.
        if let Some(inner) = doc.get("invokingEvent").and_then(Value::as_str) {
            let inner: Value = serde_json::from_str(inner).unwrap();
            let mut all = Vec::new();
            paths(&inner, &mut Vec::new(), &mut all);
            for p in &all {
                for r in replacements() {
                    let mut i = inner.clone();
                    mutate(&mut i, p, &*r);
                    let mut v = doc.clone();
                    v["invokingEvent"] = Value::String(i.to_string());
                    let result =
                        std::panic::catch_unwind(|| policy::Event::parse(&v).map(|_| ()).map_err(|e| e.to_string()));
                    assert!(result.is_ok(), "{name}: invokingEvent {p:?} mutated panicked");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} mutations checked");
}
