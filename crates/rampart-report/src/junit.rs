//! JUnit XML for CI test reports: one test suite per rule that ran, one
//! failing test case per finding (suppressed ones as skipped), and a suite
//! of input errors when there are any.

use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
use rampart_core::Level;

use crate::Report;

pub fn render(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = JReport::new("rampart");
    for rule in &report.rules {
        let mut suite = TestSuite::new(rule.id);
        let mut any = false;
        for f in report.findings.iter().filter(|f| f.rule == rule.id) {
            any = true;
            let status = match &f.suppressed {
                Some(s) => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(format!("suppressed ({}): {}", s.kind, s.reason));
                    st
                }
                None => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_message(f.message.clone());
                    st.set_type(f.severity.as_str());
                    // Line 0: the finding is about the whole file.
                    let at = match f.location.start.line {
                        0 => f.location.file.to_string(),
                        line => format!("{}:{line}:{}", f.location.file, f.location.start.col),
                    };
                    st.set_description(format!(
                        "{at} {}\n{}\n\n{}",
                        f.location.pointer, f.message, rule.remediation
                    ));
                    st
                }
            };
            let mut case = TestCase::new(f.object.to_string(), status);
            case.set_classname(format!("{}.{}", rule.id, f.location.file));
            suite.add_test_case(case);
        }
        if !any {
            suite.add_test_case(TestCase::new("no findings", TestCaseStatus::success()));
        }
        out.add_test_suite(suite);
    }
    if !report.diagnostics.is_empty() {
        let mut suite = TestSuite::new("rampart input");
        for d in report.diagnostics {
            let kind = match d.level {
                Level::Error => NonSuccessKind::Error,
                Level::Warning => NonSuccessKind::Failure,
            };
            let mut st = TestCaseStatus::non_success(kind);
            st.set_message(d.message.clone());
            st.set_type(d.code);
            let name = match d.location() {
                l if l.is_empty() => d.code.to_string(),
                l => l,
            };
            suite.add_test_case(TestCase::new(name, st));
        }
        out.add_test_suite(suite);
    }
    out.serialize(w).map_err(std::io::Error::other)
}
