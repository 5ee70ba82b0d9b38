"""Saving and loading models: refused bad files, and saves that never destroy the old file."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

import nn
from nn import MLP, Layer, Neuron, load_model


@pytest.fixture
def saved(tmp_path):
    """A small MLP saved to m.json: (path, the model)."""
    path = tmp_path / "m.json"
    model = MLP(2, [3, 1], seed=0)
    model.save(str(path))
    return path, model


def _rewrite(path, **changes):
    document = json.loads(path.read_text())
    document.update(changes)
    path.write_text(json.dumps(document))


# ---------------------------------------------------------------- architecture vs weights


@pytest.mark.parametrize(
    "config, implied",
    [
        ({"nouts": [1000000000, 1]}, "4,000,000,001 parameters"),
        ({"nin": 1000000}, "3,000,007 parameters"),
    ],
)
def test_a_config_that_does_not_fit_the_weights_is_refused_before_building(saved, config, implied):
    path, _ = saved
    document = json.loads(path.read_text())
    _rewrite(path, config={**document["config"], **config})
    with pytest.raises(ValueError, match=rf"m\.json.*{implied}, but the file holds 13 weights"):
        load_model(str(path))


@pytest.mark.parametrize(
    "model, expected",
    [
        (Neuron(4, seed=0), 5),
        (Neuron(4, bias=False, seed=0), 4),
        (Layer(3, 2, seed=0), 8),
        (MLP(2, [16, 16, 1], seed=0), 337),
        (MLP(3, [4, 2], bias=False, seed=0), 20),
    ],
)
def test_the_implied_count_matches_what_the_model_builds(tmp_path, model, expected):
    path = tmp_path / "m.json"
    model.save(str(path))
    assert model.num_parameters() == expected
    assert load_model(str(path)).state_dict() == model.state_dict()


def test_a_config_with_a_bad_size_is_refused_with_the_file_name(saved):
    path, _ = saved
    document = json.loads(path.read_text())
    _rewrite(path, config={**document["config"], "nouts": [3, "one"]})
    with pytest.raises(ValueError, match=r"m\.json.*nouts\[1\]\): expected a positive int"):
        load_model(str(path))


# ---------------------------------------------------------------- numbers no float holds


@pytest.mark.parametrize(
    "text, message",
    [
        ("NaN", "contains NaN"),
        ("Infinity", "contains Infinity"),
        ("-Infinity", "contains -Infinity"),
        ("1e400", "1e400, too large for a float"),
        ("1" + "0" * 400, "integer of 401 digits"),
    ],
)
def test_a_weight_no_float_can_hold_is_refused(saved, text, message):
    path, model = saved
    name = "layers.0.neurons.0.w.0"
    raw = path.read_text().replace(f'"{name}": {model.state_dict()[name]!r}', f'"{name}": {text}')
    assert text in raw
    path.write_text(raw)
    with pytest.raises(ValueError, match=rf"m\.json.*{message}"):
        load_model(str(path))
    with pytest.raises(ValueError, match=rf"m\.json.*{message}"):
        model.load(str(path))


def test_deep_nesting_is_a_value_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=r"deep\.json.*nested too deeply"):
        load_model(str(path))


def test_bytes_that_are_not_utf8_are_a_value_error(saved):
    path, _ = saved
    path.write_bytes(path.read_bytes().replace(b'"MLP"', b'"ML\xff"'))
    with pytest.raises(ValueError, match=r"m\.json.*not UTF-8"):
        load_model(str(path))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_load_state_dict_refuses_a_weight_that_is_not_finite_and_changes_nothing(bad):
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = dict(before, **{"layers.1.neurons.0.b": bad})
    with pytest.raises(ValueError, match=r"'layers\.1\.neurons\.0\.b' is (nan|inf); every parameter"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_save_refuses_a_model_with_a_nan_weight_and_keeps_the_old_file(saved):
    path, model = saved
    old = path.read_bytes()
    model.layers[0].neurons[1].w[0].data = float("nan")
    with pytest.raises(ValueError, match=r"save: 'layers\.0\.neurons\.1\.w\.0' is nan"):
        model.save(str(path))
    assert path.read_bytes() == old


# ---------------------------------------------------------------- a save that fails half-way


def _left_over(folder, keep):
    return sorted(name for name in os.listdir(folder) if name != keep)


def test_a_save_that_fails_part_way_keeps_the_old_file(saved, monkeypatch):
    path, old_model = saved
    bigger = MLP(2, [30, 30, 1], seed=1)

    def disk_full(fd):  # the bytes are written, but the disk cannot hold them
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        bigger.save(str(path))
    monkeypatch.undo()
    assert load_model(str(path)).state_dict() == old_model.state_dict()
    assert _left_over(path.parent, "m.json") == []


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs RLIMIT_FSIZE")
def test_a_save_over_the_file_size_limit_keeps_the_old_file(tmp_path):
    path = tmp_path / "m.json"
    small = MLP(2, [3, 1], seed=0)
    small.save(str(path))
    limit = path.stat().st_size + 1000
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from nn import MLP
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # fail the write with EFBIG, not kill
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
        try:
            MLP(2, [30, 30, 1], seed=1).save({str(path)!r})
        except OSError as e:
            print("failed:", e.errno)
            sys.exit(0)
        sys.exit("the save did not fail")
        """
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("failed:")
    assert load_model(str(path)).state_dict() == small.state_dict()
    assert _left_over(tmp_path, "m.json") == []


def test_save_replaces_the_old_file_and_keeps_its_permissions(saved):
    path, _ = saved
    os.chmod(path, 0o640)
    other = MLP(2, [3, 1], seed=7)
    other.save(path)
    assert load_model(path).state_dict() == other.state_dict()
    assert (os.stat(path).st_mode & 0o777, _left_over(path.parent, "m.json")) == (0o640, [])


# ---------------------------------------------------------------- bias must be a bool


@pytest.mark.parametrize("factory", [lambda b: MLP(2, [1], bias=b), lambda b: Layer(2, 1, bias=b),
                                     lambda b: Neuron(2, bias=b)])
@pytest.mark.parametrize("bias", ["no", 0, None])
def test_bias_must_be_a_bool(factory, bias):
    with pytest.raises(TypeError, match=r"\(bias\): expected True or False"):
        factory(bias)


def test_to_torch_is_a_function_of_nn():
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 1], seed=0)
    net = nn.to_torch(model)
    out = net(torch.tensor([0.5, -1.0], dtype=torch.float64))
    assert out.item() == pytest.approx(model([0.5, -1.0]).data, abs=1e-12)


# ---------------------------------------------------------------- a save killed, a link at the target


_KILLED_MID_SAVE = textwrap.dedent(
    """
    import os, sys, time
    from nn import MLP

    def fsync_then_hang(fd):
        print("writing", flush=True)  # the temporary file is written: now is the time to kill
        time.sleep(60)

    os.fsync = fsync_then_hang
    MLP(2, [30, 30, 1], seed=1).save(sys.argv[1])
    """
)


@pytest.mark.skipif(not hasattr(os, "kill") or os.name != "posix", reason="needs SIGKILL")
def test_a_save_killed_with_sigkill_leaves_a_named_temporary_that_the_next_save_removes(saved):
    import signal

    path, model = saved
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    child = subprocess.Popen([sys.executable, "-c", _KILLED_MID_SAVE, str(path)], cwd=root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "writing\n", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        child.stderr.close()
    left = _left_over(path.parent, "m.json")
    assert [name.split(".")[:3] + name.split(".")[-1:] for name in left] == [
        ["", "m", "json", "chainrule-tmp"]], left
    assert left[0].startswith(f".m.json.{child.pid}.")
    assert load_model(str(path)).state_dict() == model.state_dict()  # the old file is whole
    # A save under way in a live process, and files that are not this target's temporaries, stay.
    live = path.parent / f".m.json.{os.getppid()}.0123abcd.chainrule-tmp"
    others = [path.parent / ".other.json.1.0123abcd.chainrule-tmp", path.parent / ".m.json.chainrule-tmp-a"]
    for p in (live, *others):
        p.write_text("")
    model.save(str(path))
    assert _left_over(path.parent, "m.json") == sorted(p.name for p in (live, *others))


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="needs symbolic links")
def test_save_replaces_a_link_at_the_target_and_never_writes_through_it(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "precious.txt"
    victim.write_text("not a model")
    os.chmod(victim, 0o600)
    folder = tmp_path / "models"
    folder.mkdir()
    link, dangling = folder / "m.json", folder / "n.json"
    link.symlink_to(victim)
    dangling.symlink_to(elsewhere / "new.txt")
    model = MLP(2, [3, 1], seed=0)
    model.save(str(link))
    model.save(str(dangling))
    assert victim.read_text() == "not a model" and os.stat(victim).st_mode & 0o777 == 0o600
    assert sorted(os.listdir(elsewhere)) == ["precious.txt"]
    assert not link.is_symlink() and not dangling.is_symlink()
    assert load_model(str(link)).state_dict() == load_model(str(dangling)).state_dict() == model.state_dict()
    # The new file is made as open() would make it, not with the permissions of the file the link named.
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(link).st_mode & 0o777 == 0o666 & ~umask
