// The playground's Python: Pyodide in a Web Worker, so that the page stays
// responsive while a program runs. Messages in: {type: "init", interrupt},
// {type: "run", code, id}, {type: "slide", key, name, value}. Messages out:
// what runner.py posts (text, svg, stepper, ...), plus "status", "ready",
// "out"/"err" (printed lines) and "done".
import { loadPyodide } from "./vendor/pyodide/pyodide.mjs";
import { instance as vizInstance } from "./vendor/viz/viz.js";

const post = (message) => self.postMessage(message);
let runner = null;
let pyodide = null;

async function start(interruptBuffer) {
  const started = performance.now();
  post({ type: "status", text: "Loading Python and Graphviz…" });
  const here = new URL(".", import.meta.url).href;
  // Fetched while Python starts, not after.
  const files = Promise.all([
    fetch(here + "chainrule.zip").then((r) => r.arrayBuffer()),
    fetch(here + "runner.py").then((r) => r.text()),
  ]);
  const [py, viz] = await Promise.all([
    loadPyodide({
      indexURL: here + "vendor/pyodide/",
      stdout: (line) => post({ type: "out", text: line + "\n" }),
      stderr: (line) => post({ type: "err", text: line + "\n" }),
    }),
    vizInstance(),
  ]);
  pyodide = py;
  // Synchronous: Python calls it in the middle of draw(...).svg().
  self.chainrule_render = (dot, format) => viz.renderString(dot, { format });
  self.chainrule_post = (json) => post(JSON.parse(json));
  if (interruptBuffer) pyodide.setInterruptBuffer(interruptBuffer);
  post({ type: "status", text: "Loading chainrule…" });
  const [zip, runnerSource] = await files;
  const home = "/home/pyodide/chainrule";
  pyodide.FS.mkdirTree(home);
  pyodide.unpackArchive(zip, "zip", { extractDir: home });
  pyodide.FS.writeFile(home + "/chainrule_runner.py", runnerSource);
  pyodide.runPython(`import sys\nsys.path.insert(0, ${JSON.stringify(home)})`);
  runner = pyodide.pyimport("chainrule_runner");
  runner.setup();
  post({
    type: "ready",
    ms: performance.now() - started,
    python: pyodide.runPython("import sys; sys.version.split()[0]"),
    interruptible: Boolean(interruptBuffer),
  });
}

let ready = null;

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    ready = start(message.interrupt).catch((error) => {
      post({ type: "fatal", text: String(error && error.stack ? error.stack : error) });
    });
    return;
  }
  await ready;
  if (!runner) return;
  if (message.type === "run") {
    const t0 = performance.now();
    let ok = false;
    try {
      ok = runner.run(message.code);
    } catch (error) {
      post({ type: "error", text: String(error) });
    }
    post({ type: "done", id: message.id, ok, ms: performance.now() - t0 });
  } else if (message.type === "slide") {
    try {
      runner.slide(message.key, message.name, message.value);
    } catch (error) {
      post({ type: "error", text: String(error) });
    }
  }
};
