//! The gateway's `start.py` (rendered into `gateway/`), run with python3: the resolver comes from
//! `/etc/resolv.conf` and each upstream host is replaced by its canonical name, so that nginx,
//! which never applies search domains, finds the services in a Kubernetes pod as it does on a
//! Compose network.
//!
//! The end-to-end cases run start.py whole in a private user, mount and network namespace
//! (`unshare -rmn`, as root or with user namespaces): a pod-like or a Compose-like resolv.conf is
//! bind-mounted over `/etc/resolv.conf` there, `support/pod_dns.py` answers DNS on that
//! namespace's loopback, and a stand-in `nginx` on the PATH prints the configuration start.py
//! hands it. Nothing leaves the namespace.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::common::{script, tempdir};
use crate::support::process::{Run, finish};

const TEMPLATE: &str = "\
# ${AUTH_SERVICE_URL} in a comment stays
resolver ${RESOLVER} valid=10s ipv6=off;
set $upstream ${AUTH_SERVICE_URL};
";

/// Calls start.py's functions from a python3 driver: `nameserver(resolv_conf)` and
/// `render(TEMPLATE, env, resolver, canon=upper-casing stub)`.
fn call(code: &str) -> Run {
    let driver = format!(
        "import importlib.util, sys\n\
         spec = importlib.util.spec_from_file_location('gateway_start', sys.argv[1])\n\
         m = importlib.util.module_from_spec(spec)\n\
         spec.loader.exec_module(m)\n\
         {code}\n"
    );
    let child = Command::new("python3")
        .arg("-c")
        .arg(driver)
        .arg(script("start.py"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish(child, Instant::now())
}

#[test]
fn the_resolver_is_the_first_nameserver_of_resolv_conf() {
    let cases = [
        ("nameserver 127.0.0.11\noptions ndots:0\n", "127.0.0.11"),
        (
            "search demo-prod.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\nnameserver 1.1.1.1\n",
            "10.96.0.10",
        ),
        (
            "# nameserver 9.9.9.9\n  nameserver   fd00::a%eth0\n",
            "[fd00::a]",
        ),
    ];
    for (conf, want) in cases {
        let run = call(&format!("print(m.nameserver({conf:?}))"));
        assert_eq!(run.code(), Some(0), "{}", run.stderr);
        assert_eq!(run.stdout.trim(), want, "{conf:?}");
    }
    let run = call("m.nameserver('search x\\n')");
    assert_eq!(run.code(), Some(1));
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("no nameserver"), "{}", run.stderr);
}

#[test]
fn render_fills_the_resolver_and_canonical_urls_and_leaves_comments() {
    let code = format!(
        "print(m.render({TEMPLATE:?}, {{'AUTH_SERVICE_URL': 'http://auth-service:8001/'}}, \
         '10.96.0.10', canon=lambda u: u.replace('auth-service', 'auth-service.ns.svc')), end='')"
    );
    let run = call(&code);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "# ${AUTH_SERVICE_URL} in a comment stays\n\
         resolver 10.96.0.10 valid=10s ipv6=off;\n\
         set $upstream http://auth-service.ns.svc:8001;\n"
    );
}

/// start.py run whole in a namespace with `resolv_conf` and a DNS server on `dns_address`
/// answering `records`; the configuration it passes to nginx, or its failure.
fn start_in_namespace(resolv_conf: &str, dns_address: &str, records: &[&str], url: &str) -> Run {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::write(dir.join("resolv.conf"), resolv_conf).unwrap();
    std::fs::write(dir.join("nginx.conf.template"), TEMPLATE).unwrap();
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let nginx = bin.join("nginx");
    // nginx -e stderr -c PATH -g ...: print the configuration instead of serving it.
    std::fs::write(&nginx, "#!/bin/sh\ncat \"$4\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&nginx, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dns = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/pod_dns.py");
    let q = |p: &Path| format!("'{}'", p.display());
    let shell = format!(
        "ip link set lo up && mount --bind {conf} /etc/resolv.conf || exit 90\n\
         python3 {dns} {dns_address} {ready} {records} & pid=$!\n\
         i=0; while [ ! -e {ready} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n\
         python3 {start}; rc=$?\n\
         kill $pid 2>/dev/null; exit $rc",
        conf = q(&dir.join("resolv.conf")),
        dns = q(&dns),
        ready = q(&dir.join("ready")),
        records = records.join(" "),
        start = q(&script("start.py")),
    );
    let path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", bin.display());
    let child = Command::new("unshare")
        .args(["-rmn", "sh", "-c", &shell])
        .env("PATH", path)
        .env("GATEWAY_TEMPLATE", dir.join("nginx.conf.template"))
        .env("GATEWAY_RUNTIME_DIR", dir.join("runtime"))
        .env("AUTH_SERVICE_URL", url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unshare (util-linux) runs these tests");
    let run = finish(child, Instant::now());
    assert_ne!(
        run.code(),
        Some(90),
        "could not set up the namespace (unshare -rmn, ip, mount): {}",
        run.stderr
    );
    run
}

#[test]
#[cfg_attr(
    not(feature = "test-namespaces"),
    ignore = "needs unshare -rmn (user and network namespaces): feature test-namespaces"
)]
fn in_a_pod_the_upstream_is_the_search_expanded_name_and_the_cluster_dns() {
    let run = start_in_namespace(
        "search demo-prod.svc.cluster.local svc.cluster.local cluster.local\n\
         nameserver 127.0.0.1\noptions ndots:5\n",
        "127.0.0.1",
        &["auth-service.demo-prod.svc.cluster.local=10.96.0.42"],
        "http://auth-service:8001",
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("resolver 127.0.0.1 valid=10s")
            && run
                .stdout
                .contains("set $upstream http://auth-service.demo-prod.svc.cluster.local:8001;"),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(feature = "test-namespaces"),
    ignore = "needs unshare -rmn (user and network namespaces): feature test-namespaces"
)]
fn on_a_compose_network_the_name_and_dockers_dns_stay() {
    let run = start_in_namespace(
        "nameserver 127.0.0.11\noptions ndots:0\n",
        "127.0.0.11",
        &["auth-service=172.18.0.3"],
        "http://auth-service:8001",
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("resolver 127.0.0.11 valid=10s")
            && run
                .stdout
                .contains("set $upstream http://auth-service:8001;"),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(feature = "test-namespaces"),
    ignore = "needs unshare -rmn (user and network namespaces): feature test-namespaces"
)]
fn a_name_that_does_not_resolve_stops_the_start_with_one_line() {
    let run = start_in_namespace(
        "nameserver 127.0.0.1\n",
        "127.0.0.1",
        &["other=10.0.0.1"],
        "http://auth-service:8001",
    );
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("gateway-start: cannot resolve auth-service"),
        "{}",
        run.stderr
    );
}
