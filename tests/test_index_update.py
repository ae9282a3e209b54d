"""`artoiscast index --update`: only what changed is written again, searches see it without restart."""
import shutil
from pathlib import Path

import pytest
import yaml

from indexer.build import build_index, update_index
from indexer.search import SearchParams, SearchService

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "transcripts"


def _vtt(path: Path, words: str):
    path.write_text(
        "WEBVTT\n\n"
        f"00:00:01.000 --> 00:00:05.000\n<v Odile Marchal>Bonjour, parlons de {words}.\n\n"
        f"00:00:05.000 --> 00:00:12.000\n<v Gaston Verhaeghe>Le {words} de la commune avance bien.\n",
        encoding="utf-8",
    )


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", root)
    (root / "transcripts").mkdir()
    return root


def _add_recording(root: Path, rec_id: str, words: str):
    _vtt(root / "transcripts" / f"{rec_id}.vtt", words)
    data = yaml.safe_load((root / "corpus.yaml").read_text(encoding="utf-8"))
    data["recordings"] = data.get("recordings") or {}
    data["recordings"][rec_id] = {
        "title": f"Entretien {words}", "date": "2026-01-15", "transcript": f"transcripts/{rec_id}.vtt",
        "speakers": [{"name": "Odile Marchal", "interviewer": True}, {"name": "Gaston Verhaeghe", "role": "maire"}],
    }
    (root / "corpus.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_adding_a_transcript_updates_only_it(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    service = SearchService(index)
    before = service.search(SearchParams(q=""))["total"]
    assert service.search(SearchParams(q="trolleybus"))["total"] == 0

    _add_recording(corpus, "entretien-trolleybus", "trolleybus")
    result = update_index(corpus, index)
    assert not result.full
    assert result.replaced == {"entretien-trolleybus"}
    # The same service, not restarted, sees the new generation.
    doc = service.search(SearchParams(q="trolleybus"))
    assert [r["recording"]["id"] for r in doc["results"]] == ["entretien-trolleybus"]
    assert service.search(SearchParams(q=""))["total"] == before + 1
    assert service.search(SearchParams(q="grisou"))["total"] == 1  # the rest is still there

    # Changing that transcript replaces its passages, it does not add to them.
    _vtt(corpus / "transcripts" / "entretien-trolleybus.vtt", "funiculaire")
    result = update_index(corpus, index)
    assert result.replaced == {"entretien-trolleybus"}
    assert service.search(SearchParams(q="trolleybus"))["results"][0]["recording"]["title"] == "Entretien trolleybus"
    passages = service.recording("entretien-trolleybus")["passages"]
    assert all("trolleybus" not in p["text"] for p in passages)
    assert any("funiculaire" in p["text"] for p in passages)

    # Nothing changed: nothing written.
    assert update_index(corpus, index).records is None


def test_removing_an_entry_removes_its_recording(corpus, tmp_path):
    index = tmp_path / "index"
    _add_recording(corpus, "entretien-trolleybus", "trolleybus")
    build_index(corpus, index)
    data = yaml.safe_load((corpus / "corpus.yaml").read_text(encoding="utf-8"))
    del data["recordings"]["entretien-trolleybus"]
    (corpus / "corpus.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = update_index(corpus, index)
    assert not result.full and result.replaced == {"entretien-trolleybus"}
    service = SearchService(index)
    assert service.search(SearchParams(q="trolleybus"))["total"] == 0
    assert service.recording("entretien-trolleybus") is None


def test_a_changed_page_replaces_its_recordings(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    page = corpus / "pages" / "economie.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("Aqualens", "Aqualensia"), encoding="utf-8")
    result = update_index(corpus, index)
    assert not result.full
    assert "economie-problematique-commerce-lens-sylvain-robert" in result.replaced
    service = SearchService(index)
    assert service.search(SearchParams(q="Aqualensia"))["total"] == 1
    assert service.search(SearchParams(q="Aqualens"))["total"] == 0
    # the page's recordings are not duplicated
    assert service.search(SearchParams(q="", per_page=50))["total"] == len(
        [r for r in service.recordings()])


def test_people_or_thesaurus_changes_call_for_a_full_build(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    data = yaml.safe_load((corpus / "corpus.yaml").read_text(encoding="utf-8"))
    data["thesaurus"].append(["grisou", "coup de grisou"])
    (corpus / "corpus.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert update_index(corpus, index).full
