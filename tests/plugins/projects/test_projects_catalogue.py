"""Every text of the follow-up's pages, public and back office, has its English translation
in the plugin's catalogue. After adding texts, see
``plugins/projects/translations/babel.cfg``."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import plugins.projects

HERE = Path(plugins.projects.__file__).parent


def test_the_english_catalogue_is_complete() -> None:
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    wanted = {
        message if isinstance(message, str) else message[0]
        for _, _, message, *_ in extract_from_dir(
            str(HERE),
            method_map,
            options_map=options,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
        )
    }
    with (HERE / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        translated = {
            (m.id if isinstance(m.id, str) else m.id[0])
            for m in read_po(po_file, locale="en")
            if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
    assert len(wanted) > 20  # the extraction found the pages' texts
    assert sorted(wanted - translated) == []
