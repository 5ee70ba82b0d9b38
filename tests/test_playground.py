"""The playground without a browser: the renderer hook, the server, the build's checks, and the runner.

The runner (what runs programs inside Pyodide) is plain Python: here it runs
in CPython with a stand-in for Pyodide's ``js`` module that records what it
would post to the page.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
import types
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from autograd import Value, draw
from autograd.views import render as draw_module

RUNNER = Path(__file__).resolve().parent.parent / "autograd" / "playground" / "page" / "runner.py"

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt" viewBox="0 0 10 10"></svg>'


@pytest.fixture
def renderer():
    """Register a renderer that records what it was given; removed afterwards."""
    calls = []

    def render(dot: str, fmt: str) -> str:
        calls.append((dot, fmt))
        return SVG

    draw_module.register_renderer("recorder", render)
    yield calls
    draw_module.register_renderer("recorder", None)


# -- register_renderer --------------------------------------------------------


def test_a_registered_renderer_lays_out_the_drawing_without_a_program(renderer, monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setattr(draw_module, "_which", lambda name: None)  # no dot, no graphviz-pure
    a = Value(2.0, label="a")
    d = draw(a * a)
    assert d.svg() == SVG
    assert renderer == [(d.source, "svg")]


def test_removing_the_registered_renderer_brings_back_the_programs(renderer, monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setattr(draw_module, "_which", lambda name: None)
    draw_module.register_renderer("recorder", None)
    with pytest.raises(draw_module.RendererNotFoundError):
        draw(Value(1.0, label="a") * 2).svg()


def test_a_named_renderer_is_still_the_named_program(renderer, monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setattr(draw_module, "_which", lambda name: None)
    with pytest.raises(draw_module.RendererNotFoundError, match="'dot' was not found"):
        draw(Value(1.0, label="a") * 2, renderer="dot").svg()
    assert renderer == []


@pytest.mark.parametrize(("name", "render", "expected"), [
    ("", lambda dot, fmt: "", "non-empty str"),
    (3, lambda dot, fmt: "", "non-empty str"),
    ("x", "not a function", "expected a function"),
])
def test_register_renderer_refuses_bad_arguments(name, render, expected):
    before = dict(draw_module._REGISTERED)
    with pytest.raises(TypeError, match=expected):
        draw_module.register_renderer(name, render)
    assert draw_module._REGISTERED == before


# -- the server ---------------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    from autograd.playground.server import serve

    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>")
    (tmp_path / "a.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "b.mjs").write_text("export const x = 1;")
    srv = serve(tmp_path, "127.0.0.1", 0, background=True, quiet=True)
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize(("path", "mime"), [
    ("a.wasm", "application/wasm"), ("b.mjs", "text/javascript"), ("index.html", "text/html"),
])
def test_the_server_sends_the_right_types_and_the_isolation_headers(served, path, mime):
    with urllib.request.urlopen(served + path) as response:
        assert response.headers["Content-Type"].split(";")[0] == mime
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"


def test_serving_a_folder_without_a_site_says_to_build_it(tmp_path):
    from autograd.playground.server import make_server

    with pytest.raises(FileNotFoundError, match="python -m autograd.playground build"):
        make_server(tmp_path)


@pytest.mark.parametrize("port", [-1, 70000, "80", True])
def test_a_bad_port_is_refused(tmp_path, port):
    from autograd.playground.server import make_server

    (tmp_path / "index.html").write_text("")
    with pytest.raises(ValueError, match="port"):
        make_server(tmp_path, port=port)


def test_the_command_line_reports_a_missing_site(tmp_path, capsys):
    from autograd.playground.__main__ import main

    assert main(["serve", str(tmp_path / "nowhere"), "--port", "0"]) == 1
    assert "build the site first" in capsys.readouterr().err


def test_serving_to_the_room_also_names_the_network_address():
    from autograd.playground.server import addresses

    assert addresses("127.0.0.1", 8000) == ["http://127.0.0.1:8000/"]
    everyone = addresses("0.0.0.0", 8123)
    assert everyone[0] == "http://localhost:8123/"
    assert all(url.endswith(":8123/") for url in everyone)


# -- the build ----------------------------------------------------------------


def test_without_npm_the_build_says_what_to_install(tmp_path, monkeypatch):
    import autograd.playground as playground

    monkeypatch.setenv(playground.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(playground.shutil, "which", lambda name: None)
    with pytest.raises(playground.PlaygroundBuildError, match="install Node.js"):
        playground.build(tmp_path / "site", log=lambda *a: None)
    assert not (tmp_path / "site").exists()


def test_the_site_carries_the_checkouts_packages(tmp_path):
    pytest.importorskip("graphviz")
    import autograd.playground as playground

    names = set(zipfile.ZipFile(_zip(tmp_path, playground)).namelist())
    for expected in ("autograd/__init__.py", "autograd/engine.py", "autograd/views/draw.py", "nn/train.py",
                     "autograd/views/page/stepper.js", "graphviz/__init__.py"):
        assert expected in names
    assert not any(n.startswith("autograd/playground") or "__pycache__" in n for n in names)
    engine = (playground.CHECKOUT / "autograd" / "engine.py").read_bytes()
    assert zipfile.ZipFile(tmp_path / "c.zip").read("autograd/engine.py") == engine


def _zip(tmp_path, playground):
    playground._write_zip(tmp_path / "c.zip")
    return tmp_path / "c.zip"


def test_the_package_json_pins_exact_versions_and_the_lock_agrees():
    import autograd.playground as playground

    package = json.loads((playground.HERE / "package.json").read_text())
    lock = json.loads((playground.HERE / "package-lock.json").read_text())
    assert set(package["dependencies"]) == {"pyodide", "@viz-js/viz", "codemirror"}
    for name, version in package["dependencies"].items():
        assert version[0].isdigit(), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert package["dependencies"]["pyodide"].startswith("314.")  # Python 3.14


def test_every_example_is_listed_with_a_title():
    import autograd.playground as playground

    files = sorted(p.name for p in (playground.PAGE / "examples").glob("*.py"))
    assert sorted(playground.EXAMPLES) == files
    titles = [e["title"] for e in playground._examples()]
    assert len(set(titles)) == len(titles) and all(titles)


# -- the runner, in CPython -----------------------------------------------------


@pytest.fixture
def runner(monkeypatch):
    """runner.py with a stand-in for Pyodide's js module; ``posts`` is what it sent to the page."""
    posts: list[dict] = []
    fake_js = types.ModuleType("js")
    fake_js.chainrule_post = lambda text: posts.append(json.loads(text))
    fake_js.chainrule_render = lambda dot, fmt: SVG
    monkeypatch.setitem(sys.modules, "js", fake_js)
    for name in ("tqdm", "tqdm.auto", "ipywidgets"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    spec = importlib.util.spec_from_file_location("chainrule_runner_under_test", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.setup()
    module.posts = posts
    yield module
    draw_module.register_renderer("viz-js", None)
    for name in ("tqdm", "tqdm.auto", "ipywidgets"):
        sys.modules.pop(name, None)


def test_the_last_expression_is_shown_and_printing_goes_to_stdout(runner, capsys):
    assert runner.run("x = 6\nprint(x * 7)\nx + 1\n") is True
    assert capsys.readouterr().out == "42\n"
    assert runner.posts == [{"type": "text", "text": "7"}]


def test_a_drawing_is_laid_out_by_the_pages_renderer(runner):
    pytest.importorskip("graphviz")
    runner.run("from autograd import Value, draw\na = Value(2.0, label='a')\ndraw(a * a)\n")
    (post,) = runner.posts
    assert post["type"] == "svg" and post["nodes"] == 2  # a, and a·a
    assert 'width="100%"' in post["svg"]  # fitted to the output column


def test_the_network_example_shows_the_network_picture_and_the_layer_view(runner):
    pytest.importorskip("graphviz")
    import autograd.playground as playground

    code = (playground.PAGE / "examples" / "network.py").read_text(encoding="utf-8")
    assert runner.run(code) is True, runner.posts
    kinds = [post["type"] for post in runner.posts]
    assert kinds == ["svg", "stepper"]
    # The stepper's page is the layer view, of a network of 2 and 1 neurons (the default view has none).
    assert '"layers": [2, 1]' in runner.posts[1]["html"]


def test_an_error_is_pythons_traceback_of_the_program_only(runner):
    code = "def f(v):\n    return v.log()\n\nfrom autograd import Value\nf(Value(-2.0))\n"
    assert runner.run(code) is False
    (post,) = runner.posts
    assert post["type"] == "error" and post["name"] == "ValueError"
    text = post["text"]
    assert 'File "<program>", line 5, in <module>' in text and 'File "<program>", line 2, in f' in text
    assert "return v.log()" in text  # the program's line is quoted
    assert "runner" not in text


def test_a_syntax_error_names_the_line(runner):
    assert runner.run("x = (1 +\n") is False
    assert runner.posts[0]["name"] == "SyntaxError" and "line 1" in runner.posts[0]["text"]


def test_each_run_starts_with_a_fresh_namespace(runner):
    runner.run("secret = 1\n")
    runner.run("secret\n")
    assert runner.posts[-1]["name"] == "NameError"


def test_fit_reports_every_epoch_with_its_loss(runner):
    code = (
        "from nn import MLP, SGD, fit, make_moons\n"
        "X, y = make_moons(30, noise=0.1, seed=3)\n"
        "model = MLP(2, [4, 1], seed=0)\n"
        "h = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.1), epochs=5)\n"
        "h\n"
    )
    assert runner.run(code) is True
    progress = [p for p in runner.posts if p["type"] == "progress"]
    assert [p["n"] for p in progress] == [0, 1, 2, 3, 4, 5] and {p["total"] for p in progress} == {5}
    curve = next(p for p in runner.posts if p["type"] == "curve")["loss"]
    for p, loss in zip(progress[1:], curve):
        assert p["status"].startswith(f"loss {loss:.4f}")


def test_sliders_rerun_the_function_when_moved(runner):
    code = (
        "import autograd\n"
        "def neuron(x=2.0, w=-3.0, b=6.88):\n"
        "    return (x * w + b).tanh()\n"
        "autograd.interact(neuron, x=(-2, 2), w=(-3, 3), b=(-8, 8))\n"
    )
    assert runner.run(code) is True
    (shown,) = runner.posts
    assert shown["type"] == "interact"
    assert [(s["name"], s["min"], s["max"], s["value"]) for s in shown["sliders"]] == [
        ("x", -2, 2, 2.0), ("w", -3, 3, -3.0), ("b", -8, 8, 6.88)]
    runner.slide(shown["id"], "w", 1.0)
    interaction = runner._interactions[shown["id"]]
    # ∂/∂x tanh(xw + b) = w·sech²(xw + b); the engine's 1 − tanh² loses digits near tanh = 1.
    assert math.isclose(interaction.gradients["x"], 1.0 / math.cosh(2.0 + 6.88) ** 2, rel_tol=1e-6)
    assert runner.posts[-1] == {"type": "interact-update", "id": shown["id"], "html": interaction.html}


def test_compiled_code_is_shown_as_its_source(runner):
    runner.run("import autograd\ng = autograd.compile(lambda x: x * x)\ng\n")
    assert runner.posts[-1]["type"] == "text"  # not traced yet: no code to show
    runner.run("import autograd\ng = autograd.compile(lambda x: x * x)\ng(3.0)\ng\n")
    namespace = {}
    exec("import autograd\ng = autograd.compile(lambda x: x * x)\ng(3.0)\n", namespace)
    assert runner.posts[-1]["type"] == "code" and runner.posts[-1]["text"] == namespace["g"].source

