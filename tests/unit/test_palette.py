"""One palette: assets/palette.css is written from palette.py, and no page or mail has colours of its own."""

import re
from pathlib import Path

from cbs_monitor import palette

ROOT = Path(__file__).resolve().parents[2]
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
# The built-in test identity provider imitates a broker's own look on purpose.
OWN_LOOK = {"cbs_monitor/auth/builtin_idp.py", "cbs_monitor/palette.py"}


def test_stylesheet_palette_is_written_from_palette_py():
    assert (ROOT / "assets" / "palette.css").read_text() == palette.css()


def test_no_colour_outside_the_palette():
    found = []
    for path in [*ROOT.glob("cbs_monitor/**/*.py"), ROOT / "assets" / "styles.css"]:
        relative = path.relative_to(ROOT).as_posix()
        if relative in OWN_LOOK:
            continue
        found += [f"{relative}: {m}" for m in HEX.findall(path.read_text())]
    assert found == []
