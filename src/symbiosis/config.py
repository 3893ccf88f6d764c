"""Experiment configuration: the JSON schema is the one home of every setting, its default and its description.

The workflow checks the config against the schema (one clear line per mistake) and hands each job the sections it
needs; the library's settings classes take their defaults from the schema (`settings`), so no default is restated.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import jsonschema
import yaml

from symbiosis.errors import SymbiosisError

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


@functools.cache
def load_schema(path: str | Path = SCHEMA) -> dict:
    return yaml.safe_load(Path(path).read_text())


def section_defaults(section: str) -> dict:
    """{key: default} of one section of the schema (e.g. "primary")."""
    properties = load_schema()["properties"][section]["properties"]
    return {key: spec["default"] for key, spec in properties.items() if "default" in spec}


def settings(section: str, fields: tuple[str, ...] | None = None):
    """Class decorator: a frozen dataclass whose annotated fields that the schema's `section` defines (or only those
    named in `fields`) take the schema's defaults; other fields keep their own. `from_config(section_dict)` builds
    one from a validated config section, ignoring the keys that belong to other classes."""
    defaults = section_defaults(section)

    def wrap(cls):
        for name in cls.__annotations__:
            if name in defaults and (fields is None or name in fields) and name not in cls.__dict__:
                setattr(cls, name, _freeze(defaults[name]))
        cls = dataclasses.dataclass(frozen=True)(cls)
        cls.from_config = classmethod(_from_config)
        if "as_dict" not in cls.__dict__:
            cls.as_dict = dataclasses.asdict
        return cls

    return wrap


def _freeze(value):
    """Lists (YAML's sequences) as tuples, so that settings stay hashable and immutable."""
    return tuple(_freeze(v) for v in value) if isinstance(value, list | tuple) else value


def _from_config(cls, section: dict, **given):
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: _freeze(v) for k, v in section.items() if k in names}, **given)


def _coerce(value, schema: dict):
    """Numbers given as strings (Snakemake's --config hands list items over as text) become numbers."""
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_coerce(v, schema["items"]) for v in value]
    if isinstance(value, dict) and "properties" in schema:
        return {k: _coerce(v, schema["properties"].get(k, {})) for k, v in value.items()}
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if isinstance(value, str) and ({"number", "integer"} & set(kinds)):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if "integer" in kinds and number.is_integer() else number
    return value


def coerce_numbers(config: dict, schema_path: str | Path = SCHEMA) -> dict:
    """The config with every numeric string where the schema wants a number turned into that number, in place."""
    if isinstance(config, dict):
        config.update(_coerce(config, load_schema(schema_path)))
    return config


def _describe(error: jsonschema.ValidationError, schema: dict) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "config"
    # The description of the innermost named property says what is allowed.
    node, hint = schema, ""
    for part in error.absolute_path:
        if isinstance(part, str):
            node = node.get("properties", {}).get(part, {})
        else:
            node = node.get("items", {})
        hint = node.get("description", hint)
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"{where}: {error.message}; allowed keys: {allowed}"
    message = error.message if len(error.message) < 200 else error.message[:200] + "..."
    return f"{where}: {message}" + (f" (expected: {hint})" if hint else "")


def check_config(config: dict, schema_path: str | Path | dict = SCHEMA, source: str = "config") -> None:
    """Raise SymbiosisError naming the first bad key, its value and what is allowed."""
    schema = schema_path if isinstance(schema_path, dict) else load_schema(schema_path)
    if not isinstance(config, dict):
        raise SymbiosisError(f"{source}: the config must be a mapping of settings, got {type(config).__name__}")
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(config))
    if error is not None:
        raise SymbiosisError(f"invalid {source}: {_describe(error, schema)}")


def load_config(path: str | Path, schema_path: str | Path = SCHEMA) -> dict:
    """Read and check a config file (defaults are filled by the caller, e.g. snakemake.utils.validate)."""
    try:
        config = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise SymbiosisError(f"config file {path} does not exist; pass --configfile with an existing file") from None
    except yaml.YAMLError as e:
        raise SymbiosisError(f"{path} is not valid YAML ({str(e).splitlines()[0]})") from None
    check_config(coerce_numbers(config, schema_path), schema_path, source=str(path))
    return config


def job_config(given: dict, sections: tuple[str, ...]) -> dict:
    """The config sections one job needs (as the workflow hands them over, or fewer on the command line), with the
    schema's defaults filled in, numbers coerced and everything checked against the schema."""
    properties = load_schema()["properties"]
    if not isinstance(given, dict) or set(given) - set(sections):
        extra = sorted(set(given) - set(sections)) if isinstance(given, dict) else given
        raise SymbiosisError(f"--settings: {extra} not used here; this command reads {', '.join(sections)}")
    config = {}
    for name in sections:
        spec = properties[name]
        if spec.get("type") == "object":
            config[name] = {**section_defaults(name), **given.get(name, {})}
        elif name in given or "default" in spec:
            config[name] = given.get(name, spec.get("default"))
        else:
            raise SymbiosisError(f"--settings: give {name} ({spec['description']})")
    schema = {"type": "object", "properties": {name: properties[name] for name in sections}}
    check_config(_coerce(config, schema), schema, source="--settings")
    return _coerce(config, schema)


def _kind(spec: dict) -> str:
    """A key's type as the reference table names it: 'string (a, b)', or the alternatives of a oneOf."""
    if "oneOf" in spec:
        return " or ".join(_kind(alternative) for alternative in spec["oneOf"])
    kind = spec.get("type", "")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    if "enum" in spec or "enum" in spec.get("items", {}):
        kind += f" ({', '.join(str(v) for v in spec.get('enum') or spec['items']['enum'])})"
    return kind


def _row(key: str, spec: dict, required: bool = False) -> str:
    import json

    kind = _kind(spec)
    default = f"`{json.dumps(spec['default'])}`" if "default" in spec and spec.get("type") != "object" else ""
    text = " ".join(spec.get("description", "").split()).replace("|", "\\|")
    return f"| `{key}` | {kind} | {default or ('required' if required else '')} | {text} |"


def config_reference(schema: dict | None = None) -> str:
    """config/README.md: every key of the schema with its type, default and description (tests/test_config.py
    checks that the file matches)."""
    schema = schema or load_schema()
    lines = [
        "# Configuration",
        "",
        "`config/config.yaml` is the default experiment and `config/test.yaml` a small one for CI. Every key is",
        "checked against `workflow/schemas/config.schema.yaml` before any job runs, and a key left out takes the",
        "default below. This file is generated from the schema: `python -m symbiosis.config > config/README.md`.",
        "",
        "| key | type | default | description |",
        "| --- | --- | --- | --- |",
    ]
    for key, spec in schema["properties"].items():
        lines.append(_row(key, spec, key in schema.get("required", ())))
        for sub, sub_spec in spec.get("properties", {}).items():
            lines.append(_row(f"{key}.{sub}", sub_spec))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(config_reference(), end="")
