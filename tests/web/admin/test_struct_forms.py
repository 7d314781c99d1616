"""The form generator: Struct → fields → posted form → the same Struct, errors per field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
import pytest

from core.blocks import BlockType
from core.plugin_manager import Plugins
from web.admin.forms import FormValues
from web.admin.struct_forms import FormField, docstring_attributes, parse_struct, struct_fields


def posted(fields: list[FormField]) -> dict[str, Any]:
    """What a browser posts for ``fields`` as they are filled."""
    data: dict[str, Any] = {}
    for field in fields:
        if field.widget == "group":
            for item in field.children:
                data.update(posted(item.children))
        elif field.widget == "checkbox":
            if field.value:
                data[field.name] = "on"
        elif field.widget == "choices":
            data[field.name] = list(field.value)
        else:
            data[field.name] = field.value
    return data


def round_trip(struct_type: type[msgspec.Struct], value: msgspec.Struct) -> msgspec.Struct:
    fields = struct_fields(struct_type, value, prefix="settings.")
    parsed, errors = parse_struct(struct_type, FormValues(posted(fields)), prefix="settings.")
    assert errors == {}
    assert parsed is not None
    return parsed


# Settings that differ from the defaults, for each built-in vote type.
NON_DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {
    "support": {"label": "Je soutiens", "min_votes": 1, "max_votes": 5, "budget_limit": 250_000},
    "binary": {
        "options": ["for", "against", "neutral"],
        "labels": {"for": "D'accord", "against": "Pas d'accord"},
        "min_votes": 0,
        "max_votes": 3,
    },
    "points": {"mode": "scale", "points_budget": 20, "max_per_proposal": 5, "scale_max": 4},
    "ranked": {"min_ranks": 2, "max_ranks": 3, "method": "schulze"},
}


@pytest.mark.parametrize("vote_type_id", sorted(NON_DEFAULT_SETTINGS))
def test_each_built_in_vote_type_round_trips(plugins: Plugins, vote_type_id: str) -> None:
    vote_type = plugins.vote_types[vote_type_id]
    defaults = vote_type.decode_settings({})
    assert round_trip(vote_type.settings_type, defaults) == defaults
    changed = vote_type.decode_settings(NON_DEFAULT_SETTINGS[vote_type_id])
    assert round_trip(vote_type.settings_type, changed) == changed


def test_every_registered_vote_type_and_block_type_round_trips(plugins: Plugins) -> None:
    """Plugins' settings get forms for free: the defaults of each come back unchanged."""
    assert len(plugins.vote_types) >= 4
    for vote_type in plugins.vote_types:
        defaults = vote_type.decode_settings({})
        assert round_trip(vote_type.settings_type, defaults) == defaults, vote_type.id
    block: BlockType
    for block in plugins.block_types:
        defaults = block.decode_settings({})
        assert round_trip(block.settings_type, defaults) == defaults, block.id


class Item(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    body: str = ""


class Example(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An example.

    Attributes:
        seats: how many seats the room has, from ``1`` to 500.
        note: a free note
            on two lines.
    """

    seats: Annotated[int, msgspec.Meta(ge=1, le=500)] = 10
    share: float = 0.5
    note: str = ""
    open: bool = False
    colour: Annotated[
        Literal["red", "green"],
        msgspec.Meta(title="Couleur", extra={"choices": {"red": "Rouge", "green": "Vert"}}),
    ] = "red"
    limit: int | None = None
    tags: list[str] = []
    days: list[Literal["mon", "tue", "wed"]] = []
    labels: dict[str, str] = {}
    items: list[Item] = []


def test_widgets_labels_help_and_limits_come_from_the_struct() -> None:
    fields = {f.name: f for f in struct_fields(Example)}
    assert fields["seats"].widget == "number"
    assert fields["seats"].attrs["min"] == 1 and fields["seats"].attrs["max"] == 500
    assert fields["seats"].value == "10"
    assert fields["seats"].help == "how many seats the room has, from « 1 » to 500."
    assert fields["note"].help == "a free note on two lines."
    assert fields["open"].widget == "checkbox" and fields["open"].value is False
    assert fields["colour"].widget == "select" and fields["colour"].label == "Couleur"
    assert fields["colour"].options == [("red", "Rouge"), ("green", "Vert")]
    assert fields["limit"].required is False and fields["limit"].value == ""
    assert fields["tags"].widget == "textarea"
    assert fields["days"].widget == "choices"
    assert fields["labels"].widget == "textarea"
    assert fields["items"].widget == "group" and len(fields["items"].children) == 1  # one to add
    assert docstring_attributes(Example)["seats"].startswith("how many seats")


def test_a_full_example_round_trips() -> None:
    value = Example(
        seats=120,
        share=0.25,
        note="Salle B",
        open=True,
        colour="green",
        limit=3,
        tags=["a b", "c"],
        days=["mon", "wed"],
        labels={"yes": "Oui !", "no": "Non = jamais"},
        items=[Item("Premier", "texte"), Item("Second")],
    )
    assert round_trip(Example, value) == value


def test_errors_are_given_field_by_field() -> None:
    form = FormValues(
        {
            "seats": "1000",
            "share": "beaucoup",
            "colour": "blue",
            "limit": "2.5",
            "labels": "sans signe égal",
            "items.0.title": "",
            "items.0.body": "un texte sans titre",
            "items.1.title": "",
        }
    )
    parsed, errors = parse_struct(Example, form)
    assert parsed is None
    assert errors == {
        "seats": "Saisissez un nombre inférieur ou égal à 500.",
        "share": "Saisissez un nombre.",
        "colour": "Choisissez une des valeurs proposées.",
        "limit": "Saisissez un nombre entier.",
        "labels": "Ligne 1 : écrivez « clé = valeur ».",
        "items.0.title": "Ce champ est obligatoire.",
    }
    # A form sent back shows what was typed.
    again = {f.name: f for f in struct_fields(Example, errors=errors, submitted=form)}
    assert again["seats"].value == "1000" and again["seats"].error == errors["seats"]
    assert [item.children[1].value for item in again["items"].children] == [
        "un texte sans titre",
        "",
    ]


def test_empty_optional_numbers_become_none_and_empty_groups_are_dropped() -> None:
    form = FormValues({"seats": "12", "share": "1", "limit": "", "items.0.title": ""})
    parsed, errors = parse_struct(Example, form)
    assert errors == {}
    assert parsed == Example(seats=12, share=1.0, limit=None, items=[])
