"""Experiment configuration: YAML checked against the JSON schema, with one clear line per mistake."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from symbiosis.errors import SymbiosisError

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


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


def check_config(config: dict, schema_path: str | Path = SCHEMA, source: str = "config") -> None:
    """Raise SymbiosisError naming the first bad key, its value and what is allowed."""
    schema = yaml.safe_load(Path(schema_path).read_text())
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
    check_config(config, schema_path, source=str(path))
    return config
