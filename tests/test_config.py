"""Settings: defaults, overrides, and clear messages for every kind of mistake."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, run_cli

from posture_watch import config, config_reference
from posture_watch.errors import UserError


def _leaves(table: dict, prefix: str = "") -> dict[str, object]:
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def test_packaged_defaults_are_the_repository_file():
    assert config.defaults_text() == (ROOT / "config" / "default.toml").read_text("utf-8")


def test_every_numeric_setting_has_a_range_and_a_comment():
    text = config.defaults_text()
    for key, value in _leaves(config.defaults()).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert config._range(key), key
    # Every key line is preceded by a comment (directly or for its group).
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\w+ = ", line) and not line.startswith("enabled"):
            above = [ln for ln in lines[max(0, i - 8) : i] if ln.strip()]
            assert any(ln.startswith("#") for ln in above), line


def test_every_fault_has_its_table():
    defaults = config.defaults()
    for fault in config.FAULTS:
        assert {"enabled", "hold_seconds"} <= set(defaults["faults"][fault])


def test_user_file_overrides_key_by_key(config_file):
    path = config_file("[faults.slouch]\nhold_seconds = 60\n[sampling]\nfps = 4\n")
    loaded = config.load(path)
    assert loaded["faults"]["slouch"]["hold_seconds"] == 60
    assert loaded["faults"]["slouch"]["enabled"] is True
    assert loaded["sampling"]["fps"] == 4.0 and isinstance(loaded["sampling"]["fps"], float)
    assert loaded["faults"]["forward_head"] == config.defaults()["faults"]["forward_head"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[sampling]\nfps = "fast"\n', r"sampling\.fps = 'fast' is not allowed; expected a number"),
        ("[sampling]\nfps = 500\n", r"sampling\.fps = 500 is not allowed; expected a number from 0\.1 to 30"),
        ("[faults.slouch]\nhold_seconds = 2.5\n", r"faults\.slouch\.hold_seconds = 2\.5 .* whole number"),
        ("[faults.slouch]\nenabled = 1\n", r"faults\.slouch\.enabled = 1 .* true or false"),
        ('[model]\nvariant = "huge"\n', r'model\.variant = \'huge\' .* one of "lite", "full", "heavy"'),
        ('[notify]\nquiet_start = "25:00"\n', r"notify\.quiet_start = '25:00' .* \"HH:MM\""),
        ("[sampling]\nfsp = 2\n", r"unknown key 'sampling\.fsp'; did you mean 'sampling\.fps'\?"),
        ("[faults.slouchh]\nhold_seconds = 60\n", r"unknown key 'faults\.slouchh'; did you mean 'faults\.slouch'\?"),
        ("[sampling]\nfps = \n", r"invalid TOML: .*line 2"),
        ('[stretches]\ndisabled = ["chin_tuk"]\n', r"stretches\.disabled names 'chin_tuk'"),
    ],
)
def test_bad_settings_name_file_key_and_fix(config_file, text, expected):
    path = config_file(text)
    with pytest.raises(UserError) as err:
        config.load(path)
    message = str(err.value)
    assert str(path) in message
    assert re.search(expected, message), message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[sampling]\nfps = "fast"\n', "sampling.fps = 'fast' is not allowed"),
        ("[presence]\naway_seconds = -3\n", "presence.away_seconds = -3 is not allowed"),
        ("[presence]\naway_secs = 3\n", "did you mean 'presence.away_seconds'?"),
        ("[presence\naway_seconds = 3\n", "invalid TOML"),
    ],
)
def test_cli_config_check_exits_2_without_traceback(config_file, text, expected):
    result = run_cli("config", "check", "--config", config_file(text))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_config_check_path_and_show(config_file):
    path = config_file("[breaks]\nsitting_minutes = 45\n")
    assert run_cli("config", "check", "--config", path).returncode == 0
    assert run_cli("config", "path", "--config", path).stdout.strip() == str(path)
    shown = run_cli("config", "show", "--config", path)
    assert "sitting_minutes = 45" in shown.stdout


def test_missing_config_file_is_a_user_error(tmp_path):
    result = run_cli("config", "check", "--config", tmp_path / "nope.toml")
    assert result.returncode == 2 and "config file not found" in result.stderr


def test_custom_stretch_is_validated_and_offered(config_file):
    good = config_file(
        '[[stretches.custom]]\nid = "neck_circles"\nname = "Neck circles"\nmuscles = ["upper_trapezius"]\n'
        'faults = ["forward_head"]\nsteps = ["Draw slow half circles with your chin."]\nhold = "5 times"\n'
    )
    loaded = config.load(good)
    assert "neck_circles" in [s.id for s in loaded.stretches]
    bad = config_file(
        '[[stretches.custom]]\nid = "x"\nname = "X"\nmuscles = ["toes"]\nfaults = ["slouch"]\n'
        'steps = ["a"]\nhold = "1"\n',
        "bad.toml",
    )
    with pytest.raises(UserError, match="unknown muscle 'toes'"):
        config.load(bad)


def test_a_custom_stretch_with_an_unknown_placeholder_is_refused_by_config_check(config_file):
    path = config_file(
        '[[stretches.custom]]\nid = "wall_angel"\nname = "Wall angel"\nmuscles = ["upper_trapezius"]\n'
        'faults = ["slouch"]\nsteps = ["Slide your arms up the wall for {seconds} seconds."]\nhold = "5 times"\n'
        "sided = true\n"
    )
    result = run_cli("config", "check", "--config", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'wall_angel'" in result.stderr and "{seconds}" in result.stderr


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("[camera]\nsample_interval_seconds = 150\n", ("camera.sample_interval_seconds", "presence.max_gap_seconds")),
        ("[sampling]\naway_fps = 0.02\n[presence]\nmax_gap_seconds = 30\n", ("sampling.away_fps", "max_gap_seconds")),
        ('[notify]\nquiet_start = "18:00"\n', ("notify.quiet_start", "notify.quiet_end")),
    ],
)
def test_settings_that_together_would_stop_monitoring_are_refused_naming_both_keys(config_file, text, keys):
    with pytest.raises(UserError) as err:
        config.load(config_file(text))
    for key in keys:
        assert key in str(err.value)


def test_the_ranges_the_defaults_file_documents_are_the_ones_enforced():
    """default.toml says each key's range in words; config enforces its own table: they must agree."""
    lines = config.defaults_text().splitlines()
    table, checked = "", 0
    for i, line in enumerate(lines):
        if line.startswith("["):
            table = line.strip("[]")
            continue
        key = re.match(r"^(\w+) = ", line)
        if not key:
            continue
        comments = []
        for above in reversed(lines[:i]):
            if not above.startswith("#"):
                break
            comments.insert(0, above)
        documented = re.search(r"Range (-?\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", " ".join(comments))
        if documented:
            low, high = config._range(f"{table}.{key.group(1)}")
            assert (float(documented.group(1)), float(documented.group(2))) == (low, high), f"{table}.{key.group(1)}"
            checked += 1
    assert checked >= 30


def test_the_reference_covers_every_key_the_loader_accepts(config_file):
    """`config show --explain` documents exactly the keys a settings file may set, each with its meaning."""
    accepted = set(_leaves(config.defaults().to_dict()))
    documented = config_reference.every_key()
    assert {k.dotted for k in documented} == accepted
    for key in documented:
        assert key.meaning and key.allowed, key
        assert "Range" not in key.meaning, key  # the range is printed from the loader's own table
    path = config_file("[faults.slouch]\nhold_seconds = 60\n")
    shown = run_cli("config", "show", "--explain", "--config", path)
    assert shown.returncode == 0, shown.stderr
    printed = {line.split(" = ", 1)[0] for line in shown.stdout.splitlines() if re.match(r"^[a-z_.]+ = ", line)}
    assert printed == accepted
    entry = shown.stdout.split("faults.slouch.hold_seconds = ", 1)[1].split("\n\n", 1)[0]
    assert entry.startswith("60\n    seconds; a whole number from 10 to 7200; default 240 (yours differs)\n")
    assert "held (load built up) before a reminder" in entry
    assert "\n    pixels; a whole number from 160 to 3840; default 320\n" in shown.stdout


def test_the_settings_template_changes_nothing_until_a_key_is_uncommented():
    text = config_reference.template()
    assert config.parse(text.encode(), "template").to_dict() == config.defaults().to_dict()
    for key in config_reference.every_key():
        table, name = key.dotted.rsplit(".", 1)
        assert f"\n#[{table}]\n" in text and f"\n#{name} = " in text, key.dotted
    # Uncommenting a table line and one key of it is all it takes to change that key.
    edited = text.replace("#[faults.slouch]\n", "[faults.slouch]\n").replace(
        "#hold_seconds = 240\n", "hold_seconds = 90\n"
    )
    changed = config.parse(edited.encode(), "edited template")
    assert changed["faults"]["slouch"]["hold_seconds"] == 90
    assert changed["faults"]["forward_head"]["hold_seconds"] == 300


def test_config_check_lists_every_mistake_at_once_each_with_its_fix(config_file):
    path = config_file(
        '[sampling]\nfsp = 2\nfps = 500\n[camera]\nwidth = "320"\n[notify]\nquiet_start = "18:00"\n'
        "[faults.slouch]\nenabled = 1\n"
    )
    result = run_cli("config", "check", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    err = result.stderr
    assert f"{path}: 5 mistakes, each with its fix:" in err
    for fix in (
        "unknown key 'sampling.fsp'; did you mean 'sampling.fps'?",
        "sampling.fps = 500 is not allowed; expected a number from 0.1 to 30",
        "camera.width = '320' is not allowed; expected a number like 320",
        "faults.slouch.enabled = 1 is not allowed; expected true or false",
        "set both (or neither) for quiet hours",
    ):
        assert fix in err, fix


def test_a_key_an_earlier_version_read_says_what_to_write_instead(config_file):
    path = config_file("[faults.head_back]\nlift = 0.06\n")
    with pytest.raises(UserError, match=r"'faults.head_back.lift' is no longer used: .*'rise'.*calibrate"):
        config.load(path)
