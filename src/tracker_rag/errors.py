"""The project's exception tree.

    TrackerRagError
    ├── ConfigurationError        a setting is missing or wrong
    │   └── ModelFileError        a model file is missing or fails its hash
    ├── InputError                the caller's own input is unusable
    │   ├── InvalidDateError      a date that does not parse
    │   ├── InvalidFilterError    a filter naming an unknown topic or kind
    │   ├── InvalidQuestionError  an empty or oversized question
    │   ├── NotFoundError         no document or job has that id
    │   ├── DatasetError          an eval dataset or thresholds file is malformed
    │   └── ArchiveError          an index archive is unreadable or inconsistent
    ├── DocumentError             one corpus file cannot be ingested
    │   ├── UnreadableFileError   binary, broken encoding, empty
    │   └── MetadataError         front matter that breaks the corpus format
    ├── IndexError_               the index cannot serve the request
    │   ├── IndexMissingError     nothing has been ingested yet
    │   │   └── IndexOutdatedError  an older version built the index
    │   ├── ModelMismatchError    the index holds vectors of another model
    │   └── StoreError            Chroma or the keyword index failed
    └── GeneratorError            the language model gave no usable answer
        ├── GeneratorUnavailableError   down, refusing, or too slow
        └── GeneratorOutputError        answered with nothing usable

Library code raises these and wraps third-party errors at the stage boundary;
the CLI (and later the HTTP API) translates them to messages in one place.
"""

from __future__ import annotations

from pathlib import Path


class TrackerRagError(Exception):
    """Root of every error the project raises on purpose."""


class ConfigurationError(TrackerRagError):
    """A setting is missing or points at something unusable."""


class ModelFileError(ConfigurationError):
    """A model file that is missing, incomplete or not the one expected."""


class InputError(TrackerRagError):
    """The caller's input cannot be used; the message names it."""


class InvalidDateError(InputError):
    """A date that is not in YYYY-MM-DD form or does not exist."""


class InvalidFilterError(InputError):
    """A filter value that matches nothing the index knows."""


class InvalidQuestionError(InputError):
    """A question that is empty or too long."""


class NotFoundError(InputError):
    """No document or job has the id asked for."""


class DatasetError(InputError):
    """An eval dataset, labelled set or thresholds file cannot be used."""


class ArchiveError(InputError):
    """An index archive to import is unreadable, foreign or inconsistent."""


class DocumentError(TrackerRagError):
    """One corpus file cannot be ingested; other files are unaffected."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


class UnreadableFileError(DocumentError):
    """A file that is binary, badly encoded or holds no text."""


class MetadataError(DocumentError):
    """A corpus file whose front matter breaks the corpus format."""


class IndexError_(TrackerRagError):
    """The index cannot serve the request."""


class IndexMissingError(IndexError_):
    """Nothing has been ingested into the index folder yet."""


class IndexOutdatedError(IndexMissingError):
    """The index folder has a layout an older version wrote; rebuild it."""


class ModelMismatchError(IndexError_):
    """The index was built with another embedding model than the configured one."""


class StoreError(IndexError_):
    """The vector store or the keyword index failed underneath us."""


class GeneratorError(TrackerRagError):
    """The generative backend gave no usable answer."""


class GeneratorUnavailableError(GeneratorError):
    """The backend cannot be reached, refused, or exceeded its time limit."""


class GeneratorOutputError(GeneratorError):
    """The backend answered, but with text that cannot be used."""
