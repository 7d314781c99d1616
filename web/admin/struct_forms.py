"""Forms generated from msgspec Structs: a plugin's settings get a back-office form for
free, and what is posted comes back as the Struct, with an error per field.

The generator reads what a Struct already says about itself:

- the type of each field picks the widget: a checkbox for ``bool``, a number for ``int``
  and ``float``, a list of choices for a ``Literal`` or an ``Enum``, checkboxes for a list
  of them, a text area (one item per line) for other lists, ``key = value`` lines for a
  ``dict``, a group of fields for a nested Struct and repeated groups for a list of
  Structs (one empty group more, to add one);
- ``X | None`` makes the field optional (left empty, it is ``None``);
- the default fills the form when there is no value yet;
- ``Annotated[int, msgspec.Meta(ge=0, le=10, title="...", description="...")]`` gives
  the limits (checked with field-level messages), the label and the help text;
  ``Meta(extra={"choices": {value: label}})`` names the choices of a ``Literal``, and
  ``Meta(extra={"widget": "textarea"})`` asks for a text area;
- without a ``Meta`` title or description, the label is made from the field's name and
  the help comes from the ``Attributes:`` section of the Struct's docstring.

:func:`struct_fields` builds the :class:`FormField` list that the ``struct_field``
macro of ``admin/_forms.html`` renders; :func:`parse_struct` reads the posted form
back. HTML names are the fields' names, dotted for nested values (``items.0.title``),
under an optional ``prefix``.
"""

from __future__ import annotations

import enum
import inspect as pyinspect
import json
import re
import typing
from collections.abc import Mapping, Sequence, Sized
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import msgspec
from msgspec import inspect as mi

from core.db_range import INT_MAX, INT_MIN, in_range
from core.errors import where_refused
from web.admin.forms import FormValues, local_input, parse_local_datetime
from web.labels import N_, filled

#: Items shown for a list of Structs beyond those it holds (to add one).
EXTRA_ITEMS = 1
#: Items a list of Structs may hold at most (what the form can post back).
MAX_ITEMS = 100


@dataclass
class FormField:
    """One field of a generated form, ready for the template."""

    name: str
    label: str
    widget: str
    value: Any = ""
    help: str = ""
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    children: list[FormField] = field(default_factory=list)


@dataclass
class _Spec:
    """What the generator knows of one field's type."""

    type: Any
    optional: bool
    title: str | None
    description: str | None
    extra: dict[str, Any]


def _unwrap(type_info: Any) -> _Spec:
    title = description = None
    extra: dict[str, Any] = {}
    optional = False
    while True:
        if isinstance(type_info, mi.Metadata):
            schema = type_info.extra_json_schema or {}
            title = title or schema.get("title")
            description = description or schema.get("description")
            extra = {**(type_info.extra or {}), **extra}
            type_info = type_info.type
            continue
        if isinstance(type_info, mi.UnionType):
            others = [t for t in type_info.types if not isinstance(t, mi.NoneType)]
            if len(others) < len(type_info.types):
                optional = True
            if len(others) == 1:
                type_info = others[0]
                continue
        break
    return _Spec(type_info, optional, title, description, extra)


def docstring_attributes(cls: type) -> dict[str, str]:
    """The ``Attributes:`` section of a Google-style docstring, by attribute name."""
    doc = pyinspect.getdoc(cls) or ""
    found: dict[str, str] = {}
    lines = doc.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes:")
    except StopIteration:
        return found
    current: str | None = None
    indent: int | None = None
    for line in lines[start + 1 :]:
        if not line.strip():
            current = None
            continue
        width = len(line) - len(line.lstrip())
        if indent is None:
            indent = width
        if width < indent:
            break
        match = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s*\([^)]*\))?:\s*(.*)$", line)
        if width == indent and match:
            current = match.group(1)
            found[current] = match.group(2).strip()
        elif current is not None:
            found[current] = (found[current] + " " + line.strip()).strip()
    return {name: re.sub(r"``([^`]*)``", r"« \1 »", text) for name, text in found.items()}


def humanise(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _struct_info(struct_type: type[msgspec.Struct]) -> mi.StructType:
    info = mi.type_info(struct_type)
    if not isinstance(info, mi.StructType):
        raise TypeError(f"{struct_type!r} is not a msgspec Struct")
    return info


def _default(spec_field: mi.Field) -> Any:
    if spec_field.default is not msgspec.NODEFAULT:
        return spec_field.default
    if spec_field.default_factory is not msgspec.NODEFAULT:
        return spec_field.default_factory()
    return None


def _as_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value) if value is not None else None


def _choices(spec: _Spec, values: Sequence[Any]) -> list[tuple[str, str]]:
    names = spec.extra.get("choices") or {}
    order = spec.extra.get("order")
    if order and set(order) == set(values):
        values = order
    return [(str(value), str(names.get(value, names.get(str(value), value)))) for value in values]


def _declared_literals(hint: Any) -> list[Any] | None:
    """The values of the first ``Literal`` in a type hint, in the order written
    (``msgspec.inspect`` sorts them)."""
    if typing.get_origin(hint) is typing.Literal:
        return list(typing.get_args(hint))
    for argument in typing.get_args(hint):
        found = _declared_literals(argument)
        if found is not None:
            return found
    return None


def _enum_values(type_info: Any) -> list[Any] | None:
    if isinstance(type_info, mi.LiteralType):
        return list(type_info.values)
    if isinstance(type_info, mi.EnumType):
        return [member.value for member in type_info.cls]
    return None


def _number_attrs(type_info: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {"step": 1 if isinstance(type_info, mi.IntType) else "any"}
    if type_info.ge is not None:
        attrs["min"] = type_info.ge
    elif type_info.gt is not None and isinstance(type_info, mi.IntType):
        attrs["min"] = type_info.gt + 1
    if type_info.le is not None:
        attrs["max"] = type_info.le
    elif type_info.lt is not None and isinstance(type_info, mi.IntType):
        attrs["max"] = type_info.lt - 1
    return attrs


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def struct_fields(
    struct_type: type[msgspec.Struct],
    value: msgspec.Struct | Mapping[str, Any] | None = None,
    *,
    prefix: str = "",
    errors: Mapping[str, str] | None = None,
    submitted: FormValues | None = None,
) -> list[FormField]:
    """The form fields of ``struct_type``, filled with ``value`` (a Struct or its JSON
    form; the defaults where it says nothing), or with what was ``submitted`` when a
    refused form is shown again. ``errors`` maps HTML names to messages."""
    info = _struct_info(struct_type)
    current = _as_builtins(value) if isinstance(value, msgspec.Struct) else dict(value or {})
    docs = docstring_attributes(struct_type)
    hints = typing.get_type_hints(struct_type, include_extras=True)
    fields: list[FormField] = []
    for spec_field in info.fields:
        spec = _unwrap(spec_field.type)
        order = _declared_literals(hints.get(spec_field.name))
        if order is not None:
            spec.extra.setdefault("order", order)
        name = f"{prefix}{spec_field.encode_name}"
        if spec_field.encode_name in current:
            field_value = current[spec_field.encode_name]
        else:
            field_value = _as_builtins(_default(spec_field))
        fields.append(
            _field(
                name,
                spec,
                field_value,
                label=spec.title or humanise(spec_field.name),
                # A field given a title speaks the forms' language; its docstring, written
                # for developers, is not its help.
                help=spec.description or ("" if spec.title else docs.get(spec_field.name, "")),
                required=spec_field.required and not spec.optional,
                errors=errors or {},
                submitted=submitted,
            )
        )
    return fields


def _field(
    name: str,
    spec: _Spec,
    value: Any,
    *,
    label: str,
    help: str,
    required: bool,
    errors: Mapping[str, str],
    submitted: FormValues | None,
) -> FormField:
    type_info = spec.type
    made = FormField(
        name=name, label=label, widget="text", help=help, required=required, error=errors.get(name)
    )
    posted = submitted.raw(name) if submitted is not None and name in submitted else None

    if isinstance(type_info, mi.StructType):
        made.widget = "group"
        made.children = [
            FormField(
                name=name,
                label="",
                widget="item",
                children=struct_fields(
                    type_info.cls,
                    value if isinstance(value, Mapping) else None,
                    prefix=f"{name}.",
                    errors=errors,
                    submitted=submitted,
                ),
            )
        ]
        return made
    if isinstance(type_info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        item = _unwrap(type_info.item_type)
        if isinstance(item.type, mi.StructType):
            return _struct_list(made, item.type.cls, value, errors=errors, submitted=submitted)
        choices = _enum_values(item.type)
        if choices is not None:
            if "order" in spec.extra:
                item.extra.setdefault("order", spec.extra["order"])
            made.widget = "choices"
            made.options = _choices(item, choices)
            made.value = (
                submitted.getall(name)
                if submitted is not None and submitted.names()
                else [_text(v) for v in value or []]
            )
            return made
        made.widget = "textarea"
        made.help = (help + " " if help else "") + "Un élément par ligne."
        made.value = posted if posted is not None else "\n".join(_text(v) for v in value or [])
        return made
    if isinstance(type_info, mi.DictType):
        made.widget = "textarea"
        made.help = (help + " " if help else "") + "Une ligne par élément : « clé = valeur »."
        made.value = (
            posted
            if posted is not None
            else "\n".join(f"{k} = {_text(v)}" for k, v in (value or {}).items())
        )
        return made

    text = posted if posted is not None else _text(value)
    choices = _enum_values(type_info)
    if isinstance(type_info, mi.BoolType):
        made.widget = "checkbox"
        made.value = submitted.checked(name) if submitted is not None else bool(value)
        made.required = False
    elif choices is not None:
        made.widget = "select"
        made.options = _choices(spec, choices)
        made.value = text
        made.required = not spec.optional
    elif isinstance(type_info, mi.IntType | mi.FloatType):
        made.widget = "number"
        made.attrs = _number_attrs(type_info)
        made.attrs["inputmode"] = "numeric" if isinstance(type_info, mi.IntType) else "decimal"
        made.value = text
    elif isinstance(type_info, mi.DateTimeType):
        made.widget = "datetime-local"
        made.value = (
            posted if posted is not None else (local_input(_parse_iso(value)) if value else "")
        )
    elif isinstance(type_info, mi.DateType):
        made.widget = "date"
        made.value = text
    elif isinstance(type_info, mi.StrType):
        long = spec.extra.get("widget") == "textarea" or (type_info.max_length or 0) > 300
        made.widget = "textarea" if long else "text"
        if type_info.max_length is not None:
            made.attrs["maxlength"] = type_info.max_length
        if type_info.min_length:
            made.attrs["minlength"] = type_info.min_length
        made.value = text
    else:
        made.widget = "textarea"
        made.help = (help + " " if help else "") + "Au format JSON."
        made.value = (
            posted
            if posted is not None
            else ("" if value is None else json.dumps(value, ensure_ascii=False))
        )
    return made


def _parse_iso(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _indices(submitted: FormValues | None, name: str) -> list[int]:
    if submitted is None:
        return []
    found: set[int] = set()
    pattern = re.compile(re.escape(name) + r"\.(\d+)\.")
    for key in submitted.names():
        match = pattern.match(key)
        if match and int(match.group(1)) < MAX_ITEMS + EXTRA_ITEMS:
            found.add(int(match.group(1)))
    return sorted(found)


def _struct_list(
    made: FormField,
    cls: type[msgspec.Struct],
    value: Any,
    *,
    errors: Mapping[str, str],
    submitted: FormValues | None,
) -> FormField:
    made.widget = "group"
    items = list(value or [])
    count = (
        max(_indices(submitted, made.name), default=-1) + 1
        if submitted is not None and submitted.names()
        else len(items) + EXTRA_ITEMS
    )
    for index in range(count):
        existing = index < len(items)
        item_value = items[index] if existing and submitted is None else None
        children = struct_fields(
            cls, item_value, prefix=f"{made.name}.{index}.", errors=errors, submitted=submitted
        )
        prefix = f"{made.name}.{index}."
        blank = (
            not existing
            if submitted is None
            else all(not submitted.get(k) for k in submitted.names() if k.startswith(prefix))
        )
        if blank:
            # A group to add one more: left empty, it adds nothing (so no choice is made
            # for the reader, and nothing is required).
            for child in children:
                child.required = False
                if child.widget == "select":
                    child.value = ""
        made.children.append(
            FormField(
                name=f"{made.name}.{index}",
                label="Ajouter" if blank else f"{made.label} n° {index + 1}",
                widget="item",
                children=children,
            )
        )
    return made


# -- reading a posted form back ---------------------------------------------------------


class _Refused(Exception):
    pass


def parse_struct(
    struct_type: type[msgspec.Struct], form: FormValues, *, prefix: str = ""
) -> tuple[msgspec.Struct | None, dict[str, str]]:
    """The Struct a posted form describes, or ``None`` and the errors by HTML name."""
    errors: dict[str, str] = {}
    raw = _read_struct(struct_type, form, prefix, errors)
    if errors:
        return None, errors
    try:
        return msgspec.convert(raw, type=struct_type), {}
    except msgspec.ValidationError as error:
        path, text = where_refused(error)
        where = prefix + re.sub(r"\[(\d+)\]", r".\1", path).lstrip(".")
        return None, {where or "__all__": f"Valeur refusée : {text}."}


def attach_error(
    struct_type: type[msgspec.Struct], message: str, *, prefix: str = ""
) -> dict[str, str]:
    """A refusal that names no field (a plugin's ``check_settings``) attached to the first
    field whose name it mentions, else to the whole form."""
    for spec_field in _struct_info(struct_type).fields:
        if re.search(rf"\b{re.escape(spec_field.encode_name)}\b", message):
            return {f"{prefix}{spec_field.encode_name}": message}
    return {"__all__": message}


def _read_struct(
    struct_type: type[msgspec.Struct], form: FormValues, prefix: str, errors: dict[str, str]
) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for spec_field in _struct_info(struct_type).fields:
        name = f"{prefix}{spec_field.encode_name}"
        spec = _unwrap(spec_field.type)
        try:
            value = _read(name, spec, form, errors, required=spec_field.required)
        except _Refused:
            continue
        if value is _OMIT:
            if spec_field.required and not spec.optional:
                errors[name] = "Ce champ est obligatoire."
            continue
        raw[spec_field.encode_name] = value
    return raw


_OMIT = object()


def _number(text: str, type_info: Any) -> int | float:
    cleaned = text.replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    if isinstance(type_info, mi.IntType):
        try:
            number = int(cleaned)
        except ValueError:
            raise ValueError("Saisissez un nombre entier.") from None
        if not in_range(number):
            raise ValueError(
                filled(
                    N_("Saisissez un nombre entre %(low)s et %(high)s."), low=INT_MIN, high=INT_MAX
                )
            )
        return number
    try:
        return float(cleaned.replace(",", "."))
    except ValueError:
        raise ValueError("Saisissez un nombre.") from None


def _check_number(number: int | float, type_info: Any) -> None:
    if type_info.ge is not None and number < type_info.ge:
        raise ValueError(
            filled(N_("Saisissez un nombre supérieur ou égal à %(n)s."), n=type_info.ge)
        )
    if type_info.gt is not None and number <= type_info.gt:
        raise ValueError(filled(N_("Saisissez un nombre supérieur à %(n)s."), n=type_info.gt))
    if type_info.le is not None and number > type_info.le:
        raise ValueError(
            filled(N_("Saisissez un nombre inférieur ou égal à %(n)s."), n=type_info.le)
        )
    if type_info.lt is not None and number >= type_info.lt:
        raise ValueError(filled(N_("Saisissez un nombre inférieur à %(n)s."), n=type_info.lt))
    multiple = getattr(type_info, "multiple_of", None)
    if multiple and number % multiple:
        raise ValueError(filled(N_("Saisissez un multiple de %(n)s."), n=multiple))


#: What a length limit says, for a text (characters) and for a list (items).
_AT_LEAST = {
    "characters": N_("%(n)s caractères au moins."),
    "items": N_("%(n)s éléments au moins."),
}
_AT_MOST = {
    "characters": N_("%(n)s caractères au plus."),
    "items": N_("%(n)s éléments au plus."),
}


def _check_length(value: Sized, type_info: Any, *, noun: str) -> None:
    if type_info.min_length is not None and len(value) < type_info.min_length:
        raise ValueError(filled(_AT_LEAST[noun], n=type_info.min_length))
    if type_info.max_length is not None and len(value) > type_info.max_length:
        raise ValueError(filled(_AT_MOST[noun], n=type_info.max_length))


def _scalar(text: str, spec: _Spec) -> Any:
    """A text input as the value its type wants; ``ValueError`` with a readable message."""
    type_info = spec.type
    choices = _enum_values(type_info)
    if choices is not None:
        for choice in choices:
            if _text(choice) == text:
                return choice.value if isinstance(choice, enum.Enum) else choice
        raise ValueError("Choisissez une des valeurs proposées.")
    if isinstance(type_info, mi.IntType | mi.FloatType):
        number = _number(text, type_info)
        _check_number(number, type_info)
        return number
    if isinstance(type_info, mi.StrType):
        _check_length(text, type_info, noun="characters")
        if type_info.pattern and not re.search(type_info.pattern, text):
            raise ValueError("Format non valide.")
        return text
    if isinstance(type_info, mi.DateTimeType):
        moment = parse_local_datetime(text)
        return moment.isoformat() if moment else None
    if isinstance(type_info, mi.DateType):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("Date invalide : utilisez le format AAAA-MM-JJ.") from None
    if isinstance(type_info, mi.BoolType):
        return text.lower() in ("1", "true", "on", "oui", "yes")
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError("JSON invalide.") from None


def _read(
    name: str, spec: _Spec, form: FormValues, errors: dict[str, str], *, required: bool
) -> Any:
    type_info = spec.type
    try:
        if isinstance(type_info, mi.StructType):
            return _read_struct(type_info.cls, form, f"{name}.", errors)
        if isinstance(type_info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            item = _unwrap(type_info.item_type)
            if isinstance(item.type, mi.StructType):
                items = []
                for index in _indices(form, name):
                    prefix = f"{name}.{index}."
                    if all(not form.get(k) for k in form.names() if k.startswith(prefix)):
                        continue  # an empty group: nothing to add
                    items.append(_read_struct(item.type.cls, form, prefix, errors))
                values: list[Any] = items
            else:
                lines = (
                    form.getall(name)
                    if _enum_values(item.type) is not None
                    else [line.strip() for line in form.raw(name).splitlines()]
                )
                values = [_scalar(line, item) for line in lines if line]
            _check_length(values, type_info, noun="items")
            return values
        if isinstance(type_info, mi.DictType):
            key_spec, value_spec = _unwrap(type_info.key_type), _unwrap(type_info.value_type)
            mapping: dict[Any, Any] = {}
            for number, line in enumerate(form.raw(name).splitlines(), start=1):
                if not line.strip():
                    continue
                key, sep, rest = line.partition("=")
                if not sep:
                    key, sep, rest = line.partition(":")
                if not sep or not key.strip():
                    raise ValueError(f"Ligne {number} : écrivez « clé = valeur ».")
                mapping[_scalar(key.strip(), key_spec)] = _scalar(rest.strip(), value_spec)
            return mapping
        if isinstance(type_info, mi.BoolType):
            return form.checked(name)
        text = form.get(name)
        if text == "":
            if spec.optional:
                return None
            if isinstance(type_info, mi.StrType) and not type_info.min_length and not required:
                return ""
            return _OMIT
        return _scalar(text, spec)
    except ValueError as error:
        # The message itself: a FilledText keeps its message id for other languages.
        first = error.args[0] if error.args else ""
        errors[name] = first if isinstance(first, str) else str(error)
        raise _Refused from None
