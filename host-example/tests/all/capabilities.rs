//! The component's imports are its whole capability surface; the README
//! documents them, and this test holds the two together.

#[test]
fn the_imports_are_exactly_the_documented_capability_surface() {
    let host = harness::host(&[]);
    let imports = host.imports();
    let readme = std::fs::read_to_string(harness::workspace_root().join("README.md"))
        .expect("README.md exists");
    let section = readme
        .split("<!-- capability-surface:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- capability-surface:end -->").next())
        .expect("the README has a capability-surface section");
    let mut documented: Vec<String> = section
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| name.contains(':') && name.contains('@'))
        .map(str::to_string)
        .collect();
    documented.sort();
    documented.dedup();
    assert_eq!(
        imports, documented,
        "update the README's capability surface"
    );
}

#[test]
fn the_component_cannot_touch_files_or_sockets() {
    let imports = harness::host(&[]).imports();
    for forbidden in ["wasi:filesystem", "wasi:sockets"] {
        assert!(
            imports.iter().all(|name| !name.starts_with(forbidden)),
            "the component imports {forbidden}: {imports:?}"
        );
    }
    assert!(imports
        .iter()
        .any(|name| name.starts_with("wasi:http/outgoing-handler@")));
}
