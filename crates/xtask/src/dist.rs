//! `cargo xtask dist` and `cargo xtask test dist`: the artifacts a Python, Node, PHP or CLI
//! user installs without a Rust toolchain (issue 20), and the tests that install each one into
//! a clean environment and run the scenario suites through it.
//!
//! Built here, for x86-64 Linux with glibc (the short form, part of `cargo xtask test` and CI):
//!
//! - Python: the abi3 wheel (`cp39-abi3-manylinux_2_17_x86_64`, maturin `--zig` with `ziglang`
//!   from PyPI, so the glibc floor is 2.17 whatever this host's glibc is) and the sdist;
//! - npm: the main `tlsguard` tarball (no `.node` inside; `optionalDependencies` on every
//!   platform package, as `napi pre-publish` writes them) and `tlsguard-linux-x64-gnu` (napi
//!   `build -x`, glibc 2.17; `os`/`cpu`/`libc` from `napi create-npm-dirs`);
//! - PHP: PIE's prebuilt-binary zip (`php_tlsguard-<ver>_php8.2-x86_64-linux-glibc.zip`) and a
//!   `.deb` for Debian 12's php8.2, both from the extension `cargo xtask test php` builds;
//! - the CLI: a static `x86_64-unknown-linux-musl` binary (Debian's `musl-tools`).
//!
//! `--cross` adds the aarch64 glibc and x86-64 musl wheels and npm packages and the aarch64
//! static CLI (all through zig), `cargo check` for aarch64 and musl, and `cargo publish
//! --dry-run` of the core and the CLI; the cross artifacts are built and their tags checked, not
//! run (no arm64 or musl Python/Node here).
//!
//! Everything lands in `target/dist/` with `manifest.json` (file, size, sha256, target, what
//! it needs, how it was tested) and `SHA256SUMS`. Build trees: `target/dist-build` (release,
//! its own so the test suites' builds are not invalidated), `target/check` (the target checks),
//! `target/dist-tools` (a venv with the pinned maturin, ziglang, cargo-zigbuild, auditwheel).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{Result, cargo, in_root, root, run};

/// The workspace version (the xtask inherits it): every artifact carries it.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Pinned packaging tools (see ../shared/research/packaging.md: ziglang 0.16.0's `ar` breaks
/// aws-lc-sys; 0.17.1 works).
const TOOLS: &[&str] = &["maturin==1.16.0", "ziglang==0.17.1", "cargo-zigbuild==0.24.1", "auditwheel==6.8.0"];

/// Debian packages the target checks and the CLI build need (the C compilers aws-lc-sys uses).
const APT_CROSS: &[&str] = &["gcc-mingw-w64-x86-64", "musl-tools"];
const APT_CROSS_ARM: &[&str] = &["gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross", "qemu-user-static"];

/// The crates the target checks cover (the PHP binding is built for Debian's PHP only).
const CHECKED: &[&str] = &["tlsguard", "tlsguard-cli", "tlsguard-python", "tlsguard-node"];

#[derive(Clone, Copy, Default)]
pub struct Opts {
    /// aarch64 and musl artifacts and checks too.
    pub cross: bool,
    /// Only the `cargo check` of the other targets.
    pub check_only: bool,
    /// The form `cargo xtask test` (and so CI) runs: the x86-64 glibc artifacts and the Windows
    /// check, without the static CLI (a musl build of its own; `cargo xtask test dist` builds it).
    pub short: bool,
}

impl Opts {
    pub fn parse(args: &[String]) -> Result<Opts> {
        let mut o = Opts::default();
        for a in args {
            match a.as_str() {
                "--cross" => o.cross = true,
                "--check-targets" => o.check_only = true,
                other => return Err(format!("unknown dist option {other:?} (--cross, --check-targets)")),
            }
        }
        Ok(o)
    }
}

/// One file in target/dist.
pub struct Artifact {
    pub file: PathBuf,
    pub target: String,
    /// What the user's system needs (glibc floor, PHP API...).
    pub requires: String,
    /// How it was tested here (filled by `test dist`).
    pub tested: Vec<String>,
}

impl Artifact {
    fn new(file: PathBuf, target: &str, requires: impl Into<String>) -> Self {
        Artifact { file, target: target.into(), requires: requires.into(), tested: Vec::new() }
    }
}

fn dist_dir() -> PathBuf {
    root().join("target/dist")
}

fn build_dir() -> PathBuf {
    root().join("target/dist-build")
}

/// `cargo xtask dist [--cross] [--check-targets]`.
pub fn dist(opts: Opts) -> Result {
    check_targets(opts.cross)?;
    if opts.check_only {
        return Ok(());
    }
    let artifacts = build(opts)?;
    write_manifest(&artifacts)
}

/// `cargo xtask test dist [--cross]`: the target checks, the artifacts, then each installed into
/// a clean environment and run against the test kit.
pub fn test_dist(opts: Opts) -> Result {
    let started = Instant::now();
    check_targets(opts.cross)?;
    let checked = started.elapsed();
    let mut artifacts = build(opts)?;
    let built = started.elapsed();
    crate::build_testkit()?;
    let mut failed = Vec::new();
    let mut results = vec![
        ("python", test_python(&mut artifacts)),
        ("node", test_node(&mut artifacts)),
        ("php", test_php(&mut artifacts)),
    ];
    if !opts.short {
        results.push(("cli", test_cli(&mut artifacts)));
    }
    for (name, result) in results {
        if let Err(e) = result {
            eprintln!("xtask: dist {name} FAILED: {e}");
            failed.push(name);
        }
    }
    for a in artifacts.iter_mut().filter(|a| a.tested.is_empty()) {
        a.tested.push("built; not run here (see the README's platform table)".into());
    }
    write_manifest(&artifacts)?;
    eprintln!(
        "xtask: dist timings: target checks {}s, artifacts {}s, install tests {}s (total {}s)",
        checked.as_secs(),
        (built - checked).as_secs(),
        (started.elapsed() - built).as_secs(),
        started.elapsed().as_secs()
    );
    if failed.is_empty() { Ok(()) } else { Err(format!("dist tests failed: {}", failed.join(", "))) }
}

// ---------------------------------------------------------------------------------------------
// Tools

/// Adds the Rust targets that are missing (`rustup target add`).
fn rust_targets(targets: &[&str]) -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup not found ({e}): install the targets {targets:?} yourself"))?;
    let installed = String::from_utf8_lossy(&installed.stdout).into_owned();
    let missing: Vec<&str> = targets.iter().copied().filter(|t| !installed.lines().any(|l| l.trim() == *t)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add"]).args(&missing))
}

/// The venv with the pinned packaging tools; returns its bin directory.
fn tools() -> Result<PathBuf> {
    let venv = root().join("target/dist-tools");
    let stamp = venv.join("tools.txt");
    let want = TOOLS.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(want.as_str()) {
        if !venv.join("bin/python").exists() {
            run(in_root("python3").args(["-m", "venv"]).arg(&venv))?;
        }
        run(Command::new(venv.join("bin/pip")).args(["install", "-q"]).args(TOOLS))?;
        std::fs::write(&stamp, want).map_err(|e| e.to_string())?;
    }
    Ok(venv.join("bin"))
}

/// The timestamps inside the wheel, sdist and .deb (SOURCE_DATE_EPOCH, honoured by maturin and
/// dpkg-deb): a constant (1980-01-01, the earliest a zip can hold), so a rebuild gives the same
/// files. Not the commit time: the `cc` crate reruns every C build when this variable changes.
const SOURCE_DATE_EPOCH: &str = "315532800";

/// PATH with `dir` first: maturin finds zig as `python3 -m ziglang` (the venv's python3) and
/// napi `-x` runs `cargo-zigbuild` from PATH.
fn path_with(dir: &Path) -> String {
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

/// PATH without any directory that holds cargo or rustc: the install steps must not be able
/// to build anything from source.
fn path_without_rust() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let kept: Vec<&str> = path
        .split(':')
        .filter(|d| !Path::new(d).join("cargo").exists() && !Path::new(d).join("rustc").exists())
        .collect();
    kept.join(":")
}

/// A command for an install step: no Rust on PATH, none of cargo's variables.
fn no_rust(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    c.env("PATH", path_without_rust());
    for v in ["CARGO", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "RUSTC", "CARGO_TARGET_DIR"] {
        c.env_remove(v);
    }
    c
}

/// Runs `cmd`, prints its output and returns it (stdout then stderr).
fn run_output(cmd: &mut Command) -> Result<String> {
    eprintln!("xtask: running {cmd:?}");
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprint!("{text}");
    if out.status.success() { Ok(text) } else { Err(format!("{cmd:?} failed with {}", out.status)) }
}

fn mkdir(p: &Path) -> Result {
    std::fs::create_dir_all(p).map_err(|e| format!("mkdir {}: {e}", p.display()))
}

fn fresh_dir(p: &Path) -> Result {
    if p.exists() {
        std::fs::remove_dir_all(p).map_err(|e| format!("rm -r {}: {e}", p.display()))?;
    }
    mkdir(p)
}

fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to).map(|_| ()).map_err(|e| format!("cp {} {}: {e}", from.display(), to.display()))
}

fn write(p: &Path, text: &str) -> Result {
    std::fs::write(p, text).map_err(|e| format!("write {}: {e}", p.display()))
}

fn chmod(p: &Path, mode: u32) -> Result {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", p.display()))
}

/// The one file in `dir` whose name starts with `prefix` and ends with `suffix`.
fn find(dir: &Path, prefix: &str, suffix: &str) -> Result<PathBuf> {
    let mut hits: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with(prefix) && n.ends_with(suffix)
        })
        .collect();
    match hits.len() {
        1 => Ok(hits.remove(0)),
        n => Err(format!("expected one {prefix}*{suffix} in {}, found {n}", dir.display())),
    }
}

/// The highest `GLIBC_x.y` symbol version an ELF file needs ("" if none: static or musl).
fn glibc_floor(file: &Path) -> Result<String> {
    let out = Command::new("objdump").arg("-T").arg(file).output().map_err(|e| format!("objdump: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut best: Option<(Vec<u32>, String)> = None;
    for word in text.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        if let Some(v) = word.strip_prefix("GLIBC_") {
            let key: Vec<u32> = v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, v.to_string()));
            }
        }
    }
    Ok(best.map(|(_, v)| v).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Target checks

/// `cargo check` of the core, the CLI and the Python and Node bindings for Windows (GNU, with
/// Debian's mingw-w64 as aws-lc-sys' C compiler), and with `cross` for aarch64 glibc and
/// x86-64 musl.
pub fn check_targets(cross: bool) -> Result {
    let mut apt: Vec<&str> = APT_CROSS.to_vec();
    let mut targets = vec!["x86_64-pc-windows-gnu"];
    if cross {
        apt.extend(APT_CROSS_ARM);
        targets.extend(["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-musl"]);
    }
    crate::apt_install(&apt)?;
    rust_targets(&targets)?;
    // napi's build script links windows-gnu addons against Node's libnode.dll and panics when it
    // finds none; `cargo check` links nothing, so an empty stand-in is enough.
    let stub = root().join("target/check/libnode-stub");
    mkdir(&stub)?;
    write(&stub.join("libnode.dll"), "")?;
    let mut cmd = in_root(&cargo());
    cmd.args(["check", "--locked"]);
    for t in &targets {
        cmd.args(["--target", t]);
    }
    for p in CHECKED {
        cmd.args(["-p", p]);
    }
    cmd.arg("--target-dir").arg(root().join("target/check")).env("LIBNODE_PATH", &stub);
    run(&mut cmd)
}

// ---------------------------------------------------------------------------------------------
// Build

fn build(opts: Opts) -> Result<Vec<Artifact>> {
    let out = dist_dir();
    fresh_dir(&out)?;
    let bin = tools()?;
    let mut rust = vec!["x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"];
    if opts.cross {
        rust.extend(["aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl"]);
    }
    rust_targets(&rust)?;
    crate::apt_install(APT_CROSS)?;
    if opts.cross {
        // crates.io: the core and the CLI package and build from their .crate files (versions on
        // path dependencies, `include` lists); --allow-dirty so it also runs in a working tree.
        run(in_root(&cargo()).args([
            "publish",
            "--dry-run",
            "--locked",
            "--allow-dirty",
            "-p",
            "tlsguard",
            "-p",
            "tlsguard-cli",
        ]))?;
    }
    let mut all = Vec::new();
    all.extend(python(&bin, opts)?);
    all.extend(npm(&bin, opts)?);
    all.extend(php()?);
    if !opts.short {
        all.extend(cli(&bin, opts)?);
    }
    Ok(all)
}

/// The wheels (maturin `--zig`: glibc 2.17 / musl 1.2 floors whatever this host has; maturin's
/// own auditwheel check fails the build if the .so needs a library or symbol version outside the
/// policy) and the sdist.
fn python(bin: &Path, opts: Opts) -> Result<Vec<Artifact>> {
    let mut wheels = vec![("x86_64-unknown-linux-gnu", "manylinux_2_17", "x86_64")];
    if opts.cross {
        wheels.push(("aarch64-unknown-linux-gnu", "manylinux_2_17", "aarch64"));
        wheels.push(("x86_64-unknown-linux-musl", "musllinux_1_2", "x86_64"));
    }
    let out = dist_dir();
    let mut artifacts = Vec::new();
    for (target, policy, arch) in wheels {
        run(Command::new(bin.join("maturin"))
            .args(["build", "--release", "--locked", "--zig", "--compatibility", policy, "--target", target, "--out"])
            .arg(&out)
            .current_dir(root().join("python"))
            .env("PATH", path_with(bin))
            .env("CARGO_TARGET_DIR", build_dir())
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            // Always the bundled AWS-LC, never a system one.
            .env("AWS_LC_SYS_USE_SYSTEM", "0"))?;
        let prefix = format!("tlsguard-{VERSION}-cp39-abi3-");
        let wheel = std::fs::read_dir(&out)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                let n = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
                n.starts_with(&prefix) && n.contains(policy) && n.ends_with(&format!("_{arch}.whl"))
            })
            .ok_or_else(|| format!("maturin wrote no {prefix}*{policy}*_{arch}.whl"))?;
        if policy.starts_with("musllinux") {
            // auditwheel 6.8 on a glibc host crashes on musl wheels (it opens musl-tools' libc.so
            // linker script as an ELF file): maturin's policy check while building stands alone.
            artifacts.push(Artifact::new(
                wheel,
                target,
                format!("CPython >= 3.9 (abi3), {arch}, {policy} (maturin's check)"),
            ));
            continue;
        }
        // auditwheel's own verdict (maturin checked the policy while building).
        let show = run_output(Command::new(bin.join("auditwheel")).arg("show").arg(&wheel))?;
        let tag = show
            .split("is consistent with the following platform tag:")
            .nth(1)
            .and_then(|rest| rest.split('"').nth(1))
            .ok_or_else(|| format!("auditwheel show: no platform tag for {}", wheel.display()))?
            .to_string();
        if !tag.starts_with(policy) {
            return Err(format!("auditwheel show: {} is {tag}, not {policy}", wheel.display()));
        }
        let a = Artifact::new(wheel, target, format!("CPython >= 3.9 (abi3), {arch}; auditwheel show: {tag}"));
        artifacts.push(a);
    }
    run(Command::new(bin.join("maturin"))
        .args(["sdist", "--out"])
        .arg(&out)
        .current_dir(root().join("python"))
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("PATH", path_with(bin)))?;
    let sdist = find(&out, &format!("tlsguard-{VERSION}"), ".tar.gz")?;
    artifacts.push(Artifact::new(sdist, "source", "Rust >= 1.88 and a C compiler (pip builds it)"));
    Ok(artifacts)
}

/// The napi platform suffix of a Rust target (napi's own naming).
fn napi_platform(target: &str) -> &'static str {
    match target {
        "x86_64-unknown-linux-gnu" => "linux-x64-gnu",
        "aarch64-unknown-linux-gnu" => "linux-arm64-gnu",
        "x86_64-unknown-linux-musl" => "linux-x64-musl",
        "aarch64-unknown-linux-musl" => "linux-arm64-musl",
        "x86_64-apple-darwin" => "darwin-x64",
        "aarch64-apple-darwin" => "darwin-arm64",
        "x86_64-pc-windows-msvc" => "win32-x64-msvc",
        other => panic!("no napi platform for {other}"),
    }
}

/// Stages the main package: the files of node/package.json's `files`, the licence, and
/// package.json with `optionalDependencies` on every platform package (what `napi pre-publish`
/// writes before `npm publish`). Fails if `files` would ship a `.node`.
const STAGE_MAIN_JS: &str = r#"
const fs = require('fs'), path = require('path');
const [src, dest, npmDir, licence] = process.argv.slice(1);
const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
fs.mkdirSync(dest, { recursive: true });
for (const f of pkg.files) {
  if (f.includes('*') || f.endsWith('.node')) throw new Error(`package.json files: ${f} (no globs, no .node)`);
  fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
  fs.copyFileSync(path.join(src, f), path.join(dest, f));
}
fs.copyFileSync(licence, path.join(dest, 'LICENSE'));
pkg.files.push('LICENSE');
pkg.optionalDependencies = {};
for (const d of fs.readdirSync(npmDir).sort()) {
  const sub = JSON.parse(fs.readFileSync(path.join(npmDir, d, 'package.json'), 'utf8'));
  if (sub.version !== pkg.version) throw new Error(`${sub.name} ${sub.version} != ${pkg.version}`);
  pkg.optionalDependencies[sub.name] = pkg.version;
}
fs.writeFileSync(path.join(dest, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
"#;

/// The npm tarballs: the main package and one platform package per built target.
fn npm(bin: &Path, opts: Opts) -> Result<Vec<Artifact>> {
    let node = root().join("node");
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&node))?;
    let stage = root().join("target/dist-npm");
    fresh_dir(&stage)?;
    // napi keeps the paths it writes inside its project: it runs in the staging directory, on a
    // copy of package.json. npm/<platform>/package.json (+ README) for every napi.targets entry.
    let napi = node.join("node_modules/.bin/napi");
    copy(&node.join("package.json"), &stage.join("package.json"))?;
    let npm_dir = stage.join("npm");
    run(Command::new(&napi).args(["create-npm-dirs"]).current_dir(&stage))?;
    let mut targets = vec!["x86_64-unknown-linux-gnu"];
    if opts.cross {
        targets.extend(["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-musl"]);
    }
    let out = dist_dir();
    let mut artifacts = Vec::new();
    for target in targets {
        let platform = napi_platform(target);
        let built = stage.join("build").join(platform);
        mkdir(&built)?;
        // `-x`: cargo-zigbuild with zig as linker; `.2.17`: link against glibc 2.17's symbols.
        let zig_target = if target.ends_with("-gnu") { format!("{target}.2.17") } else { target.to_string() };
        run(Command::new(&napi)
            .args(["build", "--release", "--platform", "-x", "--no-js", "--target", &zig_target])
            .arg("--manifest-path")
            .arg(root().join("bindings/node/Cargo.toml"))
            .arg("--target-dir")
            .arg(build_dir())
            .arg("--output-dir")
            .arg(&built)
            .args(["--dts", "native.d.ts", "--", "--locked"])
            .current_dir(&stage)
            // napi spawns $CARGO (set by `cargo xtask`) instead of cargo + cargo-zigbuild.
            .env_remove("CARGO")
            .env("PATH", path_with(bin))
            .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
            .env("AWS_LC_SYS_USE_SYSTEM", "0"))?;
        let addon = format!("tlsguard.{platform}.node");
        let pkg_dir = npm_dir.join(platform);
        copy(&built.join(&addon), &pkg_dir.join(&addon))?;
        copy(&root().join("LICENSE"), &pkg_dir.join("LICENSE"))?;
        let floor = glibc_floor(&pkg_dir.join(&addon))?;
        run(Command::new("npm").args(["pack", "--pack-destination"]).arg(&out).current_dir(&pkg_dir))?;
        let requires = if floor.is_empty() {
            "Node.js >= 20 (N-API 8), musl".to_string()
        } else {
            format!("Node.js >= 20 (N-API 8), glibc >= {floor}")
        };
        artifacts.push(Artifact::new(out.join(format!("tlsguard-{platform}-{VERSION}.tgz")), target, requires));
    }
    let main = stage.join("tlsguard");
    run(Command::new("node")
        .args(["-e", STAGE_MAIN_JS])
        .arg(&node)
        .arg(&main)
        .arg(&npm_dir)
        .arg(root().join("LICENSE")))?;
    run(Command::new("npm").args(["pack", "--pack-destination"]).arg(&out).current_dir(&main))?;
    let tarball = out.join(format!("tlsguard-{VERSION}.tgz"));
    let listing = run_output(Command::new("tar").arg("tzf").arg(&tarball))?;
    if listing.lines().any(|l| l.ends_with(".node")) {
        return Err(format!("{} contains a .node file", tarball.display()));
    }
    artifacts.insert(0, Artifact::new(tarball, "any", "Node.js >= 20 and the platform package (optionalDependencies)"));
    Ok(artifacts)
}

fn php_config(arg: &str) -> Result<String> {
    let out = Command::new("php-config").arg(arg).output().map_err(|e| format!("php-config: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Writes a zip of `files` (name in the archive, path), with fixed dates so it is reproducible.
fn zip(out: &Path, files: &[(&str, &Path)]) -> Result {
    let mut cmd = Command::new("python3");
    cmd.args([
        "-c",
        "import sys, zipfile\n\
         with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n\
         \x20   for name, path in zip(sys.argv[2::2], sys.argv[3::2]):\n\
         \x20       info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))\n\
         \x20       info.external_attr = 0o644 << 16\n\
         \x20       info.compress_type = zipfile.ZIP_DEFLATED\n\
         \x20       z.writestr(info, open(path, 'rb').read())\n",
    ])
    .arg(out);
    for (name, path) in files {
        cmd.arg(name).arg(path);
    }
    run(&mut cmd)
}

/// The PHP extension as PIE's prebuilt-binary zip and as a .deb for Debian 12's php8.2.
fn php() -> Result<Vec<Artifact>> {
    let built = crate::php_extension()?;
    let stage = root().join("target/dist-php");
    fresh_dir(&stage)?;
    let so = stage.join("tlsguard.so");
    run(Command::new("strip").arg("--strip-unneeded").arg("-o").arg(&so).arg(&built))?;
    chmod(&so, 0o644)?;
    let php_version = php_config("--version")?; // 8.2.36
    let minor: String = php_version.split('.').take(2).collect::<Vec<_>>().join(".");
    let api = php_config("--phpapi")?; // 20220829
    let ext_dir = php_config("--extension-dir")?; // /usr/lib/php/20220829
    let zts = Command::new("php").args(["-r", "echo PHP_ZTS;"]).output().map(|o| o.stdout == b"1").unwrap_or(false);
    let floor = glibc_floor(&so)?;
    let out = dist_dir();

    // PIE: php_{ext}-{ver}_php{X.Y}-{arch}-{os}-{libc}[-zts].zip with {ext}.so inside.
    let zip_name = format!("php_tlsguard-{VERSION}_php{minor}-x86_64-linux-glibc{}.zip", if zts { "-zts" } else { "" });
    let zip_path = out.join(&zip_name);
    zip(&zip_path, &[("tlsguard.so", &so)])?;

    // The .deb: the extension in PHP's extension dir, the ini in mods-available (enabled by
    // phpenmod in postinst), Depends on the PHP API it was built for.
    let pkg = format!("php{minor}-tlsguard");
    let deb_root = stage.join("deb");
    let etc = deb_root.join(format!("etc/php/{minor}/mods-available"));
    let lib = deb_root.join(ext_dir.trim_start_matches('/'));
    let doc = deb_root.join(format!("usr/share/doc/{pkg}"));
    let control_dir = deb_root.join("DEBIAN");
    for d in [&etc, &lib, &doc, &control_dir] {
        mkdir(d)?;
    }
    copy(&so, &lib.join("tlsguard.so"))?;
    let ini = std::fs::read_to_string(root().join("php/tlsguard.ini")).map_err(|e| e.to_string())?;
    write(&etc.join("tlsguard.ini"), &format!("; priority=20\n{ini}"))?;
    write(
        &doc.join("copyright"),
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: tlsguard\n\nFiles: *\nLicense: Apache-2.0\n \
         On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.\n",
    )?;
    let installed_kib = (std::fs::metadata(&so).map_err(|e| e.to_string())?.len() + 8191) / 1024;
    let libc = if floor.is_empty() { String::new() } else { format!(", libc6 (>= {floor})") };
    write(
        &control_dir.join("control"),
        &format!(
            "Package: {pkg}\n\
             Version: {VERSION}-1\n\
             Architecture: amd64\n\
             Maintainer: tlsguard maintainers <tlsguard@example.invalid>\n\
             Installed-Size: {installed_kib}\n\
             Depends: phpapi-{api}, php-common{libc}\n\
             Provides: php-tlsguard\n\
             Section: php\n\
             Priority: optional\n\
             Description: tlsguard: secure-by-default HTTPS client for PHP {minor} (rustls)\n \
             TLS 1.2/1.3 only, certificate verification always on, and every refusal\n \
             explained: which certificate, what fact, whose side must fix it.\n \
             The TlsGuard\\Client class and certificate tools; the PSR-18 adapter and the\n \
             Guzzle handler are the Composer package tlsguard/tlsguard.\n"
        ),
    )?;
    write(&control_dir.join("conffiles"), &format!("/etc/php/{minor}/mods-available/tlsguard.ini\n"))?;
    write(
        &control_dir.join("postinst"),
        &format!(
            "#!/bin/sh\nset -e\nif [ \"$1\" = configure ] && command -v phpenmod >/dev/null; then\n    \
             phpenmod -v {minor} tlsguard\nfi\nexit 0\n"
        ),
    )?;
    write(
        &control_dir.join("prerm"),
        &format!(
            "#!/bin/sh\nset -e\nif [ \"$1\" = remove ] && command -v phpdismod >/dev/null; then\n    \
             phpdismod -v {minor} tlsguard\nfi\nexit 0\n"
        ),
    )?;
    for f in ["postinst", "prerm"] {
        chmod(&control_dir.join(f), 0o755)?;
    }
    for f in ["control", "conffiles"] {
        chmod(&control_dir.join(f), 0o644)?;
    }
    chmod(&etc.join("tlsguard.ini"), 0o644)?;
    chmod(&doc.join("copyright"), 0o644)?;
    let deb = out.join(format!("{pkg}_{VERSION}-1_amd64.deb"));
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zxz", "--build"])
        .arg(&deb_root)
        .arg(&deb)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH))?;

    let requires = format!("PHP {minor} {} (API {api}), x86-64, glibc >= {floor}", if zts { "ZTS" } else { "NTS" });
    Ok(vec![
        Artifact::new(zip_path, "x86_64-unknown-linux-gnu", requires.clone()),
        Artifact::new(deb, "x86_64-unknown-linux-gnu", format!("Debian 12 (php{minor}); {requires}")),
    ])
}

/// The static CLI: Debian's musl-gcc (x86-64) or zig (aarch64) compiles aws-lc-sys' C.
fn cli(bin: &Path, opts: Opts) -> Result<Vec<Artifact>> {
    let mut targets = vec!["x86_64-unknown-linux-musl"];
    if opts.cross {
        targets.push("aarch64-unknown-linux-musl");
    }
    let out = dist_dir();
    let mut artifacts = Vec::new();
    for target in targets {
        let mut cmd = Command::new(if target.starts_with("x86_64") {
            PathBuf::from(cargo())
        } else {
            bin.join("cargo-zigbuild")
        });
        if !target.starts_with("x86_64") {
            cmd.arg("zigbuild");
        } else {
            cmd.arg("build");
        }
        run(cmd
            .args(["--locked", "--release", "-p", "tlsguard-cli", "--target", target])
            .arg("--target-dir")
            .arg(build_dir())
            .current_dir(root())
            .env("PATH", path_with(bin))
            .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
            .env("AWS_LC_SYS_USE_SYSTEM", "0"))?;
        let exe = build_dir().join(target).join("release/tlsguard");
        let name = format!("tlsguard-{VERSION}-{target}");
        let stage = root().join("target/dist-cli").join(&name);
        fresh_dir(&stage)?;
        copy(&exe, &stage.join("tlsguard"))?;
        chmod(&stage.join("tlsguard"), 0o755)?;
        copy(&root().join("LICENSE"), &stage.join("LICENSE"))?;
        copy(&root().join("crates/tlsguard-cli/README.md"), &stage.join("README.md"))?;
        let tarball = out.join(format!("{name}.tar.gz"));
        run(Command::new("sh")
            .args([
                "-c",
                "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C \"$1\" -cf - \"$2\" | gzip -9n > \"$3\"",
                "sh",
            ])
            .arg(stage.parent().unwrap())
            .arg(&name)
            .arg(&tarball))?;
        artifacts.push(Artifact::new(tarball, target, "Linux (static, no libc needed)"));
    }
    Ok(artifacts)
}

// ---------------------------------------------------------------------------------------------
// Manifest

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn sha256(file: &Path) -> Result<String> {
    let out = Command::new("sha256sum").arg(file).output().map_err(|e| format!("sha256sum: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().next().map(str::to_string).ok_or_else(|| format!("sha256sum {}: no output", file.display()))
}

/// target/dist/manifest.json and SHA256SUMS.
fn write_manifest(artifacts: &[Artifact]) -> Result {
    let mut json = String::from("{\n  \"version\": ");
    json.push_str(&json_str(VERSION));
    json.push_str(",\n  \"artifacts\": [\n");
    let mut sums = String::new();
    eprintln!("\nxtask: target/dist:");
    for (i, a) in artifacts.iter().enumerate() {
        let name = a.file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let size = std::fs::metadata(&a.file).map_err(|e| format!("{}: {e}", a.file.display()))?.len();
        let sum = sha256(&a.file)?;
        let _ = writeln!(sums, "{sum}  {name}");
        let tested = if a.tested.is_empty() {
            vec!["not yet: `cargo xtask test dist` installs and tests it".to_string()]
        } else {
            a.tested.clone()
        };
        let _ = writeln!(
            json,
            "    {{\"file\": {}, \"size\": {size}, \"sha256\": {}, \"target\": {}, \"requires\": {}, \"tested\": [{}]}}{}",
            json_str(&name),
            json_str(&sum),
            json_str(&a.target),
            json_str(&a.requires),
            tested.iter().map(|t| json_str(t)).collect::<Vec<_>>().join(", "),
            if i + 1 < artifacts.len() { "," } else { "" }
        );
        eprintln!("  {name:<70} {:>6} KiB  {}", size / 1024, tested.join("; "));
    }
    json.push_str("  ]\n}\n");
    write(&dist_dir().join("manifest.json"), &json)?;
    write(&dist_dir().join("SHA256SUMS"), &sums)
}

// ---------------------------------------------------------------------------------------------
// Install tests

/// A scratch directory under target/dist-test, emptied first.
fn scratch(name: &str) -> Result<PathBuf> {
    let d = root().join("target/dist-test").join(name);
    fresh_dir(&d)?;
    Ok(d)
}

/// "N passed" (pytest), "# pass N" (node --test), "OK (N tests" (PHPUnit): the count, or 0.
fn count_after(text: &str, before: &str, after: &str) -> u32 {
    for line in text.lines().rev() {
        if let Some(i) = line.find(before) {
            let rest = &line[i + before.len()..];
            let rest = rest.strip_suffix(after).map_or(rest, |r| r);
            let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                return n;
            }
        }
    }
    0
}

/// The kit's good server URL and root CA path, from its manifest.
fn kit_facts(manifest: &Path) -> Result<(String, String, String)> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys; m = json.load(open(sys.argv[1])); \
             print(m['servers']['good']); print(m['servers']['untrusted_root']); print(m['pki']['root_ca'])",
        ])
        .arg(manifest)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut l = text.lines().map(str::to_string);
    match (l.next(), l.next(), l.next()) {
        (Some(a), Some(b), Some(c)) => Ok((a, b, c)),
        _ => Err(format!("unexpected kit manifest {}", manifest.display())),
    }
}

/// Runs `f` with a running test kit (its manifest path).
fn with_kit<T>(f: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let dir = root().join("target/dist-test/kit");
    fresh_dir(&dir)?;
    let (mut kit, manifest) = crate::start_kit(&dir)?;
    let result = f(&manifest);
    drop(kit.stdin.take());
    let _ = kit.wait();
    result
}

/// The CPythons `pyenv versions` lists that the wheel supports (>= 3.9), or python3 alone.
fn pythons() -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    if let (Ok(out), Ok(rootdir)) =
        (Command::new("pyenv").args(["versions", "--bare"]).output(), Command::new("pyenv").arg("root").output())
    {
        let rootdir = PathBuf::from(String::from_utf8_lossy(&rootdir.stdout).trim());
        for v in String::from_utf8_lossy(&out.stdout).lines().map(str::trim) {
            let mut parts = v.split('.').map(|p| p.parse::<u32>());
            if let (Some(Ok(3)), Some(Ok(minor))) = (parts.next(), parts.next())
                && minor >= 9
            {
                let py = rootdir.join("versions").join(v).join("bin/python3");
                if py.exists() {
                    found.push((v.to_string(), py));
                }
            }
        }
    }
    if found.is_empty() {
        found.push(("python3".into(), PathBuf::from("python3")));
    }
    found
}

/// Each supported CPython: a fresh venv, `pip install --only-binary :all:` of the wheel with no
/// Rust on PATH, a request through it, then the scenario suite's Python runner
/// (python/tests/test_scenarios.py, importing the installed package).
fn test_python(artifacts: &mut [Artifact]) -> Result {
    let Some(wheel) = artifacts.iter_mut().find(|a| {
        let n = a.file.to_string_lossy();
        n.ends_with("manylinux_2_17_x86_64.whl") || n.ends_with("manylinux2014_x86_64.whl")
    }) else {
        return Err("no x86_64 manylinux wheel in target/dist".into());
    };
    let mut passed_on = Vec::new();
    let mut scenarios = 0;
    let base = scratch("python")?;
    with_kit(|manifest| {
        let (good, _, ca) = kit_facts(manifest)?;
        for (version, python) in pythons() {
            let venv = base.join(format!("venv-{version}"));
            run(no_rust(&python).args(["-m", "venv"]).arg(&venv))?;
            let py = venv.join("bin/python");
            run(no_rust(&py)
                .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "--only-binary", ":all:"])
                .arg(&wheel.file)
                .arg("pytest"))?;
            // From the scratch dir: only the installed package can be imported.
            let smoke = run_output(
                no_rust(&py)
                    .args([
                        "-c",
                        "import sys, tlsguard\n\
                         assert sys.prefix in tlsguard.__file__, tlsguard.__file__\n\
                         r = tlsguard.get(sys.argv[1], roots='none', ca_file=sys.argv[2])\n\
                         print(tlsguard.__file__, r.status_code)\n\
                         assert r.status_code == 200\n",
                    ])
                    .arg(&good)
                    .arg(&ca)
                    .current_dir(&base),
            )?;
            if !smoke.contains(" 200") {
                return Err(format!("CPython {version}: no 200 from the installed wheel"));
            }
            let out = run_output(
                no_rust(&py)
                    .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
                    .arg(root().join("python/tests/test_scenarios.py"))
                    .current_dir(&base)
                    .env("TLSGUARD_TESTKIT", root().join("target/debug/tlsguard-testkit")),
            )?;
            let n = count_after(&out, "", " passed");
            if n == 0 {
                return Err(format!("CPython {version}: pytest reported no passed test"));
            }
            scenarios = n;
            passed_on.push(version);
        }
        Ok(())
    })?;
    wheel.tested.push(format!(
        "pip install (fresh venv, --only-binary, no Rust on PATH) on CPython {}: a request to the test kit, and test_scenarios.py {scenarios} passed on each",
        passed_on.join(", ")
    ));
    Ok(())
}

/// Node's loader test: the package names the platform and the package it looked for.
const NODE_SMOKE_CJS: &str = r#"
const tlsguard = require('tlsguard');
const [url, ca] = process.argv.slice(1);
tlsguard.fetch(url, { roots: 'none', caFile: ca }).then(async (r) => {
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  console.log('require ok', r.status, require.resolve('tlsguard'));
});
"#;
const NODE_SMOKE_ESM: &str = r#"
import { fetch } from 'tlsguard';
const [url, ca] = process.argv.slice(1);
const r = await fetch(url, { roots: 'none', caFile: ca });
if (r.status !== 200) throw new Error(`status ${r.status}`);
console.log('import ok', r.status);
"#;

/// A fresh npm project that installs the main and the platform tarball (no Rust on PATH),
/// `require` and `import` work, the scenario suite's Node runner passes (node/test/
/// scenarios.test.js pointed at the installed package), and without the platform package the
/// error names the platform and the package.
fn test_node(artifacts: &mut [Artifact]) -> Result {
    let out = dist_dir();
    let main = out.join(format!("tlsguard-{VERSION}.tgz"));
    let platform = out.join(format!("tlsguard-linux-x64-gnu-{VERSION}.tgz"));
    let project = scratch("node")?;
    write(&project.join("package.json"), "{\"name\": \"dist-test\", \"version\": \"1.0.0\", \"private\": true}\n")?;
    run(no_rust("npm")
        .args(["install", "--no-audit", "--no-fund", "--no-package-lock"])
        .arg(&main)
        .arg(&platform)
        .current_dir(&project))?;
    let test_dir = project.join("test");
    mkdir(&test_dir)?;
    let suite = std::fs::read_to_string(root().join("node/test/scenarios.test.js")).map_err(|e| e.to_string())?;
    if !suite.contains("require('..')") {
        return Err("node/test/scenarios.test.js no longer requires '..'".into());
    }
    write(&test_dir.join("scenarios.test.js"), &suite.replace("require('..')", "require('tlsguard')"))?;
    copy(&root().join("node/test/kit.js"), &test_dir.join("kit.js"))?;
    let passed = with_kit(|manifest| {
        let (good, _, ca) = kit_facts(manifest)?;
        let cjs = run_output(no_rust("node").args(["-e", NODE_SMOKE_CJS]).arg(&good).arg(&ca).current_dir(&project))?;
        if !cjs.contains("node_modules/tlsguard/index.js") {
            return Err("require('tlsguard') did not resolve to the installed package".into());
        }
        run(no_rust("node")
            .args(["--input-type=module", "-e", NODE_SMOKE_ESM])
            .arg(&good)
            .arg(&ca)
            .current_dir(&project))?;
        let out = run_output(
            no_rust("node")
                .args(["--test", "--test-concurrency=1", "test/"])
                .current_dir(&project)
                .env("TLSGUARD_TESTKIT", root().join("target/debug/tlsguard-testkit")),
        )?;
        Ok(count_after(&out, "# pass", ""))
    })?;
    // Without the platform package: the error names the platform and the package.
    let plat_dir = project.join("node_modules/tlsguard-linux-x64-gnu");
    std::fs::remove_dir_all(&plat_dir).map_err(|e| e.to_string())?;
    let missing = no_rust("node")
        .args(["-e", "require('tlsguard')"])
        .current_dir(&project)
        .output()
        .map_err(|e| e.to_string())?;
    let err = String::from_utf8_lossy(&missing.stderr);
    if missing.status.success() || !err.contains("linux-x64-gnu") || !err.contains("tlsguard-linux-x64-gnu") {
        return Err(format!("without the platform package, require('tlsguard') must fail naming it; got: {err}"));
    }
    let first = err.lines().find(|l| l.contains("tlsguard-linux-x64-gnu")).unwrap_or_default().trim().to_string();
    let note = format!(
        "npm install of the main + linux-x64-gnu tarballs into a fresh project (no Rust on PATH): require and import fetch from the test kit, scenarios.test.js {passed} passed; without the platform package: \"{first}\""
    );
    for a in artifacts.iter_mut() {
        let n = a.file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if n == format!("tlsguard-{VERSION}.tgz") || n == format!("tlsguard-linux-x64-gnu-{VERSION}.tgz") {
            a.tested.push(note.clone());
        }
    }
    Ok(())
}

/// PHP: the zip's .so and the .deb's files (extracted, not installed: `dpkg -i` would enable
/// tlsguard for every PHP on this machine) in a PHP that has no tlsguard configured:
/// `php --ri tlsguard`, then the scenario suite's PHP runner (php/tests/ScenariosTest.php).
fn test_php(artifacts: &mut [Artifact]) -> Result {
    let plain = Command::new("php").arg("-m").output().map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&plain.stdout).lines().any(|l| l.trim() == "tlsguard") {
        return Err("the system PHP already loads tlsguard: not a clean PHP for the install test".into());
    }
    let base = scratch("php")?;
    let mut results = Vec::new();
    for a in artifacts.iter_mut() {
        let name = a.file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let (extension_dir, ini_dir) = if name.ends_with(".zip") {
            let dir = base.join("zip");
            mkdir(&dir)?;
            run(Command::new("python3").args(["-m", "zipfile", "-e"]).arg(&a.file).arg(&dir))?;
            (dir, None)
        } else if name.ends_with(".deb") {
            let dir = base.join("deb");
            run(Command::new("dpkg-deb").arg("-x").arg(&a.file).arg(&dir))?;
            let depends = run_output(Command::new("dpkg-deb").args(["-f"]).arg(&a.file).arg("Depends"))?;
            let api = php_config("--phpapi")?;
            if !depends.contains(&format!("phpapi-{api}")) {
                return Err(format!("{name}: Depends lacks phpapi-{api}: {depends}"));
            }
            let ext = dir.join(php_config("--extension-dir")?.trim_start_matches('/'));
            // What phpenmod does: conf.d/20-tlsguard.ini -> mods-available/tlsguard.ini.
            let minor = php_config("--version")?.split('.').take(2).collect::<Vec<_>>().join(".");
            let conf_d = base.join("deb-conf.d");
            mkdir(&conf_d)?;
            copy(&dir.join(format!("etc/php/{minor}/mods-available/tlsguard.ini")), &conf_d.join("20-tlsguard.ini"))?;
            (ext, Some(conf_d))
        } else {
            continue;
        };
        let so = extension_dir.join("tlsguard.so");
        if !so.exists() {
            return Err(format!("{name}: no tlsguard.so inside"));
        }
        // The .deb: its own ini (extension=tlsguard, resolved in extension_dir) next to the
        // system's conf.d; extension_dir holds the system's extensions (PHPUnit needs dom etc.)
        // linked beside the package's tlsguard.so. The zip: extension=<path>, as PIE's ini does.
        let mut php_args: Vec<String> = Vec::new();
        let mut scan_dir = None;
        if let Some(conf_d) = &ini_dir {
            for entry in std::fs::read_dir(php_config("--extension-dir")?).map_err(|e| e.to_string())? {
                let p = entry.map_err(|e| e.to_string())?.path();
                let link = extension_dir.join(p.file_name().unwrap_or_default());
                if !link.exists() {
                    std::os::unix::fs::symlink(&p, &link).map_err(|e| e.to_string())?;
                }
            }
            let ini = Command::new("php").arg("--ini").output().map_err(|e| e.to_string())?;
            let system = String::from_utf8_lossy(&ini.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("Scan for additional .ini files in:").map(|s| s.trim().to_string()))
                .unwrap_or_default();
            scan_dir = Some(format!("{system}:{}", conf_d.display()));
            php_args.extend(["-d".into(), format!("extension_dir={}", extension_dir.display())]);
        } else {
            php_args.extend(["-d".into(), format!("extension={}", so.display())]);
        }
        let php = || {
            let mut c = Command::new("php");
            c.args(&php_args);
            if let Some(d) = &scan_dir {
                c.env("PHP_INI_SCAN_DIR", d);
            }
            c
        };
        let ri = run_output(php().args(["--ri", "tlsguard"]))?;
        if !ri.contains("tlsguard") {
            return Err(format!("{name}: php --ri tlsguard printed nothing"));
        }
        // The runner starts its own kit (php/tests/Kit.php).
        let out = run_output(
            php()
                .arg("/usr/bin/phpunit")
                .arg("tests/ScenariosTest.php")
                .current_dir(root().join("php"))
                .env("TLSGUARD_TESTKIT", root().join("target/debug/tlsguard-testkit")),
        )?;
        let n = count_after(&out, "OK (", " tests");
        if n == 0 {
            return Err(format!("{name}: PHPUnit reported no passing run"));
        }
        let how = if ini_dir.is_some() {
            "dpkg-deb -x, its mods-available ini linked into conf.d as phpenmod does"
        } else {
            "unzipped, extension=<path>"
        };
        results.push((name.clone(), format!("clean PHP ({how}): php --ri tlsguard, ScenariosTest.php {n} tests OK")));
    }
    for a in artifacts.iter_mut() {
        let name = a.file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if let Some((_, r)) = results.iter().find(|(n, _)| *n == name) {
            a.tested.push(r.clone());
        }
    }
    Ok(())
}

/// The static CLIs, each unpacked into an empty directory and run with an empty environment:
/// `tlsguard get` of the kit's good server, and a refusal with its code. The aarch64 one runs
/// under qemu-user (`qemu-aarch64-static`, Debian's qemu-user-static): a static binary needs no
/// arm64 libraries.
fn test_cli(artifacts: &mut [Artifact]) -> Result {
    let mut tested = 0;
    for a in artifacts.iter_mut() {
        let n = a.file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if !(n.starts_with("tlsguard-") && n.ends_with("-unknown-linux-musl.tar.gz")) {
            continue;
        }
        let runner: Option<&str> = if a.target.starts_with("aarch64") { Some("qemu-aarch64-static") } else { None };
        let dir = scratch(&format!("cli-{}", a.target))?;
        run(Command::new("tar").arg("xzf").arg(&a.file).arg("-C").arg(&dir).arg("--strip-components=1"))?;
        let exe = dir.join("tlsguard");
        let headers = run_output(Command::new("readelf").args(["-l", "-d"]).arg(&exe))?;
        if headers.contains("INTERP") || headers.contains("(NEEDED)") {
            return Err(format!("{n}: not static (it has an interpreter or NEEDED libraries)"));
        }
        let empty = scratch("cli-cwd")?;
        let cli = |args: &[&str]| -> Result<std::process::Output> {
            let mut c = match runner {
                Some(r) => {
                    let mut c = Command::new(r);
                    c.arg(&exe);
                    c
                }
                None => Command::new(&exe),
            };
            c.args(args).current_dir(&empty).env_clear().output().map_err(|e| format!("{n}: {e}"))
        };
        let note = with_kit(|manifest| {
            let (good, untrusted, ca) = kit_facts(manifest)?;
            let ok = cli(&["get", &good, "--roots", "none", "--ca-file", &ca])?;
            if !ok.status.success() {
                return Err(format!("{n}: tlsguard get {good}: {}", String::from_utf8_lossy(&ok.stderr)));
            }
            let refused = cli(&["get", &untrusted, "--roots", "none", "--ca-file", &ca])?;
            let err = String::from_utf8_lossy(&refused.stderr);
            let code = err
                .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .find(|w| w.starts_with("CERT_") || w.starts_with("UNKNOWN_"))
                .unwrap_or("");
            if refused.status.success() || code.is_empty() {
                return Err(format!("{n}: tlsguard get {untrusted} should be refused with a code: {err}"));
            }
            Ok(format!(
                "static (no INTERP, no NEEDED); {}from an empty dir with an empty environment: tlsguard get of the kit's good server (exit 0, {} body bytes), untrusted_root refused with {code} (exit {})",
                runner.map(|r| format!("under {r}, ")).unwrap_or_default(),
                ok.stdout.len(),
                refused.status.code().unwrap_or(-1)
            ))
        })?;
        a.tested.push(note);
        tested += 1;
    }
    if tested == 0 { Err("no static CLI in target/dist".into()) } else { Ok(()) }
}
