//! The rules behind `tilt-img doctor`, one file per rule:
//! `reg001_endpoint_without_scheme.rs` holds REG001's docs, its metadata and
//! its check.
//!
//! A rule's doc comment is its docs entry: `--explain`, `--list-rules` and
//! docs/doctor-rules.md print it (see [`super::catalog`]), cut into sections
//! at compile time by [`rule!`]. Each check reads the [`Model`] and returns
//! findings at a file:line; the behaviour each rule relies on was read in the
//! sources its docs link. A rule's id is spelled once, in [`RuleId`]; its
//! findings carry the module's `ID`.
//!
//! To add a rule: a variant in `rule_ids!`, a file with `rule! { … }` and its
//! check, a `mod` line and an entry in [`RULES`], and fixtures under
//! tests/doctor/<ID>/{bad,good}.

use super::Finding;
use crate::diag::Severity;
use crate::registry::model::{Loc, Model};

/// Declares a rule: its doc comment (summary, then `# What it finds`,
/// `# Why it breaks`, `# Fix`, `# Sources`), id, name, severity, check and
/// examples. Emits `ID` (the rule's [`RuleId`], for its findings) and `RULE`
/// (the [`Rule`], documented with the doc comment). The docs fields of `RULE`
/// are cut from the same doc comment at compile time (see [`doc`]), so the
/// text is written once.
macro_rules! rule {
    (
        $(#[doc = $doc:literal])+
        id: $id:ident,
        name: $name:literal,
        severity: $severity:ident,
        check: $check:path,
        bad: [$(($bad_path:literal, $bad_text:expr $(,)?)),+ $(,)?],
        good: [$(($good_path:literal, $good_text:expr $(,)?)),+ $(,)?] $(,)?
    ) => {
        /// This rule's id, for its findings.
        pub const ID: $crate::doctor::rules::RuleId = $crate::doctor::rules::RuleId::$id;

        const DOC: &str = concat!($($doc, "\n"),+);

        $(#[doc = $doc])+
        pub const RULE: $crate::doctor::rules::Rule = $crate::doctor::rules::Rule {
            id: ID,
            name: $name,
            severity: $crate::diag::Severity::$severity,
            summary: rule!(@text ""),
            what: rule!(@text "What it finds"),
            why: rule!(@text "Why it breaks"),
            fix: rule!(@text "Fix"),
            sources: {
                use $crate::doctor::rules::doc;
                const LEN: usize = doc::items_len(DOC, "Sources");
                const ITEMS: [&str; LEN] = doc::items(DOC, "Sources");
                &ITEMS
            },
            bad: &[$(($bad_path, $bad_text)),+],
            good: &[$(($good_path, $good_text)),+],
            check: $check,
        };
    };
    (@text $header:literal) => {{
        use $crate::doctor::rules::doc;
        const LEN: usize = doc::text_len(DOC, $header);
        const TEXT: [u8; LEN] = doc::text(DOC, $header);
        doc::utf8(&TEXT)
    }};
}

/// Declares [`RuleId`]: one variant per rule and the id it prints as.
macro_rules! rule_ids {
    ($($variant:ident = $id:literal,)+) => {
        /// A rule's id, the one place it is spelled: `RuleId::Reg001` is
        /// `REG001`. Ordered as the ids are.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $($variant,)+
        }

        impl RuleId {
            /// Every rule id, in id order.
            pub const ALL: &[RuleId] = &[$(RuleId::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)+
                }
            }
        }
    };
}

rule_ids! {
    Reg000 = "REG000",
    Reg001 = "REG001",
    Reg002 = "REG002",
    Reg003 = "REG003",
    Reg004 = "REG004",
    Reg005 = "REG005",
    Reg006 = "REG006",
    Reg007 = "REG007",
    Reg008 = "REG008",
    Reg009 = "REG009",
    Reg010 = "REG010",
    Reg011 = "REG011",
    Reg012 = "REG012",
    Reg013 = "REG013",
    Reg014 = "REG014",
    Reg015 = "REG015",
    Reg016 = "REG016",
    Reg017 = "REG017",
    Reg018 = "REG018",
    Reg019 = "REG019",
    Reg020 = "REG020",
}

mod doc;
mod reg000_unreadable_config;
mod reg001_endpoint_without_scheme;
mod reg002_skip_verify_is_not_http;
mod reg003_default_endpoint_fallback;
mod reg004_configs_keyed_by_mirror_name;
mod reg005_unquoted_star_mirror;
mod reg006_duplicate_endpoint;
mod reg007_hosts_toml_without_host_table;
mod reg008_tls_settings_on_http_host;
mod reg009_loopback_tls_without_https;
mod reg010_flat_client_pair;
mod reg011_capabilities;
mod reg012_config_path;
mod reg013_hosts_toml_drops_tls_or_misorders;
mod reg014_docker_insecure_registries_not_for_cluster;
mod reg015_scheme_in_registry_host;
mod reg016_registry_in_ref_and_default_registry;
mod reg017_kep1755_localhost_without_runtime_host;
mod reg018_proxy_registry_as_push_target;
mod reg019_k3d_registry_naming;
mod reg020_crossplane_package_registry;

/// Every rule, in id order: `RULES[id as usize].id == id` (checked at
/// compile time below). `REG000` (unreadable files) comes first.
pub const RULES: &[Rule] = &[
    reg000_unreadable_config::RULE,
    reg001_endpoint_without_scheme::RULE,
    reg002_skip_verify_is_not_http::RULE,
    reg003_default_endpoint_fallback::RULE,
    reg004_configs_keyed_by_mirror_name::RULE,
    reg005_unquoted_star_mirror::RULE,
    reg006_duplicate_endpoint::RULE,
    reg007_hosts_toml_without_host_table::RULE,
    reg008_tls_settings_on_http_host::RULE,
    reg009_loopback_tls_without_https::RULE,
    reg010_flat_client_pair::RULE,
    reg011_capabilities::RULE,
    reg012_config_path::RULE,
    reg013_hosts_toml_drops_tls_or_misorders::RULE,
    reg014_docker_insecure_registries_not_for_cluster::RULE,
    reg015_scheme_in_registry_host::RULE,
    reg016_registry_in_ref_and_default_registry::RULE,
    reg017_kep1755_localhost_without_runtime_host::RULE,
    reg018_proxy_registry_as_push_target::RULE,
    reg019_k3d_registry_naming::RULE,
    reg020_crossplane_package_registry::RULE,
];

const _: () = {
    assert!(
        RULES.len() == RuleId::ALL.len(),
        "RULES has one rule per RuleId"
    );
    let mut i = 0;
    while i < RULES.len() {
        assert!(
            RULES[i].id as usize == i,
            "RULES lists the rules in RuleId order, each file with its own id"
        );
        i += 1;
    }
};

pub type Check = fn(&Model) -> Vec<Finding>;

/// A rule: its metadata, its docs entry (from its doc comment) and its check.
pub struct Rule {
    pub id: RuleId,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    pub sources: &'static [&'static str],
    /// (path, content) of the failing fixture, tests/doctor/<ID>/bad.
    pub bad: &'static [(&'static str, &'static str)],
    /// (path, content) of the passing fixture, tests/doctor/<ID>/good.
    pub good: &'static [(&'static str, &'static str)],
    pub check: Check,
}

impl RuleId {
    /// The rule with this id.
    pub fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `--explain` / `--ignore` argument that names no rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl std::fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no rule `{}`", self.0)
    }
}

impl std::error::Error for UnknownRule {}

impl std::str::FromStr for RuleId {
    type Err = UnknownRule;

    /// `REG001`, in any case.
    fn from_str(s: &str) -> Result<RuleId, UnknownRule> {
        RuleId::ALL
            .iter()
            .copied()
            .find(|id| id.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownRule(s.to_string()))
    }
}

/// A finding of rule `rule` at `loc`.
fn f(rule: RuleId, loc: &Loc, message: String) -> Finding {
    Finding::new(rule, loc.clone(), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn ids_parse_in_any_case_and_print_back() {
        for id in RuleId::ALL {
            assert_eq!(id.as_str().parse::<RuleId>(), Ok(*id));
            assert_eq!(id.as_str().to_lowercase().parse::<RuleId>(), Ok(*id));
            assert_eq!(id.to_string(), id.as_str());
            assert_eq!(id.rule().id, *id);
        }
        assert_eq!(
            "REG999".parse::<RuleId>(),
            Err(UnknownRule("REG999".into()))
        );
        assert!("endpoint-without-scheme".parse::<RuleId>().is_err());
    }

    /// Each file includes its own fixtures: a copied `include_str!` path with
    /// another rule's id would show that rule's example.
    #[test]
    fn examples_are_the_rules_own_fixtures() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/doctor");
        for r in RULES {
            for (kind, files) in [("bad", r.bad), ("good", r.good)] {
                for (path, text) in files {
                    let file = root.join(r.id.as_str()).join(kind).join(path);
                    let want = std::fs::read_to_string(&file)
                        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                    assert_eq!(*text, want, "{}: {kind} example {path}", r.id);
                }
            }
        }
    }

    #[test]
    fn doc_comment_sections() {
        const DOC: &str =
            " One\n line.\n\n # What it finds\n\n A\n b.\n\n # Sources\n\n - x (y)\n - z\n";
        const SUMMARY: [u8; doc::text_len(DOC, "")] = doc::text(DOC, "");
        const WHAT: [u8; doc::text_len(DOC, "What it finds")] = doc::text(DOC, "What it finds");
        const SOURCES: [&str; doc::items_len(DOC, "Sources")] = doc::items(DOC, "Sources");
        assert_eq!(doc::utf8(&SUMMARY), "One line.");
        assert_eq!(doc::utf8(&WHAT), "A b.");
        assert_eq!(SOURCES, ["x (y)", "z"]);
    }
}
