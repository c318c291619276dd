"""The one loader of futurescan's TOML configuration files: typed, every key checked, errors that name the key.

Each configuration file (weights, topics, ledger rules, taxonomy, local players, crawl queries, feeds,
policy bodies) has a typed model beside it, built from `ConfigModel`. The models carry no defaults:
the TOML file shipped with the code is the one place a default lives, so a misspelt or missing key
is an error naming the file, the key and the nearest valid key instead of a silent fallback. It
lives on the warehouse floor because every package (spiders, scoring, flows) reads configuration
and all of them already stand on this one.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

M = TypeVar("M", bound="ConfigModel")


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# Common field types: a count that cannot be negative, a number that cannot, a non-blank name.
Count = Annotated[int, Field(ge=0)]
NonNegative = Annotated[float, Field(ge=0)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# TOML has arrays, not tuples: a field typed `Annotated[tuple[...], FROM_ARRAY]` takes a TOML array.
FROM_ARRAY = BeforeValidator(_as_tuple)


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file, the key and what is wrong."""


class ConfigModel(BaseModel):
    """A section of a configuration file: frozen, strict about types, and no keys beyond its fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def updated(self: M, changes: Mapping[str, Any]) -> M:
        """A copy with some keys changed (nested sections as nested mappings), validated like the file."""
        merged = _deep_merge(self.model_dump(), changes)
        return parse_config(merged, type(self), source=f"changes to {type(self).__name__}")

    def digest(self) -> str:
        """SHA-256 (16 hex) of the parsed values: what a run made with this configuration is stamped with."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def read_toml(path: Path) -> tuple[dict[str, Any], bytes]:
    """The parsed file and its bytes; a missing, undecodable or malformed file is a ConfigError naming it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc.strerror or exc})") from exc
    try:
        return tomllib.loads(raw.decode("utf-8")), raw
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def load_config(path: Path, model: type[M]) -> M:
    """Read and validate one configuration file into its model."""
    data, _ = read_toml(path)
    return parse_config(data, model, source=str(path))


def load_config_with_hash(path: Path, model: type[M]) -> tuple[M, str]:
    """The validated model and the sha256 of the file's bytes (stamped on what the file produced)."""
    data, raw = read_toml(path)
    return parse_config(data, model, source=str(path)), hashlib.sha256(raw).hexdigest()


def parse_config(data: Mapping[str, Any], model: type[M], *, source: str) -> M:
    """Validate already-parsed data; `source` names where it came from in the error."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(_explain(exc, model, source)) from None


def unknown_keys_message(unknown: Iterable[str], valid: Iterable[str]) -> str:
    """"unknown key 'x'; did you mean 'y'?" for each unknown key (the valid keys when none is near)."""
    valid = sorted(valid)
    parts = []
    for key in sorted(unknown):
        near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        hint = f"; did you mean '{near[0]}'?" if near else f"; valid keys: {', '.join(valid)}"
        parts.append(f"unknown key '{key}'{hint}")
    return "; ".join(parts)


def _explain(exc: ValidationError, model: type[BaseModel], source: str) -> str:
    """One line per problem, the first few: where, which key, what is wrong, and the nearest valid key."""
    problems: dict[tuple[str, ...], list[str]] = {}
    for err in exc.errors():
        loc = _field_path(model, err["loc"])
        *parents, key = loc or ("?",)
        where = f"[{'.'.join(parents)}] " if parents else ""
        if err["type"] == "extra_forbidden":
            text = where + unknown_keys_message([key], _field_names(model, parents))
        elif err["type"] == "missing":
            text = f"{where}missing key '{key}'"
        else:
            text = f"{where}{key}: {err['msg'].lower()} (got {err.get('input')!r})"
        problems.setdefault(tuple(loc), []).append(text)
    # A value that fits no member of a union gets one line, its messages joined.
    lines = [msgs[0] if len(msgs) == 1 else msgs[0] + " or " + "; ".join(m.split(": ", 1)[-1] for m in msgs[1:])
             for msgs in problems.values()]
    more = len(lines) - 5
    return f"{source}: " + "; ".join(lines[:5]) + (f" (and {more} more)" if more > 0 else "")


def _field_path(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The location of an error as keys of the file: list positions kept, pydantic's union member tags dropped."""
    out: list[str] = []
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            out.append(str(part))
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None and current.model_config.get("extra") == "forbid":
                out.append(str(part))  # an unknown key: named as written
                current = None
                continue
            if field is not None:
                out.append(str(part))
                current = _model_in(field.annotation)
                continue
        if current is None and not out:
            out.append(str(part))
    return out


def _field_names(model: type[BaseModel], path: Sequence[str]) -> list[str]:
    """The keys valid at `path` inside `model` (empty when the path leads outside typed sections)."""
    current: Any = model
    for part in path:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The model class inside an annotation (itself, or the element/value type of a list or dict)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in reversed(get_args(annotation)):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _deep_merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
