"""bench/run_benchmark.py rewrites docs/performance.md: the sections other benchmarks
wrote after the "kept" marker must survive a new report."""
from bench.report import KEPT_MARKER, kept_sections


def test_sections_after_the_marker_are_kept(tmp_path):
    report = tmp_path / "performance.md"
    report.write_text(f"# Old tables\n\n| a |\n\n{KEPT_MARKER}\n\n## Speech recognition\n\nRTF 0.2\n", encoding="utf-8")
    kept = kept_sections(report)
    assert kept.strip().startswith(KEPT_MARKER) and "## Speech recognition\n\nRTF 0.2" in kept
    assert "Old tables" not in kept


def test_a_new_report_gets_the_marker(tmp_path):
    assert kept_sections(tmp_path / "absent.md").strip() == KEPT_MARKER
