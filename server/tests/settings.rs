//! Where a setting comes from, seen from outside as an operator sees it: a flag wins over its
//! `COMMUNS_*` variable, which wins over communs.toml, which wins over the default. The real
//! `communs` binary runs `migrate` in a child process, so that the variables it is given are
//! its own and no other test's; where the database lands shows which data folder won, and a
//! bad address in one place, and a good one in another, shows which `bind` was read.

use std::path::Path;
use std::process::{Command, Output};

/// `communs ARGS` in `dir`, with only the `COMMUNS_*` variables given here.
fn communs(dir: &Path, vars: &[(&str, &Path)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_communs"));
    command.current_dir(dir).args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("COMMUNS_") {
            command.env_remove(name);
        }
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("the communs binary runs")
}

fn succeeded(output: &Output) -> bool {
    if !output.status.success() {
        eprintln!("stderr: {}", String::from_utf8_lossy(&output.stderr));
    }
    output.status.success()
}

#[test]
fn a_flag_wins_over_its_variable_which_wins_over_the_file_which_wins_over_the_default() {
    let root = tempfile::tempdir().unwrap();
    let (home, from_file, from_variable, from_flag) =
        (root.path().join("home"), root.path().join("file"), root.path().join("variable"), root.path().join("flag"));
    std::fs::create_dir(&home).unwrap();
    let toml = root.path().join("communs.toml");
    std::fs::write(&toml, format!("data_dir = {:?}\nbind = \"127.0.0.1:8090\"\n", from_file.display().to_string()))
        .unwrap();
    let config = toml.to_str().unwrap();
    let database = |folder: &Path| folder.join("communs.db").is_file();

    // The default: ./communs-data, beside where the command runs.
    assert!(succeeded(&communs(&home, &[], &["migrate"])));
    assert!(database(&home.join("communs-data")));

    // The file's data_dir over the default.
    assert!(succeeded(&communs(&home, &[], &["--config", config, "migrate"])));
    assert!(database(&from_file));

    // The variable over the file.
    assert!(succeeded(&communs(&home, &[("COMMUNS_DATA_DIR", &from_variable)], &["--config", config, "migrate"])));
    assert!(database(&from_variable));

    // The flag over the variable.
    let flag = ["--config", config, "--data-dir", from_flag.to_str().unwrap(), "migrate"];
    assert!(succeeded(&communs(&home, &[("COMMUNS_DATA_DIR", &from_variable)], &flag)));
    assert!(database(&from_flag));

    // The same order for the address: a bad variable is read over the file's good one, and
    // a good flag over the bad variable.
    let bad = Path::new("nowhere:80:80");
    let refused = communs(&home, &[("COMMUNS_BIND", bad)], &["--config", config, "migrate"]);
    assert!(!refused.status.success(), "a bad COMMUNS_BIND was not read over the file's bind");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nowhere:80:80"), "the bad address is named");
    let good = ["--config", config, "--bind", "127.0.0.1:8091", "migrate"];
    assert!(succeeded(&communs(&home, &[("COMMUNS_BIND", bad)], &good)));
}
